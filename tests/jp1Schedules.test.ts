import * as assert from "assert";
import { jobnetCalendar, jobnetScheduleRules, nestedJobnetSchedule } from "../scripts/lib/jp1/schedules";
import { Unit, parseUnitDefinitions } from "../scripts/lib/jp1/unitDefinitions";
import { RuleCalendar, describeRule, planRuns, ruleCalendarOf, ruleCron, ruleDue, scheduleRuleProblems } from "../handlers/scheduleRules";
import type { ScheduleRule } from "../statemachines/scheduleRules";

const tokyo = "Asia/Tokyo";

/** A root jobnet NET under group BATCH, with the given schedule parameters (one a line, from line 7). */
function jobnet(...lines: string[]): Unit {
    const text = `unit=BATCH,,jp1admin,;\n{\n\tty=g;\n\tunit=NET,,jp1admin,;\n${["{", "\tty=n;", ...lines.map((l) => `\t${l}`), "}"].join("\n")}\n}\n`;
    return parseUnitDefinitions(text, "batch.def")[0].units[0];
}

/** The one rule a jobnet's schedule converted to (and nothing reported). */
function onlyRule(...lines: string[]): ScheduleRule {
    const { rules, notConverted } = jobnetScheduleRules(jobnet(...lines), tokyo);
    assert.deepStrictEqual(notConverted, []);
    assert.strictEqual(rules.length, 1);
    return rules[0].rule!;
}

/** The report lines of a jobnet's schedule: "line: what: reason". */
function reported(...lines: string[]): string[] {
    const { rules, notConverted } = jobnetScheduleRules(jobnet(...lines), tokyo);
    assert.ok(rules.every((r) => r.rule === undefined), "a rule with a report converts to nothing");
    return notConverted.map((n) => `${n.file}:${n.line} ${n.path}: ${n.what}: ${n.reason}`);
}

describe("JP1/AJS3 schedule rules as the project's rules", () => {
    describe("start days (sd) with their processing cycles (cy)", () => {
        const at = { at: "01:30", timeZone: tokyo };
        const cases: [string, string[], ScheduleRule][] = [
            ["a date, every day from it, skipped when closed: every open day", ["sd=1,2027/01/04;", "st=1,01:30;", "cy=1,(1,d);", "sh=1,ca;"], { every: "business-day", startsOn: "2027-01-04", ...at }],
            ["a date, every 3 days from it", ["sd=1,2027/01/04;", "st=1,01:30;", "cy=1,(3,d);", "sh=1,ca;"], { everyDays: 3, from: "2027-01-04", ...at }],
            ["a date, every 2 weeks from it", ["sd=1,2027/01/04;", "st=1,01:30;", "cy=1,(2,w);", "sh=1,ca;"], { everyWeeks: 2, from: "2027-01-04", ...at }],
            ["a date, every month on its day", ["sd=1,2027/01/15;", "st=1,01:30;", "cy=1,(1,m);", "sh=1,ca;"], { everyMonths: 1, from: "2027-01-15", ...at }],
            ["a date, every year", ["sd=1,2027/03/15;", "st=1,01:30;", "cy=1,(1,y);", "sh=1,ca;"], { everyMonths: 12, from: "2027-03-15", ...at }],
            ["a day without year and month, every month", ["sd=1,15;", "st=1,01:30;", "cy=1,(1,m);", "sh=1,ca;"], { dayOfMonth: 15, ...at }],
            ["the 3rd open day of every month", ["sd=1,2027/01/*03;", "st=1,01:30;", "cy=1,(1,m);"], { businessDayOfMonth: 3, startsOn: "2027-01-01", ...at }],
            ["the last day of every month", ["sd=1,2027/04/b;", "st=1,01:30;", "cy=1,(1,m);", "sh=1,ca;"], { lastDayOfMonth: true, startsOn: "2027-04-01", ...at }],
            ["the last open day of every month", ["sd=1,2027/01/*b;", "st=1,01:30;", "cy=1,(1,m);"], { lastBusinessDayOfMonth: true, startsOn: "2027-01-01", ...at }],
            ["the day of registration, every day, skipped when closed", ["sd=1,en;", "st=1,01:30;", "cy=1,(1,d);", "sh=1,ca;"], { every: "business-day", ...at }],
            ["the day of registration, every day, moved when closed", ["sd=1,en;", "st=1,01:30;", "cy=1,(1,d);", "sh=1,af;", "shd=1,3;"], { every: "day", onClosedDay: "next", maxShiftDays: 3, ...at }],
            ["the 2nd Sunday of a month, then every week", ["sd=1,2027/01/su:2;", "st=1,01:30;", "cy=1,(1,w);", "sh=1,ca;"], { weekdays: ["sun"], startsOn: "2027-01-10", ...at }],
            ["the 1st Monday of a month, then every 2 weeks", ["sd=1,2027/02/mo:1;", "st=1,01:30;", "cy=1,(2,w);", "sh=1,ca;"], { everyWeeks: 2, from: "2027-02-01", ...at }],
            ["the 2nd Monday of every month", ["sd=1,2027/01/mo:2;", "st=1,01:30;", "cy=1,(1,m);", "sh=1,ca;"], { weekdayOfMonth: "mon", nth: 2, startsOn: "2027-01-01", ...at }],
            ["the last Friday of every month", ["sd=1,2027/01/fr:b;", "st=1,01:30;", "cy=1,(1,m);", "sh=1,ca;"], { weekdayOfMonth: "fri", nth: "last", startsOn: "2027-01-01", ...at }],
            ["a Friday without year and month, every week", ["sd=1,fr:1;", "st=1,01:30;", "cy=1,(1,w);", "sh=1,ca;"], { weekdays: ["fri"], ...at }],
        ];
        for (const [what, lines, expected] of cases) {
            it(`converts ${what}: ${lines[0]} ${lines.find((l) => l.startsWith("cy")) ?? ""}`, () => {
                assert.deepStrictEqual(onlyRule(...lines), expected);
                assert.deepStrictEqual(scheduleRuleProblems(expected), []);
            });
        }
    });

    it("reads the start time (st), with or without the rule number, as HH:MM", () => {
        assert.strictEqual(onlyRule("sd=2027/01/04;", "st=7:05;", "cy=(1,d);", "sh=ca;").at, "07:05");
        assert.strictEqual(onlyRule("sd=1,2027/01/04;", "st=1,23:59;", "cy=1,(1,d);", "sh=1,ca;").at, "23:59");
    });

    it("moves a closed day's run to the open day before (sh=be) or after (sh=af), within the shift days (shd)", () => {
        assert.deepStrictEqual(onlyRule("sd=1,2027/01/01;", "st=1,09:00;", "cy=1,(1,m);", "sh=1,be;", "shd=1,5;"), { everyMonths: 1, from: "2027-01-01", at: "09:00", timeZone: tokyo, onClosedDay: "previous", maxShiftDays: 5 });
        assert.deepStrictEqual(onlyRule("sd=1,2027/01/03;", "st=1,06:00;", "cy=1,(1,w);", "sh=1,af;", "shd=1,31;"), { weekdays: ["sun"], at: "06:00", timeZone: tokyo, onClosedDay: "next", startsOn: "2027-01-03" });
    });

    it("keeps each rule of a jobnet with several, in the order of their numbers, with the parameters that made them", () => {
        const { rules, notConverted } = jobnetScheduleRules(jobnet("sd=2,2027/01/*b;", "sd=1,2027/01/*01;", "st=1,08:00;", "st=2,20:00;", "cy=1,(1,m);", "cy=2,(1,m);"), tokyo);
        assert.deepStrictEqual(notConverted, []);
        assert.deepStrictEqual(
            rules.map((r) => [r.number, r.raw.map((p) => `${p.line} ${p.name}=${p.value}`), r.rule && describeRule(r.rule)]),
            [
                [1, ["8 sd=1,2027/01/*01", "9 st=1,08:00", "11 cy=1,(1,m)"], "business day 1 of every month at 08:00 Asia/Tokyo, from 2027-01-01"],
                [2, ["7 sd=2,2027/01/*b", "10 st=2,20:00", "12 cy=2,(1,m)"], "the last business day of every month at 20:00 Asia/Tokyo, from 2027-01-01"],
            ],
        );
    });

    it("gives no rules for a jobnet without a schedule: no sd, or sd=0,ud", () => {
        assert.deepStrictEqual(jobnetScheduleRules(jobnet(), tokyo), { rules: [], notConverted: [] });
        assert.deepStrictEqual(jobnetScheduleRules(jobnet("sd=0,ud;"), tokyo), { rules: [], notConverted: [] });
    });

    describe("reports what it cannot keep exactly, on the line that says it", () => {
        const cases: [string, string[], string[]][] = [
            ["a rule on closed days", ["sd=1,2027/01/04;", "st=1,01:30;", "cy=1,(1,d);", "sh=1,no;"], ["batch.def:10 /BATCH/NET: sh=1,no: no counterpart: the project's rules never run on a closed day; give the jobnet a calendar on which that day is open"]],
            ["the nth closed day", ["sd=1,2027/01/@03;", "st=1,01:30;", "cy=1,(1,m);", "sh=1,ca;"], ["batch.def:7 /BATCH/NET: sd=1,2027/01/@03: no counterpart: closed days counted from the job group's base day (sdd)"]],
            ["days counted from the base day", ["sd=1,2027/01/+05;", "st=1,01:30;", "cy=1,(1,m);", "sh=1,ca;"], ["batch.def:7 /BATCH/NET: sd=1,2027/01/+05: no counterpart: days counted from the job group's base day (sdd)"]],
            ["days before the month's end", ["sd=1,2027/01/b-02;", "st=1,01:30;", "cy=1,(1,m);", "sh=1,ca;"], ["batch.def:7 /BATCH/NET: sd=1,2027/01/b-02: no counterpart: 2 days before the month's last day"]],
            ["a single run", ["sd=1,2027/05/06;", "st=1,01:30;", "sh=1,ca;"], ["batch.def:7 /BATCH/NET: sd=1,2027/05/06: no processing cycle (cy): the rule runs once; the project's rules repeat"]],
            ["the day of registration without a daily cycle", ["sd=1,en;", "st=1,01:30;"], ["batch.def:7 /BATCH/NET: sd=1,en: the rule starts on the day the jobnet is registered for execution, a day the import cannot know: no processing cycle (cy): the rule runs once; the project's rules repeat"]],
            ["a month's 31st", ["sd=1,2027/01/31;", "st=1,01:30;", "cy=1,(1,m);", "sh=1,ca;"], ["batch.def:7 /BATCH/NET: sd=1,2027/01/31: day 31 with cy=(1,m): a month without it is moved by JP1/AJS3 in a way the project's rules do not follow; use b for month ends"]],
            ["a month without a year", ["sd=1,04/15;", "st=1,01:30;", "cy=1,(1,y);", "sh=1,ca;"], ["batch.def:7 /BATCH/NET: sd=1,04/15: a start month without a year is in the year of registration for execution, which the import cannot know: write yyyy/mm/"]],
            ["the 5th weekday of every month", ["sd=1,2027/01/mo:5;", "st=1,01:30;", "cy=1,(1,m);", "sh=1,ca;"], ["batch.def:7 /BATCH/NET: sd=1,2027/01/mo:5: the 5th Monday of every month: how JP1/AJS3 treats a month without one is not kept; write :b for the last"]],
            ["a day of the week every 2 months", ["sd=1,2027/01/mo:2;", "st=1,01:30;", "cy=1,(2,m);", "sh=1,ca;"], ["batch.def:7 /BATCH/NET: sd=1,2027/01/mo:2: a day of the week is kept with cy=(1,m) or cy=(n,w), not cy=(2,m)"]],
            ["no substitute method", ["sd=1,2027/01/04;", "st=1,01:30;", "cy=1,(1,d);"], ["batch.def:7 /BATCH/NET: sd=1,2027/01/04: rule 1 has no substitute method (sh) for a closed day: the import does not assume one; write sh=be, af, ca or no"]],
            ["no shift days", ["sd=1,2027/01/04;", "st=1,01:30;", "cy=1,(1,d);", "sh=1,af;"], ["batch.def:10 /BATCH/NET: sh=1,af: rule 1 moves a closed day's run but has no shift days (shd): the import does not assume how far; write shd=n"]],
            ["no start time", ["sd=1,2027/01/*01;", "cy=1,(1,m);"], ["batch.def:7 /BATCH/NET: sd=1,2027/01/*01: rule 1 has no start time (st): the import does not assume one"]],
            ["a time past midnight", ["sd=1,2027/01/*01;", "st=1,25:30;", "cy=1,(1,m);"], ["batch.def:8 /BATCH/NET: st=1,25:30: 25:30 is on the next day of the rule's day: no counterpart (write the rule for the next day)"]],
            ["a relative start time in a root jobnet", ["sd=1,2027/01/*01;", "st=1,+01:00;", "cy=1,(1,m);"], ["batch.def:8 /BATCH/NET: st=1,+01:00: a start time relative to the upper jobnet's is for a nested jobnet: no counterpart in a root jobnet"]],
            ["a schedule by days from the start", ["sd=1,2027/01/*01;", "st=1,01:30;", "cy=1,(1,m);", "cftd=1,be,3,9;", "ey=1,C180;"], [
                "batch.def:10 /BATCH/NET: cftd=1,be,3,9: no counterpart: a schedule counted in days from the start day (cftd)",
                "batch.def:11 /BATCH/NET: ey=1,C180: no counterpart: end delay monitoring of a jobnet is not kept by the import (the rule is)",
            ]],
            ["the week of a month that has none", ["sd=1,2027/02/mo:5;", "st=1,01:30;", "cy=1,(1,w);", "sh=1,ca;"], ["batch.def:7 /BATCH/NET: sd=1,2027/02/mo:5: 2027/02 has no 5th Monday"]],
        ];
        for (const [what, lines, expected] of cases) {
            it(`${what}: ${lines[0]}`, () => assert.deepStrictEqual(reported(...lines), expected));
        }

        it("a rule's parameter without the sd of its rule, beside a rule it keeps", () => {
            const { rules, notConverted } = jobnetScheduleRules(jobnet("sd=1,2027/01/*01;", "st=1,01:30;", "cy=1,(1,m);", "st=3,09:00;"), tokyo);
            assert.deepStrictEqual(rules.map((r) => [r.number, r.rule !== undefined]), [[1, true]]);
            assert.deepStrictEqual(notConverted.map((n) => `${n.line} ${n.what}: ${n.reason}`), ["10 st=3,09:00: no sd=3,... defines rule 3"]);
        });

        it("keeps a rule whose days it keeps, and reports its delay monitoring and the rules' end date beside it", () => {
            const { rules, notConverted } = jobnetScheduleRules(jobnet("sd=1,2027/01/*01;", "st=1,08:00;", "cy=1,(1,m);", "sy=1,08:30;", "wc=1,no;", "ed=2030/03/31;"), tokyo);
            assert.deepStrictEqual(rules.map((r) => describeRule(r.rule!)), ["business day 1 of every month at 08:00 Asia/Tokyo, from 2027-01-01"]);
            assert.deepStrictEqual(notConverted.map((n) => `${n.line} ${n.what}: ${n.reason}`), [
                "12 ed=2030/03/31: no counterpart: the rules' valid term ends on this day; the imported rules do not end (the rules are kept)",
                "10 sy=1,08:30: no counterpart: start delay monitoring of a jobnet is not kept by the import (the rule is)",
            ]);
        });

        it("keeps the rules it can beside one it reports", () => {
            const { rules, notConverted } = jobnetScheduleRules(jobnet("sd=1,2027/01/*01;", "st=1,08:00;", "cy=1,(1,m);", "sd=2,2027/01/@b;", "st=2,20:00;", "cy=2,(1,m);"), tokyo);
            assert.deepStrictEqual(rules.map((r) => [r.number, r.rule !== undefined]), [[1, true], [2, false]]);
            assert.deepStrictEqual(notConverted.map((n) => [n.line, n.what]), [[10, "sd=2,2027/01/@b"]]);
        });
    });

    describe("nested jobnets, which run when their parent runs", () => {
        const nested = (...lines: string[]) => nestedJobnetSchedule(jobnet(...lines)).map((n) => `${n.line} ${n.what}: ${n.reason}`);
        it("keep a jobnet that depends on its parent's schedule, or starts with the parent's run", () => {
            assert.deepStrictEqual(nested(), []);
            assert.deepStrictEqual(nested("sd=0,ud;"), []);
            assert.deepStrictEqual(nested("sd=1,en;", "ln=1,1;", "st=1,+00:00;"), []);
        });
        it("report a start delayed from the parent's, and a schedule of its own", () => {
            assert.deepStrictEqual(nested("sd=1,en;", "ln=1,1;", "st=1,+00:30;"), ["9 st=1,+00:30: no counterpart: a nested jobnet starts when its turn in the parent comes, not after a delay"]);
            assert.deepStrictEqual(nested("sd=1,en;", "ed=2027/12/31;"), ["8 ed=2027/12/31: no counterpart: a nested jobnet runs as a step of its parent, with the parent's schedule"]);
            assert.deepStrictEqual(nested("sd=1,2027/01/*01;", "ln=1,1;", "st=1,08:00;", "cy=1,(1,m);"), [
                "7 sd=1,2027/01/*01: a nested jobnet runs when its parent runs: a start day of its own has no counterpart",
                "9 st=1,08:00: no counterpart: a nested jobnet starts when its turn in the parent comes, not at a time of its own",
                "10 cy=1,(1,m): no counterpart: a nested jobnet runs as a step of its parent, with the parent's schedule",
            ]);
        });
    });
});

/** Job groups from the outermost, each with its own parameters (the units are the groups only). */
function groups(...parameterLists: string[][]): Unit[] {
    let text = "";
    parameterLists.forEach((params, i) => (text += `unit=G${i},,jp1admin,;\n{\n\tty=g;\n${params.map((p) => `\t${p}\n`).join("")}`));
    text += "}\n".repeat(parameterLists.length);
    const chain: Unit[] = [];
    for (let u: Unit | undefined = parseUnitDefinitions(text, "groups.def")[0]; u; u = u.units[0]) chain.push(u);
    return chain;
}

describe("JP1/AJS3 job group calendars as a jobnet's own calendar", () => {
    it("has every day open when no group defines one: JP1/AJS3 knows no national holidays", () => {
        assert.deepStrictEqual(jobnetCalendar(groups([], [])), { calendar: { country: "none" }, notConverted: [] });
    });

    it("closes the days of the week and the dates a group closes, and opens the dates it opens", () => {
        assert.deepStrictEqual(jobnetCalendar(groups(["cl=sa;", "cl=su;", "cl=2027/01/01;", "op=2027/03/27;"])), {
            calendar: { country: "none", closedWeekdays: ["sun", "sat"], closedDates: ["2027-01-01"], openDates: ["2027-03-27"] },
            notConverted: [],
        });
    });

    it("lets a group decide the days it defines and fall back on the upper group's for the others; a date outweighs a day of the week", () => {
        const { calendar } = jobnetCalendar(groups(["cl=sa;", "cl=su;", "cl=2027/05/03;", "op=2027/05/08;"], ["op=sa;", "cl=2027/05/04;", "cl=2027/05/15;"]));
        // Saturdays open in the inner group: the outer group's open Saturday 05/08 changes nothing, and its date 05/03 is still closed.
        assert.deepStrictEqual(calendar, { country: "none", closedWeekdays: ["sun"], closedDates: ["2027-05-03", "2027-05-04", "2027-05-15"] });
        const judged = ["2027-05-01", "2027-05-02", "2027-05-03", "2027-05-15"].map((d) => ruleDue({ every: "business-day", at: "01:00", timeZone: tokyo }, d, ruleCalendarOf(calendar)).due);
        assert.deepStrictEqual(judged, [true, false, false, false]);
    });

    it("reports a base day, base month or base time other than the default, and a day it cannot read", () => {
        const { notConverted } = jobnetCalendar(groups(["sdd=21;", "md=ne;", "stt=08:00;", "cl=2027/02/30;"], ["sdd=1;", "md=th;", "stt=00:00;"]));
        assert.deepStrictEqual(notConverted.map((n) => `${n.file}:${n.line} ${n.path}: ${n.what}: ${n.reason}`), [
            "groups.def:4 /G0: sdd=21: no counterpart: the project's months begin on the 1st; rules counted from a base day other than the 1st would fall on other days",
            "groups.def:5 /G0: md=ne: no counterpart: the project counts a month from its own 1st, not from a base day in the month before",
            "groups.def:6 /G0: stt=08:00: no counterpart: the project's days begin at 00:00; a run before 08:00 belongs to the day before in JP1/AJS3",
            "groups.def:7 /G0: cl=2027/02/30: not a closed day (yyyy/mm/dd or su ... sa)",
        ]);
    });
});

describe("rules for imported jobnets: a first day, and shift days", () => {
    const weekend = { country: "none", closedDates: [], openDates: [], closedWeekdays: ["sun" as const, "sat" as const] };
    it("runs no day before the rule's first day", () => {
        const rule: ScheduleRule = { lastDayOfMonth: true, startsOn: "2027-04-01", at: "01:30", timeZone: tokyo, onClosedDay: "previous" };
        assert.deepStrictEqual([ruleDue(rule, "2027-03-31", weekend).reason, ruleDue(rule, "2027-04-30", weekend).due], ["2027-03-31 is before the rule starts, on 2027-04-01", true]);
    });
    it("moves a run no further than its shift days, and runs none when no open day is within them", () => {
        const rule: ScheduleRule = { weekdays: ["sat"], at: "01:30", timeZone: tokyo, onClosedDay: "next", maxShiftDays: 1 };
        assert.strictEqual(ruleDue(rule, "2027-01-02", weekend).reason, "2027-01-02 is a Saturday but closed (2027-01-02 is a Saturday, closed every week), and no open day within 1 days: skipped");
        assert.strictEqual(ruleDue({ ...rule, maxShiftDays: 2 }, "2027-01-04", weekend).due, true);
        assert.strictEqual(describeRule({ ...rule, maxShiftDays: 2, startsOn: "2027-01-01" }), "every Saturday at 01:30 Asia/Tokyo, next open day when closed (within 2 days), from 2027-01-01");
        assert.deepStrictEqual(scheduleRuleProblems({ ...rule, maxShiftDays: 32, startsOn: "2027-13-01" }), ["maxShiftDays: a whole number from 1 to 31", 'startsOn: a date YYYY-MM-DD, not "2027-13-01"']);
    });
});

describe("the Nth day of the week of a month", () => {
    const open: RuleCalendar = { country: "none", closedDates: [], openDates: [], closedWeekdays: [] };
    const rule = (nth: 1 | 2 | 3 | 4 | 5 | "last", onClosedDay?: "next"): ScheduleRule => ({ weekdayOfMonth: "mon", nth, at: "07:00", timeZone: tokyo, ...(onClosedDay ? { onClosedDay } : {}) });
    const days = (r: ScheduleRule, calendar = open) => planRuns([{ jobnet: "NET", schedules: [r], calendar }], "2027-01-01", 365, tokyo).map((p) => p.local.slice(0, 10));
    it("is due on the 2nd Monday (days 8 to 14), the last Monday, and a 5th Monday only in months that have one", () => {
        assert.deepStrictEqual(days(rule(2)), ["2027-01-11", "2027-02-08", "2027-03-08", "2027-04-12", "2027-05-10", "2027-06-14", "2027-07-12", "2027-08-09", "2027-09-13", "2027-10-11", "2027-11-08", "2027-12-13"]);
        assert.deepStrictEqual(days(rule("last")), ["2027-01-25", "2027-02-22", "2027-03-29", "2027-04-26", "2027-05-31", "2027-06-28", "2027-07-26", "2027-08-30", "2027-09-27", "2027-10-25", "2027-11-29", "2027-12-27"]);
        assert.deepStrictEqual(days(rule(5)), ["2027-03-29", "2027-05-31", "2027-08-30", "2027-11-29"]);
    });
    it("moves to the next open day when closed, and reads as the plan shows it", () => {
        const closed = { ...open, closedDates: ["2027-01-11"] };
        assert.deepStrictEqual(days(rule(2, "next"), closed).slice(0, 2), ["2027-01-12", "2027-02-08"]);
        assert.strictEqual(ruleDue(rule(2, "next"), "2027-01-12", closed).reason, "2027-01-12 is the next open day for 2027-01-11, the 2nd Monday of its month, which is closed");
        assert.strictEqual(describeRule(rule("last")), "the last Monday of every month at 07:00 Asia/Tokyo");
    });
    it("fires its schedule on that day alone when skipped on closed days, and daily otherwise", () => {
        assert.deepStrictEqual([ruleCron(rule(2)), ruleCron(rule("last")), ruleCron(rule(2, "next"))], ["cron(0 7 ? * 2#2 *)", "cron(0 7 * * ? *)", "cron(0 7 * * ? *)"]);
        assert.deepStrictEqual(scheduleRuleProblems({ ...rule(2), nth: 6 as 5 }), ['nth: a whole number from 1 to 5, or "last"']);
    });
});

describe("a year of an imported jobnet's runs, 2027, as JP1/AJS3 would run them", () => {
    // Weekends closed in the outer group; the inner group closes its holidays and opens one Saturday (03/27).
    const holidays = ["2027/01/01", "2027/01/11", "2027/02/11", "2027/03/22", "2027/04/29", "2027/05/03", "2027/05/04", "2027/05/05", "2027/07/19", "2027/08/11", "2027/09/20", "2027/09/23", "2027/10/11", "2027/11/03", "2027/11/23", "2027/12/31"];
    const { calendar, notConverted: calendarReport } = jobnetCalendar(groups(["cl=sa;", "cl=su;"], [...holidays.map((d) => `cl=${d};`), "op=2027/03/27;"]));
    const ruleOf = (...lines: string[]) => onlyRule(...lines);
    const plan = (rule: ScheduleRule) => planRuns([{ jobnet: "NET", schedules: [rule], calendar: ruleCalendarOf(calendar) }], "2027-01-01", 365, tokyo).map((r) => r.local);
    const perMonth = (runs: string[]) => Array.from({ length: 12 }, (_, m) => runs.filter((r) => Number(r.slice(5, 7)) === m + 1).length);

    it("reads the calendar with nothing to report", () => assert.deepStrictEqual(calendarReport, []));

    it("every business day at 01:30: every open day, none on weekends or holidays, and the open Saturday", () => {
        const rule = ruleOf("sd=1,2027/01/01;", "st=1,01:30;", "cy=1,(1,d);", "sh=1,ca;");
        assert.strictEqual(describeRule(rule), "every business day at 01:30 Asia/Tokyo, from 2027-01-01");
        const runs = plan(rule);
        assert.deepStrictEqual(perMonth(runs), [19, 19, 23, 21, 18, 22, 21, 21, 20, 20, 20, 22]);
        assert.strictEqual(runs.length, 246);
        assert.deepStrictEqual([runs[0], runs.includes("2027-03-27 01:30"), runs.includes("2027-03-22 01:30"), runs[runs.length - 1]], ["2027-01-04 01:30", true, false, "2027-12-30 01:30"]);
    });

    it("the last open day of every month", () => {
        assert.deepStrictEqual(plan(ruleOf("sd=1,2027/01/*b;", "st=1,22:00;", "cy=1,(1,m);")), [
            "2027-01-29 22:00", "2027-02-26 22:00", "2027-03-31 22:00", "2027-04-30 22:00", "2027-05-31 22:00", "2027-06-30 22:00",
            "2027-07-30 22:00", "2027-08-31 22:00", "2027-09-30 22:00", "2027-10-29 22:00", "2027-11-30 22:00", "2027-12-30 22:00",
        ]);
    });

    it("every Sunday, substitute after: the next open day, past a Monday holiday and past Golden Week", () => {
        const runs = plan(ruleOf("sd=1,2027/01/su:1;", "st=1,06:00;", "cy=1,(1,w);", "sh=1,af;", "shd=1,5;"));
        assert.strictEqual(runs.length, 52);
        assert.deepStrictEqual(runs.filter((r) => new Date(`${r.slice(0, 10)}T00:00:00Z`).getUTCDay() !== 1), [
            "2027-01-12 06:00", "2027-03-23 06:00", "2027-05-06 06:00", "2027-07-20 06:00", "2027-09-21 06:00", "2027-10-12 06:00",
        ]);
        assert.deepStrictEqual([runs[0], runs[runs.length - 1]], ["2027-01-04 06:00", "2027-12-27 06:00"]);
    });

    it("the 1st of every month, substitute before: the open day before a closed 1st (2027-01-01's run is on 2026-12-31, before the plan)", () => {
        assert.deepStrictEqual(plan(ruleOf("sd=1,2027/01/01;", "st=1,09:00;", "cy=1,(1,m);", "sh=1,be;", "shd=1,5;")), [
            "2027-02-01 09:00", "2027-03-01 09:00", "2027-04-01 09:00", "2027-04-30 09:00", "2027-06-01 09:00", "2027-07-01 09:00",
            "2027-07-30 09:00", "2027-09-01 09:00", "2027-10-01 09:00", "2027-11-01 09:00", "2027-12-01 09:00",
            // 2028-01-01 is a Saturday and 2027-12-31 a holiday: the run of 2028's 1st is on 2027-12-30.
            "2027-12-30 09:00",
        ]);
    });
});
