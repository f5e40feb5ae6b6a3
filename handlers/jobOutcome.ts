import { endOf } from "./jobRun";
import { naturalOrder } from "./naturalOrder";

/**
 * How a command job ended, from what each server did (pure: handlers/jobs.ts reads the
 * invocations): the worst server decides, in JP1/AJS3's terms; a retry is due when every server
 * that ended abnormally exited with a code in the retry range and attempts are left.
 */

export interface ServerResult {
    name: string;
    instanceId: string;
    /** Run Command's invocation status (Success, Failed, TimedOut, Cancelled, ...) and its StatusDetails. */
    status: string;
    statusDetails?: string;
    /** The exit code; -1 when the command never ran. */
    exitCode: number;
    /** The last line it printed (standard error first, else standard output). */
    lastLine: string;
}

export interface CommandJudgment {
    warningAbove: number;
    abnormalAbove: number;
    retry?: { from: number; to: number; times: number };
    timeoutSeconds: number;
    logGroupName: string;
}

export type CommandEnd =
    | { end: "normal" | "warning"; exitCode: number; values?: Record<string, string> }
    | { end: "retry"; exitCode: number; values?: Record<string, string> }
    | { end: "abnormal"; exitCode: number; error: string; cause: string };

/** Worst first: never delivered, timed out or cancelled, then abnormal exit codes, then warnings. */
function severity(r: ServerResult, j: CommandJudgment): number {
    if (r.exitCode < 0 || r.status === "TimedOut" || r.status === "Cancelled") return 3;
    const end = endOf(r.exitCode, j);
    return end === "abnormal" ? 2 : end === "warning" ? 1 : 0;
}

/** The job's end over its servers, `attempts` sends so far. */
export function commandJobEnd(job: string, results: ServerResult[], j: CommandJudgment, attempts: number): CommandEnd {
    if (results.length === 0) return { end: "abnormal", exitCode: -1, error: "JobNotDelivered", cause: `${job}: Run Command reports no server for the command` };
    const worst = [...results].sort((a, b) => severity(b, j) - severity(a, j) || naturalOrder(a.name, b.name))[0];
    const exitCode = Math.max(...results.map((r) => r.exitCode));
    switch (severity(worst, j)) {
        case 0:
            return { end: "normal", exitCode };
        case 1:
            return { end: "warning", exitCode };
    }
    const abnormal = results.filter((r) => severity(r, j) >= 2);
    const retry = j.retry;
    if (retry && attempts <= retry.times && abnormal.every((r) => r.exitCode >= retry.from && r.exitCode <= retry.to && r.status !== "TimedOut")) {
        return { end: "retry", exitCode: worst.exitCode };
    }
    const others = abnormal.length > 1 ? ` (and ${abnormal.length - 1} more server${abnormal.length > 2 ? "s" : ""})` : "";
    const retried = retry && attempts > 1 ? ` after ${attempts} attempts` : "";
    const where = `${job} on ${worst.name} (${worst.instanceId})`;
    const output = worst.lastLine ? `: ${worst.lastLine}` : "";
    const logs = `; the whole output is in CloudWatch Logs, group ${j.logGroupName}`;
    if (worst.status === "TimedOut" && worst.exitCode < 0 && /Delivery/i.test(worst.statusDetails ?? "")) {
        return { end: "abnormal", exitCode: -1, error: "JobNotDelivered", cause: `${where}: Run Command could not deliver the command (${worst.statusDetails})${others}` };
    }
    if (worst.status === "TimedOut") {
        return { end: "abnormal", exitCode: worst.exitCode, error: "JobTimedOut", cause: `${where}: timed out after ${minutes(j.timeoutSeconds)} (its timeoutMinutes)${output}${others}${logs}` };
    }
    if (worst.status === "Cancelled") return { end: "abnormal", exitCode: -1, error: "JobCancelled", cause: `${where}: the command was cancelled${others}` };
    if (worst.exitCode < 0) {
        return { end: "abnormal", exitCode: -1, error: "JobNotDelivered", cause: `${where}: Run Command could not run the command (${worst.status}${worst.statusDetails ? `, ${worst.statusDetails}` : ""})${others}` };
    }
    return { end: "abnormal", exitCode: worst.exitCode, error: "JobEndedAbnormally", cause: `${where}: exit code ${worst.exitCode}${retried}${output}${others}${logs}` };
}

function minutes(seconds: number): string {
    return seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`;
}

/** The last line of what a command printed, standard error first, cut to 300 characters. */
export function lastLineOf(stderr: string | undefined, stdout: string | undefined): string {
    for (const text of [stderr, stdout]) {
        const lines = (text ?? "").split("\n").map((l) => l.trim()).filter((l) => l !== "" && l !== "----------ERROR-------");
        if (lines.length > 0) return lines[lines.length - 1].slice(0, 300);
    }
    return "";
}
