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
    /** The last line the script printed (stderr first), for failure causes. */
    lastLine: string;
}

/** The status and exit code of a script sent with sendScript. */
export async function getScriptResult(event: { commandId: string; instanceId: string } & Polled): Promise<ScriptResult> {
    const ssm = new SSMClient({});
    try {
        const invocation = await ssm.send(new GetCommandInvocationCommand({ CommandId: event.commandId, InstanceId: event.instanceId }));
        return {
            status: (invocation.Status ?? "Pending") as InvocationStatus,
            responseCode: invocation.ResponseCode ?? -1,
            lastLine: lastLine(invocation.StandardErrorContent) || lastLine(invocation.StandardOutputContent),
            attempt: event.attempt,
        };
    } catch (error) {
        // Right after SendCommand the invocation may not exist yet for a moment.
        if (awsErrorName(error) === "InvocationDoesNotExist") return { status: "Pending", responseCode: -1, lastLine: "", attempt: event.attempt };
        throw error;
    }
}

function lastLine(text: string | undefined): string {
    const lines = (text ?? "").split("\n").map((l) => l.trim()).filter((l) => l !== "");
    return (lines[lines.length - 1] ?? "").slice(0, 200);
}
