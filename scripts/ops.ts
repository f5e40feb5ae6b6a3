import * as path from "path";
import * as readline from "readline";
import { SFNClient } from "@aws-sdk/client-sfn";
import { Stack } from "@pulumi/pulumi/automation";
import { CalendarSettings, judgeDay } from "../handlers/calendar";
import { nextRuns, parseCron } from "../infra/cron";
import { formatDuration, table } from "../simulator/timeline";
import { runCommand } from "./lib/commandLine";
import { OpsCommand, opsUsage, parseOpsArgs } from "./lib/ops/args";
import { explainFailure } from "./lib/ops/failures";
import { Jobnet, executionName, followExecution, latestUnsuccessful, recentRuns, redrive, startRun } from "./lib/ops/runs";
import { changeSchedule } from "./lib/ops/schedule";
import { OpsError, openStack, stackOutputs } from "./lib/ops/stack";
import { projectDir } from "./lib/runProgram";
import { stackFile } from "./lib/stacks";

const write = (text: string) => process.stdout.write(text);
const tty = process.stdout.isTTY === true;

async function main(argv: string[]): Promise<number> {
    const command = parseOpsArgs(argv, process.env);
    if (command.kind === "help") {
        write(`${opsUsage}\n`);
        return 0;
    }
    if (command.kind === "schedule") return toggleSchedule(command);
    const stack = await openStack(command.stack);
    switch (command.kind) {
        case "stack":
            return driveStack(stack, command);
        case "run": {
            const { stateMachines, region } = await stackOutputs(stack);
            const sfn = new SFNClient({ region });
            const name = executionName(command.jobnet, new Date(), Math.random().toString(36).slice(2));
            const executionArn = await startRun(sfn, stateMachines[command.jobnet], name);
            write(`Started ${command.jobnet} run ${name}\n  ${executionArn}\n`);
            return command.wait ? follow(sfn, executionArn) : 0;
        }
        case "redrive": {
            const { stateMachines, region } = await stackOutputs(stack);
            const sfn = new SFNClient({ region });
            let executionArn = command.execution;
            if (executionArn === "latest") {
                const latest = await latestUnsuccessful(sfn, stateMachines);
                if (!latest) throw new OpsError(`No failed, timed-out or aborted run of the ${command.stack} jobnets to redrive.`);
                executionArn = latest.executionArn!;
            }
            await redrive(sfn, executionArn);
            write(`Redriving ${executionArn} from the step that failed\n`);
            return command.wait ? follow(sfn, executionArn) : 0;
        }
        case "status":
            return status(stack, command.stack);
    }
}

async function follow(sfn: SFNClient, executionArn: string): Promise<number> {
    const end = await followExecution(sfn, executionArn, { write, tty, columns: () => process.stdout.columns, pollMs: 5000, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) });
    if (end.status === "SUCCEEDED") return 0;
    write(`\n${end.status}: ${end.error ?? ""}\n  ${end.cause ?? ""}\nResume it from the failed step with: npm run ops -- redrive ${executionArn}\n`);
    return 1;
}

async function status(stack: Stack, stackName: string): Promise<number> {
    const { stateMachines, region, schedules, calendar } = await stackOutputs(stack);
    const sfn = new SFNClient({ region });
    const runs = await recentRuns(sfn, stateMachines);
    write(`Recent runs of the ${stackName} jobnets:\n`);
    write(runs.length === 0 ? "  none yet\n" : table(
        ["jobnet", "run", "trigger", "status", "started (UTC)", "duration"],
        runs.map((r) => [r.jobnet, r.name, r.trigger, r.status, r.startDate.toISOString().slice(0, 16).replace("T", " "), r.durationSeconds === undefined ? "running" : formatDuration(r.durationSeconds)]),
    ) + "\n");
    write("\nNext scheduled runs:\n");
    if (!calendar) write("  (this stack was deployed before it exported its calendar: closed days are not skipped below; run npm run ops -- up)\n");
    for (const jobnet of ["stop", "start"] as Jobnet[]) {
        const s = schedules[jobnet];
        if (!s) write(`  ${jobnet}: no schedule\n`);
        else if (!s.enabled) write(`  ${jobnet}: ${s.expression} (${s.timeZone}), disabled\n`);
        else {
            const settings: CalendarSettings = { country: "none", closedDates: [], openDates: [], ...calendar, timeZone: s.timeZone };
            const [next] = nextRuns(parseCron(s.expression), s.timeZone, new Date(), 1, (date) => !judgeDay(date, settings).open);
            const local = next ? new Intl.DateTimeFormat("en-CA", { timeZone: s.timeZone, dateStyle: "short", timeStyle: "short", hourCycle: "h23" }).format(next) : "none within two years";
            write(`  ${jobnet}: ${local} ${s.timeZone}  (${s.expression}, closed calendar days skipped)\n`);
        }
    }
    return 0;
}

async function driveStack(stack: Stack, command: Extract<OpsCommand, { kind: "stack" }>): Promise<number> {
    const onOutput = (out: string) => write(out);
    if (command.action === "preview") {
        await stack.preview({ onOutput });
        return 0;
    }
    if (!command.yes) {
        if (command.action === "up") await stack.preview({ onOutput });
        if (!(await confirm(`${command.action} the ${stack.name} stack?`))) return 1;
    }
    if (command.action === "up") await stack.up({ onOutput });
    else await stack.destroy({ onOutput });
    return 0;
}

/** Turns a schedule on or off in the stack's file, asking first, then deploys it. */
async function toggleSchedule(command: Extract<OpsCommand, { kind: "schedule" }>): Promise<number> {
    // The file is what changes: a stack without one is a usage problem, found before any call.
    const file = stackFile(projectDir, command.stack);
    const stack = await openStack(command.stack);
    const deploy = async () => {
        await stack.up({ onOutput: write });
    };
    if (await changeSchedule({ ...command, file, confirm, deploy })) return 0;
    write(`Nothing changed: ${path.basename(file)} is as it was.\n`);
    return 1;
}

async function confirm(question: string): Promise<boolean> {
    if (!process.stdin.isTTY) throw new OpsError(`${question} Not on a terminal: add --yes to go ahead.`);
    const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
    const answer = await new Promise<string>((resolve) => rl.question(`${question} [y/N] `, resolve));
    rl.close();
    return /^y(es)?$/i.test(answer.trim());
}

runCommand(() => main(process.argv.slice(2)), explainFailure);
