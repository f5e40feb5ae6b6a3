/**
 * Schedule rules of a team's jobnet, as JP1/AJS3's schedule rules read: on which days a jobnet is
 * due, at what time, in which time zone, and what happens when the day is closed. Plain typed data;
 * the decisions are in handlers/scheduleRules.ts, the one place the plan and the run-time check read.
 */

export type Weekday = "sun" | "mon" | "tue" | "wed" | "thu" | "fri" | "sat";

/**
 * What happens when a day the rule names is closed on the calendar (JP1/AJS3's substitute
 * schedule): `skip` the run, run on the `previous` open day, or on the `next` open day. A
 * substitute that falls on a day the rule already runs makes one run, not two.
 */
export type OnClosedDay = "skip" | "previous" | "next";

/** On which days a rule is due, before the calendar is asked. */
export type RuleDays =
    /** Every day of the year. */
    | { every: "day" }
    /** Every open day of the calendar (closed days are never due: `onClosedDay` does not apply). */
    | { every: "business-day" }
    /** The given days of the week. */
    | { weekdays: Weekday[] }
    /** The Nth calendar day of the month (1 to 31); a month without it (the 31st of April) has no run: use `lastDayOfMonth` for month ends. */
    | { dayOfMonth: number }
    /** The Nth open day of the month (1 to 23). A month with fewer open days has no run. */
    | { businessDayOfMonth: number }
    /** The Nth such day of the week in the month (the 2nd Monday: days 8 to 14), or its last. A month without a 5th has no run. */
    | { weekdayOfMonth: Weekday; nth: 1 | 2 | 3 | 4 | 5 | "last" }
    /** The last calendar day of the month. */
    | { lastDayOfMonth: true }
    /** The last open day of the month (closed days never due: `onClosedDay` does not apply). */
    | { lastBusinessDayOfMonth: true }
    /**
     * Every N days, weeks or months from a date (YYYY-MM-DD, the first run). Months keep the day
     * of the month of `from`; a month without it runs on its last day (from the 31st: 30 April, 28 February).
     */
    | { everyDays: number; from: string }
    | { everyWeeks: number; from: string }
    | { everyMonths: number; from: string };

export type ScheduleRule = RuleDays & {
    /** The time of the run, HH:MM (24-hour), in `timeZone`. */
    at: string;
    /** A canonical IANA time zone, such as `Asia/Tokyo`: the rule's days are calendar days there. */
    timeZone: string;
    /** `skip` unless given. */
    onClosedDay?: OnClosedDay;
    /**
     * How many days a run moved by `onClosedDay` may move at most (1 to 31, 31 unless given): with no
     * open day within them, no run. JP1/AJS3's shift days (`shd`).
     */
    maxShiftDays?: number;
    /** The first day (YYYY-MM-DD) the rule may run: none before it. JP1/AJS3's start year and month of a rule. */
    startsOn?: string;
};

/**
 * A jobnet's own business calendar, in place of the stack's: national holidays of a country
 * (`JP`, or `none`), extra closed dates, open dates that override a holiday (YYYY-MM-DD), days closed every week.
 */
export interface JobnetCalendar {
    country: string;
    closedDates?: string[];
    openDates?: string[];
    /** Days of the week closed every week, such as ["sat", "sun"] (an open date overrides it). */
    closedWeekdays?: Weekday[];
}
