import * as assert from "assert";
import { listenerRulesArn } from "../handlers/catalog";
import { describeAwsError, reportingStep } from "../handlers/errors";
import { Delivery, couldBeSameDelivery, judgeDelivery, scheduledTimeOf } from "../handlers/guard";
import { combinedChecks, instanceStateName, transitionTime } from "../handlers/instances";

describe("handler helpers", () => {
    it("read EC2 state codes by their low byte", () => {
        assert.deepStrictEqual([0, 16, 32, 48, 64, 80, 272].map(instanceStateName), ["pending", "running", "shutting-down", "terminated", "stopping", "stopped", "running"]);
        assert.throws(() => instanceStateName(99), (e: Error) => e.name === "UnknownInstanceState");
    });

    it("combine the instance and system status checks", () => {
        assert.strictEqual(combinedChecks("ok", "ok"), "ok");
        assert.strictEqual(combinedChecks("ok", "initializing"), "initializing");
        assert.strictEqual(combinedChecks("impaired", "ok"), "impaired");
        assert.strictEqual(combinedChecks(undefined, undefined), "initializing");
    });

    it("read when an instance stopped from its state-transition reason", () => {
        assert.strictEqual(transitionTime("User initiated (2026-11-28 17:00:05 GMT)"), "2026-11-28T17:00:05.000Z");
        assert.strictEqual(transitionTime("Server.ScheduledStop: Stopped due to scheduled retirement"), null);
        assert.strictEqual(transitionTime(undefined), null);
    });

    it("name the step and the resource in an AWS error, keeping its name for Retry and Catch", async () => {
        const throttled = Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException", $fault: "client", $metadata: { httpStatusCode: 400, attempts: 3 } });
        const handler = reportingStep(async (_: { instanceId: string }) => {
            throw throttled;
        });
        await assert.rejects(handler({ instanceId: "i-1", step: "StopHttpd", about: "web-1" }), (e: Error) => {
            assert.strictEqual(e.name, "ThrottlingException");
            assert.strictEqual(e.message, "StopHttpd on web-1: AWS throttled the request (ThrottlingException, HTTP 400, after 3 attempts): Rate exceeded");
            return true;
        });
        const refused = Object.assign(new Error(""), { name: "UnauthorizedOperation", $metadata: { httpStatusCode: 403 } });
        assert.strictEqual((describeAwsError(refused, { step: "StopInstance" }) as Error).message, "StopInstance: AWS refused the request (UnauthorizedOperation, HTTP 403): no message");
        // The handlers' own errors already name the resource: they pass unchanged.
        const own = Object.assign(new Error("instance i-1 is terminated; it cannot start"), { name: "InstanceGone" });
        assert.strictEqual(describeAwsError(own, { step: "StartInstance" }), own);
    });

    it("scope maintenance-rule permissions to the rules of one listener", () => {
        assert.strictEqual(
            listenerRulesArn("arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2"),
            "arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:listener-rule/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2/*",
        );
    });
});

describe("duplicate deliveries of a scheduled run", () => {
    const t0 = Date.UTC(2026, 10, 30, 13, 0, 0);
    const run = (name: string, startSeconds: number, scheduledTime = "2026-11-30T13:00:00Z"): Delivery =>
        ({ executionArn: `arn:aws:states:ap-northeast-1:123456789012:execution:webapp-jobnet-dev-stop:${name}`, startDate: t0 + startSeconds * 1000, scheduledTime });
    /** A run by hand or by an event: no scheduled time. */
    const unscheduled = (name: string, startSeconds: number): Delivery => ({ ...run(name, startSeconds), scheduledTime: undefined });
    const arn = (d: Delivery) => d.executionArn;

    it("let the earliest started run of a scheduled time proceed; the others are its duplicates", () => {
        const [a, b, c] = [run("a", 0), run("b", 2), run("c", 900)];
        assert.deepStrictEqual(judgeDelivery(a, [b, c]), { duplicateOf: undefined, laterDeliveries: [arn(b), arn(c)] });
        assert.deepStrictEqual(judgeDelivery(b, [a, c]), { duplicateOf: arn(a), laterDeliveries: [] });
        // Every duplicate names the run that proceeds, not merely an earlier duplicate.
        assert.deepStrictEqual(judgeDelivery(c, [b, a]), { duplicateOf: arn(a), laterDeliveries: [] });
    });

    it("order runs started at the same instant by execution ARN, so both reach the same verdict", () => {
        const [x, y] = [run("x", 0), run("y", 0)];
        assert.deepStrictEqual(judgeDelivery(x, [y]), { duplicateOf: undefined, laterDeliveries: [arn(y)] });
        assert.deepStrictEqual(judgeDelivery(y, [x]), { duplicateOf: arn(x), laterDeliveries: [] });
    });

    it("leave runs of other scheduled times, manual and event runs out, and never judge an unscheduled run", () => {
        const ours = run("ours", 10);
        const others = [run("yesterday", -86_400, "2026-11-29T13:00:00Z"), unscheduled("manual", 0), unscheduled("event", 5)];
        assert.deepStrictEqual(judgeDelivery(ours, others), { duplicateOf: undefined, laterDeliveries: [] });
        // Two manual runs are never duplicates of each other: the guard refuses both.
        assert.deepStrictEqual(judgeDelivery(unscheduled("manual", 10), [run("scheduled", 0), unscheduled("manual-2", 10)]), { duplicateOf: undefined, laterDeliveries: [] });
        // The run itself, listed among the others, is no duplicate of itself.
        assert.deepStrictEqual(judgeDelivery(ours, [ours]), { duplicateOf: undefined, laterDeliveries: [] });
    });

    it("read the scheduled time only from a schedule's input", () => {
        assert.strictEqual(scheduledTimeOf({ trigger: "schedule", scheduledTime: "2026-11-30T13:00:00Z" }), "2026-11-30T13:00:00Z");
        assert.deepStrictEqual([scheduledTimeOf({}), scheduledTimeOf({ trigger: "event", event: "x" }), scheduledTimeOf({ trigger: "schedule" }), scheduledTimeOf(null), scheduledTimeOf("schedule")],
            [undefined, undefined, undefined, undefined, undefined]);
    });

    it("read the input only of runs started within the schedule's maximum event age (an hour) and a minute of ours", () => {
        assert.deepStrictEqual([0, 2_000, -3_660_000, 3_660_000, -3_660_001, 3_660_001].map((d) => couldBeSameDelivery(t0, t0 + d)), [true, true, true, true, false, false]);
    });
});
