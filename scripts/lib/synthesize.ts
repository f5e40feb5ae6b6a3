import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import * as pulumi from "@pulumi/pulumi";
import type { TaskFunction } from "../../handlers/catalog";
import { kebab } from "../../infra/jobnetFunctions";
import { excludedFromUpload } from "../../infra/lambdaFunction";
import { maintenanceTagKey } from "../../infra/jobnets";
import { StateMachineDefinition } from "../../statemachines/asl";
import { toDot } from "../../statemachines/diagram";
import { toOverviewDot } from "../../statemachines/overview";
import { jobGraphDot } from "../../statemachines/jobDiagram";
import type { JobnetDefinition } from "../../statemachines/jobs";
import { describeStartCondition } from "../../statemachines/startConditions";

/** The team's jobnets as the program's own copy of jobnets/ declares them. */
const teamJobnetsOf = () => (require("../../jobnets") as { teamJobnets: JobnetDefinition[] }).teamJobnets;
import { executionHistoryQuota, historyBudget, worstCaseHistory } from "../../statemachines/historyBudget";
import { TaskFunctionName, taskFunctionNames } from "../../statemachines/plan";
import { RegisteredResource } from "./mockedCloud";
import { PlannedRun, planRuns } from "../../handlers/scheduleRules";
import { calendarDate } from "../../handlers/calendar";
import { readPlanFacts, scheduledJobnets } from "./ops/plan";
import { planMonthHtml } from "./ops/planMonth";
import { projectDir, runProgram } from "./runProgram";

/** One function as synthesised: its task, ARN, folder and what it uploads. */
export interface SynthesizedFunction {
    task: TaskFunctionName;
    functionName: string;
    functionArn: string;
    codeDirectory: string;
    handler: string;
    environment: Record<string, string>;
    uploadBytes: number;
}

/** A function of the alerts (infra/alerts.ts) as synthesised: the notifier, or the run watcher. */
export interface SynthesizedAlertFunction {
    role: "notifier" | "watcher";
    functionName: string;
    functionArn: string;
    codeDirectory: string;
    environment: Record<string, string>;
    timeoutSeconds: number;
}

/** The run lock as deployed: its table and item, the lease a run takes, and what EventBridge gives its release function when a run ends. */
export interface SynthesizedRunLock {
    tableName: string;
    lockKey: string;
    leaseSeconds: number;
    releaseFunctionArn: string;
    /** The rule's target input transformer (infra/runLock.ts). */
    releaseInput: { inputPaths: Record<string, string>; inputTemplate: string };
}

export interface SynthResult {
    stack: string;
    outDir: string;
    definitions: { stop: StateMachineDefinition; start: StateMachineDefinition };
    stateMachineArns: { stop: string; start: string };
    /** The team's jobnets the stack deploys (jobnets/), by name. */
    team: { definitions: Record<string, StateMachineDefinition>; stateMachineArns: Record<string, string> };
    functions: SynthesizedFunction[];
    alertFunctions: SynthesizedAlertFunction[];
    runLock: SynthesizedRunLock;
    /** What the run watcher's schedule sends it, the scheduled time still a placeholder. */
    watchInput: Record<string, unknown>;
    outputs: Record<string, any>;
    resources: RegisteredResource[];
    /** The tag that marks the stack's maintenance rule. */
    maintenanceTag: { key: string; value: string };
    /** What preview would warn of, and what else it would say. */
    warnings: string[];
    infos: string[];
    /** The team's jobnets' runs due in the days from today (the stack's clock), by their schedule rules; plan.html draws this month. */
    plan: SynthPlan;
}

export interface SynthPlan {
    /** Today, YYYY-MM-DD in the stack's time zone. */
    from: string;
    days: number;
    timeZone: string;
    runs: PlannedRun[];
    /** The jobnets with schedule rules the stack deploys running, and those it pauses. */
    scheduled: string[];
    paused: string[];
}

/** How many days of runs `npm run synth` prints: a week, as JP1/AJS3's daily schedule is read a week ahead. */
export const synthPlanDays = 7;

// CallbackFunction calls this through `pulumi.runtime` each time it builds a function.
const closureModule = pulumi.runtime as { serializeFunction: typeof pulumi.runtime.serializeFunction };

/**
 * Runs the program offline under mocks with a stack's config, as `cdk synth` does, and writes
 * what would be deployed to `outDir`: both definitions, their execution inputs, each function's
 * upload (the very file Pulumi serialises), and every resource with its inputs.
 */
export async function synthesize(stack: string, outDir: string, configOverrides: Record<string, string | undefined> = {}, today: Date = new Date()): Promise<SynthResult> {
    const serialized = new Map<Function, Promise<string>>();
    const originalSerialize = closureModule.serializeFunction;
    // Keep what CallbackFunction produces for each handler: the text it uploads as __index.js.
    closureModule.serializeFunction = (func, args) => {
        const result = originalSerialize(func, args);
        serialized.set(func, result.then((r) => r.text));
        return result;
    };
    let run;
    try {
        run = await runProgram(stack, configOverrides);
    } finally {
        closureModule.serializeFunction = originalSerialize;
    }
    const { account, outputs, warnings, infos } = run;

    fs.rmSync(outDir, { recursive: true, force: true });
    fs.mkdirSync(path.join(outDir, "functions"), { recursive: true });

    const machines = account.ofType("aws:sfn/stateMachine:StateMachine");
    const machineOf = (jobnet: "stop" | "start") => {
        const found = machines.find((m) => String(m.inputs.name).endsWith(`-${jobnet}`));
        if (!found) throw new Error(`the program declared no ${jobnet} state machine`);
        return found;
    };
    const definitions = { stop: JSON.parse(machineOf("stop").inputs.definition), start: JSON.parse(machineOf("start").inputs.definition) };
    for (const jobnet of ["stop", "start"] as const) {
        fs.writeFileSync(path.join(outDir, `${jobnet}.asl.json`), machineOf(jobnet).inputs.definition + "\n");
        fs.writeFileSync(path.join(outDir, `${jobnet}.svg`), await renderSvg(toDot(definitions[jobnet], `${machineOf(jobnet).inputs.name} (stack ${stack})`)));
        fs.writeFileSync(path.join(outDir, `${jobnet}.overview.svg`), await renderSvg(toOverviewDot(definitions[jobnet], overviewTitle(machineOf(jobnet).inputs.name, stack, jobnet))));
        // Schedules and scripts send no input: the targets are in the definition.
        fs.writeFileSync(path.join(outDir, `${jobnet}.input.json`), "{}\n");
    }

    const teamArns = (outputs.jobnetStateMachineArns ?? {}) as Record<string, string>;
    const team: SynthResult["team"] = { definitions: {}, stateMachineArns: {} };
    for (const [name, arn] of Object.entries(teamArns)) {
        const machine = machines.find((m) => m.state.arn === arn);
        if (!machine) throw new Error(`the program exported jobnet ${name}, whose state machine it did not declare`);
        team.definitions[name] = JSON.parse(machine.inputs.definition);
        team.stateMachineArns[name] = arn;
        fs.writeFileSync(path.join(outDir, `${name}.asl.json`), machine.inputs.definition + "\n");
        fs.writeFileSync(path.join(outDir, `${name}.svg`), await renderSvg(toDot(team.definitions[name], `${machine.inputs.name} (stack ${stack})`)));
        fs.writeFileSync(path.join(outDir, `${name}.input.json`), "{}\n");
        const written = teamJobnetsOf().find((d) => d.name === name);
        if (written) fs.writeFileSync(path.join(outDir, `${name}.jobs.svg`), await renderSvg(jobGraphDot(written, `${name}: its jobs and what each waits for (stack ${stack})`)));
    }

    // The plan, from the same config: the runs the deployed rules are due to start (npm run ops -- plan), this month as a calendar page.
    const planFacts = readPlanFacts(stack, projectDir, teamJobnetsOf(), configOverrides);
    const scheduled = scheduledJobnets(planFacts);
    const from = calendarDate(today, planFacts.timeZone);
    const plan: SynthPlan = {
        from,
        days: synthPlanDays,
        timeZone: planFacts.timeZone,
        runs: planRuns(scheduled, from, synthPlanDays, planFacts.timeZone),
        scheduled: scheduled.map((s) => s.jobnet),
        paused: planFacts.jobnets.filter((d) => (d.schedules ?? []).length > 0 && (planFacts.paused ?? []).includes(d.name)).map((d) => d.name),
    };
    if (planFacts.jobnets.length > 0) fs.writeFileSync(path.join(outDir, "plan.html"), planMonthHtml(planFacts, [from.slice(0, 7)]));

    // The program's own copy of the catalog (runProgram loads the program afresh): its handlers are the ones serialised.
    const { taskFunctions } = require("../../handlers/catalog") as { taskFunctions: Record<TaskFunctionName, TaskFunction> };
    const lambdas = account.ofType("aws:lambda/function:Function");
    const functions: SynthesizedFunction[] = [];
    /** Writes a function's upload as CallbackFunction makes it: the serialised handler, and the packages it keeps. */
    const writeUpload = async (lambda: RegisteredResource, handler: Function, packages: string[] | undefined, what: string): Promise<string> => {
        const text = await serialized.get(handler);
        if (text === undefined) throw new Error(`no serialised code was produced for ${what}`);
        const codeDirectory = path.join(outDir, "functions", lambda.inputs.name);
        fs.mkdirSync(codeDirectory, { recursive: true });
        fs.writeFileSync(path.join(codeDirectory, "__index.js"), text);
        // The packages CallbackFunction adds: the same call, with the exclusions it is given plus its own "aws-sdk".
        const uploaded = await pulumi.runtime.computeCodePaths({ extraExcludePackages: [...excludedFromUpload(packages), "aws-sdk"] });
        for (const [file, asset] of uploaded) {
            const source = await (asset as unknown as { path: Promise<string> | string }).path;
            fs.cpSync(source, path.join(codeDirectory, file), { recursive: true });
        }
        return codeDirectory;
    };
    // A stack deploys only the tasks its jobnets call: findWebServers where the servers are named by a
    // tag; a StartJob for each team jobnet.
    const teamStartJobs = Object.values(team.stateMachineArns).map((arn) => `${arn.split(":").pop()}-jobs`);
    const lambdasOf = (task: TaskFunctionName) => task === "startJob"
        ? lambdas.filter((l) => teamStartJobs.includes(String(l.inputs.name)))
        : lambdas.filter((l) => String(l.inputs.name).endsWith(`-${kebab(task)}`));
    for (const task of taskFunctionNames) for (const lambda of lambdasOf(task)) {
        const codeDirectory = await writeUpload(lambda, taskFunctions[task].handler, taskFunctions[task].packages, task);
        functions.push({
            task,
            functionName: lambda.inputs.name,
            functionArn: lambda.state.arn,
            codeDirectory,
            handler: lambda.inputs.handler,
            environment: lambda.inputs.environment?.variables ?? {},
            uploadBytes: directoryBytes(codeDirectory),
        });
    }
    // The alerts' functions, the program's own copies of their handlers.
    const { notify } = require("../../handlers/notifier") as { notify: Function };
    const { watchRuns } = require("../../handlers/runWatch") as { watchRuns: Function };
    const alertFunctions: SynthesizedAlertFunction[] = [];
    // Neither keeps a package (infra/alerts.ts): the holidays travel as a table in the watcher's file.
    for (const [role, suffix, handler] of [["notifier", "-notify", notify], ["watcher", "-watch-runs", watchRuns]] as const) {
        const lambda = lambdas.find((l) => String(l.inputs.name).endsWith(suffix));
        if (!lambda) throw new Error(`the program declared no ${role} function`);
        alertFunctions.push({
            role,
            functionName: lambda.inputs.name,
            functionArn: lambda.state.arn,
            codeDirectory: await writeUpload(lambda, handler, undefined, role),
            environment: lambda.inputs.environment?.variables ?? {},
            timeoutSeconds: lambda.inputs.timeout,
        });
    }
    const lockTarget = account.ofType("aws:cloudwatch/eventTarget:EventTarget").find((t) => t.inputs.inputTransformer && t.name.endsWith("-run-lock-release"));
    if (!lockTarget) throw new Error("the program declared no rule releasing the run lock");
    const releaseInput = lockTarget.inputs.inputTransformer as SynthesizedRunLock["releaseInput"];
    const { tableName, lockKey } = JSON.parse(releaseInput.inputTemplate) as { tableName: string; lockKey: string };
    const runLock: SynthesizedRunLock = { tableName, lockKey, leaseSeconds: definitions.stop.TimeoutSeconds, releaseFunctionArn: lockTarget.inputs.arn, releaseInput };
    const watchSchedule = account.ofType("aws:scheduler/schedule:Schedule").find((s) => String(s.inputs.name).endsWith("-watch-runs"));
    if (!watchSchedule) throw new Error("the program declared no schedule of the run watcher");
    fs.writeFileSync(
        path.join(outDir, "functions", "index.json"),
        JSON.stringify(
            Object.fromEntries([
                ...functions.map((f) => [f.functionArn, {
                    task: f.task,
                    folder: path.relative(path.join(outDir, "functions"), f.codeDirectory),
                    handler: f.handler,
                    environment: f.environment,
                    uploadBytes: f.uploadBytes,
                }]),
                ...alertFunctions.map((f) => [f.functionArn, {
                    role: f.role,
                    folder: path.relative(path.join(outDir, "functions"), f.codeDirectory),
                    environment: f.environment,
                    uploadBytes: directoryBytes(f.codeDirectory),
                }]),
            ]),
            null,
            2,
        ) + "\n",
    );
    fs.writeFileSync(
        path.join(outDir, "resources.json"),
        JSON.stringify(account.resources.map((r) => ({
            type: r.type,
            name: r.name,
            id: r.id,
            arn: r.state.arn,
            inputs: redacted(r.inputs),
        })), null, 2) + "\n",
    );

    return {
        stack,
        outDir,
        definitions,
        stateMachineArns: { stop: machineOf("stop").state.arn, start: machineOf("start").state.arn },
        team,
        functions,
        alertFunctions,
        runLock,
        watchInput: JSON.parse(watchSchedule.inputs.target.input),
        outputs,
        resources: account.resources,
        maintenanceTag: { key: maintenanceTagKey, value: stack },
        warnings,
        infos,
        plan,
    };
}

/** The title of a jobnet's overview, with what its marks mean: the picture is read apart from any text. */
export function overviewTitle(stateMachineName: string, stack: string, jobnet: string): string {
    return `${stateMachineName} (stack ${stack}): its steps\n↻ waits until done · ✕ n: ends the run in n ways · ${jobnet}.svg draws every state`;
}

let graphviz: Promise<{ dot(source: string): string }> | undefined;

/** Graphviz compiled to WebAssembly: renders offline, the same on every machine. */
export async function renderSvg(dot: string): Promise<string> {
    graphviz ??= (require("@hpcc-js/wasm-graphviz") as { Graphviz: { load(): Promise<{ dot(source: string): string }> } }).Graphviz.load();
    return (await graphviz).dot(dot);
}

/** The summary `npm run synth` prints. */
export function synthSummary(result: SynthResult): string {
    const counts = new Map<string, number>();
    for (const r of result.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    const width = Math.max(...[...counts.keys()].map((k) => k.length));
    return [
        `Stack ${result.stack}: ${result.resources.length} resources, written to ${path.relative(projectDir, result.outDir) || "."}`,
        "",
        "Resources by type:",
        ...[...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([type, n]) => `  ${type.padEnd(width)}  ${String(n).padStart(3)}`),
        "",
        "Load balancer:",
        ...listenerLines(result),
        "",
        "Lambda uploads:",
        ...[...result.functions, ...result.alertFunctions].map((f) => `  ${f.functionName.padEnd(48)} ${(deflatedBytes(f.codeDirectory) / 1024).toFixed(1).padStart(6)} KB deflated`),
        "",
        `Definitions: stop.asl.json (${Object.keys(result.definitions.stop.States).length} top-level states), start.asl.json (${Object.keys(result.definitions.start.States).length} top-level states)`,
        historyLine(result.definitions),
        "Diagrams: stop.overview.svg, start.overview.svg (the steps); stop.svg, start.svg (every state)",
        ...teamLines(result),
        ...planLines(result),
        ...result.infos.flatMap((i) => ["", i]),
        ...result.warnings.flatMap((w) => ["", `Warning: ${w}`]),
    ].join("\n");
}

/** Each jobnet's worst-case history, against what a jobnet may reach (statemachines/historyBudget.ts). */
function historyLine(definitions: SynthResult["definitions"]): string {
    const events = (n: number) => n.toLocaleString("en-US");
    const worst = (["stop", "start"] as const).map((jobnet) => `${jobnet} ${events(worstCaseHistory(definitions[jobnet]))}`).join(", ");
    return `History at worst: ${worst} events (at most ${events(historyBudget)}: half of the ${events(executionHistoryQuota)} at which Step Functions fails a run; transient retries aside)`;
}

/** The team's jobnets the stack deploys: their files, and each one's worst-case history. */
function teamLines(result: SynthResult): string[] {
    const names = Object.keys(result.team.definitions);
    if (names.length === 0) return [];
    const events = (n: number) => n.toLocaleString("en-US");
    return [
        "",
        `Team jobnets: ${names.map((n) => `${n} (${Object.keys(teamJobnetsOf().find((d) => d.name === n)?.jobs ?? {}).length} jobs, history at worst ${events(worstCaseHistory(result.team.definitions[n]))} events)`).join(", ")}`,
        `  each with <jobnet>.asl.json, <jobnet>.svg (its state machine) and <jobnet>.jobs.svg (its jobs and what each waits for)`,
        // What else starts each (statemachines/startConditions.ts): a rule each on the default bus.
        ...names.flatMap((n) => (teamJobnetsOf().find((d) => d.name === n)?.startOn ?? []).map((c) => `  ${n} starts when ${describeStartCondition(c)}`)),
    ];
}

/** Each scheduled jobnet's runs due in the next days, on the stack's clock, and where the month's calendar is. */
export function planLines(result: Pick<SynthResult, "plan" | "team">): string[] {
    const { plan } = result;
    if (Object.keys(result.team.definitions).length === 0) return [];
    const weekday = (date: string) => ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][new Date(`${date}T00:00:00Z`).getUTCDay()];
    const width = Math.max(0, ...[...plan.scheduled, ...plan.paused].map((n) => n.length));
    const lines = [
        "",
        `Runs due in the next ${plan.days} days, from ${plan.from} (${plan.timeZone}; more with npm run ops -- plan), and this month in plan.html:`,
        ...plan.scheduled.map((jobnet) => {
            const runs = plan.runs.filter((r) => r.jobnet === jobnet).map((r) => `${weekday(r.local.slice(0, 10))} ${r.local.slice(5)}`);
            return `  ${jobnet.padEnd(width)}  ${runs.length === 0 ? "none in these days" : runs.join(", ")}`;
        }),
        ...plan.paused.map((jobnet) => `  ${jobnet.padEnd(width)}  paused on this stack (jobnetSchedules.${jobnet}.enabled false)`),
    ];
    return plan.scheduled.length + plan.paused.length === 0 ? ["", "Runs due: none of the team's jobnets this stack deploys has schedule rules; plan.html shows its calendar"] : lines;
}

/** Each listener as a user meets it, and the page the health check reads; an existing system's as found. */
function listenerLines(result: SynthResult): string[] {
    const declared = result.resources.filter((r) => r.type === "aws:lb/listener:Listener");
    if (declared.length === 0) {
        const existing = result.outputs.listeners as { protocol: string; port: number }[];
        if (existing.length === 0) return ["  none: no maintenance page, no wait for healthy targets"];
        return existing.map((l) => `  ${`${l.protocol}:${l.port}`.padEnd(10)} an existing listener: the maintenance page goes on it`);
    }
    const lines = declared.map((l) => {
        const action = l.inputs.defaultActions[0];
        const does = action.type === "redirect" ? `redirects to ${action.redirect.protocol}:${action.redirect.port} (${action.redirect.statusCode})` : "forwards to the web servers";
        return `  ${`${l.inputs.protocol}:${l.inputs.port}`.padEnd(10)} ${does}${l.inputs.sslPolicy ? `, TLS policy ${l.inputs.sslPolicy}` : ""}`;
    });
    const healthCheck = result.resources.find((r) => r.type === "aws:lb/targetGroup:TargetGroup")?.inputs.healthCheck;
    return [...lines, `  health check: ${healthCheck?.path}`, `  URL: ${result.outputs.albUrl}`];
}

/** What a folder's files weigh deflated, as in the zip Lambda is sent (each file on its own). */
export function deflatedBytes(dir: string): number {
    return fs.readdirSync(dir, { withFileTypes: true }).reduce(
        (total, entry) => total + (entry.isDirectory() ? deflatedBytes(path.join(dir, entry.name)) : zlib.deflateRawSync(fs.readFileSync(path.join(dir, entry.name))).length),
        0,
    );
}

function directoryBytes(dir: string): number {
    return fs.readdirSync(dir, { withFileTypes: true }).reduce(
        (total, entry) => total + (entry.isDirectory() ? directoryBytes(path.join(dir, entry.name)) : fs.statSync(path.join(dir, entry.name)).size),
        0,
    );
}

const secretSignature = "4dabf18193072939515e22adb298388d";

/** Inputs with every secret value replaced, so the file can be shared and committed to a review. */
export function redacted(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(redacted);
    if (value && typeof value === "object") {
        if ((value as Record<string, unknown>)[secretSignature] !== undefined) return "[secret]";
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redacted(v)]));
    }
    return value;
}
