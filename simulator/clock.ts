import * as FakeTimers from "@sinonjs/fake-timers";

/**
 * A virtual clock for a whole simulated run: timers and Date are faked, and whenever every
 * pending promise has settled, time jumps to the next timer. A 15-minute jobnet takes seconds.
 */
export class VirtualClock {
    private clock: ReturnType<ReturnType<typeof FakeTimers.withGlobal>["install"]> | undefined;

    constructor(readonly startMs: number = Date.UTC(2026, 10, 30, 13, 0, 0)) {}

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

    /** Lets time pass until the promise settles; fails if it waits on nothing at all. */
    async runUntil<T>(promise: Promise<T>): Promise<T> {
        const clock = this.clock;
        if (!clock) throw new Error("the virtual clock is not installed");
        let settled = false;
        const watched = promise.finally(() => {
            settled = true;
        });
        watched.catch(() => undefined);
        while (!settled) {
            await drain();
            if (settled) break;
            if (clock.countTimers() === 0) {
                await drain();
                if (!settled && clock.countTimers() === 0) throw new Error("the simulated run waits on nothing: no timer is pending");
                continue;
            }
            clock.next();
        }
        return watched;
    }
}

/** Runs every microtask and immediate that is ready, with the real setImmediate. */
async function drain(): Promise<void> {
    for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
