import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { CancelCommandCommand, GetCommandInvocationCommand, SSMClient, SendCommandCommand } from "@aws-sdk/client-ssm";
import { DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { AccountSpec, SimulatedAccount } from "../simulator/account";
import { StartedExecutions } from "../simulator/childExecutions";
import { VirtualClock, simulatedStartMs } from "../simulator/clock";
import { BusEvent, BusRule, EventBus, matchesPattern, rulesOfStack } from "../simulator/eventBridge";
import { SimulatedLambda, invokeAsynchronously } from "../simulator/lambda";
import { latency } from "../simulator/latency";
import { runExecution } from "../simulator/run";
import { installServices } from "../simulator/services";
import { StateMachineDefinition, lambdaCallbackResource, lambdaInvokeResource } from "../statemachines/asl";
import { projectDir } from "../scripts/lib/runProgram";
import { bareAccountSpec, testArn as arn } from "./support/accountSpec";
import { sharedSynthesis } from "./support/sharedRuns";
import { simulate } from "../simulator/simulate";
import type { SynthResult } from "../scripts/lib/synthesize";

const web1 = "i-00000000000000001";
const web1Arn = arn("ec2", `instance/${web1}`);
const childArn = arn("states", "stateMachine:child");

// Functions of this test's own: one that keeps every event it is given; one that starts the child
// state machine with the parent's token in its input; one that completes that token when EventBridge
// tells it the child ended.
const functionsDir = path.join(projectDir, "out", ".test", "event-bus");
const code = {
    recordEvent: `exports.handler = async (e) => { (globalThis.busTest ??= { events: [] }).events.push(e); return {}; };`,
    startChild: `exports.handler = async (e) => {
    const { SFNClient, StartExecutionCommand } = require("@aws-sdk/client-sfn");
    const started = await new SFNClient({}).send(new StartExecutionCommand({ stateMachineArn: e.stateMachineArn, name: e.name, input: JSON.stringify({ taskToken: e.taskToken, job: e.job }) }));
    return { executionArn: started.executionArn };
};`,
    flaky: `exports.handler = async () => {
    const seen = (globalThis.busTest ??= { events: [] });
    seen.flakyCalls = (seen.flakyCalls ?? 0) + 1;
    if (seen.flakyCalls === 1) throw Object.assign(new Error("not yet"), { name: "NotYet" });
    return { calls: seen.flakyCalls };
};`,
    childEnded: `exports.handler = async (e) => {
    const { SFNClient, SendTaskSuccessCommand, SendTaskFailureCommand } = require("@aws-sdk/client-sfn");
    const { taskToken } = JSON.parse(e.detail.input);
    const sfn = new SFNClient({});
    if (e.detail.status === "SUCCEEDED") await sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify({ child: e.detail.name, status: e.detail.status }) }));
    else await sfn.send(new SendTaskFailureCommand({ taskToken, error: "ChildFailed", cause: e.detail.name }));
    return {};
};`,
};
const functionArn = (task: string) => arn("lambda", `function:${task}`);
const recorded = () => (globalThis as unknown as { busTest: { events: BusEvent[] } }).busTest.events;

interface World {
    account: SimulatedAccount;
    clock: VirtualClock;
    lambda: SimulatedLambda;
    bus: EventBus;
    /** Lets `seconds` of simulated time pass, then every delivery on its way end. */
    pass(seconds: number): Promise<void>;
}

async function inWorld<T>(rules: BusRule[], given: Partial<AccountSpec>, body: (w: World) => Promise<T>): Promise<T> {
    for (const [task, text] of Object.entries(code)) {
        fs.mkdirSync(path.join(functionsDir, task), { recursive: true });
        fs.writeFileSync(path.join(functionsDir, task, "__index.js"), text);
    }
    (globalThis as unknown as { busTest: unknown }).busTest = { events: [] };
    const clock = new VirtualClock();
    clock.install();
    const account = new SimulatedAccount(bareAccountSpec({ servers: [{ name: "web-1", instanceId: web1, instanceArn: web1Arn, tags: { Role: "batch" } }], ...given }));
    const restore = installServices(account);
    try {
        const lambda = new SimulatedLambda(Object.keys(code).map((task) => ({ task, functionArn: functionArn(task), codeDirectory: path.join(functionsDir, task) })));
        const bus = new EventBus({
            rules,
            latencySeconds: latency.eventDelivery,
            deliver: (target, input) => lambda.has(target.arn) ? invokeAsynchronously((e: unknown) => lambda.invoke(target.arn, e), input, { timeoutMs: 30_000, maximumRetryAttempts: 2 }) : undefined,
        });
        account.bus = bus;
        const pass = async (seconds: number) => {
            await clock.runUntil(new Promise((resolve) => setTimeout(resolve, seconds * 1000)), () => account.calls.length);
            await clock.runUntil(bus.idle(), () => account.calls.length);
        };
        return await body({ account, clock, lambda, bus, pass });
    } finally {
        restore();
        clock.uninstall();
    }
}

const at = (seconds: number, ms = false) => new Date(simulatedStartMs + seconds * 1000).toISOString().replace(ms ? /$/ : /\.\d{3}Z$/, ms ? "" : "Z");
const withoutId = (e: BusEvent) => {
    assert.match(e.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const { id: _id, ...rest } = e;
    return rest;
};

describe("EventBridge event patterns", () => {
    const event = { source: "aws.ssm", "detail-type": "EC2 Command Status-change Notification", resources: ["arn:aws:ec2:x:1:instance/i-1", "arn:aws:ec2:x:1:instance/i-2"], detail: { status: "Failed", "document-name": "AWS-RunShellScript", count: 3 } };

    it("matches exact values from a list, field by field into nested objects, and any element of a list in the event", () => {
        assert.strictEqual(matchesPattern({ source: ["aws.ssm"], detail: { status: ["Success", "Failed"] } }, event), true);
        assert.strictEqual(matchesPattern({ source: ["aws.ssm"], detail: { status: ["Success"] } }, event), false);
        assert.strictEqual(matchesPattern({ resources: ["arn:aws:ec2:x:1:instance/i-2"] }, event), true);
        assert.strictEqual(matchesPattern({ detail: { missing: ["x"] } }, event), false);
        assert.strictEqual(matchesPattern({ detail: { count: [3] } }, event), true);
    });

    it("matches prefix, suffix, anything-but, exists and numeric filters", () => {
        assert.strictEqual(matchesPattern({ detail: { "document-name": [{ prefix: "AWS-Run" }] } }, event), true);
        assert.strictEqual(matchesPattern({ detail: { "document-name": [{ suffix: "PowerShellScript" }] } }, event), false);
        assert.strictEqual(matchesPattern({ detail: { status: [{ "anything-but": ["Success", "InProgress"] }] } }, event), true);
        assert.strictEqual(matchesPattern({ detail: { status: [{ "anything-but": "Failed" }] } }, event), false);
        assert.strictEqual(matchesPattern({ detail: { status: [{ "anything-but": { prefix: "Fail" } }] } }, event), false);
        // anything-but does not match a field that is not there.
        assert.strictEqual(matchesPattern({ detail: { missing: [{ "anything-but": "x" }] } }, event), false);
        assert.strictEqual(matchesPattern({ detail: { missing: [{ exists: false }], status: [{ exists: true }] } }, event), true);
        assert.strictEqual(matchesPattern({ detail: { status: [{ exists: false }] } }, event), false);
        assert.strictEqual(matchesPattern({ detail: { count: [{ numeric: [">", 0, "<=", 3] }] } }, event), true);
        assert.strictEqual(matchesPattern({ detail: { count: [{ numeric: [">", 3] }] } }, event), false);
        assert.strictEqual(matchesPattern({ $or: [{ source: ["aws.states"] }, { detail: { status: ["Failed"] } }] }, event), true);
    });

    it("reads the stack's rules and their targets from the synthesised resources", () => {
        const rules = rulesOfStack([
            { type: "aws:cloudwatch/eventRule:EventRule", inputs: { name: "ended", eventPattern: JSON.stringify({ source: ["aws.states"] }) } },
            { type: "aws:cloudwatch/eventRule:EventRule", inputs: { name: "nightly", scheduleExpression: "cron(0 1 * * ? *)" } },
            { type: "aws:cloudwatch/eventTarget:EventTarget", inputs: { rule: "ended", arn: functionArn("recordEvent"), retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 2 } } },
        ]);
        assert.deepStrictEqual(rules, [{
            name: "ended",
            pattern: { source: ["aws.states"] },
            targets: [{ arn: functionArn("recordEvent"), input: undefined, inputPath: undefined, inputTransformer: undefined, retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 2 } }],
        }]);
    });
});

describe("Run Command's status events", () => {
    const commandEnds: BusRule = {
        name: "command-ended",
        pattern: { source: ["aws.ssm"], "detail-type": ["EC2 Command Status-change Notification"], detail: { status: ["Success", "Failed"] } },
        targets: [{ arn: functionArn("recordEvent") }],
    };
    const plays: AccountSpec["plays"] = (c) => {
        if (c.comment === "nightly-batch") return { seconds: 42, exitCode: 0, stdout: "rows: 1200\n" };
        if (c.comment === "long-batch") return { seconds: 900, exitCode: 0 };
        return undefined;
    };
    const send = (comment: string, executionTimeout = "600") => new SSMClient({}).send(new SendCommandCommand({
        DocumentName: "AWS-RunShellScript",
        InstanceIds: [web1],
        Comment: comment,
        Parameters: { commands: ["cd /opt/batch", "./nightly.sh"], workingDirectory: ["/opt/batch"], executionTimeout: [executionTimeout] },
        TimeoutSeconds: 60,
        CloudWatchOutputConfig: { CloudWatchOutputEnabled: true, CloudWatchLogGroupName: "/batch/nightly" },
    }));

    it("sends each invocation status and the command's end in the documented shapes; a rule on Success and Failed gets the end alone", async () => {
        await inWorld([commandEnds], { plays }, async ({ account, bus, pass }) => {
            const { Command } = await send("nightly-batch");
            const commandId = Command!.CommandId!;
            const ssm = new SSMClient({});
            // Right after SendCommand the invocation may not exist yet (aws-facts.md).
            await assert.rejects(ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: web1 })), { name: "InvocationDoesNotExist" });
            await pass(120);
            const invocation = (status: string, seconds: number): Omit<BusEvent, "id"> => ({
                version: "0",
                "detail-type": "EC2 Command Invocation Status-change Notification",
                source: "aws.ssm",
                account: "123456789012",
                time: at(seconds),
                region: "ap-northeast-1",
                resources: [web1Arn],
                detail: { "command-id": commandId, "document-name": "AWS-RunShellScript", "instance-id": web1, "requested-date-time": at(0, true), status },
            });
            const ended: Omit<BusEvent, "id"> = {
                version: "0",
                "detail-type": "EC2 Command Status-change Notification",
                source: "aws.ssm",
                account: "123456789012",
                time: at(43),
                region: "ap-northeast-1",
                resources: [web1Arn],
                detail: {
                    "command-id": commandId,
                    "document-name": "AWS-RunShellScript",
                    "expire-after": at(60, true),
                    parameters: { commands: ["cd /opt/batch", "./nightly.sh"], workingDirectory: ["/opt/batch"], executionTimeout: ["600"] },
                    "requested-date-time": at(0, true),
                    status: "Success",
                },
            };
            assert.deepStrictEqual(account.events.filter((e) => e.source === "aws.ssm").map(withoutId), [invocation("Pending", 0), invocation("InProgress", 1), invocation("Success", 43), ended]);
            assert.deepStrictEqual(recorded().map(withoutId), [ended]);
            assert.deepStrictEqual(bus.deliveries.map((d) => [d.rule, new Date(d.deliveredAt).toISOString(), d.attempts?.map((a) => a.outcome)]), [["command-ended", at(44, true), ["returned"]]]);
            const read = await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: web1 }));
            assert.deepStrictEqual({ ...read, $metadata: undefined }, {
                $metadata: undefined,
                CommandId: commandId,
                InstanceId: web1,
                Comment: "nightly-batch",
                DocumentName: "AWS-RunShellScript",
                DocumentVersion: "$DEFAULT",
                PluginName: "aws:runShellScript",
                ResponseCode: 0,
                ExecutionStartDateTime: at(1, true),
                ExecutionElapsedTime: "PT42S",
                ExecutionEndDateTime: at(43, true),
                Status: "Success",
                StatusDetails: "Success",
                StandardOutputContent: "rows: 1200\n",
                StandardOutputUrl: "",
                StandardErrorContent: "",
                StandardErrorUrl: "",
                CloudWatchOutputConfig: { CloudWatchOutputEnabled: true, CloudWatchLogGroupName: "/batch/nightly" },
            });
        });
    });

    it("times out a played command past its executionTimeout (ExecutionTimedOut), which a rule on Success and Failed does not get", async () => {
        await inWorld([commandEnds], { plays }, async ({ account, pass }) => {
            const { Command } = await send("long-batch", "600");
            await pass(700);
            const read = await new SSMClient({}).send(new GetCommandInvocationCommand({ CommandId: Command!.CommandId!, InstanceId: web1 }));
            assert.deepStrictEqual([read.Status, read.StatusDetails, read.ResponseCode, read.ExecutionEndDateTime], ["TimedOut", "ExecutionTimedOut", -1, at(601, true)]);
            assert.deepStrictEqual(account.events.filter((e) => e.source === "aws.ssm").map((e) => [e["detail-type"].split(" ")[2], e.detail.status, e.time]),
                [["Invocation", "Pending", at(0)], ["Invocation", "InProgress", at(1)], ["Invocation", "TimedOut", at(601)], ["Status-change", "TimedOut", at(601)]]);
            assert.deepStrictEqual(recorded(), []);
        });
    });

    it("cancels a played command that is running: Cancelled, and it does not end later", async () => {
        await inWorld([], { plays }, async ({ account, pass }) => {
            const { Command } = await send("long-batch");
            await pass(10);
            await new SSMClient({}).send(new CancelCommandCommand({ CommandId: Command!.CommandId! }));
            await pass(1000);
            assert.deepStrictEqual(account.events.filter((e) => e.source === "aws.ssm").map((e) => [e["detail-type"].split(" ")[2], e.detail.status, e.time]),
                [["Invocation", "Pending", at(0)], ["Invocation", "InProgress", at(1)], ["Invocation", "Cancelled", at(10)], ["Status-change", "Cancelled", at(10)]]);
        });
    });

    it("ends a command the hook does not know with 127, command not found, as before", async () => {
        await inWorld([commandEnds], { plays }, async ({ pass }) => {
            const { Command } = await send("something-else");
            await pass(10);
            const read = await new SSMClient({}).send(new GetCommandInvocationCommand({ CommandId: Command!.CommandId!, InstanceId: web1 }));
            assert.deepStrictEqual([read.Status, read.ResponseCode, read.StandardErrorContent], ["Failed", 127, "cd /opt/batch: command not found"]);
            assert.deepStrictEqual(recorded().map((e) => e.detail.status), ["Failed"]);
        });
    });

    it("finds instances by tag:KEY and by instance-id in DescribeInstances", async () => {
        await inWorld([], {}, async () => {
            const ec2 = new EC2Client({});
            const ids = async (Name: string, Values: string[]) => ((await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name, Values }] }))).Reservations ?? []).flatMap((r) => (r.Instances ?? []).map((i) => i.InstanceId));
            assert.deepStrictEqual(await ids("tag:Role", ["batch"]), [web1]);
            assert.deepStrictEqual(await ids("tag:Role", ["web"]), []);
            assert.deepStrictEqual(await ids("instance-id", [web1]), [web1]);
            assert.deepStrictEqual(await ids("instance-id", ["i-0000000000000000f"]), []);
        });
    });
});

describe("executions started by StartExecution", () => {
    const childEnded: BusRule = {
        name: "child-ended",
        pattern: { source: ["aws.states"], "detail-type": ["Step Functions Execution Status Change"], detail: { stateMachineArn: [childArn], status: ["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"] } },
        targets: [{ arn: functionArn("childEnded") }, { arn: functionArn("recordEvent") }],
    };
    const child: StateMachineDefinition = { StartAt: "Work", TimeoutSeconds: 3600, States: { Work: { Type: "Wait", Seconds: 300, Next: "Done" }, Done: { Type: "Pass", End: true } } };
    const parent: StateMachineDefinition = {
        StartAt: "RunChild",
        TimeoutSeconds: 3600,
        States: {
            RunChild: {
                Type: "Task",
                Resource: lambdaCallbackResource(functionArn("startChild")),
                Parameters: { FunctionName: functionArn("startChild"), Payload: { stateMachineArn: childArn, name: "child-1", job: "nightly", "taskToken.$": "$$.Task.Token" } },
                TimeoutSeconds: 900,
                End: true,
            },
        },
    };

    it("runs the child beside its parent on the same clock; its end reaches the rule's targets, which complete the parent's token", async () => {
        await inWorld([childEnded], {}, async ({ account, clock, lambda, pass }) => {
            const children = new StartedExecutions({ account, lambda, clock, definitions: new Map([[childArn, child]]) });
            const report = await runExecution({ definition: parent, stateMachineArn: account.spec.stateMachineArns.start, executionName: "parent", account, lambda, clock, activity: () => children.activity() });
            assert.strictEqual(report.status, "SUCCEEDED", report.cause);
            assert.deepStrictEqual(report.output, { child: "child-1", status: "SUCCEEDED" });
            // The child's 300 s, then EventBridge's second.
            assert.strictEqual(report.durationSeconds, 300 + latency.eventDelivery);
            await children.settled();
            await pass(0);
            assert.deepStrictEqual(children.runs.map((r) => [r.stateMachineArn, r.executionName, r.report?.status, r.report?.durationSeconds]), [[childArn, "child-1", "SUCCEEDED", 300]]);
            const statuses = account.events.filter((e) => e.source === "aws.states").map((e) => [e.detail.name, e.detail.status, e.time]);
            assert.deepStrictEqual(statuses, [["parent", "RUNNING", at(0)], ["child-1", "RUNNING", at(0)], ["child-1", "SUCCEEDED", at(300)], ["parent", "SUCCEEDED", at(301)]]);
            const [delivered] = recorded();
            const childExecutionArn = `${childArn.replace(":stateMachine:", ":execution:")}:child-1`;
            const input = delivered.detail.input as string;
            assert.strictEqual(JSON.parse(input).job, "nightly");
            assert.deepStrictEqual([delivered["detail-type"], delivered.source, delivered.resources, delivered.time], ["Step Functions Execution Status Change", "aws.states", [childExecutionArn], at(300)]);
            assert.deepStrictEqual(delivered.detail, {
                executionArn: childExecutionArn,
                stateMachineArn: childArn,
                name: "child-1",
                status: "SUCCEEDED",
                startDate: simulatedStartMs,
                stopDate: simulatedStartMs + 300_000,
                input,
                inputDetails: { included: true },
                // The Pass state's output is its input.
                output: input,
                outputDetails: { included: true },
            });
        });
    });

    it("redrives a failed child (RedriveExecution): the same execution goes on from the state that failed", async () => {
        const flakyChild: StateMachineDefinition = {
            StartAt: "Work",
            TimeoutSeconds: 3600,
            States: { Work: { Type: "Task", Resource: lambdaInvokeResource(functionArn("flaky")), Parameters: { FunctionName: functionArn("flaky"), Payload: {} }, ResultSelector: { "calls.$": "$.Payload.calls" }, End: true } },
        };
        await inWorld([], {}, async ({ account, clock, lambda, pass }) => {
            const children = new StartedExecutions({ account, lambda, clock, definitions: new Map([[childArn, flakyChild]]) });
            const { SFNClient, StartExecutionCommand, RedriveExecutionCommand } = await import("@aws-sdk/client-sfn");
            const sfn = new SFNClient({});
            const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: childArn, name: "child-1", input: "{}" }));
            await clock.runUntil(children.settled(), () => account.calls.length);
            await pass(60);
            await sfn.send(new RedriveExecutionCommand({ executionArn }));
            await clock.runUntil(children.settled(), () => account.calls.length);
            assert.deepStrictEqual(children.runs.map((r) => [r.executionName, r.redrive, r.report?.status, r.report?.output]), [["child-1", undefined, "FAILED", undefined], ["child-1", 1, "SUCCEEDED", { calls: 2 }]]);
            assert.deepStrictEqual(account.events.map((e) => [e.detail.name, e.detail.status, e.time]), [["child-1", "RUNNING", at(0)], ["child-1", "FAILED", at(0)], ["child-1", "RUNNING", at(60)], ["child-1", "SUCCEEDED", at(60)]]);
            await assert.rejects(sfn.send(new RedriveExecutionCommand({ executionArn })), { name: "ExecutionNotRedrivable" });
        });
    });

    it("answers ExecutionAlreadyExists for a name used with another input, and the running execution for the same input", async () => {
        await inWorld([], {}, async ({ account, clock, lambda }) => {
            new StartedExecutions({ account, lambda, clock, definitions: new Map([[childArn, child]]) });
            const { SFNClient, StartExecutionCommand } = await import("@aws-sdk/client-sfn");
            const sfn = new SFNClient({});
            const first = await sfn.send(new StartExecutionCommand({ stateMachineArn: childArn, name: "child-1", input: JSON.stringify({ a: 1 }) }));
            const again = await sfn.send(new StartExecutionCommand({ stateMachineArn: childArn, name: "child-1", input: JSON.stringify({ a: 1 }) }));
            assert.deepStrictEqual([again.executionArn, again.startDate], [first.executionArn, first.startDate]);
            await assert.rejects(sfn.send(new StartExecutionCommand({ stateMachineArn: childArn, name: "child-1", input: JSON.stringify({ a: 2 }) })), { name: "ExecutionAlreadyExists" });
            await assert.rejects(sfn.send(new StartExecutionCommand({ stateMachineArn: arn("states", "stateMachine:unknown"), name: "x" })), { name: "StateMachineDoesNotExist" });
            assert.deepStrictEqual(account.executions.map((e) => e.arn.split(":").pop()), ["child-1"]);
            assert.deepStrictEqual(account.calls.filter((c) => c.action === "states:StartExecution").map((c) => c.authorizations[0].resource), [childArn, childArn, childArn, arn("states", "stateMachine:unknown")]);
        });
    });
});

describe("the stack's rules on the simulated bus", () => {
    let synth: SynthResult;
    before(async function () {
        this.timeout(120_000);
        synth = await sharedSynthesis("dev");
    });

    it("release the run lock: the release rule delivers the run's end to its function a second after it, through its input transformer", async () => {
        const sim = await simulate(synth, { initial: "running", jobnets: ["stop"] });
        const run = sim.account.executions.find((e) => e.arn.endsWith(":stop-1"))!;
        const release = sim.deliveries.filter((d) => d.target === synth.runLock.releaseFunctionArn);
        assert.deepStrictEqual(release.map((d) => [d.rule.endsWith("-run-lock-release"), d.event.detail.status, d.input, d.deliveredAt - run.stopDate!, d.attempts?.map((a) => a.outcome)]),
            [[true, "SUCCEEDED", { tableName: synth.runLock.tableName, lockKey: synth.runLock.lockKey, step: "RunEnded", executionArn: run.arn }, latency.eventDelivery * 1000, ["returned"]]]);
        // The notifier is not played: its rule matches, and the delivery goes nowhere.
        assert.deepStrictEqual(sim.deliveries.filter((d) => d.rule.endsWith("-run-ended")).map((d) => d.dropped), ["the simulation does not play this target"]);
    });

    it("lose every delivery to the release function with releaseLost", async () => {
        const sim = await simulate(synth, { initial: "running", jobnets: ["stop"], faults: { releaseLost: true } });
        assert.deepStrictEqual(sim.deliveries.filter((d) => d.target === synth.runLock.releaseFunctionArn).map((d) => d.dropped), ["releaseLost: EventBridge never delivers our runs' ends to the release function"]);
        assert.strictEqual(sim.account.calls.filter((c) => c.caller === "releaseRunLock").length, 0);
    });
});
