import { Fragment, JsonObject, StateMachineDefinition, choice, definition, fail, goto, invoke, is, map, pass, retryEvery, sequence, waitUntil } from "./asl";
import { checkOf, clusterDeadEnds, duration, loadTargets, maintenancePageOutcome, refuseWhileAnotherRunIsActive, skipClosedDaysWhenScheduled, requestClusterChange, runScript, script, waitUntilCluster } from "./common";
import type { BackupSettings } from "../handlers/backups";
import { JobnetPlan, functionArnOf, hasLoadBalancer } from "./plan";

/**
 * The stop jobnet (system.md, scenario 1): the maintenance page goes up, each web server stops
 * httpd, is checked, stopped and backed up; when every backup has completed, the cluster is
 * snapshotted first, then stopped. Every step acts only on what is not already done.
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

/** After the web servers: snapshot the cluster, wait for every backup, then stop the cluster. */
function stopDatabase(plan: JobnetPlan): Fragment {
    const cluster = plan.cluster.identifier;
    const backupRhythm = plan.waits.backupsCompleted;
    const describe = (name: string) =>
        invoke(name, plan.functionArns.describeCluster, {
            payload: { clusterIdentifier: cluster },
            about: cluster,
            resultPath: "$.cluster",
            select: { "status.$": "$.status" },
        });

    return sequence(
        describe("DescribeDatabase"),
        choice("RouteByClusterState", [
            {
                when: is.oneOf("$.cluster.status", ["available", "backing-up"]),
                then: invoke("BackUpCluster", plan.functionArns.ensureBackup, {
                    payload: {
                        name: cluster,
                        resourceArn: plan.cluster.arn,
                        // The snapshot must follow the web servers' stop: anything since this run began.
                        "since.$": "$$.Execution.StartTime",
                        ...backupSettings(plan),
                    },
                    resultPath: "$.database",
                    about: cluster,
                    select: { "name.$": "$.name", "backupJobId.$": "$.backupJobId", "outcome.$": "$.outcome" },
                }),
            },
            {
                when: is.oneOf("$.cluster.status", ["stopping", "stopped"]),
                then: pass("ClusterNeedsNoBackup", { result: { name: cluster, backupJobId: null, outcome: "none" }, resultPath: "$.database" }),
            },
            {
                when: is.oneOf("$.cluster.status", clusterDeadEnds),
                then: fail("ClusterNotStoppable", {
                    error: "ClusterNotStoppable",
                    cause: `DescribeDatabase: cluster ${cluster} is {}; Aurora does not leave that status by itself, so the cluster cannot be stopped`,
                    args: ["$.cluster.status"],
                }),
            },
        ], sequence(
            // Busy (starting after Aurora's 7-day restart, modifying, maintenance, upgrading,
            // storage-optimization, ...): wait until it settles, then route again.
            waitUntilCluster(plan, "WaitWhileClusterBusy", {
                until: ["available", "backing-up", "stopping", "stopped"],
                rhythm: "clusterAvailable",
                error: "ClusterNotAvailable",
                failIf: { statuses: clusterDeadEnds, name: "ClusterStuck", error: "ClusterNotStoppable" },
            }),
            goto("RouteByClusterState"),
        )),
        // A failed backup is taken again here; when that fails too, this task fails (BackupFailed)
        // rather than a Fail state, so that a redrive runs it again and retakes the backup.
        waitUntil("WaitUntilBackupsCompleted", {
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
        }),
        describe("DescribeDatabaseAfterBackups"),
        choice("StopDatabaseIfNeeded", [
            { when: is.string("$.cluster.status", "stopped"), then: "continue" },
            { when: is.string("$.cluster.status", "stopping"), then: goto("WaitUntilClusterStoppedBegin") },
            { when: is.string("$.cluster.status", "available"), then: goto("StopCluster") },
        ], sequence(
            // A snapshot leaves the cluster backing-up for a while, maintenance may have begun; Aurora stops only from available.
            waitUntilCluster(plan, "WaitUntilClusterAvailable", {
                until: ["available"],
                rhythm: "clusterAvailable",
                error: "ClusterNotAvailable",
                failIf: { statuses: clusterDeadEnds, name: "ClusterStuckAfterBackups", error: "ClusterNotStoppable" },
            }),
            requestClusterChange(plan, "stop"),
            waitUntilCluster(plan, "WaitUntilClusterStopped", { until: ["stopped"], rhythm: "clusterStopped", error: "ClusterDidNotStop" }),
        )),
    );
}
