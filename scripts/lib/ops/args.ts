import { UsageError, parseCommandLine } from "../commandLine";
import { closestName } from "../../../infra/closestName";
import { teamJobnets } from "../../../jobnets";
import type { Job } from "../../../statemachines/jobs";
import { isDate } from "../../../handlers/scheduleRules";

/**
 * `npm run ops -- COMMAND ...`, parsed. Every mistake is one UsageError naming what was wrong. A
 * jobnet is stop, start or one of the team's (jobnets/): whether the stack deploys it is known only
 * from its outputs (deployedJobnet). `jobnet` on status, redrive and report narrows them to it.
 */
export type OpsCommand =
    | { kind: "help" }
    | { kind: "stack"; action: "preview" | "up" | "destroy"; stack: string; yes: boolean }
    | { kind: "run"; jobnet: string; stack: string; wait: boolean }
    | { kind: "status"; stack: string; jobnet?: string }
    | { kind: "redrive"; execution: string; stack: string; wait: boolean; jobnet?: string }
    | { kind: "report"; execution: string; stack: string; out: string; jobnet?: string }
    | { kind: "schedule"; enable: boolean; jobnet: "stop" | "start"; stack: string; yes: boolean }
    /** `date` undefined: today in the stack's time zone. */
    | { kind: "plan"; stack: string; date?: string; days: number; month?: string; html?: string }
    | { kind: "release"; jobnet: string; job: string; stack: string };

export const opsUsage = `Usage: npm run ops -- COMMAND [options]

Drives a deployed stack through the Pulumi Automation API (the pulumi CLI must be installed) and
runs its jobnets with AWS Step Functions (AWS credentials needed).

Commands:
  preview [--stack NAME]                      show what pulumi up would change
  up [--stack NAME] [--yes]                   deploy; asks first unless --yes
  destroy [--stack NAME] [--yes]              delete the stack's resources; asks first unless --yes
  run JOBNET [--stack NAME] [--no-wait]       start a run of a jobnet the stack deploys (stop, start or
                                              one of the team's) and follow it until it ends
                                              (exit 0 on success, 1 with the cause on failure)
  status [JOBNET] [--stack NAME]              recent runs of every jobnet (or of JOBNET), the delays in
                                              progress, and each one's next scheduled run (a team's
                                              jobnet: by its schedule rules, naming the rule)
  redrive EXECUTION_ARN|latest|JOBNET [--stack NAME] [--no-wait]
                                              resume a failed run (the latest of any jobnet, or of JOBNET)
                                              from the step or job that failed, and follow it
  report [EXECUTION_ARN|latest|JOBNET] [--stack NAME] [--out FILE]
                                              draw a run (the latest of any jobnet, or of JOBNET) as a Gantt
                                              chart from its history: FILE (an HTML page, default
                                              out/report-NAME.html) and an SVG beside it
  plan [--stack NAME] [--date YYYY-MM-DD] [--days N] [--month YYYY-MM] [--html FILE]
                                              the runs the team's jobnets are due to start on N days
                                              (7 unless given, at most 366) from the date (today unless
                                              given), or in a month, by their schedule rules, in the
                                              stack's time zone; offline, from Pulumi.NAME.yaml alone.
                                              --html writes a calendar page to FILE instead: each month
                                              the days touch, whole
  release JOBNET JOB [--stack NAME]           release JOB of every run of JOBNET that holds before it
                                              (a job with a hold: it starts now)
  schedule enable|disable stop|start [--stack NAME] [--yes]
                                              turn a jobnet's schedule on or off: asks first (unless --yes),
                                              then sets it in Pulumi.NAME.yaml and runs pulumi up
                                              (a team's jobnet: jobnetSchedules.JOBNET.enabled)

--stack defaults to dev; --stack=NAME works too. Options go after --: npm run ops -- run stop --no-wait.`;

const opsArgs = {
    stack: { type: "string", default: "dev" },
    yes: { type: "boolean", short: "y", default: false },
    "no-wait": { type: "boolean", default: false },
    out: { type: "string" },
    date: { type: "string" },
    days: { type: "string" },
    month: { type: "string" },
    html: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
} as const;

export const defaultPlanDays = 7;
export const maxPlanDays = 366;

const executionArnPattern = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^:]+:[^:]+$/;

/** A jobnet's name as jobnets/ and the stack name it (statemachines/jobs.ts, jobNamePattern). */
const jobnetNamePattern = /^[a-z0-9][a-z0-9-]{0,47}$/;

/** The lines of the usage that tell of one command: its synopsis and what it does. */
export function commandUsage(command: string): string {
    const lines = opsUsage.split("\n");
    const first = lines.findIndex((l) => l.startsWith(`  ${command} `));
    if (first < 0) return opsUsage;
    let last = first + 1;
    while (last < lines.length && /^ {40,}\S/.test(lines[last])) last++;
    return ["Usage: npm run ops -- COMMAND [options]", "", ...lines.slice(first, last)].join("\n");
}

/**
 * The state machine of a jobnet the stack deploys. Any other name is a usage problem (exit 2):
 * it says which the stack deploys, the closest of them, and the command's usage.
 */
export function deployedJobnet(command: string, jobnet: string, stack: string, stateMachines: Record<string, string>): string {
    const arn = stateMachines[jobnet];
    if (arn !== undefined) return arn;
    const names = Object.keys(stateMachines);
    const meant = closestName(jobnet, names);
    throw new UsageError(`${command}: stack ${stack} deploys no jobnet ${JSON.stringify(jobnet)}; its jobnets are ${names.join(", ")}${meant ? `. Did you mean ${meant}?` : ""}\n\n${commandUsage(command)}`);
}

/** A job with a hold of a team's jobnet (jobnets/): only such a job is ever held. */
function heldJob(jobnet: string, job: string | undefined): string {
    const usage = `\n\n${commandUsage("release")}`;
    const d = teamJobnets.find((t) => t.name === jobnet);
    if (!d) throw new UsageError(`release: ${jobnet} is not one of the team's jobnets (${teamJobnets.map((t) => t.name).join(", ")}); only their jobs have holds${usage}`);
    const held = Object.entries<Job<string>>(d.jobs).filter(([, j]) => j.kind !== "judgment" && j.hold !== undefined).map(([name]) => name);
    if (job !== undefined && held.includes(job)) return job;
    const meant = job === undefined ? undefined : closestName(job, held);
    const which = held.length === 0 ? `${jobnet} holds no job` : `the jobs of ${jobnet} with a hold are ${held.join(", ")}`;
    throw new UsageError(`release needs a job with a hold${job === undefined ? "" : `, not ${JSON.stringify(job)}`}: ${which}${meant ? `. Did you mean ${meant}?` : ""}${usage}`);
}

/** Parses `npm run ops` arguments; `env` is where npm leaves the options it kept. */
export function parseOpsArgs(argv: string[], env: NodeJS.ProcessEnv = {}): OpsCommand {
    const { values, positionals: positional } = parseCommandLine("npm run ops", { args: argv, options: opsArgs, allowPositionals: true }, env);
    if (values.help) return { kind: "help" };
    const { stack, yes } = values;
    const wait = !values["no-wait"];
    const [command, ...rest] = positional;
    const jobnet = (value: string | undefined, what: string): string => {
        if (value === undefined || !jobnetNamePattern.test(value)) {
            throw new UsageError(`${what} needs a jobnet: stop, start or one of the team's (lowercase letters, digits and hyphens)${value === undefined ? "" : `, not ${JSON.stringify(value)}`}`);
        }
        return value;
    };
    const scheduled = (value: string | undefined, what: string): "stop" | "start" => {
        if (value === "stop" || value === "start") return value;
        if (value !== undefined && jobnetNamePattern.test(value)) {
            throw new UsageError(`${what} takes stop or start. A team's jobnet such as ${value} runs by the schedule rules of its file (jobnets/); pause them on a stack with: pulumi config set --path 'jobnetSchedules.${value}.enabled' false, then npm run ops -- up`);
        }
        throw new UsageError(`${what} needs a jobnet: stop or start${value === undefined ? "" : `, not ${JSON.stringify(value)}`}`);
    };
    const noMore = (count: number) => {
        if (rest.length > count) throw new UsageError(`${command} takes ${count === 0 ? "no arguments" : `${count} argument(s)`}; got ${JSON.stringify(rest.slice(count).join(" "))} as well`);
    };
    switch (command) {
        case undefined:
            throw new UsageError(`npm run ops needs a command\n\n${opsUsage}`);
        case "preview":
        case "up":
        case "destroy":
            noMore(0);
            return { kind: "stack", action: command, stack, yes };
        case "run":
            noMore(1);
            return { kind: "run", jobnet: jobnet(rest[0], "run"), stack, wait };
        case "status":
            noMore(1);
            return rest[0] === undefined ? { kind: "status", stack } : { kind: "status", stack, jobnet: jobnet(rest[0], "status") };
        case "redrive":
        case "report": {
            noMore(1);
            const given = rest[0] ?? (command === "report" ? "latest" : undefined);
            // A run by its ARN, the latest of any jobnet, or the latest of one jobnet by its name.
            const named = given !== undefined && given !== "latest" && !given.startsWith("arn:") && jobnetNamePattern.test(given) ? given : undefined;
            const execution = named === undefined ? given : "latest";
            if (execution === undefined || (execution !== "latest" && !executionArnPattern.test(execution))) {
                throw new UsageError(`${command} needs an execution ARN (arn:aws:states:REGION:ACCOUNT:execution:MACHINE:NAME), latest or a jobnet${execution === undefined ? "" : `, not ${JSON.stringify(execution)}`}`);
            }
            const of = named === undefined ? {} : { jobnet: named };
            if (command === "report") return { kind: "report", execution, stack, out: values.out ?? "", ...of };
            return { kind: "redrive", execution, stack, wait, ...of };
        }
        case "schedule": {
            noMore(2);
            const action = rest[0];
            if (action !== "enable" && action !== "disable") throw new UsageError(`schedule needs enable or disable${action === undefined ? "" : `, not ${JSON.stringify(action)}`}`);
            return { kind: "schedule", enable: action === "enable", jobnet: scheduled(rest[1], `schedule ${action}`), stack, yes };
        }
        case "plan": {
            noMore(0);
            const usage = `\n\n${commandUsage("plan")}`;
            const date = values.date;
            if (date !== undefined && !isDate(date)) {
                throw new UsageError(`plan --date takes a day YYYY-MM-DD that exists, not ${JSON.stringify(date)}${usage}`);
            }
            const days = values.days === undefined ? defaultPlanDays : Number(values.days);
            if (!(/^\d+$/.test(values.days ?? "7") && days >= 1 && days <= maxPlanDays)) {
                throw new UsageError(`plan --days takes a whole number of days from 1 to ${maxPlanDays}, not ${JSON.stringify(values.days)}${usage}`);
            }
            const month = values.month;
            if (month !== undefined) {
                if (date !== undefined || values.days !== undefined) throw new UsageError(`plan --month takes the place of --date and --days: give one or the other${usage}`);
                if (!(/^\d{4}-(0[1-9]|1[0-2])$/.test(month))) throw new UsageError(`plan --month takes a month YYYY-MM, not ${JSON.stringify(month)}${usage}`);
            }
            if (values.html === "") throw new UsageError(`plan --html takes the file to write the month page to${usage}`);
            return { kind: "plan", stack, ...(date === undefined ? {} : { date }), days, ...(month === undefined ? {} : { month }), ...(values.html === undefined ? {} : { html: values.html }) };
        }
        case "release": {
            noMore(2);
            const name = jobnet(rest[0], "release");
            return { kind: "release", jobnet: name, job: heldJob(name, rest[1]), stack };
        }
        default:
            throw new UsageError(`unknown command ${JSON.stringify(command)}; the commands are preview, up, destroy, run, status, redrive, report, release, schedule and plan`);
    }
}
