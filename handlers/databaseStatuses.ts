import type { DatabaseKind } from "../statemachines/plan";

/**
 * Statuses a database does not leave by itself: waiting is pointless, a run fails naming the
 * status. Aurora clusters: RDS User Guide, "Viewing DB cluster status"; RDS DB instances: RDS
 * User Guide, "DB instance status" (storage-full is left out: storage autoscaling leaves it).
 */
export const deadEnds: Record<DatabaseKind, readonly string[]> = {
    cluster: [
        "failed",
        "inaccessible-encryption-credentials",
        recoverableByStart(),
        "incompatible-network",
        "incompatible-parameters",
        "incompatible-restore",
        "cloning-failed",
        "migration-failed",
        "deleting",
    ],
    instance: [
        "failed",
        "inaccessible-encryption-credentials",
        recoverableByStart(),
        "incompatible-network",
        "incompatible-option-group",
        "incompatible-parameters",
        "incompatible-restore",
        "insufficient-capacity",
        "restore-error",
        "deleting",
    ],
};

/**
 * The status of a database whose KMS key was disabled and is usable again: a start recovers it
 * (within 7 days; after that it is inaccessible-encryption-credentials for good). A stop cannot.
 */
export function recoverableByStart(): string {
    return "inaccessible-encryption-credentials-recoverable";
}
