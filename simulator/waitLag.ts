import { createHash } from "crypto";
import { ChoiceState, State, StateMachineDefinition, TaskState, allStates } from "../statemachines/asl";
import type { EventLog } from "./run";

/**
 * The wait lag: how long after the thing a bounded wait waited for had happened in the simulated
 * account the wait found it done. Every bounded wait is built by `waitUntil` (statemachines/asl.ts):
 * `${name}Begin`, `${name}FirstWait`, the poll Task `${name}`, the Choice `${name}Check` (its first
 * rule is "done") and `${name}Wait`. For a wait that ends because its poll found it done:
 *
 *   lag = when that poll ran − max(the freshest change among the resources it read, when the wait began)
 *
 * The freshest change comes from the account (each resource records when it last changed in a way a
 * reader sees, simulator/account.ts) through the services (every read records the freshest change
 * its answer shows, tagged with the Lambda invocation, simulator/freshness.ts). A batch read counts
 * the last of its resources to change. A resource that did not change during the run, or changed
 * before the wait began, counts from the wait's beginning: the lag is what the wait itself added.
 */
export interface WaitLagEntry {
    /** The wait's name: its poll state's. */
    wait: string;
    /** The Map iteration it ran in, if any. */
    index?: number;
    /** Seconds from the run's start: when the poll that found it done ran. */
    polledAt: number;
    /** Seconds from the run's start: the freshest change that poll read; undefined when none happened during the run. */
    changedAt?: number;
    /** Seconds from the run's start: when the wait began. */
    beganAt: number;
    lagSeconds: number;
}

export interface WaitLag {
    /** The sum over every wait that ended done. */
    totalSeconds: number;
    /** The largest, with its wait. */
    largest?: WaitLagEntry;
    waits: WaitLagEntry[];
}

/** One poll's reads: when its Lambda ran, and the freshest change its AWS reads showed (epoch ms). */
export interface PollRead {
    at: number;
    freshest: number | undefined;
}

interface BoundedWait {
    /** Where the Check goes when the wait is done. */
    done: string;
    /** Every state the Check can go to. */
    successors: string[];
}

/** The bounded waits of a definition, by their poll state's name, found by the states `waitUntil` makes. */
export function boundedWaits(definition: StateMachineDefinition): Map<string, BoundedWait> {
    const states = new Map<string, State>(allStates(definition.States));
    const waits = new Map<string, BoundedWait>();
    for (const [name, s] of states) {
        const check = states.get(`${name}Check`);
        if (s.Type !== "Task" || check?.Type !== "Choice" || states.get(`${name}Begin`)?.Type !== "Pass" || states.get(`${name}Wait`)?.Type !== "Wait") continue;
        const rules = (check as ChoiceState).Choices;
        if (rules.length === 0) continue;
        waits.set(name, { done: rules[0].Next, successors: [...rules.map((r) => r.Next), ...((check as ChoiceState).Default ? [(check as ChoiceState).Default!] : [])] });
    }
    return waits;
}

/** The field a probed poll's Parameters carry: its whole input, which the local handler alone sees (it is not sent to Lambda). */
export const probeField = "LagProbe";

/**
 * A copy of the definition whose poll states also hand their input to the local handler, so that
 * the handler's reads can be joined to the poll's events (a Map runs many at the same moment).
 */
export function probedDefinition(definition: StateMachineDefinition, waits: Map<string, BoundedWait>): StateMachineDefinition {
    const copy: StateMachineDefinition = JSON.parse(JSON.stringify(definition));
    for (const [name, s] of allStates(copy.States)) {
        if (waits.has(name) && s.Type === "Task") (s as TaskState).Parameters = { ...(s as TaskState).Parameters, [`${probeField}.$`]: "$" };
    }
    return copy;
}

/** The key of a poll: its state and its input. */
export function pollKey(state: string, input: unknown): string {
    return `${state}\u0000${createHash("sha1").update(JSON.stringify(input ?? null)).digest("base64")}`;
}

/**
 * The lag of every wait of a run that ended done, from its events (in order) and its polls' reads
 * (by pollKey, in the order they ran).
 */
export function waitLagOf(events: EventLog[], waits: Map<string, BoundedWait>, reads: Map<string, PollRead[]>, startMs: number): WaitLag {
    const bySuccessor = new Map<string, string[]>();
    for (const [name, w] of waits) for (const next of new Set(w.successors)) bySuccessor.set(next, [...(bySuccessor.get(next) ?? []), name]);
    const begins = new Map<string, string>(Array.from(waits.keys(), (name) => [`${name}Begin`, name]));
    const checks = new Map<string, string>(Array.from(waits.keys(), (name) => [`${name}Check`, name]));

    // Per wait and Map iteration: when it began, its last poll, and a Check waiting for its successor.
    const began = new Map<string, number>();
    const polls = new Map<string, { input: unknown; entered: number; exited?: number }>();
    const checking = new Set<string>();
    const entries: WaitLagEntry[] = [];
    const seconds = (ms: number) => (ms - startMs) / 1000;
    for (const e of events) {
        if (e.type !== "StateEntered" && e.type !== "StateExited") continue;
        const name = e.state.name;
        const thread = (wait: string) => `${e.index ?? "-"}|${wait}`;
        if (e.type === "StateEntered") {
            for (const wait of bySuccessor.get(name) ?? []) {
                const key = thread(wait);
                if (!checking.delete(key)) continue;
                if (name !== waits.get(wait)!.done) continue;
                const poll = polls.get(key);
                const read = poll && (reads.get(pollKey(wait, poll.input)) ?? []).filter((r) => r.at >= poll.entered && r.at <= (poll.exited ?? Infinity)).pop();
                if (!poll || !read) continue;
                const from = began.get(key) ?? poll.entered;
                const lagMs = Math.max(0, read.at - Math.max(read.freshest ?? -Infinity, from));
                entries.push({
                    wait,
                    ...(e.index === undefined ? {} : { index: e.index }),
                    polledAt: seconds(read.at),
                    changedAt: read.freshest === undefined ? undefined : seconds(read.freshest),
                    beganAt: seconds(from),
                    lagSeconds: lagMs / 1000,
                });
            }
            const beginning = begins.get(name);
            if (beginning) began.set(thread(beginning), e.timestamp);
            if (waits.has(name)) polls.set(thread(name), { input: e.state.input, entered: e.timestamp });
        } else {
            const poll = waits.has(name) ? polls.get(thread(name)) : undefined;
            if (poll) poll.exited = e.timestamp;
            const checked = checks.get(name);
            if (checked) checking.add(thread(checked));
        }
    }
    const largest = entries.reduce<WaitLagEntry | undefined>((a, b) => (a === undefined || b.lagSeconds > a.lagSeconds ? b : a), undefined);
    return { totalSeconds: entries.reduce((sum, x) => sum + x.lagSeconds, 0), largest, waits: entries };
}
