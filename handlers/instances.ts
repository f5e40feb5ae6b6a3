import {
    DescribeInstanceStatusCommand,
    DescribeInstancesCommand,
    EC2Client,
    Instance,
    StartInstancesCommand,
    StopInstancesCommand,
} from "@aws-sdk/client-ec2";
import { Polled, StepContext, awsErrorName, awsThrottlingErrors, taskError } from "./errors";

export type InstanceState = "pending" | "running" | "stopping" | "stopped" | "shutting-down" | "terminated";
export type StatusChecks = "ok" | "initializing" | "impaired" | "insufficient-data" | "not-applicable";

/** A web server as a run knows it: the name operators use, and its instance. */
export interface ServerRef {
    name: string;
    instanceId: string;
}

export interface ServersEvent extends StepContext {
    servers: ServerRef[];
    /** Instance ids to leave out: servers EC2 refused to stop or start (FleetChange.refused), which the steps after it skip. */
    except?: string[];
}

/** The servers a step acts on: those of the run, less those it is told to leave out. */
export function serversActedOn(servers: ServerRef[], except: string[] | undefined): ServerRef[] {
    return except === undefined || except.length === 0 ? servers : servers.filter((s) => !except.includes(s.instanceId));
}

export interface DescribeEvent extends ServersEvent, Partial<Polled> {
    /** Read the running servers' status checks too (the start's wait needs them; the stop's steps do not). */
    checks?: boolean;
}

/** One server as EC2 describes it now. */
export interface ServerStatus extends ServerRef {
    state: InstanceState;
    /** Why the instance is in its state, when EC2 says (StateReason.Code): Server.InsufficientInstanceCapacity, ... */
    stateReason: string | null;
    /** "ok" when both the instance and the system status checks pass; "not-applicable" unless running. */
    checks: StatusChecks;
    /** When the instance stopped (from its state-transition reason), for a stopped instance. */
    stoppedAt: string | null;
}

/** EC2's reason for an instance that went pending → stopped because the AZ ran out of its type. */
export const capacityLost = "Server.InsufficientInstanceCapacity";

/**
 * The servers by what a jobnet does with them: instance ids to act on, counts for the state
 * machine's choices, and the servers that need an operator, in words for a cause.
 */
export interface Fleet extends Partial<Polled> {
    total: number;
    running: string[];
    stopping: string[];
    counts: {
        running: number;
        pending: number;
        stopping: number;
        stopped: number;
        /** Running with both status checks ok. */
        ready: number;
        /** Terminated or shutting down: no longer a server of the system. */
        gone: number;
        impaired: number;
        /** Stopped by EC2 while starting, for want of capacity. */
        capacityLost: number;
        /** Stopped for any other reason. */
        stoppedOtherwise: number;
    };
    /** "web-1 (i-…) is terminated, web-2 (i-…) is pending": the servers a step cannot use, by step. */
    notStoppable: string;
    gone: string;
    impaired: string;
    stoppedOtherwise: string;
    notReady: string;
    notStopped: string;
}

/** At most this many instance ids in one DescribeInstanceStatus (EC2 API reference: "Maximum 100 explicitly specified instance IDs"). */
const describeBatch = 100;

/** Reads every server's state, and the status checks of the running ones, in as few calls as EC2 allows. */
export async function readServers(ec2: EC2Client, servers: ServerRef[], withChecks: boolean): Promise<ServerStatus[]> {
    const instances = new Map<string, Instance>();
    for (const ids of chunks(servers.map((s) => s.instanceId), describeBatch)) {
        try {
            const described = await ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }));
            for (const i of described.Reservations?.flatMap((r) => r.Instances ?? []) ?? []) if (i.InstanceId) instances.set(i.InstanceId, i);
        } catch (error) {
            // One unknown id fails the whole call, and EC2's message names it.
            if (awsErrorName(error) === "InvalidInstanceID.NotFound") throw taskError("InstanceNotFound", `${(error as Error).message}: a server of the jobnet no longer exists`);
            throw error;
        }
    }
    const statuses = servers.map((s): ServerStatus => {
        const i = instances.get(s.instanceId);
        if (!i) throw taskError("InstanceNotFound", `${s.name} (${s.instanceId}) does not exist`);
        const state = instanceStateName(i.State?.Code ?? -1);
        return { ...s, state, stateReason: i.StateReason?.Code ?? null, checks: "not-applicable", stoppedAt: state === "stopped" ? transitionTime(i.StateTransitionReason) : null };
    });
    const running = statuses.filter((s) => s.state === "running");
    if (withChecks && running.length > 0) {
        const checks = new Map<string, StatusChecks>();
        for (const ids of chunks(running.map((s) => s.instanceId), describeBatch)) {
            const page = await ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: ids, IncludeAllInstances: true }));
            for (const s of page.InstanceStatuses ?? []) checks.set(s.InstanceId ?? "", combinedChecks(s.InstanceStatus?.Status, s.SystemStatus?.Status));
        }
        for (const s of running) s.checks = checks.get(s.instanceId) ?? "initializing";
    }
    return statuses;
}

/** The servers' states and status checks, grouped for the state machine (Fleet). */
export async function describeInstances(event: DescribeEvent): Promise<Fleet> {
    const statuses = await readServers(new EC2Client({}), serversActedOn(event.servers, event.except), event.checks ?? true);
    return { ...fleetOf(statuses), ...(event.attempt === undefined ? {} : { attempt: event.attempt }) };
}

/** Groups described servers (pure). */
export function fleetOf(statuses: ServerStatus[]): Fleet {
    const where = (test: (s: ServerStatus) => boolean) => statuses.filter(test);
    const ids = (list: ServerStatus[]) => list.map((s) => s.instanceId);
    const gone = where((s) => s.state === "terminated" || s.state === "shutting-down");
    const capacity = where((s) => s.state === "stopped" && s.stateReason === capacityLost);
    const stoppedOtherwise = where((s) => s.state === "stopped" && s.stateReason !== capacityLost);
    const impaired = where((s) => s.checks === "impaired");
    const ready = where((s) => s.state === "running" && s.checks === "ok");
    const of = (state: InstanceState) => where((s) => s.state === state);
    return {
        total: statuses.length,
        running: ids(of("running")),
        stopping: ids(of("stopping")),
        counts: {
            running: of("running").length,
            pending: of("pending").length,
            stopping: of("stopping").length,
            stopped: of("stopped").length,
            ready: ready.length,
            gone: gone.length,
            impaired: impaired.length,
            capacityLost: capacity.length,
            stoppedOtherwise: stoppedOtherwise.length,
        },
        notStoppable: inWords(where((s) => !["running", "stopping", "stopped"].includes(s.state))),
        gone: inWords(gone),
        impaired: inWords(impaired, () => "failed its status checks"),
        stoppedOtherwise: inWords(stoppedOtherwise),
        notStopped: inWords(where((s) => s.state !== "stopped")),
        notReady: inWords(where((s) => !(s.state === "running" && s.checks === "ok")), (s) => (s.state === "running" ? `running with status checks ${s.checks}` : `${s.state}`)),
    };
}

/** "web-1 (i-…) is terminated, web-2 (i-…) is pending", the first five and how many more: a cause stays readable at 500 servers. */
export function inWords(servers: ServerStatus[], what: (s: ServerStatus) => string = (s) => s.state): string {
    return listed(servers.map((s) => `${s.name} (${s.instanceId}) is ${what(s)}`.replace(" is failed", " failed")));
}

/** The first five of a list, and how many more. */
export function listed(items: string[]): string {
    return items.slice(0, 5).join(", ") + (items.length > 5 ? ` and ${items.length - 5} more` : "");
}

/** What a stop or start did, by server name. */
export interface FleetChange {
    /** The servers this call asked EC2 to stop or start. */
    requested: string[];
    /** The servers that were there already, or on their way: before the run, or since an earlier try of the step when EC2 lacked capacity for others. */
    already: string[];
    /** The servers EC2 refused for good; the steps after this one leave them out, and the run fails naming them once the others are done. */
    refused: RefusedServers;
}

/** Servers EC2 will not stop or start until someone changes them, or the permissions. */
export interface RefusedServers {
    count: number;
    instanceIds: string[];
    /** "web-2 (i-…): OperationNotPermitted: The instance … may not be stopped. …", the first five and how many more; "" when none. */
    inWords: string;
}

const transitions = {
    stop: { from: "running", already: ["stopping", "stopped"], busy: ["pending"] },
    start: { from: "stopped", already: ["pending", "running"], busy: ["stopping"] },
} as const;

/**
 * EC2 refuses a whole StopInstances or StartInstances call for one instance and changes none (EC2
 * API reference, error codes). Two refusals pass: IncorrectInstanceState (the instance is on its
 * way to another state) and InsufficientInstanceCapacity (HTTP 500; AWS advises trying again in a
 * few minutes). Any other client error is for good until someone changes the instance or the
 * permissions: OperationNotPermitted (stop protection, disableApiStop), UnsupportedOperation (an
 * instance-store root), InvalidParameterValue (no root volume), UnauthorizedOperation (HTTP 403), ...
 */
const passingRefusals = ["IncorrectInstanceState", "InsufficientInstanceCapacity"];

/** Whether EC2 refused the call for good (a client error, not throttling), rather than for now or for a reason of its own. */
export function refusedForGood(error: unknown): boolean {
    const name = awsErrorName(error);
    if (passingRefusals.includes(name) || awsThrottlingErrors.includes(name)) return false;
    const e = error as { $fault?: string; $metadata?: { httpStatusCode?: number } };
    const status = e.$metadata?.httpStatusCode ?? 0;
    return e.$fault === "client" || (status >= 400 && status < 500);
}

/** An encoded authorization failure runs to kilobytes: a cause keeps the start of each refusal. */
const refusalWordsMax = 300;

/** "web-2 (i-…): OperationNotPermitted: …" for each refused server, the first five and how many more. */
export function refusalsInWords(refusals: { server: ServerRef; error: string; message: string }[]): string {
    return listed(refusals.map(({ server, error, message }) => {
        const words = message.length > refusalWordsMax ? `${message.slice(0, refusalWordsMax)}…` : message;
        return `${server.name} (${server.instanceId}): ${error}${words ? `: ${words}` : ""}`;
    }));
}

/** Stops the running servers with one StopInstances per hundred; stopping and stopped ones are left alone. */
export async function stopInstances(event: ServersEvent): Promise<FleetChange> {
    return changeState(event, "stop");
}

/**
 * Starts the stopped servers with one StartInstances per hundred; pending and running ones are
 * left alone. When EC2 has no capacity for some, the others are started in smaller batches and the
 * task fails with InsufficientInstanceCapacity naming the rest: the state machine tries again later.
 */
export async function startInstances(event: ServersEvent): Promise<FleetChange> {
    return changeState(event, "start");
}

/**
 * Stop and start differ only in the call and the states they accept. EC2 answers
 * IncorrectInstanceState for a whole call when one instance is in the wrong state, so the states
 * are read first; while a server is on its way to the other state the task fails with InstanceBusy
 * and the state machine comes back for all of them. A terminated one is gone. A server EC2 refuses
 * for good is left out, the others changed, and the refusal returned in EC2's words.
 */
async function changeState(event: ServersEvent, action: "stop" | "start"): Promise<FleetChange> {
    const rule = transitions[action];
    const ec2 = new EC2Client({});
    const statuses = await readServers(ec2, serversActedOn(event.servers, event.except), false);
    const gone = statuses.filter((s) => ![rule.from, ...rule.already, ...rule.busy].includes(s.state as never));
    if (gone.length > 0) throw taskError("InstanceGone", `${inWords(gone)}; it cannot ${action}`);
    // Nothing is asked while a server is on its way to the other state: the retry then acts on all at once, and says truly which it started.
    const busy = statuses.filter((s) => (rule.busy as readonly string[]).includes(s.state));
    if (busy.length > 0) throw taskError("InstanceBusy", `${inWords(busy)}; it cannot ${action} until that ends`);
    const due = statuses.filter((s) => s.state === rule.from);
    const short: ServerStatus[] = [];
    let noCapacity = "";
    const changed: ServerStatus[] = [];
    const refused: { server: ServerStatus; error: string; message: string }[] = [];
    // One instance refused fails the whole call: the batch is then halved until the refused
    // instances stand alone, a few calls for one refusal among a hundred.
    const act = async (batch: ServerStatus[]): Promise<void> => {
        try {
            await send(ec2, action, batch.map((s) => s.instanceId));
        } catch (error) {
            const name = awsErrorName(error);
            const forGood = refusedForGood(error);
            if (!passingRefusals.includes(name) && !forGood) throw error;
            if (batch.length > 1) {
                const half = Math.ceil(batch.length / 2);
                await act(batch.slice(0, half));
                await act(batch.slice(half));
            } else if (forGood) {
                refused.push({ server: batch[0], error: name, message: (error as Error).message });
            } else if (name === "InsufficientInstanceCapacity") {
                short.push(batch[0]);
                noCapacity = (error as Error).message;
            } else {
                changed.push(batch[0]);
            }
        }
    };
    for (const batch of chunks(due, describeBatch)) await act(batch);
    if (short.length > 0) {
        const who = listed(short.map((s) => `${s.name} (${s.instanceId})`));
        throw taskError("InsufficientInstanceCapacity", `${who}: EC2 has no capacity to start ${short.length === 1 ? "it" : "them"}: ${noCapacity}`);
    }
    if (changed.length > 0) throw taskError("InstanceBusy", `${inWords(changed, () => "changing state")}; it cannot ${action} until that ends`);
    const refusedIds = refused.map((r) => r.server.instanceId);
    return {
        requested: due.filter((s) => !changed.includes(s) && !refusedIds.includes(s.instanceId)).map((s) => s.name),
        already: statuses.filter((s) => (rule.already as readonly string[]).includes(s.state)).map((s) => s.name),
        refused: { count: refused.length, instanceIds: refusedIds, inWords: refusalsInWords(refused) },
    };
}

async function send(ec2: EC2Client, action: "stop" | "start", ids: string[]): Promise<void> {
    await ec2.send(action === "stop" ? new StopInstancesCommand({ InstanceIds: ids }) : new StartInstancesCommand({ InstanceIds: ids }));
}

export function chunks<T>(items: T[], size: number): T[][] {
    const out: T[][] = [];
    for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
    return out;
}

/** EC2 state codes: only the low byte is the state. */
export function instanceStateName(code: number): InstanceState {
    const names: Record<number, InstanceState> = { 0: "pending", 16: "running", 32: "shutting-down", 48: "terminated", 64: "stopping", 80: "stopped" };
    const name = names[code & 0xff];
    if (name === undefined) throw taskError("UnknownInstanceState", `unknown instance state code ${code}`);
    return name;
}

export function combinedChecks(instance: string | undefined, system: string | undefined): StatusChecks {
    const both = [instance ?? "initializing", system ?? "initializing"];
    if (both.every((s) => s === "ok")) return "ok";
    if (both.includes("impaired")) return "impaired";
    if (both.includes("insufficient-data")) return "insufficient-data";
    return "initializing";
}

/** "User initiated (2026-11-28 17:00:00 GMT)" → "2026-11-28T17:00:00.000Z"; null when there is no time. */
export function transitionTime(reason: string | undefined): string | null {
    const match = /\((\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) GMT\)/.exec(reason ?? "");
    return match ? new Date(`${match[1]}T${match[2]}Z`).toISOString() : null;
}
