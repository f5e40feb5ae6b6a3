import { SpawnSyncReturns, spawnSync } from "child_process";
import * as path from "path";
import { projectDir } from "../../scripts/lib/runProgram";

/**
 * Runs one of the project's scripts as `npm run` would, and returns its exit code and output. The
 * script is transpiled as ts-node transpiles it (transpileOnly), by the tests' own loader
 * (register.js), which keeps what it transpiled for the next run, with the tests' shortcuts
 * (shortcuts.js). The npm settings of whatever runs the tests
 * (`npx --yes`, `npm test`) are left out: the script sees only those a test gives it, as from its
 * own `npm run`.
 */
export function runCli(script: string, args: string[], env: Record<string, string> = {}): SpawnSyncReturns<string> {
    return spawnSync(process.execPath, [...cliLoader, path.join(projectDir, "scripts", script), ...args], { cwd: projectDir, encoding: "utf8", env: cliEnvironment(script, env) });
}

/** Node's options that load a script as runCli does. */
export const cliLoader = ["--require", require.resolve("./register.js"), "--require", require.resolve("./shortcuts.js")];

/** The environment of a script run as from its own `npm run`, with `env` on top. */
export function cliEnvironment(script: string, env: Record<string, string> = {}): NodeJS.ProcessEnv {
    // COLUMNS too: a script's output is fitted in it, and a test that wants a width gives it.
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("npm_config_") && k !== "npm_lifecycle_event" && k !== "COLUMNS"));
    return { ...inherited, npm_lifecycle_event: path.basename(script, ".ts"), ...env };
}
