import type { JobnetDefinition } from "../../statemachines/jobs";
import { TriggeredInput, startedAfter } from "../../statemachines/startConditions";
import type { ObjectArrival } from "../../simulator/s3";

/**
 * How `npm start` runs a team jobnet that has start conditions: a file's arrival (`--arrive`) or an
 * event (`--event`) starts it through its rule, nothing is run by hand; a jobnet started after
 * another's end runs that one by hand, its end starting ours; any other runs by hand.
 */
export function jobnetsRunByHand(d: JobnetDefinition, o: { arrivals: readonly ObjectArrival[]; events: readonly unknown[] }): string[] {
    const conditions = d.startOn ?? [];
    if (o.arrivals.length > 0 && !conditions.some((c) => "s3" in c)) throw new Error(`--arrive: jobnet ${d.name} has no start condition on a file's arrival (startOn: [{ s3: ... }])`);
    if (o.events.length > 0 && !conditions.some((c) => "event" in c)) throw new Error(`--event: jobnet ${d.name} has no start condition on an event (startOn: [{ event: ... }])`);
    if (o.arrivals.length > 0 || o.events.length > 0) return [];
    const after = startedAfter(conditions);
    return after.length > 0 ? [after[0]] : [d.name];
}

/** An event of `--event FILE`: its source, detail-type and detail, and the simulated minute it is put on the bus at. */
export function busEventOf(file: string, text: string): { atSeconds: number; source: string; detailType: string; detail: Record<string, unknown>; resources?: string[] } {
    let parsed: Record<string, unknown>;
    try {
        parsed = JSON.parse(text);
    } catch (e) {
        throw new Error(`--event ${file}: not JSON: ${(e as Error).message}`);
    }
    const { source, "detail-type": detailType, detail, atMinute, resources } = parsed;
    if (typeof source !== "string" || typeof detailType !== "string" || typeof detail !== "object" || detail === null || Array.isArray(detail)) {
        throw new Error(`--event ${file}: expected {"source": "...", "detail-type": "...", "detail": {...}, "atMinute": N}`);
    }
    if (atMinute !== undefined && !(typeof atMinute === "number" && atMinute >= 0)) throw new Error(`--event ${file}: atMinute is the simulated minute it arrives at, 0 or more`);
    return { atSeconds: Math.round(((atMinute as number | undefined) ?? 0) * 60), source, detailType, detail: detail as Record<string, unknown>, ...(Array.isArray(resources) ? { resources: resources as string[] } : {}) };
}

/** What started a run, in words, for the timeline's heading. */
export function triggerInWords(input: TriggeredInput): string {
    const v = input.values;
    switch (input.trigger) {
        case "s3":
            return `started by a file's arrival: s3://${v.bucket}/${v.key} (${Number(v.size).toLocaleString("en-US")} bytes), event ${input.eventId}`;
        case "event":
            return `started by an event: ${v["detail-type"]} from ${v.source}, event ${input.eventId}`;
        case "jobnet":
            return `started by the end of jobnet ${v.jobnet} (${v.status}), event ${input.eventId}`;
    }
}
