import * as assert from "assert";
import { pollSchedule, steadySeconds } from "../statemachines/pollSchedule";
import { WaitName, defaultWaits } from "../statemachines/plan";
import { latency } from "../simulator/latency";

describe("a bounded wait's poll schedule", () => {
    it("polls at its own rhythm while the service usually ends, the last poll at the bound", () => {
        assert.deepStrictEqual(pollSchedule({ firstAfterSeconds: 20, everySeconds: 10, withinSeconds: 120 }), {
            firstAfterSeconds: 20,
            tiers: [{ seconds: 10, waits: 10 }],
            maxAttempts: 11,
        });
    });

    it("keeps polling at its rhythm until well after a usual run's service is done", () => {
        // How long each wait of the bench takes in the simulated account (simulator/latency.ts).
        const usual: Record<Exclude<WaitName, "instanceCapacity">, number> = {
            httpdCommand: latency.commandDelivery + latency.commandRun,
            agentOnline: latency.ssmAgentOnline,
            instanceStopped: latency.instanceStopping,
            instanceReady: latency.instancePending + latency.statusChecks,
            clusterAvailable: latency.clusterStarting,
            clusterStopped: latency.clusterStopping,
            backupsCompleted: latency.backupQueued + Math.max(latency.backupInstance, latency.backupCluster),
            targetsHealthy: latency.healthCheckInterval * latency.healthyThreshold,
        };
        const steady: Record<string, number> = Object.fromEntries(Object.keys(usual).map((name) => [name, steadySeconds(defaultWaits[name as WaitName])]));
        for (const [name, seconds] of Object.entries(usual)) assert.ok(seconds < steady[name] / 1.5, `${name}: ${seconds} s of ${steady[name]}`);
        assert.deepStrictEqual(steady, {
            httpdCommand: 60, agentOnline: 300, instanceStopped: 150, instanceReady: 480, clusterAvailable: 960, clusterStopped: 480, backupsCompleted: 480, targetsHealthy: 150,
        });
    });

    it("doubles the interval each time the time waited doubles, up to ten minutes", () => {
        // AMIs of four and a half hours under a six-hour bound: 168 polls, not 2,149.
        assert.deepStrictEqual(pollSchedule({ ...defaultWaits.backupsCompleted, withinSeconds: 6 * 3600 }), {
            firstAfterSeconds: 120,
            tiers: [
                { seconds: 10, waits: 36 }, // 2:00 to 8:00
                { seconds: 20, waits: 24 }, // to 16:00
                { seconds: 40, waits: 24 }, // to 32:00
                { seconds: 80, waits: 24 }, // to 1:04:00
                { seconds: 160, waits: 24 }, // to 2:08:00
                { seconds: 320, waits: 24 }, // to 4:16:00
                { seconds: 600, waits: 10 }, // to 5:56:00
                { seconds: 240, waits: 1 }, // to 6:00:00
            ],
            maxAttempts: 168,
        });
        assert.strictEqual(pollSchedule({ ...defaultWaits.backupsCompleted, withinSeconds: 24 * 3600 }).maxAttempts, 276);
    });

    it("waits steadily for four times the first poll's delay, or 30 polls, whichever is longer", () => {
        assert.deepStrictEqual(pollSchedule(defaultWaits.clusterAvailable).tiers, [{ seconds: 10, waits: 72 }, { seconds: 20, waits: 48 }, { seconds: 40, waits: 12 }]);
        assert.deepStrictEqual(pollSchedule(defaultWaits.instanceStopped).tiers, [{ seconds: 5, waits: 24 }, { seconds: 10, waits: 15 }, { seconds: 20, waits: 15 }]);
    });

    it("shortens the last Wait so that the last poll comes at the bound, not after it", () => {
        assert.deepStrictEqual(pollSchedule({ firstAfterSeconds: 20, everySeconds: 10, withinSeconds: 125 }).tiers, [{ seconds: 10, waits: 10 }, { seconds: 5, waits: 1 }]);
        assert.deepStrictEqual(pollSchedule(defaultWaits.httpdCommand), {
            firstAfterSeconds: 2,
            tiers: [{ seconds: 2, waits: 29 }, { seconds: 4, waits: 15 }, { seconds: 8, waits: 15 }, { seconds: 16, waits: 3 }, { seconds: 12, waits: 1 }],
            maxAttempts: 64,
        });
    });

    it("polls once when the bound comes no later than the first poll", () => {
        assert.deepStrictEqual(pollSchedule({ firstAfterSeconds: 20, everySeconds: 10, withinSeconds: 20 }), {
            firstAfterSeconds: 20,
            tiers: [{ seconds: 10, waits: 0 }],
            maxAttempts: 1,
        });
    });

    it("keeps an interval longer than ten minutes as it is", () => {
        assert.deepStrictEqual(pollSchedule({ firstAfterSeconds: 120, everySeconds: 900, withinSeconds: 7200 }).tiers, [{ seconds: 900, waits: 7 }, { seconds: 780, waits: 1 }]);
    });
});
