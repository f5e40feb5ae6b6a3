import * as pulumi from "@pulumi/pulumi";
import { specialResourceSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";

export const mockAccountId = "123456789012";
/** The Region of a stack whose config names none. */
export const mockRegion = "ap-northeast-1";
export const mockAmiId = "ami-0a1b2c3d4e5f67890";
// The regional ELB log-delivery account of ap-northeast-1.
export const mockElbAccountArn = "arn:aws:iam::582318560864:root";

// The regional ELB log-delivery accounts (ELB access-log documentation); Regions opened since
// August 2022 have none, and elb.getServiceAccount fails there.
const elbAccountIds: Record<string, string> = {
    "ap-northeast-1": "582318560864",
    "cn-north-1": "638102146993",
    "cn-northwest-1": "037604701340",
    "us-gov-west-1": "048591011584",
    "us-gov-east-1": "190560391635",
};

/** The partition of a Region and its domain, as getPartition answers them. */
export function partitionOfRegion(region: string): { partition: string; dnsSuffix: string } {
    if (region.startsWith("cn-")) return { partition: "aws-cn", dnsSuffix: "amazonaws.com.cn" };
    if (region.startsWith("us-gov-")) return { partition: "aws-us-gov", dnsSuffix: "amazonaws.com" };
    return { partition: "aws", dnsSuffix: "amazonaws.com" };
}

/** An Aurora cluster the account already runs, as the rds data sources read it. */
export interface MockedCluster {
    identifier: string;
    engineVersion: string;
    /** Instance class by instance identifier. */
    instanceClasses: Record<string, string>;
    logExports: string[];
    deletionProtection: boolean;
}

/** The account this mocked cloud plays: its Region (and with it the partition of every ARN it gives), and what it already runs. */
/** A web system the account already runs, built elsewhere: what the ec2 and lb data sources find. */
export interface MockedExistingSystem {
    instances: { id: string; tags: Record<string, string>; availabilityZone: string; state: string }[];
    listeners: { arn: string; protocol: string; port: number }[];
    /** Each with the load balancers that route to it (one at most), as DescribeTargetGroups gives them. */
    targetGroups: { arn: string; name: string; targetType: string; loadBalancerArns?: string[] }[];
    /** RDS DB instances, as rds.getInstance reads them. */
    dbInstances?: MockedDbInstance[];
}

export interface MockedDbInstance {
    identifier: string;
    engine: string;
    engineVersion: string;
    /** The cluster it belongs to, if any. */
    dbClusterIdentifier?: string;
    /** What it is a read replica of, if it is one. */
    replicateSourceDb?: string;
    multiAz?: boolean;
    instanceClass: string;
}

export interface MockedCloudOptions {
    region?: string;
    /** The stack's cluster as deployed earlier; none before the first deployment. */
    deployedCluster?: MockedCluster;
    /** Servers, listeners and target groups of a system built elsewhere. */
    existing?: MockedExistingSystem;
    /** AWS Backup's service opt-in of the Region (DescribeRegionSettings' ResourceTypeOptInPreference). */
    backupOptIn?: Record<string, boolean>;
}

/** A Region's AWS Backup opt-in with the jobnets' types on, and others off as an account may have them. */
export const defaultBackupOptIn: Record<string, boolean> = {
    Aurora: true, CloudFormation: true, DocumentDB: true, DSQL: true, DynamoDB: true, EBS: true, EC2: true, EFS: true, FSx: true,
    Neptune: true, RDS: true, Redshift: true, "Redshift Serverless": true, S3: false, "SAP HANA on Amazon EC2": false, "Storage Gateway": true, VirtualMachine: true,
};

/** One resource the program registered, as the mocked engine saw it. */
export interface RegisteredResource {
    type: string;
    name: string;
    id: string;
    inputs: Record<string, any>;
    state: Record<string, any>;
    /** Reference to the provider that manages it, when one was given explicitly or inherited. */
    provider?: string;
    /** False for component resources, which AWS never sees. */
    custom: boolean;
    /** Set once the engine has registered it (see mockedEngine.ts). */
    urn?: string;
    /**
     * The URNs of the resources it waits on, as the SDK sent them to the engine: its dependsOn and
     * the resources its inputs come from (a remote component stands for all of its children).
     */
    dependencies?: string[];
    /** Whether it carries Pulumi's protect option, as the SDK sent it to the engine (inherited from its parent when not its own). */
    protect?: boolean;
    /** The aliases it carries, as the SDK sent them to the engine (a URN, or the parts of one). */
    aliases?: unknown[];
}

/** A resource a remote component made: the program reaches it only through a reference in the component's outputs. */
export interface ComponentChild {
    urn: string;
    id: string;
    state: Record<string, string>;
}

export interface Invocation {
    token: string;
    inputs: Record<string, any>;
}

/**
 * Plays the AWS provider for an in-process run: gives each resource the ids, ARNs and computed
 * outputs AWS would, and answers the program's data-source calls. Unknown calls fail loudly.
 */
export class MockedCloud implements pulumi.runtime.Mocks {
    readonly resources: RegisteredResource[] = [];
    readonly invocations: Invocation[] = [];
    readonly componentChildren: ComponentChild[] = [];
    /** The existing resources the program read (Resource.get). */
    readonly reads: RegisteredResource[] = [];
    readonly region: string;
    readonly partition: string;
    readonly dnsSuffix: string;
    private readonly subnetAz = new Map<string, string>();
    private readonly deployedCluster: MockedCluster | undefined;
    private readonly existingSystem: MockedExistingSystem;
    private readonly backupOptIn: Record<string, boolean>;
    private serial = 0;

    constructor(options: MockedCloudOptions = {}) {
        this.region = options.region ?? mockRegion;
        this.deployedCluster = options.deployedCluster;
        this.existingSystem = options.existing ?? { instances: [], listeners: [], targetGroups: [] };
        this.backupOptIn = options.backupOptIn ?? defaultBackupOptIn;
        ({ partition: this.partition, dnsSuffix: this.dnsSuffix } = partitionOfRegion(this.region));
    }

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, any> } {
        // Resource.get reads an existing resource by its id: it is no resource of the stack.
        if (args.id !== undefined && args.id !== "") {
            const state = this.existing(args.type, args.id);
            this.reads.push({ type: args.type, name: args.name, id: args.id, inputs: args.inputs, state, provider: args.provider, custom: true });
            return { id: args.id, state };
        }
        const { id, state } = this.computed(args.type, args.name, args.inputs);
        const merged = { ...args.inputs, ...state };
        this.resources.push({ type: args.type, name: args.name, id, inputs: args.inputs, state: merged, provider: args.provider, custom: args.custom ?? false });
        return { id, state: merged };
    }

    /** What the engine learnt when it registered a resource this cloud made. */
    registered(r: { type: string; name: string; id: string; urn: string; dependencies: string[]; protect: boolean; aliases: unknown[] }): void {
        const [resource, ...others] = this.resources.filter((x) => x.type === r.type && x.name === r.name && (x.id ?? "") === r.id && x.urn === undefined);
        if (resource === undefined || others.length > 0) throw new Error(`MockedCloud cannot tell which ${r.type} ${r.name} (id "${r.id}") the engine registered`);
        resource.urn = r.urn;
        resource.dependencies = r.dependencies;
        resource.protect = r.protect;
        resource.aliases = r.aliases;
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
        this.invocations.push({ token: args.token, inputs: args.inputs });
        switch (args.token) {
            case "aws:index/getCallerIdentity:getCallerIdentity":
                return { accountId: mockAccountId, arn: `arn:${this.partition}:iam::${mockAccountId}:user/test`, userId: "AIDATEST", id: mockAccountId };
            case "aws:index/getPartition:getPartition":
                return { partition: this.partition, dnsSuffix: this.dnsSuffix, id: this.partition };
            case "aws:index/getRegion:getRegion":
                return { region: this.region, name: this.region, id: this.region };
            case "aws:elb/getServiceAccount:getServiceAccount": {
                const account = elbAccountIds[this.region];
                if (account === undefined) throw new Error(`no ELB account for region ${this.region}`);
                return { arn: `arn:${this.partition}:iam::${account}:root`, id: account };
            }
            case "aws:rds/getClusters:getClusters": {
                const wanted: string[] = args.inputs.filters?.find((f: { name: string }) => f.name === "db-cluster-id")?.values ?? [];
                const found = this.deployedCluster && wanted.includes(this.deployedCluster.identifier) ? [this.deployedCluster.identifier] : [];
                return { clusterIdentifiers: found, clusterArns: found.map((id) => this.arn("rds", `cluster:${id}`)), id: this.region };
            }
            case "aws:rds/getCluster:getCluster": {
                const c = this.deployedCluster;
                // As the provider does for a cluster that does not exist.
                if (c === undefined || c.identifier !== args.inputs.clusterIdentifier) throw new Error(`reading RDS Cluster (${args.inputs.clusterIdentifier}): couldn't find resource`);
                return {
                    clusterIdentifier: c.identifier,
                    arn: this.arn("rds", `cluster:${c.identifier}`),
                    engine: "aurora-mysql",
                    engineVersion: c.engineVersion,
                    clusterMembers: Object.keys(c.instanceClasses),
                    enabledCloudwatchLogsExports: c.logExports,
                    deletionProtection: c.deletionProtection,
                    id: c.identifier,
                };
            }
            case "aws:rds/getInstances:getInstances": {
                const wanted: string[] = args.inputs.filters?.find((f: { name: string }) => f.name === "db-instance-id")?.values ?? [];
                const found = this.dbInstances().filter((d) => wanted.includes(d.identifier)).map((d) => d.identifier);
                return { instanceIdentifiers: found, instanceArns: found.map((id) => this.arn("rds", `db:${id}`)), id: this.region };
            }
            case "aws:rds/getInstance:getInstance": {
                const d = this.dbInstances().find((x) => x.identifier === args.inputs.dbInstanceIdentifier);
                if (d === undefined) throw new Error(`reading RDS DB Instance (${args.inputs.dbInstanceIdentifier}): couldn't find resource`);
                return {
                    dbInstanceIdentifier: d.identifier,
                    dbInstanceArn: this.arn("rds", `db:${d.identifier}`),
                    engine: d.engine,
                    engineVersion: d.engineVersion,
                    dbClusterIdentifier: d.dbClusterIdentifier ?? "",
                    replicateSourceDb: d.replicateSourceDb ?? "",
                    multiAz: d.multiAz ?? false,
                    dbInstanceClass: d.instanceClass,
                    id: d.identifier,
                };
            }
            // The provider's errors for what is not there, as it words them.
            case "aws:ec2/getInstance:getInstance": {
                const i = this.existingSystem.instances.find((x) => x.id === args.inputs.instanceId);
                if (i === undefined) throw new Error("Your query returned no results. Please change your search criteria and try again.");
                return { id: i.id, arn: this.arn("ec2", `instance/${i.id}`), availabilityZone: i.availabilityZone, instanceState: i.state, tags: i.tags };
            }
            case "aws:ec2/getInstances:getInstances": {
                const tags: Record<string, string> = args.inputs.instanceTags ?? {};
                const states: string[] = args.inputs.instanceStateNames ?? ["running"];
                const ids = this.existingSystem.instances.filter((i) => states.includes(i.state) && Object.entries(tags).every(([k, v]) => i.tags[k] === v)).map((i) => i.id);
                return { ids, id: this.region, instanceTags: tags, privateIps: [], publicIps: [], ipv6Addresses: [] };
            }
            case "aws:lb/getListener:getListener": {
                const l = this.existingSystem.listeners.find((x) => x.arn === args.inputs.arn);
                if (l === undefined) throw new Error(`ListenerNotFound: One or more listeners not found`);
                return { ...l, id: l.arn, defaultActions: [] };
            }
            case "aws:lb/getTargetGroup:getTargetGroup": {
                const g = this.existingSystem.targetGroups.find((x) => x.arn === args.inputs.arn);
                if (g === undefined) throw new Error(`TargetGroupNotFound: One or more target groups not found`);
                return { ...g, loadBalancerArns: g.loadBalancerArns ?? [], id: g.arn };
            }
            case "aws:ssm/getParameter:getParameter":
                return { name: args.inputs.name, value: mockAmiId, type: "String", id: args.inputs.name };
            default:
                throw new Error(`MockedCloud has no answer for ${args.token}`);
        }
    }

    /** The account's RDS DB instances: those of the existing system, and those of the stack's cluster as deployed. */
    private dbInstances(): MockedDbInstance[] {
        const c = this.deployedCluster;
        const members = c === undefined ? [] : Object.entries(c.instanceClasses).map(([identifier, instanceClass]) =>
            ({ identifier, engine: "aurora-mysql", engineVersion: c.engineVersion, dbClusterIdentifier: c.identifier, instanceClass }));
        return [...(this.existingSystem.dbInstances ?? []), ...members];
    }

    ofType(type: string): RegisteredResource[] {
        return this.resources.filter((r) => r.type === type);
    }

    /** The only resource of a type; fails when there is not exactly one. */
    one(type: string): RegisteredResource {
        const found = this.ofType(type);
        if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
        return found[0];
    }

    byId(id: string): RegisteredResource | undefined {
        return this.resources.find((r) => r.id === id);
    }

    countsByType(): Record<string, number> {
        const counts: Record<string, number> = {};
        for (const r of this.resources) counts[r.type] = (counts[r.type] ?? 0) + 1;
        return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
    }

    availabilityZoneOfSubnet(subnetId: string): string | undefined {
        return this.subnetAz.get(subnetId);
    }

    private computed(type: string, name: string, inputs: Record<string, any>): { id: string; state: Record<string, any> } {
        const n = ++this.serial;
        const hex = n.toString(16).padStart(8, "0");
        const arn = (service: string, resource: string) => this.arn(service, resource);
        switch (type) {
            case "awsx:ec2:Vpc":
                return { id: "", state: this.vpc(name, inputs) };
            case "aws:ec2/instance:Instance": {
                const id = `i-0${hex}abcdef0`;
                return {
                    id,
                    state: { arn: arn("ec2", `instance/${id}`), availabilityZone: this.subnetAz.get(inputs.subnetId), privateIp: `10.0.1.${n}` },
                };
            }
            case "aws:rds/cluster:Cluster":
                return {
                    id: inputs.clusterIdentifier,
                    state: {
                        arn: arn("rds", `cluster:${inputs.clusterIdentifier}`),
                        endpoint: `${inputs.clusterIdentifier}.cluster-abc.${this.region}.rds.${this.dnsSuffix}`,
                        masterUserSecrets: [{ secretArn: arn("secretsmanager", `secret:rds!cluster-${hex}-AbCdEf`), secretStatus: "active" }],
                    },
                };
            case "aws:lb/loadBalancer:LoadBalancer":
                return { id: arn("elasticloadbalancing", `loadbalancer/app/${name}/${hex}`), state: {
                    arn: arn("elasticloadbalancing", `loadbalancer/app/${name}/${hex}`),
                    dnsName: `${name}-${n}.${this.region}.elb.${this.dnsSuffix}`,
                    // The ALB's canonical hosted zone in ap-northeast-1, for alias records.
                    zoneId: "Z14GRHDCWA56QT",
                } };
            case "aws:lb/targetGroup:TargetGroup":
                return { id: arn("elasticloadbalancing", `targetgroup/${name}/${hex}`), state: { arn: arn("elasticloadbalancing", `targetgroup/${name}/${hex}`) } };
            case "aws:lb/listener:Listener": {
                // As AWS forms it: the load balancer's ARN, listener for loadbalancer, and an id of its own.
                const listenerArn = typeof inputs.loadBalancerArn === "string" && inputs.loadBalancerArn.includes(":loadbalancer/")
                    ? `${inputs.loadBalancerArn.replace(":loadbalancer/", ":listener/")}/${hex}`
                    : arn("elasticloadbalancing", `listener/app/${name}/${hex}/${hex}`);
                return { id: listenerArn, state: { arn: listenerArn } };
            }
            case "aws:s3/bucket:Bucket": {
                const bucket = `${name}-${hex}`;
                return { id: bucket, state: { bucket, arn: `arn:${this.partition}:s3:::${bucket}` } };
            }
            case "aws:cloudwatch/logGroup:LogGroup": {
                const logGroupName = inputs.name ?? `${name}-${hex}`;
                return { id: logGroupName, state: { name: logGroupName, arn: arn("logs", `log-group:${logGroupName}`) } };
            }
            case "aws:iam/role:Role": {
                const roleName = `${name}-${hex}`;
                return { id: roleName, state: { name: roleName, arn: `arn:${this.partition}:iam::${mockAccountId}:role/${roleName}` } };
            }
            case "aws:iam/instanceProfile:InstanceProfile": {
                const profileName = `${name}-${hex}`;
                return { id: profileName, state: { name: profileName, arn: `arn:${this.partition}:iam::${mockAccountId}:instance-profile/${profileName}` } };
            }
            case "aws:lambda/function:Function":
                return { id: inputs.name, state: { arn: arn("lambda", `function:${inputs.name}`), invokeArn: `arn:${this.partition}:apigateway:${this.region}:lambda:path/functions/${arn("lambda", `function:${inputs.name}`)}/invocations` } };
            case "aws:sfn/stateMachine:StateMachine":
                return { id: arn("states", `stateMachine:${inputs.name}`), state: { arn: arn("states", `stateMachine:${inputs.name}`) } };
            case "aws:secretsmanager/secret:Secret":
                return { id: arn("secretsmanager", `secret:${name}-AbCdEf`), state: { arn: arn("secretsmanager", `secret:${name}-AbCdEf`) } };
            case "aws:cloudwatch/eventRule:EventRule": {
                const ruleName = inputs.name ?? `${name}-${hex}`;
                return { id: ruleName, state: { name: ruleName, arn: arn("events", `rule/${ruleName}`) } };
            }
            case "aws:scheduler/schedule:Schedule":
                return { id: inputs.name, state: { arn: arn("scheduler", `schedule/default/${inputs.name}`) } };
            // A topic's ARN is its id; a subscription's, the topic's and an id, "pending confirmation" until confirmed (email).
            case "aws:sns/topic:Topic":
                return { id: arn("sns", inputs.name), state: { arn: arn("sns", inputs.name) } };
            case "aws:sns/topicSubscription:TopicSubscription":
                return { id: `${inputs.topic}:${hex}`, state: { arn: `${inputs.topic}:${hex}`, pendingConfirmation: inputs.protocol === "email" } };
            case "aws:cloudwatch/metricAlarm:MetricAlarm":
                return { id: inputs.name, state: { arn: arn("cloudwatch", `alarm:${inputs.name}`) } };
            case "aws:backup/vault:Vault":
                return { id: inputs.name, state: { arn: arn("backup", `backup-vault:${inputs.name}`) } };
            case "aws:ssm/parameter:Parameter":
                return { id: inputs.name, state: { arn: arn("ssm", `parameter/${inputs.name}`) } };
            case "aws:rds/subnetGroup:SubnetGroup":
            case "aws:rds/clusterParameterGroup:ClusterParameterGroup":
                return { id: `${name}-${hex}`, state: { name: `${name}-${hex}` } };
            case "aws:ec2/securityGroup:SecurityGroup":
                return { id: `sg-0${hex}`, state: { arn: arn("ec2", `security-group/sg-0${hex}`) } };
            case "aws:acm/certificate:Certificate": {
                const certificateArn = arn("acm", `certificate/${hex}-0000-4000-8000-000000000000`);
                // ACM asks for one CNAME per name, under the name, pointing into acm-validations.aws.
                const validation = { domainName: inputs.domainName, resourceRecordName: `_${hex}.${inputs.domainName}.`, resourceRecordType: "CNAME", resourceRecordValue: `_${hex}.acm-validations.aws.` };
                return { id: certificateArn, state: { arn: certificateArn, domainValidationOptions: [validation], status: "PENDING_VALIDATION" } };
            }
            case "aws:acm/certificateValidation:CertificateValidation":
                return { id: inputs.certificateArn, state: { certificateArn: inputs.certificateArn } };
            case "aws:route53/record:Record":
                return { id: `${inputs.zoneId}_${inputs.name}_${inputs.type}`, state: { fqdn: String(inputs.name).replace(/\.$/, "") } };
            default:
                return { id: `${name}-${hex}`, state: {} };
        }
    }

    /** The state of an existing resource the program reads; reads of other types fail loudly. */
    private existing(type: string, id: string): Record<string, any> {
        switch (type) {
            case "aws:backup/regionSettings:RegionSettings":
                if (id !== this.region) throw new Error(`RegionSettings of ${id} read in ${this.region}`);
                return { region: id, resourceTypeOptInPreference: { ...this.backupOptIn }, resourceTypeManagementPreference: { DynamoDB: true, EFS: true } };
            default:
                throw new Error(`MockedCloud cannot read an existing ${type}`);
        }
    }

    /** A regional ARN of this account, in its partition. */
    private arn(service: string, resource: string): string {
        return `arn:${this.partition}:${service}:${this.region}:${mockAccountId}:${resource}`;
    }

    /**
     * awsx's Vpc is a remote component: under mocks the program sees only the outputs returned here.
     * Its routes and route-table associations are references to resources it made, as awsx makes
     * them: a route table per subnet, whose default route leads to the internet gateway from a public
     * subnet, to a NAT gateway (the AZ's, or the single one) from a private one, nowhere from an isolated one.
     */
    private vpc(name: string, inputs: Record<string, any>): Record<string, any> {
        const azCount: number = inputs.numberOfAvailabilityZones ?? 3;
        const azs = Array.from({ length: azCount }, (_, i) => `${this.region}${"acdefg"[i]}`);
        const natGatewayOf = (azIndex: number) => (inputs.natGateways?.strategy === "Single" ? "nat-1" : `nat-${azIndex + 1}`);
        const routes: object[] = [];
        const routeTableAssociations: object[] = [];
        const subnets = (kind: "public" | "private" | "isolated") =>
            azs.map((az, i) => {
                const subnetId = `subnet-${kind}-${i + 1}`;
                const routeTableId = `rtb-${kind}-${i + 1}`;
                const resourceName = `${name}-${kind}-${i + 1}`;
                this.subnetAz.set(subnetId, az);
                routeTableAssociations.push(this.componentChild("aws:ec2/routeTableAssociation:RouteTableAssociation", resourceName, `rtbassoc-${kind}-${i + 1}`, { routeTableId, subnetId }));
                if (kind !== "isolated") {
                    const target: Record<string, string> = kind === "public" ? { gatewayId: "igw-1" } : { natGatewayId: natGatewayOf(i) };
                    routes.push(this.componentChild("aws:ec2/route:Route", resourceName, `r-${routeTableId}`, { routeTableId, destinationCidrBlock: "0.0.0.0/0", ...target }));
                }
                return subnetId;
            });
        return {
            vpcId: "vpc-0123456789abcdef0",
            publicSubnetIds: subnets("public"),
            privateSubnetIds: subnets("private"),
            isolatedSubnetIds: subnets("isolated"),
            routes,
            routeTableAssociations,
        };
    }

    /** Records a resource a remote component made, and returns the reference to it that the component's outputs hold. */
    private componentChild(type: string, name: string, id: string, state: Record<string, string>): object {
        // The type chain is cut to the component's type: a reference is read by its last type and its name.
        const urn = `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::awsx:ec2:Vpc$${type}::${name}`;
        this.componentChildren.push({ urn, id, state: { ...state, id } });
        return { [specialSigKey]: specialResourceSig, urn, id };
    }
}

/**
 * The account a stack of an existing system meets offline: it runs what the config names (the
 * servers by id, or two carrying the tag; the cluster or the DB instance; the listeners, the first HTTPS; the target
 * groups of instances). Tests of what is missing give their own account instead.
 */
export function accountNamedBy(config: Record<string, string>, region: string): Pick<MockedCloudOptions, "existing" | "deployedCluster"> {
    const raw = config["webapp-jobnet:system"];
    const system = raw === undefined ? undefined : JSON.parse(raw);
    if (system?.mode !== "existing") return {};
    const zones = [`${region}a`, `${region}c`];
    const tag = typeof system.webServers?.tag === "string" ? (system.webServers.tag as string).split("=") : undefined;
    const instances = tag === undefined
        ? ((system.webServers?.instanceIds ?? []) as string[]).map((id, i) => ({ id, tags: { Name: `web-${i + 1}` }, availabilityZone: zones[i % 2], state: "running" }))
        : [1, 2].map((n) => ({ id: `i-0e${String(n).padStart(15, "0")}`, tags: { [tag[0]]: tag.slice(1).join("="), Name: `${tag.slice(1).join("=")}-${n}` }, availabilityZone: zones[(n - 1) % 2], state: "running" }));
    // RDS keeps identifiers in lower case.
    const clusterIdentifier: string | undefined = system.database?.clusterIdentifier?.toLowerCase();
    const dbInstanceIdentifier: string | undefined = system.database?.instanceIdentifier?.toLowerCase();
    // A listener's ARN is its load balancer's, with listener for loadbalancer and an id of its own.
    const firstListener: string | undefined = system.loadBalancer?.listenerArns?.[0];
    const firstListenerLoadBalancer = firstListener === undefined ? [] : [firstListener.replace(":listener/", ":loadbalancer/").replace(/\/[^/]+$/, "")];
    return {
        existing: {
            instances,
            listeners: ((system.loadBalancer?.listenerArns ?? []) as string[]).map((arn, i) => (i === 0 ? { arn, protocol: "HTTPS", port: 443 } : { arn, protocol: "HTTP", port: 80 })),
            // Each attached to the load balancer of the first listener.
            targetGroups: ((system.loadBalancer?.targetGroupArns ?? []) as string[]).map((arn) => ({ arn, name: arn.split("/")[1], targetType: "instance", loadBalancerArns: firstListenerLoadBalancer })),
            dbInstances: dbInstanceIdentifier === undefined ? [] : [{ identifier: dbInstanceIdentifier, engine: "mysql", engineVersion: "8.0.40", instanceClass: "db.t4g.medium" }],
        },
        deployedCluster: clusterIdentifier === undefined ? undefined : {
            identifier: clusterIdentifier,
            engineVersion: "8.0.mysql_aurora.3.10.0",
            instanceClasses: { [`${clusterIdentifier}-1`]: "db.r7g.large" },
            logExports: ["error", "slowquery"],
            deletionProtection: true,
        },
    };
}
