import { execFileSync } from "child_process";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { projectDir } from "../runProgram";
import { CalendarSettings } from "../../../handlers/calendar";

/** Why an operation cannot go on, said so the user knows what to do. */
export class OpsError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "OpsError";
    }
}

/** The Automation API drives the pulumi CLI: without it nothing here can work. */
export function requirePulumiCli(which: (command: string) => string | undefined = whichCommand): string {
    const found = which("pulumi");
    if (!found) {
        throw new OpsError("The pulumi CLI is not installed (it is not on PATH). Install it from https://www.pulumi.com/docs/install/, then run `pulumi login`.");
    }
    return found;
}

function whichCommand(command: string): string | undefined {
    try {
        return execFileSync("sh", ["-c", `command -v ${command}`], { encoding: "utf8" }).trim() || undefined;
    } catch {
        return undefined;
    }
}

/** This project's stack, through the Automation API (its failures are explained by explainFailure). */
export async function openStack(stackName: string): Promise<Stack> {
    requirePulumiCli();
    return LocalWorkspace.selectStack({ stackName, workDir: projectDir });
}

/** The stack outputs the ops commands need, checked. */
export async function stackOutputs(stack: Stack): Promise<{
    /** Every jobnet the stack deploys, by name: stop, start, then the team's (output jobnetStateMachineArns). */
    stateMachines: Record<string, string>;
    region: string;
    schedules: Record<string, { expression: string; timeZone: string; enabled: boolean }>;
    /** The stack's business calendar, as the program parsed it; none before the stack exports it. */
    calendar: Omit<CalendarSettings, "timeZone"> | undefined;
    /** What the run watcher judges by; none before the stack exports it. */
    monitoring: { expectedSeconds: Record<string, number>; startDelaySeconds: number } | undefined;
}> {
    const outputs = await stack.outputs();
    const stop = outputs.stopStateMachineArn?.value as string | undefined;
    const start = outputs.startStateMachineArn?.value as string | undefined;
    if (!stop || !start) throw new OpsError(`Stack ${stack.name} has no state machine outputs yet: deploy it with \`npm run ops -- up --stack ${stack.name}\`.`);
    // A stack deployed before the team's jobnets has no jobnetStateMachineArns: stop and start only.
    const team = (outputs.jobnetStateMachineArns?.value ?? {}) as Record<string, string>;
    return { stateMachines: { stop, start, ...team }, region: stop.split(":")[3], schedules: (outputs.schedules?.value ?? {}) as never, calendar: outputs.calendar?.value as never, monitoring: outputs.monitoring?.value as never };
}
