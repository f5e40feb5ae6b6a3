import { describeStartCondition } from "../../../statemachines/startConditions";
import * as fs from "fs";
import * as path from "path";
import { CalendarSettings, calendarDate, judgeDay } from "../../../handlers/calendar";
import { PlannedRun, ScheduledJobnet, addDays, planRuns, ruleCalendarOf } from "../../../handlers/scheduleRules";
import { ProjectFileReader, parseConfig } from "../../../infra/config";
import { JobnetDefinition } from "../../../statemachines/jobs";
import { teamJobnets } from "../../../jobnets";
import { stackConfig } from "../stackConfig";

/**
 * `npm run ops -- plan`: the runs the team's jobnets are due to start on some days, by their schedule
 * rules (JP1/AJS3's daily schedule), from the stack file alone: no pulumi CLI, no AWS. The runs are
 * those handlers/scheduleRules.ts decides, the same function a scheduled run asks at run time.
 */

export interface PlanFacts {
    stack: string;
    /** The stack's time zone (`schedules.timezone`): the plan's days and times are on its clock. */
    timeZone: string;
    /** The stack's calendar (`calendar`): the rules of a jobnet without a calendar of its own are judged by it. */
    calendar: Omit<CalendarSettings, "timeZone">;
    /** The team's jobnets the stack deploys. */
    jobnets: JobnetDefinition[];
    /** Those whose rules the stack pauses (`jobnetSchedules.<jobnet>.enabled` false): no runs are due. */
    paused?: string[];
    from: string;
    days: number;
}

/** What the stack file says the plan needs: its time zone, its calendar, the team's jobnets it deploys. */
export function readPlanFacts(stack: string, projectDir: string, definitions: JobnetDefinition[] = teamJobnets, configOverrides: Record<string, string | undefined> = {}): Omit<PlanFacts, "from" | "days"> {
    const readProjectFile: ProjectFileReader = (relativePath) => {
        const file = path.resolve(projectDir, relativePath);
        return fs.existsSync(file) && fs.statSync(file).isFile() ? fs.readFileSync(file, "utf8") : undefined;
    };
    // As runProgram applies them: an override replaces the file's value, undefined removes it.
    const values: Record<string, string | undefined> = { ...stackConfig(stack, projectDir), ...configOverrides };
    for (const [key, value] of Object.entries(values)) if (value === undefined) delete values[key];
    const config = parseConfig(values as Record<string, string>, readProjectFile, definitions);
    const { timeZone, ...calendar } = config.operations.calendar;
    return { stack, timeZone, calendar, jobnets: config.teamJobnets.deployed, paused: config.teamJobnets.schedulesPaused };
}

const weekdayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/** The jobnets whose rules the stack deploys running (not paused), each with the calendar its rules are judged by: its own, or the stack's. */
export function scheduledJobnets(f: Pick<PlanFacts, "jobnets" | "paused" | "calendar">): ScheduledJobnet[] {
    return f.jobnets
        .filter((d) => (d.schedules ?? []).length > 0 && !(f.paused ?? []).includes(d.name))
        .map((d) => ({ jobnet: d.name, schedules: d.schedules!, calendar: d.calendar ? ruleCalendarOf(d.calendar) : f.calendar }));
}

/** How far ahead a jobnet's next run is looked for: a year and a day, the longest a rule's cycle can be (every 12 months, a substitute 31 days on). */
export const nextRunHorizonDays = 366 + 31;

/**
 * The first run of a jobnet's rules after `now` (by planRuns, the decision a scheduled run asks at
 * run time), or none within nextRunHorizonDays. Days are counted on `timeZone`'s clock.
 */
export function nextPlannedRun(jobnet: ScheduledJobnet, now: Date, timeZone: string): PlannedRun | undefined {
    return planRuns([jobnet], calendarDate(now, timeZone), nextRunHorizonDays, timeZone).find((r) => r.at.getTime() > now.getTime());
}

/** The plan as text: a heading, then each day with its runs (time, jobnet, rule, why), then the jobnets that have no rules. */
export function planReport(f: PlanFacts): string {
    const scheduled = scheduledJobnets(f);
    const runs = planRuns(scheduled, f.from, f.days, f.timeZone);
    const last = addDays(f.from, f.days - 1);
    const lines = [`Runs due of the ${f.stack} jobnets, ${f.from}${f.days > 1 ? ` to ${last}` : ""} (${f.timeZone}), by their schedule rules:`];
    const nameWidth = Math.max(0, ...runs.map((r) => r.jobnet.length));
    const byDay = new Map<string, PlannedRun[]>();
    for (const r of runs) byDay.set(r.local.slice(0, 10), [...(byDay.get(r.local.slice(0, 10)) ?? []), r]);
    for (let day = f.from; day <= last; day = addDays(day, 1)) {
        const verdict = judgeDay(day, { ...f.calendar, timeZone: f.timeZone });
        lines.push("", `${day} ${weekdayNames[new Date(`${day}T00:00:00Z`).getUTCDay()]}${verdict.open ? "" : `  closed: ${verdict.reason.replace(`${day} is `, "")}`}`);
        const due = byDay.get(day) ?? [];
        if (due.length === 0) lines.push("  no runs");
        for (const r of due) {
            // The day's heading is the stack's calendar: a run on a day it closes is on a calendar of the jobnet's own.
            const own = !verdict.open && f.jobnets.find((d) => d.name === r.jobnet)?.calendar ? "; open on its own calendar" : "";
            lines.push(`  ${r.local.slice(11)}  ${r.jobnet.padEnd(nameWidth)}  ${r.describe}${r.reason.includes("open day for") || r.reason.includes("same run") ? ` (${r.reason})` : ""}${own}`);
        }
    }
    // A jobnet with start conditions runs when they happen, any day: not a plan's run.
    const started = f.jobnets.filter((d) => (d.schedules ?? []).length === 0 && (d.startOn ?? []).length > 0);
    if (started.length > 0) lines.push("", `Started by their start conditions, any day: ${started.map((d) => `${d.name} (when ${(d.startOn ?? []).map(describeStartCondition).join("; or ")})`).join(", ")}`);
    const unscheduled = f.jobnets.filter((d) => (d.schedules ?? []).length === 0 && (d.startOn ?? []).length === 0).map((d) => d.name);
    if (unscheduled.length > 0) lines.push("", `No schedule rules (started by hand or by another jobnet): ${unscheduled.join(", ")}`);
    const paused = f.jobnets.filter((d) => (d.schedules ?? []).length > 0 && (f.paused ?? []).includes(d.name)).map((d) => d.name);
    if (paused.length > 0) lines.push("", `Schedule rules paused on this stack (jobnetSchedules.<jobnet>.enabled false): ${paused.join(", ")}`);
    if (f.jobnets.length === 0) lines.push("", `Stack ${f.stack} deploys none of the team's jobnets.`);
    const own = scheduled.filter((s) => f.jobnets.find((d) => d.name === s.jobnet)?.calendar).map((s) => s.jobnet);
    if (own.length > 0) lines.push("", `On a calendar of their own: ${own.join(", ")}; the closed days above are the stack's.`);
    return lines.join("\n") + "\n";
}
