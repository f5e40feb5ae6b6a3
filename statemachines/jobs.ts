/**
 * Jobnets as code: how a team writes its own jobnet (`jobnets/nightly-batch.ts`), as plain typed
 * data. `defineJobnet` checks at compile time that every job named in `after`, `then` and `else` is
 * a job of the same jobnet; `jobGraphProblems` (jobGraph.ts) checks the rest at preview.
 */

import type { JobnetCalendar, ScheduleRule } from "./scheduleRules";
import type { StartCondition } from "./startConditions";

/** A server group as the stack config names it (`jobnetGroups`): on which servers a command job runs. */
export interface OnServers {
    group: string;
    /**
     * `every` server of the group (the default), or `one`: the first in the group's order whose SSM
     * agent is online, as a job scheduler's agent group picks an agent.
     */
    servers?: "every" | "one";
}

/**
 * The end judgment of JP1/AJS3 (`jd=cod`, `wth`, `tho`): an exit code up to `warningAbove` ends
 * normally, up to `abnormalAbove` ends with a warning, above it abnormally. Both 0 unless given:
 * 0 is normal, anything else abnormal.
 */
export interface EndJudgment {
    warningAbove?: number;
    abnormalAbove?: number;
}

/** Exit codes from `from` to `to` (inclusive) are run again, `times` more times, `intervalMinutes` apart (JP1/AJS3 `abr`, `rjs`, `rje`, `rec`, `rei`). */
export interface RetryOnExit {
    exitCodes: { from: number; to: number };
    times: number;
    intervalMinutes: number;
}

/** What `npm start` plays for a job in the simulated account: how long it runs, its exit code and what it prints. */
export interface SimulatedJob {
    seconds: number;
    exitCode?: number;
    output?: string;
    /** Exit codes of the retries that follow a retried first attempt, in order; the last repeats. */
    thenExitCodes?: number[];
}

interface JobBase<J extends string> {
    /** The jobs that must end (normally or with a warning) before this one starts. */
    after?: J[];
    description?: string;
}

/** A shell command or script on Linux (AWS-RunShellScript), or PowerShell on Windows (AWS-RunPowerShellScript), through SSM Run Command. */
export interface CommandJob<J extends string> extends JobBase<J> {
    kind: "command";
    on: OnServers;
    /** The command, or the script's text: one or more lines. */
    command: string;
    shell?: "bash" | "powershell";
    workingDirectory?: string;
    environment?: Record<string, string>;
    /** The user it runs as (`sudo -u` on Linux); the agent's own (root) unless given. Not on Windows. */
    user?: string;
    /** Run Command ends it after this long (its executionTimeout): 60 unless given, at most 2,880 (48 hours). */
    timeoutMinutes?: number;
    end?: EndJudgment;
    retry?: RetryOnExit;
    simulate?: SimulatedJob;
}

/** A comparison of an exit code: equal to a value, within a range (inclusive), or above a value. */
export type ExitCondition = { equals: number } | { from: number; to: number } | { above: number };

/**
 * A branch on the exit code of the job it follows (JP1/AJS3's judgment job): when the condition
 * holds the jobs of `then` run and those of `else` are skipped; otherwise the other way round.
 */
export interface JudgmentJob<J extends string> extends JobBase<J> {
    kind: "judgment";
    /** The single job whose exit code is judged: it is this job's predecessor. */
    after: [J];
    when: ExitCondition;
    then: J[];
    else?: J[];
}

/** Runs another jobnet (the stack's stop or start, or one of the team's) and waits for its end. */
export interface JobnetJob<J extends string> extends JobBase<J> {
    kind: "jobnet";
    jobnet: string;
}

export type Job<J extends string> = CommandJob<J> | JudgmentJob<J> | JobnetJob<J>;

export interface JobnetDefinition<J extends string = string> {
    /** The jobnet's name: its state machine is `<project>-<stack>-<name>`. */
    name: string;
    description: string;
    /** The run watcher tells of a run still going after this long. */
    expectedMinutes: number;
    /** Step Functions ends a run still going after this long (TIMED_OUT). */
    timeoutMinutes: number;
    jobs: Record<J, Job<J>>;
    /** When the jobnet runs by itself (statemachines/scheduleRules.ts); none: only when started. */
    schedules?: ScheduleRule[];
    /** The business calendar its rules are judged by, in place of the stack's `calendar`. */
    calendar?: JobnetCalendar;
    /** What else starts it (statemachines/startConditions.ts): a file's arrival, an event, another jobnet's end. Such a run is not a scheduled one: it runs any day. */
    startOn?: StartCondition[];
}

/**
 * Declares a jobnet. The job names are the keys of `jobs`; naming any other in `after`, `then` or
 * `else` does not compile.
 */
export function defineJobnet<J extends string>(definition: { name: string; description: string; expectedMinutes: number; timeoutMinutes: number; jobs: { [K in J]: Job<NoInfer<J>> }; schedules?: ScheduleRule[]; calendar?: JobnetCalendar; startOn?: StartCondition[] }): JobnetDefinition<J> {
    return definition;
}

/** The defaults a job's settings take when left out. */
export const jobDefaults = { timeoutMinutes: 60, maxTimeoutMinutes: 2880, warningAbove: 0, abnormalAbove: 0, servers: "every" as const, shell: "bash" as const };

/** The name rule of jobs and jobnets: they name states, functions' items and the console's steps. */
export const jobNamePattern = /^[a-z0-9][a-z0-9-]{0,47}$/;
