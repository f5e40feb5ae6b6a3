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
import { deadEnds, recoverableByStart } from "./databaseStatuses";
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

// A database stops only from available (RDS User Guide, "Stopping an Amazon Aurora DB cluster
// temporarily", "Stopping an Amazon RDS DB instance temporarily"); any other status of one that
// runs is waited on by the definition first. It starts from stopped, or from the status a
// re-enabled KMS key leaves it in; one running in any way (modifying, maintenance, ...) needs no
// start, only the wait until it is available; one still stopping is waited for here.
const transitions = {
    stop: { from: ["available"], already: ["stopping", "stopped"] },
    start: { from: ["stopped", recoverableByStart()], already: [] },
} as const;

/** Whether the database is there, or on its way, for the action: for a start, any status of one that runs. */
function isAlready(kind: DatabaseKind, action: "stop" | "start", status: string): boolean {
    if (action === "stop") return (transitions.stop.already as readonly string[]).includes(status);
    return status !== "stopping" && !(transitions.start.from as readonly string[]).includes(status) && !deadEnds[kind].includes(status);
}

// The faults that say the database, or one of its members, is in the wrong state: each of the
// four operations documents both (rdsOperationErrors).
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
    const from: readonly string[] = transitions[action].from;
    const rds = new RDSClient({});
    const status = await statusOf(kind, rds, identifier);
    if (isAlready(kind, action, status)) return { outcome: "already", status, reason: "" };
    if (action === "start" && status === "stopping") {
        throw taskError(`${api.errorPrefix}Busy`, `${api.noun} ${identifier} is still stopping: it can start once stopped`);
    }
    if (!from.includes(status)) return { outcome: "refused", status, reason: `it is ${status}, and ${api.service} can ${action} a ${api.noun} only when it is ${from.join(" or ")}` };
    try {
        await api.request(rds, identifier, action);
    } catch (error) {
        const name = awsErrorName(error);
        const message = (error as Error).message;
        if (name === "KMSKeyNotAccessibleFault") {
            // StartDBCluster and StartDBInstance: the key that encrypts the database is disabled, gone, or
            // not granted to RDS (RDS API reference). Only someone fixing the key makes a start succeed.
            throw taskError(name, `${api.noun} ${identifier} cannot ${action}: ${api.service} cannot use the KMS key that encrypts it; RDS answered ${name}: ${message} `
                + "Enable the key, or let RDS use it in its key policy, then redrive the run or run the jobnet again");
        }
        if (!stateFaults.includes(name)) throw error;
        // Read again: a database that became busy meanwhile (or whose member is busy) is waited
        // for; one still in the right state that is refused all the same cannot do it at all
        // (an RDS instance with a read replica, a cluster with a feature that cannot stop).
        const now = await statusOf(kind, rds, identifier);
        if (isAlready(kind, action, now)) return { outcome: "already", status: now, reason: "" };
        if (!from.includes(now) || api.memberBusyFaults.includes(awsErrorName(error))) {
            throw taskError(`${api.errorPrefix}Busy`, `${api.noun} ${identifier} is ${now} and cannot ${action} yet: ${message}`);
        }
        return { outcome: "refused", status: now, reason: message || awsErrorName(error) };
    }
    return { outcome: "requested", status, reason: "" };
}

async function statusOf(kind: DatabaseKind, rds: RDSClient, identifier: string): Promise<string> {
    const api = apis[kind];
    const gone = () => taskError(`${api.errorPrefix}NotFound`, `${api.rdsName} ${identifier} does not exist`);
    let status: string | undefined;
    try {
        status = await api.status(rds, identifier);
    } catch (error) {
        // DescribeDBClusters and DescribeDBInstances answer these, HTTP 404, for an identifier that does not exist (RDS API reference).
        if (["DBClusterNotFoundFault", "DBInstanceNotFoundFault"].includes(awsErrorName(error))) throw gone();
        throw error;
    }
    if (!status) throw gone();
    return status;
}
