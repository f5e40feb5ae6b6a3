import type { CommandJob, Job, JobnetDefinition } from "../statemachines/jobs";

/**
 * What a team jobnet's command does on a simulated server: what its definition says the simulation
 * plays (`simulate`: seconds, exit code, output), unless a `--fail job:...` fault says otherwise.
 * Run Command's comment names the command (handlers/jobs.ts: `<jobnet>/<job> attempt <n>`).
 */

export interface JobPlay {
    seconds: number;
    exitCode: number;
    stdout: string;
    /** The command never ends by itself (Run Command times it out), or never reaches the server. */
    outcome?: "runs-forever" | "undeliverable";
}

/** A `--fail job:...` fault: a job exits with a code (its first TIMES attempts, or every one), hangs, is never delivered, or its hold is never released. */
export type JobFault =
    | { job: string; kind: "exit"; code: number; times: number }
    | { job: string; kind: "timeout" }
    | { job: string; kind: "undelivered" }
    | { job: string; kind: "unreleased" }
    | { job: string; kind: "novalue"; name: string }
    | { job: string; kind: "slow"; minutes: number };

/** The forms of the job faults, for `--help` and errors. */
export const jobFaultForms = [
    { form: "job:JOB:exit=CODE[:TIMES]", does: "JOB exits with CODE on every server, its first TIMES attempts (default: every one)" },
    { form: "job:JOB:timeout", does: "JOB never ends by itself: Run Command times it out after its timeoutMinutes" },
    { form: "job:JOB:undelivered", does: "Run Command never delivers JOB's command: its servers' agents lost their connection unnoticed" },
    { form: "job:JOB:unreleased", does: "nobody releases JOB's hold: it ends abnormally once its hold.maxMinutes have passed" },
    { form: "job:JOB:novalue=NAME", does: "JOB does not print the value NAME it emits (no line NAME=…): the job that uses it fails, naming it" },
    { form: "job:JOB:slow=MINUTES", does: "JOB runs MINUTES minutes on every server, every attempt (past its expectedMinutes: the run watcher tells of it)" },
] as const;

/** Parses `job:JOB:...`; undefined for a spec of another kind; an Error naming what is wrong. */
export function parseJobFault(spec: string, jobs: readonly string[] | undefined): JobFault | undefined {
    const [kind, job, what, times, ...rest] = spec.split(":");
    if (kind !== "job") return undefined;
    const wrong = (why: string) => new Error(`--fail ${JSON.stringify(spec)}: ${why}; the forms are ${jobFaultForms.map((f) => f.form).join(", ")}`);
    if (!job || !what || rest.length > 0) throw wrong("incomplete");
    if (jobs !== undefined && !jobs.includes(job)) throw wrong(`the jobnet has no job ${job} (its jobs: ${jobs.join(", ")})`);
    if (what === "timeout" || what === "undelivered" || what === "unreleased") {
        if (times !== undefined) throw wrong(`${what} takes no count`);
        return { job, kind: what };
    }
    const novalue = /^novalue=(.*)$/.exec(what);
    if (novalue) {
        if (times !== undefined) throw wrong("novalue takes no count");
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(novalue[1])) throw wrong(`${JSON.stringify(novalue[1])} is not a value's name`);
        return { job, kind: "novalue", name: novalue[1] };
    }
    const slow = /^slow=(\d+)$/.exec(what);
    if (slow) {
        if (times !== undefined) throw wrong("slow takes no count");
        if (Number(slow[1]) < 1) throw wrong("slow=MINUTES takes a whole number of minutes from 1");
        return { job, kind: "slow", minutes: Number(slow[1]) };
    }
    const code = /^exit=(-?\d+)$/.exec(what);
    if (!code) throw wrong(`${JSON.stringify(what)} is not exit=CODE, slow=MINUTES, timeout, undelivered, unreleased or novalue=NAME`);
    if (times !== undefined && !/^[1-9]\d*$/.test(times)) throw wrong(`TIMES ${JSON.stringify(times)} is not a whole number from 1`);
    return { job, kind: "exit", code: Number(code[1]), times: times === undefined ? Infinity : Number(times) };
}

/** What a job's definition plays at an attempt: its exit code, then `thenExitCodes` for the retries (the last repeating). */
function definedPlay(job: CommandJob<string>, attempt: number): JobPlay {
    const s = job.simulate;
    const later = s?.thenExitCodes ?? [];
    const exitCode = attempt <= 1 ? s?.exitCode ?? 0 : later.length > 0 ? later[Math.min(attempt - 2, later.length - 1)] : s?.exitCode ?? 0;
    return { seconds: s?.seconds ?? 30, exitCode, stdout: s?.output ?? "" };
}

/** The comment handlers/jobs.ts gives a job's command: `<jobnet>/<job> attempt <n>`. */
export function commandOfComment(comment: string): { jobnet: string; job: string; attempt: number } | undefined {
    const m = /^([a-z0-9-]+)\/([a-z0-9-]+) attempt (\d+)$/.exec(comment);
    return m ? { jobnet: m[1], job: m[2], attempt: Number(m[3]) } : undefined;
}

/**
 * The plays of every command job of these jobnets, faults applied; an exit-code fault acts on the
 * first TIMES sends of the job to a server, whatever their attempt: a redrive's sends count on.
 */
export function jobPlays(definitions: readonly JobnetDefinition[], faults: readonly JobFault[]): (comment: string, server: string) => JobPlay | undefined {
    const sends = new Map<string, number>();
    return (comment, server) => {
        const c = commandOfComment(comment);
        if (!c) return undefined;
        const job = (definitions.find((d) => d.name === c.jobnet)?.jobs as Record<string, Job<string>> | undefined)?.[c.job];
        if (job?.kind !== "command") return undefined;
        const play = definedPlay(job, c.attempt);
        const fault = faults.find((f) => f.job === c.job);
        const key = `${c.jobnet}/${c.job}@${server}`;
        const sent = (sends.get(key) ?? 0) + 1;
        sends.set(key, sent);
        if (fault?.kind === "timeout") return { ...play, outcome: "runs-forever" };
        if (fault?.kind === "undelivered") return { ...play, outcome: "undeliverable" };
        if (fault?.kind === "novalue") return { ...play, stdout: play.stdout.split("\n").filter((line) => !line.startsWith(`${fault.name}=`)).join("\n") };
        if (fault?.kind === "slow") return { ...play, seconds: fault.minutes * 60 };
        if (fault?.kind === "exit" && sent <= fault.times) return { ...play, exitCode: fault.code, stdout: `${play.stdout ? `${play.stdout}\n` : ""}${c.job}: failed with exit code ${fault.code} (simulated)` };
        return play;
    };
}
