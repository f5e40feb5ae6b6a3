import { clusterDeadEnds, dbInstanceDeadEnds } from "../statemachines/common";
import { taskFunctionNames } from "../statemachines/plan";
import { Ec2Refusal, Faults, awsServices, ec2Refusals, throttleBurstPeriod } from "./account";

/** Statuses an Aurora cluster or an RDS DB instance passes through and leaves by itself. */
const busyClusterStatuses = ["modifying", "maintenance", "upgrading", "storage-optimization", "renaming", "resetting-master-credentials", "failing-over", "starting"];

type Jobnet = "stop" | "start";
const stop: readonly Jobnet[] = ["stop"];
const start: readonly Jobnet[] = ["start"];
const either: readonly Jobnet[] = ["stop", "start"];

/** The fault kinds `--fail` accepts: their form, what they do, and the jobnets they can act in. */
export const faultKinds = [
    { jobnets: stop, form: "httpd-stop:SERVER", does: "stopHttpd.sh exits 1 on SERVER" },
    { jobnets: start, form: "httpd-start:SERVER", does: "startHttpd.sh exits 1 on SERVER" },
    { jobnets: either, form: "check:SERVER", does: "checkHttpd.sh fails (exit 1) on SERVER" },
    { jobnets: either, form: "command-timeout:SERVER", does: "Run Command times out on SERVER" },
    { jobnets: either, form: "unmanaged:SERVER", does: "SERVER is not managed by Systems Manager: DescribeInstanceInformation does not list it, SendCommand refuses it (InvalidInstanceId)" },
    { jobnets: either, form: "agent-offline:SERVER[:undeliverable]", does: "SERVER's SSM agent lost its connection unnoticed: its commands are accepted, retried (Delayed) and expire (DeliveryTimedOut); undeliverable: given up at once" },
    { jobnets: start, form: "agent-late:SERVER[:SECONDS|never]", does: "SERVER's SSM agent comes online SECONDS (default 600) after the server runs, long after its status checks pass; never: not at all" },
    { jobnets: stop, form: "stuck-stopping:SERVER", does: "SERVER stays stopping" },
    // The cluster-… faults act on the database, an Aurora cluster or an RDS DB instance.
    { jobnets: stop, form: "cluster-backing-up[:SECONDS]", does: "the database is backing-up for SECONDS (default 900) at the start" },
    { jobnets: stop, form: "cluster-stop", does: "the database refuses to stop (a cluster's feature, a DB instance's read replica)" },
    { jobnets: stop, form: "cluster-busy:STATUS[:SECONDS]", does: `the database is STATUS (${busyClusterStatuses.join(", ")}) for SECONDS (default 600) at the start` },
    { jobnets: either, form: "cluster-stuck:STATUS", does: `the database is STATUS for good (${clusterDeadEnds.slice(0, 3).join(", ")}, …)` },
    { jobnets: stop, form: "cluster-instance-busy[:TIMES]", does: "the first TIMES (default 2) StopDBCluster calls find an instance rebooting" },
    { jobnets: start, form: "db-capacity[:TIMES|never]", does: "the first TIMES (default 2) starts of the RDS DB instance find no capacity for its class (StartDBInstance answers InsufficientDBInstanceCapacityFault)" },
    { jobnets: start, form: "db-kms", does: "the KMS key that encrypts the stopped database is disabled: its start answers KMSKeyNotAccessibleFault" },
    { jobnets: stop, form: "backup:SERVER|cluster[:TIMES]", does: "the first TIMES backup jobs of SERVER (or of the database) fail (default: every one)" },
    { jobnets: stop, form: "backup-token-no-id[:SERVER|cluster]", does: "StartBackupJob's first answer is lost, and the SDK's repeat is answered without BackupJobId (every resource's, or SERVER's)" },
    { jobnets: stop, form: "backup-expired:SERVER", does: "the AMI of a stopped SERVER has expired (with --initial stopped)" },
    { jobnets: stop, form: "stopped-for:DAYS", does: "the system was stopped DAYS ago (with --initial stopped): its backups are as old, and still kept" },
    { jobnets: stop, form: "backup-slow:SECONDS", does: "every AMI and database snapshot takes SECONDS to complete" },
    { jobnets: start, form: "health:never|SERVER", does: "no target (or SERVER's) ever becomes healthy" },
    { jobnets: either, form: "throttle:STEP[:COUNT]", does: "Lambda throttles the first COUNT (default 2) invocations by STEP, a step of the timeline that calls a function (or by every step that calls the function a task name such as startInstances names)" },
    { jobnets: start, form: "capacity:SERVER[:SECONDS|never]", does: "StartInstances finds no capacity for SERVER for SECONDS (default 600) from the start" },
    { jobnets: start, form: "capacity-lost:SERVER[:TIMES]", does: "SERVER goes pending → stopped for lack of capacity the first TIMES (default 1) it starts" },
    { jobnets: either, form: "ec2-refuses:SERVER:CODE", does: `EC2 refuses to stop or start SERVER for good, refusing each whole call: ${Object.entries(ec2Refusals).map(([code, r]) => `${code} (${r.actions.join(", ")}: ${r.why})`).join(", ")}` },
    { jobnets: either, form: "state:SERVER:STATE", does: "SERVER is STATE (stopped, stopping, running, pending) when the run begins, by hand" },
    { jobnets: either, form: "late:STEP[:COUNT]", does: "the first COUNT (default 1) invocations by STEP (or of a task's function) act, but answer after the Task timed out" },
    { jobnets: either, form: "throttle-api:SERVICE|all[:SECONDS]", does: `the AWS API (${awsServices.join(", ")}) throttles every call for SECONDS (default 30) every ${throttleBurstPeriod} s` },
    { jobnets: either, form: "other-run:stop|start[:scheduled]", does: "a run of that jobnet is already active, by hand or scheduled" },
    { jobnets: either, form: "running:JOBNET[:MINUTES]", does: "a run of JOBNET (any of the stack's) started a minute before ours holds its lock, and ends MINUTES (default 30) after ours starts: a jobnet that must not run beside it (notWith) refuses, or waits" },
    { jobnets: either, form: "duplicate:earlier|later", does: "the schedule delivered the run twice, the other 2 s earlier (later)" },
    { jobnets: either, form: "race:stop|start", does: "a run of that jobnet is started by hand in the same second as ours, and runs beside it" },
    { jobnets: either, form: "list-lag[:SECONDS]", does: "ListExecutions leaves out runs started less than SECONDS (default 5) ago (eventually consistent)" },
    { jobnets: either, form: "lock-left:stop|start", does: "the run lock names a run of that jobnet that failed an hour ago; its end never released it" },
    { jobnets: either, form: "bucket-silent:BUCKET", does: "BUCKET does not send its events to EventBridge (its EventBridge notifications are off): a file's arrival starts no run" },
    { jobnets: either, form: "event-duplicate[:SECONDS]", does: "EventBridge delivers each event of a start condition twice, the second SECONDS (default 3) after the first (at least once delivery)" },
    { jobnets: either, form: "release-lost", does: "EventBridge never delivers the end of our runs to the run lock's release function" },
    { jobnets: either, form: "short-pages[:EVENTS]", does: "GetExecutionHistory answers pages of EVENTS (default 1) events whatever maxResults, each after an empty page, with a nextToken while more remain" },
    { jobnets: either, form: "tagged-later:NAME", does: "a server NAME got the servers' tag after the last update (a stack whose servers are named by a tag)" },
    { jobnets: either, form: "untagged:SERVER", does: "SERVER lost the servers' tag after the last update (a stack whose servers are named by a tag)" },
] as const;

/**
 * The faults that take effect only in some runs of their jobnet. "changing": only while the jobnet
 * changes what the fault is of: the stop jobnet stopping a running server or database, the start
 * jobnet starting a stopped one (a SERVER as state:SERVER:STATE leaves it, the database as the
 * system is); a backup fault also on a stopped system whose AMI has expired, which the stop
 * backs up again. "stopped": only when the stop jobnet finds the system stopped already.
 */
const actsOnlyWhen: Readonly<Record<string, "changing" | "stopped">> = {
    "httpd-stop": "changing",
    "stuck-stopping": "changing",
    "cluster-backing-up": "changing",
    "cluster-stop": "changing",
    "cluster-busy": "changing",
    "cluster-instance-busy": "changing",
    backup: "changing",
    "backup-token-no-id": "changing",
    "backup-slow": "changing",
    "httpd-start": "changing",
    "agent-late": "changing",
    "db-capacity": "changing",
    "db-kms": "changing",
    capacity: "changing",
    "capacity-lost": "changing",
    "ec2-refuses": "changing",
    "backup-expired": "stopped",
    "stopped-for": "stopped",
};

/**
 * A fault the run asked for cannot take effect in: no jobnet of the run that it acts in meets what
 * it acts on in the state it acts in (actsOnlyWhen). The stop jobnet meets the system as `initial`
 * leaves it, each server as state:SERVER:STATE does; the start jobnet the same, unless the stop runs
 * first, which leaves all stopped. A server left stopping or pending is not judged.
 */
function faultWithoutEffect(specs: string[], jobnets: readonly Jobnet[], initial: "running" | "stopped"): FaultSpecError | undefined {
    const serverStates = new Map(specs.filter((s) => s.startsWith("state:")).map((s) => [s.split(":")[1], s.split(":")[2]]));
    const expired = specs.filter((s) => s.startsWith("backup-expired:")).map((s) => s.split(":")[1]);
    const found = (jobnet: Jobnet, server?: string): string => (jobnet === "start" && jobnets.includes("stop") ? "stopped" : (server && serverStates.get(server)) || initial);
    for (const spec of specs) {
        const [kind, arg, extra] = spec.split(":");
        const when = actsOnlyWhen[kind];
        // An agent that never comes online is offline on a running server too.
        if (when === undefined || (kind === "agent-late" && extra === "never")) continue;
        if (when === "stopped") {
            if (found("stop") === "stopped") continue;
            return new FaultSpecError(spec, "it takes effect only when the stop jobnet finds the system stopped (--initial stopped), and this run's stop finds it running");
        }
        const server = arg === "cluster" || arg === undefined || kind.startsWith("cluster-") || kind.startsWith("db-") || kind === "backup-slow" ? undefined : arg;
        // The stop backs up again the servers whose AMI has expired, stopped as they are.
        const backsUpAgain = ["backup", "backup-token-no-id", "backup-slow"].includes(kind) && arg !== "cluster" && (server === undefined ? expired.length > 0 : expired.includes(server));
        const actsIn = (kind === "ec2-refuses" ? ec2Refusals[extra as Ec2Refusal].actions : faultKinds.find((k) => kindOf(k.form) === kind)!.jobnets).filter((j) => jobnets.includes(j));
        const takesEffectIn = (jobnet: Jobnet): boolean => {
            const state = found(jobnet, server);
            if (state !== "running" && state !== "stopped") return true;
            return state === (jobnet === "stop" ? "running" : "stopped") || (jobnet === "stop" && backsUpAgain);
        };
        if (actsIn.length === 0 || actsIn.some(takesEffectIn)) continue;
        const jobnet = actsIn[0];
        const what = server ?? "the system";
        const verb = jobnet === "stop" ? "stops" : "starts";
        const wanted = jobnet === "stop" ? "running" : "stopped";
        const how = jobnet === "start" && jobnets.includes("stop") ? "" : ` (--initial ${wanted}${server ? `, or state:${server}:${wanted}` : ""})`;
        return new FaultSpecError(spec, `it takes effect only when the ${jobnet} jobnet ${verb} ${what}${how}, and this run's ${jobnet} finds ${server ? "it" : "the system"} ${found(jobnet, server)}`);
    }
    return undefined;
}

/** A fault kind's name: the first part of its form. */
function kindOf(form: string): string {
    return form.split(/[:[]/)[0];
}

/** The accepted forms, one a line, with the jobnets each acts in, for `--help`. */
export function faultForms(): string {
    const width = Math.max(...faultKinds.map((k) => k.form.length)) + 2;
    return faultKinds.map((k) => `  ${k.form.padEnd(width)} ${(k.jobnets.length === 1 ? k.jobnets[0] : "any").padEnd(7)}${k.does}`).join("\n");
}

export class FaultSpecError extends Error {
    /** One line: the spec, what is wrong with it, and the form it should take. */
    constructor(spec: string, why: string) {
        const kind = faultKinds.find((k) => kindOf(k.form) === spec.split(":")[0]);
        super(`--fail ${JSON.stringify(spec)}: ${why}; ${kind ? `the form is ${kind.form}` : `the kinds are ${faultKinds.map((k) => kindOf(k.form)).join(", ")}`}`);
        this.name = "FaultSpecError";
    }
}

export interface FaultContext {
    /** The jobnets being run, when known: a fault none of them can meet is refused. */
    jobnets?: readonly Jobnet[];
    /** The tasks (the functions' names, such as startInstances) a STEP may name: the fault then acts on the function, whichever step calls it. */
    tasks: readonly string[];
    /**
     * The steps a STEP may name: the Task states that call a function, as the timeline names them.
     * Before the system is synthesised, any name is taken.
     */
    steps?: readonly string[];
    /** The servers a SERVER may name; before the system is synthesised, any name is taken. */
    servers?: string[];
    /** The jobnets of the stack a JOBNET may name; before the system is synthesised, any name is taken. */
    jobnetNames?: string[];
    /** The stack's database, when known: the cluster-… faults act on it, and need one. */
    database?: { kind: "cluster" | "instance"; identifier: string } | "none";
    /** The system's state before the run, when known with the jobnets: a fault that cannot take effect in it is refused. */
    initial?: "running" | "stopped";
}

/** Turns `--fail` specs into the simulator's faults, checking every name against the system. */
export function parseFaults(specs: string[], context: FaultContext): Faults {
    const faults: Faults = {};
    const add = (key: "httpdWillNotStop" | "httpdWillNotStart" | "checkFails" | "commandTimesOut" | "notManaged" | "agentOffline" | "commandsUndeliverable" | "instanceStuckStopping" | "backupExpired" | "neverHealthy" | "taggedAfterDeployment" | "tagRemoved", name: string) => {
        faults[key] = [...(faults[key] ?? []), name];
    };
    for (const spec of specs) {
        const [kind, arg, extra] = spec.split(":");
        if ((kind.startsWith("cluster-") || kind.startsWith("db-") || ((kind === "backup" || kind === "backup-token-no-id") && arg === "cluster")) && context.database === "none") {
            throw new FaultSpecError(spec, "the stack has no database");
        }
        if (kind === "db-capacity" && typeof context.database === "object" && context.database.kind !== "instance") {
            throw new FaultSpecError(spec, "StartDBCluster never answers InsufficientDBInstanceCapacityFault (RDS API reference): only an RDS DB instance's start does (--stack existing-rds)");
        }
        if (kind === "cluster-instance-busy" && typeof context.database === "object" && context.database.kind !== "cluster") {
            throw new FaultSpecError(spec, "only an Aurora cluster has instances of its own; the stack's database is an RDS DB instance");
        }
        const actsIn = faultKinds.find((k) => kindOf(k.form) === kind)?.jobnets;
        const jobnets = context.jobnets ?? actsIn ?? [];
        if (actsIn && !actsIn.some((j) => jobnets.includes(j))) {
            throw new FaultSpecError(spec, `it can only happen in the ${actsIn.join(" or ")} jobnet, and the ${jobnets.join(" and ")} jobnet is run`);
        }
        const server = () => {
            if (!arg) throw new FaultSpecError(spec, "it needs a server name");
            if (context.servers && !context.servers.includes(arg)) throw new FaultSpecError(spec, `there is no server ${arg} (servers: ${summarise(context.servers)})`);
            return arg;
        };
        const step = () => {
            const steps = context.steps;
            if (arg && (context.tasks.includes(arg) || steps === undefined || steps.includes(arg))) return arg;
            if (steps === undefined) throw new FaultSpecError(spec, "it needs a step, as the timeline names it, or a task");
            const elsewhere = arg !== undefined && (taskFunctionNames as readonly string[]).includes(arg);
            throw new FaultSpecError(spec, `${elsewhere ? `${arg} is not a task of the ${jobnets.join(" and ")} jobnet; ` : ""}STEP must be one of the steps that call a function, as the timeline names them: ${steps.join(", ")}; or one of the functions they call: ${context.tasks.join(", ")}`);
        };
        /** The jobnet the spec names: stop or start, `why` saying which run it is. */
        const jobnet = (why: string): "stop" | "start" => {
            if (arg !== "stop" && arg !== "start") throw new FaultSpecError(spec, `it names ${why}: stop or start`);
            return arg;
        };
        const noExtra = () => {
            if (extra !== undefined) throw new FaultSpecError(spec, "it has one part too many");
        };
        /** A whole number part of the spec (`text`), or its default when the part is left out. */
        const whole = (text: string | undefined, fallback: number, name: string, min: number, max: number, also?: { word: string; value: number }) => {
            if (text === undefined) return fallback;
            if (also && text === also.word) return also.value;
            const n = Number(text);
            if (!Number.isInteger(n) || n < min || n > max) throw new FaultSpecError(spec, `${name} must be a whole number from ${min} to ${max}${also ? `, or ${also.word}` : ""}`);
            return n;
        };
        switch (kind) {
            case "httpd-stop": noExtra(); add("httpdWillNotStop", server()); break;
            case "httpd-start": noExtra(); add("httpdWillNotStart", server()); break;
            case "check": noExtra(); add("checkFails", server()); break;
            case "command-timeout": noExtra(); add("commandTimesOut", server()); break;
            case "unmanaged": noExtra(); add("notManaged", server()); break;
            case "agent-offline": {
                const name = server();
                if (extra !== undefined && extra !== "undeliverable") throw new FaultSpecError(spec, "its last part, if any, is undeliverable");
                add("agentOffline", name);
                if (extra === "undeliverable") add("commandsUndeliverable", name);
                break;
            }
            case "agent-late": {
                faults.agentLate = { ...faults.agentLate, [server()]: whole(extra, 600, "SECONDS", 1, 86400, { word: "never", value: Infinity }) };
                break;
            }
            case "stuck-stopping": noExtra(); add("instanceStuckStopping", server()); break;
            case "cluster-backing-up": {
                noExtra();
                faults.clusterBackingUpForSeconds = whole(arg, 900, "SECONDS", 1, 86400);
                break;
            }
            case "cluster-stop":
                if (arg !== undefined) throw new FaultSpecError(spec, "it takes no argument");
                faults.clusterRefusesToStop = true;
                break;
            case "cluster-busy": {
                if (!arg || !busyClusterStatuses.includes(arg)) throw new FaultSpecError(spec, `STATUS must be one of ${busyClusterStatuses.join(", ")}`);
                faults.clusterBusy = { status: arg, seconds: whole(extra, 600, "SECONDS", 1, 86400) };
                break;
            }
            case "cluster-stuck": {
                noExtra();
                const deadEnds = typeof context.database === "object" && context.database.kind === "instance" ? dbInstanceDeadEnds : clusterDeadEnds;
                if (!arg || !deadEnds.includes(arg)) throw new FaultSpecError(spec, `STATUS must be one of ${deadEnds.join(", ")}`);
                faults.clusterStuck = arg;
                break;
            }
            case "cluster-instance-busy": {
                noExtra();
                faults.clusterInstanceBusy = whole(arg, 2, "TIMES", 1, 20);
                break;
            }
            case "db-capacity": {
                noExtra();
                faults.databaseCapacity = whole(arg, 2, "TIMES", 1, 20, { word: "never", value: Infinity });
                break;
            }
            case "db-kms":
                if (arg !== undefined) throw new FaultSpecError(spec, "it takes no argument");
                faults.databaseKeyDisabled = true;
                break;
            case "backup": {
                const resource = arg === "cluster" ? (typeof context.database === "object" ? context.database.identifier : "cluster") : server();
                faults.backupFails = { ...faults.backupFails, [resource]: whole(extra, Infinity, "TIMES", 1, 10) };
                break;
            }
            case "backup-token-no-id": {
                noExtra();
                const resource = arg === undefined ? "*" : arg === "cluster" ? (typeof context.database === "object" ? context.database.identifier : "cluster") : server();
                faults.backupTokenNoId = [...(faults.backupTokenNoId ?? []), resource];
                break;
            }
            case "backup-expired": noExtra(); add("backupExpired", server()); break;
            case "stopped-for": {
                noExtra();
                if (arg === undefined) throw new FaultSpecError(spec, "it needs the days since the system stopped");
                faults.stoppedForDays = whole(arg, 1, "DAYS", 1, 3650);
                break;
            }
            case "backup-slow": {
                noExtra();
                if (arg === undefined) throw new FaultSpecError(spec, "it needs the seconds each backup takes");
                faults.backupSeconds = whole(arg, 0, "SECONDS", 1, 172800);
                break;
            }
            case "health": noExtra(); add("neverHealthy", arg === "never" ? "*" : server()); break;
            case "throttle": {
                faults.lambdaThrottles = { ...faults.lambdaThrottles, [step()]: whole(extra, 2, "COUNT", 1, 100) };
                break;
            }
            case "capacity": {
                faults.noCapacity = { ...faults.noCapacity, [server()]: whole(extra, 600, "SECONDS", 1, 86400, { word: "never", value: Infinity }) };
                break;
            }
            case "capacity-lost": {
                faults.capacityLost = { ...faults.capacityLost, [server()]: whole(extra, 1, "TIMES", 1, 20) };
                break;
            }
            case "ec2-refuses": {
                const name = server();
                const code = Object.keys(ec2Refusals).find((c): c is Ec2Refusal => c === extra);
                if (!code) throw new FaultSpecError(spec, `CODE must be one of ${Object.keys(ec2Refusals).join(", ")}`);
                const actions: readonly Jobnet[] = ec2Refusals[code].actions;
                if (!actions.some((j) => jobnets.includes(j))) {
                    throw new FaultSpecError(spec, `EC2 answers ${code} (${ec2Refusals[code].why}) only to ${actions.map((a) => (a === "stop" ? "StopInstances" : "StartInstances")).join(" and ")}, which the ${jobnets.join(" and ")} jobnet does not call`);
                }
                faults.ec2Refuses = { ...faults.ec2Refuses, [name]: code };
                break;
            }
            case "state": {
                const name = server();
                const states = ["stopped", "stopping", "running", "pending"] as const;
                const state = states.find((s) => s === extra);
                if (!state) throw new FaultSpecError(spec, `STATE must be one of ${states.join(", ")}`);
                faults.serverStates = { ...faults.serverStates, [name]: state };
                break;
            }
            case "late": {
                // A task retries a timeout twice: a third late answer would fail the run.
                faults.lateResponses = { ...faults.lateResponses, [step()]: whole(extra, 1, "COUNT", 1, 2) };
                break;
            }
            case "throttle-api": {
                const services = arg === "all" ? [...awsServices] : awsServices.filter((s) => s === arg);
                if (services.length === 0) throw new FaultSpecError(spec, `SERVICE must be one of ${awsServices.join(", ")} or all`);
                const seconds = whole(extra, 30, "SECONDS", 1, throttleBurstPeriod - 1);
                for (const service of services) faults.apiThrottling = { ...faults.apiThrottling, [service]: seconds };
                break;
            }
            case "other-run":
                faults.otherRunActive = jobnet("the jobnet that is running");
                if (extra !== undefined && extra !== "scheduled") throw new FaultSpecError(spec, "the run that is active is started by hand, or by the schedule: add :scheduled");
                if (extra === "scheduled") faults.otherRunScheduled = true;
                break;
            case "running": {
                if (!arg) throw new FaultSpecError(spec, "it needs the jobnet that is running");
                if (context.jobnetNames && !context.jobnetNames.includes(arg)) throw new FaultSpecError(spec, `the stack has no jobnet ${arg} (it has ${context.jobnetNames.join(", ")})`);
                faults.jobnetRunning = { jobnet: arg, minutes: whole(extra, 30, "MINUTES", 1, 2880) };
                break;
            }
            case "duplicate":
                noExtra();
                if (arg !== "earlier" && arg !== "later") throw new FaultSpecError(spec, "it says when the other delivery started: earlier or later");
                faults.duplicateDelivery = arg;
                break;
            case "race":
                noExtra();
                faults.race = jobnet("the jobnet started beside ours");
                break;
            case "list-lag":
                noExtra();
                faults.listLagSeconds = whole(arg, 5, "SECONDS", 1, 3600);
                break;
            case "lock-left":
                noExtra();
                faults.lockLeft = jobnet("the jobnet whose run left the lock");
                break;
            case "bucket-silent":
                noExtra();
                if (!arg) throw new FaultSpecError(spec, "it needs the bucket's name");
                faults.silentBuckets = [...(faults.silentBuckets ?? []), arg];
                break;
            case "event-duplicate":
                noExtra();
                faults.eventDuplicateSeconds = whole(arg, 3, "SECONDS", 0, 3600);
                break;
            case "release-lost":
                if (arg !== undefined) throw new FaultSpecError(spec, "it takes no argument");
                faults.releaseLost = true;
                break;
            case "short-pages":
                noExtra();
                faults.historyPageEvents = whole(arg, 1, "EVENTS", 1, 100);
                break;
            case "tagged-later":
                noExtra();
                if (!arg) throw new FaultSpecError(spec, "it needs the new server's name");
                if (context.servers?.includes(arg)) throw new FaultSpecError(spec, `${arg} is a server of the system already`);
                add("taggedAfterDeployment", arg);
                break;
            case "untagged": noExtra(); add("tagRemoved", server()); break;
            default:
                throw new FaultSpecError(spec, `unknown fault kind ${JSON.stringify(kind)}`);
        }
    }
    const inert = context.initial && context.jobnets ? faultWithoutEffect(specs, context.jobnets, context.initial) : undefined;
    if (inert) throw inert;
    return faults;
}

function summarise(names: string[]): string {
    return names.length > 4 ? `${names.slice(0, 3).join(", ")} … ${names[names.length - 1]}` : names.join(", ");
}
