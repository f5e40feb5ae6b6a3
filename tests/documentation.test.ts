import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { UsageError } from "../scripts/lib/commandLine";
import { projectDir } from "../scripts/lib/runProgram";
import { parseStartOptions, startUsage } from "../scripts/lib/startOptions";
import { synthSummary } from "../scripts/lib/synthesize";
import { ganttModel, ganttSvg } from "../scripts/lib/gantt";
import { executionArnOf } from "../simulator/account";
import { faultKinds, parseFaults } from "../simulator/faults";
import { simulate } from "../simulator/simulate";
import { taskFunctionNames } from "../statemachines/plan";
import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { ConfigError, parseConfig, problemLine } from "../infra/config";
import { optInWarning } from "../infra/backupOptIn";
import { databaseWarnings } from "../infra/deployedDatabase";
import { fencedBlocks, markdownAnchors, markdownLocalLinks, markdownNpmCommands, markdownSection, npmHandOver, quotePattern } from "./support/documentedCommands";
import { sharedSynthesis } from "./support/sharedRuns";

/** The README and the reference pages it links, by their path in the repository. */
const documents = new Map(
    ["README.md", ...fs.readdirSync(path.join(projectDir, "docs")).filter((name) => name.endsWith(".md")).map((name) => `docs/${name}`)].map((file) => [
        file,
        fs.readFileSync(path.join(projectDir, file), "utf8"),
    ]),
);
const readme = documents.get("README.md")!;
const faultsPage = documents.get("docs/faults.md")!;

/** The first cells of a Markdown table's rows, under the header that starts with this text. */
function firstCells(markdown: string, header: string): string[] {
    const lines = markdown.split("\n");
    const start = lines.findIndex((line) => line.startsWith(header));
    assert.ok(start >= 0, `no table "${header}"`);
    const rows: string[] = [];
    for (let i = start + 2; i < lines.length && lines[i].startsWith("|"); i++) rows.push(lines[i].split(/(?<!\\)\|/)[1].trim());
    return rows;
}

describe("the README and docs/*.md", () => {
    it("link only to files and headings there are", () => {
        const broken = [...documents].flatMap(([file, markdown]) =>
            markdownLocalLinks(markdown).flatMap((link) => {
                const [target, anchor] = link.split("#");
                const linked = target === "" ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), target));
                if (!fs.existsSync(path.join(projectDir, linked))) return [`${file}: ${link} (no file ${linked})`];
                if (anchor === undefined) return [];
                const text = documents.get(linked) ?? fs.readFileSync(path.join(projectDir, linked), "utf8");
                return markdownAnchors(text).has(anchor) ? [] : [`${file}: ${link} (no heading #${anchor} in ${linked})`];
            }),
        );
        assert.deepStrictEqual(broken, []);
    });

    it("put every npm script's options after --, where npm hands them on", () => {
        // npm keeps an option written before `--` for itself: `npm start --redrive` never reaches the script.
        const refusedOnPurpose = ["npm start --servers 5"];
        const misplaced = [...documents].flatMap(([file, markdown]) =>
            markdownNpmCommands(markdown)
                .filter((command) => !refusedOnPurpose.includes(command))
                .filter((command) => Object.keys(npmHandOver(command).env).some((name) => name !== "npm_lifecycle_event"))
                .map((command) => `${file}: ${command}`),
        );
        assert.deepStrictEqual(misplaced, []);
    });

    it("give npm start only options and values it takes, and show the form npm keeps for itself refused", () => {
        const concrete = (command: string) => !/\b[A-Z]{1,}\b|[[\]…]/.test(command.replace(/^npm start/, ""));
        const refused = [...documents].flatMap(([file, markdown]) =>
            markdownNpmCommands(markdown)
                .filter((command) => command.startsWith("npm start") && concrete(command))
                .flatMap((command) => {
                    const { args, env } = npmHandOver(command);
                    try {
                        parseStartOptions(args, env);
                        return [];
                    } catch (error) {
                        return [`${file}: ${command}: ${(error as Error).message}`];
                    }
                }),
        );
        assert.deepStrictEqual(refused, [
            "README.md: npm start --servers 5: npm took --servers for itself, so npm start did not get it: put the options after --, as in npm start -- --servers 5",
        ]);
        const { args, env } = npmHandOver("npm start --servers 5");
        assert.throws(() => parseStartOptions(args, env), UsageError);
    });

    it("list every option of npm start in its options table, as npm start -- --help does", () => {
        const options = (text: string) => [...text.matchAll(/^ {2}(--[\w-]+)/gm)].map((match) => match[1]);
        const documented = firstCells(markdownSection(readme, "## Watch the jobnets run: `npm start`"), "| option |").map((cell) => /^`(--[\w-]+)/.exec(cell)![1]);
        assert.deepStrictEqual([...documented].sort(), [...options(startUsage)].sort());
    });

    it("list every fault npm start injects in docs/faults.md, in its own form", () => {
        const documented = firstCells(faultsPage, "| fault |").flatMap((cell) => [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1].replace(/\\\|/g, "|")));
        assert.deepStrictEqual([...documented].sort(), faultKinds.map((kind) => kind.form).sort());
    });
});

describe("the README's quotes of npm run synth for the dev stack", function () {
    this.timeout(120_000);
    let summary: string[];
    before(async () => {
        summary = synthSummary(await sharedSynthesis("dev")).split("\n");
    });

    it("gives the bounds of the Lambda uploads' sizes, in whole KB, as npm run synth prints them", () => {
        const sizes = summary.flatMap((line) => /^ {2}\S+ +([\d.]+) KB deflated$/.exec(line)?.[1] ?? []).map(Number);
        assert.ok(sizes.length > 0, summary.join("\n"));
        // In whole KB, so that a handler a few hundred bytes longer leaves the README true.
        const [smallest, largest] = [Math.floor(Math.min(...sizes)), Math.ceil(Math.max(...sizes))];
        assert.ok(markdownSection(readme, "## See what would be deployed: `npm run synth`").includes(`(between ${smallest} and ${largest} KB each for the dev stack)`), `uploads of ${smallest} to ${largest} KB`);
    });

    it("quotes the worst-case histories as npm run synth prints them", () => {
        const quoted = /`(History at worst: [^`]+)`/.exec(markdownSection(readme, "## See what would be deployed: `npm run synth`"))![1];
        assert.match(summary.find((line) => line.startsWith("History at worst: ")) ?? "", quotePattern(quoted));
    });
});

describe("the README's run report of a redriven run", function () {
    this.timeout(120_000);

    it("draws the redrive as the README says: an orange line across the chart of the run it goes on with", async () => {
        const synth = await sharedSynthesis("dev");
        const faults = parseFaults(["backup:web-1:2"], { servers: ["web-1", "web-2"], database: { kind: "cluster" as const, identifier: "webapp-jobnet-dev" }, tasks: taskFunctionNames });
        const { reports, account } = await simulate(synth, { initial: "running", jobnets: ["stop", "redrive"], faults });
        assert.deepStrictEqual(reports.map((r) => [r.report.status, r.redrive === true]), [["FAILED", false], ["SUCCEEDED", true]]);
        const history = account.execution(executionArnOf(synth.outputs.stopStateMachineArn, reports[1].report.executionName)).history as HistoryEvent[];
        const svg = ganttSvg(ganttModel(history, "stop jobnet, redriven"));
        // The renderer's orange (colors.retry in scripts/lib/gantt.ts), the colour the README names.
        const orange = "#e67e22";
        assert.strictEqual([...svg.matchAll(new RegExp(`<line [^>]*stroke="${orange}"[^>]*><title>redriven</title></line>`, "g"))].length, 1, svg);
        assert.ok(markdownSection(readme, "### Run reports: a run as a Gantt chart").includes("a redrive (an orange line)"));
    });
});

describe("the messages the README and docs/*.md show in full, as the program words them", () => {
    /** Whether one of the document's plain ``` blocks is exactly these lines. */
    function shows(file: string, lines: string[]): boolean {
        return fencedBlocks(documents.get(file)!).some((block) => block.info === "" && block.text === lines.join("\n"));
    }

    it("README: preview's refusal of bounds with which the start jobnet could pass half the history quota", () => {
        const config = { "aws:region": "ap-northeast-1", "webapp-jobnet:jobnetWaits": '{"instanceReady":"24h","instanceCapacity":"1h"}' };
        const readProjectFile = (file: string) => (fs.existsSync(path.join(projectDir, file)) ? fs.readFileSync(path.join(projectDir, file), "utf8") : undefined);
        const error = (() => {
            try {
                parseConfig(config, readProjectFile);
            } catch (e) {
                return e;
            }
            return undefined;
        })();
        assert.ok(error instanceof ConfigError, String(error));
        const lines = error.problems.map(problemLine);
        assert.ok(shows("README.md", lines), lines.join("\n"));
    });

    it("docs/updates.md: preview's warning that an update changes the cluster, which a stopped cluster refuses", () => {
        const deployed = { engineVersion: "8.0.mysql_aurora.3.10.0", instanceClasses: { "webapp-jobnet-dev-1": "db.t4g.medium" }, logExports: ["audit"], deletionProtection: false };
        const desired = { clusterIdentifier: "webapp-jobnet-dev", engineVersion: "8.0.mysql_aurora.3.10.0", instanceClass: "db.r7g.large", instanceCount: 1, logExports: ["audit"], deletionProtection: false };
        const warnings = databaseWarnings(desired, deployed);
        assert.ok(shows("docs/updates.md", warnings), warnings.join("\n"));
    });

    it("docs/updates.md: preview's warning that AWS Backup is not opted in to Aurora", () => {
        const warning = optInWarning("ap-northeast-1", ["Aurora"]);
        assert.ok(shows("docs/updates.md", [warning]), warning);
    });
});

describe("the README's benchmark table", () => {
    it("gives the 2-server runs the figures of npm start's summary, which tests/transcripts.test.ts checks against a run", () => {
        // The dev stack has 2 web servers: its npm start runs are the bench's first rows.
        const figures = (line: string) => {
            const [, jobnet, status, duration, transitions, lambda, state, history] = /^(\w+) +(\w+) +([\d:]+) +(\d+) +(\d+) +([\d.]+ KB) +(\d+)$/.exec(line) ?? [];
            return { jobnet, status, duration, lambda, transitions, state, history };
        };
        const summary = /^\$ npm start\n[\s\S]*?^jobnet {2}status.*\n((?:(?:stop|start) .*\n)+)/m.exec(readme);
        assert.ok(summary, "no npm start transcript with its summary");
        const started = summary[1].trim().split("\n").map(figures);
        const bench = /^ {2}N {2}jobnet {2}status.*\n.*\n((?: {2}2 .*\n)+)/m.exec(markdownSection(readme, "## Benchmark: `npm run bench`"));
        assert.ok(bench, "no benchmark table with 2-server rows");
        const benched = bench[1].trim().split("\n").map((line) => {
            const [, jobnet, status, duration, , , lambda, transitions, state, history] = line.trim().split(/ {2,}/);
            return { jobnet, status, duration, lambda, transitions, state, history };
        });
        assert.deepStrictEqual(benched, started);
    });
});
