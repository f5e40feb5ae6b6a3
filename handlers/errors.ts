/**
 * An error with a stable name: Step Functions matches Retry and Catch on `error.name`, which
 * Lambda reports as the errorType. Messages name the resource.
 */
export function taskError(name: string, message: string): Error {
    const error = new Error(message);
    error.name = name;
    return error;
}

/** The name the AWS SDK v3 gives a service error (its exception shape), or "" for anything else. */
export function awsErrorName(error: unknown): string {
    return typeof error === "object" && error !== null && "name" in error ? String((error as { name: unknown }).name) : "";
}

/** Polls echo the attempt counter the state machine sends, so its bound can be checked. */
export interface Polled {
    attempt: number;
}
