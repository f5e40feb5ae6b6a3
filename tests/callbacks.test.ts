import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { SFNClient, SendTaskFailureCommand, SendTaskHeartbeatCommand, SendTaskSuccessCommand } from "@aws-sdk/client-sfn";
import { SimulatedAccount } from "../simulator/account";
import { VirtualClock } from "../simulator/clock";
import { SimulatedLambda } from "../simulator/lambda";
import { RunReport, runExecution } from "../simulator/run";
import { installServices } from "../simulator/services";
import { StateMachineDefinition, definition, invoke, lambdaCallbackResource, transientRetries, timeoutRetry } from "../statemachines/asl";
import { worstCaseHistory } from "../statemachines/historyBudget";
import { projectDir } from "../scripts/lib/runProgram";
import { bareAccountSpec, testArn as arn } from "./support/accountSpec";

// One function of this test's own: it starts "work" that ends `afterSeconds` later by completing its
// token, as a job would through EventBridge, and notes what Step Functions answered.
const functionsDir = path.join(projectDir, "out", ".test", "callbacks");
const code = {
    startJob: `exports.handler = async (e) => {
    const { SFNClient, SendTaskSuccessCommand, SendTaskFailureCommand, SendTaskHeartbeatCommand } = require("@aws-sdk/client-sfn");
    const seen = (globalThis.callbackTest ??= { tokens: [], answers: [] });
    seen.tokens.push(e.taskToken);
    setTimeout(async () => {
        const sfn = new SFNClient({});
        try {
            if (e.fail) await sfn.send(new SendTaskFailureCommand({ taskToken: e.taskToken, error: e.fail.error, cause: e.fail.cause }));
            else await sfn.send(new SendTaskSuccessCommand({ taskToken: e.taskToken, output: JSON.stringify(e.output) }));
            seen.answers.push("accepted");
        } catch (error) {
            seen.answers.push(error.name);
        }
    }, e.afterSeconds * 1000);
    for (const at of e.heartbeatsAt ?? []) {
        setTimeout(() => new SFNClient({}).send(new SendTaskHeartbeatCommand({ taskToken: e.taskToken })).then(() => seen.answers.push("heartbeat"), (error) => seen.answers.push(error.name)), at * 1000);
    }
    return { started: true };
};`,
};
const startJob = arn("lambda", "function:startJob");
const seen = () => (globalThis as unknown as { callbackTest: { tokens: string[]; answers: string[] } }).callbackTest;

function callbackTask(payload: Record<string, unknown>, more: Record<string, unknown> = {}) {
    return {
        Type: "Task" as const,
        Resource: lambdaCallbackResource(startJob),
        Parameters: { FunctionName: startJob, Payload: { ...payload, "taskToken.$": "$$.Task.Token" } },
        ...more,
    };
}

async function inAccount<T>(body: (account: SimulatedAccount, clock: VirtualClock, lambda: SimulatedLambda) => Promise<T>): Promise<T> {
    for (const [task, text] of Object.entries(code)) {
        fs.mkdirSync(path.join(functionsDir, task), { recursive: true });
        fs.writeFileSync(path.join(functionsDir, task, "__index.js"), text);
    }
    (globalThis as unknown as { callbackTest: unknown }).callbackTest = { tokens: [], answers: [] };
    const clock = new VirtualClock();
    clock.install();
    const account = new SimulatedAccount(bareAccountSpec());
    const restore = installServices(account);
    try {
        const lambda = new SimulatedLambda(Object.keys(code).map((task) => ({ task, functionArn: arn("lambda", `function:${task}`), codeDirectory: path.join(functionsDir, task) })));
        return await body(account, clock, lambda);
    } finally {
        restore();
        clock.uninstall();
    }
}

function run(d: StateMachineDefinition, input: Record<string, unknown> = {}): Promise<{ report: RunReport; account: SimulatedAccount }> {
    return inAccount(async (account, clock, lambda) => {
        const report = await runExecution({ definition: d, stateMachineArn: account.spec.stateMachineArns.stop, executionName: "callback", input, account, lambda, clock });
        return { report, account };
    });
}

describe("callback tasks (.waitForTaskToken)", () => {
    it("ends with the output SendTaskSuccess gives, when it gives it, and counts TaskSubmitted in the history", async () => {
        const d: StateMachineDefinition = {
            StartAt: "Job",
            TimeoutSeconds: 3600,
            States: { Job: { ...callbackTask({ afterSeconds: 90, output: { exitCode: 0, lines: ["done"] } }), End: true } },
        };
        const { report, account } = await run(d);
        assert.strictEqual(report.status, "SUCCEEDED", report.cause);
        assert.deepStrictEqual(report.output, { exitCode: 0, lines: ["done"] });
        assert.strictEqual(report.durationSeconds, 90);
        // Started, entered, scheduled, started, submitted, succeeded, exited, succeeded: one more than a plain Task.
        assert.strictEqual(report.historyEvents, 8);
        assert.strictEqual(worstCaseHistory(d), 8);
        const [token] = seen().tokens;
        assert.match(token, /^AQ[A-Za-z0-9+/]{600,}={0,2}$/);
        assert.deepStrictEqual(seen().answers, ["accepted"]);
        assert.deepStrictEqual(account.taskTokens.all().map((t) => [t.state, t.status]), [["Job", "succeeded"]]);
    });

    it("gives each attempt a fresh token", async () => {
        const d: StateMachineDefinition = {
            StartAt: "Job",
            TimeoutSeconds: 3600,
            States: { Job: { ...callbackTask({ afterSeconds: 5, fail: { error: "JobFailed", cause: "exit 1" } }), Retry: [{ ErrorEquals: ["JobFailed"], IntervalSeconds: 1, MaxAttempts: 1 }], End: true } },
        };
        const { report } = await run(d);
        assert.strictEqual(report.status, "FAILED");
        assert.strictEqual(new Set(seen().tokens).size, 2);
        // Execution started and failed 2; entered, scheduled, started, submitted 4; the first attempt's
        // TaskFailed 1 and the retry's failed, scheduled, started, submitted 4 (the simulator counts a
        // retried attempt's failure in both, as for every Task); the last TaskFailed 1.
        assert.strictEqual(report.historyEvents, 12);
    });

    it("fails the state with the error and cause SendTaskFailure gives, which a Catch on that name takes", async () => {
        const d: StateMachineDefinition = {
            StartAt: "Job",
            TimeoutSeconds: 3600,
            States: {
                Job: { ...callbackTask({ afterSeconds: 30, fail: { error: "JobFailed", cause: "exit code 3" } }), Catch: [{ ErrorEquals: ["JobFailed"], Next: "Handled", ResultPath: "$.error" }], End: true },
                Handled: { Type: "Pass", End: true },
            },
        };
        const { report } = await run(d, { job: "nightly" });
        assert.strictEqual(report.status, "SUCCEEDED", report.cause);
        assert.deepStrictEqual(report.output, { job: "nightly", error: { Error: "JobFailed", Cause: "exit code 3" } });
        assert.deepStrictEqual(seen().answers, ["accepted"]);
    });

    it("times out at TimeoutSeconds with States.Timeout, and a late SendTaskSuccess answers TaskTimedOut", async () => {
        const d: StateMachineDefinition = {
            StartAt: "Job",
            TimeoutSeconds: 3600,
            States: {
                Job: { ...callbackTask({ afterSeconds: 30, output: {} }), TimeoutSeconds: 10, Catch: [{ ErrorEquals: ["States.Timeout"], Next: "Linger", ResultPath: "$.error" }], End: true },
                Linger: { Type: "Wait", Seconds: 60, End: true },
            },
        };
        const { report, account } = await run(d);
        assert.strictEqual(report.status, "SUCCEEDED", report.cause);
        assert.deepStrictEqual(report.output, { error: { Error: "States.Timeout", Cause: "States.Timeout" } });
        assert.deepStrictEqual(seen().answers, ["TaskTimedOut"]);
        assert.deepStrictEqual(account.taskTokens.all().map((t) => [t.status, t.closedBecause]), [["closed", "timed out"]]);
    });

    it("fails with States.HeartbeatTimeout when no heartbeat comes within HeartbeatSeconds, and waits on while they come", async () => {
        const d = (heartbeatsAt: number[]): StateMachineDefinition => ({
            StartAt: "Job",
            TimeoutSeconds: 3600,
            States: {
                Job: { ...callbackTask({ afterSeconds: 45, output: { done: true }, heartbeatsAt }), HeartbeatSeconds: 20, Catch: [{ ErrorEquals: ["States.HeartbeatTimeout"], Next: "Linger", ResultPath: "$.error" }], End: true },
                Linger: { Type: "Wait", Seconds: 60, End: true },
            },
        });
        const beating = await run(d([15, 30]));
        assert.deepStrictEqual([beating.report.output, beating.report.durationSeconds, seen().answers], [{ done: true }, 45, ["heartbeat", "heartbeat", "accepted"]]);
        const silent = await run(d([]));
        assert.deepStrictEqual(silent.report.output, { error: { Error: "States.HeartbeatTimeout", Cause: "States.HeartbeatTimeout" } });
        assert.deepStrictEqual(seen().answers, ["TaskTimedOut"]);
        assert.deepStrictEqual(silent.account.taskTokens.all().map((t) => t.closedBecause), ["heartbeat timed out"]);
    });

    it("closes the token of a Parallel branch the failure of another aborted: its SendTaskSuccess answers TaskTimedOut", async () => {
        const d: StateMachineDefinition = {
            StartAt: "Both",
            TimeoutSeconds: 3600,
            States: {
                Both: {
                    Type: "Parallel",
                    Branches: [
                        { StartAt: "Job", States: { Job: { ...callbackTask({ afterSeconds: 60, output: {} }), End: true } } },
                        { StartAt: "Pause", States: { Pause: { Type: "Wait", Seconds: 5, Next: "Broken" }, Broken: { Type: "Fail", Error: "Broken", Cause: "the other branch failed" } } },
                    ],
                    Catch: [{ ErrorEquals: ["States.ALL"], Next: "Linger", ResultPath: "$.error" }],
                    End: true,
                },
                Linger: { Type: "Wait", Seconds: 120, End: true },
            },
        };
        const { report, account } = await run(d);
        assert.strictEqual(report.status, "SUCCEEDED", report.cause);
        assert.deepStrictEqual(report.output, { error: { Error: "Broken", Cause: "the other branch failed" } });
        assert.deepStrictEqual(seen().answers, ["TaskTimedOut"]);
        assert.deepStrictEqual(account.taskTokens.all().map((t) => [t.state, t.enclosing, t.status, t.closedBecause]), [["Job", ["Both"], "closed", "branch aborted"]]);
    });

    it("closes the tokens still open when the execution ends", async () => {
        const d: StateMachineDefinition = {
            StartAt: "Both",
            TimeoutSeconds: 3600,
            States: {
                Both: {
                    Type: "Parallel",
                    Branches: [
                        { StartAt: "Job", States: { Job: { ...callbackTask({ afterSeconds: 600, output: {} }), End: true } } },
                        { StartAt: "Broken", States: { Broken: { Type: "Fail", Error: "Broken" } } },
                    ],
                    End: true,
                },
            },
        };
        const { report, account } = await run(d);
        assert.strictEqual(report.status, "FAILED");
        assert.deepStrictEqual(account.taskTokens.open(), []);
    });

    it("waits for a callback task without TimeoutSeconds until the execution's own: the run is TIMED_OUT and its token closed", async () => {
        const d: StateMachineDefinition = { StartAt: "Job", TimeoutSeconds: 600, States: { Job: { ...callbackTask({ afterSeconds: 900, output: {} }), End: true } } };
        const { report, account } = await run(d);
        assert.deepStrictEqual([report.status, report.durationSeconds], ["FAILED", 600]);
        assert.deepStrictEqual(account.events.map((e) => e.detail.status), ["RUNNING", "TIMED_OUT"]);
        assert.deepStrictEqual(account.taskTokens.all().map((t) => t.closedBecause), ["execution ended"]);
    });

    it("answers a token that is no token InvalidToken, one never issued TaskDoesNotExist, output that is not JSON InvalidOutput", async () => {
        await inAccount(async (account) => {
            const sfn = new SFNClient({});
            const nameOf = (p: Promise<unknown>) => p.then(() => "accepted", (e: Error) => e.name);
            assert.strictEqual(await nameOf(sfn.send(new SendTaskSuccessCommand({ taskToken: "not-a-token", output: "{}" }))), "InvalidToken");
            const { token } = account.taskTokens.issue("arn:aws:states:ap-northeast-1:123456789012:execution:stop:x", "Job", []);
            const { token: other } = account.taskTokens.issue("arn:aws:states:ap-northeast-1:123456789012:execution:stop:y", "Job", []);
            assert.notStrictEqual(token, other);
            const neverIssued = `AQ${"A".repeat(694)}==`;
            assert.strictEqual(await nameOf(sfn.send(new SendTaskHeartbeatCommand({ taskToken: neverIssued }))), "TaskDoesNotExist");
            assert.strictEqual(await nameOf(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: "{not json" }))), "InvalidOutput");
            assert.strictEqual(await nameOf(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ big: "x".repeat(262_144) }) }))), "InvalidOutput");
            assert.strictEqual(await nameOf(sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }))), "accepted");
            assert.strictEqual(await nameOf(sfn.send(new SendTaskFailureCommand({ taskToken: token, error: "E", cause: "c" }))), "accepted");
            assert.strictEqual(await nameOf(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: "{}" }))), "TaskTimedOut");
            // IAM authorises them on the state machine whose task issued the token (the AWS CDK's grantTaskResponse); a token never issued names none.
            const machine = [{ resource: "arn:aws:states:ap-northeast-1:123456789012:stateMachine:stop" }];
            assert.deepStrictEqual(account.calls.filter((c) => c.action.startsWith("states:SendTask")).map((c) => c.authorizations), [[], [], machine, machine, machine, machine, machine]);
        });
    });

    it("is what invoke(..., { callback: true }) builds: the token in the payload, the output itself as the result", () => {
        const task = invoke("Job", startJob, { payload: { "job.$": "$.job" }, select: { "code.$": "$.exitCode" }, resultPath: "$.result", callback: true, timeoutSeconds: 7200 });
        assert.deepStrictEqual(task.states.Job, {
            Type: "Task",
            Comment: undefined,
            Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
            Parameters: { FunctionName: startJob, Payload: { "job.$": "$.job", step: "Job", "taskToken.$": "$$.Task.Token" } },
            ResultSelector: { "code.$": "$.exitCode" },
            ResultPath: "$.result",
            TimeoutSeconds: 7200,
            Retry: transientRetries.filter((r) => r !== timeoutRetry),
            Catch: undefined,
        });
    });

    it("runs an invoke(..., { callback: true }) task to the output its token was given", async () => {
        const d = definition(invoke("Job", startJob, { payload: { afterSeconds: 20, output: { exitCode: 0 } }, select: { "code.$": "$.exitCode" }, resultPath: "$.result", callback: true }), { comment: "", timeoutSeconds: 600 });
        const { report } = await run(d);
        assert.strictEqual(report.status, "SUCCEEDED", report.cause);
        assert.deepStrictEqual(report.output, { result: { code: 0 } });
        assert.strictEqual(report.durationSeconds, 20);
    });
});
