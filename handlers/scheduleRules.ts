/**
 * The decisions of schedule rules (statemachines/scheduleRules.ts): whether a rule is due on a day
 * and why, and the runs due between two dates (the plan). Pure: the calendar is the stack's or the
 * jobnet's own, judged by handlers/calendar.ts. The plan (`npm run ops -- plan`) and a scheduled
 * run's check at run time both ask `ruleDue`, so the two cannot disagree.
 */

import { CalendarSettings, calendarDate, checkCalendar, judgeDay, nationalHoliday } from "./calendar";
import type { JobnetCalendar, ScheduleRule, Weekday } from "../statemachines/scheduleRules";

/**
 * The calendar a rule is judged by: national holidays of a country, closed dates, open dates, and
 * (a jobnet's own calendar only, for now) days of the week closed every week.
 */
export type RuleCalendar = Pick<CalendarSettings, "country" | "closedDates" | "openDates" | "closedWeekdays">;

export interface RuleVerdict {
    /** The calendar day judged, in the rule's time zone. */
    date: string;
    due: boolean;
    reason: string;
}

export const weekdays: Weekday[] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
export const weekdayNames: Record<Weekday, string> = { sun: "Sunday", mon: "Monday", tue: "Tuesday", wed: "Wednesday", thu: "Thursday", fri: "Friday", sat: "Saturday" };

/** JP1/AJS3 bounds a substitute's shift to 31 days (`shd`); no open day within them: no run. */
export const maxShiftDays = 31;

const dayMs = 86_400_000;

/** The YYYY-MM-DD day `n` days after `date` (before it when negative). */
export function addDays(date: string, n: number): string {
    return new Date(Date.parse(`${date}T00:00:00Z`) + n * dayMs).toISOString().slice(0, 10);
}

export function weekdayOf(date: string): Weekday {
    return weekdays[new Date(`${date}T00:00:00Z`).getUTCDay()];
}

function daysInMonth(year: number, month: number): number {
    return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function parts(date: string): { year: number; month: number; day: number } {
    const [year, month, day] = date.split("-").map(Number);
    return { year, month, day };
}

/** The calendar settings of a jobnet's own calendar, in the shape judgeDay reads. */
export function ruleCalendarOf(calendar: JobnetCalendar): RuleCalendar {
    return { country: calendar.country, closedDates: calendar.closedDates ?? [], openDates: calendar.openDates ?? [], closedWeekdays: calendar.closedWeekdays ?? [] };
}

type Holiday = (country: string, date: string) => string | undefined;

function judge(date: string, calendar: RuleCalendar, holiday: Holiday): { open: boolean; reason: string } {
    return judgeDay(date, { ...calendar, timeZone: "UTC" }, holiday);
}

/** The rule's days in words, as "<date> is …" reads: "a Sunday", "the last day of its month". */
export function rulePhrase(rule: ScheduleRule): string {
    if ("every" in rule) return rule.every === "day" ? "a day of the every-day rule" : "a business day";
    if ("weekdays" in rule) return rule.weekdays.length === 1 ? `a ${weekdayNames[rule.weekdays[0]]}` : `a ${rule.weekdays.map((d) => weekdayNames[d]).join(" or ")}`;
    if ("dayOfMonth" in rule) return `day ${rule.dayOfMonth} of its month`;
    if ("weekdayOfMonth" in rule) return `the ${nthWord(rule.nth)} ${weekdayNames[rule.weekdayOfMonth]} of its month`;
    if ("businessDayOfMonth" in rule) return `business day ${rule.businessDayOfMonth} of its month`;
    if ("lastDayOfMonth" in rule) return "the last day of its month";
    if ("lastBusinessDayOfMonth" in rule) return "the last business day of its month";
    if ("everyDays" in rule) return `a day of every ${plural(rule.everyDays, "day")} from ${rule.from}`;
    if ("everyWeeks" in rule) return `a day of every ${plural(rule.everyWeeks, "week")} from ${rule.from}`;
    return `a day of every ${plural(rule.everyMonths, "month")} from ${rule.from}`;
}

/** "1st" to "5th", or "last". */
export function nthWord(nth: number | "last"): string {
    return nth === "last" ? "last" : ["1st", "2nd", "3rd", "4th", "5th"][nth - 1];
}

function plural(n: number, unit: string): string {
    return n === 1 ? unit : `${n} ${unit}s`;
}

/** A rule in one line, as the plan shows it: "every business day at 01:30 Asia/Tokyo". */
export function describeRule(rule: ScheduleRule): string {
    let days: string;
    if ("every" in rule) days = rule.every === "day" ? "every day" : "every business day";
    else if ("weekdays" in rule) days = `every ${rule.weekdays.map((d) => weekdayNames[d]).join(", ")}`;
    else if ("dayOfMonth" in rule) days = `day ${rule.dayOfMonth} of every month`;
    else if ("weekdayOfMonth" in rule) days = `the ${nthWord(rule.nth)} ${weekdayNames[rule.weekdayOfMonth]} of every month`;
    else if ("businessDayOfMonth" in rule) days = `business day ${rule.businessDayOfMonth} of every month`;
    else if ("lastDayOfMonth" in rule) days = "the last day of every month";
    else if ("lastBusinessDayOfMonth" in rule) days = "the last business day of every month";
    else if ("everyDays" in rule) days = `every ${plural(rule.everyDays, "day")} from ${rule.from}`;
    else if ("everyWeeks" in rule) days = `every ${plural(rule.everyWeeks, "week")} from ${rule.from}`;
    else days = `every ${plural(rule.everyMonths, "month")} from ${rule.from}`;
    const moves = closedDayApplies(rule) && (rule.onClosedDay ?? "skip") !== "skip";
    const closed = moves ? `, ${rule.onClosedDay} open day when closed${rule.maxShiftDays !== undefined ? ` (within ${plural(rule.maxShiftDays, "day")})` : ""}` : "";
    const starts = rule.startsOn !== undefined ? `, from ${rule.startsOn}` : "";
    return `${days} at ${rule.at} ${rule.timeZone}${closed}${starts}`;
}

/** Rules made of open days only never fall on a closed day. */
function closedDayApplies(rule: ScheduleRule): boolean {
    return !("every" in rule && rule.every === "business-day") && !("businessDayOfMonth" in rule) && !("lastBusinessDayOfMonth" in rule);
}

/** Whether a day is one the rule names, before closed days move or skip it (rules of calendar days only). */
function namesDay(rule: ScheduleRule, date: string): boolean {
    const { year, month, day } = parts(date);
    if ("every" in rule) return true;
    if ("weekdays" in rule) return rule.weekdays.includes(weekdayOf(date));
    if ("dayOfMonth" in rule) return day === rule.dayOfMonth;
    if ("weekdayOfMonth" in rule) return weekdayOf(date) === rule.weekdayOfMonth && (rule.nth === "last" ? day + 7 > daysInMonth(year, month) : Math.ceil(day / 7) === rule.nth);
    if ("lastDayOfMonth" in rule) return day === daysInMonth(year, month);
    if ("everyDays" in rule || "everyWeeks" in rule) {
        const step = "everyDays" in rule ? rule.everyDays : rule.everyWeeks * 7;
        const days = Math.round((Date.parse(date) - Date.parse(rule.from)) / dayMs);
        return days >= 0 && days % step === 0;
    }
    if ("everyMonths" in rule) {
        const from = parts(rule.from);
        const months = (year - from.year) * 12 + (month - from.month);
        if (months < 0 || months % rule.everyMonths !== 0) return false;
        return day === Math.min(from.day, daysInMonth(year, month));
    }
    return false;
}

/** Whether a rule is due on a calendar day (YYYY-MM-DD, in the rule's time zone), and why. */
export function ruleDue(rule: ScheduleRule, date: string, calendar: RuleCalendar, holiday: Holiday = nationalHoliday): RuleVerdict {
    if (rule.startsOn !== undefined && date < rule.startsOn) return { date, due: false, reason: `${date} is before the rule starts, on ${rule.startsOn}` };
    const shiftDays = rule.maxShiftDays ?? maxShiftDays;
    const day = judge(date, calendar, holiday);
    const phrase = rulePhrase(rule);
    if (!closedDayApplies(rule)) {
        if (!day.open) return { date, due: false, reason: `${day.reason}: closed` };
        if ("every" in rule) return { date, due: true, reason: day.reason };
        const { year, month } = parts(date);
        const first = `${date.slice(0, 8)}01`;
        const last = `${date.slice(0, 8)}${String(daysInMonth(year, month)).padStart(2, "0")}`;
        if ("businessDayOfMonth" in rule) {
            let n = 0;
            for (let d = first; d <= date; d = addDays(d, 1)) if (judge(d, calendar, holiday).open) n++;
            return n === rule.businessDayOfMonth ? { date, due: true, reason: `${date} is ${phrase}` } : { date, due: false, reason: `${date} is business day ${n} of its month, not ${rule.businessDayOfMonth}` };
        }
        for (let d = addDays(date, 1); d <= last; d = addDays(d, 1)) {
            if (judge(d, calendar, holiday).open) return { date, due: false, reason: `${date} is not ${phrase}: ${d} is open` };
        }
        return { date, due: true, reason: `${date} is ${phrase}` };
    }
    const onClosed = rule.onClosedDay ?? "skip";
    const named = namesDay(rule, date);
    if (!day.open) {
        if (!named) return { date, due: false, reason: `${date} is not ${phrase} (and is closed)` };
        if (onClosed === "skip") return { date, due: false, reason: `${date} is ${phrase} but closed (${day.reason}): skipped` };
        const step = onClosed === "next" ? 1 : -1;
        for (let i = 1; i <= shiftDays; i++) {
            const substitute = addDays(date, i * step);
            if (!judge(substitute, calendar, holiday).open) continue;
            const own = namesDay(rule, substitute) ? `, which runs anyway: one run` : "";
            return { date, due: false, reason: `${date} is ${phrase} but closed (${day.reason}): runs on the ${onClosed} open day, ${substitute}${own}` };
        }
        return { date, due: false, reason: `${date} is ${phrase} but closed (${day.reason}), and no open day within ${shiftDays} days: skipped` };
    }
    // The closed days next to this open day whose substitute it is: those up to the next open day (previous) or since the last one (next).
    const moved: string[] = [];
    if (onClosed !== "skip") {
        const step = onClosed === "previous" ? 1 : -1;
        for (let i = 1; i <= shiftDays; i++) {
            const d = addDays(date, i * step);
            if (judge(d, calendar, holiday).open) break;
            if (namesDay(rule, d) && (rule.startsOn === undefined || d >= rule.startsOn)) moved.push(d);
        }
        moved.sort();
    }
    if (named && moved.length > 0) return { date, due: true, reason: `${date} is ${phrase}; the run of closed ${moved.join(", ")} is this same run` };
    if (named) return { date, due: true, reason: `${date} is ${phrase}` };
    if (moved.length > 0) return { date, due: true, reason: `${date} is the ${onClosed} open day for ${moved.join(", ")}, ${phrase}, which ${moved.length === 1 ? "is" : "are"} closed` };
    return { date, due: false, reason: `${date} is not ${phrase}` };
}

/** The instant of a wall-clock time (HH:MM) on a day in a time zone (in a skipped DST hour: the instant one hour later). */
export function zonedInstant(date: string, time: string, timeZone: string): Date {
    const wall = Date.parse(`${date}T${time}:00Z`);
    let guess = wall;
    for (let i = 0; i < 2; i++) guess = wall - offsetMs(new Date(guess), timeZone);
    return new Date(guess);
}

function offsetMs(instant: Date, timeZone: string): number {
    const p = Object.fromEntries(new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" }).formatToParts(instant).map((x) => [x.type, x.value]));
    return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second) - Math.floor(instant.getTime() / 1000) * 1000;
}

/** The wall-clock "YYYY-MM-DD HH:MM" of an instant in a time zone. */
export function wallClock(instant: Date, timeZone: string): string {
    const time = new Intl.DateTimeFormat("en-GB", { timeZone, hourCycle: "h23", hour: "2-digit", minute: "2-digit" }).format(instant);
    return `${calendarDate(instant, timeZone)} ${time}`;
}

/** A jobnet's rules and the calendar they are judged by (its own, or the stack's). */
export interface ScheduledJobnet {
    jobnet: string;
    schedules: ScheduleRule[];
    calendar: RuleCalendar;
}

export interface PlannedRun {
    jobnet: string;
    /** Index of the rule in the jobnet's `schedules`. */
    rule: number;
    /** The run's start. */
    at: Date;
    /** Its start on the plan's wall clock, "YYYY-MM-DD HH:MM". */
    local: string;
    /** The rule in words (describeRule). */
    describe: string;
    reason: string;
}

/**
 * The runs due on `days` calendar days from `from` (YYYY-MM-DD) in `timeZone`, earliest first
 * (then by jobnet and rule). A rule in another time zone is due on its own days; its runs are
 * listed where they fall on the plan's days.
 */
export function planRuns(jobnets: ScheduledJobnet[], from: string, days: number, timeZone: string, holiday: Holiday = nationalHoliday): PlannedRun[] {
    const to = addDays(from, days);
    const runs: PlannedRun[] = [];
    for (const j of jobnets) {
        j.schedules.forEach((rule, index) => {
            // A rule's day may begin up to a day either side of the plan's (time zones 26 hours apart at most).
            for (let d = addDays(from, -1); d <= to; d = addDays(d, 1)) {
                const verdict = ruleDue(rule, d, j.calendar, holiday);
                if (!verdict.due) continue;
                const at = zonedInstant(d, rule.at, rule.timeZone);
                const local = wallClock(at, timeZone);
                if (local.slice(0, 10) < from || local.slice(0, 10) >= to) continue;
                runs.push({ jobnet: j.jobnet, rule: index, at, local, describe: describeRule(rule), reason: verdict.reason });
            }
        });
    }
    return runs.sort((a, b) => a.at.getTime() - b.at.getTime() || (a.jobnet < b.jobnet ? -1 : a.jobnet > b.jobnet ? 1 : 0) || a.rule - b.rule);
}

const datePattern = /^\d{4}-\d{2}-\d{2}$/;

/** A day YYYY-MM-DD that exists on the calendar (not 2027-02-30). */
export function isDate(date: string): boolean {
    const instant = new Date(`${date}T00:00:00Z`);
    return datePattern.test(date) && !Number.isNaN(instant.getTime()) && instant.toISOString().startsWith(date);
}

/** What is wrong with a rule, each as "<field>: expected …", or none. */
export function scheduleRuleProblems(rule: ScheduleRule): string[] {
    const problems: string[] = [];
    if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(rule.at)) problems.push(`at: a time HH:MM from 00:00 to 23:59, not ${JSON.stringify(rule.at)}`);
    try {
        new Intl.DateTimeFormat("en-US", { timeZone: rule.timeZone });
    } catch {
        problems.push(`timeZone: an IANA time zone such as Asia/Tokyo, not ${JSON.stringify(rule.timeZone)}`);
    }
    const whole = (n: number, min: number, max: number) => Number.isInteger(n) && n >= min && n <= max;
    if ("weekdays" in rule && !(rule.weekdays.length > 0 && rule.weekdays.every((d) => weekdays.includes(d)))) problems.push(`weekdays: one or more of ${weekdays.join(", ")}`);
    if ("dayOfMonth" in rule && !whole(rule.dayOfMonth, 1, 31)) problems.push("dayOfMonth: a whole number from 1 to 31");
    if ("businessDayOfMonth" in rule && !whole(rule.businessDayOfMonth, 1, 23)) problems.push("businessDayOfMonth: a whole number from 1 to 23");
    if ("weekdayOfMonth" in rule) {
        if (!weekdays.includes(rule.weekdayOfMonth)) problems.push(`weekdayOfMonth: one of ${weekdays.join(", ")}`);
        if (!(rule.nth === "last" || whole(rule.nth, 1, 5))) problems.push('nth: a whole number from 1 to 5, or "last"');
    }
    for (const key of ["everyDays", "everyWeeks", "everyMonths"] as const) {
        if (key in rule && !whole((rule as unknown as Record<string, number>)[key], 1, 366)) problems.push(`${key}: a whole number from 1 to 366`);
    }
    if ("from" in rule && !isDate(rule.from)) problems.push(`from: a date YYYY-MM-DD, not ${JSON.stringify(rule.from)}`);
    if (rule.maxShiftDays !== undefined && !whole(rule.maxShiftDays, 1, maxShiftDays)) problems.push(`maxShiftDays: a whole number from 1 to ${maxShiftDays}`);
    if (rule.startsOn !== undefined && !isDate(rule.startsOn)) problems.push(`startsOn: a date YYYY-MM-DD, not ${JSON.stringify(rule.startsOn)}`);
    return problems;
}

/** What a scheduled run of a team's jobnet carries besides the calendar check's own input: the rule its schedule stands for. */
export interface ScheduledRunInput {
    trigger: "schedule";
    scheduledTime: string;
    rule?: ScheduleRule;
}

/**
 * Lambda task, the calendar check of every scheduled run: a run whose schedule stands for a rule
 * (a team's jobnet) goes ahead when `ruleDue` says the rule is due on the day of its scheduled time
 * in the rule's time zone, the same decision the plan shows; a run of a plain cron schedule (stop,
 * start) when the day is open (handlers/calendar.ts). `open` false ends the run, Succeeded, with the reason.
 */
export async function checkScheduledRun(event: CalendarSettings & { closedWeekdays?: Weekday[]; scheduledTime: string; scheduledRun?: ScheduledRunInput }): Promise<{ date: string; open: boolean; reason: string }> {
    const rule = event.scheduledRun?.rule;
    if (rule === undefined) return checkCalendar(event);
    const instant = new Date(event.scheduledTime);
    if (Number.isNaN(instant.getTime())) return checkCalendar(event);
    const verdict = ruleDue(rule, calendarDate(instant, rule.timeZone), event);
    return { date: verdict.date, open: verdict.due, reason: `${verdict.due ? "due" : "not due"} today: ${verdict.reason}` };
}

/**
 * The EventBridge Scheduler cron of a rule's schedule: it fires at the rule's time on every day the
 * rule could be due, and the run asks `ruleDue` (checkScheduledRun). Only a rule that is skipped on
 * closed days and names its days in cron's own terms fires on those days alone; a rule whose run can
 * move to another day, or that counts open days, fires daily.
 */
export function ruleCron(rule: ScheduleRule): string {
    const [hour, minute] = rule.at.split(":").map(Number);
    const at = `${minute} ${hour}`;
    const fixed = (rule.onClosedDay ?? "skip") === "skip";
    if (fixed && "weekdays" in rule) return `cron(${at} ? * ${weekdays.filter((d) => rule.weekdays.includes(d)).map((d) => d.toUpperCase()).join(",")} *)`;
    if (fixed && "dayOfMonth" in rule) return `cron(${at} ${rule.dayOfMonth} * ? *)`;
    if (fixed && "lastDayOfMonth" in rule) return `cron(${at} L * ? *)`;
    // Day-of-week D#N is the Nth D of the month, 1 = Sunday (EventBridge Scheduler, cron expressions reference).
    if (fixed && "weekdayOfMonth" in rule && rule.nth !== "last") return `cron(${at} ? * ${weekdays.indexOf(rule.weekdayOfMonth) + 1}#${rule.nth} *)`;
    return `cron(${at} * * ? *)`;
}
