import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { projectDir } from "../scripts/lib/runProgram";
import { runCli } from "./support/cli";
import { linesNotPrinted, markdownCodeSpans, markdownTableRows, markdownTranscripts, npmHandOver, quotePattern } from "./support/documentedCommands";

// Each `$ npm start …` the README and docs/*.md show, run as a user runs it: what they quote of its
// output is what it prints, so a change to the timeline or its messages shows here.
const files = ["README.md", ...fs.readdirSync(path.join(projectDir, "docs")).filter((name) => name.endsWith(".md")).map((name) => `docs/${name}`)];
const transcripts = files.flatMap((file) => markdownTranscripts(fs.readFileSync(path.join(projectDir, file), "utf8")).map((transcript) => ({ file, ...transcript })));

describe("the transcripts of npm start in the README and docs/*.md", function () {
    this.timeout(180_000);

    it("are there to check", () => {
        assert.ok(transcripts.length >= 4, transcripts.map((t) => t.command).join("\n"));
    });

    for (const { file, command, printed } of transcripts) {
        it(`${file}: ${command}: prints what it shows`, () => {
            const { script, args, env } = npmHandOver(command);
            assert.strictEqual(script, "start");
            const result = runCli("start.ts", args, { ...env, FORCE_COLOR: "0" });
            assert.deepStrictEqual(linesNotPrinted(printed, result.stdout), [], result.stdout + result.stderr);
        });
    }
});

describe("the causes the README quotes in its prose, as npm start's runs end them", function () {
    this.timeout(180_000);
    const readme = fs.readFileSync(path.join(projectDir, "README.md"), "utf8");
    // Each quote, by how it begins, with the run that ends with it.
    const quotedRuns: [string, string[]][] = [
        ["WaitUntilInstancesStopped: ", ["--jobnet", "stop", "--fail", "stuck-stopping:web-1"]],
        ["StopHttpd: httpd did not stop", ["--jobnet", "stop", "--fail", "httpd-stop:web-1"]],
        ["TakeRunLock: nightly-batch must not run beside", ["--jobnet", "nightly-batch", "--fail", "running:weekly-maintenance"]],
    ];

    for (const [beginning, args] of quotedRuns) {
        it(`${beginning}…: npm start -- ${args.join(" ")}`, () => {
            const quotes = markdownCodeSpans(readme).map((span) => span.replace(/\s+/g, " ")).filter((span) => span.startsWith(beginning));
            assert.strictEqual(quotes.length, 1, quotes.join("\n"));
            const result = runCli("start.ts", args, { FORCE_COLOR: "0" });
            // The summary prints a failed run's cause on a line of its own.
            const causes = result.stdout.split("\n").map((line) => line.trim());
            assert.ok(causes.some((cause) => quotePattern(quotes[0]).test(cause)), `${quotes[0]}\n${result.stdout}`);
        });
    }
});

describe("docs/faults.md's bucket-silent row", function () {
    this.timeout(180_000);

    it("quotes what npm start prints when the file's arrival starts no run, and its exit code", () => {
        const faultsPage = fs.readFileSync(path.join(projectDir, "docs", "faults.md"), "utf8");
        const outcome = markdownTableRows(faultsPage, "| fault |").find(([fault]) => fault.startsWith("`bucket-silent:"))![3];
        const [, quoted, exitCode] = /^no run: `([^`]+)`, exit (\d)$/.exec(outcome) ?? [];
        assert.ok(quoted, outcome);
        const bucket = "webapp-jobnet-orders-inbound";
        const result = runCli("start.ts", ["--jobnet", "orders-arrival", "--arrive", `s3://${bucket}/orders/2026-12-01.csv@5`, "--fail", `bucket-silent:${bucket}`], { FORCE_COLOR: "0" });
        assert.deepStrictEqual(linesNotPrinted([quoted], result.stdout), [], result.stdout + result.stderr);
        assert.strictEqual(result.status, Number(exitCode));
    });
});

describe("a transcript's lines, looked for in what a command printed", () => {
    const output = ["Simulated AWS account: 2 web servers", "   +0:02           A: sent", "   +0:04           B: stopped on 2 of 2", "   +8:14           SUCCEEDED"].join("\n");

    it("are found in order, with ... for lines left out and … for any text within a line", () => {
        assert.deepStrictEqual(linesNotPrinted(["   ...", "   +0:04           B: stopped on … of 2", "   +8:14           SUCCEEDED"], output), []);
    });

    it("are reported when printed differently, or out of order", () => {
        assert.deepStrictEqual(linesNotPrinted(["   +8:14           SUCCEEDED", "   +0:02           A: sent"], output), ["   +0:02           A: sent"]);
        assert.deepStrictEqual(linesNotPrinted(["   +8:04           SUCCEEDED"], output), ["   +8:04           SUCCEEDED"]);
    });
});
