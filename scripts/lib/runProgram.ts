import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { MockedCloud, MockedCloudOptions } from "./mockedCloud";
import { setMockedEngine } from "./mockedEngine";
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
    /** What the program warned of (pulumi.log.warn), as preview would show it. */
    warnings: string[];
}

/**
 * Runs index.ts in-process under mocks with a stack's config, the way `pulumi preview` would run
 * it against a real account, and returns every registered resource and the stack outputs.
 * `configOf` names the stack file to read, for a stack name that has none of its own; `cloud`
 * says what the mocked account already runs.
 */
export async function runProgram(
    stack: string,
    configOverrides: Record<string, string | undefined> = {},
    configOf = stack,
    cloud: Omit<MockedCloudOptions, "region"> = {},
): Promise<ProgramRun> {
    const config = { ...stackConfig(configOf), ...configOverrides };
    for (const [k, v] of Object.entries(config)) if (v === undefined) delete config[k];
    pulumi.runtime.setAllConfig(config as Record<string, string>);
    // The mocked account answers for the stack's Region, in its partition (aws-cn for cn-north-1).
    const account = new MockedCloud({ ...cloud, region: config["aws:region"] });
    await setMockedEngine(account, projectName, stack);

    // A fresh copy of the program for every run: its modules read config when they load.
    const programFiles = ["index.ts", "infra", "statemachines", "handlers"].map((p) => path.join(projectDir, p));
    for (const id of Object.keys(require.cache)) {
        if (programFiles.some((p) => id === p || id.startsWith(p + path.sep))) delete require.cache[id];
    }
    const warnings: string[] = [];
    // Without an engine, pulumi.log.warn only prints: the run keeps what the program warns of instead.
    const log = pulumi.log as { warn: typeof pulumi.log.warn };
    const warn = log.warn;
    log.warn = async (message) => {
        warnings.push(message);
    };
    try {
        const program = require(path.join(projectDir, "index.ts")) as Record<string, unknown>;
        const outputs = await resolve(pulumi.output(program));
        await waitForRegistrations();
        return { account, outputs, warnings };
    } finally {
        log.warn = warn;
    }
}

export function resolve<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((res) => output.apply((v) => { res(v); return v; }));
}

async function waitForRegistrations(): Promise<void> {
    // Registrations go on after the outputs are known; wait until the engine's queue is empty.
    const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
    await settings.waitForRPCs();
}
