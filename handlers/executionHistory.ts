import { GetExecutionHistoryCommand, HistoryEvent, SFNClient } from "@aws-sdk/client-sfn";
import { abortAfter } from "./lambdaContext";

/** Milliseconds a reader may still spend: a Lambda's remaining time less what it keeps for later, or a CLI's own bound. */
export type TimeLeft = () => number;

/** The time left until `deadlineMs` (epoch ms): a CLI's bound. */
export function timeLeftUntil(deadlineMs: number): TimeLeft {
    return () => deadlineMs - Date.now();
}

/** A history read: its events in the order asked, and whether the read got all it asked for. */
export interface HistoryRead {
    events: HistoryEvent[];
    /** false when the time ran out with pages left to read. */
    complete: boolean;
}

export interface HistoryPage {
    events?: HistoryEvent[];
    nextToken?: string;
}

/**
 * Reads page after page while there is a nextToken, the only sign of more: a page "might be fewer
 * than the specified maximum" (GetExecutionHistory, Step Functions API reference), even empty.
 * Stops early once `enough(events read so far)` holds, and when `timeLeft` is spent before a page
 * or while it is read (`complete` false then, with the events read).
 */
export async function pageThrough(
    readPage: (nextToken: string | undefined, timeLeftMs: number) => Promise<HistoryPage>,
    o: { timeLeft: TimeLeft; enough?: (events: readonly HistoryEvent[]) => boolean },
): Promise<HistoryRead> {
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
        const timeLeftMs = o.timeLeft();
        if (timeLeftMs <= 0) return { events, complete: false };
        let page: HistoryPage;
        try {
            page = await readPage(nextToken, timeLeftMs);
        } catch (error) {
            if (o.timeLeft() <= 0) return { events, complete: false };
            throw error;
        }
        events.push(...(page.events ?? []));
        nextToken = page.nextToken;
        if (o.enough?.(events)) return { events, complete: true };
    } while (nextToken);
    return { events, complete: true };
}

/** A page holds at most 1,000 events (GetExecutionHistory, Step Functions API reference). */
const historyPageSize = 1000;

/**
 * A run's history, oldest first (newest first with `newestFirst`), read to its end or as far as
 * `enough` needs, within `timeLeft`: each call is cut off when the time is spent.
 */
export function readExecutionHistory(
    sfn: SFNClient,
    executionArn: string,
    o: { timeLeft: TimeLeft; newestFirst?: boolean; enough?: (events: readonly HistoryEvent[]) => boolean },
): Promise<HistoryRead> {
    return pageThrough(
        (nextToken, timeLeftMs) => sfn.send(
            new GetExecutionHistoryCommand({ executionArn, maxResults: historyPageSize, reverseOrder: o.newestFirst || undefined, nextToken, includeExecutionData: true }),
            { abortSignal: abortAfter(timeLeftMs) },
        ),
        o,
    );
}
