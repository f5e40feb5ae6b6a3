import { Fragment, JsonObject, StateMachineDefinition, choice, definition, fail, goto, invoke, is, map, pass, retryEvery, sequence, waitUntil } from "./asl";
import { checkOf, databaseOf, duration, loadTargets, maintenancePageOutcome, refuseWhileAnotherRunIsActive, skipClosedDaysWhenScheduled, requestDatabaseChange, runScript, script, waitUntilDatabase } from "./common";
import type { BackupSettings } from "../handlers/backups";
import { JobnetPlan, functionArnOf, hasLoadBalancer } from "./plan";

/**
 * The stop jobnet (system.md, scenario 1): the maintenance page goes up, each web server stops
 * httpd, is checked, stopped and backed up; the database (an Aurora cluster or an RDS DB
 * instance) is snapshotted, and stopped when every backup has completed. Every step acts only on what is not already done.
 */
export function stopJobnet(plan: JobnetPlan): StateMachineDefinition {
    return definition(
        sequence(
            skipClosedDaysWhenScheduled(plan, "stop"),
            refuseWhileAnotherRunIsActive(plan, "stop"),
            loadTargets(plan),
            ...(hasLoadBalancer(plan) ? [enableMaintenancePage(plan)] : []),
            map("StopWebServers", {
                itemsPath: "$.targets.webServers",
                itemSelector: { "server.$": "$$.Map.Item.Value" },
                iterator: stopWebServer(plan),
                maxConcurrency: plan.maxConcurrency,
                resultPath: "$.webServers",
            }),
            stopDatabase(plan),
            pass("SystemStopped", {
                parameters: {
                    ...maintenancePageOutcome(plan),
                    "webServers.$": "$.webServers",
                    "database.$": "$.database",
                },
                resultPath: "$",
            }),
        ),
        { comment: "Stops the web system: maintenance page, web servers (httpd, instance, AMI), then the database (snapshot, stop).", timeoutSeconds: plan.timeoutSeconds },
    );
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

/** One Map iteration: `$.server` is { name, instanceId, instanceArn }; the output is a small summary. */
function stopWebServer(plan: JobnetPlan): Fragment {
    const service = plan.service;
    const server = ["$.server.name", "$.server.instanceId"];
    const rhythm = plan.waits.instanceStopped;
    const waitUntilStopped = waitUntil("WaitUntilInstanceStopped", {
        functionArn: plan.functionArns.describeInstance,
        payload: { "instanceId.$": "$.server.instanceId" },
        about: "$.server.name",
        select: { "state.$": "$.state", "stoppedAt.$": "$.stoppedAt", "attempt.$": "$.attempt" },
        resultPath: "$.instance",
        done: is.string("$.instance.state", "stopped"),
        failures: [{
            when: is.oneOf("$.instance.state", ["terminated", "shutting-down"]),
            name: "InstanceWentAway",
            failure: { error: "InstanceGone", cause: "WaitUntilInstanceStopped: {} ({}) is {}", args: [...server, "$.instance.state"] },
        }],
        ...rhythm,
        timedOut: {
            error: "InstanceDidNotStop",
            cause: `WaitUntilInstanceStopped: {} ({}) is still {} after ${duration(rhythm)}`,
            args: [...server, "$.instance.state"],
        },
    });
    const backUp = sequence(
        invoke("BackUpInstance", plan.functionArns.ensureBackup, {
            payload: {
                "name.$": "$.server.name",
                "resourceArn.$": "$.server.instanceArn",
                "since.$": "$.instance.stoppedAt",
                ...backupSettings(plan),
            },
            resultPath: "$.backup",
            about: "$.server.name",
            select: { "name.$": "$.name", "backupJobId.$": "$.backupJobId", "outcome.$": "$.outcome" },
        }),
        pass("WebServerStopped", {
            parameters: {
                "name.$": "$.server.name",
                "found.$": "$.found.state",
                "backup.$": "$.backup.outcome",
                "backupJobId.$": "$.backup.backupJobId",
            },
            resultPath: "$",
        }),
    );

    return sequence(
        invoke("DescribeWebServer", plan.functionArns.describeInstance, {
            payload: { "instanceId.$": "$.server.instanceId" },
            about: "$.server.name",
            resultPath: "$.found",
            select: { "state.$": "$.state", "stoppedAt.$": "$.stoppedAt" },
        }),
        choice("RouteByInstanceState", [
            {
                when: is.string("$.found.state", "running"),
                then: sequence(
                    runScript(plan, "StopHttpd", {
                        command: service.stop,
                        done: script.succeeded,
                        failures: [{ when: script.ended, error: "HttpdDidNotStop", explain: `${service.label} did not stop` }],
                    }),
                    runScript(plan, "CheckHttpdStopped", {
                        command: service.check,
                        checks: service.label,
                        done: script.exitCode(3),
                        failures: [
                            { when: script.succeeded, error: "HttpdStillRunning", explain: `${service.label} is still running` },
                            { when: script.ended, error: "HttpdCheckFailed", explain: `${checkOf(service.label)} failed` },
                        ],
                    }),
                    invoke("StopInstance", plan.functionArns.stopInstance, {
                        payload: { "instanceId.$": "$.server.instanceId" },
                        about: "$.server.name",
                        resultPath: null,
                        retry: [retryEvery("InstanceBusy", 15, 8)],
                    }),
                    waitUntilStopped,
                    backUp,
                ),
            },
            { when: is.string("$.found.state", "stopping"), then: goto("WaitUntilInstanceStoppedBegin") },
            {
                when: is.string("$.found.state", "stopped"),
                then: sequence(
                    // A server found stopped keeps the backup taken since it stopped, or gets one now.
                    pass("UseStopTime", { parameters: { "state.$": "$.found.state", "stoppedAt.$": "$.found.stoppedAt" }, resultPath: "$.instance" }),
                    goto("BackUpInstance"),
                ),
            },
        ], fail("InstanceNotStoppable", {
            error: "InstanceNotStoppable",
            cause: "DescribeWebServer: {} ({}) is {}; only a running, stopping or stopped server can be stopped",
            args: [...server, "$.found.state"],
        })),
    );
}

/** Where the backups go and for how long, as the backup functions take it (handlers/backups.ts, BackupSettings). */
function backupSettings(plan: JobnetPlan): BackupSettings & JsonObject {
    return { backupVaultName: plan.backup.vaultName, iamRoleArn: plan.backup.roleArn, deleteAfterDays: plan.backup.deleteAfterDays };
}

/**
 * After the web servers: snapshot the database, wait for every backup, then stop the database.
 * Without a database, only the wait for the servers' backups.
 */
function stopDatabase(plan: JobnetPlan): Fragment {
    const db = databaseOf(plan);
    const backupRhythm = plan.waits.backupsCompleted;
    // A failed backup is taken again here; when that fails too, this task fails (BackupFailed)
    // rather than a Fail state, so that a redrive runs it again and retakes the backup.
    const waitUntilBackupsCompleted = waitUntil("WaitUntilBackupsCompleted", {
        functionArn: plan.functionArns.followBackups,
        payload: {
            "servers.$": "$.webServers",
            "database.$": "$.database",
            backup: backupSettings(plan),
            "execution.$": "$$.Execution",
        },
        select: { "total.$": "$.total", "completed.$": "$.completed", "retaken.$": "$.retaken", "pending.$": "$.pending", "attempt.$": "$.attempt" },
        resultPath: "$.backups",
        done: { Variable: "$.backups.completed", NumericEqualsPath: "$.backups.total" },
        ...backupRhythm,
        timedOut: { error: "BackupDidNotComplete", cause: `WaitUntilBackupsCompleted: still running after ${duration(backupRhythm)}: {}`, args: ["$.backups.pending"] },
    });
    if (db === undefined) {
        return sequence(
            pass("NoDatabase", { result: { name: "none", backupJobId: null, outcome: "none" }, resultPath: "$.database" }),
            waitUntilBackupsCompleted,
        );
    }

    const { Noun, noun, identifier } = db;
    const status = `${db.path}.status`;
    const describe = (name: string) =>
        invoke(name, db.functionArn("describe", name), {
            payload: db.payload,
            about: identifier,
            resultPath: db.path,
            select: { "status.$": "$.status" },
        });

    return sequence(
        describe("DescribeDatabase"),
        choice(`RouteBy${Noun}State`, [
            {
                when: is.oneOf(status, ["available", "backing-up"]),
                then: invoke(`BackUp${Noun}`, plan.functionArns.ensureBackup, {
                    payload: {
                        name: identifier,
                        resourceArn: db.arn,
                        // The snapshot must follow the web servers' stop: anything since this run began.
                        "since.$": "$$.Execution.StartTime",
                        ...backupSettings(plan),
                    },
                    resultPath: "$.database",
                    about: identifier,
                    select: { "name.$": "$.name", "backupJobId.$": "$.backupJobId", "outcome.$": "$.outcome" },
                }),
            },
            {
                when: is.oneOf(status, ["stopping", "stopped"]),
                then: pass(`${Noun}NeedsNoBackup`, { result: { name: identifier, backupJobId: null, outcome: "none" }, resultPath: "$.database" }),
            },
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
            // storage-optimization, ...): wait until it settles, then route again.
            waitUntilDatabase(plan, db, `WaitWhile${Noun}Busy`, {
                until: ["available", "backing-up", "stopping", "stopped"],
                rhythm: "clusterAvailable",
                error: `${Noun}NotAvailable`,
                failIf: { statuses: db.deadEnds, name: `${Noun}Stuck`, error: `${Noun}NotStoppable` },
            }),
            goto(`RouteBy${Noun}State`),
        )),
        waitUntilBackupsCompleted,
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
                error: `${Noun}NotAvailable`,
                failIf: { statuses: db.deadEnds, name: `${Noun}StuckAfterBackups`, error: `${Noun}NotStoppable` },
            }),
            requestDatabaseChange(plan, db, "stop"),
            waitUntilDatabase(plan, db, `WaitUntil${Noun}Stopped`, { until: ["stopped"], rhythm: "clusterStopped", error: `${Noun}DidNotStop` }),
        )),
    );
}
