import { createHash } from "crypto";
import { serviceError } from "./account";

/**
 * The task tokens of callback tasks (`.waitForTaskToken`): Step Functions gives each attempt of
 * such a task a token in `$$.Task.Token` and waits until SendTaskSuccess or SendTaskFailure names
 * it (Step Functions Developer Guide, "Wait for a Callback with Task Token"). A token is open while
 * its attempt waits; it closes when it is completed, when the attempt times out, when the branch it
 * is in is aborted, or when its execution ends; a closed token answers TaskTimedOut, "The task
 * token has either expired or the task associated with the token has already been closed" (Step
 * Functions API reference, SendTaskSuccess).
 */
export interface SimTaskToken {
    token: string;
    executionArn: string;
    /** The Task state it was issued to, and the Parallel and Map states around that state. */
    state: string;
    enclosing: string[];
    issuedAt: number;
    status: "open" | "succeeded" | "failed" | "closed";
    /** Why a token closed without being completed: "timed out", "branch aborted", "execution ended". */
    closedBecause?: string;
    lastHeartbeatAt?: number;
}

/** The largest output SendTaskSuccess takes: 262,144 bytes of UTF-8 (Step Functions API reference, SendTaskSuccess, output). */
export const taskOutputMaxBytes = 262_144;
/** SendTaskFailure: error at most 256 characters, cause at most 32,768 (Step Functions API reference). */
export const taskErrorMaxLength = 256;
export const taskCauseMaxLength = 32_768;

/** How an attempt waiting on a token ends. */
export type TaskOutcome = { output: unknown } | { error: string; cause: string };

/** What a token looks like: an opaque string of about 700 base64 characters, like the ones Step Functions issues ("AQB4AAAA..."). */
const tokenShape = /^AQ[A-Za-z0-9+/]{600,}={0,2}$/;

export class TaskTokens {
    private readonly tokens = new Map<string, SimTaskToken & { settle?: (o: TaskOutcome) => void }>();
    private serial = 0;

    /** Issues a fresh token to an attempt of a callback task; the promise settles when it is completed. */
    issue(executionArn: string, state: string, enclosing: string[]): { token: string; completed: Promise<TaskOutcome> } {
        const n = ++this.serial;
        // Deterministic, unique and opaque: a hash chain of the execution, the state and the serial, base64.
        let bytes = Buffer.alloc(0);
        for (let block = 0; bytes.length < 520; block++) {
            bytes = Buffer.concat([bytes, createHash("sha256").update(`${executionArn}/${state}/${n}/${block}`).digest()]);
        }
        const token = `AQ${bytes.subarray(0, 520).toString("base64")}`;
        let settle!: (o: TaskOutcome) => void;
        const completed = new Promise<TaskOutcome>((resolve) => { settle = resolve; });
        this.tokens.set(token, { token, executionArn, state, enclosing, issuedAt: Date.now(), status: "open", settle });
        return { token, completed };
    }

    /** A token issued, as it stands now. */
    get(token: string): SimTaskToken | undefined {
        const t = this.tokens.get(token);
        if (!t) return undefined;
        const { settle: _settle, ...rest } = t;
        return rest;
    }

    /** Every token issued, open and closed. */
    all(): SimTaskToken[] {
        return [...this.tokens.values()].map(({ settle: _settle, ...t }) => t);
    }

    open(): SimTaskToken[] {
        return this.all().filter((t) => t.status === "open");
    }

    /** SendTaskSuccess: the output must be JSON, at most 256 KiB. */
    succeed(token: string, output: string): void {
        const t = this.openToken(token);
        if (Buffer.byteLength(output, "utf8") > taskOutputMaxBytes) throw serviceError("InvalidOutput", `The output exceeds the maximum size of ${taskOutputMaxBytes} bytes.`);
        let parsed: unknown;
        try {
            parsed = JSON.parse(output);
        } catch {
            throw serviceError("InvalidOutput", "Invalid JSON output.");
        }
        t.status = "succeeded";
        t.settle?.({ output: parsed });
    }

    /** SendTaskFailure: the state fails with this error and cause, which its Retry and Catch match. */
    fail(token: string, error: string | undefined, cause: string | undefined): void {
        if ((error ?? "").length > taskErrorMaxLength) throw serviceError("ValidationException", `1 validation error detected: Value at 'error' failed to satisfy constraint: Member must have length less than or equal to ${taskErrorMaxLength}`);
        if ((cause ?? "").length > taskCauseMaxLength) throw serviceError("ValidationException", `1 validation error detected: Value at 'cause' failed to satisfy constraint: Member must have length less than or equal to ${taskCauseMaxLength}`);
        const t = this.openToken(token);
        t.status = "failed";
        // Without an error name the state fails with an empty one, which only States.ALL matches.
        t.settle?.({ error: error ?? "", cause: cause ?? "" });
    }

    /** SendTaskHeartbeat: only an open token takes one. */
    heartbeat(token: string): void {
        this.openToken(token).lastHeartbeatAt = Date.now();
    }

    /** Closes the open tokens that match, uncompleted: their attempts ended some other way. */
    close(because: string, which: (t: SimTaskToken) => boolean): void {
        for (const t of this.tokens.values()) {
            if (t.status !== "open" || !which(t)) continue;
            t.status = "closed";
            t.closedBecause = because;
        }
    }

    private openToken(token: string): SimTaskToken & { settle?: (o: TaskOutcome) => void } {
        // A string that is not a token at all is InvalidToken; a token of no task this account issued, TaskDoesNotExist.
        if (typeof token !== "string" || token.length < 1 || token.length > 2048 || !tokenShape.test(token)) throw serviceError("InvalidToken", "Invalid token");
        const t = this.tokens.get(token);
        if (!t) throw serviceError("TaskDoesNotExist", "Task Does Not Exist");
        if (t.status !== "open") throw serviceError("TaskTimedOut", "Task Timed Out");
        return t;
    }
}
