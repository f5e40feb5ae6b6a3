import { DescribeInstancesCommand, EC2Client, Instance } from "@aws-sdk/client-ec2";
import { taskError } from "./errors";
import { naturalOrder } from "./naturalOrder";

/** The tag that marks a web server of an existing system: `Role=shop-web`. */
export interface ServerTag {
    key: string;
    value: string;
}

/** A web server as the jobnets act on it. */
export interface WebServer {
    name: string;
    instanceId: string;
    instanceArn: string;
}

/** States in which a server belongs to the system; terminated and shutting-down ones do not. */
export const serverStates = ["pending", "running", "stopping", "stopped"];

/**
 * Each server's name, in order: its Name tag, or its instance id when it has none or shares it
 * with another server (a name must tell the servers apart in causes and the timeline).
 */
export function serverNames(servers: { instanceId: string; nameTag: string | undefined }[]): string[] {
    const count = (tag: string) => servers.filter((s) => s.nameTag === tag).length;
    return servers.map((s) => (s.nameTag && count(s.nameTag) === 1 ? s.nameTag : s.instanceId));
}

export interface FindWebServersEvent {
    tag: ServerTag;
    /** Where the function runs, which is where it finds instances: for messages. */
    region: string;
    /** More than this would outgrow the jobnets' payload and history budgets. */
    maxServers: number;
}

/**
 * The instances that carry the tag now, in a state to stop or start, sorted by name then id: a
 * server tagged after the last update is acted on by the next run. None is an error: a jobnet
 * that stops the database while a server it could not find keeps running is worse than no run.
 */
export async function findWebServers(event: FindWebServersEvent): Promise<{ webServers: { name: string; instanceId: string }[] }> {
    const ec2 = new EC2Client({});
    const instances: Instance[] = [];
    let nextToken: string | undefined;
    do {
        const page = await ec2.send(new DescribeInstancesCommand({
            Filters: [{ Name: `tag:${event.tag.key}`, Values: [event.tag.value] }, { Name: "instance-state-name", Values: serverStates }],
            NextToken: nextToken,
        }));
        instances.push(...(page.Reservations ?? []).flatMap((r) => r.Instances ?? []));
        nextToken = page.NextToken;
    } while (nextToken);
    if (instances.length === 0) {
        throw taskError("NoWebServers", `no instance in ${event.region} carries the tag ${event.tag.key}=${event.tag.value} (${serverStates.join(", ")}): the jobnet has no web server to act on`);
    }
    if (instances.length > event.maxServers) {
        throw taskError("TooManyWebServers", `${instances.length} instances in ${event.region} carry the tag ${event.tag.key}=${event.tag.value}: the jobnets act on ${event.maxServers} at most`);
    }
    const names = serverNames(instances.map((i) => ({ instanceId: i.InstanceId!, nameTag: i.Tags?.find((t) => t.Key === "Name")?.Value })));
    // Names and ids only: a run makes a server's ARN from its id where it needs one (its backup).
    const webServers = instances.map((i, n) => ({ name: names[n], instanceId: i.InstanceId! }));
    return { webServers: webServers.sort((a, b) => naturalOrder(a.name, b.name) || naturalOrder(a.instanceId, b.instanceId)) };
}
