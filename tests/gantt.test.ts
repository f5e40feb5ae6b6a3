import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { XMLValidator } from "fast-xml-parser";
import { ganttHtml, ganttModel, ganttSvg } from "../scripts/lib/gantt";
import { projectDir } from "../scripts/lib/runProgram";
import { synthesize } from "../scripts/lib/synthesize";
import { executionArnOf } from "../simulator/account";
import { simulate } from "../simulator/simulate";
import { mapIterationFailed, redrivenAndFailedAgain } from "./support/histories";

/** Each bar as `lane: step (seconds) marks`. */
const drawn = (m: ReturnType<typeof ganttModel>) =>
    m.bars.map((b) => `${b.lane}: ${b.state} ${(b.end - b.start) / 1000}s${b.failures ? ` ↻${b.failures}` : ""}${b.failed ? " ✕" : ""}${b.open ? " open" : ""}`);

describe("run reports as Gantt charts", () => {
    it("draw a failure inside a Map: a lane per server, the failed step marked, the aborted ones left open", () => {
        const m = ganttModel(mapIterationFailed, "stop-1");
        assert.deepStrictEqual([m.status, m.error, m.lanes], ["FAILED", "InstanceNotFound", ["StopWebServers", "web-1", "web-2", "web-3"]]);
        assert.deepStrictEqual(drawn(m), [
            "StopWebServers: StopWebServers 25s open",
            "web-1: DescribeWebServer 12s",
            "web-2: DescribeWebServer 19s ↻1 ✕ open",
            "web-3: DescribeWebServer 18s ↻1 open",
            "web-1: RouteByInstanceState 7s open",
        ]);
        assert.strictEqual(m.slowest?.state, "DescribeWebServer");
    });

    it("draw a redriven run: the redrive marked, the first attempt's step and the Fail state the run ended in", () => {
        const m = ganttModel(redrivenAndFailedAgain, "stop-2");
        assert.deepStrictEqual(m.redrives, [Date.parse("2026-11-30T13:00:07Z")]);
        assert.deepStrictEqual(drawn(m), [
            "DescribeDatabase: DescribeDatabase 4s ↻1 ✕",
            "DescribeDatabase: DescribeDatabase 4s",
            "RouteByClusterState: RouteByClusterState 1s",
            "ClusterNotStoppable: ClusterNotStoppable 1s ✕ open",
        ]);
        assert.match(ganttSvg(m), /<line x1="[\d.]+" y1="50" x2="[\d.]+" y2="\d+" stroke="#e67e22" stroke-width="2"><title>redriven<\/title><\/line>/);
    });

    it("draw a simulated 20-server stop: its bounded waits as one step each, the slowest named, as valid SVG in an HTML page", async function () {
        this.timeout(60_000);
        const synth = await synthesize("dev", path.join(projectDir, "out", ".test", "dev-20"), { "webapp-jobnet:webServerCount": "20" });
        const { account, reports } = await simulate(synth, { initial: "running", jobnets: ["stop"] });
        const history = account.execution(executionArnOf(synth.stateMachineArns.stop, reports[0].report.executionName)).history as HistoryEvent[];
        const m = ganttModel(history, "stop-1");
        assert.deepStrictEqual([m.status, (m.end - m.start) / 1000, m.slowest?.state, (m.slowest!.end - m.slowest!.start) / 1000], ["SUCCEEDED", 494, "WaitUntilServerBackupsCompleted", 310]);
        // Each phase acts on the 20 servers at once: a lane per step, none per server.
        assert.strictEqual(m.lanes.filter((l) => /^web-\d+$/.test(l)).length, 0);
        assert.deepStrictEqual(m.lanes.slice(-7), ["StopCluster", "StopClusterAccepted", "WaitUntilClusterStopped", "ServerBackupsCompleted", "DatabaseStopped", "EveryServerStopped", "SystemStopped"]);
        // The servers' side and the database's side overlap: the AMIs run while the snapshot is taken and the cluster stops.
        const bar = (state: string) => m.bars.find((b) => b.state === state)!;
        assert.ok(bar("WaitUntilServerBackupsCompleted").start < bar("WaitUntilClusterStopped").end && bar("WaitUntilClusterSnapshotCompleted").start < bar("WaitUntilInstancesStopped").end);
        const svg = ganttSvg(m);
        assert.strictEqual(XMLValidator.validate(svg), true);
        // The README's picture is this run, as npm start -- --servers 20 --report draws it.
        const committed = fs.readFileSync(path.join(projectDir, "docs", "run-report-stop.svg"), "utf8");
        assert.strictEqual(committed, ganttSvg(ganttModel(history, "stop jobnet, stop-1 (stack dev, simulated)")) + "\n", "docs/run-report-stop.svg is stale: run npm start -- --servers 20 --report out/run.html and copy out/run-stop.svg");
        assert.match(svg, /SUCCEEDED in 8m 14s<\/text>\n<text x="8" y="36" fill="#222222">slowest step: WaitUntilServerBackupsCompleted \(5m 10s\)<\/text>/);
        const html = ganttHtml("Simulated runs", [m]);
        assert.ok(html.startsWith("<!DOCTYPE html>\n<html lang=\"en\">"));
        assert.strictEqual(html.split("<svg ").length - 1, 1);
        assert.strictEqual(XMLValidator.validate(html.slice(html.indexOf("<svg "), html.indexOf("</svg>") + 6)), true);
        page = html;
        bars = m.bars.length;
    });

    let page = "";
    let bars = 0;
    it("render in a real browser: headless Chromium loads the page, parses every bar, and paints it", function () {
        this.timeout(120_000);
        const chromium = ["chromium", "chromium-browser"].find((c) => spawnSync("sh", ["-c", `command -v ${c}`]).status === 0);
        // Debian's chromium (.ci/run installs it where it can); without it this check cannot run here.
        if (!chromium) this.skip();
        if (!page) assert.fail("the page of the test before was not drawn");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gantt-"));
        const file = path.join(dir, "run.html");
        fs.writeFileSync(file, page);
        const flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"];
        const dom = spawnSync(chromium!, [...flags, "--dump-dom", `file://${file}`], { encoding: "utf8", timeout: 60_000 });
        assert.strictEqual(dom.status, 0, dom.stderr);
        assert.strictEqual((dom.stdout.match(/<rect /g) ?? []).length, bars);
        assert.match(dom.stdout, /<svg [^>]*width="1280"/);
        assert.match(dom.stdout, /stop-1: SUCCEEDED in 8m 14s/);
        const shot = spawnSync(chromium!, [...flags, `--screenshot=${path.join(dir, "run.png")}`, "--window-size=1300,900", `file://${file}`], { encoding: "utf8", timeout: 60_000 });
        assert.strictEqual(shot.status, 0, shot.stderr);
        assert.ok(fs.statSync(path.join(dir, "run.png")).size > 20_000, "a painted page, not a blank one");
    });
});
