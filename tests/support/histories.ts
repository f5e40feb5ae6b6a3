import { HistoryEvent } from "@aws-sdk/client-sfn";

/**
 * Execution histories in the shape GetExecutionHistory returns, oldest first. They keep the events
 * that matter: iterations may begin at the state of interest and skip the states before it.
 */

/** The events one second apart from the run's start. */
function recorded(events: Omit<HistoryEvent, "timestamp">[]): HistoryEvent[] {
    const start = Date.parse("2026-11-30T13:00:00Z");
    return events.map((e) => ({ ...e, timestamp: new Date(start + e.id! * 1000) }));
}

const server = (n: number) => ({
    name: `web-${n}`,
    instanceId: `i-0000000000000000${n}`,
    instanceArn: `arn:aws:ec2:ap-northeast-1:123456789012:instance/i-0000000000000000${n}`,
});
/** A Map iteration's input: the item, as the jobnets' itemSelector gives it. */
const item = (n: number) => JSON.stringify({ server: server(n) });
const lambda = { resourceType: "lambda", resource: "invoke" };

export const instanceNotFound =
    '{"errorType":"InstanceNotFound","errorMessage":"instance i-00000000000000002 does not exist","trace":["InstanceNotFound: instance i-00000000000000002 does not exist","    at describeInstances (/var/task/__index.js:412:15)"]}';

const throttled = { ...lambda, error: "Lambda.TooManyRequestsException", cause: "Rate Exceeded. (Service: Lambda, Status Code: 429)" };

/**
 * Stop jobnet: web-2's DescribeWebServer fails. web-1 has just gone on to RouteByInstanceState,
 * the last state entered, and web-3 waits to retry a throttled call, when Step Functions aborts
 * their iterations.
 */
export const mapIterationFailed = recorded([
    { id: 1, previousEventId: 0, type: "ExecutionStarted", executionStartedEventDetails: { input: '{"trigger":"manual"}' } },
    { id: 2, previousEventId: 1, type: "MapStateEntered", stateEnteredEventDetails: { name: "StopWebServers", input: JSON.stringify({ trigger: "manual", targets: { webServers: [server(1), server(2), server(3)] } }) } },
    { id: 3, previousEventId: 2, type: "MapStateStarted", mapStateStartedEventDetails: { length: 3 } },
    { id: 4, previousEventId: 3, type: "MapIterationStarted", mapIterationStartedEventDetails: { name: "StopWebServers", index: 0 } },
    { id: 5, previousEventId: 3, type: "MapIterationStarted", mapIterationStartedEventDetails: { name: "StopWebServers", index: 1 } },
    { id: 6, previousEventId: 3, type: "MapIterationStarted", mapIterationStartedEventDetails: { name: "StopWebServers", index: 2 } },
    { id: 7, previousEventId: 4, type: "TaskStateEntered", stateEnteredEventDetails: { name: "DescribeWebServer", input: item(1) } },
    { id: 8, previousEventId: 5, type: "TaskStateEntered", stateEnteredEventDetails: { name: "DescribeWebServer", input: item(2) } },
    { id: 9, previousEventId: 6, type: "TaskStateEntered", stateEnteredEventDetails: { name: "DescribeWebServer", input: item(3) } },
    { id: 10, previousEventId: 7, type: "TaskScheduled" },
    { id: 11, previousEventId: 8, type: "TaskScheduled" },
    { id: 12, previousEventId: 9, type: "TaskScheduled" },
    { id: 13, previousEventId: 10, type: "TaskStarted" },
    { id: 14, previousEventId: 11, type: "TaskStarted" },
    { id: 15, previousEventId: 12, type: "TaskStarted" },
    { id: 16, previousEventId: 15, type: "TaskFailed", taskFailedEventDetails: throttled },
    { id: 17, previousEventId: 13, type: "TaskSucceeded" },
    { id: 18, previousEventId: 14, type: "TaskFailed", taskFailedEventDetails: { ...lambda, error: "InstanceNotFound", cause: instanceNotFound } },
    { id: 19, previousEventId: 17, type: "TaskStateExited", stateExitedEventDetails: { name: "DescribeWebServer", output: JSON.stringify({ server: server(1), found: { state: "running" } }) } },
    { id: 20, previousEventId: 19, type: "ChoiceStateEntered", stateEnteredEventDetails: { name: "RouteByInstanceState", input: JSON.stringify({ server: server(1), found: { state: "running" } }) } },
    { id: 21, previousEventId: 18, type: "TaskStateAborted" },
    { id: 22, previousEventId: 18, type: "MapIterationFailed", mapIterationFailedEventDetails: { name: "StopWebServers", index: 1 } },
    { id: 23, previousEventId: 20, type: "MapIterationAborted", mapIterationAbortedEventDetails: { name: "StopWebServers", index: 0 } },
    { id: 24, previousEventId: 16, type: "TaskStateAborted" },
    { id: 25, previousEventId: 24, type: "MapIterationAborted", mapIterationAbortedEventDetails: { name: "StopWebServers", index: 2 } },
    { id: 26, previousEventId: 18, type: "MapStateFailed" },
    { id: 27, previousEventId: 26, type: "ExecutionFailed", executionFailedEventDetails: { error: "InstanceNotFound", cause: instanceNotFound } },
]);

const instanceGone =
    '{"errorType":"InstanceGone","errorMessage":"instance i-00000000000000001 is terminated; it cannot start","trace":["InstanceGone: instance i-00000000000000001 is terminated; it cannot start","    at startInstances (/var/task/__index.js:388:15)"]}';
export const instanceCannotStartCause = `StartInstance: web-1 (i-00000000000000001) cannot start: ${instanceGone}`;

/**
 * Start jobnet: StartInstance fails with InstanceGone, which its Catch sends to the Fail state
 * InstanceCannotStart, in the BootWebServers Map inside the Parallel state; the database branch
 * is aborted.
 */
export const caughtToFailState = recorded([
    { id: 1, previousEventId: 0, type: "ExecutionStarted", executionStartedEventDetails: { input: '{"trigger":"manual"}' } },
    { id: 2, previousEventId: 1, type: "ParallelStateEntered", stateEnteredEventDetails: { name: "StartDatabaseAndBootServers", input: '{"trigger":"manual"}' } },
    { id: 3, previousEventId: 2, type: "ParallelStateStarted" },
    { id: 4, previousEventId: 3, type: "TaskStateEntered", stateEnteredEventDetails: { name: "StartCluster", input: '{"trigger":"manual"}' } },
    { id: 5, previousEventId: 3, type: "MapStateEntered", stateEnteredEventDetails: { name: "BootWebServers", input: JSON.stringify({ targets: { webServers: [server(1)] } }) } },
    { id: 6, previousEventId: 5, type: "MapStateStarted", mapStateStartedEventDetails: { length: 1 } },
    { id: 7, previousEventId: 6, type: "MapIterationStarted", mapIterationStartedEventDetails: { name: "BootWebServers", index: 0 } },
    { id: 8, previousEventId: 7, type: "TaskStateEntered", stateEnteredEventDetails: { name: "StartInstance", input: item(1) } },
    { id: 9, previousEventId: 8, type: "TaskScheduled" },
    { id: 10, previousEventId: 4, type: "TaskScheduled" },
    { id: 11, previousEventId: 9, type: "TaskStarted" },
    { id: 12, previousEventId: 10, type: "TaskStarted" },
    { id: 13, previousEventId: 11, type: "TaskFailed", taskFailedEventDetails: { ...lambda, error: "InstanceGone", cause: instanceGone } },
    { id: 14, previousEventId: 13, type: "TaskStateExited", stateExitedEventDetails: { name: "StartInstance", output: JSON.stringify({ server: server(1), error: { Error: "InstanceGone", Cause: instanceGone } }) } },
    { id: 15, previousEventId: 14, type: "FailStateEntered", stateEnteredEventDetails: { name: "InstanceCannotStart", input: JSON.stringify({ server: server(1), error: { Error: "InstanceGone", Cause: instanceGone } }) } },
    { id: 16, previousEventId: 15, type: "MapIterationFailed", mapIterationFailedEventDetails: { name: "BootWebServers", index: 0 } },
    { id: 17, previousEventId: 15, type: "MapStateFailed" },
    { id: 18, previousEventId: 12, type: "TaskStateAborted" },
    { id: 19, previousEventId: 17, type: "ParallelStateFailed" },
    { id: 20, previousEventId: 19, type: "ExecutionFailed", executionFailedEventDetails: { error: "InstanceGone", cause: instanceCannotStartCause } },
]);

/**
 * Start jobnet: web-1 fails its status checks in the BootWebServers Map while, in the other
 * branch of the Parallel state, StartCluster waits to retry a throttled call and is aborted.
 */
export const parallelBranchFailed = recorded([
    { id: 1, previousEventId: 0, type: "ExecutionStarted", executionStartedEventDetails: { input: '{"trigger":"manual"}' } },
    { id: 2, previousEventId: 1, type: "ParallelStateEntered", stateEnteredEventDetails: { name: "StartDatabaseAndBootServers", input: '{"trigger":"manual"}' } },
    { id: 3, previousEventId: 2, type: "ParallelStateStarted" },
    { id: 4, previousEventId: 3, type: "TaskStateEntered", stateEnteredEventDetails: { name: "StartCluster", input: '{"trigger":"manual"}' } },
    { id: 5, previousEventId: 3, type: "MapStateEntered", stateEnteredEventDetails: { name: "BootWebServers", input: JSON.stringify({ targets: { webServers: [server(1)] } }) } },
    { id: 6, previousEventId: 4, type: "TaskScheduled" },
    { id: 7, previousEventId: 5, type: "MapStateStarted", mapStateStartedEventDetails: { length: 1 } },
    { id: 8, previousEventId: 6, type: "TaskStarted" },
    { id: 9, previousEventId: 7, type: "MapIterationStarted", mapIterationStartedEventDetails: { name: "BootWebServers", index: 0 } },
    { id: 10, previousEventId: 8, type: "TaskFailed", taskFailedEventDetails: throttled },
    { id: 11, previousEventId: 9, type: "ChoiceStateEntered", stateEnteredEventDetails: { name: "WaitUntilInstanceReadyCheck", input: JSON.stringify({ server: server(1), instance: { state: "running", checks: "impaired" } }) } },
    { id: 12, previousEventId: 11, type: "ChoiceStateExited", stateExitedEventDetails: { name: "WaitUntilInstanceReadyCheck" } },
    { id: 13, previousEventId: 12, type: "FailStateEntered", stateEnteredEventDetails: { name: "InstanceImpaired", input: JSON.stringify({ server: server(1), instance: { state: "running", checks: "impaired" } }) } },
    { id: 14, previousEventId: 13, type: "MapIterationFailed", mapIterationFailedEventDetails: { name: "BootWebServers", index: 0 } },
    { id: 15, previousEventId: 13, type: "MapStateFailed" },
    { id: 16, previousEventId: 10, type: "TaskStateAborted" },
    { id: 17, previousEventId: 15, type: "ParallelStateFailed" },
    { id: 18, previousEventId: 17, type: "ExecutionFailed", executionFailedEventDetails: { error: "InstanceImpaired", cause: "WaitUntilInstanceReady: web-1 (i-00000000000000001) failed its status checks" } },
]);

/**
 * Stop jobnet: EnableMaintenancePage is throttled once and succeeds on its retry; then the
 * listener rule priority turns out to be taken, and the run ends in MaintenancePriorityTaken.
 */
export const retriedThenFailed = recorded([
    { id: 1, previousEventId: 0, type: "ExecutionStarted", executionStartedEventDetails: { input: "{}" } },
    { id: 2, previousEventId: 1, type: "TaskStateEntered", stateEnteredEventDetails: { name: "EnableMaintenancePage", input: "{}" } },
    { id: 3, previousEventId: 2, type: "TaskScheduled" },
    { id: 4, previousEventId: 3, type: "TaskStarted" },
    { id: 5, previousEventId: 4, type: "TaskFailed", taskFailedEventDetails: throttled },
    { id: 6, previousEventId: 5, type: "TaskScheduled" },
    { id: 7, previousEventId: 6, type: "TaskStarted" },
    { id: 8, previousEventId: 7, type: "TaskSucceeded" },
    { id: 9, previousEventId: 8, type: "TaskStateExited", stateExitedEventDetails: { name: "EnableMaintenancePage", output: '{"maintenance":{"outcome":"conflict"}}' } },
    { id: 10, previousEventId: 9, type: "ChoiceStateEntered", stateEnteredEventDetails: { name: "MaintenancePageIsOn", input: '{"maintenance":{"outcome":"conflict"}}' } },
    { id: 11, previousEventId: 10, type: "ChoiceStateExited", stateExitedEventDetails: { name: "MaintenancePageIsOn" } },
    { id: 12, previousEventId: 11, type: "FailStateEntered", stateEnteredEventDetails: { name: "MaintenancePriorityTaken", input: '{"maintenance":{"outcome":"conflict"}}' } },
    { id: 13, previousEventId: 12, type: "ExecutionFailed", executionFailedEventDetails: { error: "MaintenancePriorityInUse", cause: "EnableMaintenancePage: listener rule priority 10 is held by another rule" } },
]);

export const clusterNotFound =
    '{"errorType":"ClusterNotFound","errorMessage":"DB cluster webapp-jobnet-dev does not exist","trace":["ClusterNotFound: DB cluster webapp-jobnet-dev does not exist","    at describeCluster (/var/task/__index.js:301:15)"]}';

/** Stop jobnet: DescribeDatabase, a top-level Task after the web servers, fails: its handler threw. */
export const topLevelTaskFailed = recorded([
    { id: 1, previousEventId: 0, type: "ExecutionStarted", executionStartedEventDetails: { input: "{}" } },
    { id: 2, previousEventId: 1, type: "TaskStateEntered", stateEnteredEventDetails: { name: "DescribeDatabase", input: "{}" } },
    { id: 3, previousEventId: 2, type: "TaskScheduled" },
    { id: 4, previousEventId: 3, type: "TaskStarted" },
    { id: 5, previousEventId: 4, type: "TaskFailed", taskFailedEventDetails: { ...lambda, error: "ClusterNotFound", cause: clusterNotFound } },
    { id: 6, previousEventId: 5, type: "ExecutionFailed", executionFailedEventDetails: { error: "ClusterNotFound", cause: clusterNotFound } },
]);

/** Stop jobnet: a runtime error (no failure event) in RouteByClusterState, which found no cluster status. */
export const runtimeError = recorded([
    { id: 1, previousEventId: 0, type: "ExecutionStarted", executionStartedEventDetails: { input: "{}" } },
    { id: 2, previousEventId: 1, type: "TaskStateEntered", stateEnteredEventDetails: { name: "DescribeDatabase", input: "{}" } },
    { id: 3, previousEventId: 2, type: "TaskScheduled" },
    { id: 4, previousEventId: 3, type: "TaskStarted" },
    { id: 5, previousEventId: 4, type: "TaskSucceeded" },
    { id: 6, previousEventId: 5, type: "TaskStateExited", stateExitedEventDetails: { name: "DescribeDatabase", output: '{"cluster":{}}' } },
    { id: 7, previousEventId: 6, type: "ChoiceStateEntered", stateEnteredEventDetails: { name: "RouteByClusterState", input: '{"cluster":{}}' } },
    {
        id: 8, previousEventId: 7, type: "ExecutionFailed",
        executionFailedEventDetails: { error: "States.Runtime", cause: "An error occurred while executing the state 'RouteByClusterState' (entered at the event id #7). Invalid path '$.cluster.status'" },
    },
]);

/**
 * Stop jobnet, timed out: web-1 has stopped and finishes its iteration last; web-2 is still
 * waiting for its instance to stop.
 */
export const timedOutInMap = recorded([
    { id: 1, previousEventId: 0, type: "ExecutionStarted", executionStartedEventDetails: { input: "{}" } },
    { id: 2, previousEventId: 1, type: "MapStateEntered", stateEnteredEventDetails: { name: "StopWebServers", input: JSON.stringify({ targets: { webServers: [server(1), server(2)] } }) } },
    { id: 3, previousEventId: 2, type: "MapStateStarted", mapStateStartedEventDetails: { length: 2 } },
    { id: 4, previousEventId: 3, type: "MapIterationStarted", mapIterationStartedEventDetails: { name: "StopWebServers", index: 0 } },
    { id: 5, previousEventId: 3, type: "MapIterationStarted", mapIterationStartedEventDetails: { name: "StopWebServers", index: 1 } },
    { id: 6, previousEventId: 4, type: "TaskStateEntered", stateEnteredEventDetails: { name: "WaitUntilInstanceStopped", input: item(1) } },
    { id: 7, previousEventId: 5, type: "TaskStateEntered", stateEnteredEventDetails: { name: "WaitUntilInstanceStopped", input: item(2) } },
    { id: 8, previousEventId: 6, type: "TaskScheduled" },
    { id: 9, previousEventId: 7, type: "TaskScheduled" },
    { id: 10, previousEventId: 8, type: "TaskStarted" },
    { id: 11, previousEventId: 9, type: "TaskStarted" },
    { id: 12, previousEventId: 10, type: "TaskSucceeded" },
    { id: 13, previousEventId: 11, type: "TaskSucceeded" },
    { id: 14, previousEventId: 12, type: "TaskStateExited", stateExitedEventDetails: { name: "WaitUntilInstanceStopped" } },
    { id: 15, previousEventId: 13, type: "TaskStateExited", stateExitedEventDetails: { name: "WaitUntilInstanceStopped" } },
    { id: 16, previousEventId: 14, type: "ChoiceStateEntered", stateEnteredEventDetails: { name: "WaitUntilInstanceStoppedCheck", input: JSON.stringify({ server: server(1), instance: { state: "stopped" } }) } },
    { id: 17, previousEventId: 15, type: "ChoiceStateEntered", stateEnteredEventDetails: { name: "WaitUntilInstanceStoppedCheck", input: JSON.stringify({ server: server(2), instance: { state: "stopping" } }) } },
    { id: 18, previousEventId: 16, type: "ChoiceStateExited", stateExitedEventDetails: { name: "WaitUntilInstanceStoppedCheck" } },
    { id: 19, previousEventId: 17, type: "ChoiceStateExited", stateExitedEventDetails: { name: "WaitUntilInstanceStoppedCheck" } },
    { id: 20, previousEventId: 19, type: "WaitStateEntered", stateEnteredEventDetails: { name: "WaitUntilInstanceStoppedWait", input: JSON.stringify({ server: server(2), instance: { state: "stopping" } }) } },
    { id: 21, previousEventId: 18, type: "PassStateEntered", stateEnteredEventDetails: { name: "WebServerStopped", input: JSON.stringify({ server: server(1), instance: { state: "stopped" } }) } },
    { id: 22, previousEventId: 21, type: "PassStateExited", stateExitedEventDetails: { name: "WebServerStopped", output: '{"name":"web-1"}' } },
    { id: 23, previousEventId: 22, type: "MapIterationSucceeded", mapIterationSucceededEventDetails: { name: "StopWebServers", index: 0 } },
    { id: 24, previousEventId: 23, type: "ExecutionTimedOut", executionTimedOutEventDetails: { error: "States.Timeout" } },
]);

/** Stop jobnet, aborted by hand while waiting for the backups, after the web servers' Map. */
export const abortedAfterMap = recorded([
    { id: 1, previousEventId: 0, type: "ExecutionStarted", executionStartedEventDetails: { input: "{}" } },
    { id: 2, previousEventId: 1, type: "MapStateEntered", stateEnteredEventDetails: { name: "StopWebServers", input: JSON.stringify({ targets: { webServers: [server(1)] } }) } },
    { id: 3, previousEventId: 2, type: "MapStateStarted", mapStateStartedEventDetails: { length: 1 } },
    { id: 4, previousEventId: 3, type: "MapIterationStarted", mapIterationStartedEventDetails: { name: "StopWebServers", index: 0 } },
    { id: 5, previousEventId: 4, type: "PassStateEntered", stateEnteredEventDetails: { name: "WebServerStopped", input: item(1) } },
    { id: 6, previousEventId: 5, type: "PassStateExited", stateExitedEventDetails: { name: "WebServerStopped", output: '{"name":"web-1"}' } },
    { id: 7, previousEventId: 6, type: "MapIterationSucceeded", mapIterationSucceededEventDetails: { name: "StopWebServers", index: 0 } },
    { id: 8, previousEventId: 7, type: "MapStateSucceeded" },
    { id: 9, previousEventId: 7, type: "MapStateExited", stateExitedEventDetails: { name: "StopWebServers", output: '{"webServers":[{"name":"web-1"}]}' } },
    { id: 10, previousEventId: 9, type: "WaitStateEntered", stateEnteredEventDetails: { name: "WaitUntilBackupsCompletedWait", input: '{"webServers":[{"name":"web-1"}]}' } },
    { id: 11, previousEventId: 10, type: "WaitStateAborted" },
    { id: 12, previousEventId: 11, type: "ExecutionAborted" },
]);

/**
 * Stop jobnet, redriven: the first attempt failed in DescribeDatabase; the redrive got past it
 * and failed in ClusterNotStoppable.
 */
export const redrivenAndFailedAgain = recorded([
    { id: 1, previousEventId: 0, type: "ExecutionStarted", executionStartedEventDetails: { input: "{}" } },
    { id: 2, previousEventId: 1, type: "TaskStateEntered", stateEnteredEventDetails: { name: "DescribeDatabase", input: "{}" } },
    { id: 3, previousEventId: 2, type: "TaskScheduled" },
    { id: 4, previousEventId: 3, type: "TaskStarted" },
    { id: 5, previousEventId: 4, type: "TaskFailed", taskFailedEventDetails: { ...lambda, error: "ClusterNotFound", cause: clusterNotFound } },
    { id: 6, previousEventId: 5, type: "ExecutionFailed", executionFailedEventDetails: { error: "ClusterNotFound", cause: clusterNotFound } },
    { id: 7, previousEventId: 6, type: "ExecutionRedriven", executionRedrivenEventDetails: { redriveCount: 1 } },
    { id: 8, previousEventId: 7, type: "TaskStateEntered", stateEnteredEventDetails: { name: "DescribeDatabase", input: "{}" } },
    { id: 9, previousEventId: 8, type: "TaskScheduled" },
    { id: 10, previousEventId: 9, type: "TaskStarted" },
    { id: 11, previousEventId: 10, type: "TaskSucceeded" },
    { id: 12, previousEventId: 11, type: "TaskStateExited", stateExitedEventDetails: { name: "DescribeDatabase", output: '{"cluster":{"status":"failed"}}' } },
    { id: 13, previousEventId: 12, type: "ChoiceStateEntered", stateEnteredEventDetails: { name: "RouteByClusterState", input: '{"cluster":{"status":"failed"}}' } },
    { id: 14, previousEventId: 13, type: "ChoiceStateExited", stateExitedEventDetails: { name: "RouteByClusterState" } },
    { id: 15, previousEventId: 14, type: "FailStateEntered", stateEnteredEventDetails: { name: "ClusterNotStoppable", input: '{"cluster":{"status":"failed"}}' } },
    { id: 16, previousEventId: 15, type: "ExecutionFailed", executionFailedEventDetails: { error: "ClusterNotStoppable", cause: "DescribeDatabase: cluster webapp-jobnet-dev is failed" } },
]);
