import * as assert from "assert";
import { jobEndDelayAlert, lateJobs } from "../handlers/jobEndDelay";
import type { RunRecord } from "../handlers/jobRun";
import { watchPeriodSeconds } from "../infra/alerts";
import { SynthResult } from "../scripts/lib/synthesize";
import { parseJobFault } from "../simulator/jobPlays";
import { simulate } from "../simulator/simulate";
import { expectedJobSeconds, jobEndDelayProblems } from "../statemachines/jobEndDelay";
import { jobGraphProblems } from "../statemachines/jobGraph";
import { JobnetDefinition } from "../statemachines/jobs";
import { teamJobnets } from "../jobnets";
import { sharedSynthesis } from "./support/sharedRuns";
import { PolicyStatement, allowingStatement, functionPolicy } from "./support/iamPolicy";

const minute = 60_000;
const command = { kind: "command" as const, on: { group: "batch" }, command: "true" };
const jobnet = (jobs: JobnetDefinition["jobs"]): JobnetDefinition => ({ name: "j", description: "d", expectedMinutes: 30, timeoutMinutes: 120, jobs });

describe("end delay per job: expectedMinutes", () => {
    it("takes above 0 and at most the job's time-out (a jobnet job: the jobnet's), each problem in one line naming the jobnet and the job", () => {
        const d = jobnet({
            zero: { ...command, expectedMinutes: 0 },
            past: { ...command, expectedMinutes: 61 },
            fits: { ...command, timeoutMinutes: 90, expectedMinutes: 90 },
            child: { kind: "jobnet", jobnet: "stop", expectedMinutes: 121 },
        });
        assert.deepStrictEqual(jobEndDelayProblems(d), [
            "jobnet j, job zero: expectedMinutes must be above 0 and at most its timeoutMinutes (60), not 0",
            "jobnet j, job past: expectedMinutes must be above 0 and at most its timeoutMinutes (60), not 61",
            "jobnet j, job child: expectedMinutes must be above 0 and at most the jobnet's timeoutMinutes (120), not 121",
        ]);
        assert.ok(jobGraphProblems(d, { groups: ["batch"], jobnets: ["stop"] }).includes("jobnet j, job past: expectedMinutes must be above 0 and at most its timeoutMinutes (60), not 61"));
        assert.deepStrictEqual(expectedJobSeconds(d), { zero: 0, past: 3660, fits: 5400, child: 7260 });
    });

    it("the nightly batch expects transform-orders within 30 minutes", () => {
        assert.deepStrictEqual(expectedJobSeconds(teamJobnets.find((d) => d.name === "nightly-batch")!), { "transform-orders": 1800 });
    });
});

describe("end delay per job: the run watcher's decision (pure)", () => {
    const sentAt = Date.parse("2026-11-30T15:20:03Z");
    const record = (state: RunRecord["jobs"][string]): RunRecord => ({ version: 3, jobs: { transform: state, load: { status: "waiting" } } });
    const running = record({ status: "running", attempts: 1, sentAttempt: 1, sentAt, servers: ["batch-1", "batch-2"] });
    const looks = Array.from({ length: 12 }, (_, i) => Date.parse("2026-11-30T15:25:00Z") + i * 5 * minute);

    it("tells of a job still running past its expected duration in exactly one look", () => {
        const told = looks.filter((tick) => lateJobs(running, { transform: 1800 }, tick, watchPeriodSeconds).length > 0);
        // Due 15:50:03: the look of 15:55 (window 15:50 to 15:55) tells of it, no other.
        assert.deepStrictEqual(told.map((t) => new Date(t).toISOString()), ["2026-11-30T15:55:00.000Z"]);
        assert.deepStrictEqual(lateJobs(running, { transform: 1800 }, Date.parse("2026-11-30T15:55:00Z"), watchPeriodSeconds), [
            { job: "transform", attempt: 1, sentAt, expectedSeconds: 1800, servers: ["batch-1", "batch-2"] },
        ]);
    });

    it("says nothing of a job that ended, waits between two attempts, was not sent yet, or has no expected duration", () => {
        const tick = Date.parse("2026-11-30T15:55:00Z");
        for (const state of [
            { status: "ended" as const, end: "normal" as const, sentAt },
            { status: "running" as const, retryDue: true, sentAt },
            { status: "released" as const },
        ]) assert.deepStrictEqual(lateJobs(record(state), { transform: 1800 }, tick, watchPeriodSeconds), [], JSON.stringify(state));
        assert.deepStrictEqual(lateJobs(running, { load: 1800 }, tick, watchPeriodSeconds), []);
    });

    it("words the notice: the job, the jobnet, the servers, how long against how long expected, the run", () => {
        const late = { job: "transform-orders", attempt: 2, sentAt, expectedSeconds: 1800, servers: ["batch-1", "batch-2"] };
        const consoleUrl = "https://ap-northeast-1.console.aws.amazon.com/states/home?region=ap-northeast-1#/v2/executions/details/arn";
        assert.deepStrictEqual(jobEndDelayAlert({ stack: "dev", jobnet: "nightly-batch", late, now: sentAt + 31 * minute, runName: "nightly-batch-1", consoleUrl }), {
            subject: "[dev] nightly-batch: job transform-orders still running after 31m 0s on batch-1, batch-2",
            lines: [
                "Job transform-orders of the nightly-batch jobnet (stack dev) has been running for 31m 0s on batch-1, batch-2; it is expected to take 30m 0s (expectedMinutes of jobnets/nightly-batch). This is attempt 2.",
                `Execution: nightly-batch-1 (${consoleUrl})`,
                "The job goes on: this notice does not stop it. Look at what it is doing on its server; it ends by itself at its timeoutMinutes.",
            ],
        });
        const child = jobEndDelayAlert({ stack: "dev", jobnet: "weekly-maintenance", late: { job: "stop-system", attempt: 1, sentAt, expectedSeconds: 900, servers: [], childArn: "arn:aws:states:ap-northeast-1:123456789012:execution:webapp-jobnet-dev-stop:stop-stop-system-1" }, now: sentAt + 16 * minute, runName: "w-1", consoleUrl });
        assert.strictEqual(child.subject, "[dev] weekly-maintenance: job stop-system still running after 16m 0s");
        assert.match(child.lines[0], /has been running for 16m 0s running jobnet run stop-stop-system-1; it is expected to take 15m 0s/);
    });

    it("npm start's job:JOB:slow=MINUTES makes a job run that long", () => {
        assert.deepStrictEqual(parseJobFault("job:load:slow=45", ["load"]), { job: "load", kind: "slow", minutes: 45 });
        assert.throws(() => parseJobFault("job:load:slow=0", ["load"]), /slow=MINUTES takes a whole number of minutes from 1/);
        assert.throws(() => parseJobFault("job:load:slow=5:2", ["load"]), /slow takes no count/);
    });
});

describe("end delay per job in the simulated account", () => {
    let synth: SynthResult;
    before(async function () {
        this.timeout(120_000);
        synth = await sharedSynthesis("dev");
    });

    it("tells once, while it runs, of transform-orders still running past its 30 minutes, naming its servers; allowed by the watcher's role to read the run's record only", async function () {
        this.timeout(120_000);
        const notices: { tick: string; subjects: string[] }[] = [];
        const sim = await simulate(synth, {
            initial: "running", jobnets: ["nightly-batch"],
            jobFaults: [{ job: "transform-orders", kind: "slow", minutes: 45 }],
            watch: { untilSeconds: 0, jobnets: ["nightly-batch"], onLook: (look, published) => { if (published.length > 0) notices.push({ tick: look.tick, subjects: published.map((p) => p.subject ?? "") }); } },
        });
        assert.strictEqual(sim.reports[0].report.status, "SUCCEEDED");
        const start = sim.account.executions[0].startDate;
        const late = sim.looks.filter((l) => l.jobsDelayed.length > 0);
        // transform-orders is sent at +20:04 (after extract-orders' retry): due at +50:04, told by the look of +55:00.
        assert.deepStrictEqual(late.map((l) => [(Date.parse(l.tick) - start) / 60_000, l.jobsDelayed.map((j) => j.split(" ")[1])]), [[55, ["transform-orders"]]]);
        assert.deepStrictEqual(notices.map((n) => n.subjects), [["[dev] nightly-batch: job transform-orders still running after 34m 56s on batch-1, batch-2"]]);
        assert.deepStrictEqual(sim.account.metrics.filter((m) => m.name === "JobsPastExpectedDuration" && m.value > 0).map((m) => [m.dimensions.Jobnet, (m.at - start) / 60_000]), [["nightly-batch", 55]]);
        const statements = functionPolicy(synth.resources, synth.alertFunctions.find((f) => f.role === "watcher")!.functionName);
        const used = new Set<PolicyStatement>();
        const reads = sim.account.calls.filter((c) => c.caller === "watchRuns" && c.action === "dynamodb:GetItem");
        assert.ok(reads.length > 0);
        for (const call of sim.account.calls.filter((c) => c.caller === "watchRuns")) {
            for (const { resource, context } of call.authorizations) {
                const statement = allowingStatement(statements, { action: call.action, resource, context });
                assert.ok(statement, `${call.action} on ${resource} is denied`);
                used.add(statement);
            }
        }
        const getItem = statements.find((s) => [s.Action].flat().includes("dynamodb:GetItem"))!;
        assert.ok(used.has(getItem));
        // Not the lock of the system, nor a task's token: only runs' records.
        assert.strictEqual(allowingStatement([getItem], { action: "dynamodb:GetItem", resource: [getItem.Resource].flat()[0], context: { "dynamodb:LeadingKeys": ["webapp-jobnet-dev"] } }), undefined);
    });
});
