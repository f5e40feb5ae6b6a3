import * as os from "os";
import * as path from "path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import * as readline from "readline";
import { RDSClient } from "@aws-sdk/client-rds";
import { SFNClient } from "@aws-sdk/client-sfn";
import { SNSClient } from "@aws-sdk/client-sns";
import { Stack } from "@pulumi/pulumi/automation";
import * as fs from "fs";
import { readExecutionHistory, timeLeftUntil } from "../handlers/executionHistory";
import { outputColumns, requireWritableFile, runCommand } from "./lib/commandLine";
import { ganttHtml, ganttModel, ganttSvg, spell } from "./lib/gantt";
import { OpsCommand, deployedJobnet, opsUsage, parseOpsArgs } from "./lib/ops/args";
import { explainFailure } from "./lib/ops/failures";
import { executionName, followExecution, historyReadBoundMs, latestUnsuccessful, recentRuns, redrive, startRun } from "./lib/ops/runs";
import { readRedriveFacts, redriveRefusal } from "./lib/ops/redriveCheck";
import { changeSchedule } from "./lib/ops/schedule";
import { planReport, readPlanFacts } from "./lib/ops/plan";
import { monthLength, monthsOf, planMonthHtml } from "./lib/ops/planMonth";
import { calendarDate } from "../handlers/calendar";
import { configuredEmails, forgottenPendingEmails, readTopicSubscriptions } from "./lib/ops/pendingEmails";
import { driveStackAction } from "./lib/ops/stackActions";
import { createdCluster, destroyRefusal, readClusterStatus } from "./lib/ops/teardown";
import { defaultMonitoring, statusReport } from "./lib/ops/status";
import { OpsError, openStack, stackOutputs } from "./lib/ops/stack";
import { projectDir, projectName } from "./lib/runProgram";
import { releaseHold } from "./lib/ops/release";
import { runLockTableName } from "../infra/runLock";
import { namePrefixOf } from "../infra/physicalNames";
import { stackFile } from "./lib/stacks";

const write = (text: string) => process.stdout.write(text);
const tty = process.stdout.isTTY === true;

async function main(argv: string[]): Promise<number> {
    const command = parseOpsArgs(argv, process.env);
    if (command.kind === "help") {
        write(`${opsUsage}\n`);
        return 0;
    }
    // Every command is of a stack of this project: one without its file is the same usage problem for each, found before any call.
    stackFile(projectDir, command.stack);
    if (command.kind === "schedule") return toggleSchedule(command);
    if (command.kind === "plan") {
        const facts = readPlanFacts(command.stack, projectDir);
        const from = command.month === undefined ? command.date ?? calendarDate(new Date(), facts.timeZone) : `${command.month}-01`;
        const days = command.month === undefined ? command.days : monthLength(command.month);
        if (command.html === undefined) {
            write(planReport({ ...facts, from, days }));
            return 0;
        }
        requireWritableFile("--html", command.html);
        const months = monthsOf(from, days);
        fs.writeFileSync(command.html, planMonthHtml(facts, months));
        write(`The ${command.stack} jobnets' runs due in ${months.join(", ")} (${facts.timeZone}), as a calendar: written to ${command.html}\n`);
        return 0;
    }
    const stack = await openStack(command.stack);
    switch (command.kind) {
        case "stack":
            return driveStack(stack, command);
        case "run": {
            const { stateMachines, region } = await stackOutputs(stack);
            const stateMachineArn = deployedJobnet("run", command.jobnet, command.stack, stateMachines);
            const sfn = new SFNClient({ region });
            const name = executionName(command.jobnet, new Date(), Math.random().toString(36).slice(2));
            const executionArn = await startRun(sfn, stateMachineArn, name);
            write(`Started ${command.jobnet} run ${name}\n  ${executionArn}\n`);
            return command.wait ? follow(sfn, executionArn) : 0;
        }
        case "redrive": {
            const { stateMachines, region } = await stackOutputs(stack);
            const sfn = new SFNClient({ region });
            let executionArn = command.execution;
            if (executionArn === "latest") {
                const among = ofJobnet("redrive", command, stateMachines);
                const latest = await latestUnsuccessful(sfn, among);
                if (!latest) throw new OpsError(`No failed, timed-out or aborted run of the ${command.jobnet === undefined ? `${command.stack} jobnets` : `${command.jobnet} jobnet of stack ${command.stack}`} to redrive.`);
                executionArn = latest.executionArn!;
            }
            const refusal = redriveRefusal(await readRedriveFacts(sfn, stateMachines, executionArn, command.stack));
            if (refusal !== undefined) throw new OpsError(refusal);
            await redrive(sfn, executionArn);
            write(`Redriving ${executionArn} from the step that failed\n`);
            return command.wait ? follow(sfn, executionArn) : 0;
        }
        case "status":
            return status(stack, command);
        case "report":
            return report(stack, command);
        case "release":
            return release(stack, command);
    }
}

/** The jobnets a command looks among: the one it names (which the stack must deploy), or every one. */
function ofJobnet(command: string, c: { jobnet?: string; stack: string }, stateMachines: Record<string, string>): Record<string, string> {
    return c.jobnet === undefined ? stateMachines : { [c.jobnet]: deployedJobnet(command, c.jobnet, c.stack, stateMachines) };
}

/** Draws a deployed run (the newest of any jobnet, or of the one named, by default) from its whole execution history. */
async function report(stack: Stack, command: Extract<OpsCommand, { kind: "report" }>): Promise<number> {
    const { stateMachines, region } = await stackOutputs(stack);
    const sfn = new SFNClient({ region });
    const executionArn = command.execution === "latest" ? (await recentRuns(sfn, ofJobnet("report", command, stateMachines), 1))[0]?.executionArn : command.execution;
    if (!executionArn) throw new OpsError(`No run of the ${command.jobnet === undefined ? `${command.stack} jobnets` : `${command.jobnet} jobnet of stack ${command.stack}`} yet to report on.`);
    const name = executionArn.split(":").pop()!;
    const history = await readExecutionHistory(sfn, executionArn, { timeLeft: timeLeftUntil(Date.now() + historyReadBoundMs) });
    if (!history.complete) write(`The history was not read to its end within ${spell(historyReadBoundMs)}: the chart shows its first ${history.events.length} events.\n`);
    const model = ganttModel(history.events, `${executionArn.split(":")[6]} ${name} (stack ${command.stack})`);
    if (!command.out) fs.mkdirSync(path.join(projectDir, "out"), { recursive: true });
    const out = command.out || path.join(projectDir, "out", `report-${name}.html`);
    requireWritableFile("--out", out);
    const svgFile = `${out.replace(/\.html?$/, "")}.svg`;
    fs.writeFileSync(svgFile, ganttSvg(model) + "\n");
    fs.writeFileSync(out, ganttHtml(`Run ${name} of the ${command.stack} jobnets`, [model]));
    write(`${model.status} in ${spell(model.end - model.start)}${model.slowest ? `; slowest step ${model.slowest.state} (${spell(model.slowest.end - model.slowest.start)})` : ""}\nWritten to ${out} and ${svgFile}\n`);
    return 0;
}

/** Releases a held job in every run of the jobnet that holds it (scripts/lib/ops/release.ts). */
async function release(stack: Stack, command: Extract<OpsCommand, { kind: "release" }>): Promise<number> {
    const { stateMachines, region } = await stackOutputs(stack);
    const stateMachineArn = deployedJobnet("release", command.jobnet, command.stack, stateMachines);
    const { released } = await releaseHold({ sfn: new SFNClient({ region }), dynamodb: new DynamoDBClient({ region }) }, {
        tableName: runLockTableName(namePrefixOf(projectName, command.stack)),
        stateMachineArn,
        jobnet: command.jobnet,
        job: command.job,
        by: `${os.userInfo().username}@${os.hostname()}`,
    });
    write(`Released ${command.job} of ${command.jobnet}: it starts now, in\n${released.map((arn) => `  ${arn}`).join("\n")}\n`);
    return 0;
}

async function follow(sfn: SFNClient, executionArn: string): Promise<number> {
    const end = await followExecution(sfn, executionArn, { write, tty, columns: () => outputColumns(process.stdout, process.env), pollMs: 5000, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) });
    if (end.status === "SUCCEEDED") return 0;
    write(`\n${end.status}: ${end.error ?? ""}\n  ${end.cause ?? ""}\nResume it from the failed step with: npm run ops -- redrive ${executionArn}\n`);
    return 1;
}

async function status(stack: Stack, command: Extract<OpsCommand, { kind: "status" }>): Promise<number> {
    const { stateMachines, region, schedules, calendar, monitoring } = await stackOutputs(stack);
    const shown = ofJobnet("status", command, stateMachines);
    const runs = await recentRuns(new SFNClient({ region }), shown);
    // Which team rules are paused is config, not an output: the stack file says it, as for the plan.
    const pausedRules = readPlanFacts(command.stack, projectDir).paused;
    write(statusReport({ stack: command.stack, now: new Date(), jobnets: Object.keys(shown), runs, schedules, calendar, monitoring: monitoring ?? defaultMonitoring, pausedRules }));
    return 0;
}

async function driveStack(stack: Stack, command: Extract<OpsCommand, { kind: "stack" }>): Promise<number> {
    if (command.action === "destroy") await refuseToDestroyAStoppedDatabase(stack);
    else await warnOfForgottenPendingEmails(stack);
    return driveStackAction(stack, { action: command.action, yes: command.yes, onOutput: write, confirm });
}

/** Addresses removed from monitoring.emails before they confirmed are still subscribed for a while (scripts/lib/ops/pendingEmails.ts). */
async function warnOfForgottenPendingEmails(stack: Stack): Promise<void> {
    const topicArn = (await stack.outputs()).alertTopicArn?.value as string | undefined;
    // Before the first deployment there is no topic, and nothing was subscribed.
    if (topicArn === undefined) return;
    const configured = configuredEmails((await stack.getAllConfig())["webapp-jobnet:monitoring"]?.value);
    const subscriptions = await readTopicSubscriptions(new SNSClient({ region: topicArn.split(":")[3] }), topicArn);
    for (const warning of forgottenPendingEmails(subscriptions, configured, stack.name)) write(`Warning: ${warning}\n`);
}

/** A stopped cluster cannot be destroyed: the destroy would fail half way (scripts/lib/ops/teardown.ts). */
async function refuseToDestroyAStoppedDatabase(stack: Stack): Promise<void> {
    const outputs = await stack.outputs();
    const identifier = createdCluster(outputs);
    if (identifier === undefined) return;
    const { region } = await stackOutputs(stack);
    const refusal = destroyRefusal(await readClusterStatus(new RDSClient({ region }), identifier), stack.name, region);
    if (refusal !== undefined) throw new OpsError(refusal);
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
