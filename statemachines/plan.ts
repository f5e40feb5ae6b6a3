/**
 * Everything a jobnet definition is built from, as plain values: no Pulumi outputs, so the
 * definitions are pure functions of their plan and can be built, validated and run in tests.
 */
import type { ServerTag, WebServer } from "../handlers/webServers";
import type { ExcludedLock } from "../handlers/runLock";

/** The Lambda tasks the jobnets call, by their role in the jobnet. */
export const taskFunctionNames = [
    "checkCalendar",
    "takeRunLock",
    // Not called by a state machine: EventBridge calls it when a run ends (infra/runLock.ts).
    "releaseRunLock",
    "describeInstances",
    "stopInstances",
    "startInstances",
    "sendScript",
    "getScriptResults",
    "describeCluster",
    "stopCluster",
    "startCluster",
    "describeDbInstance",
    "stopDbInstance",
    "startDbInstance",
    "enableMaintenancePage",
    "disableMaintenancePage",
    "describeTargetHealth",
    "ensureBackups",
    "followBackups",
    "findWebServers",
    // The team's jobnets (statemachines/teamJobnet.ts): their run's record and their jobs' tokens.
    "beginJobs",
    "awaitJob",
    // A job held until an operator releases it (handlers/jobHold.ts).
    "holdJob",
    // One of its own in each team jobnet, allowed only that jobnet's servers and jobnets (infra/teamJobnets.ts).
    "startJob",
    // Not called by a state machine: EventBridge calls it when a job's command or jobnet ends.
    "jobEnded",
    // Not called by a state machine: EventBridge calls it when a team jobnet's start condition matches (infra/teamJobnets.ts).
    "startOnEvent",
] as const;
export type TaskFunctionName = (typeof taskFunctionNames)[number];

/**
 * The most web servers a stack may have: the config, the tag discovery (FindWebServers) and an
 * existing system are refused beyond it. `npm run bench` measures runs of this size against half of
 * Step Functions' payload and history limits.
 */
export const maxWebServers = 500;

/**
 * The most servers the tasks' IAM policies name one by one. IAM keeps a role's inline policies
 * within 10,240 characters (IAM User Guide, "IAM and AWS STS quotas"), about 125 instance ARNs;
 * beyond this the policies name the servers by a tag they carry.
 */
export const maxListedWebServers = 100;

/** The database of the system: an Aurora cluster, or a single RDS DB instance. */
export type DatabaseKind = "cluster" | "instance";

/** The tasks only some stacks deploy: the jobnets of others have no step that calls them. */
const tagTasks = ["findWebServers"] as const;
/** Deployed once a stack has a team jobnet; startJob never by JobnetFunctions: each team jobnet has its own. */
export const teamJobTasks = ["beginJobs", "awaitJob", "holdJob", "jobEnded"] as const;
const teamOnlyTasks = [...teamJobTasks, "startJob", "startOnEvent"] as const;
const loadBalancerTasks = ["enableMaintenancePage", "disableMaintenancePage", "describeTargetHealth"] as const;
export const databaseTasks = {
    cluster: { describe: "describeCluster", stop: "stopCluster", start: "startCluster" },
    instance: { describe: "describeDbInstance", stop: "stopDbInstance", start: "startDbInstance" },
} as const satisfies Record<DatabaseKind, Record<"describe" | "stop" | "start", TaskFunctionName>>;
type DatabaseTask = (typeof databaseTasks)[DatabaseKind][keyof (typeof databaseTasks)[DatabaseKind]];
type OptionalTask = (typeof tagTasks)[number] | (typeof loadBalancerTasks)[number] | DatabaseTask | (typeof teamOnlyTasks)[number];

/** What decides which tasks a stack deploys. */
export interface SystemShape {
    serversByTag: boolean;
    loadBalancer: boolean;
    database: DatabaseKind | "none";
    /** The stack deploys a team's jobnet. */
    teamJobnets?: boolean;
}

/**
 * The tasks a stack deploys: the one that finds the servers only where they are named by a tag;
 * those of the maintenance page and the health wait only where the system has a load balancer;
 * those of its kind of database, and none without one.
 */
export function deployedTasks(shape: SystemShape): TaskFunctionName[] {
    const databaseKinds = Object.keys(databaseTasks) as DatabaseKind[];
    const left: readonly TaskFunctionName[] = [
        ...(shape.serversByTag ? [] : tagTasks),
        ...(shape.loadBalancer ? [] : loadBalancerTasks),
        ...databaseKinds.filter((kind) => kind !== shape.database).flatMap((kind) => Object.values(databaseTasks[kind])),
        // Deployed by TeamJobnets itself: a StartJob per jobnet, StartOnEvent where a jobnet has start conditions.
        ...(shape.teamJobnets ? ["startJob" as const, "startOnEvent" as const] : teamOnlyTasks),
    ];
    return taskFunctionNames.filter((task) => !left.includes(task));
}

/** The deployed tasks' ARNs. */
export type FunctionArns = Record<Exclude<TaskFunctionName, OptionalTask>, string> & Partial<Record<OptionalTask, string>>;

/** The ARN of a task a step calls, which its stack must deploy. */
export function functionArnOf(plan: { functionArns: FunctionArns }, task: TaskFunctionName, step: string): string {
    const arn = plan.functionArns[task];
    if (arn === undefined) throw new Error(`${step} calls ${task}, which this plan does not deploy`);
    return arn;
}

/** Whether the plan's system has a load balancer: the maintenance page and the health wait need one. */
export function hasLoadBalancer(plan: { listeners: { traffic: string[] } }): boolean {
    return plan.listeners.traffic.length > 0;
}

export type PlanWebServer = WebServer;

export interface PlanDatabase {
    kind: DatabaseKind;
    identifier: string;
    arn: string;
}

/**
 * The web servers: listed, written into the definitions; or the tag they carry, found at the
 * start of every run, so that a server tagged after the last update is acted on too.
 */
export type PlanWebServers = PlanWebServer[] | { tag: ServerTag };

/** The bounded waits of the jobnets; each has its own poll rhythm, tuned to the service's usual time. */
export const waitNames = [
    "httpdCommand",
    "agentOnline",
    "instanceStopped",
    "instanceReady",
    "instanceCapacity",
    "clusterAvailable",
    "clusterStopped",
    "backupsCompleted",
    "targetsHealthy",
] as const;
export type WaitName = (typeof waitNames)[number];

export interface PollRhythm {
    firstAfterSeconds: number;
    everySeconds: number;
    /** The bound: the wait fails after this long. Configurable per stack. */
    withinSeconds: number;
}

/**
 * Poll rhythms: the first poll a little before the usual completion time (simulator/latency.ts
 * says why each takes as long), then every few seconds, so that a wait ends within seconds of the
 * service being done. Each poll of a whole fleet is one Lambda call and 9 history events, whatever
 * its size: a run stays far below both budgets at 500 servers.
 */
export const defaultWaits: Record<WaitName, PollRhythm> = {
    httpdCommand: { firstAfterSeconds: 2, everySeconds: 2, withinSeconds: 300 },
    // A server a command has not reached: its SSM agent registers about 20 s after the server runs,
    // or never if it cannot reach Systems Manager; 10 minutes let a slow boot come through.
    agentOnline: { firstAfterSeconds: 10, everySeconds: 10, withinSeconds: 600 },
    instanceStopped: { firstAfterSeconds: 30, everySeconds: 5, withinSeconds: 600 },
    instanceReady: { firstAfterSeconds: 120, everySeconds: 10, withinSeconds: 900 },
    // Not a poll: how long a server's start is tried again while EC2 has no capacity for it. EC2
    // advises waiting a few minutes between attempts (InsufficientInstanceCapacity).
    instanceCapacity: { firstAfterSeconds: 120, everySeconds: 120, withinSeconds: 900 },
    clusterAvailable: { firstAfterSeconds: 240, everySeconds: 10, withinSeconds: 2400 },
    clusterStopped: { firstAfterSeconds: 120, everySeconds: 10, withinSeconds: 2400 },
    backupsCompleted: { firstAfterSeconds: 120, everySeconds: 10, withinSeconds: 7200 },
    targetsHealthy: { firstAfterSeconds: 30, everySeconds: 5, withinSeconds: 900 },
};

/** The shortest bound a stack may give a wait: its first poll and one more. */
export function shortestBound(wait: WaitName): number {
    return defaultWaits[wait].firstAfterSeconds + defaultWaits[wait].everySeconds;
}

/** One command Run Command runs on a web server. */
export interface ShellCommand {
    /** What AWS-RunShellScript runs: a script's path, or shell text. */
    text: string;
    /** How causes and the timeline call it: the script's path, `systemctl stop nginx.service`. */
    name: string;
}

/**
 * The service's three commands. Stop and start exit 0 or fail; check exits 0 when the service
 * runs, 3 when it is stopped, anything else when the check failed.
 */
export interface ServiceCommands {
    /** The service in causes: "httpd", "nginx", "the service". */
    label: string;
    stop: ShellCommand;
    start: ShellCommand;
    check: ShellCommand;
}

export interface JobnetPlan {
    functionArns: FunctionArns;
    /** The business calendar scheduled runs consult. */
    calendar: { country: string; closedDates: string[]; openDates: string[]; timeZone: string };
    stateMachineArns: { stop: string; start: string };
    /** The table holding the system's active run (handlers/runLock.ts), and the item of this system. */
    runLock: { tableName: string; lockKey: string };
    webServers: PlanWebServers;
    /** The database, stopped after the web servers and started with them; undefined when the system has none. */
    database?: PlanDatabase;
    /** The page goes on `traffic` and is removed from `traffic` and `other` (see JobnetTargets). */
    listeners: { traffic: string[]; other: string[] };
    /** Every target of each must be healthy before the maintenance page goes. */
    targetGroupArns: string[];
    maintenance: { priority: number; tagKey: string; tagValue: string; html: string; statusCode: string };
    backup: { vaultName: string; roleArn: string; deleteAfterDays: number };
    /** How each web server's service is stopped, started and checked (infra/serviceControl.ts). */
    service: ServiceCommands;
    commandTimeoutSeconds: number;
    waits: Record<WaitName, PollRhythm>;
    /** Bound on a whole run. */
    timeoutSeconds: number;
    /** The locks of the team's jobnets that stop and start must not run beside (statemachines/exclusion.ts); none unless one names them. */
    notWith?: ExcludedLock[];
}
