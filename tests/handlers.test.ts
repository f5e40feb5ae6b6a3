import * as assert from "assert";
import { listenerRulesArn } from "../handlers/catalog";
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

    it("scope maintenance-rule permissions to the rules of one listener", () => {
        assert.strictEqual(
            listenerRulesArn("arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2"),
            "arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:listener-rule/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2/*",
        );
    });
});
