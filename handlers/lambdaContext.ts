/**
 * What a handler reads of the Lambda context, its second argument: the time the invocation has
 * left before Lambda ends it as timed out (Lambda Node.js context object).
 */
export interface LambdaContext {
    getRemainingTimeInMillis(): number;
}

/** A signal that aborts a call after `ms`: AbortSignal.timeout takes whole milliseconds, and at least 1 here (none left: abort at once). */
export function abortAfter(ms: number): AbortSignal {
    return AbortSignal.timeout(Math.max(1, Math.floor(ms)));
}
