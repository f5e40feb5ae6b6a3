import * as FakeTimers from "@sinonjs/fake-timers";

/** When a simulated run starts, unless told otherwise: a Monday, 22:00 in Tokyo. */
export const simulatedStartMs = Date.UTC(2026, 10, 30, 13, 0, 0);

/**
 * A virtual clock for a whole simulated run: timers and Date are faked, and whenever every
 * pending promise has settled, time jumps to the next timer. A 15-minute jobnet takes seconds.
 * Math.random is seeded too: the retry jitter of Step Functions is random, and a simulated run
 * must come out the same every time.
 */
export class VirtualClock {
    private clock: ReturnType<ReturnType<typeof FakeTimers.withGlobal>["install"]> | undefined;
    private realRandom: (() => number) | undefined;

    constructor(readonly startMs: number = simulatedStartMs) {}

    install(): void {
        if (this.clock) return;
        this.clock = FakeTimers.withGlobal(globalThis).install({
            now: this.startMs,
            toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"],
        });
        this.realRandom = Math.random;
        Math.random = seededRandom(this.startMs);
    }

    uninstall(): void {
        this.clock?.uninstall();
        this.clock = undefined;
        if (this.realRandom) Math.random = this.realRandom;
        this.realRandom = undefined;
    }

    now(): number {
        return Date.now();
    }

    /** Seconds since the clock started. */
    elapsedSeconds(): number {
        return (Date.now() - this.startMs) / 1000;
    }

    /**
     * Lets time pass until the promise settles; fails if it waits on nothing at all. Time moves to
     * the next timer only once the run is idle: `activity` (a count of what the run has done)
     * and the pending timers stayed the same over two rounds of the event loop.
     */
    async runUntil<T>(promise: Promise<T>, activity: () => number = () => 0): Promise<T> {
        const clock = this.clock;
        if (!clock) throw new Error("the virtual clock is not installed");
        let settled = false;
        const watched = promise.finally(() => {
            settled = true;
        });
        watched.catch(() => undefined);
        const idle = async () => {
            let before: string;
            let after = `${activity()}/${clock.countTimers()}`;
            do {
                before = after;
                await drain();
                after = `${activity()}/${clock.countTimers()}`;
            } while (before !== after && !settled);
        };
        while (!settled) {
            await idle();
            if (settled) break;
            if (clock.countTimers() === 0) throw new Error("the simulated run waits on nothing: no timer is pending");
            clock.next();
        }
        return watched;
    }
}

/** mulberry32: a small, well-distributed 32-bit generator, enough for retry jitter. */
function seededRandom(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
        state = (state + 0x6d2b79f5) >>> 0;
        let t = state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

/** Runs the microtasks and immediates that are ready, with the real setImmediate. */
async function drain(): Promise<void> {
    for (let i = 0; i < 2; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
