import * as fs from "fs";
import * as path from "path";

/**
 * Holds a folder of out/ (out/dev) for this process until it exits. npm start and npm run synth
 * rewrite the whole folder, and a simulated run loads its functions from it while it runs: two of
 * them at once on the same stack (two terminals) would delete each other's files mid-run. The
 * second waits, saying for whom, until the first has ended. The lock is a file beside the folder
 * holding the owner's process id; one whose owner has died (killed, or its terminal closed) is
 * taken over.
 */
export async function holdOutDir(outDir: string, say: (line: string) => void, pollMs = 200): Promise<void> {
    const lock = `${outDir}.lock`;
    fs.mkdirSync(path.dirname(outDir), { recursive: true });
    let waitingFor: number | undefined;
    let unreadable = 0;
    for (;;) {
        try {
            fs.writeFileSync(lock, String(process.pid), { flag: "wx" });
            process.once("exit", () => releaseOutDir(outDir));
            return;
        } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
        }
        const owner = ownerOf(lock);
        if (owner === process.pid) return;
        // No process id yet: its owner may be writing it this instant; still none a poll later, it is left over.
        unreadable = owner === undefined ? unreadable + 1 : 0;
        if ((owner === undefined && unreadable > 1) || (owner !== undefined && !processRuns(owner))) {
            // A lock its owner left behind: removed, then taken like any free one.
            fs.rmSync(lock, { force: true });
            continue;
        }
        if (owner !== undefined && waitingFor !== owner) say(`Waiting for process ${owner}, which is writing ${path.relative(process.cwd(), outDir) || outDir} (another npm start or npm run synth of this stack)…`);
        waitingFor = owner;
        await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
}

/** Lets the folder go, if this process holds it. */
export function releaseOutDir(outDir: string): void {
    const lock = `${outDir}.lock`;
    if (ownerOf(lock) === process.pid) fs.rmSync(lock, { force: true });
}

function ownerOf(lock: string): number | undefined {
    try {
        const pid = Number(fs.readFileSync(lock, "utf8"));
        return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
        return undefined;
    }
}

/** Whether a process runs: signal 0 only asks (EPERM: it runs, as another user). */
export function processRuns(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === "EPERM";
    }
}
