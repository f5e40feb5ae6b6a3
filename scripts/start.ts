import * as fs from "fs";
import * as path from "path";
import { styleText } from "util";
import { readableCause } from "../handlers/causes";
import { functionSteps, invokedFunctions } from "../statemachines/asl";
import { faultForms, parseFaults } from "../simulator/faults";
import { EventLog, RunReport } from "../simulator/run";
import { WatchLook, databaseOfOutputs, simulate } from "../simulator/simulate";
import { groupServers, jobnetsOf, teamDefinitionsOf } from "../simulator/teamJobnets";
import { jobFaultForms, parseJobFault } from "../simulator/jobPlays";
import { closestName } from "../infra/closestName";
import type { Job, JobnetDefinition } from "../statemachines/jobs";
import { SimPublished, executionArnOf } from "../simulator/account";
import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { ganttHtml, ganttModel, ganttSvg } from "./lib/gantt";
import { Timeline, emittedValuesOfRun, fitToColumns, formatDuration, summaryTable } from "../simulator/timeline";
import { serverOutcomes } from "../handlers/serverOutcomes";
import { UsageError, outputColumns, requireWritableFile, runCommand } from "./lib/commandLine";
import { projectDir } from "./lib/runProgram";
import { stackFile } from "./lib/stacks";
import { parseStartOptions, scheduledInput, scheduledRunOn, startUsage } from "./lib/startOptions";
import { holdOutDir } from "./lib/outDirLock";
import { SynthResult, synthesize } from "./lib/synthesize";
import { busEventOf, jobnetsRunByHand, triggerInWords } from "./lib/triggeredStart";
import { TriggerKind, triggeredExecutionName } from "../statemachines/startConditions";
import { simulatedStartMs } from "../simulator/clock";

const write = (text: string) => process.stdout.write(text);

async function main(argv: string[]): Promise<number> {
    const options = parseStartOptions(argv, process.env);
    if (options.help) {
        write(startUsage + faultForms() + "\n\nA team jobnet's jobs (--jobnet NAME):\n" + jobFaultForms.map((f) => `  ${f.form.padEnd(28)} ${f.does}`).join("\n") + "\n");
        return 0;
    }
    stackFile(projectDir, options.stack);
    if (options.json) requireWritableFile("--json", options.json);
    if (options.report) requireWritableFile("--report", options.report);
    const tty = process.stdout.isTTY === true;
    const bold = (text: string) => (tty ? styleText("bold", text) : text);
    const columns = () => outputColumns(process.stdout, process.env);
    // What this command says itself, fitted in the width; the timeline fits its own lines.
    const say = (text: string) => write(fitToColumns(text, columns()));
    const outName = options.servers === undefined ? options.stack : `${options.stack}-${options.servers}-servers`;
    const outDir = path.join(projectDir, "out", outName);
    await holdOutDir(outDir, (line) => say(`${line}\n`));
    write(`Synthesising stack ${options.stack} offline…\n`);
    const synth = await synthesize(options.stack, outDir, options.servers === undefined ? {} : { "webapp-jobnet:webServerCount": String(options.servers) });
    const servers: string[] = synth.outputs.webServers.map((s: { name: string }) => s.name);
    const database = databaseOfOutputs(synth.outputs);
    const team = teamJobnetOf(synth, options.jobnets);
    const usage = <T>(f: () => T): T => {
        try {
            return f();
        } catch (e) {
            throw new UsageError((e as Error).message);
        }
    };
    // A team jobnet with start conditions starts from the file or event given, or after the jobnet it follows.
    const byHand = team ? usage(() => jobnetsRunByHand(team, options)) : options.jobnets;
    const busEvents = options.events.map((file) => usage(() => busEventOf(file, fs.readFileSync(file, "utf8"))));
    const groupServerNames = groupServers(synth.outputs.jobnetGroups ?? {}, "", "").map((s) => s.name);
    // A run due on a given day: as its schedule would start it, then.
    const scheduled = options.date === undefined ? undefined : scheduledRunOn(options.date, team?.schedules?.[0]);
    // A team jobnet's own faults (job:...), then the account's, which a jobnet it runs (stop, start) may meet.
    const jobFaults = team ? options.faults.flatMap((f) => parseJobFault(f, Object.keys(team.jobs)) ?? []) : [];
    // A release, or a hold never released, is of a job the jobnet holds.
    const held = team ? Object.entries<Job<string>>(team.jobs).filter(([, j]) => j.kind !== "judgment" && j.hold).map(([name]) => name) : [];
    for (const job of [...Object.keys(options.releases), ...jobFaults.filter((f) => f.kind === "unreleased").map((f) => f.job)]) {
        if (!held.includes(job)) throw new UsageError(`${job} is not a job of ${team?.name} with a hold: ${held.length === 0 ? "it holds none" : `its jobs with a hold are ${held.join(", ")}`}`);
    }
    const faults = parseFaults(options.faults.filter((f) => !f.startsWith("job:")), {
        jobnets: team ? ["stop", "start"] : (options.jobnets as ("stop" | "start")[]),
        servers: [...servers, ...groupServerNames],
        jobnetNames: [...jobnetsOf(synth).keys()],
        database: database ?? "none",
        tasks: tasksOf(synth, team ? [...jobnetsOf(synth).keys()] : options.jobnets),
        ...(team ? {} : { initial: options.initial }),
        steps: [...new Set((team ? [...jobnetsOf(synth).keys()] : options.jobnets).flatMap((j) => functionSteps(jobnetsOf(synth).get(j)!.definition)))],
    });
    const relativeOut = path.relative(projectDir, outDir);
    const shown = (names: string[]) => (names.length > 3 ? `${names[0]} … ${names[names.length - 1]}` : names.join(", "));
    const pictures = (team ? [team.name] : ["stop", "start"]).map((j) => `${j}.asl.json, ${j}.svg${team ? `, ${j}.jobs.svg` : ""}`).join(", ");
    say(
        `Simulated AWS account: ${servers.length} web servers (${shown(servers)}), ` +
        (groupServerNames.length > 0 ? `${groupServerNames.length} servers of the jobnets' groups (${shown(groupServerNames)}), ` : "") +
        `${database === undefined ? "no database" : `${database.kind === "cluster" ? "cluster" : "DB instance"} ${database.identifier}`}, the system ${options.initial} before the first run.\n` +
        `Definitions and diagrams: ${relativeOut}/${pictures}\n` +
        (options.scheduled ? `Started by the schedule: input ${JSON.stringify(scheduled?.input ?? scheduledInput)}\n` : "") +
        options.arrivals.map((a) => `A file arrives at +${formatDuration(a.atSeconds)}: s3://${a.bucket}/${a.key}\n`).join("") +
        busEvents.map((e) => `An event arrives at +${formatDuration(e.atSeconds)}: ${e.detailType} from ${e.source}\n`).join("") +
        (team && byHand.length === 1 && byHand[0] !== team.name ? `${team.name} starts after ${byHand[0]} has ended: ${byHand[0]} runs first\n` : "") +
        (options.faults.length > 0 ? `Injected faults: ${options.faults.join(", ")}\n` : ""),
    );

    const jobnets = jobnetsOf(synth);
    const starts = new Map<string, number>();
    const firstTimestamp = (jobnet: string, event: EventLog) => {
        if (!starts.has(jobnet)) starts.set(jobnet, event.timestamp);
        return starts.get(jobnet)!;
    };
    const timelines = new Map<string, Timeline>();
    const triggeredBy = new Map<string, string>();
    const recorded: Record<string, { t: number; type: string; state?: string; index?: number; error?: string; cause?: string }[]> = {};
    const onEvent = (jobnet: string, event: EventLog, redrive: boolean, beside: boolean) => {
        const run = runLabel(jobnet, redrive, beside);
        let timeline = timelines.get(run);
        if (!timeline) {
            const trigger = triggeredBy.get(jobnet);
            const what = redrive ? `${jobnet} jobnet, redriven: it goes on from the step that failed` : beside ? `${jobnet} jobnet, started by hand in the same second` : trigger ? `${jobnet} jobnet, ${trigger}, at +${formatDuration((event.timestamp - simulatedStartMs) / 1000)}` : `${jobnet} jobnet`;
            write(`\n${bold(fitToColumns(`▶ ${what} (${jobnets.get(jobnet)!.stateMachineArn.split(":").pop()}), simulated time since its start:`, columns()))}\n`);
            // Runs side by side write in turns: each line says whose it is.
            const inTurns = options.faults.some((f) => f.startsWith("race:"));
            const own = inTurns ? (text: string) => write(text.replace(/^(?=.)/gm, `${run} `)) : write;
            const width = () => {
                const c = columns();
                return c === undefined || !inTurns ? c : c - run.length - 1;
            };
            timeline = new Timeline({ definition: jobnets.get(jobnet)!.definition, startMs: event.timestamp, tty, columns: width, write: own });
            timelines.set(run, timeline);
            recorded[run] = [];
        }
        timeline.handle(event);
        const e = event as EventLog & { index?: number; state?: { name: string }; Error?: string; Cause?: unknown };
        recorded[run].push({
            t: (event.timestamp - firstTimestamp(run, event)) / 1000,
            type: event.type,
            ...(e.state ? { state: e.state.name } : {}),
            ...(e.index !== undefined ? { index: e.index } : {}),
            ...(e.Error !== undefined ? { error: e.Error, cause: typeof e.Cause === "string" ? e.Cause : JSON.stringify(e.Cause) } : {}),
        });
    };

    const input = scheduled?.input ?? (options.scheduled ? scheduledInput : undefined);
    const sequence = options.redrive ? byHand.flatMap((j) => [j, "redrive" as const]) : byHand;
    // A team jobnet's run is watched as deployed: the run watcher looks every 5 minutes while it runs, and its notices show in the timeline.
    const onLook = (look: WatchLook, notices: SimPublished[]) => {
        const timeline = [...timelines.values()].pop();
        for (const notice of notices) timeline?.notice(Date.parse(look.tick), `run watcher: ${notice.subject ?? notice.message.split("\n")[0]}`);
    };
    const simulation = await simulate(synth, {
        initial: options.initial, jobnets: sequence, faults, jobFaults, releases: options.releases, input, onEvent,
        ...(scheduled ? { startMs: scheduled.startMs } : {}),
        ...(team ? { watch: { untilSeconds: 0, onLook, jobnets: [team.name] } } : {}),
        arrivals: options.arrivals, busEvents,
        onTriggered: (jobnet, _name, triggered) => triggeredBy.set(jobnet, triggerInWords(triggered)),
    });
    const reports = simulation.reports;
    const runs = reports.map((r) => ({ jobnet: runLabel(r.jobnet, r.redrive === true, r.beside === true), report: r.report }));

    write(`\n${bold("Summary")}, in simulated time:\n`);
    write(summaryTable(runs, columns()) + "\n");
    // A jobnet's outcome is its last run's: a successful redrive makes up for the failure.
    const outcome = (jobnet: string) => reports.filter((r) => r.jobnet === jobnet && !r.beside).pop()?.report;
    const skipped = options.jobnets.filter((j) => !outcome(j));
    const triggered = team && byHand[0] !== team.name;
    for (const { jobnet, report } of runs) {
        if (report.status !== "SUCCEEDED") say(`\n${jobnet} ${report.status}: ${report.error}\n  ${readableCause(report.cause)}\n`);
        const servers = serverOutcomes(report.output);
        if (servers.length > 0) say(`\n${jobnet}, each server:\n${servers.map((line) => `  ${line}\n`).join("")}`);
    }
    // Each delivery of a start condition's event: a repeated one asks for the run its event's id names, which exists.
    const starter = synth.functions.find((f) => f.task === "startOnEvent")?.functionArn;
    const startDeliveries = simulation.deliveries.filter((d) => d.target === starter);
    if (startDeliveries.length > 0) {
        say(`\nStart conditions' events, as EventBridge delivered them to StartOnEvent (simulated time):\n`);
        for (const d of startDeliveries) {
            const name = triggeredExecutionName((d.input as { trigger: TriggerKind }).trigger, d.event.id);
            const runs = simulation.account.executions.filter((e) => e.arn.endsWith(`:${name}`)).length;
            say(`  +${formatDuration((d.deliveredAt - simulatedStartMs) / 1000)}  ${d.rule}: ${d.repeated ? `the same event again: asks for run ${name} again, ${runs} run${runs === 1 ? "" : "s"} of it in all` : `event ${d.event.id}: starts run ${name}`}\n`);
        }
    }
    for (const refused of simulation.refusedRedrives) say(`\n${refused.jobnet} not redriven: ${refused.reason}\n`);
    if (skipped.length > 0 && triggered) say(`\nNo run of ${skipped.join(", ")} started: no event matched its start condition${byHand.length > 0 ? `, or ${byHand[0]} did not end as it waits for` : ""}\n`);
    else if (skipped.length > 0) say(`Not run, because the ${reports[reports.length - 1].jobnet} jobnet failed: ${skipped.join(", ")}\n`);
    if (options.json) {
        fs.writeFileSync(options.json, JSON.stringify({
            stack: options.stack,
            servers: servers.length,
            initial: options.initial,
            scheduled: options.scheduled,
            faults: options.faults,
            runs: runs.map(({ jobnet, report }) => ({ jobnet, ...figures(report), events: recorded[jobnet] ?? [] })),
            notRun: skipped,
        }, null, 2) + "\n");
        say(`Events and figures written to ${options.json}\n`);
    }
    if (options.report) {
        // The same renderer as npm run ops -- report, on the histories the simulated account kept: one
        // chart an execution, a redrive drawn in the history of the run it goes on with.
        const executions = reports.filter((r, i) => !reports.slice(i + 1).some((later) => later.jobnet === r.jobnet && later.report.executionName === r.report.executionName));
        const models = executions.map((r) => ganttModel(
            simulation.account.execution(executionArnOf(jobnets.get(r.jobnet)!.stateMachineArn, r.report.executionName)).history as HistoryEvent[],
            `${runLabel(r.jobnet, r.redrive === true, r.beside === true)} jobnet, ${r.report.executionName} (stack ${options.stack}, simulated)`,
        ));
        const base = options.report.replace(/\.html?$/, "");
        const files = executions.map((r) => `${base}-${r.jobnet}${r.beside ? "-beside" : ""}.svg`);
        files.forEach((file, i) => fs.writeFileSync(file, ganttSvg(models[i]) + "\n"));
        fs.writeFileSync(options.report, ganttHtml(`Simulated runs of the ${options.stack} jobnets`, models));
        say(`Gantt charts written to ${options.report} and ${files.join(", ")}\n`);
    }
    return options.jobnets.every((j) => outcome(j)?.status === "SUCCEEDED") ? 0 : 1;
}

/** How a run is named in the timeline and the summary: a redrive of the stop jobnet is "stop (redriven)"; a run the race fault starts beside ours, "start (beside)". */
function runLabel(jobnet: string, redrive: boolean, beside = false): string {
    return redrive ? `${jobnet} (redriven)` : beside ? `${jobnet} (beside)` : jobnet;
}

/**
 * The team jobnet asked for, when one is: a name that is neither stop nor start must be one the
 * stack deploys (a usage problem otherwise, naming those it does and the closest).
 */
function teamJobnetOf(synth: SynthResult, jobnets: string[]): JobnetDefinition | undefined {
    const [name] = jobnets;
    if (jobnets.length !== 1 || name === "stop" || name === "start") return undefined;
    const deployed = teamDefinitionsOf(synth);
    const found = deployed.find((d) => d.name === name);
    if (found) return found;
    const meant = closestName(name, [...deployed.map((d) => d.name), "stop", "start"]);
    throw new UsageError(`--jobnet ${JSON.stringify(name)}: stack ${synth.stack} deploys no such jobnet; it deploys stop, start${deployed.map((d) => `, ${d.name}`).join("")}${meant ? `; did you mean ${meant}?` : ""}`);
}

/** The tasks the jobnets call: the functions their definitions invoke. */
function tasksOf(synth: SynthResult, jobnets: string[]): string[] {
    const all = jobnetsOf(synth);
    const invoked = jobnets.flatMap((j) => invokedFunctions(all.get(j)!.definition));
    return synth.functions.filter((f) => invoked.includes(f.functionArn)).map((f) => f.task);
}

function figures(r: RunReport) {
    return {
        status: r.status,
        error: r.error ?? null,
        cause: r.cause ?? null,
        durationSeconds: r.durationSeconds,
        duration: formatDuration(r.durationSeconds),
        stateTransitions: r.stateTransitions,
        lambdaInvocations: r.lambdaInvocations,
        largestPayloadBytes: r.largestPayloadBytes,
        historyEvents: r.historyEvents,
        // The values a team jobnet's jobs emitted, by job: only a run that ended has its jobs' output.
        ...(Object.keys(emittedValuesOfRun(r.output)).length > 0 ? { values: emittedValuesOfRun(r.output) } : {}),
    };
}

runCommand(() => main(process.argv.slice(2)));
