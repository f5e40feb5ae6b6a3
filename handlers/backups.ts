import { createHash } from "crypto";
import {
    BackupClient,
    BackupJob,
    DescribeBackupJobCommand,
    ListBackupJobsCommand,
    ListRecoveryPointsByBackupVaultCommand,
    StartBackupJobCommand,
} from "@aws-sdk/client-backup";
import { Polled, taskError } from "./errors";

/** Where the jobnets keep their backups, and for how long. */
export interface BackupSettings {
    backupVaultName: string;
    iamRoleArn: string;
    deleteAfterDays: number;
}

export interface EnsureBackupEvent extends BackupSettings {
    /** The name operators know the resource by, for messages. */
    name: string;
    resourceArn: string;
    /**
     * A backup started at or after this time counts; an earlier one does not. ISO 8601. Null when
     * unknown (an instance stopped by AWS gives no time): then any backup still in the vault counts.
     */
    since: string | null;
}

export interface BackupRef {
    name: string;
    backupJobId: string;
    /** "started" now, or "existing": a backup since `since` was already there. */
    outcome: "started" | "existing";
}

// Arrays, not Sets: closure serialisation does not carry a Set's contents into the function.
const runningStates = ["CREATED", "PENDING", "RUNNING"];
const failedStates = ["ABORTING", "ABORTED", "FAILED", "EXPIRED", "PARTIAL"];
// Recovery point statuses that mean the backup can be restored (AWS Backup API reference, RecoveryPointStatus).
const restorableStates = ["COMPLETED", "AVAILABLE"];

/**
 * Makes sure the resource has a backup taken since the given time: one still running, or a
 * completed one whose recovery point is still in the vault, is reused, so a rerun or a redriven run
 * never takes a second one. A failed job, or a completed one whose recovery point has expired or
 * been deleted, does not count: a new job is started.
 */
export async function ensureBackup(event: EnsureBackupEvent): Promise<BackupRef> {
    const backup = new BackupClient({});
    const since = event.since === null ? undefined : new Date(Date.parse(event.since) - 1000);
    const jobs = await listJobs(backup, event.resourceArn, event.backupVaultName, since);
    const running = jobs.find((j) => runningStates.includes(j.State ?? ""));
    if (running) return { name: event.name, backupJobId: running.BackupJobId!, outcome: "existing" };
    const completed = jobs.filter((j) => j.State === "COMPLETED");
    if (completed.length > 0) {
        const restorable = await restorableRecoveryPoints(backup, event.resourceArn, event.backupVaultName, since);
        const kept = completed.find((j) => j.RecoveryPointArn && restorable.includes(j.RecoveryPointArn));
        if (kept) return { name: event.name, backupJobId: kept.BackupJobId!, outcome: "existing" };
    }
    // Every job listed is unusable: the token must differ from each of theirs, or AWS Backup would
    // answer with the earlier (failed) job and start nothing.
    const backupJobId = await startJob(backup, event, `${event.since ?? "unknown"}#${jobs.length}`);
    return { name: event.name, backupJobId, outcome: "started" };
}

/**
 * StartBackupJob with a token derived from the resource and the attempt: a retried call (a Lambda
 * retry, a task timeout) gets the same job back, a new attempt gets a new job.
 */
async function startJob(backup: BackupClient, event: EnsureBackupEvent, attempt: string): Promise<string> {
    const started = await backup.send(new StartBackupJobCommand({
        BackupVaultName: event.backupVaultName,
        ResourceArn: event.resourceArn,
        IamRoleArn: event.iamRoleArn,
        IdempotencyToken: createHash("sha256").update(`${event.resourceArn}|${attempt}`).digest("hex"),
        Lifecycle: { DeleteAfterDays: event.deleteAfterDays },
    }));
    if (!started.BackupJobId) throw taskError("BackupNotStarted", `AWS Backup returned no job id for ${event.name}`);
    return started.BackupJobId;
}

async function listJobs(backup: BackupClient, resourceArn: string, vault: string, since: Date | undefined): Promise<BackupJob[]> {
    const jobs: BackupJob[] = [];
    let token: string | undefined;
    do {
        const page = await backup.send(new ListBackupJobsCommand({ ByResourceArn: resourceArn, ByBackupVaultName: vault, ByCreatedAfter: since, NextToken: token }));
        jobs.push(...(page.BackupJobs ?? []).filter((j) => j.BackupJobId));
        token = page.NextToken;
    } while (token);
    return jobs;
}

async function restorableRecoveryPoints(backup: BackupClient, resourceArn: string, vault: string, since: Date | undefined): Promise<string[]> {
    const arns: string[] = [];
    let token: string | undefined;
    do {
        const page = await backup.send(new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: vault, ByResourceArn: resourceArn, ByCreatedAfter: since, NextToken: token }));
        for (const p of page.RecoveryPoints ?? []) if (p.RecoveryPointArn && restorableStates.includes(p.Status ?? "")) arns.push(p.RecoveryPointArn);
        token = page.NextToken;
    } while (token);
    return arns;
}

export interface BackupProgress extends Polled {
    total: number;
    completed: number;
    /** Failed jobs taken again in this poll, for the record. */
    retaken: number;
    /** The jobs still running, for the cause of a timeout. */
    pending: string;
}

type JobRef = { name: string; backupJobId: string | null } | null;

export interface FollowBackupsEvent extends Polled {
    servers: JobRef[];
    database: JobRef;
    backup: BackupSettings;
    /** `$$.Execution`: when this attempt of the run began (its start, or its latest redrive). */
    execution: { StartTime: string; RedriveTime?: string };
}

/** How often a failed backup is taken again within one attempt of a run (a run, or a redrive of it). */
export const retakesPerAttempt = 1;

/**
 * Follows every backup job of the run (the servers' and the database's) to its end; a null job id
 * means none was needed. A failed job is taken again once per attempt of the run; when the retake
 * fails too, the task fails with BackupFailed, so that a redrive (after the cause is fixed) runs
 * this step again and takes the backup once more.
 */
export async function followBackups(event: FollowBackupsEvent): Promise<BackupProgress> {
    const backup = new BackupClient({});
    const jobs = [...event.servers, event.database].filter((j): j is { name: string; backupJobId: string } => !!j && !!j.backupJobId);
    const attemptStart = Date.parse(event.execution.RedriveTime ?? event.execution.StartTime);
    const states: { name: string; state: string; retaken: boolean }[] = [];
    // Ten at a time: a run over 100 servers must not trip the Backup API's rate limit.
    for (let i = 0; i < jobs.length; i += 10) {
        states.push(...await Promise.all(jobs.slice(i, i + 10).map((j) => followJob(backup, j, event.backup, attemptStart))));
    }
    const pending = states.filter((s) => s.state !== "COMPLETED");
    return {
        total: states.length,
        completed: states.length - pending.length,
        retaken: states.filter((s) => s.retaken).length,
        pending: pending.slice(0, 5).map((p) => p.name).join(", ") + (pending.length > 5 ? ` and ${pending.length - 5} more` : ""),
        attempt: event.attempt,
    };
}

/** The state of the resource's newest backup since the job the run started; a failed one is taken again or reported. */
async function followJob(backup: BackupClient, job: { name: string; backupJobId: string }, settings: BackupSettings, attemptStart: number) {
    const first = await backup.send(new DescribeBackupJobCommand({ BackupJobId: job.backupJobId }));
    if (!failedStates.includes(first.State ?? "")) return { name: job.name, state: first.State ?? "CREATED", retaken: false };
    const resourceArn = first.ResourceArn ?? "";
    const since = first.CreationDate ?? new Date(0);
    // The run's own job and every later one of the resource (its retakes), newest first. The list
    // may lag behind DescribeBackupJob, so the run's own job is added when it is missing.
    const listed = await listJobs(backup, resourceArn, settings.backupVaultName, new Date(since.getTime() - 1000));
    const later = listed.filter((j) => j.BackupJobId !== job.backupJobId && (j.CreationDate?.getTime() ?? 0) >= since.getTime());
    const own: BackupJob = { BackupJobId: job.backupJobId, State: first.State, StatusMessage: first.StatusMessage, CreationDate: since };
    const jobs = [own, ...later].sort((a, b) => (b.CreationDate?.getTime() ?? 0) - (a.CreationDate?.getTime() ?? 0));
    const latest = jobs[0];
    if (!failedStates.includes(latest.State ?? "")) return { name: job.name, state: latest.State ?? "CREATED", retaken: false };
    const failedThisAttempt = jobs.filter((j) => failedStates.includes(j.State ?? "") && (j.CreationDate?.getTime() ?? 0) >= attemptStart).length;
    if (failedThisAttempt > retakesPerAttempt) {
        const message = latest.StatusMessage ? ` (${latest.StatusMessage})` : "";
        throw taskError(
            "BackupFailed",
            `${job.name}: backup job ${latest.BackupJobId} ended ${latest.State}${message}; taken ${failedThisAttempt} times in this attempt. Fix the cause, then redrive the run or run the jobnet again`,
        );
    }
    await startJob(backup, { ...settings, name: job.name, resourceArn, since: since.toISOString() }, `${job.backupJobId}#${jobs.length}`);
    return { name: job.name, state: "CREATED", retaken: true };
}
