import * as assert from "assert";
import { JobnetDefinition, defineJobnet } from "../statemachines/jobs";
import { jobGraphProblems, runGraphOf, topologicalOrder } from "../statemachines/jobGraph";
import { Release, RunRecord, advance, endOf, failureDue, jobEnded, jobRetrying, newRunRecord, redriven, runningJobs, startJob } from "../handlers/jobRun";
import { renderCommand } from "../statemachines/jobCommand";
import { teamJobnets } from "../jobnets";

const known = { groups: ["batch", "db"], jobnets: ["stop", "start", "other"] };
const cmd = (after: string[] = []) => ({ kind: "command" as const, after, on: { group: "batch" }, command: "true" });

/** A jobnet of command jobs on the batch group, each after the jobs listed. */
function jobnetOf(jobs: Record<string, string[]>, extra: Record<string, unknown> = {}): JobnetDefinition {
    return { name: "test", description: "t", expectedMinutes: 10, timeoutMinutes: 60, jobs: { ...Object.fromEntries(Object.entries(jobs).map(([n, after]) => [n, cmd(after)])), ...extra } } as JobnetDefinition;
}

/** Runs the engine: ends jobs in the order given, each with an exit code, and records what was released when. */
function play(d: JobnetDefinition, ends: [string, "normal" | "warning" | "abnormal", number][]): { record: RunRecord; log: string[] } {
    const graph = runGraphOf(d);
    const log: string[] = [];
    const note = (releases: Release[]) => log.push(...releases.map((r) => `${r.job}:${r.go}${r.go === "judged" ? `:${r.taken}` : ""}`));
    let { record, releases } = advance(graph, newRunRecord(graph));
    note(releases);
    for (const [job, end, exitCode] of ends) {
        record = startJob(graph, record, job).record;
        ({ record, releases } = jobEnded(graph, record, job, { end, exitCode, ...(end === "abnormal" ? { cause: `${job} failed` } : {}) }));
        log.push(`-${job}`);
        note(releases);
    }
    return { record, log };
}

describe("a team's jobnet as code", () => {
    describe("the checks at preview", () => {
        it("accepts the example jobnets on a stack that defines their groups", () => {
            for (const d of teamJobnets) assert.deepStrictEqual(jobGraphProblems(d, { groups: ["batch", "db-client"], jobnets: ["stop", "start", ...teamJobnets.map((t) => t.name)] }), []);
        });

        it("names a cycle, and the jobs it leaves unreachable, in one line", () => {
            assert.deepStrictEqual(jobGraphProblems(jobnetOf({ a: [], b: ["a", "d"], c: ["b"], d: ["c"], e: ["d"] }), known), [
                "jobnet test: the jobs form a cycle, so none of them can start: b → c → d → b; unreachable after it: e",
            ]);
        });

        it("names unknown jobs, groups the stack does not define and jobnets it does not deploy", () => {
            const d = jobnetOf({ a: ["ghost"] }, {
                b: { kind: "command", on: { group: "gpu" }, command: "true" },
                c: { kind: "jobnet", jobnet: "nightly" },
            });
            assert.deepStrictEqual(jobGraphProblems(d, known), [
                "jobnet test, job a: names jobs the jobnet does not have: ghost",
                "jobnet test, job b: runs on server group gpu, which the stack does not define in jobnetGroups (it defines: batch, db)",
                "jobnet test, job c: runs jobnet nightly, which the stack does not deploy (it deploys: stop, start, other)",
            ]);
        });

        it("refuses thresholds the wrong way round and retries of codes that end normally", () => {
            const d = jobnetOf({}, {
                a: { kind: "command", on: { group: "batch" }, command: "x", end: { warningAbove: 4, abnormalAbove: 2 } },
                b: { kind: "command", on: { group: "batch" }, command: "x", retry: { exitCodes: { from: 0, to: 0 }, times: 2, intervalMinutes: 1 } },
            });
            assert.deepStrictEqual(jobGraphProblems(d, known), [
                "jobnet test, job a: end.abnormalAbove (2) is below end.warningAbove (4)",
                "jobnet test, job b: retry.exitCodes end normally (at most end.warningAbove, 0): nothing would be retried",
            ]);
        });

        it("names a bad schedule rule by its index, and a bad calendar of the jobnet's own", () => {
            const d = {
                ...jobnetOf({ a: [] }),
                schedules: [{ every: "day", at: "01:30", timeZone: "Asia/Tokyo" }, { weekdays: ["sun"], at: "3:00", timeZone: "Asia/Tokio" }],
                calendar: { country: "US", closedDates: ["2027-02-29"], closedWeekdays: ["sat", "sunday"] },
            } as JobnetDefinition;
            assert.deepStrictEqual(jobGraphProblems(d, known), [
                'jobnet test, schedules[1]: at: a time HH:MM from 00:00 to 23:59, not "3:00"',
                'jobnet test, schedules[1]: timeZone: an IANA time zone such as Asia/Tokyo, not "Asia/Tokio"',
                'jobnet test, calendar: country: one of JP, none, not "US"',
                "jobnet test, calendar: closedDates: dates YYYY-MM-DD that exist, not 2027-02-29",
                "jobnet test, calendar: closedWeekdays: days of sun, mon, tue, wed, thu, fri, sat, not sunday",
            ]);
        });

        it("does not compile a jobnet that names a job it does not have", () => {
            defineJobnet({
                name: "typo", description: "d", expectedMinutes: 1, timeoutMinutes: 2,
                jobs: {
                    a: { kind: "command", on: { group: "g" }, command: "true" },
                    // @ts-expect-error: "c" is not a job of this jobnet
                    b: { kind: "command", after: ["c"], on: { group: "g" }, command: "true" },
                    // @ts-expect-error: a group's servers are "every" or "one"
                    d: { kind: "command", on: { group: "g", servers: "two" }, command: "true" },
                },
            });
        });
    });

    describe("dependencies", () => {
        it("starts a job as soon as its own predecessors end, in a graph nested Parallel blocks cannot express", () => {
            // A→C, A→D, B→D: C starts when A ends, while B still runs.
            const { log } = play(jobnetOf({ a: [], b: [], c: ["a"], d: ["a", "b"] }), [["a", "normal", 0], ["c", "normal", 0], ["b", "normal", 0], ["d", "normal", 0]]);
            assert.deepStrictEqual(log, ["a:run", "b:run", "-a", "c:run", "-c", "-b", "d:run", "-d"]);
        });

        it("lets a job follow one that ended with a warning", () => {
            const graph = runGraphOf(jobnetOf({ a: [], b: ["a"] }));
            let { record } = advance(graph, newRunRecord(graph));
            record = startJob(graph, record, "a").record;
            const ended = jobEnded(graph, record, "a", { end: endOf(2, { warningAbove: 0, abnormalAbove: 3 }), exitCode: 2 });
            assert.deepStrictEqual(ended.releases, [{ job: "b", go: "run" }]);
            assert.strictEqual(ended.record.jobs.a.end, "warning");
        });

        it("judges JP1/AJS3's thresholds: up to the warning threshold normal, up to the abnormal one a warning, above abnormal", () => {
            const t = { warningAbove: 1, abnormalAbove: 4 };
            assert.deepStrictEqual([0, 1, 2, 4, 5, -1].map((c) => endOf(c, t)), ["normal", "normal", "warning", "warning", "abnormal", "abnormal"]);
            assert.deepStrictEqual([0, 1].map((c) => endOf(c, { warningAbove: 0, abnormalAbove: 0 })), ["normal", "abnormal"]);
        });

        it("skips the branch a judgment does not take, and the jobs only it leads to, and joins after it", () => {
            const d = jobnetOf({ load: [], yes: [], no: [], afterNo: ["no"], archive: ["yes", "afterNo"] }, {
                judge: { kind: "judgment", after: ["load"], when: { above: 0 }, then: ["yes"], else: ["no"] },
            });
            const { log, record } = play(d, [["load", "warning", 2], ["yes", "normal", 0], ["archive", "normal", 0]]);
            assert.deepStrictEqual(log, ["load:run", "-load", "judge:judged:then", "yes:run", "no:skip", "afterNo:skip", "-yes", "archive:run", "-archive"]);
            assert.deepStrictEqual(Object.fromEntries(Object.entries(record.jobs).map(([j, s]) => [j, s.end])), {
                load: "warning", yes: "normal", no: "skipped", afterNo: "skipped", archive: "normal", judge: "normal",
            });
        });

        it("starts no job after a failure, and fails the run only once the running jobs have ended", () => {
            const graph = runGraphOf(jobnetOf({ a: [], b: [], c: ["a"] }));
            let { record } = advance(graph, newRunRecord(graph));
            record = startJob(graph, startJob(graph, record, "a").record, "b").record;
            const failed = jobEnded(graph, record, "a", { end: "abnormal", exitCode: 3, error: "JobEndedAbnormally", cause: "a on x: exit code 3" });
            assert.deepStrictEqual(failed.releases, []);
            assert.deepStrictEqual(runningJobs(failed.record), ["b"]);
            assert.strictEqual(failureDue(graph, failed.record), undefined);
            const done = jobEnded(graph, failed.record, "b", { end: "normal", exitCode: 0 });
            assert.deepStrictEqual(done.releases, []);
            assert.deepStrictEqual(failureDue(graph, done.record), { job: "a", error: "JobEndedAbnormally", cause: "a on x: exit code 3" });
        });

        it("counts a job waiting to retry as running, and sends it again only once", () => {
            const graph = runGraphOf(jobnetOf({ a: [] }));
            let { record } = advance(graph, newRunRecord(graph));
            record = startJob(graph, record, "a").record;
            record = jobRetrying(record, "a", 75);
            assert.deepStrictEqual(runningJobs(record), ["a"]);
            const again = startJob(graph, record, "a");
            assert.strictEqual(again.start, true);
            assert.strictEqual(again.record.jobs.a.attempts, 2);
            assert.strictEqual(startJob(graph, again.record, "a").start, false);
        });

        it("redrives from the failed job, keeping the jobs that ended", () => {
            const graph = runGraphOf(jobnetOf({ a: [], b: ["a"], c: [] }));
            const { record } = play(jobnetOf({ a: [], b: ["a"], c: [] }), [["c", "normal", 0], ["a", "abnormal", 1]]);
            const again = advance(graph, redriven(graph, record));
            assert.deepStrictEqual(again.releases, [{ job: "a", go: "run" }]);
            assert.strictEqual(again.record.jobs.c.end, "normal");
            assert.strictEqual(again.record.failure, undefined);
        });

        describe("recovery jobs", () => {
            /** load, with notify-ops (then restore) to run when it fails, and report after load. */
            const withRecovery = (then?: "fail" | "continue") => jobnetOf({ extract: [], report: ["load"], notify: [], restore: ["notify"] }, {
                load: { ...cmd(["extract"]), recovery: { jobs: ["notify"], ...(then ? { then } : {}) } },
            });

            it("runs a failed job's recovery jobs, then fails the run naming the original failure", () => {
                const d = withRecovery();
                const { log, record } = play(d, [["extract", "normal", 0], ["load", "abnormal", 4], ["notify", "normal", 0], ["restore", "normal", 0]]);
                assert.deepStrictEqual(log, ["extract:run", "-extract", "load:run", "-load", "notify:run", "-notify", "restore:run", "-restore"]);
                assert.strictEqual(record.jobs.report.status, "waiting");
                assert.deepStrictEqual(failureDue(runGraphOf(d), record), { job: "load", error: "JobEndedAbnormally", cause: "load failed; recovery: notify ended normally, restore ended normally" });
            });

            it("does not fail the run while a recovery job is still to run", () => {
                const d = withRecovery();
                const graph = runGraphOf(d);
                const { record } = play(d, [["extract", "normal", 0], ["load", "abnormal", 4]]);
                assert.strictEqual(record.jobs.notify.status, "released");
                assert.strictEqual(failureDue(graph, record), undefined);
                assert.strictEqual(startJob(graph, record, "notify").start, true);
            });

            it("skips the recovery jobs, and the jobs after them, when the job ends normally", () => {
                const { log, record } = play(withRecovery(), [["extract", "normal", 0], ["load", "normal", 0], ["report", "normal", 0]]);
                assert.deepStrictEqual(log, ["extract:run", "-extract", "load:run", "-load", "report:run", "notify:skip", "restore:skip", "-report"]);
                assert.strictEqual(record.failure, undefined);
            });

            it("goes on after a recovery that says continue: the jobs after the failed job run once the jobs its recovery names have ended", () => {
                const d = withRecovery("continue");
                const { log, record } = play(d, [["extract", "normal", 0], ["load", "abnormal", 4], ["notify", "normal", 0], ["restore", "normal", 0], ["report", "normal", 0]]);
                assert.deepStrictEqual(log, ["extract:run", "-extract", "load:run", "-load", "notify:run", "-notify", "report:run", "restore:run", "-restore", "-report"]);
                assert.strictEqual(record.failure, undefined);
                assert.strictEqual(record.jobs.load.end, "abnormal");
            });

            it("fails the run naming the recovery job when a recovery that says continue fails itself", () => {
                const d = withRecovery("continue");
                const { log, record } = play(d, [["extract", "normal", 0], ["load", "abnormal", 4], ["notify", "abnormal", 1]]);
                assert.deepStrictEqual(log, ["extract:run", "-extract", "load:run", "-load", "notify:run", "-notify"]);
                assert.deepStrictEqual(failureDue(runGraphOf(d), record), { job: "notify", error: "JobEndedAbnormally", cause: "notify failed" });
            });

            it("starts no other job while the recovery runs", () => {
                const d = jobnetOf({ a: [], b: [], c: ["b"], fix: [] }, { a: { ...cmd(), recovery: { jobs: ["fix"] } } });
                const graph = runGraphOf(d);
                let { record } = advance(graph, newRunRecord(graph));
                record = startJob(graph, startJob(graph, record, "a").record, "b").record;
                record = jobEnded(graph, record, "a", { end: "abnormal", exitCode: 1, cause: "a failed" }).record;
                const b = jobEnded(graph, record, "b", { end: "normal", exitCode: 0 });
                assert.deepStrictEqual(b.releases, []);
                assert.strictEqual(b.record.jobs.fix.status, "released");
            });

            it("redrives the failed job with its recovery jobs waiting again", () => {
                const d = withRecovery();
                const graph = runGraphOf(d);
                const { record } = play(d, [["extract", "normal", 0], ["load", "abnormal", 4], ["notify", "normal", 0], ["restore", "normal", 0]]);
                const again = advance(graph, redriven(graph, record));
                assert.deepStrictEqual(again.releases, [{ job: "load", go: "run" }]);
                assert.deepStrictEqual([again.record.jobs.extract.end, again.record.jobs.notify.status, again.record.jobs.restore.status], ["normal", "waiting", "waiting"]);
            });

            it("names at preview a recovery job that follows other jobs, recovers two jobs, or sits in a judgment's branch", () => {
                const d = jobnetOf({ a: [], fix: ["a"], c: [] }, {
                    b: { ...cmd(), recovery: { jobs: ["fix", "c"] } },
                    d: { ...cmd(), recovery: { jobs: ["c"] } },
                    j: { kind: "judgment", after: ["a"], when: { equals: 0 }, then: ["c"] },
                });
                assert.deepStrictEqual(jobGraphProblems(d, known), [
                    "jobnet test, job fix: a recovery job of b runs right after it, so it has no after of its own (a)",
                    "jobnet test, job c: recovers b and d; a recovery job recovers one job",
                    "jobnet test, job c: a recovery job of b cannot also be in a judgment's branch",
                ]);
            });
        });

        it("orders the lanes of the report after their predecessors", () => {
            assert.deepStrictEqual(topologicalOrder(runGraphOf(jobnetOf({ d: ["a", "b"], c: ["a"], b: [], a: [] }))), ["a", "b", "c", "d"]);
        });
    });

    describe("commands as Run Command runs them", () => {
        it("sets the environment, then runs the script as the job's user through sudo", () => {
            assert.deepStrictEqual(renderCommand({ kind: "command", on: { group: "g" }, command: "echo \"it's $X\"", user: "batch", environment: { X: "a b" } }), {
                document: "AWS-RunShellScript",
                commands: [`exec sudo -n -u batch -H -- env X='a b' /bin/bash -c 'echo "it'\\''s $X"'`],
            });
            assert.deepStrictEqual(renderCommand({ kind: "command", on: { group: "g" }, command: "one\ntwo\n", environment: { X: "1" } }).commands, ["export X='1'", "one", "two"]);
            assert.deepStrictEqual(renderCommand({ kind: "command", on: { group: "g" }, shell: "powershell", command: "Get-Date", environment: { X: "it's" } }), {
                document: "AWS-RunPowerShellScript",
                commands: ["$env:X = 'it''s'", "Get-Date"],
            });
        });

        it("gives Run Command one line per line of a multi-line script run as a user: the quoted script spans them, as in the script file Run Command writes", () => {
            assert.deepStrictEqual(renderCommand({ kind: "command", on: { group: "g" }, command: "{\n/opt/prepare.sh\n} >> /var/log/prepare.out\n", user: "legacy" }).commands, [
                "exec sudo -n -u legacy -H -- /bin/bash -c '{",
                "/opt/prepare.sh",
                "} >> /var/log/prepare.out'",
            ]);
        });
    });
});

describe("the bench's jobnets", () => {
    it("are valid jobnets of the shapes named, the lattice not series-parallel", () => {
        const { chainJobnet, fanOutJobnet, latticeJobnet, longJobnet, criticalPath } = require("../scripts/lib/benchJobnets") as typeof import("../scripts/lib/benchJobnets");
        const known = { groups: ["batch"], jobnets: [] };
        for (const d of [chainJobnet(50, 60), fanOutJobnet(100, 60), latticeJobnet(20, 10, 60), longJobnet(12)]) assert.deepStrictEqual(jobGraphProblems(d, known), [], d.name);
        assert.deepStrictEqual([chainJobnet(50, 60), fanOutJobnet(100, 60), latticeJobnet(20, 10, 60), longJobnet(12)].map((d) => Object.keys(d.jobs).length), [50, 102, 200, 1]);
        assert.deepStrictEqual(criticalPath(chainJobnet(3, 60)), { seconds: 180, jobs: ["j01", "j02", "j03"] });
        assert.deepStrictEqual(criticalPath(fanOutJobnet(10, 60)), { seconds: 60 + 114 + 60, jobs: ["start", "f009", "join"] });
        const lattice = latticeJobnet(2, 2, 60);
        assert.deepStrictEqual(Object.fromEntries(Object.entries(lattice.jobs).map(([n, j]) => [n, j.after])), { "l01-01": [], "l01-02": [], "l02-01": ["l01-01", "l01-02"], "l02-02": ["l01-02"] });
    });
});

describe("the README's picture of the nightly batch", () => {
    it("is the jobs of jobnets/nightly-batch.ts as npm run synth draws them", async function () {
        this.timeout(30_000);
        const fs = require("fs") as typeof import("fs");
        const { renderSvg } = require("../scripts/lib/synthesize") as typeof import("../scripts/lib/synthesize");
        const { jobGraphDot } = require("../statemachines/jobDiagram") as typeof import("../statemachines/jobDiagram");
        const nightly = teamJobnets.find((d) => d.name === "nightly-batch")!;
        const drawn = await renderSvg(jobGraphDot(nightly, "nightly-batch: its jobs and what each waits for (stack dev)"));
        assert.strictEqual(fs.readFileSync("docs/nightly-batch.jobs.svg", "utf8"), drawn, "docs/nightly-batch.jobs.svg is stale: run npm run synth -- --docs");
    });
});
