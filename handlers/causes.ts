/**
 * A run's cause as a person reads it. When a Lambda handler throws, Step Functions' cause is
 * Lambda's JSON error, `{"errorType":"X","errorMessage":"...","trace":[...]}`, either alone or at
 * the end of a Fail state's cause that quotes a caught error (`$.error.Cause`): that JSON becomes
 * its errorMessage. Any other cause is kept as it is.
 */
export function readableCause(cause: string | undefined): string | undefined {
    if (cause === undefined) return undefined;
    const start = cause.search(/\{\s*"error(Type|Message)"\s*:/);
    if (start < 0) return cause;
    let error: unknown;
    try {
        error = JSON.parse(cause.slice(start));
    } catch {
        return cause;
    }
    const message = (error as { errorMessage?: unknown }).errorMessage;
    return typeof message === "string" && message !== "" ? cause.slice(0, start) + message : cause;
}
