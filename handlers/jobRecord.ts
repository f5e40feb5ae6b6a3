import { ConditionalCheckFailedException, DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { SFNClient, SendTaskFailureCommand, SendTaskSuccessCommand } from "@aws-sdk/client-sfn";
import type { RunGraph } from "../statemachines/jobGraph";
import { awsErrorName, taskError } from "./errors";
import { Release, RunRecord, advance, failureDue, redriven } from "./jobRun";
import { lockKeyAttribute } from "./runLock";

/**
 * Where a run of a team's jobnet keeps its record, and the task tokens of its jobs, in the stack's
 * run-lock table: `jobrun:` the graph and the record, `jobwait:` the token of a job waiting for its
 * predecessors, `jobtask:` the token of a job running, `jobhold:` the token of a job held for an
 * operator, `jobcommand:` and `jobchild:` the run and job
 * a Run Command command or a child jobnet's run belongs to. Items expire a week after their write.
 */

export interface RunRef {
    tableName: string;
    /** The run: its execution ARN, the same through its redrives. */
    executionArn: string;
    /** $$.Execution.RedriveCount: a record from an earlier attempt is reset for this one (jobRun.ts, redriven). */
    redriveCount: number;
}

const keptSeconds = 7 * 86_400;
/** Writes of the record one call tries before it gives up (RunRecordBusy: its task tries the call again). */
const maxWriteAttempts = 30;
const key = (k: string) => ({ [lockKeyAttribute]: { S: k } });
const expiresAt = () => ({ N: String(Math.floor(Date.now() / 1000) + keptSeconds) });

export const runKey = (run: { executionArn: string }) => `jobrun:${run.executionArn}`;
export const waitKey = (run: { executionArn: string }, job: string) => `jobwait:${run.executionArn}:${job}`;
export const taskKey = (run: { executionArn: string }, job: string) => `jobtask:${run.executionArn}:${job}`;
export const commandKey = (commandId: string) => `jobcommand:${commandId}`;
export const childKey = (executionArn: string) => `jobchild:${executionArn}`;
/** The token of a job held until an operator releases it (handlers/jobHold.ts). */
export const holdKey = (run: { executionArn: string }, job: string) => `jobhold:${run.executionArn}:${job}`;

export interface StoredRun {
    graph: RunGraph;
    record: RunRecord;
    /** The attempt the record is of: 0, then each redrive's count. */
    redriveCount: number;
}

const dynamodb = () => new DynamoDBClient({});

export async function readRun(tableName: string, executionArn: string): Promise<StoredRun | undefined> {
    const item = (await dynamodb().send(new GetItemCommand({ TableName: tableName, Key: key(runKey({ executionArn })), ConsistentRead: true }))).Item;
    if (!item?.run?.S) return undefined;
    return JSON.parse(item.run.S) as StoredRun;
}

/** Writes the run if nobody wrote it since `version` was read (or, `version` undefined, if it does not exist). */
async function writeRun(tableName: string, executionArn: string, run: StoredRun, version: number | undefined): Promise<boolean> {
    try {
        await dynamodb().send(new PutItemCommand({
            TableName: tableName,
            Item: { ...key(runKey({ executionArn })), run: { S: JSON.stringify(run) }, version: { N: String(run.record.version) }, expiresAt: expiresAt() },
            ...(version === undefined
                ? { ConditionExpression: `attribute_not_exists(${lockKeyAttribute})` }
                : { ConditionExpression: "version = :read", ExpressionAttributeValues: { ":read": { N: String(version) } } }),
        }));
        return true;
    } catch (error) {
        if (error instanceof ConditionalCheckFailedException || awsErrorName(error) === "ConditionalCheckFailedException") return false;
        throw error;
    }
}

/** Creates the run's record once; a retried or redriven first step finds it and leaves it. */
export async function beginRun(ref: RunRef, graph: RunGraph, record: RunRecord): Promise<void> {
    await writeRun(ref.tableName, ref.executionArn, { graph, record, redriveCount: ref.redriveCount }, undefined);
}

/**
 * Reads the run, applies a change, and writes it back unless someone wrote it in between (then
 * reads and applies again). A record of an earlier attempt is first reset for this redrive. The
 * releases the change (and the reset) decided are returned, to be delivered after the write.
 */
export async function updateRun<T>(ref: RunRef, change: (run: StoredRun) => { record: RunRecord; releases?: Release[]; result: T }): Promise<{ run: StoredRun; releases: Release[]; result: T }> {
    for (let attempt = 1; ; attempt++) {
        const read = await readRun(ref.tableName, ref.executionArn);
        if (!read) throw new Error(`no record of run ${ref.executionArn} in ${ref.tableName}: its BeginJobs step did not run`);
        let base = read;
        const releases: Release[] = [];
        if (ref.redriveCount > read.redriveCount) {
            const reset = advance(read.graph, redriven(read.graph, read.record));
            base = { ...read, record: reset.record, redriveCount: ref.redriveCount };
            releases.push(...reset.releases);
        }
        const changed = change(base);
        releases.push(...(changed.releases ?? []));
        const next: StoredRun = { ...base, record: { ...changed.record, version: read.record.version + 1 } };
        if (JSON.stringify(next.record.jobs) === JSON.stringify(read.record.jobs) && JSON.stringify(next.record.failure) === JSON.stringify(read.record.failure) && base === read) {
            return { run: read, releases, result: changed.result };
        }
        if (await writeRun(ref.tableName, ref.executionArn, next, read.record.version)) return { run: next, releases, result: changed.result };
        // Many jobs of a wide jobnet start or end at once, each writing the one record: the one whose write
        // lost reads again after a short random pause (exponential backoff with full jitter).
        if (attempt >= maxWriteAttempts) throw taskError("RunRecordBusy", `run ${ref.executionArn}: its record kept changing under ${maxWriteAttempts} writes in a row`);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(1000, 10 * 2 ** attempt)));
    }
}

/** Keeps text fields under a key (a command's or a child run's job), replacing an earlier item. */
export async function keepItem(tableName: string, itemKey: string, fields: Record<string, string>): Promise<void> {
    await dynamodb().send(new PutItemCommand({
        TableName: tableName,
        Item: { ...key(itemKey), ...Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, { S: v }])), expiresAt: expiresAt() },
    }));
}

/** Keeps a task token under a key (a job waiting, a job running), replacing an earlier one. */
export function keepToken(tableName: string, itemKey: string, token: string): Promise<void> {
    return keepItem(tableName, itemKey, { token });
}

export async function readItem(tableName: string, itemKey: string, client = dynamodb()): Promise<Record<string, string> | undefined> {
    const item = (await client.send(new GetItemCommand({ TableName: tableName, Key: key(itemKey), ConsistentRead: true }))).Item;
    if (!item) return undefined;
    return Object.fromEntries(Object.entries(item).filter(([, v]) => v.S !== undefined).map(([k, v]) => [k, v.S as string]));
}

/**
 * Takes a waiting job's token, once: of the two that may deliver it (the job registering, a
 * predecessor ending), the one whose conditional delete succeeds does.
 */
export async function takeToken(tableName: string, itemKey: string): Promise<string | undefined> {
    const kept = await readItem(tableName, itemKey);
    if (!kept?.token) return undefined;
    try {
        await dynamodb().send(new DeleteItemCommand({
            TableName: tableName,
            Key: key(itemKey),
            ConditionExpression: "#token = :token",
            ExpressionAttributeNames: { "#token": "token" },
            ExpressionAttributeValues: { ":token": { S: kept.token } },
        }));
        return kept.token;
    } catch (error) {
        if (error instanceof ConditionalCheckFailedException || awsErrorName(error) === "ConditionalCheckFailedException") return undefined;
        throw error;
    }
}

/** The token's task has closed already (its branch aborted, its run ended, an earlier token replaced): nothing to tell it (SFN API reference, SendTaskSuccess errors). */
const closedTokenErrors = ["TaskTimedOut", "TaskDoesNotExist", "InvalidToken"];

/** Ends a task: success with an output, or failure with an error and a cause. A task already closed is left alone. */
export async function completeTask(token: string, outcome: { output: unknown } | { error: string; cause: string }, sfn = new SFNClient({})): Promise<boolean> {
    try {
        if ("output" in outcome) await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(outcome.output) }));
        // SendTaskFailure: error at most 256 characters, cause at most 32,768 (SFN API reference).
        else await sfn.send(new SendTaskFailureCommand({ taskToken: token, error: outcome.error.slice(0, 256), cause: outcome.cause.slice(0, 32_768) }));
        return true;
    } catch (error) {
        if (closedTokenErrors.includes(awsErrorName(error))) return false;
        throw error;
    }
}

/** What a waiting job is told when it is released: start, skipped, or the branch its judgment took. */
export function releaseOutput(r: Release): Record<string, unknown> {
    return r.go === "judged" ? { go: r.go, taken: r.taken, exitCode: r.exitCode, ...(r.value !== undefined ? { value: r.value } : {}) } : { go: r.go };
}

/**
 * After a write: tells each released job that waits (its token kept), and, when the run has failed
 * and no job runs any more, fails the task of the job that failed, so that the run ends naming it.
 */
export async function deliver(ref: RunRef, run: StoredRun, releases: Release[]): Promise<void> {
    for (const r of releases) {
        const token = await takeToken(ref.tableName, waitKey(ref, r.job));
        if (token) await completeTask(token, { output: releaseOutput(r) });
    }
    const due = failureDue(run.graph, run.record);
    if (due) {
        // A judgment that could not judge its value has no run task: its wait's task is the one to fail.
        const token = run.graph.jobs[due.job]?.judge
            ? await takeToken(ref.tableName, waitKey(ref, due.job))
            : (await readItem(ref.tableName, taskKey(ref, due.job)))?.token;
        if (token) await completeTask(token, { error: due.error, cause: due.cause });
    }
}

/** What a released job was told, read back from the record: for a job that registers after its release. */
export function releaseOf(run: StoredRun, job: string): Release | undefined {
    const s = run.record.jobs[job];
    if (s.status === "released" || s.status === "running") return { job, go: "run" };
    if (s.status === "ended" && s.end === "skipped") return { job, go: "skip" };
    if (s.status === "ended" && s.taken !== undefined) return { job, go: "judged", taken: s.taken, exitCode: s.exitCode ?? 0, ...(s.judgedValue !== undefined ? { value: s.judgedValue } : {}) };
    // A judgment that ended abnormally (a value it could not judge) is not released: the run's failure ends its wait.
    if (s.status === "ended" && run.graph.jobs[job]?.judge) return undefined;
    if (s.status === "ended") return { job, go: "run" };
    return undefined;
}
