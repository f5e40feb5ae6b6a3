import { Fragment, JsonObject, StateMachineDefinition, choice, definition, fail, goto, invoke, is, parallel, pass, retryEvery, sequence, wait, waitUntil } from "./asl";
import {
    DatabaseSteps, changeServiceThenCheck, withRedriveGuard, checkOf, databaseOf, duration, exceptRefused, exitCodes, failIfServersRefused, loadTargets, maintenancePageOutcome,
    takeRunLock, requestDatabaseChange, runScript, skipClosedDaysWhenScheduled, waitUntilDatabase, webServerIds,
} from "./common";
import { JobnetPlan, functionArnOf, hasLoadBalancer } from "./plan";
import { recoverableByStart } from "../handlers/databaseStatuses";
import { capacityLost } from "../handlers/instances";

/** Where the start keeps the servers EC2 refused to start (common.ts, noServerRefused), once they have booted. */
const refusedServers = "$.started.refusedServers";

/**
 * The start jobnet (system.md, scenario 2): the database starts while the servers boot; httpd
 * starts on every server once the database is available; the maintenance page goes only when
 * every target is healthy. Each phase acts on every server with the APIs' batch forms. Every step
 * acts only on what is not already done.
 */
export function startJobnet(plan: JobnetPlan): StateMachineDefinition {
    return withRedriveGuard(definition(
        sequence(
            skipClosedDaysWhenScheduled(plan, "start"),
            takeRunLock(plan, "start"),
            loadTargets(plan),
            startDatabaseAndBootServers(plan),
            startHttpdEverywhere(plan),
            // Before the health wait: a server EC2 refused to start never becomes healthy, and the page stays on.
            failIfServersRefused(refusedServers, { step: "StartInstances", action: "start", done: othersStarted(plan) }),
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
        { comment: "Starts the web system: the database and the servers together, then httpd everywhere, then the maintenance page goes.", timeoutSeconds: plan.timeoutSeconds },
    ), plan);
}

/** What a start that EC2 refused for some servers did for the rest, for its cause. */
function othersStarted(plan: JobnetPlan): string {
    const service = plan.service.label.replace(/^the /, "");
    const database = databaseOf(plan) === undefined ? "" : ", and the database started";
    return `every other server is started and its ${service} started${database}${hasLoadBalancer(plan) ? "; the maintenance page stays on" : ""}`;
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

/**
 * The database starts while the servers boot (`$.started`: database, webServers, refusedServers);
 * without one, the servers boot.
 */
function startDatabaseAndBootServers(plan: JobnetPlan): Fragment {
    const db = databaseOf(plan);
    if (db === undefined) {
        return sequence(
            bootWebServers(plan, "$.booted"),
            pass("NoDatabaseToStart", { parameters: { database: "none", "webServers.$": "$.booted.webServers", "refusedServers.$": "$.booted.refusedServers" }, resultPath: "$.started" }),
        );
    }
    return parallel("StartDatabaseAndBootServers", [startDatabase(plan, db), bootWebServers(plan, "$")], {
        resultPath: "$.started",
        select: { "database.$": "$[0].database", "webServers.$": "$[1].webServers", "refusedServers.$": "$[1].refusedServers" },
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

/**
 * Boots every server but those EC2 refused to start; `{ webServers, refusedServers }` goes to
 * `resultPath`: the branch's whole output in the Parallel state.
 */
function bootWebServers(plan: JobnetPlan, resultPath: string): Fragment {
    const rhythm = plan.waits.instanceReady;
    const capacity = plan.waits.instanceCapacity;
    // The same bound for both ways capacity runs out: StartInstances refused, or the start undone.
    const capacityAttempts = Math.max(1, Math.floor(capacity.withinSeconds / capacity.everySeconds));
    const refused = "$.startRequest.refused";
    // A start again after a capacity loss leaves out the servers the first start found refused.
    const start = (name: string, resultAt: string, except: JsonObject) => invoke(name, plan.functionArns.startInstances, {
        payload: { "servers.$": "$.targets.webServers", ...except },
        resultPath: resultAt,
        select: { "requested.$": "$.requested", "already.$": "$.already", "refused.$": "$.refused" },
        retry: [retryEvery("InstanceBusy", 15, 12), retryEvery("InsufficientInstanceCapacity", capacity.everySeconds, capacityAttempts)],
        catch: [{
            errors: ["InstanceGone"],
            name: `${name}Refused`,
            failure: { error: "InstanceGone", cause: `${name}: {}`, args: ["$.error.Cause"] },
        }],
    });
    return sequence(
        pass("CountNoCapacity", { result: { losses: 0 }, resultPath: "$.capacity" }),
        start("StartInstances", "$.startRequest", {}),
        waitUntil("WaitUntilInstancesReady", {
            functionArn: plan.functionArns.describeInstances,
            payload: { "servers.$": "$.targets.webServers", ...exceptRefused(refused) },
            select: {
                "total.$": "$.total", "counts.$": "$.counts", "gone.$": "$.gone", "impaired.$": "$.impaired",
                "stoppedOtherwise.$": "$.stoppedOtherwise", "notReady.$": "$.notReady", "attempt.$": "$.attempt",
            },
            resultPath: "$.instances",
            done: { Variable: "$.instances.counts.ready", NumericEqualsPath: "$.instances.total" },
            failures: [
                {
                    // Started, yet stopped again: the usual cause is a KMS key the instance's volumes cannot use.
                    when: is.atLeast("$.instances.counts.stoppedOtherwise", 1),
                    name: "InstanceFellBack",
                    failure: { error: "InstanceDidNotStart", cause: "WaitUntilInstancesReady: stopped again after being started: {}", args: ["$.instances.stoppedOtherwise"] },
                },
                {
                    when: is.atLeast("$.instances.counts.gone", 1),
                    name: "InstanceWentAway",
                    failure: { error: "InstanceGone", cause: "WaitUntilInstancesReady: {}", args: ["$.instances.gone"] },
                },
                {
                    when: is.atLeast("$.instances.counts.impaired", 1),
                    name: "InstanceImpaired",
                    failure: { error: "InstanceImpaired", cause: "WaitUntilInstancesReady: {}", args: ["$.instances.impaired"] },
                },
            ],
            detours: [{
                // Capacity lost while starting (pending → stopped): start them again, a bounded number of times.
                when: is.atLeast("$.instances.counts.capacityLost", 1),
                then: sequence(
                    pass("CountCapacityLoss", { parameters: { "losses.$": "States.MathAdd($.capacity.losses, 1)" }, resultPath: "$.capacity" }),
                    choice("StartAgainAfterCapacityLoss", [{
                        when: is.atLeast("$.capacity.losses", capacityAttempts),
                        then: fail("InstanceCapacityLost", {
                            error: "InsufficientInstanceCapacity",
                            cause: `WaitUntilInstancesReady: servers went back to stopped {} times while starting (${capacityLost}); EC2 has no capacity for them in their Availability Zone: {}`,
                            args: ["$.capacity.losses", "$.instances.notReady"],
                        }),
                    }], sequence(
                        wait("WaitForCapacity", capacity.everySeconds),
                        start("StartInstancesAgain", "$.restartRequest", exceptRefused(refused)),
                        goto("WaitUntilInstancesReadyBegin"),
                    )),
                ),
            }],
            ...rhythm,
            timedOut: {
                error: "InstanceNotReady",
                cause: `WaitUntilInstancesReady: {} of {} servers ready after ${duration(rhythm)}; not ready: {}`,
                args: ["$.instances.counts.ready", "$.instances.total", "$.instances.notReady"],
            },
        }),
        pass("WebServersBooted", {
            parameters: { webServers: { "started.$": "$.startRequest.requested", "alreadyStarted.$": "$.startRequest.already" }, "refusedServers.$": refused },
            resultPath,
        }),
    );
}

/** httpd starts where the check finds it stopped, and is checked running there. */
function startHttpdEverywhere(plan: JobnetPlan): Fragment {
    const service = plan.service;
    return sequence(
        runScript(plan, "CheckHttpd", {
            command: service.check,
            checks: service.label,
            on: "$.targets.webServers[*].instanceId",
            except: `${refusedServers}.instanceIds`,
            expect: { running: exitCodes.running, stopped: exitCodes.stopped },
            accept: ["running", "stopped"],
            act: "stopped",
            otherwise: { error: "HttpdCheckFailed", explain: `${checkOf(service.label)} failed` },
        }),
        pass("HttpdFound", {
            parameters: { "stopped.$": "$.script.outcomes.stopped", "count.$": "$.script.counts.stopped", "names.$": "$.script.names" },
            resultPath: "$.httpdFound",
        }),
        choice("StartHttpdWhereStopped", [{
            when: is.atLeast("$.httpdFound.count", 1),
            then: changeServiceThenCheck(plan, "start", "$.httpdFound.stopped"),
        }], "continue"),
        pass("HttpdRunning", { parameters: { "started.$": "$.httpdFound.names.stopped", "alreadyRunning.$": "$.httpdFound.names.running" }, resultPath: "$.httpd" }),
    );
}
