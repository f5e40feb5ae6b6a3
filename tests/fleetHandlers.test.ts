import * as assert from "assert";
import { mockClient } from "aws-sdk-client-mock";
import * as backup from "@aws-sdk/client-backup";
import * as ec2 from "@aws-sdk/client-ec2";
import * as ssm from "@aws-sdk/client-ssm";
import { JobToStart, ensureBackups, followBackups, listingCatchUpMs, startBackupJobs } from "../handlers/backups";
import { describeInstances, fleetOf, refusalsInWords, refusedForGood, startInstances, stopInstances } from "../handlers/instances";
import { getScriptResults, sendScript } from "../handlers/runCommand";
import { serverOutcomes } from "../handlers/serverOutcomes";

// The handlers act on the whole fleet at once; here under aws-sdk-client-mock, with fleets larger
// than one call of each API takes.

const servers = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `web-${i + 1}`, instanceId: `i-${String(i + 1).padStart(17, "0")}` }));
const stateCodes = { pending: 0, running: 16, "shutting-down": 32, terminated: 48, stopping: 64, stopped: 80 } as const;
type State = keyof typeof stateCodes;

/** DescribeInstances answering from a table of states, and the ids each call asked for. */
function describing(stub: ReturnType<typeof mockClient>, stateOf: (id: string) => State, asked: string[][] = []) {
    stub.on(ec2.DescribeInstancesCommand).callsFake((input: ec2.DescribeInstancesCommandInput) => {
        asked.push(input.InstanceIds ?? []);
        return {
            Reservations: [{
                Instances: (input.InstanceIds ?? []).map((id) => ({
                    InstanceId: id,
                    State: { Code: stateCodes[stateOf(id)], Name: stateOf(id) },
                    StateTransitionReason: stateOf(id) === "stopped" ? "User initiated (2026-11-30 13:00:39 GMT)" : "",
                })),
            }],
        };
    });
    return asked;
}

describe("the fleet's instances, read and changed in batches", () => {
    let stub: ReturnType<typeof mockClient>;
    beforeEach(() => (stub = mockClient(ec2.EC2Client)));
    afterEach(() => stub.restore());

    it("reads no status checks when the step does not ask for them", async () => {
        describing(stub, () => "running");
        const fleet = await describeInstances({ servers: servers(3), checks: false });
        assert.deepStrictEqual([fleet.counts.running, fleet.counts.ready, stub.commandCalls(ec2.DescribeInstanceStatusCommand).length], [3, 0, 0]);
    });

    it("reads 250 servers with three DescribeInstances, and the status checks of the running ones at most 100 ids a call", async () => {
        const asked = describing(stub, (id) => (Number(id.slice(2)) % 5 === 0 ? "stopped" : "running"));
        const statusAsked: number[] = [];
        stub.on(ec2.DescribeInstanceStatusCommand).callsFake((input: ec2.DescribeInstanceStatusCommandInput) => {
            statusAsked.push(input.InstanceIds!.length);
            return { InstanceStatuses: input.InstanceIds!.map((id) => ({ InstanceId: id, InstanceStatus: { Status: "ok" }, SystemStatus: { Status: id.endsWith("7") ? "initializing" : "ok" } })) };
        });
        const fleet = await describeInstances({ servers: servers(250), attempt: 2 });
        assert.deepStrictEqual(asked.map((ids) => ids.length), [100, 100, 50]);
        assert.deepStrictEqual(statusAsked, [100, 100]);
        assert.deepStrictEqual([fleet.total, fleet.counts.running, fleet.counts.stopped, fleet.counts.ready, fleet.attempt], [250, 200, 50, 175, 2]);
        assert.strictEqual(fleet.notReady, "web-5 (i-00000000000000005) is stopped, web-7 (i-00000000000000007) is running with status checks initializing, web-10 (i-00000000000000010) is stopped, web-15 (i-00000000000000015) is stopped, web-17 (i-00000000000000017) is running with status checks initializing and 70 more");
    });

    it("groups servers for the state machine's choices, naming the ones a step cannot use", () => {
        const status = (name: string, state: State, extra: object = {}) => ({ name, instanceId: `i-${name}`, state, stateReason: null, checks: "not-applicable" as const, stoppedAt: null, ...extra });
        const fleet = fleetOf([
            status("a", "running", { checks: "ok" }),
            status("b", "stopped", { stateReason: "Server.InsufficientInstanceCapacity" }),
            status("c", "stopped", { stateReason: "Client.InternalError" }),
            status("d", "terminated"),
            status("e", "pending"),
            status("f", "running", { checks: "impaired" }),
        ]);
        assert.deepStrictEqual(fleet.counts, { running: 2, pending: 1, stopping: 0, stopped: 2, ready: 1, gone: 1, impaired: 1, capacityLost: 1, stoppedOtherwise: 1 });
        assert.deepStrictEqual([fleet.running, fleet.stopping], [["i-a", "i-f"], []]);
        assert.deepStrictEqual([fleet.notStoppable, fleet.gone, fleet.impaired, fleet.stoppedOtherwise], ["d (i-d) is terminated, e (i-e) is pending", "d (i-d) is terminated", "f (i-f) failed its status checks", "c (i-c) is stopped"]);
    });

    it("stops the running servers in one StopInstances a hundred, leaving stopping and stopped ones alone", async () => {
        describing(stub, (id) => (id.endsWith("1") ? "stopped" : id.endsWith("2") ? "stopping" : "running"));
        stub.on(ec2.StopInstancesCommand).resolves({});
        const change = await stopInstances({ servers: servers(130) });
        assert.deepStrictEqual(stub.commandCalls(ec2.StopInstancesCommand).map((c) => c.args[0].input.InstanceIds!.length), [100, 4]);
        assert.deepStrictEqual([change.requested.length, change.already.length], [104, 26]);
    });

    it("asks nothing while a server is still on its way, so that the retry acts on all and says truly which it started", async () => {
        describing(stub, (id) => (id.endsWith("2") ? "stopping" : "stopped"));
        await assert.rejects(startInstances({ servers: servers(3) }), (e: Error) =>
            e.name === "InstanceBusy" && e.message === "web-2 (i-00000000000000002) is stopping; it cannot start until that ends");
        assert.strictEqual(stub.commandCalls(ec2.StartInstancesCommand).length, 0);
    });

    it("refuses a terminated server before acting on any", async () => {
        describing(stub, (id) => (id.endsWith("3") ? "terminated" : "running"));
        await assert.rejects(stopInstances({ servers: servers(3) }), (e: Error) => e.name === "InstanceGone" && e.message === "web-3 (i-00000000000000003) is terminated; it cannot stop");
        assert.strictEqual(stub.commandCalls(ec2.StopInstancesCommand).length, 0);
    });

    it("starts the others in halves when EC2 has no capacity for some, then fails naming those it could not start", async () => {
        describing(stub, () => "stopped");
        const noCapacity = Object.assign(new Error("We currently do not have sufficient capacity for the instance type in the Availability Zone you requested."), { name: "InsufficientInstanceCapacity" });
        stub.on(ec2.StartInstancesCommand).callsFake((input: ec2.StartInstancesCommandInput) => {
            if (input.InstanceIds!.includes("i-00000000000000002")) throw noCapacity;
            return {};
        });
        await assert.rejects(startInstances({ servers: servers(3) }), (e: Error) =>
            e.name === "InsufficientInstanceCapacity" && e.message === `web-2 (i-00000000000000002): EC2 has no capacity to start it: ${noCapacity.message}`);
        assert.deepStrictEqual(stub.commandCalls(ec2.StartInstancesCommand).map((c) => c.args[0].input.InstanceIds), [
            ["i-00000000000000001", "i-00000000000000002", "i-00000000000000003"], ["i-00000000000000001", "i-00000000000000002"], ["i-00000000000000001"], ["i-00000000000000002"], ["i-00000000000000003"],
        ]);
    });

    it("finds one refused server among a hundred in a few calls, not a hundred", async () => {
        describing(stub, () => "running");
        stub.on(ec2.StopInstancesCommand).callsFake((input: ec2.StopInstancesCommandInput) => {
            if (input.InstanceIds!.includes("i-00000000000000037")) throw Object.assign(new Error("The instance 'i-00000000000000037' is not in a state from which it can be stopped."), { name: "IncorrectInstanceState" });
            return {};
        });
        await assert.rejects(stopInstances({ servers: servers(100) }), (e: Error) => e.name === "InstanceBusy" && e.message === "web-37 (i-00000000000000037) is changing state; it cannot stop until that ends");
        const calls = stub.commandCalls(ec2.StopInstancesCommand).map((c) => c.args[0].input.InstanceIds!);
        assert.ok(calls.length <= 15, `${calls.length} calls`);
        // Every other server was asked exactly once in a call that went through.
        const accepted = calls.filter((ids) => !ids.includes("i-00000000000000037")).flat();
        assert.deepStrictEqual([accepted.length, new Set(accepted).size], [99, 99]);
    });

    /** An EC2 client error as the SDK raises it: its name, HTTP status and message. */
    const ec2Error = (name: string, message: string, status = 400) => Object.assign(new Error(message), { name, $fault: status < 500 ? "client" : "server", $metadata: { httpStatusCode: status } });

    it("stops the others when EC2 refuses one for good among a hundred, and returns the refusal in EC2's words", async () => {
        describing(stub, () => "running");
        const protectedId = "i-00000000000000037";
        const refusal = `The instance '${protectedId}' may not be stopped. Modify its 'disableApiStop' instance attribute and try again.`;
        stub.on(ec2.StopInstancesCommand).callsFake((input: ec2.StopInstancesCommandInput) => {
            if (input.InstanceIds!.includes(protectedId)) throw ec2Error("OperationNotPermitted", refusal);
            return {};
        });
        const change = await stopInstances({ servers: servers(100) });
        assert.deepStrictEqual(change.refused, { count: 1, instanceIds: [protectedId], inWords: `web-37 (${protectedId}): OperationNotPermitted: ${refusal}` });
        assert.deepStrictEqual([change.requested.length, change.requested.includes("web-37")], [99, false]);
        const calls = stub.commandCalls(ec2.StopInstancesCommand).map((c) => c.args[0].input.InstanceIds!);
        assert.ok(calls.length <= 15, `${calls.length} calls`);
        const accepted = calls.filter((ids) => !ids.includes(protectedId)).flat();
        assert.deepStrictEqual([accepted.length, new Set(accepted).size], [99, 99]);
    });

    it("names every server EC2 refuses, each with its own error, and starts the rest", async () => {
        describing(stub, () => "stopped");
        stub.on(ec2.StartInstancesCommand).callsFake((input: ec2.StartInstancesCommandInput) => {
            if (input.InstanceIds!.includes("i-00000000000000002")) throw ec2Error("InvalidParameterValue", "Invalid value 'i-00000000000000002' for instanceId. Instance does not have a volume attached at root (/dev/xvda)");
            if (input.InstanceIds!.includes("i-00000000000000004")) throw ec2Error("UnauthorizedOperation", "You are not authorized to perform this operation.", 403);
            return {};
        });
        const change = await startInstances({ servers: servers(5) });
        assert.deepStrictEqual(change, {
            requested: ["web-1", "web-3", "web-5"],
            already: [],
            refused: {
                count: 2,
                instanceIds: ["i-00000000000000002", "i-00000000000000004"],
                inWords: "web-2 (i-00000000000000002): InvalidParameterValue: Invalid value 'i-00000000000000002' for instanceId. Instance does not have a volume attached at root (/dev/xvda), "
                    + "web-4 (i-00000000000000004): UnauthorizedOperation: You are not authorized to perform this operation.",
            },
        });
    });

    it("leaves out the servers a step is told to, reading and asking nothing of them", async () => {
        const asked = describing(stub, () => "stopped");
        stub.on(ec2.StartInstancesCommand).resolves({});
        const change = await startInstances({ servers: servers(3), except: ["i-00000000000000002"] });
        assert.deepStrictEqual(asked, [["i-00000000000000001", "i-00000000000000003"]]);
        assert.deepStrictEqual(stub.commandCalls(ec2.StartInstancesCommand).map((c) => c.args[0].input.InstanceIds), [["i-00000000000000001", "i-00000000000000003"]]);
        assert.deepStrictEqual([change.requested, change.refused.count], [["web-1", "web-3"], 0]);
        const fleet = await describeInstances({ servers: servers(3), except: ["i-00000000000000002"], checks: false });
        assert.deepStrictEqual([fleet.total, fleet.counts.stopped], [2, 2]);
    });

    it("tells a refusal for good from one that passes: a state, capacity, throttling or a server error is tried again", () => {
        assert.deepStrictEqual([
            ec2Error("OperationNotPermitted", ""), ec2Error("UnsupportedOperation", ""), ec2Error("InvalidParameterValue", ""), ec2Error("UnauthorizedOperation", "", 403),
            ec2Error("IncorrectInstanceState", ""), ec2Error("InsufficientInstanceCapacity", "", 500), ec2Error("RequestLimitExceeded", "", 503), ec2Error("InternalError", "", 500),
            new Error("socket hang up"),
        ].map(refusedForGood), [true, true, true, true, false, false, false, false, false]);
    });

    it("words refusals the first five and how many more, each cut short where EC2's words run to kilobytes", () => {
        const message = `You are not authorized to perform this operation. Encoded authorization failure message: ${"x".repeat(2000)}`;
        const words = refusalsInWords(servers(7).map((server) => ({ server, error: "UnauthorizedOperation", message })));
        assert.ok(words.endsWith(" and 2 more"), words.slice(-20));
        assert.strictEqual(words.split(", web-")[0], `web-1 (i-00000000000000001): UnauthorizedOperation: ${message.slice(0, 300)}…`);
        assert.strictEqual(words.split(", web-").length, 5);
    });
});

/** DescribeInstanceInformation answering from a table of ping statuses (undefined: not listed), and the ids each call asked for. */
function agentsReading(stub: ReturnType<typeof mockClient>, pingOf: (id: string) => "Online" | "ConnectionLost" | undefined, asked: string[][] = []) {
    stub.on(ssm.DescribeInstanceInformationCommand).callsFake((input: ssm.DescribeInstanceInformationCommandInput) => {
        const ids = input.Filters?.find((f) => f.Key === "InstanceIds")?.Values ?? [];
        asked.push(ids);
        assert.ok(ids.length <= (input.MaxResults ?? 10), "a page holds every id asked for");
        return { InstanceInformationList: ids.filter((id) => pingOf(id) !== undefined).map((id) => ({ InstanceId: id, PingStatus: pingOf(id) })) };
    });
    return asked;
}

describe("Run Command over the fleet", () => {
    let stub: ReturnType<typeof mockClient>;
    beforeEach(() => (stub = mockClient(ssm.SSMClient)));
    afterEach(() => stub.restore());

    it("sends one command per 50 instances, after one look at their agents per 50", async () => {
        let n = 0;
        stub.on(ssm.SendCommandCommand).callsFake(() => ({ Command: { CommandId: `c-${++n}` } }));
        const asked = agentsReading(stub, () => "Online");
        const ids = servers(120).map((s) => s.instanceId);
        const sent = await sendScript({ instanceIds: ids, script: "/usr/local/sbin/stopHttpd.sh", name: "/usr/local/sbin/stopHttpd.sh", timeoutSeconds: 60 });
        assert.deepStrictEqual(sent, { commandIds: ["c-1", "c-2", "c-3"], waiting: [] });
        assert.deepStrictEqual(asked.map((a) => a.length), [50, 50, 20]);
        assert.deepStrictEqual(stub.commandCalls(ssm.SendCommandCommand).map((c) => c.args[0].input.InstanceIds!.length), [50, 50, 20]);
        // One server failing must not stop the command reaching the others: MaxErrors defaults to 0.
        assert.deepStrictEqual(stub.commandCalls(ssm.SendCommandCommand).map((c) => [c.args[0].input.MaxErrors, c.args[0].input.MaxConcurrency]), [["100%", "100%"], ["100%", "100%"], ["100%", "100%"]]);
    });

    it("sends only to the servers whose SSM agent is online, leaving the others to wait", async () => {
        let n = 0;
        stub.on(ssm.SendCommandCommand).callsFake(() => ({ Command: { CommandId: `c-${++n}` } }));
        const fleet = servers(120).map((s) => s.instanceId);
        // A server just started whose agent has not connected yet, and one whose agent never registered.
        agentsReading(stub, (id) => (id === fleet[7] ? "ConnectionLost" : id === fleet[99] ? undefined : "Online"));
        const sent = await sendScript({ instanceIds: fleet, script: "x", name: "x", timeoutSeconds: 60 });
        assert.deepStrictEqual(sent, { commandIds: ["c-1", "c-2", "c-3"], waiting: [fleet[7], fleet[99]] });
        const sentTo = stub.commandCalls(ssm.SendCommandCommand).map((c) => c.args[0].input.InstanceIds!);
        assert.deepStrictEqual([sentTo.map((ids) => ids.length), sentTo.flat().includes(fleet[7]), sentTo.flat().includes(fleet[99])], [[50, 50, 18], false, false]);
    });

    it("sends nothing when no agent is online, and says which it left out", async () => {
        agentsReading(stub, () => "ConnectionLost");
        const fleet = servers(2).map((s) => s.instanceId);
        assert.deepStrictEqual(await sendScript({ instanceIds: fleet, script: "x", name: "x", timeoutSeconds: 60 }), { commandIds: [], waiting: fleet });
        assert.strictEqual(stub.commandCalls(ssm.SendCommandCommand).length, 0);
    });

    it("names the servers of a send Run Command refused, and how to make them reachable", async () => {
        agentsReading(stub, () => "Online");
        stub.on(ssm.SendCommandCommand).rejects(Object.assign(new Error("Instances [[i-00000000000000002]] not in a valid state for account 123456789012"), { name: "InvalidInstanceId" }));
        await assert.rejects(sendScript({ instanceIds: ["i-00000000000000001", "i-00000000000000002"], servers: servers(2), script: "x", name: "x", timeoutSeconds: 60 }), (e: Error) =>
            e.name === "InstanceNotManaged" && e.message.startsWith("one of web-1 (i-00000000000000001), web-2 (i-00000000000000002) is not an online managed instance of Systems Manager, so Run Command cannot run commands on it (SendCommand: InvalidInstanceId, Instances [[i-00000000000000002]] not in a valid state"));
    });

    const invocation = (id: string, status: ssm.CommandInvocationStatus, code: number, output = "", details: string = status) => ({ InstanceId: id, Status: status, StatusDetails: details, CommandPlugins: [{ ResponseCode: code, Output: output }] });
    /** What a step's poll is given: nothing sent again yet, the command sent to every server. */
    const polled = { waiting: [] as string[], lastSent: {}, script: "/usr/local/sbin/stopHttpd.sh", name: "/usr/local/sbin/stopHttpd.sh", timeoutSeconds: 60, attempt: 1 };

    it("sorts every invocation by its exit code, lists the ids only of the outcome a later step acts on, and words the rest", async () => {
        const fleet = servers(4);
        stub.on(ssm.ListCommandInvocationsCommand, { CommandId: "c-1", NextToken: undefined }).resolves({
            CommandInvocations: [invocation(fleet[0].instanceId, "Success", 0), invocation(fleet[1].instanceId, "Failed", 3)], NextToken: "2",
        });
        stub.on(ssm.ListCommandInvocationsCommand, { CommandId: "c-1", NextToken: "2" }).resolves({
            CommandInvocations: [invocation(fleet[2].instanceId, "Failed", 1, "starting\n----------ERROR-------\nsystemctl status httpd failed")],
        });
        const event = {
            ...polled, commandIds: ["c-1"], servers: fleet, instanceIds: fleet.map((s) => s.instanceId),
            expect: { running: [0], stopped: [3] }, accept: ["running", "stopped"], listed: ["stopped"],
        };
        assert.deepStrictEqual(await getScriptResults(event), {
            total: 4,
            // web-4's invocation is not listed yet, right after the send: pending, not failed.
            pending: 1,
            ended: false,
            outcomes: { stopped: [fleet[1].instanceId] },
            names: { running: ["web-1"], stopped: ["web-2"] },
            counts: { running: 1, stopped: 1 },
            unexpected: 1,
            problems: `web-3 (${fleet[2].instanceId}) exited with code 1: systemctl status httpd failed`,
            notReached: 0,
            unsent: 0,
            undelivered: "",
            notEnded: `web-4 (${fleet[3].instanceId}) has not got it yet (Pending)`,
            commandIds: ["c-1"],
            waiting: [],
            lastSent: {},
            attempt: 1,
        });
        // Every server was reached: nothing is asked of Systems Manager, nothing sent again.
        assert.deepStrictEqual([stub.commandCalls(ssm.DescribeInstanceInformationCommand).length, stub.commandCalls(ssm.SendCommandCommand).length], [0, 0]);
    });

    it("sends the command again where Run Command could not deliver it, and to servers left out once their agent is online, telling them from a script that ran and failed", async () => {
        const fleet = servers(6);
        const [delayed, unreachable, failed, succeeded, late, offline] = fleet.map((s) => s.instanceId);
        stub.on(ssm.ListCommandInvocationsCommand).resolves({
            CommandInvocations: [
                invocation(delayed, "TimedOut", -1, "", "DeliveryTimedOut"),
                invocation(unreachable, "Failed", -1, "", "Undeliverable"),
                invocation(failed, "Failed", 1, "systemctl stop httpd failed with exit code 1."),
                invocation(succeeded, "Success", 0),
            ],
        });
        agentsReading(stub, (id) => (id === offline ? "ConnectionLost" : "Online"));
        stub.on(ssm.SendCommandCommand).resolves({ Command: { CommandId: "c-2" } });
        const result = await getScriptResults({
            ...polled, commandIds: ["c-1"], waiting: [late, offline], servers: fleet, instanceIds: fleet.map((s) => s.instanceId), expect: { stopped: [0] }, accept: ["stopped"], listed: [],
        });
        assert.deepStrictEqual(stub.commandCalls(ssm.SendCommandCommand).map((c) => c.args[0].input.InstanceIds), [[delayed, unreachable, late]]);
        assert.deepStrictEqual([result.ended, result.pending, result.counts, result.unexpected, result.problems, result.notReached, result.unsent], [
            false, 4, { stopped: 1 }, 1, `web-3 (${failed}) exited with code 1: systemctl stop httpd failed with exit code 1.`, 0, 1,
        ]);
        assert.deepStrictEqual([result.commandIds, result.waiting, result.lastSent], [["c-1", "c-2"], [offline], { [delayed]: "c-2", [unreachable]: "c-2", [late]: "c-2" }]);
        assert.strictEqual(result.undelivered, `web-6 (${offline}): its agent is not connected (PingStatus ConnectionLost)`);
    });

    it("waits for a command sent again until its new invocation is listed, judges the server by it, and gives up after the last send, with Run Command's own delivery expiry", async () => {
        const fleet = servers(2);
        const [again, done] = fleet.map((s) => s.instanceId);
        stub.on(ssm.ListCommandInvocationsCommand, { CommandId: "c-1" }).resolves({
            CommandInvocations: [invocation(again, "TimedOut", -1, "", "DeliveryTimedOut"), invocation(done, "Success", 0)],
        });
        const event = { ...polled, commandIds: ["c-1", "c-2"], lastSent: { [again]: "c-2" }, servers: fleet, instanceIds: [again, done], expect: { stopped: [0] }, accept: ["stopped"], listed: [] };
        // Right after the second send: web-1 shows only the first command, which it never got.
        stub.on(ssm.ListCommandInvocationsCommand, { CommandId: "c-2" }).resolves({ CommandInvocations: [] });
        const before = await getScriptResults(event);
        assert.deepStrictEqual([before.ended, before.pending, before.notReached, before.counts], [false, 1, 0, { stopped: 1 }]);
        stub.on(ssm.ListCommandInvocationsCommand, { CommandId: "c-2" }).resolves({ CommandInvocations: [invocation(again, "Success", 0)] });
        const after = await getScriptResults(event);
        assert.deepStrictEqual([after.ended, after.pending, after.notReached, after.counts], [true, 0, 0, { stopped: 2 }]);
        // Sent three times (an execution timeout of 90 s: Run Command gives up 60 + 90 s after each send), and never delivered.
        for (const id of ["c-2", "c-3"]) stub.on(ssm.ListCommandInvocationsCommand, { CommandId: id }).resolves({ CommandInvocations: [invocation(again, "TimedOut", -1, "", "DeliveryTimedOut")] });
        const last = await getScriptResults({ ...event, commandIds: ["c-1", "c-2", "c-3"], lastSent: { [again]: "c-3" }, timeoutSeconds: 90 });
        assert.deepStrictEqual([last.ended, last.notReached, last.undelivered], [
            true, 1,
            `web-1 (${again}), sent 3 times: Run Command gave up delivering it after 150 s each time (DeliveryTimedOut: its TimeoutSeconds 60 s plus the execution timeout 90 s); check that its SSM agent runs and reaches the SSM endpoints (ssm, ssmmessages, ec2messages) over HTTPS`,
        ]);
    });

    it("sends a command to none of the servers it is told to leave out, and waits for none of them", async () => {
        const fleet = servers(3);
        stub.on(ssm.SendCommandCommand).callsFake(() => ({ Command: { CommandId: "c-1" } }));
        const except = [fleet[1].instanceId];
        const asked = agentsReading(stub, () => "Online");
        await sendScript({ instanceIds: fleet.map((s) => s.instanceId), except, script: "x", name: "x", timeoutSeconds: 60 });
        // Neither its agent is read nor the command sent to it.
        assert.deepStrictEqual(asked, [[fleet[0].instanceId, fleet[2].instanceId]]);
        assert.deepStrictEqual(stub.commandCalls(ssm.SendCommandCommand).map((c) => c.args[0].input.InstanceIds), [[fleet[0].instanceId, fleet[2].instanceId]]);
        stub.on(ssm.ListCommandInvocationsCommand).resolves({
            CommandInvocations: [fleet[0], fleet[2]].map((s) => ({ InstanceId: s.instanceId, Status: "Success" as const, CommandPlugins: [{ ResponseCode: 0, Output: "" }] })),
        });
        const results = await getScriptResults({
            ...polled, commandIds: ["c-1"], servers: fleet, instanceIds: fleet.map((s) => s.instanceId), except,
            expect: { running: [0] }, accept: ["running"], listed: [],
        });
        assert.deepStrictEqual([results.total, results.ended, results.counts], [2, true, { running: 2 }]);
    });

    it("counts an outcome expected but not accepted as a problem: httpd still running after its stop", async () => {
        const fleet = servers(2);
        stub.on(ssm.ListCommandInvocationsCommand).resolves({
            CommandInvocations: fleet.map((s, i) => ({ InstanceId: s.instanceId, Status: (i === 0 ? "Failed" : "Success") as ssm.CommandInvocationStatus, CommandPlugins: [{ ResponseCode: i === 0 ? 3 : 0, Output: "" }] })),
        });
        const result = await getScriptResults({
            ...polled, commandIds: ["c-1"], servers: fleet, instanceIds: fleet.map((s) => s.instanceId),
            expect: { stopped: [3], running: [0] }, accept: ["stopped"], listed: [],
        });
        assert.deepStrictEqual([result.ended, result.counts, result.unexpected, result.problems], [true, { stopped: 1, running: 1 }, 1, `web-2 (${fleet[1].instanceId}) exited with code 0 and printed nothing`]);
    });
});

describe("backups of the fleet", () => {
    let backupStub: ReturnType<typeof mockClient>;
    let ec2Stub: ReturnType<typeof mockClient>;
    beforeEach(() => {
        backupStub = mockClient(backup.BackupClient);
        ec2Stub = mockClient(ec2.EC2Client);
    });
    afterEach(() => {
        backupStub.restore();
        ec2Stub.restore();
    });
    const settings = { backupVaultName: "vault", iamRoleArn: "arn:aws:iam::123456789012:role/backup", deleteAfterDays: 7 };
    const prefix = "arn:aws:ec2:ap-northeast-1:123456789012:instance/";
    const stoppedAt = new Date("2026-11-30T13:00:39Z");

    it("lists the vault's jobs once for every server, keeps a running or restorable one, and starts the others ten at a time", async () => {
        const fleet = servers(25);
        describing(ec2Stub, () => "stopped");
        const arn = (n: number) => `${prefix}${fleet[n].instanceId}`;
        backupStub.on(backup.ListBackupJobsCommand).resolves({ BackupJobs: [
            { BackupJobId: "running-0", ResourceArn: arn(0), State: "RUNNING", CreationDate: new Date(stoppedAt.getTime() + 5000) },
            { BackupJobId: "done-1", ResourceArn: arn(1), State: "COMPLETED", CreationDate: new Date(stoppedAt.getTime() + 5000), RecoveryPointArn: "ami-1" },
            // Before the server stopped: it does not count.
            { BackupJobId: "old-2", ResourceArn: arn(2), State: "COMPLETED", CreationDate: new Date(stoppedAt.getTime() - 60_000), RecoveryPointArn: "ami-2" },
        ] });
        const doneAt = new Date(stoppedAt.getTime() + 5000);
        backupStub.on(backup.ListRecoveryPointsByBackupVaultCommand).resolves({ RecoveryPoints: [
            { RecoveryPointArn: "ami-1", ResourceArn: arn(1), Status: "COMPLETED", InitiationDate: doneAt, CreationDate: doneAt },
            { RecoveryPointArn: "ami-2", ResourceArn: arn(2), Status: "COMPLETED", InitiationDate: new Date(stoppedAt.getTime() - 60_000), CreationDate: stoppedAt },
        ] });
        let n = 0;
        backupStub.on(backup.StartBackupJobCommand).callsFake(() => ({ BackupJobId: `new-${++n}` }));
        const result = await ensureBackups({ servers: fleet, instanceArnPrefix: prefix, found: { running: [fleet[0].instanceId], stopping: [] }, ...settings }) as { webServers: { name: string; found: string; backup: string; backupJobId: string }[] };
        assert.strictEqual(backupStub.commandCalls(backup.ListBackupJobsCommand).length, 1);
        assert.deepStrictEqual(backupStub.commandCalls(backup.ListBackupJobsCommand)[0].args[0].input, { ByResourceArn: undefined, ByBackupVaultName: "vault", ByCreatedAfter: new Date(stoppedAt.getTime() - 1000), NextToken: undefined });
        assert.strictEqual(backupStub.commandCalls(backup.StartBackupJobCommand).length, 23);
        assert.deepStrictEqual(result.webServers.slice(0, 3), [
            { name: "web-1", found: "running", backup: "existing", backupJobId: "running-0" },
            { name: "web-2", found: "stopped", backup: "existing", backupJobId: "done-1" },
            { name: "web-3", found: "stopped", backup: "started", backupJobId: "new-1" },
        ]);
        assert.strictEqual(backupStub.commandCalls(backup.StartBackupJobCommand)[0].args[0].input.ResourceArn, arn(2));
    });

    it("finds a backup older than the 30 days ListBackupJobs shows by its recovery point, with one listing for the fleet", async () => {
        const fleet = servers(3);
        describing(ec2Stub, () => "stopped");
        const arn = (n: number) => `${prefix}${fleet[n].instanceId}`;
        const fortyDaysLater = new Date(stoppedAt.getTime() + 40 * 86_400_000).toISOString();
        const began = (seconds: number) => new Date(stoppedAt.getTime() + seconds * 1000);
        // The jobs are older than the list shows; the vault keeps their AMIs.
        backupStub.on(backup.ListBackupJobsCommand).resolves({ BackupJobs: [] });
        backupStub.on(backup.ListRecoveryPointsByBackupVaultCommand).resolves({ RecoveryPoints: [
            { RecoveryPointArn: "ami-old", ResourceArn: arn(0), Status: "AVAILABLE", InitiationDate: began(60), CreationDate: began(360) },
            { RecoveryPointArn: "ami-older", ResourceArn: arn(0), Status: "AVAILABLE", InitiationDate: began(30), CreationDate: began(330) },
            // Begun before web-2 stopped: it does not count; web-3's is still being made.
            { RecoveryPointArn: "ami-before", ResourceArn: arn(1), Status: "AVAILABLE", InitiationDate: began(-60), CreationDate: began(240) },
            { RecoveryPointArn: "ami-creating", ResourceArn: arn(2), Status: "CREATING", InitiationDate: began(60), CreationDate: began(60) },
        ] });
        backupStub.on(backup.StartBackupJobCommand).callsFake((input: backup.StartBackupJobCommandInput) => ({ BackupJobId: `new-${input.ResourceArn!.slice(-1)}` }));
        const result = await ensureBackups({ servers: fleet, instanceArnPrefix: prefix, runStartedAt: fortyDaysLater, ...settings }) as { webServers: { name: string; backup: string; backupJobId: string | null }[] };
        assert.deepStrictEqual(result.webServers.map((s) => [s.name, s.backup, s.backupJobId]), [["web-1", "existing", null], ["web-2", "started", "new-2"], ["web-3", "started", "new-3"]]);
        assert.deepStrictEqual([backupStub.commandCalls(backup.ListBackupJobsCommand).length, backupStub.commandCalls(backup.ListRecoveryPointsByBackupVaultCommand).length], [1, 1]);
        assert.deepStrictEqual(backupStub.commandCalls(backup.ListRecoveryPointsByBackupVaultCommand)[0].args[0].input, { BackupVaultName: "vault", ByResourceArn: undefined, ByCreatedAfter: new Date(stoppedAt.getTime() - 1000), NextToken: undefined });
    });

    it("gives each run its own idempotency tokens: a job of an earlier run, too old to be listed, cannot answer for a new one", async () => {
        describing(ec2Stub, () => "stopped");
        backupStub.on(backup.ListBackupJobsCommand).resolves({ BackupJobs: [] });
        backupStub.on(backup.ListRecoveryPointsByBackupVaultCommand).resolves({ RecoveryPoints: [] });
        backupStub.on(backup.StartBackupJobCommand).resolves({ BackupJobId: "j-1" });
        const runAt = async (runStartedAt: string) => {
            await ensureBackups({ servers: servers(1), instanceArnPrefix: prefix, runStartedAt, ...settings });
            return backupStub.commandCalls(backup.StartBackupJobCommand).pop()!.args[0].input.IdempotencyToken;
        };
        const first = await runAt("2026-12-01T13:00:00Z");
        assert.deepStrictEqual([first === await runAt("2026-12-01T13:00:00Z"), first === await runAt("2027-01-10T13:00:00Z")], [true, false]);
    });

    it("starts a hundred jobs a call at most, and tells a job an earlier call of the run started as started", async () => {
        const fleet = servers(250);
        describing(ec2Stub, () => "stopped");
        const runStartedAt = "2026-11-30T13:00:00Z";
        const started: backup.BackupJob[] = [];
        backupStub.on(backup.ListBackupJobsCommand).callsFake(() => ({ BackupJobs: [...started] }));
        backupStub.on(backup.ListRecoveryPointsByBackupVaultCommand).resolves({ RecoveryPoints: [] });
        backupStub.on(backup.StartBackupJobCommand).callsFake((input: backup.StartBackupJobCommandInput) => {
            started.push({ BackupJobId: `j-${started.length + 1}`, ResourceArn: input.ResourceArn, State: "CREATED", CreationDate: new Date("2026-11-30T13:01:00Z") });
            return { BackupJobId: `j-${started.length}` };
        });
        const calls: [boolean, number | undefined][] = [];
        let result: { complete: boolean; calls?: number; webServers: { name: string; backup: string; backupJobId: string }[] } = { complete: false, webServers: [] };
        do {
            // The listing lags behind the first call's jobs; the step hands the previous answer on, and counts its calls.
            const lagging = calls.length === 1 ? started.splice(0, 100) : [];
            result = await ensureBackups({ servers: fleet, instanceArnPrefix: prefix, runStartedAt, started: result.webServers, calls: calls.length + 1, ...settings }) as typeof result;
            started.unshift(...lagging);
            calls.push([result.complete, result.calls]);
        } while (!result.complete);
        // The count comes back: the step's Choice bounds the calls by it.
        assert.deepStrictEqual(calls, [[false, 1], [false, 2], [true, 3]]);
        assert.strictEqual(started.length, 250);
        assert.deepStrictEqual([...new Set(result.webServers!.map((s) => s.backup))], ["started"]);
    });

    it("leaves out the servers EC2 refused to stop, and lists nothing when that is every one", async () => {
        describing(ec2Stub, () => "stopped");
        backupStub.on(backup.ListBackupJobsCommand).resolves({ BackupJobs: [] });
        backupStub.on(backup.ListRecoveryPointsByBackupVaultCommand).resolves({ RecoveryPoints: [] });
        backupStub.on(backup.StartBackupJobCommand).callsFake((input: backup.StartBackupJobCommandInput) => ({ BackupJobId: `job-of-${input.ResourceArn!.split("/").pop()}` }));
        const fleet = servers(3);
        const some = await ensureBackups({ servers: fleet, except: [fleet[1].instanceId], instanceArnPrefix: prefix, ...settings }) as { webServers: { name: string; backupJobId: string }[] };
        assert.deepStrictEqual(some.webServers.map((s) => [s.name, s.backupJobId]), [["web-1", `job-of-${fleet[0].instanceId}`], ["web-3", `job-of-${fleet[2].instanceId}`]]);
        backupStub.resetHistory();
        assert.deepStrictEqual(await ensureBackups({ servers: fleet, except: fleet.map((s) => s.instanceId), instanceArnPrefix: prefix, ...settings }), { webServers: [], complete: true });
        assert.strictEqual(backupStub.calls().length, 0);
    });

    it("backs up a server only once it is stopped", async () => {
        describing(ec2Stub, (id) => (id.endsWith("2") ? "stopping" : "stopped"));
        await assert.rejects(ensureBackups({ servers: servers(2), instanceArnPrefix: prefix, ...settings }), (e: Error) =>
            e.name === "InstanceNotStopped" && e.message === "web-2 (i-00000000000000002) is stopping; a server is backed up only once it is stopped");
        assert.strictEqual(backupStub.commandCalls(backup.StartBackupJobCommand).length, 0);
    });

    describe("when AWS Backup answers a repeated idempotency token without the job's id", () => {
        const at = (seconds: number) => new Date(stoppedAt.getTime() + seconds * 1000);
        const toStart = (n: number): JobToStart => ({ name: `web-${n}`, resourceArn: `${prefix}i-${n}`, since: stoppedAt.toISOString(), attempt: `a-${n}`, ruledOut: [`failed-${n}`], notBefore: stoppedAt.getTime() });
        const pauses: number[] = [];
        const pause = async (ms: number) => void pauses.push(ms);
        beforeEach(() => pauses.splice(0));

        it("finds that token's job, the resource's newest since its time not ruled out, with one listing after a pause", async () => {
            backupStub.on(backup.StartBackupJobCommand).resolves({});
            backupStub.on(backup.ListBackupJobsCommand).resolves({ BackupJobs: [
                { BackupJobId: "failed-1", ResourceArn: `${prefix}i-1`, State: "FAILED", CreationDate: at(90) },
                { BackupJobId: "made-1", ResourceArn: `${prefix}i-1`, State: "CREATED", CreationDate: at(60) },
                { BackupJobId: "before-2", ResourceArn: `${prefix}i-2`, State: "COMPLETED", CreationDate: at(-60) },
                { BackupJobId: "made-2", ResourceArn: `${prefix}i-2`, State: "RUNNING", CreationDate: at(30) },
            ] });
            assert.deepStrictEqual(await startBackupJobs(new backup.BackupClient({}), settings, [toStart(1), toStart(2)], pause), ["made-1", "made-2"]);
            assert.deepStrictEqual([pauses, backupStub.commandCalls(backup.StartBackupJobCommand).length, backupStub.commandCalls(backup.ListBackupJobsCommand).length], [[listingCatchUpMs], 2, 1]);
            assert.deepStrictEqual(backupStub.commandCalls(backup.ListBackupJobsCommand)[0].args[0].input, { ByResourceArn: undefined, ByBackupVaultName: "vault", ByCreatedAfter: stoppedAt, NextToken: undefined });
        });

        it("starts the job with a new token when none is listed, and fails naming the resource when that one is answered without an id too", async () => {
            const tokens: string[] = [];
            backupStub.on(backup.StartBackupJobCommand).callsFake((input: backup.StartBackupJobCommandInput) => {
                tokens.push(input.IdempotencyToken!);
                return tokens.length === 1 ? {} : { BackupJobId: "j-again" };
            });
            backupStub.on(backup.ListBackupJobsCommand).resolves({ BackupJobs: [{ BackupJobId: "failed-1", ResourceArn: `${prefix}i-1`, State: "FAILED", CreationDate: at(90) }] });
            assert.deepStrictEqual(await startBackupJobs(new backup.BackupClient({}), settings, [toStart(1)], pause), ["j-again"]);
            assert.deepStrictEqual([tokens.length, new Set(tokens).size], [2, 2]);
            backupStub.on(backup.StartBackupJobCommand).resolves({});
            await assert.rejects(startBackupJobs(new backup.BackupClient({}), settings, [toStart(1)], pause), (e: Error) =>
                e.name === "BackupNotStarted" && e.message === "web-1: AWS Backup answered StartBackupJob without a job id, twice, and lists no job of the resource started since; run the jobnet again");
        });
    });

    it("follows many jobs with one listing, describing only a job the list has not caught up with", async () => {
        backupStub.on(backup.ListBackupJobsCommand).resolves({ BackupJobs: [
            { BackupJobId: "j-1", State: "COMPLETED" }, { BackupJobId: "j-2", State: "RUNNING" },
        ] });
        backupStub.on(backup.DescribeBackupJobCommand, { BackupJobId: "j-3" }).resolves({ BackupJobId: "j-3", State: "CREATED" });
        const progress = await followBackups({
            servers: [{ name: "web-1", backupJobId: "j-1" }, { name: "web-2", backupJobId: "j-2" }, { name: "web-3", backupJobId: "j-3" }],
            database: null, backup: settings, execution: { StartTime: "2026-11-30T13:00:00Z" }, attempt: 1,
        });
        assert.deepStrictEqual(progress, { total: 3, completed: 1, retaken: 0, pending: "web-2, web-3", attempt: 1 });
        assert.deepStrictEqual(backupStub.commandCalls(backup.DescribeBackupJobCommand).map((c) => c.args[0].input.BackupJobId), ["j-3"]);
    });
});

describe("each server's outcome, as a run's output tells it", () => {
    it("says what the stop did with each server and its AMI", () => {
        assert.deepStrictEqual(serverOutcomes({ webServers: [
            { name: "web-1", found: "running", backup: "started", backupJobId: "j-1" },
            { name: "web-2", found: "stopped", backup: "existing", backupJobId: "j-2" },
        ] }), ["web-1: stopped by this run, AMI taken", "web-2: already stopped, AMI already there"]);
    });

    it("says what the start did with each server and its service, the first ten and how many more", () => {
        const started = Array.from({ length: 12 }, (_, i) => `web-${String(i + 1).padStart(2, "0")}`);
        const lines = serverOutcomes({ webServers: { started: started.slice(1), alreadyStarted: [started[0]] }, httpd: { started: started.slice(1), alreadyRunning: [started[0]] } });
        assert.deepStrictEqual([lines[0], lines[1], lines.length, lines[10]], [
            "web-01: already running, service already running", "web-02: started by this run, service started", 11, "and 2 more servers",
        ]);
        assert.deepStrictEqual(serverOutcomes({ skipped: true }), []);
    });

    it("lists the servers in natural order, web-2 before web-10, so that the first ten are web-1 to web-10", () => {
        const names = servers(18).map((s) => s.name);
        const started = serverOutcomes({ webServers: { started: [...names].reverse(), alreadyStarted: [] }, httpd: { started: names, alreadyRunning: [] } });
        assert.deepStrictEqual(started, [...names.slice(0, 10).map((name) => `${name}: started by this run, service started`), "and 8 more servers"]);
        const stopped = serverOutcomes({ webServers: ["web-10", "web-2", "web-1"].map((name) => ({ name, found: "running", backup: "started" })) });
        assert.deepStrictEqual(stopped, ["web-1: stopped by this run, AMI taken", "web-2: stopped by this run, AMI taken", "web-10: stopped by this run, AMI taken"]);
    });
});
