import { Job, JobnetDefinition, jobDefaults } from "./jobs";

/**
 * End-delay monitoring per job (JP1/AJS3's time required for execution, `fd`): a command or jobnet
 * job may say how long it should take (`expectedMinutes`); the run watcher tells of one still running
 * past it (handlers/jobEndDelay.ts). Here: what a definition may say, and what the watcher is given.
 */

/** The longest a job may run: its own time-out (a command job), or the jobnet's (a jobnet job, which has none of its own). */
function jobTimeoutMinutes(d: JobnetDefinition, job: Job<string>): number {
    return job.kind === "command" ? job.timeoutMinutes ?? jobDefaults.timeoutMinutes : d.timeoutMinutes;
}

/** Each job whose expectedMinutes is not above 0 and at most its time-out, in one line naming the jobnet and the job. */
export function jobEndDelayProblems(d: JobnetDefinition): string[] {
    const problems: string[] = [];
    for (const [name, job] of Object.entries<Job<string>>(d.jobs)) {
        if ((job.kind !== "command" && job.kind !== "jobnet") || job.expectedMinutes === undefined) continue;
        const timeout = jobTimeoutMinutes(d, job);
        const bound = job.kind === "command" ? `its timeoutMinutes (${timeout})` : `the jobnet's timeoutMinutes (${timeout})`;
        if (!(job.expectedMinutes > 0 && job.expectedMinutes <= timeout)) problems.push(`jobnet ${d.name}, job ${name}: expectedMinutes must be above 0 and at most ${bound}, not ${job.expectedMinutes}`);
    }
    return problems;
}

/** The jobs of a jobnet that declare how long they should take, in seconds, by job: what the run watcher judges them by. */
export function expectedJobSeconds(d: JobnetDefinition): Record<string, number> {
    return Object.fromEntries(Object.entries<Job<string>>(d.jobs).flatMap(([name, job]) => ((job.kind === "command" || job.kind === "jobnet") && job.expectedMinutes !== undefined ? [[name, Math.round(job.expectedMinutes * 60)]] : [])));
}
