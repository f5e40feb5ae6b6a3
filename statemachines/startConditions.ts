/**
 * Start conditions of a team's jobnet (JP1/AJS3's start conditions): it starts when a file
 * arrives in an S3 bucket, when an EventBridge event matches a pattern, or after another jobnet
 * has ended. Each is an EventBridge rule on the account's default bus (infra/teamJobnets.ts) whose
 * target, the stack's StartOnEvent function (handlers/startOnEvent.ts), starts the run with a name
 * made from the event's id, so that a repeated delivery of one event starts one run.
 */

/** How a run of Step Functions ends, as its "Execution Status Change" event says. */
export type JobnetEndStatus = "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";
export const jobnetEndStatuses: readonly JobnetEndStatus[] = ["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"];

/** A file's arrival: an object created in the bucket, its key starting with `prefix` and ending with `suffix` when given. */
export interface S3Arrival {
    bucket: string;
    prefix?: string;
    suffix?: string;
}

/** An event on the default bus: its source, detail-type and detail as an EventBridge event pattern matches them. */
export interface EventArrival {
    source: string[];
    detailType?: string[];
    /** An event pattern of the detail (EventBridge User Guide, "Event patterns"): `{ "state": ["done"] }`. */
    detail?: Record<string, unknown>;
}

/** Another jobnet of the stack has ended: in one of `status`, SUCCEEDED unless given. */
export interface JobnetEnd {
    jobnet: string;
    status?: JobnetEndStatus[];
}

export type StartCondition = { s3: S3Arrival } | { event: EventArrival } | { jobnetEnded: JobnetEnd };

/** What started a run, as its input names it: `trigger` of `{ trigger, eventId, values }`. */
export type TriggerKind = "s3" | "event" | "jobnet";

/**
 * The input of a run a start condition started. `values` are the trigger's values a job's
 * command may use (`{{trigger.key}}`): for S3 bucket, key, size, etag; for an event its
 * detail-type, source and id; for a jobnet's end the jobnet, its status and executionArn.
 */
export interface TriggeredInput {
    trigger: TriggerKind;
    eventId: string;
    values: Record<string, string>;
}

/** The most start conditions a jobnet may have: each is a rule named `<project>-<stack>-<jobnet>-on-<n>`, within EventBridge's 64 characters where its StartJob's name fits Lambda's. */
export const maxStartConditions = 9;

export function triggerOf(condition: StartCondition): TriggerKind {
    if ("s3" in condition) return "s3";
    if ("event" in condition) return "event";
    return "jobnet";
}

/** The jobnets whose end starts this one. */
export function startedAfter(startOn: readonly StartCondition[] | undefined): string[] {
    return [...new Set((startOn ?? []).flatMap((c) => ("jobnetEnded" in c ? [c.jobnetEnded.jobnet] : [])))];
}

/**
 * What is wrong with an S3 general purpose bucket's name, or undefined (Amazon S3 User Guide,
 * "General purpose bucket naming rules").
 */
export function bucketNameProblem(name: string): string | undefined {
    if (name.length < 3 || name.length > 63) return "3 to 63 characters";
    if (!/^[a-z0-9.-]+$/.test(name)) return "only lowercase letters, digits, periods and hyphens";
    if (!/^[a-z0-9].*[a-z0-9]$/.test(name)) return "begins and ends with a letter or digit";
    if (name.includes("..")) return "no two adjacent periods";
    if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return "not formatted as an IP address";
    const reservedPrefix = ["xn--", "sthree-", "amzn-s3-demo-"].find((p) => name.startsWith(p));
    if (reservedPrefix) return `not starting with ${reservedPrefix}, which S3 reserves`;
    const reservedSuffix = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"].find((s) => name.endsWith(s));
    if (reservedSuffix) return `not ending with ${reservedSuffix}, which S3 reserves`;
    return undefined;
}

/**
 * What is wrong with a jobnet's start conditions, each line naming the jobnet: a bucket name S3
 * refuses, an event with no source, a jobnet the stack does not deploy, one that starts after
 * itself, and a cycle of jobnetEnded through other jobnets (`startedAfterBy`: each deployed
 * jobnet's, by name), in which no jobnet would ever start first.
 */
export function startConditionProblems(name: string, startOn: readonly StartCondition[] | undefined, known: { jobnets: string[]; startedAfterBy?: Record<string, string[]> }): string[] {
    const conditions = startOn ?? [];
    const problems: string[] = [];
    if (conditions.length > maxStartConditions) problems.push(`jobnet ${name}, startOn: at most ${maxStartConditions} start conditions, not ${conditions.length}`);
    conditions.forEach((c, i) => {
        const at = `jobnet ${name}, startOn[${i}]`;
        if ("s3" in c) {
            const bad = bucketNameProblem(c.s3.bucket);
            if (bad) problems.push(`${at}: bucket ${JSON.stringify(c.s3.bucket)} is not an S3 bucket name: ${bad}`);
            if (c.s3.prefix === "" || c.s3.suffix === "") problems.push(`${at}: an empty prefix or suffix matches every key: leave it out`);
        } else if ("event" in c) {
            if (c.event.source.length === 0 || c.event.source.some((s) => s.trim() === "")) problems.push(`${at}: event.source lists the sources to match, at least one, none empty`);
            if (c.event.detailType !== undefined && c.event.detailType.length === 0) problems.push(`${at}: event.detailType, when given, lists at least one detail-type`);
        } else {
            const { jobnet, status } = c.jobnetEnded;
            if (jobnet === name) problems.push(`${at}: starts after itself: each run's end would start the next, without end`);
            else if (!known.jobnets.includes(jobnet)) problems.push(`${at}: starts after jobnet ${jobnet}, which the stack does not deploy (it deploys: ${known.jobnets.join(", ")})`);
            const badStatus = (status ?? []).filter((s) => !jobnetEndStatuses.includes(s));
            if (badStatus.length > 0 || (status !== undefined && status.length === 0)) problems.push(`${at}: jobnetEnded.status lists ends of ${jobnetEndStatuses.join(", ")}, at least one`);
        }
    });
    const cycle = startCycle(name, { ...known.startedAfterBy, [name]: startedAfter(conditions) });
    if (cycle) problems.push(`jobnet ${name}, startOn: the jobnets start after each other in a cycle, so the end of each starts the next without end: ${cycle.join(" → ")}`);
    return problems;
}

/** A cycle of "starts after" from `name` back to it through other jobnets (a jobnet after itself is told apart), or undefined. */
export function startCycle(name: string, startedAfterBy: Record<string, string[]>): string[] | undefined {
    const path: string[] = [name];
    const seen = new Set<string>();
    const visit = (at: string): string[] | undefined => {
        for (const before of startedAfterBy[at] ?? []) {
            if (before === at) continue;
            if (before === name) return [...path, name];
            if (seen.has(before)) continue;
            seen.add(before);
            path.push(before);
            const found = visit(before);
            if (found) return found;
            path.pop();
        }
        return undefined;
    };
    // Read forwards: each jobnet starts the one after it in the line.
    return visit(name)?.reverse();
}

/** Escapes a literal for an EventBridge wildcard filter, where `*` and `\` are special (EventBridge User Guide, "Wildcard matching"). */
function wildcardLiteral(text: string): string {
    return text.replace(/[\\*]/g, (c) => `\\${c}`);
}

/**
 * The event pattern of a start condition on the default bus. A file: S3's "Object Created" event
 * (Amazon S3 User Guide, "EventBridge event message structure"), its key filtered by prefix, by
 * suffix, or both through one wildcard; an event: its source, detail-type and detail; a jobnet's
 * end: Step Functions' "Execution Status Change" of the other jobnet's state machine.
 */
export function startPattern(condition: StartCondition, stateMachineArnOf: (jobnet: string) => string): Record<string, unknown> {
    if ("s3" in condition) {
        const { bucket, prefix, suffix } = condition.s3;
        const key = prefix !== undefined && suffix !== undefined
            ? [{ wildcard: `${wildcardLiteral(prefix)}*${wildcardLiteral(suffix)}` }]
            : prefix !== undefined ? [{ prefix }] : suffix !== undefined ? [{ suffix }] : undefined;
        return {
            source: ["aws.s3"],
            "detail-type": ["Object Created"],
            detail: { bucket: { name: [bucket] }, ...(key ? { object: { key } } : {}) },
        };
    }
    if ("event" in condition) {
        const { source, detailType, detail } = condition.event;
        return { source, ...(detailType ? { "detail-type": detailType } : {}), ...(detail ? { detail } : {}) };
    }
    return {
        source: ["aws.states"],
        "detail-type": ["Step Functions Execution Status Change"],
        detail: { status: condition.jobnetEnded.status ?? ["SUCCEEDED"], stateMachineArn: [stateMachineArnOf(condition.jobnetEnded.jobnet)] },
    };
}

/** An event as EventBridge delivers it, as far as a start reads it. */
export interface DeliveredEvent {
    id: string;
    source: string;
    "detail-type": string;
    detail?: Record<string, unknown>;
}

/**
 * The input of the run an event starts (pure): its trigger, the event's id, and the trigger's
 * values, every one a string. `endedJobnet`: the jobnet whose end it is, as its rule names it.
 */
export function triggeredInput(trigger: TriggerKind, event: DeliveredEvent, endedJobnet?: string): TriggeredInput {
    const detail = event.detail ?? {};
    const text = (v: unknown) => (v === undefined || v === null ? "" : String(v));
    switch (trigger) {
        case "s3": {
            const object = (detail.object ?? {}) as Record<string, unknown>;
            const bucket = (detail.bucket ?? {}) as Record<string, unknown>;
            return { trigger, eventId: event.id, values: { bucket: text(bucket.name), key: text(object.key), size: text(object.size), etag: text(object.etag) } };
        }
        case "event":
            return { trigger, eventId: event.id, values: { "detail-type": event["detail-type"], source: event.source, id: event.id } };
        case "jobnet": {
            return { trigger, eventId: event.id, values: { jobnet: endedJobnet ?? text(detail.stateMachineArn).split(":").pop()!, status: text(detail.status), executionArn: text(detail.executionArn) } };
        }
    }
}

/** The run's name: the trigger and the event's id, within Step Functions' 80 characters of letters, digits, `-` and `_`. */
export function triggeredExecutionName(trigger: TriggerKind, eventId: string): string {
    return `${trigger}-${eventId.replace(/[^A-Za-z0-9_-]/g, "_")}`.slice(0, 80);
}

/** A start condition in words, for its rule's description and the plan. */
export function describeStartCondition(condition: StartCondition): string {
    if ("s3" in condition) {
        const { bucket, prefix, suffix } = condition.s3;
        return `a file arrives in s3://${bucket}/${prefix ?? ""}${suffix === undefined ? (prefix === undefined ? "" : "…") : `…${suffix}`}`;
    }
    if ("event" in condition) return `an event from ${condition.event.source.join(" or ")}${condition.event.detailType ? ` (${condition.event.detailType.join(" or ")})` : ""}`;
    return `jobnet ${condition.jobnetEnded.jobnet} has ended ${(condition.jobnetEnded.status ?? ["SUCCEEDED"]).join(" or ")}`;
}
