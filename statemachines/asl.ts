import { awsThrottlingErrors } from "../handlers/errors";
import { partitionOf } from "../handlers/partition";
import type { PollRhythm } from "./plan";
import { pollSchedule } from "./pollSchedule";

/**
 * Typed helpers that build Amazon States Language (JSONPath) definitions. A jobnet is assembled
 * from fragments (a start state, its states, and the states whose `Next` is still open), chained
 * with `sequence`, so that one step of a jobnet reads as one line.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface Retrier {
    ErrorEquals: string[];
    IntervalSeconds?: number;
    MaxAttempts?: number;
    BackoffRate?: number;
    MaxDelaySeconds?: number;
    JitterStrategy?: "FULL" | "NONE";
}

export interface Catcher {
    ErrorEquals: string[];
    Next: string;
    ResultPath?: string | null;
}

interface Common {
    Comment?: string;
    Next?: string;
    End?: true;
}

export interface TaskState extends Common {
    Type: "Task";
    Resource: string;
    Parameters?: JsonObject;
    ResultSelector?: JsonObject;
    ResultPath?: string | null;
    TimeoutSeconds?: number;
    /** A callback task fails with States.HeartbeatTimeout when no SendTaskHeartbeat comes for this long. */
    HeartbeatSeconds?: number;
    Retry?: Retrier[];
    Catch?: Catcher[];
}

export interface PassState extends Common {
    Type: "Pass";
    Result?: Json;
    Parameters?: JsonObject;
    ResultPath?: string | null;
}

export interface WaitState extends Common {
    Type: "Wait";
    Seconds: number;
}

/** A Choice rule: a comparison, or a boolean combination of them. */
export type Condition =
    | ({ Variable: string } & (
          | { StringEquals: string }
          | { NumericEquals: number }
          | { NumericEqualsPath: string }
          | { NumericGreaterThanEquals: number }
          | { NumericLessThan: number }
          | { BooleanEquals: boolean }
          | { IsPresent: boolean }
          | { IsNull: boolean }
      ))
    | { And: Condition[] }
    | { Or: Condition[] }
    | { Not: Condition };

export interface ChoiceState {
    Type: "Choice";
    Comment?: string;
    Choices: (Condition & { Next: string })[];
    Default?: string;
}

export interface MapState extends Common {
    Type: "Map";
    ItemsPath: string;
    ItemSelector?: JsonObject;
    ItemProcessor: { ProcessorConfig: { Mode: "INLINE" }; StartAt: string; States: Record<string, State> };
    MaxConcurrency?: number;
    ResultPath?: string | null;
    ResultSelector?: JsonObject;
}

export interface ParallelState extends Common {
    Type: "Parallel";
    Branches: { StartAt: string; States: Record<string, State> }[];
    ResultPath?: string | null;
    ResultSelector?: JsonObject;
    Retry?: Retrier[];
    Catch?: Catcher[];
}

export interface FailState {
    Type: "Fail";
    Comment?: string;
    Error: string;
    Cause?: string;
    CausePath?: string;
}

export interface SucceedState {
    Type: "Succeed";
    Comment?: string;
}

export type State = TaskState | PassState | WaitState | ChoiceState | MapState | ParallelState | FailState | SucceedState;

export interface StateMachineDefinition {
    Comment?: string;
    StartAt: string;
    TimeoutSeconds?: number;
    States: Record<string, State>;
}

/** A place that still needs a successor: a state's `Next`, or one rule of a Choice. */
export type OpenEnd = string | { choice: string; rule: number };

/**
 * Part of a definition: where it starts, its states, and the ends that still need a successor.
 * A fragment whose `open` list is empty ends every path itself (Fail, Succeed).
 */
export interface Fragment {
    startAt: string;
    states: Record<string, State>;
    open: OpenEnd[];
}

export function state(name: string, s: State): Fragment {
    const terminal = s.Type === "Fail" || s.Type === "Succeed" || s.Type === "Choice";
    return { startAt: name, states: { [name]: s }, open: terminal ? [] : [name] };
}

/** Chains fragments: every open end of one goes to the start of the next. */
export function sequence(...fragments: Fragment[]): Fragment {
    if (fragments.length === 0) throw new Error("sequence needs at least one fragment");
    const states: Record<string, State> = {};
    for (const f of fragments) merge(states, f.states);
    for (let i = 0; i < fragments.length - 1; i++) {
        for (const name of fragments[i].open) link(states, name, fragments[i + 1].startAt);
    }
    return { startAt: fragments[0].startAt, states, open: fragments[fragments.length - 1].open };
}

/** Closes the fragment into a full definition: every open end becomes `End: true`. */
export function definition(fragment: Fragment, options: { comment: string; timeoutSeconds: number }): StateMachineDefinition {
    const states = closed(fragment);
    return { Comment: options.comment, StartAt: fragment.startAt, TimeoutSeconds: options.timeoutSeconds, States: states };
}

function closed(fragment: Fragment): Record<string, State> {
    const states: Record<string, State> = JSON.parse(JSON.stringify(fragment.states));
    for (const end of fragment.open) {
        if (typeof end !== "string") throw new Error(`choice ${end.choice} has a rule that leads nowhere`);
        const s = states[end] as Common;
        if (s.Next === undefined) s.End = true;
    }
    return states;
}

function merge(into: Record<string, State>, from: Record<string, State>): void {
    for (const [name, s] of Object.entries(from)) {
        if (into[name] !== undefined && into[name] !== s) throw new Error(`state name ${name} is used twice`);
        into[name] = s;
    }
}

function link(states: Record<string, State>, from: OpenEnd, to: string): void {
    if (typeof from !== "string") {
        (states[from.choice] as ChoiceState).Choices[from.rule].Next = to;
        return;
    }
    const s = states[from];
    if (s.Type === "Choice") {
        if (s.Default === undefined) s.Default = to;
        return;
    }
    if (s.Type === "Fail" || s.Type === "Succeed") return;
    if (s.Next === undefined && s.End === undefined) s.Next = to;
}

// ---- states ----------------------------------------------------------------

/** The retry AWS recommends for every Lambda task: transient Lambda service errors and throttling. */
export const lambdaServiceRetry: Retrier = {
    ErrorEquals: [
        "Lambda.ServiceException",
        "Lambda.AWSLambdaException",
        "Lambda.SdkClientException",
        "Lambda.TooManyRequestsException",
        "Lambda.ClientExecutionTimeoutException",
    ],
    IntervalSeconds: 2,
    MaxAttempts: 6,
    BackoffRate: 2,
    JitterStrategy: "FULL",
};

/**
 * AWS API throttling that outlasted the SDK's own attempts: backed off with full jitter, so that
 * the iterations of a Map throttled together do not come back together. Bounded: at most about
 * seven minutes (1 + 2 + … + 32 s, then 60 s six times) before the task fails with the AWS error;
 * throttling that lasts longer is not a burst, and the run says so.
 */
export const awsThrottlingRetry: Retrier = {
    ErrorEquals: awsThrottlingErrors,
    IntervalSeconds: 1,
    MaxAttempts: 12,
    BackoffRate: 2,
    MaxDelaySeconds: 60,
    JitterStrategy: "FULL",
};

/**
 * A task that timed out, or a function that ran out of its own time. The function's timeout is
 * half the task's (infra/lambdaFunction.ts), so a task timeout means the function is no longer
 * running; every handler checks before it acts, so running it again is safe.
 */
export const timeoutRetry: Retrier = {
    ErrorEquals: ["States.Timeout", "Sandbox.Timedout", "Lambda.Unknown"],
    IntervalSeconds: 5,
    MaxAttempts: 2,
    BackoffRate: 2,
};

/** Every Lambda task retries these, after its own named errors. */
export const transientRetries: Retrier[] = [lambdaServiceRetry, awsThrottlingRetry, timeoutRetry];

/** Bound on one Lambda task: twice the function's own timeout, so Step Functions never gives up on a function still acting. */
export const taskTimeoutSeconds = 60;

export interface InvokeOptions {
    /** The payload, a Parameters template (`"key.$": "$.path"` for values from the state). */
    payload: JsonObject;
    /** Where the function's result goes in the state; null keeps the input unchanged. */
    resultPath: string | null;
    /** Picks from the function's result (already unwrapped from the Lambda response). */
    select?: JsonObject;
    /** What the task acts on, for its error messages: a literal, or a path such as `$.server.name`. */
    about?: string;
    /** Retries of named handler errors, tried before the Lambda service retry. */
    retry?: Retrier[];
    /** Named handler errors that end the run in a Fail; the error lands at `$.error`. */
    catch?: { errors: string[]; name: string; failure: FailureSpec }[];
    comment?: string;
    /**
     * A callback task: the function gets the task token as `taskToken` in its payload and starts the
     * work; the task ends when someone completes the token (SendTaskSuccess: its output is the
     * task's result; SendTaskFailure: the task fails with that error). `select` picks from that output.
     */
    callback?: true;
    /** How long a callback task waits for its token; Step Functions sets no bound of its own. Not for a plain invoke, which is bounded by `taskTimeoutSeconds`. */
    timeoutSeconds?: number;
}

/**
 * The optimised Lambda integration in the function's own partition: `arn:aws-cn:states:::lambda:invoke`
 * in China (the AWS CDK builds every integration ARN as `arn:${Partition}:states:::…`).
 */
export function lambdaInvokeResource(functionArn: string): string {
    return `arn:${partitionOf(functionArn)}:states:::lambda:invoke`;
}

/**
 * The Lambda integration's callback pattern, `lambda:invoke.waitForTaskToken`, in the function's own
 * partition: the task waits until its token is completed (Step Functions Developer Guide, "Wait for a
 * Callback with Task Token").
 */
export function lambdaCallbackResource(functionArn: string): string {
    return `${lambdaInvokeResource(functionArn)}.waitForTaskToken`;
}

/** A Lambda task through the optimised integration, with the recommended retry; `callback`: one that waits for its task token. */
export function invoke(name: string, functionArn: string, options: InvokeOptions): Fragment {
    const catchers = (options.catch ?? []).map((c) => ({ ...c, then: fail(c.name, c.failure) }));
    if (options.timeoutSeconds !== undefined && !options.callback) throw new Error(`${name}: timeoutSeconds is for a callback task; a plain invoke is bounded by taskTimeoutSeconds`);
    const payload = { ...options.payload, ...stepContext(name, options.about), ...(options.callback ? { "taskToken.$": "$$.Task.Token" } : {}) };
    // A callback task's result is the output SendTaskSuccess gave, not the Lambda response: nothing to unwrap.
    const selector = options.callback ? options.select : fromPayload(options.select ?? { "result.$": "$" });
    const task = state(name, {
        Type: "Task",
        Comment: options.comment,
        Resource: options.callback ? lambdaCallbackResource(functionArn) : lambdaInvokeResource(functionArn),
        Parameters: { FunctionName: functionArn, Payload: payload },
        ...(selector ? { ResultSelector: selector } : {}),
        ...resultPath(options.resultPath),
        TimeoutSeconds: options.callback ? options.timeoutSeconds : taskTimeoutSeconds,
        // A callback task that timed out waited for its work too long: trying again would start the work again.
        Retry: [...(options.retry ?? []), ...(options.callback ? transientRetries.filter((r) => r !== timeoutRetry) : transientRetries)],
        Catch: catchers.length > 0 ? catchers.map((c) => ({ ErrorEquals: c.errors, Next: c.then.startAt, ResultPath: "$.error" })) : undefined,
    });
    for (const c of catchers) merge(task.states, c.then.states);
    return task;
}

/** The step and the resource a task's errors name (handlers/errors.ts, StepContext). */
function stepContext(step: string, about: string | undefined): JsonObject {
    if (about === undefined) return { step };
    return about.startsWith("$") ? { step, "about.$": about } : { step, about };
}

/** "$" is the default ResultPath (the result replaces the state): it is left out rather than spelled. */
function resultPath(path: string | null): { ResultPath?: string | null } {
    return path === "$" ? {} : { ResultPath: path };
}

/** A jump to a state defined elsewhere in the same definition, for branches that share a tail. */
export function goto(name: string): Fragment {
    return { startAt: name, states: {}, open: [] };
}

/** A retry of a named handler error that clears by itself, at a fixed interval. */
export function retryEvery(error: string, intervalSeconds: number, maxAttempts: number): Retrier {
    return { ErrorEquals: [error], IntervalSeconds: intervalSeconds, MaxAttempts: maxAttempts, BackoffRate: 1 };
}

/**
 * A ResultSelector written against the function's own result, rewritten for the optimised
 * integration, which wraps that result in `Payload`.
 */
function fromPayload(select: JsonObject): JsonObject {
    return Object.fromEntries(
        Object.entries(select).map(([key, value]) => [
            key,
            key.endsWith(".$") && typeof value === "string" && value.startsWith("$") ? `$.Payload${value.slice(1)}` : value,
        ]),
    );
}

export function wait(name: string, seconds: number): Fragment {
    return state(name, { Type: "Wait", Seconds: seconds });
}

export function pass(name: string, options: { result?: Json; parameters?: JsonObject; resultPath: string | null; comment?: string }): Fragment {
    return state(name, {
        Type: "Pass",
        Comment: options.comment,
        Result: options.result,
        Parameters: options.parameters,
        ...resultPath(options.resultPath),
    });
}

export function succeed(name: string, comment?: string): Fragment {
    return state(name, { Type: "Succeed", Comment: comment });
}

export interface FailureSpec {
    /** The stable error name the execution fails with. */
    error: string;
    /** States.Format template of the cause; each {} is filled from `args` in order. */
    cause: string;
    args?: string[];
}

/**
 * A Fail whose cause is built from the state: a Pass formats it (Fail's CausePath takes a path,
 * not an intrinsic, everywhere this must run), then the Fail reports it.
 */
export function fail(name: string, spec: FailureSpec): Fragment {
    const describe = `${name}Cause`;
    const args = spec.args ?? [];
    const format = args.length === 0 ? `States.Format('${escape(spec.cause)}')` : `States.Format('${escape(spec.cause)}', ${args.join(", ")})`;
    return sequence(
        pass(describe, { parameters: { "cause.$": format }, resultPath: "$.failure" }),
        state(name, { Type: "Fail", Error: spec.error, CausePath: "$.failure.cause" }),
    );
}

function escape(template: string): string {
    // In a States.Format template, {} is a placeholder; quotes and backslashes need a backslash.
    if (/[{}]/.test(template.replace(/\{\}/g, ""))) throw new Error(`cause template has a lone brace: ${template}`);
    return template.replace(/[\\']/g, (c) => `\\${c}`);
}

export interface Branch {
    when: Condition;
    /** What runs when the condition holds; "continue" leaves the Choice for whatever follows it. */
    then: Fragment | "continue";
}

/** A Choice over branches; `otherwise` (if given) runs when none matches. Open ends of all branches stay open. */
export function choice(name: string, branches: Branch[], otherwise?: Fragment | "continue", comment?: string): Fragment {
    const s: ChoiceState = {
        Type: "Choice",
        Comment: comment,
        Choices: branches.map((b) => ({ ...b.when, Next: b.then === "continue" ? "" : b.then.startAt })),
        Default: otherwise === undefined || otherwise === "continue" ? undefined : otherwise.startAt,
    };
    const states: Record<string, State> = { [name]: s };
    const open: OpenEnd[] = [];
    branches.forEach((b, rule) => {
        if (b.then === "continue") open.push({ choice: name, rule });
        else {
            merge(states, b.then.states);
            open.push(...b.then.open);
        }
    });
    if (otherwise === "continue") open.push(name);
    else if (otherwise !== undefined) {
        merge(states, otherwise.states);
        open.push(...otherwise.open);
    }
    return { startAt: name, states, open };
}

export interface MapOptions {
    itemsPath: string;
    /** The input of each iteration; `$$.Map.Item.Value` is the item. */
    itemSelector: JsonObject;
    iterator: Fragment;
    maxConcurrency: number;
    resultPath: string | null;
    comment?: string;
}

export function map(name: string, options: MapOptions): Fragment {
    return state(name, {
        Type: "Map",
        Comment: options.comment,
        ItemsPath: options.itemsPath,
        ItemSelector: options.itemSelector,
        ItemProcessor: { ProcessorConfig: { Mode: "INLINE" }, StartAt: options.iterator.startAt, States: closed(options.iterator) },
        MaxConcurrency: options.maxConcurrency,
        ResultPath: options.resultPath,
    });
}

export function parallel(name: string, branches: Fragment[], options: { resultPath: string | null; select?: JsonObject; comment?: string }): Fragment {
    return state(name, {
        Type: "Parallel",
        Comment: options.comment,
        Branches: branches.map((b) => ({ StartAt: b.startAt, States: closed(b) })),
        ResultPath: options.resultPath,
        ResultSelector: options.select,
    });
}

// ---- conditions ------------------------------------------------------------

export const is = {
    string: (variable: string, value: string): Condition => ({ Variable: variable, StringEquals: value }),
    number: (variable: string, value: number): Condition => ({ Variable: variable, NumericEquals: value }),
    atLeast: (variable: string, value: number): Condition => ({ Variable: variable, NumericGreaterThanEquals: value }),
    below: (variable: string, value: number): Condition => ({ Variable: variable, NumericLessThan: value }),
    true: (variable: string): Condition => ({ Variable: variable, BooleanEquals: true }),
    present: (variable: string): Condition => ({ Variable: variable, IsPresent: true }),
    null: (variable: string): Condition => ({ Variable: variable, IsNull: true }),
    oneOf: (variable: string, values: string[]): Condition =>
        values.length === 1 ? { Variable: variable, StringEquals: values[0] } : { Or: values.map((v) => ({ Variable: variable, StringEquals: v })) },
    and: (...conditions: Condition[]): Condition => ({ And: conditions }),
    or: (...conditions: Condition[]): Condition => ({ Or: conditions }),
    not: (condition: Condition): Condition => ({ Not: condition }),
};

// ---- bounded polling -------------------------------------------------------

export interface WaitUntilOptions {
    /** The Lambda that reads the current state; it gets the payload plus `attempt` and returns `attempt` back. */
    functionArn: string;
    payload: JsonObject;
    /** Picks the poll result into the state (paths relative to the function's result); must include `attempt.$`. */
    select: JsonObject;
    /** Where the poll result goes; also the place of the attempt counter. */
    resultPath: string;
    /** Fields put beside the counter before the first poll, for a poll that hands its own on to the next (a Parameters template). */
    carried?: JsonObject;
    /** What the poll reads, for its error messages (see InvokeOptions.about). */
    about?: string;
    /** When the wait is over; checked first. */
    done: Condition;
    /** Definite failures, checked after `done`, each ending in its own Fail. */
    failures?: { when: Condition; name: string; failure: FailureSpec }[];
    /** Outcomes that leave the wait for another path (a step to take again), checked after the failures. */
    detours?: { when: Condition; then: Fragment }[];
    /** Seconds before the first poll, and between polls while the service usually ends (pollSchedule.ts: then longer). */
    firstAfterSeconds: number;
    everySeconds: number;
    /** The bound: how long the wait may take before it fails. */
    withinSeconds: number;
    /** The Fail when the bound is reached: what never became ready. */
    timedOut: FailureSpec;
    comment?: string;
}

/**
 * "Poll until": a first Wait, the poll task, then a Choice: done → on, a definite failure → its
 * Fail, the bound reached → a Fail naming what never became ready, otherwise Wait and poll again.
 * The Waits grow the longer the wait lasts (pollSchedule.ts): one Wait state a tier, the Choice
 * picking it by the attempt counter, so that a poll stays Task + Choice + Wait whatever its tier.
 * The poll count is bounded: the last poll comes `withinSeconds` after the wait began.
 */
export function waitUntil(name: string, options: WaitUntilOptions): Fragment {
    const schedule = pollSchedule(options);
    const counter = `${options.resultPath}.attempt`;
    const start = options.carried === undefined
        ? pass(`${name}Begin`, { result: { attempt: 0 }, resultPath: options.resultPath, comment: options.comment })
        : pass(`${name}Begin`, { parameters: { attempt: 0, ...options.carried }, resultPath: options.resultPath, comment: options.comment });
    const firstWait = wait(`${name}FirstWait`, options.firstAfterSeconds);
    const poll = state(name, {
        Type: "Task",
        Resource: lambdaInvokeResource(options.functionArn),
        Parameters: {
            FunctionName: options.functionArn,
            Payload: { ...options.payload, ...stepContext(name, options.about), "attempt.$": `States.MathAdd(${counter}, 1)` },
        },
        ResultSelector: fromPayload(options.select),
        ResultPath: options.resultPath,
        TimeoutSeconds: taskTimeoutSeconds,
        Retry: transientRetries,
    });
    const tierWaits = schedule.tiers.map((tier, i) => {
        const again = wait(pollWaitName(name, i), tier.seconds);
        link(again.states, again.startAt, name);
        return { ...again, open: [] };
    });
    // After poll number `attempt`, the Wait of the tier that attempt falls in: the first tier's
    // waits follow polls 1 to its count, and so on; the last tier is the Choice's default.
    let waitsBefore = 0;
    const earlierTiers = schedule.tiers.slice(0, -1).map((tier, i) => {
        waitsBefore += tier.waits;
        return { when: is.below(counter, waitsBefore + 1), then: tierWaits[i] };
    });
    const decide = choice(
        `${name}Check`,
        [
            { when: options.done, then: "continue" },
            ...(options.failures ?? []).map((f) => ({ when: f.when, then: fail(f.name, f.failure) })),
            ...(options.detours ?? []),
            { when: is.atLeast(counter, schedule.maxAttempts), then: fail(`${name}TimedOut`, options.timedOut) },
            ...earlierTiers,
        ],
        tierWaits[tierWaits.length - 1],
    );
    return sequence(start, firstWait, poll, decide);
}

/** The Wait of a poll's tier: `${name}Wait` for the first, `${name}Wait2`, `${name}Wait3`, … after it. */
export function pollWaitName(name: string, tier: number): string {
    return tier === 0 ? `${name}Wait` : `${name}Wait${tier + 1}`;
}

/** Whether a state is one of the Waits between the polls of the wait `name`. */
export function isPollWait(state: string, name: string): boolean {
    return state.startsWith(name) && /^Wait([2-9]|[1-9]\d+)?$/.test(state.slice(name.length));
}

export function maxPollAttempts(o: PollRhythm): number {
    return pollSchedule(o).maxAttempts;
}

/** Every state of a definition, Map and Parallel contents included, by name. */
export function allStates(states: Record<string, State>): [string, State][] {
    return Object.entries(states).flatMap(([name, s]): [string, State][] => [
        [name, s],
        ...(s.Type === "Map" ? allStates(s.ItemProcessor.States) : []),
        ...(s.Type === "Parallel" ? s.Branches.flatMap((b) => allStates(b.States)) : []),
    ]);
}

/** The steps of a definition that invoke a Lambda function (its Task states, as the timeline names them), each once, in the order they appear. */
export function functionSteps(d: StateMachineDefinition): string[] {
    const steps = allStates(d.States).flatMap(([name, s]) => (s.Type === "Task" && typeof s.Parameters?.FunctionName === "string" ? [name] : []));
    return [...new Set(steps)];
}

/** The Lambda functions a definition invokes, each once, in the order they first appear. */
export function invokedFunctions(d: StateMachineDefinition): string[] {
    const arns = allStates(d.States).flatMap(([, s]) =>
        s.Type === "Task" && typeof s.Parameters?.FunctionName === "string" ? [s.Parameters.FunctionName] : [],
    );
    return [...new Set(arns)];
}
