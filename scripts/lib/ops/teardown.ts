import { DescribeDBClustersCommand, RDSClient } from "@aws-sdk/client-rds";

/**
 * Whether `npm run ops -- destroy` may go on. Aurora refuses to delete the instances of a stopped
 * cluster (Aurora User Guide, "Stopping and starting an Amazon Aurora DB cluster": a stopped
 * cluster's instances cannot be deleted), so `pulumi destroy` of a stopped system would fail half
 * way, the servers and the network gone, and seven days later AWS would start the cluster again
 * with no jobnet left to stop it.
 */

/** The Aurora cluster the stack created, from its outputs: an existing system's database is never destroyed with the stack. */
export function createdCluster(outputs: Record<string, { value?: unknown } | undefined>): string | undefined {
    const identifier = outputs.dbClusterIdentifier?.value;
    // Only the system this program creates exports an endpoint (index.ts).
    return typeof identifier === "string" && outputs.dbEndpoint?.value !== undefined ? identifier : undefined;
}

/** Why the stack must not be destroyed now, and what to run first; undefined when it may be (pure). */
export function destroyRefusal(cluster: { identifier: string; status: string } | undefined, stack: string, region: string): string | undefined {
    if (cluster === undefined || cluster.status === "available") return undefined;
    const { identifier, status } = cluster;
    const waitAvailable = `aws rds wait db-cluster-available --db-cluster-identifier ${identifier} --region ${region}`;
    const why = "Aurora cannot delete the instances of a stopped cluster, so the destroy would fail half way, and 7 days later AWS would start the cluster again with no jobnet left to stop it";
    if (status === "stopped" || status === "stopping") {
        return `The ${stack} stack's cluster ${identifier} is ${status}: ${why}. Start it first, then destroy: `
            + `${status === "stopping" ? "once it has stopped (aws rds describe-db-clusters shows its status), " : ""}`
            + `aws rds start-db-cluster --db-cluster-identifier ${identifier} --region ${region}; ${waitAvailable}`;
    }
    return `The ${stack} stack's cluster ${identifier} is ${status}: Aurora deletes a cluster only when it is available. Wait for it, then destroy: ${waitAvailable}`;
}

/** The cluster's status, for destroyRefusal. */
export async function readClusterStatus(rds: RDSClient, identifier: string): Promise<{ identifier: string; status: string }> {
    const described = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: identifier }));
    return { identifier, status: described.DBClusters?.[0]?.Status ?? "unknown" };
}
