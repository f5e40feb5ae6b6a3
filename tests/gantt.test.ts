import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { XMLValidator } from "fast-xml-parser";
import { GanttModel, ganttHtml, ganttModel, ganttSvg } from "../scripts/lib/gantt";
import { textWidth } from "../scripts/lib/textWidth";
import { projectDir } from "../scripts/lib/runProgram";
import { synthesize } from "../scripts/lib/synthesize";
import { executionArnOf } from "../simulator/account";
import { parseFaults } from "../simulator/faults";
import { simulate } from "../simulator/simulate";
import { taskFunctionNames } from "../statemachines/plan";
import { instanceNotFound, mapIterationFailed, redrivenAndFailedAgain } from "./support/histories";
import { sharedSynthesis } from "./support/sharedRuns";

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
        // Below a header of four lines: the run, its slowest step, where it failed and why.
        assert.match(ganttSvg(m), /<line x1="[\d.]+" y1="90" x2="[\d.]+" y2="\d+" stroke="#e67e22" stroke-width="2"><title>redriven<\/title><\/line>/);
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
        assert.strictEqual(committed, ganttSvg(ganttModel(history, "stop jobnet, stop-1 (stack dev, simulated)")) + "\n", "docs/run-report-stop.svg is stale: run npm run synth -- --docs");
        assert.match(svg, /SUCCEEDED in 8m 14s<\/text>\n<text x="8" y="40" fill="#222222">acted on 20 web servers and cluster webapp-jobnet-dev · slowest step: WaitUntilServerBackupsCompleted \(5m 10s\)<\/text>/);
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
        assert.match(dom.stdout, /<svg [^>]*width="1200"/);
        assert.match(dom.stdout, /stop-1: SUCCEEDED in 8m 14s/);
        const shot = spawnSync(chromium!, [...flags, `--screenshot=${path.join(dir, "run.png")}`, "--window-size=1300,900", `file://${file}`], { encoding: "utf8", timeout: 60_000 });
        assert.strictEqual(shot.status, 0, shot.stderr);
        assert.ok(fs.statSync(path.join(dir, "run.png")).size > 20_000, "a painted page, not a blank one");
    });
});

/** Each text of a picture: where it starts and ends as drawn in Helvetica's widths, and the picture's width. */
function textExtents(svg: string): { text: string; left: number; right: number; width: number }[] {
    const width = Number(/<svg [^>]*width="(\d+)"/.exec(svg)![1]);
    return [...svg.matchAll(/<text x="([\d.]+)"[^>]*?(?: text-anchor="(middle|end)")?[^>]*?(?: font-size="(\d+)")?[^>]*?( font-weight="bold")?[^>]*>([^<]*)<\/text>/g)].map(([tag, x, , , , text]) => {
        const size = Number(/font-size="(\d+)"/.exec(tag)?.[1] ?? 11);
        const anchor = /text-anchor="(middle|end)"/.exec(tag)?.[1];
        const w = textWidth(text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&amp;/g, "&"), size, tag.includes('font-weight="bold"') ? "bold" : "regular");
        const left = anchor === "end" ? Number(x) - w : anchor === "middle" ? Number(x) - w / 2 : Number(x);
        return { text, left, right: left + w, width };
    });
}

/** The texts of the picture's header, before its first lane. */
const headerOf = (svg: string) => [...svg.slice(0, svg.indexOf("<line ")).matchAll(/<text [^>]*>([^<]*)<\/text>/g)].map((t) => t[1]);

/** A run whose every label is long: a step's name of 64 characters, the Fail state it ended in at the run's end, a cause of 700. */
const longLabels: GanttModel = (() => {
    const step = "WaitUntilEveryWebServerIsRegisteredHealthyAndServingTheShopAgain";
    const cause = `${step}: ${Array.from({ length: 20 }, (_, i) => `web-${i + 1} (i-0000000000000${String(i + 1).padStart(4, "0")}) is unhealthy`).join(", ")}`;
    const bar = (lane: string, state: string, start: number, end: number, failed = false) => ({ lane, state, kind: "task" as const, start, end, failures: 0, failed, open: false });
    return {
        title: "start jobnet, start-7 (stack a-stack-whose-name-is-long, simulated)", status: "FAILED", start: 0, end: 600_000,
        lanes: ["TakeRunLock", step, `${step}TimedOut`],
        bars: [bar("TakeRunLock", "TakeRunLock", 0, 1000), bar(step, step, 1000, 599_000), bar(`${step}TimedOut`, `${step}TimedOut`, 600_000, 600_000, true)],
        redrives: [], error: "TargetsNotHealthy", slowest: bar(step, step, 1000, 599_000), actedOn: "20 web servers and cluster shop-db",
        failure: { step, servers: Array.from({ length: 20 }, (_, i) => `web-${i + 1}`), error: "TargetsNotHealthy", cause },
    };
})();

describe("run reports an operator can read", () => {
    it("say in the header what a failed start acted on, the step it failed in, the server and the cause", async function () {
        this.timeout(60_000);
        const synth = await sharedSynthesis("dev");
        const { account, reports } = await simulate(synth, { initial: "stopped", jobnets: ["start"], faults: parseFaults(["httpd-start:web-2"], { tasks: taskFunctionNames }) });
        const m = ganttModel(account.execution(executionArnOf(synth.stateMachineArns.start, reports[0].report.executionName)).history as HistoryEvent[], "start-1");
        const cause = "StartHttpd: httpd did not start on 1 of 2 servers (/usr/local/sbin/startHttpd.sh): web-2 (i-00000009aabcdef0) exited with code 1: 2026-11-30T13:07:04.000Z ERROR startHttpd.sh: systemctl start httpd failed with exit code 1.";
        assert.deepStrictEqual([m.status, m.actedOn, m.failure], ["FAILED", "2 web servers and cluster webapp-jobnet-dev", { step: "StartHttpd", servers: ["web-2"], error: "HttpdDidNotStart", cause }]);
        assert.deepStrictEqual(headerOf(ganttSvg(m)), [
            "start-1: FAILED in 7m 4s",
            "acted on 2 web servers and cluster webapp-jobnet-dev · slowest step: WaitUntilClusterAvailable (7m 0s)",
            "Failed in StartHttpd on web-2: HttpdDidNotStart",
            cause,
        ]);
    });

    it("say where a failure inside a Map stopped: the step, the server of its iteration and the cause in words", () => {
        const m = ganttModel(mapIterationFailed, "stop-1");
        assert.deepStrictEqual([m.actedOn, m.failure], ["3 web servers", { step: "DescribeWebServer", servers: ["web-2"], error: "InstanceNotFound", cause: JSON.parse(instanceNotFound).errorMessage }]);
        assert.deepStrictEqual(headerOf(ganttSvg(m)).slice(2), ["Failed in DescribeWebServer on web-2: InstanceNotFound", "instance i-00000000000000002 does not exist"]);
    });

    it("give every label the room it takes: the widest lane name, the ✕ label of a step failed at the run's end, a long cause wrapped", () => {
        const svg = ganttSvg(longLabels);
        assert.strictEqual(XMLValidator.validate(svg), true);
        const cut = textExtents(svg).filter((t) => t.left < 0 || t.right > t.width);
        assert.deepStrictEqual(cut, []);
        const header = headerOf(svg);
        assert.deepStrictEqual(header.slice(0, 3), [
            "start jobnet, start-7 (stack a-stack-whose-name-is-long, simulated): FAILED in 10m 0s",
            "acted on 20 web servers and cluster shop-db · slowest step: WaitUntilEveryWebServerIsRegisteredHealthyAndServingTheShopAgain (9m 58s)",
            "Failed in WaitUntilEveryWebServerIsRegisteredHealthyAndServingTheShopAgain on web-1, web-2, web-3 and 17 more: TargetsNotHealthy",
        ]);
        // The cause in lines broken between words, each whole: together they are the cause.
        assert.strictEqual(header.slice(3).join(" "), longLabels.failure!.cause);
        assert.ok(header.length > 4);
        // The lanes' names end before the first bar begins.
        const firstBar = Number(/<rect x="([\d.]+)"/.exec(svg)![1]);
        const lanes = textExtents(svg).filter((t) => longLabels.lanes.includes(t.text));
        assert.deepStrictEqual([lanes.length, lanes.every((t) => t.right <= firstBar)], [3, true]);
    });

    it("render every label whole in a real browser: each text as Chromium lays it out lies inside its picture, and no wider than measured", function () {
        this.timeout(120_000);
        const chromium = ["chromium", "chromium-browser"].find((c) => spawnSync("sh", ["-c", `command -v ${c}`]).status === 0);
        if (!chromium) this.skip();
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gantt-"));
        const file = path.join(dir, "labels.html");
        const expected = textExtents(ganttSvg(longLabels));
        // Chromium writes what the page's script measured into the page it dumps.
        const measure = "<script>document.body.dataset.texts=JSON.stringify([...document.querySelectorAll('svg text')].map(t=>{const b=t.getBBox();return [t.textContent,b.x,b.x+b.width]}))</script>";
        fs.writeFileSync(file, ganttHtml("Long labels", [longLabels]).replace("</body>", `${measure}</body>`));
        const dom = spawnSync(chromium!, ["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", `file://${file}`], { encoding: "utf8", timeout: 60_000 });
        assert.strictEqual(dom.status, 0, dom.stderr);
        const drawn = JSON.parse(/data-texts="([^"]*)"/.exec(dom.stdout)![1].replace(/&quot;/g, '"').replace(/&amp;/g, "&")) as [string, number, number][];
        assert.strictEqual(drawn.length, expected.length);
        const width = expected[0].width;
        const outside = drawn.filter(([, left, right]) => left < 0 || right > width);
        assert.deepStrictEqual(outside, []);
        // Helvetica's widths are Liberation Sans's (the font Chromium finds for it here): a text is drawn no wider than measured, to the pixel.
        const wider = drawn.filter(([, left, right], i) => right - left > expected[i].right - expected[i].left + 1).map(([text]) => text);
        assert.deepStrictEqual(wider, []);
    });
});
