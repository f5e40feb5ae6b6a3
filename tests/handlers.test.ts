import * as assert from "assert";
import { listenerRulesArn } from "../handlers/catalog";
import { describeAwsError, reportingStep } from "../handlers/errors";
import { LockHolder, deliveryClaimKey, describeLagSeconds, mayTakeOver } from "../handlers/runLock";
import { scheduledTimeOf } from "../handlers/scheduledRuns";
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

describe("the run lock's decisions", () => {
    const t0 = Date.UTC(2026, 10, 30, 13, 0, 0);
    const holder = (startedSecondsAgo: number, leaseSeconds = 4 * 3600): LockHolder => {
        const started = t0 - startedSecondsAgo * 1000;
        return { executionArn: "arn:aws:states:ap-northeast-1:123456789012:execution:webapp-jobnet-dev-start:manual", startedAt: new Date(started).toISOString(), leaseExpiresAt: started / 1000 + leaseSeconds };
    };

    it("let a running holder keep the lock, and take over one that has ended in any way", () => {
        assert.deepStrictEqual((["RUNNING", "PENDING_REDRIVE", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"] as const).map((s) => mayTakeOver(holder(60), s, t0)), [false, false, true, true, true, true]);
    });

    it("take over whatever the holder's status once its lease (the jobnet's timeout) is over", () => {
        assert.deepStrictEqual([mayTakeOver(holder(3600, 3600), "RUNNING", t0), mayTakeOver(holder(3599, 3600), "RUNNING", t0)], [true, false]);
    });

    it("take a holder DescribeExecution does not know for gone only once it is older than the read's lag", () => {
        assert.deepStrictEqual([mayTakeOver(holder(describeLagSeconds), "DOES_NOT_EXIST", t0), mayTakeOver(holder(describeLagSeconds + 1), "DOES_NOT_EXIST", t0)], [false, true]);
    });

    it("claim each scheduled time once per state machine", () => {
        assert.strictEqual(deliveryClaimKey("arn:aws:states:ap-northeast-1:123456789012:stateMachine:webapp-jobnet-dev-stop", "2026-11-30T13:00:00Z"), "delivery:webapp-jobnet-dev-stop:2026-11-30T13:00:00Z");
    });

    it("read the scheduled time only from a schedule's input", () => {
        assert.strictEqual(scheduledTimeOf({ trigger: "schedule", scheduledTime: "2026-11-30T13:00:00Z" }), "2026-11-30T13:00:00Z");
        assert.deepStrictEqual([scheduledTimeOf({}), scheduledTimeOf({ trigger: "event", event: "x" }), scheduledTimeOf({ trigger: "schedule" }), scheduledTimeOf(null), scheduledTimeOf("schedule")],
            [undefined, undefined, undefined, undefined, undefined]);
    });
});
