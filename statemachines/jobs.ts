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

/**
 * JP1/AJS3's recovery units: the jobs that run only when this job ends abnormally (skipped when it
 * ends otherwise), each following it alone. Once they have ended, the run fails naming this job's
 * failure (`then: "fail"`, the default), or goes on as if it had ended with a warning
 * (`then: "continue"`): the jobs after it run.
 */
export interface Recovery<J extends string> {
    jobs: J[];
    then?: "fail" | "continue";
}

/**
 * The job waits, once released, until an operator releases it (`npm run ops -- release JOBNET
 * JOB`); not released within `maxMinutes`, it ends abnormally naming the hold (JP1/AJS3's hold).
 */
export interface Hold {
    maxMinutes: number;
}

/** What a job that runs something (a command, a jobnet) may add: a hold before it, recovery after it. */
interface RunningJobBase<J extends string> extends JobBase<J> {
    hold?: Hold;
    recovery?: Recovery<J>;
}

/** A shell command or script on Linux (AWS-RunShellScript), or PowerShell on Windows (AWS-RunPowerShellScript), through SSM Run Command. */
export interface CommandJob<J extends string> extends RunningJobBase<J> {
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
    /**
     * The values it sets for later jobs (JP1/AJS3's passing information): it prints a line
     * `NAME=value` on standard output for each (the last printed wins); a later job uses it as
     * `{{JOB.NAME}}` in its command, environment values and working directory. A job that emits
     * runs on one server (`servers: "one"`). See handlers/jobValues.ts.
     */
    emits?: string[];
    /**
     * How long it should take, in minutes (JP1/AJS3's time required for execution, `fd`): an attempt
     * still running past it is told once, naming the servers; the job goes on. Above 0, at most `timeoutMinutes`.
     */
    expectedMinutes?: number;
}

/** A comparison of an exit code: equal to a value, within a range (inclusive), or above a value. */
export type ExitCondition = { equals: number } | { from: number; to: number } | { above: number };

/**
 * A comparison of a value an earlier job emitted (`value: "extract-orders.ORDER_COUNT"`) or the run
 * was started with (`"trigger.key"`): equal to a text, or, read as a number, within a range or above one.
 */
export type ValueCondition = { value: string; equals: string } | { value: string; from: number; to: number } | { value: string; above: number };

/** What a judgment judges: the exit code of the job it follows, or a value. */
export type JudgmentCondition = ExitCondition | ValueCondition;

/**
 * A branch on the exit code of the job it follows (JP1/AJS3's judgment job): when the condition
 * holds the jobs of `then` run and those of `else` are skipped; otherwise the other way round.
 */
export interface JudgmentJob<J extends string> extends JobBase<J> {
    kind: "judgment";
    /** The single job whose exit code is judged: it is this job's predecessor. */
    after: [J];
    /** The exit code of the job in `after`, or (with `value`) a value an earlier job emitted. */
    when: JudgmentCondition;
    then: J[];
    else?: J[];
}

/** Runs another jobnet (the stack's stop or start, or one of the team's) and waits for its end. */
export interface JobnetJob<J extends string> extends RunningJobBase<J> {
    kind: "jobnet";
    jobnet: string;
    /** How long the jobnet it runs should take, in minutes: still running past it, it is told once. Above 0, at most this jobnet's `timeoutMinutes`. */
    expectedMinutes?: number;
}

/**
 * Waits, bounded, for an object in S3 (JP1/AJS3's file-watch job): it ends normally once the key
 * (or any key under the prefix) exists, looking every `pollMinutes`; not there after
 * `timeoutMinutes`, it ends abnormally naming the bucket and the key.
 */
export interface WaitForFileJob<J extends string> extends RunningJobBase<J> {
    kind: "waitForFile";
    bucket: string;
    /** The object's key, or `prefix`: any object under it. */
    key?: string;
    prefix?: string;
    timeoutMinutes: number;
    /** How often it looks: every minute unless given. */
    pollMinutes?: number;
}

export type Job<J extends string> = CommandJob<J> | JudgmentJob<J> | JobnetJob<J> | WaitForFileJob<J>;

/**
 * Jobnets this one must not run beside (statemachines/exclusion.ts): the team's, or the stack's
 * `stop` and `start` (which share one lock: naming either keeps it apart from both). Without
 * `wait` a run that finds one of them running ends FAILED at once; with it, it waits up to
 * `wait.maxMinutes` for them to end, then ends FAILED naming those still running. The named
 * jobnets are kept from starting while this one runs too, or two started a second apart would both run.
 */
export interface NotWith {
    jobnets: string[];
    wait?: { maxMinutes: number };
}

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
    /** Jobnets it must not run beside: it refuses, or waits (bounded), while one of them runs. */
    notWith?: NotWith;
    /** What else starts it (statemachines/startConditions.ts): a file's arrival, an event, another jobnet's end. Such a run is not a scheduled one: it runs any day. */
    startOn?: StartCondition[];
}

/**
 * Declares a jobnet. The job names are the keys of `jobs`; naming any other in `after`, `then`,
 * `else` or `recovery` does not compile.
 */
export function defineJobnet<J extends string>(definition: { name: string; description: string; expectedMinutes: number; timeoutMinutes: number; jobs: { [K in J]: Job<NoInfer<J>> }; schedules?: ScheduleRule[]; calendar?: JobnetCalendar; notWith?: NotWith; startOn?: StartCondition[] }): JobnetDefinition<J> {
    return definition;
}

/** The defaults a job's settings take when left out. */
export const jobDefaults = { recoveryThen: "fail" as const, timeoutMinutes: 60, maxTimeoutMinutes: 2880, warningAbove: 0, abnormalAbove: 0, servers: "every" as const, shell: "bash" as const };

/** The name rule of jobs and jobnets: they name states, functions' items and the console's steps. */
export const jobNamePattern = /^[a-z0-9][a-z0-9-]{0,47}$/;
