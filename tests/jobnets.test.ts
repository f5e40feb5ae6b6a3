import * as assert from "assert";
import * as path from "path";
import { projectDir } from "../scripts/lib/runProgram";
import { SynthResult, synthesize } from "../scripts/lib/synthesize";
import { Faults, SimulatedAccount } from "../simulator/account";
import { RunReport } from "../simulator/run";
import { simulatedStartMs } from "../simulator/clock";
import { simulate } from "../simulator/simulate";
import { installServices } from "../simulator/services";
import { refuseUnsafeRedrive } from "../handlers/runLock";
import { functionPolicy } from "./support/iamPolicy";
import { stopAfterSevenDayRestart } from "./support/sevenDayRestart";
import { sharedSynthesis } from "./support/sharedRuns";
import { bareAccountSpec } from "./support/accountSpec";

const validator = require("asl-validator") as (definition: unknown) => { isValid: boolean; errorsText(): string };

let synth: SynthResult;
let web1: string;
let web2: string;

/** The dev stack, synthesised once for every suite in this file. */
let synthesised: Promise<SynthResult> | undefined;
async function loadSynth(): Promise<void> {
    synthesised ??= sharedSynthesis("dev");
    synth = await synthesised;
    [web1, web2] = synth.outputs.webServers.map((s: { instanceId: string }) => s.instanceId);
}

async function run(jobnet: "stop" | "start", initial: "running" | "stopped", faults?: Faults, input?: Record<string, unknown>): Promise<{ report: RunReport; account: SimulatedAccount }> {
    const simulation = await simulate(synth, { initial, jobnets: [jobnet], faults, input });
    return { report: simulation.reports[0].report, account: simulation.account };
}

/** What EventBridge Scheduler sends for the 22:00 Tokyo stop, as the simulated clock starts. */
const scheduledTime = "2026-11-30T13:00:00Z";
const scheduled = { trigger: "schedule", scheduledTime };

/** The run that holds the system's run lock, if any. */
function lockHolder(account: SimulatedAccount): string | undefined {
    return account.tables.get(synth.runLock.tableName)?.get({ lockKey: { S: synth.runLock.lockKey } })?.executionArn?.S;
}

/** An execution's ARN: the state machine's, `execution` for `stateMachine`, and the run's name. */
function execution(jobnet: "stop" | "start", name: string): string {
    return `${synth.stateMachineArns[jobnet].replace(":stateMachine:", ":execution:")}:${name}`;
}

/** The whole simulated system at the end of a run, as an operator would check it. */
function systemState(account: SimulatedAccount) {
    return {
        servers: account.webServers().map((i) => `${i.name}: ${i.state}, httpd ${i.httpd}`),
        cluster: account.database.status,
        maintenancePage: account.maintenancePage(),
        backups: account.backupJobs.filter((j) => !j.earlier).map((j) => `${j.resourceName}: ${j.state}`).sort(),
    };
}

const stopped = {
    servers: ["web-1: stopped, httpd stopped", "web-2: stopped, httpd stopped"],
    cluster: "stopped",
    maintenancePage: "on",
};
const running = {
    servers: ["web-1: running, httpd running", "web-2: running, httpd running"],
    cluster: "available",
    maintenancePage: "off",
    backups: [],
};

/** The message of a handler's error, from the cause Step Functions reports for a failed Lambda task. */
function lambdaMessage(cause: string | undefined): string {
    return JSON.parse(cause ?? "{}").errorMessage;
}

/** Calls that change the system, by the function that made them: not reads, nor the run lock's own writes (runLockCalls). */
function changes(account: SimulatedAccount): string[] {
    const reads = /:(Describe|List|Get)/;
    return account.calls.filter((c) => !reads.test(c.action) && !c.action.startsWith("dynamodb:")).map((c) => `${c.caller} ${c.action}`);
}

/** The run lock's calls, in order: the guard's takes and reads, and the releases when runs end. */
function runLockCalls(account: SimulatedAccount): string[] {
    return account.calls.filter((c) => c.caller === "takeRunLock" || c.caller === "releaseRunLock").map((c) => `${c.caller} ${c.action}`);
}

describe("the jobnet definitions", () => {
    before(async function () {
        this.timeout(60_000);
        await loadSynth();
    });

    for (const jobnet of ["stop", "start"] as const) {
        it(`${jobnet}: passes asl-validator`, () => {
            const result = validator(JSON.parse(JSON.stringify(synth.definitions[jobnet])));
            assert.ok(result.isValid, result.errorsText());
        });
    }
});

describe("the stop jobnet, run in the simulated account", () => {
    before(async function () {
        this.timeout(60_000);
        await loadSynth();
    });

    it("stops a running system: maintenance page, httpd everywhere, then instances and AMIs beside the snapshot and the cluster's stop", async () => {
        const { report, account } = await run("stop", "running");
        assert.strictEqual(report.status, "SUCCEEDED", report.cause);
        const output = report.output as any;
        assert.deepStrictEqual(output.webServers.map((s: any) => [s.name, s.found, s.backup]), [["web-1", "running", "started"], ["web-2", "running", "started"]]);
        assert.deepStrictEqual([output.maintenancePage, output.database.outcome], ["created", "started"]);
        assert.deepStrictEqual(systemState(account), {
            ...stopped,
            backups: ["web-1: COMPLETED", "web-2: COMPLETED", "webapp-jobnet-dev: COMPLETED"],
        });
        // The snapshot begins once httpd is down on every server, not after the instances stopped; the
        // cluster stops once its snapshot has completed and every instance is stopped; the AMIs go on beside.
        const at = (event: string) => account.when(event)!;
        const httpdDown = Math.max(at("web-1 httpd stopped"), at("web-2 httpd stopped"));
        assert.ok(at("rule 1 created on listener 1") < at("web-1 httpd stopped"));
        const snapshot = account.backupJobs.find((j) => j.resourceName === "webapp-jobnet-dev" && !j.earlier)!;
        assert.ok(httpdDown < at("web-1 stopping") && (snapshot.createdAt - simulatedStartMs) / 1000 < at("web-1 stopped"));
        assert.ok(Math.max(at("webapp-jobnet-dev backup COMPLETED"), at("web-1 stopped"), at("web-2 stopped")) <= at("cluster stopping"));
        assert.ok(at("cluster stopping") < at("web-1 backup COMPLETED"));
        // The physical bound is 8:12 (simulator/criticalPath.ts): two more seconds for the check that httpd is down.
        assert.strictEqual(report.durationSeconds, 494);
    });

    it("stopping an already stopped system succeeds with nothing to do", async () => {
        const { report, account } = await run("stop", "stopped");
        assert.strictEqual(report.status, "SUCCEEDED", report.cause);
        const output = report.output as any;
        assert.deepStrictEqual(output.webServers.map((s: any) => [s.name, s.found, s.backup]), [["web-1", "stopped", "existing"], ["web-2", "stopped", "existing"]]);
        assert.deepStrictEqual([output.maintenancePage, output.database.outcome], ["already", "none"]);
        assert.deepStrictEqual(changes(account), []);
        assert.deepStrictEqual(systemState(account), { ...stopped, backups: [] });
    });

    it("fails when httpd will not stop, naming the server, and leaves the cluster untouched", async () => {
        const { report, account } = await run("stop", "running", { httpdWillNotStop: ["web-1"] });
        assert.strictEqual(report.status, "FAILED");
        assert.strictEqual(report.error, "HttpdDidNotStop");
        assert.strictEqual(
            report.cause,
            `StopHttpd: httpd did not stop on 1 of 2 servers (/usr/local/sbin/stopHttpd.sh): web-1 (${web1}) exited with code 1: 2026-11-30T13:00:02.000Z ERROR stopHttpd.sh: systemctl stop httpd failed with exit code 1.`,
        );
        // No server is stopped and the database is not touched until httpd is down everywhere; each step is idempotent, so a rerun goes on from there.
        assert.deepStrictEqual(systemState(account), {
            servers: ["web-1: running, httpd running", "web-2: running, httpd stopped"],
            cluster: "available",
            maintenancePage: "on",
            backups: [],
        });
    });

    it("fails when the httpd check itself fails (exit 1), not mistaking it for stopped", async () => {
        const { report, account } = await run("stop", "running", { checkFails: ["web-2"] });
        assert.strictEqual(report.error, "HttpdCheckFailed");
        assert.strictEqual(
            report.cause,
            `CheckHttpdStopped: the httpd check failed on 1 of 2 servers (/usr/local/sbin/checkHttpd.sh): web-2 (${web2}) exited with code 1: 2026-11-30T13:00:04.000Z ERROR checkHttpd.sh: systemctl status httpd failed with exit code 4.`,
        );
        // Nothing is stopped before every check has answered.
        assert.deepStrictEqual(systemState(account), {
            servers: ["web-1: running, httpd stopped", "web-2: running, httpd stopped"],
            cluster: "available",
            maintenancePage: "on",
            backups: [],
        });
    });

    it("fails when Run Command times out on a server", async () => {
        const { report, account } = await run("stop", "running", { commandTimesOut: ["web-1"] });
        assert.strictEqual(report.error, "HttpdDidNotStop");
        assert.strictEqual(report.cause, `StopHttpd: httpd did not stop on 1 of 2 servers (/usr/local/sbin/stopHttpd.sh): web-1 (${web1}) timed out after 60 s (Run Command's execution timeout)`);
        // web-2's httpd is down, but no server stops while another's httpd may still serve.
        assert.deepStrictEqual(systemState(account), {
            servers: ["web-1: running, httpd running", "web-2: running, httpd stopped"],
            cluster: "available",
            maintenancePage: "on",
            backups: [],
        });
        // Run Command gives up after the script's 60 s execution timeout; past a minute the wait polls every 4 s.
        assert.strictEqual(report.durationSeconds, 64);
    });

    it("sends a command Run Command could not deliver again, then fails saying it was never delivered, with Run Command's own expiry", async () => {
        const { report, account } = await run("stop", "running", { agentOffline: ["web-1"] });
        assert.strictEqual(report.error, "CommandNotDelivered");
        assert.strictEqual(
            report.cause,
            `StopHttpd: /usr/local/sbin/stopHttpd.sh was never delivered to 1 of 2 servers: web-1 (${web1}), sent 3 times: Run Command gave up delivering it after 120 s each time`
            + " (DeliveryTimedOut: its TimeoutSeconds 60 s plus the execution timeout 60 s); check that its SSM agent runs and reaches the SSM endpoints (ssm, ssmmessages, ec2messages) over HTTPS",
        );
        // Sent to both at once, then twice more to web-1 alone by the wait's polls, each time once Systems Manager listed its agent online.
        const sends = account.calls.filter((c) => c.action === "ssm:SendCommand").map((c) => c.authorizations.filter((a) => a.resource.includes(":instance/")).map((a) => a.resource.split("/").pop()));
        assert.deepStrictEqual(sends, [[web1, web2], [web1], [web1]]);
        // Three sends, each given up 120 s after it went out, and sent again at the next poll (every 4 s past a minute).
        assert.strictEqual(report.durationSeconds, 3 * 120 + 2 * 4);
        assert.deepStrictEqual(systemState(account), {
            servers: ["web-1: running, httpd running", "web-2: running, httpd stopped"],
            cluster: "available",
            maintenancePage: "on",
            backups: [],
        });
    });

    it("tells a script that ran and exited 1 from a command Run Command could not deliver", async () => {
        const { report } = await run("stop", "running", { httpdWillNotStop: ["web-2"], agentOffline: ["web-1"], commandsUndeliverable: ["web-1"] });
        assert.strictEqual(report.error, "HttpdDidNotStop");
        assert.strictEqual(
            report.cause,
            `StopHttpd: httpd did not stop on 1 of 2 servers (/usr/local/sbin/stopHttpd.sh): web-2 (${web2}) exited with code 1: 2026-11-30T13:00:02.000Z ERROR stopHttpd.sh: systemctl stop httpd failed with exit code 1.`,
        );
    });

    it("fails after its bound when an instance stays stopping, after the other server is stopped and backed up", async () => {
        const { report, account } = await run("stop", "running", { instanceStuckStopping: ["web-1"] });
        assert.strictEqual(report.error, "InstanceDidNotStop");
        assert.strictEqual(report.cause, `WaitUntilInstancesStopped: 1 of 2 servers stopped after 10m; not stopped: web-1 (${web1}) is stopping`);
        // The snapshot completed meanwhile; the cluster waits for every instance, and no AMI is taken of a server still stopping.
        assert.deepStrictEqual(systemState(account), {
            servers: ["web-1: stopping, httpd stopped", "web-2: stopped, httpd stopped"],
            cluster: "available",
            maintenancePage: "on",
            backups: ["webapp-jobnet-dev: COMPLETED"],
        });
    });

    it("waits while the cluster is backing-up, then snapshots and stops it", async () => {
        const { report, account } = await run("stop", "running", { clusterBackingUpForSeconds: 1200 });
        assert.strictEqual(report.status, "SUCCEEDED", report.cause);
        assert.deepStrictEqual(systemState(account), { ...stopped, backups: ["web-1: COMPLETED", "web-2: COMPLETED", "webapp-jobnet-dev: COMPLETED"] });
        assert.ok(report.durationSeconds > 1200, `took ${report.durationSeconds}s`);
    });

    for (const status of ["modifying", "maintenance", "upgrading", "storage-optimization"]) {
        it(`waits while the cluster is ${status}, then snapshots and stops it`, async () => {
            const { report, account } = await run("stop", "running", { clusterBusy: { status, seconds: 900 } });
            assert.strictEqual(report.status, "SUCCEEDED", report.cause);
            assert.deepStrictEqual(systemState(account), { ...stopped, backups: ["web-1: COMPLETED", "web-2: COMPLETED", "webapp-jobnet-dev: COMPLETED"] });
            // The snapshot is started only once the cluster is available again.
            const snapshot = account.backupJobs.find((j) => j.resourceName === "webapp-jobnet-dev" && !j.earlier)!;
            assert.ok(snapshot.createdAt - simulatedStartMs >= 900_000, `snapshot at ${(snapshot.createdAt - simulatedStartMs) / 1000}s`);
        });
    }

    it("fails naming the status when the cluster is in one it never leaves by itself, before any snapshot", async () => {
        const { report, account } = await run("stop", "running", { clusterStuck: "inaccessible-encryption-credentials" });
        assert.strictEqual(report.error, "ClusterNotStoppable");
        assert.strictEqual(
            report.cause,
            "DescribeDatabase: cluster webapp-jobnet-dev is inaccessible-encryption-credentials; Aurora does not leave that status by itself, so the cluster cannot be stopped",
        );
        // Found at once, beside the servers' stop: no snapshot of the cluster was started.
        assert.deepStrictEqual(systemState(account).backups, []);
    });

    it("tries the cluster's stop again while one of its instances is busy (InvalidDBInstanceStateFault)", async () => {
        const { report, account } = await run("stop", "running", { clusterInstanceBusy: 2 });
        assert.strictEqual(report.status, "SUCCEEDED", report.cause);
        const retried = report.events.filter((e) => e.type === "StateRetried").map((e) => (e as any).state.name);
        assert.deepStrictEqual(retried, ["StopCluster", "StopCluster"]);
        assert.strictEqual(account.database.status, "stopped");
    });

    it("fails when the cluster refuses to stop, after its snapshot completed", async () => {
        const { report, account } = await run("stop", "running", { clusterRefusesToStop: true });
        assert.strictEqual(report.error, "ClusterNotStoppable");
        assert.strictEqual(
            report.cause,
            "StopCluster: cluster webapp-jobnet-dev cannot be stopped: DbCluster webapp-jobnet-dev cannot be stopped: it uses a feature that does not support stopping.",
        );
        assert.deepStrictEqual(systemState(account), {
            ...stopped,
            cluster: "available",
            backups: ["web-1: RUNNING", "web-2: RUNNING", "webapp-jobnet-dev: COMPLETED"],
        });
    });

    it("takes a failed backup again within the run, and succeeds", async () => {
        const { report, account } = await run("stop", "running", { backupFails: { "web-1": 1 } });
        assert.strictEqual(report.status, "SUCCEEDED", report.cause);
        assert.deepStrictEqual(systemState(account), {
            ...stopped,
            backups: ["web-1: COMPLETED", "web-1: FAILED", "web-2: COMPLETED", "webapp-jobnet-dev: COMPLETED"],
        });
    });

    it("fails when the retake fails too, naming the server", async () => {
        const { report, account } = await run("stop", "running", { backupFails: { "web-1": Infinity } });
        assert.strictEqual(report.error, "BackupFailed");
        const retake = account.backupJobs.filter((j) => j.resourceName === "web-1" && j.state === "FAILED")[1];
        assert.strictEqual(
            lambdaMessage(report.cause),
            `web-1: backup job ${retake.id} ended FAILED (Backup job failed: the snapshot could not be created.); taken 2 times in this attempt. Fix the cause, then redrive the run or run the jobnet again`,
        );
        // The cluster waits for its snapshot and the instances' stop, not for their AMIs.
        assert.deepStrictEqual(systemState(account), {
            ...stopped,
            backups: ["web-1: FAILED", "web-1: FAILED", "web-2: COMPLETED", "webapp-jobnet-dev: COMPLETED"],
        });
    });

    it("a redrive after a failed backup takes it again and stops the system", async () => {
        const simulation = await simulate(synth, { initial: "running", jobnets: ["stop", "redrive"], faults: { backupFails: { "web-1": 2 } } });
        const [failed, redriven] = simulation.reports.map((r) => r.report);
        assert.deepStrictEqual([failed.status, failed.error, failed.failedAt?.state], ["FAILED", "BackupFailed", "StopServersAndDatabase"]);
        assert.strictEqual(redriven.status, "SUCCEEDED", redriven.cause);
        assert.strictEqual(redriven.executionName, failed.executionName);
        // The redrive continues at the Parallel state that failed, as Step Functions does: the database's
        // branch, which ended, is not run again; the servers' goes on at the wait that failed and takes
        // web-1's AMI once more. httpd and the page are not touched again.
        const entered = redriven.events.filter((e) => e.type === "StateEntered").map((e) => (e as any).state.name as string);
        assert.deepStrictEqual(new Set(entered.slice(0, 4)), new Set(["StopServersAndDatabase", "RedriveBranch0", "BranchDone1", "WaitUntilServerBackupsCompleted"]));
        assert.ok(!entered.includes("DescribeDatabase") && !entered.includes("StopInstances"), entered.join(", "));
        assert.deepStrictEqual(changes(simulation.account).filter((c) => c.includes("SendCommand")), ["sendScript ssm:SendCommand", "sendScript ssm:SendCommand"]);
        assert.deepStrictEqual(systemState(simulation.account), {
            ...stopped,
            backups: ["web-1: COMPLETED", "web-1: FAILED", "web-1: FAILED", "web-2: COMPLETED", "webapp-jobnet-dev: COMPLETED"],
        });
    });

    it("a redrive of a stop that failed before a start ran is refused by the run itself, and acts on nothing: the system stays as the start left it", async () => {
        // Friday's stop fails at its backups; Monday's start runs; then someone redrives Friday's stop.
        const { reports, account } = await simulate(synth, { initial: "running", jobnets: ["stop", "start", "redrive"], keepGoing: true, faults: { backupFails: { "web-1": 2 } } });
        assert.deepStrictEqual(reports.map((r) => [r.jobnet, r.redrive === true, r.report.status, r.report.error ?? ""]), [
            ["stop", false, "FAILED", "BackupFailed"], ["start", false, "SUCCEEDED", ""], ["stop", true, "FAILED", "RedriveRefused"],
        ]);
        assert.strictEqual(
            lambdaMessage(reports[2].report.cause),
            `this run was redriven, but run ${execution("start", "start-2")} started after it (${new Date(account.execution(execution("start", "start-2")).startDate).toISOString()}), so the system has moved on since it failed; run the jobnet again instead, once the cause of the failure is fixed`,
        );
        // Nothing was stopped, backed up or taken again after the start.
        const afterStart = account.calls.findIndex((c) => c.caller === "releaseRunLock" && account.calls.indexOf(c) > account.calls.findIndex((d) => d.caller === "disableMaintenancePage"));
        assert.deepStrictEqual(changes({ ...account, calls: account.calls.slice(afterStart + 1) } as SimulatedAccount), []);
        assert.deepStrictEqual(account.webServers().map((i) => `${i.name}: ${i.state}, httpd ${i.httpd}`), ["web-1: running, httpd running", "web-2: running, httpd running"]);
        assert.deepStrictEqual([account.database.status, account.maintenancePage()], ["available", "off"]);
    });

    it("a redriven run's check refuses it once its state machine was updated, and lets it go on otherwise", async () => {
        const account = new SimulatedAccount(bareAccountSpec({
            stateMachineArns: synth.stateMachineArns, runLock: { tableName: synth.runLock.tableName, lockKey: synth.runLock.lockKey, leaseSeconds: 3600 },
        }));
        const restore = installServices(account);
        try {
            const failed = account.startExecution(synth.stateMachineArns.stop, "stop-1", {});
            account.endExecution(failed, "FAILED");
            const redrive = { count: 1, executionArn: failed.arn, stateMachineArn: failed.stateMachineArn, startTime: new Date(failed.startDate).toISOString(), tableName: synth.runLock.tableName, lockKey: synth.runLock.lockKey, leaseSeconds: 3600 };
            await refuseUnsafeRedrive(redrive);
            account.updateDefinition(synth.stateMachineArns.stop);
            await assert.rejects(refuseUnsafeRedrive(redrive), (e: Error) => e.name === "RedriveRefused" && /its state machine was updated since it started \(revision the first, now revision-[0-9a-f]+\)/.test(e.message));
        } finally {
            restore();
        }
    });

    it("a redrive of a run that ended in a Fail state fails there again at once: fix the cause and run the jobnet again", async () => {
        const simulation = await simulate(synth, { initial: "running", jobnets: ["stop", "redrive"], faults: { instanceStuckStopping: ["web-1"] } });
        const [failed, redriven] = simulation.reports.map((r) => r.report);
        assert.deepStrictEqual([failed.error, redriven.error, redriven.durationSeconds], ["InstanceDidNotStop", "InstanceDidNotStop", 0]);
    });

    it("a rerun after a failed backup starts a new job rather than getting the failed one back", async () => {
        const simulation = await simulate(synth, { initial: "running", jobnets: ["stop", "stop"], keepGoing: true, faults: { backupFails: { "web-1": 2 } } });
        assert.deepStrictEqual(simulation.reports.map((r) => r.report.status), ["FAILED", "SUCCEEDED"]);
        const rerun = simulation.reports[1].report.output as any;
        assert.deepStrictEqual(rerun.webServers.map((s: any) => [s.name, s.found, s.backup]), [["web-1", "stopped", "started"], ["web-2", "stopped", "existing"]]);
        assert.deepStrictEqual(systemState(simulation.account), {
            ...stopped,
            backups: ["web-1: COMPLETED", "web-1: FAILED", "web-1: FAILED", "web-2: COMPLETED", "webapp-jobnet-dev: COMPLETED"],
        });
    });

    it("stopping a stopped system whose AMI has expired takes a new AMI of that server only", async () => {
        const { report, account } = await run("stop", "stopped", { backupExpired: ["web-1"] });
        assert.strictEqual(report.status, "SUCCEEDED", report.cause);
        const output = report.output as any;
        assert.deepStrictEqual(output.webServers.map((s: any) => [s.name, s.backup]), [["web-1", "started"], ["web-2", "existing"]]);
        assert.deepStrictEqual(systemState(account), { ...stopped, backups: ["web-1: COMPLETED"] });
    });

    it("retries a throttled Lambda invocation and goes on", async () => {
        const { report, account } = await run("stop", "running", { lambdaThrottles: { describeInstances: 2, enableMaintenancePage: 1 } });
        assert.strictEqual(report.status, "SUCCEEDED", report.cause);
        const retried = report.events.filter((e) => e.type === "StateRetried").map((e) => (e as any).state.name).sort();
        assert.deepStrictEqual(retried, ["DescribeWebServers", "DescribeWebServers", "EnableMaintenancePage"]);
        assert.deepStrictEqual(systemState(account).servers, stopped.servers);
    });

    it("throttles, or answers late, only the step named, not the other steps that call its function", async () => {
        // DescribeWebServers calls describeInstances too, WaitUntilInstancesStopped's polls first; BackUpCluster calls ensureBackups too.
        const { report, account } = await run("stop", "running", { lambdaThrottles: { WaitUntilInstancesStopped: 2 }, lateResponses: { BackUpWebServers: 1 } });
        assert.strictEqual(report.status, "SUCCEEDED", report.cause);
        const retried = report.events.filter((e) => e.type === "StateRetried").map((e) => (e as any).state.name).sort();
        assert.deepStrictEqual(retried, ["BackUpWebServers", "WaitUntilInstancesStopped", "WaitUntilInstancesStopped"]);
        assert.deepStrictEqual(systemState(account), { ...stopped, backups: ["web-1: COMPLETED", "web-2: COMPLETED", "webapp-jobnet-dev: COMPLETED"] });
    });

    it("a Task that times out while its function acted is retried, and the retry finds the work done", async () => {
        const { report, account } = await run("stop", "running", { lateResponses: { stopInstances: 1, ensureBackups: 1 } });
        assert.strictEqual(report.status, "SUCCEEDED", report.cause);
        const retried = report.events.filter((e) => e.type === "StateRetried").map((e) => (e as any).state.name).sort();
        assert.deepStrictEqual(retried, ["BackUpCluster", "StopInstances"]);
        // One StopInstances for both servers and one backup job per resource: the retries acted on nothing twice.
        assert.deepStrictEqual(changes(account).filter((c) => c.endsWith("StopInstances")), ["stopInstances ec2:StopInstances"]);
        assert.deepStrictEqual(systemState(account), { ...stopped, backups: ["web-1: COMPLETED", "web-2: COMPLETED", "webapp-jobnet-dev: COMPLETED"] });
    });

    it("a StartBackupJob whose answer is lost, its repeat answered without a job id, finds its job: one job per resource", async () => {
        const { report, account } = await run("stop", "running", { backupTokenNoId: ["*"], lateResponses: { ensureBackups: 1 } });
        assert.strictEqual(report.status, "SUCCEEDED", report.cause);
        // Each resource's start and the SDK's repeat of it; no start with a new token.
        assert.deepStrictEqual(changes(account).filter((c) => c.endsWith("StartBackupJob")), Array(6).fill("ensureBackups backup:StartBackupJob"));
        assert.deepStrictEqual(systemState(account), { ...stopped, backups: ["web-1: COMPLETED", "web-2: COMPLETED", "webapp-jobnet-dev: COMPLETED"] });
        const output = report.output as { webServers: { backupJobId: string }[]; database: { backupJobId: string } };
        assert.deepStrictEqual([...output.webServers.map((s) => s.backupJobId), output.database.backupJobId].sort(), account.backupJobs.filter((j) => !j.earlier).map((j) => j.id).sort());
    });

    it("rides out bursts of API throttling on every service", async () => {
        const all = { ec2: 30, ssm: 30, rds: 30, elasticloadbalancing: 30, backup: 30, states: 30, dynamodb: 30 };
        const { report, account } = await run("stop", "running", { apiThrottling: all });
        assert.strictEqual(report.status, "SUCCEEDED", report.cause);
        assert.ok((account.throttled.dynamodb ?? 0) > 0 && (account.throttled.backup ?? 0) > 0, JSON.stringify(account.throttled));
        assert.deepStrictEqual(systemState(account), { ...stopped, backups: ["web-1: COMPLETED", "web-2: COMPLETED", "webapp-jobnet-dev: COMPLETED"] });
    });

    it("fails, naming the step and the server, when throttling outlasts the retries", async () => {
        const { report, account } = await run("stop", "running", { apiThrottling: { ec2: 119 } });
        assert.strictEqual(report.error, "RequestLimitExceeded");
        assert.match(lambdaMessage(report.cause), /^DescribeWebServers: AWS throttled the request \(RequestLimitExceeded, HTTP 503, after 3 attempts\): Request limit exceeded\.$/);
        assert.deepStrictEqual(changes(account), ["enableMaintenancePage elasticloadbalancing:CreateRule", "enableMaintenancePage elasticloadbalancing:AddTags"]);
    });

    it("refuses to take a listener rule priority another rule holds, naming it, before touching anything", async () => {
        const { report, account } = await run("stop", "running", { foreignRuleAtPriority: 1 });
        assert.strictEqual(report.error, "MaintenancePriorityInUse");
        const foreign = account.rules.find((r) => r.priority === "1")!;
        assert.strictEqual(report.cause, `EnableMaintenancePage: listener rule priority 1 is held by another rule (${foreign.arn}); set maintenanceRulePriority to a free one`);
        assert.deepStrictEqual(changes(account), []);
        assert.deepStrictEqual(systemState(account), running);
    });

    it("refuses to run while another stop run is active, naming it", async () => {
        const { report, account } = await run("stop", "running", { otherRunActive: "stop" });
        assert.strictEqual(report.error, "JobnetAlreadyRunning");
        assert.strictEqual(report.cause, `TakeRunLock: another jobnet run is active: ${execution("stop", "manual-run-1")} (started 2026-11-30T12:59:00.000Z)`);
        assert.deepStrictEqual(changes(account), []);
    });

    it("refuses to run while the start jobnet is running, changing nothing, and leaves the lock to that run", async () => {
        const { report, account } = await run("stop", "running", { otherRunActive: "start" });
        assert.strictEqual(report.error, "JobnetAlreadyRunning");
        assert.strictEqual(report.cause, `TakeRunLock: another jobnet run is active: ${execution("start", "manual-run-1")} (started 2026-11-30T12:59:00.000Z)`);
        // The write is refused, the holder read; the end of our run releases nothing of the other's.
        assert.deepStrictEqual(runLockCalls(account), ["takeRunLock dynamodb:PutItem", "takeRunLock states:DescribeExecution", "releaseRunLock dynamodb:DeleteItem"]);
        assert.strictEqual(lockHolder(account), execution("start", "manual-run-1"));
        assert.deepStrictEqual(systemState(account), running);
    });
});

describe("one run at a time, whatever ListExecutions shows (the run lock)", () => {
    before(async function () {
        this.timeout(60_000);
        await loadSynth();
    });

    it("a stop and a start started by hand in the same second: exactly one acts, the other is refused naming it", async () => {
        // ListExecutions shows neither run to the other: it is eventually consistent.
        const { reports, account } = await simulate(synth, { initial: "running", jobnets: ["stop"], faults: { race: "start", listLagSeconds: 5 } });
        assert.deepStrictEqual(reports.map((r) => [r.jobnet, r.report.status, r.report.error ?? ""]), [["stop", "SUCCEEDED", ""], ["start", "FAILED", "JobnetAlreadyRunning"]]);
        assert.strictEqual(reports[1].report.cause, `TakeRunLock: another jobnet run is active: ${execution("stop", "stop-1")} (started 2026-11-30T13:00:00.000Z)`);
        // The start took no step beyond the lock: the system is stopped, as the stop left it.
        assert.deepStrictEqual(reports[1].report.events.filter((e) => e.type === "StateEntered").map((e) => (e as { state: { name: string } }).state.name),
            ["ScheduledRun", "TakeRunLock", "RefuseIfAnotherRunIsActive", "AnotherRunIsActiveCause", "AnotherRunIsActive"]);
        assert.deepStrictEqual(systemState(account), { ...stopped, backups: ["web-1: COMPLETED", "web-2: COMPLETED", "webapp-jobnet-dev: COMPLETED"] });
        assert.strictEqual(lockHolder(account), undefined);
    });

    it("two stops started in the same second: one stops the system, the other is refused", async () => {
        const { reports } = await simulate(synth, { initial: "running", jobnets: ["stop"], faults: { race: "stop", listLagSeconds: 5 } });
        assert.deepStrictEqual(reports.map((r) => [r.report.executionName, r.report.status, r.report.error ?? ""]), [["stop-1", "SUCCEEDED", ""], ["stop-by-hand", "FAILED", "JobnetAlreadyRunning"]]);
    });

    it("a lock left by a run that has ended is taken over: it never blocks the next run", async () => {
        const { report, account } = await run("stop", "running", { lockLeft: "start" });
        assert.strictEqual(report.status, "SUCCEEDED", report.cause);
        // Refused, the holder found FAILED, taken over with a write conditioned on that holder, the run recorded as the
        // system's latest (a redrive of an earlier one is refused); released at the end.
        assert.deepStrictEqual(runLockCalls(account), ["takeRunLock dynamodb:PutItem", "takeRunLock states:DescribeExecution", "takeRunLock dynamodb:PutItem", "takeRunLock dynamodb:PutItem", "releaseRunLock dynamodb:DeleteItem"]);
        assert.strictEqual(lockHolder(account), undefined);
    });

    it("a failed run's lock is released when its end is told, so the next run goes", async () => {
        const { reports, account } = await simulate(synth, { initial: "running", jobnets: ["stop", "start"], keepGoing: true, faults: { httpdWillNotStop: ["web-1"] } });
        assert.deepStrictEqual(reports.map((r) => [r.jobnet, r.report.status]), [["stop", "FAILED"], ["start", "SUCCEEDED"]]);
        assert.deepStrictEqual(runLockCalls(account), ["takeRunLock dynamodb:PutItem", "takeRunLock dynamodb:PutItem", "releaseRunLock dynamodb:DeleteItem", "takeRunLock dynamodb:PutItem", "takeRunLock dynamodb:PutItem", "releaseRunLock dynamodb:DeleteItem"]);
    });

    it("when the end of a run never reaches the release function, the next run takes over its lock", async () => {
        const { reports, account } = await simulate(synth, { initial: "running", jobnets: ["stop", "start"], faults: { releaseLost: true } });
        assert.deepStrictEqual(reports.map((r) => [r.jobnet, r.report.status]), [["stop", "SUCCEEDED"], ["start", "SUCCEEDED"]]);
        assert.deepStrictEqual(runLockCalls(account), ["takeRunLock dynamodb:PutItem", "takeRunLock dynamodb:PutItem", "takeRunLock dynamodb:PutItem", "takeRunLock states:DescribeExecution", "takeRunLock dynamodb:PutItem", "takeRunLock dynamodb:PutItem"]);
        assert.strictEqual(lockHolder(account), execution("start", "start-2"));
    });
});

describe("a system stopped for longer than ListBackupJobs lists its backups (30 days)", () => {
    // Backups kept 60 days: a server stopped 40 days ago still has its AMI, though no listing of jobs shows it.
    let keptLonger: SynthResult;
    before(async function () {
        this.timeout(60_000);
        keptLonger = await synthesize("dev", path.join(projectDir, "out", ".test", "dev-backups-60-days"), { "webapp-jobnet:backupRetentionDays": "60" });
    });

    it("stopping it again takes no AMI: each server's is found by its recovery point; the database, stopped, needs no snapshot", async () => {
        const { reports, account } = await simulate(keptLonger, { initial: "stopped", jobnets: ["stop"], faults: { stoppedForDays: 40 } });
        const report = reports[0].report;
        assert.strictEqual(report.status, "SUCCEEDED", report.cause);
        const output = report.output as { webServers: unknown; database: unknown };
        assert.deepStrictEqual(output.webServers, [
            { name: "web-1", found: "stopped", backup: "existing", backupJobId: null },
            { name: "web-2", found: "stopped", backup: "existing", backupJobId: null },
        ]);
        assert.deepStrictEqual(output.database, { name: "webapp-jobnet-dev", backupJobId: null, outcome: "none" });
        assert.deepStrictEqual(systemState(account), { ...stopped, backups: [] });
    });

    it("the run the 7-day restart starts 40 days into the stop snapshots the database, kept 60 days, and takes no AMI", async () => {
        const { reports, account } = await stopAfterSevenDayRestart(keptLonger, "cluster-auto-restart", 40);
        assert.strictEqual(reports[0].report.status, "SUCCEEDED", reports[0].report.cause);
        assert.deepStrictEqual(systemState(account), { ...stopped, backups: ["webapp-jobnet-dev: COMPLETED"] });
        const snapshot = account.backupJobs.find((j) => !j.earlier)!;
        const kept = account.recoveryPoints.find((p) => p.arn === snapshot.recoveryPointArn)!;
        assert.strictEqual((kept.deleteAt - kept.createdAt) / 86_400_000, 60);
    });
});

describe("scheduled runs delivered more than once (Scheduler delivers at least once)", () => {
    before(async function () {
        this.timeout(60_000);
        await loadSynth();
    });

    it("a duplicate delivery of a scheduled stop ends SUCCEEDED as a duplicate and changes nothing", async () => {
        const { report, account } = await run("stop", "running", { duplicateDelivery: "earlier" }, scheduled);
        assert.strictEqual(report.status, "SUCCEEDED", report.cause);
        assert.deepStrictEqual(report.output, { jobnet: "stop", trigger: "schedule", duplicate: true, duplicateOf: execution("stop", "stop-1-earlier-delivery"), scheduledTime });
        // Its claim of the scheduled time was refused: it looked no further, and its end releases nothing.
        assert.deepStrictEqual(runLockCalls(account), ["takeRunLock dynamodb:PutItem", "releaseRunLock dynamodb:DeleteItem"]);
        assert.strictEqual(lockHolder(account), execution("stop", "stop-1-earlier-delivery"));
        assert.deepStrictEqual(changes(account), []);
        assert.deepStrictEqual(systemState(account), running);
    });

    it("the first delivery proceeds when its duplicate started later", async () => {
        const { report, account } = await run("stop", "running", { duplicateDelivery: "later" }, scheduled);
        assert.strictEqual(report.status, "SUCCEEDED", report.cause);
        assert.strictEqual((report.output as { maintenancePage: string }).maintenancePage, "created");
        assert.deepStrictEqual(systemState(account), { ...stopped, backups: ["web-1: COMPLETED", "web-2: COMPLETED", "webapp-jobnet-dev: COMPLETED"] });
        // The claim, the lock, and the run recorded as the system's latest; EventBridge tells the release
        // function of the duplicate's end too (it holds no lock: the conditional delete removes nothing), then of ours.
        assert.deepStrictEqual(runLockCalls(account), ["takeRunLock dynamodb:PutItem", "takeRunLock dynamodb:PutItem", "takeRunLock dynamodb:PutItem", "releaseRunLock dynamodb:DeleteItem", "releaseRunLock dynamodb:DeleteItem"]);
        assert.strictEqual(lockHolder(account), undefined);
        assert.deepStrictEqual(account.executions.map((e) => [e.arn.split(":").pop(), e.status]), [["stop-1", "SUCCEEDED"], ["stop-1-later-delivery", "SUCCEEDED"]]);
    });

    it("a duplicate arriving after the scheduled run ended does nothing", async () => {
        const once = await simulate(synth, { initial: "running", jobnets: ["stop"], input: scheduled });
        const twice = await simulate(synth, { initial: "running", jobnets: ["stop", "stop"], input: scheduled });
        const [first, second] = twice.reports.map((r) => r.report);
        assert.strictEqual(first.status, "SUCCEEDED", first.cause);
        assert.strictEqual(second.status, "SUCCEEDED", second.cause);
        assert.deepStrictEqual(second.output, { jobnet: "stop", trigger: "schedule", duplicate: true, duplicateOf: execution("stop", "stop-1"), scheduledTime });
        // The second delivery, 10 minutes later, found the claim of the first and changed nothing.
        assert.deepStrictEqual(changes(twice.account), changes(once.account));
        assert.deepStrictEqual(twice.account.calls.slice(once.account.calls.length).map((c) => `${c.caller} ${c.action}`), ["takeRunLock dynamodb:PutItem", "releaseRunLock dynamodb:DeleteItem"]);
    });

    it("a manual run while a scheduled run is active is still refused", async () => {
        const { report, account } = await run("stop", "running", { otherRunActive: "stop", otherRunScheduled: true });
        assert.strictEqual(report.error, "JobnetAlreadyRunning");
        assert.strictEqual(report.cause, `TakeRunLock: another jobnet run is active: ${execution("stop", "scheduled-run-1")} (started 2026-11-30T12:59:00.000Z)`);
        // A manual run claims no scheduled time.
        assert.deepStrictEqual(runLockCalls(account), ["takeRunLock dynamodb:PutItem", "takeRunLock states:DescribeExecution", "releaseRunLock dynamodb:DeleteItem"]);
        assert.deepStrictEqual(changes(account), []);
    });

    it("a scheduled run while a manual run, or a run of the other jobnet, is active is refused", async () => {
        for (const [jobnet, name] of [["stop", "manual-run-1"], ["start", "manual-run-1"]] as const) {
            const { report, account } = await run("stop", "running", { otherRunActive: jobnet }, scheduled);
            assert.strictEqual(report.error, "JobnetAlreadyRunning");
            assert.strictEqual(report.cause, `TakeRunLock: another jobnet run is active: ${execution(jobnet, name)} (started 2026-11-30T12:59:00.000Z)`);
            assert.deepStrictEqual(changes(account), []);
        }
    });

    it("a scheduled run while the previous schedule's run is still active is refused", async () => {
        // Started by the schedule a minute earlier, for its own time: not a delivery of ours.
        const { report, account } = await run("stop", "running", { otherRunActive: "stop", otherRunScheduled: true }, scheduled);
        assert.strictEqual(report.error, "JobnetAlreadyRunning");
        assert.strictEqual(report.cause, `TakeRunLock: another jobnet run is active: ${execution("stop", "scheduled-run-1")} (started 2026-11-30T12:59:00.000Z)`);
        // Its own scheduled time claimed, the lock refused, its holder read.
        assert.deepStrictEqual(runLockCalls(account), ["takeRunLock dynamodb:PutItem", "takeRunLock dynamodb:PutItem", "takeRunLock states:DescribeExecution", "releaseRunLock dynamodb:DeleteItem"]);
    });
});

describe("the start jobnet, run in the simulated account", () => {
    before(async function () {
        this.timeout(60_000);
        await loadSynth();
    });

    it("starts a stopped system: cluster and instances together, then httpd, then the maintenance page goes", async () => {
        const { report, account } = await run("start", "stopped");
        assert.strictEqual(report.status, "SUCCEEDED", report.cause);
        assert.deepStrictEqual(report.output, {
            database: "requested",
            webServers: { started: ["web-1", "web-2"], alreadyStarted: [] },
            httpd: { started: ["web-1", "web-2"], alreadyRunning: [] },
            maintenancePage: "deleted",
        });
        assert.deepStrictEqual(systemState(account), running);
        // The instances boot while the cluster starts; httpd starts only once it is available; the page goes last.
        const at = (event: string) => account.when(event)!;
        assert.ok(at("web-1 running") < at("cluster available") && at("web-2 running") < at("cluster available"));
        assert.ok(at("web-1 httpd running") >= at("cluster available") && at("web-2 httpd running") >= at("cluster available"));
        assert.ok(at("rule 1 deleted on listener 1") >= Math.max(at("web-1 httpd running"), at("web-2 httpd running")) + 60);
        assert.strictEqual(report.durationSeconds, 486);
    });

    it("starting an already running system succeeds with nothing to do", async () => {
        const { report, account } = await run("start", "running");
        assert.strictEqual(report.status, "SUCCEEDED", report.cause);
        assert.deepStrictEqual(report.output, {
            database: "already",
            webServers: { started: [], alreadyStarted: ["web-1", "web-2"] },
            httpd: { started: [], alreadyRunning: ["web-1", "web-2"] },
            maintenancePage: "already",
        });
        // Only the httpd check is sent, to both servers at once: it reads, and changes nothing.
        assert.deepStrictEqual(changes(account), ["sendScript ssm:SendCommand"]);
        assert.ok(account.invocations.every((v) => v.script === "/usr/local/sbin/checkHttpd.sh"));
        assert.deepStrictEqual(systemState(account), running);
    });

    it("keeps the maintenance page when a target never becomes healthy, and fails naming it", async () => {
        const { report, account } = await run("start", "stopped", { neverHealthy: ["web-2"] });
        assert.strictEqual(report.error, "TargetsNotHealthy");
        assert.strictEqual(
            report.cause,
            `WaitUntilAllTargetsHealthy: 1 of 2 targets healthy after 15m; not healthy: ${web2} (unhealthy: Target.FailedHealthChecks)`,
        );
        assert.deepStrictEqual(systemState(account), { ...running, maintenancePage: "on" });
    });

    it("fails when httpd will not start, with the database up and the page still on", async () => {
        const { report, account } = await run("start", "stopped", { httpdWillNotStart: ["web-1"] });
        assert.strictEqual(report.error, "HttpdDidNotStart");
        assert.match(report.cause!, new RegExp(`^StartHttpd: httpd did not start on 1 of 2 servers \\(/usr/local/sbin/startHttpd.sh\\): web-1 \\(${web1}\\) exited with code 1: `));
        assert.deepStrictEqual(systemState(account), {
            servers: ["web-1: running, httpd stopped", "web-2: running, httpd running"],
            cluster: "available",
            maintenancePage: "on",
            backups: [],
        });
    });

    it("sends the commands to a server whose SSM agent comes online 5 minutes after they first went out, once it is online", async () => {
        // web-1 runs 15 s after the start and passes its status checks at 2:15; the commands go out at
        // 7:00, once the cluster is available; its agent comes online at 12:15.
        const { report, account } = await run("start", "stopped", { agentLate: { "web-1": 720 } });
        assert.strictEqual(report.status, "SUCCEEDED", report.cause);
        assert.deepStrictEqual(systemState(account), running);
        // No send was refused: the first went to web-2 alone, the next to web-1 once its agent was online.
        const sends = account.calls.filter((c) => c.action === "ssm:SendCommand").map((c) => c.authorizations.filter((a) => a.resource.includes(":instance/")).map((a) => a.resource.split("/").pop()));
        assert.deepStrictEqual(sends, [[web2], [web1], [web1, web2], [web1, web2]]);
        const firstToWeb1 = account.invocations.find((v) => v.instanceId === web1)!;
        assert.deepStrictEqual([(firstToWeb1.sentAt - simulatedStartMs) / 1000, firstToWeb1.script], [740, "/usr/local/sbin/checkHttpd.sh"]);
    });

    it("fails within its bound, saying the command was never delivered and to which server, when a server's SSM agent never comes online", async () => {
        const { report, account } = await run("start", "stopped", { agentLate: { "web-1": Infinity } });
        assert.strictEqual(report.error, "CommandNotDelivered");
        assert.strictEqual(
            report.cause,
            `CheckHttpd: /usr/local/sbin/checkHttpd.sh was never delivered to 1 of 2 servers, whose SSM agent was not online within 15m: web-1 (${web1}): its agent is not connected (PingStatus ConnectionLost).`
            + " On the server, install and start the SSM agent; give the instance a profile whose role has the policy AmazonSSMManagedInstanceCore;"
            + " let it reach the SSM endpoints over HTTPS (443), through a NAT gateway or VPC endpoints for ssm, ssmmessages and ec2messages",
        );
        // The check went out at 7:00 to web-2; web-1's agent was waited for within the step's bound:
        // the command's 5 minutes and the agents' 10 (jobnetWaits.httpdCommand and agentOnline).
        assert.strictEqual(report.durationSeconds, 7 * 60 + 900);
        assert.deepStrictEqual(account.invocations.map((v) => [v.instanceId, v.script]), [[web2, "/usr/local/sbin/checkHttpd.sh"]]);
        assert.deepStrictEqual(systemState(account), {
            servers: ["web-1: running, httpd stopped", "web-2: running, httpd stopped"],
            cluster: "available",
            maintenancePage: "on",
            backups: [],
        });
    });

    it("fails at once naming a server that was terminated behind its back, before asking any to start", async () => {
        const { report, account } = await run("start", "stopped", { terminated: ["web-2"] });
        assert.strictEqual(report.error, "InstanceGone");
        assert.strictEqual(lambdaMessage(report.cause!.replace(/^StartInstances: /, "")), `web-2 (${web2}) is terminated; it cannot start`);
        assert.strictEqual(account.instances.get(web1)!.state, "stopped");
        assert.strictEqual(account.database.status, "starting");
    });

    it("fails at once, without a retry, naming the cluster and its KMS key when RDS cannot use the key, the page still on", async () => {
        const { report, account } = await run("start", "stopped", { databaseKeyDisabled: true });
        assert.strictEqual(report.error, "KMSKeyNotAccessibleFault");
        assert.match(lambdaMessage(report.cause), /^cluster webapp-jobnet-dev cannot start: Aurora cannot use the KMS key that encrypts it; RDS answered KMSKeyNotAccessibleFault: Specified KMS key \[arn:aws:kms:ap-northeast-1:123456789012:key\/[0-9a-f-]{36}\] does not exist, is not enabled or you do not have permissions to access it\. Enable the key, or let RDS use it in its key policy, then redrive the run or run the jobnet again$/);
        assert.deepStrictEqual([report.events.filter((e) => e.type === "StateRetried").length, account.calls.filter((c) => c.action === "rds:StartDBCluster").length, report.durationSeconds], [0, 1, 0]);
        // The servers' side is stopped where it was: both asked to start, still pending; httpd not touched.
        assert.deepStrictEqual(systemState(account), {
            servers: ["web-1: pending, httpd stopped", "web-2: pending, httpd stopped"],
            cluster: "stopped",
            maintenancePage: "on",
            backups: [],
        });
    });

    it("starts a cluster whose KMS key is usable again (inaccessible-encryption-credentials-recoverable), as StartDBCluster accepts, which recovers it", async () => {
        const { report, account } = await run("start", "stopped", { clusterStuck: "inaccessible-encryption-credentials-recoverable" });
        assert.strictEqual(report.status, "SUCCEEDED", report.cause);
        assert.deepStrictEqual(systemState(account), running);
    });

    it("tries a server's start again while EC2 has no capacity for it, then goes on", async () => {
        const { report, account } = await run("start", "stopped", { noCapacity: { "web-2": 300 } });
        assert.strictEqual(report.status, "SUCCEEDED", report.cause);
        const retried = report.events.filter((e) => e.type === "StateRetried").map((e) => (e as any).state.name);
        assert.deepStrictEqual(retried, ["StartInstances", "StartInstances", "StartInstances"]);
        assert.deepStrictEqual(systemState(account), running);
        // Every two minutes, as EC2 advises: the third try, at 6:00, finds capacity.
        assert.strictEqual(account.when("web-2 pending"), 360);
    });

    it("fails naming the server and EC2's error when capacity never comes within its bound", async () => {
        const { report, account } = await run("start", "stopped", { noCapacity: { "web-2": Infinity } });
        assert.strictEqual(report.error, "InsufficientInstanceCapacity");
        assert.strictEqual(
            lambdaMessage(report.cause),
            `web-2 (${web2}): EC2 has no capacity to start it: We currently do not have sufficient capacity for the instance type in the Availability Zone you requested. Our system will be working on provisioning additional capacity.`,
        );
        // Seven tries, two minutes apart: the 15-minute bound of jobnetWaits.instanceCapacity.
        assert.strictEqual(report.events.filter((e) => e.type === "StateRetried").length, 7);
        assert.strictEqual(account.instances.get(web2)!.state, "stopped");
        assert.strictEqual(account.maintenancePage(), "on");
    });

    it("starts a server again when it lost its capacity while starting (pending → stopped)", async () => {
        const { report, account } = await run("start", "stopped", { capacityLost: { "web-1": 2 } });
        assert.strictEqual(report.status, "SUCCEEDED", report.cause);
        assert.deepStrictEqual(account.timeline.filter((t) => t.event.startsWith("web-1 ")).map((t) => t.event).slice(0, 6), [
            "web-1 pending", "web-1 stopped", "web-1 pending", "web-1 stopped", "web-1 pending", "web-1 running",
        ]);
        assert.deepStrictEqual(systemState(account), running);
    });

    it("fails naming the server when it keeps losing its capacity while starting", async () => {
        const { report } = await run("start", "stopped", { capacityLost: { "web-1": 20 } });
        assert.strictEqual(report.error, "InsufficientInstanceCapacity");
        assert.strictEqual(
            report.cause,
            `WaitUntilInstancesReady: servers went back to stopped 7 times while starting (Server.InsufficientInstanceCapacity); EC2 has no capacity for them in their Availability Zone: web-1 (${web1}) is stopped`,
        );
    });

    it("refuses to run while another run of itself is active", async () => {
        const { report, account } = await run("start", "stopped", { otherRunActive: "start" });
        assert.strictEqual(report.error, "JobnetAlreadyRunning");
        assert.deepStrictEqual(changes(account), []);
        assert.deepStrictEqual(systemState(account), { ...stopped, backups: [] });
    });

    it("retries throttled invocations inside the Parallel and the Maps", async () => {
        const { report } = await run("start", "stopped", { lambdaThrottles: { startInstances: 1, startCluster: 1, getScriptResults: 2 } });
        assert.strictEqual(report.status, "SUCCEEDED", report.cause);
        assert.strictEqual(report.events.filter((e) => e.type === "StateRetried").length, 4);
    });
});

/** The dev stack with three servers, synthesised once for the suites in this file that need more than two. */
let threeSynthesised: Promise<SynthResult> | undefined;
function threeServers(): Promise<SynthResult> {
    threeSynthesised ??= synthesize("dev", path.join(projectDir, "out", ".test", "dev-3"), { "webapp-jobnet:webServerCount": "3" });
    return threeSynthesised;
}

describe("a system whose servers are not all in the same state, run in the simulated account", function () {
    this.timeout(60_000);
    let three: SynthResult;
    before(async () => {
        three = await threeServers();
    });

    it("stops servers found running, stopping and stopped alike, and backs up each one", async () => {
        const { reports, account } = await simulate(three, { initial: "running", jobnets: ["stop"], faults: { serverStates: { "web-1": "stopped", "web-2": "stopping" } } });
        const report = reports[0].report;
        assert.strictEqual(report.status, "SUCCEEDED", report.cause);
        const output = report.output as any;
        assert.deepStrictEqual(output.webServers.map((s: any) => [s.name, s.found, s.backup]), [["web-1", "stopped", "started"], ["web-2", "stopping", "started"], ["web-3", "running", "started"]]);
        assert.deepStrictEqual(systemState(account), {
            servers: ["web-1: stopped, httpd stopped", "web-2: stopped, httpd stopped", "web-3: stopped, httpd stopped"],
            cluster: "stopped",
            maintenancePage: "on",
            backups: ["web-1: COMPLETED", "web-2: COMPLETED", "web-3: COMPLETED", "webapp-jobnet-dev: COMPLETED"],
        });
        // Only the running one was asked to stop, and only it had httpd stopped by the jobnet.
        assert.deepStrictEqual(changes(account).filter((c) => c.includes("StopInstances")), ["stopInstances ec2:StopInstances"]);
        assert.deepStrictEqual(account.invocations.map((v) => [account.instances.get(v.instanceId)!.name, v.script.split("/").pop()]), [["web-3", "stopHttpd.sh"], ["web-3", "checkHttpd.sh"]]);
    });

    it("starts servers found stopped, pending and running alike, and httpd on each", async () => {
        const { reports, account } = await simulate(three, { initial: "stopped", jobnets: ["start"], faults: { serverStates: { "web-1": "running", "web-2": "pending" } } });
        const report = reports[0].report;
        assert.strictEqual(report.status, "SUCCEEDED", report.cause);
        assert.deepStrictEqual(report.output, {
            database: "requested",
            webServers: { started: ["web-3"], alreadyStarted: ["web-1", "web-2"] },
            httpd: { started: ["web-1", "web-2", "web-3"], alreadyRunning: [] },
            maintenancePage: "deleted",
        });
        assert.deepStrictEqual(systemState(account).servers, ["web-1: running, httpd running", "web-2: running, httpd running", "web-3: running, httpd running"]);
        assert.deepStrictEqual(changes(account).filter((c) => c.includes("StartInstances")), ["startInstances ec2:StartInstances"]);
    });
});

describe("servers EC2 refuses to stop or start for good, among three, run in the simulated account", function () {
    this.timeout(60_000);
    let three: SynthResult;
    let ids: Record<string, string>;
    before(async () => {
        three = await threeServers();
        ids = Object.fromEntries(three.outputs.webServers.map((s: { name: string; instanceId: string }) => [s.name, s.instanceId]));
    });
    const refusedCalls = (account: SimulatedAccount, action: string) => account.calls.filter((c) => c.action === action).map((c) => c.authorizations.map((a) => account.instances.get(a.resource.split("/").pop()!)!.name));

    it("stops and backs up the others, snapshots and stops the database, then fails naming the protected server in EC2's words, in the time of a run that succeeds", async () => {
        const { reports, account } = await simulate(three, { initial: "running", jobnets: ["stop"], faults: { ec2Refuses: { "web-2": "OperationNotPermitted" } } });
        const report = reports[0].report;
        assert.deepStrictEqual([report.status, report.error], ["FAILED", "InstanceStopRefused"]);
        assert.strictEqual(report.cause, "StopInstances: EC2 refused to stop 1 of the servers; every other server is stopped and backed up, and the database snapshotted and stopped. "
            + `Fix each refused server, then run the jobnet again: web-2 (${ids["web-2"]}): OperationNotPermitted: The instance '${ids["web-2"]}' may not be stopped. Modify its 'disableApiStop' instance attribute and try again.`);
        assert.deepStrictEqual(systemState(account), {
            servers: ["web-1: stopped, httpd stopped", "web-2: running, httpd stopped", "web-3: stopped, httpd stopped"],
            cluster: "stopped",
            maintenancePage: "on",
            backups: ["web-1: COMPLETED", "web-3: COMPLETED", "webapp-jobnet-dev: COMPLETED"],
        });
        // The refused server is found in halves: the whole call, then the half it is in, then each alone.
        assert.deepStrictEqual(refusedCalls(account, "ec2:StopInstances"), [["web-1", "web-2", "web-3"], ["web-1", "web-2"], ["web-1"], ["web-2"], ["web-3"]]);
        // No wait waits for it: the run ends when a run without it would (8:14), not after the 10-minute bound of the servers' stop.
        assert.strictEqual(report.durationSeconds, 494);
    });

    it("starts the others and their httpd, keeps the maintenance page on, then fails naming the server EC2 refused", async () => {
        const { reports, account } = await simulate(three, { initial: "stopped", jobnets: ["start"], faults: { ec2Refuses: { "web-2": "InvalidParameterValue" } } });
        const report = reports[0].report;
        assert.deepStrictEqual([report.status, report.error], ["FAILED", "InstanceStartRefused"]);
        assert.strictEqual(report.cause, "StartInstances: EC2 refused to start 1 of the servers; every other server is started and its httpd started, and the database started; the maintenance page stays on. "
            + `Fix each refused server, then run the jobnet again: web-2 (${ids["web-2"]}): InvalidParameterValue: Invalid value '${ids["web-2"]}' for instanceId. Instance does not have a volume attached at root (/dev/xvda)`);
        assert.deepStrictEqual(systemState(account), {
            servers: ["web-1: running, httpd running", "web-2: stopped, httpd stopped", "web-3: running, httpd running"],
            cluster: "available",
            maintenancePage: "on",
            backups: [],
        });
        // Run Command never went to the stopped server, which would have refused the whole command.
        assert.deepStrictEqual([...new Set(account.invocations.map((v) => account.instances.get(v.instanceId)!.name))], ["web-1", "web-3"]);
        // Done when httpd runs on the others (7:06), before the health wait, which the refused server would never pass.
        assert.strictEqual(report.durationSeconds, 426);
    });

    it("names every server when EC2 refuses each, the database started all the same", async () => {
        const { reports, account } = await simulate(three, { initial: "stopped", jobnets: ["start"], faults: { ec2Refuses: { "web-1": "UnauthorizedOperation", "web-2": "UnauthorizedOperation", "web-3": "UnauthorizedOperation" } } });
        const report = reports[0].report;
        assert.strictEqual(report.error, "InstanceStartRefused");
        assert.match(report.cause!, /^StartInstances: EC2 refused to start 3 of the servers; .*: web-1 \(i-\w+\): UnauthorizedOperation: You are not authorized to perform this operation\. Encoded authorization failure message: \S+, web-2 \(i-\w+\): UnauthorizedOperation: .*, web-3 \(i-\w+\): UnauthorizedOperation: /);
        assert.deepStrictEqual([systemState(account).servers, account.database.status, account.invocations.length], [["web-1: stopped, httpd stopped", "web-2: stopped, httpd stopped", "web-3: stopped, httpd stopped"], "available", 0]);
    });
});

describe("the jobnets of a stack served over HTTPS, run in the simulated account", () => {
    let https: SynthResult;
    before(async function () {
        this.timeout(60_000);
        https = await synthesize("example-https", path.join(projectDir, "out", ".test", "example-https"));
    });

    it("stop puts the maintenance page on the HTTPS listener; HTTP goes on redirecting to it", async () => {
        const { account, reports } = await simulate(https, { initial: "running", jobnets: ["stop"] });
        assert.strictEqual(reports[0].report.status, "SUCCEEDED", reports[0].report.cause);
        assert.deepStrictEqual(account.clientView(), ["redirect to HTTPS", "maintenance page"]);
        assert.strictEqual(account.maintenancePage(), "on");
    });

    it("start removes it, and the web servers answer on HTTPS again", async () => {
        const { account, reports } = await simulate(https, { initial: "stopped", jobnets: ["start"] });
        assert.strictEqual(reports[0].report.status, "SUCCEEDED", reports[0].report.cause);
        assert.deepStrictEqual(account.clientView(), ["redirect to HTTPS", "web servers"]);
    });

    it("start also removes a page left on the HTTP listener when HTTPS came while the system was stopped", async () => {
        const { account, reports } = await simulate(https, { initial: "stopped", jobnets: ["start"], faults: { pageLeftOnRedirect: true } });
        assert.strictEqual(reports[0].report.status, "SUCCEEDED", reports[0].report.cause);
        // The listeners are asked in the order the plan gives: those that forward first.
        assert.deepStrictEqual(account.timeline.filter((t) => / deleted on /.test(t.event)).map((t) => t.event), ["rule 1 deleted on listener 2", "rule 1 deleted on listener 1"]);
        assert.deepStrictEqual(account.clientView(), ["redirect to HTTPS", "web servers"]);
    });

    it("stop changes nothing when another rule holds the priority on a listener", async () => {
        const { account, reports } = await simulate(https, { initial: "running", jobnets: ["stop"], faults: { foreignRuleAtPriority: 1 } });
        assert.strictEqual(reports[0].report.error, "MaintenancePriorityInUse");
        assert.deepStrictEqual(account.clientView(), ["redirect to HTTPS", "web servers"]);
    });

    it("keep to the least privilege: CreateRule on the HTTPS listener only, DeleteRule only on rules with this stack's tag", () => {
        const policyOf = (task: string): any[] => functionPolicy(https.resources, `webapp-jobnet-example-https-${task}`);
        const [http, tls] = https.outputs.listeners.map((l: { arn: string }) => l.arn);
        const rulesOf = (listener: string) => `${listener.replace(":listener/", ":listener-rule/")}/*`;
        const enable = policyOf("enable-maintenance-page");
        assert.deepStrictEqual(enable.find((s: any) => s.Action.includes("elasticloadbalancing:CreateRule")).Resource, [tls, rulesOf(tls)]);
        assert.deepStrictEqual(enable.find((s: any) => s.Action.includes("elasticloadbalancing:AddTags")), {
            Effect: "Allow",
            Action: ["elasticloadbalancing:AddTags"],
            Resource: [rulesOf(tls)],
            Condition: {
                StringEquals: { "elasticloadbalancing:CreateAction": "CreateRule", "aws:RequestTag/webapp-jobnet:maintenance": "example-https" },
                "ForAllValues:StringEquals": { "aws:TagKeys": ["webapp-jobnet:maintenance"] },
            },
        });
        assert.deepStrictEqual(policyOf("disable-maintenance-page").find((s: any) => s.Action.includes("elasticloadbalancing:DeleteRule")), {
            Effect: "Allow",
            Action: ["elasticloadbalancing:DeleteRule"],
            Resource: [rulesOf(tls), rulesOf(http)],
            Condition: { StringEquals: { "aws:ResourceTag/webapp-jobnet:maintenance": "example-https" } },
        });
    });
});
