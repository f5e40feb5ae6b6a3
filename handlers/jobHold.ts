import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { completeTask, holdKey, keepToken, takeToken, updateRun } from "./jobRecord";
import { JobStepEvent, recordEnd, refOf } from "./jobs";
import { stoppedByFailure } from "./jobRun";
import { JobHeldDetail, jobHeldEvent } from "./jobHeldEvent";

/**
 * A job held before it starts until an operator releases it (JP1/AJS3's hold). Its branch's
 * `Hold JOB` task keeps its token under `jobhold:` and tells the operators through EventBridge: the
 * stack's notifier turns the event into the email and the Slack message (handlers/notifier.ts),
 * which say how to release it. `npm run ops -- release JOBNET JOB` completes the token
 * (scripts/lib/ops/release.ts). Past the hold's bound the task times out, and `JOB not released`
 * ends the job abnormally, naming the hold.
 */

export interface HoldJobEvent extends JobStepEvent {
    jobnet: string;
    /** $$.StateMachine.Id: the notifier's rule matches the stack's own jobnets. */
    stateMachineArn: string;
    maxMinutes: number;
}

export type HoldExpiredEvent = Omit<HoldJobEvent, "taskToken" | "stateMachineArn"> & { expired: true };

/** The function of both steps of a hold: `Hold JOB` (a callback task) and `JOB not released`. */
export function holdStep(event: HoldJobEvent | HoldExpiredEvent): Promise<{ held: boolean } | { notReleasedWithin: number }> {
    return "expired" in event ? holdExpired(event) : holdJob(event);
}

/**
 * Holds a released job: keeps the token, tells the operators once, and returns; the task ends when
 * an operator releases it. A job that may no longer start (a job failed meanwhile) is not held: its
 * task goes on at once, and StartJob does not start it.
 */
export async function holdJob(event: HoldJobEvent): Promise<{ held: boolean }> {
    const ref = refOf(event);
    await keepToken(ref.tableName, holdKey(ref, event.job), event.taskToken);
    const { run } = await updateRun(ref, (r) => ({ record: r.record, result: undefined }));
    const state = run.record.jobs[event.job];
    if (state.status !== "released" || stoppedByFailure(run.graph, run.record, event.job)) {
        const token = await takeToken(ref.tableName, holdKey(ref, event.job));
        if (token) await completeTask(token, { output: { released: false } });
        return { held: false };
    }
    // Told before the record says so: a call that fails after telling is tried again and tells again,
    // rather than a hold that no operator hears of.
    if (state.heldAt === undefined) {
        const heldAt = new Date();
        await tellHeld({
            jobnet: event.jobnet,
            job: event.job,
            executionArn: ref.executionArn,
            stateMachineArn: event.stateMachineArn,
            heldAt: heldAt.toISOString(),
            releaseBy: new Date(heldAt.getTime() + event.maxMinutes * 60_000).toISOString(),
            maxMinutes: event.maxMinutes,
        });
        await updateRun(ref, (r) => ({
            record: { ...r.record, jobs: { ...r.record.jobs, [event.job]: { ...r.record.jobs[event.job], heldAt: heldAt.toISOString() } } },
            result: undefined,
        }));
    }
    return { held: true };
}

/** Nobody released the job within its hold's bound: it ends abnormally, and the run fails naming the hold once no job runs. */
export async function holdExpired(event: HoldExpiredEvent): Promise<{ notReleasedWithin: number }> {
    const ref = refOf(event);
    const cause = `${event.job}: held ${event.maxMinutes} min and nobody released it; a redrive of this run starts it without holding it again`;
    // The token is taken, so that a release now finds nothing to release.
    await takeToken(ref.tableName, holdKey(ref, event.job));
    await recordEnd(ref, event.job, { end: "abnormal", exitCode: -1, error: "HoldNotReleased", cause }, "released");
    return { notReleasedWithin: event.maxMinutes };
}

/** PutEvents answers 200 with failed entries in it (EventBridge User Guide, "Sending events with PutEvents"): a failed entry is an error here. */
async function tellHeld(detail: JobHeldDetail): Promise<void> {
    const answer = await new EventBridgeClient({}).send(new PutEventsCommand({
        Entries: [{ Source: jobHeldEvent.source, DetailType: jobHeldEvent.detailType, Resources: [detail.executionArn], Detail: JSON.stringify(detail) }],
    }));
    const failed = (answer.Entries ?? []).find((e) => e.ErrorCode);
    if ((answer.FailedEntryCount ?? 0) > 0 || failed) throw new Error(`PutEvents did not take the notice of the hold of ${detail.job}: ${failed?.ErrorCode ?? "failed"} ${failed?.ErrorMessage ?? ""}`.trim());
}

