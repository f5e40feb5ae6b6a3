import { DescribeExecutionCommand, GetExecutionHistoryCommand, HistoryEvent, SFNClient } from "@aws-sdk/client-sfn";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { readableCause } from "./causes";
import { FailurePoint, failurePoint } from "./failurePoint";
import { consoleOrigin, partitionOf } from "./partition";

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
    if (!ok) {
        const label = run.status === "TIMED_OUT" ? "Timed out in" : run.status === "ABORTED" ? "Aborted in" : "Failed state";
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

/**
 * Cuts a text to at most `limit` characters, marking the cut, and closes a code block the cut
 * left open (an odd number of ``` fences).
 */
export function clip(text: string, limit: number): string {
    if (text.length <= limit) return text;
    const marker = "\n… (cut)";
    let cut = text.slice(0, limit - marker.length - 3) + marker;
    if ((cut.match(/```/g) ?? []).length % 2 === 1) cut = cut.replace(/\n… \(cut\)$/, "```\n… (cut)");
    return cut.slice(0, limit);
}

function escape(text: string): string {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function formatSeconds(seconds: number): string {
    const s = Math.round(seconds);
    return s >= 3600 ? `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m ${s % 60}s` : s >= 60 ? `${Math.floor(s / 60)}m ${s % 60}s` : `${s}s`;
}

export interface PostOptions {
    attempts: number;
    baseDelayMs: number;
    sleep: (ms: number) => Promise<void>;
    log: (entry: object) => void;
}

export type PostResult = { delivered: true; attempts: number } | { delivered: false; attempts: number; status: number | undefined; reason: string };

/**
 * Posts to an incoming webhook with Node's own fetch. 429 (after its Retry-After) and 5xx are
 * retried with exponential backoff; other errors are final. A final failure is logged, not thrown:
 * the run it reports on is over either way, and a retried event would post twice.
 */
export async function postToSlack(url: string, message: object, o: PostOptions): Promise<PostResult> {
    let status: number | undefined;
    let reason = "";
    let attempts = 0;
    for (let attempt = 1; attempt <= o.attempts; attempt++) {
        attempts = attempt;
        let retryAfterMs: number | undefined;
        try {
            const response = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(message) });
            status = response.status;
            reason = (await response.text()).slice(0, 200);
            if (response.ok) return { delivered: true, attempts: attempt };
            if (status !== 429 && status < 500) break;
            const retryAfter = Number(response.headers.get("retry-after"));
            if (status === 429 && retryAfter > 0) retryAfterMs = retryAfter * 1000;
        } catch (error) {
            status = undefined;
            reason = (error as Error).message;
        }
        if (attempt < o.attempts) {
            const delay = retryAfterMs ?? o.baseDelayMs * 2 ** (attempt - 1);
            o.log({ level: "WARN", message: "Slack did not take the notification; retrying", status, reason, attempt, delayMs: delay });
            await o.sleep(delay);
        }
    }
    const result: PostResult = { delivered: false, attempts, status, reason };
    o.log({ level: "ERROR", message: "Slack notification not delivered", ...result });
    return result;
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

/** Lambda task: tells Slack how a jobnet run ended. The webhook URL is read from Secrets Manager. */
export async function notifySlack(event: ExecutionStatusChange): Promise<PostResult> {
    const d = event.detail;
    const sfn = new SFNClient({});
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: d.executionArn }));
    const input = parseJson(described.input ?? d.input);
    const output = parseJson(described.output ?? d.output);
    let failure: FailurePoint | undefined;
    if (d.status !== "SUCCEEDED") {
        const history = await readExecutionHistory(sfn, d.executionArn, historyPages);
        if (!history.complete) {
            const warning = { level: "WARN", message: "Execution history not read to its end; the failed state is unknown", executionArn: d.executionArn, events: history.events.length };
            console.log(JSON.stringify(warning));
        }
        failure = failurePoint(history.events);
    }
    const start = described.startDate?.getTime() ?? d.startDate;
    const stop = described.stopDate?.getTime() ?? d.stopDate;
    const skipped = output?.skipped === true;
    const summary: RunSummary = {
        jobnet: d.stateMachineArn.split(":").pop()!.replace(/^.*-(stop|start)$/, "$1"),
        stack: process.env.STACK_NAME ?? "unknown",
        status: d.status,
        durationSeconds: start !== undefined && stop !== undefined ? (stop - start) / 1000 : undefined,
        trigger: skipped ? "skipped" : input?.trigger === "schedule" ? "scheduled" : input?.trigger === "event" ? "event" : "manual",
        note: skipped ? `Skipped: ${output.reason}` : input?.trigger === "event" ? `Started by the event ${input.event}` : undefined,
        failedState: failure?.state,
        failedServer: failure?.server,
        error: described.error,
        cause: readableCause(described.cause),
        consoleUrl: executionConsoleUrl(d.executionArn, event.region),
        executionName: d.name,
    };
    const secrets = new SecretsManagerClient({});
    const secret = await secrets.send(new GetSecretValueCommand({ SecretId: process.env.SLACK_SECRET_ARN }));
    return postToSlack(secret.SecretString ?? "", slackMessage(summary, process.env.SLACK_MENTION || undefined), {
        attempts: 4,
        baseDelayMs: Number(process.env.SLACK_RETRY_BASE_MS ?? 1000),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        log: (entry) => console.log(JSON.stringify(entry)),
    });
}

// A history holds at most 25,000 events and a page at most 1,000: 25 pages read all of it.
const historyPageSize = 1000;
const historyPages = 25;

/**
 * A run's history, oldest first, read forward a page at a time (a failure is judged on the whole
 * run, not on its last events); at most `maxPages` pages, `complete` false when more remained.
 */
export async function readExecutionHistory(sfn: SFNClient, executionArn: string, maxPages: number): Promise<{ events: HistoryEvent[]; complete: boolean }> {
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    for (let page = 0; page < maxPages; page++) {
        const read = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: historyPageSize, nextToken, includeExecutionData: true }));
        events.push(...(read.events ?? []));
        nextToken = read.nextToken;
        if (!nextToken) return { events, complete: true };
    }
    return { events, complete: false };
}

function parseJson(text: string | undefined): any {
    try {
        return text ? JSON.parse(text) : undefined;
    } catch {
        return undefined;
    }
}
