import type { SynthResult } from "../../scripts/lib/synthesize";
import { Simulation, simulate } from "../../simulator/simulate";

/**
 * The stop jobnet as the built-in event trigger starts it when RDS restarts the stopped database
 * after 7 days (`event`: the trigger's name): the system stopped, the database starting.
 */
export function stopAfterSevenDayRestart(synth: SynthResult, event: string): Promise<Simulation> {
    return simulate(synth, { initial: "stopped", jobnets: ["stop"], faults: { clusterAutoRestarted: true }, input: { trigger: "event", event } });
}
