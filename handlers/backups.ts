import { BackupClient, DescribeBackupJobCommand, ListBackupJobsCommand, StartBackupJobCommand } from "@aws-sdk/client-backup";
import { Polled, taskError } from "./errors";

export interface EnsureBackupEvent {
    /** The name operators know the resource by, for messages. */
    name: string;
    resourceArn: string;
    /**
     * A backup started at or after this time counts; an earlier one does not. ISO 8601. Null when
     * unknown (an instance stopped by AWS gives no time): then any backup still in the vault counts.
     */
    since: string | null;
    backupVaultName: string;
    iamRoleArn: string;
    deleteAfterDays: number;
}

export interface BackupRef {
    name: string;
    backupJobId: string;
    /** "started" now, or "existing": a backup since `since` was already there. */
    outcome: "started" | "existing";
}

// Arrays, not Sets: closure serialisation does not carry a Set's contents into the function.
const usableStates = ["CREATED", "PENDING", "RUNNING", "COMPLETED"];

/**
 * Makes sure the resource has a backup taken since the given time: an existing one (running or
 * completed) is reused, so a rerun or a redriven run never takes a second one.
 */
export async function ensureBackup(event: EnsureBackupEvent): Promise<BackupRef> {
    const backup = new BackupClient({});
    let token: string | undefined;
    do {
        const page = await backup.send(new ListBackupJobsCommand({
            ByResourceArn: event.resourceArn,
            ByBackupVaultName: event.backupVaultName,
            ByCreatedAfter: event.since === null ? undefined : new Date(Date.parse(event.since) - 1000),
            NextToken: token,
        }));
        const existing = (page.BackupJobs ?? []).find((j) => j.State && usableStates.includes(j.State) && j.BackupJobId);
        if (existing) return { name: event.name, backupJobId: existing.BackupJobId!, outcome: "existing" };
        token = page.NextToken;
    } while (token);
    const started = await backup.send(new StartBackupJobCommand({
        BackupVaultName: event.backupVaultName,
        ResourceArn: event.resourceArn,
        IamRoleArn: event.iamRoleArn,
        // The same resource and time give the same token: a retried call starts no second job.
        IdempotencyToken: `${event.resourceArn}@${event.since ?? "unknown"}`,
        Lifecycle: { DeleteAfterDays: event.deleteAfterDays },
    }));
    if (!started.BackupJobId) throw taskError("BackupNotStarted", `AWS Backup returned no job id for ${event.name}`);
    return { name: event.name, backupJobId: started.BackupJobId, outcome: "started" };
}

export interface BackupProgress extends Polled {
    total: number;
    completed: number;
    failed: number;
    /** The first failed job: which resource, its state and message. */
    failure: string;
    /** The jobs still running, for the cause of a timeout. */
    pending: string;
}

const failedStates = ["ABORTED", "FAILED", "EXPIRED", "PARTIAL"];

type JobRef = { name: string; backupJobId: string | null } | null;

/** Follows every backup job of the run (the servers' and the database's) to its end; a null job id means none was needed. */
export async function describeBackups(event: { servers: JobRef[]; database: JobRef } & Polled): Promise<BackupProgress> {
    const backup = new BackupClient({});
    const jobs = [...event.servers, event.database].filter((j): j is { name: string; backupJobId: string } => !!j && !!j.backupJobId);
    const states: { name: string; backupJobId: string; state: string; message: string }[] = [];
    // Ten at a time: a run over 100 servers must not trip the Backup API's rate limit.
    for (let i = 0; i < jobs.length; i += 10) {
        states.push(...await Promise.all(jobs.slice(i, i + 10).map(async (j) => {
            const d = await backup.send(new DescribeBackupJobCommand({ BackupJobId: j.backupJobId }));
            return { ...j, state: d.State ?? "CREATED", message: d.StatusMessage ?? "" };
        })));
    }
    const failed = states.filter((s) => failedStates.includes(s.state));
    const pending = states.filter((s) => s.state !== "COMPLETED" && !failedStates.includes(s.state));
    return {
        total: states.length,
        completed: states.filter((s) => s.state === "COMPLETED").length,
        failed: failed.length,
        failure: failed.length > 0 ? `${failed[0].name}: backup job ${failed[0].backupJobId} ended ${failed[0].state}${failed[0].message ? ` (${failed[0].message})` : ""}` : "",
        pending: pending.slice(0, 5).map((p) => p.name).join(", ") + (pending.length > 5 ? ` and ${pending.length - 5} more` : ""),
        attempt: event.attempt,
    };
}
