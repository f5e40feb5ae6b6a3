/** Slack incoming webhooks: posting with retries, and texts cut to Slack's limits. */
import { abortAfter } from "./lambdaContext";

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

export interface PostOptions {
    attempts: number;
    baseDelayMs: number;
    /** The time the post may take in all, attempts, waits and Retry-After included (the function's time left). */
    timeLeft: () => number;
    sleep: (ms: number) => Promise<void>;
    log: (entry: object) => void;
}

export type PostResult = { delivered: true; attempts: number } | { delivered: false; attempts: number; status: number | undefined; reason: string };

/** An attempt is not begun with less time than this left: Slack answers a webhook within a second or two. */
export const slackAttemptMinimumMs = 1000;
/** One attempt waits at most this long for Slack, so that a hung connection leaves time to try again. */
export const slackAttemptTimeoutMs = 10_000;

/**
 * Posts to an incoming webhook with Node's own fetch. 429 (after its Retry-After) and 5xx are
 * retried with exponential backoff; other errors are final. Every wait is bounded by `timeLeft`:
 * each attempt is cut off when it runs out, and a wait (a Retry-After included) that would leave
 * no time for the next attempt ends the post instead. A final failure is logged, not thrown: the
 * run it reports on is over either way, and a retried event would post twice.
 */
export async function postToSlack(url: string, message: object, o: PostOptions): Promise<PostResult> {
    let status: number | undefined;
    let reason = "no time left to post";
    let attempts = 0;
    for (let attempt = 1; attempt <= o.attempts; attempt++) {
        const timeLeft = o.timeLeft();
        if (timeLeft < slackAttemptMinimumMs) break;
        attempts = attempt;
        let retryAfterMs: number | undefined;
        try {
            const signal = abortAfter(Math.min(slackAttemptTimeoutMs, timeLeft));
            const response = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(message), signal });
            status = response.status;
            reason = (await response.text()).slice(0, 200);
            if (response.ok) return { delivered: true, attempts: attempt };
            if (status !== 429 && status < 500) break;
            const retryAfter = Number(response.headers.get("retry-after"));
            if (status === 429 && retryAfter > 0) retryAfterMs = retryAfter * 1000;
        } catch (error) {
            status = undefined;
            reason = (error as Error).name === "TimeoutError" ? `no answer within ${Math.floor(Math.min(slackAttemptTimeoutMs, timeLeft))} ms` : (error as Error).message;
        }
        if (attempt === o.attempts) break;
        const delay = retryAfterMs ?? o.baseDelayMs * 2 ** (attempt - 1);
        if (delay + slackAttemptMinimumMs > o.timeLeft()) {
            o.log({ level: "WARN", message: "No time left to wait and try Slack again; not retrying", status, reason, attempt, delayMs: delay, timeLeftMs: o.timeLeft() });
            break;
        }
        o.log({ level: "WARN", message: "Slack did not take the notification; retrying", status, reason, attempt, delayMs: delay });
        await o.sleep(delay);
    }
    const result: PostResult = { delivered: false, attempts, status, reason };
    o.log({ level: "ERROR", message: "Slack notification not delivered", ...result });
    return result;
}
