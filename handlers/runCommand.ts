import { ListCommandInvocationsCommand, SSMClient, SendCommandCommand } from "@aws-sdk/client-ssm";
import { Polled, StepContext, awsErrorName, taskError } from "./errors";
import { ServerRef, chunks, listed } from "./instances";
import { AgentStatus, agentProblem, listedProblems, reachSsmAdvice, readAgents } from "./ssmAgents";

/** The instances a command goes to: those given, less those a step is told to leave out (servers EC2 refused to start). */
function instancesActedOn(instanceIds: string[], except: string[] | undefined): string[] {
    return except === undefined ? instanceIds : instanceIds.filter((id) => !except.includes(id));
}

/** A command as a step sends it. */
interface CommandToSend {
    /** What AWS-RunShellScript runs: a script's path on the instance, or shell text. */
    script: string;
    /** How the command is called in Run Command's comment: the script's path, `systemctl stop nginx.service`. */
    name: string;
    /** How long the script may run before Run Command marks it TimedOut. */
    timeoutSeconds: number;
}

export interface SendScriptEvent extends StepContext, CommandToSend {
    /** The instances to run it on. */
    instanceIds: string[];
    /** Instance ids among them to leave out. */
    except?: string[];
    /** The servers of the run, for their names in messages. */
    servers?: ServerRef[];
}

/** What the first send leaves for the step's wait, whose polls send it to the others. */
export interface SentScript {
    /** The commands sent. */
    commandIds: string[];
    /** The instances left out: Systems Manager did not list their agent online. */
    waiting: string[];
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

/** At most this many sends of one command to a server in a step: the first, and two more when Run Command could not deliver it. */
export const commandSends = 3;

/**
 * Runs one command on many instances through SSM Run Command (AWS-RunShellScript): one
 * DescribeInstanceInformation and one SendCommand per fifty instances. Only instances whose agent
 * Systems Manager lists online are sent it: SendCommand refuses a whole call (InvalidInstanceId)
 * for one whose agent is not running or not registered, which a server just started can be after
 * its status checks pass. The others are left for the step's wait, which sends it to each once its
 * agent is online (getScriptResults). Sending the same control command twice is harmless: the
 * scripts stop, start or check a service.
 */
export async function sendScript(event: SendScriptEvent): Promise<SentScript> {
    const ssm = new SSMClient({});
    const targets = instancesActedOn(event.instanceIds, event.except);
    const agents = await readAgents(ssm, targets);
    const online = targets.filter((id) => agents.get(id) === "Online");
    const commandIds: string[] = [];
    for (const ids of chunks(online, sendBatch)) {
        try {
            commandIds.push(await sendCommand(ssm, ids, event));
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
    return { commandIds, waiting: targets.filter((id) => agents.get(id) !== "Online") };
}

/** One SendCommand of the command to up to fifty instances; its command id. */
async function sendCommand(ssm: SSMClient, instanceIds: string[], command: CommandToSend): Promise<string> {
    const sent = await ssm.send(new SendCommandCommand({
        DocumentName: "AWS-RunShellScript",
        InstanceIds: instanceIds,
        Parameters: { commands: [command.script], executionTimeout: [String(command.timeoutSeconds)] },
        TimeoutSeconds: sendTimeoutSeconds,
        // Every server gets the command at once, and one failing never stops it reaching the others
        // (MaxErrors defaults to 0: "the system stops sending the command to additional targets").
        MaxConcurrency: "100%",
        MaxErrors: "100%",
        Comment: `webapp-jobnet: ${command.name}`.slice(0, 100),
    }));
    const commandId = sent.Command?.CommandId;
    if (!commandId) throw taskError("CommandNotSent", `Run Command returned no command id for ${command.name}`);
    return commandId;
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

/** What the polls of a step hand on to the next: every command sent, and who still waits for it. */
export interface Delivery {
    /** Every command the step has sent, oldest first. */
    commandIds: string[];
    /** The servers not sent it yet, their agent not online. */
    waiting: string[];
    /** The command each server was sent again, by instance id: its invocation there is the one that counts. */
    lastSent: Record<string, string>;
}

export interface ScriptResultsEvent extends Polled, Delivery, CommandToSend {
    /** The servers the commands went to: every one must answer. */
    servers: ServerRef[];
    /** The instances among them the commands go to. */
    instanceIds: string[];
    /** Instance ids among them the command is not sent to (SendScriptEvent.except). */
    except?: string[];
    expect: ExpectedOutcomes;
    /** The outcomes that let the run go on; any other end is a problem. */
    accept: string[];
    /** The outcomes whose instance ids a later step needs; the others are only counted. */
    listed: string[];
}

export interface ScriptResults extends Polled, Delivery {
    total: number;
    /** Servers that have not run it yet: not ended, not listed yet, or not sent it yet. */
    pending: number;
    /** Every server has run it, or will never get it. */
    ended: boolean;
    /** The instance ids of each listed outcome; the servers' names of every outcome. */
    outcomes: Record<string, string[]>;
    names: Record<string, string[]>;
    /** How many servers ended in each expected outcome. */
    counts: Record<string, number>;
    /** How many ran it and ended otherwise than accepted (a failed script, an exit code not expected, a timeout), and what became of them in words. */
    unexpected: number;
    problems: string;
    /** How many servers it will never reach: Run Command gave up delivering each of its `commandSends` sends. */
    notReached: number;
    /** How many servers were not sent it yet, their agent not online. */
    unsent: number;
    /** Why it did not reach the servers of either kind, in words. */
    undelivered: string;
    /** What the servers that have not run it yet are doing, in words: a wait that reaches its bound says so. */
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
 * Where a step's command stands, and the sends it still needs: one ListCommandInvocations per
 * command (it lists up to fifty invocations, the most a command has). Each server is judged by its
 * newest invocation: an exit code sorts it into the expected outcomes; anything else that ended is
 * described as a problem. A server the command has not reached (not sent yet, its agent not
 * online; or Run Command gave up delivering it: DeliveryTimedOut, Undeliverable) is sent it here,
 * one SendCommand per fifty, once Systems Manager lists its agent online, up to `commandSends`
 * sends; after the last one it counts among those never reached.
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
    const who = (id: string) => `${nameOf.get(id) ?? id} (${id})`;
    const waiting = new Set(event.waiting);
    const outcomes: Record<string, string[]> = Object.fromEntries(Object.keys(event.expect).map((k) => [k, []]));
    const problems: string[] = [];
    const toSend: string[] = [];
    const givenUp: string[] = [];
    const notEnded: string[] = [];
    const instanceIds = instancesActedOn(event.instanceIds, event.except);
    for (const id of instanceIds) {
        if (waiting.has(id)) {
            toSend.push(id);
            continue;
        }
        // Right after SendCommand an invocation may not be listed for a moment, and a server sent it
        // again still shows the earlier one it never got: pending, not a failure.
        const listed = newest.get(id);
        const again = event.lastSent[id];
        const v = listed !== undefined && (again === undefined || listed.commandId === again) ? listed : undefined;
        if (!v || !endedStatuses.includes(v.status)) {
            notEnded.push(`${who(id)} ${pendingDetail(v?.status ?? "Pending", event.timeoutSeconds)}`);
            continue;
        }
        if (neverDelivered(v)) {
            if ((sends.get(id) ?? 1) < commandSends) toSend.push(id);
            else givenUp.push(`${who(id)}${deliveryFailure(v.details, sends.get(id) ?? 1, event.timeoutSeconds)}`);
            continue;
        }
        const outcome = v.status === "Success" || v.status === "Failed" ? Object.keys(event.expect).find((k) => event.expect[k].includes(v.responseCode)) : undefined;
        if (outcome !== undefined) outcomes[outcome].push(id);
        if (outcome === undefined || !event.accept.includes(outcome)) problems.push(`${who(id)} ${scriptDetail(v.status, v.details, v.responseCode, lastLine(v.output), event.timeoutSeconds)}`);
    }
    const delivery = await sendWhereOnline(ssm, toSend, event);
    const unsent = delivery.waiting.map((id) => `${who(id)}${agentProblem(delivery.agents.get(id) ?? "NotListed")}`);
    const sentNow = toSend.filter((id) => !delivery.waiting.includes(id));
    notEnded.push(...sentNow.map((id) => `${who(id)} has not got it yet (sent again)`), ...unsent.map((u) => `${u}, so it was not sent it`));
    return {
        total: instanceIds.length,
        pending: notEnded.length,
        ended: notEnded.length === 0,
        outcomes: Object.fromEntries(event.listed.map((k) => [k, outcomes[k] ?? []])),
        names: Object.fromEntries(Object.entries(outcomes).map(([k, ids]) => [k, ids.map((id) => nameOf.get(id) ?? id)])),
        counts: Object.fromEntries(Object.entries(outcomes).map(([k, ids]) => [k, ids.length])),
        unexpected: problems.length,
        problems: listedProblems(problems),
        notReached: givenUp.length,
        unsent: unsent.length,
        undelivered: listedProblems([...givenUp, ...unsent]),
        notEnded: listedProblems(notEnded),
        commandIds: [...event.commandIds, ...delivery.commandIds],
        waiting: delivery.waiting,
        lastSent: { ...event.lastSent, ...delivery.lastSent },
        attempt: event.attempt,
    };
}

/**
 * Sends the command to those of the servers whose agent Systems Manager lists online, one
 * SendCommand per fifty; the others wait for a later poll. An agent gone away between the two
 * calls refuses its whole call (InvalidInstanceId): that batch waits for a later poll too.
 */
async function sendWhereOnline(ssm: SSMClient, instanceIds: string[], command: CommandToSend): Promise<{ commandIds: string[]; waiting: string[]; lastSent: Record<string, string>; agents: Map<string, AgentStatus> }> {
    const agents = instanceIds.length === 0 ? new Map<string, AgentStatus>() : await readAgents(ssm, instanceIds);
    const waiting = instanceIds.filter((id) => agents.get(id) !== "Online");
    const commandIds: string[] = [];
    const lastSent: Record<string, string> = {};
    for (const ids of chunks(instanceIds.filter((id) => agents.get(id) === "Online"), sendBatch)) {
        try {
            const commandId = await sendCommand(ssm, ids, command);
            commandIds.push(commandId);
            for (const id of ids) lastSent[id] = commandId;
        } catch (error) {
            if (awsErrorName(error) !== "InvalidInstanceId") throw error;
            waiting.push(...ids);
            for (const id of ids) agents.set(id, "ConnectionLost");
        }
    }
    return { commandIds, waiting, lastSent, agents };
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
