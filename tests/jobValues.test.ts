import * as assert from "assert";
import { CommandJob, JobnetDefinition } from "../statemachines/jobs";
import { jobGraphProblems, runGraphOf } from "../statemachines/jobGraph";
import { renderCommand } from "../statemachines/jobCommand";
import { RunRecord, advance, jobEnded, newRunRecord, redriven, startJob } from "../handlers/jobRun";
import { emittedValues, quotedReferences, startValuesOf, withValues } from "../handlers/jobValues";
import { parseJobFault } from "../simulator/jobPlays";
import { emittedValuesOfRun } from "../simulator/timeline";
import { SynthResult } from "../scripts/lib/synthesize";
import { Simulation, SimulationOptions, simulate } from "../simulator/simulate";
import { sharedSynthesis } from "./support/sharedRuns";

const known = { groups: ["batch", "db"], jobnets: ["stop", "start"] };
const jobnetOf = (jobs: Record<string, unknown>): JobnetDefinition => ({ name: "test", description: "t", expectedMinutes: 10, timeoutMinutes: 60, jobs } as JobnetDefinition);
/** A job on one batch server that prints what it is given and emits the names given. */
const emitter = (emits: string[], output = "", after: string[] = []) => ({ kind: "command" as const, after, on: { group: "batch", servers: "one" as const }, command: "/opt/batch/bin/step.sh", emits, simulate: { seconds: 30, output } });
const user = (command: string, after: string[], more: Partial<CommandJob<string>> = {}) => ({ kind: "command" as const, after, on: { group: "batch", servers: "one" as const }, command, simulate: { seconds: 30 }, ...more });

describe("values passed between jobs", () => {
    describe("the checks at preview", () => {
        it("names a value no earlier job emits, a job that does not come before, a bad reference and a reference inside quotes", () => {
            const d = jobnetOf({
                extract: emitter(["COUNT"]),
                side: emitter(["COUNT"]),
                load: user(`load.sh {{extract.COUNT}} {{extract.TOTAL}} {{side.COUNT}} {{orders}}\necho "{{extract.COUNT}}"`, ["extract"], { workingDirectory: "/data/{{ghost.DIR}}" }),
            });
            assert.deepStrictEqual(jobGraphProblems(d, known), [
                "jobnet test, job load: command uses {{orders}}: a value is {{JOB.NAME}} or {{trigger.key}}",
                "jobnet test, job load: command uses {{extract.TOTAL}}, but extract does not emit TOTAL (its emits: COUNT)",
                "jobnet test, job load: command uses {{side.COUNT}}, but side does not come before load (in after, directly or through other jobs): it may not have run yet",
                "jobnet test, job load: workingDirectory uses {{ghost.DIR}}, but the jobnet has no job ghost",
                "jobnet test, job load: command uses {{extract.COUNT}} inside quotes: write it outside them, for it is replaced by one word already quoted for the shell",
            ]);
        });

        it("accepts a value of a job that comes before through others, and a start value", () => {
            const d = jobnetOf({
                extract: emitter(["COUNT"]),
                transform: user("t.sh", ["extract"]),
                load: user("load.sh {{extract.COUNT}} {{trigger.key}}", ["transform"], { environment: { SOURCE: "s3://{{trigger.bucket}}/{{trigger.key}}" } }),
            });
            assert.deepStrictEqual(jobGraphProblems(d, known), []);
        });

        it("refuses bad value names, a job of every server that emits, a job named trigger and a judgment of a value no job emits", () => {
            const d = jobnetOf({
                a: { ...emitter(["ORDER-COUNT", "N", "N"]), on: { group: "batch" } },
                trigger: user("true", []),
                j: { kind: "judgment", after: ["a"], when: { value: "a.COUNT", equals: "0" }, then: ["trigger"] },
            });
            assert.deepStrictEqual(jobGraphProblems(d, known), [
                "jobnet test, job a: emits \"ORDER-COUNT\": a value's name is letters, digits and _, not starting with a digit, at most 64",
                "jobnet test, job a: emits N more than once",
                "jobnet test, job a: emits values, so it must run on one server (on: { servers: \"one\" }): the servers of a group could print different values",
                "jobnet test, job trigger: trigger is the name of the run's start values ({{trigger.key}}): name the job otherwise",
                "jobnet test, job j: judges a.COUNT, but a does not emit COUNT (its emits: ORDER-COUNT, N, N)",
            ]);
        });

        it("asks for a value's equals as text and its bounds as numbers", () => {
            const d = jobnetOf({
                a: emitter(["N"]),
                b: user("true", []),
                eq: { kind: "judgment", after: ["a"], when: { value: "a.N", equals: 0 }, then: ["b"] },
                above: { kind: "judgment", after: ["a"], when: { value: "a.N", above: "10" }, then: ["b"] },
            });
            assert.deepStrictEqual(jobGraphProblems(d, known), [
                "jobnet test, job eq: when.equals compares the value as text: write it in quotes (\"0\")",
                "jobnet test, job above: when.above, when.from and when.to compare numbers",
            ]);
        });

        it("bounds the values a jobnet emits, for the run's record is one DynamoDB item", () => {
            const names = Array.from({ length: 101 }, (_, i) => `V${i}`);
            assert.deepStrictEqual(jobGraphProblems(jobnetOf({ a: emitter(names) }), known), [
                "jobnet test: its jobs emit 101 values; at most 100 (of up to 1024 characters each: the run's record is one DynamoDB item, at most 400 KB)",
            ]);
        });

        it("finds references inside bash and PowerShell quotes, not outside them", () => {
            assert.deepStrictEqual(quotedReferences(`echo {{a.B}} 'it''s' "x" {{a.C}}`, "bash"), []);
            assert.deepStrictEqual(quotedReferences(`echo '{{a.B}}' "x {{a.C}}" $'\\' {{a.D}}' \\"{{a.E}}`, "bash"), ["{{a.B}}", "{{a.C}}", "{{a.D}}"]);
            // A quote in a comment opens nothing.
            assert.deepStrictEqual(quotedReferences(`# don't\ncp {{a.B}} /tmp`, "bash"), []);
            assert.deepStrictEqual(quotedReferences(`Write-Output 'it''s' {{a.B}} \u2018{{a.C}}\u2019 "{{a.D}}"`, "powershell"), ["{{a.C}}", "{{a.D}}"]);
        });
    });

    describe("at the send", () => {
        const record = (values: Record<string, string>, trigger?: Record<string, string>) => ({
            version: 1,
            jobs: { extract: { status: "ended" as const, end: "normal" as const, exitCode: 0, values }, load: { status: "running" as const } },
            ...(trigger ? { trigger } : {}),
        });
        const load = (command: string, more: Partial<CommandJob<string>> = {}): CommandJob<string> => ({ kind: "command", on: { group: "batch", servers: "one" }, command, ...more });

        it("puts a value in the command as one bash word, whatever shell characters it holds", () => {
            const filled = withValues("load", load("load.sh --key {{extract.KEY}}"), record({ KEY: "in/a'b; rm -rf / $(reboot) `id` *.csv" }));
            assert.ok("job" in filled);
            assert.deepStrictEqual(renderCommand(filled.job).commands, [`load.sh --key 'in/a'\\''b; rm -rf / $(reboot) \`id\` *.csv'`]);
        });

        it("quotes it again for sudo's bash -c, and puts it as is in the environment and working directory, which are quoted whole", () => {
            const job = load("load.sh {{extract.KEY}}", { user: "batch", environment: { SOURCE: "s3://b/{{extract.KEY}}" }, workingDirectory: "/data/{{extract.KEY}}" });
            const filled = withValues("load", job, record({ KEY: "a'b" }));
            assert.ok("job" in filled);
            assert.strictEqual(filled.job.workingDirectory, "/data/a'b");
            assert.deepStrictEqual(renderCommand(filled.job).commands, [`exec sudo -n -u batch -H -- env SOURCE='s3://b/a'\\''b' /bin/bash -c 'load.sh '\\''a'\\''\\'\\'''\\''b'\\'''`]);
        });

        it("quotes a value for PowerShell, the typographic single quotes doubled too", () => {
            const filled = withValues("load", load("Import-Orders -Key {{extract.KEY}}", { shell: "powershell", environment: { K: "{{extract.KEY}}" } }), record({ KEY: "a'b\u2019c $(x)" }));
            assert.ok("job" in filled);
            assert.deepStrictEqual(renderCommand(filled.job).commands, ["$env:K = 'a''b\u2019\u2019c $(x)'", "Import-Orders -Key 'a''b\u2019\u2019c $(x)'"]);
        });

        it("fails the job that needs a value nobody printed, naming the value and the job that should have set it", () => {
            assert.deepStrictEqual(withValues("load", load("load.sh {{extract.COUNT}}"), record({ OTHER: "1" })), {
                error: "ValueMissing",
                cause: "load: needs {{extract.COUNT}}, which extract should have set by printing a line COUNT=… on its standard output; it did not",
            });
            const skipped = { version: 1, jobs: { extract: { status: "ended" as const, end: "skipped" as const }, load: { status: "running" as const } } };
            assert.deepStrictEqual(withValues("load", load("load.sh {{extract.COUNT}}"), skipped), {
                error: "ValueMissing", cause: "load: needs {{extract.COUNT}}, which extract should have set, but extract was skipped",
            });
        });

        it("takes a start value from the run's input, and says a run started by hand has none", () => {
            const filled = withValues("load", load("load.sh {{trigger.key}}"), record({}, startValuesOf({ trigger: "s3", values: { bucket: "in", key: "orders/a b.csv", size: 5 } })));
            assert.ok("job" in filled);
            assert.strictEqual(filled.job.command, "load.sh 'orders/a b.csv'");
            assert.deepStrictEqual(withValues("load", load("load.sh {{trigger.key}}"), record({})), {
                error: "ValueMissing",
                cause: "load: needs {{trigger.key}}, a value the run should have been started with (its input's values.key); this run has none: a run started by hand has no start values, and one longer than 1,024 characters is not kept",
            });
        });
    });

    describe("at the end of the job that emits", () => {
        it("takes the declared names' last lines, ignoring others and a carriage return", () => {
            assert.deepStrictEqual(emittedValues("extract", ["COUNT", "FILE"], "starting\nCOUNT=1\nOTHER=x\nCOUNT=48210\r\nFILE=a=b.csv\n count=3"), { values: { COUNT: "48210", FILE: "a=b.csv" } });
        });

        it("ends the job abnormally rather than lose a value printed past what Run Command returns, or keep one too long", () => {
            assert.deepStrictEqual(emittedValues("extract", ["COUNT"], `${"x".repeat(23_990)}\nCOUNT=12345`), {
                error: "ValueOutputTooLong",
                cause: "extract: printed 24,000 characters or more on its standard output, the most Run Command returns (GetCommandInvocation), so the values it emits (COUNT) cannot be read with certainty: print less, or write the rest to a file",
            });
            assert.deepStrictEqual(emittedValues("extract", ["COUNT"], `COUNT=${"9".repeat(1025)}`), { error: "ValueTooLong", cause: "extract: printed COUNT (1025 characters); a value is at most 1,024 characters" });
        });

        it("keeps a job's values through a redrive, with the run's start values", () => {
            const graph = runGraphOf(jobnetOf({ extract: emitter(["COUNT"]), load: user("load.sh {{extract.COUNT}}", ["extract"]) }));
            let record: RunRecord = { ...advance(graph, newRunRecord(graph)).record, trigger: { key: "k" } };
            record = startJob(graph, record, "extract").record;
            record = jobEnded(graph, record, "extract", { end: "normal", exitCode: 0, values: { COUNT: "7" } }).record;
            record = startJob(graph, record, "load").record;
            record = jobEnded(graph, record, "load", { end: "abnormal", exitCode: 2, cause: "load failed" }).record;
            const again = redriven(graph, record);
            assert.deepStrictEqual([again.jobs.extract.values, again.jobs.load, again.trigger], [{ COUNT: "7" }, { status: "waiting" }, { key: "k" }]);
        });
    });

    describe("a judgment of a value", () => {
        const d = (when: unknown) => jobnetOf({
            extract: emitter(["COUNT"]),
            empty: { kind: "judgment", after: ["extract"], when, then: ["skip-load"], else: ["load"] },
            "skip-load": user("true", []),
            load: user("load.sh", []),
        });
        const judge = (when: unknown, values: Record<string, string>) => {
            const graph = runGraphOf(d(when));
            let record = startJob(graph, advance(graph, newRunRecord(graph)).record, "extract").record;
            const ended = jobEnded(graph, record, "extract", { end: "normal", exitCode: 0, values });
            record = ended.record;
            return { releases: ended.releases, failure: record.failure, empty: record.jobs.empty };
        };

        it("takes then when the value equals the text, else otherwise, and tells the value", () => {
            assert.deepStrictEqual(judge({ value: "extract.COUNT", equals: "0" }, { COUNT: "0" }).releases, [
                { job: "empty", go: "judged", taken: "then", exitCode: 0, value: "0" }, { job: "skip-load", go: "run" }, { job: "load", go: "skip" },
            ]);
            assert.deepStrictEqual(judge({ value: "extract.COUNT", equals: "0" }, { COUNT: "48210" }).releases.map((r) => `${r.job}:${r.go}`), ["empty:judged", "skip-load:skip", "load:run"]);
        });

        it("compares a number above a bound or within a range", () => {
            assert.strictEqual((judge({ value: "extract.COUNT", above: 100 }, { COUNT: "101" }).releases[0] as { taken: string }).taken, "then");
            assert.strictEqual((judge({ value: "extract.COUNT", above: 100 }, { COUNT: "100" }).releases[0] as { taken: string }).taken, "else");
            assert.strictEqual((judge({ value: "extract.COUNT", from: 1, to: 9 }, { COUNT: "9" }).releases[0] as { taken: string }).taken, "then");
        });

        it("ends the judgment abnormally, releasing nothing, when the value is missing or not a number", () => {
            assert.deepStrictEqual(judge({ value: "extract.COUNT", above: 0 }, {}), {
                releases: [],
                failure: { job: "empty", error: "ValueMissing", cause: "empty: needs {{extract.COUNT}}, which extract should have set by printing a line COUNT=… on its standard output; it did not" },
                empty: { status: "ended", end: "abnormal", exitCode: -1, cause: "empty: needs {{extract.COUNT}}, which extract should have set by printing a line COUNT=… on its standard output; it did not" },
            });
            assert.deepStrictEqual(judge({ value: "extract.COUNT", above: 0 }, { COUNT: "many" }).failure, { job: "empty", error: "ValueNotANumber", cause: "empty: judges extract.COUNT as a number, but it is \"many\"" });
        });
    });

    describe("offline", () => {
        it("parses the fault of a job that does not print a value", () => {
            assert.deepStrictEqual(parseJobFault("job:extract-orders:novalue=ORDER_COUNT", ["extract-orders"]), { job: "extract-orders", kind: "novalue", name: "ORDER_COUNT" });
            assert.throws(() => parseJobFault("job:extract-orders:novalue=ORDER-COUNT", ["extract-orders"]), /"ORDER-COUNT" is not a value's name/);
        });

        it("lists the values of a run's jobs from its output", () => {
            assert.deepStrictEqual(emittedValuesOfRun({ jobnet: "n", jobs: [{ job: "a", end: "normal", exitCode: 0, values: { N: "1" } }, { job: "b", end: "normal", exitCode: 0 }] }), { a: { N: "1" } });
        });
    });
});

describe("values passed between jobs, run in the simulated account", () => {
    let synth: SynthResult;
    before(async function () {
        this.timeout(120_000);
        synth = await sharedSynthesis("dev");
    });
    const run = (o: Partial<SimulationOptions> & { jobnets: string[] }) => simulate(synth, { initial: "running", ...o });
    const sentFor = (sim: Simulation, job: string) => sim.account.commands.filter((c) => c.comment.split(" ")[0].endsWith(`/${job}`)).map((c) => c.parameters.commands);
    const jobnet = (jobs: Record<string, unknown>): JobnetDefinition => ({ name: "values", description: "values", expectedMinutes: 30, timeoutMinutes: 60, jobs } as JobnetDefinition);

    it("sends the nightly batch's load the order count the extract printed, quoted, and lists it at the run's end", async () => {
        const sim = await run({ jobnets: ["nightly-batch"] });
        assert.strictEqual(sim.reports[0].report.status, "SUCCEEDED");
        assert.deepStrictEqual(sentFor(sim, "load"), [[
            "# webapp-jobnet-dev job nightly-batch/load",
            `exec sudo -n -u batch -H -- /bin/bash -c '/opt/batch/bin/load.sh --expect-orders '\\''48210'\\'''`,
        ]]);
        assert.deepStrictEqual(emittedValuesOfRun(sim.reports[0].report.output), { "extract-orders": { ORDER_COUNT: "48210" } });
    });

    it("fails the load, unsent, naming the value and the extract, when the extract does not print it; the load's recovery runs", async () => {
        const sim = await run({ jobnets: ["nightly-batch"], jobFaults: [{ job: "extract-orders", kind: "novalue", name: "ORDER_COUNT" }] });
        const { report } = sim.reports[0];
        assert.deepStrictEqual([report.status, report.error, report.cause], [
            "FAILED", "ValueMissing",
            "load: needs {{extract-orders.ORDER_COUNT}}, which extract-orders should have set by printing a line ORDER_COUNT=… on its standard output; it did not; recovery: rollback-load ended normally",
        ]);
        assert.deepStrictEqual(sentFor(sim, "load"), []);
    });

    it("passes a value holding shell characters as one word, and judges a value", async () => {
        const d = jobnet({
            find: emitter(["KEY", "COUNT"], "found\nKEY=in/it's; $(touch /tmp/x) `id`.csv\nCOUNT=0"),
            empty: { kind: "judgment", after: ["find"], when: { value: "find.COUNT", equals: "0" }, then: ["skip"], else: ["load"] },
            skip: user("echo nothing to load for {{find.KEY}}", []),
            load: user("load.sh {{find.KEY}}", []),
        });
        const sim = await run({ jobnets: ["nightly-batch"], inPlaceOf: { "nightly-batch": d } });
        assert.strictEqual(sim.reports[0].report.status, "SUCCEEDED");
        assert.deepStrictEqual(sentFor(sim, "skip"), [["# webapp-jobnet-dev job values/skip", `echo nothing to load for 'in/it'\\''s; $(touch /tmp/x) \`id\`.csv'`]]);
        assert.deepStrictEqual(sentFor(sim, "load"), []);
    });

    it("fails the run naming the judgment, once the job still running has ended, when the value it judges was not printed", async () => {
        const d = jobnet({
            find: emitter(["COUNT"], "found nothing to count"),
            slow: { ...user("sleep.sh", []), simulate: { seconds: 600 } },
            empty: { kind: "judgment", after: ["find"], when: { value: "find.COUNT", above: 0 }, then: ["load"] },
            load: user("load.sh", []),
        });
        const sim = await run({ jobnets: ["nightly-batch"], inPlaceOf: { "nightly-batch": d } });
        const { report } = sim.reports[0];
        assert.deepStrictEqual([report.status, report.error, report.cause], [
            "FAILED", "ValueMissing", "empty: needs {{find.COUNT}}, which find should have set by printing a line COUNT=… on its standard output; it did not",
        ]);
        // The slow job ran to its end (10 minutes) before the run failed; load never started.
        assert.deepStrictEqual([Math.round(report.durationSeconds / 60), sentFor(sim, "load")], [10, []]);
    });

    it("ends a job abnormally whose output is longer than Run Command returns, rather than lose a value printed late", async () => {
        const d = jobnet({ find: emitter(["COUNT"], `${"row\n".repeat(6000)}COUNT=6000`) });
        const sim = await run({ jobnets: ["nightly-batch"], inPlaceOf: { "nightly-batch": d } });
        const { report } = sim.reports[0];
        const batch1 = [...sim.account.instances.values()].find((i) => i.name === "batch-1")!.id;
        assert.deepStrictEqual([report.status, report.error, report.cause], [
            "FAILED", "ValueOutputTooLong",
            `find: printed 24,000 characters or more on its standard output, the most Run Command returns (GetCommandInvocation), so the values it emits (COUNT) cannot be read with certainty: print less, or write the rest to a file; on batch-1 (${batch1}); the whole output is in CloudWatch Logs, group /webapp-jobnet-dev/jobs`,
        ]);
    });

    it("uses the values a run was started with, and fails a run started by hand that has none", async () => {
        const d = jobnet({ load: user("load.sh {{trigger.key}}", []) });
        const started = await run({ jobnets: ["nightly-batch"], inPlaceOf: { "nightly-batch": d }, input: { trigger: "s3", values: { bucket: "in", key: "orders/2026-12-07 a.csv" } } });
        assert.deepStrictEqual(sentFor(started, "load"), [["# webapp-jobnet-dev job values/load", "load.sh 'orders/2026-12-07 a.csv'"]]);
        const byHand = await run({ jobnets: ["nightly-batch"], inPlaceOf: { "nightly-batch": d } });
        assert.deepStrictEqual([byHand.reports[0].report.status, byHand.reports[0].report.error], ["FAILED", "ValueMissing"]);
    });
});
