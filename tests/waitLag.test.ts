import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { AccountSpec, Faults, SimulatedAccount } from "../simulator/account";
import { VirtualClock } from "../simulator/clock";
import { freshestChangeIn } from "../simulator/freshness";
import { SimulatedLambda } from "../simulator/lambda";
import { RunReport, runExecution } from "../simulator/run";
import { installServices } from "../simulator/services";
import { Fragment, StateMachineDefinition, definition, invoke, is, map, pass, sequence, wait, waitUntil } from "../statemachines/asl";
import { projectDir } from "../scripts/lib/runProgram";
import { bareAccountSpec, testArn as arn } from "./support/accountSpec";

const ids = ["i-00000000000000001", "i-00000000000000002", "i-00000000000000003"];
const spec = (faults: Faults): AccountSpec => bareAccountSpec({
    servers: ids.map((id, n) => ({ name: `web-${n + 1}`, instanceId: id, instanceArn: arn("ec2", `instance/${id}`) })),
    database: { kind: "cluster", identifier: "db", arn: arn("rds", "cluster:db") },
    faults,
});

// Two small functions of this test's own, independent of the jobnets' handlers: one StopInstances
// for the ids given, and one DescribeInstances for them that says whether all are stopped.
const functionsDir = path.join(projectDir, "out", ".test", "wait-lag");
const code = {
    stopAll: `exports.handler = async (e) => {
    const { EC2Client, StopInstancesCommand } = require("@aws-sdk/client-ec2");
    await new EC2Client({}).send(new StopInstancesCommand({ InstanceIds: e.ids }));
    return {};
};`,
    pollStopped: `exports.handler = async (e) => {
    const { EC2Client, DescribeInstancesCommand } = require("@aws-sdk/client-ec2");
    const read = await new EC2Client({}).send(new DescribeInstancesCommand({ InstanceIds: e.ids }));
    const states = read.Reservations.flatMap((r) => r.Instances.map((i) => i.State.Name));
    return { stopped: states.every((s) => s === "stopped"), attempt: e.attempt };
};`,
};
const functionArn = (task: string) => arn("lambda", `function:${task}`);

function waitUntilStopped(name: string, idsPath: string, rhythm: { firstAfterSeconds: number; everySeconds: number; withinSeconds?: number }): Fragment {
    return sequence(waitUntil(name, {
        functionArn: functionArn("pollStopped"),
        payload: { "ids.$": idsPath },
        select: { "stopped.$": "$.stopped", "attempt.$": "$.attempt" },
        resultPath: "$.poll",
        done: is.true("$.poll.stopped"),
        firstAfterSeconds: rhythm.firstAfterSeconds,
        everySeconds: rhythm.everySeconds,
        withinSeconds: rhythm.withinSeconds ?? 600,
        timedOut: { error: "NotStopped", cause: "still not stopped" },
    }), pass(`${name}Over`, { resultPath: null }));
}

const stop = (name: string, idsPath: string) => invoke(name, functionArn("stopAll"), { payload: { "ids.$": idsPath }, resultPath: null });

async function run(steps: Fragment, input: Record<string, unknown>, faults: Faults = {}): Promise<RunReport> {
    for (const [task, text] of Object.entries(code)) {
        fs.mkdirSync(path.join(functionsDir, task), { recursive: true });
        fs.writeFileSync(path.join(functionsDir, task, "__index.js"), text);
    }
    const d: StateMachineDefinition = definition(steps, { comment: "wait lag", timeoutSeconds: 3600 });
    const clock = new VirtualClock();
    clock.install();
    const account = new SimulatedAccount(spec(faults));
    const restore = installServices(account);
    try {
        const lambda = new SimulatedLambda(Object.keys(code).map((task) => ({ task, functionArn: functionArn(task), codeDirectory: path.join(functionsDir, task) })));
        return await runExecution({ definition: d, stateMachineArn: account.spec.stateMachineArns.stop, executionName: "lag", input, account, lambda, clock });
    } finally {
        restore();
        clock.uninstall();
    }
}

describe("the wait lag", () => {
    it("is the poll's time less the time the instances it read stopped: one StopInstances, one DescribeInstances for all", async () => {
        // Stopped 35 s after the stop (latency.instanceStopping); polls at 20, 30, 40 s.
        const report = await run(sequence(stop("StopAll", "$.ids"), waitUntilStopped("WaitUntilStopped", "$.ids", { firstAfterSeconds: 20, everySeconds: 10 })), { ids });
        assert.strictEqual(report.status, "SUCCEEDED", report.cause);
        assert.deepStrictEqual(report.waitLag.waits, [{ wait: "WaitUntilStopped", polledAt: 40, changedAt: 35, beganAt: 0, lagSeconds: 5 }]);
        assert.strictEqual(report.waitLag.totalSeconds, 5);
        assert.strictEqual(report.waitLag.largest?.wait, "WaitUntilStopped");
    });

    it("counts from the last of a batch to change", async () => {
        // web-1 stops at 35 s, web-2 and web-3 (stopped 7 s later) at 42 s; the wait begins at 7 s: polls at 27, 37, 47 s.
        const report = await run(sequence(
            stop("StopFirst", "$.first"),
            wait("Pause", 7),
            stop("StopOthers", "$.others"),
            waitUntilStopped("WaitUntilStopped", "$.all", { firstAfterSeconds: 20, everySeconds: 10 }),
        ), { first: ids.slice(0, 1), others: ids.slice(1), all: ids });
        assert.deepStrictEqual(report.waitLag.waits, [{ wait: "WaitUntilStopped", polledAt: 47, changedAt: 42, beganAt: 7, lagSeconds: 5 }]);
    });

    it("puts each poll down to its own Map iteration when many poll at the same moment", async () => {
        // web-2 was stopping before the run (stopped 25 s in), web-1 is stopped at 35 s; both poll at 20 and 30 s, web-1 also at 40 s.
        const report = await run(map("EachServer", {
            itemsPath: "$.ids",
            itemSelector: { "ids.$": "States.Array($$.Map.Item.Value)" },
            iterator: sequence(stop("StopOne", "$.ids"), waitUntilStopped("WaitUntilStopped", "$.ids", { firstAfterSeconds: 20, everySeconds: 10 })),
            maxConcurrency: 0,
            resultPath: null,
        }), { ids: ids.slice(0, 2) }, { serverStates: { "web-2": "stopping" } });
        assert.strictEqual(report.status, "SUCCEEDED", report.cause);
        const byIndex = [...report.waitLag.waits].sort((a, b) => a.index! - b.index!);
        assert.deepStrictEqual(byIndex, [
            { wait: "WaitUntilStopped", index: 0, polledAt: 40, changedAt: 35, beganAt: 0, lagSeconds: 5 },
            { wait: "WaitUntilStopped", index: 1, polledAt: 30, changedAt: 25, beganAt: 0, lagSeconds: 5 },
        ]);
        assert.strictEqual(report.waitLag.totalSeconds, 10);
    });

    it("counts a thing done before the wait began from the wait's beginning, not from when it last changed", async () => {
        // web-1 was stopped an hour before the run: the poll at 20 s finds it stopped; the wait added 20 s.
        const report = await run(waitUntilStopped("WaitUntilStopped", "$.ids", { firstAfterSeconds: 20, everySeconds: 10 }), { ids: ids.slice(0, 1) }, { serverStates: { "web-1": "stopped" } });
        assert.deepStrictEqual(report.waitLag.waits, [{ wait: "WaitUntilStopped", polledAt: 20, changedAt: undefined, beganAt: 0, lagSeconds: 20 }]);
    });

    it("leaves out a wait that did not end done", async () => {
        const report = await run(sequence(stop("StopAll", "$.ids"), waitUntilStopped("WaitUntilStopped", "$.ids", { firstAfterSeconds: 20, everySeconds: 10, withinSeconds: 30 })),
            { ids: ids.slice(0, 1) }, { instanceStuckStopping: ["web-1"] });
        assert.strictEqual(report.status, "FAILED");
        assert.deepStrictEqual(report.waitLag, { totalSeconds: 0, largest: undefined, waits: [] });
    });
});

describe("the freshest change a read shows", () => {
    async function inAccount(faults: Faults, body: (account: SimulatedAccount, clock: VirtualClock) => Promise<void>): Promise<void> {
        const clock = new VirtualClock();
        clock.install();
        const account = new SimulatedAccount(spec(faults));
        const restore = installServices(account);
        try {
            await body(account, clock);
        } finally {
            restore();
            clock.uninstall();
        }
    }
    const later = (clock: VirtualClock, seconds: number) => clock.runUntil(new Promise((resolve) => setTimeout(resolve, seconds * 1000)));

    it("is recorded on every read the services answer, and none for a resource unchanged since the account was made", async () => {
        await inAccount({}, async (account, clock) => {
            const ec2 = new EC2Client({});
            await ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }));
            account.stopInstance(account.instance(ids[1]));
            await later(clock, 50);
            await ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }));
            const reads = account.calls.filter((c) => c.action === "ec2:DescribeInstances");
            assert.deepStrictEqual(reads.map((c) => c.freshestChange === undefined ? undefined : (c.freshestChange - clock.startMs) / 1000), [undefined, 35]);
        });
    });

    it("takes the last change of a command's invocations over many instances (ListCommandInvocations), or of one (GetCommandInvocation)", async () => {
        await inAccount({}, async (account, clock) => {
            const firstId = account.sendCommand([ids[0]], "true", 60, 60);
            await later(clock, 10);
            const secondId = account.sendCommand([ids[1]], "true", 60, 60);
            await later(clock, 10);
            account.settle();
            const first = account.invocations.find((v) => v.commandId === firstId)!;
            const second = account.invocations.find((v) => v.commandId === secondId)!;
            const seconds = (ms: number | undefined) => (ms === undefined ? undefined : (ms - clock.startMs) / 1000);
            // A batch answer: the invocations of two commands (the shape is what counts).
            const listed = { CommandInvocations: [first, second].map((v) => ({ CommandId: v.commandId, InstanceId: v.instanceId, Status: v.status })) };
            assert.strictEqual(seconds(freshestChangeIn(account, listed)), 12);
            assert.strictEqual(seconds(freshestChangeIn(account, { CommandId: first.commandId, InstanceId: ids[0], Status: first.status })), 2);
            assert.strictEqual(freshestChangeIn(account, { Commands: [] }), undefined);
        });
    });
});
