import type { ServiceControl } from "../infra/serviceControl";
import type { SynthResult } from "../scripts/lib/synthesize";
import { AccountSpec, Faults, SimPublished, SimulatedAccount } from "./account";
import { VirtualClock } from "./clock";
import { SimulatedLambda, invocationContext, invokeAsynchronously } from "./lambda";
import { functionTimeoutSeconds } from "../infra/lambdaFunction";
import type { LambdaContext } from "../handlers/lambdaContext";
import { EventLog, ExecutionNotRedrivable, RunOptions, RunReport, runExecution } from "./run";
import { Delivery, EventBus, rulesOfStack } from "./eventBridge";
import { ChildRun, StartedExecutions } from "./childExecutions";
import type { StateMachineDefinition } from "../statemachines/asl";
import { latency } from "./latency";
import { currentCaller, installServices } from "./services";
import * as path from "path";
import { JobFault } from "./jobPlays";
import { SimulatedOperator, OperatorRelease, operatorReleaseMinutes } from "./operator";
import { definitionInPlaceOf, groupServers, jobnetLocksOf, jobnetsOf, teamPlays } from "./teamJobnets";
import type { JobnetDefinition } from "../statemachines/jobs";
import type { TriggeredInput } from "../statemachines/startConditions";
import type { ObjectArrival } from "./s3";

export interface SimulationOptions {
    /** The state of the system before the first run. */
    initial: "running" | "stopped";
    /**
     * The jobnets to run, one after the other; a failed one ends the sequence, as in a jobnet chain,
     * unless "redrive" follows it: then the failed run is redriven once, as an operator would.
     */
    jobnets: string[];
    faults?: Faults;
    /** How the servers' service is controlled, as the definitions expect it: this program's scripts unless given. */
    serviceControl?: ServiceControl;
    /** Runs every jobnet listed even after one fails, as an operator rerunning by hand. */
    keepGoing?: boolean;
    /** The input of every run: `{}` (a run by hand) unless given. */
    input?: Record<string, unknown>;
    /** When the simulation starts (ms): simulatedStartMs unless given. */
    startMs?: number;
    /** `beside`: an event of the run the race fault starts beside the first one. */
    onEvent?: (jobnet: string, event: EventLog, redrive: boolean, beside: boolean) => void;
    /** `--fail job:...`: what a team jobnet's job does instead of what its definition plays. */
    jobFaults?: JobFault[];
    /** `--release JOB@MINUTES`: how long after its notice the operator releases a held job (operatorReleaseMinutes unless given). */
    releases?: Record<string, number>;
    /** Other jobnets run in the place of deployed team jobnets, by the deployed one's name (simulator/teamJobnets.ts, definitionInPlaceOf). */
    inPlaceOf?: Record<string, JobnetDefinition>;
    /**
     * Runs the stack's run watcher, its serialised code, on its schedule: every period from the
     * clock's start while the runs go, then on until `untilSeconds` of simulated time have passed.
     */
    watch?: { untilSeconds: number; onLook?: (look: WatchLook, notices: SimPublished[]) => void; jobnets?: string[] };
    /** More state machines the account has, by ARN, beside the stop and start jobnets: a StartExecution of one runs it. */
    stateMachines?: Record<string, StateMachineDefinition>;
    /** Objects put in the account's buckets at their simulated second, from the clock's start: a start condition may start a run (`npm start -- --arrive`). */
    arrivals?: ObjectArrival[];
    /** Events put on the default bus at their simulated second (`npm start -- --event FILE`). */
    busEvents?: { atSeconds: number; source: string; detailType: string; detail: Record<string, unknown>; resources?: string[] }[];
    /** A run a start condition started (its input's trigger: s3, event or jobnet), as it starts. */
    onTriggered?: (jobnet: string, executionName: string, input: TriggeredInput) => void;
}

/** Whether a run's input is a start condition's (statemachines/startConditions.ts): `{ trigger, eventId, values }`. */
export function isTriggeredInput(input: unknown): input is TriggeredInput {
    const i = input as Partial<TriggeredInput> | undefined;
    return typeof i?.eventId === "string" && ["s3", "event", "jobnet"].includes(String(i.trigger)) && typeof i.values === "object";
}

/** One look of the run watcher: when it was due, and what it told of. */
export interface WatchLook {
    tick: string;
    endDelayed: string[];
    startMissed: string[];
    /** "<execution ARN> <job>" of each job told of running past its expectedMinutes. */
    jobsDelayed: string[];
}

export interface Simulation {
    account: SimulatedAccount;
    /** Each run, in the order they were started; `beside`: the run the race fault started by hand beside the first one. */
    /** `triggered`: a run a start condition started (its input), listed after the runs by hand. */
    reports: { jobnet: string; report: RunReport; redrive?: true; beside?: true; triggered?: TriggeredInput }[];
    /** Redrives Step Functions refused (a run past the history quota), with its reason. */
    refusedRedrives: { jobnet: string; executionName: string; reason: string }[];
    /** The run watcher's looks, when it was run. */
    looks: WatchLook[];
    /** What EventBridge delivered to the rules' targets, and how each delivery ended. */
    deliveries: Delivery[];
    /** The executions StartExecution started (a jobnet's children), each with its report once it ended. */
    children: ChildRun[];
    /** The operator's releases of held jobs, in the order made. */
    releases: OperatorRelease[];
}

/**
 * Calls the watcher every period of its schedule (its serialised handler, with its environment;
 * Slack is not simulated), and gathers its looks; `stop` ends the schedule and waits for them,
 * `cancel` ends it and gives the environment back when the simulation fails.
 */
function watchOnSchedule(synth: SynthResult, account: SimulatedAccount, onLook?: (look: WatchLook, notices: SimPublished[]) => void, only?: string[]): { stop(): Promise<WatchLook[]>; cancel(): void } {
    const watcher = synth.alertFunctions.find((f) => f.role === "watcher");
    if (!watcher) throw new Error("the stack has no run watcher");
    const handler = (require(path.join(watcher.codeDirectory, "__index.js")) as { handler: (event: unknown, context: LambdaContext) => Promise<{ endDelayed: string[]; startMissed: string[]; jobsDelayed: string[] }> }).handler;
    const saved = { ALERT_TOPIC_ARN: process.env.ALERT_TOPIC_ARN, SLACK_SECRET_ARN: process.env.SLACK_SECRET_ARN };
    Object.assign(process.env, { ALERT_TOPIC_ARN: watcher.environment.ALERT_TOPIC_ARN, SLACK_SECRET_ARN: "" });
    const looks: Promise<WatchLook>[] = [];
    const timer = setInterval(() => {
        const tick = new Date().toISOString().replace(".000Z", "Z");
        const published = account.published.length;
        // The deployed input, or its part about the jobnets watched (only those run: the others' schedules are not simulated).
        const input = only === undefined ? synth.watchInput : { ...synth.watchInput, jobnets: (synth.watchInput.jobnets as { jobnet: string }[]).filter((j) => only.includes(j.jobnet)) };
        looks.push(currentCaller.run("watchRuns", () => handler({ ...input, tick }, invocationContext(watcher.timeoutSeconds * 1000))).then((found) => {
            const look = { tick, ...found };
            // What the topic received while the look ran: its notices (the simulated runs end only between looks' ticks).
            onLook?.(look, account.published.slice(published));
            return look;
        }));
    }, (synth.watchInput.periodSeconds as number) * 1000);
    const cancel = () => {
        clearInterval(timer);
        for (const [key, value] of Object.entries(saved)) {
            if (value === undefined) delete process.env[key];
            else process.env[key] = value;
        }
    };
    return {
        async stop() {
            clearInterval(timer);
            try {
                return await Promise.all(looks);
            } finally {
                cancel();
            }
        },
        cancel,
    };
}

/** The database the stack exports: its Aurora cluster, its RDS DB instance, or none. */
export function databaseOfOutputs(outputs: Record<string, any>): AccountSpec["database"] {
    if (outputs.dbClusterIdentifier) return { kind: "cluster", identifier: outputs.dbClusterIdentifier, arn: outputs.dbClusterArn };
    if (outputs.dbInstanceIdentifier) return { kind: "instance", identifier: outputs.dbInstanceIdentifier, arn: outputs.dbInstanceArn };
    return undefined;
}

/**
 * Builds a simulated account holding the synthesised system, then runs the synthesised jobnets in
 * it, their tasks played by the synthesised functions, on a virtual clock.
 */
export async function simulate(synth: SynthResult, options: SimulationOptions): Promise<Simulation> {
    const clock = new VirtualClock(options.startMs);
    clock.install();
    let restore: (() => void) | undefined;
    let watching: ReturnType<typeof watchOnSchedule> | undefined;
    try {
        const outputs = synth.outputs;
        const account = new SimulatedAccount({
            // The tags the program gives the servers it creates (the IAM policies of a large fleet name them by one).
            servers: outputs.webServers.map((s: any) => ({ name: s.name, instanceId: s.instanceId, instanceArn: s.instanceArn, tags: declaredTags(synth, s.instanceId) })),
            groupServers: groupServers(outputs.jobnetGroups ?? {}, synth.stateMachineArns.stop.split(":")[3], synth.stateMachineArns.stop.split(":")[4]),
            plays: teamPlays(synth, options.jobFaults ?? [], Object.values(options.inPlaceOf ?? {})),
            database: databaseOfOutputs(outputs),
            listeners: outputs.listeners.map((l: { arn: string; forwards: boolean }) => ({ arn: l.arn, forwards: l.forwards })),
            targetGroupArns: outputs.targetGroupArns,
            webServerTag: outputs.webServerTag,
            stateMachineArns: synth.stateMachineArns,
            runLock: { tableName: synth.runLock.tableName, lockKey: synth.runLock.lockKey, leaseSeconds: synth.runLock.leaseSeconds },
            jobnetLocks: jobnetLocksOf(synth),
            maintenanceTag: synth.maintenanceTag,
            backupVaultName: outputs.backupVaultName,
            initial: options.initial,
            // As the stack exports it: our scripts, or the existing system's service.
            serviceControl: options.serviceControl ?? outputs.serviceControl,
            faults: options.faults,
        });
        restore = installServices(account);
        const lambda = new SimulatedLambda(
            // Each team jobnet's StartJob is a function of its own, with its own permissions.
            synth.functions.map((f) => ({ task: f.task, ...(f.task === "startJob" ? { caller: f.functionName } : {}), functionArn: f.functionArn, codeDirectory: f.codeDirectory })),
            account.faults.lambdaThrottles,
            account.faults.lateResponses,
        );
        watching = options.watch ? watchOnSchedule(synth, account, options.watch.onLook, options.watch.jobnets) : undefined;
        const jobnets = jobnetsOf(synth);
        for (const [deployed, d] of Object.entries(options.inPlaceOf ?? {})) jobnets.set(deployed, { ...jobnetOf(deployed), definition: definitionInPlaceOf(synth, deployed, d) });
        function jobnetOf(name: string) {
            const found = jobnets.get(name);
            if (!found) throw new Error(`the stack has no jobnet ${name}: it has ${[...jobnets.keys()].join(", ")}`);
            return found;
        }
        const jobnetOfMachine = new Map([...jobnets.entries()].map(([name, j]) => [j.stateMachineArn, name]));
        const children = new StartedExecutions({
            account, lambda, clock,
            // A run a start condition started is shown as the runs by hand are; a jobnet job's child is not.
            onEvent: (run, event) => {
                if (!isTriggeredInput(run.input)) return;
                const jobnet = jobnetOfMachine.get(run.stateMachineArn)!;
                if (event.type === "ExecutionStarted") options.onTriggered?.(jobnet, run.executionName, run.input);
                options.onEvent?.(jobnet, event, false, false);
            },
            definitions: new Map<string, StateMachineDefinition>([
                ...[...jobnets.values()].map((j) => [j.stateMachineArn, j.definition] as [string, StateMachineDefinition]),
                ...Object.entries(options.stateMachines ?? {}),
            ]),
        });
        const reports: Simulation["reports"] = [];
        const refusedRedrives: Simulation["refusedRedrives"] = [];
        let redrives = 0;
        // Events of runs side by side count as their activity: time moves only when all are idle.
        let eventCount = 0;
        const runOptions = (jobnet: string, executionName: string, redrive?: RunOptions["redrive"], beside = false): RunOptions => ({
            definition: jobnetOf(jobnet).definition,
            stateMachineArn: jobnetOf(jobnet).stateMachineArn,
            executionName,
            input: options.input,
            account,
            lambda,
            clock,
            onEvent: (e) => {
                eventCount++;
                options.onEvent?.(jobnet, e, redrive !== undefined, beside);
            },
            redrive,
            activity: () => children.activity(),
        });
        // The account's default event bus, with the stack's rules: among them, the one that tells the run
        // lock's release function of every end of a run, through its input transformer. EventBridge
        // invokes a function asynchronously: a function error is tried twice more, a minute and then
        // two minutes later, then the event is dropped (Lambda Developer Guide, "Asynchronous
        // invocation"); the next run then takes over the lock of a run that has ended.
        const startOnEventArn = synth.functions.find((f) => f.task === "startOnEvent")?.functionArn;
        const bus = new EventBus({
            rules: rulesOfStack(synth.resources),
            latencySeconds: latency.eventDelivery,
            deliver: (target, input) => lambda.has(target.arn)
                ? invokeAsynchronously((event: unknown) => lambda.invoke(target.arn, event), input, { timeoutMs: functionTimeoutSeconds * 1000, maximumRetryAttempts: 2, waitsMs: [60_000, 120_000] })
                : undefined,
            loses: (_rule, target) => account.faults.releaseLost && target.arn === synth.runLock.releaseFunctionArn ? "releaseLost: EventBridge never delivers our runs' ends to the release function" : undefined,
            repeats: (_rule, target) => account.faults.eventDuplicateSeconds !== undefined && target.arn === startOnEventArn ? [account.faults.eventDuplicateSeconds] : [],
        });
        const unreleased = new Set((options.jobFaults ?? []).filter((f) => f.kind === "unreleased").map((f) => f.job));
        const operator = new SimulatedOperator({
            tableName: synth.runLock.tableName,
            minutesFor: (job) => unreleased.has(job) ? undefined : options.releases?.[job] ?? operatorReleaseMinutes,
        });
        account.bus = { put: (event) => {
            bus.put(event);
            operator.heard(event);
        } };
        // The objects and events that start runs, each at its simulated time from the clock's start.
        const putAt = (atSeconds: number, put: () => void) => new Promise<void>((resolve) => setTimeout(() => {
            put();
            resolve();
        }, Math.max(0, clock.startMs + atSeconds * 1000 - Date.now())));
        const arrived = Promise.all([
            ...(options.arrivals ?? []).map((a) => putAt(a.atSeconds, () => account.putObject(a.bucket, a.key, a.size))),
            ...(options.busEvents ?? []).map((e) => putAt(e.atSeconds, () => account.emit(e.source, e.detailType, e.resources ?? [], e.detail))),
        ]);
        // Each run's end is delivered before the next run starts, as when an operator starts it.
        const deliveriesDone = () => clock.runUntil(bus.idle(), () => account.calls.length + lambda.totalInvocations + children.activity());
        for (const [n, step] of options.jobnets.entries()) {
            // A redrive is of the latest failed run: with keepGoing, others may have run since.
            const previous = step === "redrive" ? [...reports].reverse().find((r) => r.report.status === "FAILED" && !r.beside) ?? reports[reports.length - 1] : reports[reports.length - 1];
            if (step === "redrive" && previous?.report.status !== "FAILED") continue;
            const jobnet = step === "redrive" ? previous.jobnet : step;
            const ours = runOptions(jobnet, step === "redrive" ? previous.report.executionName : `${jobnet}-${n + 1}`, step === "redrive" ? { of: previous.report, count: ++redrives } : undefined);
            const race = n === 0 ? account.faults.race : undefined;
            if (race === undefined) {
                let report: RunReport;
                try {
                    report = await runExecution(ours);
                } catch (e) {
                    if (!(e instanceof ExecutionNotRedrivable)) throw e;
                    refusedRedrives.push({ jobnet, executionName: ours.executionName, reason: e.message });
                    if (!options.keepGoing) break;
                    continue;
                }
                reports.push({ jobnet, report, ...(step === "redrive" ? { redrive: true as const } : {}) });
                await deliveriesDone();
            } else {
                // Two runs started in the same second, side by side: one clock lets time pass for both.
                const beside = { ...runOptions(race, `${race}-by-hand`, undefined, true), input: {} };
                const both = Promise.all([runExecution({ ...ours, drivesClock: false }), runExecution({ ...beside, drivesClock: false })]);
                const [report, besideReport] = await clock.runUntil(both, () => eventCount + account.calls.length + lambda.totalInvocations + children.activity());
                reports.push({ jobnet, report }, { jobnet: race, report: besideReport, beside: true });
                await deliveriesDone();
            }
            const report = reports[reports.length - (race === undefined ? 1 : 2)].report;
            if (report.status !== "SUCCEEDED" && options.jobnets[n + 1] !== "redrive" && !options.keepGoing) break;
        }
        let looks: WatchLook[] = [];
        if (watching && options.watch) {
            const left = clock.startMs + options.watch.untilSeconds * 1000 - Date.now();
            // A millisecond past the end, so that a look due at the very end is taken.
            if (left >= 0) await clock.runUntil(new Promise((resolve) => setTimeout(resolve, left + 1)), () => account.calls.length);
            looks = await watching.stop();
        }
        // Every object and event has arrived; the runs they start, and the executions the runs started,
        // end, and their ends are delivered, before the simulation does.
        await clock.runUntil(arrived, () => account.calls.length + lambda.totalInvocations + children.activity());
        while (children.runs.some((c) => !c.report) || bus.busy) {
            await clock.runUntil(children.settled(), () => account.calls.length + lambda.totalInvocations + children.activity());
            await deliveriesDone();
        }
        account.settle();
        for (const run of children.runs) {
            if (isTriggeredInput(run.input) && run.report) reports.push({ jobnet: jobnetOfMachine.get(run.stateMachineArn)!, report: run.report, triggered: run.input });
        }
        return { account, reports, refusedRedrives, looks, deliveries: bus.deliveries, children: children.runs, releases: operator.releases };
    } finally {
        // Idle after stop(); after a failure, the schedule ends and the environment is given back.
        watching?.cancel();
        restore?.();
        clock.uninstall();
    }
}

/** The tags the program declares on an instance it creates (none for an existing system's). */
function declaredTags(synth: SynthResult, instanceId: string): Record<string, string> {
    const declared = synth.resources.find((r) => r.type === "aws:ec2/instance:Instance" && r.id === instanceId);
    return { ...(declared?.inputs.tags as Record<string, string> | undefined) };
}
