import * as assert from "assert";
import { mockClient } from "aws-sdk-client-mock";
import * as backup from "@aws-sdk/client-backup";
import * as ec2 from "@aws-sdk/client-ec2";
import * as ssm from "@aws-sdk/client-ssm";
import { ensureBackups, followBackups } from "../handlers/backups";
import { describeInstances, fleetOf, startInstances, stopInstances } from "../handlers/instances";
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
});

describe("Run Command over the fleet", () => {
    let stub: ReturnType<typeof mockClient>;
    beforeEach(() => (stub = mockClient(ssm.SSMClient)));
    afterEach(() => stub.restore());

    it("sends one command per 50 instances", async () => {
        let n = 0;
        stub.on(ssm.SendCommandCommand).callsFake(() => ({ Command: { CommandId: `c-${++n}` } }));
        const ids = servers(120).map((s) => s.instanceId);
        const sent = await sendScript({ instanceIds: ids, script: "/usr/local/sbin/stopHttpd.sh", name: "/usr/local/sbin/stopHttpd.sh", timeoutSeconds: 60 });
        assert.deepStrictEqual(sent, { commandIds: ["c-1", "c-2", "c-3"] });
        assert.deepStrictEqual(stub.commandCalls(ssm.SendCommandCommand).map((c) => c.args[0].input.InstanceIds!.length), [50, 50, 20]);
        // One server failing must not stop the command reaching the others: MaxErrors defaults to 0.
        assert.deepStrictEqual(stub.commandCalls(ssm.SendCommandCommand).map((c) => [c.args[0].input.MaxErrors, c.args[0].input.MaxConcurrency]), [["100%", "100%"], ["100%", "100%"], ["100%", "100%"]]);
    });

    it("names the servers of a send Run Command refused, and how to make them reachable", async () => {
        stub.on(ssm.SendCommandCommand).rejects(Object.assign(new Error("Instances [[i-00000000000000002]] not in a valid state for account 123456789012"), { name: "InvalidInstanceId" }));
        await assert.rejects(sendScript({ instanceIds: ["i-00000000000000001", "i-00000000000000002"], servers: servers(2), script: "x", name: "x", timeoutSeconds: 60 }), (e: Error) =>
            e.name === "InstanceNotManaged" && e.message.startsWith("one of web-1 (i-00000000000000001), web-2 (i-00000000000000002) is not an online managed instance of Systems Manager, so Run Command cannot run commands on it (SendCommand: InvalidInstanceId, Instances [[i-00000000000000002]] not in a valid state"));
    });

    it("sorts every invocation by its exit code, lists the ids only of the outcome a later step acts on, and words the rest", async () => {
        const fleet = servers(4);
        const invocation = (id: string, status: ssm.CommandInvocationStatus, code: number, output = "") => ({ InstanceId: id, Status: status, StatusDetails: status, CommandPlugins: [{ ResponseCode: code, Output: output }] });
        stub.on(ssm.ListCommandInvocationsCommand, { CommandId: "c-1", NextToken: undefined }).resolves({
            CommandInvocations: [invocation(fleet[0].instanceId, "Success", 0), invocation(fleet[1].instanceId, "Failed", 3)], NextToken: "2",
        });
        stub.on(ssm.ListCommandInvocationsCommand, { CommandId: "c-1", NextToken: "2" }).resolves({
            CommandInvocations: [invocation(fleet[2].instanceId, "Failed", 1, "starting\n----------ERROR-------\nsystemctl status httpd failed")],
        });
        const event = {
            commandIds: ["c-1"], servers: fleet, instanceIds: fleet.map((s) => s.instanceId), timeoutSeconds: 60,
            expect: { running: [0], stopped: [3] }, accept: ["running", "stopped"], listed: ["stopped"], attempt: 1,
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
            attempt: 1,
        });
    });

    it("counts an outcome expected but not accepted as a problem: httpd still running after its stop", async () => {
        const fleet = servers(2);
        stub.on(ssm.ListCommandInvocationsCommand).resolves({
            CommandInvocations: fleet.map((s, i) => ({ InstanceId: s.instanceId, Status: (i === 0 ? "Failed" : "Success") as ssm.CommandInvocationStatus, CommandPlugins: [{ ResponseCode: i === 0 ? 3 : 0, Output: "" }] })),
        });
        const result = await getScriptResults({
            commandIds: ["c-1"], servers: fleet, instanceIds: fleet.map((s) => s.instanceId), timeoutSeconds: 60,
            expect: { stopped: [3], running: [0] }, accept: ["stopped"], listed: [], attempt: 1,
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
        backupStub.on(backup.ListRecoveryPointsByBackupVaultCommand).resolves({ RecoveryPoints: [{ RecoveryPointArn: "ami-1", Status: "COMPLETED" }] });
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

    it("starts a hundred jobs a call at most, and tells a job an earlier call of the run started as started", async () => {
        const fleet = servers(250);
        describing(ec2Stub, () => "stopped");
        const runStartedAt = "2026-11-30T13:00:00Z";
        const started: backup.BackupJob[] = [];
        backupStub.on(backup.ListBackupJobsCommand).callsFake(() => ({ BackupJobs: [...started] }));
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

    it("backs up a server only once it is stopped", async () => {
        describing(ec2Stub, (id) => (id.endsWith("2") ? "stopping" : "stopped"));
        await assert.rejects(ensureBackups({ servers: servers(2), instanceArnPrefix: prefix, ...settings }), (e: Error) =>
            e.name === "InstanceNotStopped" && e.message === "web-2 (i-00000000000000002) is stopping; a server is backed up only once it is stopped");
        assert.strictEqual(backupStub.commandCalls(backup.StartBackupJobCommand).length, 0);
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
});
