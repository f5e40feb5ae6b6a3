/** Slack incoming webhooks: posting with retries, and texts cut to Slack's limits. */

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

