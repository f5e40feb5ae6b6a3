import { ListCommandInvocationsCommand, SSMClient, SendCommandCommand } from "@aws-sdk/client-ssm";
import { Polled, StepContext, awsErrorName, taskError } from "./errors";
import { ServerRef, chunks, listed } from "./instances";

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
}

/** Run Command's delivery timeout: an instance whose agent does not pick the command up fails after this long. */
export const deliveryTimeoutSeconds = 60;

/** At most this many instance ids in one SendCommand (SSM API reference, SendCommand: "You can specify a maximum of 50 IDs"). */
export const sendBatch = 50;

/**
 * Runs one command on many instances through SSM Run Command (AWS-RunShellScript): one
 * SendCommand per fifty instances. Sending the same control command twice is harmless: the
 * scripts stop, start or check a service.
 */
export async function sendScript(event: SendScriptEvent): Promise<{ commandIds: string[] }> {
    const ssm = new SSMClient({});
    const commandIds: string[] = [];
    for (const ids of chunks(instancesActedOn(event.instanceIds, event.except), sendBatch)) {
        try {
            const sent = await ssm.send(new SendCommandCommand({
                DocumentName: "AWS-RunShellScript",
                InstanceIds: ids,
                Parameters: { commands: [event.script], executionTimeout: [String(event.timeoutSeconds)] },
                TimeoutSeconds: deliveryTimeoutSeconds,
                // Every server gets the command at once, and one failing never stops it reaching the others
                // (MaxErrors defaults to 0: "the system stops sending the command to additional targets").
                MaxConcurrency: "100%",
                MaxErrors: "100%",
                Comment: `webapp-jobnet: ${event.name}`.slice(0, 100),
            }));
            const commandId = sent.Command?.CommandId;
            if (!commandId) throw taskError("CommandNotSent", `Run Command returned no command id for ${event.name}`);
            commandIds.push(commandId);
        } catch (error) {
            // SendCommand, InvalidInstanceId: no permission on the node, SSM Agent not running, SSM Agent
            // not registered with the SSM endpoint, or the node shutting down or terminated (SSM API
            // reference, SendCommand errors). Right after boot it passes; the state machine retries it,
            // and the last try's message is the cause a user reads.
            if (awsErrorName(error) === "InvalidInstanceId") {
                const nameOf = new Map((event.servers ?? []).map((s) => [s.instanceId, s.name]));
                throw taskError("InstanceNotManaged", notManagedMessage(ids.map((id) => (nameOf.has(id) ? `${nameOf.get(id)} (${id})` : id)), (error as Error).message));
            }
            throw error;
        }
    }
    return { commandIds };
}

/** Why Run Command cannot reach a server, and how to make it reachable. */
export function notManagedMessage(servers: string[], awsMessage: string): string {
    const which = servers.length === 1 ? servers[0] : `one of ${listed(servers)}`;
    return `${which} is not an online managed instance of Systems Manager, so Run Command cannot run commands on it`
        + ` (SendCommand: InvalidInstanceId${awsMessage ? `, ${awsMessage}` : ""}). On the server, install and start the SSM agent;`
        + " give the instance a profile whose role has the policy AmazonSSMManagedInstanceCore;"
        + " let it reach the SSM endpoints over HTTPS (443), through a NAT gateway or VPC endpoints for ssm, ssmmessages and ec2messages."
        + " Then run the jobnet again (or redrive the run)";
}

export type InvocationStatus = "Pending" | "InProgress" | "Delayed" | "Success" | "Cancelled" | "TimedOut" | "Failed" | "Cancelling";

/** Exit codes by the outcome they mean: `{ stopped: [3], running: [0] }` for a check. */
export type ExpectedOutcomes = Record<string, number[]>;

export interface ScriptResultsEvent extends Polled {
    commandIds: string[];
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
    /** Every invocation ended. */
    ended: boolean;
    /** The instance ids of each listed outcome; the servers' names of every outcome. */
    outcomes: Record<string, string[]>;
    names: Record<string, string[]>;
    /** How many servers ended in each expected outcome. */
    counts: Record<string, number>;
    /** How many ended otherwise than accepted (a failed script, an exit code not expected, a timeout), and what became of them in words. */
    unexpected: number;
    problems: string;
}

const endedStatuses = ["Success", "Failed", "TimedOut", "Cancelled"];

/**
 * Where the scripts sent with sendScript stand: one ListCommandInvocations per command (it lists
 * up to fifty invocations, the most a command has), each invocation sorted by its exit code into
 * the expected outcomes, or described as a problem.
 */
export async function getScriptResults(event: ScriptResultsEvent): Promise<ScriptResults> {
    const ssm = new SSMClient({});
    const invocations = new Map<string, { status: InvocationStatus; details: string | undefined; responseCode: number; output: string }>();
    for (const commandId of event.commandIds) {
        let token: string | undefined;
        do {
            const page = await ssm.send(new ListCommandInvocationsCommand({ CommandId: commandId, Details: true, MaxResults: 50, NextToken: token }));
            for (const v of page.CommandInvocations ?? []) {
                const plugin = v.CommandPlugins?.[0];
                invocations.set(v.InstanceId ?? "", {
                    status: (v.Status ?? "Pending") as InvocationStatus,
                    details: v.StatusDetails,
                    responseCode: plugin?.ResponseCode ?? -1,
                    output: plugin?.Output ?? "",
                });
            }
            token = page.NextToken;
        } while (token);
    }
    const nameOf = new Map(event.servers.map((s) => [s.instanceId, s.name]));
    const outcomes: Record<string, string[]> = Object.fromEntries(Object.keys(event.expect).map((k) => [k, []]));
    const problems: string[] = [];
    let pending = 0;
    const instanceIds = instancesActedOn(event.instanceIds, event.except);
    for (const id of instanceIds) {
        // Right after SendCommand an invocation may not be listed for a moment: pending, not a failure.
        const v = invocations.get(id);
        if (!v || !endedStatuses.includes(v.status)) {
            pending++;
            continue;
        }
        const outcome = v.status === "Success" || v.status === "Failed" ? Object.keys(event.expect).find((k) => event.expect[k].includes(v.responseCode)) : undefined;
        if (outcome !== undefined) outcomes[outcome].push(id);
        if (outcome === undefined || !event.accept.includes(outcome)) problems.push(`${nameOf.get(id) ?? id} (${id}) ${scriptDetail(v.status, v.details, v.responseCode, lastLine(v.output), event.timeoutSeconds)}`);
    }
    return {
        total: instanceIds.length,
        pending,
        ended: pending === 0,
        outcomes: Object.fromEntries(event.listed.map((k) => [k, outcomes[k] ?? []])),
        names: Object.fromEntries(Object.entries(outcomes).map(([k, ids]) => [k, ids.map((id) => nameOf.get(id) ?? id)])),
        counts: Object.fromEntries(Object.entries(outcomes).map(([k, ids]) => [k, ids.length])),
        unexpected: problems.length,
        problems: problems.slice(0, 5).join("; ") + (problems.length > 5 ? `; and ${problems.length - 5} more` : ""),
        attempt: event.attempt,
    };
}

/**
 * What became of a script, from the invocation's Status, StatusDetails (DeliveryTimedOut,
 * ExecutionTimedOut, Undeliverable, ...: SSM API reference, GetCommandInvocation) and exit code.
 */
export function scriptDetail(status: InvocationStatus, statusDetails: string | undefined, responseCode: number, printed: string, timeoutSeconds: number): string {
    // The API reference writes "Delivery Timed Out", the filters DeliveryTimedOut: either is read.
    const details = statusDetails?.replace(/\s/g, "");
    const output = printed ? `: ${printed}` : " and printed nothing";
    switch (status) {
        case "Success":
        case "Failed":
            return responseCode >= 0 ? `exited with code ${responseCode}${output}` : `failed before it ran (${details || "no details"})`;
        case "TimedOut":
            return details === "DeliveryTimedOut"
                ? `was never delivered: the SSM agent on the server did not pick it up within ${deliveryTimeoutSeconds} s (DeliveryTimedOut); check that the agent runs and reaches the SSM endpoints (ssm, ssmmessages, ec2messages) over HTTPS`
                : `timed out after ${timeoutSeconds} s (Run Command's execution timeout)${printed ? `; it last printed: ${printed}` : ""}`;
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
