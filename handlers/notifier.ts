import { DescribeExecutionCommand, HistoryEvent, SFNClient } from "@aws-sdk/client-sfn";
import type { Alert } from "./alerts";
import { sendAlert } from "./alerts";
import { serverOutcomes } from "./serverOutcomes";
import { PostResult, clip } from "./slack";

export { PostOptions, PostResult, clip, postToSlack } from "./slack";
import { readableCause } from "./causes";
import { FailurePoint, failurePoint } from "./failurePoint";
import { consoleOrigin, partitionOf } from "./partition";
import { readExecutionHistory } from "./executionHistory";
import { LambdaContext, abortAfter } from "./lambdaContext";
import { JobHeldDetail, jobHeldEvent } from "./jobHeldEvent";

/** What a notification says about one run. */
export interface RunSummary {
    jobnet: string;
    stack: string;
    status: "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED" | string;
    durationSeconds: number | undefined;
    /** scheduled, skipped (a closed calendar day), event or manual. */
    trigger: "scheduled" | "skipped" | "event" | "manual";
    /** Why a scheduled run was skipped, or which event started the run. */
    note: string | undefined;
    /** The failed state or, for a run that timed out or was aborted, the state still running. */
    failedState: string | undefined;
    /** The web server that state worked on, when it ran in a Map iteration. */
    failedServer: string | undefined;
    error: string | undefined;
    cause: string | undefined;
    consoleUrl: string;
    executionName: string;
    /** Each server's outcome, from the run's output (serverOutcomes). */
    servers?: string[];
    /** A team's jobnet: each job's end, from the run's output (jobOutcomes). */
    jobs?: string[];
}

/** The stack's own jobnets; any other is a team's (jobnets/), whose failed state is a job. */
const systemJobnetNames = ["stop", "start"];

/**
 * The jobnet a state machine runs: its name less the stack's prefix, `<project>-<stack>-`
 * (infra/jobnets.ts names them so). Without the prefix known, stop and start by their ending.
 */
export function jobnetOfStateMachine(stateMachineArn: string, prefix: string | undefined): string {
    const name = stateMachineArn.split(":").pop()!;
    if (prefix && name.startsWith(prefix) && name.length > prefix.length) return name.slice(prefix.length);
    return name.replace(/^.*-(stop|start)$/, "$1");
}

/** What the failed state is called in a notice: a team's jobnet fails in a job. */
function failureLabel(run: Pick<RunSummary, "jobnet" | "status">): string {
    if (run.status === "TIMED_OUT") return "Timed out in";
    if (run.status === "ABORTED") return "Aborted in";
    return systemJobnetNames.includes(run.jobnet) ? "Failed state" : "Failed job";
}

/**
 * Each job's end in a team jobnet's output (`{ jobnet, jobs: [{ job, end, exitCode }] }`, the
 * JobsEnded state), a line each, "extract-orders: normal (exit 0)"; the first `max` and how many more.
 */
export function jobOutcomes(output: unknown, max = 20): string[] {
    const jobs = (output as { jobs?: unknown } | undefined)?.jobs;
    if (!Array.isArray(jobs)) return [];
    const lines = jobs
        .filter((j): j is { job: string; end: string; exitCode?: number; taken?: unknown } => typeof j?.job === "string" && typeof j?.end === "string")
        .map((j) => `${j.job}: ${j.end}${typeof j.exitCode === "number" ? ` (exit ${j.exitCode})` : ""}`);
    return lines.length <= max ? lines : [...lines.slice(0, max), `… and ${lines.length - max} more`];
}

// Slack: a section's text holds at most 3,000 characters, a message 50 blocks, and somewhere
// around 13,000 characters in all a message is refused (msg_blocks_too_long).
const sectionLimit = 3000;
const messageBudget = 11000;

/** The Slack message of a run: header, the facts, and for a failure the state, error and cause. */
export function slackMessage(run: RunSummary, mention: string | undefined): { text: string; blocks: object[] } {
    const ok = run.status === "SUCCEEDED";
    const icon = ok ? (run.trigger === "skipped" ? ":calendar:" : ":white_check_mark:") : ":rotating_light:";
    const headline = `${icon} ${run.jobnet} jobnet ${run.trigger === "skipped" ? "skipped" : run.status} (${run.stack})`;
    const facts = [
        `*Jobnet:* ${run.jobnet}`,
        `*Stack:* ${run.stack}`,
        `*Status:* ${run.status}`,
        `*Duration:* ${run.durationSeconds === undefined ? "unknown" : formatSeconds(run.durationSeconds)}`,
        `*Trigger:* ${run.trigger}`,
        `*Execution:* <${run.consoleUrl}|${escape(run.executionName)}>`,
    ];
    const blocks: object[] = [
        { type: "header", text: { type: "plain_text", text: headline.slice(0, 150), emoji: true } },
        { type: "section", fields: facts.map((text) => ({ type: "mrkdwn", text })) },
    ];
    if (run.note) blocks.push({ type: "section", text: { type: "mrkdwn", text: clip(escape(run.note), sectionLimit) } });
    if (run.servers?.length) blocks.push({ type: "section", text: { type: "mrkdwn", text: clip(`*Servers:*\n${escape(run.servers.join("\n"))}`, sectionLimit) } });
    if (run.jobs?.length) blocks.push({ type: "section", text: { type: "mrkdwn", text: clip(`*Jobs:*\n${escape(run.jobs.join("\n"))}`, sectionLimit) } });
    if (!ok) {
        const label = failureLabel(run);
        const where = run.failedState === undefined ? "unknown" : run.failedServer === undefined ? run.failedState : `${run.failedState} on ${run.failedServer}`;
        const failure = [`*${label}:* ${escape(where)}`, `*Error:* ${escape(run.error ?? "unknown")}`].join("\n");
        blocks.push({ type: "section", text: { type: "mrkdwn", text: failure } });
        const used = JSON.stringify(blocks).length;
        const room = Math.max(200, Math.min(sectionLimit, messageBudget - used));
        blocks.push({ type: "section", text: { type: "mrkdwn", text: clip(`*Cause:*\n\`\`\`${run.cause ?? "unknown"}\`\`\``, room) } });
    }
    const text = `${mention ? `${mention} ` : ""}${headline}`;
    return { text, blocks };
}

function escape(text: string): string {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function formatSeconds(seconds: number): string {
    const s = Math.round(seconds);
    return s >= 3600 ? `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m ${s % 60}s` : s >= 60 ? `${Math.floor(s / 60)}m ${s % 60}s` : `${s}s`;
}

/** The EventBridge event of a run's end: "Step Functions Execution Status Change". */
export interface ExecutionStatusChange {
    region: string;
    detail: { executionArn: string; stateMachineArn: string; name: string; status: string; startDate?: number; stopDate?: number; input?: string; output?: string };
}

/** The console page of a run, in the console of its partition (China and GovCloud have their own). */
export function executionConsoleUrl(executionArn: string, region: string): string {
    return `${consoleOrigin(partitionOf(executionArn), region)}/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

/** The plain-text notice of a run's end, for email: the same facts as the Slack message. */
export function runEndedAlert(run: RunSummary): Alert {
    const ended = run.trigger === "skipped" ? "skipped" : run.status;
    const lines = [
        `Jobnet: ${run.jobnet}`,
        `Stack: ${run.stack}`,
        `Status: ${run.status}`,
        `Duration: ${run.durationSeconds === undefined ? "unknown" : formatSeconds(run.durationSeconds)}`,
        `Trigger: ${run.trigger}`,
        `Execution: ${run.executionName} (${run.consoleUrl})`,
        ...(run.note ? [run.note] : []),
        ...(run.servers?.length ? ["Servers:", ...run.servers.map((line) => `  ${line}`)] : []),
        ...(run.jobs?.length ? ["Jobs:", ...run.jobs.map((line) => `  ${line}`)] : []),
    ];
    if (run.status !== "SUCCEEDED") {
        const where = run.failedState === undefined ? "unknown" : run.failedServer === undefined ? run.failedState : `${run.failedState} on ${run.failedServer}`;
        lines.push(`${failureLabel(run)}: ${where}`, `Error: ${run.error ?? "unknown"}`, `Cause: ${run.cause ?? "unknown"}`);
    }
    return { subject: `[${run.stack}] ${run.jobnet} jobnet ${ended}`, lines };
}

/**
 * The share of the notifier's time kept for the notice (the secret, the email and Slack's
 * attempts) when the history is read: the history may use the rest.
 */
export const noticeShareOfTime = 0.5;

/**
 * Lambda task: tells how a jobnet run ended, by the stack's alert topic (email) and, with a
 * webhook configured, Slack (read from Secrets Manager). Every wait is bounded by the time the
 * invocation has left, so it ends before its timeout and Lambda never retries it after the email
 * (sendAlert).
 */
export async function notifyRunEnded(event: ExecutionStatusChange, context: LambdaContext): Promise<{ published: boolean; slack: PostResult | undefined }> {
    const d = event.detail;
    const timeLeft = () => context.getRemainingTimeInMillis();
    const noticeReserveMs = timeLeft() * noticeShareOfTime;
    const sfn = new SFNClient({});
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: d.executionArn }), { abortSignal: abortAfter(timeLeft() - noticeReserveMs) });
    const input = parseJson(described.input ?? d.input);
    const output = parseJson(described.output ?? d.output);
    let failure: FailurePoint | undefined;
    let end: { error?: string; cause?: string } | undefined;
    if (d.status !== "SUCCEEDED") {
        const history = await readExecutionHistory(sfn, d.executionArn, { timeLeft: () => timeLeft() - noticeReserveMs });
        if (!history.complete) {
            const warning = { level: "WARN", message: "Execution history not read to its end; the failed state is unknown", executionArn: d.executionArn, events: history.events.length };
            console.log(JSON.stringify(warning));
        }
        failure = failurePoint(history.events);
        end = executionEnd(history.events);
    }
    const start = described.startDate?.getTime() ?? d.startDate;
    const stop = described.stopDate?.getTime() ?? d.stopDate;
    const skipped = output?.skipped === true;
    const summary: RunSummary = {
        jobnet: jobnetOfStateMachine(d.stateMachineArn, process.env.STATE_MACHINE_PREFIX),
        stack: process.env.STACK_NAME ?? "unknown",
        status: d.status,
        durationSeconds: start !== undefined && stop !== undefined ? (stop - start) / 1000 : undefined,
        trigger: skipped ? "skipped" : input?.trigger === "schedule" ? "scheduled" : input?.trigger === "event" ? "event" : "manual",
        note: skipped ? `Skipped: ${output.reason}` : input?.trigger === "event" ? `Started by the event ${input.event}` : undefined,
        failedState: failure?.state,
        failedServer: failure?.server,
        // DescribeExecution's, else the history's end event's (the simulated account's DescribeExecution gives neither).
        error: described.error ?? end?.error,
        cause: readableCause(described.cause ?? end?.cause),
        consoleUrl: executionConsoleUrl(d.executionArn, event.region),
        executionName: d.name,
        servers: serverOutcomes(output),
        jobs: jobOutcomes(output),
    };
    return sendAlert(runEndedAlert(summary), { timeLeft, slackMessage: (mention) => slackMessage(summary, mention) });
}

/** The notice of a job held for an operator: which, since when, how to release it, and what happens if nobody does. */
export function jobHeldAlert(held: JobHeldDetail, stack: string, region: string): Alert {
    return {
        subject: `[${stack}] ${held.jobnet} jobnet: ${held.job} is held for an operator`,
        lines: [
            `Jobnet: ${held.jobnet}`,
            `Stack: ${stack}`,
            `Held: ${held.job}, before it starts, since ${held.heldAt}`,
            `Release it with: npm run ops -- release ${held.jobnet} ${held.job} --stack ${stack}`,
            `Not released by ${held.releaseBy} (${held.maxMinutes} min), ${held.job} ends abnormally (HoldNotReleased) and the run fails.`,
            `Execution: ${held.executionArn.split(":").pop()} (${executionConsoleUrl(held.executionArn, region)})`,
        ],
    };
}

/** What EventBridge delivers of a hold: its envelope's detail-type and region, and the detail. */
export interface JobHeldNotice {
    "detail-type": typeof jobHeldEvent.detailType;
    region: string;
    detail: JobHeldDetail;
}

/** Lambda task: the notifier's events, a run's end or a job's hold, each told by the alert topic and Slack. */
export function notify(event: ExecutionStatusChange | JobHeldNotice, context: LambdaContext): Promise<{ published: boolean; slack: PostResult | undefined }> {
    if ("detail-type" in event && event["detail-type"] === jobHeldEvent.detailType) {
        return sendAlert(jobHeldAlert(event.detail, process.env.STACK_NAME ?? "unknown", event.region), { timeLeft: () => context.getRemainingTimeInMillis() });
    }
    return notifyRunEnded(event as ExecutionStatusChange, context);
}

/** The error and cause of a run's end event (ExecutionFailed, ExecutionTimedOut or ExecutionAborted), the last in the history. */
export function executionEnd(history: readonly HistoryEvent[]): { error?: string; cause?: string } | undefined {
    const last = [...history].sort((a, b) => (b.id ?? 0) - (a.id ?? 0)).find((e) => e.type === "ExecutionFailed" || e.type === "ExecutionTimedOut" || e.type === "ExecutionAborted");
    const details = last?.executionFailedEventDetails ?? last?.executionTimedOutEventDetails ?? last?.executionAbortedEventDetails;
    return details ? { error: details.error, cause: details.cause } : undefined;
}

function parseJson(text: string | undefined): any {
    try {
        return text ? JSON.parse(text) : undefined;
    } catch {
        return undefined;
    }
}
