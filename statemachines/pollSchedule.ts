import type { PollRhythm } from "./plan";

/**
 * When a bounded wait polls. A poll is 9 history events (Task 5, Choice 2, Wait 2) and a run
 * fails at 25,000 (Step Functions quotas), so a wait cannot poll every few seconds for hours: it
 * polls at its rhythm while the service usually ends, then less often the longer it has waited.
 *
 * - Steady: every `everySeconds` for four times the first poll's delay (which comes a little
 *   before the service's usual time), and for at least 30 polls: every wait of a usual run
 *   (`npm run bench`) ends within it, seconds after the service.
 * - Then the interval doubles each time the time waited doubles (twice `everySeconds` until twice
 *   the steady time, four times until four times it, …): a wait ends at most about a fifteenth of
 *   its time after the service, and polls 15 to 50 times for each doubling.
 * - Polls come at most ten minutes apart, which no wait reaches before two and a half hours.
 * - The last poll comes exactly `withinSeconds` after the wait began: the wait fails then.
 *
 * A day-long wait of backups so polls 276 times, not 8,629.
 */

/** A wait polls at its own rhythm for this many times its first poll's delay, */
export const steadyFirstPollMultiple = 4;
/** and for at least this many polls. */
export const steadyPolls = 30;
/** Polls come at most this far apart. */
export const longestIntervalSeconds = 600;

/** `waits` Waits of `seconds` each, one after each poll in turn. */
export interface PollTier {
    seconds: number;
    waits: number;
}

export interface PollSchedule {
    firstAfterSeconds: number;
    /** The Waits between polls, in order: at least one tier, the first `everySeconds` long unless the bound comes sooner. */
    tiers: PollTier[];
    /** Polls before the wait fails: the last comes `withinSeconds` after the wait began. */
    maxAttempts: number;
}

/** How long after it began a wait polls at its own rhythm. */
export function steadySeconds(rhythm: Pick<PollRhythm, "firstAfterSeconds" | "everySeconds">): number {
    return Math.max(steadyFirstPollMultiple * rhythm.firstAfterSeconds, steadyPolls * rhythm.everySeconds);
}

export function pollSchedule(rhythm: PollRhythm): PollSchedule {
    const { firstAfterSeconds, everySeconds, withinSeconds } = rhythm;
    if (!(everySeconds > 0)) throw new Error(`a poll rhythm needs everySeconds above 0, not ${everySeconds}`);
    const steady = steadySeconds(rhythm);
    const longest = Math.max(everySeconds, longestIntervalSeconds);
    const intervalAt = (waited: number) =>
        waited < steady ? everySeconds : Math.min(longest, everySeconds * 2 ** (Math.floor(Math.log2(waited / steady)) + 1));
    const tiers: PollTier[] = [];
    let waited = firstAfterSeconds;
    let polls = 1;
    while (waited < withinSeconds) {
        const seconds = Math.min(intervalAt(waited), withinSeconds - waited);
        const last = tiers[tiers.length - 1];
        if (last?.seconds === seconds) last.waits++;
        else tiers.push({ seconds, waits: 1 });
        waited += seconds;
        polls++;
    }
    // A bound no later than the first poll: that poll is the only one, and no Wait follows it.
    if (tiers.length === 0) tiers.push({ seconds: everySeconds, waits: 0 });
    return { firstAfterSeconds, tiers, maxAttempts: polls };
}
