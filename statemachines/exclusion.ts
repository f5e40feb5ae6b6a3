import { Fragment, JsonObject, fail, is, waitUntil } from "./asl";
import type { Job, JobnetDefinition } from "./jobs";
import type { ExcludedLock } from "../handlers/runLock";

/**
 * Jobnets that must not run together (`notWith`). Every run takes its own lock as its first step
 * (handlers/runLock.ts); a run kept apart from other jobnets takes it only while their locks are
 * free, in one transaction. The relation works both ways: when A names B, B checks A's lock too,
 * or B started a second after A would find nothing and run beside it. Each side does what its own
 * declaration says when it finds the other running: wait (bounded) if it declares `notWith.wait`,
 * otherwise end FAILED at once; a jobnet that only is named declares nothing, so it refuses.
 *
 * A refused run ends FAILED, not Succeeded with nothing done: JP1/AJS3 would simply not start it,
 * but here the run was asked for (by its schedule or an operator) and its work is not done, which
 * the alerts and the run watcher must tell; a Succeeded run would hide it.
 */

/** What stop and start are kept apart as: they share the system's lock, so naming either names both. */
export const systemLockGroup = "stop/start";

/** The lock a jobnet takes, by the name it is kept apart as: the system's for stop and start, its own for a team jobnet. */
export function lockGroupOf(jobnet: string): string {
    return jobnet === "stop" || jobnet === "start" ? systemLockGroup : jobnet;
}

/**
 * For each of `jobnets` (every jobnet of the stack, stop and start included), the locks it must
 * find free, by lock group, sorted: those it names in `notWith` and those of the jobnets that
 * name it (or name one sharing its lock). Jobnets kept apart from none are left out.
 */
export function exclusionsOf(definitions: JobnetDefinition[], jobnets: string[]): Record<string, string[]> {
    const pairs = definitions.flatMap((d) => (d.notWith?.jobnets ?? []).map((other) => [lockGroupOf(d.name), lockGroupOf(other)] as const)).filter(([a, b]) => a !== b);
    const result: Record<string, string[]> = {};
    for (const jobnet of jobnets) {
        const own = lockGroupOf(jobnet);
        const apart = [...new Set(pairs.flatMap(([a, b]) => (a === own ? [b] : b === own ? [a] : [])))].sort();
        if (apart.length > 0) result[jobnet] = apart;
    }
    return result;
}

/** The locks each jobnet checks, as its TakeRunLock is told them: `lockKeyOf` gives a lock group's item in the table. */
export function excludedLocksOf(definitions: JobnetDefinition[], jobnets: string[], lockKeyOf: (group: string) => string): Record<string, ExcludedLock[]> {
    return Object.fromEntries(Object.entries(exclusionsOf(definitions, jobnets)).map(([jobnet, groups]) => [jobnet, groups.map((g) => ({ jobnet: g, lockKey: lockKeyOf(g) }))]));
}

/** The jobnets a jobnet runs as jobnet jobs, with the job that runs each. */
function jobnetJobsOf(d: JobnetDefinition): { job: string; jobnet: string }[] {
    return Object.entries<Job<string>>(d.jobs).flatMap(([job, j]) => (j.kind === "jobnet" ? [{ job, jobnet: j.jobnet }] : []));
}

/**
 * What is wrong with a jobnet's `notWith`, one line each naming the jobnet: a list that names no
 * jobnet, one twice, one the stack does not deploy, itself, one it runs as a job (that run would
 * find this one running and refuse), and a wait that is not a whole number of minutes from 1 to
 * below the jobnet's timeout (the wait is part of the run, which needs time for its jobs after it).
 */
export function notWithProblems(d: JobnetDefinition, known: { jobnets: string[] }): string[] {
    const n = d.notWith;
    if (n === undefined) return [];
    const at = `jobnet ${d.name}, notWith`;
    const problems: string[] = [];
    if (n.jobnets.length === 0) problems.push(`${at}: names no jobnet; name those it must not run beside, or leave notWith out`);
    const twice = [...new Set(n.jobnets.filter((j, i) => n.jobnets.indexOf(j) !== i))];
    if (twice.length > 0) problems.push(`${at}: names ${twice.join(", ")} more than once`);
    if (n.jobnets.includes(d.name)) problems.push(`${at}: names the jobnet itself; one run of a jobnet at a time is the rule already (its own lock)`);
    const unknown = n.jobnets.filter((j) => j !== d.name && !known.jobnets.includes(j));
    if (unknown.length > 0) problems.push(`${at}: names ${unknown.join(", ")}, which this stack does not deploy (it deploys: ${known.jobnets.join(", ")})`);
    for (const { job, jobnet } of jobnetJobsOf(d)) {
        const named = n.jobnets.find((j) => lockGroupOf(j) === lockGroupOf(jobnet));
        if (named !== undefined) problems.push(`${at}: names ${named}, which its job ${job} runs${named === jobnet ? "" : ` (${jobnet} shares ${named}'s lock)`}: that run would find ${d.name} running and refuse`);
    }
    if (n.wait !== undefined) {
        const m = n.wait.maxMinutes;
        if (!(Number.isInteger(m) && m >= 1 && m < d.timeoutMinutes)) problems.push(`${at}: wait.maxMinutes must be a whole number of minutes from 1 to below timeoutMinutes (${d.timeoutMinutes}), not ${m}: the wait is part of the run`);
    }
    return problems;
}

/**
 * Jobnets that run, through jobnet jobs at any depth, a jobnet kept apart from them: the run
 * started could never take its lock while its ancestor holds its own. One line each, naming the
 * jobnet and the job, with the jobnet it is about.
 */
export function keptApartChildProblems(definitions: JobnetDefinition[]): { jobnet: string; line: string }[] {
    const byName = new Map(definitions.map((d) => [d.name, d]));
    const apart = exclusionsOf(definitions, [...byName.keys(), "stop", "start"]);
    const problems: { jobnet: string; line: string }[] = [];
    for (const d of definitions) {
        const own = apart[d.name] ?? [];
        for (const { job, jobnet } of jobnetJobsOf(d)) {
            // The jobnet the job runs, and every jobnet that one runs in turn.
            const reached = new Set<string>();
            const visit = (name: string) => {
                if (reached.has(name)) return;
                reached.add(name);
                for (const child of jobnetJobsOf(byName.get(name) ?? { jobs: {} } as JobnetDefinition)) visit(child.jobnet);
            };
            visit(jobnet);
            // A jobnet it names itself is notWithProblems' to tell.
            const clash = [...reached].filter((r) => own.includes(lockGroupOf(r)) && !(d.notWith?.jobnets ?? []).some((j) => lockGroupOf(j) === lockGroupOf(r)));
            for (const r of clash) problems.push({ jobnet: d.name, line: `jobnet ${d.name}, job ${job}: runs ${r}${r === jobnet ? "" : ` (through ${jobnet})`}, which must not run beside ${d.name} (notWith of ${r}): that run would find ${d.name} running and refuse` });
        }
    }
    return problems;
}

/** How a run kept apart from other jobnets goes on when one of them runs: at once FAILED, or waiting up to `waitMinutes`. */
export interface ApartPlan {
    takeRunLock: string;
    /** TakeRunLock's payload, to ask again with. */
    payload: JsonObject;
    jobnet: string;
    waitMinutes?: number;
}

/**
 * The poll rhythm of a wait for other jobnets to end: they run minutes to hours, so a look a
 * minute, spreading out the longer it waits (pollSchedule.ts); the bound is the jobnet's own
 * (`notWith.wait.maxMinutes`), part of its definition, which the preview checks against its
 * timeout and the history budget.
 */
export const otherJobnetsEndRhythm = { firstAfterSeconds: 60, everySeconds: 60 };

/** The way a run found kept out by another jobnet's run goes (outcome "excluded" of TakeRunLock). */
export function whenExcluded(plan: ApartPlan): Fragment {
    const nothingDone = `nothing was done: start ${plan.jobnet} again once that run has ended`;
    if (plan.waitMinutes === undefined) {
        return fail("OtherJobnetIsRunning", {
            error: "ExcludedJobnetRunning",
            cause: `TakeRunLock: ${plan.jobnet} must not run beside {}, which is running (notWith); ${nothingDone}`,
            args: ["$.guard.excludedBy"],
        });
    }
    return waitUntil("WaitForOtherJobnets", {
        functionArn: plan.takeRunLock,
        payload: plan.payload,
        select: { "outcome.$": "$.outcome", "heldBy.$": "$.heldBy", "duplicateOf.$": "$.duplicateOf", "excludedBy.$": "$.excludedBy", "attempt.$": "$.attempt" },
        resultPath: "$.guard",
        about: "the run locks of the jobnets it must not run beside",
        done: is.string("$.guard.outcome", "taken"),
        failures: [{
            when: is.string("$.guard.outcome", "held"),
            name: "AnotherRunIsActiveAfterWait",
            failure: { error: "JobnetAlreadyRunning", cause: "WaitForOtherJobnets: another jobnet run is active: {}", args: ["$.guard.heldBy"] },
        }],
        ...otherJobnetsEndRhythm,
        withinSeconds: plan.waitMinutes * 60,
        timedOut: {
            error: "ExcludedJobnetStillRunning",
            cause: `WaitForOtherJobnets: ${plan.jobnet} must not run beside {}, still running after the ${plan.waitMinutes} minutes it waits (notWith.wait.maxMinutes); ${nothingDone}`,
            args: ["$.guard.excludedBy"],
        },
        comment: `${plan.jobnet} must not run beside the jobnets whose locks it checks: it waits up to ${plan.waitMinutes} minutes for them to end`,
    });
}
