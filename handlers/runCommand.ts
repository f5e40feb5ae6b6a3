import { ListCommandInvocationsCommand, SSMClient, SendCommandCommand } from "@aws-sdk/client-ssm";
import { Polled, StepContext, awsErrorName, taskError } from "./errors";
import { ServerRef, chunks, listed } from "./instances";
import { listedProblems, reachSsmAdvice, readAgents } from "./ssmAgents";

/** The instances a command goes to: those given, less those a step is told to leave out (servers EC2 refused to start). */
function instancesActedOn(instanceIds: string[], except: string[] | undefined): string[] {
    return except === undefined ? instanceIds : instanceIds.filter((id) => !except.includes(id));
}

export interface SendScriptEvent extends StepContext {
    /** The instances to run it on. */
    instanceIds: string[];
    /** Instance ids among them to leave out. */
    except?: string[];
    /** The servers of the run, for their names in messages. */
    servers?: ServerRef[];
    /** What AWS-RunShellScript runs: a script's path on the instance, or shell text. */
    script: string;
    /** How the command is called in Run Command's comment: the script's path, `systemctl stop nginx.service`. */
    name: string;
    /** How long the script may run before Run Command marks it TimedOut. */
    timeoutSeconds: number;
    /** The commands the step sent before this send, oldest first. */
    commandIds?: string[];
    /** How many sends the step made before this one. */
    sends?: number;
}

/** What a send leaves for the step's wait, and for the next send if one is needed. */
export interface SentScript {
    /** Every command the step has sent, oldest first: this send's after the earlier ones. */
    commandIds: string[];
    /** This send's commands. */
    latest: string[];
    /** The instances this send left out: Systems Manager did not list their agent online. */
    waiting: string[];
    /** How many sends the step has made, this one included. */
    sends: number;
}

/**
 * SendCommand's TimeoutSeconds. Run Command gives up on a command the agent has not received once
 * this plus the execution timeout has passed since the send: the invocation ends TimedOut,
 * StatusDetails DeliveryTimedOut (Systems Manager User Guide, "Understanding command statuses").
 */
export const sendTimeoutSeconds = 60;

/** How long after its send Run Command gives up delivering a command: its TimeoutSeconds plus its execution timeout. */
export function deliveryExpirySeconds(executionTimeoutSeconds: number): number {
    return sendTimeoutSeconds + executionTimeoutSeconds;
}

/** At most this many instance ids in one SendCommand (SSM API reference, SendCommand: "You can specify a maximum of 50 IDs"). */
export const sendBatch = 50;

/**
 * Runs one command on many instances through SSM Run Command (AWS-RunShellScript): one
 * DescribeInstanceInformation and one SendCommand per fifty instances. Only instances whose agent
 * Systems Manager lists online are sent it: SendCommand refuses a whole call (InvalidInstanceId)
 * for one whose agent is not running or not registered, which a server just started can be after
 * its status checks pass. The others are left for the step to send again once their agent is
 * online. Sending the same control command twice is harmless: the scripts stop, start or check a
 * service.
 */
export async function sendScript(event: SendScriptEvent): Promise<SentScript> {
    const ssm = new SSMClient({});
    const targets = instancesActedOn(event.instanceIds, event.except);
    const agents = await readAgents(ssm, targets);
    const online = targets.filter((id) => agents.get(id) === "Online");
    const latest: string[] = [];
    for (const ids of chunks(online, sendBatch)) {
        try {
            const sent = await ssm.send(new SendCommandCommand({
                DocumentName: "AWS-RunShellScript",
                InstanceIds: ids,
                Parameters: { commands: [event.script], executionTimeout: [String(event.timeoutSeconds)] },
                TimeoutSeconds: sendTimeoutSeconds,
                // Every server gets the command at once, and one failing never stops it reaching the others
                // (MaxErrors defaults to 0: "the system stops sending the command to additional targets").
                MaxConcurrency: "100%",
                MaxErrors: "100%",
                Comment: `webapp-jobnet: ${event.name}`.slice(0, 100),
            }));
            const commandId = sent.Command?.CommandId;
            if (!commandId) throw taskError("CommandNotSent", `Run Command returned no command id for ${event.name}`);
            latest.push(commandId);
        } catch (error) {
            // SendCommand, InvalidInstanceId: no permission on the node, SSM Agent not running, SSM Agent
            // not registered with the SSM endpoint, or the node shutting down or terminated (SSM API
            // reference, SendCommand errors). An agent that went away since it was listed online: the
            // state machine retries the send, which reads the agents again.
            if (awsErrorName(error) === "InvalidInstanceId") {
                const nameOf = new Map((event.servers ?? []).map((s) => [s.instanceId, s.name]));
                throw taskError("InstanceNotManaged", notManagedMessage(ids.map((id) => (nameOf.has(id) ? `${nameOf.get(id)} (${id})` : id)), (error as Error).message));
            }
            throw error;
        }
    }
    return {
        commandIds: [...(event.commandIds ?? []), ...latest],
        latest,
        waiting: targets.filter((id) => agents.get(id) !== "Online"),
        sends: (event.sends ?? 0) + 1,
    };
}

/** Why Run Command cannot reach a server, and how to make it reachable. */
export function notManagedMessage(servers: string[], awsMessage: string): string {
    const which = servers.length === 1 ? servers[0] : `one of ${listed(servers)}`;
    return `${which} is not an online managed instance of Systems Manager, so Run Command cannot run commands on it`
        + ` (SendCommand: InvalidInstanceId${awsMessage ? `, ${awsMessage}` : ""}). ${reachSsmAdvice}.`
        + " Then run the jobnet again (or redrive the run)";
}

export type InvocationStatus = "Pending" | "InProgress" | "Delayed" | "Success" | "Cancelled" | "TimedOut" | "Failed" | "Cancelling";

/** Exit codes by the outcome they mean: `{ stopped: [3], running: [0] }` for a check. */
export type ExpectedOutcomes = Record<string, number[]>;

export interface ScriptResultsEvent extends Polled {
    /** Every command the step has sent, oldest first. */
    commandIds: string[];
    /** The commands of the step's latest send. */
    latest: string[];
    /** The servers the latest send left out, their agent not online. */
    waiting: string[];
    /** The servers the commands went to: every one must answer. */
    servers: ServerRef[];
    /** The instances among them the commands were sent to. */
    instanceIds: string[];
    /** Instance ids among them the command was not sent to (SendScriptEvent.except). */
    except?: string[];
    /** The execution timeout the script was sent with, for the words of a timeout. */
    timeoutSeconds: number;
    expect: ExpectedOutcomes;
    /** The outcomes that let the run go on; any other end is a problem. */
    accept: string[];
    /** The outcomes whose instance ids a later step needs; the others are only counted. */
    listed: string[];
}

export interface ScriptResults extends Polled {
    total: number;
    /** Invocations not ended yet (or not visible yet, right after the send). */
    pending: number;
    /** Every invocation sent has ended. */
    ended: boolean;
    /** The instance ids of each listed outcome; the servers' names of every outcome. */
    outcomes: Record<string, string[]>;
    names: Record<string, string[]>;
    /** How many servers ended in each expected outcome. */
    counts: Record<string, number>;
    /** How many ran it and ended otherwise than accepted (a failed script, an exit code not expected, a timeout), and what became of them in words. */
    unexpected: number;
    problems: string;
    /** How many servers it never reached: left out of the send, their agent not online, or Run Command gave up delivering it. */
    notReached: number;
    /** Their instance ids: the servers to send it to again. */
    resend: string[];
    /** Why it never reached them, in words. */
    undelivered: string;
    /** What the invocations not ended yet are doing, in words: a wait that reaches its bound says so. */
    notEnded: string;
}

interface Invocation {
    commandId: string;
    status: InvocationStatus;
    details: string | undefined;
    responseCode: number;
    output: string;
}

const endedStatuses = ["Success", "Failed", "TimedOut", "Cancelled"];

/**
 * Where the scripts sent with sendScript stand: one ListCommandInvocations per command (it lists
 * up to fifty invocations, the most a command has). Each server is judged by its newest
 * invocation: an exit code sorts it into the expected outcomes; a command never delivered
 * (DeliveryTimedOut, Undeliverable) puts it among those to send it to again, as does a send that
 * left it out; anything else is described as a problem.
 */
export async function getScriptResults(event: ScriptResultsEvent): Promise<ScriptResults> {
    const ssm = new SSMClient({});
    const newest = new Map<string, Invocation>();
    const sends = new Map<string, number>();
    // Oldest command first: a server's newest invocation is the one it keeps.
    for (const commandId of event.commandIds) {
        let token: string | undefined;
        do {
            const page = await ssm.send(new ListCommandInvocationsCommand({ CommandId: commandId, Details: true, MaxResults: 50, NextToken: token }));
            for (const v of page.CommandInvocations ?? []) {
                const id = v.InstanceId ?? "";
                const plugin = v.CommandPlugins?.[0];
                newest.set(id, {
                    commandId,
                    status: (v.Status ?? "Pending") as InvocationStatus,
                    details: v.StatusDetails,
                    responseCode: plugin?.ResponseCode ?? -1,
                    output: plugin?.Output ?? "",
                });
                sends.set(id, (sends.get(id) ?? 0) + 1);
            }
            token = page.NextToken;
        } while (token);
    }
    const nameOf = new Map(event.servers.map((s) => [s.instanceId, s.name]));
    const latest = new Set(event.latest);
    const waiting = new Set(event.waiting);
    const outcomes: Record<string, string[]> = Object.fromEntries(Object.keys(event.expect).map((k) => [k, []]));
    const problems: string[] = [];
    const resend: string[] = [];
    const undelivered: string[] = [];
    const notEnded: string[] = [];
    const instanceIds = instancesActedOn(event.instanceIds, event.except);
    for (const id of instanceIds) {
        const who = `${nameOf.get(id) ?? id} (${id})`;
        if (waiting.has(id)) {
            resend.push(id);
            undelivered.push(`${who}: its SSM agent was not online when it was sent`);
            continue;
        }
        const v = newest.get(id);
        // Right after SendCommand an invocation may not be listed for a moment, and a server sent it
        // again still shows the earlier one it never got: pending, not a failure.
        if (!v || !endedStatuses.includes(v.status) || (neverDelivered(v) && !latest.has(v.commandId))) {
            notEnded.push(`${who} ${pendingDetail(v?.status ?? "Pending", event.timeoutSeconds)}`);
            continue;
        }
        if (neverDelivered(v)) {
            resend.push(id);
            undelivered.push(`${who}${deliveryFailure(v.details, sends.get(id) ?? 1, event.timeoutSeconds)}`);
            continue;
        }
        const outcome = v.status === "Success" || v.status === "Failed" ? Object.keys(event.expect).find((k) => event.expect[k].includes(v.responseCode)) : undefined;
        if (outcome !== undefined) outcomes[outcome].push(id);
        if (outcome === undefined || !event.accept.includes(outcome)) problems.push(`${who} ${scriptDetail(v.status, v.details, v.responseCode, lastLine(v.output), event.timeoutSeconds)}`);
    }
    return {
        total: instanceIds.length,
        pending: notEnded.length,
        ended: notEnded.length === 0,
        outcomes: Object.fromEntries(event.listed.map((k) => [k, outcomes[k] ?? []])),
        names: Object.fromEntries(Object.entries(outcomes).map(([k, ids]) => [k, ids.map((id) => nameOf.get(id) ?? id)])),
        counts: Object.fromEntries(Object.entries(outcomes).map(([k, ids]) => [k, ids.length])),
        unexpected: problems.length,
        problems: listedProblems(problems),
        notReached: resend.length,
        resend,
        undelivered: listedProblems(undelivered),
        notEnded: listedProblems(notEnded),
        attempt: event.attempt,
    };
}

/** StatusDetails as one word: the API reference writes "Delivery Timed Out", the filters DeliveryTimedOut; either is read. */
function detailsWord(statusDetails: string | undefined): string | undefined {
    return statusDetails?.replace(/\s/g, "");
}

/**
 * A command that never reached the server's agent: Run Command gave up delivering it (TimedOut,
 * DeliveryTimedOut) or found the node unreachable (Failed, Undeliverable), so the script did not
 * run (Systems Manager User Guide, "Understanding command statuses").
 */
function neverDelivered(v: Invocation): boolean {
    const details = detailsWord(v.details);
    return (v.status === "TimedOut" && details === "DeliveryTimedOut") || (v.status === "Failed" && details === "Undeliverable");
}

/** Why a command never reached a server, after its name: Run Command's own delivery expiry, and how many sends it missed. */
function deliveryFailure(statusDetails: string | undefined, sends: number, executionTimeoutSeconds: number): string {
    const times = sends > 1 ? `, sent ${sends} times` : "";
    const check = "check that its SSM agent runs and reaches the SSM endpoints (ssm, ssmmessages, ec2messages) over HTTPS";
    if (detailsWord(statusDetails) === "Undeliverable") return `${times}: Run Command found the server unreachable (Undeliverable); ${check}`;
    const expiry = deliveryExpirySeconds(executionTimeoutSeconds);
    return `${times}: Run Command gave up delivering it after ${expiry} s${sends > 1 ? " each time" : ""}`
        + ` (DeliveryTimedOut: its TimeoutSeconds ${sendTimeoutSeconds} s plus the execution timeout ${executionTimeoutSeconds} s); ${check}`;
}

/** What an invocation not ended yet is doing. */
function pendingDetail(status: InvocationStatus, executionTimeoutSeconds: number): string {
    switch (status) {
        case "Delayed":
            return `was not reached yet (Delayed): Run Command tries again until ${deliveryExpirySeconds(executionTimeoutSeconds)} s after the send`;
        case "InProgress":
            return "is still running it";
        default:
            return `has not got it yet (${status})`;
    }
}

/**
 * What became of a script that reached the server, from the invocation's Status, StatusDetails
 * (ExecutionTimedOut, ...: SSM API reference, GetCommandInvocation) and exit code.
 */
export function scriptDetail(status: InvocationStatus, statusDetails: string | undefined, responseCode: number, printed: string, timeoutSeconds: number): string {
    const details = detailsWord(statusDetails);
    const output = printed ? `: ${printed}` : " and printed nothing";
    switch (status) {
        case "Success":
        case "Failed":
            return responseCode >= 0 ? `exited with code ${responseCode}${output}` : `failed before it ran (${details || "no details"})`;
        case "TimedOut":
            return `timed out after ${timeoutSeconds} s (Run Command's execution timeout)${printed ? `; it last printed: ${printed}` : ""}`;
        case "Cancelled":
        case "Cancelling":
            return "was cancelled";
        default:
            return `is ${status}${details && details !== status ? ` (${details})` : ""}`;
    }
}

function lastLine(text: string | undefined): string {
    const lines = (text ?? "").split("\n").map((l) => l.trim()).filter((l) => l !== "");
    return (lines[lines.length - 1] ?? "").slice(0, 200);
}
