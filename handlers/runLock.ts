import { AttributeValue, DeleteItemCommand, DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { DescribeExecutionCommand, SFNClient } from "@aws-sdk/client-sfn";
import { StepContext, awsErrorName } from "./errors";
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
}

export interface RunLockResult {
    /** "taken": this run holds the lock; "held": another active run does; "duplicate": another delivery of this scheduled time runs. */
    outcome: "taken" | "held" | "duplicate";
    /** The active run that holds the lock, in words: `ARN (started ISO)`; "" unless held. */
    heldBy: string;
    /** The delivery of the same scheduled time that proceeds; null unless a duplicate. */
    duplicateOf: string | null;
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
    const scheduledTime = scheduledTimeOf(event.input);
    if (scheduledTime !== undefined) {
        const claim = await putIfFree(dynamodb, event.tableName, {
            [lockKeyAttribute]: { S: deliveryClaimKey(event.stateMachineArn, scheduledTime) },
            executionArn: { S: event.executionArn },
            expiresAt: { N: String(Math.floor(Date.now() / 1000) + claimKeptSeconds) },
        }, event.executionArn, undefined);
        if (claim !== undefined) return { outcome: "duplicate", heldBy: "", duplicateOf: claim.executionArn?.S ?? "an earlier delivery" };
    }
    const leaseExpiresAt = Math.floor(Date.parse(event.startTime) / 1000) + event.leaseSeconds;
    const item = {
        [lockKeyAttribute]: { S: event.lockKey },
        executionArn: { S: event.executionArn },
        stateMachineArn: { S: event.stateMachineArn },
        startedAt: { S: event.startTime },
        leaseExpiresAt: { N: String(leaseExpiresAt) },
        // DynamoDB's TTL deletes the item a day after its lease, should every release have been lost.
        expiresAt: { N: String(leaseExpiresAt + 86_400) },
    };
    let replacing: string | undefined;
    // Each round either takes the lock or finds its holder; a takeover another run won first is read again once.
    for (let round = 0; round < 3; round++) {
        const found = await putIfFree(dynamodb, event.tableName, item, event.executionArn, replacing);
        if (found === undefined) return { outcome: "taken", heldBy: "", duplicateOf: null };
        const holder = holderOf(found);
        const leaseOver = Date.now() >= holder.leaseExpiresAt * 1000;
        if (!leaseOver && !mayTakeOver(holder, await statusOf(holder.executionArn), Date.now())) return { outcome: "held", heldBy: holderInWords(holder), duplicateOf: null };
        replacing = holder.executionArn;
    }
    throw new Error(`the run lock ${event.lockKey} changed hands three times while ${event.executionArn} tried to take it`);
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
            ConditionExpression: `attribute_not_exists(${lockKeyAttribute}) OR executionArn = :self${replacing === undefined ? "" : " OR executionArn = :replacing"}`,
            ExpressionAttributeValues: { ":self": { S: self }, ...(replacing === undefined ? {} : { ":replacing": { S: replacing } }) },
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
