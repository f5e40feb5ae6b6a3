import {
    DescribeDBClustersCommand,
    DescribeDBInstancesCommand,
    RDSClient,
    StartDBClusterCommand,
    StartDBInstanceCommand,
    StopDBClusterCommand,
    StopDBInstanceCommand,
} from "@aws-sdk/client-rds";
import type { DatabaseKind } from "../statemachines/plan";
import { Polled, awsErrorName, taskError } from "./errors";

/** The database of the system: an Aurora cluster, or a single RDS DB instance. */
export interface ClusterRef {
    clusterIdentifier: string;
}
export interface DbInstanceRef {
    dbInstanceIdentifier: string;
}

export interface DatabaseChange {
    /** "requested": the call was made; "already": there or on its way; "refused": it cannot be done now. */
    outcome: "requested" | "already" | "refused";
    status: string;
    /** Why it was refused. */
    reason: string;
}

/** How RDS is asked about, and to stop or start, one kind of database. */
interface DatabaseApi {
    /** As causes name it. */
    noun: string;
    /** What the names of its errors begin with: ClusterBusy, DbInstanceNotFound. */
    errorPrefix: string;
    /** Who stops and starts it, in causes. */
    service: string;
    /** As RDS names the kind: DB cluster, DB instance. */
    rdsName: string;
    status(rds: RDSClient, identifier: string): Promise<string | undefined>;
    request(rds: RDSClient, identifier: string, action: "stop" | "start"): Promise<unknown>;
    /** Faults that mean a member of the database is busy, whatever the database's own status. */
    memberBusyFaults: string[];
}

const apis: Record<DatabaseKind, DatabaseApi> = {
    cluster: {
        noun: "cluster",
        errorPrefix: "Cluster",
        service: "Aurora",
        rdsName: "DB cluster",
        status: async (rds, id) => {
            const described = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }));
            return described.DBClusters?.find((c) => c.DBClusterIdentifier === id)?.Status;
        },
        request: (rds, id, action) => rds.send(action === "stop" ? new StopDBClusterCommand({ DBClusterIdentifier: id }) : new StartDBClusterCommand({ DBClusterIdentifier: id })),
        // StopDBCluster answers InvalidDBInstanceStateFault when one of the cluster's instances is
        // not available (RDS API reference): it is waited for.
        memberBusyFaults: ["InvalidDBInstanceStateFault"],
    },
    instance: {
        noun: "DB instance",
        errorPrefix: "DbInstance",
        service: "RDS",
        rdsName: "DB instance",
        status: async (rds, id) => {
            const described = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
            return described.DBInstances?.find((i) => i.DBInstanceIdentifier === id)?.DBInstanceStatus;
        },
        request: (rds, id, action) => rds.send(action === "stop" ? new StopDBInstanceCommand({ DBInstanceIdentifier: id }) : new StartDBInstanceCommand({ DBInstanceIdentifier: id })),
        memberBusyFaults: [],
    },
};

// Both stop only from available and start only from stopped (RDS User Guide, "Stopping an Amazon
// Aurora DB cluster temporarily" and "Stopping an Amazon RDS DB instance temporarily").
const transitions = {
    stop: { from: "available", already: ["stopping", "stopped"] },
    start: { from: "stopped", already: ["starting", "available", "backing-up"] },
} as const;

// StopDBCluster, StartDBCluster, StopDBInstance and StartDBInstance each answer one of these when
// the database or one of its members is in the wrong state (RDS API reference).
const stateFaults = ["InvalidDBClusterStateFault", "InvalidDBInstanceStateFault"];

/** The status of the Aurora cluster: available, backing-up, stopping, stopped, starting, ... */
export async function describeCluster(event: ClusterRef & Partial<Polled>): Promise<{ status: string } & Partial<Polled>> {
    return readStatus("cluster", event.clusterIdentifier, event.attempt);
}

export async function stopCluster(event: ClusterRef): Promise<DatabaseChange> {
    return changeState("cluster", event.clusterIdentifier, "stop");
}

export async function startCluster(event: ClusterRef): Promise<DatabaseChange> {
    return changeState("cluster", event.clusterIdentifier, "start");
}

/** The status of the RDS DB instance: the same words as a cluster's, and a few of its own. */
export async function describeDbInstance(event: DbInstanceRef & Partial<Polled>): Promise<{ status: string } & Partial<Polled>> {
    return readStatus("instance", event.dbInstanceIdentifier, event.attempt);
}

export async function stopDbInstance(event: DbInstanceRef): Promise<DatabaseChange> {
    return changeState("instance", event.dbInstanceIdentifier, "stop");
}

export async function startDbInstance(event: DbInstanceRef): Promise<DatabaseChange> {
    return changeState("instance", event.dbInstanceIdentifier, "start");
}

async function readStatus(kind: DatabaseKind, identifier: string, attempt: number | undefined): Promise<{ status: string } & Partial<Polled>> {
    const status = await statusOf(kind, new RDSClient({}), identifier);
    return { status, ...(attempt === undefined ? {} : { attempt }) };
}

async function changeState(kind: DatabaseKind, identifier: string, action: "stop" | "start"): Promise<DatabaseChange> {
    const api = apis[kind];
    const rule = transitions[action];
    const rds = new RDSClient({});
    const status = await statusOf(kind, rds, identifier);
    if ((rule.already as readonly string[]).includes(status)) return { outcome: "already", status, reason: "" };
    if (status !== rule.from) return { outcome: "refused", status, reason: `it is ${status}, and ${api.service} can ${action} a ${api.noun} only when it is ${rule.from}` };
    try {
        await api.request(rds, identifier, action);
    } catch (error) {
        if (!stateFaults.includes(awsErrorName(error))) throw error;
        const message = (error as Error).message;
        // Read again: a database that became busy meanwhile (or whose member is busy) is waited
        // for; one still in the right state that is refused all the same cannot do it at all
        // (an RDS instance with a read replica, a cluster with a feature that cannot stop).
        const now = await statusOf(kind, rds, identifier);
        if ((rule.already as readonly string[]).includes(now)) return { outcome: "already", status: now, reason: "" };
        if (now !== rule.from || api.memberBusyFaults.includes(awsErrorName(error))) {
            throw taskError(`${api.errorPrefix}Busy`, `${api.noun} ${identifier} is ${now} and cannot ${action} yet: ${message}`);
        }
        return { outcome: "refused", status: now, reason: message || awsErrorName(error) };
    }
    return { outcome: "requested", status, reason: "" };
}

async function statusOf(kind: DatabaseKind, rds: RDSClient, identifier: string): Promise<string> {
    const api = apis[kind];
    const status = await api.status(rds, identifier);
    if (!status) throw taskError(`${api.errorPrefix}NotFound`, `${api.rdsName} ${identifier} does not exist`);
    return status;
}
