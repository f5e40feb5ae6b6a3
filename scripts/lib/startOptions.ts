import { simulatedStartMs } from "../../simulator/clock";
import { parseFaults } from "../../simulator/faults";
import { maxWebServers, taskFunctionNames } from "../../statemachines/plan";
import { UsageError, inWords, parseCommandLine } from "./commandLine";
import { jobNamePattern } from "../../statemachines/jobs";
import type { ScheduleRule } from "../../statemachines/scheduleRules";
import { isDate, zonedInstant } from "../../handlers/scheduleRules";
import { ObjectArrival, parseArrival } from "../../simulator/s3";

/** The options of `npm start`, parsed and checked. */
export interface StartOptions {
    stack: string;
    /** stop, start, or a team jobnet's name (checked against the stack once it is synthesised). */
    jobnets: string[];
    /** Overrides the stack's web server count. */
    servers: number | undefined;
    faults: string[];
    initial: "running" | "stopped";
    /** Run as the schedule starts a run, at the simulated start time (or on `date`). */
    scheduled: boolean;
    /** `--date YYYY-MM-DD`: the day the scheduled run is due, at its rule's time (a team jobnet's first rule) or the simulated start's time of day. */
    date: string | undefined;
    /** Redrive a failed run once, as `npm run ops -- redrive` does. */
    redrive: boolean;
    json: string | undefined;
    /** An HTML page to draw each run on as a Gantt chart (and an SVG of each beside it). */
    report: string | undefined;
    /** `--release JOB@MINUTES`: when the simulated operator releases a held job, in minutes after its notice. */
    releases: Record<string, number>;
    /** Objects put in the simulated account's buckets, each at its minute: a team jobnet's start condition starts its run. */
    arrivals: ObjectArrival[];
    /** Files of events put on the default bus: `{ "source", "detail-type", "detail", "atMinute"? }`. */
    events: string[];
    help: boolean;
}

/** The input of a scheduled run in `npm start`, as Scheduler sends it: the schedule fires as the simulation starts. */
export const scheduledInput = { trigger: "schedule", scheduledTime: new Date(simulatedStartMs).toISOString().replace(".000Z", "Z") };

/**
 * A scheduled run on a given day: its input as the deployed schedule sends it (a team jobnet's rule
 * with it, which the run's calendar step judges: infra/teamJobnets.ts, teamScheduledInput), and when
 * the simulation starts: the rule's time that day in its time zone, or the simulated start's time
 * of day (stop and start).
 */
export function scheduledRunOn(date: string, rule: ScheduleRule | undefined): { input: Record<string, unknown>; startMs: number } {
    const due = rule ? zonedInstant(date, rule.at, rule.timeZone) : new Date(Date.parse(`${date}T00:00:00Z`) + (simulatedStartMs % 86_400_000));
    const scheduledTime = due.toISOString().replace(".000Z", "Z");
    return { input: { trigger: "schedule", scheduledTime, ...(rule ? { rule } : {}) }, startMs: due.getTime() };
}

export const startUsage = `Usage: npm start -- [options]

Runs the jobnets of a stack offline, in a simulated AWS account, and shows them as an operator
would watch them. No AWS account is used.

Options:
  --stack NAME              the stack whose config to use (default: dev)
  --jobnet stop|start|both|NAME
                            which jobnet to run; both runs stop, then start; NAME a team
                            jobnet the stack deploys, such as nightly-batch (default: both)
  --servers N               simulate N web servers, 1 to ${maxWebServers} (default: the stack's webServerCount)
  --fail SPEC               inject a fault; repeat for more (see below)
  --initial running|stopped the system's state before the run
                            (default: running, or stopped for --jobnet start)
  --scheduled               run as the schedule starts a run: the input is
                            ${JSON.stringify(scheduledInput)},
                            so the business calendar is asked first; --fail duplicate:... implies it
  --date YYYY-MM-DD         run as scheduled on that day (implies --scheduled): a team jobnet's
                            first schedule rule at its time, which its calendar step judges (a
                            closed day skips or moves the run); stop and start at the simulated
                            start's time of day
  --redrive                 when a run fails, redrive it once: it goes on from the step that
                            failed, as \`npm run ops -- redrive\` does
  --arrive s3://BUCKET/KEY[@MIN]
                            a file arrives: the object is put in the simulated bucket at the
                            simulated minute MIN (default 0), and a team jobnet's start condition
                            on it starts the run; repeat for more
  --event FILE              an event is put on the default bus: FILE holds its JSON,
                            {"source", "detail-type", "detail", "atMinute"}; a team jobnet's start
                            condition on it starts the run; repeat for more. A jobnet started after
                            another's end (jobnetEnded) runs that one first, its end starting ours
  --json FILE               also write the run's events and figures to FILE as JSON
  --report FILE             also draw each run as a Gantt chart: FILE, an HTML page, and an SVG
                            per run beside it (FILE without .html, -stop.svg, -start.svg)
  --release JOB@MINUTES     a team jobnet's job with a hold: the simulated operator releases it
                            MINUTES after its notice (default 10; repeatable; never: --fail
                            job:JOB:unreleased)
  --help                    show this help

Options go after --, and --name=value works too: npm start -- --jobnet=stop --fail httpd-stop:web-1

Faults (--fail): the form, the jobnet it can act in, and what it does
`;

const startArgs = {
    stack: { type: "string", default: "dev" },
    jobnet: { type: "string", default: "both" },
    servers: { type: "string" },
    fail: { type: "string", multiple: true, default: [] as string[] },
    initial: { type: "string" },
    scheduled: { type: "boolean", default: false },
    date: { type: "string" },
    redrive: { type: "boolean", default: false },
    json: { type: "string" },
    report: { type: "string" },
    release: { type: "string", multiple: true, default: [] as string[] },
    arrive: { type: "string", multiple: true, default: [] as string[] },
    event: { type: "string", multiple: true, default: [] as string[] },
    help: { type: "boolean", short: "h", default: false },
} as const;

/** A day YYYY-MM-DD that exists. */
function calendarDay(option: string, value: string): string {
    if (isDate(value)) return value;
    throw new UsageError(`${option} ${JSON.stringify(value)}: expected a day YYYY-MM-DD that exists`);
}

/**
 * Parses `npm start` arguments; a bad one, or a fault that none of the chosen jobnets can meet,
 * throws one error naming it and what is accepted. `env` is where npm leaves the options it kept.
 */
export function parseStartOptions(argv: string[], env: NodeJS.ProcessEnv = {}): StartOptions {
    const { values: v } = parseCommandLine("npm start", { args: argv, options: startArgs }, env);
    const oneOf = <T extends string>(option: string, value: string, accepted: readonly T[]): T => {
        if (!accepted.includes(value as T)) throw new UsageError(`--${option} ${JSON.stringify(value)}: expected ${inWords(accepted, "or")}`);
        return value as T;
    };
    if (!/^[A-Za-z0-9_.-]+$/.test(v.stack)) throw new UsageError(`--stack ${JSON.stringify(v.stack)}: a stack name is letters, digits, "-", "_" and "."`);
    if (v.servers !== undefined && (!/^\d+$/.test(v.servers) || Number(v.servers) < 1 || Number(v.servers) > maxWebServers)) {
        throw new UsageError(`--servers ${JSON.stringify(v.servers)}: expected a whole number from 1 to ${maxWebServers}`);
    }
    const jobnet = v.jobnet;
    const team = !["stop", "start", "both"].includes(jobnet);
    if (team && !jobNamePattern.test(jobnet)) throw new UsageError(`--jobnet ${JSON.stringify(jobnet)}: expected stop, start, both or the name of a team jobnet the stack deploys`);
    const jobnets: StartOptions["jobnets"] = jobnet === "both" ? ["stop", "start"] : [jobnet];
    const initial = v.initial === undefined ? (jobnet === "start" ? "stopped" : "running") : oneOf("initial", v.initial, ["running", "stopped"] as const);
    // The forms, the jobnets and the system's state now; the server names, and a team jobnet's jobs, once the stack is synthesised.
    if (!team) parseFaults(v.fail, { jobnets: jobnets as ("stop" | "start")[], tasks: taskFunctionNames, initial });
    const arrivals = v.arrive.map((a) => {
        try {
            return parseArrival(a);
        } catch (e) {
            throw new UsageError((e as Error).message);
        }
    });
    if (!team && (v.arrive.length > 0 || v.event.length > 0)) throw new UsageError(`--${v.arrive.length > 0 ? "arrive" : "event"}: it starts a team jobnet by its start condition; stop and start have none (--jobnet NAME)`);

    return {
        stack: v.stack,
        jobnets,
        servers: v.servers === undefined ? undefined : Number(v.servers),
        faults: v.fail,
        initial,
        // A duplicate delivery is one of a scheduled run.
        scheduled: v.scheduled || v.date !== undefined || v.fail.some((f) => f.split(":")[0] === "duplicate"),
        date: v.date === undefined ? undefined : calendarDay("--date", v.date),
        redrive: v.redrive,
        json: v.json,
        report: v.report,
        releases: Object.fromEntries(v.release.map((spec) => {
            const [job, minutes, ...rest] = spec.split("@");
            if (rest.length > 0 || !jobNamePattern.test(job) || !/^\d{1,4}$/.test(minutes ?? "") || Number(minutes) > 2880) {
                throw new UsageError(`--release ${JSON.stringify(spec)}: expected JOB@MINUTES, a job of the jobnet with a hold and a whole number of minutes from 0 to 2880`);
            }
            if (!team) throw new UsageError(`--release ${spec}: only a team jobnet's jobs are held; --jobnet names one`);
            return [job, Number(minutes)];
        })),
        arrivals,
        events: v.event,
        help: v.help,
    };
}
