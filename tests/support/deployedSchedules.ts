import { checkScheduledRun, wallClock, zonedInstant } from "../../handlers/scheduleRules";
import { nextRuns, parseCron } from "../../infra/cron";
import { allStates } from "../../statemachines/asl";

/**
 * What a jobnet's schedule rules do once deployed: each EventBridge Scheduler schedule fires by its
 * cron in its time zone, and each firing's run asks the definition's CheckCalendar step, with the
 * very payload the definition gives it (tests/yearPlan.test.ts, tests/jp1Corpus.test.ts).
 */

export type Json = Record<string, unknown>;

/** What one rule deploys: its schedule (cron, time zone, input) and the payload of its jobnet's CheckCalendar step. */
export interface DeployedRule {
    jobnet: string;
    expression: string;
    timeZone: string;
    input: string;
    checkPayload: Json;
}

/** The payload a Task's Parameters give for an input: only the paths our definitions use ($ and $.field). */
function resolvePayload(payload: Json, input: Json): Json {
    return Object.fromEntries(
        Object.entries(payload).map(([key, value]) => {
            if (!key.endsWith(".$")) return [key, value];
            if (value === "$") return [key.slice(0, -2), input];
            const field = /^\$\.([A-Za-z]+)$/.exec(String(value));
            if (!field) throw new Error(`path ${String(value)} of ${key}: not one this test resolves`);
            return [key.slice(0, -2), input[field[1]]];
        }),
    );
}

/** "JOBNET YYYY-MM-DD HH:MM" (stack clock) of each firing from `from` to `to` (stack days) whose run the calendar check lets go ahead. */
export async function startedRuns(rule: DeployedRule, from: string, to: string, stackTimeZone: string): Promise<string[]> {
    const after = new Date(zonedInstant(from, "00:00", stackTimeZone).getTime() - 1);
    const firings = nextRuns(parseCron(rule.expression), rule.timeZone, after, 500).filter((at) => wallClock(at, stackTimeZone).slice(0, 10) <= to);
    const started: string[] = [];
    for (const at of firings) {
        // <aws.scheduler.scheduled-time> is ISO 8601 in UTC to the second (EventBridge Scheduler User Guide, context attributes).
        const input = JSON.parse(rule.input.replace("<aws.scheduler.scheduled-time>", at.toISOString().replace(".000Z", "Z"))) as Json;
        const verdict = await checkScheduledRun(resolvePayload(rule.checkPayload, input) as unknown as Parameters<typeof checkScheduledRun>[0]);
        if (verdict.open) started.push(`${rule.jobnet} ${wallClock(at, stackTimeZone)}`);
    }
    return started;
}

export function checkCalendarPayload(definition: string): Json {
    const state = Object.fromEntries(allStates(JSON.parse(definition).States)).CheckCalendar as unknown as { Parameters: { Payload: Json } };
    return state.Parameters.Payload;
}

