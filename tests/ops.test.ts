import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { mockClient } from "aws-sdk-client-mock";
import {
    DescribeExecutionCommand,
    DescribeStateMachineCommand,
    DescribeStateMachineForExecutionCommand,
    GetExecutionHistoryCommand,
    HistoryEvent,
    ListExecutionsCommand,
    RedriveExecutionCommand,
    SFNClient,
    StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { UsageError } from "../scripts/lib/commandLine";
import { commandUsage, deployedJobnet, opsUsage, parseOpsArgs } from "../scripts/lib/ops/args";
import { explainFailure } from "../scripts/lib/ops/failures";
import { executionName, followExecution, latestUnsuccessful, recentRuns, redrive, startRun, triggerOf } from "../scripts/lib/ops/runs";
import { RedriveFacts, readRedriveFacts, redriveRefusal, sharingRunLock } from "../scripts/lib/ops/redriveCheck";
import { changeSchedule, withScheduleEnabled } from "../scripts/lib/ops/schedule";
import { createdCluster, destroyRefusal, readClusterStatus } from "../scripts/lib/ops/teardown";
import { driveStackAction } from "../scripts/lib/ops/stackActions";
import { configuredEmails, forgottenPendingEmails, readTopicSubscriptions } from "../scripts/lib/ops/pendingEmails";
import { ListSubscriptionsByTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import { RDSClient } from "@aws-sdk/client-rds";
import { SimulatedAccount } from "../simulator/account";
import { installServices } from "../simulator/services";
import { OpsError, requirePulumiCli, stackOutputs } from "../scripts/lib/ops/stack";
import { projectDir } from "../scripts/lib/runProgram";
import { stopJobnet } from "../statemachines/stop";
import { runCli } from "./support/cli";
import { withStackFiles } from "./support/stackFiles";
import { samplePlan } from "./support/samplePlan";
import { defaultMonitoring, delaysInProgress, statusReport, teamScheduleLine } from "../scripts/lib/ops/status";
import { nextPlannedRun } from "../scripts/lib/ops/plan";
import type { ScheduleRule } from "../statemachines/scheduleRules";
import type { RunRow } from "../scripts/lib/ops/runs";
import { bareAccountSpec } from "./support/accountSpec";

const machines = {
    stop: "arn:aws:states:ap-northeast-1:123456789012:stateMachine:webapp-jobnet-dev-stop",
    start: "arn:aws:states:ap-northeast-1:123456789012:stateMachine:webapp-jobnet-dev-start",
};
const execution = (jobnet: string, name: string) => `arn:aws:states:ap-northeast-1:123456789012:execution:webapp-jobnet-dev-${jobnet}:${name}`;

describe("npm run ops arguments", () => {
    it("read every command with its options", () => {
        assert.deepStrictEqual(parseOpsArgs(["up", "--stack", "prod", "--yes"]), { kind: "stack", action: "up", stack: "prod", yes: true });
        assert.deepStrictEqual(parseOpsArgs(["run", "stop", "--no-wait"]), { kind: "run", jobnet: "stop", stack: "dev", wait: false });
        assert.deepStrictEqual(parseOpsArgs(["status"]), { kind: "status", stack: "dev" });
        assert.deepStrictEqual(parseOpsArgs(["report"]), { kind: "report", execution: "latest", stack: "dev", out: "" });
        const arn = "arn:aws:states:ap-northeast-1:123456789012:execution:webapp-jobnet-dev-stop:stop-1";
        assert.deepStrictEqual(parseOpsArgs(["report", arn, "--out", "r.html", "--stack", "prod"]), { kind: "report", execution: arn, stack: "prod", out: "r.html" });
        assert.throws(() => parseOpsArgs(["report", "stop 1"]), /report needs an execution ARN \(arn:aws:states:REGION:ACCOUNT:execution:MACHINE:NAME\), latest or a jobnet, not "stop 1"/);
        assert.deepStrictEqual(parseOpsArgs(["redrive", "latest"]), { kind: "redrive", execution: "latest", stack: "dev", wait: true });
        assert.deepStrictEqual(parseOpsArgs(["redrive", execution("stop", "stop-manual-1")]), { kind: "redrive", execution: execution("stop", "stop-manual-1"), stack: "dev", wait: true });
        assert.deepStrictEqual(parseOpsArgs(["schedule", "disable", "start", "--stack", "prod"]), { kind: "schedule", enable: false, jobnet: "start", stack: "prod", yes: false });
        assert.throws(() => parseOpsArgs(["--stack", "prod"]), (e: Error) => e instanceof UsageError && e.message === `npm run ops needs a command\n\n${opsUsage}`);
        assert.deepStrictEqual(parseOpsArgs(["run", "start", "--stack=prod", "-y", "--no-wait"]), { kind: "run", jobnet: "start", stack: "prod", wait: false });
        assert.deepStrictEqual(parseOpsArgs(["schedule", "disable", "stop", "--help"]), { kind: "help" });
    });

    it("read a team's jobnet as run's, status's, redrive's and report's jobnet; redrive and report then take its latest run", () => {
        assert.deepStrictEqual(parseOpsArgs(["run", "nightly-batch", "--no-wait"]), { kind: "run", jobnet: "nightly-batch", stack: "dev", wait: false });
        assert.deepStrictEqual(parseOpsArgs(["status", "nightly-batch"]), { kind: "status", stack: "dev", jobnet: "nightly-batch" });
        assert.deepStrictEqual(parseOpsArgs(["redrive", "nightly-batch", "--stack", "prod"]), { kind: "redrive", execution: "latest", stack: "prod", wait: true, jobnet: "nightly-batch" });
        assert.deepStrictEqual(parseOpsArgs(["report", "weekly-maintenance", "--out", "w.html"]), { kind: "report", execution: "latest", stack: "dev", out: "w.html", jobnet: "weekly-maintenance" });
        assert.deepStrictEqual(parseOpsArgs(["report", "stop"]), { kind: "report", execution: "latest", stack: "dev", out: "", jobnet: "stop" });
    });

    it("take a jobnet the stack deploys (its outputs name them), and refuse any other with a usage problem (exit 2): the names it deploys, the closest, and the command's usage", () => {
        const deployed = { ...machines, "nightly-batch": "arn:aws:states:ap-northeast-1:123456789012:stateMachine:webapp-jobnet-dev-nightly-batch", "weekly-maintenance": "arn:aws:states:ap-northeast-1:123456789012:stateMachine:webapp-jobnet-dev-weekly-maintenance" };
        assert.strictEqual(deployedJobnet("run", "nightly-batch", "dev", deployed), deployed["nightly-batch"]);
        assert.strictEqual(deployedJobnet("run", "stop", "dev", deployed), machines.stop);
        assert.throws(() => deployedJobnet("run", "nightly-bacth", "dev", deployed), (e: Error) => e instanceof UsageError && e.message === [
            `run: stack dev deploys no jobnet "nightly-bacth"; its jobnets are stop, start, nightly-batch, weekly-maintenance. Did you mean nightly-batch?`,
            "",
            "Usage: npm run ops -- COMMAND [options]",
            "",
            "  run JOBNET [--stack NAME] [--no-wait]       start a run of a jobnet the stack deploys (stop, start or",
            "                                              one of the team's) and follow it until it ends",
            "                                              (exit 0 on success, 1 with the cause on failure)",
        ].join("\n"));
        // Nothing close: no guess. A stack that deploys none of the team's jobnets names stop and start.
        assert.throws(() => deployedJobnet("report", "monthly-close", "prod", machines), (e: Error) => e instanceof UsageError &&
            e.message.startsWith(`report: stack prod deploys no jobnet "monthly-close"; its jobnets are stop, start\n\nUsage: npm run ops -- COMMAND [options]\n\n  report [EXECUTION_ARN|latest|JOBNET]`));
        assert.match(commandUsage("status"), /\n  status \[JOBNET\] \[--stack NAME\]  +recent runs of every jobnet \(or of JOBNET\), the delays in\n +progress, and each one's next scheduled run \(a team's\n +jobnet: by its schedule rules, naming the rule\)$/);
    });

    it("read release: a team's jobnet and one of its jobs with a hold, else a usage problem naming the jobs that have one", () => {
        assert.deepStrictEqual(parseOpsArgs(["release", "weekly-maintenance", "start-system", "--stack", "prod"]), { kind: "release", jobnet: "weekly-maintenance", job: "start-system", stack: "prod" });
        const usage = "\n\nUsage: npm run ops -- COMMAND [options]\n\n  release JOBNET JOB [--stack NAME]           release JOB of every run of JOBNET that holds before it\n                                              (a job with a hold: it starts now)";
        const refused = (argv: string[], message: string) => assert.throws(() => parseOpsArgs(argv), (e: Error) => e instanceof UsageError && e.message === message + usage);
        refused(["release", "weekly-maintenance", "start-sytem"], 'release needs a job with a hold, not "start-sytem": the jobs of weekly-maintenance with a hold are start-system. Did you mean start-system?');
        refused(["release", "weekly-maintenance"], "release needs a job with a hold: the jobs of weekly-maintenance with a hold are start-system");
        refused(["release", "nightly-batch", "load"], 'release needs a job with a hold, not "load": nightly-batch holds no job');
        refused(["release", "stop", "x"], "release: stop is not one of the team's jobnets (nightly-batch, weekly-maintenance, orders-arrival, orders-report); only their jobs have holds");
    });

    it("explain an option npm kept for itself (npm run ops run stop --no-wait, without --)", () => {
        assert.throws(() => parseOpsArgs(["run", "stop"], { npm_config_wait: "" }), (e: Error) => e instanceof UsageError &&
            e.message === "npm took --no-wait for itself, so npm run ops did not get it: put the options after --, as in npm run ops -- run stop --no-wait");
        assert.deepStrictEqual(parseOpsArgs(["status"], { npm_config_yes: "" }), { kind: "status", stack: "dev" });
    });

    const bad: [string[], string][] = [
        [["run"], "run needs a jobnet: stop, start or one of the team's (lowercase letters, digits and hyphens)"],
        [["run", "Reboot!"], `run needs a jobnet: stop, start or one of the team's (lowercase letters, digits and hyphens), not "Reboot!"`],
        [["redrive", "my run"], 'redrive needs an execution ARN (arn:aws:states:REGION:ACCOUNT:execution:MACHINE:NAME), latest or a jobnet, not "my run"'],
        [["schedule", "pause", "stop"], 'schedule needs enable or disable, not "pause"'],
        [["schedule", "enable", "nightly-batch"], "schedule enable takes stop or start. A team's jobnet such as nightly-batch runs by the schedule rules of its file (jobnets/); pause them on a stack with: pulumi config set --path 'jobnetSchedules.nightly-batch.enabled' false, then npm run ops -- up"],
        [["schedule", "disable", "Stop!"], 'schedule disable needs a jobnet: stop or start, not "Stop!"'],
        [["status", "stop", "now"], 'status takes 1 argument(s); got "now" as well'],
        [["deploy"], 'unknown command "deploy"; the commands are preview, up, destroy, run, status, redrive, report, release, schedule and plan'],
        [["up", "--force"], 'unknown option "--force"; the options are --stack, --yes, --no-wait, --out, --date, --days, --month, --html and --help'],
        [["status", "--stack"], "--stack needs a value"],
    ];
    for (const [argv, message] of bad) {
        it(`refuse ${argv.join(" ")} in one line`, () => {
            assert.throws(() => parseOpsArgs(argv), (e: Error) => e instanceof UsageError && e.message === message);
        });
    }
});

describe("jobnet runs through Step Functions (a fake SFN client)", () => {
    let sfn: ReturnType<typeof mockClient>;
    beforeEach(() => {
        sfn = mockClient(SFNClient);
    });
    afterEach(() => sfn.restore());

    it("name manual runs readably and uniquely, and mark them manual", async () => {
        assert.strictEqual(executionName("stop", new Date("2026-11-28T22:15:07Z"), "k3f9zz77"), "stop-manual-20261128-221507-k3f9zz");
        sfn.on(StartExecutionCommand).resolves({ executionArn: execution("stop", "stop-manual-1"), startDate: new Date() });
        assert.strictEqual(await startRun(new SFNClient({ region: "ap-northeast-1" }), machines.stop, "stop-manual-1"), execution("stop", "stop-manual-1"));
        assert.deepStrictEqual(sfn.commandCalls(StartExecutionCommand)[0].args[0].input, { stateMachineArn: machines.stop, name: "stop-manual-1", input: '{"trigger":"manual"}' });
    });

    it("name a team jobnet's manual runs within Step Functions' 80 characters, its longest name (48) included", async () => {
        assert.strictEqual(executionName("nightly-batch", new Date("2026-11-28T22:15:07Z"), "k3f9zz77"), "nightly-batch-manual-20261128-221507-k3f9zz");
        assert.strictEqual(executionName("j".repeat(48), new Date("2026-11-28T22:15:07Z"), "k3f9zz77").length, 78);
    });

    it("list the recent runs of every jobnet the stack deploys, the team's among them, and find the latest failed one of a team's jobnet", async () => {
        const nightly = "arn:aws:states:ap-northeast-1:123456789012:stateMachine:webapp-jobnet-dev-nightly-batch";
        sfn.on(ListExecutionsCommand).resolves({ executions: [] });
        sfn.on(ListExecutionsCommand, { stateMachineArn: nightly }).resolves({ executions: [
            { executionArn: execution("nightly-batch", "n-1"), stateMachineArn: nightly, name: "n-1", status: "FAILED", startDate: new Date("2026-11-28T15:00:00Z"), stopDate: new Date("2026-11-28T16:31:00Z") },
        ] });
        sfn.on(DescribeExecutionCommand).resolves({ input: '{"trigger":"manual"}' } as never);
        const rows = await recentRuns(new SFNClient({ region: "ap-northeast-1" }), { ...machines, "nightly-batch": nightly });
        assert.deepStrictEqual(rows.map((r) => [r.jobnet, r.name, r.trigger, r.status, r.durationSeconds]), [["nightly-batch", "n-1", "manual", "FAILED", 5460]]);
        assert.deepStrictEqual(sfn.commandCalls(ListExecutionsCommand).map((c) => c.args[0].input.stateMachineArn), [machines.stop, machines.start, nightly]);
        const latest = await latestUnsuccessful(new SFNClient({ region: "ap-northeast-1" }), { "nightly-batch": nightly });
        assert.strictEqual(latest?.executionArn, execution("nightly-batch", "n-1"));
    });

    it("tell how each run was started", () => {
        assert.deepStrictEqual(
            [triggerOf('{"trigger":"schedule"}', '{"skipped":true}'), triggerOf('{"trigger":"schedule"}', "{}"), triggerOf('{"trigger":"event","event":"cluster-auto-restart"}', undefined), triggerOf("{}", undefined)],
            ["skipped", "scheduled", "event (cluster-auto-restart)", "manual"],
        );
    });

    it("list the recent runs of both jobnets, newest first", async () => {
        sfn.on(ListExecutionsCommand, { stateMachineArn: machines.stop }).resolves({ executions: [
            { executionArn: execution("stop", "a"), stateMachineArn: machines.stop, name: "a", status: "SUCCEEDED", startDate: new Date("2026-11-27T13:00:00Z"), stopDate: new Date("2026-11-27T13:10:04Z") },
        ] });
        sfn.on(ListExecutionsCommand, { stateMachineArn: machines.start }).resolves({ executions: [
            { executionArn: execution("start", "b"), stateMachineArn: machines.start, name: "b", status: "RUNNING", startDate: new Date("2026-11-28T23:00:00Z") },
        ] });
        sfn.on(DescribeExecutionCommand, { executionArn: execution("stop", "a") }).resolves({ input: '{"trigger":"schedule"}', output: "{}" } as never);
        sfn.on(DescribeExecutionCommand, { executionArn: execution("start", "b") }).resolves({ input: "{}" } as never);
        const rows = await recentRuns(new SFNClient({ region: "ap-northeast-1" }), machines);
        assert.deepStrictEqual(rows.map((r) => [r.jobnet, r.name, r.trigger, r.status, r.durationSeconds]), [
            ["start", "b", "manual", "RUNNING", undefined],
            ["stop", "a", "scheduled", "SUCCEEDED", 604],
        ]);
    });

    it("find the latest unsuccessful run to redrive, or none", async () => {
        sfn.on(ListExecutionsCommand).resolves({ executions: [] });
        sfn.on(ListExecutionsCommand, { stateMachineArn: machines.start, statusFilter: "FAILED" }).resolves({ executions: [
            { executionArn: execution("start", "old"), stateMachineArn: machines.start, name: "old", status: "FAILED", startDate: new Date("2026-11-20T00:00:00Z"), stopDate: new Date("2026-11-20T00:10:00Z") },
        ] });
        sfn.on(ListExecutionsCommand, { stateMachineArn: machines.stop, statusFilter: "TIMED_OUT" }).resolves({ executions: [
            { executionArn: execution("stop", "new"), stateMachineArn: machines.stop, name: "new", status: "TIMED_OUT", startDate: new Date("2026-11-27T00:00:00Z"), stopDate: new Date("2026-11-27T06:00:00Z") },
        ] });
        const client = new SFNClient({ region: "ap-northeast-1" });
        assert.strictEqual((await latestUnsuccessful(client, machines))?.executionArn, execution("stop", "new"));
        sfn.reset();
        sfn.on(ListExecutionsCommand).resolves({ executions: [] });
        assert.strictEqual(await latestUnsuccessful(client, machines), undefined);
    });

    it("redrive a failed run, and say why one cannot be redriven", async () => {
        const client = new SFNClient({ region: "ap-northeast-1" });
        sfn.on(RedriveExecutionCommand, { executionArn: execution("stop", "ok") }).resolves({ redriveDate: new Date() });
        await redrive(client, execution("stop", "ok"));
        sfn.on(RedriveExecutionCommand, { executionArn: execution("stop", "done") }).rejects(Object.assign(new Error("Execution is SUCCEEDED"), { name: "ExecutionNotRedrivable" }));
        await assert.rejects(redrive(client, execution("stop", "done")), /cannot be redriven: Execution is SUCCEEDED \(only a run that failed, timed out or was aborted in the last 14 days can\)/);
    });

    it("follow a run until it ends, a line per step, and report the failure", async () => {
        const arn = execution("stop", "stop-manual-1");
        const t = (s: number) => new Date(Date.UTC(2026, 10, 30, 13, 0, s));
        const servers = [{ name: "web-1", instanceId: "i-1" }];
        const fleet = { running: [], stopping: [], counts: { running: 0, pending: 1 }, notStoppable: "web-1 (i-1) is pending" };
        const history: HistoryEvent[] = [
            { id: 1, type: "ExecutionStarted", timestamp: t(0) },
            { id: 2, previousEventId: 1, type: "TaskStateEntered", timestamp: t(0), stateEnteredEventDetails: { name: "EnableMaintenancePage", input: "{}" } },
            { id: 3, previousEventId: 2, type: "TaskStateExited", timestamp: t(1), stateExitedEventDetails: { name: "EnableMaintenancePage", output: '{"maintenance":{"outcome":"created"}}' } },
            { id: 4, previousEventId: 3, type: "TaskStateEntered", timestamp: t(1), stateEnteredEventDetails: { name: "DescribeWebServers", input: JSON.stringify({ targets: { webServers: servers } }) } },
            { id: 5, previousEventId: 4, type: "TaskStateExited", timestamp: t(2), stateExitedEventDetails: { name: "DescribeWebServers", output: JSON.stringify({ targets: { webServers: servers }, fleet }) } },
            { id: 6, previousEventId: 5, type: "ChoiceStateEntered", timestamp: t(2), stateEnteredEventDetails: { name: "EveryServerStoppable", input: "{}" } },
            { id: 7, previousEventId: 6, type: "ChoiceStateExited", timestamp: t(2), stateExitedEventDetails: { name: "EveryServerStoppable", output: "{}" } },
            { id: 8, previousEventId: 7, type: "FailStateEntered", timestamp: t(3), stateEnteredEventDetails: { name: "InstanceNotStoppable", input: "{}" } },
            { id: 10, previousEventId: 8, type: "ExecutionFailed", timestamp: t(3), executionFailedEventDetails: { error: "InstanceNotStoppable", cause: "DescribeWebServers: web-1 (i-1) is pending" } },
        ];
        // Two polls: the run is half way, then over.
        let polls = 0;
        sfn.on(DescribeStateMachineForExecutionCommand).resolves({ definition: JSON.stringify(stopJobnet(samplePlan(1))) } as never);
        sfn.on(GetExecutionHistoryCommand).callsFake(() => ({ events: history.slice(0, polls === 0 ? 5 : 9).reverse() }));
        sfn.on(DescribeExecutionCommand).callsFake(() => {
            polls++;
            return polls === 1 ? { status: "RUNNING" } : { status: "FAILED", error: "InstanceNotStoppable", cause: "DescribeWebServers: web-1 (i-1) is pending" };
        });
        const lines: string[] = [];
        const end = await followExecution(new SFNClient({ region: "ap-northeast-1" }), arn, { write: (l) => lines.push(l), tty: false, pollMs: 5000, sleep: async () => undefined });
        assert.deepStrictEqual(end, { status: "FAILED", error: "InstanceNotStoppable", cause: "DescribeWebServers: web-1 (i-1) is pending" });
        assert.deepStrictEqual(lines, [
            "   +0:01  EnableMaintenancePage: outcome created\n",
            "   +0:02  DescribeWebServers: notStoppable web-1 (i-1) is pending\n",
            "   +0:03  FAILED InstanceNotStoppable: DescribeWebServers: web-1 (i-1) is pending\n",
        ]);
    });
});

describe("the parts that need the pulumi CLI", () => {
    it("say plainly when the CLI is missing", () => {
        assert.throws(() => requirePulumiCli(() => undefined), (e: Error) => e instanceof OpsError && /^The pulumi CLI is not installed/.test(e.message));
        assert.strictEqual(requirePulumiCli(() => "/usr/local/bin/pulumi"), "/usr/local/bin/pulumi");
    });

    it("npm run ops exits 1 with that message where the CLI is not installed, and 2 with one line on a bad command", function () {
        this.timeout(60_000);
        const ops = (args: string[]) => runCli("ops.ts", args, { PATH: path.dirname(process.execPath) + ":/usr/bin:/bin" });
        const missing = ops(["status"]);
        assert.strictEqual(missing.status, 1);
        assert.match(missing.stderr, /^The pulumi CLI is not installed \(it is not on PATH\)\./);
        const bad = ops(["run", "Reboot!"]);
        assert.deepStrictEqual([bad.status, bad.stderr], [2, `run needs a jobnet: stop, start or one of the team's (lowercase letters, digits and hyphens), not "Reboot!"\n`]);
        const noFile = withStackFiles(() => ops(["schedule", "disable", "stop", "--stack", "qa"]));
        assert.deepStrictEqual([noFile.status, noFile.stderr], [2, '--stack "qa": there is no Pulumi.qa.yaml; the stacks are dev, example-https, existing, existing-rds, prod\n']);
        const none = ops([]);
        assert.deepStrictEqual([none.status, none.stdout, none.stderr], [2, "", `npm run ops needs a command\n\n${opsUsage}\n`]);
    });

    it("npm run ops answers every command of a stack without its file alike: exit 2, naming the stacks there are, before any call", function () {
        this.timeout(120_000);
        const ops = (args: string[]) => runCli("ops.ts", [...args, "--stack", "nosuch"], { PATH: path.dirname(process.execPath) + ":/usr/bin:/bin" });
        const pick = (r: { status: number | null; stdout: string; stderr: string }) => ({ status: r.status, stdout: r.stdout, stderr: r.stderr });
        const answers = withStackFiles(() => [["status"], ["schedule", "disable", "stop"], ["run", "stop"], ["report"], ["preview"], ["plan"]].map((args) => ({ args: args.join(" "), ...pick(ops(args)) })));
        const alike = { status: 2, stdout: "", stderr: '--stack "nosuch": there is no Pulumi.nosuch.yaml; the stacks are dev, example-https, existing, existing-rds, prod\n' };
        assert.deepStrictEqual(answers, answers.map(({ args }) => ({ args, ...alike })));
    });
});

// The Automation API's own factory: from the CLI's result, a CommandError, or a StackNotFoundError or ConcurrentUpdateError.
const { createCommandError } = require("@pulumi/pulumi/automation/errors") as { createCommandError(result: unknown): Error };
const { CommandResult } = require("@pulumi/pulumi/automation/cmd") as { CommandResult: new (stdout: string, stderr: string, code: number) => unknown };
const cliFailure = (stderr: string, stdout = "", code = 255) => createCommandError(new CommandResult(stdout, stderr, code));
const awsError = (name: string, message: string) => Object.assign(new Error(message), { name });

describe("npm run ops failures, each in one line saying what to do", () => {
    const noStack = "There is no stack named dev in the Pulumi backend you are logged in to (`pulumi whoami -v` shows which): create it with `pulumi stack init dev`, or pick one of `pulumi stack ls` with --stack NAME.";
    const notLoggedIn = "You are not logged in to a Pulumi backend: run `pulumi login` (or `pulumi login --local`, or `pulumi login s3://BUCKET`), or set PULUMI_ACCESS_TOKEN, then try again.";
    const noCredentials = "No AWS credentials were found: run `aws configure` or `aws sso login`, or set AWS_PROFILE, then try again.";
    const cases: [string, Error, string | undefined][] = [
        ["no such stack", cliFailure("error: no stack named 'dev' found\n"), noStack],
        ["not logged in", cliFailure("error: PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions\n"), notLoggedIn],
        ["a token the backend refuses", cliFailure("error: problem logging in: Unauthorized: No credentials provided or are invalid.\n"), notLoggedIn],
        ["no AWS credentials, for the AWS provider", cliFailure("error: preview failed\n", "Diagnostics:\n  pulumi:providers:aws (default_7_48_0):\n    error: pulumi:providers:aws resource 'default_7_48_0' has a problem: No valid credential sources found.\n"), noCredentials],
        ["no AWS credentials, for the SDK", awsError("CredentialsProviderError", "Could not load credentials from any providers"), noCredentials],
        ["AWS credentials that have expired", awsError("ExpiredTokenException", "The security token included in the request is expired"), "The AWS credentials were refused (ExpiredTokenException): refresh them, for example with `aws sso login`, then try again."],
        ["no passphrase for the stack's secrets", cliFailure('error: constructing secrets manager of type "passphrase": passphrase must be set with PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE environment variables\n'),
            "The stack's secrets are locked with a passphrase: set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) to it, then try again."],
        ["a stack locked by another update", cliFailure("error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.\n"),
            "Another update of this stack is running: wait for it to end; if none is (one was interrupted), `pulumi cancel` releases the stack."],
        ["no pulumi CLI", cliFailure("Command failed with ENOENT: pulumi version\nspawn pulumi ENOENT", "", -2),
            "The pulumi CLI is not installed (it is not on PATH). Install it from https://www.pulumi.com/docs/install/, then run `pulumi login`."],
        ["any other CLI failure", cliFailure("error: an unexpected thing\n"), "The pulumi CLI failed (exit code 255): an unexpected thing."],
        ["our own", new OpsError("No failed, timed-out or aborted run of the dev jobnets to redrive."), "No failed, timed-out or aborted run of the dev jobnets to redrive."],
        ["a bug", new TypeError("x is undefined"), undefined],
    ];
    for (const [what, error, message] of cases) {
        it(what, () => {
            assert.strictEqual(explainFailure(error), message);
        });
    }
});

describe("npm run ops -- schedule enable|disable", () => {
    const devYaml = fs.readFileSync(path.join(projectDir, "Pulumi.dev.yaml"), "utf8");
    const stackCopy = () => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "schedule-")), "Pulumi.dev.yaml");
        fs.writeFileSync(file, devYaml);
        return file;
    };
    const disableStop = { stack: "dev", jobnet: "stop" as const, enable: false };

    it("asks before it changes the stack file, and leaves it byte for byte as it was when the answer is no", async () => {
        const file = stackCopy();
        const questions: string[] = [];
        let deploys = 0;
        const changed = await changeSchedule({ ...disableStop, file, yes: false, confirm: async (q) => (questions.push(q), false), deploy: async () => void deploys++ });
        assert.deepStrictEqual([changed, questions, deploys], [false, ["This will set schedules.stop.enabled to false in Pulumi.dev.yaml and update the dev stack (pulumi up). Go ahead?"], 0]);
        assert.ok(fs.readFileSync(file).equals(Buffer.from(devYaml)));
    });

    it("on yes, sets the key where pulumi config set --path would, keeping the comments, then deploys the changed file", async () => {
        const file = stackCopy();
        let deployed: string | undefined;
        const changed = await changeSchedule({ ...disableStop, file, yes: false, confirm: async () => true, deploy: async () => void (deployed = fs.readFileSync(file, "utf8")) });
        const expected = devYaml.replace("      cron: cron(0 22 ? * MON-FRI *)\n", "      cron: cron(0 22 ? * MON-FRI *)\n      enabled: false\n");
        assert.notStrictEqual(expected, devYaml);
        assert.deepStrictEqual([changed, deployed], [true, expected]);
    });

    it("goes ahead without asking with --yes", async () => {
        const file = stackCopy();
        const changed = await changeSchedule({ ...disableStop, file, yes: true, confirm: async () => assert.fail("asked"), deploy: async () => undefined });
        assert.strictEqual(changed, true);
        assert.match(fs.readFileSync(file, "utf8"), /\n {6}enabled: false\n/);
    });

    it("refuses a stack without that schedule, saying how to set one", () => {
        const prodYaml = fs.readFileSync(path.join(projectDir, "Pulumi.prod.yaml"), "utf8");
        assert.throws(() => withScheduleEnabled(prodYaml, "prod", "start", true), (e: Error) => e instanceof OpsError &&
            e.message === "Stack prod has no start schedule. Set one first: pulumi config set --path 'schedules.start.cron' 'cron(0 22 ? * MON-FRI *)'");
    });
});

describe("npm run ops -- status, as text (pure)", () => {
    const schedules = { stop: { expression: "cron(0 22 ? * MON-FRI *)", timeZone: "Asia/Tokyo", enabled: true }, start: { expression: "cron(0 8 ? * MON-FRI *)", timeZone: "Asia/Tokyo", enabled: true } };
    const calendar = { country: "JP", closedDates: [], openDates: [] };
    const row = (jobnet: "stop" | "start", name: string, start: string, durationSeconds: number | undefined, scheduledTime?: string): RunRow => ({
        jobnet, name, executionArn: `arn:${name}`, trigger: scheduledTime ? "scheduled" : "manual", status: durationSeconds === undefined ? "RUNNING" : "SUCCEEDED",
        startDate: new Date(start), durationSeconds, scheduledTime,
    });

    it("shows each run's duration against its expected one, the next scheduled runs, and no delay when all is on time", () => {
        // Tuesday 1 December 2026, 23:00 UTC (08:00 Wednesday in Tokyo, the start jobnet's time).
        const now = new Date("2026-12-01T23:05:00Z");
        const text = statusReport({
            stack: "dev", now, schedules, calendar, monitoring: defaultMonitoring,
            runs: [
                row("start", "start-2", "2026-12-01T23:00:00Z", undefined, "2026-12-01T23:00:00Z"),
                row("stop", "stop-1", "2026-12-01T13:00:00Z", 604, "2026-12-01T13:00:00Z"),
            ],
        });
        assert.strictEqual(text, [
            "Recent runs of the dev jobnets:",
            "jobnet  run      trigger    status        started (UTC)  duration (of expected)",
            "------  -------  ---------  ---------  ----------------  ------------------------",
            "start   start-2  scheduled  RUNNING    2026-12-01 23:00  running, 5m 0s of 12m 0s",
            "stop    stop-1   scheduled  SUCCEEDED  2026-12-01 13:00  10m 4s of 15m 0s",
            "",
            "Next scheduled runs:",
            "  stop: 2026-12-02, 22:00 Asia/Tokyo  (cron(0 22 ? * MON-FRI *), closed calendar days skipped)",
            "  start: 2026-12-03, 08:00 Asia/Tokyo  (cron(0 8 ? * MON-FRI *), closed calendar days skipped)",
            "",
            "Delays in progress:",
            "  none",
            "",
        ].join("\n"));
    });

    it("names a run past its expected duration and a scheduled run that did not start", () => {
        const now = new Date("2026-12-01T23:20:00Z");
        const facts = {
            stack: "dev", now, schedules, calendar, monitoring: defaultMonitoring,
            // Tonight's stop ran; this morning's start has not (08:00 Tokyo is 23:00 UTC), and a manual stop runs long.
            runs: [row("stop", "stop-manual", "2026-12-01T23:01:00Z", undefined), row("stop", "stop-1", "2026-12-01T13:00:00Z", 604, "2026-12-01T13:00:00Z")],
        };
        assert.deepStrictEqual(delaysInProgress(facts), [
            "stop run stop-manual has been running for 19m 0s, 4m 0s over 15m 0s",
            "start did not start at its scheduled time 2026-12-01 23:00 UTC",
        ]);
        // Ten minutes earlier, the start was not due yet (monitoring.startDelay), and the stop not late.
        assert.deepStrictEqual(delaysInProgress({ ...facts, now: new Date("2026-12-01T23:09:00Z") }), []);
        // A closed day has no scheduled start to miss: 2026-12-02 in Tokyo closed.
        assert.deepStrictEqual(delaysInProgress({ ...facts, calendar: { ...calendar, closedDates: ["2026-12-02"] }, runs: facts.runs.slice(1) }), []);
    });
});

describe("npm run ops -- status of a stack with the team's jobnets (pure)", () => {
    const schedules = { stop: { expression: "cron(0 22 ? * MON-FRI *)", timeZone: "Asia/Tokyo", enabled: true } };
    const monitoring = { expectedSeconds: { stop: 900, start: 720, "nightly-batch": 5400 }, startDelaySeconds: 600 };
    const now = new Date("2026-12-01T17:00:00Z");
    const run = (jobnet: string, name: string, start: string, durationSeconds: number | undefined): RunRow => ({
        jobnet, name, executionArn: `arn:${name}`, trigger: "manual", status: durationSeconds === undefined ? "RUNNING" : "SUCCEEDED", startDate: new Date(start), durationSeconds, scheduledTime: undefined,
    });

    it("shows their runs against their expectedMinutes, shows their schedule rules, and names one past its expected duration", () => {
        const text = statusReport({
            stack: "dev", now, jobnets: ["stop", "start", "nightly-batch", "weekly-maintenance"], schedules, calendar: undefined, monitoring,
            // weekly-maintenance is not in monitoring: a stack not updated since it was added shows no expected duration for it.
            runs: [run("nightly-batch", "n-2", "2026-12-01T15:00:00Z", undefined), run("weekly-maintenance", "w-1", "2026-11-29T01:00:00Z", 1800), run("nightly-batch", "n-1", "2026-11-30T15:00:00Z", 5000)],
        });
        assert.strictEqual(text.split("\n").slice(1, 6).join("\n"), [
            "jobnet              run  trigger  status        started (UTC)  duration (of expected)",
            "------------------  ---  -------  ---------  ----------------  ----------------------------------------",
            "nightly-batch       n-2  manual   RUNNING    2026-12-01 15:00  running, 2h 0m 0s, 30m 0s over 1h 30m 0s",
            "weekly-maintenance  w-1  manual   SUCCEEDED  2026-11-29 01:00  30m 0s",
            "nightly-batch       n-1  manual   SUCCEEDED  2026-11-30 15:00  1h 23m 20s of 1h 30m 0s",
        ].join("\n"));
        assert.deepStrictEqual(text.split("\n").slice(text.split("\n").indexOf("Next scheduled runs:")), [
            "Next scheduled runs:",
            "  (this stack was deployed before it exported its calendar: closed days are not skipped below; run npm run ops -- up)",
            "  stop: 2026-12-02, 22:00 Asia/Tokyo  (cron(0 22 ? * MON-FRI *), closed calendar days skipped)",
            "  start: no schedule",
            "  nightly-batch: 2026-12-03 01:30 Asia/Tokyo, by every business day at 01:30 Asia/Tokyo (each day's runs: npm run ops -- plan)",
            "  weekly-maintenance: 2026-12-06 03:00 Asia/Tokyo, by every Sunday at 03:00 Asia/Tokyo, next open day when closed (each day's runs: npm run ops -- plan)",
            "",
            "Delays in progress:",
            "  nightly-batch run n-2 has been running for 2h 0m 0s, 30m 0s over 1h 30m 0s",
            // Tonight's stop (22:00 Tokyo, 13:00 UTC) never ran.
            "  stop did not start at its scheduled time 2026-12-01 13:00 UTC",
            "",
        ]);
    });

    it("shows only the jobnet asked for: no missed start of stop when the team's jobnet is asked about", () => {
        const facts = { stack: "dev", now: new Date("2026-12-01T13:20:00Z"), jobnets: ["nightly-batch"], schedules, calendar: { country: "JP", closedDates: [], openDates: [] }, monitoring, runs: [] };
        assert.deepStrictEqual(delaysInProgress(facts), []);
        assert.deepStrictEqual(delaysInProgress({ ...facts, jobnets: ["stop", "start", "nightly-batch"] }), ["stop did not start at its scheduled time 2026-12-01 13:00 UTC"]);
        assert.match(statusReport(facts), /\nNext scheduled runs:\n  nightly-batch: 2026-12-02 01:30 Asia\/Tokyo, by every business day at 01:30 Asia\/Tokyo \(each day's runs: npm run ops -- plan\)\n/);
    });

    it("gives a team jobnet's next run by its rules and the rule making it: a run moved off closed days says so; paused rules have none", () => {
        const dev = { country: "JP", closedDates: [], openDates: [], closedWeekdays: ["sat", "sun"] };
        // Saturday 20 March 2027, 21:00 in Tokyo: Sunday 21st is Vernal Equinox Day, Monday its substitute holiday.
        assert.strictEqual(teamScheduleLine("weekly-maintenance", { now: new Date("2027-03-20T12:00:00Z"), calendar: dev }),
            "2027-03-23 03:00 Asia/Tokyo, by every Sunday at 03:00 Asia/Tokyo, next open day when closed; 2027-03-23 is the next open day for 2027-03-21, a Sunday, which is closed (each day's runs: npm run ops -- plan)");
        // Thursday 29 April 2027, 02:00 in Tokyo (Showa Day): the stack's calendar is nightly-batch's.
        assert.strictEqual(teamScheduleLine("nightly-batch", { now: new Date("2027-04-28T17:00:00Z"), calendar: dev }),
            "2027-04-30 01:30 Asia/Tokyo, by every business day at 01:30 Asia/Tokyo (each day's runs: npm run ops -- plan)");
        assert.strictEqual(teamScheduleLine("nightly-batch", { now: new Date("2027-04-28T17:00:00Z"), calendar: dev, pausedRules: ["nightly-batch"] }),
            "every business day at 01:30 Asia/Tokyo, paused on this stack (jobnetSchedules.nightly-batch.enabled false)");
    });

    it("finds no next run of a rule that starts beyond a year and a month, and the first of several rules", () => {
        const calendar = { country: "none", closedDates: [], openDates: [] };
        const later: ScheduleRule = { everyMonths: 1, from: "2029-01-01", at: "06:00", timeZone: "UTC" };
        const weekly: ScheduleRule = { weekdays: ["wed"], at: "09:00", timeZone: "Europe/London" };
        const now = new Date("2027-06-01T00:00:00Z");
        assert.strictEqual(nextPlannedRun({ jobnet: "j", schedules: [later], calendar }, now, "UTC"), undefined);
        const next = nextPlannedRun({ jobnet: "j", schedules: [later, weekly], calendar }, now, "UTC")!;
        // Wednesday 2 June 2027, 09:00 British Summer Time.
        assert.deepStrictEqual([next.rule, next.at.toISOString()], [1, "2027-06-02T08:00:00.000Z"]);
    });

    it("reads every jobnet the stack deploys from its outputs: stop, start and jobnetStateMachineArns; a stack deployed before them has stop and start", async () => {
        const nightly = "arn:aws:states:ap-northeast-1:123456789012:stateMachine:webapp-jobnet-dev-nightly-batch";
        const stackWith = (outputs: Record<string, unknown>) => ({ name: "dev", outputs: async () => Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, { value: v, secret: false }])) }) as never;
        const base = { stopStateMachineArn: machines.stop, startStateMachineArn: machines.start };
        assert.deepStrictEqual((await stackOutputs(stackWith({ ...base, jobnetStateMachineArns: { "nightly-batch": nightly } }))).stateMachines, { ...machines, "nightly-batch": nightly });
        assert.deepStrictEqual((await stackOutputs(stackWith(base))).stateMachines, machines);
    });
});

describe("npm run ops -- redrive refuses a run the system has moved on from", () => {
    const at = (hour: number) => new Date(Date.UTC(2026, 11, 4, hour));
    const failed = { jobnet: "stop" as const, executionArn: execution("stop", "friday"), status: "FAILED", startDate: at(13) };
    const facts = (runs: RedriveFacts["runs"], revisions: RedriveFacts["revisions"] = { ran: "r-1", now: "r-1" }): RedriveFacts => ({ failed, runs: [failed, ...runs], revisions, stack: "prod" });
    const instead = "un the jobnet again instead, once the cause is fixed: npm run ops -- run stop --stack prod";

    it("lets the latest run of the stack be redriven when nothing runs and the definition is the one it started with", () => {
        assert.strictEqual(redriveRefusal(facts([{ jobnet: "start", executionArn: execution("start", "thursday"), status: "SUCCEEDED", startDate: at(1) }])), undefined);
        // Never updated: neither revision has an id.
        assert.strictEqual(redriveRefusal(facts([], { ran: undefined, now: undefined })), undefined);
    });

    it("refuses while another run is active, naming it", () => {
        assert.strictEqual(
            redriveRefusal(facts([{ jobnet: "start", executionArn: execution("start", "now"), status: "RUNNING", startDate: at(14) }])),
            `stop run friday is not redriven: start run now is active (started 2026-12-04T14:00:00.000Z); a redrive resumes from the failed step and does not take the run lock again. Wait for that run to end, then r${instead}`,
        );
    });

    it("refuses Friday's failed stop after Monday's start, which would stop the system by day without its maintenance page", () => {
        assert.strictEqual(
            redriveRefusal(facts([{ jobnet: "start", executionArn: execution("start", "monday"), status: "SUCCEEDED", startDate: at(20) }])),
            `stop run friday is not redriven: start run monday started after it (2026-12-04T20:00:00.000Z, SUCCEEDED), so the system has moved on; a redrive would resume the stop jobnet from the failed step, without its maintenance page or run lock. R${instead}`,
        );
    });

    it("refuses once the state machine was updated since the run started, its first revision included", () => {
        assert.match(redriveRefusal(facts([], { ran: "r-1", now: "r-2" }))!, /the stop state machine was updated since the run started \(revision r-1, now r-2\); a redrive would resume it with the old definition\./);
        assert.match(redriveRefusal(facts([], { ran: undefined, now: "r-2" }))!, /\(revision the first, now r-2\)/);
    });

    it("judges a team's jobnet on its own runs (it has a run lock of its own), stop and start on each other's", () => {
        assert.deepStrictEqual([sharingRunLock("nightly-batch", ["stop", "start", "nightly-batch", "weekly-maintenance"]), sharingRunLock("stop", ["stop", "start", "nightly-batch"])], [["nightly-batch"], ["stop", "start"]]);
        const nightly = { jobnet: "nightly-batch", executionArn: execution("nightly-batch", "n-1"), status: "FAILED", startDate: at(15) };
        assert.strictEqual(
            redriveRefusal({ failed: nightly, runs: [nightly, { jobnet: "nightly-batch", executionArn: execution("nightly-batch", "n-2"), status: "SUCCEEDED", startDate: at(16) }], revisions: { ran: "r-1", now: "r-1" }, stack: "dev" }),
            "nightly-batch run n-1 is not redriven: nightly-batch run n-2 started after it (2026-12-04T16:00:00.000Z, SUCCEEDED), so the system has moved on; a redrive would resume the nightly-batch jobnet from the failed step, without its run lock. Run the jobnet again instead, once the cause is fixed: npm run ops -- run nightly-batch --stack dev",
        );
    });

    it("reads a failed team jobnet's runs only, not stop's and start's", async () => {
        const sfn = mockClient(SFNClient);
        const nightly = "arn:aws:states:ap-northeast-1:123456789012:stateMachine:webapp-jobnet-dev-nightly-batch";
        try {
            sfn.on(DescribeExecutionCommand).resolves({ stateMachineArn: nightly, status: "FAILED", startDate: at(15) } as never);
            sfn.on(ListExecutionsCommand).resolves({ executions: [] });
            sfn.on(DescribeStateMachineForExecutionCommand).resolves({ revisionId: "r-1" } as never);
            sfn.on(DescribeStateMachineCommand).resolves({ revisionId: "r-1" } as never);
            const read = await readRedriveFacts(new SFNClient({ region: "ap-northeast-1" }), { ...machines, "nightly-batch": nightly }, execution("nightly-batch", "n-1"), "dev");
            assert.deepStrictEqual([read.failed.jobnet, sfn.commandCalls(ListExecutionsCommand).map((c) => c.args[0].input.stateMachineArn)], ["nightly-batch", [nightly]]);
            assert.strictEqual(redriveRefusal(read), undefined);
        } finally {
            sfn.restore();
        }
    });

    it("reads the failed run, the recent runs of both jobnets and both revisions", async () => {
        const sfn = mockClient(SFNClient);
        try {
            sfn.on(DescribeExecutionCommand, { executionArn: failed.executionArn }).resolves({ stateMachineArn: machines.stop, status: "FAILED", startDate: at(13) } as never);
            sfn.on(ListExecutionsCommand, { stateMachineArn: machines.stop }).resolves({ executions: [{ executionArn: failed.executionArn, stateMachineArn: machines.stop, name: "friday", status: "FAILED", startDate: at(13) }] });
            sfn.on(ListExecutionsCommand, { stateMachineArn: machines.start }).resolves({ executions: [{ executionArn: execution("start", "monday"), stateMachineArn: machines.start, name: "monday", status: "SUCCEEDED", startDate: at(20) }] });
            sfn.on(DescribeStateMachineForExecutionCommand).resolves({ revisionId: "r-1" } as never);
            sfn.on(DescribeStateMachineCommand).resolves({ revisionId: "r-2" } as never);
            const read = await readRedriveFacts(new SFNClient({ region: "ap-northeast-1" }), machines, failed.executionArn, "prod");
            assert.deepStrictEqual(read, {
                failed,
                runs: [failed, { jobnet: "start", executionArn: execution("start", "monday"), status: "SUCCEEDED", startDate: at(20) }],
                revisions: { ran: "r-1", now: "r-2" },
                stack: "prod",
            });
            assert.deepStrictEqual(sfn.commandCalls(ListExecutionsCommand).map((c) => c.args[0].input.maxResults), [20, 20]);
        } finally {
            sfn.restore();
        }
    });
});

describe("npm run ops -- destroy refuses a stack whose database is stopped", () => {
    const outputs = (value: Record<string, unknown>) => Object.fromEntries(Object.entries(value).map(([k, v]) => [k, { value: v }]));

    it("checks only the cluster the stack created: an existing system's database is not destroyed with it", () => {
        assert.strictEqual(createdCluster(outputs({ dbClusterIdentifier: "webapp-jobnet-dev", dbEndpoint: "webapp-jobnet-dev.cluster-x.rds.amazonaws.com" })), "webapp-jobnet-dev");
        assert.strictEqual(createdCluster(outputs({ dbClusterIdentifier: "shop-aurora" })), undefined);
        assert.strictEqual(createdCluster(outputs({})), undefined);
    });

    it("reads the cluster in the simulated account, and refuses it stopped, naming the commands to run first; available, it lets the destroy go on", async () => {
        const sm = (jobnet: string) => `arn:aws:states:ap-northeast-1:123456789012:stateMachine:webapp-jobnet-dev-${jobnet}`;
        const statusIn = async (initial: "running" | "stopped") => {
            const account = new SimulatedAccount(bareAccountSpec({
                stateMachineArns: { stop: sm("stop"), start: sm("start") },
                database: { kind: "cluster", identifier: "webapp-jobnet-dev", arn: "arn:aws:rds:ap-northeast-1:123456789012:cluster:webapp-jobnet-dev" },
                initial,
            }));
            const restore = installServices(account);
            try {
                return await readClusterStatus(new RDSClient({ region: "ap-northeast-1" }), "webapp-jobnet-dev");
            } finally {
                restore();
            }
        };
        const stopped = await statusIn("stopped");
        assert.deepStrictEqual(stopped, { identifier: "webapp-jobnet-dev", status: "stopped" });
        assert.strictEqual(
            destroyRefusal(stopped, "dev", "ap-northeast-1"),
            "The dev stack's cluster webapp-jobnet-dev is stopped: Aurora cannot delete the instances of a stopped cluster, so the destroy would fail half way, and 7 days later AWS would start the cluster again with no jobnet left to stop it."
            + " Start it first, then destroy: aws rds start-db-cluster --db-cluster-identifier webapp-jobnet-dev --region ap-northeast-1;"
            + " aws rds wait db-cluster-available --db-cluster-identifier webapp-jobnet-dev --region ap-northeast-1",
        );
        assert.strictEqual(destroyRefusal(await statusIn("running"), "dev", "ap-northeast-1"), undefined);
        assert.match(destroyRefusal({ identifier: "webapp-jobnet-dev", status: "starting" }, "dev", "ap-northeast-1")!, /is starting: Aurora deletes a cluster only when it is available\. Wait for it, then destroy: aws rds wait db-cluster-available /);
        assert.strictEqual(destroyRefusal(undefined, "dev", "ap-northeast-1"), undefined);
    });
});

describe("npm run ops -- up applies the plan its preview showed", () => {
    /** A stack that records what it was asked, and whether the plan file was there when up ran. */
    function fakeStack() {
        const calls: string[] = [];
        const stack = {
            name: "dev",
            preview: async (o?: { plan?: string }) => {
                if (o?.plan) fs.writeFileSync(o.plan, "{}");
                calls.push(`preview${o?.plan ? ` --save-plan ${path.basename(o.plan)}` : ""}`);
                return {} as never;
            },
            up: async (o?: { plan?: string }) => {
                calls.push(`up${o?.plan ? ` --plan ${path.basename(o.plan)}${fs.existsSync(o.plan) ? "" : " (missing)"}` : ""}`);
                return {} as never;
            },
            destroy: async () => {
                calls.push("destroy");
                return {} as never;
            },
        };
        return { stack, calls };
    }
    const folder = () => fs.mkdtempSync(path.join(os.tmpdir(), "plan-test-"));

    it("previews with a saved plan, asks, then updates held to that plan, and removes it", async () => {
        const { stack, calls } = fakeStack();
        let kept = "";
        const code = await driveStackAction(stack as never, { action: "up", yes: false, onOutput: () => undefined, confirm: async () => true, planFolder: () => (kept = folder()) });
        assert.deepStrictEqual([code, calls], [0, ["preview --save-plan plan.json", "up --plan plan.json"]]);
        assert.strictEqual(fs.existsSync(kept), false);
    });

    it("applies nothing when the answer is no, and goes straight up with --yes, which shows no preview", async () => {
        const refused = fakeStack();
        assert.strictEqual(await driveStackAction(refused.stack as never, { action: "up", yes: false, onOutput: () => undefined, confirm: async () => false, planFolder: folder }), 1);
        assert.deepStrictEqual(refused.calls, ["preview --save-plan plan.json"]);
        const yes = fakeStack();
        assert.strictEqual(await driveStackAction(yes.stack as never, { action: "up", yes: true, onOutput: () => undefined, confirm: async () => false }), 0);
        assert.deepStrictEqual(yes.calls, ["up"]);
    });
});

describe("npm run ops -- preview and up tell of an address removed before it confirmed", () => {
    const topicArn = "arn:aws:sns:ap-northeast-1:123456789012:webapp-jobnet-dev-alerts";
    const subscription = (endpoint: string, subscriptionArn: string) => ({ Endpoint: endpoint, Protocol: "email", SubscriptionArn: subscriptionArn, TopicArn: topicArn });

    it("names each address still pending on the topic that the config no longer lists, and no other", async () => {
        const sns = mockClient(SNSClient);
        try {
            sns.on(ListSubscriptionsByTopicCommand, { TopicArn: topicArn, NextToken: undefined }).resolves({
                Subscriptions: [subscription("ops@example.com", `${topicArn}:0001`), subscription("Gone@example.com", "PendingConfirmation")], NextToken: "2",
            });
            sns.on(ListSubscriptionsByTopicCommand, { TopicArn: topicArn, NextToken: "2" }).resolves({
                Subscriptions: [subscription("night@example.com", "PendingConfirmation"), subscription("left@example.com", `${topicArn}:0002`)],
            });
            const read = await readTopicSubscriptions(new SNSClient({ region: "ap-northeast-1" }), topicArn);
            const configured = configuredEmails(JSON.stringify({ emails: ["ops@example.com", "Night@example.com"] }));
            assert.deepStrictEqual(forgottenPendingEmails(read, configured, "dev"), [
                "Gone@example.com is no longer in monitoring.emails of the dev stack, but its subscription to the alert topic was never confirmed: "
                + "SNS keeps it for up to 48 hours and cannot unsubscribe it, and following the link in its confirmation email would still subscribe it. Ask its owner to ignore that email.",
            ]);
            // A confirmed address removed from the config is unsubscribed by the update itself.
            assert.deepStrictEqual(forgottenPendingEmails(read, [], "dev").map((w) => w.split(" ")[0]), ["Gone@example.com", "night@example.com"]);
        } finally {
            sns.restore();
        }
    });

    it("reads the configured addresses as the CLI hands the monitoring object over", () => {
        assert.deepStrictEqual([configuredEmails(undefined), configuredEmails("{}"), configuredEmails('{"emails":["a@example.com",3]}'), configuredEmails("not json")], [[], [], ["a@example.com"], []]);
    });
});
