import * as assert from "assert";
import { SynthResult } from "../scripts/lib/synthesize";
import { Simulation, SimulationOptions, simulate } from "../simulator/simulate";
import { jobRuns } from "../simulator/jobTimes";
import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { ganttModel } from "../scripts/lib/gantt";
import { jobGraphProblems } from "../statemachines/jobGraph";
import { TaskResources, taskFunctions } from "../handlers/catalog";
import { scheduledRunOn } from "../scripts/lib/startOptions";
import { Timeline } from "../simulator/timeline";
import { JobnetDefinition } from "../statemachines/jobs";
import { sharedSynthesis } from "./support/sharedRuns";
import { parseArrival } from "../simulator/s3";
import { PolicyStatement, allowingStatement, functionPolicy, isRedriveGuard } from "./support/iamPolicy";

let synth: SynthResult;

/** A job on one server of the batch group, `seconds` long. */
const job = (seconds: number, after: string[] = []) => ({ kind: "command" as const, after, on: { group: "batch", servers: "one" as const }, command: "/opt/batch/bin/step.sh", simulate: { seconds } });
const jobnetOf = (name: string, jobs: JobnetDefinition["jobs"]): JobnetDefinition => ({ name, description: name, expectedMinutes: 30, timeoutMinutes: 60, jobs });

/** Each command's run on a server: job, attempt, server, started and ended (seconds since the first run began), exit code. */
function runsOf(sim: Simulation): string[] {
    return jobRuns(sim.account, sim.account.executions[0].startDate).map((r) => `${r.job}#${r.attempt} ${r.server} ${r.started}–${r.ended} exit ${r.exitCode}`);
}

/** The jobs' ends as the run's output lists them. */
function endsOf(output: unknown): Record<string, string> {
    return Object.fromEntries((output as { jobs: { job: string; end: string; exitCode?: number; taken?: string }[] }).jobs.map((j) => [j.job, `${j.end}${j.taken ? ` ${j.taken}` : ""}${j.exitCode !== undefined ? ` ${j.exitCode}` : ""}`]));
}

const run = (o: Partial<SimulationOptions> & { jobnets: string[] }) => simulate(synth, { initial: "running", ...o });

describe("a team's jobnet run in the simulated account", () => {
    before(async function () {
        this.timeout(120_000);
        synth = await sharedSynthesis("dev");
    });

    it("runs the nightly batch: retries the extract that found the database busy, ends the load with a warning, takes the rejects branch and skips the plain report", async () => {
        const sim = await run({ jobnets: ["nightly-batch"] });
        const [{ report }] = sim.reports;
        assert.strictEqual(report.status, "SUCCEEDED");
        assert.deepStrictEqual(endsOf(report.output), {
            "extract-orders": "normal 0", "extract-customers": "normal 0", "transform-orders": "normal 0", "transform-customers": "normal 0",
            load: "warning 1", "rollback-load": "skipped", "rows-rejected": "normal then 1", "report-rejects": "normal 0", report: "skipped", archive: "normal 0",
        });
        assert.deepStrictEqual(runsOf(sim), [
            "extract-customers#1 db-client-1 1–301 exit 0",
            "extract-orders#1 db-client-1 1–541 exit 75",
            "transform-customers#1 batch-1 303–723 exit 0",
            "transform-customers#1 batch-2 303–723 exit 0",
            // Exit code 75 is retried 2 minutes later.
            "extract-orders#2 db-client-1 663–1203 exit 0",
            "transform-orders#1 batch-1 1205–2105 exit 0",
            "transform-orders#1 batch-2 1205–2105 exit 0",
            "load#1 db-client-1 2107–2587 exit 1",
            "report-rejects#1 batch-1 2589–2709 exit 0",
            "archive#1 batch-1 2711–2771 exit 0",
        ]);
        assert.strictEqual(Math.round(report.durationSeconds), 2772);
    });

    it("starts a job as soon as its own predecessors end, in a graph nested Parallel blocks cannot express", async () => {
        // A→C, A→D, B→D: C starts when A ends, while B still runs; D once B has ended too.
        const d = jobnetOf("graph", { a: job(60), b: job(300), c: job(60, ["a"]), d: job(60, ["a", "b"]) });
        const sim = await run({ jobnets: ["nightly-batch"], inPlaceOf: { "nightly-batch": d } });
        assert.strictEqual(sim.reports[0].report.status, "SUCCEEDED");
        assert.deepStrictEqual(runsOf(sim), [
            "a#1 batch-1 1–61 exit 0",
            "b#1 batch-1 1–301 exit 0",
            "c#1 batch-1 63–123 exit 0",
            "d#1 batch-1 303–363 exit 0",
        ]);
    });

    it("starts no job after a failure, lets the running ones end, then fails naming the job; a redrive runs again from it, keeping what ended", async () => {
        const sim = await run({ jobnets: ["nightly-batch", "redrive"], jobFaults: [{ job: "transform-customers", kind: "exit", code: 2, times: 1 }] });
        const [failed, redriven] = sim.reports.map((r) => r.report);
        assert.strictEqual(failed.status, "FAILED");
        assert.strictEqual(failed.error, "JobEndedAbnormally");
        assert.strictEqual(failed.cause, `transform-customers on batch-1 (${sim.account.instances.get(sim.account.invocations.find((v) => sim.account.instance(v.instanceId).name === "batch-1")!.instanceId)!.id}): exit code 2: transform-customers: failed with exit code 2 (simulated) (and 1 more server); the whole output is in CloudWatch Logs, group /webapp-jobnet-dev/jobs`);
        // The extract still running (its retry) ended first; transform-orders, released by it, never started.
        assert.strictEqual(Math.round(failed.durationSeconds), 1204);
        assert.strictEqual(redriven.status, "SUCCEEDED");
        assert.deepStrictEqual(endsOf(redriven.output), {
            "extract-orders": "normal 0", "extract-customers": "normal 0", "transform-orders": "normal 0", "transform-customers": "normal 0",
            load: "warning 1", "rollback-load": "skipped", "rows-rejected": "normal then 1", "report-rejects": "normal 0", report: "skipped", archive: "normal 0",
        });
        const again = runsOf(sim).slice(5).map((r) => r.split(" ")[0]);
        assert.deepStrictEqual(again, ["transform-customers#1", "transform-customers#1", "transform-orders#1", "transform-orders#1", "load#1", "report-rejects#1", "archive#1"]);
    });

    it("takes the other branch of a judgment when the condition does not hold", async () => {
        const sim = await run({ jobnets: ["nightly-batch"], jobFaults: [{ job: "load", kind: "exit", code: 0, times: Infinity }] });
        const ends = endsOf(sim.reports[0].report.output);
        assert.deepStrictEqual([ends.load, ends["rows-rejected"], ends["report-rejects"], ends.report, ends.archive], ["normal 0", "normal else 0", "skipped", "normal 0", "normal 0"]);
    });

    it("rolls the load back when it fails, then fails the run naming the load and its recovery", async () => {
        const sim = await run({ jobnets: ["nightly-batch"], jobFaults: [{ job: "load", kind: "exit", code: 9, times: Infinity }] });
        const { report } = sim.reports[0];
        assert.strictEqual(report.status, "FAILED");
        assert.strictEqual(report.error, "JobEndedAbnormally");
        assert.match(report.cause!, /^load on db-client-1 \(i-0d6b2c4e8f1a30001\): exit code 9: .*; recovery: rollback-load ended normally$/);
        assert.deepStrictEqual(runsOf(sim).slice(-2), ["load#1 db-client-1 2107–2587 exit 9", "rollback-load#1 db-client-1 2589–2739 exit 0"]);
    });

    it("goes on after a failed job whose recovery says continue, once the recovery has ended", async () => {
        const d = jobnetOf("recover", { a: { ...job(60), recovery: { jobs: ["fix"], then: "continue" } }, fix: job(30), b: job(60, ["a"]) });
        const sim = await run({ jobnets: ["nightly-batch"], inPlaceOf: { "nightly-batch": d }, jobFaults: [{ job: "a", kind: "exit", code: 1, times: Infinity }] });
        const { report } = sim.reports[0];
        assert.strictEqual(report.status, "SUCCEEDED");
        assert.deepStrictEqual(endsOf(report.output), { a: "abnormal 1", fix: "normal 0", b: "normal 0" });
        assert.deepStrictEqual(runsOf(sim), ["a#1 batch-1 1–61 exit 1", "fix#1 batch-1 63–93 exit 0", "b#1 batch-1 95–155 exit 0"]);
    });

    describe("a scheduled run on a given day (npm start -- --date)", () => {
        const rule = { every: "business-day" as const, at: "01:30", timeZone: "Asia/Tokyo" };

        it("starts the run at its rule's time that day, with the rule the calendar step judges", () => {
            assert.deepStrictEqual(scheduledRunOn("2027-05-06", rule), {
                input: { trigger: "schedule", scheduledTime: "2027-05-05T16:30:00Z", rule },
                startMs: Date.UTC(2027, 4, 5, 16, 30),
            });
            assert.deepStrictEqual(scheduledRunOn("2027-01-01", undefined).input, { trigger: "schedule", scheduledTime: "2027-01-01T13:00:00Z" });
        });

        it("does nothing on a closed day of its rule, saying why, and runs the jobs on an open one", async () => {
            const closed = scheduledRunOn("2027-05-04", rule);
            const holiday = await run({ jobnets: ["nightly-batch"], input: closed.input, startMs: closed.startMs });
            assert.deepStrictEqual([holiday.reports[0].report.status, runsOf(holiday).length], ["SUCCEEDED", 0]);
            assert.deepStrictEqual(holiday.reports[0].report.output, { jobnet: "nightly-batch", trigger: "schedule", skipped: true, reason: "not due today: 2027-05-04 is a national holiday in JP: みどりの日 (Greenery Day): closed", date: "2027-05-04" });
            const open = scheduledRunOn("2027-05-06", rule);
            const workday = await run({ jobnets: ["nightly-batch"], input: open.input, startMs: open.startMs });
            assert.deepStrictEqual([workday.reports[0].report.status, runsOf(workday).length], ["SUCCEEDED", 10]);
        });
    });

    describe("a job that waits for a file", () => {
        const waiting = jobnetOf("file", {
            "wait-for-orders": { kind: "waitForFile", bucket: "orders-inbound", key: "in/orders.csv", timeoutMinutes: 30, pollMinutes: 2 },
            load: job(60, ["wait-for-orders"]),
        });

        it("ends at its first look after the object arrives, and the jobs after it run", async () => {
            const sim = await run({ jobnets: ["nightly-batch"], inPlaceOf: { "nightly-batch": waiting }, arrivals: [{ bucket: "orders-inbound", key: "in/orders.csv", size: 10, atSeconds: 7 * 60 }] });
            const { report } = sim.reports[0];
            assert.strictEqual(report.status, "SUCCEEDED");
            assert.deepStrictEqual(endsOf(report.output), { "wait-for-orders": "normal 0", load: "normal 0" });
            // Looks at 0, 2, 4, 6 and 8 minutes: the fifth finds it.
            const looks = sim.account.calls.filter((c) => c.action === "s3:GetObject").length;
            assert.strictEqual(looks, 5);
            assert.deepStrictEqual(runsOf(sim), ["load#1 batch-1 485–545 exit 0"]);
        });

        it("ends the run FAILED naming the object when it has not arrived within the bound", async () => {
            const sim = await run({ jobnets: ["nightly-batch"], inPlaceOf: { "nightly-batch": waiting } });
            const { report } = sim.reports[0];
            assert.deepStrictEqual([report.status, report.error, report.cause], ["FAILED", "FileNotArrived", "wait-for-orders: s3://orders-inbound/in/orders.csv had not arrived after 30 min (its timeoutMinutes 30)"]);
            assert.deepStrictEqual(runsOf(sim), []);
        });

        it("waits for any object under a prefix", async () => {
            const d = jobnetOf("prefix", { "wait-for-any": { kind: "waitForFile", bucket: "orders-inbound", prefix: "in/", timeoutMinutes: 10 } });
            const sim = await run({ jobnets: ["nightly-batch"], inPlaceOf: { "nightly-batch": d }, arrivals: [{ bucket: "orders-inbound", key: "in/2027-01-04.csv", size: 10, atSeconds: 150 }] });
            assert.strictEqual(sim.reports[0].report.status, "SUCCEEDED");
            assert.deepStrictEqual(sim.account.calls.filter((c) => c.action === "s3:ListBucket").length, 4);
        });

        it("looks for a key made of the run's start values, and fails naming the value in a run that has none", async () => {
            const d = jobnetOf("marker", { "wait-for-marker": { kind: "waitForFile", bucket: "orders-inbound", key: "{{trigger.key}}.done", timeoutMinutes: 10 } });
            const started = await run({
                jobnets: ["nightly-batch"], inPlaceOf: { "nightly-batch": d },
                input: { trigger: "s3", values: { key: "in/2027-01-04.csv" } },
                arrivals: [{ bucket: "orders-inbound", key: "in/2027-01-04.csv.done", size: 0, atSeconds: 90 }],
            });
            assert.strictEqual(started.reports[0].report.status, "SUCCEEDED");
            assert.deepStrictEqual([...new Set(started.account.calls.filter((c) => c.action === "s3:GetObject").map((c) => c.authorizations[0].resource))], ["arn:aws:s3:::orders-inbound/in/2027-01-04.csv.done"]);
            const byHand = await run({ jobnets: ["nightly-batch"], inPlaceOf: { "nightly-batch": d } });
            assert.deepStrictEqual([byHand.reports[0].report.status, byHand.reports[0].report.error], ["FAILED", "ValueMissing"]);
            assert.match(byHand.reports[0].report.cause!, /^wait-for-marker: needs \{\{trigger\.key\}\}, a value the run should have been started with/);
            assert.deepStrictEqual(jobGraphProblems(jobnetOf("bad", { w: { kind: "waitForFile", bucket: "orders-inbound", key: "{{extract.COUNT}}", timeoutMinutes: 10 } }), { groups: ["batch"], jobnets: [] }), [
                "jobnet bad, job w: key uses {{extract.COUNT}}, but the jobnet has no job extract",
            ]);
        });

        it("names at preview a bucket S3 refuses, a key and a prefix both or neither, and bounds out of range", () => {
            const d = jobnetOf("bad", {
                a: { kind: "waitForFile", bucket: "Orders_In", key: "k", timeoutMinutes: 10 },
                b: { kind: "waitForFile", bucket: "orders-in", timeoutMinutes: 60, pollMinutes: 0 },
            });
            assert.deepStrictEqual(jobGraphProblems(d, { groups: ["batch"], jobnets: [] }), [
                'jobnet bad, job a: bucket "Orders_In" is no S3 bucket name: only lowercase letters, digits, periods and hyphens',
                "jobnet bad, job b: give either key (one object) or prefix (any object under it)",
                "jobnet bad, job b: timeoutMinutes must be a whole number from 1 to below the jobnet's timeoutMinutes (60)",
                "jobnet bad, job b: pollMinutes must be a whole number from 1 to its timeoutMinutes (60)",
            ]);
        });

        it("may look only at its objects: HeadObject of its key, ListObjectsV2 of its bucket", () => {
            const r = { partition: "aws", region: "ap-northeast-1", accountId: "123456789012" } as TaskResources;
            const statements = taskFunctions.startJob.permissions({ ...r, runLockTableArn: "t", stateMachineArns: [], job: { stateMachineArn: "m", instances: [], documents: [], children: [], files: [{ bucket: "orders-inbound", key: "in/orders.csv" }, { bucket: "orders-inbound", prefix: "in/" }] } });
            assert.deepStrictEqual(statements.filter((s) => [s.Action].flat().some((a) => a.startsWith("s3:"))), [
                { Effect: "Allow", Action: ["s3:ListBucket"], Resource: ["arn:aws:s3:::orders-inbound"] },
                { Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::orders-inbound/in/orders.csv"] },
            ]);
        });
    });

    describe("a hold before a job", () => {
        it("holds the start of the web system for an operator, tells how to release it, and starts it once released", async () => {
            const sim = await run({ jobnets: ["weekly-maintenance"] });
            const { report } = sim.reports[0];
            assert.strictEqual(report.status, "SUCCEEDED");
            const held = sim.account.events.filter((e) => e["detail-type"] === "Jobnet Job Held");
            const at = (ms: number) => Math.round((ms - sim.account.executions[0].startDate) / 1000);
            assert.deepStrictEqual(held.map((e) => [e.source, e.detail.jobnet, e.detail.job, e.detail.maxMinutes, at(Date.parse(e.detail.heldAt as string)), at(Date.parse(e.detail.releaseBy as string))]), [
                ["webapp-jobnet", "weekly-maintenance", "start-system", 60, 617, 617 + 3600],
            ]);
            // The stack's notifier rule takes it (the simulation has no notifier to play it).
            assert.deepStrictEqual(sim.deliveries.filter((d) => d.rule === "webapp-jobnet-dev-job-held").map((d) => d.target.split(":").pop()), ["webapp-jobnet-dev-notify"]);
            // Released ten minutes later, by what npm run ops -- release runs; the start jobnet runs from then.
            assert.deepStrictEqual(sim.releases.map((r) => [r.job, at(r.at), r.outcome]), [["start-system", 617 + 600, "released 1 run(s)"]]);
            const start = sim.account.executions.find((e) => e.stateMachineArn.endsWith(":webapp-jobnet-dev-start"))!;
            assert.ok(at(start.startDate) >= 617 + 600 && at(start.startDate) <= 617 + 602, `the start jobnet began at +${at(start.startDate)} s`);
            // The report draws the hold in the job's lane, between its wait and its run.
            const m = ganttModel(sim.account.executions[0].history as HistoryEvent[], "weekly-maintenance-1");
            assert.deepStrictEqual(m.bars.filter((b) => b.lane === "start-system").map((b) => [b.state, b.kind, Math.round((b.start - m.start) / 1000), Math.round((b.end - m.start) / 1000)]), [
                ["Wait for start-system", "wait", 0, 617],
                ["start-system released", "flow", 617, 617],
                ["Hold start-system", "hold", 617, 1217],
                ["start-system", "task", 1217, 1704],
                ["start-system ended", "flow", 1704, 1704],
            ]);
        });

        it("ends the run FAILED naming the hold when nobody releases it within its bound", async () => {
            const sim = await run({ jobnets: ["weekly-maintenance"], jobFaults: [{ job: "start-system", kind: "unreleased" }] });
            const { report } = sim.reports[0];
            assert.strictEqual(report.status, "FAILED");
            assert.strictEqual(report.error, "HoldNotReleased");
            assert.strictEqual(report.cause, "start-system: held 60 min and nobody released it; a redrive of this run starts it without holding it again");
            assert.strictEqual(Math.round(report.durationSeconds), 617 + 3600);
            assert.deepStrictEqual(sim.releases, []);
            assert.strictEqual(sim.account.executions.filter((e) => e.stateMachineArn.endsWith(":webapp-jobnet-dev-start")).length, 0);
        });

        it("starts the held job, without a second hold, when the run is redriven", async () => {
            const sim = await run({ jobnets: ["weekly-maintenance", "redrive"], jobFaults: [{ job: "start-system", kind: "unreleased" }] });
            const [failed, redriven] = sim.reports.map((r) => r.report);
            assert.deepStrictEqual([failed.status, redriven.status], ["FAILED", "SUCCEEDED"]);
            assert.strictEqual(sim.account.events.filter((e) => e["detail-type"] === "Jobnet Job Held").length, 1);
            assert.deepStrictEqual(sim.children.map((c) => [c.stateMachineArn.split(":").pop(), c.report?.status]), [["webapp-jobnet-dev-stop", "SUCCEEDED"], ["webapp-jobnet-dev-start", "SUCCEEDED"]]);
        });

        it("runs the recovery of a job whose hold passed its bound, and goes on when the recovery says so", async () => {
            const d = jobnetOf("held", { a: { ...job(60), hold: { maxMinutes: 5 }, recovery: { jobs: ["fix"], then: "continue" } }, fix: job(30), b: job(60, ["a"]) });
            const sim = await run({ jobnets: ["nightly-batch"], inPlaceOf: { "nightly-batch": d }, jobFaults: [{ job: "a", kind: "unreleased" }] });
            const { report } = sim.reports[0];
            assert.strictEqual(report.status, "SUCCEEDED");
            assert.deepStrictEqual(endsOf(report.output), { a: "abnormal -1", fix: "normal 0", b: "normal 0" });
            assert.deepStrictEqual(runsOf(sim), ["fix#1 batch-1 301–331 exit 0", "b#1 batch-1 333–393 exit 0"]);
        });
    });

    it("runs the stop jobnet, the maintenance commands, then the start jobnet, each child run waited for", async () => {
        const sim = await run({ jobnets: ["weekly-maintenance"] });
        const [{ report }] = sim.reports;
        assert.strictEqual(report.status, "SUCCEEDED");
        assert.deepStrictEqual(sim.children.map((c) => [c.stateMachineArn.split(":").pop(), c.report?.status]), [["webapp-jobnet-dev-stop", "SUCCEEDED"], ["webapp-jobnet-dev-start", "SUCCEEDED"]]);
        const startOf = (name: string) => sim.account.executions.find((e) => e.stateMachineArn.endsWith(`:${name}`))!;
        const tidied = jobRuns(sim.account, 0).map((r) => r.started! * 1000);
        assert.ok(Math.min(...tidied) > startOf("webapp-jobnet-dev-stop").stopDate!, "the maintenance commands start once the stop has ended");
        assert.ok(startOf("webapp-jobnet-dev-start").startDate > Math.max(...jobRuns(sim.account, 0).map((r) => r.ended! * 1000)), "the start once they have ended");
    });

    it("names the job, its server and Run Command's time-out when a job never ends", async () => {
        const sim = await run({ jobnets: ["nightly-batch"], jobFaults: [{ job: "extract-customers", kind: "timeout" }] });
        const { report } = sim.reports[0];
        assert.strictEqual(report.error, "JobTimedOut");
        assert.match(report.cause!, /^extract-customers on db-client-1 \(i-0d6b2c4e8f1a30001\): timed out after 60 min \(its timeoutMinutes\)/);
    });

    it("names the job and its servers when Run Command cannot deliver its command", async () => {
        const sim = await run({ jobnets: ["nightly-batch"], jobFaults: [{ job: "extract-customers", kind: "undelivered" }] });
        const { report } = sim.reports[0];
        assert.strictEqual(report.error, "JobNotDelivered");
        assert.strictEqual(report.cause, "extract-customers on db-client-1 (i-0d6b2c4e8f1a30001): Run Command could not deliver the command (DeliveryTimedOut)");
    });

    it("runs a job of one server on the first of its group whose agent is online", async () => {
        const d = jobnetOf("one", { a: job(60) });
        const sim = await run({ jobnets: ["nightly-batch"], inPlaceOf: { "nightly-batch": d }, faults: { notManaged: ["batch-1"] } });
        assert.deepStrictEqual(runsOf(sim), ["a#1 batch-2 1–61 exit 0"]);
    });
});

describe("the team jobnets' functions, as IAM sees them", () => {
    before(async function () {
        this.timeout(120_000);
        synth = await sharedSynthesis("dev");
    });

    it("allow every call the runs make, on its resources, and hold no statement those calls do not need", async function () {
        this.timeout(120_000);
        // Between them: every kind of job, a retry, a failure, a redrive (its safety check), a jobnet
        // job, a command never delivered, a one-server job finding its first server unmanaged.
        const runs = [
            await run({ jobnets: ["nightly-batch", "redrive"], jobFaults: [{ job: "transform-customers", kind: "exit", code: 2, times: 1 }] }),
            await run({ jobnets: ["weekly-maintenance"] }),
            await run({ jobnets: ["nightly-batch"], jobFaults: [{ job: "extract-customers", kind: "undelivered" }] }),
            await run({ jobnets: ["nightly-batch"], faults: { notManaged: ["batch-1"] } }),
            // The maintenance commands all refused at their send, after the stop: the last StartJob fails the run.
            await run({ jobnets: ["weekly-maintenance"], faults: { notManaged: ["batch-1", "batch-2", "db-client-1"] } }),
            // A job alone, refused at its send: its own StartJob fails its task.
            await run({ jobnets: ["nightly-batch"], inPlaceOf: { "nightly-batch": jobnetOf("alone", { a: { ...job(60), on: { group: "batch" } } }) }, faults: { notManaged: ["batch-1"] } }),
            // A hold that passed its bound, whose recovery goes on: HoldJob releases the recovery job.
            await run({
                jobnets: ["nightly-batch"],
                inPlaceOf: { "nightly-batch": jobnetOf("held", { a: { ...job(60), hold: { maxMinutes: 5 }, recovery: { jobs: ["fix"], then: "continue" } }, fix: job(30) }) },
                jobFaults: [{ job: "a", kind: "unreleased" }],
            }),
            // A file's arrival starts orders-arrival (StartOnEvent), whose end starts orders-report.
            await run({ jobnets: [], arrivals: [parseArrival("s3://webapp-jobnet-orders-inbound/orders/2026-12-01.csv"), parseArrival("s3://webapp-jobnet-orders-inbound/orders/2026-12-01.csv.done@2")] }),
            // Their first jobs refused at their send: each StartJob fails its own task.
            await run({ jobnets: [], arrivals: [parseArrival("s3://webapp-jobnet-orders-inbound/orders/2026-12-02.csv"), parseArrival("s3://webapp-jobnet-orders-inbound/orders/2026-12-02.csv.done")], faults: { notManaged: ["batch-1", "batch-2"] } }),
            await run({ jobnets: ["orders-report"], faults: { notManaged: ["db-client-1"] } }),
        ];
        assert.deepStrictEqual([runs[5].reports[0].report.error, runs[5].reports[0].report.cause?.split(":").slice(0, 3).join(":")], ["JobNotDelivered", "a: server group batch: the command was not sent, because Run Command cannot reach batch-1 (i-08f5815465303ca0a, running"]);
        const callers = ["beginJobs", "awaitJob", "holdJob", "jobEnded", "startOnEvent", ...synth.functions.filter((f) => f.task === "startJob").map((f) => f.functionName)];
        const functionNameOf = (caller: string) => synth.functions.find((f) => f.task === caller || f.functionName === caller)!.functionName;
        const policies = new Map(callers.map((c) => [c, functionPolicy(synth.resources, functionNameOf(c)).filter((s) => ![s.Action].flat().every((a) => a.startsWith("logs:")))]));
        const used = new Set<PolicyStatement>();
        for (const call of runs.flatMap((r) => r.account.calls).filter((c) => policies.has(c.caller))) {
            for (const { resource, context, action = call.action } of call.authorizations) {
                const statement = allowingStatement(policies.get(call.caller)!, { action, resource, context });
                assert.ok(statement, `${call.caller}: ${action} on ${resource} ${JSON.stringify(context ?? {})} is denied`);
                used.add(statement);
            }
        }
        for (const [caller, statements] of policies) {
            for (const s of statements.filter((x) => !used.has(x))) {
                // A redrive's check is held by every task of a run; the redrive above used one task's.
                assert.ok(isRedriveGuard(s) && caller !== "jobEnded", `${caller}: ${JSON.stringify(s)} is never used`);
            }
        }
        // A StartJob may send commands to its own groups' servers and documents only, and start only its own jobnets.
        const nightly = policies.get("webapp-jobnet-dev-nightly-batch-jobs")!;
        assert.ok(!nightly.some((s) => [s.Action].flat().includes("states:StartExecution")));
        const send = nightly.filter((s) => [s.Action].flat().includes("ssm:SendCommand"));
        assert.deepStrictEqual(send.map((s) => ({ Resource: s.Resource, Condition: s.Condition })), [
            { Resource: ["arn:aws:ssm:ap-northeast-1::document/AWS-RunShellScript", "arn:aws:ec2:ap-northeast-1:123456789012:instance/i-0d6b2c4e8f1a30001"], Condition: undefined },
            { Resource: "arn:aws:ec2:ap-northeast-1:123456789012:instance/*", Condition: { StringEquals: { "ssm:resourceTag/Role": "batch" } } },
        ]);
        assert.deepStrictEqual(policies.get("webapp-jobnet-dev-weekly-maintenance-jobs")!.filter((s) => [s.Action].flat().includes("states:StartExecution")).map((s) => s.Resource),
            [["arn:aws:states:ap-northeast-1:123456789012:stateMachine:webapp-jobnet-dev-start", "arn:aws:states:ap-northeast-1:123456789012:stateMachine:webapp-jobnet-dev-stop"]]);
    });
});

describe("npm start's timeline of a team jobnet", () => {
    before(async function () {
        this.timeout(120_000);
        synth = await sharedSynthesis("dev");
    });

    it("says of each job when it was released, how it ended, a retry, a judgment and a skip, in words", async () => {
        let text = "";
        let timeline: Timeline | undefined;
        await run({
            jobnets: ["nightly-batch"],
            onEvent: (_jobnet, event) => {
                timeline ??= new Timeline({ definition: synth.team.definitions["nightly-batch"], startMs: event.timestamp, tty: false, columns: () => undefined, write: (t) => (text += t) });
                timeline.handle(event);
            },
        });
        const lines = text.split("\n").map((l) => l.trim().replace(/\s+/, " "));
        for (const line of [
            "+0:00 Wait for extract-orders: released",
            "+9:02 extract-orders: exit 75: to be tried again (attempt 1)",
            // The extract emits the order count the load uses.
            "+20:04 extract-orders: ended normally (exit 0); ORDER_COUNT=48210",
            "+43:08 load: ended with a warning (exit 1)",
            "+43:08 Wait for rows-rejected: judged exit code 1: the then branch",
            "+43:08 Wait for report: skipped: no job before it leads to it",
            "+46:12 SUCCEEDED",
        ]) assert.ok(lines.includes(line), `${line}\nnot in:\n${lines.join("\n")}`);
    });
});
