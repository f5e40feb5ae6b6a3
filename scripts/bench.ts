import * as path from "path";
import { startLowerBound, stopLowerBound } from "../simulator/criticalPath";
import { simulate } from "../simulator/simulate";
import { formatDuration, table } from "../simulator/timeline";
import { parseCommandLine, runCommand } from "./lib/commandLine";
import { projectDir } from "./lib/runProgram";
import { synthesize } from "./lib/synthesize";

// Targets: within 1.15 × the lower bound; under half of Step Functions' payload and history limits; 60 s in all.
const maxRatio = 1.15;
const payloadBudget = (256 * 1024) / 2;
const historyBudget = 25_000 / 2;
const realTimeBudgetSeconds = 60;

const usage = `Usage: npm run bench [-- --help]

Runs both jobnets of the dev stack at 2, 20 and 100 web servers in the simulated account and
compares each simulated duration with the critical-path lower bound. Exit 0 when every target is
met (ratio ≤ ${maxRatio}, payload < ${payloadBudget / 1024} KiB, history < ${historyBudget}, under ${realTimeBudgetSeconds}s of real time), 1 otherwise.`;

async function main(argv: string[]): Promise<number> {
    const { values } = parseCommandLine("npm run bench", { args: argv, options: { help: { type: "boolean", short: "h", default: false } } }, process.env);
    if (values.help) {
        process.stdout.write(`${usage}\n`);
        return 0;
    }
    const began = Date.now();
    const rows: string[][] = [];
    const misses: string[] = [];
    for (const servers of [2, 20, 100]) {
        const synth = await synthesize("dev", path.join(projectDir, "out", "bench", `${servers}-servers`), { "webapp-jobnet:webServerCount": String(servers) });
        const concurrency = (synth.definitions.stop.States.StopWebServers as { MaxConcurrency: number }).MaxConcurrency;
        for (const [jobnet, initial] of [["stop", "running"], ["start", "stopped"]] as const) {
            const t = Date.now();
            const { reports } = await simulate(synth, { initial, jobnets: [jobnet] });
            const real = (Date.now() - t) / 1000;
            const r = reports[0].report;
            const bound = (jobnet === "stop" ? stopLowerBound : startLowerBound)(servers, concurrency);
            const ratio = r.durationSeconds / bound.seconds;
            rows.push([
                String(servers), jobnet, r.status, formatDuration(r.durationSeconds), formatDuration(bound.seconds), ratio.toFixed(3),
                String(r.stateTransitions), String(r.lambdaInvocations), `${(r.largestPayloadBytes / 1024).toFixed(1)} KB`, String(r.historyEvents), `${real.toFixed(2)}s`,
            ]);
            const run = `${jobnet} with ${servers} servers`;
            if (r.status !== "SUCCEEDED") misses.push(`${run} ended ${r.status}: ${r.error}`);
            if (ratio > maxRatio) misses.push(`${run}: ${ratio.toFixed(3)} × the lower bound (target ${maxRatio})`);
            if (r.largestPayloadBytes >= payloadBudget) misses.push(`${run}: largest payload ${r.largestPayloadBytes} bytes`);
            if (r.historyEvents >= historyBudget) misses.push(`${run}: ${r.historyEvents} history events`);
        }
    }
    const total = (Date.now() - began) / 1000;
    if (total > realTimeBudgetSeconds) misses.push(`the bench took ${total.toFixed(1)}s (target ${realTimeBudgetSeconds}s)`);
    process.stdout.write(
        "Both jobnets in the simulated account (simulator/latency.ts), happy paths.\n" +
        "ratio = simulated duration / critical-path lower bound (simulator/criticalPath.ts)\n\n" +
        table(["servers", "jobnet", "status", "simulated", "lower bound", "ratio", "transitions", "Lambda calls", "largest payload", "history events", "real time"], rows) +
        `\n\nWhole bench: ${total.toFixed(1)}s of real time. Targets: ratio ≤ ${maxRatio}, payload < ${payloadBudget / 1024} KiB, history < ${historyBudget}, under ${realTimeBudgetSeconds}s.\n` +
        (misses.length === 0 ? "Every target met.\n" : `Missed:\n${misses.map((m) => `  - ${m}`).join("\n")}\n`),
    );
    return misses.length === 0 ? 0 : 1;
}

runCommand(() => main(process.argv.slice(2)));
