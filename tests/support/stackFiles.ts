import * as fs from "fs";
import * as path from "path";
import { processRuns } from "../../scripts/lib/outDirLock";
import { projectDir } from "../../scripts/lib/runProgram";

const lock = path.join(projectDir, "out", ".test", "stack-files.lock");
const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Runs `body` with the project's stack files to itself. The test files run in several processes at
 * once (mocha --parallel): a test that adds a stack file to the project folder for a while, and one
 * that expects the stack files the project ships (as in the list of stacks a missing one is told
 * with), each run in here, one at a time. A lock left by a process that died is taken over.
 */
export function withStackFiles<T>(body: () => T): T {
    fs.mkdirSync(path.dirname(lock), { recursive: true });
    const deadline = Date.now() + 5 * 60_000;
    for (;;) {
        try {
            fs.mkdirSync(lock);
            break;
        } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
        }
        if (holderIsGone()) fs.rmSync(lock, { recursive: true, force: true });
        else if (Date.now() > deadline) throw new Error(`${lock} has been held for 5 minutes`);
        else Atomics.wait(pause, 0, 0, 50);
    }
    try {
        fs.writeFileSync(path.join(lock, "pid"), String(process.pid));
        return body();
    } finally {
        fs.rmSync(lock, { recursive: true, force: true });
    }
}

function holderIsGone(): boolean {
    let pid: number;
    try {
        pid = Number(fs.readFileSync(path.join(lock, "pid"), "utf8"));
    } catch {
        // Just taken, its holder not written yet; or left without one, long ago.
        try {
            return Date.now() - fs.statSync(lock).mtimeMs > 60_000;
        } catch {
            return false;
        }
    }
    return !processRuns(pid);
}
