import { ServiceControl, serviceCommands, serviceUnitName, systemdLines } from "../infra/serviceControl";
import { SimulatedBuckets } from "./s3";
import { createHash } from "crypto";
import { latency } from "./latency";
import { recoverableByStart } from "../handlers/databaseStatuses";
import type { ServerTag } from "../handlers/webServers";
import type { DatabaseKind } from "../statemachines/plan";
import { SimulatedTable } from "./dynamodb";
import { deliveryClaimItem, latestRunItem, lockItem, lockKeyAttribute } from "../handlers/runLock";
import { TaskTokens } from "./taskTokens";
import { BusEvent, executionStatusChange } from "./eventBridge";

/** Faults a test or a user can inject, each on named resources. */
export interface Faults {
    /** stopHttpd.sh exits 1 on these servers. */
    httpdWillNotStop?: string[];
    /** startHttpd.sh exits 1 on these servers. */
    httpdWillNotStart?: string[];
    /** checkHttpd.sh exits 1 (the check itself fails) on these servers. */
    checkFails?: string[];
    /** Run Command never finishes the script on these servers: it times out. */
    commandTimesOut?: string[];
    /** These servers are not managed by Systems Manager (no agent, no instance profile, no route to SSM): SendCommand refuses them. */
    notManaged?: string[];
    /**
     * The SSM agent of these servers lost its connection after its last report: Systems Manager
     * still lists it online and accepts its commands, which it cannot deliver.
     */
    agentOffline?: string[];
    /** Run Command gives up at once on the commands it cannot deliver to these servers (Undeliverable), rather than trying again until they expire. */
    commandsUndeliverable?: string[];
    /** The SSM agent of these servers comes online this many seconds after the server runs, rather than `latency.ssmAgentOnline`; Infinity: never. */
    agentLate?: Record<string, number>;
    /** The systemd unit the jobnets name does not exist on these servers (a systemd service control). */
    unitMissing?: string[];
    /** These servers stay `stopping` forever. */
    instanceStuckStopping?: string[];
    /** The database (the cluster, or the DB instance) is `backing-up` (an automated backup) for this many seconds from the start. */
    clusterBackingUpForSeconds?: number;
    /** StopDBCluster answers InvalidDBClusterStateFault (a feature that cannot stop); StopDBInstance, InvalidDBInstanceStateFault (a read replica). */
    clusterRefusesToStop?: boolean;
    /** The database is in this status (modifying, maintenance, ...) for this many seconds from the start, then available. */
    clusterBusy?: { status: string; seconds: number };
    /** The database is in this status for good (inaccessible-encryption-credentials, ...). */
    clusterStuck?: string;
    /** The first N StopDBCluster calls answer InvalidDBInstanceStateFault: an instance of the cluster is rebooting. */
    clusterInstanceBusy?: number;
    /** The first N StartDBInstance calls answer InsufficientDBInstanceCapacityFault; Infinity: every one. An RDS DB instance only: StartDBCluster does not answer it. */
    databaseCapacity?: number;
    /** The KMS key that encrypts the stopped database is disabled: StartDBCluster / StartDBInstance answer KMSKeyNotAccessibleFault. */
    databaseKeyDisabled?: boolean;
    /** The first N backup jobs of these resources (server names, or the database's identifier) fail; Infinity: every one. */
    backupFails?: Record<string, number>;
    /**
     * AWS Backup answers a repeated idempotency token of these resources (server names, the database's
     * identifier; "*": every one) with HTTP 200 and no BackupJobId; the first StartBackupJob of each
     * is such a repeat: its answer was lost after the job was made, and the SDK sent it again.
     */
    backupTokenNoId?: string[];
    /** The recovery points of these servers' earlier backups (a stopped system's) have expired. */
    backupExpired?: string[];
    /**
     * The system (a stopped one) was stopped this many days ago, 1 unless given: the servers' stop,
     * their AMIs and the database's snapshot are that old, and kept a week longer by their lifecycle.
     */
    stoppedForDays?: number;
    /** Every backup job (an AMI, a database snapshot) takes this many seconds once running. */
    backupSeconds?: number;
    /** These servers never pass the ALB health check; "*" for all. */
    neverHealthy?: string[];
    /** The first N invocations of these functions (by task name), or by these steps (Task states), are throttled by Lambda. */
    lambdaThrottles?: Record<string, number>;
    /** The first N invocations of these functions (by task name), or by these steps, act, but answer only after their Task has timed out. */
    lateResponses?: Record<string, number>;
    /** StartInstances answers InsufficientInstanceCapacity for these servers until this many seconds after the start. */
    noCapacity?: Record<string, number>;
    /** These servers go pending → stopped for lack of capacity, the first N times they are started. */
    capacityLost?: Record<string, number>;
    /** EC2 refuses to stop or start these servers, for this reason (ec2Refusals): every call naming one fails whole. */
    ec2Refuses?: Record<string, Ec2Refusal>;
    /** These AWS APIs refuse every call for this many seconds in every `throttleBurstPeriod`, from the start. */
    apiThrottling?: Partial<Record<AwsService, number>>;
    /** A run of this jobnet is already running when ours starts: started by hand a minute before ours. */
    otherRunActive?: "stop" | "start";
    /** That run was started by the schedule, for the minute it started. */
    otherRunScheduled?: boolean;
    /**
     * A run of this jobnet (any of the stack's: AccountSpec.jobnetLocks) started a minute before
     * ours, holds its jobnet's lock, and ends Succeeded `minutes` after ours starts: a jobnet kept
     * apart from it (notWith) meets it.
     */
    jobnetRunning?: { jobnet: string; minutes: number };
    /**
     * Scheduler delivered our scheduled run twice: the other delivery started 2 s before ours and
     * is running, or 2 s after ours and ends at once as a duplicate. Needs a scheduled input.
     */
    duplicateDelivery?: "earlier" | "later";
    /** RDS has just restarted the stopped database (7 days stopped): it is starting. */
    clusterAutoRestarted?: boolean;
    /** Another team's listener rule already holds this priority, on the last listener that forwards. */
    foreignRuleAtPriority?: number;
    /**
     * The stack went from HTTP to HTTPS while the system was stopped: the maintenance rule is still
     * on the HTTP listener, which now redirects. Needs a stack with HTTPS and the system stopped.
     */
    pageLeftOnRedirect?: boolean;
    /**
     * These servers are not in the system's state when the run begins: stopped or stopping in a
     * running system (stopped by hand, an hour ago or just now), running or pending in a stopped one.
     */
    serverStates?: Record<string, "stopped" | "stopping" | "running" | "pending">;
    /** These servers were terminated behind the stack's back. */
    terminated?: string[];
    /**
     * Servers that got the stack's server tag after its last update (named here, not in the
     * outputs), in the system's state. Needs a stack whose servers are named by a tag.
     */
    taggedAfterDeployment?: string[];
    /** These servers lost the stack's server tag after its last update. Needs a stack whose servers are named by a tag. */
    tagRemoved?: string[];
    /** ListExecutions leaves out runs started less than this many seconds ago: it "is eventually consistent" (Step Functions API reference). */
    listLagSeconds?: number;
    /** A run of this jobnet is started by hand in the same second as ours, and really runs beside it (simulator/simulate.ts). */
    race?: "stop" | "start";
    /** The lock names a run of this jobnet that failed an hour ago; the event of its end never reached the release function. */
    lockLeft?: "stop" | "start";
    /** EventBridge never delivers the end of our runs to the release function ("Delivery is best effort"). */
    releaseLost?: boolean;
    /** These buckets do not send their events to EventBridge: S3 sends only to the destinations a bucket's notification configuration names (Amazon S3 User Guide, "Enabling Amazon EventBridge"). */
    silentBuckets?: string[];
    /** EventBridge delivers each event of a start condition's rule twice, the second this many seconds after the first: it delivers "at least once" (EventBridge User Guide, "Event retry policy"). */
    eventDuplicateSeconds?: number;
    /** GetExecutionHistory answers at most this many events a page, each after an empty page, with a nextToken while more remain, whatever maxResults: "the actual number of results returned per call might be fewer than the specified maximum" (Step Functions API reference). */
    historyPageEvents?: number;
}

/** The services the jobnets call, by their IAM prefix. */
export const awsServices = ["ec2", "ssm", "rds", "elasticloadbalancing", "backup", "states", "sns", "cloudwatch", "dynamodb", "events", "s3"] as const;
export type AwsService = (typeof awsServices)[number];

/**
 * What each service answers a throttled request with, as the SDK raises it after its own three
 * attempts (standard retry mode): the error name, the HTTP status and the message. EC2:
 * RequestLimitExceeded, 503 (EC2 API reference, "Request throttling"); SSM, AWS Backup and Step
 * Functions: ThrottlingException, 400; ELB and RDS (query APIs): Throttling, 400 ("Rate exceeded");
 * SNS: Throttled, 400 (ThrottledException, SNS API reference); CloudWatch: Throttling, 400;
 * DynamoDB: ProvisionedThroughputExceededException, 400, on-demand tables too when one key is
 * written faster than its partition allows (DynamoDB Developer Guide, "Troubleshooting throttling");
 * EventBridge: ThrottlingException, 400 (EventBridge API reference, common errors); S3: SlowDown,
 * 503 (Amazon S3 API reference, error responses).
 */
const throttlingAnswers: Record<AwsService, { name: string; status: number; message: string }> = {
    ec2: { name: "RequestLimitExceeded", status: 503, message: "Request limit exceeded." },
    ssm: { name: "ThrottlingException", status: 400, message: "Rate exceeded" },
    rds: { name: "Throttling", status: 400, message: "Rate exceeded" },
    elasticloadbalancing: { name: "Throttling", status: 400, message: "Rate exceeded" },
    backup: { name: "ThrottlingException", status: 400, message: "Rate exceeded" },
    states: { name: "ThrottlingException", status: 400, message: "Rate exceeded" },
    sns: { name: "Throttled", status: 400, message: "Rate exceeded" },
    cloudwatch: { name: "Throttling", status: 400, message: "Rate exceeded" },
    events: { name: "ThrottlingException", status: 400, message: "Rate exceeded" },
    s3: { name: "SlowDown", status: 503, message: "Please reduce your request rate." },
    dynamodb: { name: "ProvisionedThroughputExceededException", status: 400, message: "Throughput exceeds the current capacity of your table or index. DynamoDB is automatically scaling your table or index so please try again shortly. If exceptions persist, check if you have a hot key: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html" },
};

/**
 * Why EC2 refuses to stop or start an instance until someone changes it or the permissions: the
 * error, the action it refuses, and its words. Each refuses a whole multi-instance call and
 * changes none (EC2 API reference, error codes).
 */
export const ec2Refusals = {
    // StopInstances on an instance with stop protection (EC2 User Guide, "Enable stop protection"; EC2's words as the API answers them).
    OperationNotPermitted: {
        actions: ["stop"],
        why: "stop protection, disableApiStop",
        status: 400,
        message: (id: string) => `The instance '${id}' may not be stopped. Modify its 'disableApiStop' instance attribute and try again.`,
    },
    // StopInstances on an instance whose root device is an instance store: only an EBS-backed instance stops.
    UnsupportedOperation: {
        actions: ["stop"],
        why: "an instance-store root device",
        status: 400,
        message: (id: string) => `The instance '${id}' does not have an 'ebs' root device type and cannot be stopped.`,
    },
    // StartInstances on a stopped instance whose root volume was detached.
    InvalidParameterValue: {
        actions: ["start"],
        why: "no root volume attached",
        status: 400,
        message: (id: string) => `Invalid value '${id}' for instanceId. Instance does not have a volume attached at root (/dev/xvda)`,
    },
    // A policy, a permissions boundary or an SCP that denies the action on this instance: HTTP 403, with an encoded message (sts:DecodeAuthorizationMessage).
    UnauthorizedOperation: {
        actions: ["stop", "start"],
        why: "a policy denies the action on it",
        status: 403,
        message: (id: string, action: string) =>
            `You are not authorized to perform this operation. Encoded authorization failure message: ${Buffer.from(`ec2:${action === "stop" ? "StopInstances" : "StartInstances"} denied on ${id}`).toString("base64url")}`,
    },
} as const satisfies Record<string, { actions: readonly ("stop" | "start")[]; why: string; status: number; message: (id: string, action: string) => string }>;
export type Ec2Refusal = keyof typeof ec2Refusals;

/** Throttling bursts recur this often, in seconds. */
export const throttleBurstPeriod = 120;

export interface SimListenerSpec {
    arn: string;
    forwards: boolean;
}

export interface SimServerSpec {
    name: string;
    instanceId: string;
    instanceArn: string;
    /** Its tags; Name is the server's name unless given. */
    tags?: Record<string, string>;
}

export interface SimDatabase {
    kind: DatabaseKind | "none";
    identifier: string;
    arn: string;
    status: string;
    /** When its status last changed in the simulation; undefined: not since the account was made. */
    changedAt?: number;
}

export interface AccountSpec {
    servers: SimServerSpec[];
    /** The servers of the team jobnets' groups (simulator/teamJobnets.ts): running, not the web system's. */
    groupServers?: SimServerSpec[];
    /** The Aurora cluster or the RDS DB instance; none when the system has no database. */
    database?: { kind: DatabaseKind; identifier: string; arn: string };
    /** The ALB's listeners: those that forward go to the web servers, the others redirect to HTTPS. */
    listeners: SimListenerSpec[];
    targetGroupArns: string[];
    /** The tag the jobnets find the servers by, when they do: every server carries it. */
    webServerTag?: ServerTag;
    stateMachineArns: { stop: string; start: string };
    /** The run lock's table and this system's item in it (handlers/runLock.ts); the lease a run takes, its jobnet's timeout. */
    runLock?: { tableName: string; lockKey: string; leaseSeconds: number };
    /** Every jobnet of the stack: its state machine, the lock item its runs take, and their lease. */
    jobnetLocks?: Record<string, { stateMachineArn: string; lockKey: string; leaseSeconds: number }>;
    /** The tag that marks this stack's maintenance rule. */
    maintenanceTag: { key: string; value: string };
    backupVaultName: string;
    initial: "running" | "stopped";
    /** How the servers' service is controlled: this program's scripts unless given. */
    serviceControl?: ServiceControl;
    faults?: Faults;
    /**
     * What a command does that is not one of the service's three: how long it runs, its exit code and
     * what it prints; `attempt` counts the sends of the same comment and script to the server, this
     * one included. Undefined: the server does not know it (127, "command not found").
     */
    plays?: (c: { comment: string; script: string; document: string; instanceName: string; attempt: number }) => { seconds: number; exitCode: number; stdout?: string; stderr?: string; outcome?: "runs-forever" | "undeliverable" } | undefined;
}

type InstanceState = "pending" | "running" | "stopping" | "stopped" | "shutting-down" | "terminated";
const stateCodes: Record<InstanceState, number> = { pending: 0, running: 16, "shutting-down": 32, terminated: 48, stopping: 64, stopped: 80 };

export interface SimInstance {
    name: string;
    id: string;
    arn: string;
    tags: Record<string, string>;
    /** A server of a team jobnet's group: not one of the web system's, never a target of its load balancer. */
    groupServer?: true;
    state: InstanceState;
    stateTransitionReason: string;
    /** EC2's StateReason.Code, when it gives one. */
    stateReason?: string;
    /** When it became running (for status checks, the agent and health checks). */
    runningSince: number;
    httpd: "running" | "stopped";
    httpdSince: number;
    /** When its state last changed in the simulation; undefined: not since the account was made. */
    stateChangedAt?: number;
}

export interface SimInvocation {
    commandId: string;
    instanceId: string;
    script: string;
    sentAt: number;
    status: "Pending" | "InProgress" | "Delayed" | "Success" | "Failed" | "TimedOut" | "Cancelled";
    /** Set when Run Command says more than the status: Delayed, DeliveryTimedOut, Undeliverable. */
    statusDetails?: string;
    responseCode: number;
    stdout: string;
    stderr: string;
    /** When its status last changed. */
    changedAt: number;
    /** When the agent began running it, and when it ended. */
    startedAt?: number;
    endedAt?: number;
}

/** A command as SendCommand took it: one invocation for each instance it names. */
export interface SimCommand {
    commandId: string;
    documentName: string;
    comment: string;
    /** The document's parameters as sent: `commands`, `workingDirectory`, `executionTimeout`. */
    parameters: Record<string, string[]>;
    cloudWatchOutputConfig?: { CloudWatchLogGroupName?: string; CloudWatchOutputEnabled?: boolean };
    instanceIds: string[];
    requestedAt: number;
    /** SendCommand's TimeoutSeconds: how long it may wait to be delivered. */
    timeoutSeconds: number;
    /** Its status as a whole: Pending, InProgress, then Success, Failed, TimedOut or Cancelled once every invocation has ended. */
    status: string;
}

/** A command's statuses that end it (SSM API reference, CommandInvocationStatus). */
export function commandEnded(status: string): boolean {
    return status === "Success" || status === "Failed" || status === "TimedOut" || status === "Cancelled";
}

/**
 * A command's status from its invocations': Success when every one succeeded; once all have
 * ended, Failed if any failed, else TimedOut if any timed out, else Cancelled; InProgress while
 * any has been delivered, Pending before (Systems Manager User Guide, "Understanding command statuses").
 */
export function commandStatusOf(statuses: string[]): string {
    if (!statuses.every(commandEnded)) return statuses.every((s) => s === "Pending") ? "Pending" : "InProgress";
    if (statuses.every((s) => s === "Success")) return "Success";
    return ["Failed", "TimedOut", "Cancelled"].find((s) => statuses.includes(s))!;
}

export interface SimRule {
    arn: string;
    listenerArn: string;
    priority: string;
    isDefault: boolean;
    tags: { Key: string; Value: string }[];
    body?: string;
}

export interface SimBackupJob {
    id: string;
    resourceArn: string;
    resourceName: string;
    vault: string;
    token: string;
    createdAt: number;
    state: "CREATED" | "RUNNING" | "COMPLETED" | "FAILED";
    message: string;
    /** Set when the job completes: an AMI for an instance, a cluster snapshot for Aurora. */
    recoveryPointArn?: string;
    /** Taken before the simulation began (a stopped system's backups). */
    earlier: boolean;
    /** When its state last changed. */
    changedAt: number;
}

export interface SimRecoveryPoint {
    arn: string;
    resourceArn: string;
    vault: string;
    createdAt: number;
    /** When the backup job that made it began (RecoveryPointByBackupVault.InitiationDate). */
    initiatedAt: number;
    /** When AWS Backup deletes it (the job's Lifecycle.DeleteAfterDays). */
    deleteAt: number;
}

export interface SimExecution {
    arn: string;
    stateMachineArn: string;
    /** The input as Step Functions keeps it: a JSON string. */
    input: string;
    /** The output of a run that succeeded, a JSON string. */
    output?: string;
    status: "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT";
    startDate: number;
    stopDate?: number;
    /** Its history as GetExecutionHistory gives it, oldest first (simulator/run.ts, historyEventOf). */
    history: SimHistoryEvent[];
    /** The events Step Functions counts in its history, every run of it (a redrive's too) together (simulator/run.ts). */
    historyEvents?: number;
    /** The revision of its state machine it started with (DescribeStateMachineForExecution); undefined: the first. */
    revisionId?: string;
}

/** One event of an execution's history, in the shape of the SDK's HistoryEvent. */
export interface SimHistoryEvent {
    id: number;
    previousEventId: number;
    timestamp: Date;
    type: string;
    stateEnteredEventDetails?: { name: string; input: string };
    stateExitedEventDetails?: { name: string; output: string };
    mapIterationStartedEventDetails?: { name: string; index: number };
    taskFailedEventDetails?: { error: string; cause: string };
    executionFailedEventDetails?: { error: string; cause: string };
}

/** A message published to an SNS topic. */
export interface SimPublished {
    topicArn: string;
    subject: string | undefined;
    message: string;
    at: number;
}

/** A metric datum put to CloudWatch. */
export interface SimMetricDatum {
    namespace: string;
    name: string;
    dimensions: Record<string, string>;
    value: number;
    at: number;
}

/** The seconds between our scheduled run and its duplicate delivery (the duplicateDelivery fault). */
export const duplicateDeliveryGapSeconds = 2;

/** One AWS call a function made: which function, which service action. */
export interface RecordedCall {
    caller: string;
    action: string;
    /** What IAM authorises the call on: each resource, with the condition keys the request carries. */
    authorizations: Authorization[];
    /** The Lambda invocation that made it (simulator/run.ts), when one did. */
    invocation?: number;
    /** A read (Describe, Get, List): the freshest change among the resources its answer shows, epoch ms (simulator/freshness.ts). */
    freshestChange?: number;
}

/** One resource of a call as IAM evaluates it; "*" for actions without resource-level permissions. */
export interface Authorization {
    resource: string;
    /** The IAM action it is authorised as, when not the call's own: each action of a TransactWriteItems. */
    action?: string;
    context?: Record<string, string | string[]>;
}

/** An error as the AWS SDK v3 raises it for a service error: its name is the exception's. */
export function serviceError(name: string, message: string, answer: { fault?: "client" | "server"; status?: number; attempts?: number } = {}): Error {
    const { fault = "client", status = 400, attempts } = answer;
    // An error the SDK retried (throttling, 5xx) comes out after its attempts, which $metadata counts.
    const retried = attempts === undefined ? {} : { attempts, totalRetryDelay: 300 * (attempts - 1) };
    const requestId = `req-${(++requestSerial).toString(16).padStart(8, "0")}`;
    return Object.assign(new Error(message), { name, $fault: fault, $metadata: { httpStatusCode: status, requestId, ...retried } });
}

let requestSerial = 0;

/** An execution's ARN: the state machine's, with `execution` for `stateMachine` and the run's name. */
/** Rules of a listener: listener/app/<lb>/<lb-id>/<id> → listener-rule/app/<lb>/<lb-id>/<id>/<rule-id>. */
function ruleArnPrefix(listenerArn: string): string {
    return listenerArn.replace(":listener/", ":listener-rule/");
}

export function executionArnOf(stateMachineArn: string, name: string): string {
    return `${stateMachineArn.replace(":stateMachine:", ":execution:")}:${name}`;
}

/**
 * A stateful AWS account holding one web system. Resources move through their real states as
 * virtual time passes: each action schedules the transitions that follow it, and every read first
 * applies the transitions that are due.
 */
export class SimulatedAccount {
    readonly instances = new Map<string, SimInstance>();
    /** The database; of kind "none", status "none", when the system has none. */
    readonly database: SimDatabase;
    readonly invocations: SimInvocation[] = [];
    /** The commands SendCommand took, oldest first. */
    readonly commands: SimCommand[] = [];
    readonly rules: SimRule[] = [];
    readonly backupJobs: SimBackupJob[] = [];
    readonly recoveryPoints: SimRecoveryPoint[] = [];
    readonly executions: SimExecution[] = [];
    /** The task tokens of callback tasks (simulator/taskTokens.ts). */
    readonly taskTokens = new TaskTokens();
    /** What the account's services put on its default event bus, oldest first (simulator/eventBridge.ts). */
    readonly events: BusEvent[] = [];
    /** Where those events go, once a simulation has a bus (simulate.ts); without one they are only kept. */
    bus?: { put(event: BusEvent): void };
    /** The account's S3 buckets (simulator/s3.ts). */
    readonly s3 = new SimulatedBuckets();
    private eventSerial = 0;
    readonly calls: RecordedCall[] = [];
    /** What was published to SNS topics: notices to operators. */
    readonly published: SimPublished[] = [];
    readonly metrics: SimMetricDatum[] = [];
    /** DynamoDB tables, by name: the run lock's. */
    readonly tables = new Map<string, SimulatedTable>();
    /** Each state machine's revision now, by ARN: none until its definition is updated (DescribeStateMachine). */
    readonly revisions = new Map<string, string>();
    /** What changed and when, in seconds since the account was made: "web-1 running", "cluster available", "DB instance stopped". */
    readonly timeline: { at: number; event: string }[] = [];
    private readonly createdAt = Date.now();
    readonly faults: Faults;
    private scheduled: { at: number; seq: number; apply: (when: number) => void }[] = [];
    /** Backups in progress on the database (snapshots, the automated backup): it is backing-up while any runs. */
    private readonly databaseBackups = new Set<string>();
    private serial = 0;

    constructor(readonly spec: AccountSpec) {
        this.faults = spec.faults ?? {};
        const now = Date.now();
        const running = spec.initial === "running";
        const dayAgo = now - 86_400_000;
        const stoppedDays = this.faults.stoppedForDays ?? 1;
        const stoppedAt = now - stoppedDays * 86_400_000;
        const serverTag = spec.webServerTag ? { [spec.webServerTag.key]: spec.webServerTag.value } : {};
        const [, partition, , region, accountId] = spec.stateMachineArns.stop.split(":");
        const latecomers = (this.faults.taggedAfterDeployment ?? []).map((name, n): SimServerSpec => {
            if (!spec.webServerTag) throw new Error("the taggedAfterDeployment fault needs a stack whose servers are named by a tag");
            const instanceId = `i-0fa${String(n + 1).padStart(14, "0")}`;
            return { name, instanceId, instanceArn: `arn:${partition}:ec2:${region}:${accountId}:instance/${instanceId}` };
        });
        for (const s of [...spec.servers, ...latecomers]) {
            this.instances.set(s.instanceId, {
                name: s.name,
                id: s.instanceId,
                arn: s.instanceArn,
                tags: { Name: s.name, ...serverTag, ...s.tags },
                state: running ? "running" : "stopped",
                stateTransitionReason: running ? "" : `User initiated (${gmt(stoppedAt)})`,
                runningSince: running ? dayAgo : 0,
                httpd: running ? "running" : "stopped",
                httpdSince: running ? dayAgo : stoppedAt,
            });
        }
        // The team jobnets' servers run, their agents online, whatever the web system's state.
        for (const s of spec.groupServers ?? []) {
            this.instances.set(s.instanceId, {
                name: s.name, id: s.instanceId, arn: s.instanceArn, tags: { Name: s.name, ...s.tags }, groupServer: true,
                state: "running", stateTransitionReason: "", runningSince: dayAgo, httpd: "stopped", httpdSince: dayAgo,
            });
        }
        this.database = spec.database
            ? { ...spec.database, status: running ? "available" : "stopped" }
            : { kind: "none", identifier: "", arn: "", status: "none" };
        const ourTag = [{ Key: spec.maintenanceTag.key, Value: spec.maintenanceTag.value }];
        for (const l of spec.listeners) this.rules.push({ arn: `${ruleArnPrefix(l.arn)}/default`, listenerArn: l.arn, priority: "default", isDefault: true, tags: [] });
        if (!running) {
            // A system stopped by the stop jobnet: the maintenance page is up, and each server and the database were backed up.
            for (const l of spec.listeners) if (l.forwards || this.faults.pageLeftOnRedirect) this.createRule(l.arn, 1, ourTag, "maintenance");
            const keptDays = stoppedDays + 7;
            for (const s of spec.servers) {
                const job = this.addBackupJob(s.instanceArn, s.name, `${s.instanceArn}@earlier`, stoppedAt + 60_000, "COMPLETED", true);
                // An expired recovery point is gone from the vault; its job still lists as COMPLETED.
                if (!this.has("backupExpired", s.name)) this.keepRecoveryPoint(job, stoppedAt + 360_000, keptDays);
            }
            if (spec.database) {
                const snapshot = this.addBackupJob(spec.database.arn, spec.database.identifier, `${spec.database.arn}@earlier`, stoppedAt - 600_000, "COMPLETED", true);
                this.keepRecoveryPoint(snapshot, stoppedAt - 300_000, keptDays);
            }
        }
        if (this.faults.foreignRuleAtPriority !== undefined) {
            const forwarding = spec.listeners.filter((l) => l.forwards);
            this.createRule(forwarding[forwarding.length - 1].arn, this.faults.foreignRuleAtPriority, [{ Key: "team", Value: "someone-else" }], "not ours");
        }
        for (const i of this.instances.values()) if (this.has("terminated", i.name)) i.state = "terminated";
        for (const i of this.instances.values()) if (this.has("tagRemoved", i.name) && spec.webServerTag) delete i.tags[spec.webServerTag.key];
        for (const [name, state] of Object.entries(this.faults.serverStates ?? {})) this.putServerIn(name, state, now);
        const hasDatabase = spec.database !== undefined;
        if (hasDatabase && !running && this.faults.clusterAutoRestarted) {
            this.database.status = "starting";
            this.at(latency.clusterStarting, (when) => this.setDatabase("available", when));
        }
        const busy = this.faults.clusterBusy;
        if (hasDatabase && running && busy) {
            this.database.status = busy.status;
            this.at(busy.seconds, (when) => this.setDatabase("available", when));
        }
        if (hasDatabase && this.faults.clusterStuck) this.database.status = this.faults.clusterStuck;
        if (this.faults.databaseCapacity !== undefined && spec.database?.kind !== "instance") {
            throw new Error("the databaseCapacity fault needs an RDS DB instance: StartDBCluster does not answer InsufficientDBInstanceCapacityFault (RDS API reference)");
        }
        const backingUp = this.faults.clusterBackingUpForSeconds;
        if (hasDatabase && running && backingUp) {
            this.beginDatabaseBackup("automated");
            this.at(backingUp, (when) => this.endDatabaseBackup("automated", when));
        }
        if (spec.runLock) this.tables.set(spec.runLock.tableName, new SimulatedTable(spec.runLock.tableName, lockKeyAttribute));
        if (this.faults.otherRunActive) {
            const startDate = now - 60_000;
            const scheduled = this.faults.otherRunScheduled === true;
            const other: SimExecution = {
                arn: executionArnOf(spec.stateMachineArns[this.faults.otherRunActive], `${scheduled ? "scheduled" : "manual"}-run-1`),
                stateMachineArn: spec.stateMachineArns[this.faults.otherRunActive],
                input: scheduled ? JSON.stringify({ trigger: "schedule", scheduledTime: new Date(startDate).toISOString().replace(".000Z", "Z") }) : "{}",
                status: "RUNNING",
                startDate,
                history: [],
            };
            this.executions.push(other);
            // It took the lock, and claimed its scheduled time, as its first step.
            this.holdRunLock(other);
        }
        const otherJobnet = this.faults.jobnetRunning;
        if (otherJobnet) {
            const jobnet = spec.jobnetLocks?.[otherJobnet.jobnet];
            if (!jobnet || !spec.runLock) throw new Error(`the jobnetRunning fault names ${otherJobnet.jobnet}, which the stack does not deploy`);
            const startDate = now - 60_000;
            const other: SimExecution = { arn: executionArnOf(jobnet.stateMachineArn, "manual-run-1"), stateMachineArn: jobnet.stateMachineArn, input: "{}", status: "RUNNING", startDate, history: [] };
            this.executions.push(other);
            // It took its own lock as its first step (handlers/runLock.ts, lockItem).
            const run = { executionArn: other.arn, stateMachineArn: other.stateMachineArn, startTime: new Date(startDate).toISOString() };
            this.tables.get(spec.runLock.tableName)!.put(lockItem({ lockKey: jobnet.lockKey }, run, Math.floor(startDate / 1000) + jobnet.leaseSeconds), {});
            this.at(otherJobnet.minutes * 60, (when) => this.endExecution(other, "SUCCEEDED", when));
        }
        if (this.faults.lockLeft) {
            const startDate = now - 3_600_000;
            const gone: SimExecution = {
                arn: executionArnOf(spec.stateMachineArns[this.faults.lockLeft], "failed-run-1"),
                stateMachineArn: spec.stateMachineArns[this.faults.lockLeft],
                input: "{}",
                status: "FAILED",
                startDate,
                stopDate: startDate + 600_000,
                history: [],
            };
            this.executions.push(gone);
            this.holdRunLock(gone);
        }
    }

    // ---- Step Functions --------------------------------------------------------

    /** Records a run as started now; a scheduled one gets its duplicate delivery if that fault is set. */
    startExecution(stateMachineArn: string, name: string, input: Record<string, unknown>): SimExecution {
        const now = Date.now();
        const arnOf = (n: string) => executionArnOf(stateMachineArn, n);
        const execution: SimExecution = { arn: arnOf(name), stateMachineArn, input: JSON.stringify(input), status: "RUNNING", startDate: now, history: [], revisionId: this.revisions.get(stateMachineArn) };
        this.executions.push(execution);
        this.emitExecutionStatus(execution);
        const duplicate = this.faults.duplicateDelivery;
        if (duplicate) {
            if (input.trigger !== "schedule") throw new Error("the duplicateDelivery fault needs a scheduled run: input {\"trigger\": \"schedule\", \"scheduledTime\": ...}");
            const gap = duplicateDeliveryGapSeconds * 1000;
            // The simulated Lambdas take no time; in AWS a later delivery can start while our first
            // steps run, so it is listed when our guard looks.
            const other: SimExecution = { ...execution, arn: arnOf(`${name}-${duplicate}-delivery`), startDate: duplicate === "earlier" ? now - gap : now + gap, history: [] };
            this.executions.push(other);
            // The earlier delivery claimed the scheduled time and took the lock; the later one finds ours and writes nothing.
            if (duplicate === "earlier") this.holdRunLock(other);
            // The later one finds ours and ends as a duplicate; the earlier one is doing the jobnet's work.
            if (duplicate === "later") this.at(duplicateDeliveryGapSeconds + 1, (when) => this.endExecution(other, "SUCCEEDED", when));
        }
        return execution;
    }

    /** An update of the state machine's definition (UpdateStateMachine): a new revision, which runs started before it do not have. */
    updateDefinition(stateMachineArn: string): void {
        this.revisions.set(stateMachineArn, `revision-${(++this.serial).toString(16)}`);
    }

    endExecution(execution: SimExecution, status: "SUCCEEDED" | "FAILED" | "TIMED_OUT", when = Date.now()): void {
        execution.status = status;
        execution.stopDate = when;
        this.emitExecutionStatus(execution, when);
    }

    /** A redrive: the same execution RUNNING again (RedriveExecution), its status change an event as any other. */
    redriveExecution(execution: SimExecution): void {
        execution.status = "RUNNING";
        execution.stopDate = undefined;
        this.emitExecutionStatus(execution);
    }

    /** Step Functions sends "Step Functions Execution Status Change" for every status an execution takes: RUNNING at its start, then its end (Step Functions Developer Guide, "Automating Step Functions event delivery with EventBridge"). */
    private emitExecutionStatus(execution: SimExecution, when = Date.now()): void {
        const { source, "detail-type": detailType, detail } = executionStatusChange(execution) as { source: string; "detail-type": string; detail: Record<string, unknown> };
        this.emit(source, detailType, [execution.arn], detail, when);
    }

    /**
     * PutObject by someone outside the jobnets (a partner's file): the object is in the bucket, and
     * S3 sends "Object Created" to EventBridge, the bucket having its EventBridge notifications on
     * (Amazon S3 User Guide, "Enabling Amazon EventBridge"; the README says to turn them on).
     */
    putObject(bucket: string, key: string, size: number): BusEvent | undefined {
        const { detail } = this.s3.put(bucket, key, size, Date.now());
        if (this.faults.silentBuckets?.includes(bucket)) return undefined;
        return this.emit("aws.s3", "Object Created", [`arn:aws:s3:::${bucket}`], detail);
    }

    /** Puts an event on the account's default bus, in EventBridge's envelope (EventBridge User Guide, "Amazon EventBridge events"). */
    emit(source: string, detailType: string, resources: string[], detail: Record<string, unknown>, when = Date.now()): BusEvent {
        const [, , , region, account] = this.spec.stateMachineArns.stop.split(":");
        const event: BusEvent = {
            version: "0",
            id: guid(createHash("sha256").update(`event/${++this.eventSerial}`).digest("hex").slice(0, 32)),
            "detail-type": detailType,
            source,
            account,
            time: new Date(when).toISOString().replace(/\.\d{3}Z$/, "Z"),
            region,
            resources,
            detail,
        };
        this.events.push(event);
        this.bus?.put(event);
        return event;
    }

    /**
     * The executions of a state machine, newest first, as ListExecutions returns them: with the
     * listLagSeconds fault, without the runs started less than that long ago, as an eventually
     * consistent read may.
     */
    executionsOf(stateMachineArn: string, status?: string): SimExecution[] {
        if (!this.knowsStateMachine(stateMachineArn)) {
            throw serviceError("StateMachineDoesNotExist", `State Machine Does Not Exist: '${stateMachineArn}'`);
        }
        const visibleFrom = Date.now() - (this.faults.listLagSeconds ?? 0) * 1000;
        return this.executions
            .filter((e) => e.stateMachineArn === stateMachineArn && (!status || e.status === status) && (this.faults.listLagSeconds === undefined || e.startDate <= visibleFrom))
            .sort((a, b) => b.startDate - a.startDate);
    }

    /** The state machines of the account: the jobnets', and those a simulation adds (simulator/childExecutions.ts). */
    readonly stateMachineArns = new Set<string>();

    knowsStateMachine(stateMachineArn: string): boolean {
        return Object.values(this.spec.stateMachineArns).includes(stateMachineArn) || this.stateMachineArns.has(stateMachineArn);
    }

    /** Runs an execution StartExecution asked for, when a simulation plays them (simulator/childExecutions.ts); it records it as started. */
    executionStarter?: (stateMachineArn: string, name: string, input: Record<string, unknown>) => SimExecution;
    /** Runs a redrive RedriveExecution asked for, likewise; it records the execution as RUNNING again. */
    executionRedriver?: (execution: SimExecution) => void;

    /** The items a run writes when it takes the system's run lock (handlers/runLock.ts): the lock, the latest run, its delivery's claim. */
    private holdRunLock(execution: SimExecution): void {
        const lock = this.spec.runLock;
        if (!lock) return;
        const table = this.tables.get(lock.tableName)!;
        const run = { executionArn: execution.arn, stateMachineArn: execution.stateMachineArn, startTime: new Date(execution.startDate).toISOString() };
        table.put(lockItem(lock, run, Math.floor(execution.startDate / 1000) + lock.leaseSeconds), {});
        table.put(latestRunItem(lock, run), {});
        const scheduledTime = (JSON.parse(execution.input) as { scheduledTime?: string }).scheduledTime;
        if (scheduledTime !== undefined) table.put(deliveryClaimItem(run, scheduledTime, execution.startDate), {});
    }

    execution(executionArn: string): SimExecution {
        const e = this.executions.find((x) => x.arn === executionArn);
        if (!e) throw serviceError("ExecutionDoesNotExist", `Execution Does Not Exist: '${executionArn}'`);
        return e;
    }

    /** A server someone stopped or started by hand before the run: its state, httpd and EC2's transition reason. */
    private putServerIn(name: string, state: "stopped" | "stopping" | "running" | "pending", now: number): void {
        const i = [...this.instances.values()].find((s) => s.name === name);
        if (!i) throw new Error(`no server ${name}`);
        if (state === "stopped" || state === "stopping") {
            // httpd is not enabled: a server that stops loses it until the start jobnet starts it.
            const requested = state === "stopped" ? now - 3_600_000 : now - 10_000;
            Object.assign(i, { state, stateTransitionReason: `User initiated (${gmt(requested)})`, httpd: "stopped", httpdSince: requested });
            if (state === "stopping") this.at(latency.instanceStopping - 10, (when) => this.setInstance(i, "stopped", when));
        } else {
            // Started by hand: it boots, and httpd stays down (not enabled) until the start jobnet starts it.
            Object.assign(i, { state, stateTransitionReason: "", runningSince: state === "running" ? now - 600_000 : 0, httpd: "stopped", httpdSince: now - 600_000 });
            if (state === "pending") {
                this.at(latency.instancePending - 5, (when) => {
                    this.setInstance(i, "running", when);
                    i.runningSince = when;
                });
            }
        }
    }

    private note(event: string, when = Date.now()): void {
        this.timeline.push({ at: this.elapsedSeconds(when), event });
    }

    /** Seconds since the account was made, at `when` (now by default). */
    private elapsedSeconds(when = Date.now()): number {
        return (when - this.createdAt) / 1000;
    }

    /** When an event first happened, in seconds; undefined if it did not. */
    when(event: string): number | undefined {
        return this.timeline.find((t) => t.event === event)?.at;
    }

    // Each change carries the time it was due: transitions are applied lazily, at the next read.
    private setInstance(i: SimInstance, state: InstanceState, when = Date.now()): void {
        i.state = state;
        i.stateChangedAt = when;
        this.note(`${i.name} ${state}`, when);
    }

    private setHttpd(i: SimInstance, state: "running" | "stopped", when = Date.now()): void {
        if (i.httpd === state) return;
        i.httpd = state;
        i.httpdSince = when;
        this.note(`${i.name} httpd ${state}`, when);
    }

    private setDatabase(status: string, when = Date.now()): void {
        this.database.status = status;
        this.database.changedAt = when;
        this.note(`${this.database.kind === "cluster" ? "cluster" : "DB instance"} ${status}`, when);
    }

    /** Applies every transition that is due by now, in order. */
    settle(): void {
        const now = Date.now();
        for (;;) {
            this.scheduled.sort((a, b) => a.at - b.at || a.seq - b.seq);
            const next = this.scheduled[0];
            if (!next || next.at > now) return;
            this.scheduled.shift();
            next.apply(next.at);
        }
    }

    /**
     * Schedules a transition `seconds` from now. Transitions are applied lazily, at the next read;
     * a `prompt` one (a change that sends an event no one need read for) also when its time comes.
     */
    at(seconds: number, apply: (when: number) => void, prompt = false): void {
        this.scheduled.push({ at: Date.now() + seconds * 1000, seq: this.serial++, apply });
        if (prompt) (setTimeout(() => this.settle(), seconds * 1000) as { unref?: () => void }).unref?.();
    }

    nextId(prefix: string): string {
        return `${prefix}${(++this.serial).toString(16).padStart(8, "0")}`;
    }

    has(fault: keyof Faults, name: string): boolean {
        const names = this.faults[fault];
        return Array.isArray(names) && (names.includes(name) || names.includes("*"));
    }

    /** The web system's servers: every instance but the team jobnets' group servers. */
    webServers(): SimInstance[] {
        return [...this.instances.values()].filter((i) => !i.groupServer);
    }

    instance(id: string): SimInstance {
        const i = this.instances.get(id);
        if (!i) throw serviceError("InvalidInstanceID.NotFound", `The instance ID '${id}' does not exist`);
        return i;
    }

    stateCode(i: SimInstance): number {
        return stateCodes[i.state];
    }

    /**
     * Admits a call to a service, or throws its throttling error. AWS throttles per account and
     * API with token buckets (EC2 API reference, "Request throttling"): when other clients of the
     * account drain a bucket, every call is refused until it refills. Modelled as bursts: every
     * `throttleBurstPeriod` seconds from the start, the service refuses every call for the burst's length.
     */
    admit(service: AwsService): void {
        const burst = this.faults.apiThrottling?.[service];
        if (burst === undefined) return;
        if (this.elapsedSeconds() % throttleBurstPeriod >= burst) return;
        this.throttled[service] = (this.throttled[service] ?? 0) + 1;
        const answer = throttlingAnswers[service];
        throw serviceError(answer.name, answer.message, { status: answer.status, attempts: 3 });
    }

    private instanceBusyAnswers = 0;
    private databaseCapacityAnswers = 0;

    /** How often each server lost its capacity while starting. */
    private readonly capacityLosses = new Map<string, number>();

    /** How many calls each service throttled. */
    readonly throttled: Partial<Record<AwsService, number>> = {};

    // ---- EC2 -----------------------------------------------------------------

    /** Throws what StopInstances answers for an instance it cannot stop; stopping and stopped ones are accepted. */
    checkStoppable(i: SimInstance): void {
        this.checkNotRefused(i, "stop");
        if (i.state !== "running" && i.state !== "stopped" && i.state !== "stopping") {
            throw serviceError("IncorrectInstanceState", `The instance '${i.id}' is not in a state from which it can be stopped.`);
        }
    }

    /** Throws EC2's refusal of the action on an instance it will not act on until someone changes it (the ec2Refuses fault). */
    private checkNotRefused(i: SimInstance, action: "stop" | "start"): void {
        const refusal = this.faults.ec2Refuses?.[i.name];
        if (refusal === undefined) return;
        const { actions, status, message } = ec2Refusals[refusal];
        if ((actions as readonly string[]).includes(action)) throw serviceError(refusal, message(i.id, action), { status });
    }

    stopInstance(i: SimInstance): void {
        this.checkStoppable(i);
        if (i.state === "stopped" || i.state === "stopping") return;
        this.setInstance(i, "stopping");
        if (this.has("instanceStuckStopping", i.name)) return;
        this.at(latency.instanceStopping, (when) => {
            this.setInstance(i, "stopped", when);
            i.stateTransitionReason = `User initiated (${gmt(when)})`;
            this.setHttpd(i, "stopped", when);
        });
    }

    /** Throws what StartInstances answers for an instance it cannot start now; pending and running ones are accepted. */
    checkStartable(i: SimInstance): void {
        if (i.state === "running" || i.state === "pending") return;
        this.checkNotRefused(i, "start");
        if (i.state !== "stopped") throw serviceError("IncorrectInstanceState", `The instance '${i.id}' is not in a state from which it can be started.`);
        if (this.elapsedSeconds() < (this.faults.noCapacity?.[i.name] ?? 0)) {
            // StartInstances: InsufficientInstanceCapacity, HTTP 500; AWS advises waiting a few minutes (EC2 API reference, error codes).
            throw serviceError(
                "InsufficientInstanceCapacity",
                "We currently do not have sufficient capacity for the instance type in the Availability Zone you requested. Our system will be working on provisioning additional capacity.",
                { fault: "server", status: 500, attempts: 3 },
            );
        }
    }

    startInstance(i: SimInstance): void {
        this.checkStartable(i);
        if (i.state === "running" || i.state === "pending") return;
        this.setInstance(i, "pending");
        i.stateTransitionReason = "";
        i.stateReason = undefined;
        const lost = this.capacityLosses.get(i.name) ?? 0;
        if (lost < (this.faults.capacityLost?.[i.name] ?? 0)) {
            // Capacity lost while starting: the instance goes pending → stopped, StateReason Server.InsufficientInstanceCapacity.
            this.capacityLosses.set(i.name, lost + 1);
            this.at(latency.instancePending, (when) => {
                this.setInstance(i, "stopped", when);
                i.stateReason = "Server.InsufficientInstanceCapacity";
                i.stateTransitionReason = "Server.InsufficientInstanceCapacity: Insufficient capacity.";
            });
            return;
        }
        this.at(latency.instancePending, (when) => {
            this.setInstance(i, "running", when);
            i.runningSince = when;
        });
    }

    checksOf(i: SimInstance): string {
        if (i.state !== "running") return "not-applicable";
        return Date.now() - i.runningSince >= latency.statusChecks * 1000 ? "ok" : "initializing";
    }

    // ---- SSM Run Command -------------------------------------------------------

    /** When the server's SSM agent comes online after its latest start, epoch ms; Infinity when it never does. */
    agentOnlineAt(i: SimInstance): number {
        return i.runningSince + (this.faults.agentLate?.[i.name] ?? latency.ssmAgentOnline) * 1000;
    }

    /**
     * What DescribeInstanceInformation says of the server's SSM agent: Online, or ConnectionLost
     * while it has not connected since the server started; undefined when the operation does not
     * list the node, an agent that never registered or a node that is stopped or terminated ("This
     * operation does not return information for nodes that are either Stopped or Terminated", SSM API
     * reference). An agent that lost its connection unnoticed (agentOffline) still reads Online.
     */
    pingStatus(i: SimInstance): "Online" | "ConnectionLost" | undefined {
        if (this.has("notManaged", i.name) || i.state === "stopped" || i.state === "terminated") return undefined;
        return i.state === "running" && Date.now() >= this.agentOnlineAt(i) ? "Online" : "ConnectionLost";
    }

    /**
     * One command to many instances, one invocation each. SendCommand answers InvalidInstanceId when
     * SSM Agent is not running or not registered, or the node is not in a valid state (SSM API
     * reference, SendCommand errors): modelled for every node Systems Manager does not list Online,
     * for the whole call, and nothing is sent. (AWS also accepts a command to a stopped node and
     * delays it; no jobnet sends to one.)
     */
    sendCommand(instanceIds: string[], script: string, executionTimeoutSeconds: number, timeoutSeconds: number, sent: Partial<Pick<SimCommand, "documentName" | "comment" | "parameters" | "cloudWatchOutputConfig">> = {}): string {
        const instances = instanceIds.map((id) => this.instance(id));
        const invalid = instances.filter((i) => this.pingStatus(i) !== "Online");
        if (invalid.length > 0) throw serviceError("InvalidInstanceId", `Instances [[${invalid.map((i) => i.id).join(", ")}]] not in a valid state for account`);
        const commandId = cryptoLikeId(++this.serial);
        const command: SimCommand = {
            commandId,
            documentName: sent.documentName ?? "AWS-RunShellScript",
            comment: sent.comment ?? "",
            parameters: sent.parameters ?? { commands: [script], executionTimeout: [String(executionTimeoutSeconds)] },
            cloudWatchOutputConfig: sent.cloudWatchOutputConfig,
            instanceIds: [...instanceIds],
            requestedAt: Date.now(),
            timeoutSeconds,
            status: "Pending",
        };
        this.commands.push(command);
        for (const i of instances) this.invokeCommand(i, command, script, executionTimeoutSeconds, timeoutSeconds);
        return commandId;
    }

    /** A command sent, by its id; InvalidCommandId otherwise (SSM API reference). */
    command(commandId: string | undefined): SimCommand {
        const c = this.commands.find((x) => x.commandId === commandId);
        if (!c) throw serviceError("InvalidCommandId", "The command ID is not valid.");
        return c;
    }

    /**
     * CancelCommand: every invocation not yet ended is Cancelled (Systems Manager User Guide,
     * "Understanding command statuses": a cancel ends a command that has not finished); its script,
     * if running, is stopped, and what it would have done later does not happen.
     */
    cancelCommand(commandId: string, instanceIds?: string[]): void {
        const command = this.command(commandId);
        for (const v of this.invocations.filter((x) => x.commandId === command.commandId && (!instanceIds || instanceIds.includes(x.instanceId)))) {
            if (!commandEnded(v.status)) this.setInvocation(v, { status: "Cancelled", statusDetails: "Cancelled" });
        }
    }

    private invokeCommand(i: SimInstance, command: SimCommand, script: string, executionTimeoutSeconds: number, timeoutSeconds: number): void {
        const invocation: SimInvocation = {
            commandId: command.commandId,
            instanceId: i.id,
            script,
            sentAt: Date.now(),
            status: "Pending",
            responseCode: -1,
            stdout: "",
            stderr: "",
            changedAt: Date.now(),
        };
        this.invocations.push(invocation);
        this.emitInvocationStatus(invocation);
        // A transition of an invocation that ended otherwise meanwhile (cancelled) does not happen.
        const unlessEnded = (apply: (when: number) => void) => (when: number) => {
            if (!commandEnded(invocation.status)) apply(when);
        };
        const played = this.playedCommand(i, command, script);
        // A job the simulation says is never delivered meets what an agent that lost its connection unnoticed meets.
        if (this.has("agentOffline", i.name) || played?.outcome === "undeliverable") {
            // Run Command cannot reach the agent: it gives up at once (Failed, Undeliverable), or marks the
            // invocation Delayed and tries again until TimeoutSeconds plus the execution timeout have
            // passed, then ends it TimedOut, DeliveryTimedOut (Systems Manager User Guide, "Understanding
            // command statuses"). The script never runs: its ResponseCode stays -1.
            if (this.has("commandsUndeliverable", i.name)) {
                this.at(latency.commandDelivery, unlessEnded((when) => this.setInvocation(invocation, { status: "Failed", statusDetails: "Undeliverable" }, when)), true);
                return;
            }
            this.at(latency.commandDelivery, unlessEnded((when) => this.setInvocation(invocation, { status: "Delayed", statusDetails: "Delayed" }, when)), true);
            this.at(timeoutSeconds + executionTimeoutSeconds, unlessEnded((when) => this.setInvocation(invocation, { status: "TimedOut", statusDetails: "DeliveryTimedOut" }, when)), true);
            return;
        }
        this.at(latency.commandDelivery, unlessEnded((when) => {
            invocation.startedAt = when;
            this.setInvocation(invocation, { status: "InProgress" }, when);
        }), true);
        if (this.has("commandTimesOut", i.name)) {
            this.at(latency.commandDelivery + executionTimeoutSeconds, unlessEnded((when) => this.setInvocation(invocation, { status: "TimedOut" }, when)), true);
            return;
        }
        if (played !== undefined) {
            // A command the simulation says how long it runs: past its executionTimeout, the agent stops it
            // and the invocation is TimedOut, ExecutionTimedOut (Systems Manager User Guide, "Understanding command statuses").
            if (played.outcome === "runs-forever" || played.seconds > executionTimeoutSeconds) {
                this.at(latency.commandDelivery + executionTimeoutSeconds, unlessEnded((when) => this.setInvocation(invocation, { status: "TimedOut", statusDetails: "ExecutionTimedOut", stdout: played.stdout ?? "", stderr: played.stderr ?? "" }, when)), true);
                return;
            }
            this.at(latency.commandDelivery + played.seconds, unlessEnded((when) => this.setInvocation(invocation, {
                status: played.exitCode === 0 ? "Success" : "Failed",
                responseCode: played.exitCode,
                stdout: played.stdout ?? "",
                stderr: played.stderr ?? "",
            }, when)), true);
            return;
        }
        this.at(latency.commandDelivery + latency.commandRun, unlessEnded((when) => this.runCommand(i, invocation, when)), true);
    }

    /** What the spec's `plays` says a command does, when it is not one of the service's three. */
    private playedCommand(i: SimInstance, command: SimCommand, script: string): ReturnType<NonNullable<AccountSpec["plays"]>> {
        if (!this.spec.plays) return undefined;
        const control = this.spec.serviceControl ?? { kind: "scripts" };
        const commands = serviceCommands(control);
        if ((["stop", "start", "check"] as const).some((a) => commands[a].text === script)) return undefined;
        const attempt = this.invocations.filter((v) => v.instanceId === i.id && v.script === script && this.command(v.commandId).comment === command.comment).length;
        return this.spec.plays({ comment: command.comment, script, document: command.documentName, instanceName: i.name, attempt });
    }

    /** What a server does and prints for a command it is sent: one of its service's three, or nothing it knows. */
    private runCommand(i: SimInstance, invocation: SimInvocation, when: number): void {
        const control = this.spec.serviceControl ?? { kind: "scripts" };
        const commands = serviceCommands(control);
        const action = (["stop", "start", "check"] as const).find((a) => commands[a].text === invocation.script);
        const { code, out } = action === undefined
            ? { code: 127, out: `${invocation.script.split("\n")[0]}: command not found` }
            : this.serviceAction(i, action, control, when);
        this.setInvocation(invocation, { status: code === 0 ? "Success" : "Failed", responseCode: code, ...(code === 0 ? { stdout: out } : { stderr: out }) }, when);
    }

    /**
     * An invocation's new status: Run Command sends "EC2 Command Invocation Status-change
     * Notification" for it, and once every invocation of its command has ended, "EC2 Command
     * Status-change Notification" for the command (Systems Manager User Guide, "Amazon EventBridge
     * event examples for Systems Manager", Run Command events).
     */
    private setInvocation(invocation: SimInvocation, change: Partial<Pick<SimInvocation, "status" | "statusDetails" | "responseCode" | "stdout" | "stderr">>, when = Date.now()): void {
        Object.assign(invocation, change, { changedAt: when });
        if (commandEnded(invocation.status)) invocation.endedAt = when;
        this.emitInvocationStatus(invocation, when);
        const command = this.command(invocation.commandId);
        const all = this.invocations.filter((v) => v.commandId === command.commandId);
        const status = commandStatusOf(all.map((v) => v.status));
        if (status === command.status) return;
        command.status = status;
        if (commandEnded(status)) this.emitCommandStatus(command, when);
    }

    private emitInvocationStatus(v: SimInvocation, when = Date.now()): void {
        const command = this.command(v.commandId);
        this.emit("aws.ssm", "EC2 Command Invocation Status-change Notification", [this.instance(v.instanceId).arn], {
            "command-id": v.commandId,
            "document-name": command.documentName,
            "instance-id": v.instanceId,
            "requested-date-time": new Date(command.requestedAt).toISOString(),
            status: v.status,
        }, when);
    }

    private emitCommandStatus(c: SimCommand, when: number): void {
        this.emit("aws.ssm", "EC2 Command Status-change Notification", c.instanceIds.map((id) => this.instance(id).arn), {
            "command-id": c.commandId,
            "document-name": c.documentName,
            "expire-after": new Date(c.requestedAt + c.timeoutSeconds * 1000).toISOString(),
            parameters: c.parameters,
            "requested-date-time": new Date(c.requestedAt).toISOString(),
            status: c.status,
        }, when);
    }

    /** The service's answer to stop, start or check, in the words of its control (infra/httpdControlScripts.ts, infra/serviceControl.ts). */
    private serviceAction(i: SimInstance, action: "stop" | "start" | "check", control: ServiceControl, when: number): { code: number; out: string } {
        const unitMissing = control.kind === "systemd" && this.has("unitMissing", i.name);
        const fails = unitMissing || this.has(action === "check" ? "checkFails" : action === "stop" ? "httpdWillNotStop" : "httpdWillNotStart", i.name);
        if (action !== "check" && !fails) this.setHttpd(i, action === "stop" ? "stopped" : "running", when);
        const code = fails ? 1 : action !== "check" || i.httpd === "running" ? 0 : 3;
        switch (control.kind) {
            case "scripts": {
                const file = action === "check" ? "checkHttpd.sh" : `${action}Httpd.sh`;
                const line = (level: string, text: string) => `${new Date(when).toISOString()} ${level} ${file}: ${text}`;
                if (action !== "check") return { code, out: fails ? line("ERROR", `systemctl ${action} httpd failed with exit code 1.`) : line("INFO", `httpd.service ${action === "stop" ? "stopped" : "started"}.`) };
                return { code, out: fails ? line("ERROR", "systemctl status httpd failed with exit code 4.") : line("INFO", `httpd.service is ${code === 0 ? "running" : "stopped"}.`) };
            }
            case "systemd": {
                const unit = serviceUnitName(control.unit);
                if (action === "check") {
                    // A check that cannot tell: the unit is missing, or caught in a restart loop.
                    if (fails) return { code, out: unitMissing ? systemdLines.notFound(unit) : systemdLines.unsettled(unit, "activating") };
                    return { code, out: systemdLines.state(unit, code === 0 ? "active" : "inactive") };
                }
                if (!fails) return { code, out: systemdLines.changed(unit, action) };
                const why = unitMissing
                    ? `Failed to ${action} ${unit}: Unit ${unit} ${action === "stop" ? "not loaded" : "not found"}.`
                    : `Job for ${unit} failed because the control process exited with error code.`;
                return { code, out: systemdLines.changeFailed(unit, action, unitMissing ? "5" : "1", why) };
            }
            case "commands":
                // The user's own commands: what they print is theirs; these print nothing.
                return { code, out: "" };
        }
    }

    // ---- RDS -------------------------------------------------------------------

    /**
     * StopDBCluster and StopDBInstance: the database stops only from available, else
     * InvalidDBClusterStateFault or InvalidDBInstanceStateFault (RDS API reference).
     */
    stopDatabase(kind: DatabaseKind): void {
        const { identifier, status } = this.database;
        const stateFault = kind === "cluster" ? "InvalidDBClusterStateFault" : "InvalidDBInstanceStateFault";
        const named = kind === "cluster" ? `DbCluster ${identifier}` : `DB instance ${identifier}`;
        if (this.faults.clusterRefusesToStop) {
            // An RDS instance with a read replica, an Aurora cluster with a feature that cannot stop.
            throw serviceError(stateFault, kind === "cluster"
                ? `${named} cannot be stopped: it uses a feature that does not support stopping.`
                : `Cannot stop instance ${identifier} because it has read replicas.`);
        }
        if (status !== "available") throw serviceError(stateFault, `${named} is in ${status} state but expected it to be available.`);
        if (kind === "cluster" && this.instanceBusyAnswers < (this.faults.clusterInstanceBusy ?? 0)) {
            // StopDBCluster: InvalidDBInstanceStateFault when an instance of the cluster is not available (RDS API reference).
            this.instanceBusyAnswers++;
            throw serviceError("InvalidDBInstanceStateFault", `DB instance ${identifier}-1 is not in available state; it is rebooting.`);
        }
        this.setDatabase("stopping");
        this.at(latency.clusterStopping, (when) => this.setDatabase("stopped", when));
    }

    /**
     * StartDBCluster and StartDBInstance: from stopped, or from the status a KMS key usable again
     * leaves the database in (RDS API reference; RDS User Guide, "DB instance status").
     */
    startDatabase(kind: DatabaseKind): void {
        const { identifier, status, arn } = this.database;
        if (status !== "stopped" && status !== recoverableByStart()) {
            throw kind === "cluster"
                ? serviceError("InvalidDBClusterStateFault", `DbCluster ${identifier} is in ${status} state but expected it to be stopped.`)
                : serviceError("InvalidDBInstanceStateFault", `Instance ${identifier} cannot be started as it is not in one of the following statuses: 'stopped, inaccessible-encryption-credentials-recoverable'.`);
        }
        if (this.faults.databaseKeyDisabled) {
            // StartDBCluster and StartDBInstance: KMSKeyNotAccessibleFault, HTTP 400, when RDS cannot use
            // the key that encrypts the database (RDS API reference); RDS words it as for a snapshot copy.
            const [, partition, , region, account] = arn.split(":");
            throw serviceError("KMSKeyNotAccessibleFault", `Specified KMS key [arn:${partition}:kms:${region}:${account}:key/${keyIdOf(identifier)}] does not exist, is not enabled or you do not have permissions to access it.`);
        }
        if (kind === "instance" && this.databaseCapacityAnswers < (this.faults.databaseCapacity ?? 0)) {
            // StartDBInstance: InsufficientDBInstanceCapacity, HTTP 400, when the instance class has no
            // capacity in the AZ (RDS API reference, which lists it for StartDBInstance, not StartDBCluster).
            this.databaseCapacityAnswers++;
            throw serviceError("InsufficientDBInstanceCapacityFault", `Cannot start instance ${identifier} because there is insufficient capacity for its instance class in its Availability Zone. Try again later.`);
        }
        this.setDatabase("starting");
        this.at(latency.clusterStarting, (when) => this.setDatabase("available", when));
    }

    // ---- ELBv2 -----------------------------------------------------------------

    /** CreateRule: priorities are unique per listener (PriorityInUse). */
    createRule(listenerArn: string, priority: number, tags: { Key: string; Value: string }[], body: string): SimRule {
        this.listener(listenerArn);
        if (this.rulesOf(listenerArn).some((r) => r.priority === String(priority))) throw serviceError("PriorityInUseException", `Priority '${priority}' is currently in use`);
        const rule: SimRule = {
            arn: `${ruleArnPrefix(listenerArn)}/${this.nextId("")}`,
            listenerArn,
            priority: String(priority),
            isDefault: false,
            tags,
            body,
        };
        this.rules.push(rule);
        this.note(`rule ${rule.priority} created on ${this.listenerName(listenerArn)}`);
        return rule;
    }

    deleteRule(arn: string): void {
        const index = this.rules.findIndex((r) => r.arn === arn && !r.isDefault);
        if (index < 0) throw serviceError("RuleNotFoundException", `One or more rules not found`);
        this.note(`rule ${this.rules[index].priority} deleted on ${this.listenerName(this.rules[index].listenerArn)}`);
        this.rules.splice(index, 1);
    }

    /** A listener of the ALB; ListenerNotFound otherwise. */
    listener(arn: string | undefined): SimListenerSpec {
        const listener = this.spec.listeners.find((l) => l.arn === arn);
        if (!listener) throw serviceError("ListenerNotFoundException", "One or more listeners not found");
        return listener;
    }

    /** A listener's rules, the default rule last. */
    rulesOf(listenerArn: string): SimRule[] {
        return this.rules.filter((r) => r.listenerArn === listenerArn);
    }

    /** "listener 1", "listener 2": in the order the ALB's listeners are given. */
    private listenerName(arn: string): string {
        return `listener ${this.spec.listeners.findIndex((l) => l.arn === arn) + 1}`;
    }

    /**
     * What a client gets from each listener, in order: the maintenance page (the lowest-priority
     * rule of ours matches every path), the web servers, or a redirect to HTTPS.
     */
    clientView(): ("maintenance page" | "web servers" | "redirect to HTTPS")[] {
        const { key, value } = this.spec.maintenanceTag;
        return this.spec.listeners.map((l) => {
            const ours = this.rulesOf(l.arn).some((r) => r.tags.some((t) => t.Key === key && t.Value === value));
            return ours ? "maintenance page" : l.forwards ? "web servers" : "redirect to HTTPS";
        });
    }

    /** Whether the maintenance page is up: "on" on every listener that forwards, and nowhere else; "none" without a load balancer. */
    maintenancePage(): "on" | "off" | "partly" | "none" {
        if (this.spec.listeners.length === 0) return "none";
        const view = this.clientView();
        const expectedOn = this.spec.listeners.map((l) => (l.forwards ? "maintenance page" : "redirect to HTTPS"));
        if (view.every((v, i) => v === expectedOn[i])) return "on";
        return view.includes("maintenance page") ? "partly" : "off";
    }

    /** The ALB's view of a target, from how long httpd has been up or down on a running server. */
    targetHealth(i: SimInstance): { state: string; reason?: string } {
        if (i.state !== "running") return { state: "unused", reason: "Target.InvalidState" };
        const interval = latency.healthCheckInterval * 1000;
        const since = Math.max(i.runningSince, i.httpdSince);
        const elapsed = Date.now() - since;
        if (i.httpd === "running" && !this.has("neverHealthy", i.name)) {
            return elapsed >= latency.healthyThreshold * interval ? { state: "healthy" } : { state: "initial", reason: "Elb.InitialHealthChecking" };
        }
        return elapsed >= latency.unhealthyThreshold * interval
            ? { state: "unhealthy", reason: "Target.FailedHealthChecks" }
            : { state: "initial", reason: "Elb.InitialHealthChecking" };
    }

    // ---- When what a reader sees last changed (the wait lag, simulator/freshness.ts) ----

    /** A time in the simulation, or undefined when it is before the account was made (a resource unchanged since). */
    private inSimulation(at: number | undefined): number | undefined {
        return at !== undefined && at >= this.createdAt ? at : undefined;
    }

    /** When the instance's state (DescribeInstances) last changed. */
    stateChangedAt(i: SimInstance): number | undefined {
        return this.inSimulation(i.stateChangedAt);
    }

    /** When its state or its status checks (DescribeInstanceStatus) last changed: the checks turn ok a while after it runs. */
    statusChangedAt(i: SimInstance): number | undefined {
        const checksOk = this.checksOf(i) === "ok" ? i.runningSince + latency.statusChecks * 1000 : undefined;
        return this.inSimulation(Math.max(i.stateChangedAt ?? -Infinity, checksOk ?? -Infinity));
    }

    /** When the ALB's view of the target (targetHealth) last changed: it turns healthy or unhealthy after its threshold. */
    targetHealthChangedAt(i: SimInstance): number | undefined {
        if (i.state !== "running") return this.stateChangedAt(i);
        const since = Math.max(i.runningSince, i.httpdSince);
        const healthy = i.httpd === "running" && !this.has("neverHealthy", i.name);
        const settles = since + (healthy ? latency.healthyThreshold : latency.unhealthyThreshold) * latency.healthCheckInterval * 1000;
        return this.inSimulation(Date.now() >= settles ? settles : since);
    }

    /** When what DescribeInstanceInformation says of the server's agent last changed: it is listed, or comes online, a while after a state change. */
    agentChangedAt(i: SimInstance): number | undefined {
        const online = this.agentOnlineAt(i);
        return this.inSimulation(Math.max(i.stateChangedAt ?? -Infinity, online <= Date.now() ? online : -Infinity));
    }

    /** When a command's invocation on an instance last changed its status. */
    invocationChangedAt(v: SimInvocation): number | undefined {
        return this.inSimulation(v.changedAt);
    }

    /** When a backup job last changed its state. */
    backupJobChangedAt(job: SimBackupJob): number | undefined {
        return this.inSimulation(job.changedAt);
    }

    /** When the database's status last changed. */
    databaseChangedAt(): number | undefined {
        return this.inSimulation(this.database.changedAt);
    }

    // ---- AWS Backup ------------------------------------------------------------

    /**
     * StartBackupJob: a reused IdempotencyToken returns the earlier job, whatever its state, and starts
     * nothing (Backup API reference); `repeated` says so.
     */
    startBackupJob(resourceArn: string, vault: string, token: string, deleteAfterDays: number): { job: SimBackupJob; repeated: boolean } {
        const existing = this.backupJobs.find((j) => j.token === token);
        if (existing) return { job: existing, repeated: true };
        const resourceName = this.resourceName(resourceArn);
        const job = this.addBackupJob(resourceArn, resourceName, token, Date.now(), "CREATED", false, vault);
        const isDatabase = resourceArn === this.database.arn;
        if (isDatabase) this.beginDatabaseBackup(job.id);
        this.at(latency.backupQueued, (when) => {
            job.state = "RUNNING";
            job.changedAt = when;
        });
        // A snapshot "can take several hours to complete, depending on the number of modified blocks" (Amazon EBS User Guide, Create Amazon EBS snapshots).
        const takes = this.faults.backupSeconds ?? (isDatabase ? latency.backupCluster : latency.backupInstance);
        this.at(latency.backupQueued + takes, (when) => {
            const failures = this.faults.backupFails?.[resourceName] ?? 0;
            const failedSoFar = this.backupJobs.filter((j) => j.resourceArn === resourceArn && !j.earlier && j.state === "FAILED").length;
            if (failedSoFar < failures) {
                job.state = "FAILED";
                job.message = "Backup job failed: the snapshot could not be created.";
            } else {
                job.state = "COMPLETED";
                this.keepRecoveryPoint(job, when, deleteAfterDays);
            }
            job.changedAt = when;
            this.note(`${resourceName} backup ${job.state}`, when);
            if (isDatabase) this.endDatabaseBackup(job.id, when);
        });
        return { job, repeated: false };
    }

    /** Whether StartBackupJob answers a repeated token of this resource without its job's id (the backupTokenNoId fault). */
    answersRepeatWithoutId(resourceName: string): boolean {
        return this.has("backupTokenNoId", resourceName) || this.has("backupTokenNoId", "*");
    }

    /** The recovery points of a vault that AWS Backup still keeps: each is deleted when its lifecycle ends. */
    recoveryPointsIn(vault: string): SimRecoveryPoint[] {
        return this.recoveryPoints.filter((p) => p.vault === vault && p.deleteAt > Date.now());
    }

    private keepRecoveryPoint(job: SimBackupJob, when: number, deleteAfterDays: number): void {
        const region = job.resourceArn.split(":")[3];
        const account = job.resourceArn.split(":")[4];
        // AWS Backup names an RDS recovery point as a snapshot of its kind (Backup Developer Guide, "Amazon RDS backups").
        const snapshot = this.database.kind === "cluster" ? "cluster-snapshot" : "snapshot";
        job.recoveryPointArn = job.resourceArn === this.database.arn
            ? `arn:aws:rds:${region}:${account}:${snapshot}:awsbackup:job-${job.id.toLowerCase()}`
            : `arn:aws:ec2:${region}::image/ami-${job.id.replace(/-/g, "").slice(-17).toLowerCase()}`;
        this.recoveryPoints.push({ arn: job.recoveryPointArn, resourceArn: job.resourceArn, vault: job.vault, createdAt: when, initiatedAt: job.createdAt, deleteAt: when + deleteAfterDays * 86_400_000 });
    }

    private beginDatabaseBackup(id: string): void {
        this.databaseBackups.add(id);
        if (this.database.status === "available") this.setDatabase("backing-up");
    }

    private endDatabaseBackup(id: string, when: number): void {
        this.databaseBackups.delete(id);
        if (this.databaseBackups.size === 0 && this.database.status === "backing-up") this.setDatabase("available", when);
    }

    private addBackupJob(resourceArn: string, resourceName: string, token: string, createdAt: number, state: SimBackupJob["state"], earlier: boolean, vault = this.spec.backupVaultName): SimBackupJob {
        const job: SimBackupJob = { id: cryptoLikeId(++this.serial).toUpperCase(), resourceArn, resourceName, vault, token, createdAt, state, message: "", earlier, changedAt: createdAt };
        this.backupJobs.push(job);
        return job;
    }

    private resourceName(arn: string): string {
        if (arn === this.database.arn) return this.database.identifier;
        return [...this.instances.values()].find((i) => i.arn === arn)?.name ?? arn;
    }
}

/** "2026-11-30 13:00:00 GMT", as EC2 writes times in a state-transition reason. */
function gmt(ms: number): string {
    return `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")} GMT`;
}

/** A KMS key id (a GUID), the same for the same database. */
function keyIdOf(identifier: string): string {
    return guid(createHash("sha256").update(identifier).digest("hex").slice(0, 32));
}

/** A GUID-shaped id, deterministic from a counter. */
function cryptoLikeId(n: number): string {
    return guid(n.toString(16).padStart(32, "0"));
}

/** 32 hex digits as a GUID: 8-4-4-4-12. */
function guid(hex: string): string {
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
