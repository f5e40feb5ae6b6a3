import { UsageError, parseCommandLine } from "../commandLine";

/** `npm run ops -- COMMAND ...`, parsed. Every mistake is one UsageError naming what was wrong. */
export type OpsCommand =
    | { kind: "help" }
    | { kind: "stack"; action: "preview" | "up" | "destroy"; stack: string; yes: boolean }
    | { kind: "run"; jobnet: "stop" | "start"; stack: string; wait: boolean }
    | { kind: "status"; stack: string }
    | { kind: "redrive"; execution: string; stack: string; wait: boolean }
    | { kind: "report"; execution: string; stack: string; out: string }
    | { kind: "schedule"; enable: boolean; jobnet: "stop" | "start"; stack: string; yes: boolean };

export const opsUsage = `Usage: npm run ops -- COMMAND [options]

Drives a deployed stack through the Pulumi Automation API (the pulumi CLI must be installed) and
runs its jobnets with AWS Step Functions (AWS credentials needed).

Commands:
  preview [--stack NAME]                      show what pulumi up would change
  up [--stack NAME] [--yes]                   deploy; asks first unless --yes
  destroy [--stack NAME] [--yes]              delete the stack's resources; asks first unless --yes
  run stop|start [--stack NAME] [--no-wait]   start a jobnet run and follow it until it ends
                                              (exit 0 on success, 1 with the cause on failure)
  status [--stack NAME]                       recent runs of both jobnets, and each one's next scheduled run
  redrive EXECUTION_ARN|latest [--stack NAME] [--no-wait]
                                              resume a failed run from the step that failed, and follow it
  report [EXECUTION_ARN|latest] [--stack NAME] [--out FILE]
                                              draw a run as a Gantt chart from its history: FILE (an HTML
                                              page, default out/report-NAME.html) and an SVG beside it
  schedule enable|disable stop|start [--stack NAME] [--yes]
                                              turn a jobnet's schedule on or off: asks first (unless --yes),
                                              then sets it in Pulumi.NAME.yaml and runs pulumi up

--stack defaults to dev; --stack=NAME works too. Options go after --: npm run ops -- run stop --no-wait.`;

const opsArgs = {
    stack: { type: "string", default: "dev" },
    yes: { type: "boolean", short: "y", default: false },
    "no-wait": { type: "boolean", default: false },
    out: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
} as const;

const executionArnPattern = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^:]+:[^:]+$/;

/** Parses `npm run ops` arguments; `env` is where npm leaves the options it kept. */
export function parseOpsArgs(argv: string[], env: NodeJS.ProcessEnv = {}): OpsCommand {
    const { values, positionals: positional } = parseCommandLine("npm run ops", { args: argv, options: opsArgs, allowPositionals: true }, env);
    if (values.help) return { kind: "help" };
    const { stack, yes } = values;
    const wait = !values["no-wait"];
    const [command, ...rest] = positional;
    const jobnet = (value: string | undefined, what: string): "stop" | "start" => {
        if (value !== "stop" && value !== "start") throw new UsageError(`${what} needs a jobnet: stop or start${value === undefined ? "" : `, not ${JSON.stringify(value)}`}`);
        return value;
    };
    const noMore = (count: number) => {
        if (rest.length > count) throw new UsageError(`${command} takes ${count === 0 ? "no arguments" : `${count} argument(s)`}; got ${JSON.stringify(rest.slice(count).join(" "))} as well`);
    };
    switch (command) {
        case undefined:
            return { kind: "help" };
        case "preview":
        case "up":
        case "destroy":
            noMore(0);
            return { kind: "stack", action: command, stack, yes };
        case "run":
            noMore(1);
            return { kind: "run", jobnet: jobnet(rest[0], "run"), stack, wait };
        case "status":
            noMore(0);
            return { kind: "status", stack };
        case "redrive":
        case "report": {
            noMore(1);
            const execution = rest[0] ?? (command === "report" ? "latest" : undefined);
            if (execution === undefined || (execution !== "latest" && !executionArnPattern.test(execution))) {
                throw new UsageError(`${command} needs an execution ARN (arn:aws:states:REGION:ACCOUNT:execution:MACHINE:NAME) or latest${execution === undefined ? "" : `, not ${JSON.stringify(execution)}`}`);
            }
            if (command === "report") return { kind: "report", execution, stack, out: values.out ?? "" };
            return { kind: "redrive", execution, stack, wait };
        }
        case "schedule": {
            noMore(2);
            const action = rest[0];
            if (action !== "enable" && action !== "disable") throw new UsageError(`schedule needs enable or disable${action === undefined ? "" : `, not ${JSON.stringify(action)}`}`);
            return { kind: "schedule", enable: action === "enable", jobnet: jobnet(rest[1], `schedule ${action}`), stack, yes };
        }
        default:
            throw new UsageError(`unknown command ${JSON.stringify(command)}; the commands are preview, up, destroy, run, status, redrive, report and schedule`);
    }
}
