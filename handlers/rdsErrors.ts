import type { DatabaseKind } from "../statemachines/plan";

/**
 * The errors each RDS operation of the database tasks documents (RDS API reference, each
 * operation's Errors), besides the errors common to every action (throttling among them). A
 * Retry or Catch of a database step, and a fault of the simulated account, names only these: an
 * error an operation never returns is never waited for.
 */
export const rdsOperationErrors = {
    DescribeDBClusters: ["DBClusterNotFoundFault"],
    DescribeDBInstances: ["DBInstanceNotFoundFault"],
    StopDBCluster: ["DBClusterNotFoundFault", "InvalidDBClusterStateFault", "InvalidDBInstanceStateFault", "InvalidDBShardGroupStateFault"],
    StartDBCluster: [
        "DBClusterNotFoundFault", "InvalidDBClusterStateFault", "InvalidDBInstanceStateFault", "InvalidDBShardGroupStateFault", "KMSKeyNotAccessibleFault",
        "VpcEncryptionControlViolationException",
    ],
    StopDBInstance: [
        "DBInstanceNotFoundFault", "DBSnapshotAlreadyExistsFault", "InvalidDBCapacityReservationStateFault", "InvalidDBClusterStateFault", "InvalidDBInstanceStateFault",
        "SnapshotQuotaExceededFault",
    ],
    StartDBInstance: [
        "AuthorizationNotFoundFault", "DBCapacityReservationNotFoundFault", "DBClusterNotFoundFault", "DBInstanceNotFoundFault", "DBSubnetGroupDoesNotCoverEnoughAZs",
        "DBSubnetGroupNotFoundFault", "InsufficientDBInstanceCapacityFault", "InvalidDBCapacityReservationStateFault", "InvalidDBClusterStateFault",
        "InvalidDBInstanceStateFault", "InvalidSubnet", "InvalidVPCNetworkStateFault", "KMSKeyNotAccessibleFault", "VpcEncryptionControlViolationException",
    ],
} as const satisfies Record<string, readonly string[]>;
export type RdsOperation = keyof typeof rdsOperationErrors;

/** The RDS operations each kind of database is read, stopped and started with. */
export const rdsOperations = {
    cluster: { describe: "DescribeDBClusters", stop: "StopDBCluster", start: "StartDBCluster" },
    instance: { describe: "DescribeDBInstances", stop: "StopDBInstance", start: "StartDBInstance" },
} as const satisfies Record<DatabaseKind, Record<"describe" | "stop" | "start", RdsOperation>>;

/** Whether the RDS API reference lists this error for the operation. */
export function documents(operation: RdsOperation, error: string): boolean {
    return (rdsOperationErrors[operation] as readonly string[]).includes(error);
}
