import * as fs from "fs";
import * as path from "path";
import { parseDocument } from "yaml";
import { OpsError } from "./stack";

/**
 * A stack file's text with `schedules.<jobnet>.enabled` set, as `pulumi config set --path` would
 * set it; comments and layout are kept. A stack without that schedule has nothing to turn on or off.
 */
export function withScheduleEnabled(stackYaml: string, stack: string, jobnet: "stop" | "start", enable: boolean): string {
    const doc = parseDocument(stackYaml);
    const schedule = ["config", "webapp-jobnet:schedules", jobnet];
    if (!doc.getIn([...schedule, "cron"])) {
        throw new OpsError(`Stack ${stack} has no ${jobnet} schedule. Set one first: pulumi config set --path 'schedules.${jobnet}.cron' 'cron(0 22 ? * MON-FRI *)'`);
    }
    doc.setIn([...schedule, "enabled"], enable);
    return doc.toString();
}

export interface ScheduleChange {
    /** The stack's file, Pulumi.<stack>.yaml. */
    file: string;
    stack: string;
    jobnet: "stop" | "start";
    enable: boolean;
    /** Go ahead without asking. */
    yes: boolean;
    /** Asks the user; true to go ahead. */
    confirm: (question: string) => Promise<boolean>;
    /** Deploys the stack with its file as it now is (pulumi up). */
    deploy: () => Promise<void>;
}

/**
 * Turns a jobnet's schedule on or off: asks first (unless `yes`), then writes the stack file and
 * deploys. Declined, it leaves the file as it was, byte for byte. Returns whether it went ahead.
 */
export async function changeSchedule(change: ScheduleChange): Promise<boolean> {
    const before = fs.readFileSync(change.file, "utf8");
    const after = withScheduleEnabled(before, change.stack, change.jobnet, change.enable);
    const what = `set schedules.${change.jobnet}.enabled to ${change.enable} in ${path.basename(change.file)} and update the ${change.stack} stack (pulumi up)`;
    if (!change.yes && !(await change.confirm(`This will ${what}. Go ahead?`))) return false;
    fs.writeFileSync(change.file, after);
    await change.deploy();
    return true;
}
