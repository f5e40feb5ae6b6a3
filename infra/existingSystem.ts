import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { DatabaseKind, maxListedWebServers, maxWebServers } from "../statemachines/plan";
import { JobnetTargets } from "../statemachines/targets";
import { serverNames, serverStates } from "../handlers/webServers";
import { ExistingSystemSettings, projectName } from "./config";
import { AttachedTargetGroup, SystemSummary, databaseSummary } from "./outputs";

/** A web server of the existing system, as preview found it. */
export interface FoundServer {
    /** Its Name tag, or its instance id when it has none or shares it with another server. */
    name: string;
    instanceId: string;
    instanceArn: string;
    availabilityZone: string;
    state: string;
}

export interface FoundDatabase {
    kind: DatabaseKind;
    identifier: string;
    arn: string;
    engine: string;
    engineVersion: string;
}

/** Everything of the existing system the jobnets act on, read through the stack's AWS provider. */
export interface FoundSystem {
    webServers: FoundServer[];
    /** The Aurora cluster or the RDS DB instance; undefined when the system has none. */
    database: FoundDatabase | undefined;
    listeners: { arn: string; protocol: string; port: number }[];
    /** Each with the load balancer it is attached to, if any. */
    targetGroups: { arn: string; name: string; targetType: string; loadBalancerArn: string | undefined }[];
}

/** The data sources preview reads the existing system with: the AWS provider's, or a test's. */
export interface SystemReader {
    instance(instanceId: string): Promise<aws.ec2.GetInstanceResult>;
    instancesTagged(key: string, value: string): Promise<string[]>;
    clusterExists(identifier: string): Promise<boolean>;
    cluster(identifier: string): Promise<aws.rds.GetClusterResult>;
    dbInstanceExists(identifier: string): Promise<boolean>;
    dbInstance(identifier: string): Promise<aws.rds.GetInstanceResult>;
    listener(arn: string): Promise<aws.lb.GetListenerResult>;
    targetGroup(arn: string): Promise<aws.lb.GetTargetGroupResult>;
}

/** Every problem found, each naming its key and value, as one error that stops preview. */
export class ExistingSystemError extends Error {
    constructor(readonly problems: string[]) {
        super(`The existing system is not as the stack config names it (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((p) => `  ${p}`).join("\n")}`);
        this.name = "ExistingSystemError";
    }
}

/**
 * Reads the existing system named by the config, and says in one error everything that is not
 * there, or not of the kind the jobnets act on.
 */
export async function findExistingSystem(settings: ExistingSystemSettings, read: SystemReader, region: string): Promise<FoundSystem> {
    const problems: string[] = [];
    const key = (path: string) => `${projectName}:system.${path}`;
    const attempt = async <T>(path: string, value: string, lookup: () => Promise<T>, missing: string): Promise<T | undefined> => {
        try {
            return await lookup();
        } catch {
            problems.push(`${key(path)}: ${JSON.stringify(value)} ${missing}`);
            return undefined;
        }
    };

    const byIds = "instanceIds" in settings.webServers;
    const instanceIds = "instanceIds" in settings.webServers
        ? settings.webServers.instanceIds
        : await read.instancesTagged(settings.webServers.tag.key, settings.webServers.tag.value);
    if (!byIds && instanceIds.length === 0) {
        const { key: tagKey, value } = (settings.webServers as { tag: { key: string; value: string } }).tag;
        problems.push(`${key("webServers.tag")}: no instance in ${region} carries the tag ${tagKey}=${value} (${serverStates.join(", ")})`);
    }
    if (byIds && instanceIds.length > maxListedWebServers) {
        problems.push(`${key("webServers.instanceIds")}: ${instanceIds.length} servers listed; list ${maxListedWebServers} at most, or name them by a tag (system.webServers.tag): the jobnets' IAM policies name each listed server, and IAM keeps a role's policies within 10,240 characters`);
    } else if (instanceIds.length > maxWebServers) {
        problems.push(`${key(byIds ? "webServers.instanceIds" : "webServers.tag")}: ${instanceIds.length} servers; the jobnets act on ${maxWebServers} at most`);
    }
    const instances = await Promise.all(instanceIds.map((id, i) =>
        attempt(byIds ? `webServers.instanceIds[${i}]` : "webServers.tag", id, () => read.instance(id), `is no instance in ${region}`)));
    instances.forEach((instance, i) => {
        if (instance && !serverStates.includes(instance.instanceState)) {
            problems.push(`${key(byIds ? `webServers.instanceIds[${i}]` : "webServers.tag")}: ${JSON.stringify(instance.id)} is ${instance.instanceState}: a server to stop and start is ${serverStates.join(", ")}`);
        }
    });

    const database = settings.database && await findDatabase(settings.database, read, region, problems);

    const loadBalancer = settings.loadBalancer ?? { listenerArns: [], targetGroupArns: [] };
    const listeners = await Promise.all(loadBalancer.listenerArns.map((arn, i) =>
        attempt(`loadBalancer.listenerArns[${i}]`, arn, () => read.listener(arn), "is no listener of a load balancer in this account and Region")));
    const targetGroups = await Promise.all(loadBalancer.targetGroupArns.map((arn, i) =>
        attempt(`loadBalancer.targetGroupArns[${i}]`, arn, () => read.targetGroup(arn), "is no target group in this account and Region")));
    targetGroups.forEach((group, i) => {
        // The start jobnet waits for each server's health in the group: only instance targets are servers.
        if (group && group.targetType !== "instance") problems.push(`${key(`loadBalancer.targetGroupArns[${i}]`)}: ${JSON.stringify(group.arn)} has ${group.targetType} targets: a target group of instances`);
    });

    if (problems.length > 0) throw new ExistingSystemError(problems);
    const found = instances as aws.ec2.GetInstanceResult[];
    const names = serverNames(found.map((i) => ({ instanceId: i.id, nameTag: i.tags.Name })));
    return {
        webServers: found.map((i, n) => ({
            name: names[n],
            instanceId: i.id,
            instanceArn: i.arn,
            availabilityZone: i.availabilityZone,
            state: i.instanceState,
        })),
        database,
        listeners: (listeners as aws.lb.GetListenerResult[]).map((l) => ({ arn: l.arn, protocol: l.protocol, port: l.port })),
        // A target group serves one load balancer at most (ELB API reference, TargetGroup.LoadBalancerArns).
        targetGroups: (targetGroups as aws.lb.GetTargetGroupResult[]).map((g) => ({ arn: g.arn, name: g.name, targetType: g.targetType, loadBalancerArn: g.loadBalancerArns?.[0] })),
    };
}

/**
 * The Aurora cluster, or the RDS DB instance, if it is one RDS can stop and start by itself: the
 * API leaves out instances of a cluster (stopped with their cluster), read replicas, RDS Custom and
 * SQL Server in Multi-AZ (RDS User Guide, "Stopping an Amazon RDS DB instance temporarily").
 */
async function findDatabase(named: { kind: DatabaseKind; identifier: string }, read: SystemReader, region: string, problems: string[]): Promise<FoundDatabase | undefined> {
    const { kind, identifier } = named;
    const at = kind === "cluster" ? `${projectName}:system.database.clusterIdentifier` : `${projectName}:system.database.instanceIdentifier`;
    const problem = (why: string) => {
        problems.push(`${at}: ${JSON.stringify(identifier)} ${why}`);
        return undefined;
    };
    // rds.getCluster and rds.getInstance fail for one that does not exist; the plural forms answer with none.
    if (kind === "cluster") {
        if (!(await read.clusterExists(identifier))) return problem(`is no Aurora cluster in ${region}`);
        const cluster = await read.cluster(identifier);
        if (!cluster.engine.startsWith("aurora")) return problem(`is a ${cluster.engine} cluster, not an Aurora one`);
        return { kind, identifier, arn: cluster.arn, engine: cluster.engine, engineVersion: cluster.engineVersion };
    }
    if (!(await read.dbInstanceExists(identifier))) return problem(`is no RDS DB instance in ${region}`);
    const instance = await read.dbInstance(identifier);
    if (instance.dbClusterIdentifier) {
        return problem(`is an instance of the DB cluster ${instance.dbClusterIdentifier}, which RDS stops as a whole${instance.engine.startsWith("aurora") ? `: set system.database.clusterIdentifier to ${instance.dbClusterIdentifier} instead` : ""}`);
    }
    if (instance.replicateSourceDb) return problem(`is a read replica of ${instance.replicateSourceDb}, which RDS cannot stop`);
    if (instance.engine.startsWith("custom-")) return problem(`is RDS Custom (${instance.engine}), which StopDBInstance does not apply to`);
    if (instance.engine.startsWith("sqlserver") && instance.multiAz) return problem(`is SQL Server in a Multi-AZ configuration, which RDS cannot stop`);
    return { kind, identifier, arn: instance.dbInstanceArn, engine: instance.engine, engineVersion: instance.engineVersion };
}

/** What preview says it found, in a few lines. */
export function describeFoundSystem(found: FoundSystem): string {
    return [
        `The jobnets act on an existing system:`,
        `  web servers: ${found.webServers.map((s) => `${s.name} (${s.instanceId}, ${s.availabilityZone}, ${s.state})`).join(", ")}`,
        found.database === undefined
            ? "  no database"
            : `  ${found.database.kind === "cluster" ? "Aurora cluster" : "RDS DB instance"}: ${found.database.identifier} (${found.database.engine} ${found.database.engineVersion})`,
        ...(found.listeners.length === 0
            ? ["  no load balancer: no maintenance page, no wait for healthy targets"]
            : [
                `  listeners: ${found.listeners.map((l) => `${l.protocol}:${l.port}`).join(", ")}`,
                `  target groups: ${found.targetGroups.map((g) => g.name).join(", ")}`,
            ]),
    ].join("\n");
}

/** The AWS provider's data sources, through the stack's provider. */
export function providerReader(opts: pulumi.InvokeOptions): SystemReader {
    return {
        instance: (instanceId) => aws.ec2.getInstance({ instanceId }, opts),
        instancesTagged: async (key, value) =>
            (await aws.ec2.getInstances({ instanceTags: { [key]: value }, instanceStateNames: serverStates }, opts)).ids,
        clusterExists: async (identifier) =>
            (await aws.rds.getClusters({ filters: [{ name: "db-cluster-id", values: [identifier] }] }, opts)).clusterIdentifiers.includes(identifier),
        cluster: (clusterIdentifier) => aws.rds.getCluster({ clusterIdentifier }, opts),
        dbInstanceExists: async (identifier) =>
            (await aws.rds.getInstances({ filters: [{ name: "db-instance-id", values: [identifier] }] }, opts)).instanceIdentifiers.includes(identifier),
        dbInstance: (dbInstanceIdentifier) => aws.rds.getInstance({ dbInstanceIdentifier }, opts),
        listener: (arn) => aws.lb.getListener({ arn }, opts),
        targetGroup: (arn) => aws.lb.getTargetGroup({ arn }, opts),
    };
}

export interface ExistingSystemArgs {
    settings: ExistingSystemSettings;
    region: string;
}

/**
 * A web system built elsewhere, read at every preview and never changed: the stack creates none
 * of it, so destroying the stack leaves it as it is.
 */
export class ExistingSystem extends pulumi.ComponentResource {
    /** Settles once the system is read: rejects, with every problem, when it is not as the config names it. */
    readonly ready: Promise<FoundSystem>;
    readonly found: pulumi.Output<FoundSystem>;
    readonly targets: JobnetTargets;
    readonly summary: SystemSummary;
    /** Its target groups, each on the load balancer it is attached to. */
    readonly attachedTargetGroups: pulumi.Output<AttachedTargetGroup[]>;

    constructor(name: string, args: ExistingSystemArgs, opts?: pulumi.ComponentResourceOptions) {
        super("webapp-jobnet:infra:ExistingSystem", name, {}, opts);
        this.ready = findExistingSystem(args.settings, providerReader({ parent: this }), args.region).then((found) => {
            pulumi.log.info(describeFoundSystem(found), this);
            return found;
        }, (e) => {
            // The problems are all the user needs: no stack trace.
            throw e instanceof ExistingSystemError ? new pulumi.RunError(e.message) : e;
        });
        this.found = pulumi.output(this.ready);
        const serverTag = "tag" in args.settings.webServers ? args.settings.webServers.tag : undefined;
        this.targets = {
            // Servers by tag are found by each run: one tagged after this update is acted on too.
            webServers: serverTag
                ? { tag: serverTag }
                : this.found.webServers.apply((servers) => servers.map(({ name: serverName, instanceId, instanceArn }) => ({ name: serverName, instanceId, instanceArn }))),
            database: args.settings.database && {
                kind: args.settings.database.kind,
                identifier: args.settings.database.identifier,
                arn: this.found.database.apply((d) => d!.arn),
            },
            // The listeners named are those that carry traffic: each gets the maintenance page.
            loadBalancer: args.settings.loadBalancer !== undefined,
            trafficListenerArns: this.found.listeners.apply((listeners) => listeners.map((l) => l.arn)),
            otherListenerArns: [],
            targetGroupArns: this.found.targetGroups.apply((groups) => groups.map((g) => g.arn)),
        };
        this.summary = {
            webServers: this.found.webServers.apply((servers) => servers.map(({ name: serverName, instanceId, instanceArn, availabilityZone }) => ({ name: serverName, instanceId, instanceArn, availabilityZone }))),
            ...databaseSummary(this.targets.database),
            listeners: this.found.listeners.apply((listeners) => listeners.map((l) => ({ ...l, forwards: true }))),
            targetGroupArns: this.targets.targetGroupArns,
            webServerTag: serverTag,
        };
        this.attachedTargetGroups = this.found.targetGroups.apply((groups) => groups.map((g) => ({ targetGroupArn: g.arn, loadBalancerArn: g.loadBalancerArn })));
        // Nothing derived from `found`: a failed read must reach the user as it is, not through a serialisation.
        this.registerOutputs({});
    }
}
