import * as assert from "assert";
import * as path from "path";
import { projectDir } from "../scripts/lib/runProgram";
import { SynthResult, synthesize } from "../scripts/lib/synthesize";
import { parseFaults } from "../simulator/faults";
import { simulate } from "../simulator/simulate";
import { taskFunctionNames } from "../statemachines/plan";

const context = (synth: SynthResult) => ({
    servers: synth.outputs.webServers.map((s: { name: string }) => s.name),
    clusterIdentifier: synth.outputs.dbClusterIdentifier,
    tasks: taskFunctionNames,
});

// Step Functions limits: 256 KiB per state payload, 25,000 events per execution history.
const payloadLimit = 256 * 1024;
const historyLimit = 25_000;

describe("a system of 100 web servers", function () {
    this.timeout(120_000);
    let synth: SynthResult;
    before(async () => {
        synth = await synthesize("dev", path.join(projectDir, "out", ".test", "dev-100"), { "webapp-jobnet:webServerCount": "100" });
    });

    for (const [jobnet, initial] of [["stop", "running"], ["start", "stopped"]] as const) {
        it(`${jobnet}s within half the payload and half the history limits`, async () => {
            const { reports, account } = await simulate(synth, { initial, jobnets: [jobnet] });
            const report = reports[0].report;
            assert.strictEqual(report.status, "SUCCEEDED", report.cause);
            assert.strictEqual(account.instances.size, 100);
            const expected = jobnet === "stop" ? "stopped" : "running";
            assert.deepStrictEqual([...new Set([...account.instances.values()].map((i) => i.state))], [expected]);
            assert.ok(report.largestPayloadBytes < payloadLimit / 2, `largest payload ${report.largestPayloadBytes} bytes`);
            assert.ok(report.historyEvents < historyLimit / 2, `${report.historyEvents} history events`);
        });

        it(`${jobnet}s while every AWS API throttles in bursts (30 s in every 2 minutes)`, async () => {
            const { reports, account } = await simulate(synth, { initial, jobnets: [jobnet], faults: parseFaults(["throttle-api:all"], context(synth)) });
            const report = reports[0].report;
            assert.strictEqual(report.status, "SUCCEEDED", report.cause);
            const throttled = Object.values(account.throttled).reduce((a, b) => a + b, 0);
            assert.ok(throttled > 10, JSON.stringify(account.throttled));
            const expected = jobnet === "stop" ? "stopped" : "running";
            assert.deepStrictEqual([...new Set([...account.instances.values()].map((i) => i.state))], [expected]);
            assert.ok(report.historyEvents < historyLimit / 2, `${report.historyEvents} history events`);
        });
    }
});
