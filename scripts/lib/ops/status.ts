import { CalendarSettings, judgeDay } from "../../../handlers/calendar";
import { formatSeconds } from "../../../handlers/notifier";
import { nextRuns, parseCron } from "../../../infra/cron";
import { table } from "../../../simulator/timeline";
import { describeRule, ruleCalendarOf, wallClock } from "../../../handlers/scheduleRules";
import { nextPlannedRun, nextRunHorizonDays } from "./plan";
import { teamJobnets } from "../../../jobnets";
import { Jobnet, RunRow } from "./runs";

export interface StatusFacts {
    stack: string;
    now: Date;
    /** The jobnets shown, stop and start first, then the team's; all the stack deploys unless one was asked for. */
    jobnets?: Jobnet[];
    /** The newest runs of those jobnets, newest first. */
    runs: RunRow[];
    schedules: Partial<Record<Jobnet, { expression: string; timeZone: string; enabled: boolean }>>;
    /** The stack's calendar; none for a stack deployed before it exported one. */
    calendar: Omit<CalendarSettings, "timeZone"> | undefined;
    /** What the run watcher judges by (stack output `monitoring`); a team's jobnet missing from it (a stack not updated since) has no expected duration shown. */
    monitoring: { expectedSeconds: Record<Jobnet, number>; startDelaySeconds: number };
    /** The team's jobnets whose rules the stack file pauses (`jobnetSchedules.<jobnet>.enabled` false): no next run. */
    pausedRules?: string[];
}

/** The jobnets shown whose schedule is a cron expression: stop and start (the team's have schedule rules, the plan's to show). */
function scheduledJobnets(f: StatusFacts): Jobnet[] {
    return (f.jobnets ?? ["stop", "start"]).filter((j) => j === "stop" || j === "start");
}

/**
 * A team jobnet's next run by its schedule rules (jobnets/) and the rule making it, on the rule's
 * clock: the run the plan lists first after now (nextPlannedRun), judged by the jobnet's own calendar
 * or the stack's; a run moved off a closed day says which. Or why there is none, or how to run one.
 */
export function teamScheduleLine(jobnet: string, f: Pick<StatusFacts, "now" | "calendar" | "pausedRules">): string {
    const definition = teamJobnets.find((d) => d.name === jobnet);
    const rules = definition?.schedules ?? [];
    if (rules.length === 0) return `no schedule rules (run it by hand: npm run ops -- run ${jobnet})`;
    const described = rules.map(describeRule).join("; ");
    if ((f.pausedRules ?? []).includes(jobnet)) return `${described}, paused on this stack (jobnetSchedules.${jobnet}.enabled false)`;
    const calendar = definition!.calendar ? ruleCalendarOf(definition!.calendar) : { country: "none", closedDates: [], openDates: [], ...f.calendar };
    const next = nextPlannedRun({ jobnet, schedules: rules, calendar }, f.now, "UTC");
    if (!next) return `${described}: no run due within ${nextRunHorizonDays} days`;
    const rule = rules[next.rule];
    const moved = next.reason.includes("open day for") ? `; ${next.reason}` : "";
    return `${wallClock(next.at, rule.timeZone)} ${rule.timeZone}, by ${rules.length > 1 ? `rule ${next.rule + 1}: ` : ""}${next.describe}${moved} (each day's runs: npm run ops -- plan)`;
}

/** Defaults of a stack deployed before it exported its monitoring settings (infra/config.ts). */
export const defaultMonitoring: StatusFacts["monitoring"] = { expectedSeconds: { stop: 900, start: 720 }, startDelaySeconds: 600 };

/** Whether a day is closed on the stack's calendar, judged in a schedule's time zone (none known: every day is open). */
function closedDay(f: StatusFacts, timeZone: string): (date: string) => boolean {
    const calendar: CalendarSettings = { country: "none", closedDates: [], openDates: [], ...f.calendar, timeZone };
    return (date) => !judgeDay(date, calendar).open;
}

/** A duration against the expected one: "10m 4s of 15m", "17m 2s, 2m 2s over 15m". */
export function againstExpected(seconds: number, expected: number | undefined): string {
    if (expected === undefined) return formatSeconds(seconds);
    return seconds > expected ? `${formatSeconds(seconds)}, ${formatSeconds(seconds - expected)} over ${formatSeconds(expected)}` : `${formatSeconds(seconds)} of ${formatSeconds(expected)}`;
}

/**
 * The delays in progress, as the run watcher would tell them now: runs still running past their
 * expected duration, and each jobnet's latest scheduled time, startDelay ago or more (within a
 * day), that no run started for. Closed days of the calendar have no scheduled time.
 */
export function delaysInProgress(f: StatusFacts): string[] {
    const now = f.now.getTime();
    const delays: string[] = [];
    for (const r of f.runs.filter((run) => run.status === "RUNNING")) {
        const running = (now - r.startDate.getTime()) / 1000;
        const expected = f.monitoring.expectedSeconds[r.jobnet];
        if (expected !== undefined && running > expected) delays.push(`${r.jobnet} run ${r.name} has been running for ${againstExpected(running, expected)}`);
    }
    for (const jobnet of scheduledJobnets(f)) {
        const s = f.schedules[jobnet];
        if (!s?.enabled) continue;
        const due = nextRuns(parseCron(s.expression), s.timeZone, new Date(now - 86_400_000), 50, closedDay(f, s.timeZone), 2)
            .filter((at) => at.getTime() + f.monitoring.startDelaySeconds * 1000 <= now);
        const latest = due[due.length - 1];
        if (latest && !f.runs.some((r) => r.jobnet === jobnet && r.scheduledTime !== undefined && Date.parse(r.scheduledTime) === latest.getTime())) {
            delays.push(`${jobnet} did not start at its scheduled time ${latest.toISOString().slice(0, 16).replace("T", " ")} UTC`);
        }
    }
    return delays;
}

/** `npm run ops -- status`, as text: the last runs against their expected duration, the next scheduled runs, the delays in progress. */
export function statusReport(f: StatusFacts): string {
    const lines: string[] = [`Recent runs of the ${f.stack} jobnets:`];
    if (f.runs.length === 0) lines.push("  none yet");
    else {
        lines.push(table(
            ["jobnet", "run", "trigger", "status", "started (UTC)", "duration (of expected)"],
            f.runs.map((r) => {
                const expected = f.monitoring.expectedSeconds[r.jobnet];
                const seconds = r.durationSeconds ?? (f.now.getTime() - r.startDate.getTime()) / 1000;
                const duration = r.trigger === "skipped" ? formatSeconds(seconds) : againstExpected(seconds, expected);
                return [r.jobnet, r.name, r.trigger, r.status, r.startDate.toISOString().slice(0, 16).replace("T", " "), r.durationSeconds === undefined ? `running, ${duration}` : duration];
            }),
        ));
    }
    lines.push("", "Next scheduled runs:");
    if (!f.calendar) lines.push("  (this stack was deployed before it exported its calendar: closed days are not skipped below; run npm run ops -- up)");
    for (const jobnet of f.jobnets ?? ["stop", "start"]) {
        const s = scheduledJobnets(f).includes(jobnet) ? f.schedules[jobnet] : undefined;
        if (!["stop", "start"].includes(jobnet)) lines.push(`  ${jobnet}: ${teamScheduleLine(jobnet, f)}`);
        else if (!s) lines.push(`  ${jobnet}: no schedule`);
        else if (!s.enabled) lines.push(`  ${jobnet}: ${s.expression} (${s.timeZone}), disabled`);
        else {
            const [next] = nextRuns(parseCron(s.expression), s.timeZone, f.now, 1, closedDay(f, s.timeZone));
            const local = next ? new Intl.DateTimeFormat("en-CA", { timeZone: s.timeZone, dateStyle: "short", timeStyle: "short", hourCycle: "h23" }).format(next) : "none within two years";
            lines.push(`  ${jobnet}: ${local} ${s.timeZone}  (${s.expression}, closed calendar days skipped)`);
        }
    }
    const delays = delaysInProgress(f);
    lines.push("", "Delays in progress:", ...(delays.length === 0 ? ["  none"] : delays.map((d) => `  ${d}`)));
    return lines.join("\n") + "\n";
}
