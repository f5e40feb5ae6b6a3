import { DescribeDBClustersCommand, RDSClient, StartDBClusterCommand, StopDBClusterCommand } from "@aws-sdk/client-rds";
import { Polled, awsErrorName, taskError } from "./errors";

export interface ClusterRef {
    clusterIdentifier: string;
}

/** The status of the Aurora cluster: available, backing-up, stopping, stopped, starting, ... */
export async function describeCluster(event: ClusterRef & Partial<Polled>): Promise<{ status: string } & Partial<Polled>> {
    const status = await clusterStatus(new RDSClient({}), event.clusterIdentifier);
    return { status, ...(event.attempt === undefined ? {} : { attempt: event.attempt }) };
}

export interface ClusterChange {
    /** "requested": the call was made; "already": there or on its way; "refused": it cannot be done now. */
    outcome: "requested" | "already" | "refused";
    status: string;
    /** Why it was refused. */
    reason: string;
}

export async function stopCluster(event: ClusterRef): Promise<ClusterChange> {
    return changeClusterState(event.clusterIdentifier, "stop");
}

export async function startCluster(event: ClusterRef): Promise<ClusterChange> {
    return changeClusterState(event.clusterIdentifier, "start");
}

// Aurora stops only from available and starts only from stopped (InvalidDBClusterStateFault otherwise).
const transitions = {
    stop: { from: "available", already: ["stopping", "stopped"] },
    start: { from: "stopped", already: ["starting", "available", "backing-up"] },
} as const;

// StopDBCluster and StartDBCluster answer either fault when the cluster or one of its instances is
// in the wrong state (RDS API reference).
const stateFaults = ["InvalidDBClusterStateFault", "InvalidDBInstanceStateFault"];

async function changeClusterState(clusterIdentifier: string, action: "stop" | "start"): Promise<ClusterChange> {
    const rule = transitions[action];
    const rds = new RDSClient({});
    const status = await clusterStatus(rds, clusterIdentifier);
    if ((rule.already as readonly string[]).includes(status)) return { outcome: "already", status, reason: "" };
    if (status !== rule.from) return { outcome: "refused", status, reason: `it is ${status}, and Aurora can ${action} a cluster only when it is ${rule.from}` };
    try {
        await rds.send(
            action === "stop"
                ? new StopDBClusterCommand({ DBClusterIdentifier: clusterIdentifier })
                : new StartDBClusterCommand({ DBClusterIdentifier: clusterIdentifier }),
        );
    } catch (error) {
        if (!stateFaults.includes(awsErrorName(error))) throw error;
        const message = (error as Error).message;
        // Read again: a cluster that became busy meanwhile (or whose instance is busy) is waited
        // for; one still in the right state that is refused all the same cannot do it at all.
        const now = await clusterStatus(rds, clusterIdentifier);
        if ((rule.already as readonly string[]).includes(now)) return { outcome: "already", status: now, reason: "" };
        if (now !== rule.from || awsErrorName(error) === "InvalidDBInstanceStateFault") {
            throw taskError("ClusterBusy", `cluster ${clusterIdentifier} is ${now} and cannot ${action} yet: ${message}`);
        }
        return { outcome: "refused", status: now, reason: message || awsErrorName(error) };
    }
    return { outcome: "requested", status, reason: "" };
}

async function clusterStatus(rds: RDSClient, clusterIdentifier: string): Promise<string> {
    const described = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: clusterIdentifier }));
    const cluster = described.DBClusters?.find((c) => c.DBClusterIdentifier === clusterIdentifier);
    if (!cluster?.Status) throw taskError("ClusterNotFound", `DB cluster ${clusterIdentifier} does not exist`);
    return cluster.Status;
}
