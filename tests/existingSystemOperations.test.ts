import * as assert from "assert";
import * as path from "path";
import { projectDir, runProgram } from "../scripts/lib/runProgram";
import { SynthResult, synthesize } from "../scripts/lib/synthesize";
import { simulate } from "../simulator/simulate";
import { stopAfterSevenDayRestart } from "./support/sevenDayRestart";
import { sharedRun } from "./support/sharedRuns";

// The same operations as the system this program creates: schedules, calendar, guard, the 7-day
// restart, notifications. Only the targets differ.
describe("operations of an existing system, under mocks", () => {
    it("schedule both jobnets, and run the stop jobnet again when Aurora restarts the existing cluster", async () => {
        const { account, outputs } = await sharedRun("existing");
        assert.deepStrictEqual(account.ofType("aws:scheduler/schedule:Schedule").filter((s) => !s.inputs.name.endsWith("-watch-runs")).map((s) => [s.inputs.name, s.inputs.scheduleExpression, s.inputs.scheduleExpressionTimezone]), [
            ["webapp-jobnet-existing-stop", "cron(0 22 ? * MON-FRI *)", "Asia/Tokyo"],
            ["webapp-jobnet-existing-start", "cron(0 8 ? * MON-FRI *)", "Asia/Tokyo"],
        ]);
        const rule = account.ofType("aws:cloudwatch/eventRule:EventRule").find((r) => r.inputs.name === "webapp-jobnet-existing-cluster-auto-restart")!;
        assert.deepStrictEqual(JSON.parse(rule.inputs.eventPattern).detail, { SourceIdentifier: ["shop-aurora"], EventID: ["RDS-EVENT-0153"] });
        const target = account.ofType("aws:cloudwatch/eventTarget:EventTarget").find((t) => t.inputs.rule === rule.state.name && t.inputs.arn === outputs.stopStateMachineArn)!;
        assert.strictEqual(target.inputs.arn, outputs.stopStateMachineArn);
    });

    it("notify Slack of every ending of both jobnets", async () => {
        const { account, outputs } = await runProgram("existing", { "webapp-jobnet:slack": JSON.stringify({ webhookUrl: "https://hooks.slack.com/services/T000/B000/SECRETSECRET" }) });
        const rule = account.ofType("aws:cloudwatch/eventRule:EventRule").find((r) => r.inputs.name === "webapp-jobnet-existing-run-ended")!;
        assert.deepStrictEqual(JSON.parse(rule.inputs.eventPattern).detail.stateMachineArn, [outputs.stopStateMachineArn, outputs.startStateMachineArn]);
        assert.ok(account.ofType("aws:lambda/function:Function").some((f) => f.inputs.name === "webapp-jobnet-existing-notify"));
    });
});

describe("runs of an existing system's jobnets in the simulated account", function () {
    this.timeout(60_000);
    let synth: SynthResult;
    before(async () => {
        synth = await synthesize("existing", path.join(projectDir, "out", ".test", "existing-operations"), {
            "webapp-jobnet:calendar": JSON.stringify({ country: "JP", closedDates: ["2026-12-30"] }),
        });
    });

    it("a scheduled run on a closed day of the calendar is skipped, and changes nothing", async () => {
        const { reports, account } = await simulate(synth, { initial: "running", jobnets: ["stop"], input: { trigger: "schedule", scheduledTime: "2026-12-30T13:00:00Z" } });
        assert.deepStrictEqual([reports[0].report.status, (reports[0].report.output as { reason: string }).reason], ["SUCCEEDED", "2026-12-30 is listed in calendar.closedDates"]);
        // The run itself calls nothing; EventBridge tells the run lock of its end, which holds nothing of it.
        assert.deepStrictEqual(account.calls.map((c) => `${c.caller} ${c.action}`), ["releaseRunLock dynamodb:DeleteItem"]);
    });

    it("a run while another is active is refused, and changes nothing", async () => {
        const { reports, account } = await simulate(synth, { initial: "running", jobnets: ["stop"], faults: { otherRunActive: "start" } });
        assert.strictEqual(reports[0].report.error, "JobnetAlreadyRunning");
        assert.deepStrictEqual(account.webServers().map((i) => i.state), ["running", "running"]);
    });

    it("the run the 7-day restart starts stops the existing cluster again", async () => {
        const { reports, account } = await stopAfterSevenDayRestart(synth, "cluster-auto-restart");
        assert.strictEqual(reports[0].report.status, "SUCCEEDED", reports[0].report.cause);
        assert.deepStrictEqual([account.database.identifier, account.database.status], ["shop-aurora", "stopped"]);
    });
});
