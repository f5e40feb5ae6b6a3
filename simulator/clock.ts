import * as FakeTimers from "@sinonjs/fake-timers";

/** When a simulated run starts, unless told otherwise: a Monday, 22:00 in Tokyo. */
export const simulatedStartMs = Date.UTC(2026, 10, 30, 13, 0, 0);

/**
 * A virtual clock for a whole simulated run: timers and Date are faked, and whenever every
 * pending promise has settled, time jumps to the next timer. A 15-minute jobnet takes seconds.
 */
export class VirtualClock {
    private clock: ReturnType<ReturnType<typeof FakeTimers.withGlobal>["install"]> | undefined;

    constructor(readonly startMs: number = simulatedStartMs) {}

    install(): void {
        if (this.clock) return;
        this.clock = FakeTimers.withGlobal(globalThis).install({
            now: this.startMs,
            toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"],
        });
    }

    uninstall(): void {
        this.clock?.uninstall();
        this.clock = undefined;
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

/** Runs the microtasks and immediates that are ready, with the real setImmediate. */
async function drain(): Promise<void> {
    for (let i = 0; i < 2; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
