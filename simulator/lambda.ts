import * as path from "path";
import { taskTimeoutSeconds } from "../statemachines/asl";
import { currentCaller } from "./services";
import { LambdaContext } from "../handlers/lambdaContext";

/** A function as deployed: its ARN and the folder holding the `__index.js` Pulumi serialised for it. */
export interface DeployedFunction {
    task: string;
    /** Whose calls these are, as IAM knows them (RecordedCall.caller): the task unless given, one function of several of a task. */
    caller?: string;
    functionArn: string;
    codeDirectory: string;
}

/**
 * Plays AWS Lambda: runs the serialised handler of each function (the file Lambda would run,
 * loaded with `require`), round-trips payloads through JSON, and reports a handler error the way
 * Step Functions sees it: the error name is the errorType, the cause Lambda's JSON error.
 */
export class SimulatedLambda {
    readonly invocations = new Map<string, number>();
    private readonly byArn = new Map<string, { task: string; caller: string; handler: (event: unknown) => Promise<unknown> }>();
    private readonly throttlesLeft: Record<string, number>;
    private readonly lateLeft: Record<string, number>;

    /**
     * `throttles`: the first N invocations of these tasks, or by these steps (Task states), are
     * throttled by Lambda. `late`: the first N invocations of these tasks, or by these steps, do
     * their work, but their response reaches Step Functions only after the Task has timed out
     * (Lambda service delays, a slow cold start).
     */
    constructor(functions: DeployedFunction[], throttles: Record<string, number> = {}, late: Record<string, number> = {}) {
        for (const f of functions) {
            const file = path.join(f.codeDirectory, "__index.js");
            const handler = (require(file) as { handler: (event: unknown) => Promise<unknown> }).handler;
            if (typeof handler !== "function") throw new Error(`${file} exports no handler`);
            this.byArn.set(f.functionArn, { task: f.task, caller: f.caller ?? f.task, handler });
        }
        this.throttlesLeft = { ...throttles };
        this.lateLeft = { ...late };
    }

    /** Invokes a function; `step`, the Task state that invokes it, when a state machine does. */
    async invoke(functionArn: string, payload: unknown, step?: string): Promise<unknown> {
        const fn = this.byArn.get(functionArn);
        if (!fn) throw lambdaError("Lambda.ResourceNotFoundException", `Function not found: ${functionArn}`);
        this.invocations.set(fn.task, (this.invocations.get(fn.task) ?? 0) + 1);
        // A fault named after the step that invokes, else after the function's task.
        const faultOf = (left: Record<string, number>) => [step, fn.task].find((k): k is string => k !== undefined && (left[k] ?? 0) > 0);
        const throttled = faultOf(this.throttlesLeft);
        if (throttled !== undefined) {
            this.throttlesLeft[throttled]--;
            throw lambdaError("Lambda.TooManyRequestsException", "Rate Exceeded. (Service: Lambda, Status Code: 429)");
        }
        const event = JSON.parse(JSON.stringify(payload ?? {}));
        try {
            const result = await currentCaller.run(fn.caller, () => fn.handler(event));
            const late = faultOf(this.lateLeft);
            if (late !== undefined) {
                this.lateLeft[late]--;
                await new Promise((resolve) => setTimeout(resolve, (taskTimeoutSeconds + 30) * 1000));
            }
            return JSON.parse(JSON.stringify(result ?? null));
        } catch (error) {
            const e = error as Error;
            throw lambdaError(e.name || "Error", JSON.stringify({ errorType: e.name || "Error", errorMessage: e.message, trace: [] }));
        }
    }

    /** Whether the simulation plays this function. */
    has(functionArn: string): boolean {
        return this.byArn.has(functionArn);
    }

    get totalInvocations(): number {
        return [...this.invocations.values()].reduce((a, b) => a + b, 0);
    }
}

function lambdaError(name: string, cause: string): Error {
    const e = new Error(cause);
    e.name = name;
    return e;
}

/** The context Lambda gives an invocation that began now and may run `timeoutMs`: its time left, by the clock in use. */
export function invocationContext(timeoutMs: number): LambdaContext {
    const endsAt = Date.now() + timeoutMs;
    return { getRemainingTimeInMillis: () => Math.max(0, endsAt - Date.now()) };
}

/** How one attempt of an asynchronous invocation ended. */
export type AttemptOutcome = { outcome: "returned"; ms: number } | { outcome: "error"; ms: number; error: string } | { outcome: "timed out"; ms: number };

/**
 * Plays Lambda's asynchronous invocation of one event: an attempt that throws or outlasts the
 * function's timeout is a function error, and "Lambda attempts to run it two more times" by
 * default, `maximumRetryAttempts` as configured, with the same event ("How Lambda handles errors
 * and retries with asynchronous invocation", Lambda Developer Guide). The waits between attempts
 * (1 and 2 minutes) are left out unless given (`waitsMs`, before each retry in turn). Lambda ends an
 * attempt that timed out; here it is only no longer waited for, so what it would have done later is
 * not counted against the function.
 */
export async function invokeAsynchronously<E>(
    handler: (event: E, context: LambdaContext) => Promise<unknown>,
    event: E,
    o: { timeoutMs: number; maximumRetryAttempts: number; waitsMs?: number[] },
): Promise<AttemptOutcome[]> {
    const attempts: AttemptOutcome[] = [];
    for (let attempt = 0; attempt <= o.maximumRetryAttempts; attempt++) {
        const wait = attempt === 0 ? 0 : o.waitsMs?.[attempt - 1] ?? 0;
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        const began = Date.now();
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<"timed out">((resolve) => { timer = setTimeout(() => resolve("timed out"), o.timeoutMs); });
        const ran = handler(JSON.parse(JSON.stringify(event)) as E, invocationContext(o.timeoutMs)).then(() => "returned" as const, (error: Error) => error);
        const end = await Promise.race([ran, timedOut]);
        clearTimeout(timer);
        const ms = Date.now() - began;
        if (end === "returned") return [...attempts, { outcome: "returned", ms }];
        attempts.push(end === "timed out" ? { outcome: "timed out", ms } : { outcome: "error", ms, error: `${end.name}: ${end.message}` });
    }
    return attempts;
}
