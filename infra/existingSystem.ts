import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { maxWebServers } from "../statemachines/plan";
import { JobnetTargets } from "../statemachines/targets";
import { serverNames, serverStates } from "../handlers/webServers";
import { ExistingSystemSettings, projectName } from "./config";
import { SystemSummary } from "./outputs";

/** A web server of the existing system, as preview found it. */
export interface FoundServer {
    /** Its Name tag, or its instance id when it has none or shares it with another server. */
    name: string;
    instanceId: string;
    instanceArn: string;
    availabilityZone: string;
    state: string;
}

/** Everything of the existing system the jobnets act on, read through the stack's AWS provider. */
export interface FoundSystem {
    webServers: FoundServer[];
    cluster: { identifier: string; arn: string; engineVersion: string };
    listeners: { arn: string; protocol: string; port: number }[];
    targetGroups: { arn: string; name: string; targetType: string }[];
}

/** The data sources preview reads the existing system with: the AWS provider's, or a test's. */
export interface SystemReader {
    instance(instanceId: string): Promise<aws.ec2.GetInstanceResult>;
    instancesTagged(key: string, value: string): Promise<string[]>;
    clusterExists(identifier: string): Promise<boolean>;
    cluster(identifier: string): Promise<aws.rds.GetClusterResult>;
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
    if (instanceIds.length > maxWebServers) {
        problems.push(`${key(byIds ? "webServers.instanceIds" : "webServers.tag")}: ${instanceIds.length} servers; the jobnets act on ${maxWebServers} at most`);
    }
    const instances = await Promise.all(instanceIds.map((id, i) =>
        attempt(byIds ? `webServers.instanceIds[${i}]` : "webServers.tag", id, () => read.instance(id), `is no instance in ${region}`)));
    instances.forEach((instance, i) => {
        if (instance && !serverStates.includes(instance.instanceState)) {
            problems.push(`${key(byIds ? `webServers.instanceIds[${i}]` : "webServers.tag")}: ${JSON.stringify(instance.id)} is ${instance.instanceState}: a server to stop and start is ${serverStates.join(", ")}`);
        }
    });

    const { clusterIdentifier } = settings.database;
    const cluster = await attempt("database.clusterIdentifier", clusterIdentifier, async () => {
        // rds.getCluster fails for a cluster that does not exist; getClusters answers with none.
        if (!(await read.clusterExists(clusterIdentifier))) throw new Error("not found");
        return read.cluster(clusterIdentifier);
    }, `is no Aurora cluster in ${region}`);
    if (cluster && !cluster.engine.startsWith("aurora")) problems.push(`${key("database.clusterIdentifier")}: ${JSON.stringify(clusterIdentifier)} is a ${cluster.engine} cluster, not an Aurora one`);

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
        cluster: { identifier: clusterIdentifier, arn: cluster!.arn, engineVersion: cluster!.engineVersion },
        listeners: (listeners as aws.lb.GetListenerResult[]).map((l) => ({ arn: l.arn, protocol: l.protocol, port: l.port })),
        targetGroups: (targetGroups as aws.lb.GetTargetGroupResult[]).map((g) => ({ arn: g.arn, name: g.name, targetType: g.targetType })),
    };
}

/** What preview says it found, in a few lines. */
export function describeFoundSystem(found: FoundSystem): string {
    return [
        `The jobnets act on an existing system:`,
        `  web servers: ${found.webServers.map((s) => `${s.name} (${s.instanceId}, ${s.availabilityZone}, ${s.state})`).join(", ")}`,
        `  Aurora cluster: ${found.cluster.identifier} (${found.cluster.engineVersion})`,
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
            cluster: this.found.cluster.apply(({ identifier, arn }) => ({ identifier, arn })),
            // The listeners named are those that carry traffic: each gets the maintenance page.
            loadBalancer: args.settings.loadBalancer !== undefined,
            trafficListenerArns: this.found.listeners.apply((listeners) => listeners.map((l) => l.arn)),
            otherListenerArns: [],
            targetGroupArns: this.found.targetGroups.apply((groups) => groups.map((g) => g.arn)),
        };
        this.summary = {
            webServers: this.found.webServers.apply((servers) => servers.map(({ name: serverName, instanceId, instanceArn, availabilityZone }) => ({ name: serverName, instanceId, instanceArn, availabilityZone }))),
            dbClusterIdentifier: this.found.cluster.identifier,
            dbClusterArn: this.found.cluster.arn,
            listeners: this.found.listeners.apply((listeners) => listeners.map((l) => ({ ...l, forwards: true }))),
            targetGroupArns: this.targets.targetGroupArns,
            webServerTag: serverTag,
        };
        // Nothing derived from `found`: a failed read must reach the user as it is, not through a serialisation.
        this.registerOutputs({});
    }
}
