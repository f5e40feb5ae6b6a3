import { Job, JobnetDefinition, JudgmentCondition, jobDefaults } from "./jobs";
import { quote } from "./diagram";
import { fileInWords } from "./waitForFile";

/**
 * A Graphviz picture of a team's jobnet as its team thinks of it: one box a job, an arrow from each
 * predecessor, a judgment's arrows labelled with the branch they take. The state machine's own
 * picture (diagram.ts) shows how the jobs run; this one shows what depends on what.
 */
export function jobGraphDot(d: JobnetDefinition, title: string): string {
    const out: string[] = [
        "digraph jobs {",
        `  graph [label=${quote(title)}, labelloc=t, fontsize=16, fontname="Helvetica", rankdir=TB, nodesep=0.3, ranksep=0.35];`,
        '  node [fontname="Helvetica", fontsize=11, shape=box, style="rounded,filled", fillcolor="#eef3fb", color="#5b7fb8"];',
        '  edge [fontname="Helvetica", fontsize=9, color="#555555"];',
    ];
    const jobs = Object.entries<Job<string>>(d.jobs);
    const recoveryJobs = new Set(jobs.flatMap(([, job]) => job.kind === "judgment" ? [] : job.recovery?.jobs ?? []));
    for (const [name, job] of jobs) out.push(`  ${quote(name)} [${nodeAttributes(name, job)}${recoveryJobs.has(name) ? ', fillcolor="#fbeceb", color="#b03a2e"' : ""}];`);
    for (const [name, job] of jobs) {
        const branches = job.kind === "judgment" ? [...job.then.map((t) => [t, "then"]), ...(job.else ?? []).map((t) => [t, "else"])] : [];
        for (const p of job.after ?? []) out.push(`  ${quote(p)} -> ${quote(name)};`);
        for (const r of job.kind === "judgment" ? [] : job.recovery?.jobs ?? []) out.push(`  ${quote(name)} -> ${quote(r)} [label=${quote("if abnormal")}, style=dashed, color="#b03a2e", fontcolor="#b03a2e"];`);
        for (const [next, branch] of branches) {
            if (!((d.jobs as Record<string, Job<string>>)[next]?.after ?? []).includes(name)) out.push(`  ${quote(name)} -> ${quote(next)} [label=${quote(branch)}, style=dashed];`);
        }
    }
    out.push("}");
    return out.join("\n") + "\n";
}

function nodeAttributes(name: string, job: Job<string>): string {
    switch (job.kind) {
        case "command": {
            const where = `${job.on.servers === "one" ? "one server of" : "every server of"} ${job.on.group}`;
            const first = job.command.split("\n")[0];
            const command = first.length > 40 ? `${first.slice(0, 39)}…` : first;
            const extras = [
                job.end ? `warning above ${job.end.warningAbove ?? jobDefaults.warningAbove}, abnormal above ${job.end.abnormalAbove ?? jobDefaults.abnormalAbove}` : "",
                job.retry ? `retries ${job.retry.exitCodes.from}–${job.retry.exitCodes.to} ×${job.retry.times}` : "",
                (job.emits ?? []).length > 0 ? `emits ${job.emits!.join(", ")}` : "",
                ...heldAndRecovered(job),
            ].filter((e) => e);
            return `label=${quote([name, where, command, ...extras].join("\n"))}`;
        }
        case "judgment":
            return `label=${quote(`${name}\n${"value" in job.when ? `${job.when.value}` : `exit code of ${job.after[0]}`} ${conditionWords(job.when)}?`)}, shape=diamond, style=filled, fillcolor="#fff4d6", color="#c99a2e"`;
        case "jobnet":
            return `label=${quote([name, `runs jobnet ${job.jobnet}`, ...heldAndRecovered(job)].join("\n"))}, peripheries=2`;
        case "waitForFile":
            return `label=${quote([name, `waits for ${fileInWords(job)}`, `at most ${job.timeoutMinutes} min`, ...heldAndRecovered(job)].join("\n"))}, shape=folder`;
    }
}

/** A hold before the job, and what the run does after its recovery. */
function heldAndRecovered(job: Exclude<Job<string>, { kind: "judgment" }>): string[] {
    return [
        job.hold ? `held until released (at most ${job.hold.maxMinutes} min)` : "",
        job.recovery ? `if abnormal: recovery, then ${job.recovery.then === "continue" ? "go on" : "the run fails"}` : "",
    ].filter((e) => e);
}

/** "= 0", "1–3", "> 4". */
export function conditionWords(when: JudgmentCondition): string {
    if ("equals" in when) return `= ${typeof when.equals === "string" ? JSON.stringify(when.equals) : when.equals}`;
    if ("above" in when) return `> ${when.above}`;
    return `in ${when.from}–${when.to}`;
}
