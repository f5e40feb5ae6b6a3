import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { projectDir } from "../scripts/lib/runProgram";
import { SynthResult, synthesize } from "../scripts/lib/synthesize";
import { parseFaults } from "../simulator/faults";
import { simulate } from "../simulator/simulate";
import { taskFunctionNames } from "../statemachines/plan";
import { allowingStatement, functionPolicy } from "./support/iamPolicy";

const context = (synth: SynthResult) => ({
    servers: synth.outputs.webServers.map((s: { name: string }) => s.name),
    clusterIdentifier: synth.outputs.dbClusterIdentifier,
    tasks: taskFunctionNames,
});

// Step Functions limits: 256 KiB per state payload, 25,000 events per execution history.
const payloadLimit = 256 * 1024;
const historyLimit = 25_000;

/** The figures the README gives of each jobnet's run at a fleet size. */
const readmeFigures = (() => {
    const readme = fs.readFileSync(path.join(projectDir, "README.md"), "utf8");
    const said = /at (\d+) servers the stop's largest state is ([\d.]+ KB) and its history ([\d,]+) events,\s+the start's ([\d.]+ KB) and ([\d,]+) \(/.exec(readme);
    assert.ok(said, "the README gives no figures of a run at a fleet size");
    return {
        stop: { servers: Number(said[1]), largestState: said[2], historyEvents: said[3] },
        start: { servers: Number(said[1]), largestState: said[4], historyEvents: said[5] },
    };
})();

// More servers than one DescribeInstanceStatus (100), two SendCommands (50) or the IAM policies' list of ARNs (100) take.
const fleetSize = 120;

describe(`a system of ${fleetSize} web servers`, function () {
    this.timeout(120_000);
    let synth: SynthResult;
    before(async () => {
        synth = await synthesize("dev", path.join(projectDir, "out", ".test", `dev-${fleetSize}`), { "webapp-jobnet:webServerCount": String(fleetSize) });
    });

    it("keeps every role's inline policies within IAM's 10,240 characters, naming the servers by the tag the stack gives them", () => {
        // The limit is on the sum of a role's inline policies, white space not counted.
        const byRole = new Map<string, number>();
        for (const p of synth.resources.filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy")) {
            byRole.set(p.inputs.role, (byRole.get(p.inputs.role) ?? 0) + JSON.stringify(JSON.parse(p.inputs.policy)).length);
        }
        for (const [role, size] of byRole) assert.ok(size <= 10_240, `${role}: ${size} characters`);
        const stop = functionPolicy(synth.resources, "webapp-jobnet-dev-stop-instances").find((s) => s.Action.includes("ec2:StopInstances"));
        assert.deepStrictEqual(stop, {
            Effect: "Allow",
            Action: ["ec2:StopInstances"],
            Resource: "arn:aws:ec2:ap-northeast-1:123456789012:instance/*",
            Condition: { StringEquals: { "aws:ResourceTag/webapp-jobnet:web-server": "webapp-jobnet-dev" } },
        });
        const tags = synth.resources.filter((r) => r.type === "aws:ec2/instance:Instance").map((r) => r.inputs.tags["webapp-jobnet:web-server"]);
        assert.deepStrictEqual([tags.length, new Set(tags)], [fleetSize, new Set(["webapp-jobnet-dev"])]);
    });

    it("stops and starts with every call allowed by its task's policy", async () => {
        const { reports, account } = await simulate(synth, { initial: "running", jobnets: ["stop", "start"] });
        assert.deepStrictEqual(reports.map((r) => r.report.status), ["SUCCEEDED", "SUCCEEDED"]);
        for (const call of account.calls) {
            const policy = functionPolicy(synth.resources, synth.functions.find((f) => f.task === call.caller)!.functionName);
            for (const { resource, context } of call.authorizations) {
                assert.ok(allowingStatement(policy, { action: call.action, resource, context }), `${call.caller}: ${call.action} on ${resource} is denied`);
            }
        }
        // 120 servers take three SendCommands for each of the five commands: stop and check; check, start and check.
        assert.strictEqual(account.calls.filter((c) => c.action === "ssm:SendCommand").length, 3 * 5);
    });

    for (const [jobnet, initial] of [["stop", "running"], ["start", "stopped"]] as const) {
        it(`${jobnet}s within half the payload and half the history limits`, async () => {
            const { reports, account } = await simulate(synth, { initial, jobnets: [jobnet] });
            const report = reports[0].report;
            assert.strictEqual(report.status, "SUCCEEDED", report.cause);
            assert.strictEqual(account.webServers().length, fleetSize);
            const expected = jobnet === "stop" ? "stopped" : "running";
            assert.deepStrictEqual([...new Set(account.webServers().map((i) => i.state))], [expected]);
            assert.ok(report.largestPayloadBytes < payloadLimit / 2, `largest payload ${report.largestPayloadBytes} bytes`);
            assert.ok(report.historyEvents < historyLimit / 2, `${report.historyEvents} history events`);
            assert.deepStrictEqual(
                { servers: fleetSize, largestState: `${(report.largestPayloadBytes / 1024).toFixed(1)} KB`, historyEvents: report.historyEvents.toLocaleString("en-US") },
                readmeFigures[jobnet],
                "the README's figures of a run at this fleet size (The jobnets, What real AWS does)",
            );
        });

        it(`${jobnet}s while every AWS API throttles in bursts (30 s in every 2 minutes)`, async () => {
            const { reports, account } = await simulate(synth, { initial, jobnets: [jobnet], faults: parseFaults(["throttle-api:all"], context(synth)) });
            const report = reports[0].report;
            assert.strictEqual(report.status, "SUCCEEDED", report.cause);
            const throttled = Object.values(account.throttled).reduce((a, b) => a + b, 0);
            assert.ok(throttled > 10, JSON.stringify(account.throttled));
            const expected = jobnet === "stop" ? "stopped" : "running";
            assert.deepStrictEqual([...new Set(account.webServers().map((i) => i.state))], [expected]);
            assert.ok(report.historyEvents < historyLimit / 2, `${report.historyEvents} history events`);
        });
    }
});
