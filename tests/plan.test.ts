import * as assert from "assert";
import { UsageError } from "../scripts/lib/commandLine";
import { parseOpsArgs } from "../scripts/lib/ops/args";
import { PlanFacts, planReport, readPlanFacts } from "../scripts/lib/ops/plan";
import { projectDir } from "../scripts/lib/runProgram";
import { defineJobnet } from "../statemachines/jobs";
import { teamJobnets } from "../jobnets";
import { runCli } from "./support/cli";

const job = { kind: "command" as const, on: { group: "batch" }, command: "true" };
const base = { description: "d", expectedMinutes: 10, timeoutMinutes: 60, jobs: { a: job } };

/** A stack in Tokyo on Japan's holidays, closed for its own year end. */
const facts = (jobnets: PlanFacts["jobnets"], from: string, days: number): PlanFacts => ({
    stack: "dev",
    timeZone: "Asia/Tokyo",
    calendar: { country: "JP", closedDates: ["2027-12-30", "2027-12-31"], openDates: [] },
    jobnets,
    from,
    days,
});

describe("npm run ops -- plan (the daily schedule)", () => {
    it("reads its options: the stack, the first day and the number of days (7 unless given)", () => {
        assert.deepStrictEqual(parseOpsArgs(["plan"]), { kind: "plan", stack: "dev", days: 7 });
        assert.deepStrictEqual(parseOpsArgs(["plan", "--stack", "prod", "--date", "2027-05-01", "--days", "31"]), { kind: "plan", stack: "prod", date: "2027-05-01", days: 31 });
        assert.deepStrictEqual(parseOpsArgs(["plan", "--days=366"]), { kind: "plan", stack: "dev", days: 366 });
    });

    for (const [argv, message] of [
        [["plan", "--date", "2027-02-29"], 'plan --date takes a day YYYY-MM-DD that exists, not "2027-02-29"'],
        [["plan", "--date", "5/1"], 'plan --date takes a day YYYY-MM-DD that exists, not "5/1"'],
        [["plan", "--days", "0"], 'plan --days takes a whole number of days from 1 to 366, not "0"'],
        [["plan", "--days", "1.5"], 'plan --days takes a whole number of days from 1 to 366, not "1.5"'],
        [["plan", "--days", "367"], 'plan --days takes a whole number of days from 1 to 366, not "367"'],
        [["plan", "today"], 'plan takes no arguments; got "today" as well'],
    ] as [string[], string][]) {
        it(`refuses ${argv.join(" ")}, with the plan's usage`, () => {
            assert.throws(() => parseOpsArgs(argv), (e: Error) => e instanceof UsageError && e.message.split("\n")[0] === message && (argv[1] === "today" || e.message.includes("  plan [--stack NAME] [--date YYYY-MM-DD] [--days N]")));
        });
    }

    it("lists each day's runs of the team's jobnets with the rule that makes each, the stack's closed days, and the jobnets without rules", () => {
        const month = defineJobnet({ ...base, name: "month-end", schedules: [{ lastDayOfMonth: true, at: "23:00", timeZone: "Asia/Tokyo", onClosedDay: "previous" }] });
        const manual = defineJobnet({ ...base, name: "by-hand" });
        const text = planReport(facts([...teamJobnets, month, manual], "2027-12-26", 8));
        assert.strictEqual(text, [
            "Runs due of the dev jobnets, 2027-12-26 to 2028-01-02 (Asia/Tokyo), by their schedule rules:",
            "",
            "2027-12-26 Sun",
            "  01:30  nightly-batch       every business day at 01:30 Asia/Tokyo",
            "  03:00  weekly-maintenance  every Sunday at 03:00 Asia/Tokyo, next open day when closed",
            "",
            "2027-12-27 Mon",
            "  01:30  nightly-batch       every business day at 01:30 Asia/Tokyo",
            "",
            "2027-12-28 Tue",
            "  01:30  nightly-batch       every business day at 01:30 Asia/Tokyo",
            "",
            "2027-12-29 Wed",
            "  01:30  nightly-batch       every business day at 01:30 Asia/Tokyo",
            "  23:00  month-end           the last day of every month at 23:00 Asia/Tokyo, previous open day when closed (2027-12-29 is the previous open day for 2027-12-31, the last day of its month, which is closed)",
            "",
            "2027-12-30 Thu  closed: listed in calendar.closedDates",
            "  no runs",
            "",
            "2027-12-31 Fri  closed: listed in calendar.closedDates",
            "  no runs",
            "",
            "2028-01-01 Sat  closed: a national holiday in JP: 元日 (New Year's Day)",
            "  no runs",
            "",
            "2028-01-02 Sun",
            "  01:30  nightly-batch       every business day at 01:30 Asia/Tokyo",
            "  03:00  weekly-maintenance  every Sunday at 03:00 Asia/Tokyo, next open day when closed",
            "",
            "Started by their start conditions, any day: orders-arrival (when a file arrives in s3://webapp-jobnet-orders-inbound/orders/….csv), orders-report (when jobnet orders-arrival has ended SUCCEEDED)",
            "",
            "No schedule rules (started by hand or by another jobnet): by-hand",
            "",
            "On a calendar of their own: weekly-maintenance; the closed days above are the stack's.",
            "",
        ].join("\n"));
    });

    it("moves weekly-maintenance from Sunday 21 March (Vernal Equinox Day) past Monday's substitute holiday to Tuesday 23 March", () => {
        const text = planReport(facts(teamJobnets.filter((d) => d.name === "weekly-maintenance"), "2027-03-21", 3));
        assert.deepStrictEqual(text.split("\n").filter((l) => l !== ""), [
            "Runs due of the dev jobnets, 2027-03-21 to 2027-03-23 (Asia/Tokyo), by their schedule rules:",
            "2027-03-21 Sun  closed: a national holiday in JP: 春分の日 (Vernal Equinox Day)",
            "  no runs",
            "2027-03-22 Mon  closed: a national holiday in JP: 春分の日 振替休日 (Holiday in lieu)",
            "  no runs",
            "2027-03-23 Tue",
            "  03:00  weekly-maintenance  every Sunday at 03:00 Asia/Tokyo, next open day when closed (2027-03-23 is the next open day for 2027-03-21, a Sunday, which is closed)",
            "On a calendar of their own: weekly-maintenance; the closed days above are the stack's.",
        ]);
    });

    it("lists no runs of a jobnet whose rules the stack pauses, and says so", () => {
        const text = planReport({ ...facts(teamJobnets, "2027-03-23", 1), paused: ["nightly-batch"] });
        assert.strictEqual(text, [
            "Runs due of the dev jobnets, 2027-03-23 (Asia/Tokyo), by their schedule rules:",
            "",
            "2027-03-23 Tue",
            "  03:00  weekly-maintenance  every Sunday at 03:00 Asia/Tokyo, next open day when closed (2027-03-23 is the next open day for 2027-03-21, a Sunday, which is closed)",
            "",
            "Started by their start conditions, any day: orders-arrival (when a file arrives in s3://webapp-jobnet-orders-inbound/orders/….csv), orders-report (when jobnet orders-arrival has ended SUCCEEDED)",
            "",
            "Schedule rules paused on this stack (jobnetSchedules.<jobnet>.enabled false): nightly-batch",
            "",
            "On a calendar of their own: weekly-maintenance; the closed days above are the stack's.",
            "",
        ].join("\n"));
    });

    it("reads the dev stack's time zone, calendar and deployed jobnets from its file alone", () => {
        const dev = readPlanFacts("dev", projectDir);
        assert.deepStrictEqual([dev.timeZone, dev.calendar.country, dev.jobnets.map((d) => d.name), dev.paused], ["Asia/Tokyo", "JP", ["nightly-batch", "weekly-maintenance", "orders-arrival", "orders-report"], []]);
    });

    it("npm run ops -- plan prints the dev stack's plan offline, and exits 2 with the usage on a bad option", function () {
        this.timeout(60_000);
        const ok = runCli("ops.ts", ["plan", "--date", "2027-05-02", "--days", "2"], { PATH: "/nonexistent" });
        assert.deepStrictEqual([ok.status, ok.stdout, ok.stderr], [0, [
            "Runs due of the dev jobnets, 2027-05-02 to 2027-05-03 (Asia/Tokyo), by their schedule rules:",
            "",
            // The stack closes weekends; weekly-maintenance's own calendar closes holidays only.
            "2027-05-02 Sun  closed: a Sunday, closed every week",
            "  03:00  weekly-maintenance  every Sunday at 03:00 Asia/Tokyo, next open day when closed; open on its own calendar",
            "",
            "2027-05-03 Mon  closed: a national holiday in JP: 憲法記念日 (Constitution Memorial Day)",
            "  no runs",
            "",
            "Started by their start conditions, any day: orders-arrival (when a file arrives in s3://webapp-jobnet-orders-inbound/orders/….csv), orders-report (when jobnet orders-arrival has ended SUCCEEDED)",
            "",
            "On a calendar of their own: weekly-maintenance; the closed days above are the stack's.",
            "",
        ].join("\n"), ""]);
        const bad = runCli("ops.ts", ["plan", "--days", "many"]);
        assert.strictEqual(bad.status, 2);
        assert.match(bad.stderr, /^plan --days takes a whole number of days from 1 to 366, not "many"\n\nUsage: npm run ops -- COMMAND \[options\]\n\n {2}plan /);
    });
});
