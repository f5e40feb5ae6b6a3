import {
    DescribeInstanceStatusCommand,
    DescribeInstancesCommand,
    EC2Client,
    StartInstancesCommand,
    StopInstancesCommand,
} from "@aws-sdk/client-ec2";
import { Polled, StepContext, awsErrorName, taskError } from "./errors";

export type InstanceState = "pending" | "running" | "stopping" | "stopped" | "shutting-down" | "terminated";
export type StatusChecks = "ok" | "initializing" | "impaired" | "insufficient-data" | "not-applicable";

export interface InstanceRef {
    instanceId: string;
}

export interface InstanceStatus {
    state: InstanceState;
    /** Why the instance is in its state, when EC2 says (StateReason.Code): Server.InsufficientInstanceCapacity, ... */
    stateReason: string | null;
    /** "ok" when both the instance and the system status checks pass. */
    checks: StatusChecks;
    /** When the instance stopped (from its state-transition reason), for a stopped instance. */
    stoppedAt: string | null;
}

/** The state and status checks of one instance. */
export async function describeInstance(event: InstanceRef & Partial<Polled>): Promise<InstanceStatus & Partial<Polled>> {
    const ec2 = new EC2Client({});
    const instance = await readInstance(ec2, event.instanceId);
    const state = instanceStateName(instance.State?.Code ?? -1);
    let checks: StatusChecks = "not-applicable";
    if (state === "running") {
        const status = await ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [event.instanceId], IncludeAllInstances: true }));
        const s = status.InstanceStatuses?.[0];
        checks = combinedChecks(s?.InstanceStatus?.Status, s?.SystemStatus?.Status);
    }
    const stoppedAt = state === "stopped" ? transitionTime(instance.StateTransitionReason) : null;
    return { state, stateReason: instance.StateReason?.Code ?? null, checks, stoppedAt, ...(event.attempt === undefined ? {} : { attempt: event.attempt }) };
}

export interface InstanceChange {
    /** "requested": the call was made; "already": the instance was there or on its way. */
    outcome: "requested" | "already";
    /** The state found before acting. */
    state: InstanceState;
}

/** Stops a running instance; a stopping or stopped one is left alone. */
export async function stopInstance(event: InstanceRef): Promise<InstanceChange> {
    return changeInstanceState(event.instanceId, "stop");
}

/** Starts a stopped instance; a pending or running one is left alone. */
export async function startInstance(event: InstanceRef & StepContext): Promise<InstanceChange> {
    try {
        return await changeInstanceState(event.instanceId, "start");
    } catch (error) {
        // EC2 has no capacity of the type in the AZ now: retried by the state machine for a bounded time.
        if (awsErrorName(error) === "InsufficientInstanceCapacity") {
            throw taskError("InsufficientInstanceCapacity", `${event.about ?? event.instanceId} (${event.instanceId}): EC2 has no capacity to start it: ${(error as Error).message}`);
        }
        throw error;
    }
}

const transitions = {
    stop: { from: "running", already: ["stopping", "stopped"], busy: ["pending"] },
    start: { from: "stopped", already: ["pending", "running"], busy: ["stopping"] },
} as const;

/**
 * Stop and start differ only in the call and the states they accept. EC2 answers
 * IncorrectInstanceState for a call in the wrong state, so the state is read first; an instance
 * on its way to the other state is "busy" (retried by the state machine), a terminated one is gone.
 */
async function changeInstanceState(instanceId: string, action: "stop" | "start"): Promise<InstanceChange> {
    const rule = transitions[action];
    const ec2 = new EC2Client({});
    const state = instanceStateName((await readInstance(ec2, instanceId)).State?.Code ?? -1);
    if ((rule.already as readonly string[]).includes(state)) return { outcome: "already", state };
    if ((rule.busy as readonly string[]).includes(state)) {
        throw taskError("InstanceBusy", `instance ${instanceId} is ${state}; it cannot ${action} until that ends`);
    }
    if (state !== rule.from) throw taskError("InstanceGone", `instance ${instanceId} is ${state}; it cannot ${action}`);
    try {
        await ec2.send(action === "stop" ? new StopInstancesCommand({ InstanceIds: [instanceId] }) : new StartInstancesCommand({ InstanceIds: [instanceId] }));
    } catch (error) {
        if (awsErrorName(error) === "IncorrectInstanceState") {
            throw taskError("InstanceBusy", `instance ${instanceId} changed state while asked to ${action}: ${(error as Error).message}`);
        }
        throw error;
    }
    return { outcome: "requested", state };
}

async function readInstance(ec2: EC2Client, instanceId: string) {
    const described = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    const instance = described.Reservations?.flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === instanceId);
    if (!instance) throw taskError("InstanceNotFound", `instance ${instanceId} does not exist`);
    return instance;
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
