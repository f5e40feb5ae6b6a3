import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { MockedCloud, MockedCloudOptions, accountNamedBy, mockRegion } from "./mockedCloud";
import { setMockedEngine } from "./mockedEngine";
import * as stackFiles from "./stackConfig";

export const projectDir = path.resolve(__dirname, "..", "..");
export const projectName = "webapp-jobnet";

/** The config of a stack of this project, as the Pulumi CLI hands it to the program (see stackConfig.ts). */
export function stackConfig(stack: string): Record<string, string> {
    return stackFiles.stackConfig(stack, projectDir);
}

export interface ProgramRun {
    account: MockedCloud;
    outputs: Record<string, any>;
    /** What the program warned of (pulumi.log.warn), as preview would show it. */
    warnings: string[];
    /** What it said besides (pulumi.log.info), as preview shows it. */
    infos: string[];
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
    const region = config["aws:region"];
    const account = new MockedCloud({ ...accountNamedBy(config as Record<string, string>, region ?? mockRegion), ...cloud, region });
    await setMockedEngine(account, projectName, stack);

    // A fresh copy of the program for every run: its modules read config when they load.
    const programFiles = ["index.ts", "infra", "statemachines", "handlers"].map((p) => path.join(projectDir, p));
    for (const id of Object.keys(require.cache)) {
        if (programFiles.some((p) => id === p || id.startsWith(p + path.sep))) delete require.cache[id];
    }
    const warnings: string[] = [];
    const infos: string[] = [];
    // Without an engine, pulumi.log only prints: the run keeps what the program says instead.
    const log = pulumi.log as { warn: typeof pulumi.log.warn; info: typeof pulumi.log.info };
    const { warn, info } = log;
    log.warn = async (message) => {
        warnings.push(message);
    };
    log.info = async (message) => {
        infos.push(message);
    };
    // An error in an output (a data source that finds nothing) ends the program as Pulumi's own
    // runner ends it: through the process's unhandled rejection, which the outputs never see.
    let failed: (reason: unknown) => void = () => undefined;
    const failure = new Promise<never>((_, reject) => {
        failed = reject;
    });
    process.prependListener("unhandledRejection", failed);
    try {
        // The program is a function, as Pulumi runs it: what it returns are the stack outputs.
        const program = require(path.join(projectDir, "index.ts")) as () => Promise<Record<string, unknown>>;
        const outputs = await Promise.race([program().then((exported) => resolve(pulumi.output(exported))), failure]);
        await Promise.race([waitForRegistrations(), failure]);
        return { account, outputs, warnings, infos };
    } finally {
        process.removeListener("unhandledRejection", failed);
        Object.assign(log, { warn, info });
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
