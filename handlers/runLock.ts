import { AttributeValue, DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, TransactWriteItemsCommand } from "@aws-sdk/client-dynamodb";
import { DescribeExecutionCommand, DescribeStateMachineCommand, DescribeStateMachineForExecutionCommand, SFNClient } from "@aws-sdk/client-sfn";
import { StepContext, awsErrorName, taskError } from "./errors";
import { scheduleMaximumEventAgeSeconds, scheduledTimeOf } from "./scheduledRuns";

/**
 * One active run per system, held in a DynamoDB item written with a condition: DynamoDB applies
 * a conditional write atomically against the latest item ("strongly consistent", DynamoDB
 * Developer Guide, "Condition expressions"), so of two runs started in the same second exactly one
 * takes it. ListExecutions and DescribeExecution are eventually consistent (Step Functions API
 * reference) and decide nothing here but whether a holder has ended.
 */

/** The table's partition key: the system a lock guards, or the scheduled time a delivery claims. */
export const lockKeyAttribute = "lockKey";

/** How long a delivery's claim is kept: every delivery of a scheduled time starts within the schedules' event age, and a day more is kept for the record. */
export const claimKeptSeconds = scheduleMaximumEventAgeSeconds + 86_400;

/**
 * A holder that DescribeExecution does not know yet may simply be too young for it (eventually
 * consistent): only one that took the lock longer ago than this is taken for gone.
 */
export const describeLagSeconds = 300;

export interface TakeRunLockEvent extends StepContext {
    tableName: string;
    /** What the lock guards: one system, whichever of its jobnets runs. */
    lockKey: string;
    /** The run asking ($$.Execution.Id), its state machine ($$.StateMachine.Id), its start ($$.Execution.StartTime). */
    executionArn: string;
    stateMachineArn: string;
    startTime: string;
    /** The run's input ($$.Execution.Input): a schedule sends its trigger and scheduled time. */
    input: unknown;
    /** The lease: the jobnet's timeout, after which no run of it can still be acting. */
    leaseSeconds: number;
    /** The locks of the jobnets it must not run beside (statemachines/exclusion.ts); none: its own lock only. */
    notWith?: ExcludedLock[];
    /** The poll's count, when a bounded wait (waitUntil) asks again: given back. */
    attempt?: number;
}

/** Another jobnet's lock, which must be free for this run to take its own. */
export interface ExcludedLock {
    /** How the run that holds it is named: the jobnet, or "stop/start" for the system's lock they share. */
    jobnet: string;
    lockKey: string;
}

export interface RunLockResult {
    /** "taken": this run holds the lock; "held": another active run does; "duplicate": another delivery of this scheduled time runs; "excluded": a jobnet it must not run beside runs. */
    outcome: "taken" | "held" | "duplicate" | "excluded";
    /** The active run that holds the lock, in words: `ARN (started ISO)`; "" unless held. */
    heldBy: string;
    /** The delivery of the same scheduled time that proceeds; null unless a duplicate. */
    duplicateOf: string | null;
    /** Given `notWith`: the active runs of those jobnets, in words (`nightly-batch: ARN (started ISO)`, `; ` between); "" unless excluded. */
    excludedBy?: string;
    /** The poll's count, when one was given. */
    attempt?: number;
}

/** The lock as the table holds it. */
export interface LockHolder {
    executionArn: string;
    startedAt: string;
    /** Epoch seconds: after this the holder's jobnet has timed out, whatever DescribeExecution says. */
    leaseExpiresAt: number;
}

/** What DescribeExecution says of a holder: its status, or that it does not exist (yet, or any more). */
export type HolderStatus = "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED" | "PENDING_REDRIVE" | "DOES_NOT_EXIST";

/** The key of a delivery's claim: one per state machine and scheduled time. */
export function deliveryClaimKey(stateMachineArn: string, scheduledTime: string): string {
    return `delivery:${stateMachineArn.split(":").pop()}:${scheduledTime}`;
}

/**
 * Whether a lock left by another run may be taken (pure): its lease is over, or its run has
 * ended; a run DescribeExecution does not know is gone only once it is older than the read's lag.
 * A run that still runs keeps it, and so does any status not known to be an end.
 */
export function mayTakeOver(holder: LockHolder, status: HolderStatus, nowMs: number): boolean {
    if (nowMs >= holder.leaseExpiresAt * 1000) return true;
    if (status === "DOES_NOT_EXIST") return nowMs - Date.parse(holder.startedAt) > describeLagSeconds * 1000;
    return ["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"].includes(status);
}

/** How a holder is named in a refusal: the same words whoever reads them. */
export function holderInWords(holder: LockHolder): string {
    return `${holder.executionArn} (started ${holder.startedAt})`;
}

/**
 * Takes the system's lock for this run, after claiming its scheduled time when a schedule started
 * it (EventBridge Scheduler delivers at least once: the first claim proceeds, a later delivery of
 * the same time is a duplicate, whenever it comes). A lock left by a run that has ended, or whose
 * lease is over, is taken over with a write conditioned on that holder, so two runs cannot both.
 */
export async function takeRunLock(event: TakeRunLockEvent): Promise<RunLockResult> {
    const dynamodb = new DynamoDBClient({});
    // What a run kept apart from others is told whatever the outcome, so that its definition can select it.
    const besides = { ...(event.notWith === undefined ? {} : { excludedBy: "" }), ...(event.attempt === undefined ? {} : { attempt: event.attempt }) };
    const scheduledTime = scheduledTimeOf(event.input);
    if (scheduledTime !== undefined) {
        const claim = await putIfFree(dynamodb, event.tableName, deliveryClaimItem(event, scheduledTime, Date.now()), event.executionArn, undefined);
        if (claim !== undefined) return { outcome: "duplicate", heldBy: "", duplicateOf: claim.executionArn?.S ?? "an earlier delivery", ...besides };
    }
    const leaseExpiresAt = Math.floor(Date.parse(event.startTime) / 1000) + event.leaseSeconds;
    const { held, excluded } = (event.notWith ?? []).length === 0
        ? { held: await acquireLock(dynamodb, event, event, leaseExpiresAt), excluded: [] }
        : await acquireLockApart(dynamodb, event, event, leaseExpiresAt, event.notWith!);
    if (held !== undefined) return { outcome: "held", heldBy: holderInWords(held), duplicateOf: null, ...besides };
    if (excluded.length > 0) return { outcome: "excluded", heldBy: "", duplicateOf: null, ...besides, excludedBy: excludedInWords(excluded) };
    await recordLatestRun(dynamodb, event, event);
    return { outcome: "taken", heldBy: "", duplicateOf: null, ...besides };
}

/** A run of a jobnet this run must not run beside. */
export interface ExcludingRun {
    jobnet: string;
    holder: LockHolder;
}

/** How the runs that keep a run out are named: `nightly-batch: ARN (started ISO)`, `; ` between. */
export function excludedInWords(runs: ExcludingRun[]): string {
    return runs.map((r) => `${r.jobnet}: ${holderInWords(r.holder)}`).join("; ");
}

/** The condition on a run's own lock item: free, already its own (a retried call), or `replacing`'s, the holder being taken over. */
function ownLockFree(self: string, replacing: string | undefined): { ConditionExpression: string; ExpressionAttributeValues: Record<string, AttributeValue> } {
    return {
        ConditionExpression: `attribute_not_exists(${lockKeyAttribute}) OR executionArn = :self${replacing === undefined ? "" : " OR executionArn = :replacing"}`,
        ExpressionAttributeValues: { ":self": { S: self }, ...(replacing === undefined ? {} : { ":replacing": { S: replacing } }) },
    };
}

/**
 * The condition on another jobnet's lock item that lets a run start: none there, its lease over
 * (epoch seconds `now`), or its holder `gone` (a run found ended whose release was lost).
 */
export function otherLockFree(nowSeconds: number, gone: string | undefined): { ConditionExpression: string; ExpressionAttributeValues: Record<string, AttributeValue> } {
    return {
        ConditionExpression: `attribute_not_exists(${lockKeyAttribute}) OR leaseExpiresAt <= :now${gone === undefined ? "" : " OR executionArn = :gone"}`,
        ExpressionAttributeValues: { ":now": { N: String(nowSeconds) }, ...(gone === undefined ? {} : { ":gone": { S: gone } }) },
    };
}

/**
 * Takes the run's lock only while none of the `apart` locks is held, in one TransactWriteItems:
 * the Put of its own lock and a ConditionCheck of each other lock succeed together or not at all
 * (DynamoDB API reference, TransactWriteItems), so of two runs that must not run together,
 * started in the same second, one takes its lock and the other finds it. A cancelled transaction
 * says why for each item, in the order given (TransactionCanceledException, CancellationReasons:
 * Code ConditionalCheckFailed, and with ReturnValuesOnConditionCheckFailure ALL_OLD the Item),
 * and TransactionConflict when another transaction was writing one of the items at that moment.
 * A holder judged gone as the run lock judges it (mayTakeOver) is no obstacle: the next round's
 * condition accepts that holder's item, and only that one.
 */
async function acquireLockApart(dynamodb: DynamoDBClient, lock: Lock, run: Run, leaseExpiresAt: number, apart: ExcludedLock[]): Promise<{ held: LockHolder | undefined; excluded: ExcludingRun[] }> {
    const item = lockItem(lock, run, leaseExpiresAt);
    let replacing: string | undefined;
    const gone = new Map<string, string>();
    // Each round takes the lock, finds who keeps it from this run, or learns a holder has gone; a conflicting transaction is met again at most twice.
    for (let round = 0; round < 3 + apart.length; round++) {
        const nowSeconds = Math.floor(Date.now() / 1000);
        try {
            await dynamodb.send(new TransactWriteItemsCommand({
                TransactItems: [
                    { Put: { TableName: lock.tableName, Item: item, ...ownLockFree(run.executionArn, replacing), ReturnValuesOnConditionCheckFailure: "ALL_OLD" } },
                    ...apart.map((other) => ({
                        ConditionCheck: {
                            TableName: lock.tableName,
                            Key: { [lockKeyAttribute]: { S: other.lockKey } },
                            ...otherLockFree(nowSeconds, gone.get(other.lockKey)),
                            ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const,
                        },
                    })),
                ],
            }));
            return { held: undefined, excluded: [] };
        } catch (error) {
            if (awsErrorName(error) !== "TransactionCanceledException") throw error;
            const reasons = (error as { CancellationReasons?: { Code?: string; Item?: Record<string, AttributeValue> }[] }).CancellationReasons ?? [];
            const refused = (i: number) => reasons[i]?.Code === "ConditionalCheckFailed";
            const unexpected = reasons.find((r) => r.Code !== undefined && !["None", "ConditionalCheckFailed", "TransactionConflict"].includes(r.Code));
            if (unexpected !== undefined || (reasons.length === 0)) throw error;
            if (reasons.some((r) => r.Code === "TransactionConflict")) continue;
            if (refused(0)) {
                const holder = holderOf(reasons[0].Item ?? {});
                const leaseOver = Date.now() >= holder.leaseExpiresAt * 1000;
                if (!leaseOver && !mayTakeOver(holder, await statusOf(holder.executionArn), Date.now())) return { held: holder, excluded: [] };
                replacing = holder.executionArn;
            }
            const excluded: ExcludingRun[] = [];
            for (const [i, other] of apart.entries()) {
                if (!refused(i + 1)) continue;
                const holder = holderOf(reasons[i + 1].Item ?? {});
                if (mayTakeOver(holder, await statusOf(holder.executionArn), Date.now())) gone.set(other.lockKey, holder.executionArn);
                else excluded.push({ jobnet: other.jobnet, holder });
            }
            if (excluded.length > 0) return { held: undefined, excluded };
        }
    }
    throw new Error(`the run locks ${[lock.lockKey, ...apart.map((a) => a.lockKey)].join(", ")} changed hands too often while ${run.executionArn} tried to take its own`);
}

/** The system's lock: its table and item. */
export type Lock = Pick<TakeRunLockEvent, "tableName" | "lockKey">;
/** A run as the lock knows it. */
export type Run = Pick<TakeRunLockEvent, "executionArn" | "stateMachineArn" | "startTime">;

/** The lock item of a run that holds it until `leaseExpiresAt` (epoch seconds). */
export function lockItem(lock: Pick<Lock, "lockKey">, run: Run, leaseExpiresAt: number): Record<string, AttributeValue> {
    return {
        [lockKeyAttribute]: { S: lock.lockKey },
        executionArn: { S: run.executionArn },
        stateMachineArn: { S: run.stateMachineArn },
        startedAt: { S: run.startTime },
        leaseExpiresAt: { N: String(leaseExpiresAt) },
        // DynamoDB's TTL deletes the item a day after its lease, should every release have been lost.
        expiresAt: { N: String(leaseExpiresAt + 86_400) },
    };
}

/** The item that records the run as the system's latest. */
export function latestRunItem(lock: Pick<Lock, "lockKey">, run: Run): Record<string, AttributeValue> {
    return { [lockKeyAttribute]: { S: latestRunKey(lock.lockKey) }, executionArn: { S: run.executionArn }, startedAt: { S: run.startTime } };
}

/** The item by which a run claims its scheduled time, at `nowMs`. */
export function deliveryClaimItem(run: Pick<Run, "executionArn" | "stateMachineArn">, scheduledTime: string, nowMs: number): Record<string, AttributeValue> {
    return {
        [lockKeyAttribute]: { S: deliveryClaimKey(run.stateMachineArn, scheduledTime) },
        executionArn: { S: run.executionArn },
        expiresAt: { N: String(Math.floor(nowMs / 1000) + claimKeptSeconds) },
    };
}

/** The item that names the run of the system started last, which a redrive of an earlier one must not follow. */
export function latestRunKey(lockKey: string): string {
    return `latest:${lockKey}`;
}

/**
 * Takes the lock for the run, until `leaseExpiresAt` (epoch seconds); the holder when another run
 * holds it and still runs. A lock left by a run that has ended, or whose lease is over, is taken
 * over with a write conditioned on that holder, so two runs cannot both.
 */
async function acquireLock(dynamodb: DynamoDBClient, lock: Lock, run: Run, leaseExpiresAt: number): Promise<LockHolder | undefined> {
    const item = lockItem(lock, run, leaseExpiresAt);
    let replacing: string | undefined;
    // Each round either takes the lock or finds its holder; a takeover another run won first is read again once.
    for (let round = 0; round < 3; round++) {
        const found = await putIfFree(dynamodb, lock.tableName, item, run.executionArn, replacing);
        if (found === undefined) return undefined;
        const holder = holderOf(found);
        const leaseOver = Date.now() >= holder.leaseExpiresAt * 1000;
        if (!leaseOver && !mayTakeOver(holder, await statusOf(holder.executionArn), Date.now())) return holder;
        replacing = holder.executionArn;
    }
    throw new Error(`the run lock ${lock.lockKey} changed hands three times while ${run.executionArn} tried to take it`);
}

/** Records the run as the system's latest, unless one started later is recorded already. */
async function recordLatestRun(dynamodb: DynamoDBClient, lock: Lock, run: Run): Promise<void> {
    try {
        await dynamodb.send(new PutItemCommand({
            TableName: lock.tableName,
            Item: latestRunItem(lock, run),
            // ISO 8601 times of one form order as strings do.
            ConditionExpression: `attribute_not_exists(${lockKeyAttribute}) OR startedAt <= :started`,
            ExpressionAttributeValues: { ":started": { S: run.startTime } },
        }));
    } catch (error) {
        if (awsErrorName(error) !== "ConditionalCheckFailedException") throw error;
    }
}

/** What a task of a redriven run is told of it (statemachines/redriveGuard.ts), to check before it acts. */
export interface RedriveContext extends Lock, Run {
    /** $$.Execution.RedriveCount: 0 for a run that was never redriven. */
    count: number;
    /** How long the redriven run may hold the lock: its jobnet's timeout, counted from now. */
    leaseSeconds: number;
    /** The locks of the jobnets it must not run beside (statemachines/exclusion.ts). */
    notWith?: ExcludedLock[];
}

/**
 * How the state machine's definition changed since a run started, in words ("revision r-1, now
 * r-2"); undefined when it is the same. The first revision of a state machine has no id
 * (DescribeStateMachineForExecution: "The first revision ID when you create the state machine is
 * null"): none and none are the same revision.
 */
export function definitionUpdate(ran: string | undefined, now: string | undefined): string | undefined {
    const revision = (id: string | undefined) => id ?? "the first";
    return revision(ran) === revision(now) ? undefined : `revision ${revision(ran)}, now ${revision(now)}`;
}

/**
 * Refuses to let a redriven run act when it would act on a stale system. RedriveExecution resumes
 * a run from its failed step with the definition it started with, and does not run again the steps
 * that succeeded (Step Functions API reference, RedriveExecution): not the lock, not the
 * maintenance page. So a task of a redriven run first checks that the state machine was not
 * updated since the run started, that no run of the system started after it, and takes the lock
 * again: another run holding it, and still running, refuses the redrive too.
 */
export async function refuseUnsafeRedrive(redrive: RedriveContext): Promise<void> {
    const refuse = (why: string) => taskError("RedriveRefused", `this run was redriven, but ${why}; run the jobnet again instead, once the cause of the failure is fixed`);
    const sfn = new SFNClient({});
    const ran = (await sfn.send(new DescribeStateMachineForExecutionCommand({ executionArn: redrive.executionArn }))).revisionId;
    const now = (await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: redrive.stateMachineArn }))).revisionId;
    const update = definitionUpdate(ran, now);
    if (update !== undefined) throw refuse(`its state machine was updated since it started (${update}), and a redrive resumes it with the old definition`);
    const dynamodb = new DynamoDBClient({});
    const latest = (await dynamodb.send(new GetItemCommand({ TableName: redrive.tableName, Key: { [lockKeyAttribute]: { S: latestRunKey(redrive.lockKey) } }, ConsistentRead: true }))).Item;
    const startedAt = latest?.startedAt?.S;
    if (latest !== undefined && latest.executionArn?.S !== redrive.executionArn && startedAt !== undefined && startedAt > redrive.startTime) {
        throw refuse(`run ${latest.executionArn?.S} started after it (${startedAt}), so the system has moved on since it failed`);
    }
    const held = await acquireLock(dynamodb, redrive, redrive, Math.floor(Date.now() / 1000) + redrive.leaseSeconds);
    if (held !== undefined) throw refuse(`another jobnet run is active: ${holderInWords(held)}`);
    // Its own lock first, then theirs read (strongly consistent): a run of theirs starting now finds
    // this one's lock in its transaction, or this one finds theirs; both may refuse, never both run.
    const running = await excludingRuns(dynamodb, redrive.tableName, redrive.notWith ?? []);
    if (running.length > 0) throw refuse(`a jobnet it must not run beside is running: ${excludedInWords(running)}`);
}

/** The runs of the `locks`' jobnets that hold them and still run (a lock left by a run that has ended, or whose lease is over, holds nothing). */
async function excludingRuns(dynamodb: DynamoDBClient, tableName: string, locks: ExcludedLock[]): Promise<ExcludingRun[]> {
    const running: ExcludingRun[] = [];
    for (const lock of locks) {
        const item = (await dynamodb.send(new GetItemCommand({ TableName: tableName, Key: { [lockKeyAttribute]: { S: lock.lockKey } }, ConsistentRead: true }))).Item;
        if (item === undefined) continue;
        const holder = holderOf(item);
        const leaseOver = Date.now() >= holder.leaseExpiresAt * 1000;
        if (!leaseOver && !mayTakeOver(holder, await statusOf(holder.executionArn), Date.now())) running.push({ jobnet: lock.jobnet, holder });
    }
    return running;
}

/**
 * A task's handler that, in a redriven run, first checks the redrive is safe (refuseUnsafeRedrive):
 * the console's Redrive button goes through no check of ours.
 */
export function guardingRedrives<E extends { redrive?: RedriveContext }, R>(handler: (event: E) => Promise<R>): (event: E) => Promise<R> {
    return async (event) => {
        if (event.redrive !== undefined && event.redrive.count > 0) await refuseUnsafeRedrive(event.redrive);
        return handler(event);
    };
}

export interface ReleaseRunLockEvent extends StepContext {
    tableName: string;
    lockKey: string;
    /** The run that ended: only its own lock is released. */
    executionArn: string;
}

/**
 * Releases the lock if this run holds it; one another run holds is left alone. EventBridge calls
 * it for every end of a run (Step Functions Execution Status Change), at least once, in any order.
 */
export async function releaseRunLock(event: ReleaseRunLockEvent): Promise<{ released: boolean }> {
    try {
        await new DynamoDBClient({}).send(new DeleteItemCommand({
            TableName: event.tableName,
            Key: { [lockKeyAttribute]: { S: event.lockKey } },
            ConditionExpression: "executionArn = :run",
            ExpressionAttributeValues: { ":run": { S: event.executionArn } },
        }));
        return { released: true };
    } catch (error) {
        if (awsErrorName(error) === "ConditionalCheckFailedException") return { released: false };
        throw error;
    }
}

/**
 * Writes the item unless another run's item is there (an earlier write of this run's, a retried
 * call, counts as free; so does `replacing`'s, the holder being taken over). Returns the item
 * found when the write was refused: DynamoDB returns it with the refusal (ReturnValuesOnConditionCheckFailure ALL_OLD).
 */
async function putIfFree(dynamodb: DynamoDBClient, tableName: string, item: Record<string, AttributeValue>, self: string, replacing: string | undefined): Promise<Record<string, AttributeValue> | undefined> {
    try {
        await dynamodb.send(new PutItemCommand({
            TableName: tableName,
            Item: item,
            ...ownLockFree(self, replacing),
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }));
        return undefined;
    } catch (error) {
        if (awsErrorName(error) !== "ConditionalCheckFailedException") throw error;
        return (error as { Item?: Record<string, AttributeValue> }).Item ?? {};
    }
}

function holderOf(item: Record<string, AttributeValue>): LockHolder {
    return {
        executionArn: item.executionArn?.S ?? "an unknown run",
        startedAt: item.startedAt?.S ?? new Date(0).toISOString(),
        leaseExpiresAt: Number(item.leaseExpiresAt?.N ?? 0),
    };
}

async function statusOf(executionArn: string): Promise<HolderStatus> {
    try {
        const described = await new SFNClient({}).send(new DescribeExecutionCommand({ executionArn }));
        return (described.status ?? "RUNNING") as HolderStatus;
    } catch (error) {
        // DescribeExecution of an ARN Step Functions does not know (Step Functions API reference).
        if (awsErrorName(error) === "ExecutionDoesNotExist") return "DOES_NOT_EXIST";
        throw error;
    }
}
