import { simulatedStartMs } from "../../simulator/clock";

/** The options of `npm start`, parsed and checked. */
export interface StartOptions {
    stack: string;
    jobnets: ("stop" | "start")[];
    /** Overrides the stack's web server count. */
    servers: number | undefined;
    faults: string[];
    initial: "running" | "stopped";
    /** Run as the schedule starts a run, at the simulated start time. */
    scheduled: boolean;
    /** Redrive a failed run once, as `npm run ops -- redrive` does. */
    redrive: boolean;
    json: string | undefined;
    help: boolean;
}

/** The input of a scheduled run in `npm start`, as Scheduler sends it: the schedule fires as the simulation starts. */
export const scheduledInput = { trigger: "schedule", scheduledTime: new Date(simulatedStartMs).toISOString().replace(".000Z", "Z") };

export const startUsage = `Usage: npm start -- [options]

Runs the jobnets of a stack offline, in a simulated AWS account, and shows them as an operator
would watch them. No AWS account is used.

Options:
  --stack NAME              the stack whose config to use (default: dev)
  --jobnet stop|start|both  which jobnet to run; both runs stop, then start (default: both)
  --servers N               simulate N web servers, 1 to 100 (default: the stack's webServerCount)
  --fail SPEC               inject a fault; repeat for more (see below)
  --initial running|stopped the system's state before the run
                            (default: running, or stopped for --jobnet start)
  --scheduled               run as the schedule starts a run: the input is
                            ${JSON.stringify(scheduledInput)},
                            so the business calendar is asked first; --fail duplicate:... implies it
  --redrive                 when a run fails, redrive it once: it goes on from the step that
                            failed, as \`npm run ops -- redrive\` does
  --json FILE               also write the run's events and figures to FILE as JSON
  --help                    show this help

Faults (--fail):
`;

export class UsageError extends Error {
    constructor(message: string) {
        super(`${message}\nRun \`npm start -- --help\` for the options.`);
        this.name = "UsageError";
    }
}

/** Parses `npm start` arguments; a bad one throws a UsageError naming it and its accepted forms. */
export function parseStartOptions(argv: string[]): StartOptions {
    let stack = "dev";
    let jobnet: "stop" | "start" | "both" = "both";
    let servers: number | undefined;
    const faults: string[] = [];
    let initial: "running" | "stopped" | undefined;
    let scheduled = false;
    let redrive = false;
    let json: string | undefined;
    let help = false;
    for (let i = 0; i < argv.length; i++) {
        const option = argv[i];
        const value = (): string => {
            const v = argv[++i];
            if (v === undefined || v.startsWith("--")) throw new UsageError(`${option} needs a value`);
            return v;
        };
        switch (option) {
            case "--stack": {
                stack = value();
                if (!/^[A-Za-z0-9_.-]+$/.test(stack)) throw new UsageError(`--stack ${JSON.stringify(stack)}: a stack name is letters, digits, "-", "_" and "."`);
                break;
            }
            case "--jobnet": {
                const v = value();
                if (v !== "stop" && v !== "start" && v !== "both") throw new UsageError(`--jobnet ${JSON.stringify(v)}: expected stop, start or both`);
                jobnet = v;
                break;
            }
            case "--servers": {
                const v = value();
                if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 100) throw new UsageError(`--servers ${JSON.stringify(v)}: expected a whole number from 1 to 100`);
                servers = Number(v);
                break;
            }
            case "--fail":
                faults.push(value());
                break;
            case "--initial": {
                const v = value();
                if (v !== "running" && v !== "stopped") throw new UsageError(`--initial ${JSON.stringify(v)}: expected running or stopped`);
                initial = v;
                break;
            }
            case "--scheduled":
                scheduled = true;
                break;
            case "--redrive":
                redrive = true;
                break;
            case "--json":
                json = value();
                break;
            case "--help":
            case "-h":
                help = true;
                break;
            default:
                throw new UsageError(`unknown option ${JSON.stringify(option)}; the options are --stack, --jobnet, --servers, --fail, --initial, --scheduled, --redrive, --json and --help`);
        }
    }
    return {
        stack,
        jobnets: jobnet === "both" ? ["stop", "start"] : [jobnet],
        servers,
        faults,
        initial: initial ?? (jobnet === "start" ? "stopped" : "running"),
        // A duplicate delivery is one of a scheduled run.
        scheduled: scheduled || faults.some((f) => f.split(":")[0] === "duplicate"),
        redrive,
        json,
        help,
    };
}
