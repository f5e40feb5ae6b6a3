import * as assert from "assert";
import * as http from "http";
import { AddressInfo } from "net";
import { mockClient } from "aws-sdk-client-mock";
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from "@aws-sdk/client-sfn";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { CalendarSettings, calendarDate, judgeDay } from "../handlers/calendar";
import { clip, executionConsoleUrl, notifyRunEnded, postToSlack, slackMessage, RunSummary } from "../handlers/notifier";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { ConfigError, parseConfig } from "../infra/config";
import { isTimeZone, nextRuns, parseCron } from "../infra/cron";
import { startExecutionCommand, stateMachineConsoleUrl } from "../infra/outputs";
import { runProgram } from "../scripts/lib/runProgram";
import { SynthResult } from "../scripts/lib/synthesize";
import { simulate } from "../simulator/simulate";
import { invocationContext, invokeAsynchronously } from "../simulator/lambda";
import { notifierAsyncRetries } from "../infra/alerts";
import { instanceNotFound, mapIterationFailed } from "./support/histories";
import { stopAfterSevenDayRestart } from "./support/sevenDayRestart";
import { sharedRun, sharedSynthesis } from "./support/sharedRuns";

describe("cron expressions (EventBridge Scheduler)", () => {
    it("run at the next weekday 22:00 in Tokyo, skipping the weekend", () => {
        const runs = nextRuns(parseCron("cron(0 22 ? * MON-FRI *)"), "Asia/Tokyo", new Date("2026-11-27T13:30:00Z"), 2);
        // Friday 22:30 JST → Monday 22:00 JST, Tuesday 22:00 JST.
        assert.deepStrictEqual(runs.map((d) => d.toISOString()), ["2026-11-30T13:00:00.000Z", "2026-12-01T13:00:00.000Z"]);
    });

    it("skip a local time that a DST change skips, and run a repeated one once", () => {
        const s = parseCron("cron(30 2 * * ? *)");
        assert.deepStrictEqual(nextRuns(s, "America/New_York", new Date("2026-03-07T00:00:00Z"), 2).map((d) => d.toISOString()), [
            "2026-03-07T07:30:00.000Z",
            "2026-03-09T06:30:00.000Z",
        ]);
        const repeated = nextRuns(parseCron("cron(30 1 * * ? *)"), "America/New_York", new Date("2026-11-01T00:00:00Z"), 2);
        assert.deepStrictEqual(repeated.map((d) => d.toISOString()), ["2026-11-01T05:30:00.000Z", "2026-11-02T06:30:00.000Z"]);
    });

    it("know L, W and # in the day fields", () => {
        const at = (expression: string) => nextRuns(parseCron(expression), "UTC", new Date("2026-10-31T00:00:00Z"), 1)[0].toISOString();
        assert.strictEqual(at("cron(0 9 L * ? *)"), "2026-10-31T09:00:00.000Z");
        assert.strictEqual(at("cron(0 9 15W 11 ? *)"), "2026-11-16T09:00:00.000Z"); // the 15th is a Sunday
        assert.strictEqual(at("cron(0 9 ? * 6#3 *)"), "2026-11-20T09:00:00.000Z"); // third Friday
        assert.strictEqual(at("cron(0 9 ? * 2L *)"), "2026-11-30T09:00:00.000Z"); // last Monday
    });

    const bad: [string, RegExp][] = [
        ["0 22 ? * MON-FRI *", /must have the form cron\(/],
        ["cron(0 22 ? * MON-FRI)", /has 5 fields; EventBridge cron has six/],
        ["cron(0 22 * * MON-FRI *)", /exactly one of day-of-month and day-of-week must be \?/],
        ["cron(0 22 ? * ? *)", /exactly one of day-of-month and day-of-week must be \?/],
        ["cron(60 22 ? * MON *)", /minutes: 60 is out of range; expected 0-59/],
        ["cron(0 22 ? 13 MON *)", /month: 13 is out of range; expected 1-12 or JAN-DEC/],
        ["cron(0 22 ? * FRI-MON *)", /the range FRI-MON runs backwards/],
        ["cron(0 22 ? * MON 1969)", /year: 1969 is out of range/],
    ];
    for (const [expression, message] of bad) {
        it(`refuse ${expression}`, () => assert.throws(() => parseCron(expression), message));
    }

    it("know IANA time zones", () => {
        assert.deepStrictEqual(["Asia/Tokyo", "UTC", "America/New_York", "Tokyo", "JST+9", "Asia/Nowhere"].map(isTimeZone), [true, true, true, false, false, false]);
    });
});

describe("the business calendar", () => {
    const jp: CalendarSettings = { country: "JP", closedDates: ["2026-12-30", "2026-12-31"], openDates: ["2026-11-23"], timeZone: "Asia/Tokyo" };

    it("closes on Japanese national holidays, naming them", () => {
        assert.deepStrictEqual(judgeDay("2027-01-01", jp), { date: "2027-01-01", open: false, reason: "2027-01-01 is a national holiday in JP: 元日 (New Year's Day)" });
    });

    it("closes on the days of the week it names, unless an open date says otherwise", () => {
        const weekdaysOnly = { ...jp, closedWeekdays: ["sat", "sun"], openDates: ["2027-05-08"] };
        assert.deepStrictEqual(judgeDay("2027-05-01", weekdaysOnly), { date: "2027-05-01", open: false, reason: "2027-05-01 is a Saturday, closed every week" });
        assert.deepStrictEqual(["2027-05-02", "2027-05-07", "2027-05-08"].map((d) => judgeDay(d, weekdaysOnly).open), [false, true, true]);
        assert.strictEqual(judgeDay("2027-05-01", jp).open, true, "no weekday is closed unless named");
    });

    it("closes on substitute holidays", () => {
        assert.deepStrictEqual(judgeDay("2026-05-06", jp), { date: "2026-05-06", open: false, reason: "2026-05-06 is a national holiday in JP: こどもの日 振替休日 (Holiday in lieu)" });
        assert.strictEqual(judgeDay("2025-11-24", jp).open, false);
    });

    it("closes on extra closed dates around the year end, and opens the days between", () => {
        assert.deepStrictEqual(["2026-12-29", "2026-12-30", "2026-12-31", "2027-01-01", "2027-01-04"].map((d) => judgeDay(d, jp).open), [true, false, false, false, true]);
        assert.strictEqual(judgeDay("2026-12-30", jp).reason, "2026-12-30 is listed in calendar.closedDates");
    });

    it("opens an extra open date even on a holiday", () => {
        assert.deepStrictEqual(judgeDay("2026-11-23", jp), { date: "2026-11-23", open: true, reason: "2026-11-23 is listed in calendar.openDates" });
    });

    it("judges the day in the schedule's time zone, not in UTC", () => {
        // 2026-12-31T15:30Z is already New Year's Day in Tokyo, still New Year's Eve in UTC.
        assert.strictEqual(calendarDate(new Date("2026-12-31T15:30:00Z"), "Asia/Tokyo"), "2027-01-01");
        assert.strictEqual(calendarDate(new Date("2026-12-31T15:30:00Z"), "UTC"), "2026-12-31");
        assert.strictEqual(calendarDate(new Date("2026-12-31T14:59:00Z"), "Asia/Tokyo"), "2026-12-31");
    });

    it("knows no holidays with country none", () => {
        assert.strictEqual(judgeDay("2027-01-01", { ...jp, country: "none" }).open, true);
    });
});

describe("operations config", () => {
    const parse = (values: Record<string, string>) => parseConfig({ "aws:region": "ap-northeast-1", ...values }, () => "<p>x</p>");
    const problems = (values: Record<string, string>) => {
        try {
            parse(values);
        } catch (e) {
            return (e as ConfigError).problems.map((p) => `${p.key}: got ${p.given}; expected ${p.expected}`);
        }
        return [];
    };

    it("takes a schedule per jobnet, in one time zone, enabled unless said otherwise", () => {
        const config = parse({ "webapp-jobnet:schedules": JSON.stringify({ timezone: "Asia/Tokyo", stop: { cron: "cron(0 22 ? * MON-FRI *)", enabled: "false" } }) });
        assert.deepStrictEqual(config.operations.schedules, { stop: { expression: "cron(0 22 ? * MON-FRI *)", timeZone: "Asia/Tokyo", enabled: false } });
    });

    it("keeps the webhook URL secret, and reads it from --path or a plain key", () => {
        const url = "https://hooks.slack.com/services/T000/B000/XXXX";
        const nested = parse({ "webapp-jobnet:slack": JSON.stringify({ webhookUrl: url, mention: "<!here>" }) }).operations.slack!;
        assert.strictEqual(nested.webhookUrl.reveal(), url);
        assert.strictEqual(String(nested.webhookUrl), "[secret]");
        assert.strictEqual(JSON.stringify(nested), '{"webhookUrl":"[secret]","mention":"<!here>"}');
        assert.strictEqual(parse({ "webapp-jobnet:slack.webhookUrl": url }).operations.slack!.webhookUrl.reveal(), url);
        assert.strictEqual(parse({}).operations.slack, undefined);
    });

    const bad: [Record<string, string>, string][] = [
        [{ "webapp-jobnet:schedules": '{"stop":{"cron":"cron(0 22 * * MON-FRI *)"}}' },
            'webapp-jobnet:schedules.stop.cron: got "cron(0 22 * * MON-FRI *)"; expected a valid EventBridge Scheduler cron expression: exactly one of day-of-month and day-of-week must be ?'],
        [{ "webapp-jobnet:schedules": '{"timezone":"Tokyo","stop":{"cron":"cron(0 22 ? * MON-FRI *)"}}' },
            'webapp-jobnet:schedules.timezone: got "Tokyo"; expected a canonical IANA time zone name such as Asia/Tokyo or UTC (did you mean Asia/Tokyo, UTC+09:00 all year?)'],
        [{ "webapp-jobnet:schedules": '{"start":{"cron":"cron(0 8 ? * MON *)","enabled":"yes"}}' },
            'webapp-jobnet:schedules.start.enabled: got "yes"; expected true or false'],
        [{ "webapp-jobnet:calendar": '{"country":"XX"}' }, 'webapp-jobnet:calendar.country: got "XX"; expected one of "JP", "none"'],
        [{ "webapp-jobnet:calendar": '{"closedDates":["2026-02-30"]}' },
            'webapp-jobnet:calendar.closedDates[0]: got "2026-02-30"; expected a date YYYY-MM-DD that exists on the calendar'],
        [{ "webapp-jobnet:slack": '{"webhookUrl":"http://example.com/hook"}' },
            "webapp-jobnet:slack.webhookUrl: got a value that is not a Slack incoming-webhook URL; expected https://hooks.slack.com/services/..., set with pulumi config set --secret --path slack.webhookUrl URL"],
        [{ "webapp-jobnet:slack": '{"webhookUrl":"https://hooks.slack.com/services/T/B/X","mention":"@here"}' },
            'webapp-jobnet:slack.mention: got "@here"; expected a Slack mention such as <!here>, <!channel>, <@U0123ABCD> or <!subteam^S0123ABCD>'],
        [{ "webapp-jobnet:triggers": '[{"name":"x","jobnet":"restart","eventPattern":{"source":["aws.ec2"]}}]' },
            'webapp-jobnet:triggers[0].jobnet: got "restart"; expected one of "stop", "start" (did you mean "start"?)'],
        [{ "webapp-jobnet:keepClusterStopped": "maybe" }, 'webapp-jobnet:keepClusterStopped: got "maybe"; expected true or false'],
    ];
    for (const [values, message] of bad) {
        it(`refuses ${Object.values(values)[0]}`, () => assert.deepStrictEqual(problems(values), [message]));
    }
});

describe("schedules, triggers and notifications in the program", () => {
    const slack = { "webapp-jobnet:slack": JSON.stringify({ webhookUrl: "https://hooks.slack.com/services/T000/B000/SECRETSECRET", mention: "<!here>" }) };

    it("schedule each jobnet with a role that may start only that state machine, and mark the runs as scheduled", async () => {
        const { account, outputs } = await sharedRun("dev");
        // The team jobnets' schedules, one per rule: tests/teamSchedules.test.ts.
        const schedules = account.ofType("aws:scheduler/schedule:Schedule").filter((s) => ["webapp-jobnet-dev-stop", "webapp-jobnet-dev-start"].includes(s.inputs.name));
        assert.deepStrictEqual(schedules.map((s) => [s.inputs.name, s.inputs.scheduleExpression, s.inputs.scheduleExpressionTimezone, s.inputs.state, s.inputs.flexibleTimeWindow.mode]), [
            ["webapp-jobnet-dev-stop", "cron(0 22 ? * MON-FRI *)", "Asia/Tokyo", "ENABLED", "OFF"],
            ["webapp-jobnet-dev-start", "cron(0 8 ? * MON-FRI *)", "Asia/Tokyo", "ENABLED", "OFF"],
        ]);
        for (const [s, jobnet] of [[schedules[0], "stop"], [schedules[1], "start"]] as const) {
            assert.strictEqual(s.inputs.target.arn, outputs[`${jobnet}StateMachineArn`]);
            assert.deepStrictEqual(JSON.parse(s.inputs.target.input), { trigger: "schedule", scheduledTime: "<aws.scheduler.scheduled-time>" });
            const role = account.resources.find((r) => r.type === "aws:iam/role:Role" && r.state.arn === s.inputs.target.roleArn)!;
            assert.strictEqual(JSON.parse(role.inputs.assumeRolePolicy).Statement[0].Principal.Service, "scheduler.amazonaws.com");
            const policy = JSON.parse(account.ofType("aws:iam/rolePolicy:RolePolicy").find((p) => p.inputs.role === role.id)!.inputs.policy);
            assert.deepStrictEqual(policy.Statement, [{ Effect: "Allow", Action: ["states:StartExecution"], Resource: outputs[`${jobnet}StateMachineArn`] }]);
        }
        assert.deepStrictEqual(outputs.schedules, {
            stop: { expression: "cron(0 22 ? * MON-FRI *)", timeZone: "Asia/Tokyo", enabled: true },
            start: { expression: "cron(0 8 ? * MON-FRI *)", timeZone: "Asia/Tokyo", enabled: true },
        });
        // npm run ops -- status skips the closed days of the calendar the program parsed, not a copy of its defaults.
        assert.deepStrictEqual(outputs.calendar, {
            country: "JP",
            closedDates: ["2026-12-29", "2026-12-30", "2026-12-31", "2027-01-02", "2027-01-03"],
            openDates: [],
            closedWeekdays: ["sat", "sun"],
            timeZone: "Asia/Tokyo",
        });
    });

    it("run the stop jobnet again when Aurora restarts the stopped cluster", async () => {
        const { account, outputs } = await sharedRun("dev");
        const rule = account.ofType("aws:cloudwatch/eventRule:EventRule").find((r) => r.inputs.name === "webapp-jobnet-dev-cluster-auto-restart")!;
        assert.deepStrictEqual(JSON.parse(rule.inputs.eventPattern), {
            source: ["aws.rds"],
            "detail-type": ["RDS DB Cluster Event"],
            detail: { SourceIdentifier: ["webapp-jobnet-dev"], EventID: ["RDS-EVENT-0153"] },
        });
        const targets = account.ofType("aws:cloudwatch/eventTarget:EventTarget").filter((t) => t.inputs.rule === rule.state.name);
        const target = targets.find((t) => t.inputs.arn === outputs.stopStateMachineArn)!;
        const alert = targets.find((t) => t.inputs.arn === outputs.alertTopicArn)!;
        assert.strictEqual(targets.length, 2);
        assert.deepStrictEqual([target.inputs.arn, JSON.parse(target.inputs.input)], [outputs.stopStateMachineArn, { trigger: "event", event: "cluster-auto-restart" }]);
        // Operators hear of the restart by the alert topic, in words.
        assert.deepStrictEqual([alert.inputs.arn, alert.inputs.inputTransformer.inputPaths], [outputs.alertTopicArn, { source: "$.detail.SourceIdentifier", message: "$.detail.Message", time: "$.time" }]);
        assert.strictEqual(alert.inputs.inputTransformer.inputTemplate, '"[dev] <time>: RDS restarted <source> after 7 days stopped (<message>). The stop jobnet runs again to stop it."');
    });

    it("has no jobnet schedule, Slack secret or trigger where the stack configures none: only the alerts every stack has", async () => {
        const { account } = await runProgram("prod", { "webapp-jobnet:keepClusterStopped": "false" });
        assert.deepStrictEqual(account.ofType("aws:scheduler/schedule:Schedule").map((s) => s.inputs.name), ["webapp-jobnet-prod-watch-runs"]);
        assert.deepStrictEqual(account.ofType("aws:cloudwatch/eventRule:EventRule").map((r) => r.inputs.name), ["webapp-jobnet-prod-run-lock-release", "webapp-jobnet-prod-run-ended"]);
        assert.deepStrictEqual(account.ofType("aws:secretsmanager/secret:Secret"), []);
        assert.strictEqual(account.ofType("aws:lambda/function:Function").length, 18);
    });

    it("tell the alert topic and Slack of every ending of both jobnets, the URL kept in Secrets Manager and never in the function", async () => {
        const { account, outputs } = await runProgram("dev", slack);
        const rule = account.ofType("aws:cloudwatch/eventRule:EventRule").find((r) => r.inputs.name === "webapp-jobnet-dev-run-ended")!;
        assert.deepStrictEqual(JSON.parse(rule.inputs.eventPattern), {
            source: ["aws.states"],
            "detail-type": ["Step Functions Execution Status Change"],
            detail: {
                status: ["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"],
                // The team's jobnets the dev stack deploys, too.
                stateMachineArn: [outputs.stopStateMachineArn, outputs.startStateMachineArn, ...["nightly-batch", "weekly-maintenance", "orders-arrival", "orders-report"].map((j) => outputs.jobnetStateMachineArns[j])],
            },
        });
        const fn = account.ofType("aws:lambda/function:Function").find((f) => f.inputs.name === "webapp-jobnet-dev-notify")!;
        const secret = account.one("aws:secretsmanager/secret:Secret");
        const topic = account.one("aws:sns/topic:Topic");
        assert.deepStrictEqual(fn.inputs.environment.variables, { ALERT_TOPIC_ARN: topic.state.arn, SLACK_SECRET_ARN: secret.state.arn, SLACK_MENTION: "<!here>", STACK_NAME: "dev", STATE_MACHINE_PREFIX: "webapp-jobnet-dev-" });
        assert.ok(!JSON.stringify(fn.inputs).includes("SECRETSECRET"));
        const version = account.one("aws:secretsmanager/secretVersion:SecretVersion");
        assert.strictEqual(version.inputs.secretString["4dabf18193072939515e22adb298388d"], "1b47061264138c4ac30d75fd1eb44270", "stored as a Pulumi secret");
        const permission = account.ofType("aws:lambda/permission:Permission").find((p) => p.inputs.sourceArn === rule.state.arn)!;
        assert.deepStrictEqual([permission.inputs.principal, permission.inputs.sourceArn], ["events.amazonaws.com", rule.state.arn]);
    });

    it("export console links and the command that runs each jobnet by hand", async () => {
        const { outputs } = await sharedRun("dev");
        assert.strictEqual(outputs.startCommands.stop, `aws stepfunctions start-execution --region ap-northeast-1 --state-machine-arn ${outputs.stopStateMachineArn} --input '{}'`);
        assert.strictEqual(outputs.consoleUrls.start, stateMachineConsoleUrl(outputs.startStateMachineArn));
        assert.match(outputs.consoleUrls.start, /^https:\/\/ap-northeast-1\.console\.aws\.amazon\.com\/states\/home\?region=ap-northeast-1#\/statemachines\/view\/arn%3Aaws%3Astates%3A/);
        // The team's jobnets too, by name, beside stop and start; the run watcher's expected durations likewise (their expectedMinutes).
        assert.deepStrictEqual([Object.keys(outputs.consoleUrls), Object.keys(outputs.startCommands)], [["stop", "start", "nightly-batch", "weekly-maintenance", "orders-arrival", "orders-report"], ["stop", "start", "nightly-batch", "weekly-maintenance", "orders-arrival", "orders-report"]]);
        const nightly = outputs.jobnetStateMachineArns["nightly-batch"];
        assert.deepStrictEqual([outputs.consoleUrls["nightly-batch"], outputs.startCommands["nightly-batch"]], [stateMachineConsoleUrl(nightly), `aws stepfunctions start-execution --region ap-northeast-1 --state-machine-arn ${nightly} --input '{}'`]);
        assert.deepStrictEqual(outputs.monitoring, { expectedSeconds: { stop: 900, start: 720, "nightly-batch": 5400, "weekly-maintenance": 3600, "orders-arrival": 900, "orders-report": 600 }, startDelaySeconds: 600 });
        assert.strictEqual(startExecutionCommand("arn:aws:states:us-east-1:1:stateMachine:x"), "aws stepfunctions start-execution --region us-east-1 --state-machine-arn arn:aws:states:us-east-1:1:stateMachine:x --input '{}'");
    });
});

describe("scheduled and event-started runs in the simulated account", function () {
    this.timeout(60_000);
    let synth: SynthResult;
    before(async () => {
        synth = await sharedSynthesis("dev");
    });

    it("a scheduled run on a national holiday ends at once, Succeeded, saying it was skipped and why", async () => {
        const { reports, account } = await simulate(synth, { initial: "running", jobnets: ["stop"], input: { trigger: "schedule", scheduledTime: "2027-01-01T13:00:00Z" } });
        const r = reports[0].report;
        assert.strictEqual(r.status, "SUCCEEDED");
        assert.deepStrictEqual(r.output, { jobnet: "stop", trigger: "schedule", skipped: true, date: "2027-01-01", reason: "2027-01-01 is a national holiday in JP: 元日 (New Year's Day)" });
        // The run itself calls nothing; EventBridge tells the run lock of its end, which holds nothing of it.
        assert.deepStrictEqual(account.calls.map((c) => `${c.caller} ${c.action}`), ["releaseRunLock dynamodb:DeleteItem"]);
    });

    it("a scheduled run on a closed date of the stack's calendar is skipped too", async () => {
        const { reports } = await simulate(synth, { initial: "running", jobnets: ["stop"], input: { trigger: "schedule", scheduledTime: "2026-12-30T13:00:00Z" } });
        assert.strictEqual((reports[0].report.output as { reason: string }).reason, "2026-12-30 is listed in calendar.closedDates");
    });

    it("a scheduled run on a business day runs the jobnet", async () => {
        const { reports, account } = await simulate(synth, { initial: "running", jobnets: ["stop"], input: { trigger: "schedule", scheduledTime: "2026-11-30T13:00:00Z" } });
        assert.strictEqual(reports[0].report.status, "SUCCEEDED", reports[0].report.cause);
        assert.strictEqual(account.database.status, "stopped");
    });

    it("a manual run on a holiday does not consult the calendar", async () => {
        const { reports, account } = await simulate(synth, { initial: "stopped", jobnets: ["start"], input: { trigger: "manual" } });
        assert.strictEqual(reports[0].report.status, "SUCCEEDED", reports[0].report.cause);
        assert.ok(!reports[0].report.events.some((e) => (e as { state?: { name: string } }).state?.name === "CheckCalendar"));
        assert.strictEqual(account.database.status, "available");
    });

    it("the run the 7-day restart starts waits for the cluster, snapshots it and stops it again", async () => {
        const { reports, account } = await stopAfterSevenDayRestart(synth, "cluster-auto-restart");
        assert.strictEqual(reports[0].report.status, "SUCCEEDED", reports[0].report.cause);
        assert.strictEqual(account.database.status, "stopped");
        assert.deepStrictEqual(account.backupJobs.filter((j) => !j.earlier).map((j) => `${j.resourceName}: ${j.state}`), ["webapp-jobnet-dev: COMPLETED"]);
        assert.deepStrictEqual(account.webServers().map((i) => i.state), ["stopped", "stopped"]);
    });
});

describe("Slack notifications", () => {
    const failed: RunSummary = {
        jobnet: "stop", stack: "dev", status: "FAILED", durationSeconds: 754, trigger: "scheduled", note: undefined,
        failedState: "StopHttpdFailed", failedServer: undefined, error: "HttpdDidNotStop", cause: "StopHttpd: web-1 (i-0abc) httpd did not stop",
        consoleUrl: "https://ap-northeast-1.console.aws.amazon.com/states/home?region=ap-northeast-1#/v2/executions/details/arn", executionName: "stop-1",
    };

    it("name the jobnet, stack, status, duration, trigger, the failed state, error and cause, and link the run", () => {
        const m = slackMessage(failed, "<!here>") as any;
        assert.strictEqual(m.text, "<!here> :rotating_light: stop jobnet FAILED (dev)");
        assert.deepStrictEqual(m.blocks[1].fields.map((f: any) => f.text), [
            "*Jobnet:* stop", "*Stack:* dev", "*Status:* FAILED", "*Duration:* 12m 34s", "*Trigger:* scheduled",
            `*Execution:* <${failed.consoleUrl}|stop-1>`,
        ]);
        assert.strictEqual(m.blocks[2].text.text, "*Failed state:* StopHttpdFailed\n*Error:* HttpdDidNotStop");
        assert.strictEqual(m.blocks[3].text.text, "*Cause:*\n```StopHttpd: web-1 (i-0abc) httpd did not stop```");
    });

    it("name the server the failed state worked on, and where a run timed out or was aborted", () => {
        const onServer = { ...failed, failedState: "DescribeWebServer", failedServer: "web-2", error: "InstanceNotFound" };
        assert.strictEqual((slackMessage(onServer, undefined) as any).blocks[2].text.text, "*Failed state:* DescribeWebServer on web-2\n*Error:* InstanceNotFound");
        const timedOut = { ...failed, status: "TIMED_OUT", failedState: "WaitUntilInstanceStoppedWait", failedServer: "web-2", error: "States.Timeout" };
        assert.strictEqual((slackMessage(timedOut, undefined) as any).blocks[2].text.text, "*Timed out in:* WaitUntilInstanceStoppedWait on web-2\n*Error:* States.Timeout");
        const aborted = { ...failed, status: "ABORTED", failedState: "WaitUntilBackupsCompletedWait", error: undefined };
        assert.strictEqual((slackMessage(aborted, undefined) as any).blocks[2].text.text, "*Aborted in:* WaitUntilBackupsCompletedWait\n*Error:* unknown");
        const unknown = { ...failed, failedState: undefined, failedServer: undefined };
        assert.strictEqual((slackMessage(unknown, undefined) as any).blocks[2].text.text, "*Failed state:* unknown\n*Error:* HttpdDidNotStop");
    });

    it("link a run in the console of its partition: China and GovCloud have consoles of their own", () => {
        const run = (partition: string, region: string) => `arn:${partition}:states:${region}:123456789012:execution:webapp-jobnet-dev-stop:stop-1`;
        assert.strictEqual(
            executionConsoleUrl(run("aws", "ap-northeast-1"), "ap-northeast-1"),
            `https://ap-northeast-1.console.aws.amazon.com/states/home?region=ap-northeast-1#/v2/executions/details/${run("aws", "ap-northeast-1")}`,
        );
        assert.strictEqual(
            executionConsoleUrl(run("aws-cn", "cn-north-1"), "cn-north-1"),
            `https://console.amazonaws.cn/states/home?region=cn-north-1#/v2/executions/details/${run("aws-cn", "cn-north-1")}`,
        );
        assert.strictEqual(
            executionConsoleUrl(run("aws-us-gov", "us-gov-west-1"), "us-gov-west-1"),
            `https://console.amazonaws-us-gov.com/states/home?region=us-gov-west-1#/v2/executions/details/${run("aws-us-gov", "us-gov-west-1")}`,
        );
    });

    it("say a skipped scheduled run was skipped, and why", () => {
        const m = slackMessage({ ...failed, status: "SUCCEEDED", trigger: "skipped", note: "Skipped: 2027-01-01 is a national holiday in JP" }, undefined) as any;
        assert.strictEqual(m.text, ":calendar: stop jobnet skipped (dev)");
        assert.strictEqual(m.blocks.length, 3);
    });

    it("keep within Slack's block limits and close a code block they cut", () => {
        const m = slackMessage({ ...failed, cause: "x".repeat(20_000) }, undefined) as any;
        const cause = m.blocks[3].text.text as string;
        assert.ok(cause.length <= 3000);
        assert.strictEqual((cause.match(/```/g) ?? []).length % 2, 0, "code block closed");
        assert.ok(cause.endsWith("```\n… (cut)"));
        assert.ok(JSON.stringify(m).length < 13_000);
        assert.strictEqual(clip("short", 10), "short");
    });
});

/** A webhook on loopback that answers with the given statuses in turn (each after its delay), then 200 "ok". */
async function fakeWebhook(answers: { status: number; body: string; headers?: Record<string, string>; delayMs?: number }[]) {
    const received: string[] = [];
    const server = http.createServer((req, res) => {
        let body = "";
        req.on("data", (c) => (body += c));
        req.on("end", () => {
            received.push(body);
            const a = answers.shift() ?? { status: 200, body: "ok" };
            setTimeout(() => {
                res.writeHead(a.status, { "Content-Type": "text/plain", ...(a.headers ?? {}) });
                res.end(a.body);
            }, a.delayMs ?? 0);
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T/B/X`;
    return {
        url,
        received,
        close: () => new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
        }),
    };
}

describe("posting to a Slack webhook (a real HTTP server on loopback)", () => {
    const logs: object[] = [];
    const sleeps: number[] = [];
    const options = { attempts: 4, baseDelayMs: 100, timeLeft: () => 60_000, sleep: async (ms: number) => { sleeps.push(ms); }, log: (e: object) => logs.push(e) };
    beforeEach(() => {
        logs.length = 0;
        sleeps.length = 0;
    });

    it("delivers on the first try", async () => {
        const hook = await fakeWebhook([]);
        try {
            assert.deepStrictEqual(await postToSlack(hook.url, { text: "hi" }, options), { delivered: true, attempts: 1 });
            assert.deepStrictEqual(hook.received.map((b) => JSON.parse(b)), [{ text: "hi" }]);
        } finally {
            await hook.close();
        }
    });

    it("retries 429 after its Retry-After, and 5xx with exponential backoff", async () => {
        const hook = await fakeWebhook([
            { status: 429, body: "rate_limited", headers: { "Retry-After": "3" } },
            { status: 500, body: "rollup_error" },
            { status: 503, body: "unavailable" },
        ]);
        try {
            assert.deepStrictEqual(await postToSlack(hook.url, { text: "hi" }, options), { delivered: true, attempts: 4 });
            assert.deepStrictEqual(sleeps, [3000, 200, 400]);
            assert.strictEqual(hook.received.length, 4);
        } finally {
            await hook.close();
        }
    });

    it("does not retry a 4xx such as invalid_payload, and logs the failure instead of throwing", async () => {
        const hook = await fakeWebhook([{ status: 400, body: "invalid_payload" }]);
        try {
            const result = await postToSlack(hook.url, { text: "hi" }, options);
            assert.deepStrictEqual(result, { delivered: false, attempts: 1, status: 400, reason: "invalid_payload" });
            assert.strictEqual(hook.received.length, 1);
            assert.deepStrictEqual(logs, [{ level: "ERROR", message: "Slack notification not delivered", delivered: false, attempts: 1, status: 400, reason: "invalid_payload" }]);
        } finally {
            await hook.close();
        }
    });

    it("gives up after the last attempt when the server keeps failing", async () => {
        const hook = await fakeWebhook(Array.from({ length: 4 }, () => ({ status: 500, body: "rollup_error" })));
        try {
            const result = await postToSlack(hook.url, { text: "hi" }, options);
            assert.deepStrictEqual(result, { delivered: false, attempts: 4, status: 500, reason: "rollup_error" });
            assert.deepStrictEqual(sleeps, [100, 200, 400]);
        } finally {
            await hook.close();
        }
    });

    it("end to end: reads the failed run, its history page by page, from Step Functions and the URL from Secrets Manager, then posts", async () => {
        const hook = await fakeWebhook([]);
        const sfn = mockClient(SFNClient);
        const secrets = mockClient(SecretsManagerClient);
        const sns = mockClient(SNSClient);
        const env = { ...process.env };
        try {
            const executionArn = "arn:aws:states:ap-northeast-1:123456789012:execution:webapp-jobnet-dev-stop:stop-1";
            sfn.on(DescribeExecutionCommand).resolves({
                executionArn, status: "FAILED", input: '{"trigger":"schedule","scheduledTime":"2026-11-30T13:00:00Z"}',
                startDate: new Date("2026-11-30T13:00:00Z"), stopDate: new Date("2026-11-30T13:12:34Z"),
                error: "InstanceNotFound", cause: instanceNotFound,
            } as never);
            // A failure in a Map, in two pages either way: reading the newest events, the last state entered was web-1's RouteByInstanceState.
            sfn.on(GetExecutionHistoryCommand).callsFake((input: { nextToken?: string; reverseOrder?: boolean }) => {
                const events = input.reverseOrder ? [...mapIterationFailed].reverse() : mapIterationFailed;
                return input.nextToken === undefined ? { events: events.slice(0, 13), nextToken: "page-2" } : { events: events.slice(13) };
            });
            secrets.on(GetSecretValueCommand).resolves({ SecretString: hook.url });
            sns.on(PublishCommand).resolves({ MessageId: "m-1" });
            const topicArn = "arn:aws:sns:ap-northeast-1:123456789012:webapp-jobnet-dev-alerts";
            Object.assign(process.env, { ALERT_TOPIC_ARN: topicArn, SLACK_SECRET_ARN: "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:slack", SLACK_MENTION: "<!here>", STACK_NAME: "dev", SLACK_RETRY_BASE_MS: "1" });
            const result = await notifyRunEnded({
                region: "ap-northeast-1",
                detail: { executionArn, stateMachineArn: "arn:aws:states:ap-northeast-1:123456789012:stateMachine:webapp-jobnet-dev-stop", name: "stop-1", status: "FAILED" },
            }, invocationContext(60_000));
            assert.deepStrictEqual(result, { published: true, slack: { delivered: true, attempts: 1 } });
            const published = sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
            assert.deepStrictEqual(published.map((p) => [p.TopicArn, p.Subject]), [[topicArn, "[dev] stop jobnet FAILED"]]);
            assert.match(published[0].Message!, /\nFailed state: DescribeWebServer on web-2\nError: InstanceNotFound\nCause: instance i-00000000000000002 does not exist$/);
            const posted = JSON.parse(hook.received[0]);
            assert.strictEqual(posted.text, "<!here> :rotating_light: stop jobnet FAILED (dev)");
            assert.deepStrictEqual(posted.blocks[1].fields.slice(3, 6).map((f: any) => f.text), [
                "*Duration:* 12m 34s",
                "*Trigger:* scheduled",
                `*Execution:* <https://ap-northeast-1.console.aws.amazon.com/states/home?region=ap-northeast-1#/v2/executions/details/${executionArn}|stop-1>`,
            ]);
            assert.strictEqual(posted.blocks[2].text.text, "*Failed state:* DescribeWebServer on web-2\n*Error:* InstanceNotFound");
            assert.strictEqual(posted.blocks[3].text.text, "*Cause:*\n```instance i-00000000000000002 does not exist```");
            assert.deepStrictEqual(sfn.commandCalls(GetExecutionHistoryCommand).map((c) => c.args[0].input.nextToken), [undefined, "page-2"]);
            assert.strictEqual(secrets.commandCalls(GetSecretValueCommand)[0].args[0].input.SecretId, "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:slack");
        } finally {
            process.env = env;
            sfn.restore();
            secrets.restore();
            sns.restore();
            await hook.close();
        }
    });
});

describe("one notice per run's end, however Slack answers (Lambda's asynchronous retries played)", () => {
    // The notifier's 60 s, shortened: every bound the handler keeps is a share of its time left, or under a second.
    const timeoutMs = 5000;
    const executionArn = "arn:aws:states:ap-northeast-1:123456789012:execution:webapp-jobnet-dev-stop:stop-1";
    const ended = {
        region: "ap-northeast-1",
        detail: { executionArn, stateMachineArn: "arn:aws:states:ap-northeast-1:123456789012:stateMachine:webapp-jobnet-dev-stop", name: "stop-1", status: "SUCCEEDED" },
    };

    /** The notifier of a run's end, invoked as EventBridge invokes it, with Slack answering `answers`: the attempts and the emails. */
    async function notifyWithSlack(answers: Parameters<typeof fakeWebhook>[0]) {
        const hook = await fakeWebhook(answers);
        const sfn = mockClient(SFNClient);
        const secrets = mockClient(SecretsManagerClient);
        const sns = mockClient(SNSClient);
        const env = { ...process.env };
        try {
            sfn.on(DescribeExecutionCommand).resolves({ executionArn, status: "SUCCEEDED", input: "{}", startDate: new Date("2026-11-30T13:00:00Z"), stopDate: new Date("2026-11-30T13:12:34Z") } as never);
            secrets.on(GetSecretValueCommand).resolves({ SecretString: hook.url });
            sns.on(PublishCommand).resolves({ MessageId: "m-1" });
            Object.assign(process.env, { ALERT_TOPIC_ARN: "arn:aws:sns:ap-northeast-1:123456789012:webapp-jobnet-dev-alerts", SLACK_SECRET_ARN: "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:slack", STACK_NAME: "dev" });
            const attempts = await invokeAsynchronously(notifyRunEnded, ended, { timeoutMs, maximumRetryAttempts: notifierAsyncRetries.maximumRetryAttempts });
            return { attempts, emails: sns.commandCalls(PublishCommand).length, posts: hook.received.length };
        } finally {
            process.env = env;
            sfn.restore();
            secrets.restore();
            sns.restore();
            await hook.close();
        }
    }

    it("sends one email and ends in time when Slack does not answer", async () => {
        const { attempts, emails, posts } = await notifyWithSlack([{ status: 200, body: "ok", delayMs: 60_000 }]);
        assert.deepStrictEqual([attempts.map((a) => a.outcome), emails, posts], [["returned"], 1, 1]);
        assert.ok(attempts[0].ms < timeoutMs, `${attempts[0].ms} ms`);
    });

    it("sends one email and ends in time when Slack rate-limits with a Retry-After longer than the function has", async () => {
        const { attempts, emails, posts } = await notifyWithSlack([{ status: 429, body: "rate_limited", headers: { "Retry-After": "120" } }]);
        assert.deepStrictEqual([attempts.map((a) => a.outcome), emails, posts], [["returned"], 1, 1]);
        assert.ok(attempts[0].ms < 1000, `${attempts[0].ms} ms`);
    });

    it("waits out a Retry-After that fits in the time left, and delivers", async () => {
        const { attempts, emails, posts } = await notifyWithSlack([{ status: 429, body: "rate_limited", headers: { "Retry-After": "1" } }]);
        assert.deepStrictEqual([attempts.map((a) => a.outcome), emails, posts], [["returned"], 1, 2]);
    });

    it("retries an invocation that failed before the email, and sends it once", async () => {
        const sfn = mockClient(SFNClient);
        const sns = mockClient(SNSClient);
        const env = { ...process.env };
        try {
            sfn.on(DescribeExecutionCommand)
                .rejectsOnce(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }))
                .resolves({ executionArn, status: "SUCCEEDED", input: "{}" } as never);
            sns.on(PublishCommand).resolves({ MessageId: "m-1" });
            Object.assign(process.env, { ALERT_TOPIC_ARN: "arn:aws:sns:ap-northeast-1:123456789012:webapp-jobnet-dev-alerts", SLACK_SECRET_ARN: "", STACK_NAME: "dev" });
            const attempts = await invokeAsynchronously(notifyRunEnded, ended, { timeoutMs, maximumRetryAttempts: notifierAsyncRetries.maximumRetryAttempts });
            assert.deepStrictEqual(attempts.map((a) => a.outcome), ["error", "returned"]);
            assert.strictEqual(sns.commandCalls(PublishCommand).length, 1);
        } finally {
            process.env = env;
            sfn.restore();
            sns.restore();
        }
    });
});
