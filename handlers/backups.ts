import { createHash } from "crypto";
import {
    BackupClient,
    BackupJob,
    DescribeBackupJobCommand,
    ListBackupJobsCommand,
    ListRecoveryPointsByBackupVaultCommand,
    RecoveryPointByBackupVault,
    StartBackupJobCommand,
} from "@aws-sdk/client-backup";
import { EC2Client } from "@aws-sdk/client-ec2";
import { Polled, taskError } from "./errors";
import { ServerRef, inWords, readServers, serversActedOn } from "./instances";

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
    /** Instance ids among them EC2 refused to stop: left out, as they are not stopped. */
    except?: string[];
    /** `arn:aws:ec2:REGION:ACCOUNT:instance/`: a server's ARN is this and its instance id. */
    instanceArnPrefix?: string;
    /** The instance ids of the servers found running when the run began (and stopped by it), and found stopping. */
    found?: { running: string[]; stopping: string[] };
    /** When this run began: a job created since is this run's, told as "started" whichever call started it. */
    runStartedAt?: string;
    /** What the step's previous call answered: the jobs it started are kept, whatever the listing shows yet. */
    started?: { name: string; backupJobId: BackupRef["backupJobId"] }[];
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
    backupJobId: BackupRef["backupJobId"];
}

export interface BackupRef {
    name: string;
    /**
     * The job of the backup; null for one found by its recovery point alone, whose job AWS Backup
     * no longer lists (ListBackupJobs shows the last 30 days): it has completed, nothing to follow.
     */
    backupJobId: string | null;
    /** "started" now, or "existing": a backup since `since` was already there. */
    outcome: "started" | "existing";
}

// Arrays, not Sets: closure serialisation does not carry a Set's contents into the function.
const runningStates = ["CREATED", "PENDING", "RUNNING"];
const failedStates = ["ABORTING", "ABORTED", "FAILED", "EXPIRED", "PARTIAL"];
// Recovery point statuses that mean the backup can be restored (AWS Backup API reference, RecoveryPointStatus).
const restorableStates = ["COMPLETED", "AVAILABLE"];

/**
 * Makes sure each resource has a backup taken since its time: a job still running, or a recovery
 * point still in the vault, whatever its age, is reused, so a rerun or a redriven run never takes a
 * second one. A failed job, or a completed one whose recovery point has expired or been deleted,
 * does not count: a new job is started. The vault's jobs and recovery points are listed once for
 * all the resources; jobs are started ten at a time.
 */
export async function ensureBackups(event: EnsureBackupsEvent): Promise<({ backups: BackupRef[] } | { webServers: ServerBackup[] }) & { complete: boolean; calls?: number }> {
    const servers = await stoppedServers(event);
    const targets = [...(event.resources ?? []), ...servers];
    // Every server left out (EC2 refused to stop each): nothing to back up, nothing to list.
    if (targets.length === 0) return event.servers === undefined ? { backups: [], complete: true } : { webServers: [], complete: true };
    const backup = new BackupClient({});
    const times = targets.map((t) => (t.since === null ? 0 : Date.parse(t.since)));
    const earliest = times.length === 0 || times.includes(0) ? undefined : new Date(Math.min(...times) - 1000);
    const only = targets.length === 1 ? targets[0].resourceArn : undefined;
    const jobs = await listJobs(backup, only, event.backupVaultName, earliest);
    let restorable: RecoveryPointByBackupVault[] | undefined;
    const backups: BackupRef[] = [];
    const toStart: (JobToStart & { at: number })[] = [];
    const runStart = event.runStartedAt === undefined ? Infinity : Date.parse(event.runStartedAt);
    const outcomeOf = (began: Date | undefined): BackupRef["outcome"] => ((began?.getTime() ?? 0) >= runStart ? "started" : "existing");
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
            backups.push({ name: target.name, backupJobId: running.BackupJobId!, outcome: outcomeOf(running.CreationDate) });
            continue;
        }
        // A completed backup is found by its recovery point: ListBackupJobs shows the last 30 days
        // only, and a recovery point stays as long as its lifecycle says (Backup API reference).
        restorable ??= await restorableRecoveryPoints(backup, only, event.backupVaultName, earliest);
        const kept = newestRecoveryPoint(restorable, target.resourceArn, since);
        if (kept) {
            const job = jobs.find((j) => j.RecoveryPointArn === kept.RecoveryPointArn);
            backups.push({ name: target.name, backupJobId: job?.BackupJobId ?? null, outcome: outcomeOf(kept.InitiationDate ?? kept.CreationDate) });
            continue;
        }
        // Every job listed is unusable: the token must differ from each of theirs, or AWS Backup would
        // answer with the earlier (failed) job and start nothing. It names the run too: a job of an
        // earlier run, too old to be listed, must not answer for this one.
        toStart.push({
            ...target,
            attempt: `${target.since ?? "unknown"}#${event.runStartedAt ?? "unknown"}#${own.length}`,
            ruledOut: own.map((j) => j.BackupJobId!),
            notBefore: since,
            at: backups.length,
        });
        backups.push({ name: target.name, backupJobId: "", outcome: "started" });
    }
    const now = toStart.slice(0, maxStartsPerCall);
    const ids = await startBackupJobs(backup, event, now);
    ids.forEach((id, k) => (backups[now[k].at].backupJobId = id));
    const complete = toStart.length <= maxStartsPerCall;
    const calls = event.calls === undefined ? {} : { calls: event.calls };
    if (event.servers === undefined) return { backups, complete, ...calls };
    // The servers' form, for the run's output: one line a server.
    const foundOf = (id: string) => (event.found?.running.includes(id) ? "running" : event.found?.stopping.includes(id) ? "stopping" : "stopped");
    return {
        webServers: backups.map((b, n) => ({ name: b.name, found: foundOf(servers[n].instanceId), backup: b.outcome, backupJobId: b.backupJobId })),
        complete,
        ...calls,
    };
}

/** The servers as backup targets: each since it stopped, as EC2 tells; every one must be stopped. */
async function stoppedServers(event: EnsureBackupsEvent): Promise<(BackupTarget & { instanceId: string })[]> {
    const servers = serversActedOn(event.servers ?? [], event.except);
    if (servers.length === 0) return [];
    const statuses = await readServers(new EC2Client({}), servers, false);
    const running = statuses.filter((s) => s.state !== "stopped");
    if (running.length > 0) throw taskError("InstanceNotStopped", `${inWords(running)}; a server is backed up only once it is stopped`);
    return statuses.map((s) => ({ name: s.name, instanceId: s.instanceId, resourceArn: `${event.instanceArnPrefix}${s.instanceId}`, since: s.stoppedAt }));
}

/** A backup job to start, and what the resource's jobs showed when it was decided. */
export interface JobToStart extends BackupTarget {
    /** What its idempotency token is made of, with the resource: the same attempt, the same token. */
    attempt: string;
    /** The resource's jobs already judged unusable (failed, or their recovery point gone): a job found by listing is another. */
    ruledOut: string[];
    /** A job of this attempt was created at or after this time, epoch ms. */
    notBefore: number;
}

/** How long a listing of jobs is given to show a job just created before it is read (AWS Backup does not say how fresh it is). */
export const listingCatchUpMs = 2000;

/** A pause of the Lambda function; tests pass one that does not wait. */
type Pause = (ms: number) => Promise<void>;
const pauseFor: Pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts these backup jobs, ten at a time (a run over hundreds of servers must not trip the Backup
 * API's rate limit), and gives each job's id. A token derived from the resource and the attempt makes
 * a retried call (the SDK's own retry, a Lambda retry, a Task timed out) get the same job, not a
 * second one. StartBackupJob's reference does not say that a repeated IdempotencyToken returns the
 * job's id: an answer without one means that token's job exists, and it is found among the
 * resource's jobs, once the listing has had a moment to show a job just created; when none is
 * listed, the job is started with a new token. One listing answers for every job missing.
 */
export async function startBackupJobs(backup: BackupClient, settings: BackupSettings, jobs: JobToStart[], pause: Pause = pauseFor): Promise<string[]> {
    const ids = await startEach(backup, settings, jobs, (j) => j.attempt);
    const missing = () => jobs.flatMap((job, n) => (ids[n] === undefined ? [{ job, n }] : []));
    if (missing().length === 0) return ids as string[];
    await pause(listingCatchUpMs);
    await findStarted(backup, settings, missing(), ids);
    // Not listed: that token's job is out of reach, so a new token starts the job.
    const unlisted = missing();
    const again = await startEach(backup, settings, unlisted.map((m) => m.job), (j) => `${j.attempt}#again`);
    again.forEach((id, k) => (ids[unlisted[k].n] = id));
    // A new token answered without an id too: a previous call of this step started its job, long enough ago to be listed.
    await findStarted(backup, settings, missing(), ids);
    const lost = missing();
    if (lost.length > 0) {
        throw taskError("BackupNotStarted", `${lost.map((m) => m.job.name).join(", ")}: AWS Backup answered StartBackupJob without a job id, twice, and lists no job of the resource started since; run the jobnet again`);
    }
    return ids as string[];
}

/** StartBackupJob for each, ten at a time: its job's id, or undefined when AWS Backup answered without one. */
async function startEach(backup: BackupClient, settings: BackupSettings, jobs: JobToStart[], attemptOf: (job: JobToStart) => string): Promise<(string | undefined)[]> {
    const ids: (string | undefined)[] = [];
    for (let i = 0; i < jobs.length; i += 10) {
        ids.push(...await Promise.all(jobs.slice(i, i + 10).map(async (job) => {
            const started = await backup.send(new StartBackupJobCommand({
                BackupVaultName: settings.backupVaultName,
                ResourceArn: job.resourceArn,
                IamRoleArn: settings.iamRoleArn,
                IdempotencyToken: createHash("sha256").update(`${job.resourceArn}|${attemptOf(job)}`).digest("hex"),
                Lifecycle: { DeleteAfterDays: settings.deleteAfterDays },
            }));
            return started.BackupJobId || undefined;
        })));
    }
    return ids;
}

/** Fills in each missing id with the newest job of its resource created since, that is not ruled out, if one is listed. */
async function findStarted(backup: BackupClient, settings: BackupSettings, missing: { job: JobToStart; n: number }[], ids: (string | undefined)[]): Promise<void> {
    if (missing.length === 0) return;
    const only = new Set(missing.map((m) => m.job.resourceArn)).size === 1 ? missing[0].job.resourceArn : undefined;
    const listed = await listJobs(backup, only, settings.backupVaultName, new Date(Math.min(...missing.map((m) => m.job.notBefore))));
    const newestFirst = listed.sort((a, b) => (b.CreationDate?.getTime() ?? 0) - (a.CreationDate?.getTime() ?? 0));
    for (const { job, n } of missing) {
        const found = newestFirst.find((j) => j.ResourceArn === job.resourceArn && (j.CreationDate?.getTime() ?? 0) >= job.notBefore && !job.ruledOut.includes(j.BackupJobId!));
        if (found) ids[n] = found.BackupJobId;
    }
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

async function restorableRecoveryPoints(backup: BackupClient, resourceArn: string | undefined, vault: string, since: Date | undefined): Promise<RecoveryPointByBackupVault[]> {
    const points: RecoveryPointByBackupVault[] = [];
    let token: string | undefined;
    do {
        const page = await backup.send(new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: vault, ByResourceArn: resourceArn, ByCreatedAfter: since, NextToken: token }));
        points.push(...(page.RecoveryPoints ?? []).filter((p) => p.RecoveryPointArn && restorableStates.includes(p.Status ?? "")));
        token = page.NextToken;
    } while (token);
    return points;
}

/** The resource's newest recovery point among these whose backup began at or after `since` (epoch ms), if any. */
function newestRecoveryPoint(points: RecoveryPointByBackupVault[], resourceArn: string, since: number): RecoveryPointByBackupVault | undefined {
    // InitiationDate is when the backup job began; CreationDate stands in for it when AWS gives none.
    const began = (p: RecoveryPointByBackupVault) => (p.InitiationDate ?? p.CreationDate)?.getTime() ?? 0;
    return points.filter((p) => p.ResourceArn === resourceArn && began(p) >= since).sort((a, b) => began(b) - began(a))[0];
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
    const states: { name: string; state: string; retake?: JobToStart }[] = [];
    // Ten at a time: a run over hundreds of servers must not trip the Backup API's rate limit.
    for (let i = 0; i < jobs.length; i += 10) {
        states.push(...await Promise.all(jobs.slice(i, i + 10).map((j) => followJob(backup, j, listed.get(j.backupJobId), event.backup, attemptStart))));
    }
    const retakes = states.flatMap((s) => (s.retake ? [s.retake] : []));
    await startBackupJobs(backup, event.backup, retakes);
    const pending = states.filter((s) => s.state !== "COMPLETED");
    return {
        total: states.length,
        completed: states.length - pending.length,
        retaken: retakes.length,
        pending: pending.slice(0, 5).map((p) => p.name).join(", ") + (pending.length > 5 ? ` and ${pending.length - 5} more` : ""),
        attempt: event.attempt,
    };
}

/** The state of the resource's newest backup since the job the run started; a failed one is to be taken again (`retake`), or reported. */
async function followJob(backup: BackupClient, job: { name: string; backupJobId: string }, fromList: BackupJob | undefined, settings: BackupSettings, attemptStart: number): Promise<{ name: string; state: string; retake?: JobToStart }> {
    const first = fromList ?? await backup.send(new DescribeBackupJobCommand({ BackupJobId: job.backupJobId }));
    if (!failedStates.includes(first.State ?? "")) return { name: job.name, state: first.State ?? "CREATED" };
    const resourceArn = first.ResourceArn ?? "";
    const since = first.CreationDate ?? new Date(0);
    // The run's own job and every later one of the resource (its retakes), newest first. The list
    // may lag behind DescribeBackupJob, so the run's own job is added when it is missing.
    const listed = await listJobs(backup, resourceArn, settings.backupVaultName, new Date(since.getTime() - 1000));
    const later = listed.filter((j) => j.BackupJobId !== job.backupJobId && (j.CreationDate?.getTime() ?? 0) >= since.getTime());
    const own: BackupJob = { BackupJobId: job.backupJobId, State: first.State, StatusMessage: first.StatusMessage, CreationDate: since };
    const jobs = [own, ...later].sort((a, b) => (b.CreationDate?.getTime() ?? 0) - (a.CreationDate?.getTime() ?? 0));
    const latest = jobs[0];
    if (!failedStates.includes(latest.State ?? "")) return { name: job.name, state: latest.State ?? "CREATED" };
    const failedThisAttempt = jobs.filter((j) => failedStates.includes(j.State ?? "") && (j.CreationDate?.getTime() ?? 0) >= attemptStart).length;
    if (failedThisAttempt > retakesPerAttempt) {
        const message = latest.StatusMessage ? ` (${latest.StatusMessage})` : "";
        throw taskError(
            "BackupFailed",
            `${job.name}: backup job ${latest.BackupJobId} ended ${latest.State}${message}; taken ${failedThisAttempt} times in this attempt. Fix the cause, then redrive the run or run the jobnet again`,
        );
    }
    const retake = { name: job.name, resourceArn, since: since.toISOString(), attempt: `${job.backupJobId}#${jobs.length}`, ruledOut: jobs.map((j) => j.BackupJobId!), notBefore: since.getTime() };
    return { name: job.name, state: "CREATED", retake };
}
