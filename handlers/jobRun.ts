import type { ExitCondition } from "../statemachines/jobs";
import type { GraphJob, RunGraph } from "../statemachines/jobGraph";
import { lookUpValue, parseValueName, valueMeets } from "./jobValues";

/**
 * The decisions of a run of a team's jobnet, as plain functions of its graph and its record: which
 * jobs may start, which are skipped, how a judgment branches, when a failure may end the run. The
 * handlers (handlers/jobs.ts) keep the record in DynamoDB and act on the decisions.
 *
 * A job starts once each predecessor has ended normally, with a warning, or been skipped, and at
 * least one of them leads to it: a skipped predecessor, or a judgment whose other branch it is on,
 * does not. A job none of whose predecessors leads to it is skipped. After a job ends abnormally no
 * job starts but its recovery jobs (and the jobs after them); the run fails once no job runs any
 * more. A job whose recovery says `continue` is no failure: once its recovery jobs have ended, the
 * jobs after it run as if it had ended with a warning.
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
    /** Released, it waits for an operator since then (a hold); the notice of it was sent. */
    heldAt?: string;
    /** A judgment of a value: the value it judged. */
    judgedValue?: string;
    /** A command job that emits values: those its last attempt printed (handlers/jobValues.ts). */
    values?: Record<string, string>;
}

export interface RunRecord {
    /** Each write is conditioned on the version it read: two ends at once cannot lose one. */
    version: number;
    jobs: Record<string, JobState>;
    /** The first job that ended abnormally: the run fails naming it, once no job runs. */
    failure?: { job: string; error: string; cause: string };
    /** The values the run was started with (its input's `values`): `{{trigger.key}}`. */
    trigger?: Record<string, string>;
}

/** What a job waiting for its predecessors is told: start, it was skipped, or (a judgment) which branch it took. */
export type Release = { job: string; go: "run" } | { job: string; go: "skip" } | { job: string; go: "judged"; taken: "then" | "else"; exitCode: number; value?: string };

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
    let failure: RunRecord["failure"];
    // After a failure only its recovery may start; no job ends abnormally here but a judgment, which
    // ends the pass, so that scope is known once.
    const mayStart = record.failure ? recoveryScope(graph, record.jobs) : undefined;
    let changed = true;
    while (changed) {
        changed = false;
        for (const [name, job] of Object.entries(graph.jobs)) {
            if (failure) break;
            if (jobs[name].status !== "waiting") continue;
            if (mayStart && !mayStart.has(name)) continue;
            const before = job.after.map((p) => ({ name: p, state: jobs[p] }));
            if (before.some((p) => p.state.status !== "ended" || (p.state.end === "abnormal" && !passesAbnormalEnd(graph, jobs, p.name, name)))) continue;
            const leads = job.after.length === 0 || before.some((p) => leadsTo(graph, p.name, p.state, name));
            changed = true;
            if (!leads) {
                jobs[name] = { status: "ended", end: "skipped" };
                releases.push({ job: name, go: "skip" });
            } else if (job.judge) {
                const judged = judge(name, job, { ...record, jobs });
                if ("error" in judged) {
                    // A value it cannot judge ends it abnormally: its wait's task is failed once no job runs (jobRecord.ts, deliver).
                    jobs[name] = { status: "ended", end: "abnormal", exitCode: -1, cause: judged.cause };
                    failure = { job: name, error: judged.error, cause: judged.cause };
                    continue;
                }
                jobs[name] = { status: "ended", end: "normal", taken: judged.taken, exitCode: judged.exitCode, ...(judged.value !== undefined ? { judgedValue: judged.value } : {}) };
                releases.push({ job: name, go: "judged", ...judged });
            } else {
                jobs[name] = { status: "released" };
                releases.push({ job: name, go: "run" });
            }
        }
    }
    return { record: { ...record, jobs, ...(failure ? { failure } : {}) }, releases };
}

/**
 * A judgment's branch: on the exit code of the job it follows, or on a value (then the value is
 * told too); a value missing, or not a number where one is compared, ends the judgment abnormally.
 */
function judge(name: string, job: GraphJob, record: RunRecord): { taken: "then" | "else"; exitCode: number; value?: string } | { error: string; cause: string } {
    const when = job.judge!.when;
    const exitCode = record.jobs[job.after[0]].exitCode ?? 0;
    if (!("value" in when)) return { taken: meets(exitCode, when) ? "then" : "else", exitCode };
    const ref = parseValueName(when.value);
    if (!ref) return { error: "ValueMissing", cause: `${name}: judges ${when.value}, which names no job and value` };
    const looked = lookUpValue(record, name, { ...ref, text: `{{${when.value}}}` });
    if ("cause" in looked) return { error: "ValueMissing", cause: looked.cause };
    const met = valueMeets(looked.value, when);
    if (met === "not a number") return { error: "ValueNotANumber", cause: `${name}: judges ${when.value} as a number, but it is ${JSON.stringify(looked.value.slice(0, 100))}` };
    return { taken: met ? "then" : "else", exitCode, value: looked.value };
}

/**
 * Whether a predecessor that ended abnormally lets a job go on: it does a recovery job of it, and,
 * when its recovery says `continue`, the jobs after it once its recovery jobs have all ended well.
 */
function passesAbnormalEnd(graph: RunGraph, jobs: Record<string, JobState>, predecessor: string, job: string): boolean {
    if (graph.jobs[job].recovers === predecessor) return true;
    const recovery = graph.jobs[predecessor].recovery;
    return recovery?.then === "continue" && recovery.jobs.every((r) => jobs[r].status === "ended" && (jobs[r].end === "normal" || jobs[r].end === "warning"));
}

/**
 * The jobs that may still start after a failure: the recovery jobs of each job that ended
 * abnormally, and every job after them.
 */
export function recoveryScope(graph: RunGraph, jobs: Record<string, JobState>): Set<string> {
    return recoveryOf(graph, Object.keys(jobs).filter((name) => jobs[name].end === "abnormal"));
}

/**
 * Whether a failure keeps a job from starting: a job has ended abnormally, and this one is not among
 * the recovery jobs (and the jobs after them) that still run.
 */
export function stoppedByFailure(graph: RunGraph, record: Pick<RunRecord, "failure" | "jobs">, job: string): boolean {
    return record.failure !== undefined && !recoveryScope(graph, record.jobs).has(job);
}

/** The jobs each job is a predecessor of. */
export function successorsOf(graph: RunGraph): Record<string, string[]> {
    const next: Record<string, string[]> = Object.fromEntries(Object.keys(graph.jobs).map((j) => [j, []]));
    for (const [name, job] of Object.entries(graph.jobs)) for (const p of job.after) next[p]?.push(name);
    return next;
}

/** The recovery jobs of the jobs given, and every job after them. */
function recoveryOf(graph: RunGraph, failed: string[]): Set<string> {
    const next = successorsOf(graph);
    const scope = new Set<string>();
    const visit = (job: string) => {
        if (scope.has(job)) return;
        scope.add(job);
        for (const n of next[job] ?? []) visit(n);
    };
    for (const name of failed) for (const r of graph.jobs[name].recovery?.jobs ?? []) visit(r);
    return scope;
}

/** Whether an ended predecessor leads to a job: it was not skipped, and a judgment took the job's branch; a recovery job, only when it ended abnormally. */
function leadsTo(graph: RunGraph, predecessor: string, state: JobState, job: string): boolean {
    if (graph.jobs[job].recovers === predecessor) return state.end === "abnormal";
    if (state.end === "skipped") return false;
    const judge = graph.jobs[predecessor].judge;
    if (!judge) return true;
    return (state.taken === "then" ? judge.then : judge.else).includes(job);
}

/**
 * A released job is about to be sent: it runs now, unless a job has ended abnormally since it was
 * released (then it does not start: the run is failing), or it is a recovery of such a job.
 */
export function startJob(graph: RunGraph, record: RunRecord, job: string): { record: RunRecord; start: boolean } {
    const state = record.jobs[job];
    const retry = state.status === "running" && state.retryDue === true;
    const failing = stoppedByFailure(graph, record, job);
    if ((failing && !retry) || (state.status !== "released" && !retry)) return { record, start: false };
    return { record: { ...record, jobs: { ...record.jobs, [job]: { ...state, status: "running", attempts: (state.attempts ?? 0) + 1, retryDue: false } } }, start: true };
}

/**
 * A job ended: records how, then releases what may start now. A job that ended abnormally is the
 * run's failure (the first one only: the others are in the record), unless its recovery says
 * `continue`.
 */
export function jobEnded(graph: RunGraph, record: RunRecord, job: string, ended: { end: Exclude<JobEnd, "skipped">; exitCode: number; cause?: string; error?: string; values?: Record<string, string> }): { record: RunRecord; releases: Release[] } {
    const state: JobState = { ...record.jobs[job], status: "ended", end: ended.end, exitCode: ended.exitCode, ...(ended.cause ? { cause: ended.cause } : {}), ...(ended.values ? { values: ended.values } : {}) };
    const failed = ended.end === "abnormal" && graph.jobs[job].recovery?.then !== "continue";
    const failure = record.failure ?? (failed ? { job, error: ended.error ?? "JobEndedAbnormally", cause: ended.cause ?? `${job} ended abnormally` } : undefined);
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

/**
 * The run fails now: a job ended abnormally, no job runs any more, and no recovery job is left to
 * start. The cause names the failure, then how its recovery jobs ended.
 */
export function failureDue(graph: RunGraph, record: RunRecord): RunRecord["failure"] {
    if (!record.failure || runningJobs(record).length > 0) return undefined;
    const scope = recoveryScope(graph, record.jobs);
    if ([...scope].some((j) => record.jobs[j].status === "released")) return undefined;
    const recovered = [...recoveryOf(graph, [record.failure.job])].filter((j) => record.jobs[j].status === "ended" && record.jobs[j].end !== "skipped");
    if (recovered.length === 0) return record.failure;
    return { ...record.failure, cause: `${record.failure.cause}; recovery: ${recovered.map((j) => `${j} ended ${record.jobs[j].end === "normal" ? "normally" : record.jobs[j].end === "warning" ? "with a warning" : "abnormally"}`).join(", ")}` };
}

/**
 * A redrive runs again from the failed jobs: each job that ended abnormally, and every job not
 * ended, waits again, and so do the recovery jobs that ran for them (they run again if the job fails
 * again); what else ended normally, with a warning or skipped stays as it was.
 */
export function redriven(graph: RunGraph, record: RunRecord): RunRecord {
    const recovery = recoveryScope(graph, record.jobs);
    const jobs = Object.fromEntries(Object.entries(record.jobs).map(([name, s]) =>
        [name, s.status === "ended" && s.end !== "abnormal" && !recovery.has(name) ? s : { status: "waiting" as const }]));
    return { version: record.version, jobs, ...(record.trigger ? { trigger: record.trigger } : {}) };
}
