import { Fragment, Json, JsonObject, StateMachineDefinition, allStates, choice, fail, invoke, is, maxPollAttempts, pass, retryEvery, sequence, succeed, waitUntil } from "./asl";
import { documents, rdsOperations } from "../handlers/rdsErrors";
import { deadEnds } from "../handlers/databaseStatuses";
import { whenExcluded } from "./exclusion";
import { reachSsmAdvice } from "../handlers/ssmAgents";
import { DatabaseKind, JobnetPlan, PollRhythm, ShellCommand, WaitName, databaseTasks, functionArnOf, hasLoadBalancer, maxWebServers } from "./plan";

/**
 * A scheduled run (input `{"trigger": "schedule", "scheduledTime": ...}`) first asks the business
 * calendar; on a closed day the run ends at once, Succeeded, saying it was skipped and why.
 * Manual and event-triggered runs never consult it.
 */
export function skipClosedDaysWhenScheduled(plan: { functionArns: { checkCalendar: string }; calendar: JobnetPlan["calendar"] }, jobnet: string, ruled = false): Fragment {
    // A team jobnet's schedule stands for one of its rules: the check is given the run's input, which carries it (handlers/scheduleRules.ts, checkScheduledRun).
    const scheduledRun: JsonObject = ruled ? { "scheduledRun.$": "$" } : {};
    return choice("ScheduledRun", [
        { when: is.not(is.present("$.trigger")), then: "continue" },
        {
            when: is.string("$.trigger", "schedule"),
            then: sequence(
                invoke("CheckCalendar", plan.functionArns.checkCalendar, {
                    payload: { ...plan.calendar, "scheduledTime.$": "$.scheduledTime", ...scheduledRun },
                    resultPath: "$.calendar",
                    select: { "date.$": "$.date", "open.$": "$.open", "reason.$": "$.reason" },
                }),
                choice("BusinessDay", [{
                    when: is.not(is.true("$.calendar.open")),
                    then: sequence(
                        pass("SkippedClosedDay", {
                            parameters: { jobnet, trigger: "schedule", skipped: true, "date.$": "$.calendar.date", "reason.$": "$.calendar.reason" },
                            resultPath: "$",
                        }),
                        succeed("NothingToDoToday", ruled ? "Not due today by the jobnet's schedule rule: the scheduled run does nothing." : "A closed day on the business calendar: the scheduled run does nothing."),
                    ),
                }], "continue"),
            ),
        },
    ], "continue");
}

/**
 * Takes the system's run lock (handlers/runLock.ts), a conditional write that two runs started in
 * the same second cannot both win: a run of either jobnet holding it, and still running, makes
 * this one fail naming it. A scheduled run that duplicates an earlier delivery of its scheduled
 * time (Scheduler delivers at least once) ends at once, Succeeded, naming the run that proceeds.
 * The lock is released when the run ends, whatever the end, by EventBridge (infra/runLock.ts).
 */
export function takeRunLock(plan: { functionArns: { takeRunLock: string } } & Pick<JobnetPlan, "runLock" | "timeoutSeconds" | "notWith">, jobnet: string, waitMinutes?: number): Fragment {
    // A jobnet kept apart from others (statemachines/exclusion.ts) takes its lock only while theirs are free.
    const apart = (plan.notWith ?? []).length > 0;
    const payload: JsonObject = {
        ...plan.runLock,
        "executionArn.$": "$$.Execution.Id",
        "stateMachineArn.$": "$$.StateMachine.Id",
        "startTime.$": "$$.Execution.StartTime",
        "input.$": "$$.Execution.Input",
        // No run of the jobnet can still act after its timeout: the lease is no longer.
        leaseSeconds: plan.timeoutSeconds,
        ...(apart ? { notWith: plan.notWith!.map((l) => ({ ...l })) } : {}),
    };
    return sequence(
        invoke("TakeRunLock", plan.functionArns.takeRunLock, {
            payload,
            resultPath: "$.guard",
            select: { "outcome.$": "$.outcome", "heldBy.$": "$.heldBy", "duplicateOf.$": "$.duplicateOf", ...(apart ? { "excludedBy.$": "$.excludedBy" } : {}) },
        }),
        choice("RefuseIfAnotherRunIsActive", [
            {
                when: is.string("$.guard.outcome", "duplicate"),
                then: sequence(
                    pass("SkippedDuplicateDelivery", {
                        parameters: { jobnet, trigger: "schedule", duplicate: true, "duplicateOf.$": "$.guard.duplicateOf", "scheduledTime.$": "$.scheduledTime" },
                        resultPath: "$",
                    }),
                    succeed("NothingToDoDuplicate", "Another delivery of the same scheduled time runs the jobnet: this one does nothing."),
                ),
            },
            {
                when: is.string("$.guard.outcome", "held"),
                then: fail("AnotherRunIsActive", {
                    error: "JobnetAlreadyRunning",
                    cause: "TakeRunLock: another jobnet run is active: {}",
                    args: ["$.guard.heldBy"],
                }),
            },
            ...(apart ? [{ when: is.string("$.guard.outcome", "excluded"), then: whenExcluded({ takeRunLock: plan.functionArns.takeRunLock, payload, jobnet, waitMinutes }) }] : []),
        ], "continue"),
    );
}

/**
 * Tells every task of the definition what a redriven run's task checks before it acts
 * (handlers/runLock.ts, refuseUnsafeRedrive): the run, how often it was redriven, and the lock. A
 * redrive resumes at the failed step, past the lock and the maintenance page, whoever starts it:
 * the console's Redrive button included.
 */
export function withRedriveGuard(d: StateMachineDefinition, plan: Pick<JobnetPlan, "runLock" | "timeoutSeconds" | "notWith">): StateMachineDefinition {
    const redrive: JsonObject = {
        "count.$": "$$.Execution.RedriveCount",
        "executionArn.$": "$$.Execution.Id",
        "startTime.$": "$$.Execution.StartTime",
        "stateMachineArn.$": "$$.StateMachine.Id",
        ...plan.runLock,
        leaseSeconds: plan.timeoutSeconds,
        // A redrive must not resume beside a jobnet it is kept apart from, either.
        ...((plan.notWith ?? []).length === 0 ? {} : { notWith: plan.notWith!.map((l) => ({ ...l })) }),
    };
    for (const [, s] of allStates(d.States)) {
        if (s.Type === "Task" && typeof s.Parameters?.Payload === "object" && s.Parameters.Payload !== null && !Array.isArray(s.Parameters.Payload)) {
            s.Parameters.Payload = { ...s.Parameters.Payload, redrive };
        }
    }
    return d;
}

/**
 * The targets (`$.targets`), written into the definition by the stack: a run needs no input. Servers
 * named by a tag are found instead when the run begins, among the instances of the account and
 * Region the jobnet runs in (those of its state machine's ARN).
 */
export function loadTargets(plan: JobnetPlan): Fragment {
    const database: Json = plan.database === undefined ? "none" : { kind: plan.database.kind, identifier: plan.database.identifier, arn: plan.database.arn };
    if (!("tag" in plan.webServers)) {
        const targets: Json = {
            // Names and ids only: at 500 servers every byte of a server counts against the state's 256 KiB.
            webServers: plan.webServers.map((s) => ({ name: s.name, instanceId: s.instanceId })),
            database,
        };
        return pass("LoadTargets", { result: targets, resultPath: "$.targets" });
    }
    const region = plan.stateMachineArns.stop.split(":")[3];
    const findWebServers = plan.functionArns.findWebServers;
    if (findWebServers === undefined) throw new Error("a plan whose web servers are a tag needs the findWebServers function");
    return invoke("FindWebServers", findWebServers, {
        payload: { tag: { ...plan.webServers.tag }, region, maxServers: maxWebServers },
        resultPath: "$.targets",
        select: { "webServers.$": "$.webServers", database },
    });
}

/** `arn:aws:ec2:REGION:ACCOUNT:instance/`: the ARN of a server of the plan is this and its instance id. */
export function instanceArnPrefix(plan: JobnetPlan): string {
    const [, partition, , region, accountId] = plan.stateMachineArns.stop.split(":");
    return `arn:${partition}:ec2:${region}:${accountId}:instance/`;
}

/** The instance ids of the servers, for a payload: listed in the definition, or those the run found. */
export function webServerIds(plan: JobnetPlan): JsonObject {
    return "tag" in plan.webServers
        ? { "instanceIds.$": "$.targets.webServers[*].instanceId" }
        : { instanceIds: plan.webServers.map((s) => s.instanceId) };
}

/** What a run's output says of the maintenance page: the step's outcome, or none without a load balancer. */
export function maintenancePageOutcome(plan: JobnetPlan): JsonObject {
    return hasLoadBalancer(plan) ? { "maintenancePage.$": "$.maintenance.outcome" } : { maintenancePage: "none" };
}

/**
 * Servers EC2 refused to stop or start for good (stop protection, an instance-store root, a
 * missing root volume, a denied permission: handlers/instances.ts, RefusedServers) are kept at a
 * path of the state, `{ count, instanceIds, inWords }`. The steps after the refusal leave them out
 * (`except`), so that the others are stopped and backed up, or started, and no wait waits for a
 * server that will not move; once the others are done, the run fails naming each in EC2's words.
 */
export const noServerRefused: JsonObject = { count: 0, instanceIds: [], inWords: "" };

/** A payload's `except`: the instance ids of the refused servers kept at `refusedAt`. */
export function exceptRefused(refusedAt: string): JsonObject {
    return { "except.$": `${refusedAt}.instanceIds` };
}

/**
 * Fails the run (InstanceStopRefused, InstanceStartRefused) when `step` found any server refused,
 * naming each in EC2's words; `done` says what became of the others.
 */
export function failIfServersRefused(refusedAt: string, o: { step: string; action: "stop" | "start"; done: string }): Fragment {
    const [Verb, Done] = o.action === "stop" ? ["Stop", "Stopped"] : ["Start", "Started"];
    return choice(`EveryServer${Done}`, [{
        when: is.atLeast(`${refusedAt}.count`, 1),
        then: fail(`Instance${Verb}Refused`, {
            error: `Instance${Verb}Refused`,
            cause: `${o.step}: EC2 refused to ${o.action} {} of the servers; ${o.done}. Fix each refused server, then run the jobnet again: {}`,
            args: [`${refusedAt}.count`, `${refusedAt}.inWords`],
        }),
    }], "continue");
}

/** A bound as people say it: "10m", "45s", "2h". */
export function duration(rhythm: PollRhythm): string {
    const s = rhythm.withinSeconds;
    return s % 3600 === 0 ? `${s / 3600}h` : s % 60 === 0 ? `${s / 60}m` : `${s}s`;
}

/** Exit codes by what they mean: a check exits 0 when the service runs and 3 when it is stopped. */
export const exitCodes = { succeeded: [0], running: [0], stopped: [3] };

export interface RunScriptOptions {
    /** The command to run on the servers. */
    command: ShellCommand;
    /** The service whose state a check command's exit code tells; only for checks (read by the timeline). */
    checks?: string;
    /** Where the instance ids to run it on are in the state. */
    on: string;
    /** Where instance ids to leave out are in the state: servers EC2 refused to start (refusedServers). */
    except?: string;
    /** The outcomes by exit code (exitCodes), the first the one the step wants. */
    expect: Record<string, number[]>;
    /** The outcome whose servers a later step acts on: its instance ids are kept in `$.script.outcomes`. */
    act?: string;
    /** The outcomes that let the run go on: the wanted one unless given. */
    accept?: string[];
    /** Expected outcomes that end the run, each with its error: a service still running after its stop. */
    refuse?: { outcome: string; error: string; explain: string }[];
    /** Any other end: a script that failed, timed out, or exited with a code not expected. */
    otherwise: { error: string; explain: string };
}

/**
 * Runs a command on many servers through Run Command (one SendCommand per fifty) and waits until
 * every server has run it (`$.script`: the instance ids and counts of each outcome, and the
 * problems in words). The run ends, naming the servers, when any server ran it and ended otherwise
 * than accepted. A server the command has not reached (its SSM agent not online when it was sent,
 * or Run Command gave up delivering it) is sent it by the wait's polls once its agent is online, up
 * to `commandSends` sends a server (handlers/runCommand.ts): the step stays one send and one wait,
 * whatever happens to the agents, so its history is bounded by the wait's. The wait's bound is the
 * command's (jobnetWaits.httpdCommand) and the agents' (jobnetWaits.agentOnline) together; the run
 * ends saying the command was never delivered when an agent is not online by then, or a server's
 * last send was not delivered either.
 */
export function runScript(plan: JobnetPlan, step: string, o: RunScriptOptions): Fragment {
    const command = plan.waits.httpdCommand;
    const bound = { ...command, withinSeconds: command.withinSeconds + plan.waits.agentOnline.withinSeconds };
    const { text, name } = o.command;
    const accept = o.accept ?? [Object.keys(o.expect)[0]];
    const ended = is.true("$.script.ended");
    const except: JsonObject = o.except === undefined ? {} : { "except.$": o.except };
    const notDelivered = (why: string) => `${step}: ${name} was never delivered to {} of {} servers${why}: {}`;
    return sequence(
        invoke(step, plan.functionArns.sendScript, {
            payload: {
                "instanceIds.$": o.on,
                ...except,
                "servers.$": "$.targets.webServers",
                script: text,
                name,
                ...(o.checks === undefined ? {} : { checks: o.checks }),
                timeoutSeconds: plan.commandTimeoutSeconds,
            },
            resultPath: "$.command",
            select: { "commandIds.$": "$.commandIds", "waiting.$": "$.waiting" },
            // An agent listed online that went away before the send refuses the whole call; the next
            // try reads the agents again and leaves it out.
            retry: [retryEvery("InstanceNotManaged", 10, 3)],
        }),
        waitUntil(`${step}Finished`, {
            functionArn: plan.functionArns.getScriptResults,
            // What the polls send later is carried from poll to poll, starting from the first send.
            carried: { "commandIds.$": "$.command.commandIds", "waiting.$": "$.command.waiting", lastSent: {} },
            payload: {
                "commandIds.$": "$.script.commandIds",
                "waiting.$": "$.script.waiting",
                "lastSent.$": "$.script.lastSent",
                "instanceIds.$": o.on,
                ...except,
                "servers.$": "$.targets.webServers",
                script: text,
                name,
                timeoutSeconds: plan.commandTimeoutSeconds,
                expect: o.expect,
                accept,
                listed: o.act === undefined ? [] : [o.act],
            },
            select: {
                "total.$": "$.total", "pending.$": "$.pending", "ended.$": "$.ended", "outcomes.$": "$.outcomes", "names.$": "$.names", "counts.$": "$.counts",
                "unexpected.$": "$.unexpected", "problems.$": "$.problems", "notReached.$": "$.notReached", "undelivered.$": "$.undelivered",
                "unsent.$": "$.unsent", "notEnded.$": "$.notEnded", "commandIds.$": "$.commandIds", "waiting.$": "$.waiting", "lastSent.$": "$.lastSent",
                "attempt.$": "$.attempt",
            },
            resultPath: "$.script",
            done: is.and(ended, is.number("$.script.unexpected", 0), is.number("$.script.notReached", 0)),
            failures: [
                ...[
                    ...(o.refuse ?? []).map((r) => ({ error: r.error, explain: r.explain, when: is.atLeast(`$.script.counts.${r.outcome}`, 1) })),
                    { ...o.otherwise, when: is.atLeast("$.script.unexpected", 1) },
                ].map((f, i, all) => ({
                    when: is.and(ended, f.when),
                    name: `${step}Failed${all.length > 1 ? i + 1 : ""}`,
                    failure: { error: f.error, cause: `${step}: ${f.explain} on {} of {} servers (${name}): {}`, args: ["$.script.unexpected", "$.script.total", "$.script.problems"] },
                })),
                {
                    when: is.and(ended, is.atLeast("$.script.notReached", 1)),
                    name: `${step}NotDelivered`,
                    failure: { error: "CommandNotDelivered", cause: notDelivered(""), args: ["$.script.notReached", "$.script.total", "$.script.undelivered"] },
                },
                {
                    // The bound reached with a server whose agent never came online: nothing ran there.
                    when: is.and(is.atLeast("$.script.attempt", maxPollAttempts(bound)), is.atLeast("$.script.unsent", 1)),
                    name: `${step}AgentsNotOnline`,
                    failure: {
                        error: "CommandNotDelivered",
                        cause: `${notDelivered(`, whose SSM agent was not online within ${duration(bound)}`)}. ${reachSsmAdvice}`,
                        args: ["$.script.unsent", "$.script.total", "$.script.undelivered"],
                    },
                },
            ],
            ...bound,
            timedOut: {
                error: "ScriptDidNotFinish",
                cause: `${step}: ${name} did not finish within ${duration(bound)} on {} of {} servers: {}`,
                args: ["$.script.pending", "$.script.total", "$.script.notEnded"],
            },
        }),
    );
}

/**
 * Stops or starts the service on the servers whose ids are at `on`, then checks that it is so
 * there (StopHttpd, CheckHttpdStopped; StartHttpd, CheckHttpdRunning): the two jobnets' steps differ
 * only in the action and its words.
 */
export function changeServiceThenCheck(plan: JobnetPlan, action: "stop" | "start", on: string): Fragment {
    const { label } = plan.service;
    const [verb, wanted, other] = action === "stop" ? ["Stop", "stopped", "running"] as const : ["Start", "running", "stopped"] as const;
    return sequence(
        runScript(plan, `${verb}Httpd`, {
            command: plan.service[action],
            on,
            expect: { [action === "stop" ? "stopped" : "started"]: exitCodes.succeeded },
            otherwise: { error: `HttpdDidNot${verb}`, explain: `${label} did not ${action}` },
        }),
        runScript(plan, `CheckHttpd${action === "stop" ? "Stopped" : "Running"}`, {
            command: plan.service.check,
            checks: label,
            on,
            expect: { [wanted]: exitCodes[wanted], [other]: exitCodes[other] },
            refuse: [action === "stop"
                ? { outcome: other, error: "HttpdStillRunning", explain: `${label} is still running` }
                : { outcome: other, error: "HttpdNotRunning", explain: `${label} is not running after its start` }],
            otherwise: { error: "HttpdCheckFailed", explain: `${checkOf(label)} failed` },
        }),
    );
}

/** "the httpd check", "the nginx check", "the service check": a check named after its service. */
export function checkOf(label: string): string {
    return `the ${label.replace(/^the /, "")} check`;
}

/** Statuses an Aurora cluster does not leave by itself (handlers/databaseStatuses.ts). */
export const clusterDeadEnds = [...deadEnds.cluster];
/** Statuses an RDS DB instance does not leave by itself. */
export const dbInstanceDeadEnds = [...deadEnds.instance];

/** The database of a plan as its steps name it and call it: "Cluster"/"cluster" or "DbInstance"/"DB instance". */
export interface DatabaseSteps {
    kind: DatabaseKind;
    identifier: string;
    arn: string;
    /** In state and error names: WaitUntilClusterStopped, DbInstanceNotStoppable. */
    Noun: string;
    /** In causes: cluster webapp is still starting. */
    noun: string;
    /** Who stops and starts it, in causes. */
    service: string;
    /** Where a step keeps its status: `${path}.status`. */
    path: string;
    /** What its tasks are given. */
    payload: JsonObject;
    deadEnds: string[];
    functionArn(action: "describe" | "stop" | "start", step: string): string;
}

/** The database the plan's jobnets stop and start, or undefined when the system has none. */
export function databaseOf(plan: JobnetPlan): DatabaseSteps | undefined {
    const db = plan.database;
    if (db === undefined) return undefined;
    const words: Omit<DatabaseSteps, "kind" | "identifier" | "arn" | "functionArn"> = db.kind === "cluster"
        ? { Noun: "Cluster", noun: "cluster", service: "Aurora", path: "$.cluster", payload: { clusterIdentifier: db.identifier }, deadEnds: clusterDeadEnds }
        : { Noun: "DbInstance", noun: "DB instance", service: "RDS", path: "$.dbInstance", payload: { dbInstanceIdentifier: db.identifier }, deadEnds: dbInstanceDeadEnds };
    return { ...db, ...words, functionArn: (action, step) => functionArnOf(plan, databaseTasks[db.kind][action], step) };
}

export interface DatabaseWaitOptions {
    /** The statuses that end the wait. */
    until: string[];
    rhythm: Extract<WaitName, "clusterAvailable" | "clusterStopped">;
    /** Sooner than the rhythm's first poll: a wait for a database to settle, which may already have. */
    firstAfterSeconds?: number;
    /** The error when the bound is reached. */
    error: string;
    /** Statuses the database will not come back from by itself. */
    failIf?: { statuses: string[]; name: string; error: string };
}

/** Waits, bounded, until the database reaches one of the given statuses (`${db.path}.status`). */
export function waitUntilDatabase(plan: JobnetPlan, db: DatabaseSteps, name: string, o: DatabaseWaitOptions): Fragment {
    const rhythm = plan.waits[o.rhythm];
    const status = `${db.path}.status`;
    return waitUntil(name, {
        functionArn: db.functionArn("describe", name),
        payload: db.payload,
        about: db.identifier,
        select: { "status.$": "$.status", "attempt.$": "$.attempt" },
        resultPath: db.path,
        done: is.oneOf(status, o.until),
        failures: o.failIf
            ? [{ when: is.oneOf(status, o.failIf.statuses), name: o.failIf.name, failure: { error: o.failIf.error, cause: `${name}: ${db.noun} ${db.identifier} is {}`, args: [status] } }]
            : [],
        ...rhythm,
        ...(o.firstAfterSeconds === undefined ? {} : { firstAfterSeconds: o.firstAfterSeconds }),
        timedOut: { error: o.error, cause: `${name}: ${db.noun} ${db.identifier} is still {} after ${duration(rhythm)}`, args: [status] },
    });
}

/** RDS's answer when the instance class has no capacity in the Availability Zone. */
const capacityFault = "InsufficientDBInstanceCapacityFault";

/**
 * Asks the database to stop or start (`$.databaseRequest`: outcome, status, reason); a refusal
 * ends the run, naming why. Stop and start differ only in the function and the words.
 */
export function requestDatabaseChange(plan: JobnetPlan, db: DatabaseSteps, action: "stop" | "start"): Fragment {
    const capacity = plan.waits.instanceCapacity;
    const verb = action === "stop" ? "Stop" : "Start";
    const step = `${verb}${db.Noun}`;
    return sequence(
        invoke(step, db.functionArn(action, step), {
            payload: db.payload,
            about: db.identifier,
            resultPath: "$.databaseRequest",
            select: { "outcome.$": "$.outcome", "status.$": "$.status", "reason.$": "$.reason" },
            retry: [
                // The database or one of its members became busy between the read and the call, or is
                // still stopping: the handler's name for InvalidDBClusterStateFault and InvalidDBInstanceStateFault.
                retryEvery(`${db.Noun}Busy`, 30, 20),
                // RDS had no capacity for the instance's class in its AZ: tried again as EC2's capacity is,
                // within jobnetWaits.instanceCapacity. Only where the operation answers it (StartDBInstance).
                ...(documents(rdsOperations[db.kind][action], capacityFault)
                    ? [retryEvery(capacityFault, capacity.everySeconds, Math.max(1, Math.floor(capacity.withinSeconds / capacity.everySeconds)))]
                    : []),
            ],
        }),
        choice(`${step}Accepted`, [{
            when: is.string("$.databaseRequest.outcome", "refused"),
            then: fail(`${db.Noun}RefusedTo${verb}`, {
                error: `${db.Noun}Not${action === "stop" ? "Stoppable" : "Startable"}`,
                cause: `${step}: ${db.noun} ${db.identifier} cannot be ${action === "stop" ? "stopped" : "started"}: {}`,
                args: ["$.databaseRequest.reason"],
            }),
        }], "continue"),
    );
}
