import * as assert from "assert";
import { SimulatedAccount } from "../simulator/account";
import { VirtualClock } from "../simulator/clock";
import { SimulatedLambda } from "../simulator/lambda";
import { ExecutionNotRedrivable, RunReport, runExecution } from "../simulator/run";
import { installServices } from "../simulator/services";
import {
    Fragment, StateMachineDefinition, choice, definition, fail, goto, invoke, is, map, parallel, pass, retryEvery, sequence, succeed, wait, waitUntil,
} from "../statemachines/asl";
import { UnboundedLoopError, executionHistoryQuota, historyBudget, worstCaseHistory } from "../statemachines/historyBudget";
import { taskFunctionNames } from "../statemachines/plan";
import * as fs from "fs";
import * as path from "path";
import { parseConfig, systemShapeOf } from "../infra/config";
import { projectDir, stackConfig } from "../scripts/lib/runProgram";
import { worstCaseHistories } from "../statemachines/jobnetHistory";
import { parseFaults } from "../simulator/faults";
import { simulate } from "../simulator/simulate";
import { Timeline } from "../simulator/timeline";
import { executionArnOf } from "../simulator/account";
import { ganttModel } from "../scripts/lib/gantt";
import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { samplePlan, synthOfPlan } from "./support/samplePlan";
import { sharedSynthesis } from "./support/sharedRuns";
import { pollSchedule } from "../statemachines/pollSchedule";
import { bareAccountSpec } from "./support/accountSpec";

const fn = "arn:aws:lambda:ap-northeast-1:123456789012:function:f";
const closed = (f: Fragment): StateMachineDefinition => definition(f, { comment: "", timeoutSeconds: 3600 });
const poll = (name: string, withinSeconds: number) => waitUntil(name, {
    functionArn: fn,
    payload: {},
    select: { "up.$": "$.up", "attempt.$": "$.attempt" },
    resultPath: "$.poll",
    done: is.true("$.poll.up"),
    firstAfterSeconds: 20,
    everySeconds: 10,
    withinSeconds,
    timedOut: { error: "NeverUp", cause: "never up" },
});

describe("a definition's worst-case history", () => {
    it("counts the events Step Functions records for each state, and each named retry", () => {
        const d = closed(sequence(
            pass("Load", { result: 1, resultPath: "$.n" }),
            invoke("Act", fn, { payload: {}, resultPath: null, retry: [retryEvery("Busy", 15, 8)] }),
            wait("Pause", 5),
            succeed("Done"),
        ));
        // Started and ended 2, Pass 2, Task 5 and 8 retries × 3, Wait 2, Succeed 2.
        assert.strictEqual(worstCaseHistory(d), 2 + 2 + (5 + 24) + 2 + 2);
    });

    it("leaves out the transient retries every task has, and takes the costliest way through a Choice", () => {
        const d = closed(choice("Route", [
            { when: is.true("$.quick"), then: fail("Refused", { error: "No", cause: "no" }) },
        ], sequence(invoke("Act", fn, { payload: {}, resultPath: null }), invoke("ActAgain", fn, { payload: {}, resultPath: null }))));
        // The way through two Tasks (10) costs more than a Pass and a Fail (3).
        assert.strictEqual(worstCaseHistory(d), 2 + 2 + 10);
    });

    it("adds up the branches of a Parallel state, which run at once", () => {
        const d = closed(parallel("Both", [
            invoke("Left", fn, { payload: {}, resultPath: null }),
            sequence(pass("Right", { resultPath: null }), invoke("RightAct", fn, { payload: {}, resultPath: null })),
        ], { resultPath: null }));
        assert.strictEqual(worstCaseHistory(d), 2 + 4 + 5 + (2 + 5));
    });

    it("counts a bounded wait as many polls as its counter allows, and one more", () => {
        const polls = pollSchedule({ firstAfterSeconds: 20, everySeconds: 10, withinSeconds: 3600 }).maxAttempts;
        const d = closed(sequence(poll("WaitUntilUp", 3600), succeed("Up")));
        // Begin and the first Wait 4; each poll Task 5, Check 2, a Wait 2; out by the Check, then the
        // timed-out cause and Fail (3) rather than the Succeed (2).
        assert.strictEqual(worstCaseHistory(d), 2 + 4 + polls * 9 + 7 + 3);
    });

    it("multiplies a loop around a bounded wait by its own counter, the wait's counter starting again each round", () => {
        const inner = pollSchedule({ firstAfterSeconds: 20, everySeconds: 10, withinSeconds: 600 }).maxAttempts;
        const d = closed(sequence(
            pass("NoRetryYet", { result: { n: 0 }, resultPath: "$.retries" }),
            poll("WaitUntilUp", 600),
            succeed("Up"),
        ));
        // A detour out of the wait's Check: count, give up after 3, else try again from the wait's start.
        const check = d.States.WaitUntilUpCheck as { Choices: object[] };
        check.Choices.splice(1, 0, { Variable: "$.poll.down", BooleanEquals: true, Next: "CountRetry" });
        Object.assign(d.States, closed(sequence(
            pass("CountRetry", { parameters: { "n.$": "States.MathAdd($.retries.n, 1)" }, resultPath: "$.retries" }),
            choice("RetryAgain", [{ when: is.atLeast("$.retries.n", 3), then: fail("GaveUp", { error: "Down", cause: "down" }) }], goto("WaitUntilUpBegin")),
        )).States);
        const waitCost = inner * 9 + 7;
        // Each round: Begin, FirstWait, the whole wait, CountRetry, RetryAgain; then out through the Check.
        const round = 2 + 2 + waitCost + 2 + 2;
        assert.strictEqual(worstCaseHistory(d), 2 + 2 + (3 * round + (2 + 2 + waitCost + 2 + 2)) + 3);
    });

    it("refuses a loop that no counter bounds, naming its states", () => {
        const d = closed(sequence(
            invoke("StartSome", fn, { payload: {}, resultPath: "$.started" }),
            choice("AllStarted", [{ when: is.not(is.true("$.started.complete")), then: goto("StartSome") }], "continue"),
        ));
        assert.throws(() => worstCaseHistory(d), (e: Error) => e instanceof UnboundedLoopError && /the loop through StartSome, AllStarted has no counter/.test(e.message));
    });

    it("takes no limit on a number that the loop never increases, nor a counter it sets again each round, as a bound", () => {
        const loop = (reset: boolean) => closed(sequence(
            pass("Zero", { result: { n: 0 }, resultPath: "$.c" }),
            pass("Again", reset ? { result: { n: 0 }, resultPath: "$.c" } : { parameters: { "n.$": "$.c.n" }, resultPath: "$.c" }),
            choice("Enough", [{ when: is.atLeast("$.c.n", 5), then: "continue" }], goto("Again")),
            succeed("Done"),
        ));
        assert.throws(() => worstCaseHistory(loop(true)), UnboundedLoopError);
        assert.throws(() => worstCaseHistory(loop(false)), UnboundedLoopError);
    });

    it("refuses a Map state, whose iterations the definition does not bound", () => {
        const d = closed(map("EachServer", { itemsPath: "$.servers", itemSelector: {}, iterator: pass("One", { resultPath: null }), maxConcurrency: 10, resultPath: null }));
        assert.throws(() => worstCaseHistory(d), /EachServer is a Map state/);
    });
});

describe("the simulated Step Functions' history quota", () => {
    // A loop of a Pass and a Choice, 4 events a round, that would go on far past the quota.
    const endless = closed(sequence(
        pass("Zero", { result: { n: 0 }, resultPath: "$.c" }),
        pass("Count", { parameters: { "n.$": "States.MathAdd($.c.n, 1)" }, resultPath: "$.c" }),
        choice("Enough", [{ when: is.atLeast("$.c.n", 100_000), then: succeed("Done") }], goto("Count")),
    ));

    async function runTwice(d: StateMachineDefinition): Promise<{ run: RunReport; redrive: unknown }> {
        const clock = new VirtualClock();
        clock.install();
        const account = new SimulatedAccount(accountSpec);
        const restore = installServices(account);
        try {
            const lambda = new SimulatedLambda([]);
            const stateMachineArn = accountSpec.stateMachineArns.stop;
            const run = await runExecution({ definition: d, stateMachineArn, executionName: "long", account, lambda, clock });
            const redrive = await runExecution({ definition: d, stateMachineArn, executionName: "long", account, lambda, clock, redrive: { of: run, count: 1 } }).catch((e: Error) => e);
            return { run, redrive };
        } finally {
            restore();
            clock.uninstall();
        }
    }

    it("fails a run whose history reaches 25,000 events, as Step Functions does, and refuses to redrive it", async () => {
        const { run, redrive } = await runTwice(endless);
        assert.deepStrictEqual([run.status, run.error, run.cause, run.historyEvents], ["FAILED", "States.Runtime", "The execution reached the maximum number of history events (25000).", executionHistoryQuota]);
        assert.ok(redrive instanceof ExecutionNotRedrivable);
        assert.match((redrive as Error).message, /cannot be redriven: Execution history event limit exceeded\./);
    });
});

describe("each jobnet's worst-case history, known at preview", () => {
    it("follows from the stack's config alone, as the definitions the dev stack deploys have it", async () => {
        const config = parseConfig(stackConfig("dev"), (file) => fs.readFileSync(path.join(projectDir, file), "utf8"));
        const synth = await sharedSynthesis("dev");
        const deployed = { stop: worstCaseHistory(synth.definitions.stop), start: worstCaseHistory(synth.definitions.start) };
        assert.deepStrictEqual(worstCaseHistories(systemShapeOf(config.system), config.jobnet.waits), deployed);
        assert.deepStrictEqual(deployed, { stop: 7487, start: 9248 });
    });
});

describe("a stop whose backups take hours", () => {
    it("ends SUCCEEDED under half the history quota with AMIs and a snapshot of 4 h 30 min and a 6-hour bound", async () => {
        // The bound as a stack sets it, its waits as the config gives them to the jobnets.
        const config = parseConfig({ "aws:region": "ap-northeast-1", "webapp-jobnet:jobnetWaits": '{"backupsCompleted":"6h"}' }, () => "<p>maintenance</p>");
        const synth = synthOfPlan(samplePlan(2, { waits: config.jobnet.waits, timeoutSeconds: config.jobnet.timeoutSeconds }), await sharedSynthesis("dev"));
        const { reports, account } = await simulate(synth, {
            initial: "running",
            jobnets: ["stop"],
            faults: parseFaults(["backup-slow:16200"], { jobnets: ["stop"], tasks: taskFunctionNames }),
        });
        const { report } = reports[0];
        // Its tiers of Waits are one wait, as npm start's timeline and the run report show it.
        let timeline = "";
        const show = new Timeline({ definition: synth.definitions.stop, startMs: report.events[0].timestamp, tty: false, write: (text) => (timeline += text) });
        for (const event of report.events) show.handle(event);
        assert.match(timeline, /\n\+4:36:04 +WaitUntilClusterSnapshotCompleted: total 1, completed 1, retaken 0 \(159 polls, 4:36:00\)\n/);
        const history = account.execution(executionArnOf(synth.stateMachineArns.stop, report.executionName)).history as HistoryEvent[];
        const steps = ganttModel(history, "stop").bars.map((bar) => bar.state);
        assert.deepStrictEqual(steps.filter((step) => step.startsWith("WaitUntilClusterSnapshotCompleted")), ["WaitUntilClusterSnapshotCompleted"]);
        assert.deepStrictEqual([report.status, report.error], ["SUCCEEDED", undefined]);
        // The snapshot ends 4:30:14 after the run began; its wait, polling every 10 minutes by then,
        // sees it at 4:36:04, and the cluster stops 4 minutes later (README, Waits end when the
        // service is done). Polled every 10 s throughout, the two backup waits alone would make
        // 29,000 events: the run would fail at 25,000.
        assert.deepStrictEqual([report.durationSeconds, report.historyEvents], [4 * 3600 + 40 * 60 + 4, 3133]);
        assert.ok(report.historyEvents < historyBudget);
        assert.ok(report.historyEvents <= worstCaseHistory(synth.definitions.stop));
    });
});

const accountSpec = bareAccountSpec();
