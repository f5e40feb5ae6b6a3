import * as path from "path";

/**
 * Step Functions runs every branch of a Parallel state at once: its documentation ("Parallel workflow
 * state") bounds no number of branches running together, as it bounds an inline Map's iterations
 * (40). aws-local-stepfunctions 3 runs at most 40 branches at a time (its ParallelStateAction's
 * p-limit), which would hold a team jobnet's 41st job back until another ended, whatever its
 * predecessors. The limiter it is given for a Parallel state lets every branch run; a Map's stays.
 * Loaded before the library (simulator/run.ts imports it first).
 */
const libraryDir = path.dirname(require.resolve("aws-local-stepfunctions"));
const pLimitFile = require.resolve("p-limit", { paths: [libraryDir] });
const pLimit = require(pLimitFile) as (concurrency: number) => unknown;
if (!(pLimit as { everyParallelBranch?: true }).everyParallelBranch) {
    const limited = Object.assign((concurrency: number) => pLimit(/\bParallelStateAction\./.test(new Error().stack ?? "") ? Infinity : concurrency), { everyParallelBranch: true as const });
    require.cache[pLimitFile]!.exports = limited;
}

export {};
