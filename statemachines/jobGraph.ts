import { Job, JobnetDefinition, JudgmentCondition, jobDefaults, jobNamePattern } from "./jobs";
import { jobEndDelayProblems } from "./jobEndDelay";
import { waitForFileProblems } from "./waitForFile";
import { isDate, scheduleRuleProblems, weekdays } from "../handlers/scheduleRules";
import { holidayCountries } from "../handlers/calendar";
import { jobValueProblems } from "../handlers/jobValues";
import { successorsOf } from "../handlers/jobRun";
import { notWithProblems } from "./exclusion";
import { startConditionProblems } from "./startConditions";

/**
 * The graph of a jobnet as its run handlers need it (handlers/jobRun.ts): each job's
 * predecessors, and for a judgment what it judges. Plain JSON, written into the definition.
 */
export interface RunGraph {
    jobs: Record<string, GraphJob>;
}

export interface GraphJob {
    kind: Job<string>["kind"];
    after: string[];
    /** A judgment: the condition on its predecessor's exit code (or on a value), and the jobs of each branch. */
    judge?: { when: JudgmentCondition; then: string[]; else: string[] };
    /** Its recovery jobs, run only when it ends abnormally, and what the run does after them. */
    recovery?: { jobs: string[]; then: "fail" | "continue" };
    /** A recovery job: the job whose abnormal end it follows (it is that job's only successor of this kind). */
    recovers?: string;
}

/** Every predecessor of every job: `after`, and a judgment for the jobs of its branches. */
export function runGraphOf(d: JobnetDefinition): RunGraph {
    const jobs: Record<string, GraphJob> = {};
    for (const [name, job] of Object.entries<Job<string>>(d.jobs)) {
        jobs[name] = { kind: job.kind, after: [...(job.after ?? [])] };
        if (job.kind === "judgment") jobs[name].judge = { when: job.when, then: [...job.then], else: [...(job.else ?? [])] };
        if (job.kind !== "judgment" && job.recovery) jobs[name].recovery = { jobs: [...job.recovery.jobs], then: job.recovery.then ?? jobDefaults.recoveryThen };
    }
    for (const [name, job] of Object.entries<Job<string>>(d.jobs)) {
        for (const recovery of job.kind === "judgment" ? [] : job.recovery?.jobs ?? []) {
            const target = jobs[recovery];
            if (!target) continue;
            target.recovers = name;
            if (!target.after.includes(name)) target.after.push(name);
        }
        if (job.kind !== "judgment") continue;
        for (const next of [...job.then, ...(job.else ?? [])]) {
            const target = jobs[next];
            if (target && !target.after.includes(name)) target.after.push(name);
        }
    }
    return { jobs };
}

/**
 * What is wrong with a jobnet, each in one line that names the jobs: unknown names, a cycle,
 * jobs no run can reach, a judgment that judges nothing, settings out of range, and server groups
 * or jobnets the stack does not define (`groups`, `jobnets`: those it does).
 */
export function jobGraphProblems(d: JobnetDefinition, known: { groups: string[]; jobnets: string[]; startedAfterBy?: Record<string, string[]> }): string[] {
    const problems: string[] = [];
    const where = `jobnet ${d.name}`;
    if (!jobNamePattern.test(d.name)) problems.push(`${where}: the name must be 1–48 lowercase letters, digits and hyphens, starting with a letter or digit`);
    const jobs = Object.entries<Job<string>>(d.jobs);
    if (jobs.length === 0) problems.push(`${where}: it has no jobs`);
    if (!(Number.isInteger(d.timeoutMinutes) && d.timeoutMinutes >= 1)) problems.push(`${where}: timeoutMinutes must be a whole number of minutes, at least 1`);
    if (!(d.expectedMinutes > 0 && d.expectedMinutes <= d.timeoutMinutes)) problems.push(`${where}: expectedMinutes must be above 0 and at most timeoutMinutes (${d.timeoutMinutes})`);
    const names = new Set(jobs.map(([name]) => name));
    for (const [name, job] of jobs) {
        const at = `${where}, job ${name}`;
        if (!jobNamePattern.test(name)) problems.push(`${at}: a job's name must be 1–48 lowercase letters, digits and hyphens, starting with a letter or digit`);
        const named = [...(job.after ?? []), ...(job.kind === "judgment" ? [...job.then, ...(job.else ?? [])] : job.recovery?.jobs ?? [])];
        const unknown = named.filter((n) => !names.has(n));
        if (unknown.length > 0) problems.push(`${at}: names jobs the jobnet does not have: ${unknown.join(", ")}`);
        if (named.includes(name)) problems.push(`${at}: follows itself`);
        problems.push(...jobSettingProblems(at, job, known, d));
    }
    problems.push(...recoveryProblems(d));
    (d.schedules ?? []).forEach((rule, i) => problems.push(...scheduleRuleProblems(rule).map((p) => `${where}, schedules[${i}]: ${p}`)));
    if (d.calendar) problems.push(...calendarProblems(d.calendar).map((p) => `${where}, calendar: ${p}`));
    problems.push(...jobValueProblems(d, Object.fromEntries(Object.entries(runGraphOf(d).jobs).map(([name, j]) => [name, j.after]))));
    problems.push(...notWithProblems(d, known));
    problems.push(...jobEndDelayProblems(d));
    problems.push(...startConditionProblems(d.name, d.startOn, known));
    if (problems.length > 0) return problems;
    const graph = runGraphOf(d);
    const cycle = findCycle(graph);
    if (cycle) {
        const stuck = unreachable(graph).filter((j) => !cycle.includes(j));
        problems.push(`${where}: the jobs form a cycle, so none of them can start: ${cycle.join(" → ")}${stuck.length > 0 ? `; unreachable after it: ${stuck.join(", ")}` : ""}`);
    }
    return problems;
}

/**
 * A recovery job follows the one job it recovers and nothing else: it has no `after` of its own,
 * no judgment branches to it, and no other job names it as a recovery job. It may have jobs after it.
 */
function recoveryProblems(d: JobnetDefinition): string[] {
    const problems: string[] = [];
    const jobs = Object.entries<Job<string>>(d.jobs);
    const recoveredBy = new Map<string, string[]>();
    for (const [name, job] of jobs) {
        const at = `jobnet ${d.name}, job ${name}`;
        if (job.kind === "judgment") {
            if ((job as { recovery?: unknown }).recovery !== undefined) problems.push(`${at}: a judgment does not fail, so it has no recovery jobs`);
            if ((job as { hold?: unknown }).hold !== undefined) problems.push(`${at}: a judgment is not held: hold the job it judges, or the jobs of its branches`);
            continue;
        }
        if (job.recovery && job.recovery.jobs.length === 0) problems.push(`${at}: recovery needs at least one job`);
        if (job.recovery?.then !== undefined && !["fail", "continue"].includes(job.recovery.then)) problems.push(`${at}: recovery.then is "fail" or "continue", not ${JSON.stringify(job.recovery.then)}`);
        for (const r of job.recovery?.jobs ?? []) recoveredBy.set(r, [...(recoveredBy.get(r) ?? []), name]);
        if (job.hold && !(Number.isInteger(job.hold.maxMinutes) && job.hold.maxMinutes >= 1 && job.hold.maxMinutes <= d.timeoutMinutes)) {
            problems.push(`${at}: hold.maxMinutes must be a whole number from 1 to the jobnet's timeoutMinutes (${d.timeoutMinutes})`);
        }
    }
    const branchTargets = new Set(jobs.flatMap(([, j]) => j.kind === "judgment" ? [...j.then, ...(j.else ?? [])] : []));
    for (const [recovery, of] of recoveredBy) {
        const at = `jobnet ${d.name}, job ${recovery}`;
        const job = (d.jobs as Record<string, Job<string> | undefined>)[recovery];
        if (!job) continue;
        if (of.length > 1) problems.push(`${at}: recovers ${of.join(" and ")}; a recovery job recovers one job`);
        if ((job.after ?? []).length > 0) problems.push(`${at}: a recovery job of ${of[0]} runs right after it, so it has no after of its own (${(job.after ?? []).join(", ")})`);
        if (branchTargets.has(recovery)) problems.push(`${at}: a recovery job of ${of[0]} cannot also be in a judgment's branch`);
    }
    return problems;
}

function calendarProblems(calendar: NonNullable<JobnetDefinition["calendar"]>): string[] {
    const problems: string[] = [];
    const countries: string[] = [...holidayCountries, "none"];
    if (!countries.includes(calendar.country)) problems.push(`country: one of ${countries.join(", ")}, not ${JSON.stringify(calendar.country)}`);
    for (const key of ["closedDates", "openDates"] as const) {
        const bad = (calendar[key] ?? []).filter((date) => !isDate(date));
        if (bad.length > 0) problems.push(`${key}: dates YYYY-MM-DD that exist, not ${bad.join(", ")}`);
    }
    const badDays = (calendar.closedWeekdays ?? []).filter((d) => !weekdays.includes(d));
    if (badDays.length > 0) problems.push(`closedWeekdays: days of ${weekdays.join(", ")}, not ${badDays.join(", ")}`);
    return problems;
}

function jobSettingProblems(at: string, job: Job<string>, known: { groups: string[]; jobnets: string[] }, d: JobnetDefinition): string[] {
    const problems: string[] = [];
    switch (job.kind) {
        case "command": {
            if (!known.groups.includes(job.on.group)) {
                problems.push(`${at}: runs on server group ${job.on.group}, which the stack does not define in jobnetGroups (it defines: ${known.groups.join(", ") || "none"})`);
            }
            if (job.command.trim() === "") problems.push(`${at}: the command is empty`);
            const timeout = job.timeoutMinutes ?? jobDefaults.timeoutMinutes;
            if (!(Number.isInteger(timeout) && timeout >= 1 && timeout <= jobDefaults.maxTimeoutMinutes)) {
                problems.push(`${at}: timeoutMinutes must be a whole number from 1 to ${jobDefaults.maxTimeoutMinutes} (Run Command's longest execution time-out, 48 hours)`);
            }
            const warning = job.end?.warningAbove ?? jobDefaults.warningAbove;
            const abnormal = job.end?.abnormalAbove ?? Math.max(warning, jobDefaults.abnormalAbove);
            if (abnormal < warning) problems.push(`${at}: end.abnormalAbove (${abnormal}) is below end.warningAbove (${warning})`);
            if (job.retry) {
                const r = job.retry;
                if (r.exitCodes.from > r.exitCodes.to) problems.push(`${at}: retry.exitCodes.from is above retry.exitCodes.to`);
                if (!(Number.isInteger(r.times) && r.times >= 1 && r.times <= 12)) problems.push(`${at}: retry.times must be 1 to 12`);
                if (!(Number.isInteger(r.intervalMinutes) && r.intervalMinutes >= 1 && r.intervalMinutes <= 10)) problems.push(`${at}: retry.intervalMinutes must be 1 to 10`);
                if (r.exitCodes.to <= warning) problems.push(`${at}: retry.exitCodes end normally (at most end.warningAbove, ${warning}): nothing would be retried`);
            }
            if (job.user !== undefined && (job.shell ?? jobDefaults.shell) === "powershell") problems.push(`${at}: user is for Linux jobs; a PowerShell job runs as the SSM agent's account`);
            if (job.user !== undefined && !/^[a-z_][a-z0-9_-]{0,31}$/.test(job.user)) problems.push(`${at}: user ${JSON.stringify(job.user)} is not a Linux user name`);
            for (const key of Object.keys(job.environment ?? {})) {
                if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) problems.push(`${at}: environment variable name ${JSON.stringify(key)} is not a shell name`);
            }
            break;
        }
        case "judgment":
            if (job.after.length !== 1) problems.push(`${at}: a judgment follows exactly one job, whose exit code it judges`);
            if (job.then.length + (job.else ?? []).length === 0) problems.push(`${at}: a judgment needs jobs in then or else`);
            break;
        case "jobnet":
            if (!known.jobnets.includes(job.jobnet)) problems.push(`${at}: runs jobnet ${job.jobnet}, which the stack does not deploy (it deploys: ${known.jobnets.join(", ")})`);
            break;
        case "waitForFile":
            problems.push(...waitForFileProblems(at, job, d));
            break;
    }
    return problems;
}

/** A cycle of the graph, from a job back to it, or undefined. */
export function findCycle(graph: RunGraph): string[] | undefined {
    const next = successorsOf(graph);
    const state = new Map<string, "open" | "done">();
    const path: string[] = [];
    const visit = (job: string): string[] | undefined => {
        state.set(job, "open");
        path.push(job);
        for (const n of next[job]) {
            if (state.get(n) === "open") return [...path.slice(path.indexOf(n)), n];
            if (state.get(n) === undefined) {
                const found = visit(n);
                if (found) return found;
            }
        }
        path.pop();
        state.set(job, "done");
        return undefined;
    };
    for (const job of Object.keys(graph.jobs).sort()) {
        if (state.get(job) === undefined) {
            const found = visit(job);
            if (found) return found;
        }
    }
    return undefined;
}

/** The jobs no run reaches: those of a cycle and those after one. */
export function unreachable(graph: RunGraph): string[] {
    const left = new Map(Object.entries(graph.jobs).map(([name, j]) => [name, new Set(j.after)]));
    for (;;) {
        const ready = [...left.entries()].filter(([, after]) => after.size === 0).map(([name]) => name);
        if (ready.length === 0) return [...left.keys()].sort();
        for (const name of ready) {
            left.delete(name);
            for (const after of left.values()) after.delete(name);
        }
    }
}

/** The jobs in an order where each comes after its predecessors (ties by name): the report's lanes. */
export function topologicalOrder(graph: RunGraph): string[] {
    const left = new Map(Object.entries(graph.jobs).map(([name, j]) => [name, new Set(j.after)]));
    const order: string[] = [];
    while (left.size > 0) {
        const ready = [...left.entries()].filter(([, after]) => after.size === 0).map(([name]) => name).sort();
        if (ready.length === 0) throw new Error(`the jobs form a cycle: ${[...left.keys()].join(", ")}`);
        for (const name of ready) {
            order.push(name);
            left.delete(name);
            for (const after of left.values()) after.delete(name);
        }
    }
    return order;
}
