import { judgeDay, nationalHoliday } from "../../../handlers/calendar";
import { addDays, planRuns } from "../../../handlers/scheduleRules";
import { PlanFacts, scheduledJobnets } from "./plan";

/**
 * `npm run ops -- plan --html FILE`: the plan as a month calendar page (JP1/AJS3's monthly schedule),
 * a grid of weeks in the stack's time zone, each day with the runs due and, closed, why. The runs are
 * the plan's (planRuns), the closed days the stack's calendar (judgeDay): the same as the text plan.
 */

export interface MonthRun {
    /** HH:MM on the stack's clock. */
    time: string;
    jobnet: string;
    /** The rule in words (describeRule). */
    rule: string;
    /** The closed days this run stands for (a substitute run), earliest first; none for a run on its own day. */
    standsFor: string[];
    /** Why it is due (ruleDue's reason). */
    reason: string;
}

export interface MonthDay {
    date: string;
    /** 1 to 31. */
    day: number;
    /** Closed on the stack's calendar: the short reason ("closed date", "weekly closed day", or the holiday's name); undefined when open. */
    closed?: string;
    /** The national holiday on the day, where the calendar's country has one (also on an open date that overrides it). */
    holiday?: string;
    runs: MonthRun[];
}

export interface MonthView {
    /** YYYY-MM. */
    month: string;
    /** Weeks from Sunday to Saturday; days of the other months are null. */
    weeks: (MonthDay | null)[][];
}

const monthNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const weekdayHeads = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/** The number of days of a month YYYY-MM. */
export function monthLength(month: string): number {
    const [year, m] = month.split("-").map(Number);
    return new Date(Date.UTC(year, m, 0)).getUTCDate();
}

/** The months (YYYY-MM) that the days from `from` on, `days` of them, touch. */
export function monthsOf(from: string, days: number): string[] {
    const months: string[] = [];
    for (let d = from; d <= addDays(from, days - 1); d = addDays(d, 1)) if (!months.includes(d.slice(0, 7))) months.push(d.slice(0, 7));
    return months;
}

/** The closed day's reason as a cell shows it: the holiday's name, or what closed it. */
function closedLabel(reason: string, holiday: string | undefined): string {
    if (reason.includes("calendar.closedDates")) return "closed date";
    if (reason.includes("closed every week")) return holiday ?? "weekly closed day";
    return holiday ?? reason;
}

/** A month of the plan: each day's runs, in the stack's time zone, and its closed days. */
export function monthView(f: Omit<PlanFacts, "from" | "days">, month: string): MonthView {
    const first = `${month}-01`;
    const length = monthLength(month);
    const runs = planRuns(scheduledJobnets(f), first, length, f.timeZone);
    const days: MonthDay[] = [];
    for (let i = 0; i < length; i++) {
        const date = addDays(first, i);
        const verdict = judgeDay(date, { ...f.calendar, timeZone: f.timeZone });
        const holiday = f.calendar.country === "none" ? undefined : nationalHoliday(f.calendar.country, date);
        days.push({
            date,
            day: i + 1,
            ...(verdict.open ? {} : { closed: closedLabel(verdict.reason, holiday) }),
            ...(holiday === undefined ? {} : { holiday }),
            runs: runs
                .filter((r) => r.local.startsWith(date))
                .map((r) => ({ time: r.local.slice(11), jobnet: r.jobnet, rule: r.describe, standsFor: /open day for (\d{4}-\d{2}-\d{2}(?:, \d{4}-\d{2}-\d{2})*)/.exec(r.reason)?.[1].split(", ") ?? [], reason: r.reason })),
        });
    }
    const lead = new Date(`${first}T00:00:00Z`).getUTCDay();
    const cells: (MonthDay | null)[] = [...Array<null>(lead).fill(null), ...days];
    while (cells.length % 7 !== 0) cells.push(null);
    const weeks: (MonthDay | null)[][] = [];
    for (let i = 0; i < cells.length; i += 7) weeks.push(cells.slice(i, i + 7));
    return { month, weeks };
}

function escapeHtml(text: string): string {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** One day's cell: its number, its holiday or closed mark, then each run (time, jobnet, rule; a substitute names the day it stands for). */
export function dayCell(d: MonthDay | null): string {
    if (d === null) return '<td class="other"></td>';
    const mark = d.closed !== undefined ? `<div class="closed">${escapeHtml(d.closed === d.holiday ? d.closed : d.holiday === undefined ? d.closed : `${d.closed}: ${d.holiday}`)}</div>` : d.holiday !== undefined ? `<div class="holiday">${escapeHtml(d.holiday)} (open)</div>` : "";
    const runs = d.runs.map((r) => `<li title="${escapeHtml(r.reason)}"><time>${r.time}</time> <b>${escapeHtml(r.jobnet)}</b> <span class="rule">${escapeHtml(r.rule)}${r.standsFor.length > 0 ? `; for ${r.standsFor.join(", ")}` : ""}</span></li>`).join("");
    return `<td id="d${d.date}" class="${d.closed !== undefined ? "day closed-day" : "day"}"><div class="date">${d.day}</div>${mark}${runs === "" ? "" : `<ul>${runs}</ul>`}</td>`;
}

/** The page: a heading, then each month as a table of weeks. Cells are of fixed width; long words wrap inside them. */
export function planMonthHtml(f: Omit<PlanFacts, "from" | "days">, months: string[]): string {
    const title = `Runs due of the ${f.stack} jobnets, ${months.length === 1 ? months[0] : `${months[0]} to ${months[months.length - 1]}`} (${f.timeZone})`;
    const own = scheduledJobnets(f).filter((s) => f.jobnets.find((d) => d.name === s.jobnet)?.calendar).map((s) => s.jobnet);
    const paused = f.jobnets.filter((d) => (d.schedules ?? []).length > 0 && (f.paused ?? []).includes(d.name)).map((d) => d.name);
    const notes = [
        "Each run with its time on the stack's clock, its jobnet and its rule; a run moved off a closed day names the day it stands for. Closed days (grey) are the stack's calendar.",
        ...(own.length > 0 ? [`On a calendar of their own: ${own.join(", ")}.`] : []),
        ...(paused.length > 0 ? [`Schedule rules paused on this stack: ${paused.join(", ")}.`] : []),
    ];
    const tables = months.map((month) => {
        const view = monthView(f, month);
        const [year, m] = month.split("-").map(Number);
        return [
            `<table id="m${month}"><caption>${monthNames[m - 1]} ${year}</caption>`,
            `<thead><tr>${weekdayHeads.map((w) => `<th>${w}</th>`).join("")}</tr></thead><tbody>`,
            ...view.weeks.map((week) => `<tr>${week.map(dayCell).join("")}</tr>`),
            "</tbody></table>",
        ].join("\n");
    });
    return [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        `<title>${escapeHtml(title)}</title>`,
        "<style>body{font-family:Helvetica,Arial,sans-serif;margin:16px;color:#222}h1{font-size:18px}" +
            "table{table-layout:fixed;width:100%;border-collapse:collapse;margin:16px 0}caption{font-weight:bold;text-align:left;padding:4px 0}" +
            "th{background:#eee;padding:4px}td{border:1px solid #ccc;vertical-align:top;height:96px;padding:4px;overflow-wrap:anywhere;font-size:12px}" +
            "td.other{background:#fafafa}td.closed-day{background:#e4e4e4}.date{font-weight:bold}.closed{color:#a33}.holiday{color:#a33}" +
            "ul{list-style:none;margin:4px 0 0;padding:0}li{margin:2px 0}.rule{color:#555}</style>",
        "</head><body>",
        `<h1>${escapeHtml(title)}</h1>`,
        ...notes.map((n) => `<p>${escapeHtml(n)}</p>`),
        ...tables,
        "</body></html>",
        "",
    ].join("\n");
}
