import type { CommandJob, JobnetDefinition } from "../../statemachines/jobs";
import { runGraphOf, topologicalOrder } from "../../statemachines/jobGraph";

/**
 * The shapes `npm run bench` runs a team jobnet in: a long chain, a wide fan-out, a graph nested
 * Parallel blocks cannot express, and one job that runs for half a day. Each job runs on one server
 * of the group `batch` for the seconds given.
 */

function commandJob(seconds: number, after: string[] = []): CommandJob<string> {
    return { kind: "command", after, on: { group: "batch", servers: "one" }, command: "/opt/batch/bin/step.sh", timeoutMinutes: Math.max(60, Math.ceil((seconds * 1.2) / 60)), simulate: { seconds } };
}

function jobnet(name: string, jobs: Record<string, CommandJob<string>>, timeoutMinutes: number): JobnetDefinition {
    return { name, description: `bench: ${name}`, expectedMinutes: timeoutMinutes, timeoutMinutes, jobs };
}

const pad = (i: number, width: number) => String(i).padStart(width, "0");

/** j01 → j02 → … → jN, each `seconds` long. */
export function chainJobnet(n: number, seconds: number): JobnetDefinition {
    const jobs: Record<string, CommandJob<string>> = {};
    for (let i = 1; i <= n; i++) jobs[`j${pad(i, 2)}`] = commandJob(seconds, i === 1 ? [] : [`j${pad(i - 1, 2)}`]);
    return jobnet(`chain-${n}`, jobs, Math.ceil((n * seconds * 2) / 60) + 60);
}

/** start → n jobs at once → join; the n jobs' lengths vary so that they do not end together. */
export function fanOutJobnet(n: number, seconds: number): JobnetDefinition {
    const jobs: Record<string, CommandJob<string>> = { start: commandJob(seconds) };
    for (let i = 1; i <= n; i++) jobs[`f${pad(i, 3)}`] = commandJob(seconds + (i % 10) * 6, ["start"]);
    jobs.join = commandJob(seconds, Object.keys(jobs).filter((j) => j !== "start"));
    return jobnet(`fan-out-${n}`, jobs, 240);
}

/**
 * `layers` layers of `width` jobs; a job depends on the jobs at its own and the next index of the
 * layer before (A→C, A→D, B→D): no nesting of Parallel blocks expresses it. Lengths vary by job.
 */
export function latticeJobnet(layers: number, width: number, seconds: number): JobnetDefinition {
    const jobs: Record<string, CommandJob<string>> = {};
    const name = (l: number, i: number) => `l${pad(l, 2)}-${pad(i, 2)}`;
    for (let l = 1; l <= layers; l++) {
        for (let i = 1; i <= width; i++) {
            const after = l === 1 ? [] : [name(l - 1, i), ...(i < width ? [name(l - 1, i + 1)] : [])];
            jobs[name(l, i)] = commandJob(seconds + ((l * 7 + i * 13) % 11) * 5, after);
        }
    }
    return jobnet(`lattice-${layers * width}`, jobs, 24 * 60);
}

/** One job running `hours` hours. */
export function longJobnet(hours: number): JobnetDefinition {
    return jobnet(`single-${hours}h`, { long: commandJob(hours * 3600) }, hours * 60 + 120);
}

/** The longest path through the graph, in the jobs' simulated seconds, and the jobs on it. */
export function criticalPath(d: JobnetDefinition): { seconds: number; jobs: string[] } {
    const graph = runGraphOf(d);
    const best = new Map<string, { seconds: number; jobs: string[] }>();
    for (const job of topologicalOrder(graph)) {
        const own = (d.jobs as Record<string, CommandJob<string>>)[job].simulate?.seconds ?? 0;
        const before = graph.jobs[job].after.map((p) => best.get(p)!).reduce((a, b) => (b.seconds > a.seconds ? b : a), { seconds: 0, jobs: [] as string[] });
        best.set(job, { seconds: before.seconds + own, jobs: [...before.jobs, job] });
    }
    return [...best.values()].reduce((a, b) => (b.seconds > a.seconds ? b : a));
}
