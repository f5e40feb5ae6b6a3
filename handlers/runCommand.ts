import { GetCommandInvocationCommand, SSMClient, SendCommandCommand } from "@aws-sdk/client-ssm";
import { Polled, awsErrorName, taskError } from "./errors";

export interface SendScriptEvent {
    instanceId: string;
    /** Absolute path of the script on the instance. */
    script: string;
    /** How long the script may run before Run Command marks it TimedOut. */
    timeoutSeconds: number;
}

/** Runs one script on one instance through SSM Run Command (AWS-RunShellScript). */
export async function sendScript(event: SendScriptEvent): Promise<{ commandId: string }> {
    const ssm = new SSMClient({});
    try {
        const sent = await ssm.send(new SendCommandCommand({
            DocumentName: "AWS-RunShellScript",
            InstanceIds: [event.instanceId],
            Parameters: { commands: [event.script], executionTimeout: [String(event.timeoutSeconds)] },
            // Delivery timeout: an instance whose agent is not connected fails after this long.
            TimeoutSeconds: 60,
            Comment: `webapp-jobnet: ${event.script}`.slice(0, 100),
        }));
        const commandId = sent.Command?.CommandId;
        if (!commandId) throw taskError("CommandNotSent", `Run Command returned no command id for ${event.script} on ${event.instanceId}`);
        return { commandId };
    } catch (error) {
        // The instance is not (yet) a managed, online instance: retried by the state machine.
        if (awsErrorName(error) === "InvalidInstanceId") {
            throw taskError("InstanceNotManaged", `${event.instanceId} is not an online managed instance: ${(error as Error).message}`);
        }
        throw error;
    }
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
                ? "was never delivered: the SSM agent did not pick it up in time"
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
