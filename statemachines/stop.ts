import { Fragment, JsonObject, StateMachineDefinition, choice, definition, fail, goto, invoke, is, parallel, pass, retryEvery, sequence, waitUntil } from "./asl";
import {
    DatabaseSteps, changeServiceThenCheck, withRedriveGuard, databaseOf, duration, exceptRefused, failIfServersRefused, instanceArnPrefix, loadTargets, maintenancePageOutcome,
    noServerRefused, takeRunLock, requestDatabaseChange, skipClosedDaysWhenScheduled, waitUntilDatabase,
} from "./common";
import { BackupSettings, maxStartsPerCall } from "../handlers/backups";
import { JobnetPlan, functionArnOf, hasLoadBalancer, maxWebServers } from "./plan";

/** The calls that start the largest fleet's backups, and one more. */
const maxBackupCalls = Math.ceil(maxWebServers / maxStartsPerCall) + 1;

/** Where the stop keeps the servers EC2 refused to stop (common.ts, noServerRefused). */
const refusedServers = "$.stopRequest.refused";

/**
 * The stop jobnet (system.md, scenario 1): the maintenance page goes up; httpd stops on every web
 * server; then two sides at once: the servers stop and are backed up, while the database (an
 * Aurora cluster or an RDS DB instance), quiet now, is snapshotted and stopped once its snapshot
 * has completed and every server is stopped. Each phase acts on every server with the APIs' batch
 * forms, so a run makes about the same number of calls for 2 servers as for 500. Every step acts
 * only on what is not already done.
 */
export function stopJobnet(plan: JobnetPlan): StateMachineDefinition {
    return withRedriveGuard(definition(
        sequence(
            skipClosedDaysWhenScheduled(plan, "stop"),
            takeRunLock(plan, "stop"),
            loadTargets(plan),
            ...(hasLoadBalancer(plan) ? [enableMaintenancePage(plan)] : []),
            describeWebServers(plan),
            stopHttpdEverywhere(plan),
            stopRunningServers(plan),
            stopServersAndDatabase(plan),
            failIfServersRefused(refusedServers, {
                step: "StopInstances",
                action: "stop",
                done: `every other server is stopped and backed up${databaseOf(plan) === undefined ? "" : ", and the database snapshotted and stopped"}`,
            }),
            pass("SystemStopped", {
                parameters: {
                    ...maintenancePageOutcome(plan),
                    "webServers.$": "$.stopped.webServers",
                    "database.$": "$.stopped.database",
                },
                resultPath: "$",
            }),
        ),
        { comment: "Stops the web system: maintenance page, httpd everywhere, then the servers (stop, AMI) beside the database (snapshot, stop).", timeoutSeconds: plan.timeoutSeconds },
    ), plan);
}

function enableMaintenancePage(plan: JobnetPlan): Fragment {
    const { priority, tagKey, tagValue, html, statusCode } = plan.maintenance;
    return sequence(
        invoke("EnableMaintenancePage", functionArnOf(plan, "enableMaintenancePage", "EnableMaintenancePage"), {
            payload: { listenerArns: plan.listeners.traffic, priority, tagKey, tagValue, html, statusCode },
            resultPath: "$.maintenance",
            select: { "outcome.$": "$.outcome", "conflictingRuleArn.$": "$.conflictingRuleArn" },
        }),
        choice("MaintenancePageIsOn", [
            {
                when: is.string("$.maintenance.outcome", "conflict"),
                then: fail("MaintenancePriorityTaken", {
                    error: "MaintenancePriorityInUse",
                    cause: `EnableMaintenancePage: listener rule priority ${priority} is held by another rule ({}); set maintenanceRulePriority to a free one`,
                    args: ["$.maintenance.conflictingRuleArn"],
                }),
            },
        ], "continue"),
    );
}

/** Every server's state (`$.fleet`); a server that is neither running, stopping nor stopped ends the run before anything is touched. */
function describeWebServers(plan: JobnetPlan): Fragment {
    return sequence(
        invoke("DescribeWebServers", plan.functionArns.describeInstances, {
            payload: { "servers.$": "$.targets.webServers", checks: false },
            resultPath: "$.fleet",
            select: { "running.$": "$.running", "stopping.$": "$.stopping", "counts.$": "$.counts", "notStoppable.$": "$.notStoppable" },
        }),
        choice("EveryServerStoppable", [{
            when: is.not(is.string("$.fleet.notStoppable", "")),
            then: fail("InstanceNotStoppable", {
                error: "InstanceNotStoppable",
                cause: "DescribeWebServers: {}; only a running, stopping or stopped server can be stopped",
                args: ["$.fleet.notStoppable"],
            }),
        }], "continue"),
    );
}

/** httpd stops on every running server, and is checked stopped there: then the application is quiet. */
function stopHttpdEverywhere(plan: JobnetPlan): Fragment {
    return choice("AnyServerRunning", [{
        when: is.atLeast("$.fleet.counts.running", 1),
        then: changeServiceThenCheck(plan, "stop", "$.fleet.running"),
    }], "continue");
}

/**
 * Stops the running servers in one call, before the two sides begin: both wait for the servers'
 * stop, and both must leave out a server EC2 refused to stop (`$.stopRequest.refused`).
 */
function stopRunningServers(plan: JobnetPlan): Fragment {
    return sequence(
        pass("NoServerRefusedYet", { result: { refused: noServerRefused }, resultPath: "$.stopRequest" }),
        choice("AnyServerToStop", [{
            when: is.atLeast("$.fleet.counts.running", 1),
            then: invoke("StopInstances", plan.functionArns.stopInstances, {
                payload: { "servers.$": "$.targets.webServers" },
                resultPath: "$.stopRequest",
                select: { "refused.$": "$.refused" },
                retry: [retryEvery("InstanceBusy", 15, 8)],
            }),
        }], "continue"),
    );
}

/**
 * The servers and the database at once (`$.stopped`: webServers, database); without a database,
 * the servers alone.
 */
function stopServersAndDatabase(plan: JobnetPlan): Fragment {
    const db = databaseOf(plan);
    if (db === undefined) {
        return sequence(
            // The servers' steps leave only their summary; what the run's output reads of the page is kept.
            stopAndBackUpServers(plan, { ...(hasLoadBalancer(plan) ? { "maintenance.$": "$.maintenance" } : {}), "stopRequest.$": "$.stopRequest" }),
            pass("NoDatabase", {
                parameters: { "webServers.$": "$.webServers", database: { name: "none", backupJobId: null, outcome: "none" } },
                resultPath: "$.stopped",
            }),
        );
    }
    return parallel("StopServersAndDatabase", [
        stopAndBackUpServers(plan, {}),
        sequence(stopDatabase(plan, db), pass("DatabaseStopped", { parameters: { "database.$": "$.database" }, resultPath: "$" })),
    ], {
        resultPath: "$.stopped",
        select: { "webServers.$": "$[0].webServers", "database.$": "$[1].database" },
    });
}

/**
 * Waits until every server is stopped, backs each up and follows the backups, leaving out those
 * EC2 refused to stop; the state becomes `{ webServers }` and what `keep` picks of it.
 */
function stopAndBackUpServers(plan: JobnetPlan, keep: JsonObject): Fragment {
    return sequence(
        waitUntilServersStopped(plan, "WaitUntilInstancesStopped"),
        pass("NoServerBackupStartedYet", { result: { webServers: [], complete: false, calls: 0 }, resultPath: "$.backups" }),
        invoke("BackUpWebServers", plan.functionArns.ensureBackups, {
            payload: {
                "servers.$": "$.targets.webServers",
                ...exceptRefused(refusedServers),
                "started.$": "$.backups.webServers",
                instanceArnPrefix: instanceArnPrefix(plan),
                found: { "running.$": "$.fleet.running", "stopping.$": "$.fleet.stopping" },
                "runStartedAt.$": "$$.Execution.StartTime",
                "calls.$": "States.MathAdd($.backups.calls, 1)",
                ...backupSettings(plan),
            },
            resultPath: "$.backups",
            select: { "webServers.$": "$.webServers", "complete.$": "$.complete", "calls.$": "$.calls" },
        }),
        // A call starts a hundred jobs at most (handlers/backups.ts): a larger fleet takes a few,
        // counted, so that the run's history stays bounded (statemachines/historyBudget.ts).
        choice("EveryServerBackupStarted", [
            { when: is.true("$.backups.complete"), then: "continue" },
            {
                when: is.atLeast("$.backups.calls", maxBackupCalls),
                then: fail("ServerBackupsNotStarted", {
                    error: "ServerBackupsNotStarted",
                    cause: `BackUpWebServers: some servers' backups were still to start after ${maxBackupCalls} calls of ${maxStartsPerCall}; run the jobnet again`,
                }),
            },
        ], goto("BackUpWebServers")),
        waitUntilBackupsCompleted(plan, "WaitUntilServerBackupsCompleted", { "servers.$": "$.backups.webServers", database: null }),
        // Only what the run's output says of the servers: at 500 servers the state has no room for a second copy.
        pass("ServerBackupsCompleted", {
            parameters: { "webServers.$": "$.backups.webServers", ...keep },
            resultPath: "$",
        }),
    );
}

/** Waits until every server is stopped, but those EC2 refused to stop; a server terminated meanwhile ends the run. */
function waitUntilServersStopped(plan: JobnetPlan, name: string, firstAfterSeconds = plan.waits.instanceStopped.firstAfterSeconds): Fragment {
    const rhythm = { ...plan.waits.instanceStopped, firstAfterSeconds };
    return waitUntil(name, {
        functionArn: plan.functionArns.describeInstances,
        payload: { "servers.$": "$.targets.webServers", ...exceptRefused(refusedServers), checks: false },
        select: { "total.$": "$.total", "counts.$": "$.counts", "gone.$": "$.gone", "notStopped.$": "$.notStopped", "attempt.$": "$.attempt" },
        resultPath: "$.instances",
        done: { Variable: "$.instances.counts.stopped", NumericEqualsPath: "$.instances.total" },
        failures: [{
            when: is.atLeast("$.instances.counts.gone", 1),
            name: `${name}Gone`,
            failure: { error: "InstanceGone", cause: `${name}: {}`, args: ["$.instances.gone"] },
        }],
        ...rhythm,
        timedOut: {
            error: "InstanceDidNotStop",
            cause: `${name}: {} of {} servers stopped after ${duration(rhythm)}; not stopped: {}`,
            args: ["$.instances.counts.stopped", "$.instances.total", "$.instances.notStopped"],
        },
    });
}

/** Where the backups go and for how long, as the backup functions take it (handlers/backups.ts, BackupSettings). */
function backupSettings(plan: JobnetPlan): BackupSettings & JsonObject {
    return { backupVaultName: plan.backup.vaultName, iamRoleArn: plan.backup.roleArn, deleteAfterDays: plan.backup.deleteAfterDays };
}

/**
 * Follows backup jobs to their end (`$.backupProgress`). A failed backup is taken again here; when
 * that fails too, this task fails (BackupFailed) rather than a Fail state, so that a redrive runs
 * it again and retakes the backup.
 */
function waitUntilBackupsCompleted(plan: JobnetPlan, name: string, jobs: JsonObject): Fragment {
    const rhythm = plan.waits.backupsCompleted;
    return waitUntil(name, {
        functionArn: plan.functionArns.followBackups,
        payload: { ...jobs, backup: backupSettings(plan), "execution.$": "$$.Execution" },
        select: { "total.$": "$.total", "completed.$": "$.completed", "retaken.$": "$.retaken", "pending.$": "$.pending", "attempt.$": "$.attempt" },
        resultPath: "$.backupProgress",
        done: { Variable: "$.backupProgress.completed", NumericEqualsPath: "$.backupProgress.total" },
        ...rhythm,
        timedOut: { error: "BackupDidNotComplete", cause: `${name}: still running after ${duration(rhythm)}: {}`, args: ["$.backupProgress.pending"] },
    });
}

/** A database busy, or backing-up after its snapshot, may settle any moment: the first look comes soon. */
const settleFirstAfterSeconds = 20;

/**
 * Once httpd is down everywhere the database is quiet: it is snapshotted at once, and stopped
 * when its snapshot has completed and every server is stopped.
 */
function stopDatabase(plan: JobnetPlan, db: DatabaseSteps): Fragment {
    const { Noun, noun, identifier } = db;
    const status = `${db.path}.status`;
    const describe = (name: string) =>
        invoke(name, db.functionArn("describe", name), {
            payload: db.payload,
            about: identifier,
            resultPath: db.path,
            select: { "status.$": "$.status" },
        });
    const serversDown = `WaitUntilServersStoppedBefore${Noun}Stops`;

    // Where the database goes from each status it settles in: the same routes before and after a wait.
    const routes = [
        {
            statuses: ["available", "backing-up"],
            then: sequence(
                invoke(`BackUp${Noun}`, plan.functionArns.ensureBackups, {
                    payload: {
                        // The snapshot must follow httpd's stop: anything since this run began.
                        resources: [{ name: identifier, resourceArn: db.arn, "since.$": "$$.Execution.StartTime" }],
                        "runStartedAt.$": "$$.Execution.StartTime",
                        ...backupSettings(plan),
                    },
                    resultPath: "$.database",
                    about: identifier,
                    select: { "name.$": "$.backups[0].name", "backupJobId.$": "$.backups[0].backupJobId", "outcome.$": "$.backups[0].outcome" },
                }),
                waitUntilBackupsCompleted(plan, `WaitUntil${Noun}SnapshotCompleted`, { servers: [], "database.$": "$.database" }),
            ),
        },
        {
            statuses: ["stopping", "stopped"],
            then: pass(`${Noun}NeedsNoBackup`, { result: { name: identifier, backupJobId: null, outcome: "none" }, resultPath: "$.database" }),
        },
    ];

    return sequence(
        describe("DescribeDatabase"),
        choice(`RouteBy${Noun}State`, [
            ...routes.map((r) => ({ when: is.oneOf(status, r.statuses), then: r.then })),
            {
                when: is.oneOf(status, db.deadEnds),
                then: fail(`${Noun}NotStoppable`, {
                    error: `${Noun}NotStoppable`,
                    cause: `DescribeDatabase: ${noun} ${identifier} is {}; ${db.service} does not leave that status by itself, so the ${noun} cannot be stopped`,
                    args: [status],
                }),
            },
        ], sequence(
            // Busy (starting after the 7-day restart, modifying, maintenance, upgrading,
            // storage-optimization, ...): wait until it settles, then on by the same routes. Forward
            // jumps, not a loop back: the run's history stays bounded (statemachines/historyBudget.ts).
            waitUntilDatabase(plan, db, `WaitWhile${Noun}Busy`, {
                until: routes.flatMap((r) => r.statuses),
                rhythm: "clusterAvailable",
                firstAfterSeconds: settleFirstAfterSeconds,
                error: `${Noun}NotAvailable`,
                failIf: { statuses: db.deadEnds, name: `${Noun}Stuck`, error: `${Noun}NotStoppable` },
            }),
            choice(
                `RouteBy${Noun}StateOnceSettled`,
                routes.map((r) => ({ when: is.oneOf(status, r.statuses), then: goto(r.then.startAt) })),
                // Cannot happen: the wait ends only in a status routed above.
                fail(`${Noun}SettledElsewhere`, { error: `${Noun}NotStoppable`, cause: `WaitWhile${Noun}Busy: ${noun} ${identifier} settled as {}, which the stop has no route for`, args: [status] }),
            ),
        )),
        // The servers stop beside the snapshot, and usually long before it completes: the first look is at once.
        waitUntilServersStopped(plan, serversDown, 0),
        describe("DescribeDatabaseAfterBackups"),
        choice("StopDatabaseIfNeeded", [
            { when: is.string(status, "stopped"), then: "continue" },
            { when: is.string(status, "stopping"), then: goto(`WaitUntil${Noun}StoppedBegin`) },
            { when: is.string(status, "available"), then: goto(`Stop${Noun}`) },
        ], sequence(
            // A snapshot leaves the database backing-up for a while, maintenance may have begun; it stops only from available.
            waitUntilDatabase(plan, db, `WaitUntil${Noun}Available`, {
                until: ["available"],
                rhythm: "clusterAvailable",
                firstAfterSeconds: settleFirstAfterSeconds,
                error: `${Noun}NotAvailable`,
                failIf: { statuses: db.deadEnds, name: `${Noun}StuckAfterBackups`, error: `${Noun}NotStoppable` },
            }),
            requestDatabaseChange(plan, db, "stop"),
            waitUntilDatabase(plan, db, `WaitUntil${Noun}Stopped`, { until: ["stopped"], rhythm: "clusterStopped", error: `${Noun}DidNotStop` }),
        )),
    );
}
