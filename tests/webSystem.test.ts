import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { MockedCloud, RegisteredResource, mockAccountId, mockAmiId, mockElbAccountArn } from "../scripts/lib/mockedCloud";
import { ProgramRun, runProgram } from "../scripts/lib/runProgram";
import { sharedRun } from "./support/sharedRuns";

const T = {
    instance: "aws:ec2/instance:Instance",
    sg: "aws:ec2/securityGroup:SecurityGroup",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    cluster: "aws:rds/cluster:Cluster",
    clusterInstance: "aws:rds/clusterInstance:ClusterInstance",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    vpc: "awsx:ec2:Vpc",
} as const;

/** What the engine creates before a resource, "type name" each, from the URNs the SDK sent it. */
function waitsOn(resource: RegisteredResource): string[] {
    return (resource.dependencies ?? []).map((urn) => {
        const [, , qualifiedType, name] = urn.split("::");
        return `${qualifiedType.split("$").pop()} ${name}`;
    }).sort();
}

/** The resources carrying Pulumi's protect, "type name" each. */
function protectedResources(account: MockedCloud): string[] {
    return account.resources.filter((r) => r.protect === true).map((r) => `${r.type} ${r.name}`).sort();
}

/** After how many days the access-log bucket's one lifecycle rule deletes every log (and only then). */
function accessLogExpiryDays(account: MockedCloud): number {
    const [rule] = account.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs.rules;
    assert.deepStrictEqual([rule.status, rule.filter, Object.keys(rule.expiration)], ["Enabled", {}, ["days"]]);
    return rule.expiration.days;
}

/** The security-group rules as "from -> to:port" lines, groups named by their tier. */
function flowsOf(account: MockedCloud): string[] {
    const tier = (sgId: string) => account.byId(sgId)!.name.replace(/^webapp-sg-/, "");
    const ingress = account.ofType(T.ingress).map((r) =>
        `in  ${r.inputs.cidrIpv4 ?? tier(r.inputs.referencedSecurityGroupId)} -> ${tier(r.inputs.securityGroupId)}:${r.inputs.fromPort}-${r.inputs.toPort}/${r.inputs.ipProtocol}`);
    const egress = account.ofType(T.egress).map((r) =>
        `out ${tier(r.inputs.securityGroupId)} -> ${r.inputs.cidrIpv4 ?? tier(r.inputs.referencedSecurityGroupId)}:${r.inputs.fromPort}-${r.inputs.toPort}/${r.inputs.ipProtocol}`);
    return [...ingress, ...egress].sort();
}

describe("the dev stack, run in-process under mocks", () => {
    let run: ProgramRun;
    let account: MockedCloud;
    before(async function () {
        // The whole dev program under mocks, its six jobnets among it: well within a minute, even on a busy machine.
        this.timeout(60_000);
        run = await sharedRun("dev");
        account = run.account;
    });

    it("declares exactly these resources", () => {
        assert.deepStrictEqual(account.countsByType(), {
            "aws:backup/vault:Vault": 1,
            "aws:cloudwatch/dashboard:Dashboard": 1,
            // 1 flow log, 3 agent, 4 database, 16 Lambda tasks, the notifier and the run watcher, 2 state machine groups;
            // the team jobnets (jobnets/: nightly-batch, weekly-maintenance, orders-arrival, orders-report): their
            // jobs' output, 4 shared tasks, a StartJob and an execution group each, and StartOnEvent.
            "aws:cloudwatch/logGroup:LogGroup": 28 + 14,
            // The restart trigger (to the stop jobnet and the alert topic); runs' ends to the notifier; the
            // end of a job's command, and of a jobnet a job ran, to JobEnded; a job held, to the notifier; the
            // start conditions of orders-arrival (a file's arrival) and orders-report (orders-arrival's end), to StartOnEvent.
            "aws:cloudwatch/eventRule:EventRule": 3 + 3 + 2,
            "aws:cloudwatch/eventTarget:EventTarget": 4 + 3 + 2,
            // Per jobnet: failed, timed out, aborted, late, not started (the team's by their schedule rules); a
            // job late (nightly-batch: transform-orders' expectedMinutes); the run watcher's errors and heartbeat.
            "aws:cloudwatch/metricAlarm:MetricAlarm": 12 + 2 * 5 + 2 * 4 + 1,
            "aws:dynamodb/table:Table": 1,
            "aws:ec2/flowLog:FlowLog": 1,
            "aws:ec2/instance:Instance": 2,
            "aws:ec2/securityGroup:SecurityGroup": 3,
            "aws:iam/instanceProfile:InstanceProfile": 1,
            // Flow logs, web servers, AWS Backup, 17 Lambda functions, 2 state machines, the restart trigger, 3 schedules;
            // the team jobnets' 9 functions, 4 state machines and the 2 roles of their schedule rules.
            "aws:iam/role:Role": 27 + 13 + 2,
            "aws:iam/rolePolicy:RolePolicy": 25 + 13 + 2,
            // 2 on the web servers' role, 1 on AWS Backup's.
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 3,
            "aws:lambda/function:Function": 18 + 9,
            // The notifier's asynchronous retries.
            "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": 1,
            "aws:lambda/permission:Permission": 2 + 3 + 2,
            "aws:lb/listener:Listener": 1,
            "aws:lb/loadBalancer:LoadBalancer": 1,
            "aws:lb/targetGroup:TargetGroup": 1,
            "aws:lb/targetGroupAttachment:TargetGroupAttachment": 2,
            "aws:rds/cluster:Cluster": 1,
            "aws:rds/clusterInstance:ClusterInstance": 1,
            "aws:rds/clusterParameterGroup:ClusterParameterGroup": 1,
            "aws:rds/subnetGroup:SubnetGroup": 1,
            "aws:s3/bucket:Bucket": 1,
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 1,
            "aws:s3/bucketOwnershipControls:BucketOwnershipControls": 1,
            "aws:s3/bucketPolicy:BucketPolicy": 1,
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 1,
            // stop, start, the run watcher; a rule of each team jobnet.
            "aws:scheduler/schedule:Schedule": 3 + 2,
            "aws:sfn/stateMachine:StateMachine": 2 + 4,
            "aws:sns/topic:Topic": 1,
            "aws:sns/topicPolicy:TopicPolicy": 1,
            "aws:ssm/parameter:Parameter": 1,
            "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": 3,
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 3,
            "awsx:ec2:Vpc": 1,
            "pulumi:providers:aws": 1,
            "webapp-jobnet:infra:Database": 1,
            "webapp-jobnet:infra:LoadBalancer": 1,
            "webapp-jobnet:infra:Network": 1,
            "webapp-jobnet:infra:SecurityGroups": 1,
            "webapp-jobnet:infra:WebServers": 1,
            "webapp-jobnet:infra:WebSystem": 1,
            "webapp-jobnet:jobnet:Jobnet": 2 + 4,
            "webapp-jobnet:jobnet:JobnetFunctions": 1,
            "webapp-jobnet:jobnet:Jobnets": 1,
            "webapp-jobnet:jobnet:RunLock": 1,
            "webapp-jobnet:jobnet:TeamJobnets": 1,
            "webapp-jobnet:operations:Alerts": 1,
            "webapp-jobnet:operations:Dashboard": 1,
            "webapp-jobnet:operations:Operations": 1,
        });
    });

    // Components (awsx's Vpc among them) get the provider through their parent; mocks see it on custom resources.
    it("manages every AWS resource through the stack's provider, which tags them all", () => {
        const provider = account.one("pulumi:providers:aws");
        assert.strictEqual(provider.inputs.region, "ap-northeast-1");
        assert.deepStrictEqual(JSON.parse(provider.inputs.defaultTags).tags, { Environment: "dev", Project: "webapp-jobnet", Stack: "dev", ManagedBy: "pulumi" });
        const unmanaged = account.resources.filter((r) => r.custom && r.type.startsWith("aws:") && !r.provider?.includes("pulumi:providers:aws::aws::"));
        assert.ok(account.resources.filter((r) => r.custom).length > 40);
        assert.deepStrictEqual(unmanaged.map((r) => `${r.type} ${r.name}`), []);
    });

    it("builds a VPC over 2 AZs with public, private and isolated /24 subnets and one NAT gateway", () => {
        const vpc = account.one(T.vpc).inputs;
        assert.strictEqual(vpc.cidrBlock, "10.0.0.0/16");
        assert.strictEqual(vpc.numberOfAvailabilityZones, 2);
        assert.deepStrictEqual(vpc.natGateways, { strategy: "Single" });
        assert.deepStrictEqual(vpc.subnetSpecs, [
            { type: "Public", cidrMask: 24 },
            { type: "Private", cidrMask: 24 },
            { type: "Isolated", cidrMask: 24 },
        ]);
    });

    it("sends VPC flow logs to a log group with 1 week retention, through a role scoped to that group", () => {
        const flowLog = account.one("aws:ec2/flowLog:FlowLog").inputs;
        assert.strictEqual(flowLog.trafficType, "ALL");
        const group = account.resources.find((r) => r.type === T.logGroup && r.state.arn === flowLog.logDestination)!;
        assert.strictEqual(group.inputs.retentionInDays, 7);
        const role = account.resources.find((r) => r.type === "aws:iam/role:Role" && r.state.arn === flowLog.iamRoleArn)!;
        assert.strictEqual(JSON.parse(role.inputs.assumeRolePolicy).Statement[0].Principal.Service, "vpc-flow-logs.amazonaws.com");
        const policy = JSON.parse(account.ofType("aws:iam/rolePolicy:RolePolicy").find((p) => p.inputs.role === role.id)!.inputs.policy);
        assert.deepStrictEqual(policy.Statement, [{
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            Resource: [group.state.arn, `${group.state.arn}:*`],
        }]);
    });

    it("allows HTTP to the ALB from anywhere, to web only from the ALB, and MySQL to the DB only from web", () => {
        assert.deepStrictEqual(flowsOf(account), [
            "in  0.0.0.0/0 -> alb:80-80/tcp",
            "in  alb -> web:80-80/tcp",
            "in  web -> db:3306-3306/tcp",
            "out alb -> web:80-80/tcp",
            "out web -> 0.0.0.0/0:443-443/tcp",
            "out web -> db:3306-3306/tcp",
        ]);
        for (const sg of account.ofType(T.sg)) {
            assert.strictEqual(sg.inputs.ingress, undefined, `${sg.name} has inline rules`);
            assert.strictEqual(sg.inputs.egress, undefined, `${sg.name} has inline rules`);
        }
    });

    it("puts one web server in each AZ's private subnet, with no public IP, IMDSv2 required, an encrypted root volume and basic monitoring", () => {
        const servers = account.ofType(T.instance);
        assert.deepStrictEqual(servers.map((s) => [s.inputs.tags.Name, s.inputs.subnetId, s.state.availabilityZone]), [
            ["web-1", "subnet-private-1", "ap-northeast-1a"],
            ["web-2", "subnet-private-2", "ap-northeast-1c"],
        ]);
        for (const s of servers) {
            assert.strictEqual(s.inputs.associatePublicIpAddress, false);
            assert.strictEqual(s.inputs.monitoring, false);
            assert.deepStrictEqual(s.inputs.metadataOptions, { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 });
            assert.deepStrictEqual(s.inputs.rootBlockDevice, { encrypted: true, volumeType: "gp3", deleteOnTermination: true });
            assert.strictEqual(s.inputs.instanceType, "t3.micro");
            assert.strictEqual(s.inputs.ami, mockAmiId);
            assert.strictEqual(s.inputs.userDataReplaceOnChange, true);
            // The first-boot script of infra/userData.ts (tested on its own, run in bash against fakes).
            assert.match(s.inputs.userData, /^#!\/bin\/bash\n[^]*\nlog done {2}# the marker: firstBootDoneMarker\n$/);
        }
        const amiLookups = account.invocations.filter((i) => i.token === "aws:ssm/getParameter:getParameter").map((i) => i.inputs.name);
        assert.deepStrictEqual(amiLookups, ["/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"]);
    });

    it("gives the web servers exactly the SSM and CloudWatch agent policies: no patching policy, as nothing patches them", () => {
        const profile = account.one("aws:iam/instanceProfile:InstanceProfile");
        const attached = account.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((a) => a.inputs.role === profile.inputs.role).map((a) => a.inputs.policyArn).sort();
        assert.deepStrictEqual(attached, [
            "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
            "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy",
        ]);
        for (const s of account.ofType(T.instance)) assert.strictEqual(s.inputs.iamInstanceProfile, profile.state.name);
    });

    it("keeps the CloudWatch agent config in an SSM parameter the agent's policy can read, with log groups that expire", () => {
        const parameter = account.one("aws:ssm/parameter:Parameter").inputs;
        assert.strictEqual(parameter.name, "AmazonCloudWatch-webapp-jobnet-dev-webapp-web");
        const groups = JSON.parse(parameter.insecureValue).logs.logs_collected.files.collect_list.map((f: any) => f.log_group_name);
        assert.deepStrictEqual(groups, ["/webapp-jobnet/dev/var/log/messages", "/webapp-jobnet/dev/var/log/httpd/access_log", "/webapp-jobnet/dev/var/log/httpd/error_log"]);
        for (const name of groups) {
            const group = account.ofType(T.logGroup).find((g) => g.inputs.name === name);
            assert.strictEqual(group?.inputs.retentionInDays, 7, name);
        }
    });

    it("creates each web server only once the private subnets route to the internet through NAT, and its instance profile and policies exist", () => {
        for (const server of account.ofType(T.instance)) {
            assert.deepStrictEqual(waitsOn(server), [
                "aws:cloudwatch/logGroup:LogGroup webapp-web-var-log-httpd-access_log",
                "aws:cloudwatch/logGroup:LogGroup webapp-web-var-log-httpd-error_log",
                "aws:cloudwatch/logGroup:LogGroup webapp-web-var-log-messages",
                "aws:ec2/route:Route webapp-network-vpc-private-1",
                "aws:ec2/route:Route webapp-network-vpc-private-2",
                "aws:ec2/route:Route webapp-network-vpc-public-1",
                "aws:ec2/route:Route webapp-network-vpc-public-2",
                "aws:ec2/routeTableAssociation:RouteTableAssociation webapp-network-vpc-isolated-1",
                "aws:ec2/routeTableAssociation:RouteTableAssociation webapp-network-vpc-isolated-2",
                "aws:ec2/routeTableAssociation:RouteTableAssociation webapp-network-vpc-private-1",
                "aws:ec2/routeTableAssociation:RouteTableAssociation webapp-network-vpc-private-2",
                "aws:ec2/routeTableAssociation:RouteTableAssociation webapp-network-vpc-public-1",
                "aws:ec2/routeTableAssociation:RouteTableAssociation webapp-network-vpc-public-2",
                "aws:ec2/securityGroup:SecurityGroup webapp-sg-web",
                "aws:iam/instanceProfile:InstanceProfile webapp-web-instance",
                "aws:iam/rolePolicyAttachment:RolePolicyAttachment webapp-web-AmazonSSMManagedInstanceCore",
                "aws:iam/rolePolicyAttachment:RolePolicyAttachment webapp-web-CloudWatchAgentServerPolicy",
                "aws:ssm/parameter:Parameter webapp-web-cloudwatch-agent",
                "awsx:ec2:Vpc webapp-network-vpc",
            ], server.name);
        }
    });

    it("registers every web server in the target group on port 80", () => {
        const tg = account.one("aws:lb/targetGroup:TargetGroup");
        const attachments = account.ofType("aws:lb/targetGroupAttachment:TargetGroupAttachment");
        assert.deepStrictEqual(
            attachments.map((a) => [a.inputs.targetGroupArn, a.inputs.targetId, a.inputs.port]),
            account.ofType(T.instance).map((i) => [tg.state.arn, i.id, 80]),
        );
    });

    it("health-checks GET /health.php (a page that says only ok, served by PHP) for a 200 every 30 s, 5 s timeout, 2 healthy / 2 unhealthy", () => {
        const tg = account.one("aws:lb/targetGroup:TargetGroup").inputs;
        assert.deepStrictEqual(tg.healthCheck, {
            enabled: true, path: "/health.php", port: "traffic-port", protocol: "HTTP", matcher: "200",
            interval: 30, timeout: 5, healthyThreshold: 2, unhealthyThreshold: 2,
        });
        assert.deepStrictEqual([tg.port, tg.protocol, tg.targetType], [80, "HTTP", "instance"]);
    });

    it("puts an internet-facing ALB in the public subnets with an HTTP listener forwarding to the web servers", () => {
        const alb = account.one("aws:lb/loadBalancer:LoadBalancer");
        assert.deepStrictEqual(alb.inputs.subnets, ["subnet-public-1", "subnet-public-2"]);
        assert.strictEqual(alb.inputs.internal, false);
        assert.strictEqual(alb.inputs.dropInvalidHeaderFields, true);
        const bucket = account.one("aws:s3/bucket:Bucket");
        assert.deepStrictEqual(alb.inputs.accessLogs, { bucket: bucket.id, enabled: true });
        const listener = account.one("aws:lb/listener:Listener").inputs;
        assert.deepStrictEqual([listener.loadBalancerArn, listener.port, listener.protocol], [alb.state.arn, 80, "HTTP"]);
        assert.deepStrictEqual(listener.defaultActions, [{ type: "forward", targetGroupArn: account.one("aws:lb/targetGroup:TargetGroup").state.arn }]);
    });

    it("keeps ALB access logs in a bucket that is encrypted, closed to the public and writable only by ELB log delivery", () => {
        const bucket = account.one("aws:s3/bucket:Bucket");
        const sse = account.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").inputs;
        assert.deepStrictEqual(sse.rules, [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }]);
        const pab = account.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs;
        assert.deepStrictEqual(
            [pab.bucket, pab.blockPublicAcls, pab.blockPublicPolicy, pab.ignorePublicAcls, pab.restrictPublicBuckets],
            [bucket.id, true, true, true, true],
        );
        const policy = JSON.parse(account.one("aws:s3/bucketPolicy:BucketPolicy").inputs.policy);
        const logObjects = `${bucket.state.arn}/AWSLogs/${mockAccountId}/*`;
        assert.deepStrictEqual(policy.Statement, [
            { Sid: "AllowElbLogDelivery1", Effect: "Allow", Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" }, Action: "s3:PutObject", Resource: logObjects },
            { Sid: "AllowElbLogDelivery2", Effect: "Allow", Principal: { AWS: mockElbAccountArn }, Action: "s3:PutObject", Resource: logObjects },
            {
                Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*",
                Resource: [bucket.state.arn, `${bucket.state.arn}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
        ]);
        assert.strictEqual(accessLogExpiryDays(account), 7);
        assert.strictEqual(bucket.inputs.forceDestroy, true);
    });

    it("keeps the access logs unversioned, so that they are gone once expired", () => {
        assert.strictEqual(account.one("aws:s3/bucket:Bucket").inputs.versioning, undefined);
        assert.deepStrictEqual(account.ofType("aws:s3/bucketVersioning:BucketVersioning"), []);
    });

    it("leaves the ALB, the cluster and the access logs unprotected, so that pulumi destroy removes them", () => {
        assert.strictEqual(account.one("aws:lb/loadBalancer:LoadBalancer").inputs.enableDeletionProtection, false);
        const cluster = account.one(T.cluster).inputs;
        assert.deepStrictEqual([cluster.deletionProtection, cluster.skipFinalSnapshot], [false, true]);
        assert.strictEqual(account.one("aws:s3/bucket:Bucket").inputs.forceDestroy, true);
    });

    it("protects no resource from Pulumi's deletes, so that pulumi destroy removes the stack", () => {
        assert.deepStrictEqual(protectedResources(account), []);
    });

    it("runs Aurora MySQL 3 encrypted in the isolated subnets, exporting its logs to groups with retention", () => {
        const cluster = account.one(T.cluster).inputs;
        assert.deepStrictEqual(
            [cluster.clusterIdentifier, cluster.engine, cluster.engineVersion, cluster.storageEncrypted, cluster.masterUsername],
            ["webapp-jobnet-dev", "aurora-mysql", "8.0.mysql_aurora.3.10.0", true, "admin"],
        );
        assert.deepStrictEqual(cluster.enabledCloudwatchLogsExports, ["audit", "error", "general", "slowquery"]);
        const subnetGroup = account.one("aws:rds/subnetGroup:SubnetGroup");
        assert.deepStrictEqual(subnetGroup.inputs.subnetIds, ["subnet-isolated-1", "subnet-isolated-2"]);
        assert.strictEqual(cluster.dbSubnetGroupName, subnetGroup.state.name);
        const dbGroups = account.ofType(T.logGroup).filter((g) => g.inputs.name?.startsWith("/aws/rds/"));
        assert.deepStrictEqual(dbGroups.map((g) => [g.inputs.name, g.inputs.retentionInDays]), [
            ["/aws/rds/cluster/webapp-jobnet-dev/audit", 7],
            ["/aws/rds/cluster/webapp-jobnet-dev/error", 7],
            ["/aws/rds/cluster/webapp-jobnet-dev/general", 7],
            ["/aws/rds/cluster/webapp-jobnet-dev/slowquery", 7],
        ]);
        const instances = account.ofType(T.clusterInstance);
        assert.deepStrictEqual(instances.map((i) => [i.inputs.identifier, i.inputs.instanceClass, i.inputs.publiclyAccessible]), [
            ["webapp-jobnet-dev-1", "db.t4g.medium", false],
        ]);
    });

    it("lets Secrets Manager keep the DB master password: no password is in any resource's inputs", () => {
        const cluster = account.one(T.cluster).inputs;
        assert.strictEqual(cluster.manageMasterUserPassword, true);
        const withPassword = account.resources.filter((r) => /password"\s*:\s*"/i.test(JSON.stringify(r.inputs)));
        assert.deepStrictEqual(withPassword.map((r) => r.name), []);
        assert.match(run.outputs.dbMasterUserSecretArn, /^arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:rds!cluster-/);
    });

    it("exports what the jobnets need: every server's id and ARN, the cluster, the listener and the target group", () => {
        const instances = account.ofType(T.instance);
        assert.deepStrictEqual(run.outputs.webServers, instances.map((i, n) => ({
            name: `web-${n + 1}`, instanceId: i.id, instanceArn: i.state.arn, availabilityZone: i.state.availabilityZone,
        })));
        assert.strictEqual(run.outputs.dbClusterIdentifier, "webapp-jobnet-dev");
        assert.strictEqual(run.outputs.dbClusterArn, account.one(T.cluster).state.arn);
        assert.deepStrictEqual(run.outputs.listeners, [{ protocol: "HTTP", port: 80, arn: account.one("aws:lb/listener:Listener").state.arn, forwards: true }]);
        assert.deepStrictEqual(run.outputs.targetGroupArns, [account.one("aws:lb/targetGroup:TargetGroup").state.arn]);
        assert.strictEqual(run.outputs.albUrl, `http://${account.one("aws:lb/loadBalancer:LoadBalancer").state.dnsName}/`);
    });
});

describe("the prod stack, run in-process under mocks", () => {
    let account: MockedCloud;
    before(async () => {
        account = (await sharedRun("prod")).account;
    });

    it("spreads 4 Graviton servers in detailed monitoring over 3 AZs in turn", () => {
        assert.deepStrictEqual(account.ofType(T.instance).map((s) => [s.inputs.tags.Name, s.state.availabilityZone, s.inputs.instanceType, s.inputs.monitoring]), [
            ["web-1", "ap-northeast-1a", "m7g.large", true],
            ["web-2", "ap-northeast-1c", "m7g.large", true],
            ["web-3", "ap-northeast-1d", "m7g.large", true],
            ["web-4", "ap-northeast-1a", "m7g.large", true],
        ]);
        const amiLookups = account.invocations.filter((i) => i.token === "aws:ssm/getParameter:getParameter").map((i) => i.inputs.name);
        assert.deepStrictEqual(amiLookups, ["/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"]);
    });

    it("creates each server only once the route through NAT of every private subnet exists", () => {
        const privateRoutes = ["private-1", "private-2", "private-3"].map((subnet) => `aws:ec2/route:Route webapp-network-vpc-${subnet}`);
        for (const server of account.ofType(T.instance)) {
            assert.deepStrictEqual(waitsOn(server).filter((d) => d.includes("/route:Route") && d.includes("private")), privateRoutes, server.name);
        }
    });

    it("has a NAT gateway per AZ, two DB instances, no general query log, and takes only TLS connections", () => {
        assert.deepStrictEqual(account.one(T.vpc).inputs.natGateways, { strategy: "OnePerAz" });
        assert.strictEqual(account.ofType(T.clusterInstance).length, 2);
        const cluster = account.one(T.cluster).inputs;
        assert.deepStrictEqual(cluster.enabledCloudwatchLogsExports, ["audit", "error", "slowquery"]);
        const params = Object.fromEntries(account.one("aws:rds/clusterParameterGroup:ClusterParameterGroup").inputs.parameters.map((p: any) => [p.name, p.value]));
        assert.strictEqual(params.general_log, "0");
        assert.strictEqual(params.server_audit_logging, "1");
        assert.strictEqual(params.require_secure_transport, "ON");
    });

    it("protects the ALB, the cluster and the access logs from deletion, keeping a final snapshot and 90 days of logs", () => {
        assert.strictEqual(account.one("aws:lb/loadBalancer:LoadBalancer").inputs.enableDeletionProtection, true);
        const cluster = account.one(T.cluster).inputs;
        assert.deepStrictEqual([cluster.deletionProtection, cluster.skipFinalSnapshot, cluster.finalSnapshotIdentifier], [true, false, "webapp-jobnet-prod-final"]);
        assert.strictEqual(account.one("aws:s3/bucket:Bucket").inputs.forceDestroy, false);
        for (const g of account.ofType(T.logGroup)) assert.strictEqual(g.inputs.retentionInDays, 90, g.name);
        assert.strictEqual(accessLogExpiryDays(account), 90);
    });

    it("protects the cluster, its instances, the backup vault, the access-log bucket and the ALB from Pulumi's deletes, so that a destroy stops before deleting anything", () => {
        assert.deepStrictEqual(protectedResources(account), [
            "aws:backup/vault:Vault jobnet-backups",
            "aws:lb/loadBalancer:LoadBalancer webapp-lb-alb",
            "aws:rds/cluster:Cluster webapp-db-cluster",
            "aws:rds/clusterInstance:ClusterInstance webapp-db-instance-1",
            "aws:rds/clusterInstance:ClusterInstance webapp-db-instance-2",
            "aws:s3/bucket:Bucket webapp-lb-access-logs",
        ]);
    });
});

describe("a stack that keeps its ALB access logs longer than its log groups", () => {
    it("expires the access logs after accessLogRetentionDays, the log groups after logRetentionDays", async function () {
        // A whole program run of its own: as long as the other such runs here on a loaded machine.
        this.timeout(60_000);
        const { account } = await runProgram("dev", { "webapp-jobnet:accessLogRetentionDays": "400" });
        assert.strictEqual(accessLogExpiryDays(account), 400);
        for (const g of account.ofType(T.logGroup)) assert.strictEqual(g.inputs.retentionInDays, 7, g.name);
    });
});

describe("a stack with a bad config", () => {
    it("stops before declaring any resource, with the message that names the key", async () => {
        await assert.rejects(runProgram("dev", { "webapp-jobnet:webServerCount": "0" }), (e: Error) => {
            assert.ok(pulumi.RunError.isInstance(e), "a RunError, which Pulumi prints without a stack trace");
            assert.match(e.message, /^Stack config is invalid \(1 problem\):\n {2}webapp-jobnet:webServerCount: got "0"; expected a whole number from 1 to 500\n/);
            return true;
        });
    });
});

describe("the AWS provider of a stack that sets more aws: keys", () => {
    it("is handed every aws: key the stack sets, typed, so none is accepted at preview and ignored at deploy", async function () {
        this.timeout(60_000);
        const { account } = await runProgram("dev", {
            "aws:allowedAccountIds": '["123456789012"]',
            "aws:assumeRoles": '[{"roleArn":"arn:aws:iam::123456789012:role/deployer","sessionName":"pulumi"}]',
            "aws:maxRetries": "5",
            "aws:defaultTags": '{"tags":{"CostCenter":"ops"}}',
        });
        const provider = account.one("pulumi:providers:aws").inputs;
        const value = (v: unknown) => (typeof v === "string" && /^[[{]/.test(v) ? JSON.parse(v) : v);
        assert.deepStrictEqual(value(provider.allowedAccountIds), ["123456789012"]);
        assert.deepStrictEqual(value(provider.assumeRoles), [{ roleArn: "arn:aws:iam::123456789012:role/deployer", sessionName: "pulumi" }]);
        assert.strictEqual(Number(provider.maxRetries), 5);
        // The stack's own default tags are kept beside the program's.
        assert.deepStrictEqual(value(provider.defaultTags).tags, { CostCenter: "ops", Environment: "dev", Project: "webapp-jobnet", Stack: "dev", ManagedBy: "pulumi" });
    });
});

describe("HTTPS on the ALB", () => {
    const certificateArn = "arn:aws:acm:ap-northeast-1:123456789012:certificate/0a1b2c3d-4e5f-4789-8bcd-ef0123456789";
    const listenerOf = (account: MockedCloud, port: number) => account.ofType("aws:lb/listener:Listener").find((l) => l.inputs.port === port)!;

    const withWarnings = (overrides: Record<string, string>) => runProgram("dev", overrides);

    it("with a certificate: HTTPS with AWS's recommended TLS policy, and HTTP redirected to it", async () => {
        const { account, outputs, warnings } = await withWarnings({ "webapp-jobnet:https": JSON.stringify({ certificateArn }) });
        const http = listenerOf(account, 80);
        const https = listenerOf(account, 443);
        assert.deepStrictEqual([http.inputs.protocol, http.inputs.defaultActions], ["HTTP", [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }]]);
        assert.deepStrictEqual(
            [https.inputs.protocol, https.inputs.certificateArn, https.inputs.sslPolicy, https.inputs.defaultActions],
            ["HTTPS", certificateArn, "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09", [{ type: "forward", targetGroupArn: account.one("aws:lb/targetGroup:TargetGroup").state.arn }]],
        );
        assert.deepStrictEqual(outputs.listeners, [
            { protocol: "HTTP", port: 80, arn: http.state.arn, forwards: false },
            { protocol: "HTTPS", port: 443, arn: https.state.arn, forwards: true },
        ]);
        assert.strictEqual(outputs.albUrl, `https://${account.one("aws:lb/loadBalancer:LoadBalancer").state.dnsName}/`);
        assert.deepStrictEqual(flowsOf(account).filter((f) => f.includes("-> alb")), ["in  0.0.0.0/0 -> alb:443-443/tcp", "in  0.0.0.0/0 -> alb:80-80/tcp"]);
        assert.strictEqual(account.one("aws:lb/loadBalancer:LoadBalancer").inputs.dropInvalidHeaderFields, true);
        assert.deepStrictEqual([account.ofType("aws:acm/certificate:Certificate").length, account.ofType("aws:route53/record:Record").length], [0, 0]);
        assert.deepStrictEqual(warnings, []);
    });

    it("with a domain of a Route 53 zone: requests the certificate, validates it by DNS, and points the name at the ALB", async () => {
        const { account, outputs } = await withWarnings({ "webapp-jobnet:https": JSON.stringify({ domainName: "www.example.com", hostedZoneId: "Z0EXAMPLE" }) });
        const certificate = account.one("aws:acm/certificate:Certificate");
        assert.deepStrictEqual([certificate.inputs.domainName, certificate.inputs.validationMethod], ["www.example.com", "DNS"]);
        const [validationRecord, alias] = account.ofType("aws:route53/record:Record");
        const option = certificate.state.domainValidationOptions[0];
        assert.deepStrictEqual(
            [validationRecord.inputs.zoneId, validationRecord.inputs.name, validationRecord.inputs.type, validationRecord.inputs.records],
            ["Z0EXAMPLE", option.resourceRecordName, "CNAME", [option.resourceRecordValue]],
        );
        const validation = account.one("aws:acm/certificateValidation:CertificateValidation");
        assert.deepStrictEqual([validation.inputs.certificateArn, validation.inputs.validationRecordFqdns], [certificate.state.arn, [validationRecord.state.fqdn]]);
        // The listener takes the certificate from its validation: it is created once ACM has issued it.
        assert.strictEqual(listenerOf(account, 443).inputs.certificateArn, validation.state.certificateArn);
        const alb = account.one("aws:lb/loadBalancer:LoadBalancer").state;
        assert.deepStrictEqual([alias.inputs.zoneId, alias.inputs.name, alias.inputs.type, alias.inputs.aliases], [
            "Z0EXAMPLE", "www.example.com", "A", [{ name: alb.dnsName, zoneId: alb.zoneId, evaluateTargetHealth: false }],
        ]);
        assert.strictEqual(outputs.albUrl, "https://www.example.com/");
    });

    it("without one: HTTP only, as before, and preview says so once", async () => {
        const { account, outputs, warnings } = await withWarnings({});
        assert.deepStrictEqual(account.ofType("aws:lb/listener:Listener").map((l) => [l.inputs.port, l.inputs.protocol, l.inputs.defaultActions[0].type]), [[80, "HTTP", "forward"]]);
        assert.match(outputs.albUrl, /^http:\/\//);
        assert.deepStrictEqual(warnings, ["HTTP only: the ALB serves plain HTTP. Set https.certificateArn, or https.domainName with https.hostedZoneId, to serve HTTPS."]);
    });

    it("serves no phpinfo page in any stack: the health check reads a page that says only ok", async () => {
        for (const stack of ["dev", "prod", "example-https"]) {
            const { account } = await sharedRun(stack);
            const userData = account.ofType(T.instance).map((i) => String(i.inputs.userData)).join("\n");
            assert.doesNotMatch(userData, /phpinfo/i, stack);
            assert.strictEqual(account.one("aws:lb/targetGroup:TargetGroup").inputs.healthCheck.path, "/health.php", stack);
        }
    });
});

describe("a stack whose web server volumes use a customer managed key", () => {
    it("encrypts every root volume with it, and lets only the start task have EC2 create a grant on it", async () => {
        const key = "arn:aws:kms:ap-northeast-1:123456789012:key/0a1b2c3d-4e5f-4789-8bcd-ef0123456789";
        const { account } = await runProgram("dev", { "webapp-jobnet:webServerVolumes": JSON.stringify({ kmsKeyArn: key }) });
        assert.deepStrictEqual(account.ofType(T.instance).map((i) => [i.inputs.rootBlockDevice.encrypted, i.inputs.rootBlockDevice.kmsKeyId]), [[true, key], [true, key]]);
        const grants = account.ofType("aws:iam/rolePolicy:RolePolicy").flatMap((p) =>
            JSON.parse(p.inputs.policy).Statement.filter((s: { Action: string[] }) => s.Action.includes("kms:CreateGrant")).map((s: { Resource: string }) => [p.name, s.Resource]));
        assert.deepStrictEqual(grants, [["jobnet-tasks-startInstances", key]]);
        const { account: dev } = await sharedRun("dev");
        assert.ok(dev.ofType("aws:iam/rolePolicy:RolePolicy").every((p) => !p.inputs.policy.includes("kms:")), "no KMS permission without a customer managed key");
    });
});
