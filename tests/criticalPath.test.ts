import * as assert from "assert";
import { Latency, devSystem, startLowerBound, stopLowerBound } from "../simulator/criticalPath";
import { latency } from "../simulator/latency";

describe("the physical lower bound", () => {
    it("stops in one command, then the longer of (snapshot, cluster stop) and (instance stop, AMI)", () => {
        const bound = stopLowerBound(devSystem(2));
        // httpd 1 + 1; database: snapshot 10 + 240, stop 240; servers: stop 35, AMI 10 + 300.
        assert.strictEqual(bound.seconds, 2 + Math.max(250 + 240, 35 + 310));
        assert.strictEqual(bound.seconds, 492);
        assert.strictEqual(bound.critical, "database");
        assert.deepStrictEqual(bound.chain, [
            "maintenance page on 0s",
            "httpd down on every server 2s (one command: delivery 1s + run 1s)",
            "* database: cluster snapshot 250s (queue 10s + snapshot 240s) → cluster stop 240s = 490s",
            "  servers: instance stop 35s → AMI 310s (queue 10s + backup 300s) = 345s",
        ]);
    });

    it("starts in the longer of cluster start and boot with checks, then one command, then the healthy threshold", () => {
        const bound = startLowerBound(devSystem(2));
        assert.strictEqual(bound.seconds, 420 + 2 + 2 * 30);
        assert.strictEqual(bound.critical, "database");
        assert.deepStrictEqual(bound.chain, [
            "* database: cluster start 420s = 420s",
            "  servers: instance pending 15s → status checks 120s = 135s",
            "httpd up on every server 2s (one command: delivery 1s + run 1s)",
            "every target healthy 60s (2 checks × 30s)",
            "maintenance page off 0s",
        ]);
    });

    it("is the same for 1, 2, 20, 100 and 500 servers", () => {
        for (const bound of [stopLowerBound, startLowerBound]) {
            const seconds = [1, 2, 20, 100, 500].map((n) => bound(devSystem(n)).seconds);
            assert.deepStrictEqual(new Set(seconds).size, 1, `${bound.name}: ${seconds.join(", ")}`);
        }
    });

    it("follows the latency table (simulator/latency.ts)", () => {
        assert.strictEqual(stopLowerBound(devSystem(2)).seconds,
            latency.commandDelivery + latency.commandRun + latency.backupQueued + latency.backupCluster + latency.clusterStopping);
        assert.strictEqual(startLowerBound(devSystem(2)).seconds,
            latency.clusterStarting + latency.commandDelivery + latency.commandRun + latency.healthyThreshold * latency.healthCheckInterval);
    });

    it("makes the servers' side critical when the AMI outlasts the snapshot and the database stop", () => {
        const slowAmi: Latency = { ...latency, backupInstance: 900 };
        const bound = stopLowerBound(devSystem(2), slowAmi);
        assert.strictEqual(bound.seconds, 2 + 35 + 910);
        assert.strictEqual(bound.critical, "servers");
        assert.ok(bound.chain[3].startsWith("* servers:"), bound.chain.join("\n"));
    });

    it("stops the database only once every instance has stopped, even after a quick snapshot", () => {
        const quickSnapshot: Latency = { ...latency, backupQueued: 1, backupCluster: 4, backupInstance: 1 };
        // Snapshot done at 5 s, instances stopped at 35 s: the stop starts at 35 s.
        const bound = stopLowerBound(devSystem(2), quickSnapshot);
        assert.strictEqual(bound.seconds, 2 + 35 + 240);
        assert.strictEqual(bound.chain[2], "* database: cluster snapshot 5s (queue 1s + snapshot 4s), instances stopped at 35s → cluster stop 240s = 275s");
    });

    it("boots the servers on the critical path when they take longer than the cluster", () => {
        const slowChecks: Latency = { ...latency, statusChecks: 600 };
        const bound = startLowerBound(devSystem(2), slowChecks);
        assert.strictEqual(bound.seconds, 615 + 2 + 60);
        assert.strictEqual(bound.critical, "servers");
    });

    it("takes what the system has: an RDS DB instance, no database, no load balancer", () => {
        const instance = { servers: 2, database: "instance", loadBalancer: true } as const;
        assert.strictEqual(stopLowerBound(instance).seconds, 492);
        assert.ok(stopLowerBound(instance).chain[2].includes("DB instance snapshot 250s"));
        assert.strictEqual(startLowerBound(instance).chain[0], "* database: DB instance start 420s = 420s");

        const noDatabase = { servers: 2, database: "none", loadBalancer: true } as const;
        assert.strictEqual(stopLowerBound(noDatabase).seconds, 2 + 35 + 310);
        assert.strictEqual(stopLowerBound(noDatabase).critical, "servers");
        assert.strictEqual(startLowerBound(noDatabase).seconds, 135 + 2 + 60);

        const noBalancer = { servers: 2, database: "cluster", loadBalancer: false } as const;
        assert.strictEqual(stopLowerBound(noBalancer).seconds, 492);
        assert.strictEqual(stopLowerBound(noBalancer).chain[0], "httpd down on every server 2s (one command: delivery 1s + run 1s)");
        assert.strictEqual(startLowerBound(noBalancer).seconds, 420 + 2);
        assert.deepStrictEqual(startLowerBound({ servers: 1, database: "none", loadBalancer: false }).seconds, 135 + 2);
    });
});
