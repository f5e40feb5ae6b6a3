import * as assert from "assert";
import { SynthResult } from "../scripts/lib/synthesize";
import { Simulation, SimulationOptions, simulate } from "../simulator/simulate";
import { jobRuns } from "../simulator/jobTimes";
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
            load: "warning 1", "rows-rejected": "normal then 1", "report-rejects": "normal 0", report: "skipped", archive: "normal 0",
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
            load: "warning 1", "rows-rejected": "normal then 1", "report-rejects": "normal 0", report: "skipped", archive: "normal 0",
        });
        const again = runsOf(sim).slice(5).map((r) => r.split(" ")[0]);
        assert.deepStrictEqual(again, ["transform-customers#1", "transform-customers#1", "transform-orders#1", "transform-orders#1", "load#1", "report-rejects#1", "archive#1"]);
    });

    it("takes the other branch of a judgment when the condition does not hold", async () => {
        const sim = await run({ jobnets: ["nightly-batch"], jobFaults: [{ job: "load", kind: "exit", code: 0, times: Infinity }] });
        const ends = endsOf(sim.reports[0].report.output);
        assert.deepStrictEqual([ends.load, ends["rows-rejected"], ends["report-rejects"], ends.report, ends.archive], ["normal 0", "normal else 0", "skipped", "normal 0", "normal 0"]);
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
            // A file's arrival starts orders-arrival (StartOnEvent), whose end starts orders-report.
            await run({ jobnets: [], arrivals: [parseArrival("s3://webapp-jobnet-orders-inbound/orders/2026-12-01.csv")] }),
            // Their first jobs refused at their send: each StartJob fails its own task.
            await run({ jobnets: [], arrivals: [parseArrival("s3://webapp-jobnet-orders-inbound/orders/2026-12-02.csv")], faults: { notManaged: ["batch-1", "batch-2"] } }),
            await run({ jobnets: ["orders-report"], faults: { notManaged: ["db-client-1"] } }),
        ];
        assert.deepStrictEqual([runs[5].reports[0].report.error, runs[5].reports[0].report.cause?.split(":").slice(0, 3).join(":")], ["JobNotDelivered", "a: server group batch: the command was not sent, because Run Command cannot reach batch-1 (i-08f5815465303ca0a, running"]);
        const callers = ["beginJobs", "awaitJob", "jobEnded", "startOnEvent", ...synth.functions.filter((f) => f.task === "startJob").map((f) => f.functionName)];
        const functionNameOf = (caller: string) => synth.functions.find((f) => f.task === caller || f.functionName === caller)!.functionName;
        const policies = new Map(callers.map((c) => [c, functionPolicy(synth.resources, functionNameOf(c)).filter((s) => ![s.Action].flat().every((a) => a.startsWith("logs:")))]));
        const used = new Set<PolicyStatement>();
        for (const call of runs.flatMap((r) => r.account.calls).filter((c) => policies.has(c.caller))) {
            for (const { resource, context } of call.authorizations) {
                const statement = allowingStatement(policies.get(call.caller)!, { action: call.action, resource, context });
                assert.ok(statement, `${call.caller}: ${call.action} on ${resource} ${JSON.stringify(context ?? {})} is denied`);
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
            "+20:04 extract-orders: ended normally (exit 0)",
            "+43:08 load: ended with a warning (exit 1)",
            "+43:08 Wait for rows-rejected: judged exit code 1: the then branch",
            "+43:08 Wait for report: skipped: no job before it leads to it",
            "+46:12 SUCCEEDED",
        ]) assert.ok(lines.includes(line), `${line}\nnot in:\n${lines.join("\n")}`);
    });
});
