import type { ExitCondition } from "../statemachines/jobs";
import type { RunGraph } from "../statemachines/jobGraph";

/**
 * The decisions of a run of a team's jobnet, as plain functions of its graph and its record: which
 * jobs may start, which are skipped, how a judgment branches, when a failure may end the run. The
 * handlers (handlers/jobs.ts) keep the record in DynamoDB and act on the decisions.
 *
 * A job starts once each predecessor has ended normally, with a warning, or been skipped, and at
 * least one of them leads to it: a skipped predecessor, or a judgment whose other branch it is on,
 * does not. A job none of whose predecessors leads to it is skipped. After a job ends abnormally no
 * job starts; the run fails once no job runs any more.
 */

export type JobEnd = "normal" | "warning" | "abnormal" | "skipped";

export interface JobState {
    /** waiting: for its predecessors; released: it may start (or is skipped, or judged); running; ended. */
    status: "waiting" | "released" | "running" | "ended";
    end?: JobEnd;
    /** The worst exit code of its servers, or of the jobnet it ran (0 or 1). */
    exitCode?: number;
    /** A judgment: the branch it took. */
    taken?: "then" | "else";
    /** Why it ended abnormally, in one line naming the server and the exit code. */
    cause?: string;
    /** How often it was sent: the first time, then once per retry. */
    attempts?: number;
    /** A command job: the commands sent, and the attempt the last was sent for. */
    commandIds?: string[];
    sentAttempt?: number;
    /** When its last attempt was sent (ms since the epoch): the run watcher's end-delay per job counts from it (handlers/jobEndDelay.ts). */
    sentAt?: number;
    /** A command job: the servers its last attempt was sent to, by name, for the end-delay notice. */
    servers?: string[];
    /** A jobnet job: the run it started. */
    childArn?: string;
    /** Its last attempt exited with a code to retry: the next StartJob sends it again. */
    retryDue?: boolean;
}

export interface RunRecord {
    /** Each write is conditioned on the version it read: two ends at once cannot lose one. */
    version: number;
    jobs: Record<string, JobState>;
    /** The first job that ended abnormally: the run fails naming it, once no job runs. */
    failure?: { job: string; error: string; cause: string };
}

/** What a job waiting for its predecessors is told: start, it was skipped, or (a judgment) which branch it took. */
export type Release = { job: string; go: "run" } | { job: string; go: "skip" } | { job: string; go: "judged"; taken: "then" | "else"; exitCode: number };

export function newRunRecord(graph: RunGraph): RunRecord {
    return { version: 0, jobs: Object.fromEntries(Object.keys(graph.jobs).map((j) => [j, { status: "waiting" as const }])) };
}

/** Whether an exit code meets a judgment's condition. */
export function meets(exitCode: number, when: ExitCondition): boolean {
    if ("equals" in when) return exitCode === when.equals;
    if ("above" in when) return exitCode > when.above;
    return exitCode >= when.from && exitCode <= when.to;
}

/** JP1/AJS3's end judgment: up to the warning threshold normal, up to the abnormal threshold a warning, above it abnormal. */
export function endOf(exitCode: number, thresholds: { warningAbove: number; abnormalAbove: number }): Exclude<JobEnd, "skipped"> {
    if (exitCode >= 0 && exitCode <= thresholds.warningAbove) return "normal";
    if (exitCode >= 0 && exitCode <= thresholds.abnormalAbove) return "warning";
    return "abnormal";
}

/**
 * Releases every waiting job whose predecessors allow it, until none is left to release: a skipped
 * job or a judgment ends at once, so the jobs after it are decided in the same pass. Returns the
 * new record (the input is not changed) and the releases, in the order they were decided.
 */
export function advance(graph: RunGraph, record: RunRecord): { record: RunRecord; releases: Release[] } {
    const jobs: Record<string, JobState> = structuredClone(record.jobs);
    const releases: Release[] = [];
    if (record.failure) return { record: { ...record, jobs }, releases };
    let changed = true;
    while (changed) {
        changed = false;
        for (const [name, job] of Object.entries(graph.jobs)) {
            if (jobs[name].status !== "waiting") continue;
            const before = job.after.map((p) => ({ name: p, state: jobs[p] }));
            if (before.some((p) => p.state.status !== "ended" || p.state.end === "abnormal")) continue;
            const leads = job.after.length === 0 || before.some((p) => leadsTo(graph, p.name, p.state, name));
            changed = true;
            if (!leads) {
                jobs[name] = { status: "ended", end: "skipped" };
                releases.push({ job: name, go: "skip" });
            } else if (job.judge) {
                const judged = jobs[job.after[0]];
                const exitCode = judged.exitCode ?? 0;
                const taken = meets(exitCode, job.judge.when) ? "then" : "else";
                jobs[name] = { status: "ended", end: "normal", taken, exitCode };
                releases.push({ job: name, go: "judged", taken, exitCode });
            } else {
                jobs[name] = { status: "released" };
                releases.push({ job: name, go: "run" });
            }
        }
    }
    return { record: { ...record, jobs }, releases };
}

/** Whether an ended predecessor leads to a job: it was not skipped, and a judgment took the job's branch. */
function leadsTo(graph: RunGraph, predecessor: string, state: JobState, job: string): boolean {
    if (state.end === "skipped") return false;
    const judge = graph.jobs[predecessor].judge;
    if (!judge) return true;
    return (state.taken === "then" ? judge.then : judge.else).includes(job);
}

/**
 * A released job is about to be sent: it runs now, unless a job has ended abnormally since it was
 * released (then it does not start: the run is failing).
 */
export function startJob(record: RunRecord, job: string): { record: RunRecord; start: boolean } {
    const state = record.jobs[job];
    const retry = state.status === "running" && state.retryDue === true;
    if ((record.failure && !retry) || (state.status !== "released" && !retry)) return { record, start: false };
    return { record: { ...record, jobs: { ...record.jobs, [job]: { ...state, status: "running", attempts: (state.attempts ?? 0) + 1, retryDue: false } } }, start: true };
}

/**
 * A job ended: records how, then releases what may start now. A job that ended abnormally is the
 * run's failure (the first one only: the others are in the record).
 */
export function jobEnded(graph: RunGraph, record: RunRecord, job: string, ended: { end: Exclude<JobEnd, "skipped">; exitCode: number; cause?: string; error?: string }): { record: RunRecord; releases: Release[] } {
    const state: JobState = { ...record.jobs[job], status: "ended", end: ended.end, exitCode: ended.exitCode, ...(ended.cause ? { cause: ended.cause } : {}) };
    const failure = record.failure ?? (ended.end === "abnormal" ? { job, error: ended.error ?? "JobEndedAbnormally", cause: ended.cause ?? `${job} ended abnormally` } : undefined);
    return advance(graph, { ...record, jobs: { ...record.jobs, [job]: state }, ...(failure ? { failure } : {}) });
}

/** A job whose attempt ended with an exit code to retry: it runs again after the interval, and counts as running meanwhile. */
export function jobRetrying(record: RunRecord, job: string, exitCode: number): RunRecord {
    return { ...record, jobs: { ...record.jobs, [job]: { ...record.jobs[job], status: "running", exitCode, retryDue: true } } };
}

/** The jobs running (sent, or between two attempts): while any is, a failure waits for them to end. */
export function runningJobs(record: RunRecord): string[] {
    return Object.entries(record.jobs).filter(([, s]) => s.status === "running").map(([j]) => j);
}

/** The run fails now: a job ended abnormally, and no job runs any more. */
export function failureDue(record: RunRecord): RunRecord["failure"] {
    return record.failure && runningJobs(record).length === 0 ? record.failure : undefined;
}

/**
 * A redrive runs again from the failed jobs: each job that ended abnormally, and every job not
 * ended, waits again; what ended normally, with a warning or skipped stays as it was.
 */
export function redriven(record: RunRecord): RunRecord {
    const jobs = Object.fromEntries(Object.entries(record.jobs).map(([name, s]) =>
        [name, s.status === "ended" && s.end !== "abnormal" ? s : { status: "waiting" as const }]));
    return { version: record.version, jobs };
}
