import { latency as defaultLatency } from "./latency";

export type Latency = { [K in keyof typeof defaultLatency]: number };

/**
 * What the system has, as far as the bound is concerned. The number of servers is taken only to say
 * that it does not matter: every server's operations run at once (one Run Command, one
 * StopInstances for all), so the bound is the same for 1 server as for 500.
 */
export interface SystemParts {
    servers: number;
    /** The database: an Aurora cluster, an RDS DB instance, or none. */
    database: "cluster" | "instance" | "none";
    /** Whether an ALB fronts the servers: the maintenance page and the health wait need one. */
    loadBalancer: boolean;
}

/** The dev stack: an Aurora cluster behind an ALB. */
export const devSystem = (servers: number): SystemParts => ({ servers, database: "cluster", loadBalancer: true });

/** One side of a run that goes on at the same time as another. */
export interface Side {
    name: string;
    seconds: number;
    steps: string[];
}

/**
 * The shortest time a run can take in the latency model (simulator/latency.ts), from the
 * dependencies between the AWS operations alone, whatever the state machine: Lambda calls, state
 * transitions and polls take no time, and every wait ends the moment the service is done.
 */
export interface LowerBound {
    seconds: number;
    /** The operations in order, the sides that run at once as one line each, the critical one marked. */
    chain: string[];
    /** The side that sets the bound where the run splits: "database" or "servers". */
    critical: string;
}

/** "2s", "5m10s". */
function s(seconds: number): string {
    return `${seconds}s`;
}

function oneCommand(l: Latency): number {
    return l.commandDelivery + l.commandRun;
}

/** Two sides at once: the longer one is critical. */
function sides(a: Side, b: Side | undefined): { seconds: number; critical: Side; lines: string[] } {
    if (!b) return { seconds: a.seconds, critical: a, lines: [`${a.name}: ${a.steps.join(" → ")} = ${s(a.seconds)}`] };
    const critical = a.seconds >= b.seconds ? a : b;
    const line = (x: Side) => `${x === critical ? "* " : "  "}${x.name}: ${x.steps.join(" → ")} = ${s(x.seconds)}`;
    return { seconds: critical.seconds, critical, lines: [line(a), line(b)] };
}

/**
 * Stop: maintenance page on (no time) → httpd down on every server (one Run Command: delivery +
 * run) → then at once: the servers stop and get their AMIs (instance stop, then backup queue +
 * backup), and the database is snapshotted (backup queue + snapshot) and stopped; the database
 * stops once its snapshot has completed and every instance is stopped. The run ends when both
 * sides end.
 */
export function stopLowerBound(system: SystemParts, l: Latency = defaultLatency): LowerBound {
    const httpd = oneCommand(l);
    const ami = l.backupQueued + l.backupInstance;
    const servers: Side = {
        name: "servers",
        seconds: l.instanceStopping + ami,
        steps: [`instance stop ${s(l.instanceStopping)}`, `AMI ${s(ami)} (queue ${s(l.backupQueued)} + backup ${s(l.backupInstance)})`],
    };
    let database: Side | undefined;
    if (system.database !== "none") {
        const noun = system.database === "cluster" ? "cluster" : "DB instance";
        const snapshot = l.backupQueued + l.backupCluster;
        // StopDB* after the snapshot, and not before every instance has stopped.
        const stopFrom = Math.max(snapshot, l.instanceStopping);
        database = {
            name: "database",
            seconds: stopFrom + l.clusterStopping,
            steps: [
                `${noun} snapshot ${s(snapshot)} (queue ${s(l.backupQueued)} + snapshot ${s(l.backupCluster)})` +
                    (l.instanceStopping > snapshot ? `, instances stopped at ${s(l.instanceStopping)}` : ""),
                `${noun} stop ${s(l.clusterStopping)}`,
            ],
        };
    }
    const split = sides(database ?? servers, database ? servers : undefined);
    return {
        seconds: httpd + split.seconds,
        chain: [
            ...(system.loadBalancer ? ["maintenance page on 0s"] : []),
            `httpd down on every server ${s(httpd)} (one command: delivery ${s(l.commandDelivery)} + run ${s(l.commandRun)})`,
            ...split.lines,
        ],
        critical: split.critical.name,
    };
}

/**
 * Start: at once, the database starts and the servers boot and pass their status checks; then
 * httpd starts on every server (one Run Command); then every target turns healthy (the healthy
 * threshold × the check interval); then the maintenance page goes (no time). Without a load
 * balancer the run ends when httpd has started.
 */
export function startLowerBound(system: SystemParts, l: Latency = defaultLatency): LowerBound {
    const httpd = oneCommand(l);
    const servers: Side = {
        name: "servers",
        seconds: l.instancePending + l.statusChecks,
        steps: [`instance pending ${s(l.instancePending)}`, `status checks ${s(l.statusChecks)}`],
    };
    const database: Side | undefined = system.database === "none" ? undefined : {
        name: "database",
        seconds: l.clusterStarting,
        steps: [`${system.database === "cluster" ? "cluster" : "DB instance"} start ${s(l.clusterStarting)}`],
    };
    const split = sides(database ?? servers, database ? servers : undefined);
    const healthy = l.healthyThreshold * l.healthCheckInterval;
    return {
        seconds: split.seconds + httpd + (system.loadBalancer ? healthy : 0),
        chain: [
            ...split.lines,
            `httpd up on every server ${s(httpd)} (one command: delivery ${s(l.commandDelivery)} + run ${s(l.commandRun)})`,
            ...(system.loadBalancer
                ? [`every target healthy ${s(healthy)} (${l.healthyThreshold} checks × ${s(l.healthCheckInterval)})`, "maintenance page off 0s"]
                : []),
        ],
        critical: split.critical.name,
    };
}
