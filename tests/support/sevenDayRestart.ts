import type { SynthResult } from "../../scripts/lib/synthesize";
import { Simulation, simulate } from "../../simulator/simulate";

/**
 * The stop jobnet as the built-in event trigger starts it when RDS restarts the stopped database
 * after 7 days (`event`: the trigger's name): the system stopped `stoppedForDays` ago (7: the first
 * restart; 14, 21, ... a later one), its backups as old, the database starting.
 */
export function stopAfterSevenDayRestart(synth: SynthResult, event: string, stoppedForDays = 7): Promise<Simulation> {
    return simulate(synth, { initial: "stopped", jobnets: ["stop"], faults: { clusterAutoRestarted: true, stoppedForDays }, input: { trigger: "event", event } });
}
