import "./parallelBranches";
import { StateMachine } from "aws-local-stepfunctions";
import { State, StateMachineDefinition, TaskState, allStates } from "../statemachines/asl";
import { executionHistoryQuota } from "../statemachines/historyBudget";
import { SimHistoryEvent, SimulatedAccount, executionArnOf } from "./account";
import { VirtualClock } from "./clock";
import { SimulatedLambda } from "./lambda";
import { currentInvocation } from "./freshness";
import type { TaskOutcome } from "./taskTokens";
import { PollRead, WaitLag, boundedWaits, pollKey, probeField, probedDefinition, waitLagOf } from "./waitLag";

/** One event of a local run (the library does not export the type). */
export type EventLog = ReturnType<StateMachine["run"]>["eventLogs"] extends AsyncGenerator<infer E> ? E : never;

// aws-local-stepfunctions 3 calls Promise.withResolvers, which Node.js 20 lacks.
if (typeof (Promise as unknown as { withResolvers?: unknown }).withResolvers !== "function") {
    (Promise as unknown as { withResolvers: () => unknown }).withResolvers = function withResolvers<T>() {
        let resolve!: (value: T) => void;
        let reject!: (reason: unknown) => void;
        const promise = new Promise<T>((res, rej) => {
            resolve = res;
            reject = rej;
        });
        return { promise, resolve, reject };
    };
}

export interface RunOptions {
    definition: StateMachineDefinition;
    stateMachineArn: string;
    executionName: string;
    /** The execution input: `{}` by hand, or what a schedule or an event trigger sends. */
    input?: Record<string, unknown>;
    account: SimulatedAccount;
    lambda: SimulatedLambda;
    clock: VirtualClock;
    /** Called for every event as it happens, for live displays. */
    onEvent?: (event: EventLog) => void;
    /** Redrives a failed run: continues at the top-level state that failed, with its input. */
    redrive?: { of: RunReport; count: number };
    /** False when the caller lets time pass for this run and others at once (runs side by side): see `simulate`. */
    drivesClock?: boolean;
    /** What else goes on beside the run (executions it started): time moves on only when this too stays the same. */
    activity?: () => number;
}

export interface RunReport {
    executionName: string;
    status: "SUCCEEDED" | "FAILED";
    output: unknown;
    error: string | undefined;
    cause: string | undefined;
    /** Simulated seconds from start to end. */
    durationSeconds: number;
    events: EventLog[];
    /** The events the run would put in its Step Functions execution history. */
    historyEvents: number;
    /** Billed state transitions: states entered, plus retries. */
    stateTransitions: number;
    lambdaInvocations: number;
    /** The largest state input or output, in UTF-8 bytes. */
    largestPayloadBytes: number;
    /** The top-level state a failed run ended in (entered, never exited), and its input: where a redrive continues. */
    failedAt: { state: string; input: unknown } | undefined;
    /** How long after the service was done each bounded wait found it done (simulator/waitLag.ts). */
    waitLag: WaitLag;
}

let invocationSerial = 0;

/**
 * Step Functions fails a run whose history reaches its quota: `States.Runtime`, "The execution
 * reached the maximum number of history events (25000)." (Step Functions quotas, "Maximum
 * execution history size"; the error and cause as runs report them, e.g. loads/ardere#86).
 */
export const historyQuotaError = { error: "States.Runtime", cause: `The execution reached the maximum number of history events (${executionHistoryQuota}).` };

/** RedriveExecution refuses such a run: ExecutionNotRedrivable, "Execution history event limit exceeded." (DescribeExecution, redriveStatusReason). */
export class ExecutionNotRedrivable extends Error {
    constructor(executionArn: string) {
        super(`${executionArn} cannot be redriven: Execution history event limit exceeded.`);
        this.name = "ExecutionNotRedrivable";
    }
}

/**
 * Runs one execution of a definition locally, its Tasks played by the serialised handlers, against
 * the simulated account, on the virtual clock.
 */
export async function runExecution(o: RunOptions): Promise<RunReport> {
    // Recorded as started now: the library sets the context's StartTime to now, and its Input. A
    // redrive continues the same execution.
    // A refused redrive changes nothing: the run stays FAILED.
    const earlier = o.redrive ? o.account.execution(executionArnOf(o.stateMachineArn, o.executionName)) : undefined;
    if (earlier && (earlier.historyEvents ?? 0) >= executionHistoryQuota) throw new ExecutionNotRedrivable(earlier.arn);
    if (o.redrive && !o.redrive.of.failedAt) throw new Error(`${o.executionName} cannot be redriven: it did not fail at a top-level state`);
    if (earlier) o.account.redriveExecution(earlier);
    const execution = earlier ?? o.account.startExecution(o.stateMachineArn, o.executionName, o.input ?? {});
    const executionArn = execution.arn;
    const startedAt = Date.now();
    // Its own invocations: a run beside another must not count the other's.
    let invocations = 0;

    // The bounded waits' polls: each invocation's reads, joined to its poll state by its input.
    const waits = boundedWaits(o.definition);
    const reads = new Map<string, PollRead[]>();
    const callbacks = callbackTasks(o.definition);
    const enclosing = enclosingStates(o.definition);
    const tokens = o.account.taskTokens;
    const handlers = Object.fromEntries(
        allStates(o.definition.States)
            .filter(([, s]) => s.Type === "Task")
            .map(([name, s]) => [name, callbacks.has(name) ? async (input: any) => {
                // A callback task: the function is invoked with a fresh token, then the attempt waits until
                // the token is completed (SendTaskSuccess, SendTaskFailure), or the attempt ends otherwise.
                const id = ++invocationSerial;
                invocations++;
                const { token, completed } = tokens.issue(executionArn, name, enclosing.get(name) ?? []);
                // The library races the attempt against the same TimeoutSeconds (States.Timeout): the token closes with it.
                const timer = setTimeout(() => tokens.close("timed out", (t) => t.token === token), callbackTimeoutSeconds(s as TaskState, o.definition) * 1000);
                const withToken = swapTaskToken(input, token) as { FunctionName: string; Payload: unknown };
                try {
                    await currentInvocation.run(id, () => o.lambda.invoke(withToken.FunctionName, withToken.Payload, name));
                } catch (error) {
                    clearTimeout(timer);
                    tokens.close("the function failed", (t) => t.token === token);
                    throw error;
                }
                let beat: NodeJS.Timeout | undefined;
                const heartbeatSeconds = (s as TaskState).HeartbeatSeconds;
                // HeartbeatSeconds, which the library does not play: no SendTaskHeartbeat for that long, counted
                // from the start and from each heartbeat, fails the attempt with States.HeartbeatTimeout (ASL, Task state).
                const heartbeatLost = heartbeatSeconds === undefined ? new Promise<never>(() => undefined) : new Promise<never>((_, reject) => {
                    const check = () => {
                        const t = tokens.get(token);
                        if (!t || t.status !== "open") return;
                        const due = (t.lastHeartbeatAt ?? t.issuedAt) + heartbeatSeconds * 1000;
                        if (Date.now() < due) {
                            beat = setTimeout(check, due - Date.now());
                            return;
                        }
                        tokens.close("heartbeat timed out", (x) => x.token === token);
                        reject(Object.assign(new Error("States.HeartbeatTimeout"), { name: "States.HeartbeatTimeout" }));
                    };
                    beat = setTimeout(check, heartbeatSeconds * 1000);
                });
                let outcome: TaskOutcome;
                try {
                    outcome = await Promise.race([completed, heartbeatLost]);
                } finally {
                    clearTimeout(timer);
                    clearTimeout(beat);
                }
                if ("error" in outcome) throw Object.assign(new Error(outcome.cause), { name: outcome.error });
                return outcome.output;
            } : async (input: any) => {
                const id = ++invocationSerial;
                const at = Date.now();
                const callsBefore = o.account.calls.length;
                invocations++;
                const Payload = await currentInvocation.run(id, () => o.lambda.invoke(input.FunctionName, input.Payload, name));
                if (waits.has(name)) {
                    const freshest = o.account.calls.slice(callsBefore).reduce<number | undefined>((f, c) =>
                        c.invocation === id && c.freshestChange !== undefined && (f === undefined || c.freshestChange > f) ? c.freshestChange : f, undefined);
                    const key = pollKey(name, input[probeField]);
                    reads.set(key, [...(reads.get(key) ?? []), { at, freshest }]);
                }
                return { ExecutedVersion: "$LATEST", Payload, StatusCode: 200 };
            }]),
    );
    // A redrive keeps the definition and continues at the failed state; a simulated one starts a
    // copy of the definition there (inside a failed Map it reruns every iteration, all idempotent;
    // a failed Parallel state goes on in each branch as Step Functions does: redriveBranches).
    const probed = withTaskTokenPlaceholders(probedDefinition(o.definition, waits));
    const definition = o.redrive
        ? withStartTime(redriveBranches({ ...probed, StartAt: o.redrive.of.failedAt!.state }, o.redrive.of.events), new Date(execution.startDate).toISOString())
        : probed;
    const input = o.redrive ? o.redrive.of.failedAt!.input : (o.input ?? {});
    // States before the redrive's start are unreachable in the copy: the original was validated.
    const machine = new StateMachine(definition as never, { validationOptions: o.redrive ? { noValidate: true } : { checkArn: false } });
    const run = machine.run(input as never, {
        overrides: { taskResourceLocalHandlers: handlers as never },
        context: {
            Execution: {
                Id: executionArn,
                Name: o.executionName,
                RoleArn: "arn:aws:iam::123456789012:role/simulated",
                RedriveCount: o.redrive?.count ?? 0,
                // Present only once a run has been redriven (Step Functions context object); its StartTime: withStartTime.
                ...(o.redrive ? { RedriveTime: new Date().toISOString() } : {}),
            },
            StateMachine: { Id: o.stateMachineArn, Name: o.stateMachineArn.split(":").pop() },
        },
    });
    const events: EventLog[] = [];
    // The whole execution's history counts, a redrive's added to the runs before it.
    const earlierEvents = execution.historyEvents ?? 0;
    let quotaReached = false;
    const collecting = (async () => {
        const entries = new Map<string, number>();
        for await (const logged of run.eventLogs) {
            // Past the quota Step Functions records nothing; the local run may be a little ahead of this loop.
            if (quotaReached) continue;
            // A Parallel or Map that fails aborts its branches: the tokens they wait on close.
            if (logged.type === "StateFailed" && (logged.state.type === "Parallel" || logged.state.type === "Map")) {
                tokens.close("branch aborted", (t) => t.executionArn === executionArn && t.enclosing.includes(logged.state.name));
            }
            let event = logged;
            if ((execution.historyEvents ?? 0) + historyEventsOf(logged, callbacks) >= executionHistoryQuota) {
                // The event that would reach the quota: the run fails instead, its ExecutionFailed the last event.
                quotaReached = true;
                run.abort();
                event = { type: "ExecutionFailed", timestamp: logged.timestamp, Error: historyQuotaError.error, Cause: historyQuotaError.cause } as EventLog;
            }
            events.push(event);
            // The states the simulator adds to play a redriven Parallel (redriveBranches) are not the definition's: AWS records none.
            const added = "state" in event && redriveStatePattern.test((event as { state: { name: string } }).state.name);
            const recorded = added ? undefined : historyEventOf(event, execution.history.length + 1, entries);
            // A redrive goes on in the same history: it begins with ExecutionRedriven, not a second start (Step Functions API reference, HistoryEvent).
            if (recorded && o.redrive && recorded.type === "ExecutionStarted") recorded.type = "ExecutionRedriven";
            if (recorded) execution.history.push(recorded);
            execution.historyEvents = quotaReached ? executionHistoryQuota : (execution.historyEvents ?? 0) + historyEventsOf(event, callbacks);
            o.onEvent?.(event);
        }
    })();

    let output: unknown;
    let error: string | undefined;
    let cause: string | undefined;
    let status: RunReport["status"] = "SUCCEEDED";
    let thrown: Error | undefined;
    try {
        output = o.drivesClock === false ? await run.result : await o.clock.runUntil(run.result, () => events.length + o.account.calls.length + o.lambda.totalInvocations + (o.activity?.() ?? 0));
    } catch (e) {
        thrown = e as Error;
    }
    // Every event is in before the end is read: a run beside others ends without the clock's last drain.
    await collecting;
    if (thrown !== undefined) {
        status = "FAILED";
        await collecting;
        const failure = events.find((ev) => ev.type === "ExecutionFailed") as { Error?: string; Cause?: unknown } | undefined;
        error = failure?.Error ?? thrown.name;
        cause = typeof failure?.Cause === "string" ? failure.Cause : failure?.Cause !== undefined ? JSON.stringify(failure.Cause) : thrown.message;
    }
    // The tokens its tasks still wait on close with it.
    tokens.close("execution ended", (t) => t.executionArn === executionArn);
    execution.output = status === "SUCCEEDED" ? JSON.stringify(output ?? null) : undefined;
    // A run its TimeoutSeconds ended is TIMED_OUT to Step Functions (DescribeExecution, its event); the report keeps FAILED.
    o.account.endExecution(execution, events.some((e) => e.type === "ExecutionTimeout") ? "TIMED_OUT" : status);
    return {
        executionName: o.executionName,
        status,
        output,
        error,
        cause,
        durationSeconds: (Date.now() - startedAt) / 1000,
        events,
        historyEvents: quotaReached ? executionHistoryQuota - earlierEvents : historyEventCount(events, callbacks),
        stateTransitions: events.filter((e) => e.type === "StateEntered" || e.type === "StateRetried").length,
        lambdaInvocations: invocations,
        largestPayloadBytes: largestPayload(events),
        failedAt: status === "FAILED" ? failedTopLevelState(events, Object.keys(o.definition.States)) : undefined,
        waitLag: waitLagOf(events, waits, reads, startedAt),
    };
}

/**
 * An event of the local run as Step Functions' history words it: `TaskStateEntered` with the
 * state's name and input, and so on. Each follows the one before (previousEventId): the simulated
 * history keeps the order of events, not the branches of a Map.
 */
export function historyEventOf(event: EventLog, id: number, entries: Map<string, number>): SimHistoryEvent | undefined {
    const base = { id, previousEventId: id - 1, timestamp: new Date(event.timestamp) };
    // A state by its name and Map iteration: its failed attempts follow from its entry.
    const key = (e: { state: { name: string }; index?: number }) => `${e.state.name}#${e.index ?? ""}`;
    const stateType = (type: string) => (type === "Choice" || type === "Pass" || type === "Wait" || type === "Map" || type === "Parallel" || type === "Succeed" || type === "Fail" ? type : "Task");
    switch (event.type) {
        case "ExecutionStarted":
            return { ...base, type: "ExecutionStarted" };
        case "StateEntered":
            entries.set(key(event), id);
            return { ...base, type: `${stateType(event.state.type)}StateEntered`, stateEnteredEventDetails: { name: event.state.name, input: JSON.stringify(event.state.input) } };
        case "StateRetried":
            return { ...base, previousEventId: entries.get(key(event)) ?? id - 1, type: "TaskFailed", taskFailedEventDetails: { error: event.retry.retrier.ErrorEquals[0] ?? "Error", cause: "retried" } };
        case "StateFailed":
            // A Map or Parallel state fails because a branch did; only a Task's attempt is a TaskFailed.
            if (event.state.type !== "Task") return { ...base, previousEventId: entries.get(key(event)) ?? id - 1, type: `${stateType(event.state.type)}StateFailed` };
            return { ...base, previousEventId: entries.get(key(event)) ?? id - 1, type: "TaskFailed", taskFailedEventDetails: { error: event.Error, cause: typeof event.Cause === "string" ? event.Cause : JSON.stringify(event.Cause ?? null) } };
        case "StateExited":
            return { ...base, type: `${stateType(event.state.type)}StateExited`, stateExitedEventDetails: { name: event.state.name, output: JSON.stringify(event.state.output ?? null) } };
        case "MapIterationStarted":
            return { ...base, type: "MapIterationStarted", mapIterationStartedEventDetails: { name: event.parentState.name, index: event.index } };
        case "ExecutionSucceeded":
            return { ...base, type: event.type };
        case "ExecutionFailed":
            return { ...base, type: event.type, executionFailedEventDetails: { error: event.Error, cause: typeof event.Cause === "string" ? event.Cause : JSON.stringify(event.Cause ?? null) } };
        default:
            return undefined;
    }
}

/**
 * A redriven run keeps the StartTime it started with (Step Functions context object: RedriveTime
 * is the redrive's). aws-local-stepfunctions sets `$$.Execution.StartTime` to the moment a run
 * starts, whatever context it is given, so the copy a redrive runs gets the first start written in
 * wherever a payload reads it.
 */
export function withStartTime(definition: StateMachineDefinition, startTime: string): StateMachineDefinition {
    const pin = (value: unknown): unknown => {
        if (Array.isArray(value)) return value.map(pin);
        if (typeof value !== "object" || value === null) return value;
        return Object.fromEntries(Object.entries(value).map(([key, v]) =>
            key.endsWith(".$") && v === "$$.Execution.StartTime" ? [key.slice(0, -2), startTime] : [key, pin(v)]));
    };
    return pin(definition) as StateMachineDefinition;
}

/**
 * A redrive of a failed Parallel state "redrives only the iterations and branches that failed or
 * aborted" and "doesn't rerun" the steps that succeeded (Step Functions API reference,
 * RedriveExecution): a branch that ended keeps its output, and one that failed or was aborted goes
 * on from the state it was in, with that state's input (a Fail state fails again). Modelled by
 * rewriting the copy: an ended branch becomes a Pass of its output, an unfinished one starts with a
 * Pass of the input its open state had, then that state.
 */
/** The states redriveBranches adds: `BranchDone<i>`, `RedriveBranch<i>`. */
const redriveStatePattern = /^(BranchDone|RedriveBranch)\d+$/;

export function redriveBranches(definition: StateMachineDefinition, earlier: EventLog[]): StateMachineDefinition {
    const failed = definition.States[definition.StartAt];
    if (failed?.Type !== "Parallel") return definition;
    // The Parallel state's last attempt: the events after it was last entered.
    const lastEntry = earlier.map((e) => e.type === "StateEntered" && e.state.name === definition.StartAt).lastIndexOf(true);
    const attempt = earlier.slice(lastEntry + 1);
    const branches = failed.Branches.map((branch, i) => {
        const names = new Set(allStates(branch.States).map(([name]) => name));
        const open = new Map<string, unknown>();
        let lastOutput: unknown;
        for (const e of attempt) {
            if ((e.type !== "StateEntered" && e.type !== "StateExited") || !names.has(e.state.name)) continue;
            if (e.type === "StateEntered") open.set(e.state.name, e.state.input);
            else {
                open.delete(e.state.name);
                lastOutput = e.state.output;
            }
        }
        const resume = [...open.entries()].pop();
        if (resume === undefined) return { StartAt: `BranchDone${i}`, States: { [`BranchDone${i}`]: { Type: "Pass", Result: lastOutput ?? null, End: true } } };
        const [state, input] = resume;
        return { ...branch, StartAt: `RedriveBranch${i}`, States: { ...branch.States, [`RedriveBranch${i}`]: { Type: "Pass", Result: input ?? null, Next: state } } };
    });
    return { ...definition, States: { ...definition.States, [definition.StartAt]: { ...failed, Branches: branches } } } as StateMachineDefinition;
}

/**
 * The top-level state entered last and never exited: where Step Functions redrives a failed run. A
 * Map iteration's events name their parent; a Parallel branch's do not, so the top level is read
 * from the definition.
 */
function failedTopLevelState(events: EventLog[], topLevel: string[]): RunReport["failedAt"] {
    const open = new Map<string, unknown>();
    for (const e of events) {
        if ((e.type !== "StateEntered" && e.type !== "StateExited") || "parentState" in e || !topLevel.includes(e.state.name)) continue;
        if (e.type === "StateEntered") open.set(e.state.name, e.state.input);
        else open.delete(e.state.name);
    }
    const last = [...open.entries()].pop();
    return last ? { state: last[0], input: last[1] } : undefined;
}

/**
 * The events Step Functions would record: a Task is entered, scheduled, started, succeeded and
 * exited (5); each retried attempt adds failed, scheduled, started (3); a Map or Parallel adds
 * started and succeeded, each Map iteration started and succeeded; other states are entered and
 * exited (2); a Fail is entered only; the execution starts and ends.
 */
export function historyEventCount(events: EventLog[], callbacks: ReadonlySet<string> = new Set()): number {
    return events.reduce((count, e) => count + historyEventsOf(e, callbacks), 0);
}

/**
 * The history events one event of a local run stands for (historyEventCount). An attempt of a
 * callback task (`callbacks`, by state name) has one more: TaskSubmitted, once the function has
 * taken the token, before TaskSucceeded or TaskFailed (Step Functions, HistoryEvent types).
 */
export function historyEventsOf(e: EventLog, callbacks: ReadonlySet<string> = new Set()): number {
    const submitted = (e.type === "StateEntered" || e.type === "StateRetried") && callbacks.has(e.state.name) ? 1 : 0;
    return submitted + plainHistoryEventsOf(e);
}

function plainHistoryEventsOf(e: EventLog): number {
    switch (e.type) {
        case "ExecutionStarted":
        case "ExecutionSucceeded":
        case "ExecutionFailed":
        case "ExecutionAborted":
        case "ExecutionTimeout":
        case "MapIterationStarted":
        case "MapIterationSucceeded":
        case "MapIterationFailed":
            return 1;
        case "StateEntered":
            return e.state.type === "Task" ? 3 : e.state.type === "Map" || e.state.type === "Parallel" ? 2 : 1;
        case "StateExited":
            return e.state.type === "Task" || e.state.type === "Map" || e.state.type === "Parallel" ? 2 : 1;
        case "StateRetried":
            return 3;
        case "StateFailed":
        case "StateCaught":
            return 1;
        default:
            return 0;
    }
}

function largestPayload(events: EventLog[]): number {
    let largest = 0;
    for (const e of events) {
        if (e.type === "StateEntered" || e.type === "StateExited") {
            const data = e.type === "StateEntered" ? e.state.input : e.state.output;
            largest = Math.max(largest, Buffer.byteLength(JSON.stringify(data ?? null), "utf8"));
        }
    }
    return largest;
}

/** Whether a Task waits for a callback: its Resource is an integration with `.waitForTaskToken` (Step Functions, service integration patterns). */
export function isCallbackTask(s: State): s is TaskState {
    return s.Type === "Task" && s.Resource.endsWith(".waitForTaskToken");
}

/** The names of a definition's callback tasks, at every depth. */
export function callbackTasks(d: StateMachineDefinition): Set<string> {
    return new Set(allStates(d.States).filter(([, s]) => isCallbackTask(s)).map(([name]) => name));
}

/** Each state's enclosing Parallel and Map states, outermost first (state names are unique in a whole definition). */
export function enclosingStates(d: StateMachineDefinition): Map<string, string[]> {
    const found = new Map<string, string[]>();
    const walk = (states: Record<string, State>, around: string[]) => {
        for (const [name, s] of Object.entries(states)) {
            found.set(name, around);
            if (s.Type === "Parallel") for (const b of s.Branches) walk(b.States, [...around, name]);
            if (s.Type === "Map") walk(s.ItemProcessor.States, [...around, name]);
        }
    };
    walk(d.States, []);
    return found;
}

/** What the copy the simulator runs holds where a callback task's Parameters read `$$.Task.Token`; each attempt's handler swaps in its token. */
export const taskTokenPlaceholder = "<simulated task token>";

/**
 * The copy of a definition the simulator runs: aws-local-stepfunctions gives `$$` only what its
 * `context` option holds, and one context serves the whole run, so a callback task's
 * `"x.$": "$$.Task.Token"` becomes `"x": placeholder`, which the task's handler replaces with the
 * attempt's fresh token. A callback task without TimeoutSeconds gets one: Step Functions sets no
 * default (the execution's own bound applies), while the library ends every Task at 60 s.
 */
export function withTaskTokenPlaceholders(d: StateMachineDefinition): StateMachineDefinition {
    const rewrite = (value: unknown): unknown => {
        if (Array.isArray(value)) return value.map(rewrite);
        if (typeof value !== "object" || value === null) return value;
        return Object.fromEntries(Object.entries(value).map(([key, v]) =>
            key.endsWith(".$") && v === "$$.Task.Token" ? [key.slice(0, -2), taskTokenPlaceholder] : [key, rewrite(v)]));
    };
    const states = (record: Record<string, State>): Record<string, State> => Object.fromEntries(Object.entries(record).map(([name, s]) => {
        if (isCallbackTask(s)) return [name, { ...s, Parameters: rewrite(s.Parameters) as TaskState["Parameters"], TimeoutSeconds: callbackTimeoutSeconds(s, d) }];
        if (s.Type === "Parallel") return [name, { ...s, Branches: s.Branches.map((b) => ({ ...b, States: states(b.States) })) }];
        if (s.Type === "Map") return [name, { ...s, ItemProcessor: { ...s.ItemProcessor, States: states(s.ItemProcessor.States) } }];
        return [name, s];
    }));
    return { ...d, States: states(d.States) };
}

/**
 * How long a callback task's attempt may wait: its TimeoutSeconds, else the execution's, else a
 * year (a Standard execution's longest run); at most 2^31 - 1 ms, the longest timer Node.js keeps.
 */
export function callbackTimeoutSeconds(s: TaskState, d: StateMachineDefinition): number {
    return Math.min(s.TimeoutSeconds ?? d.TimeoutSeconds ?? 31_536_000, Math.floor((2 ** 31 - 1) / 1000));
}

/** The effective input of a callback task's attempt, its token in place of the placeholder. */
function swapTaskToken(value: unknown, token: string): unknown {
    if (value === taskTokenPlaceholder) return token;
    if (Array.isArray(value)) return value.map((v) => swapTaskToken(v, token));
    if (typeof value !== "object" || value === null) return value;
    return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, swapTaskToken(v, token)]));
}
