import type { Alert } from "./alerts";
import type { RunRecord } from "./jobRun";
import { formatSeconds } from "./notifier";

/**
 * End-delay monitoring per job (JP1/AJS3's time required for execution): the decisions of the run
 * watcher (handlers/runWatch.ts) on a running run's record (handlers/jobRecord.ts). A job's attempt
 * is late once it has run its `expectedMinutes` since StartJob sent it (JobState.sentAt); it is told
 * by the one look whose window holds that moment, so once, with no state kept between looks.
 */

export interface LateJob {
    job: string;
    /** The attempt that is late (a retry counts from its own send). */
    attempt: number;
    sentAt: number;
    expectedSeconds: number;
    /** A command job's servers, by name; none for a jobnet job. */
    servers: string[];
    /** A jobnet job: the run it started. */
    childArn?: string;
}

/**
 * The jobs of a run whose expected end falls in this look's window, (tick - period, tick], and that
 * still run it: sent, not ended, not waiting between two attempts. As overdueRuns does for runs.
 */
export function lateJobs(record: RunRecord, expectedSeconds: Record<string, number>, tick: number, periodSeconds: number): LateJob[] {
    const late: LateJob[] = [];
    for (const [job, expected] of Object.entries(expectedSeconds)) {
        const state = record.jobs[job];
        if (state?.status !== "running" || state.retryDue === true || state.sentAt === undefined) continue;
        const due = state.sentAt + expected * 1000;
        if (due > tick - periodSeconds * 1000 && due <= tick) {
            late.push({ job, attempt: state.attempts ?? 1, sentAt: state.sentAt, expectedSeconds: expected, servers: state.servers ?? [], ...(state.childArn ? { childArn: state.childArn } : {}) });
        }
    }
    return late;
}

/** The notice of a job still running past its expected duration: the job, the jobnet, where it runs, the run. */
export function jobEndDelayAlert(o: { stack: string; jobnet: string; late: LateJob; now: number; runName: string; consoleUrl: string }): Alert {
    const running = formatSeconds((o.now - o.late.sentAt) / 1000);
    const where = o.late.childArn !== undefined ? `running jobnet run ${o.late.childArn.split(":").pop()}` : o.late.servers.length > 0 ? `on ${o.late.servers.join(", ")}` : "";
    return {
        subject: `[${o.stack}] ${o.jobnet}: job ${o.late.job} still running after ${running}${o.late.servers.length > 0 ? ` on ${o.late.servers.join(", ")}` : ""}`,
        lines: [
            `Job ${o.late.job} of the ${o.jobnet} jobnet (stack ${o.stack}) has been running for ${running}${where ? ` ${where}` : ""}; it is expected to take ${formatSeconds(o.late.expectedSeconds)} (expectedMinutes of jobnets/${o.jobnet}).${o.late.attempt > 1 ? ` This is attempt ${o.late.attempt}.` : ""}`,
            `Execution: ${o.runName} (${o.consoleUrl})`,
            "The job goes on: this notice does not stop it. Look at what it is doing on its server; it ends by itself at its timeoutMinutes.",
        ],
    };
}
