import * as assert from "assert";
import { choice, definition, fail, goto, invoke, invokedFunctions, is, isPollWait, lambdaInvokeResource, maxPollAttempts, pass, sequence, waitUntil } from "../statemachines/asl";

const fn = "arn:aws:lambda:ap-northeast-1:123456789012:function:f";

describe("typed ASL helpers", () => {
    it("chain steps in order and end the last one", () => {
        const d = definition(sequence(pass("A", { result: 1, resultPath: "$.a" }), pass("B", { result: 2, resultPath: "$.b" })), { comment: "c", timeoutSeconds: 60 });
        assert.deepStrictEqual(d, {
            Comment: "c",
            StartAt: "A",
            TimeoutSeconds: 60,
            States: {
                A: { Type: "Pass", Result: 1, ResultPath: "$.a", Next: "B" },
                B: { Type: "Pass", Result: 2, ResultPath: "$.b", End: true },
            },
        });
    });

    it("let a Choice branch continue to whatever follows the Choice", () => {
        const d = definition(sequence(
            choice("Route", [{ when: is.string("$.x", "skip"), then: "continue" }], pass("Work", { result: 1, resultPath: "$.w" })),
            pass("After", { result: 2, resultPath: "$.y" }),
        ), { comment: "", timeoutSeconds: 60 });
        assert.deepStrictEqual(d.States.Route, { Type: "Choice", Choices: [{ Variable: "$.x", StringEquals: "skip", Next: "After" }], Default: "Work" });
        assert.strictEqual((d.States.Work as { Next: string }).Next, "After");
    });

    it("refuse a state name used twice", () => {
        assert.throws(() => sequence(pass("A", { result: 1, resultPath: null }), pass("A", { result: 2, resultPath: null })), /state name A is used twice/);
    });

    it("give every Lambda task its own retries, then Lambda's, AWS throttling's and timeouts', bounded", () => {
        const task = invoke("T", fn, { payload: {}, resultPath: "$.t", retry: [{ ErrorEquals: ["Busy"], IntervalSeconds: 5, MaxAttempts: 2, BackoffRate: 1 }] }).states.T as any;
        assert.deepStrictEqual(task.Retry.map((r: any) => r.ErrorEquals), [
            ["Busy"],
            ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException", "Lambda.ClientExecutionTimeoutException"],
            ["RequestLimitExceeded", "ThrottlingException", "Throttling", "TooManyRequestsException", "ProvisionedThroughputExceededException"],
            ["States.Timeout", "Sandbox.Timedout", "Lambda.Unknown"],
        ]);
        // Throttling backs off with full jitter, at most 60 s a step, 12 attempts: about 7 minutes at most.
        const throttling = task.Retry[2];
        assert.deepStrictEqual([throttling.JitterStrategy, throttling.MaxDelaySeconds, throttling.MaxAttempts], ["FULL", 60, 12]);
        const worst = Array.from({ length: 12 }, (_, k) => Math.min(60, throttling.IntervalSeconds * throttling.BackoffRate ** k)).reduce((a, b) => a + b, 0);
        assert.strictEqual(worst, 423);
        assert.deepStrictEqual(task.ResultSelector, { "result.$": "$.Payload" });
        // The function is told which step it runs for, to name it in its errors.
        assert.deepStrictEqual(task.Parameters.Payload, { step: "T" });
    });

    it("invoke a function through the Lambda integration of its own partition", () => {
        assert.strictEqual((invoke("T", fn, { payload: {}, resultPath: null }).states.T as any).Resource, "arn:aws:states:::lambda:invoke");
        const inChina = "arn:aws-cn:lambda:cn-north-1:123456789012:function:f";
        assert.strictEqual((invoke("T", inChina, { payload: {}, resultPath: null }).states.T as any).Resource, "arn:aws-cn:states:::lambda:invoke");
        assert.strictEqual(lambdaInvokeResource("arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:f"), "arn:aws-us-gov:states:::lambda:invoke");
        assert.throws(() => lambdaInvokeResource("webapp-jobnet-dev-describe-instance"), /not an ARN: "webapp-jobnet-dev-describe-instance"/);
    });

    it("build a Fail whose cause names the step and the resource from the state", () => {
        const f = fail("NoGood", { error: "Broken", cause: "Step: {} is {}, isn't it", args: ["$.name", "$.state"] });
        assert.deepStrictEqual(JSON.parse(JSON.stringify(f.states)), {
            NoGoodCause: { Type: "Pass", Parameters: { "cause.$": "States.Format('Step: {} is {}, isn\\'t it', $.name, $.state)" }, ResultPath: "$.failure", Next: "NoGood" },
            NoGood: { Type: "Fail", Error: "Broken", CausePath: "$.failure.cause" },
        });
        assert.throws(() => fail("X", { error: "E", cause: "a { b" }), /lone brace/);
    });

    it("bound a poll: first wait, poll, then done, failure, timeout or wait again", () => {
        const f = waitUntil("WaitUntilUp", {
            functionArn: fn,
            payload: { id: "x" },
            select: { "state.$": "$.state", "attempt.$": "$.attempt" },
            resultPath: "$.poll",
            done: is.string("$.poll.state", "up"),
            failures: [{ when: is.string("$.poll.state", "gone"), name: "Gone", failure: { error: "Gone", cause: "gone" } }],
            firstAfterSeconds: 20,
            everySeconds: 10,
            withinSeconds: 120,
            timedOut: { error: "NeverUp", cause: "still {}", args: ["$.poll.state"] },
        });
        assert.strictEqual(f.startAt, "WaitUntilUpBegin");
        assert.deepStrictEqual((f.states.WaitUntilUp as any).Parameters.Payload, { id: "x", step: "WaitUntilUp", "attempt.$": "States.MathAdd($.poll.attempt, 1)" });
        const check = f.states.WaitUntilUpCheck as any;
        assert.deepStrictEqual(check.Choices.map((c: any) => c.Next), ["", "GoneCause", "WaitUntilUpTimedOutCause"]);
        assert.deepStrictEqual(check.Choices[2], { Variable: "$.poll.attempt", NumericGreaterThanEquals: 11, Next: "WaitUntilUpTimedOutCause" });
        assert.strictEqual(check.Default, "WaitUntilUpWait");
        assert.deepStrictEqual(f.open, [{ choice: "WaitUntilUpCheck", rule: 0 }]);
        assert.strictEqual(maxPollAttempts({ firstAfterSeconds: 20, everySeconds: 10, withinSeconds: 120 }), 11);
    });

    it("poll a long wait less often, a Wait state a tier, picked by the attempt counter", () => {
        const f = waitUntil("WaitUntilUp", {
            functionArn: fn,
            payload: {},
            select: { "state.$": "$.state", "attempt.$": "$.attempt" },
            resultPath: "$.poll",
            done: is.string("$.poll.state", "up"),
            firstAfterSeconds: 20,
            everySeconds: 10,
            withinSeconds: 1200,
            timedOut: { error: "NeverUp", cause: "never up" },
        });
        // Polls 1 to 28 are followed by 10 s (until 5 minutes), the next 15 by 20 s, then 40 s; the 59th, at 20 minutes, is the last.
        const check = f.states.WaitUntilUpCheck as any;
        assert.deepStrictEqual(check.Choices.slice(1), [
            { Variable: "$.poll.attempt", NumericGreaterThanEquals: 59, Next: "WaitUntilUpTimedOutCause" },
            { Variable: "$.poll.attempt", NumericLessThan: 29, Next: "WaitUntilUpWait" },
            { Variable: "$.poll.attempt", NumericLessThan: 44, Next: "WaitUntilUpWait2" },
        ]);
        assert.strictEqual(check.Default, "WaitUntilUpWait3");
        assert.deepStrictEqual(["WaitUntilUpWait", "WaitUntilUpWait2", "WaitUntilUpWait3"].map((name) => f.states[name]), [10, 20, 40].map((Seconds) => ({ Type: "Wait", Seconds, Next: "WaitUntilUp" })));
        assert.deepStrictEqual(["WaitUntilUpWait", "WaitUntilUpWait2", "WaitUntilUpWait12", "WaitUntilUpWait1", "WaitUntilUpWaiter"].map((s) => isPollWait(s, "WaitUntilUp")), [true, true, true, false, false]);
    });

    it("list the functions a definition invokes, Map and Parallel contents included", () => {
        const d = definition(sequence(invoke("A", fn, { payload: {}, resultPath: null }), goto("A")), { comment: "", timeoutSeconds: 60 });
        assert.deepStrictEqual(invokedFunctions(d), [fn]);
    });
});

describe("the jobnet definitions, built from a plan", () => {
    const validator = require("asl-validator") as (definition: unknown) => { isValid: boolean; errorsText(): string };
    const { samplePlan } = require("./support/samplePlan") as typeof import("./support/samplePlan");
    const { stopJobnet } = require("../statemachines/stop") as typeof import("../statemachines/stop");
    const { startJobnet } = require("../statemachines/start") as typeof import("../statemachines/start");

    for (const servers of [1, 2, 100]) {
        it(`are valid ASL for ${servers} web server(s), and stay well under the 1 MB definition limit`, () => {
            for (const d of [stopJobnet(samplePlan(servers)), startJobnet(samplePlan(servers))]) {
                const result = validator(JSON.parse(JSON.stringify(d)));
                assert.ok(result.isValid, result.errorsText());
                assert.ok(JSON.stringify(d).length < 256 * 1024);
            }
        });
    }

    it("bound every wait and every run", () => {
        const { allStates, isPollWait } = require("../statemachines/asl") as typeof import("../statemachines/asl");
        const { worstCaseHistory } = require("../statemachines/historyBudget") as typeof import("../statemachines/historyBudget");
        for (const d of [stopJobnet(samplePlan()), startJobnet(samplePlan())]) {
            assert.strictEqual(d.TimeoutSeconds, 4 * 3600);
            const states = new Map(allStates(d.States));
            const loops = [...states.keys()].filter((name) => name.endsWith("FirstWait")).map((name) => name.replace(/FirstWait$/, ""));
            assert.ok(loops.length >= 5);
            for (const loop of loops) {
                // The loop's Choice ends it in a Fail once the attempt counter reaches its bound.
                const check = states.get(`${loop}Check`) as any;
                const bound = check.Choices.find((c: any) => typeof c.Variable === "string" && c.Variable.endsWith(".attempt"));
                assert.ok(bound && bound.NumericGreaterThanEquals > 0, `${loop} is not bounded`);
                assert.strictEqual(states.get(bound.Next)!.Type, "Pass");
                assert.strictEqual(states.get((states.get(bound.Next) as any).Next)!.Type, "Fail");
            }
            const waits = [...states.entries()].filter(([, s]) => s.Type === "Wait").map(([name]) => name);
            const outsideLoops = waits.filter((name) => !loops.some((loop) => name === `${loop}FirstWait` || isPollWait(name, loop)));
            // The one Wait outside a poll loop: before a start tried again after a capacity loss, which its own counter bounds.
            assert.deepStrictEqual(outsideLoops, states.has("WaitForCapacity") ? ["WaitForCapacity"] : []);
            if (states.has("WaitForCapacity")) {
                const bound = (states.get("StartAgainAfterCapacityLoss") as any).Choices[0];
                assert.deepStrictEqual([bound.Variable, bound.NumericGreaterThanEquals], ["$.capacity.losses", 7]);
            }
            if (states.has("EveryServerBackupStarted")) {
                // 500 servers take 5 calls of 100 backups; a sixth is the last before the run fails.
                const bound = (states.get("EveryServerBackupStarted") as any).Choices[1];
                assert.deepStrictEqual([bound.Variable, bound.NumericGreaterThanEquals, bound.Next], ["$.backups.calls", 6, "ServerBackupsNotStartedCause"]);
            }
            // Every loop has a counter: the worst-case history is known (statemachines/historyBudget.ts).
            assert.ok(worstCaseHistory(d) < 12_500);
        }
    });
});
