import type { SimulatedAccount } from "./account";
import { commandOfComment } from "./jobPlays";
import { naturalOrder } from "../handlers/naturalOrder";

/** One run of a team jobnet's command on a server, as the simulated account saw it: seconds since `since`. */
export interface JobRunOnServer {
    job: string;
    attempt: number;
    server: string;
    /** When the command started running there, and ended; undefined while it had not. */
    started: number | undefined;
    ended: number | undefined;
    status: string;
    exitCode: number;
}

/** Every run of a team jobnet's commands in the account, in the order they started; times in seconds since `sinceMs`. */
export function jobRuns(account: SimulatedAccount, sinceMs: number): JobRunOnServer[] {
    const seconds = (ms: number | undefined) => (ms === undefined ? undefined : Math.round((ms - sinceMs) / 100) / 10);
    return account.invocations.flatMap((v) => {
        const c = commandOfComment(account.command(v.commandId).comment);
        if (!c) return [];
        return [{ job: c.job, attempt: c.attempt, server: account.instance(v.instanceId).name, started: seconds(v.startedAt), ended: seconds(v.endedAt), status: v.status, exitCode: v.responseCode }];
    }).sort((a, b) => (a.started ?? Infinity) - (b.started ?? Infinity) || a.job.localeCompare(b.job) || naturalOrder(a.server, b.server));
}

/**
 * The hand-offs of a run: for each job, from the end of the last of its predecessors' commands on
 * its servers to its own command's start (seconds).
 */
export function handOffs(runs: readonly JobRunOnServer[], predecessors: Record<string, string[]>): { job: string; seconds: number }[] {
    const firstStart = new Map<string, number>();
    const lastEnd = new Map<string, number>();
    for (const r of runs) {
        if (r.started !== undefined && !firstStart.has(`${r.job}#${r.attempt}`)) firstStart.set(`${r.job}#${r.attempt}`, r.started);
        if (r.ended !== undefined) lastEnd.set(r.job, Math.max(lastEnd.get(r.job) ?? 0, r.ended));
    }
    return Object.entries(predecessors).flatMap(([job, after]) => {
        const start = firstStart.get(`${job}#1`);
        const ends = after.map((p) => lastEnd.get(p));
        if (start === undefined || after.length === 0 || ends.some((e) => e === undefined)) return [];
        return [{ job, seconds: Math.round((start - Math.max(...(ends as number[]))) * 10) / 10 }];
    });
}
