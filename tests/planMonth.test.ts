import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SpawnSyncReturns, spawnSync } from "child_process";
import { UsageError } from "../scripts/lib/commandLine";
import { parseOpsArgs } from "../scripts/lib/ops/args";
import { PlanFacts, readPlanFacts } from "../scripts/lib/ops/plan";
import { dayCell, monthView, monthsOf, planMonthHtml } from "../scripts/lib/ops/planMonth";
import { projectDir } from "../scripts/lib/runProgram";
import { synthSummary, synthesize } from "../scripts/lib/synthesize";
import { teamJobnets } from "../jobnets";
import { runCli } from "./support/cli";

/** The dev stack's calendar in Tokyo: weekends and Japan's holidays closed, its own year end too. */
const facts: Omit<PlanFacts, "from" | "days"> = {
    stack: "dev",
    timeZone: "Asia/Tokyo",
    calendar: { country: "JP", closedDates: ["2027-12-30", "2027-12-31"], openDates: ["2027-11-23"], closedWeekdays: ["sat", "sun"] },
    jobnets: teamJobnets,
};

describe("npm run ops -- plan --html: the plan as a month calendar", () => {
    it("lays March 2027 out in weeks from Sunday, each day with its runs and, closed, its holiday", () => {
        const view = monthView(facts, "2027-03");
        assert.deepStrictEqual(view.weeks.map((w) => w.map((d) => (d === null ? "-" : String(d.day))).join(" ")), [
            "- 1 2 3 4 5 6", "7 8 9 10 11 12 13", "14 15 16 17 18 19 20", "21 22 23 24 25 26 27", "28 29 30 31 - - -",
        ]);
        const [sun21, mon22, tue23] = view.weeks[3];
        assert.deepStrictEqual(sun21, { date: "2027-03-21", day: 21, closed: "春分の日 (Vernal Equinox Day)", holiday: "春分の日 (Vernal Equinox Day)", runs: [] });
        assert.deepStrictEqual(mon22, { date: "2027-03-22", day: 22, closed: "春分の日 振替休日 (Holiday in lieu)", holiday: "春分の日 振替休日 (Holiday in lieu)", runs: [] });
        assert.deepStrictEqual(tue23, {
            date: "2027-03-23", day: 23, runs: [
                { time: "01:30", jobnet: "nightly-batch", rule: "every business day at 01:30 Asia/Tokyo", standsFor: [], reason: "2027-03-23 is a business day" },
                { time: "03:00", jobnet: "weekly-maintenance", rule: "every Sunday at 03:00 Asia/Tokyo, next open day when closed", standsFor: ["2027-03-21"], reason: "2027-03-23 is the next open day for 2027-03-21, a Sunday, which is closed" },
            ],
        });
        // weekly-maintenance's own calendar keeps weekends open: its Sunday runs fall on the stack's closed days.
        assert.deepStrictEqual(view.weeks[1][0], {
            date: "2027-03-07", day: 7, closed: "weekly closed day",
            runs: [{ time: "03:00", jobnet: "weekly-maintenance", rule: "every Sunday at 03:00 Asia/Tokyo, next open day when closed", standsFor: [], reason: "2027-03-07 is a Sunday" }],
        });
    });

    it("marks a closed date, and a holiday the calendar opens", () => {
        const december = monthView(facts, "2027-12").weeks.flat().find((d) => d?.date === "2027-12-30");
        assert.deepStrictEqual(december, { date: "2027-12-30", day: 30, closed: "closed date", runs: [] });
        const november = monthView(facts, "2027-11").weeks.flat().find((d) => d?.date === "2027-11-23")!;
        assert.strictEqual(dayCell(november), '<td id="d2027-11-23" class="day"><div class="date">23</div><div class="holiday">勤労感謝の日 (Labor Thanksgiving Day) (open)</div><ul><li title="2027-11-23 is listed in calendar.openDates"><time>01:30</time> <b>nightly-batch</b> <span class="rule">every business day at 01:30 Asia/Tokyo</span></li></ul></td>');
    });

    it("draws a day's cell: its number, its closed mark, each run with its time, jobnet and rule, a substitute naming its day", () => {
        const tue23 = monthView(facts, "2027-03").weeks[3][2];
        assert.strictEqual(dayCell(tue23), [
            '<td id="d2027-03-23" class="day"><div class="date">23</div><ul>',
            '<li title="2027-03-23 is a business day"><time>01:30</time> <b>nightly-batch</b> <span class="rule">every business day at 01:30 Asia/Tokyo</span></li>',
            '<li title="2027-03-23 is the next open day for 2027-03-21, a Sunday, which is closed"><time>03:00</time> <b>weekly-maintenance</b> <span class="rule">every Sunday at 03:00 Asia/Tokyo, next open day when closed; for 2027-03-21</span></li>',
            "</ul></td>",
        ].join(""));
        assert.strictEqual(dayCell(monthView(facts, "2027-03").weeks[3][1]), '<td id="d2027-03-22" class="day closed-day"><div class="date">22</div><div class="closed">春分の日 振替休日 (Holiday in lieu)</div></td>');
        assert.strictEqual(dayCell(null), '<td class="other"></td>');
    });

    it("makes a page of one table per month the days touch, every day a cell, every run a line", () => {
        assert.deepStrictEqual(monthsOf("2027-03-28", 7), ["2027-03", "2027-04"]);
        const html = planMonthHtml(facts, ["2027-03", "2027-04"]);
        assert.ok(html.startsWith('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n<title>Runs due of the dev jobnets, 2027-03 to 2027-04 (Asia/Tokyo)</title>'));
        assert.deepStrictEqual(html.match(/<caption>[^<]*<\/caption>/g), ["<caption>March 2027</caption>", "<caption>April 2027</caption>"]);
        assert.strictEqual((html.match(/<td id="d/g) ?? []).length, 31 + 30);
        // March: 22 business days of nightly-batch (23 weekdays less the 22nd) and 4 weekly-maintenance runs (the 21st's moved to the 23rd); April: 21 (22 less the 29th) and 4.
        assert.strictEqual((html.match(/<li /g) ?? []).length, 22 + 4 + 21 + 4);
        assert.match(html, /<p>On a calendar of their own: weekly-maintenance.<\/p>/);
    });

    it("reads --month and --html, and refuses --month with --date or --days, or a month that is not one", () => {
        assert.deepStrictEqual(parseOpsArgs(["plan", "--month", "2027-03", "--html", "out/plan.html"]), { kind: "plan", stack: "dev", days: 7, month: "2027-03", html: "out/plan.html" });
        assert.deepStrictEqual(parseOpsArgs(["plan", "--month", "2027-12"]), { kind: "plan", stack: "dev", days: 7, month: "2027-12" });
        for (const [argv, message] of [
            [["plan", "--month", "2027-13"], 'plan --month takes a month YYYY-MM, not "2027-13"'],
            [["plan", "--month", "2027-03", "--days", "3"], "plan --month takes the place of --date and --days: give one or the other"],
            [["plan", "--html", ""], "plan --html takes the file to write the month page to"],
        ] as [string[], string][]) {
            assert.throws(() => parseOpsArgs(argv), (e: Error) => e instanceof UsageError && e.message.split("\n")[0] === message, argv.join(" "));
        }
    });

    let page = "";
    it("npm run ops -- plan --month 2027-03 --html FILE writes the dev stack's month offline", function () {
        this.timeout(60_000);
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "plan-month-")), "plan.html");
        const run = runCli("ops.ts", ["plan", "--month", "2027-03", "--html", file], { PATH: "/nonexistent" });
        assert.deepStrictEqual([run.status, run.stdout, run.stderr], [0, `The dev jobnets' runs due in 2027-03 (Asia/Tokyo), as a calendar: written to ${file}\n`, ""]);
        page = fs.readFileSync(file, "utf8");
        assert.strictEqual(page, planMonthHtml(readPlanFacts("dev", projectDir), ["2027-03"]));
        const text = runCli("ops.ts", ["plan", "--month", "2027-02"], { PATH: "/nonexistent" });
        assert.strictEqual(text.stdout.split("\n")[0], "Runs due of the dev jobnets, 2027-02-01 to 2027-02-28 (Asia/Tokyo), by their schedule rules:");
    });

    it("renders in a real browser: headless Chromium lays out every day and run, and nothing overflows its cell", function () {
        this.timeout(120_000);
        const chromium = ["chromium", "chromium-browser"].find((c) => spawnSync("sh", ["-c", `command -v ${c}`]).status === 0);
        // Debian's chromium (.ci/run installs it where it can); without it this check cannot run here.
        if (!chromium) this.skip();
        if (!page) assert.fail("the page of the test before was not written");
        // Measured in the page once laid out: each cell whose content reaches past its right edge, and the widths of the columns.
        const measure = `<script>
const cells = [...document.querySelectorAll("td.day")];
const over = cells.filter((td) => td.scrollWidth > td.clientWidth || [...td.querySelectorAll("li, div")].some((e) => e.getBoundingClientRect().right > td.getBoundingClientRect().right + 0.5)).map((td) => td.id);
const widths = new Set([...document.querySelectorAll("th")].map((th) => Math.round(th.getBoundingClientRect().width)));
document.body.setAttribute("data-measured", JSON.stringify({ cells: cells.length, runs: document.querySelectorAll("td li").length, over, columnWidths: widths.size }));
</script>`;
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-month-"));
        const file = path.join(dir, "plan.html");
        fs.writeFileSync(file, page.replace("</body>", `${measure}</body>`));
        const flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"];
        for (const width of [1300, 800]) {
            const dom: SpawnSyncReturns<string> = spawnSync(chromium!, [...flags, `--window-size=${width},900`, "--dump-dom", `file://${file}`], { encoding: "utf8", timeout: 60_000 });
            assert.strictEqual(dom.status, 0, dom.stderr);
            const measured = /data-measured="([^"]*)"/.exec(dom.stdout);
            assert.ok(measured, "the page's measuring script ran");
            assert.deepStrictEqual(JSON.parse(measured![1].replace(/&quot;/g, '"')), { cells: 31, runs: 26, over: [], columnWidths: 1 }, `at ${width} pixels wide`);
            assert.match(dom.stdout, /<td id="d2027-03-23" class="day"><div class="date">23<\/div><ul><li [^>]*><time>01:30<\/time> <b>nightly-batch<\/b>/);
        }
        const shot = spawnSync(chromium!, [...flags, `--screenshot=${path.join(dir, "plan.png")}`, "--window-size=1300,900", `file://${file}`], { encoding: "utf8", timeout: 60_000 });
        assert.strictEqual(shot.status, 0, shot.stderr);
        assert.ok(fs.statSync(path.join(dir, "plan.png")).size > 20_000, "a painted page, not a blank one");
    });
});

describe("npm run synth shows the plan", () => {
    it("prints each scheduled jobnet's runs of the next 7 days and writes this month's calendar as plan.html; a paused jobnet says so", async function () {
        this.timeout(180_000);
        const outDir = path.join(projectDir, "out", ".test", "synth-plan");
        // Saturday 20 March 2027, 09:00 in Tokyo: the week of the Vernal Equinox.
        const paused = { "webapp-jobnet:jobnetSchedules": JSON.stringify({ "weekly-maintenance": { enabled: false } }) };
        const synth = await synthesize("dev", outDir, paused, new Date("2027-03-20T00:00:00Z"));
        const summary = synthSummary(synth).split("\n");
        const at = summary.findIndex((l) => l.startsWith("Runs due in the next"));
        assert.deepStrictEqual(summary.slice(at, at + 4), [
            "Runs due in the next 7 days, from 2027-03-20 (Asia/Tokyo; more with npm run ops -- plan), and this month in plan.html:",
            "  nightly-batch       Tue 03-23 01:30, Wed 03-24 01:30, Thu 03-25 01:30, Fri 03-26 01:30",
            "  weekly-maintenance  paused on this stack (jobnetSchedules.weekly-maintenance.enabled false)",
            "",
        ]);
        assert.strictEqual(fs.readFileSync(path.join(outDir, "plan.html"), "utf8"), planMonthHtml({ ...readPlanFacts("dev", projectDir), paused: ["weekly-maintenance"] }, ["2027-03"]));
        fs.rmSync(outDir, { recursive: true, force: true });
    });
});
