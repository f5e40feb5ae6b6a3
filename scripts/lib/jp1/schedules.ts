/**
 * JP1/AJS3 schedule rules and calendars, turned into the project's own (statemachines/scheduleRules.ts)
 * where the meaning is kept exactly, and reported where it is not. Pure: units in, rules and reports out.
 *
 * Sources: JP1/AJS3 Command Reference, "Jobnet definition" (schedule parameters sd, st, cy, sh, shd, ln,
 * sy, ey, wt, wc, cftd) and "Job group definition" (op, cl, sdd, md, stt); Operator's Guide, "Schedule
 * Rule dialog box" (the kinds of start day) and "Defining the monthly calendar information" (how a job
 * group's calendar falls back on its upper group's); Overview, "Defining a calendar for JP1/AJS3 operation".
 */

import { isDate, nthWord, weekdayNames, weekdayOf, weekdays } from "../../../handlers/scheduleRules";
import type { JobnetCalendar, OnClosedDay, RuleDays, ScheduleRule, Weekday } from "../../../statemachines/scheduleRules";
import { NotConverted, parameterNotConverted } from "./notConverted";
import type { Unit, UnitParameter } from "./unitDefinitions";

/** Schedule rule N of a jobnet: every parameter that made it, as written, and the rule it became (none when reported). */
export interface ImportedRule {
    number: number;
    raw: { name: string; value: string; line: number }[];
    rule?: ScheduleRule;
}

/**
 * The parameters of a schedule rule. Each may start with the rule number it belongs to (`st=2,09:00`);
 * without one it belongs to rule 1.
 */
const ruleParameterNames = ["sd", "st", "sy", "ey", "ln", "cy", "sh", "shd", "wt", "wc", "cftd"];

const jp1Weekdays: Record<string, Weekday> = { su: "sun", mo: "mon", tu: "tue", we: "wed", th: "thu", fr: "fri", sa: "sat" };

/** A rule parameter's rule number and the rest of its value: `2,09:00` is rule 2, `09:00`; `09:00` is rule 1. */
function splitRuleNumber(value: string): { number: number; rest: string } {
    const m = /^(\d{1,3}),(.*)$/.exec(value);
    return m ? { number: Number(m[1]), rest: m[2] } : { number: 1, rest: value };
}

function reportOf(unit: Unit) {
    return (p: UnitParameter, reason: string): NotConverted => parameterNotConverted(unit, p, reason);
}

/** The day part of `sd`, read; `undefined` when it is none of the forms of the Command Reference. */
type StartDay =
    | { kind: "registered" }
    | { kind: "undefined" }
    /** `dd` (a date, months from the 1st), `+dd` (days from the base day), `*dd` (open days from it), `@dd` (closed days from it). */
    | { kind: "day"; counting: "" | "+" | "*" | "@"; day: number; year?: number; month?: number }
    /** `b`: the month's last day (`*b` open, `@b` closed, `+b` from the base day); `b-DD`: DD days before it. */
    | { kind: "last"; counting: "" | "+" | "*" | "@"; before?: number; year?: number; month?: number }
    /** `su:n`: the nth Sunday of the month (`:b` the last), `+su:n` counted from the base day. */
    | { kind: "weekday"; relative: boolean; weekday: Weekday; nth?: 1 | 2 | 3 | 4 | 5 | "last"; year?: number; month?: number };

function readStartDay(text: string): StartDay | undefined {
    if (text === "en") return { kind: "registered" };
    if (text === "ud") return { kind: "undefined" };
    const m = /^(?:(?:(\d{4})\/)?(\d{1,2})\/)?(.+)$/.exec(text);
    if (!m) return undefined;
    const at = { ...(m[1] !== undefined ? { year: Number(m[1]) } : {}), ...(m[2] !== undefined ? { month: Number(m[2]) } : {}) };
    const day = m[3];
    let d = /^([+*@]?)(\d{1,2})$/.exec(day);
    if (d) return { kind: "day", counting: d[1] as "" | "+" | "*" | "@", day: Number(d[2]), ...at };
    d = /^([+*@]?)b(?:-(\d{1,2}))?$/.exec(day);
    if (d) return { kind: "last", counting: d[1] as "" | "+" | "*" | "@", ...(d[2] !== undefined ? { before: Number(d[2]) } : {}), ...at };
    d = /^(\+?)(su|mo|tu|we|th|fr|sa)(?::([1-5]|b))?$/.exec(day);
    if (d) return { kind: "weekday", relative: d[1] === "+", weekday: jp1Weekdays[d[2]], ...(d[3] !== undefined ? { nth: d[3] === "b" ? ("last" as const) : (Number(d[3]) as 1 | 2 | 3 | 4 | 5) } : {}), ...at };
    return undefined;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** yyyy/mm/dd as YYYY-MM-DD, when it is a day of the calendar. */
function validDate(year: number, month: number, day: number): string | undefined {
    const date = `${year}-${pad(month)}-${pad(day)}`;
    return isDate(date) ? date : undefined;
}

/** The kth `weekday` of a month, as YYYY-MM-DD (undefined when the month has fewer). */
function nthWeekday(year: number, month: number, weekday: Weekday, k: number): string | undefined {
    const first = new Date(Date.UTC(year, month - 1, 1)).getUTCDay();
    const target = weekdays.indexOf(weekday);
    const day = 1 + ((target - first + 7) % 7) + (k - 1) * 7;
    return validDate(year, month, day);
}

type Cycle = { every: number; unit: "y" | "m" | "w" | "d" };

/**
 * The days of a rule from its start day and processing cycle (`cy=(n,{y|m|w|d})`: the jobnet runs again
 * every n years, months, weeks or days from the start day; without `cy` it runs once). A start counted
 * in a month (`*dd`, `b`, `*b`) with a cycle of months is counted again in each month. A start without
 * a year and month is in the month the jobnet is registered for execution: such a rule is kept only when
 * its cycle is 1, where the registration month changes no day after the import.
 */
function ruleDays(start: Exclude<StartDay, { kind: "undefined" }>, cycle: Cycle | undefined): { days: RuleDays & { startsOn?: string } } | { reason: string } {
    const once = "no processing cycle (cy): the rule runs once; the project's rules repeat";
    if (start.kind === "registered") {
        if (cycle?.every === 1 && cycle.unit === "d") return { days: { every: "day" } };
        return { reason: `the rule starts on the day the jobnet is registered for execution${cycle ? ` and repeats every ${cycle.every}${cycle.unit}` : ""}, a day the import cannot know: ${cycle ? "only en with cy=(1,d), every day, is kept" : once}` };
    }
    if ("month" in start && start.month !== undefined && start.year === undefined) return { reason: "a start month without a year is in the year of registration for execution, which the import cannot know: write yyyy/mm/" };
    const ym = start.year !== undefined && start.month !== undefined ? { year: start.year, month: start.month } : undefined;
    const monthStart = ym ? validDate(ym.year, ym.month, 1) : undefined;
    if (ym && monthStart === undefined) return { reason: `${ym.year}/${ym.month} is not a month` };
    const startsOn = monthStart !== undefined ? { startsOn: monthStart } : {};
    const monthly = cycle?.every === 1 && cycle.unit === "m";
    const counted = (what: string) => `${what} from the job group's base day (sdd)`;
    if (start.kind === "day") {
        if (start.counting === "+" || start.counting === "@") return { reason: `no counterpart: ${counted(start.counting === "+" ? "days counted" : "closed days counted")}` };
        if (start.counting === "*") {
            if (!monthly) return { reason: `the nth open day of the month is kept with cy=(1,m) only, ${cycle ? `not cy=(${cycle.every},${cycle.unit})` : once}` };
            if (start.day > 23) return { reason: "no month has more than 23 open days the project counts: no counterpart" };
            return { days: { businessDayOfMonth: start.day, ...startsOn } };
        }
        if (!cycle) return { reason: once };
        if (!ym) {
            if (!monthly) return { reason: `a start day without a year and month is in the month of registration for execution; with cy=(${cycle.every},${cycle.unit}) the days depend on it` };
            if (start.day > 28) return { reason: `day ${start.day} with cy=(1,m): a month without it is moved by JP1/AJS3 in a way the project's rules do not follow; use b for month ends` };
            return { days: { dayOfMonth: start.day } };
        }
        const from = validDate(ym.year, ym.month, start.day);
        if (from === undefined) return { reason: `${ym.year}/${pad(ym.month)}/${pad(start.day)} is not a date` };
        if (cycle.unit === "d") return { days: { everyDays: cycle.every, from } };
        // Every week from a date is that day of the week from it: said so, it reads as the operator means it.
        if (cycle.unit === "w") return { days: cycle.every === 1 ? { weekdays: [weekdayOf(from)], startsOn: from } : { everyWeeks: cycle.every, from } };
        if (start.day > 28) return { reason: `day ${start.day} with cy=(${cycle.every},${cycle.unit}): a month without it is moved by JP1/AJS3 in a way the project's rules do not follow; use b for month ends` };
        return { days: { everyMonths: cycle.unit === "y" ? cycle.every * 12 : cycle.every, from } };
    }
    if (start.kind === "last") {
        if (start.counting === "+" || start.counting === "@") return { reason: `no counterpart: ${counted(start.counting === "+" ? "the last day of the month" : "the last closed day of the month")}` };
        if (start.before !== undefined) return { reason: `no counterpart: ${start.before} ${start.counting === "*" ? "open " : ""}days before the month's last${start.counting === "*" ? " open" : ""} day` };
        if (!monthly) return { reason: `the month's last ${start.counting === "*" ? "open " : ""}day is kept with cy=(1,m) only, ${cycle ? `not cy=(${cycle.every},${cycle.unit})` : once}` };
        return { days: start.counting === "*" ? { lastBusinessDayOfMonth: true, ...startsOn } : { lastDayOfMonth: true, ...startsOn } };
    }
    if (start.relative) return { reason: `no counterpart: ${counted("weeks counted")}` };
    if (start.nth === undefined) return { reason: "a day of the week without :n (which week of the month) is not read by the import: write su:1 for the first" };
    if (!cycle) return { reason: once };
    // su:n is read as the nth Sunday of the month (days 7n-6 to 7n), b as its last.
    if (monthly) {
        if (start.nth === 5) return { reason: `the 5th ${weekdayNames[start.weekday]} of every month: how JP1/AJS3 treats a month without one is not kept; write :b for the last` };
        return { days: { weekdayOfMonth: start.weekday, nth: start.nth, ...startsOn } };
    }
    if (cycle.unit !== "w") return { reason: `a day of the week is kept with cy=(1,m) or cy=(n,w), not cy=(${cycle.every},${cycle.unit})` };
    if (start.nth === "last") return { reason: `the last ${weekdayNames[start.weekday]} of a month, repeated by weeks, is not kept: write :1 to :5` };
    if (!ym) {
        if (cycle.every !== 1) return { reason: `every ${cycle.every} weeks from a day in the month of registration for execution: the weeks depend on it` };
        return { days: { weekdays: [start.weekday] } };
    }
    const from = nthWeekday(ym.year, ym.month, start.weekday, start.nth);
    if (from === undefined) return { reason: `${ym.year}/${pad(ym.month)} has no ${nthWord(start.nth)} ${weekdayNames[start.weekday]}` };
    return { days: cycle.every === 1 ? { weekdays: [start.weekday], startsOn: from } : { everyWeeks: cycle.every, from } };
}

/** Rules whose days are open days only never meet a closed day, so `sh`/`shd` change nothing for them. */
function meetsClosedDays(days: RuleDays): boolean {
    return !("every" in days && days.every === "business-day") && !("businessDayOfMonth" in days) && !("lastBusinessDayOfMonth" in days);
}

/** What `sh` makes of a run due on a closed day (`be` the open day before, `af` after, `ca` none); `no` (run on the closed day) has none. */
const substitutes: Record<string, OnClosedDay | undefined> = { be: "previous", af: "next", ca: "skip" };

function convertRule(jobnet: Unit, number: number, params: UnitParameter[], timeZone: string): { rule?: ScheduleRule; notConverted: NotConverted[] } {
    const report = reportOf(jobnet);
    const notConverted: NotConverted[] = [];
    const one = (name: string) => params.find((p) => p.name === name);
    const rest = (p: UnitParameter) => splitRuleNumber(p.value).rest;
    const sd = one("sd")!;
    const start = readStartDay(rest(sd));
    if (start === undefined) return { notConverted: [report(sd, "not a start date of the Command Reference's forms")] };
    if (start.kind === "undefined") return { notConverted: [] };

    let cycle: Cycle | undefined;
    const cy = one("cy");
    if (cy) {
        const m = /^\((\d{1,3}),([ymwd])\)$/.exec(rest(cy));
        if (m && Number(m[1]) >= 1) cycle = { every: Number(m[1]), unit: m[2] as Cycle["unit"] };
        else notConverted.push(report(cy, "not a processing cycle (n,{y|m|w|d})"));
    }
    const days = ruleDays(start, cycle);
    if ("reason" in days) notConverted.push(report(sd, days.reason));

    // st=[N,][+]hh:mm: the time of the run on its day; hh may reach 47 (the next day), `+` is for a nested jobnet.
    let at: string | undefined;
    const st = one("st");
    if (!st) notConverted.push(report(sd, `rule ${number} has no start time (st): the import does not assume one`));
    else {
        const m = /^(\+?)(\d{1,2}):(\d{2})$/.exec(rest(st));
        if (!m || Number(m[3]) > 59) notConverted.push(report(st, "not a start time [+]hh:mm"));
        else if (m[1] === "+") notConverted.push(report(st, "a start time relative to the upper jobnet's is for a nested jobnet: no counterpart in a root jobnet"));
        else if (Number(m[2]) > 23) notConverted.push(report(st, `${m[2]}:${m[3]} is on the next day of the rule's day: no counterpart (write the rule for the next day)`));
        else at = `${pad(Number(m[2]))}:${m[3]}`;
    }

    // sh/shd: a run due on a closed day moves to the open day before (be) or after (af), within shd days; ca drops it; no runs it on the closed day.
    let onClosedDay: OnClosedDay | undefined;
    let maxShiftDays: number | undefined;
    const sh = one("sh");
    const shd = one("shd");
    if ("days" in days && meetsClosedDays(days.days)) {
        if (!sh) notConverted.push(report(sd, `rule ${number} has no substitute method (sh) for a closed day: the import does not assume one; write sh=be, af, ca or no`));
        else {
            onClosedDay = substitutes[rest(sh)];
            if (onClosedDay === undefined) notConverted.push(report(sh, rest(sh) === "no" ? "no counterpart: the project's rules never run on a closed day; give the jobnet a calendar on which that day is open" : "not a substitute method {be|af|ca|no}"));
        }
        if (onClosedDay === "previous" || onClosedDay === "next") {
            const n = shd ? Number(rest(shd)) : NaN;
            if (!shd) notConverted.push(report(sh!, `rule ${number} moves a closed day's run but has no shift days (shd): the import does not assume how far; write shd=n`));
            else if (!(Number.isInteger(n) && n >= 1 && n <= 31)) notConverted.push(report(shd, "not a number of shift days from 1 to 31"));
            else maxShiftDays = n;
        }
    }

    // cftd (a schedule counted from the start day) and ln (a nested jobnet's link) change the days: the rule is not kept.
    for (const p of params) {
        if (p.name === "cftd" && rest(p) !== "no") notConverted.push(report(p, "no counterpart: a schedule counted in days from the start day (cftd)"));
        if (p.name === "ln") notConverted.push(report(p, "a linked rule (ln) belongs to a nested jobnet: a root jobnet has no upper rule"));
    }
    // sy/ey (start and end delay monitoring) and wt/wc (how long a start condition is watched) change no day: reported beside the rule.
    const beside = params.flatMap((p) => {
        const value = rest(p);
        if (p.name === "sy" || p.name === "ey") return [report(p, `no counterpart: ${p.name === "sy" ? "start" : "end"} delay monitoring of a jobnet is not kept by the import (the rule is)`)];
        if ((p.name === "wt" || p.name === "wc") && value !== "no" && value !== "un") return [report(p, "no counterpart here: how long a start condition is watched belongs to the start condition, not the schedule (the rule is kept)")];
        return [];
    });

    if (notConverted.length > 0 || !("days" in days) || at === undefined) return { notConverted: [...notConverted, ...beside] };
    let { startsOn, ...onlyDays } = days.days;
    // Every day, skipped when closed, is every open day: said so, it reads as the operator means it.
    if (onClosedDay === "skip" && (("every" in onlyDays && onlyDays.every === "day") || ("everyDays" in onlyDays && onlyDays.everyDays === 1))) {
        if ("from" in onlyDays) startsOn = onlyDays.from;
        onlyDays = { every: "business-day" };
    }
    return {
        rule: {
            ...onlyDays,
            at,
            timeZone,
            ...(onClosedDay !== undefined && onClosedDay !== "skip" ? { onClosedDay } : {}),
            ...(maxShiftDays !== undefined && maxShiftDays !== 31 ? { maxShiftDays } : {}),
            ...(startsOn !== undefined ? { startsOn } : {}),
        } as ScheduleRule,
        notConverted: beside,
    };
}

/**
 * A root jobnet's schedule rules (`sd=N,...` and the parameters of rule N), each as the project's rule
 * where its meaning is kept exactly, else reported. No `sd`, or `sd=0,ud` (schedule undefined): no rules.
 */
export function jobnetScheduleRules(jobnet: Unit, timeZone: string): { rules: ImportedRule[]; notConverted: NotConverted[] } {
    const byRule = new Map<number, UnitParameter[]>();
    for (const p of jobnet.parameters) {
        if (!ruleParameterNames.includes(p.name)) continue;
        const { number } = splitRuleNumber(p.value);
        byRule.set(number, [...(byRule.get(number) ?? []), p]);
    }
    if ((byRule.get(0) ?? []).some((p) => p.name === "sd" && splitRuleNumber(p.value).rest === "ud")) return { rules: [], notConverted: [] };
    const rules: ImportedRule[] = [];
    const report = reportOf(jobnet);
    // ed=yyyy/mm/dd: the last day the rules are valid; the project's rules have no end.
    const notConverted: NotConverted[] = jobnet.parameters.filter((p) => p.name === "ed").map((p) => report(p, "no counterpart: the rules' valid term ends on this day; the imported rules do not end (the rules are kept)"));
    for (const number of [...byRule.keys()].sort((a, b) => a - b)) {
        const params = byRule.get(number)!;
        const sd = params.filter((p) => p.name === "sd");
        if (sd.length === 0) {
            notConverted.push(...params.map((p) => report(p, `no sd=${number},... defines rule ${number}`)));
            continue;
        }
        if (sd.length > 1) {
            notConverted.push(...sd.slice(1).map((p) => report(p, `rule ${number} has a start date (sd) already, on line ${sd[0].line}`)));
            continue;
        }
        if (splitRuleNumber(sd[0].value).rest === "ud") continue;
        const converted = convertRule(jobnet, number, params, timeZone);
        rules.push({ number, raw: params.map(({ name, value, line }) => ({ name, value, line })), ...(converted.rule ? { rule: converted.rule } : {}) });
        notConverted.push(...converted.notConverted);
    }
    return { rules, notConverted };
}

/**
 * A nested jobnet (a jobnet inside a jobnet) runs as a step of its parent, when the parent runs: what
 * JP1/AJS3 lets it do on its own is reported. Without `sd` (or `sd=0,ud`) it depends on the upper jobnet.
 * A rule of its own is linked to a rule of the parent (`ln`); one that starts with the parent's run
 * (`sd=en`, and `st=+00:00` or no `st`) is kept as running with the parent; a start delayed from the
 * parent's (`st=+hh:mm`), a start of its own, or any other rule parameter has no counterpart.
 */
export function nestedJobnetSchedule(jobnet: Unit): NotConverted[] {
    const report = reportOf(jobnet);
    const params = jobnet.parameters.filter((p) => ruleParameterNames.includes(p.name) || p.name === "ed");
    if (params.some((p) => p.name === "sd" && p.value === "0,ud")) return [];
    const notConverted: NotConverted[] = [];
    for (const p of params) {
        const value = splitRuleNumber(p.value).rest;
        if (p.name === "sd" && (value === "en" || value === "ud")) continue;
        if (p.name === "ln") continue;
        if (p.name === "st" && /^\+0{1,2}:00$/.test(value)) continue;
        if (p.name === "sd") notConverted.push(report(p, "a nested jobnet runs when its parent runs: a start day of its own has no counterpart"));
        else if (p.name === "st") notConverted.push(report(p, /^\+/.test(value) ? "no counterpart: a nested jobnet starts when its turn in the parent comes, not after a delay" : "no counterpart: a nested jobnet starts when its turn in the parent comes, not at a time of its own"));
        else notConverted.push(report(p, "no counterpart: a nested jobnet runs as a step of its parent, with the parent's schedule"));
    }
    return notConverted;
}

/**
 * A jobnet's calendar from its job groups (outermost first): each group's open (`op`) and closed (`cl`)
 * days, as dates (yyyy/mm/dd) or days of the week. A day a group does not define falls back on the
 * upper group's; within a group a date outweighs a day of the week; a day no group defines is open.
 * JP1/AJS3 knows no national holidays (only the days defined), so the calendar is `country: "none"`.
 * A base day (`sdd`), base month (`md`) or base time (`stt`) other than the default (the 1st, this
 * month, 00:00) moves the days of rules counted from them: the project's rules have none, so it is reported.
 */
export function jobnetCalendar(groups: Unit[]): { calendar: JobnetCalendar; notConverted: NotConverted[] } {
    const notConverted: NotConverted[] = [];
    type Defined = { weekdays: Map<Weekday, boolean>; dates: Map<string, boolean> };
    const defined: Defined[] = [];
    for (const group of groups) {
        const report = reportOf(group);
        const own: Defined = { weekdays: new Map(), dates: new Map() };
        for (const p of group.parameters) {
            if (p.name === "op" || p.name === "cl") {
                const open = p.name === "op";
                const date = /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/.exec(p.value);
                const valid = date ? validDate(Number(date[1]), Number(date[2]), Number(date[3])) : undefined;
                if (jp1Weekdays[p.value]) own.weekdays.set(jp1Weekdays[p.value], open);
                else if (valid) own.dates.set(valid, open);
                else notConverted.push(report(p, `not ${open ? "an open" : "a closed"} day (yyyy/mm/dd or su ... sa)`));
            }
            if (p.name === "sdd" && !/^0?1$/.test(p.value)) notConverted.push(report(p, "no counterpart: the project's months begin on the 1st; rules counted from a base day other than the 1st would fall on other days"));
            if (p.name === "md" && p.value !== "th") notConverted.push(report(p, "no counterpart: the project counts a month from its own 1st, not from a base day in the month before"));
            if (p.name === "stt" && !/^0?0:00$/.test(p.value)) notConverted.push(report(p, `no counterpart: the project's days begin at 00:00; a run before ${p.value} belongs to the day before in JP1/AJS3`));
        }
        defined.push(own);
    }
    const innermostFirst = [...defined].reverse();
    const weekdayOpen = (w: Weekday) => innermostFirst.find((d) => d.weekdays.has(w))?.weekdays.get(w) ?? true;
    const closedWeekdays = weekdays.filter((w) => !weekdayOpen(w));
    const closedDates: string[] = [];
    const openDates: string[] = [];
    const dates = [...new Set(defined.flatMap((d) => [...d.dates.keys()]))].sort();
    for (const date of dates) {
        const weekday = weekdayOf(date);
        // The innermost group that defines the day decides: by its date, else by its day of the week.
        const decider = innermostFirst.find((d) => d.dates.has(date) || d.weekdays.has(weekday))!;
        if (!decider.dates.has(date)) continue;
        (decider.dates.get(date) ? openDates : closedDates).push(date);
    }
    return {
        calendar: { country: "none", ...(closedWeekdays.length > 0 ? { closedWeekdays } : {}), ...(closedDates.length > 0 ? { closedDates } : {}), ...(openDates.length > 0 ? { openDates } : {}) },
        notConverted,
    };
}
