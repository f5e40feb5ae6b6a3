import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeExecutionCommand, ExecutionListItem, HistoryEvent, ListExecutionsCommand, SFNClient } from "@aws-sdk/client-sfn";
import { nextRuns, parseCron } from "../infra/cron";
import { CalendarSettings, calendarDate, judgeDay } from "./calendar";
import { RuleCalendar, addDays, ruleDue, zonedInstant } from "./scheduleRules";
import type { ScheduleRule } from "../statemachines/scheduleRules";
import { Alert, sendAlert } from "./alerts";
import { scheduledTimeOf } from "./scheduledRuns";
import { executionConsoleUrl, formatSeconds } from "./notifier";
import { readExecutionHistory } from "./executionHistory";
import { LambdaContext } from "./lambdaContext";
import { readRun } from "./jobRecord";
import { jobEndDelayAlert, lateJobs } from "./jobEndDelay";

/** What the watcher is told of one jobnet (stop, start or a team's): its state machine, how long a run should take, its schedule. */
export interface WatchedJobnet {
    jobnet: string;
    stateMachineArn: string;
    expectedSeconds: number;
    /** As configured; a schedule disabled in config has no start to miss. */
    schedule?: { expression: string; timeZone: string; enabled: boolean };
    /**
     * A team jobnet's schedule rules (jobnets/), in place of a schedule: a run is due when `ruleDue`
     * says so, judged by the jobnet's own calendar or, without one, the stack's. Paused
     * (`jobnetSchedules.<jobnet>.enabled` false): no start to miss.
     */
    rules?: { schedules: ScheduleRule[]; calendar?: RuleCalendar; enabled: boolean };
    /**
     * A team jobnet's jobs that say how long they should take (`expectedMinutes`), in seconds by job,
     * and the table of its runs' records (the run lock's): a job running past it is told once.
     */
    jobs?: { tableName: string; expectedSeconds: Record<string, number> };
}

/** The watcher's input, sent by its own schedule every `periodSeconds` with the time it was due. */
export interface WatchEvent {
    /** When this look was due (EventBridge Scheduler's scheduled time). */
    tick: string;
    stack: string;
    jobnets: WatchedJobnet[];
    startDelaySeconds: number;
    periodSeconds: number;
    calendar: CalendarSettings;
}

/**
 * The metrics the watcher puts, one per kind of delay by jobnet, and one data point a look by stack
 * (its heartbeat: a look that fails puts nothing). Alarms watch them: infra/alerts.ts.
 */
export const watcherMetrics = { namespace: "WebappJobnet", endDelayed: "RunsPastExpectedDuration", startMissed: "ScheduledRunsNotStarted", jobEndDelayed: "JobsPastExpectedDuration", looks: "WatcherLooks" } as const;

export interface RunningRun {
    executionArn: string;
    name: string;
    startDate: number;
}

/**
 * The runs whose expected end falls in this look's window, (tick - period, tick]: consecutive
 * looks split time into windows, so each run is reported by exactly one look, however long it runs.
 */
export function overdueRuns(runs: RunningRun[], expectedSeconds: number, tick: number, periodSeconds: number): RunningRun[] {
    return runs.filter((r) => {
        const due = r.startDate + expectedSeconds * 1000;
        return due > tick - periodSeconds * 1000 && due <= tick;
    });
}

/**
 * The scheduled times whose start deadline (the time plus `startDelaySeconds`) falls in this
 * look's window: each is checked by exactly one look. A closed day of the calendar has no
 * scheduled time to miss, nor has a schedule disabled in config.
 */
export function startDeadlines(schedule: WatchedJobnet["schedule"], calendar: CalendarSettings, startDelaySeconds: number, tick: number, periodSeconds: number): Date[] {
    if (!schedule?.enabled) return [];
    const windowEnd = tick - startDelaySeconds * 1000;
    const windowStart = windowEnd - periodSeconds * 1000;
    const closed = (date: string) => !judgeDay(date, calendar).open;
    return nextRuns(parseCron(schedule.expression), schedule.timeZone, new Date(windowStart), 10, closed, 2)
        .filter((at) => at.getTime() <= windowEnd);
}

/**
 * The scheduled times of a team jobnet's rules whose start deadline falls in this look's window, as
 * startDeadlines does for a cron: a rule's schedule fires at its time every day it could be due, and
 * only a firing that `ruleDue` finds due starts a run (handlers/scheduleRules.ts, checkScheduledRun),
 * so only those are deadlines. Two rules due at the same instant are one scheduled time.
 */
export function ruleStartDeadlines(rules: WatchedJobnet["rules"], calendar: RuleCalendar, startDelaySeconds: number, tick: number, periodSeconds: number): Date[] {
    if (!rules?.enabled) return [];
    const windowEnd = tick - startDelaySeconds * 1000;
    const windowStart = windowEnd - periodSeconds * 1000;
    const times = new Set<number>();
    for (const rule of rules.schedules) {
        // The rule's days around the window, on its own clock (a day either side: its time may fall on the window's previous or next date).
        const last = addDays(calendarDate(new Date(windowEnd), rule.timeZone), 1);
        for (let day = addDays(calendarDate(new Date(windowStart), rule.timeZone), -1); day <= last; day = addDays(day, 1)) {
            const at = zonedInstant(day, rule.at, rule.timeZone).getTime();
            if (at > windowStart && at <= windowEnd && ruleDue(rule, day, rules.calendar ?? calendar).due) times.add(at);
        }
    }
    return [...times].sort((a, b) => a - b).map((t) => new Date(t));
}

/** The step a running run is in: the newest state it entered (a history read newest first), and the server of its Map iteration. */
export function currentStep(newestFirst: readonly HistoryEvent[]): { state: string; server: string | undefined } | undefined {
    const entered = newestFirst.find((e) => e.type?.endsWith("StateEntered") && e.stateEnteredEventDetails?.name);
    if (!entered) return undefined;
    let server: string | undefined;
    try {
        const name = JSON.parse(entered.stateEnteredEventDetails?.input ?? "null")?.server?.name;
        server = typeof name === "string" ? name : undefined;
    } catch {
        server = undefined;
    }
    return { state: entered.stateEnteredEventDetails!.name!, server };
}

/** The notice of a run still running past its expected duration. */
export function endDelayAlert(o: { stack: string; jobnet: string; run: RunningRun; expectedSeconds: number; now: number; step: ReturnType<typeof currentStep>; consoleUrl: string }): Alert {
    const where = o.step === undefined ? "unknown" : o.step.server === undefined ? o.step.state : `${o.step.state} on ${o.step.server}`;
    return {
        subject: `[${o.stack}] ${o.jobnet} jobnet still running after ${formatSeconds((o.now - o.run.startDate) / 1000)} (expected ${formatSeconds(o.expectedSeconds)})`,
        lines: [
            `The ${o.jobnet} jobnet of ${o.stack} has been running for ${formatSeconds((o.now - o.run.startDate) / 1000)}; it is expected to take ${formatSeconds(o.expectedSeconds)}.`,
            `Now in: ${where}`,
            `Execution: ${o.run.name} (${o.consoleUrl})`,
            "The run goes on: this notice does not stop it. Look at the step it is in; stop the run in the console only if it cannot finish.",
        ],
    };
}

/** The notice of a scheduled run that did not start. */
export function missedStartAlert(o: { stack: string; jobnet: string; scheduledTime: Date; startDelaySeconds: number; stateMachineName: string }): Alert {
    return {
        subject: `[${o.stack}] ${o.jobnet} jobnet did not start at its scheduled time ${o.scheduledTime.toISOString()}`,
        lines: [
            `No run of ${o.stateMachineName} for the scheduled time ${o.scheduledTime.toISOString()} had started ${formatSeconds(o.startDelaySeconds)} later.`,
            "Check that the schedule is enabled (EventBridge Scheduler), that its role may start the state machine, and the schedule's delivery errors; then start the run by hand if it must still run today.",
        ],
    };
}

/**
 * Lambda task, every few minutes: tells operators of runs still running past their expected
 * duration (once per run) and of scheduled runs that did not start (once per scheduled time),
 * by the alert topic, Slack and a metric that alarms watch. It never stops a run.
 */
export async function watchRuns(event: WatchEvent, context: LambdaContext): Promise<{ endDelayed: string[]; startMissed: string[]; jobsDelayed: string[] }> {
    const timeLeft = () => context.getRemainingTimeInMillis();
    // Half the time for reading the runs, half for the metrics and the notices.
    const noticeReserveMs = timeLeft() / 2;
    const sfn = new SFNClient({});
    const tick = Date.parse(event.tick);
    const now = Date.now();
    const alerts: Alert[] = [];
    const found = { endDelayed: [] as string[], startMissed: [] as string[], jobsDelayed: [] as string[] };
    const counts: { metric: string; jobnet: string; value: number }[] = [];

    for (const j of event.jobnets) {
        const running = await listExecutions(sfn, j.stateMachineArn, "RUNNING");
        const late = overdueRuns(running.map(asRun), j.expectedSeconds, tick, event.periodSeconds);
        for (const run of late) {
            // Newest first, as far as the state the run entered last.
            const history = await readExecutionHistory(sfn, run.executionArn, { newestFirst: true, timeLeft: () => timeLeft() - noticeReserveMs, enough: (events) => currentStep(events) !== undefined });
            const region = run.executionArn.split(":")[3];
            alerts.push(endDelayAlert({ stack: event.stack, jobnet: j.jobnet, run, expectedSeconds: j.expectedSeconds, now, step: currentStep(history.events), consoleUrl: executionConsoleUrl(run.executionArn, region) }));
            found.endDelayed.push(run.executionArn);
        }
        counts.push({ metric: watcherMetrics.endDelayed, jobnet: j.jobnet, value: late.length });

        if (j.jobs !== undefined && Object.keys(j.jobs.expectedSeconds).length > 0) {
            let jobsLate = 0;
            for (const run of running.map(asRun)) {
                // The run's record, strongly consistent (GetItem ConsistentRead): the jobs running now and when each was sent.
                const stored = await readRun(j.jobs.tableName, run.executionArn);
                if (!stored) continue;
                for (const lateJob of lateJobs(stored.record, j.jobs.expectedSeconds, tick, event.periodSeconds)) {
                    alerts.push(jobEndDelayAlert({ stack: event.stack, jobnet: j.jobnet, late: lateJob, now, runName: run.name, consoleUrl: executionConsoleUrl(run.executionArn, run.executionArn.split(":")[3]) }));
                    found.jobsDelayed.push(`${run.executionArn} ${lateJob.job}`);
                    jobsLate++;
                }
            }
            counts.push({ metric: watcherMetrics.jobEndDelayed, jobnet: j.jobnet, value: jobsLate });
        }

        const deadlines = j.rules !== undefined
            ? ruleStartDeadlines(j.rules, event.calendar, event.startDelaySeconds, tick, event.periodSeconds)
            : startDeadlines(j.schedule, event.calendar, event.startDelaySeconds, tick, event.periodSeconds);
        let missed = 0;
        if (deadlines.length > 0) {
            // A scheduled run is one whose input carries its scheduled time (infra/operations.ts, scheduledInput).
            const recent = (await listExecutions(sfn, j.stateMachineArn, undefined)).filter((e) => (e.startDate?.getTime() ?? 0) >= deadlines[0].getTime() - 60_000);
            const started: number[] = [];
            for (const e of recent) {
                const described = await sfn.send(new DescribeExecutionCommand({ executionArn: e.executionArn }));
                const scheduledTime = scheduledTimeOf(parseJson(described.input));
                if (scheduledTime !== undefined) started.push(Date.parse(scheduledTime));
            }
            for (const at of deadlines.filter((d) => !started.includes(d.getTime()))) {
                alerts.push(missedStartAlert({ stack: event.stack, jobnet: j.jobnet, scheduledTime: at, startDelaySeconds: event.startDelaySeconds, stateMachineName: j.stateMachineArn.split(":").pop()! }));
                found.startMissed.push(`${j.jobnet} ${at.toISOString()}`);
                missed++;
            }
        }
        counts.push({ metric: watcherMetrics.startMissed, jobnet: j.jobnet, value: missed });
    }

    await new CloudWatchClient({}).send(new PutMetricDataCommand({
        Namespace: watcherMetrics.namespace,
        MetricData: [
            ...counts.map((c) => ({
                MetricName: c.metric,
                Dimensions: [{ Name: "Stack", Value: event.stack }, { Name: "Jobnet", Value: c.jobnet }],
                Timestamp: new Date(tick),
                Value: c.value,
                Unit: "Count" as const,
            })),
            // Put with the counts, after every read: it stands for a look that found what it had to.
            { MetricName: watcherMetrics.looks, Dimensions: [{ Name: "Stack", Value: event.stack }], Timestamp: new Date(tick), Value: 1, Unit: "Count" as const },
        ],
    }));
    for (const alert of alerts) await sendAlert(alert, { timeLeft });
    return found;
}

/** A state machine's executions, newest first, a few pages at most (a jobnet runs a few times a day). */
export async function listExecutions(sfn: SFNClient, stateMachineArn: string, statusFilter: "RUNNING" | undefined): Promise<ExecutionListItem[]> {
    const all: ExecutionListItem[] = [];
    let nextToken: string | undefined;
    for (let page = 0; page < 3; page++) {
        const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter, maxResults: 100, nextToken }));
        all.push(...(listed.executions ?? []));
        nextToken = listed.nextToken;
        if (!nextToken) break;
    }
    return all;
}

function asRun(e: ExecutionListItem): RunningRun {
    return { executionArn: e.executionArn!, name: e.name ?? e.executionArn!.split(":").pop()!, startDate: e.startDate?.getTime() ?? 0 };
}

function parseJson(text: string | undefined): unknown {
    try {
        return text === undefined ? undefined : JSON.parse(text);
    } catch {
        return undefined;
    }
}
