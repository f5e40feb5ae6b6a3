import { HistoryEvent } from "@aws-sdk/client-sfn";

/** Where a run that did not succeed stopped. */
export interface FailurePoint {
    /** The state that failed or, for a run that timed out or was aborted, a state still running at its end. */
    state: string;
    /** The web server of the state's Map iteration (`server.name` of the iteration's input), if it ran in one. */
    server: string | undefined;
    /** The index of that Map iteration. */
    iteration: number | undefined;
}

// Events that say a state failed. A Retry or a Catch may still take the state on after any of
// them but a Fail state's entry, which always ends its branch. (Arrays, not Sets: Pulumi
// serialises the handler's closure, and a Set's contents do not survive it.)
const failureTypes = [
    "TaskFailed",
    "TaskTimedOut",
    "TaskStartFailed",
    "TaskSubmitFailed",
    "LambdaFunctionFailed",
    "LambdaFunctionTimedOut",
    "LambdaFunctionStartFailed",
    "LambdaFunctionScheduleFailed",
    "ActivityFailed",
    "ActivityTimedOut",
    "ActivityScheduleFailed",
    "EvaluationFailed",
    "FailStateEntered",
];

const endTypes = ["ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted"];

/** A Map iteration, or the branches of a Parallel state (no index): what the states inside ran in. */
interface Branch {
    /** The entry event of the Map or Parallel state. */
    owner: number | undefined;
    index: number | undefined;
    parent: Branch | undefined;
    depth: number;
    aborted: boolean;
    server: string | undefined;
}

/** What every event belongs to, from one pass over the history in event order. */
interface Trace {
    byId: Map<number, HistoryEvent>;
    /** The entry event of the state an event belongs to. */
    entryOf: Map<number, number | undefined>;
    branchOf: Map<number, Branch | undefined>;
    /** Entry events whose state was exited. */
    exited: Set<number>;
    /** The newest event by which a state went on (a retry, its exit), by the state's entry event. */
    wentOn: Map<number, number>;
}

/**
 * Where a run that failed, timed out or was aborted stopped, from its execution history (the
 * events of GetExecutionHistory; page order does not matter, they are put in event order).
 *
 * A failed run stopped at the first failure that ended it: a failure its state went on from (a
 * retry that succeeded, a Catch) does not count, nor one in a Map iteration Step Functions
 * aborted because another iteration failed. Of those, the one the end event chains back to
 * (through `previousEventId`) is taken before the others; with no failure event at all (a
 * runtime error) the state the end event chains back to is. A run that timed out or was aborted stopped in a
 * state still running at its end: the most deeply nested, and of those the one running longest.
 * A redriven run is judged on its last attempt. Undefined when the history does not reach the
 * run's end or names no state.
 */
export function failurePoint(history: readonly HistoryEvent[]): FailurePoint | undefined {
    const events = history.filter((e) => e.id !== undefined).sort((a, b) => a.id! - b.id!);
    const redrivenAt = lastId(events, (e) => e.type === "ExecutionRedriven") ?? 0;
    const endId = lastId(events, (e) => endTypes.includes(e.type ?? ""));
    if (endId === undefined || endId < redrivenAt) return undefined;
    const trace = traceEvents(events);
    const end = trace.byId.get(endId)!;
    const lastAttempt = events.filter((e) => e.id! > redrivenAt && e.id! < endId);

    let entryId: number | undefined;
    if (end.type === "ExecutionFailed") {
        const endedIt = lastAttempt.filter((e) => failureTypes.includes(e.type ?? "") && endedItsBranch(e, trace));
        const onEndChain = chainOf(end, trace.byId);
        const failure = endedIt.filter((e) => onEndChain.has(e.id!)).pop() ?? endedIt[0];
        entryId = trace.entryOf.get((failure ?? end).id!);
    } else {
        const running = lastAttempt.filter(
            (e) => e.type?.endsWith("StateEntered") && e.type !== "FailStateEntered" && e.type !== "SucceedStateEntered" && !trace.exited.has(e.id!),
        );
        const depth = (e: HistoryEvent) => trace.branchOf.get(e.id!)?.depth ?? 0;
        // Ties keep the earliest entered: running longest, it is the likeliest to have hung.
        entryId = running.reduce<HistoryEvent | undefined>((best, e) => (best === undefined || depth(e) > depth(best) ? e : best), undefined)?.id;
    }

    const entry = entryId === undefined ? undefined : trace.byId.get(entryId);
    const state = entry?.stateEnteredEventDetails?.name;
    if (state === undefined) return undefined;
    let iteration = trace.branchOf.get(entryId!);
    while (iteration && iteration.index === undefined) iteration = iteration.parent;
    return { state, server: iteration?.server, iteration: iteration?.index };
}

/** True when nothing went on from this failure: its state neither retried nor exited, and its branch was neither aborted nor caught. */
function endedItsBranch(failure: HistoryEvent, trace: Trace): boolean {
    const entry = trace.entryOf.get(failure.id!);
    if (entry !== undefined && (trace.wentOn.get(entry) ?? 0) > failure.id!) return false;
    for (let b = trace.branchOf.get(failure.id!); b; b = b.parent) {
        if (b.aborted || (b.owner !== undefined && trace.exited.has(b.owner))) return false;
    }
    return true;
}

function traceEvents(events: HistoryEvent[]): Trace {
    const trace: Trace = { byId: new Map(), entryOf: new Map(), branchOf: new Map(), exited: new Set(), wentOn: new Map() };
    // Map iterations by Map state name and index, for the iteration events that end them.
    const iterations = new Map<string, Branch>();
    for (const e of events) {
        const id = e.id!;
        trace.byId.set(id, e);
        const type = e.type ?? "";
        // Every event follows from its previous one, and so belongs to the same state and branch,
        // but for the events that enter, exit, open or close them.
        let entry = e.previousEventId === undefined ? undefined : trace.entryOf.get(e.previousEventId);
        let branch = e.previousEventId === undefined ? undefined : trace.branchOf.get(e.previousEventId);
        if (type.endsWith("StateEntered")) {
            entry = id;
            if (branch?.index !== undefined && branch.server === undefined) branch.server = serverName(e.stateEnteredEventDetails?.input);
        } else if (type.endsWith("StateExited")) {
            // A Map or Parallel state's exit follows from the last event of its branches: find its own entry.
            const opened = enteredBefore(e, trace.byId);
            if (opened !== undefined) {
                entry = opened;
                branch = trace.branchOf.get(opened);
                trace.exited.add(opened);
            }
        } else if (type === "MapIterationStarted" || type === "ParallelStateStarted") {
            const d = e.mapIterationStartedEventDetails;
            branch = { owner: entry, index: d?.index, parent: branch, depth: (branch?.depth ?? 0) + 1, aborted: false, server: undefined };
            if (d) iterations.set(`${d.name}#${d.index}`, branch);
        } else if (type === "MapIterationSucceeded" || type === "MapIterationFailed" || type === "MapIterationAborted") {
            const d = e.mapIterationSucceededEventDetails ?? e.mapIterationFailedEventDetails ?? e.mapIterationAbortedEventDetails;
            const iteration = iterations.get(`${d?.name}#${d?.index}`);
            if (iteration) {
                if (type === "MapIterationAborted") iteration.aborted = true;
                entry = iteration.owner;
                branch = iteration.parent;
            }
        }
        if (entry !== undefined && wentOn(type)) trace.wentOn.set(entry, id);
        trace.entryOf.set(id, entry);
        trace.branchOf.set(id, branch);
    }
    return trace;
}

/** Events by which a state goes on after a failure: another attempt, or its exit (a Catch). An abort does not. */
function wentOn(type: string): boolean {
    if (type.endsWith("StateExited") || type === "EvaluationFailed") return true;
    return /^(Task|LambdaFunction|Activity)/.test(type) && !/State(Entered|Aborted)$/.test(type);
}

/** The entry event of the state an exit event leaves: the nearest entry of the same name back along the chain. */
function enteredBefore(exit: HistoryEvent, byId: Map<number, HistoryEvent>): number | undefined {
    const name = exit.stateExitedEventDetails?.name;
    for (let e = previous(exit, byId); e; e = previous(e, byId)) {
        if (e.type?.endsWith("StateEntered") && e.stateEnteredEventDetails?.name === name) return e.id;
    }
    return undefined;
}

/** The ids of an event and of every event it follows from. */
function chainOf(event: HistoryEvent, byId: Map<number, HistoryEvent>): Set<number> {
    const chain = new Set<number>();
    for (let e: HistoryEvent | undefined = event; e; e = previous(e, byId)) chain.add(e.id!);
    return chain;
}

/** The event this one follows from; ids only go back, so a walk always ends. */
function previous(e: HistoryEvent, byId: Map<number, HistoryEvent>): HistoryEvent | undefined {
    return e.previousEventId !== undefined && e.previousEventId < e.id! ? byId.get(e.previousEventId) : undefined;
}

function lastId(events: HistoryEvent[], matches: (e: HistoryEvent) => boolean): number | undefined {
    for (let i = events.length - 1; i >= 0; i--) if (matches(events[i])) return events[i].id;
    return undefined;
}

/** `server.name` of a Map iteration's input: the item, `{ server: { name, instanceId, ... } }`. */
function serverName(input: string | undefined): string | undefined {
    try {
        const name = input ? JSON.parse(input)?.server?.name : undefined;
        return typeof name === "string" ? name : undefined;
    } catch {
        return undefined;
    }
}
