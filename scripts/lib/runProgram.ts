import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { MockedCloud } from "./mockedCloud";
import * as stackFiles from "./stackConfig";

export const projectDir = path.resolve(__dirname, "..", "..");
const projectName = "webapp-jobnet";

/** The config of a stack of this project, as the Pulumi CLI hands it to the program (see stackConfig.ts). */
export function stackConfig(stack: string): Record<string, string> {
    return stackFiles.stackConfig(stack, projectDir);
}

export interface ProgramRun {
    account: MockedCloud;
    outputs: Record<string, any>;
}

/**
 * Runs index.ts in-process under mocks with a stack's config, the way `pulumi preview` would run
 * it against a real account, and returns every registered resource and the stack outputs.
 * `configOf` names the stack file to read, for a stack name that has none of its own.
 */
export async function runProgram(stack: string, configOverrides: Record<string, string | undefined> = {}, configOf = stack): Promise<ProgramRun> {
    const config = { ...stackConfig(configOf), ...configOverrides };
    for (const [k, v] of Object.entries(config)) if (v === undefined) delete config[k];
    pulumi.runtime.setAllConfig(config as Record<string, string>);
    // The mocked account answers for the stack's Region, in its partition (aws-cn for cn-north-1).
    const account = new MockedCloud({ region: config["aws:region"] });
    await pulumi.runtime.setMocks(account, projectName, stack, false);

    // A fresh copy of the program for every run: its modules read config when they load.
    const programFiles = ["index.ts", "infra", "statemachines", "handlers"].map((p) => path.join(projectDir, p));
    for (const id of Object.keys(require.cache)) {
        if (programFiles.some((p) => id === p || id.startsWith(p + path.sep))) delete require.cache[id];
    }
    const program = require(path.join(projectDir, "index.ts")) as Record<string, unknown>;
    const outputs = await resolve(pulumi.output(program));
    await waitForRegistrations();
    return { account, outputs };
}

export function resolve<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((res) => output.apply((v) => { res(v); return v; }));
}

async function waitForRegistrations(): Promise<void> {
    // Registrations go on after the outputs are known; wait until the engine's queue is empty.
    const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
    await settings.waitForRPCs();
}
