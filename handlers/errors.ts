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

/**
 * The names AWS gives a throttled request, as the SDK raises them once its own attempts are spent:
 * EC2 RequestLimitExceeded; SSM, AWS Backup and Step Functions ThrottlingException; ELB and RDS
 * Throttling; Lambda TooManyRequestsException; DynamoDB ProvisionedThroughputExceededException
 * (the SDK's own list: THROTTLING_ERROR_CODES).
 */
export const awsThrottlingErrors = ["RequestLimitExceeded", "ThrottlingException", "Throttling", "TooManyRequestsException", "ProvisionedThroughputExceededException"];

/** What every jobnet task is told besides its own input: the step it runs for, and what it acts on. */
export interface StepContext {
    /** The state that invoked the function. */
    step?: string;
    /** The name operators know the resource by: a server's name, the cluster's identifier. */
    about?: string;
}

/**
 * Wraps a task's handler so that an AWS error it lets through says where it happened: the step,
 * the resource, the AWS error and how many attempts the SDK made. The error keeps its name, so
 * the state machine's Retry and Catch still match it.
 */
export function reportingStep<E, R>(handler: (event: E) => Promise<R>): (event: E & StepContext) => Promise<R> {
    return async (event) => {
        try {
            return await handler(event);
        } catch (error) {
            throw describeAwsError(error, event);
        }
    };
}

/** An AWS SDK service error, renamed nothing, reworded to name the step and the resource; any other error as it is. */
export function describeAwsError(error: unknown, where: StepContext): unknown {
    const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number; attempts?: number } };
    if (typeof error !== "object" || error === null || e.$metadata === undefined) return error;
    const throttled = awsThrottlingErrors.includes(e.name ?? "");
    const place = [where.step, where.about].filter((p) => p).join(" on ") || "an AWS call";
    const attempts = e.$metadata.attempts ? `, after ${e.$metadata.attempts} attempts` : "";
    const what = throttled ? "AWS throttled the request" : "AWS refused the request";
    const reworded = new Error(`${place}: ${what} (${e.name}, HTTP ${e.$metadata.httpStatusCode ?? "?"}${attempts}): ${e.message || "no message"}`);
    reworded.name = e.name ?? "Error";
    return reworded;
}
