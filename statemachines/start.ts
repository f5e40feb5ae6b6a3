import { Fragment, StateMachineDefinition, choice, definition, fail, goto, invoke, is, map, parallel, pass, retryEvery, sequence, wait, waitUntil } from "./asl";
import { DatabaseSteps, checkOf, databaseOf, duration, loadTargets, maintenancePageOutcome, refuseWhileAnotherRunIsActive, skipClosedDaysWhenScheduled, requestDatabaseChange, runScript, script, waitUntilDatabase, webServerIds } from "./common";
import { JobnetPlan, functionArnOf, hasLoadBalancer } from "./plan";
import { recoverableByStart } from "../handlers/databaseStatuses";

/**
 * The start jobnet (system.md, scenario 2): the database starts while the instances boot; httpd
 * starts on each server once the database is available; the maintenance page goes only when every
 * target is healthy. Every step acts only on what is not already done.
 */
export function startJobnet(plan: JobnetPlan): StateMachineDefinition {
    return definition(
        sequence(
            skipClosedDaysWhenScheduled(plan, "start"),
            refuseWhileAnotherRunIsActive(plan, "start"),
            loadTargets(plan),
            startDatabaseAndBootServers(plan),
            map("StartWebServers", {
                itemsPath: "$.targets.webServers",
                itemSelector: { "server.$": "$$.Map.Item.Value" },
                iterator: startHttpd(plan),
                maxConcurrency: plan.maxConcurrency,
                resultPath: "$.httpd",
            }),
            ...(hasLoadBalancer(plan) ? [waitForHealthyTargetsThenRemovePage(plan)] : []),
            pass("SystemStarted", {
                parameters: {
                    "database.$": "$.started.database",
                    "webServers.$": "$.started.webServers",
                    "httpd.$": "$.httpd",
                    ...maintenancePageOutcome(plan),
                },
                resultPath: "$",
            }),
        ),
        { comment: "Starts the web system: the database and the instances together, then httpd, then the maintenance page goes.", timeoutSeconds: plan.timeoutSeconds },
    );
}

/** Every target healthy, then the maintenance page goes from every listener. */
function waitForHealthyTargetsThenRemovePage(plan: JobnetPlan): Fragment {
    const healthy = plan.waits.targetsHealthy;
    return sequence(
        waitUntil("WaitUntilAllTargetsHealthy", {
            functionArn: functionArnOf(plan, "describeTargetHealth", "WaitUntilAllTargetsHealthy"),
            payload: { targetGroupArns: plan.targetGroupArns, ...webServerIds(plan) },
            select: { "allHealthy.$": "$.allHealthy", "healthy.$": "$.healthy", "total.$": "$.total", "notHealthy.$": "$.notHealthy", "attempt.$": "$.attempt" },
            resultPath: "$.health",
            done: is.true("$.health.allHealthy"),
            ...healthy,
            timedOut: {
                error: "TargetsNotHealthy",
                cause: `WaitUntilAllTargetsHealthy: {} of {} targets healthy after ${duration(healthy)}; not healthy: {}`,
                args: ["$.health.healthy", "$.health.total", "$.health.notHealthy"],
            },
        }),
        invoke("DisableMaintenancePage", functionArnOf(plan, "disableMaintenancePage", "DisableMaintenancePage"), {
            payload: {
                listenerArns: [...plan.listeners.traffic, ...plan.listeners.other],
                priority: plan.maintenance.priority,
                tagKey: plan.maintenance.tagKey,
                tagValue: plan.maintenance.tagValue,
            },
            resultPath: "$.maintenance",
            select: { "outcome.$": "$.outcome" },
        }),
    );
}

/** The database starts while the servers boot (`$.started`: database, webServers); without one, the servers boot. */
function startDatabaseAndBootServers(plan: JobnetPlan): Fragment {
    const db = databaseOf(plan);
    if (db === undefined) {
        return sequence(
            bootWebServers(plan, "$.booted"),
            pass("NoDatabaseToStart", { parameters: { database: "none", "webServers.$": "$.booted.webServers" }, resultPath: "$.started" }),
        );
    }
    return parallel("StartDatabaseAndBootServers", [startDatabase(plan, db), bootWebServers(plan, "$")], {
        resultPath: "$.started",
        select: { "database.$": "$[0].database", "webServers.$": "$[1].webServers" },
    });
}

function startDatabase(plan: JobnetPlan, db: DatabaseSteps): Fragment {
    return sequence(
        requestDatabaseChange(plan, db, "start"),
        waitUntilDatabase(plan, db, `WaitUntil${db.Noun}Available`, {
            // A database taking its automated backup serves queries: httpd may start.
            until: ["available", "backing-up"],
            rhythm: "clusterAvailable",
            error: `${db.Noun}NotAvailable`,
            failIf: {
                // A start from the recoverable status leaves it a moment later: not a failure.
                statuses: ["stopped", "stopping", ...db.deadEnds.filter((status) => status !== recoverableByStart())],
                name: `${db.Noun}FailedToStart`,
                error: `${db.Noun}NotStartable`,
            },
        }),
        pass("DatabaseStarted", { parameters: { "database.$": "$.databaseRequest.outcome" }, resultPath: "$" }),
    );
}

/** EC2's reason for an instance that went pending → stopped because the AZ ran out of its type. */
const capacityLost = "Server.InsufficientInstanceCapacity";

/** Boots every server; `{ webServers }` goes to `resultPath`: the branch's whole output in the Parallel state. */
function bootWebServers(plan: JobnetPlan, resultPath: string): Fragment {
    const rhythm = plan.waits.instanceReady;
    const capacity = plan.waits.instanceCapacity;
    // The same bound for both ways capacity runs out: StartInstances refused, or the start undone.
    const capacityAttempts = Math.max(1, Math.floor(capacity.withinSeconds / capacity.everySeconds));
    const server = ["$.server.name", "$.server.instanceId"];
    const bootOne = sequence(
        invoke("StartInstance", plan.functionArns.startInstance, {
            payload: { "instanceId.$": "$.server.instanceId" },
            about: "$.server.name",
            resultPath: "$.startRequest",
            select: { "outcome.$": "$.outcome", "state.$": "$.state" },
            retry: [retryEvery("InstanceBusy", 15, 12), retryEvery("InsufficientInstanceCapacity", capacity.everySeconds, capacityAttempts)],
            catch: [{
                errors: ["InstanceGone"],
                name: "InstanceCannotStart",
                failure: { error: "InstanceGone", cause: "StartInstance: {} ({}) cannot start: {}", args: [...server, "$.error.Cause"] },
            }],
        }),
        waitUntil("WaitUntilInstanceReady", {
            functionArn: plan.functionArns.describeInstance,
            payload: { "instanceId.$": "$.server.instanceId" },
            about: "$.server.name",
            select: { "state.$": "$.state", "stateReason.$": "$.stateReason", "checks.$": "$.checks", "attempt.$": "$.attempt" },
            resultPath: "$.instance",
            done: is.and(is.string("$.instance.state", "running"), is.string("$.instance.checks", "ok")),
            failures: [
                {
                    // Started, yet stopped again: the usual cause is a KMS key the instance's volumes cannot use.
                    when: is.and(is.oneOf("$.instance.state", ["stopped", "terminated", "shutting-down"]), is.not(is.string("$.instance.stateReason", capacityLost))),
                    name: "InstanceFellBack",
                    failure: { error: "InstanceDidNotStart", cause: "WaitUntilInstanceReady: {} ({}) is {} after being started", args: [...server, "$.instance.state"] },
                },
                {
                    when: is.string("$.instance.checks", "impaired"),
                    name: "InstanceImpaired",
                    failure: { error: "InstanceImpaired", cause: "WaitUntilInstanceReady: {} ({}) failed its status checks", args: server },
                },
            ],
            detours: [{
                // Capacity lost while starting (pending → stopped): start it again, a bounded number of times.
                when: is.string("$.instance.stateReason", capacityLost),
                then: sequence(
                    pass("CountCapacityLoss", { parameters: { "losses.$": "States.MathAdd($.capacity.losses, 1)" }, resultPath: "$.capacity" }),
                    choice("StartAgainAfterCapacityLoss", [{
                        when: is.atLeast("$.capacity.losses", capacityAttempts),
                        then: fail("InstanceCapacityLost", {
                            error: "InsufficientInstanceCapacity",
                            cause: `WaitUntilInstanceReady: {} ({}) went back to stopped {} times while starting (${capacityLost}); EC2 has no capacity for it in its Availability Zone`,
                            args: [...server, "$.capacity.losses"],
                        }),
                    }], sequence(wait("WaitForCapacity", capacity.everySeconds), goto("StartInstance"))),
                ),
            }],
            ...rhythm,
            timedOut: {
                error: "InstanceNotReady",
                cause: `WaitUntilInstanceReady: {} ({}) is {} with status checks {} after ${duration(rhythm)}`,
                args: [...server, "$.instance.state", "$.instance.checks"],
            },
        }),
        pass("WebServerBooted", { parameters: { "name.$": "$.server.name", "instance.$": "$.startRequest.outcome" }, resultPath: "$" }),
    );
    return sequence(
        map("BootWebServers", {
            itemsPath: "$.targets.webServers",
            itemSelector: { "server.$": "$$.Map.Item.Value", capacity: { losses: 0 } },
            iterator: bootOne,
            maxConcurrency: plan.maxConcurrency,
            resultPath: "$.webServers",
        }),
        pass("WebServersBooted", { parameters: { "webServers.$": "$.webServers" }, resultPath }),
    );
}

/** One Map iteration: the service is started only where the check finds it stopped. */
function startHttpd(plan: JobnetPlan): Fragment {
    const service = plan.service;
    const checkFailed = { when: script.ended, error: "HttpdCheckFailed", explain: `${checkOf(service.label)} failed` };
    const check = { command: service.check, checks: service.label };
    return sequence(
        runScript(plan, "CheckHttpd", {
            ...check,
            done: is.or(script.exitCode(0), script.exitCode(3)),
            failures: [checkFailed],
        }),
        choice("StartHttpdIfStopped", [
            { when: script.exitCode(0), then: pass("HttpdWasRunning", { parameters: { "name.$": "$.server.name", httpd: "alreadyRunning" }, resultPath: "$" }) },
        ], sequence(
            runScript(plan, "StartHttpd", {
                command: service.start,
                done: script.succeeded,
                failures: [{ when: script.ended, error: "HttpdDidNotStart", explain: `${service.label} did not start` }],
            }),
            runScript(plan, "CheckHttpdRunning", {
                ...check,
                done: script.exitCode(0),
                failures: [
                    { when: script.exitCode(3), error: "HttpdNotRunning", explain: `${service.label} is not running after its start` },
                    checkFailed,
                ],
            }),
            pass("HttpdStarted", { parameters: { "name.$": "$.server.name", httpd: "started" }, resultPath: "$" }),
        )),
    );
}
