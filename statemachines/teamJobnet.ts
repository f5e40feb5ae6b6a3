import { Fragment, JsonObject, Retrier, StateMachineDefinition, awsThrottlingRetry, choice, definition, goto, invoke, is, lambdaServiceRetry, parallel, pass, sequence, state, wait } from "./asl";
import { skipClosedDaysWhenScheduled, takeRunLock, withRedriveGuard } from "./common";
import { CommandJob, Job, JobnetDefinition, jobDefaults } from "./jobs";
import { runGraphOf, topologicalOrder } from "./jobGraph";
import { renderCommand } from "./jobCommand";
import { partitionOf } from "../handlers/partition";
import type { CommandSpec, FileSpec, JobnetSpec } from "../handlers/jobs";
import { fileWatchOf, looksOf } from "./waitForFile";
import type { ExcludedLock } from "../handlers/runLock";
import type { JobnetPlan } from "./plan";
import { sendTimeoutSeconds } from "../handlers/runCommand";
import { ruleCalendarOf } from "../handlers/scheduleRules";
import { referencesIn, triggerSource, valuesUsedBy } from "../handlers/jobValues";

/** The servers of a group as the stack names them: instance ids, or a tag. */
export type GroupTargets = { instanceIds: string[] } | { tag: { key: string; value: string } };

/** Everything a team's jobnet definition is made from: plain values, nothing that waits on Pulumi. */
export interface TeamJobnetPlan {
    jobnet: JobnetDefinition;
    functionArns: { checkCalendar: string; takeRunLock: string; beginJobs: string; awaitJob: string; holdJob: string; startJob: string };
    calendar: JobnetPlan["calendar"];
    /** The stack's run-lock table (the jobs' record is kept there too) and this jobnet's own lock. */
    runLock: { tableName: string; lockKey: string };
    /** The other jobnets' locks it must find free to take its own (statemachines/exclusion.ts); none: its own lock only. */
    notWith?: ExcludedLock[];
    groups: Record<string, GroupTargets>;
    /** The jobnets its jobnet jobs may run: their state machines and timeouts. */
    jobnets: Record<string, { stateMachineArn: string; timeoutSeconds: number }>;
    /** Where Run Command writes every job's whole output. */
    logGroupName: string;
    /**
     * The first line of every command this stack's jobnets send, a shell comment: the rule that tells
     * of a command's end matches it, so that no other command of the account wakes the function.
     */
    commandMarker: string;
}

/** The marker of a stack's job commands: `# webapp-jobnet-dev job`. */
export function jobCommandMarker(namePrefix: string): string {
    return `# ${namePrefix} job`;
}

/** Every job of a wide jobnet writing the run's record at once: the call is tried again, spread out (handlers/jobRecord.ts). */
export const runRecordBusy: Retrier = { ErrorEquals: ["RunRecordBusy"], IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2, JitterStrategy: "FULL" };

/** After a job's own bound, how long its task waits for the end's event before it reads the end itself. */
export const endEventGraceSeconds = 300;

/**
 * A team's jobnet: the calendar (scheduled runs), its own run lock, the run's record, then every
 * job at once, each in a branch of one Parallel state that first waits for the job's predecessors.
 * A job starts as soon as its predecessors allow (handlers/jobRun.ts), whatever the shape of the
 * graph, and a failed job's branch fails the Parallel only once no job runs any more, so that a
 * redrive runs again from the failed job and keeps the jobs that ended.
 */
export function teamJobnet(plan: TeamJobnetPlan): StateMachineDefinition {
    const d = plan.jobnet;
    const timeoutSeconds = d.timeoutMinutes * 60;
    const run: JsonObject = { tableName: plan.runLock.tableName, "executionArn.$": "$$.Execution.Id" };
    // Each job's branch after its predecessors': were Step Functions ever to start fewer branches at
    // once than a jobnet has, the first started could always run, and none would wait for ever.
    const jobs = topologicalOrder(runGraphOf(d)).map((name) => [name, (d.jobs as Record<string, Job<string>>)[name]] as const);
    return withRedriveGuard(definition(
        sequence(
            skipClosedDaysWhenScheduled({ ...plan, calendar: d.calendar ? { ...ruleCalendarOf(d.calendar), timeZone: plan.calendar.timeZone } : plan.calendar }, d.name, (d.schedules ?? []).length > 0),
            takeRunLock({ ...plan, timeoutSeconds }, d.name, d.notWith?.wait?.maxMinutes),
            invoke("BeginJobs", plan.functionArns.beginJobs, {
                // The whole input, never $$.Execution.Input.values: a run started by hand has none, and a path to nothing fails the state.
                payload: { ...run, graph: runGraphOf(d) as unknown as JsonObject, ...(usesStartValues(d) ? { "startInput.$": "$$.Execution.Input" } : {}) },
                resultPath: "$.begun",
                select: { "jobs.$": "$.jobs" },
            }),
            parallel("Jobs", jobs.map(([name, job]) => jobBranch(plan, run, name, job)), {
                resultPath: "$.jobs",
                comment: "Every job at once: each waits for its predecessors, then runs.",
            }),
            pass("JobsEnded", { parameters: { jobnet: d.name, "jobs.$": "$.jobs" }, resultPath: "$" }),
        ),
        { comment: d.description, timeoutSeconds },
    ), { runLock: plan.runLock, timeoutSeconds, notWith: plan.notWith });
}

/** One job's branch: wait for the predecessors; then run it, or skip it, or (a judgment) take a branch. */
function jobBranch(plan: TeamJobnetPlan, run: JsonObject, name: string, job: Job<string>): Fragment {
    const ended = (parameters: JsonObject) => pass(`${name} ended`, { parameters: { job: name, ...parameters }, resultPath: "$" });
    const skipped = pass(`${name} skipped`, { parameters: { job: name, end: "skipped" }, resultPath: "$" });
    const retry = job.kind === "command" ? job.retry : undefined;
    const runIt = job.kind === "judgment"
        ? pass(name, { parameters: { job: name, end: "normal", "taken.$": "$.release.taken", "exitCode.$": "$.release.exitCode" }, resultPath: "$", comment: `Judges the exit code of ${job.after[0]}` })
        : sequence(
            ...(job.hold ? [holdBefore(plan, run, name, job.hold.maxMinutes)] : []),
            // The sends of a retried job are counted in the definition too: no loop it cannot bound (historyBudget.ts).
            ...(retry ? [pass(`${name} attempts`, { result: { attempt: 0 }, resultPath: "$.job" })] : []),
            callbackTask(name, plan.functionArns.startJob, {
                payload: { ...run, job: name, spec: specOf(plan, name, job) as unknown as JsonObject, ...(retry ? { "attempt.$": "States.MathAdd($.job.attempt, 1)" } : {}) },
                resultPath: "$.job",
                ...(job.kind === "waitForFile"
                    // A look every poll: the task times out and is tried again, each try a look, until the bound.
                    ? { timeoutSeconds: looksOf(job).pollSeconds, timeoutRetries: looksOf(job).looks }
                    : { timeoutSeconds: taskBound(plan, job) }),
            }),
            ...(retry
                ? [choice(`${name} retry?`, [
                    { when: is.atLeast("$.job.attempt", retry.times + 1), then: "continue" },
                    { when: is.true("$.job.retry"), then: sequence(wait(`${name} retry interval`, retry.intervalMinutes * 60), goto(name)) },
                ], "continue")]
                : []),
            ended({ "end.$": "$.job.end", "exitCode.$": "$.job.exitCode", ...(job.kind === "command" && (job.emits ?? []).length > 0 ? { "values.$": "$.job.values" } : {}) }),
        );
    return sequence(
        callbackTask(`Wait for ${name}`, plan.functionArns.awaitJob, { payload: { ...run, job: name }, resultPath: "$.release" }),
        choice(`${name} released`, [{ when: is.string("$.release.go", "skip"), then: skipped }], runIt),
    );
}

/**
 * A hold before a job: `Hold JOB` waits for an operator's release, at most the hold's bound; past
 * it, `JOB not released` ends the job abnormally, and the job's own task then fails the run (once no
 * job runs) or, if the job's recovery says so, goes on. Either way the job's task comes next: a
 * redrive runs it again from there, without a second hold (the operator who redrives has decided).
 */
function holdBefore(plan: TeamJobnetPlan, run: JsonObject, name: string, maxMinutes: number): Fragment {
    const about = { ...run, job: name, jobnet: plan.jobnet.name, maxMinutes };
    const notReleased = invoke(`${name} not released`, plan.functionArns.holdJob, {
        payload: { ...about, expired: true },
        resultPath: "$.hold",
        select: { "notReleasedWithin.$": "$.notReleasedWithin" },
        retry: [runRecordBusy],
        comment: `Nobody released ${name} within ${maxMinutes} min: it ends abnormally, naming the hold`,
    });
    const held = callbackTask(`Hold ${name}`, plan.functionArns.holdJob, {
        payload: { ...about, "stateMachineArn.$": "$$.StateMachine.Id" },
        resultPath: "$.hold",
        timeoutSeconds: maxMinutes * 60,
        onTimeout: notReleased,
    });
    return { ...held, open: [...held.open, ...notReleased.open] };
}

/** Whether any job uses the values the run was started with (`{{trigger.key}}`, or a judgment of `trigger.key`). */
function usesStartValues(d: JobnetDefinition): boolean {
    return Object.values<Job<string>>(d.jobs).some((job) =>
        (job.kind === "command" && valuesUsedBy(job).some((r) => r.source === triggerSource)) ||
        (job.kind === "waitForFile" && referencesIn(job.key ?? job.prefix ?? "").refs.some((r) => r.source === triggerSource)) ||
        (job.kind === "judgment" && "value" in job.when && job.when.value.startsWith(`${triggerSource}.`)));
}

/** How long a job's task waits for its end's event: the job's own bound, then the grace; then StartJob reads the end itself. */
function taskBound(plan: TeamJobnetPlan, job: Job<string>): number {
    if (job.kind === "jobnet") return plan.jobnets[job.jobnet].timeoutSeconds + endEventGraceSeconds;
    const timeout = ((job as CommandJob<string>).timeoutMinutes ?? jobDefaults.timeoutMinutes) * 60;
    return timeout + sendTimeoutSeconds + endEventGraceSeconds;
}

/** What StartJob is told of a job: where and how to run it. */
export function specOf(plan: TeamJobnetPlan, name: string, job: Job<string>): CommandSpec | JobnetSpec | FileSpec {
    if (job.kind === "jobnet") return { kind: "jobnet", jobnet: plan.jobnet.name, child: job.jobnet, stateMachineArn: plan.jobnets[job.jobnet].stateMachineArn };
    if (job.kind === "waitForFile") {
        return { kind: "file", jobnet: plan.jobnet.name, ...fileWatchOf(job), timeoutSeconds: job.timeoutMinutes * 60 };
    }
    if (job.kind !== "command") throw new Error(`${name}: a ${job.kind} job is not started`);
    const { document, commands } = renderCommand(job);
    const group = plan.groups[job.on.group];
    const warningAbove = job.end?.warningAbove ?? jobDefaults.warningAbove;
    return {
        kind: "command",
        jobnet: plan.jobnet.name,
        group: { name: job.on.group, ..."tag" in group ? { tag: group.tag } : { instanceIds: group.instanceIds } },
        servers: job.on.servers ?? jobDefaults.servers,
        document,
        commands: [`${plan.commandMarker} ${plan.jobnet.name}/${name}`, ...commands],
        ...(job.workingDirectory ? { workingDirectory: job.workingDirectory } : {}),
        ...(valuesUsedBy(job).length > 0
            ? { template: { command: job.command, ...(job.shell ? { shell: job.shell } : {}), ...(job.user !== undefined ? { user: job.user } : {}), ...(job.environment ? { environment: job.environment } : {}), ...(job.workingDirectory !== undefined ? { workingDirectory: job.workingDirectory } : {}) } }
            : {}),
        ...((job.emits ?? []).length > 0 ? { emits: [...job.emits!] } : {}),
        judgment: {
            warningAbove,
            abnormalAbove: job.end?.abnormalAbove ?? Math.max(warningAbove, jobDefaults.abnormalAbove),
            ...(job.retry ? { retry: { from: job.retry.exitCodes.from, to: job.retry.exitCodes.to, times: job.retry.times } } : {}),
            timeoutSeconds: (job.timeoutMinutes ?? jobDefaults.timeoutMinutes) * 60,
            logGroupName: plan.logGroupName,
        },
    };
}

/**
 * A callback task: the function is given the task's token and returns at once; the task ends when
 * a function completes the token (SendTaskSuccess, SendTaskFailure). Past `timeoutSeconds` the task
 * is tried again: the handler then reads the end itself, in case its event was lost.
 */
export function callbackTask(name: string, functionArn: string, o: { payload: JsonObject; resultPath: string; timeoutSeconds?: number; onTimeout?: Fragment; timeoutRetries?: number }): Fragment {
    const endEventLost: Retrier = { ErrorEquals: ["States.Timeout"], IntervalSeconds: 1, MaxAttempts: o.timeoutRetries ?? 3, BackoffRate: 1 };
    const task = state(name, {
        Type: "Task",
        Resource: `arn:${partitionOf(functionArn)}:states:::lambda:invoke.waitForTaskToken`,
        Parameters: { FunctionName: functionArn, Payload: { ...o.payload, step: name, "taskToken.$": "$$.Task.Token" } },
        ResultPath: o.resultPath,
        ...(o.timeoutSeconds === undefined ? {} : { TimeoutSeconds: o.timeoutSeconds }),
        Retry: [runRecordBusy, lambdaServiceRetry, awsThrottlingRetry, ...(o.timeoutSeconds === undefined || o.onTimeout ? [] : [endEventLost])],
        // Past its time-out the task goes on elsewhere, instead of being tried again.
        ...(o.onTimeout ? { Catch: [{ ErrorEquals: ["States.Timeout"], Next: o.onTimeout.startAt, ResultPath: "$.timedOut" }] } : {}),
    });
    return o.onTimeout ? { ...task, states: { ...task.states, ...o.onTimeout.states } } : task;
}
