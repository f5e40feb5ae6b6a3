import {
    DescribeExecutionCommand,
    DescribeStateMachineForExecutionCommand,
    ExecutionListItem,
    HistoryEvent,
    ListExecutionsCommand,
    RedriveExecutionCommand,
    SFNClient,
    StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { StateMachineDefinition } from "../../../statemachines/asl";
import { EventLog } from "../../../simulator/run";
import { Timeline } from "../../../simulator/timeline";
import { OpsError } from "./stack";
import { readExecutionHistory, timeLeftUntil } from "../../../handlers/executionHistory";
import { scheduledTimeOf } from "../../../handlers/scheduledRuns";

/** A jobnet's name: stop, start or one of the team's (jobnets/). */
export type Jobnet = string;

/** A readable, unique execution name: `stop-manual-20261128-221500-k3f9` (names are unique per state machine for 90 days). */
export function executionName(jobnet: Jobnet, now: Date, random: string): string {
    const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
    return `${jobnet}-manual-${stamp}-${random.replace(/[^a-z0-9]/gi, "").slice(0, 6) || "x"}`;
}

/** Starts a run by hand: no targets in the input, only the marker that it was manual. */
export async function startRun(sfn: SFNClient, stateMachineArn: string, name: string): Promise<string> {
    const started = await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify({ trigger: "manual" }) }));
    return started.executionArn!;
}

export interface RunRow {
    jobnet: Jobnet;
    name: string;
    executionArn: string;
    trigger: string;
    status: string;
    startDate: Date;
    durationSeconds: number | undefined;
    /** The scheduled time of a run a schedule started. */
    scheduledTime: string | undefined;
}

/** The newest runs of every jobnet of `machines`, newest first, with how each was started. */
export async function recentRuns(sfn: SFNClient, machines: Record<Jobnet, string>, perJobnet = 5): Promise<RunRow[]> {
    const rows: RunRow[] = [];
    for (const jobnet of Object.keys(machines)) {
        const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn: machines[jobnet], maxResults: perJobnet }));
        for (const e of listed.executions ?? []) {
            const described = await sfn.send(new DescribeExecutionCommand({ executionArn: e.executionArn }));
            rows.push({
                jobnet,
                name: e.name ?? "",
                executionArn: e.executionArn!,
                trigger: triggerOf(described.input, described.output),
                status: e.status ?? "?",
                startDate: e.startDate!,
                durationSeconds: e.stopDate ? (e.stopDate.getTime() - e.startDate!.getTime()) / 1000 : undefined,
                scheduledTime: scheduledTimeOf(parseJsonText(described.input)),
            });
        }
    }
    return rows.sort((a, b) => b.startDate.getTime() - a.startDate.getTime());
}

function parseJsonText(text: string | undefined): unknown {
    try {
        return text ? JSON.parse(text) : undefined;
    } catch {
        return undefined;
    }
}

/** scheduled, skipped, event or manual, from a run's input and output. */
export function triggerOf(input: string | undefined, output: string | undefined): string {
    const parse = (text: string | undefined) => {
        try {
            return text ? JSON.parse(text) : {};
        } catch {
            return {};
        }
    };
    const i = parse(input);
    if (parse(output).skipped === true) return "skipped";
    return i.trigger === "schedule" ? "scheduled" : i.trigger === "event" ? `event (${i.event})` : "manual";
}

const unsuccessful = ["FAILED", "TIMED_OUT", "ABORTED"] as const;

/** The newest failed, timed-out or aborted run of any jobnet of `machines`, or undefined. */
export async function latestUnsuccessful(sfn: SFNClient, machines: Record<Jobnet, string>): Promise<ExecutionListItem | undefined> {
    const found: ExecutionListItem[] = [];
    for (const arn of Object.values(machines)) {
        for (const statusFilter of unsuccessful) {
            const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn, statusFilter, maxResults: 1 }));
            found.push(...(listed.executions ?? []));
        }
    }
    return found.sort((a, b) => (b.stopDate?.getTime() ?? 0) - (a.stopDate?.getTime() ?? 0))[0];
}

/** Resumes a failed run from the step that failed; a run that cannot be redriven says why. */
export async function redrive(sfn: SFNClient, executionArn: string): Promise<void> {
    try {
        await sfn.send(new RedriveExecutionCommand({ executionArn }));
    } catch (error) {
        if ((error as Error).name === "ExecutionNotRedrivable") {
            throw new OpsError(`${executionArn} cannot be redriven: ${(error as Error).message} (only a run that failed, timed out or was aborted in the last 14 days can)`);
        }
        throw error;
    }
}

export interface FollowOptions {
    write: (text: string) => void;
    tty: boolean;
    /** The terminal's width now. */
    columns?: () => number | undefined;
    pollMs: number;
    sleep: (ms: number) => Promise<void>;
}

export interface RunEnd {
    status: string;
    error: string | undefined;
    cause: string | undefined;
}

/**
 * Follows a run until it ends, showing it as `npm start` shows a simulated one: its history is
 * read newest-first on each poll, only the new events, and each event is put in its Map iteration.
 */
export async function followExecution(sfn: SFNClient, executionArn: string, o: FollowOptions): Promise<RunEnd> {
    const definition = JSON.parse((await sfn.send(new DescribeStateMachineForExecutionCommand({ executionArn }))).definition!) as StateMachineDefinition;
    let timeline: Timeline | undefined;
    const lanes = new Map<number, number | undefined>();
    let lastSeen = 0;
    for (;;) {
        const fresh = await newEvents(sfn, executionArn, lastSeen, historyReadBoundMs);
        for (const event of fresh) {
            lastSeen = Math.max(lastSeen, event.id ?? 0);
            const local = toLocalEvent(event, lanes);
            if (!local) continue;
            timeline ??= new Timeline({ definition, startMs: local.timestamp, tty: o.tty, columns: o.columns, write: o.write });
            timeline.handle(local);
        }
        const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
        if (described.status !== "RUNNING" && described.status !== "PENDING_REDRIVE") {
            if (fresh.length === 0) return { status: described.status!, error: described.error, cause: described.cause };
            continue;
        }
        await o.sleep(o.pollMs);
    }
}

/** How long `ops report`, and each poll of a followed run, may read a history: 25,000 events are 25 full pages, or many more short ones. */
export const historyReadBoundMs = 5 * 60_000;

/** History events newer than `after`, oldest first; reads newest-first pages until it reaches seen ones, within `boundMs`. */
async function newEvents(sfn: SFNClient, executionArn: string, after: number, boundMs: number): Promise<HistoryEvent[]> {
    const read = await readExecutionHistory(sfn, executionArn, { newestFirst: true, timeLeft: timeLeftUntil(Date.now() + boundMs), enough: (events) => events.some((e) => (e.id ?? 0) <= after) });
    // A gap between the events shown and those read would go unseen for good.
    if (!read.complete) throw new OpsError(`The history of ${executionArn} could not be read within ${boundMs / 1000} s; follow the run in the console, or draw it later with \`npm run ops -- report ${executionArn}\`.`);
    return read.events.filter((e) => (e.id ?? 0) > after).sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
}

/**
 * A Step Functions history event in the shape of a local run's event. An event belongs to the Map
 * iteration of the event before it (previousEventId), so every event finds its server.
 */
export function toLocalEvent(e: HistoryEvent, lanes: Map<number, number | undefined>): EventLog | undefined {
    const id = e.id ?? 0;
    let lane = e.previousEventId ? lanes.get(e.previousEventId) : undefined;
    const timestamp = e.timestamp?.getTime() ?? 0;
    const type = e.type ?? "";
    const json = (text: string | undefined) => {
        try {
            return text ? JSON.parse(text) : null;
        } catch {
            return null;
        }
    };
    let local: Record<string, unknown> | undefined;
    if (type === "MapIterationStarted") {
        lane = e.mapIterationStartedEventDetails?.index;
        local = { type: "MapIterationStarted", index: lane, parentState: { name: e.mapIterationStartedEventDetails?.name } };
    } else if (type === "MapIterationSucceeded" || type === "MapIterationFailed" || type === "MapIterationAborted") {
        const d = e.mapIterationSucceededEventDetails ?? e.mapIterationFailedEventDetails ?? e.mapIterationAbortedEventDetails;
        local = { type: type === "MapIterationSucceeded" ? "MapIterationSucceeded" : "MapIterationFailed", index: d?.index };
        lane = undefined;
    } else if (type.endsWith("StateEntered")) {
        const d = e.stateEnteredEventDetails;
        local = { type: "StateEntered", index: lane, state: { name: d?.name, type: type.replace(/StateEntered$/, ""), input: json(d?.input) } };
    } else if (type.endsWith("StateExited")) {
        const d = e.stateExitedEventDetails;
        local = { type: "StateExited", index: lane, state: { name: d?.name, type: type.replace(/StateExited$/, ""), output: json(d?.output) } };
    } else if (type === "ExecutionSucceeded") {
        local = { type: "ExecutionSucceeded" };
    } else if (type === "ExecutionFailed" || type === "ExecutionTimedOut" || type === "ExecutionAborted") {
        const d = e.executionFailedEventDetails ?? e.executionTimedOutEventDetails ?? e.executionAbortedEventDetails;
        local = { type: "ExecutionFailed", Error: d?.error ?? type, Cause: d?.cause ?? "" };
    }
    lanes.set(id, lane);
    return local ? ({ ...local, timestamp } as unknown as EventLog) : undefined;
}
