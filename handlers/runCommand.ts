import { GetCommandInvocationCommand, SSMClient, SendCommandCommand } from "@aws-sdk/client-ssm";
import { Polled, awsErrorName, taskError } from "./errors";

export interface SendScriptEvent {
    instanceId: string;
    /** What AWS-RunShellScript runs: a script's path on the instance, or shell text. */
    script: string;
    /** How the command is called in Run Command's comment: the script's path, `systemctl stop nginx.service`. */
    name: string;
    /** How long the script may run before Run Command marks it TimedOut. */
    timeoutSeconds: number;
    /** The server's name, for messages. */
    about?: string;
}

/** Run Command's delivery timeout: an instance whose agent does not pick the command up fails after this long. */
export const deliveryTimeoutSeconds = 60;

/** Runs one command on one instance through SSM Run Command (AWS-RunShellScript). */
export async function sendScript(event: SendScriptEvent): Promise<{ commandId: string }> {
    const ssm = new SSMClient({});
    try {
        const sent = await ssm.send(new SendCommandCommand({
            DocumentName: "AWS-RunShellScript",
            InstanceIds: [event.instanceId],
            Parameters: { commands: [event.script], executionTimeout: [String(event.timeoutSeconds)] },
            TimeoutSeconds: deliveryTimeoutSeconds,
            Comment: `webapp-jobnet: ${event.name}`.slice(0, 100),
        }));
        const commandId = sent.Command?.CommandId;
        if (!commandId) throw taskError("CommandNotSent", `Run Command returned no command id for ${event.name} on ${event.instanceId}`);
        return { commandId };
    } catch (error) {
        // SendCommand, InvalidInstanceId: no permission on the node, SSM Agent not running, SSM Agent
        // not registered with the SSM endpoint, or the node shutting down or terminated (SSM API
        // reference, SendCommand errors). Right after boot it passes; the state machine retries it,
        // and the last try's message is the cause a user reads.
        if (awsErrorName(error) === "InvalidInstanceId") throw taskError("InstanceNotManaged", notManagedMessage(event, (error as Error).message));
        throw error;
    }
}

/** Why Run Command cannot reach a server, and how to make it reachable. */
export function notManagedMessage(event: Pick<SendScriptEvent, "instanceId" | "about">, awsMessage: string): string {
    const server = event.about ? `${event.about} (${event.instanceId})` : event.instanceId;
    return `${server} is not an online managed instance of Systems Manager, so Run Command cannot run commands on it`
        + ` (SendCommand: InvalidInstanceId${awsMessage ? `, ${awsMessage}` : ""}). On the server, install and start the SSM agent;`
        + " give the instance a profile whose role has the policy AmazonSSMManagedInstanceCore;"
        + " let it reach the SSM endpoints over HTTPS (443), through a NAT gateway or VPC endpoints for ssm, ssmmessages and ec2messages."
        + " Then run the jobnet again (or redrive the run)";
}

export type InvocationStatus = "Pending" | "InProgress" | "Delayed" | "Success" | "Cancelled" | "TimedOut" | "Failed" | "Cancelling";

export interface ScriptResult extends Polled {
    status: InvocationStatus;
    /** The script's exit code; -1 while it has not run. */
    responseCode: number;
    /** What became of the script, in words, for failure causes: never empty. */
    detail: string;
}

/** The status and exit code of a script sent with sendScript; `timeoutSeconds` is the execution timeout it was sent with. */
export async function getScriptResult(event: { commandId: string; instanceId: string; timeoutSeconds: number } & Polled): Promise<ScriptResult> {
    const ssm = new SSMClient({});
    try {
        const invocation = await ssm.send(new GetCommandInvocationCommand({ CommandId: event.commandId, InstanceId: event.instanceId }));
        const status = (invocation.Status ?? "Pending") as InvocationStatus;
        const responseCode = invocation.ResponseCode ?? -1;
        const printed = lastLine(invocation.StandardErrorContent) || lastLine(invocation.StandardOutputContent);
        return { status, responseCode, detail: scriptDetail(status, invocation.StatusDetails, responseCode, printed, event.timeoutSeconds), attempt: event.attempt };
    } catch (error) {
        // Right after SendCommand the invocation may not exist yet for a moment.
        if (awsErrorName(error) === "InvocationDoesNotExist") return { status: "Pending", responseCode: -1, detail: "is not delivered yet", attempt: event.attempt };
        throw error;
    }
}

/**
 * What became of a script, from the invocation's Status, StatusDetails (DeliveryTimedOut,
 * ExecutionTimedOut, Undeliverable, ...: SSM API reference, GetCommandInvocation) and exit code.
 */
export function scriptDetail(status: InvocationStatus, details: string | undefined, responseCode: number, printed: string, timeoutSeconds: number): string {
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
