import { createHash } from "crypto";
import {
    BackupClient,
    BackupJob,
    DescribeBackupJobCommand,
    ListBackupJobsCommand,
    ListRecoveryPointsByBackupVaultCommand,
    StartBackupJobCommand,
} from "@aws-sdk/client-backup";
import { EC2Client } from "@aws-sdk/client-ec2";
import { Polled, taskError } from "./errors";
import { ServerRef, inWords, readServers } from "./instances";

/** Where the jobnets keep their backups, and for how long. */
export interface BackupSettings {
    backupVaultName: string;
    iamRoleArn: string;
    deleteAfterDays: number;
}

/** A resource to back up: a backup started at or after `since` counts. */
export interface BackupTarget {
    /** The name operators know the resource by, for messages. */
    name: string;
    resourceArn: string;
    /**
     * A backup started at or after this time counts; an earlier one does not. ISO 8601. Null when
     * unknown (an instance stopped by AWS gives no time): then any backup still in the vault counts.
     */
    since: string | null;
}

export interface EnsureBackupsEvent extends BackupSettings {
    /** Resources whose time is known, such as the database (since the run began). */
    resources?: BackupTarget[];
    /** Stopped servers: each counts backups since it stopped, as EC2 tells. */
    servers?: ServerRef[];
    /** `arn:aws:ec2:REGION:ACCOUNT:instance/`: a server's ARN is this and its instance id. */
    instanceArnPrefix?: string;
    /** The instance ids of the servers found running when the run began (and stopped by it), and found stopping. */
    found?: { running: string[]; stopping: string[] };
    /** When this run began: a job created since is this run's, told as "started" whichever call started it. */
    runStartedAt?: string;
    /** What the step's previous call answered: the jobs it started are kept, whatever the listing shows yet. */
    started?: { name: string; backupJobId: string }[];
    /** Which call of the step this is, counted by the run: answered back, the count that bounds its calls. */
    calls?: number;
}

/**
 * Jobs started by one call at most: at ten at a time this stays well within the function's 30 s
 * even when AWS Backup throttles; a larger fleet takes several calls (`complete` false until done).
 */
export const maxStartsPerCall = 100;

/** A server in the stop's output: what the run found it doing, and its backup. */
export interface ServerBackup {
    name: string;
    found: "running" | "stopping" | "stopped";
    backup: BackupRef["outcome"];
    backupJobId: string;
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
 * Makes sure each resource has a backup taken since its time: one still running, or a completed
 * one whose recovery point is still in the vault, is reused, so a rerun or a redriven run never
 * takes a second one. A failed job, or a completed one whose recovery point has expired or been
 * deleted, does not count: a new job is started. The vault's jobs and recovery points are listed
 * once for all the resources; jobs are started ten at a time.
 */
export async function ensureBackups(event: EnsureBackupsEvent): Promise<({ backups: BackupRef[] } | { webServers: ServerBackup[] }) & { complete: boolean; calls?: number }> {
    const servers = await stoppedServers(event);
    const targets = [...(event.resources ?? []), ...servers];
    const backup = new BackupClient({});
    const times = targets.map((t) => (t.since === null ? 0 : Date.parse(t.since)));
    const earliest = times.length === 0 || times.includes(0) ? undefined : new Date(Math.min(...times) - 1000);
    const only = targets.length === 1 ? targets[0].resourceArn : undefined;
    const jobs = await listJobs(backup, only, event.backupVaultName, earliest);
    let restorable: string[] | undefined;
    const backups: BackupRef[] = [];
    const toStart: { target: BackupTarget; attempt: string; at: number }[] = [];
    const runStart = event.runStartedAt === undefined ? Infinity : Date.parse(event.runStartedAt);
    const outcomeOf = (job: BackupJob): BackupRef["outcome"] => ((job.CreationDate?.getTime() ?? 0) >= runStart ? "started" : "existing");
    const startedBefore = new Map((event.started ?? []).filter((b) => b.backupJobId).map((b) => [b.name, b.backupJobId]));
    for (const [n, target] of targets.entries()) {
        // ListBackupJobs may not show a job just started: the previous call's answer does.
        const earlier = startedBefore.get(target.name);
        if (earlier !== undefined) {
            backups.push({ name: target.name, backupJobId: earlier, outcome: "started" });
            continue;
        }
        const since = times[n] === 0 ? 0 : times[n] - 1000;
        const own = jobs.filter((j) => j.ResourceArn === target.resourceArn && (j.CreationDate?.getTime() ?? 0) >= since);
        const running = own.find((j) => runningStates.includes(j.State ?? ""));
        if (running) {
            backups.push({ name: target.name, backupJobId: running.BackupJobId!, outcome: outcomeOf(running) });
            continue;
        }
        const completed = own.filter((j) => j.State === "COMPLETED");
        if (completed.length > 0) {
            restorable ??= await restorableRecoveryPoints(backup, only, event.backupVaultName, earliest);
            const kept = completed.find((j) => j.RecoveryPointArn && restorable!.includes(j.RecoveryPointArn));
            if (kept) {
                backups.push({ name: target.name, backupJobId: kept.BackupJobId!, outcome: outcomeOf(kept) });
                continue;
            }
        }
        // Every job listed is unusable: the token must differ from each of theirs, or AWS Backup would
        // answer with the earlier (failed) job and start nothing.
        toStart.push({ target, attempt: `${target.since ?? "unknown"}#${own.length}`, at: backups.length });
        backups.push({ name: target.name, backupJobId: "", outcome: "started" });
    }
    // Ten at a time: a run over hundreds of servers must not trip the Backup API's rate limit.
    const now = toStart.slice(0, maxStartsPerCall);
    for (let i = 0; i < now.length; i += 10) {
        const ids = await Promise.all(now.slice(i, i + 10).map((s) => startJob(backup, { ...event, ...s.target }, s.attempt)));
        ids.forEach((id, k) => (backups[now[i + k].at].backupJobId = id));
    }
    const complete = toStart.length <= maxStartsPerCall;
    const calls = event.calls === undefined ? {} : { calls: event.calls };
    if (servers.length === 0) return { backups, complete, ...calls };
    // The servers' form, for the run's output: one line a server.
    const foundOf = (id: string) => (event.found?.running.includes(id) ? "running" : event.found?.stopping.includes(id) ? "stopping" : "stopped");
    return {
        webServers: backups.map((b, n) => ({ name: b.name, found: foundOf(event.servers![n].instanceId), backup: b.outcome, backupJobId: b.backupJobId })),
        complete,
        ...calls,
    };
}

/** The servers as backup targets: each since it stopped, as EC2 tells; every one must be stopped. */
async function stoppedServers(event: EnsureBackupsEvent): Promise<BackupTarget[]> {
    if (!event.servers || event.servers.length === 0) return [];
    const statuses = await readServers(new EC2Client({}), event.servers, false);
    const running = statuses.filter((s) => s.state !== "stopped");
    if (running.length > 0) throw taskError("InstanceNotStopped", `${inWords(running)}; a server is backed up only once it is stopped`);
    return statuses.map((s) => ({ name: s.name, resourceArn: `${event.instanceArnPrefix}${s.instanceId}`, since: s.stoppedAt }));
}

/**
 * StartBackupJob with a token derived from the resource and the attempt: a retried call (a Lambda
 * retry, a task timeout) gets the same job back, a new attempt gets a new job.
 */
async function startJob(backup: BackupClient, event: BackupSettings & BackupTarget, attempt: string): Promise<string> {
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

async function listJobs(backup: BackupClient, resourceArn: string | undefined, vault: string, since: Date | undefined): Promise<BackupJob[]> {
    const jobs: BackupJob[] = [];
    let token: string | undefined;
    do {
        const page = await backup.send(new ListBackupJobsCommand({ ByResourceArn: resourceArn, ByBackupVaultName: vault, ByCreatedAfter: since, NextToken: token }));
        jobs.push(...(page.BackupJobs ?? []).filter((j) => j.BackupJobId));
        token = page.NextToken;
    } while (token);
    return jobs;
}

async function restorableRecoveryPoints(backup: BackupClient, resourceArn: string | undefined, vault: string, since: Date | undefined): Promise<string[]> {
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
    // One listing of the vault's recent jobs answers for most; a job it misses (an older one, or
    // one the list has not caught up with) is described alone.
    const recent = jobs.length <= 1 ? [] : await listJobs(backup, undefined, event.backup.backupVaultName, new Date(attemptStart - 86_400_000));
    const listed = new Map(recent.map((j) => [j.BackupJobId, j]));
    const states: { name: string; state: string; retaken: boolean }[] = [];
    // Ten at a time: a run over hundreds of servers must not trip the Backup API's rate limit.
    for (let i = 0; i < jobs.length; i += 10) {
        states.push(...await Promise.all(jobs.slice(i, i + 10).map((j) => followJob(backup, j, listed.get(j.backupJobId), event.backup, attemptStart))));
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
async function followJob(backup: BackupClient, job: { name: string; backupJobId: string }, fromList: BackupJob | undefined, settings: BackupSettings, attemptStart: number) {
    const first = fromList ?? await backup.send(new DescribeBackupJobCommand({ BackupJobId: job.backupJobId }));
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
