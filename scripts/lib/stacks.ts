import * as fs from "fs";
import * as path from "path";
import { UsageError } from "./commandLine";

/** The stacks of the project in `dir`: one `Pulumi.<stack>.yaml` each. */
export function stackNames(dir: string): string[] {
    return fs.readdirSync(dir).flatMap((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1] ?? []).sort();
}

/** The stack's file; a stack without one is a UsageError that lists the stacks there are. */
export function stackFile(dir: string, stack: string): string {
    const file = path.join(dir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        const stacks = stackNames(dir);
        throw new UsageError(`--stack ${JSON.stringify(stack)}: there is no Pulumi.${stack}.yaml; ${stacks.length === 0 ? "this project has no stack file yet" : `the stacks are ${stacks.join(", ")}`}`);
    }
    return file;
}
