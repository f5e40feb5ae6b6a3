import * as assert from "assert";
import type { SimExecution, SimulatedAccount } from "../simulator/account";
import * as path from "path";
import { snsSubject } from "../handlers/alerts";
import { RunSummary, runEndedAlert } from "../handlers/notifier";
import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { currentStep, overdueRuns, ruleStartDeadlines, startDeadlines, watchRuns } from "../handlers/runWatch";
import { mockClient } from "aws-sdk-client-mock";
import { DescribeExecutionCommand, GetExecutionHistoryCommand, ListExecutionsCommand, SFNClient } from "@aws-sdk/client-sfn";
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { alarmEvaluationProblems, expectedSecondsByJobnet, jobnetAlarms, runEndedEventPattern, teamWatchRules, watchInput, watchPeriodSeconds, watcherAlarms } from "../infra/alerts";
import { DeclaredAlarm, alarmStateAt } from "../simulator/alarms";
import { projectDir, runProgram } from "../scripts/lib/runProgram";
import { SynthResult, synthesize } from "../scripts/lib/synthesize";
import { simulatedStartMs } from "../simulator/clock";
import { simulate } from "../simulator/simulate";
import { BusEvent, executionStatusChange } from "../simulator/eventBridge";
import { parseFaults } from "../simulator/faults";
import { invocationContext } from "../simulator/lambda";
import { currentCaller, installServices } from "../simulator/services";
import { taskFunctionNames } from "../statemachines/plan";
import { PolicyStatement, allowingStatement, functionPolicy } from "./support/iamPolicy";

const minute = 60_000;
const tokyo = { country: "JP", closedDates: [], openDates: [], timeZone: "Asia/Tokyo" };
const weekdays22 = { expression: "cron(0 22 ? * MON-FRI *)", timeZone: "Asia/Tokyo", enabled: true };

describe("the run watcher's decisions (pure)", () => {
    it("reports a late run in exactly one look, however long it runs", () => {
        const run = { executionArn: "arn:x", name: "stop-1", startDate: Date.parse("2026-11-30T13:00:00Z") };
        const looks = Array.from({ length: 12 }, (_, i) => Date.parse("2026-11-30T13:00:00Z") + (i + 1) * 5 * minute);
        const reporting = looks.filter((tick) => overdueRuns([run], 900, tick, watchPeriodSeconds).length > 0);
        assert.deepStrictEqual(reporting.map((t) => new Date(t).toISOString()), ["2026-11-30T13:15:00.000Z"]);
        // A look that falls between: the run is reported by the first look at or after its expected end.
        assert.deepStrictEqual(overdueRuns([run], 901, Date.parse("2026-11-30T13:20:00Z"), watchPeriodSeconds), [run]);
    });

    it("checks each scheduled start once, startDelay after it, on business days only", () => {
        const at = (iso: string) => startDeadlines(weekdays22, tokyo, 600, Date.parse(iso), watchPeriodSeconds).map((d) => d.toISOString());
        // Monday 30 November 2026, 22:00 in Tokyo is 13:00Z; its deadline 13:10Z falls in the look of 13:10.
        assert.deepStrictEqual(at("2026-11-30T13:05:00Z"), []);
        assert.deepStrictEqual(at("2026-11-30T13:10:00Z"), ["2026-11-30T13:00:00.000Z"]);
        assert.deepStrictEqual(at("2026-11-30T13:15:00Z"), []);
        // A Saturday has no scheduled run; a closed day of the calendar is no missed start; nor is a disabled schedule.
        assert.deepStrictEqual(at("2026-12-05T13:10:00Z"), []);
        assert.deepStrictEqual(startDeadlines(weekdays22, { ...tokyo, closedDates: ["2026-11-30"] }, 600, Date.parse("2026-11-30T13:10:00Z"), watchPeriodSeconds), []);
        assert.deepStrictEqual(startDeadlines({ ...weekdays22, enabled: false }, tokyo, 600, Date.parse("2026-11-30T13:10:00Z"), watchPeriodSeconds), []);
        // A national holiday (JP): 23 November 2026, Labour Thanksgiving Day.
        assert.deepStrictEqual(at("2026-11-23T13:10:00Z"), []);
    });

    it("checks each start a team jobnet's rules make due once, startDelay after it, and no firing the rule does not make due", () => {
        const devCalendar = { ...tokyo, closedWeekdays: ["sat", "sun"] };
        const business = { schedules: [{ every: "business-day" as const, at: "01:30", timeZone: "Asia/Tokyo" }], enabled: true };
        const at = (rules: Parameters<typeof ruleStartDeadlines>[0], iso: string) => ruleStartDeadlines(rules, devCalendar, 600, Date.parse(iso), watchPeriodSeconds).map((d) => d.toISOString());
        // Tuesday 1 December 2026, 01:30 in Tokyo is 16:30Z the day before; its deadline 16:40Z falls in the look of 16:40 only.
        assert.deepStrictEqual(["16:35", "16:40", "16:45"].map((t) => at(business, `2026-11-30T${t}:00Z`)), [[], ["2026-11-30T16:30:00.000Z"], []]);
        // Saturday 5 December: the schedule fires (it fires daily), the rule is not due: nothing to miss.
        assert.deepStrictEqual(at(business, "2026-12-04T16:40:00Z"), []);
        assert.deepStrictEqual(at({ ...business, enabled: false }, "2026-11-30T16:40:00Z"), []);
        // Sundays, or the next open day, on a calendar of holidays only: Sunday 21 March 2027 and Monday 22nd are holidays, so Tuesday 23rd's firing is the one due.
        const sundays = { schedules: [{ weekdays: ["sun" as const], at: "03:00", timeZone: "Asia/Tokyo", onClosedDay: "next" as const }], calendar: { country: "JP", closedDates: [], openDates: [] }, enabled: true };
        assert.deepStrictEqual(["2027-03-20", "2027-03-21", "2027-03-22"].map((d) => at(sundays, `${d}T18:10:00Z`)), [[], [], ["2027-03-22T18:00:00.000Z"]]);
        // Two rules due at the same instant are one scheduled time.
        assert.deepStrictEqual(at({ ...business, schedules: [...business.schedules, { weekdays: ["tue"], at: "01:30", timeZone: "Asia/Tokyo" }] }, "2026-11-30T16:40:00Z"), ["2026-11-30T16:30:00.000Z"]);
    });

    it("names the step a run is in: the newest state entered, and its server in a Map", () => {
        assert.deepStrictEqual(currentStep(([
            { id: 9, type: "LambdaFunctionSucceeded" },
            { id: 8, type: "TaskStateEntered", stateEnteredEventDetails: { name: "WaitUntilInstanceStopped", input: '{"server":{"name":"web-2","instanceId":"i-2"}}' } },
            { id: 7, type: "TaskStateEntered", stateEnteredEventDetails: { name: "StopInstance", input: '{"server":{"name":"web-1"}}' } },
        ] as HistoryEvent[])), { state: "WaitUntilInstanceStopped", server: "web-2" });
        assert.deepStrictEqual(currentStep([{ id: 3, type: "WaitStateEntered", stateEnteredEventDetails: { name: "WaitUntilBackupsCompletedWait", input: "{}" } }] as HistoryEvent[]), { state: "WaitUntilBackupsCompletedWait", server: undefined });
        assert.strictEqual(currentStep([]), undefined);
    });

    it("watch the watcher: an alarm from its first failed look, and a heartbeat that alarms when no look is put for 15 minutes, missing data breaching", () => {
        assert.deepStrictEqual(watcherAlarms("dev", "webapp-jobnet-dev-watch-runs").map((a) =>
            [a.id, a.namespace, a.metricName, a.dimensions, a.statistic, a.periodSeconds, a.evaluationPeriods, a.comparisonOperator, a.threshold, a.treatMissingData]), [
            ["watcher-errors", "AWS/Lambda", "Errors", { FunctionName: "webapp-jobnet-dev-watch-runs" }, "Sum", 300, 1, "GreaterThanOrEqualToThreshold", 1, "notBreaching"],
            ["watcher-heartbeat", "WebappJobnet", "WatcherLooks", { Stack: "dev" }, "Sum", 300, 3, "LessThanThreshold", 1, "breaching"],
        ]);
        assert.match(watcherAlarms("dev", "webapp-jobnet-dev-watch-runs")[1].description, /^webapp-jobnet stack dev, run watcher: no look for 15 minutes; until it looks again, late runs and scheduled runs that never started go untold\. /);
    });

    it("declare only alarms PutMetricAlarm accepts, and name what it would refuse", () => {
        const all = [...jobnetAlarms("dev", "stop", "arn"), ...jobnetAlarms("dev", "start", "arn"), ...watcherAlarms("dev", "f")];
        assert.deepStrictEqual(all.flatMap(alarmEvaluationProblems), []);
        assert.deepStrictEqual(alarmEvaluationProblems({ id: "x", periodSeconds: 90, evaluationPeriods: 0 }), [
            "x: period 90 s is not 10, 20, 30 or a multiple of 60", "x: 0 evaluation periods is not a whole number of at least 1",
        ]);
        assert.deepStrictEqual(alarmEvaluationProblems({ id: "x", periodSeconds: 300, evaluationPeriods: 289 }), ["x: 300 s × 289 periods is over 86400 s"]);
        assert.deepStrictEqual(alarmEvaluationProblems({ id: "x", periodSeconds: 3600, evaluationPeriods: 168 }), []);
    });

    it("words an email of a run's end with the same facts as Slack's, its subject within SNS's limits", () => {
        const failed: RunSummary = {
            jobnet: "stop", stack: "dev", status: "FAILED", durationSeconds: 754, trigger: "scheduled", note: undefined,
            failedState: "StopHttpd", failedServer: "web-1", error: "HttpdDidNotStop", cause: "stopHttpd.sh exited with code 1",
            consoleUrl: "https://console", executionName: "stop-1",
        };
        assert.deepStrictEqual(runEndedAlert(failed), {
            subject: "[dev] stop jobnet FAILED",
            lines: [
                "Jobnet: stop", "Stack: dev", "Status: FAILED", "Duration: 12m 34s", "Trigger: scheduled", "Execution: stop-1 (https://console)",
                "Failed state: StopHttpd on web-1", "Error: HttpdDidNotStop", "Cause: stopHttpd.sh exited with code 1",
            ],
        });
        assert.strictEqual(runEndedAlert({ ...failed, status: "SUCCEEDED", trigger: "skipped", note: "Skipped: 2026-12-30 is closed" }).subject, "[dev] stop jobnet skipped");
        assert.strictEqual(snsSubject(`[dev] ${"x".repeat(120)}`).length, 100);
        assert.strictEqual(snsSubject("[dev] run — done\n"), "[dev] run ? done?");
    });
});

// The metrics AWS publishes, with the dimensions the alarms and the dashboard use (CloudWatch User
// Guide: "Monitoring Step Functions metrics"; the watcher's own metrics are in WebappJobnet).
const publishedMetrics: Record<string, { metrics: string[]; dimensions: string[][] }> = {
    "AWS/States": {
        metrics: ["ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed", "ExecutionsAborted", "ExecutionsTimedOut", "ExecutionThrottled", "ExecutionsRedriven", "ExecutionTime"],
        dimensions: [["StateMachineArn"]],
    },
    // The watcher's heartbeat is by stack only (handlers/runWatch.ts).
    WebappJobnet: { metrics: ["RunsPastExpectedDuration", "ScheduledRunsNotStarted", "JobsPastExpectedDuration", "WatcherLooks"], dimensions: [["Stack", "Jobnet"], ["Stack"]] },
    // Lambda User Guide, "Types of metrics for Lambda functions": Errors, by FunctionName.
    "AWS/Lambda": { metrics: ["Invocations", "Errors", "Throttles", "Duration"], dimensions: [["FunctionName"]] },
};

describe("the alerts of the dev stack (under mocks)", function () {
    this.timeout(60_000);
    let run: Awaited<ReturnType<typeof runProgram>>;
    before(async () => {
        run = await runProgram("dev", { "webapp-jobnet:monitoring": JSON.stringify({ emails: ["ops@example.com", "Night.Shift@example.com"] }) });
    });

    it("keep the run-ended rule an earlier version made under Operations, by an alias of its old URN: it is updated, not made again under its name and then deleted", () => {
        const rule = run.account.ofType("aws:cloudwatch/eventRule:EventRule").find((r) => r.inputs.name === "webapp-jobnet-dev-run-ended")!;
        assert.strictEqual(rule.urn, "urn:pulumi:dev::webapp-jobnet::webapp-jobnet:operations:Alerts$aws:cloudwatch/eventRule:EventRule::alerts-run-ended");
        const [alias] = rule.aliases as { spec: { name: string; parenturn: string } }[];
        assert.deepStrictEqual([rule.aliases!.length, alias.spec.name, alias.spec.parenturn], [1, "ops-run-ended", "urn:pulumi:dev::webapp-jobnet::webapp-jobnet:operations:Operations::ops"]);
    });

    it("send to one topic per stack, each configured address subscribed by email", () => {
        const topic = run.account.one("aws:sns/topic:Topic");
        assert.deepStrictEqual([topic.inputs.name, run.outputs.alertTopicArn], ["webapp-jobnet-dev-alerts", topic.state.arn]);
        assert.deepStrictEqual(run.account.ofType("aws:sns/topicSubscription:TopicSubscription").map((s) => [s.inputs.protocol, s.inputs.endpoint, s.inputs.topic]), [
            ["email", "ops@example.com", topic.state.arn],
            ["email", "Night.Shift@example.com", topic.state.arn],
        ]);
        const policy = JSON.parse(run.account.one("aws:sns/topicPolicy:TopicPolicy").inputs.policy);
        assert.deepStrictEqual(policy.Statement.map((s: any) => [s.Principal.Service, s.Action, s.Resource, s.Condition]), [
            ["events.amazonaws.com", "sns:Publish", topic.state.arn, { StringEquals: { "aws:SourceAccount": "123456789012" } }],
            ["cloudwatch.amazonaws.com", "sns:Publish", topic.state.arn, { StringEquals: { "aws:SourceAccount": "123456789012" } }],
        ]);
    });

    it("alarm per jobnet, the team's included, on failed, timed-out and aborted runs and its delays, and on the watcher's errors and heartbeat, on metrics AWS publishes, telling the topic", () => {
        const alarms = run.account.ofType("aws:cloudwatch/metricAlarm:MetricAlarm");
        assert.deepStrictEqual(alarms.map((a) => a.inputs.name).sort(), [...run.outputs.alarms].sort());
        assert.deepStrictEqual(run.outputs.alarms, [
            ...["stop", "start"].flatMap((j) => ["failed", "timed-out", "aborted", "late", "not-started"].map((w) => `webapp-jobnet-dev-${j}-${w}`)),
            // nightly-batch and weekly-maintenance have schedule rules: a run they make due can fail to start.
            // nightly-batch's transform-orders has an expectedMinutes: a job can be late.
            ...["failed", "timed-out", "aborted", "late", "job-late", "not-started"].map((w) => `webapp-jobnet-dev-nightly-batch-${w}`),
            ...["failed", "timed-out", "aborted", "late", "not-started"].map((w) => `webapp-jobnet-dev-weekly-maintenance-${w}`),
            ...["orders-arrival", "orders-report"].flatMap((j) => ["failed", "timed-out", "aborted", "late"].map((w) => `webapp-jobnet-dev-${j}-${w}`)),
            "webapp-jobnet-dev-watcher-errors", "webapp-jobnet-dev-watcher-heartbeat",
        ]);
        for (const a of alarms) {
            const published = publishedMetrics[a.inputs.namespace];
            assert.ok(published?.metrics.includes(a.inputs.metricName), `${a.inputs.name}: ${a.inputs.namespace} ${a.inputs.metricName}`);
            assert.ok(published.dimensions.some((d) => JSON.stringify([...d].sort()) === JSON.stringify(Object.keys(a.inputs.dimensions).sort())), a.inputs.name);
            assert.deepStrictEqual(a.inputs.alarmActions, [run.outputs.alertTopicArn], a.inputs.name);
            assert.match(a.inputs.alarmDescription, /^webapp-jobnet stack dev, ((stop|start|nightly-batch|weekly-maintenance|orders-arrival|orders-report) jobnet|run watcher): .+\. .+/);
        }
        const judged = (name: string) => { const a = alarms.find((x) => x.inputs.name === name)!.inputs; return [a.statistic, a.period, a.evaluationPeriods, a.comparisonOperator, a.threshold, a.treatMissingData]; };
        for (const name of run.outputs.alarms.filter((n: string) => !n.includes("watcher-heartbeat"))) assert.deepStrictEqual(judged(name), ["Sum", 300, 1, "GreaterThanOrEqualToThreshold", 1, "notBreaching"], name);
        assert.deepStrictEqual(judged("webapp-jobnet-dev-watcher-heartbeat"), ["Sum", 300, 3, "LessThanThreshold", 1, "breaching"]);
        const stopFailed = alarms.find((a) => a.inputs.name === "webapp-jobnet-dev-stop-failed")!;
        assert.deepStrictEqual(stopFailed.inputs.dimensions, { StateMachineArn: run.outputs.stopStateMachineArn });
        const nightly = (kind: string) => alarms.find((a) => a.inputs.name === `webapp-jobnet-dev-nightly-batch-${kind}`)!.inputs;
        assert.deepStrictEqual([nightly("failed").dimensions, nightly("late").dimensions], [{ StateMachineArn: run.outputs.jobnetStateMachineArns["nightly-batch"] }, { Stack: "dev", Jobnet: "nightly-batch" }]);
        assert.strictEqual(nightly("late").alarmDescription, "webapp-jobnet stack dev, nightly-batch jobnet: a run is still running past its expected duration (expectedMinutes of jobnets/nightly-batch). The notice names the step it is in; the run goes on by itself.");
        assert.deepStrictEqual(nightly("not-started").dimensions, { Stack: "dev", Jobnet: "nightly-batch" });
        assert.deepStrictEqual([nightly("job-late").metricName, nightly("job-late").dimensions], ["JobsPastExpectedDuration", { Stack: "dev", Jobnet: "nightly-batch" }]);
        assert.strictEqual(nightly("job-late").alarmDescription, "webapp-jobnet stack dev, nightly-batch jobnet: a job is still running past its expectedMinutes (jobs of jobnets/nightly-batch). The notice names the job and its servers; the job goes on by itself.");
        assert.strictEqual(nightly("not-started").alarmDescription, "webapp-jobnet stack dev, nightly-batch jobnet: a run due by its schedule rules (schedules of jobnets/nightly-batch) did not start monitoring.startDelay after its time. Check its schedules (nightly-batch-1, …) are enabled in EventBridge Scheduler and their delivery errors; start the run by hand (npm run ops -- run nightly-batch) if it must still run.");
        assert.strictEqual(nightly("failed").alarmDescription, "webapp-jobnet stack dev, nightly-batch jobnet: a run failed. Read the failed job and its cause (server, exit code, last line) in the run's notice; fix it, then npm run ops -- redrive nightly-batch to run again from the failed job.");
        // The errors of the function the schedule invokes.
        const watcherErrors = alarms.find((a) => a.inputs.name === "webapp-jobnet-dev-watcher-errors")!;
        const schedule = run.account.ofType("aws:scheduler/schedule:Schedule").find((s) => s.inputs.name === "webapp-jobnet-dev-watch-runs")!;
        assert.deepStrictEqual(watcherErrors.inputs.dimensions, { FunctionName: run.account.byId(schedule.inputs.target.arn.split(":").pop())!.inputs.name });
    });

    it("let Lambda retry a failed notifier invocation twice, within the hour the rule's target keeps an event", () => {
        const notifier = run.account.ofType("aws:lambda/function:Function").find((f) => f.inputs.name === "webapp-jobnet-dev-notify")!;
        const config = run.account.one("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig");
        assert.deepStrictEqual([config.inputs.functionName, config.inputs.maximumRetryAttempts, config.inputs.maximumEventAgeInSeconds], [notifier.inputs.name, 2, 3600]);
        const target = run.account.ofType("aws:cloudwatch/eventTarget:EventTarget").find((t) => t.name.endsWith("-notifier"))!;
        assert.strictEqual(target.inputs.retryPolicy.maximumEventAgeInSeconds, config.inputs.maximumEventAgeInSeconds);
    });

    it("run the watcher every 5 minutes with what it judges by, allowed to read the runs, publish and put its metrics only", () => {
        const schedule = run.account.ofType("aws:scheduler/schedule:Schedule").find((s) => s.inputs.name === "webapp-jobnet-dev-watch-runs")!;
        const input = JSON.parse(schedule.inputs.target.input);
        assert.deepStrictEqual([schedule.inputs.scheduleExpression, input.tick, input.periodSeconds, input.startDelaySeconds, input.jobnets.map((j: any) => [j.jobnet, j.expectedSeconds, j.schedule?.expression])], [
            "rate(5 minutes)", "<aws.scheduler.scheduled-time>", 300, 600,
            // The team's jobnets by their expectedMinutes (90, 60, 15 and 10, jobnets/*.ts), without a schedule: their rules instead.
            [["stop", 900, "cron(0 22 ? * MON-FRI *)"], ["start", 720, "cron(0 8 ? * MON-FRI *)"], ["nightly-batch", 5400, undefined], ["weekly-maintenance", 3600, undefined], ["orders-arrival", 900, undefined], ["orders-report", 600, undefined]],
        ]);
        assert.deepStrictEqual(input.jobnets.map((j: any) => j.rules), [undefined, undefined,
            { schedules: [{ every: "business-day", at: "01:30", timeZone: "Asia/Tokyo" }], enabled: true },
            // Its own calendar: the stack's closes the weekend it runs in.
            { schedules: [{ weekdays: ["sun"], at: "03:00", timeZone: "Asia/Tokyo", onClosedDay: "next" }], calendar: { country: "JP", closedDates: [], openDates: [], closedWeekdays: [] }, enabled: true },
            // Started by a file and by another jobnet's end: no rules.
            undefined, undefined,
        ]);
        const machines = [run.outputs.stopStateMachineArn, run.outputs.startStateMachineArn, ...["nightly-batch", "weekly-maintenance", "orders-arrival", "orders-report"].map((j) => run.outputs.jobnetStateMachineArns[j])];
        assert.deepStrictEqual(input.jobnets.map((j: any) => j.stateMachineArn), machines);
        const statements: any[] = functionPolicy(run.account.resources, "webapp-jobnet-dev-watch-runs");
        assert.deepStrictEqual(statements[0].Resource, machines);
        assert.deepStrictEqual(statements.map((s: any) => s.Action.join(",")), [
            "states:ListExecutions", "states:DescribeExecution,states:GetExecutionHistory", "cloudwatch:PutMetricData", "dynamodb:GetItem", "sns:Publish", "logs:CreateLogStream,logs:PutLogEvents",
        ]);
        assert.deepStrictEqual(statements[2].Condition, { StringEquals: { "cloudwatch:namespace": "WebappJobnet" } });
        // nightly-batch's transform-orders has an expectedMinutes: the watcher reads the runs' records, and nothing else of the table.
        assert.deepStrictEqual([statements[3].Resource, statements[3].Condition], ["arn:aws:dynamodb:ap-northeast-1:123456789012:table/webapp-jobnet-dev-run-lock", { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["jobrun:*"] } }]);
        assert.deepStrictEqual(input.jobnets.map((j: any) => j.jobs), [undefined, undefined, { tableName: "webapp-jobnet-dev-run-lock", expectedSeconds: { "transform-orders": 1800 } }, undefined, undefined, undefined]);
    });

    it("tell the notifier of every jobnet's end, the team's included, and let it read those runs only", () => {
        const machines = [run.outputs.stopStateMachineArn, run.outputs.startStateMachineArn, ...["nightly-batch", "weekly-maintenance", "orders-arrival", "orders-report"].map((j) => run.outputs.jobnetStateMachineArns[j])];
        const rule = run.account.ofType("aws:cloudwatch/eventRule:EventRule").find((r) => r.inputs.name === "webapp-jobnet-dev-run-ended")!;
        assert.deepStrictEqual(JSON.parse(rule.inputs.eventPattern), {
            source: ["aws.states"],
            "detail-type": ["Step Functions Execution Status Change"],
            detail: { status: ["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"], stateMachineArn: machines },
        });
        const statements: any[] = functionPolicy(run.account.resources, "webapp-jobnet-dev-notify");
        assert.deepStrictEqual(statements[0].Resource, machines.map((m: string) => m.replace(":stateMachine:", ":execution:") + ":*"));
        const notifier = run.account.ofType("aws:lambda/function:Function").find((f) => f.inputs.name === "webapp-jobnet-dev-notify")!;
        assert.strictEqual(notifier.inputs.environment.variables.STATE_MACHINE_PREFIX, "webapp-jobnet-dev-");
    });
});

describe("the run watcher on a team's jobnet (fake AWS clients)", () => {
    const nightly = "arn:aws:states:ap-northeast-1:123456789012:stateMachine:webapp-jobnet-dev-nightly-batch";
    const late = "arn:aws:states:ap-northeast-1:123456789012:execution:webapp-jobnet-dev-nightly-batch:nightly-batch-manual-1";

    it("tells of its run once past its expectedMinutes, naming the job it is in, and counts it by jobnet; the watcher's input carries it without a schedule", async () => {
        const input = watchInput("dev", { schedules: {}, monitoring: { expectedSeconds: { stop: 900, start: 720 }, startDelaySeconds: 600 }, calendar: { country: "none", closedDates: [], openDates: [], timeZone: "UTC" } } as never,
            { stop: "arn:aws:states:ap-northeast-1:123456789012:stateMachine:webapp-jobnet-dev-stop", "nightly-batch": nightly }, { stop: 900, start: 720, "nightly-batch": 5400 });
        assert.deepStrictEqual(input.jobnets.map((j) => [j.jobnet, j.expectedSeconds, j.schedule]), [["stop", 900, undefined], ["nightly-batch", 5400, undefined]]);
        assert.throws(() => watchInput("dev", { schedules: {}, monitoring: {}, calendar: {} } as never, { "weekly-maintenance": nightly }, { stop: 900 }), /^Error: The run watcher has no expected duration for the weekly-maintenance jobnet$/);
        const sfn = mockClient(SFNClient);
        const cloudWatch = mockClient(CloudWatchClient);
        const sns = mockClient(SNSClient);
        const env = { ...process.env };
        try {
            sfn.on(ListExecutionsCommand).resolves({ executions: [] });
            // Started 15:00; expected 90 minutes: due 16:30, in the look of 16:32's window (16:27, 16:32].
            sfn.on(ListExecutionsCommand, { stateMachineArn: nightly, statusFilter: "RUNNING" }).resolves({ executions: [{ executionArn: late, stateMachineArn: nightly, name: "nightly-batch-manual-1", status: "RUNNING", startDate: new Date("2026-11-30T15:00:00Z") }] });
            sfn.on(GetExecutionHistoryCommand).resolves({ events: [
                { id: 7, previousEventId: 6, timestamp: new Date("2026-11-30T15:20:00Z"), type: "TaskStateEntered", stateEnteredEventDetails: { name: "load-warehouse", input: "{}" } },
            ] });
            cloudWatch.on(PutMetricDataCommand).resolves({});
            sns.on(PublishCommand).resolves({ MessageId: "m-1" });
            Object.assign(process.env, { ALERT_TOPIC_ARN: "arn:aws:sns:ap-northeast-1:123456789012:webapp-jobnet-dev-alerts", SLACK_SECRET_ARN: "" });
            const event = { ...input, tick: "2026-11-30T16:32:00Z" };
            const found = await watchRuns(event, invocationContext(60_000));
            assert.deepStrictEqual(found, { endDelayed: [late], startMissed: [], jobsDelayed: [] });
            const [notice] = sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
            assert.match(notice.Subject!, /^\[dev\] nightly-batch jobnet still running after .+ \(expected 1h 30m 0s\)$/);
            assert.deepStrictEqual(notice.Message!.split("\n").slice(1, 3), ["Now in: load-warehouse", `Execution: nightly-batch-manual-1 (https://ap-northeast-1.console.aws.amazon.com/states/home?region=ap-northeast-1#/v2/executions/details/${late})`]);
            const data = cloudWatch.commandCalls(PutMetricDataCommand)[0].args[0].input.MetricData!;
            assert.deepStrictEqual(data.filter((d) => d.MetricName === "RunsPastExpectedDuration").map((d) => [d.Dimensions!.map((x) => x.Value).join(" "), d.Value]), [["dev stop", 0], ["dev nightly-batch", 1]]);
            // The same look 5 minutes later has nothing more to tell.
            assert.deepStrictEqual(await watchRuns({ ...event, tick: "2026-11-30T16:37:00Z" }, invocationContext(60_000)), { endDelayed: [], startMissed: [], jobsDelayed: [] });
        } finally {
            process.env = env;
            sfn.restore();
            cloudWatch.restore();
            sns.restore();
        }
    });
});

describe("the run watcher on a team's schedule rules (fake AWS clients)", () => {
    const nightly = "arn:aws:states:ap-northeast-1:123456789012:stateMachine:webapp-jobnet-dev-nightly-batch";
    const rules = teamWatchRules([{ name: "nightly-batch", schedules: [{ every: "business-day", at: "01:30", timeZone: "Asia/Tokyo" }] }, { name: "by-hand" }], []);
    const settings = { schedules: {}, monitoring: { expectedSeconds: { stop: 900, start: 720 }, startDelaySeconds: 600 }, calendar: { ...tokyo, closedWeekdays: ["sat", "sun"] } } as never;
    const input = watchInput("dev", settings, { "nightly-batch": nightly }, { "nightly-batch": 5400 }, rules);

    /** One look at `tick` with these runs of nightly-batch, and what it told. */
    async function look(tick: string, runs: { name: string; startDate: string; input: unknown }[]) {
        const sfn = mockClient(SFNClient);
        const cloudWatch = mockClient(CloudWatchClient);
        const sns = mockClient(SNSClient);
        const env = { ...process.env };
        try {
            const arnOf = (name: string) => nightly.replace(":stateMachine:", ":execution:") + `:${name}`;
            sfn.on(ListExecutionsCommand).resolves({ executions: [] });
            sfn.on(ListExecutionsCommand, { stateMachineArn: nightly, statusFilter: undefined }).resolves({ executions: runs.map((r) => ({ executionArn: arnOf(r.name), stateMachineArn: nightly, name: r.name, status: "SUCCEEDED", startDate: new Date(r.startDate) })) });
            for (const r of runs) sfn.on(DescribeExecutionCommand, { executionArn: arnOf(r.name) }).resolves({ executionArn: arnOf(r.name), stateMachineArn: nightly, status: "SUCCEEDED", startDate: new Date(r.startDate), input: JSON.stringify(r.input) });
            cloudWatch.on(PutMetricDataCommand).resolves({});
            sns.on(PublishCommand).resolves({ MessageId: "m-1" });
            Object.assign(process.env, { ALERT_TOPIC_ARN: "arn:aws:sns:ap-northeast-1:123456789012:webapp-jobnet-dev-alerts", SLACK_SECRET_ARN: "" });
            const found = await watchRuns({ ...input, tick }, invocationContext(60_000));
            const missed = cloudWatch.commandCalls(PutMetricDataCommand)[0].args[0].input.MetricData!.filter((d) => d.MetricName === "ScheduledRunsNotStarted").map((d) => d.Value);
            return { found, subjects: sns.commandCalls(PublishCommand).map((c) => c.args[0].input.Subject), missed };
        } finally {
            process.env = env;
            sfn.restore();
            cloudWatch.restore();
            sns.restore();
        }
    }

    it("is given each rule, its calendar and whether it is paused; a jobnet without rules has none", () => {
        assert.deepStrictEqual(rules, { "nightly-batch": { schedules: [{ every: "business-day", at: "01:30", timeZone: "Asia/Tokyo" }], enabled: true } });
        assert.deepStrictEqual(teamWatchRules([{ name: "w", schedules: [{ weekdays: ["sun"], at: "03:00", timeZone: "UTC" }], calendar: { country: "JP" } }], ["w"]).w, { schedules: [{ weekdays: ["sun"], at: "03:00", timeZone: "UTC" }], calendar: { country: "JP", closedDates: [], openDates: [], closedWeekdays: [] }, enabled: false });
    });

    it("tells of a run its rule made due that did not start, once, and counts it", async () => {
        // Tuesday 1 December 2026, 01:30 in Tokyo (16:30Z): no run.
        const told = await look("2026-11-30T16:40:00Z", []);
        assert.deepStrictEqual([told.found, told.subjects, told.missed], [{ endDelayed: [], startMissed: ["nightly-batch 2026-11-30T16:30:00.000Z"], jobsDelayed: [] }, ["[dev] nightly-batch jobnet did not start at its scheduled time 2026-11-30T16:30:00.000Z"], [1]]);
    });

    it("says nothing of a due run that started, nor of a firing on a day the rule is not due", async () => {
        const started = await look("2026-11-30T16:40:00Z", [{ name: "n-1", startDate: "2026-11-30T16:30:02Z", input: { trigger: "schedule", scheduledTime: "2026-11-30T16:30:00Z", rule: { every: "business-day", at: "01:30", timeZone: "Asia/Tokyo" } } }]);
        assert.deepStrictEqual([started.found, started.subjects, started.missed], [{ endDelayed: [], startMissed: [], jobsDelayed: [] }, [], [0]]);
        // Saturday 5 December: the schedule fired, its run ended "not due today"; no run was due.
        const saturday = await look("2026-12-04T16:40:00Z", []);
        assert.deepStrictEqual([saturday.found, saturday.subjects, saturday.missed], [{ endDelayed: [], startMissed: [], jobsDelayed: [] }, [], [0]]);
    });
});

describe("the alerts' wiring (pure)", () => {
    it("expects stop and start as monitoring.expectedDuration says, and each of the team's jobnets its expectedMinutes", () => {
        assert.deepStrictEqual(expectedSecondsByJobnet({ expectedSeconds: { stop: 900, start: 720 } }, [{ name: "nightly-batch", expectedMinutes: 90 }, { name: "weekly-maintenance", expectedMinutes: 60 }]),
            { stop: 900, start: 720, "nightly-batch": 5400, "weekly-maintenance": 3600 });
    });

    it("refuse a run-ended rule whose pattern EventBridge would refuse, over 2,048 characters, saying what to do", () => {
        const machine = (i: number) => `arn:aws:states:ap-northeast-1:123456789012:stateMachine:webapp-jobnet-dev-jobnet-${String(i).padStart(2, "0")}`;
        const fits = Array.from({ length: 20 }, (_, i) => machine(i));
        assert.ok(runEndedEventPattern(fits).length <= 2048);
        const over = Array.from({ length: 25 }, (_, i) => machine(i));
        assert.throws(() => runEndedEventPattern(over), /^Error: The run-ended rule's event pattern is 2\d{3} characters for 25 jobnets, over EventBridge's 2048: deploy fewer of the team's jobnets \(the stack's jobnets key\)$/);
    });
});

describe("delay notices in the simulated account", function () {
    this.timeout(120_000);
    let synth: SynthResult;
    before(async () => {
        // A stop expected to take 5 minutes: the simulated one takes 10.
        synth = await synthesize("dev", path.join(projectDir, "out", ".test", "dev-alerts"), { "webapp-jobnet:monitoring": JSON.stringify({ expectedDuration: { stop: "5m" } }) });
    });
    const published = (account: { published: { subject?: string; message: string }[] }) => account.published.map((p) => `${p.subject}\n${p.message}`);

    it("tell of a run still running past its expected duration, once, naming the step it is in, and let it finish", async () => {
        const { reports, looks, account } = await simulate(synth, {
            initial: "running",
            jobnets: ["stop"],
            input: { trigger: "schedule", scheduledTime: new Date(simulatedStartMs).toISOString().replace(".000Z", "Z") },
            watch: { untilSeconds: 20 * 60 },
        });
        assert.strictEqual(reports[0].report.status, "SUCCEEDED");
        assert.deepStrictEqual(looks.map((l) => [l.tick, l.endDelayed.length, l.startMissed.length]), [
            ["2026-11-30T13:05:00Z", 1, 0], ["2026-11-30T13:10:00Z", 0, 0], ["2026-11-30T13:15:00Z", 0, 0], ["2026-11-30T13:20:00Z", 0, 0],
        ]);
        const [notice] = published(account);
        assert.strictEqual(account.published.length, 1);
        assert.match(notice, /^\[dev\] stop jobnet still running after 5m 0s \(expected 5m 0s\)\n/);
        // Five minutes in, the servers are down and their AMIs are being taken.
        assert.match(notice, /\nNow in: WaitUntilServerBackupsCompleted\w*\n/);
        assert.match(notice, /\nThe run goes on: this notice does not stop it\./);
        assert.deepStrictEqual(account.metrics.filter((m) => "Jobnet" in m.dimensions && m.value > 0).map((m) => [m.name, m.dimensions.Jobnet, new Date(m.at).toISOString()]), [["RunsPastExpectedDuration", "stop", "2026-11-30T13:05:00.000Z"]]);
        // Every call the watcher made is allowed by its role's policy, and each statement is used.
        const watcher = synth.alertFunctions.find((f) => f.role === "watcher")!;
        const statements = functionPolicy(synth.resources, watcher.functionName);
        const used = new Set<PolicyStatement>();
        for (const call of account.calls.filter((c) => c.caller === "watchRuns")) {
            for (const { resource, context } of call.authorizations) {
                const statement = allowingStatement(statements, { action: call.action, resource, context });
                assert.ok(statement, `${call.action} on ${resource} is denied`);
                used.add(statement);
            }
        }
        // A stop run has no record of jobs to read.
        assert.deepStrictEqual(statements.filter((st) => !used.has(st)).map((st) => [st.Action].flat().join(",")), ["dynamodb:GetItem", "logs:CreateLogStream,logs:PutLogEvents"]);
    });

    it("keep the watcher's heartbeat alarm OK while it looks, and set it off once no look has been put for 15 minutes", async () => {
        const { looks, account } = await simulate(synth, { initial: "running", jobnets: [], watch: { untilSeconds: 20 * 60 } });
        const heartbeat = synth.resources.find((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm" && r.inputs.name === "webapp-jobnet-dev-watcher-heartbeat")!.inputs as DeclaredAlarm;
        // One data point a look, of exactly the heartbeat's metric.
        assert.deepStrictEqual(account.metrics.filter((m) => m.name === heartbeat.metricName).map((m) => [m.namespace, m.dimensions, m.value, new Date(m.at).toISOString().replace(".000Z", "Z")]),
            looks.map((l) => [heartbeat.namespace, heartbeat.dimensions, 1, l.tick]));
        const lastLook = Date.parse(looks[looks.length - 1].tick);
        const stateAfter = (minutes: number) => alarmStateAt(heartbeat, account.metrics, lastLook + minutes * minute);
        assert.deepStrictEqual([0, 5, 10, 15, 20].map(stateAfter), ["OK", "OK", "OK", "OK", "ALARM"]);
        // The last look's data point covers its period, to 13:25; 15 minutes of no look after that is an alarm.
        assert.strictEqual(new Date(lastLook).toISOString(), "2026-11-30T13:20:00.000Z");
        // Without the heartbeat, the late and not-started alarms would stay OK: no data is no problem to them.
        const notStarted = synth.resources.find((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm" && r.inputs.name === "webapp-jobnet-dev-stop-not-started")!.inputs as DeclaredAlarm;
        assert.strictEqual(alarmStateAt(notStarted, [], lastLook + 60 * minute), "OK");
    });

    it("name the step a late run is in when Step Functions answers its history in short pages", async () => {
        const { looks, account } = await simulate(synth, {
            initial: "running",
            jobnets: ["stop"],
            input: { trigger: "schedule", scheduledTime: new Date(simulatedStartMs).toISOString().replace(".000Z", "Z") },
            faults: { historyPageEvents: 1 },
            watch: { untilSeconds: 10 * 60 },
        });
        assert.deepStrictEqual(looks.map((l) => l.endDelayed.length), [1, 0]);
        assert.match(published(account)[0], /\nNow in: WaitUntilServerBackupsCompleted\w*\n/);
        // Newest first, one event a page, as far as the last state entered: more than one page.
        const pages = account.calls.filter((c) => c.caller === "watchRuns" && c.action === "states:GetExecutionHistory");
        assert.ok(pages.length > 1, `${pages.length} pages`);
    });

    /** EventBridge's event of a run's end, given to the notifier as uploaded, with its environment; no Slack webhook. */
    async function notifyAsUploaded(account: SimulatedAccount, run: SimExecution | BusEvent): Promise<void> {
        const notifier = synth.alertFunctions.find((f) => f.role === "notifier")!;
        const handler = (require(path.join(notifier.codeDirectory, "__index.js")) as { handler: Function }).handler;
        const event = "arn" in run ? { ...executionStatusChange(run), region: run.arn.split(":")[3] } : run;
        const env = { ...process.env };
        const restore = installServices(account);
        try {
            Object.assign(process.env, { ALERT_TOPIC_ARN: notifier.environment.ALERT_TOPIC_ARN, SLACK_SECRET_ARN: "", STACK_NAME: "dev", STATE_MACHINE_PREFIX: notifier.environment.STATE_MACHINE_PREFIX });
            await currentCaller.run("notifyRunEnded", () => handler(event, invocationContext(notifier.timeoutSeconds * 1000)));
        } finally {
            restore();
            process.env = env;
        }
    }

    it("the notifier reads a failed run's history to its end in short pages, and names the state that failed", async () => {
        const faults = parseFaults(["cluster-stop", "short-pages"], { servers: ["web-1", "web-2"], database: { kind: "cluster" as const, identifier: "webapp-jobnet-dev" }, tasks: taskFunctionNames });
        const { reports, account } = await simulate(synth, { initial: "running", jobnets: ["stop"], faults });
        assert.strictEqual(reports[0].report.error, "ClusterNotStoppable");
        const run = account.executions.find((e) => e.arn.endsWith(`:${reports[0].report.executionName}`))!;
        await notifyAsUploaded(account, run);
        assert.ok(run.history.length > 50, `${run.history.length} events`);
        const [notice] = published(account);
        assert.match(notice, /^\[dev\] stop jobnet FAILED\n/);
        assert.match(notice, /\nFailed state: ClusterRefusedToStop\n/);
    });

    it("the notifier tells of a team's jobnet that failed: the jobnet, the failed job, and the cause naming its server, exit code and last line", async () => {
        const { reports, account } = await simulate(synth, { initial: "running", jobnets: ["nightly-batch"], jobFaults: [{ job: "transform-customers", kind: "exit", code: 2, times: 1 }] });
        assert.strictEqual(reports[0].report.status, "FAILED");
        const run = account.executions.find((e) => e.arn.endsWith(`:${reports[0].report.executionName}`))!;
        await notifyAsUploaded(account, run);
        const [notice] = published(account);
        assert.strictEqual(account.published.length, 1);
        const lines = notice.split("\n");
        assert.deepStrictEqual([lines[0], lines[1], ...lines.slice(-3)], [
            "[dev] nightly-batch jobnet FAILED",
            "Jobnet: nightly-batch",
            "Failed job: transform-customers",
            "Error: JobEndedAbnormally",
            `Cause: ${reports[0].report.cause}`,
        ]);
        assert.match(lines[lines.length - 1], /^Cause: transform-customers on batch-1 \(i-[0-9a-f]+\): exit code 2: transform-customers: failed with exit code 2 \(simulated\) \(and 1 more server\); the whole output is in CloudWatch Logs, group \/webapp-jobnet-dev\/jobs$/);
    });

    it("the notifier tells of a held job: which, how to release it, and what happens if nobody does", async () => {
        const { account } = await simulate(synth, { initial: "running", jobnets: ["weekly-maintenance"] });
        const held = account.events.find((e) => e["detail-type"] === "Jobnet Job Held")!;
        await notifyAsUploaded(account, held);
        const run = held.detail.executionArn as string;
        assert.deepStrictEqual(published(account), [[
            "[dev] weekly-maintenance jobnet: start-system is held for an operator",
            "Jobnet: weekly-maintenance",
            "Stack: dev",
            `Held: start-system, before it starts, since ${held.detail.heldAt}`,
            "Release it with: npm run ops -- release weekly-maintenance start-system --stack dev",
            `Not released by ${held.detail.releaseBy} (60 min), start-system ends abnormally (HoldNotReleased) and the run fails.`,
            `Execution: ${run.split(":").pop()} (https://ap-northeast-1.console.aws.amazon.com/states/home?region=ap-northeast-1#/v2/executions/details/${run})`,
        ].join("\n")]);
    });

    it("tell of a scheduled run that did not start, startDelay after its time, and of nothing else", async () => {
        const { looks, account } = await simulate(synth, { initial: "running", jobnets: [], watch: { untilSeconds: 20 * 60 } });
        assert.deepStrictEqual(looks.map((l) => l.startMissed), [[], ["stop 2026-11-30T13:00:00.000Z"], [], []]);
        assert.deepStrictEqual(published(account), [
            "[dev] stop jobnet did not start at its scheduled time 2026-11-30T13:00:00.000Z\n" +
            "No run of webapp-jobnet-dev-stop for the scheduled time 2026-11-30T13:00:00.000Z had started 10m 0s later.\n" +
            "Check that the schedule is enabled (EventBridge Scheduler), that its role may start the state machine, and the schedule's delivery errors; then start the run by hand if it must still run today.",
        ]);
    });

    it("say nothing of a scheduled run that started, even one that a closed day of the calendar skipped", async () => {
        const closed = await synthesize("dev", path.join(projectDir, "out", ".test", "dev-alerts-closed"), { "webapp-jobnet:calendar": JSON.stringify({ country: "JP", closedDates: ["2026-11-30"] }) });
        const scheduled = { trigger: "schedule", scheduledTime: "2026-11-30T13:00:00Z" };
        const { reports, account } = await simulate(closed, { initial: "running", jobnets: ["stop"], input: scheduled, watch: { untilSeconds: 20 * 60 } });
        assert.strictEqual((reports[0].report.output as { skipped?: boolean }).skipped, true);
        assert.deepStrictEqual(account.published, []);
        // And with no run at all on that closed day, no missed start either.
        const none = await simulate(closed, { initial: "running", jobnets: [], watch: { untilSeconds: 20 * 60 } });
        assert.deepStrictEqual(none.account.published, []);
    });
});
