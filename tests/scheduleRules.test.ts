import * as assert from "assert";
import { RuleCalendar, addDays, checkScheduledRun, describeRule, planRuns, ruleCron, ruleDue, scheduleRuleProblems, zonedInstant } from "../handlers/scheduleRules";
import type { RuleDays, ScheduleRule } from "../statemachines/scheduleRules";

/**
 * A Japanese office's 2027: national holidays (Golden Week 29 April, 3 to 5 May), weekends closed,
 * the company's own days off (30 April, 30 and 31 December, 3 January 2028) and one holiday worked
 * (Labour Thanksgiving, 23 November).
 */
const office: RuleCalendar = { country: "JP", closedDates: ["2027-04-30", "2027-12-30", "2027-12-31", "2028-01-03"], openDates: ["2027-11-23"], closedWeekdays: ["sat", "sun"] };

function rule(days: RuleDays, onClosedDay?: ScheduleRule["onClosedDay"]): ScheduleRule {
    return { ...days, at: "01:30", timeZone: "Asia/Tokyo", ...(onClosedDay ? { onClosedDay } : {}) } as ScheduleRule;
}

/** The days of 2027 (and any later day up to `to`) on which a rule is due. */
function dueDays(r: ScheduleRule, calendar: RuleCalendar = office, from = "2027-01-01", to = "2027-12-31"): string[] {
    const due: string[] = [];
    for (let d = from; d <= to; d = addDays(d, 1)) if (ruleDue(r, d, calendar).due) due.push(d);
    return due;
}

const within = (days: string[], from: string, to: string) => days.filter((d) => d >= from && d <= to);

describe("schedule rules: whether a rule is due on a day (2027, Japanese holidays)", () => {
    it("every business day: 243 days, none in Golden Week, none on the company's year end, the worked holiday included", () => {
        const days = dueDays(rule({ every: "business-day" }));
        assert.strictEqual(days.length, 243);
        assert.deepStrictEqual(within(days, "2027-04-26", "2027-05-10"), ["2027-04-26", "2027-04-27", "2027-04-28", "2027-05-06", "2027-05-07", "2027-05-10"]);
        assert.deepStrictEqual(within(days, "2027-12-24", "2027-12-31"), ["2027-12-24", "2027-12-27", "2027-12-28", "2027-12-29"]);
        assert.deepStrictEqual(within(days, "2027-11-22", "2027-11-24"), ["2027-11-22", "2027-11-23", "2027-11-24"]);
        assert.deepStrictEqual(dueDays(rule({ every: "business-day" }), office, "2028-01-01", "2028-01-05"), ["2028-01-04", "2028-01-05"]);
        assert.deepStrictEqual(ruleDue(rule({ every: "business-day" }), "2027-05-04", office), { date: "2027-05-04", due: false, reason: "2027-05-04 is a national holiday in JP: みどりの日 (Greenery Day): closed" });
        assert.deepStrictEqual(ruleDue(rule({ every: "business-day" }), "2027-11-23", office).reason, "2027-11-23 is listed in calendar.openDates");
    });

    it("every day, skipping closed days, is every business day; moved to the next open day it is still one run a day", () => {
        assert.deepStrictEqual(dueDays(rule({ every: "day" })), dueDays(rule({ every: "business-day" })));
        assert.deepStrictEqual(dueDays(rule({ every: "day" }, "next")), dueDays(rule({ every: "business-day" })));
        assert.deepStrictEqual(ruleDue(rule({ every: "day" }, "next"), "2027-05-06", office), {
            date: "2027-05-06",
            due: true,
            reason: "2027-05-06 is a day of the every-day rule; the run of closed 2027-04-29, 2027-04-30, 2027-05-01, 2027-05-02, 2027-05-03, 2027-05-04, 2027-05-05 is this same run",
        });
        assert.strictEqual(
            ruleDue(rule({ every: "day" }, "next"), "2027-05-03", office).reason,
            "2027-05-03 is a day of the every-day rule but closed (2027-05-03 is a national holiday in JP: 憲法記念日 (Constitution Memorial Day)): runs on the next open day, 2027-05-06, which runs anyway: one run",
        );
    });

    it("Sundays moved to the next open day: 52 runs, Golden Week's Sunday on Thursday 6 May, a Sunday before a holiday on Tuesday", () => {
        const days = dueDays(rule({ weekdays: ["sun"] }, "next"));
        assert.strictEqual(days.length, 52);
        assert.deepStrictEqual(days.slice(0, 4), ["2027-01-04", "2027-01-12", "2027-01-18", "2027-01-25"]);
        assert.deepStrictEqual(within(days, "2027-04-26", "2027-05-31"), ["2027-04-26", "2027-05-06", "2027-05-10", "2027-05-17", "2027-05-24", "2027-05-31"]);
        assert.deepStrictEqual(days.slice(-2), ["2027-12-20", "2027-12-27"]);
        // 2 January 2028 is a Sunday; 3 January is closed: the run moves to the 4th.
        assert.deepStrictEqual(dueDays(rule({ weekdays: ["sun"] }, "next"), office, "2028-01-01", "2028-01-10"), ["2028-01-04"]);
        assert.deepStrictEqual(dueDays(rule({ weekdays: ["sun"] })), [], "Sundays skipped on a calendar closed on Sundays");
    });

    it("Mondays and Thursdays moved to the next open day: Golden Week's Monday and Thursday make one run on 6 May", () => {
        const r = rule({ weekdays: ["mon", "thu"] }, "next");
        assert.deepStrictEqual(within(dueDays(r), "2027-04-26", "2027-05-13"), ["2027-04-26", "2027-05-06", "2027-05-10", "2027-05-13"]);
        assert.deepStrictEqual(ruleDue(r, "2027-05-06", office).reason, "2027-05-06 is a Monday or Thursday; the run of closed 2027-04-29, 2027-05-03 is this same run");
        assert.deepStrictEqual(within(dueDays(rule({ weekdays: ["mon", "thu"] })), "2027-04-26", "2027-05-13"), ["2027-04-26", "2027-05-06", "2027-05-10", "2027-05-13"]);
        assert.deepStrictEqual(within(dueDays(rule({ weekdays: ["mon", "wed"] })), "2027-04-26", "2027-05-13"), ["2027-04-26", "2027-04-28", "2027-05-10", "2027-05-12"]);
    });

    it("the 31st: only in months that have one, skipped when closed; moved to the previous open day", () => {
        assert.deepStrictEqual(dueDays(rule({ dayOfMonth: 31 })), ["2027-03-31", "2027-05-31", "2027-08-31"]);
        assert.deepStrictEqual(dueDays(rule({ dayOfMonth: 31 }, "previous")), ["2027-01-29", "2027-03-31", "2027-05-31", "2027-07-30", "2027-08-31", "2027-10-29", "2027-12-29"]);
        assert.deepStrictEqual(ruleDue(rule({ dayOfMonth: 31 }), "2027-02-28", office).reason, "2027-02-28 is not day 31 of its month (and is closed)");
    });

    it("the 1st moved to the previous open day crosses into the month before: 1 May to 28 April, 1 January 2028 to 29 December", () => {
        assert.deepStrictEqual(dueDays(rule({ dayOfMonth: 1 }, "previous")), ["2027-02-01", "2027-03-01", "2027-04-01", "2027-04-28", "2027-06-01", "2027-07-01", "2027-07-30", "2027-09-01", "2027-10-01", "2027-11-01", "2027-12-01", "2027-12-29"]);
        assert.deepStrictEqual(ruleDue(rule({ dayOfMonth: 1 }, "previous"), "2027-12-29", office), { date: "2027-12-29", due: true, reason: "2027-12-29 is the previous open day for 2028-01-01, day 1 of its month, which is closed" });
        assert.strictEqual(ruleDue(rule({ dayOfMonth: 1 }, "previous"), "2027-01-01", office).reason, "2027-01-01 is day 1 of its month but closed (2027-01-01 is a national holiday in JP: 元日 (New Year's Day)): runs on the previous open day, 2026-12-31");
    });

    it("the last day of the month: skipped when closed, or moved across the month end to the next open day, or back to the previous", () => {
        assert.deepStrictEqual(dueDays(rule({ lastDayOfMonth: true })), ["2027-03-31", "2027-05-31", "2027-06-30", "2027-08-31", "2027-09-30", "2027-11-30"]);
        assert.deepStrictEqual(dueDays(rule({ lastDayOfMonth: true }, "next"), office, "2027-01-01", "2028-01-30"), ["2027-02-01", "2027-03-01", "2027-03-31", "2027-05-06", "2027-05-31", "2027-06-30", "2027-08-02", "2027-08-31", "2027-09-30", "2027-11-01", "2027-11-30", "2028-01-04"]);
        assert.deepStrictEqual(dueDays(rule({ lastDayOfMonth: true }, "previous")), ["2027-01-29", "2027-02-26", "2027-03-31", "2027-04-28", "2027-05-31", "2027-06-30", "2027-07-30", "2027-08-31", "2027-09-30", "2027-10-29", "2027-11-30", "2027-12-29"]);
        assert.deepStrictEqual(ruleDue(rule({ lastDayOfMonth: true }, "next"), "2028-01-04", office), { date: "2028-01-04", due: true, reason: "2028-01-04 is the next open day for 2027-12-31, the last day of its month, which is closed" });
        assert.deepStrictEqual(ruleDue(rule({ lastDayOfMonth: true }), "2027-04-30", office).reason, "2027-04-30 is the last day of its month but closed (2027-04-30 is listed in calendar.closedDates): skipped");
        // A calendar open every day: 28 February is February's last day.
        assert.deepStrictEqual(dueDays(rule({ lastDayOfMonth: true }), { country: "none", closedDates: [], openDates: [] }).slice(0, 3), ["2027-01-31", "2027-02-28", "2027-03-31"]);
    });

    it("the last business day of the month: 28 April before Golden Week, 29 December before the year end", () => {
        assert.deepStrictEqual(dueDays(rule({ lastBusinessDayOfMonth: true })), ["2027-01-29", "2027-02-26", "2027-03-31", "2027-04-28", "2027-05-31", "2027-06-30", "2027-07-30", "2027-08-31", "2027-09-30", "2027-10-29", "2027-11-30", "2027-12-29"]);
        assert.strictEqual(ruleDue(rule({ lastBusinessDayOfMonth: true }), "2027-12-28", office).reason, "2027-12-28 is not the last business day of its month: 2027-12-29 is open");
    });

    it("the Nth business day of the month: the first is 4 January and 6 May, the third 10 May", () => {
        assert.deepStrictEqual(dueDays(rule({ businessDayOfMonth: 1 })), ["2027-01-04", "2027-02-01", "2027-03-01", "2027-04-01", "2027-05-06", "2027-06-01", "2027-07-01", "2027-08-02", "2027-09-01", "2027-10-01", "2027-11-01", "2027-12-01"]);
        assert.deepStrictEqual(dueDays(rule({ businessDayOfMonth: 3 })), ["2027-01-06", "2027-02-03", "2027-03-03", "2027-04-05", "2027-05-10", "2027-06-03", "2027-07-05", "2027-08-04", "2027-09-03", "2027-10-05", "2027-11-04", "2027-12-03"]);
        assert.strictEqual(ruleDue(rule({ businessDayOfMonth: 3 }), "2027-05-07", office).reason, "2027-05-07 is business day 2 of its month, not 3");
        assert.deepStrictEqual(dueDays(rule({ businessDayOfMonth: 22 })), ["2027-03-31", "2027-06-30"], "only months with 22 open days");
    });

    it("every 10 days from 23 April, moved to the next open day; every 2 weeks from a Monday, skipped on holidays", () => {
        assert.deepStrictEqual(within(dueDays(rule({ everyDays: 10, from: "2027-04-23" }, "next")), "2027-01-01", "2027-06-30"), ["2027-04-23", "2027-05-06", "2027-05-13", "2027-05-24", "2027-06-02", "2027-06-14", "2027-06-22"]);
        const fortnightly = dueDays(rule({ everyWeeks: 2, from: "2027-01-04" }));
        assert.strictEqual(fortnightly.length, 24);
        assert.deepStrictEqual(within(fortnightly, "2027-07-01", "2027-10-31"), ["2027-07-05", "2027-08-02", "2027-08-16", "2027-08-30", "2027-09-13", "2027-09-27", "2027-10-25"], "19 July and 11 October are holidays");
        assert.deepStrictEqual(dueDays(rule({ everyDays: 10, from: "2027-04-23" }), office, "2027-01-01", "2027-04-22"), [], "nothing before the first day");
    });

    it("every month from the 31st: the month's last day where it is shorter, skipped when closed", () => {
        assert.deepStrictEqual(dueDays(rule({ everyMonths: 1, from: "2027-01-31" }), { country: "none", closedDates: [], openDates: [] }), ["2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30", "2027-05-31", "2027-06-30", "2027-07-31", "2027-08-31", "2027-09-30", "2027-10-31", "2027-11-30", "2027-12-31"]);
        assert.deepStrictEqual(dueDays(rule({ everyMonths: 3, from: "2027-01-31" }, "next")), ["2027-02-01", "2027-05-06", "2027-08-02", "2027-11-01"]);
    });

    it("the stack's calendar (no weekly closed days) and a calendar of no country", () => {
        const stack: RuleCalendar = { country: "JP", closedDates: [], openDates: [] };
        assert.deepStrictEqual(within(dueDays(rule({ every: "business-day" }), stack), "2027-04-28", "2027-05-07"), ["2027-04-28", "2027-04-30", "2027-05-01", "2027-05-02", "2027-05-06", "2027-05-07"]);
        assert.strictEqual(dueDays(rule({ every: "business-day" }), { country: "none", closedDates: [], openDates: [] }).length, 365);
    });

    it("a substitute is looked for within 31 days at most", () => {
        const closedMonth = Array.from({ length: 40 }, (_, i) => addDays("2027-08-01", i));
        assert.strictEqual(ruleDue(rule({ dayOfMonth: 1 }, "next"), "2027-08-01", { country: "none", closedDates: closedMonth, openDates: [] }).reason, "2027-08-01 is day 1 of its month but closed (2027-08-01 is listed in calendar.closedDates), and no open day within 31 days: skipped");
    });
});

describe("schedule rules: the plan", () => {
    it("lists the runs of several jobnets on a week of days, in the plan's time zone, earliest first", () => {
        const runs = planRuns(
            [
                { jobnet: "nightly-batch", schedules: [rule({ every: "business-day" })], calendar: office },
                { jobnet: "weekly-maintenance", schedules: [{ weekdays: ["sun"], at: "03:00", timeZone: "Asia/Tokyo", onClosedDay: "next" }], calendar: office },
                // 23:00 in New York on Wednesday 5 May is 12:00 on Thursday 6 May in Tokyo.
                { jobnet: "us-report", schedules: [{ weekdays: ["wed"], at: "23:00", timeZone: "America/New_York" }], calendar: { country: "none", closedDates: [], openDates: [] } },
            ],
            "2027-05-02",
            6,
            "Asia/Tokyo",
        );
        assert.deepStrictEqual(runs.map((r) => `${r.local} ${r.jobnet} ${r.reason}`), [
            "2027-05-06 01:30 nightly-batch 2027-05-06 is a business day",
            "2027-05-06 03:00 weekly-maintenance 2027-05-06 is the next open day for 2027-05-02, a Sunday, which is closed",
            "2027-05-06 12:00 us-report 2027-05-05 is a Wednesday",
            "2027-05-07 01:30 nightly-batch 2027-05-07 is a business day",
        ]);
        assert.strictEqual(runs[2].at.toISOString(), "2027-05-06T03:00:00.000Z");
    });

    it("finds a rule's instant in its time zone, across a daylight-saving change", () => {
        assert.strictEqual(zonedInstant("2027-05-06", "01:30", "Asia/Tokyo").toISOString(), "2027-05-05T16:30:00.000Z");
        assert.strictEqual(zonedInstant("2027-03-14", "12:00", "America/New_York").toISOString(), "2027-03-14T16:00:00.000Z");
        assert.strictEqual(zonedInstant("2027-03-13", "12:00", "America/New_York").toISOString(), "2027-03-13T17:00:00.000Z");
    });

    it("describes each rule in one line", () => {
        assert.strictEqual(describeRule(rule({ every: "business-day" })), "every business day at 01:30 Asia/Tokyo");
        assert.strictEqual(describeRule({ weekdays: ["sun"], at: "03:00", timeZone: "Asia/Tokyo", onClosedDay: "next" }), "every Sunday at 03:00 Asia/Tokyo, next open day when closed");
        assert.strictEqual(describeRule(rule({ lastBusinessDayOfMonth: true }, "previous")), "the last business day of every month at 01:30 Asia/Tokyo");
        assert.strictEqual(describeRule(rule({ everyWeeks: 2, from: "2027-01-04" })), "every 2 weeks from 2027-01-04 at 01:30 Asia/Tokyo");
    });

    it("names what is wrong with a rule", () => {
        assert.deepStrictEqual(scheduleRuleProblems({ dayOfMonth: 32, at: "25:00", timeZone: "Tokyo" }), [
            'at: a time HH:MM from 00:00 to 23:59, not "25:00"',
            'timeZone: an IANA time zone such as Asia/Tokyo, not "Tokyo"',
            "dayOfMonth: a whole number from 1 to 31",
        ]);
        assert.deepStrictEqual(scheduleRuleProblems({ everyDays: 0, from: "2027-02-30", at: "01:30", timeZone: "Asia/Tokyo" }), ["everyDays: a whole number from 1 to 366", 'from: a date YYYY-MM-DD, not "2027-02-30"']);
        assert.deepStrictEqual(scheduleRuleProblems(rule({ weekdays: [] })), ["weekdays: one or more of sun, mon, tue, wed, thu, fri, sat"]);
    });
});

describe("schedule rules at run time: the schedule of a rule, and the check its run makes", () => {
    const stackCalendar = { country: "JP", closedDates: ["2027-12-30", "2027-12-31"], openDates: [], timeZone: "Asia/Tokyo" };
    const sundaysNext: ScheduleRule = { weekdays: ["sun"], at: "03:00", timeZone: "Asia/Tokyo", onClosedDay: "next" };
    const run = (rule: ScheduleRule | undefined, scheduledTime: string) => checkScheduledRun({ ...stackCalendar, scheduledTime, ...(rule ? { scheduledRun: { trigger: "schedule" as const, scheduledTime, rule } } : {}) });

    it("fires only on the rule's own days where nothing can move, daily where a run can move or open days are counted", () => {
        assert.strictEqual(ruleCron(rule({ weekdays: ["sun", "wed"] })), "cron(30 1 ? * SUN,WED *)");
        assert.strictEqual(ruleCron(rule({ dayOfMonth: 15 })), "cron(30 1 15 * ? *)");
        assert.strictEqual(ruleCron(rule({ lastDayOfMonth: true })), "cron(30 1 L * ? *)");
        assert.strictEqual(ruleCron(sundaysNext), "cron(0 3 * * ? *)");
        assert.strictEqual(ruleCron(rule({ lastDayOfMonth: true }, "previous")), "cron(30 1 * * ? *)");
        assert.strictEqual(ruleCron(rule({ every: "business-day" })), "cron(30 1 * * ? *)");
        assert.strictEqual(ruleCron(rule({ businessDayOfMonth: 3 })), "cron(30 1 * * ? *)");
        assert.strictEqual(ruleCron(rule({ everyWeeks: 2, from: "2027-01-04" })), "cron(30 1 * * ? *)");
    });

    it("a run of Sundays-or-next goes ahead on Tuesday 23 March (Sunday and Monday were holidays), and not on Monday 22nd", async () => {
        // 03:00 in Tokyo is 18:00 UTC the day before.
        assert.deepStrictEqual(await run(sundaysNext, "2027-03-22T18:00:00Z"), { date: "2027-03-23", open: true, reason: "due today: 2027-03-23 is the next open day for 2027-03-21, a Sunday, which is closed" });
        assert.deepStrictEqual(await run(sundaysNext, "2027-03-21T18:00:00Z"), { date: "2027-03-22", open: false, reason: "not due today: 2027-03-22 is not a Sunday (and is closed)" });
        assert.deepStrictEqual(await run(sundaysNext, "2027-03-23T18:00:00Z"), { date: "2027-03-24", open: false, reason: "not due today: 2027-03-24 is not a Sunday" });
    });

    it("judges the day in the rule's time zone, and the plan and the run agree on every day of 2027", async () => {
        for (const r of [sundaysNext, rule({ lastDayOfMonth: true }, "previous"), rule({ businessDayOfMonth: 1 })]) {
            const planned = planRuns([{ jobnet: "j", schedules: [r], calendar: stackCalendar }], "2027-01-01", 365, "Asia/Tokyo").map((p) => p.local.slice(0, 10));
            const ran: string[] = [];
            for (let d = "2027-01-01"; d <= "2027-12-31"; d = addDays(d, 1)) {
                const fired = zonedInstant(d, r.at, r.timeZone).toISOString();
                if ((await run(r, fired)).open) ran.push(d);
            }
            assert.deepStrictEqual(ran, planned);
        }
    });

    it("a run of a plain cron schedule (stop, start) is judged by the calendar alone, as before", async () => {
        assert.deepStrictEqual(await run(undefined, "2027-12-29T13:00:00Z"), { date: "2027-12-29", open: true, reason: "2027-12-29 is a business day" });
        assert.deepStrictEqual(await run(undefined, "2027-12-30T13:00:00Z"), { date: "2027-12-30", open: false, reason: "2027-12-30 is listed in calendar.closedDates" });
    });
});
