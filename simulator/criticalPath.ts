import { latency as defaultLatency } from "./latency";

type Latency = { [K in keyof typeof defaultLatency]: number };

/** The shortest time a run can take in the latency model, and the chain of service times that sets it. */
export interface LowerBound {
    seconds: number;
    chain: string[];
}

/** Servers go through a Map in waves: at most `concurrency` at once, and every server takes as long. */
export function waves(servers: number, concurrency: number): number {
    return Math.ceil(servers / Math.max(1, Math.min(concurrency, servers)));
}

/**
 * Stop: each wave of servers stops httpd, checks it and stops the instance; the last wave's AMIs
 * and the cluster snapshot (taken once the servers are down) must both complete before the
 * cluster stops.
 */
export function stopLowerBound(servers: number, concurrency: number, l: Latency = defaultLatency): LowerBound {
    const command = l.commandDelivery + l.commandRun;
    const perServer = 2 * command + l.instanceStopping;
    const w = waves(servers, concurrency);
    const serversDown = w * perServer;
    const ami = l.backupQueued + l.backupInstance;
    const snapshot = l.backupQueued + l.backupCluster;
    return {
        seconds: serversDown + Math.max(ami, snapshot) + l.clusterStopping,
        chain: [
            `${w} wave(s) × (stop httpd ${command}s + check ${command}s + stop instance ${l.instanceStopping}s)`,
            `backups ${Math.max(ami, snapshot)}s (AMI ${ami}s, snapshot ${snapshot}s, at once)`,
            `stop cluster ${l.clusterStopping}s`,
        ],
    };
}

/**
 * Start: the cluster starts while the servers boot in waves (running, then status checks); then
 * each wave checks and starts httpd; the last server turns healthy after the healthy threshold.
 */
export function startLowerBound(servers: number, concurrency: number, l: Latency = defaultLatency): LowerBound {
    const command = l.commandDelivery + l.commandRun;
    const w = waves(servers, concurrency);
    const boot = w * (l.instancePending + l.statusChecks);
    const ready = Math.max(boot, l.clusterStarting);
    const healthy = l.healthyThreshold * l.healthCheckInterval;
    return {
        // Earlier waves also run their final check; the last wave's httpd is up after check + start.
        seconds: ready + (w - 1) * 3 * command + 2 * command + healthy,
        chain: [
            `max(cluster start ${l.clusterStarting}s, ${w} wave(s) × boot ${l.instancePending + l.statusChecks}s)`,
            `${w} wave(s) of httpd check, start${w > 1 ? ", check" : ""} (${command}s each)`,
            `healthy after ${healthy}s`,
        ],
    };
}
