import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Stack } from "@pulumi/pulumi/automation";

/** What the stack actions need of a Pulumi stack (the Automation API's Stack). */
export type StackDriver = Pick<Stack, "name" | "preview" | "up" | "destroy">;

export interface StackActionOptions {
    action: "preview" | "up" | "destroy";
    /** Go ahead without showing the preview and asking. */
    yes: boolean;
    onOutput: (out: string) => void;
    confirm: (question: string) => Promise<boolean>;
    /** Where the plan of a preview is kept until the update applies it: a folder of its own, removed after. */
    planFolder?: () => string;
}

/**
 * Drives the stack. An `up` asked about first applies exactly the plan its preview showed: the
 * preview saves it (`pulumi preview --save-plan`) and the update is held to it (`pulumi up
 * --plan`), failing rather than doing what was not shown if the program or the cloud changed in
 * between (Pulumi docs, "Update plans"). Answered no, nothing is applied. Returns the exit code.
 */
export async function driveStackAction(stack: StackDriver, o: StackActionOptions): Promise<number> {
    const onOutput = o.onOutput;
    if (o.action === "preview") {
        await stack.preview({ onOutput });
        return 0;
    }
    if (o.action === "destroy") {
        if (!o.yes && !(await o.confirm(`destroy the ${stack.name} stack?`))) return 1;
        await stack.destroy({ onOutput });
        return 0;
    }
    if (o.yes) {
        await stack.up({ onOutput });
        return 0;
    }
    const folder = (o.planFolder ?? (() => fs.mkdtempSync(path.join(os.tmpdir(), "webapp-jobnet-plan-"))))();
    const plan = path.join(folder, "plan.json");
    try {
        await stack.preview({ onOutput, plan });
        if (!(await o.confirm(`up the ${stack.name} stack, as previewed?`))) return 1;
        await stack.up({ onOutput, plan });
        return 0;
    } finally {
        fs.rmSync(folder, { recursive: true, force: true });
    }
}
