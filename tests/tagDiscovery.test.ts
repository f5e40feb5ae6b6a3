import * as assert from "assert";
import * as path from "path";
import { mockClient } from "aws-sdk-client-mock";
import * as ec2 from "@aws-sdk/client-ec2";
import { findWebServers } from "../handlers/webServers";
import { projectDir } from "../scripts/lib/runProgram";
import { SynthResult, synthesize } from "../scripts/lib/synthesize";
import { parseFaults } from "../simulator/faults";
import { simulate } from "../simulator/simulate";
import { taskFunctionNames } from "../statemachines/plan";
import { TaskState } from "../statemachines/asl";
import { startJobnet } from "../statemachines/start";
import { stopJobnet } from "../statemachines/stop";
import { PolicyStatement, allowingStatement, functionPolicy, isRedriveGuard } from "./support/iamPolicy";
import { samplePlan } from "./support/samplePlan";

describe("findWebServers", () => {
    const tagged = (id: string, name?: string): ec2.Instance => ({ InstanceId: id, Tags: [{ Key: "Role", Value: "shop-web" }, ...(name ? [{ Key: "Name", Value: name }] : [])] });
    const event = { tag: { key: "Role", value: "shop-web" }, region: "cn-north-1", maxServers: 5 };

    it("reads every page, names each server by its Name tag or its id, and sorts them by name then id", async () => {
        const stub = mockClient(ec2.EC2Client);
        try {
            stub.on(ec2.DescribeInstancesCommand)
                .resolvesOnce({ Reservations: [{ Instances: [tagged("i-0000000000000000c", "web-b"), tagged("i-0000000000000000d")] }], NextToken: "page-2" })
                .resolvesOnce({ Reservations: [{ Instances: [tagged("i-0000000000000000a", "web-a"), tagged("i-0000000000000000e", "web-b")] }, { Instances: [tagged("i-0000000000000000b", "web-c")] }] });
            const found = await findWebServers(event);
            // Names and ids only: the run makes an ARN from an id where it needs one.
            assert.deepStrictEqual(found, {
                webServers: [
                    { name: "i-0000000000000000c", instanceId: "i-0000000000000000c" },
                    { name: "i-0000000000000000d", instanceId: "i-0000000000000000d" },
                    { name: "i-0000000000000000e", instanceId: "i-0000000000000000e" },
                    { name: "web-a", instanceId: "i-0000000000000000a" },
                    { name: "web-c", instanceId: "i-0000000000000000b" },
                ],
            });
            const calls = stub.commandCalls(ec2.DescribeInstancesCommand).map((c) => c.args[0].input);
            const filters = [{ Name: "tag:Role", Values: ["shop-web"] }, { Name: "instance-state-name", Values: ["pending", "running", "stopping", "stopped"] }];
            assert.deepStrictEqual(calls, [{ Filters: filters, NextToken: undefined }, { Filters: filters, NextToken: "page-2" }]);
        } finally {
            stub.restore();
        }
    });

    it("lists the servers in natural order, web-2 before web-10", async () => {
        const stub = mockClient(ec2.EC2Client);
        try {
            stub.on(ec2.DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [tagged("i-0000000000000000a", "web-10"), tagged("i-0000000000000000b", "web-2"), tagged("i-0000000000000000c", "web-1")] }] });
            const found = await findWebServers(event);
            assert.deepStrictEqual(found.webServers.map((s) => s.name), ["web-1", "web-2", "web-10"]);
        } finally {
            stub.restore();
        }
    });

    it("refuses more servers than the jobnets are sized for, rather than outgrow Step Functions' limits mid-run", async () => {
        const stub = mockClient(ec2.EC2Client);
        try {
            stub.on(ec2.DescribeInstancesCommand).resolves({ Reservations: [{ Instances: Array.from({ length: 6 }, (_, i) => tagged(`i-000000000000000${i}a`)) }] });
            await assert.rejects(findWebServers(event), (e: Error) => {
                assert.deepStrictEqual([e.name, e.message], ["TooManyWebServers", "6 instances in cn-north-1 carry the tag Role=shop-web: the jobnets act on 5 at most"]);
                return true;
            });
        } finally {
            stub.restore();
        }
    });
});

describe("the definitions of a plan whose servers are a tag", () => {
    const plan = samplePlan(2, { webServers: { tag: { key: "Role", value: "shop-web" } } });

    it("find the servers first, in place of LoadTargets, among the instances of the state machine's Region", () => {
        const stop = stopJobnet(plan);
        assert.strictEqual(stop.States.LoadTargets, undefined);
        const find = stop.States.FindWebServers as TaskState;
        // Every task is told what a redrive's check needs besides (statemachines/common.ts, withRedriveGuard).
        const { redrive, ...payload } = find.Parameters!.Payload as Record<string, unknown>;
        assert.deepStrictEqual([find.Parameters!.FunctionName, payload, find.ResultSelector, find.ResultPath], [
            plan.functionArns.findWebServers,
            { tag: { key: "Role", value: "shop-web" }, region: "ap-northeast-1", maxServers: 500, step: "FindWebServers" },
            { "webServers.$": "$.Payload.webServers", database: plan.database },
            "$.targets",
        ]);
        assert.deepStrictEqual(redrive, {
            "count.$": "$$.Execution.RedriveCount", "executionArn.$": "$$.Execution.Id", "startTime.$": "$$.Execution.StartTime", "stateMachineArn.$": "$$.StateMachine.Id",
            tableName: "webapp-jobnet-test-run-lock", lockKey: "webapp-jobnet-test", leaseSeconds: 14400,
        });
        assert.strictEqual(JSON.stringify(stop).includes("i-0000"), false);
    });

    it("wait for the health of the servers the run found", () => {
        const wait = startJobnet(plan).States.WaitUntilAllTargetsHealthy as TaskState;
        const { targetGroupArns, instanceIds, "instanceIds.$": found } = wait.Parameters!.Payload as Record<string, unknown>;
        assert.deepStrictEqual([targetGroupArns, instanceIds, found], [plan.targetGroupArns, undefined, "$.targets.webServers[*].instanceId"]);
    });
});

describe("servers found by their tag at each run (the example existing-system stack, in the simulated account)", () => {
    let synth: SynthResult;
    before(async function () {
        this.timeout(60_000);
        synth = await synthesize("existing", path.join(projectDir, "out", ".test", "existing-tag"));
    });

    /** Each task's statements, by task name. */
    const policies = () => new Map(synth.functions.map((f) => [f.task as string, functionPolicy(synth.resources, f.functionName)]));
    const states = (account: { webServers(): { name: string; state: string; httpd: string }[] }) =>
        account.webServers().map((i) => `${i.name}: ${i.state}, httpd ${i.httpd}`);

    it("stops a server tagged after the last update too, and lists it in the run's output", async () => {
        const { account, reports } = await simulate(synth, { initial: "running", jobnets: ["stop"], faults: { taggedAfterDeployment: ["shop-web-3"] } });
        assert.strictEqual(reports[0].report.status, "SUCCEEDED", reports[0].report.cause);
        assert.deepStrictEqual(states(account), ["shop-web-1: stopped, httpd stopped", "shop-web-2: stopped, httpd stopped", "shop-web-3: stopped, httpd stopped"]);
        assert.deepStrictEqual((reports[0].report.output as { webServers: { name: string }[] }).webServers.map((s) => s.name), ["shop-web-1", "shop-web-2", "shop-web-3"]);
        assert.strictEqual(account.database.status, "stopped");
    });

    it("allow the per-server calls through the tag conditions, each statement of those tasks used", async () => {
        const { account, reports } = await simulate(synth, { initial: "running", jobnets: ["stop", "start"], faults: { taggedAfterDeployment: ["shop-web-3"] } });
        assert.deepStrictEqual(reports.map((r) => r.report.status), ["SUCCEEDED", "SUCCEEDED"]);
        const byTask = policies();
        const used = new Set<PolicyStatement>();
        for (const call of account.calls) {
            for (const { resource, context } of call.authorizations) {
                const statement = allowingStatement(byTask.get(call.caller)!, { action: call.action, resource, context });
                assert.ok(statement, `${call.caller}: ${call.action} on ${resource} ${JSON.stringify(context ?? {})} is denied`);
                used.add(statement);
            }
        }
        for (const task of ["findWebServers", "stopInstances", "startInstances", "sendScript"]) {
            // A redrive's check is used only by a redriven run (tests/jobnetResources.test.ts).
            for (const s of byTask.get(task)!.filter((s) => ![s.Action].flat().every((a) => a.startsWith("logs:")) && !isRedriveGuard(s))) assert.ok(used.has(s), `${task}: ${JSON.stringify(s)} is never used`);
        }
    });

    it("starts it too", async () => {
        const { account, reports } = await simulate(synth, { initial: "stopped", jobnets: ["start"], faults: { taggedAfterDeployment: ["shop-web-3"] } });
        assert.strictEqual(reports[0].report.status, "SUCCEEDED", reports[0].report.cause);
        assert.deepStrictEqual(states(account), ["shop-web-1: running, httpd running", "shop-web-2: running, httpd running", "shop-web-3: running, httpd running"]);
    });

    it("leaves alone a server that lost the tag, which the jobnets may no longer stop", async () => {
        const { account, reports } = await simulate(synth, { initial: "running", jobnets: ["stop"], faults: { tagRemoved: ["shop-web-2"] } });
        assert.strictEqual(reports[0].report.status, "SUCCEEDED", reports[0].report.cause);
        assert.deepStrictEqual(states(account), ["shop-web-1: stopped, httpd stopped", "shop-web-2: running, httpd running"]);
        const untagged = account.instance("i-0e000000000000002").arn;
        assert.deepStrictEqual(account.calls.filter((c) => c.authorizations.some((a) => a.resource === untagged)), []);
        assert.strictEqual(allowingStatement(policies().get("stopInstances")!, { action: "ec2:StopInstances", resource: untagged, context: {} }), undefined);
        assert.strictEqual(allowingStatement(policies().get("sendScript")!, { action: "ssm:SendCommand", resource: untagged, context: { "ssm:resourceTag/Role": "shop-db" } }), undefined);
    });

    it("are what npm start's faults tagged-later:NAME and untagged:SERVER make", () => {
        const context = { servers: ["shop-web-1", "shop-web-2"], tasks: taskFunctionNames };
        assert.deepStrictEqual(parseFaults(["tagged-later:shop-web-3", "untagged:shop-web-2"], context), { taggedAfterDeployment: ["shop-web-3"], tagRemoved: ["shop-web-2"] });
        assert.throws(() => parseFaults(["tagged-later:shop-web-1"], context), /shop-web-1 is a server of the system already; the form is tagged-later:NAME$/);
    });

    it("fails with NoWebServers, naming the tag and the Region, and changes nothing when no server carries the tag", async () => {
        const { account, reports } = await simulate(synth, { initial: "running", jobnets: ["stop"], faults: { tagRemoved: ["*"] } });
        const { status, error, cause } = reports[0].report;
        assert.deepStrictEqual([status, error], ["FAILED", "NoWebServers"]);
        assert.strictEqual(JSON.parse(cause!).errorMessage, "no instance in ap-northeast-1 carries the tag Role=shop-web (pending, running, stopping, stopped): the jobnet has no web server to act on");
        assert.deepStrictEqual(states(account), ["shop-web-1: running, httpd running", "shop-web-2: running, httpd running"]);
        assert.deepStrictEqual([account.database.status, account.maintenancePage(), account.invocations.length], ["available", "off", 0]);
        assert.deepStrictEqual([...new Set(account.calls.map((c) => c.action))].sort(), ["dynamodb:DeleteItem", "dynamodb:PutItem", "ec2:DescribeInstances"]);
    });
});
