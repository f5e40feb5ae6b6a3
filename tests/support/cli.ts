import { SpawnSyncReturns, spawnSync } from "child_process";
import * as path from "path";
import { projectDir } from "../../scripts/lib/runProgram";

/** Runs one of the project's scripts as `npm run` would, with ts-node, and returns its exit code and output. */
export function runCli(script: string, args: string[], env: Record<string, string> = {}): SpawnSyncReturns<string> {
    return spawnSync(process.execPath, [require.resolve("ts-node/dist/bin"), path.join(projectDir, "scripts", script), ...args], {
        cwd: projectDir,
        encoding: "utf8",
        env: { ...process.env, ...env },
    });
}
