/**
 * What EventBridge gives a rule's target through an input transformer (EventBridge API reference,
 * InputTransformer): each `<name>` of the template is the value its InputPathsMap path selects in
 * the event. Inside quotes a string goes in as its text; outside, as a JSON value. The predefined
 * `<aws.events.event.json>` is the whole event, as JSON, usable only as a field's value
 * (EventBridge User Guide, "Amazon EventBridge input transformation", Predefined variables).
 */
export function transformInput(transformer: { inputPaths?: Record<string, string>; inputTemplate: string }, event: unknown): string {
    const valueOf = (name: string): unknown => {
        if (name === "aws.events.event.json") return event;
        const path = transformer.inputPaths?.[name];
        if (path === undefined) throw new Error(`the input template names <${name}>, which InputPathsMap does not define`);
        return path.replace(/^\$\.?/, "").split(".").filter((p) => p).reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], event);
    };
    return transformer.inputTemplate
        .replace(/"<([A-Za-z0-9_.-]+)>"/g, (_, name: string) => JSON.stringify(valueOf(name)))
        .replace(/<([A-Za-z0-9_.-]+)>/g, (_, name: string) => JSON.stringify(valueOf(name)));
}

/**
 * The event Step Functions sends when an execution's status changes (source aws.states): its
 * detail as the Step Functions Developer Guide shows it, the input and output as JSON text, with
 * their details (included unless too large), the output null until a run succeeds.
 */
export function executionStatusChange(e: { arn: string; stateMachineArn: string; status: string; startDate: number; stopDate?: number; input: string; output?: string }): Record<string, unknown> {
    return {
        source: "aws.states",
        "detail-type": "Step Functions Execution Status Change",
        detail: {
            executionArn: e.arn,
            stateMachineArn: e.stateMachineArn,
            name: e.arn.split(":").pop(),
            status: e.status,
            startDate: e.startDate,
            stopDate: e.stopDate ?? null,
            input: e.input,
            inputDetails: { included: true },
            output: e.output ?? null,
            outputDetails: e.output === undefined ? null : { included: true },
        },
    };
}

/**
 * An event as EventBridge delivers it: the envelope every event has (version, id, detail-type,
 * source, account, time, region, resources) and the service's detail (EventBridge User Guide,
 * "Amazon EventBridge events").
 */
export interface BusEvent {
    version: "0";
    id: string;
    "detail-type": string;
    source: string;
    account: string;
    time: string;
    region: string;
    resources: string[];
    detail: Record<string, unknown>;
}

/** A rule's target as the stack declares it (aws.cloudwatch.EventTarget). */
export interface RuleTarget {
    arn: string;
    /** A constant JSON text sent instead of the event. */
    input?: string;
    /** A JSONPath into the event: only that part is sent. */
    inputPath?: string;
    inputTransformer?: { inputPaths?: Record<string, string>; inputTemplate: string };
    retryPolicy?: { maximumEventAgeInSeconds?: number; maximumRetryAttempts?: number };
}

/** A rule of the default event bus: its name, its event pattern and its targets. */
export interface BusRule {
    name: string;
    pattern: EventPattern;
    targets: RuleTarget[];
}

export type EventPattern = { [field: string]: EventPattern | unknown[] };

/** The stack's rules on the default bus, with their targets: `aws:cloudwatch/eventRule:EventRule` with an eventPattern (schedules have none) and the targets naming each. */
export function rulesOfStack(resources: { type: string; inputs: Record<string, any> }[]): BusRule[] {
    const targets = resources.filter((r) => r.type === "aws:cloudwatch/eventTarget:EventTarget");
    return resources
        .filter((r) => r.type === "aws:cloudwatch/eventRule:EventRule" && r.inputs.eventPattern !== undefined && r.inputs.state !== "DISABLED" && r.inputs.isEnabled !== false)
        .map((r) => ({
            name: r.inputs.name,
            pattern: typeof r.inputs.eventPattern === "string" ? JSON.parse(r.inputs.eventPattern) : r.inputs.eventPattern,
            targets: targets.filter((t) => t.inputs.rule === r.inputs.name).map((t) => ({
                arn: t.inputs.arn,
                input: t.inputs.input,
                inputPath: t.inputs.inputPath,
                inputTransformer: t.inputs.inputTransformer,
                retryPolicy: t.inputs.retryPolicy,
            })),
        }));
}

/**
 * Whether an event matches a pattern, as EventBridge matches them (EventBridge User Guide, "Event
 * patterns" and "Content filtering in event patterns"): every field the pattern names must match;
 * an object matches field by field; a list matches when any of its values does, and an event's list
 * value when any of its elements does. Values: a string, number (compared as numbers), boolean or
 * null, equal; `{ prefix }`, `{ suffix }`, `{ wildcard }`, `{ "equals-ignore-case" }`; `{ "anything-but": value,
 * list or { prefix } }`, which a missing field does not match; `{ exists: true | false }`; `{
 * numeric: [">", 0, "<=", 5] }`; `$or`, a list of patterns, any of which may match.
 */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
    return Object.entries(pattern).every(([field, wanted]) => {
        if (field === "$or") return (wanted as EventPattern[]).some((p) => matchesPattern(p, event));
        const value = (event as Record<string, unknown> | null | undefined)?.[field];
        if (Array.isArray(wanted)) return matchesValues(wanted, value, value !== undefined);
        if (typeof wanted === "object" && wanted !== null) return typeof value === "object" && value !== null && !Array.isArray(value) && matchesPattern(wanted as EventPattern, value);
        throw new Error(`the event pattern gives ${field} ${JSON.stringify(wanted)}: a field's values are a list (EventBridge User Guide, "Event patterns")`);
    });
}

function matchesValues(wanted: unknown[], value: unknown, present: boolean): boolean {
    const values = Array.isArray(value) ? value : [value];
    return wanted.some((w) => {
        if (typeof w === "object" && w !== null) {
            const [kind, arg] = Object.entries(w)[0] ?? [];
            if (kind === "exists") return arg === present;
            if (!present) return false;
            return values.some((v) => matchesFilter(kind, arg, v));
        }
        return present && values.some((v) => (typeof w === "number" && typeof v === "number" ? w === v : w === v));
    });
}

function matchesFilter(kind: string | undefined, arg: unknown, v: unknown): boolean {
    switch (kind) {
        case "prefix":
            return typeof v === "string" && (typeof arg === "string" ? v.startsWith(arg) : v.toLowerCase().startsWith(String((arg as { "equals-ignore-case": string })["equals-ignore-case"]).toLowerCase()));
        case "suffix":
            return typeof v === "string" && (typeof arg === "string" ? v.endsWith(arg) : v.toLowerCase().endsWith(String((arg as { "equals-ignore-case": string })["equals-ignore-case"]).toLowerCase()));
        case "equals-ignore-case":
            return typeof v === "string" && v.toLowerCase() === String(arg).toLowerCase();
        case "wildcard":
            return typeof v === "string" && wildcardRegExp(String(arg)).test(v);
        case "anything-but": {
            if (typeof arg === "object" && arg !== null && !Array.isArray(arg)) {
                const [innerKind, innerArg] = Object.entries(arg)[0];
                return !matchesFilter(innerKind, innerArg, v);
            }
            return !(Array.isArray(arg) ? arg : [arg]).includes(v);
        }
        case "numeric": {
            if (typeof v !== "number") return false;
            const terms = arg as (string | number)[];
            for (let i = 0; i < terms.length; i += 2) {
                const [op, bound] = [terms[i], Number(terms[i + 1])];
                const ok = op === "<" ? v < bound : op === "<=" ? v <= bound : op === "=" ? v === bound : op === ">=" ? v >= bound : op === ">" ? v > bound : false;
                if (!ok) return false;
            }
            return true;
        }
        default:
            throw new Error(`the simulated EventBridge does not match "${kind}" in an event pattern`);
    }
}

/** A wildcard filter as a pattern: `*` stands for any characters, `\*` and `\\` for themselves (EventBridge User Guide, "Wildcard matching"). */
function wildcardRegExp(wildcard: string): RegExp {
    const parts = wildcard.match(/\\[\\*]|\*|[^\\*]+|\\/g) ?? [];
    return new RegExp(`^${parts.map((p) => (p === "*" ? "[\\s\\S]*" : (p.startsWith("\\") && p.length === 2 ? p[1] : p).replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))).join("")}$`);
}

/** What a target is sent for an event: its constant input, the part its inputPath selects, its transformer's text, or the whole event (EventBridge API reference, Target). */
export function targetInput(target: RuleTarget, event: BusEvent): unknown {
    if (target.input !== undefined) return JSON.parse(target.input);
    if (target.inputTransformer) return JSON.parse(transformInput(target.inputTransformer, event));
    if (target.inputPath) return target.inputPath.replace(/^\$\.?/, "").split(".").filter((p) => p).reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], event);
    return event;
}

/** One delivery of an event to a target: the rule, the target's ARN, what it was sent, and how each attempt of the asynchronous invocation ended. */
export interface Delivery {
    rule: string;
    target: string;
    event: BusEvent;
    input: unknown;
    deliveredAt: number;
    /** Undefined while it runs; empty when it was dropped (the simulation has no such function, or a fault). */
    attempts?: { outcome: string; ms: number; error?: string }[];
    dropped?: string;
    /** A second delivery of the same event (the event-duplicate fault). */
    repeated?: true;
}

export interface EventBusOptions {
    rules: BusRule[];
    /** Seconds from an event to its delivery to a target. */
    latencySeconds: number;
    /** Plays the asynchronous invocation of a target function, or says why it cannot (undefined: it is not one the simulation has). */
    deliver: (target: RuleTarget, input: unknown) => Promise<{ outcome: string; ms: number; error?: string }[]> | undefined;
    /** A delivery EventBridge loses ("Delivery is best effort"): a fault's reason, or undefined. */
    loses?: (rule: BusRule, target: RuleTarget, event: BusEvent) => string | undefined;
    /** Seconds after the first delivery at which EventBridge delivers the same event again (at least once delivery); none unless given. */
    repeats?: (rule: BusRule, target: RuleTarget, event: BusEvent) => number[];
}

/**
 * The account's default event bus: each event put on it goes, after the delivery latency, to every
 * target of every rule it matches; a Lambda target is invoked asynchronously (Lambda's own retries
 * of a function error: simulator/lambda.ts, invokeAsynchronously). `idle` settles once nothing is
 * on its way.
 */
export class EventBus {
    readonly deliveries: Delivery[] = [];
    private readonly pending = new Set<Promise<void>>();

    constructor(private readonly o: EventBusOptions) {}

    put(event: BusEvent): void {
        for (const rule of this.o.rules) {
            if (!matchesPattern(rule.pattern, event)) continue;
            for (const target of rule.targets) for (const after of [0, ...(this.o.repeats?.(rule, target, event) ?? [])]) {
                const delay = this.o.latencySeconds + after;
                const delivery: Delivery = { rule: rule.name, target: target.arn, event, input: targetInput(target, event), deliveredAt: Date.now() + delay * 1000, ...(after > 0 ? { repeated: true } : {}) };
                this.deliveries.push(delivery);
                const lost = this.o.loses?.(rule, target, event);
                if (lost !== undefined) {
                    Object.assign(delivery, { attempts: [], dropped: lost });
                    continue;
                }
                const going: Promise<void> = new Promise<void>((resolve) => setTimeout(resolve, delay * 1000))
                    .then(async () => {
                        const invoked = this.o.deliver(target, delivery.input);
                        if (invoked === undefined) Object.assign(delivery, { attempts: [], dropped: "the simulation does not play this target" });
                        else delivery.attempts = await invoked;
                    })
                    .finally(() => this.pending.delete(going));
                this.pending.add(going);
            }
        }
    }

    /** Settles once every delivery on its way, and those they caused, has ended. */
    async idle(): Promise<void> {
        while (this.pending.size > 0) await Promise.all([...this.pending]);
    }

    /** Whether any delivery is on its way. */
    get busy(): boolean {
        return this.pending.size > 0;
    }
}
