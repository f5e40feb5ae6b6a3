import * as assert from "assert";
import { SynthResult } from "../scripts/lib/synthesize";
import { SimExecution, SimulatedAccount, executionArnOf } from "../simulator/account";
import { VirtualClock } from "../simulator/clock";
import { installServices } from "../simulator/services";
import { simulate } from "../simulator/simulate";
import { lockItem, refuseUnsafeRedrive, takeRunLock, TakeRunLockEvent } from "../handlers/runLock";
import { exclusionsOf, excludedLocksOf, keptApartChildProblems, notWithProblems } from "../statemachines/exclusion";
import { jobGraphProblems } from "../statemachines/jobGraph";
import { JobnetDefinition } from "../statemachines/jobs";
import { historyBudget, worstCaseHistory } from "../statemachines/historyBudget";
import { StateMachineDefinition } from "../statemachines/asl";
import { taskFunctions } from "../handlers/catalog";
import { FaultSpecError, parseFaults } from "../simulator/faults";
import { bareAccountSpec, testArn } from "./support/accountSpec";
import { sharedSynthesis } from "./support/sharedRuns";

/** A jobnet of one command job, `notWith` as given. */
const jobnetOf = (name: string, notWith?: JobnetDefinition["notWith"], jobs: JobnetDefinition["jobs"] = { a: { kind: "command", on: { group: "batch" }, command: "true" } }): JobnetDefinition =>
    ({ name, description: name, expectedMinutes: 30, timeoutMinutes: 60, jobs, ...(notWith ? { notWith } : {}) });

describe("jobnets kept apart (notWith): which locks each checks, and what a definition may say", () => {
    it("makes the relation work both ways: the named jobnet checks the lock of the one that names it", () => {
        const d = [jobnetOf("weekly", { jobnets: ["nightly"], wait: { maxMinutes: 30 } }), jobnetOf("nightly"), jobnetOf("report")];
        assert.deepStrictEqual(exclusionsOf(d, ["stop", "start", "weekly", "nightly", "report"]), { weekly: ["nightly"], nightly: ["weekly"] });
    });

    it("keeps a jobnet naming stop apart from start too, and both of them from it: they share the system's lock", () => {
        const d = [jobnetOf("audit", { jobnets: ["stop"] }), jobnetOf("export", { jobnets: ["start", "audit"] })];
        assert.deepStrictEqual(exclusionsOf(d, ["stop", "start", "audit", "export"]), { stop: ["audit", "export"], start: ["audit", "export"], audit: ["export", "stop/start"], export: ["audit", "stop/start"] });
        const keyOf = (group: string) => (group === "stop/start" ? "dev" : `dev/${group}`);
        assert.deepStrictEqual(excludedLocksOf(d, ["stop", "audit"], keyOf), {
            stop: [{ jobnet: "audit", lockKey: "dev/audit" }, { jobnet: "export", lockKey: "dev/export" }],
            audit: [{ jobnet: "export", lockKey: "dev/export" }, { jobnet: "stop/start", lockKey: "dev" }],
        });
    });

    it("refuses at preview: no jobnet named, one twice, itself, one the stack does not deploy, one it runs as a job, a wait out of bounds", () => {
        const known = { groups: ["batch"], jobnets: ["stop", "start", "a", "b"] };
        assert.deepStrictEqual(jobGraphProblems(jobnetOf("a", { jobnets: [] }), known), ["jobnet a, notWith: names no jobnet; name those it must not run beside, or leave notWith out"]);
        assert.deepStrictEqual(notWithProblems(jobnetOf("a", { jobnets: ["b", "b", "a", "nightly"], wait: { maxMinutes: 60 } }), known), [
            "jobnet a, notWith: names b more than once",
            "jobnet a, notWith: names the jobnet itself; one run of a jobnet at a time is the rule already (its own lock)",
            "jobnet a, notWith: names nightly, which this stack does not deploy (it deploys: stop, start, a, b)",
            "jobnet a, notWith: wait.maxMinutes must be a whole number of minutes from 1 to below timeoutMinutes (60), not 60: the wait is part of the run",
        ]);
        assert.deepStrictEqual(notWithProblems(jobnetOf("a", { jobnets: ["b"], wait: { maxMinutes: 0.5 } }), known), [
            "jobnet a, notWith: wait.maxMinutes must be a whole number of minutes from 1 to below timeoutMinutes (60), not 0.5: the wait is part of the run",
        ]);
        const runsStart = jobnetOf("a", { jobnets: ["stop"] }, { "start-system": { kind: "jobnet", jobnet: "start" } });
        assert.deepStrictEqual(notWithProblems(runsStart, known), ["jobnet a, notWith: names stop, which its job start-system runs (start shares stop's lock): that run would find a running and refuse"]);
        assert.deepStrictEqual(notWithProblems(jobnetOf("a", { jobnets: ["b"], wait: { maxMinutes: 59 } }), known), []);
    });

    it("refuses a jobnet that runs, at any depth, one that must not run beside it", () => {
        const parent = jobnetOf("parent", undefined, { child: { kind: "jobnet", jobnet: "middle" } });
        const middle = jobnetOf("middle", undefined, { leaf: { kind: "jobnet", jobnet: "leaf" } });
        const leaf = jobnetOf("leaf", { jobnets: ["parent"] });
        assert.deepStrictEqual(keptApartChildProblems([parent, middle, leaf]), [{
            jobnet: "parent",
            line: "jobnet parent, job child: runs leaf (through middle), which must not run beside parent (notWith of leaf): that run would find parent running and refuse",
        }]);
        assert.deepStrictEqual(keptApartChildProblems([parent, middle, jobnetOf("leaf", { jobnets: ["middle"] })]), [{
            jobnet: "middle",
            line: "jobnet middle, job leaf: runs leaf, which must not run beside middle (notWith of leaf): that run would find middle running and refuse",
        }]);
    });
});

describe("taking a run lock apart from other jobnets' (TransactWriteItems)", () => {
    const table = "locks";
    const machine = (jobnet: string) => testArn("states", `stateMachine:dev-${jobnet}`);
    /** A run of `jobnet`, started now, as the account lists it. */
    const runOf = (account: SimulatedAccount, jobnet: string, status: SimExecution["status"] = "RUNNING"): SimExecution => {
        const e: SimExecution = { arn: executionArnOf(machine(jobnet), `${jobnet}-1`), stateMachineArn: machine(jobnet), input: "{}", status, startDate: Date.now(), history: [] };
        account.executions.push(e);
        return e;
    };
    const eventOf = (run: SimExecution, jobnet: string, apart: string[]): TakeRunLockEvent => ({
        step: "TakeRunLock", tableName: table, lockKey: `dev/${jobnet}`, executionArn: run.arn, stateMachineArn: run.stateMachineArn,
        startTime: new Date(run.startDate).toISOString(), input: {}, leaseSeconds: 3600, notWith: apart.map((j) => ({ jobnet: j, lockKey: `dev/${j}` })),
    });
    const holds = (account: SimulatedAccount, jobnet: string) => account.tables.get(table)!.get({ lockKey: { S: `dev/${jobnet}` } })?.executionArn?.S;
    async function inAccount<T>(body: (account: SimulatedAccount) => Promise<T>): Promise<T> {
        const clock = new VirtualClock();
        clock.install();
        const account = new SimulatedAccount(bareAccountSpec({ runLock: { tableName: table, lockKey: "dev", leaseSeconds: 3600 } }));
        const restore = installServices(account);
        try {
            return await body(account);
        } finally {
            restore();
            clock.uninstall();
        }
    }

    it("of two runs kept apart that take their locks at once, lets one run and tells the other who runs", async () => {
        await inAccount(async (account) => {
            const [weekly, nightly] = [runOf(account, "weekly"), runOf(account, "nightly")];
            const [first, second] = await Promise.all([takeRunLock(eventOf(weekly, "weekly", ["nightly"])), takeRunLock(eventOf(nightly, "nightly", ["weekly"]))]);
            assert.deepStrictEqual(first, { outcome: "taken", heldBy: "", duplicateOf: null, excludedBy: "" });
            assert.deepStrictEqual(second, { outcome: "excluded", heldBy: "", duplicateOf: null, excludedBy: `weekly: ${weekly.arn} (started ${new Date(weekly.startDate).toISOString()})` });
            assert.deepStrictEqual([holds(account, "weekly"), holds(account, "nightly")], [weekly.arn, undefined]);
            // Both transactions sent before either answer was read: one each; the loser read whether the winner still runs; the winner recorded itself the latest run.
            assert.deepStrictEqual(account.calls.map((c) => c.action), ["dynamodb:TransactWriteItems", "dynamodb:TransactWriteItems", "states:DescribeExecution", "dynamodb:PutItem"]);
        });
    });

    it("takes its lock over a lock left by a run that has ended, in a second transaction conditioned on that run", async () => {
        await inAccount(async (account) => {
            const ended = runOf(account, "nightly", "SUCCEEDED");
            account.tables.get(table)!.put(lockItem({ lockKey: "dev/nightly" }, { executionArn: ended.arn, stateMachineArn: ended.stateMachineArn, startTime: new Date(ended.startDate).toISOString() }, Math.floor(Date.now() / 1000) + 3600), {});
            const weekly = runOf(account, "weekly");
            assert.deepStrictEqual(await takeRunLock({ ...eventOf(weekly, "weekly", ["nightly"]), attempt: 3 }), { outcome: "taken", heldBy: "", duplicateOf: null, excludedBy: "", attempt: 3 });
            assert.deepStrictEqual(account.calls.map((c) => c.action), ["dynamodb:TransactWriteItems", "states:DescribeExecution", "dynamodb:TransactWriteItems", "dynamodb:PutItem"]);
            // Its own lock, and the other's left as it was: its run's release is not this run's to make.
            assert.deepStrictEqual([holds(account, "weekly"), holds(account, "nightly")], [weekly.arn, ended.arn]);
        });
    });

    it("says its own jobnet runs (held) rather than excluded when both are so, and takes nothing", async () => {
        await inAccount(async (account) => {
            const [earlier, nightly] = [runOf(account, "weekly"), runOf(account, "nightly")];
            const run = (e: SimExecution) => ({ executionArn: e.arn, stateMachineArn: e.stateMachineArn, startTime: new Date(e.startDate).toISOString() });
            account.tables.get(table)!.put(lockItem({ lockKey: "dev/weekly" }, run(earlier), Math.floor(Date.now() / 1000) + 3600), {});
            account.tables.get(table)!.put(lockItem({ lockKey: "dev/nightly" }, run(nightly), Math.floor(Date.now() / 1000) + 3600), {});
            const later = { ...runOf(account, "weekly"), arn: executionArnOf(machine("weekly"), "weekly-2") };
            account.executions.push(later);
            assert.deepStrictEqual(await takeRunLock(eventOf(later, "weekly", ["nightly"])), { outcome: "held", heldBy: `${earlier.arn} (started ${new Date(earlier.startDate).toISOString()})`, duplicateOf: null, excludedBy: "" });
            assert.strictEqual(holds(account, "weekly"), earlier.arn);
        });
    });

    it("refuses to redrive a run while a jobnet it must not run beside runs, and lets it once that run has ended", async () => {
        await inAccount(async (account) => {
            // A run of a state machine the account knows: a redrive's check reads its revision.
            const failed = account.startExecution(account.spec.stateMachineArns.stop, "weekly-1", {});
            account.endExecution(failed, "FAILED");
            const nightly = runOf(account, "nightly");
            const run = (e: SimExecution) => ({ executionArn: e.arn, stateMachineArn: e.stateMachineArn, startTime: new Date(e.startDate).toISOString() });
            account.tables.get(table)!.put(lockItem({ lockKey: "dev/nightly" }, run(nightly), Math.floor(Date.now() / 1000) + 3600), {});
            const redrive = { ...eventOf(failed, "weekly", ["nightly"]), count: 1 };
            await assert.rejects(refuseUnsafeRedrive(redrive), (e: Error) => e.name === "RedriveRefused" && e.message === `this run was redriven, but a jobnet it must not run beside is running: nightly: ${nightly.arn} (started ${new Date(nightly.startDate).toISOString()}); run the jobnet again instead, once the cause of the failure is fixed`);
            nightly.status = "SUCCEEDED";
            await refuseUnsafeRedrive(redrive);
            assert.strictEqual(holds(account, "weekly"), failed.arn);
        });
    });

    it("needs dynamodb:ConditionCheckItem on the lock table, for the checked locks' items only", () => {
        const resources = { partition: "aws", dnsSuffix: "amazonaws.com", region: "ap-northeast-1", accountId: "123456789012", instances: [], volumeKmsKeyArn: undefined, databaseArn: undefined, trafficListenerArns: [], otherListenerArns: [], maintenanceTag: { key: "k", value: "v" }, backupVaultArn: "v", backupRoleArn: "r", stateMachineArns: [machine("weekly")], runLockTableArn: testArn("dynamodb", "table/locks") };
        const statements = (keys?: string[]) => JSON.parse(JSON.stringify(taskFunctions.takeRunLock.permissions({ ...resources, ...(keys ? { excludedLockKeys: keys } : {}) })));
        assert.deepStrictEqual(statements(["dev/nightly", "dev/weekly"])[1], {
            Effect: "Allow",
            Action: ["dynamodb:ConditionCheckItem"],
            Resource: testArn("dynamodb", "table/locks"),
            Condition: { "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": ["dev/nightly", "dev/weekly"] } },
        });
        // A stack whose jobnets are kept apart from none has no such statement.
        assert.ok(statements().every((s: { Action: string[] }) => !s.Action.includes("dynamodb:ConditionCheckItem")));
    });
});

describe("jobnets kept apart, run in the simulated account (weekly-maintenance: notWith nightly-batch, wait up to 120 minutes)", () => {
    let synth: SynthResult;
    before(async function () {
        this.timeout(120_000);
        synth = await sharedSynthesis("dev");
    });
    const run = (jobnet: string, minutes: number, other: string) => simulate(synth, { initial: "running", jobnets: [jobnet], faults: { jobnetRunning: { jobnet: other, minutes } } });
    const otherRun = (jobnet: string) => `${jobnet}: arn:aws:states:ap-northeast-1:123456789012:execution:webapp-jobnet-dev-${jobnet}:manual-run-1 (started 2026-11-30T12:59:00.000Z)`;
    it("reads --fail running:JOBNET[:MINUTES], naming one of the stack's jobnets", () => {
        const context = { tasks: [], jobnets: ["stop", "start"] as const, jobnetNames: ["stop", "start", "nightly-batch", "weekly-maintenance"] };
        assert.deepStrictEqual(parseFaults(["running:nightly-batch"], context), { jobnetRunning: { jobnet: "nightly-batch", minutes: 30 } });
        assert.deepStrictEqual(parseFaults(["running:stop:90"], context), { jobnetRunning: { jobnet: "stop", minutes: 90 } });
        const refused = (spec: string, why: string) => assert.throws(() => parseFaults([spec], context), (e: Error) => e instanceof FaultSpecError && e.message === `--fail ${JSON.stringify(spec)}: ${why}; the form is running:JOBNET[:MINUTES]`);
        refused("running", "it needs the jobnet that is running");
        refused("running:nightly", "the stack has no jobnet nightly (it has stop, start, nightly-batch, weekly-maintenance)");
        refused("running:nightly-batch:0", "MINUTES must be a whole number from 1 to 2880");
    });

    const commandsSent = (account: SimulatedAccount) => account.calls.filter((c) => c.action === "ssm:SendCommand").length;

    it("tells both sides the other's lock, and bounds the wait in the definition", () => {
        const payloadOf = (d: StateMachineDefinition) => (d.States.TakeRunLock as unknown as { Parameters: { Payload: { notWith: unknown } } }).Parameters.Payload.notWith;
        assert.deepStrictEqual(payloadOf(synth.team.definitions["weekly-maintenance"]), [{ jobnet: "nightly-batch", lockKey: "webapp-jobnet-dev/nightly-batch" }]);
        assert.deepStrictEqual(payloadOf(synth.team.definitions["nightly-batch"]), [{ jobnet: "weekly-maintenance", lockKey: "webapp-jobnet-dev/weekly-maintenance" }]);
        // Stop and start are named by no one: their lock is taken as before.
        assert.strictEqual(payloadOf(synth.definitions.stop), undefined);
        assert.ok(worstCaseHistory(synth.team.definitions["weekly-maintenance"]) <= historyBudget);
    });

    it("refuses at once, FAILED, when the jobnet that names it runs: nightly-batch beside weekly-maintenance", async function () {
        this.timeout(60_000);
        const { reports: [{ report }], account } = await run("nightly-batch", 30, "weekly-maintenance");
        assert.deepStrictEqual([report.status, report.error, report.cause, report.durationSeconds, commandsSent(account)], [
            "FAILED", "ExcludedJobnetRunning",
            `TakeRunLock: nightly-batch must not run beside ${otherRun("weekly-maintenance")}, which is running (notWith); nothing was done: start nightly-batch again once that run has ended`,
            0, 0,
        ]);
    });

    it("waits for the jobnet it names to end, then runs: weekly-maintenance starts its first job at the first look after nightly-batch ended", async function () {
        this.timeout(120_000);
        const { reports: [{ report }], account } = await run("weekly-maintenance", 45, "nightly-batch");
        assert.strictEqual(report.status, "SUCCEEDED");
        // Looks every minute for 30 minutes, then every 2: the batch ends at 45:00, the look at 46:00 finds it ended.
        const firstChild = account.executions.find((e) => e.stateMachineArn === synth.stateMachineArns.stop)!;
        assert.strictEqual((firstChild.startDate - account.executions.find((e) => e.arn.endsWith(":weekly-maintenance-1"))!.startDate) / 1000, 46 * 60);
        assert.strictEqual(account.calls.filter((c) => c.caller === "takeRunLock" && c.action === "dynamodb:TransactWriteItems").length, 1 + 38 + 1);
        assert.ok(report.historyEvents <= worstCaseHistory(synth.team.definitions["weekly-maintenance"]));
    });

    it("fails naming the jobnet still running once its wait is over, having done nothing", async function () {
        this.timeout(120_000);
        const { reports: [{ report }], account } = await run("weekly-maintenance", 200, "nightly-batch");
        assert.deepStrictEqual([report.status, report.error, report.cause, report.durationSeconds, commandsSent(account)], [
            "FAILED", "ExcludedJobnetStillRunning",
            `WaitForOtherJobnets: weekly-maintenance must not run beside ${otherRun("nightly-batch")}, still running after the 120 minutes it waits (notWith.wait.maxMinutes); nothing was done: start weekly-maintenance again once that run has ended`,
            7200, 0,
        ]);
        assert.strictEqual(account.tables.get(synth.runLock.tableName)!.get({ lockKey: { S: "webapp-jobnet-dev/weekly-maintenance" } }), undefined);
    });
});
