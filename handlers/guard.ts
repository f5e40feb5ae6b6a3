import { DescribeExecutionCommand, ExecutionListItem, ListExecutionsCommand, SFNClient } from "@aws-sdk/client-sfn";

/**
 * How late EventBridge Scheduler may still deliver a scheduled time: the schedules' retry policy
 * (maximumEventAgeInSeconds, infra/operations.ts). Every delivery of one time starts within it.
 */
export const scheduleMaximumEventAgeSeconds = 3600;

/** Deliveries of one scheduled time start at most this far apart (the event age, and a minute for the start itself). */
export const duplicateWindowSeconds = scheduleMaximumEventAgeSeconds + 60;

/** The recent runs of its own state machine a scheduled run reads: one page, newest first. */
export const recentRunsRead = 10;

export interface GuardEvent {
    /** Both jobnets: a run of either blocks a new run of this one. */
    stateMachineArns: string[];
    /** The run asking, which does not block itself. */
    executionArn: string;
    /** The asking run's state machine ($$.StateMachine.Id). */
    stateMachineArn: string;
    /** When the asking run started ($$.Execution.StartTime). */
    startTime: string;
    /** The asking run's input ($$.Execution.Input): a schedule sends its trigger and scheduled time. */
    input: unknown;
}

export interface GuardResult {
    /** Active runs that block this one. */
    running: number;
    runs: string;
    /** The earlier run of the same scheduled time this run duplicates, or null. */
    duplicateOf: string | null;
}

/** A run of one state machine as the guard sees it; `scheduledTime` only when a schedule started it. */
export interface Delivery {
    executionArn: string;
    startDate: number;
    scheduledTime: string | undefined;
}

export interface DeliveryJudgement {
    /** The run that proceeds for this scheduled time, when it is not this one; then this run is a duplicate. */
    duplicateOf: string | undefined;
    /** Later deliveries of this run's scheduled time: they end by themselves, so they do not block it. */
    laterDeliveries: string[];
}

/** The scheduled time of a run's input, when a schedule started it. */
export function scheduledTimeOf(input: unknown): string | undefined {
    if (typeof input !== "object" || input === null) return undefined;
    const { trigger, scheduledTime } = input as { trigger?: unknown; scheduledTime?: unknown };
    return trigger === "schedule" && typeof scheduledTime === "string" ? scheduledTime : undefined;
}

/** Whether a run could be another delivery of our scheduled time, from start dates alone (before reading its input). */
export function couldBeSameDelivery(ourStart: number, theirStart: number): boolean {
    return Math.abs(theirStart - ourStart) <= duplicateWindowSeconds * 1000;
}

/**
 * Scheduler delivers at least once. Of the runs of one jobnet with the same scheduled time, the
 * earliest started proceeds; equal start times are ordered by execution ARN, so every run reaches
 * the same verdict. Runs that are not scheduled are never duplicates, nor duplicated.
 */
export function judgeDelivery(self: Delivery, others: Delivery[]): DeliveryJudgement {
    if (self.scheduledTime === undefined) return { duplicateOf: undefined, laterDeliveries: [] };
    const before = (a: Delivery, b: Delivery) => a.startDate < b.startDate || (a.startDate === b.startDate && a.executionArn < b.executionArn);
    const same = others.filter((o) => o.executionArn !== self.executionArn && o.scheduledTime === self.scheduledTime);
    const first = same.reduce((a, b) => (before(b, a) ? b : a), self);
    return first === self
        ? { duplicateOf: undefined, laterDeliveries: same.map((o) => o.executionArn) }
        : { duplicateOf: first.executionArn, laterDeliveries: [] };
}

/**
 * Finds runs of the jobnets other than the asking one. A scheduled run first reads the recent runs
 * of its own jobnet: if an earlier one has its scheduled time, it is a duplicate and looks no
 * further; later duplicates of it end by themselves and do not block it. Step Functions has no
 * lock between state machines: two other runs started at the same instant both see each other
 * and both refuse, which is safe.
 */
export async function findOtherRuns(event: GuardEvent): Promise<GuardResult> {
    const sfn = new SFNClient({});
    const scheduledTime = scheduledTimeOf(event.input);
    const self: Delivery = { executionArn: event.executionArn, startDate: Date.parse(event.startTime), scheduledTime };
    const seen = new Map<string, Delivery>();
    // ListExecutions does not return inputs: a scheduled run reads those of its own jobnet's runs
    // started close to it, each once.
    const read = async (stateMachineArn: string, runs: ExecutionListItem[]) => {
        if (scheduledTime === undefined || stateMachineArn !== event.stateMachineArn) return;
        for (const e of runs) {
            const startDate = e.startDate?.getTime();
            if (e.executionArn === event.executionArn || seen.has(e.executionArn!) || startDate === undefined || !couldBeSameDelivery(self.startDate, startDate)) continue;
            const described = await sfn.send(new DescribeExecutionCommand({ executionArn: e.executionArn }));
            seen.set(e.executionArn!, { executionArn: e.executionArn!, startDate, scheduledTime: scheduledTimeOf(parseJson(described.input)) });
        }
    };
    const duplicate = (duplicateOf: string): GuardResult => ({ running: 0, runs: "", duplicateOf });

    if (scheduledTime !== undefined) {
        const recent = await sfn.send(new ListExecutionsCommand({ stateMachineArn: event.stateMachineArn, maxResults: recentRunsRead }));
        await read(event.stateMachineArn, recent.executions ?? []);
        const judgement = judgeDelivery(self, [...seen.values()]);
        if (judgement.duplicateOf !== undefined) return duplicate(judgement.duplicateOf);
    }
    const others: ExecutionListItem[] = [];
    for (const stateMachineArn of event.stateMachineArns) {
        const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: "RUNNING", maxResults: 10 }));
        const runs = (listed.executions ?? []).filter((e) => e.executionArn !== event.executionArn);
        // A run that started since the first look is judged too before it may block this one.
        await read(stateMachineArn, runs);
        others.push(...runs);
    }
    const judgement = judgeDelivery(self, [...seen.values()]);
    if (judgement.duplicateOf !== undefined) return duplicate(judgement.duplicateOf);
    const blocking = others.filter((e) => !judgement.laterDeliveries.includes(e.executionArn!));
    const runs = blocking.slice(0, 3).map((e) => `${e.executionArn} (started ${e.startDate?.toISOString() ?? "?"})`);
    return { running: blocking.length, runs: runs.join(", "), duplicateOf: null };
}

function parseJson(text: string | undefined): unknown {
    try {
        return text === undefined ? undefined : JSON.parse(text);
    } catch {
        return undefined;
    }
}
