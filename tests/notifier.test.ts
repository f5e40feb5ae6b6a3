import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { mockClient } from "aws-sdk-client-mock";
import { DescribeExecutionCommand, GetExecutionHistoryCommand, HistoryEvent, SFNClient } from "@aws-sdk/client-sfn";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { RunSummary, executionEnd, jobOutcomes, jobnetOfStateMachine, notifyRunEnded, runEndedAlert, slackMessage } from "../handlers/notifier";
import { invocationContext } from "../simulator/lambda";
import { readableCause } from "../handlers/causes";
import { failurePoint } from "../handlers/failurePoint";
import { pageThrough, readExecutionHistory } from "../handlers/executionHistory";
import { abortAfter } from "../handlers/lambdaContext";
import { projectDir } from "../scripts/lib/runProgram";
import * as histories from "./support/histories";
import {
    abortedAfterMap,
    caughtToFailState,
    clusterNotFound,
    instanceCannotStartCause,
    mapIterationFailed,
    parallelBranchFailed,
    redrivenAndFailedAgain,
    retriedThenFailed,
    runtimeError,
    timedOutInMap,
    topLevelTaskFailed,
} from "./support/histories";

describe("where a run stopped, from its execution history", () => {
    /** The history with its end event's link to the event before it taken out. */
    const unchained = (history: HistoryEvent[]) => history.map((e) => (e.type === "ExecutionFailed" ? { ...e, previousEventId: 0 } : e));

    it("names the state that failed in a Map and its server, not the state another server entered last", () => {
        assert.strictEqual(mapIterationFailed.filter((e) => e.stateEnteredEventDetails).pop()!.stateEnteredEventDetails!.name, "RouteByInstanceState");
        assert.deepStrictEqual(failurePoint(mapIterationFailed), { state: "DescribeWebServer", server: "web-2", iteration: 1 });
    });

    it("names the Fail state a caught error led to, in a Map inside a Parallel state", () => {
        assert.deepStrictEqual(failurePoint(caughtToFailState), { state: "InstanceCannotStart", server: "web-1", iteration: 0 });
    });

    it("does not count a failure that was retried and succeeded", () => {
        assert.deepStrictEqual(failurePoint(retriedThenFailed), { state: "MaintenancePriorityTaken", server: undefined, iteration: undefined });
    });

    it("takes the failure the end event chains back to over one left behind in an aborted Parallel branch", () => {
        assert.deepStrictEqual(failurePoint(parallelBranchFailed), { state: "InstanceImpaired", server: "web-1", iteration: 0 });
    });

    it("takes the first failure that ended its branch when the end event does not chain back to it", () => {
        // Only the failure events tell then: a retried, a caught and an aborted iteration's failure do not count.
        assert.deepStrictEqual(failurePoint(unchained(mapIterationFailed)), { state: "DescribeWebServer", server: "web-2", iteration: 1 });
        assert.deepStrictEqual(failurePoint(unchained(caughtToFailState)), { state: "InstanceCannotStart", server: "web-1", iteration: 0 });
        assert.deepStrictEqual(failurePoint(unchained(retriedThenFailed)), { state: "MaintenancePriorityTaken", server: undefined, iteration: undefined });
    });

    it("names the state a runtime error, which leaves no failure event, happened in", () => {
        assert.deepStrictEqual(failurePoint(runtimeError), { state: "RouteByClusterState", server: undefined, iteration: undefined });
    });

    it("names a top-level Task whose handler threw", () => {
        assert.deepStrictEqual(failurePoint(topLevelTaskFailed), { state: "DescribeDatabase", server: undefined, iteration: undefined });
    });

    it("names, for a run that timed out, the deepest state still running and its server", () => {
        assert.deepStrictEqual(failurePoint(timedOutInMap), { state: "WaitUntilInstanceStoppedWait", server: "web-2", iteration: 1 });
    });

    it("names, for an aborted run, the state it was in, outside the Map that had finished", () => {
        assert.deepStrictEqual(failurePoint(abortedAfterMap), { state: "WaitUntilBackupsCompletedWait", server: undefined, iteration: undefined });
    });

    it("judges a redriven run on its last attempt", () => {
        assert.deepStrictEqual(failurePoint(redrivenAndFailedAgain), { state: "ClusterNotStoppable", server: undefined, iteration: undefined });
        assert.deepStrictEqual(failurePoint(unchained(redrivenAndFailedAgain)), { state: "ClusterNotStoppable", server: undefined, iteration: undefined });
    });

    it("reads pages in any order, and names nothing from a history that does not reach the run's end", () => {
        const pages = [mapIterationFailed.slice(0, 13), mapIterationFailed.slice(13)];
        assert.deepStrictEqual(failurePoint([...pages[1], ...pages[0]]), { state: "DescribeWebServer", server: "web-2", iteration: 1 });
        assert.strictEqual(failurePoint(pages[0]), undefined);
    });
});

describe("a cause as a person reads it", () => {
    it("is the errorMessage of the JSON error Lambda reports for a handler that threw", () => {
        assert.strictEqual(readableCause(clusterNotFound), "DB cluster webapp-jobnet-dev does not exist");
    });

    it("has the JSON error a Fail state's cause quotes replaced by its errorMessage", () => {
        assert.strictEqual(readableCause(instanceCannotStartCause), "StartInstance: web-1 (i-00000000000000001) cannot start: instance i-00000000000000001 is terminated; it cannot start");
    });

    it("keeps any other cause as it is", () => {
        for (const cause of [
            "StopHttpd: web-1 (i-0abc) httpd did not stop",
            '{"status":"failed"}',
            '{"errorType":"ClusterNotFound","errorMessage":"DB cluster webapp-jobnet-dev does not',
            '{"errorType":"Runtime.ExitError","errorMessage":""}',
        ]) {
            assert.strictEqual(readableCause(cause), cause);
        }
        assert.strictEqual(readableCause(undefined), undefined);
    });
});

describe("reading a run's history (a fake Step Functions client)", () => {
    const executionArn = "arn:aws:states:ap-northeast-1:123456789012:execution:webapp-jobnet-dev-stop:stop-1";

    /** Runs `read` against a Step Functions client that answers GetExecutionHistory with `page`; returns the requests. */
    async function withHistory(page: (nextToken: string | undefined) => { events: HistoryEvent[]; nextToken?: string }, read: () => Promise<void>) {
        const sfn = mockClient(SFNClient);
        try {
            sfn.on(GetExecutionHistoryCommand).callsFake((input: { nextToken?: string }) => page(input.nextToken));
            await read();
            return sfn.commandCalls(GetExecutionHistoryCommand).map((c) => c.args[0].input);
        } finally {
            sfn.restore();
        }
    }

    const plentyOfTime = () => 60_000;

    it("reads forward, a page of 1,000 events at a time, while there is a next page", async () => {
        const requests = await withHistory(
            (nextToken) => (nextToken === undefined ? { events: mapIterationFailed.slice(0, 13), nextToken: "page-2" } : { events: mapIterationFailed.slice(13) }),
            async () => assert.deepStrictEqual(await readExecutionHistory(new SFNClient({}), executionArn, { timeLeft: plentyOfTime }), { events: mapIterationFailed, complete: true }),
        );
        assert.deepStrictEqual(requests.map((r) => [r.executionArn, r.reverseOrder, r.maxResults, r.includeExecutionData, r.nextToken]), [
            [executionArn, undefined, 1000, true, undefined],
            [executionArn, undefined, 1000, true, "page-2"],
        ]);
    });

    it("reads on past short and empty pages while there is a nextToken, however many pages that takes", async () => {
        // One event a page, and an empty page after each: 2 × 40 pages, far past 25 full ones.
        const pages = mapIterationFailed.flatMap((event) => [{ events: [event] }, { events: [] }]).map((page, n, all) => ({ ...page, nextToken: n + 1 < all.length ? String(n + 1) : undefined }));
        const requests = await withHistory(
            (nextToken) => pages[Number(nextToken ?? 0)],
            async () => assert.deepStrictEqual(await readExecutionHistory(new SFNClient({}), executionArn, { timeLeft: plentyOfTime }), { events: mapIterationFailed, complete: true }),
        );
        assert.strictEqual(requests.length, mapIterationFailed.length * 2);
    });

    it("reads newest first only as far as the caller needs", async () => {
        const newestFirst = [...mapIterationFailed].reverse();
        const requests = await withHistory(
            (nextToken) => ({ events: newestFirst.slice(Number(nextToken ?? 0), Number(nextToken ?? 0) + 2), nextToken: String(Number(nextToken ?? 0) + 2) }),
            async () => {
                const read = await readExecutionHistory(new SFNClient({}), executionArn, { newestFirst: true, timeLeft: plentyOfTime, enough: (events) => events.length >= 5 });
                assert.deepStrictEqual(read, { events: newestFirst.slice(0, 6), complete: true });
            },
        );
        assert.deepStrictEqual(requests.map((r) => [r.reverseOrder, r.nextToken]), [[true, undefined], [true, "2"], [true, "4"]]);
    });
});

describe("paging within a time budget (pageThrough)", () => {
    const event = (id: number): HistoryEvent => ({ id, type: "PassStateEntered", timestamp: new Date(0) });

    it("stops when the time is spent, and says the history was not read to its end", async () => {
        let left = 3;
        const asked: (string | undefined)[] = [];
        const read = await pageThrough(async (nextToken) => {
            asked.push(nextToken);
            left--;
            return { events: [event(asked.length)], nextToken: `page-${asked.length + 1}` };
        }, { timeLeft: () => left });
        assert.deepStrictEqual(read, { events: [event(1), event(2), event(3)], complete: false });
        assert.deepStrictEqual(asked, [undefined, "page-2", "page-3"]);
    });

    it("gives each page the time left, and takes a page cut off by it as the end of the budget", async () => {
        let left = 5000;
        const given: number[] = [];
        const read = await pageThrough(async (_nextToken, timeLeftMs) => {
            given.push(timeLeftMs);
            if (given.length === 2) {
                left = 0;
                throw Object.assign(new Error("This operation was aborted"), { name: "AbortError" });
            }
            left -= 1000;
            return { events: [event(1)], nextToken: "page-2" };
        }, { timeLeft: () => left });
        assert.deepStrictEqual(read, { events: [event(1)], complete: false });
        assert.deepStrictEqual(given, [5000, 4000]);
    });

    it("cuts a call off after a share of the time left, fractions and a time already spent included", async () => {
        // AbortSignal.timeout itself refuses 29991.5 ms and -5 ms (ERR_OUT_OF_RANGE).
        const [share, spent] = [abortAfter(59_983 / 2), abortAfter(-5)];
        await new Promise((resolve) => setTimeout(resolve, 20));
        assert.deepStrictEqual([share.aborted, spent.aborted, (spent.reason as Error).name], [false, true, "TimeoutError"]);
    });

    it("lets any other error through", async () => {
        await assert.rejects(pageThrough(async () => { throw Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }); }, { timeLeft: () => 5000 }), /Rate exceeded/);
    });
});

describe("the notifier's reading of a run, as Pulumi serialises it into the function", () => {
    /** The function as the notifier's upload carries it: Pulumi's serialisation of its closure, loaded as a module. */
    async function serialised<F extends Function>(f: F, name: string): Promise<F> {
        const file = path.join(projectDir, "out", ".test", "notifier", `${name}.js`);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, (await pulumi.runtime.serializeFunction(f, { isFactoryFunction: false })).text);
        delete require.cache[file];
        return require(file).handler as F;
    }

    it("finds the same failure points and causes", async () => {
        // Module-level values travel as a copy of their properties: a Set, for one, arrives empty and unusable.
        const uploaded = await serialised(failurePoint, "failurePoint");
        for (const [name, history] of Object.entries(histories)) {
            if (Array.isArray(history)) assert.deepStrictEqual(uploaded(history), failurePoint(history), name);
        }
        assert.strictEqual((await serialised(readableCause, "readableCause"))(instanceCannotStartCause), readableCause(instanceCannotStartCause));
    });
});

describe("the notice of a team's jobnet's end", () => {
    const prefix = "webapp-jobnet-dev-";
    const stateMachineArn = "arn:aws:states:ap-northeast-1:123456789012:stateMachine:webapp-jobnet-dev-nightly-batch";
    const executionArn = "arn:aws:states:ap-northeast-1:123456789012:execution:webapp-jobnet-dev-nightly-batch:nightly-batch-manual-20261130-130000-k3f9";
    // The cause StartJob's end gives SendTaskFailure (handlers/jobOutcome.ts, commandJobEnd): the job, its server, the exit code, the last line.
    const cause = "extract-orders on db-client-1 (i-0abc): exit code 3: ERROR: orders table is locked; the whole output is in CloudWatch Logs, group /webapp-jobnet-dev/jobs";
    const job = (name: string) => ({ name, input: '{"tableName":"t"}' });
    // Every job of the run in its branch of the Jobs Parallel state; extract-orders' task fails, which fails the branch and the run.
    const history: HistoryEvent[] = [
        { id: 1, previousEventId: 0, type: "ExecutionStarted", executionStartedEventDetails: { input: '{"trigger":"manual"}' } },
        { id: 2, previousEventId: 1, type: "ParallelStateEntered", stateEnteredEventDetails: job("Jobs") },
        { id: 3, previousEventId: 2, type: "ParallelStateStarted" },
        { id: 4, previousEventId: 3, type: "TaskStateEntered", stateEnteredEventDetails: job("Wait for extract-orders") },
        { id: 5, previousEventId: 4, type: "TaskStateExited", stateExitedEventDetails: { name: "Wait for extract-orders", output: "{}" } },
        { id: 6, previousEventId: 5, type: "TaskStateEntered", stateEnteredEventDetails: job("extract-orders") },
        { id: 7, previousEventId: 6, type: "TaskScheduled" },
        { id: 8, previousEventId: 7, type: "TaskStarted" },
        { id: 9, previousEventId: 8, type: "TaskFailed", taskFailedEventDetails: { resourceType: "lambda", resource: "invoke.waitForTaskToken", error: "JobEndedAbnormally", cause } },
        { id: 10, previousEventId: 9, type: "ParallelStateFailed" },
        { id: 11, previousEventId: 10, type: "ExecutionFailed", executionFailedEventDetails: { error: "JobEndedAbnormally", cause } },
    ].map((e, i) => ({ ...e, timestamp: new Date(Date.parse("2026-11-30T13:00:00Z") + i * 1000) })) as HistoryEvent[];

    it("reads the run's error and cause from its end event, when DescribeExecution gives none", () => {
        assert.deepStrictEqual(executionEnd(history), { error: "JobEndedAbnormally", cause });
        assert.strictEqual(executionEnd(history.slice(0, 10)), undefined);
    });

    it("names the jobnet by its state machine, less the stack's prefix", () => {
        assert.deepStrictEqual([
            jobnetOfStateMachine(stateMachineArn, prefix),
            jobnetOfStateMachine("arn:aws:states:ap-northeast-1:123456789012:stateMachine:webapp-jobnet-dev-stop", prefix),
            // A stack whose name ends like a jobnet's: the prefix decides, not the ending.
            jobnetOfStateMachine("arn:aws:states:ap-northeast-1:123456789012:stateMachine:webapp-jobnet-start-nightly-batch", "webapp-jobnet-start-"),
            // A notifier deployed before it was told the prefix.
            jobnetOfStateMachine("arn:aws:states:ap-northeast-1:123456789012:stateMachine:webapp-jobnet-dev-start", undefined),
        ], ["nightly-batch", "stop", "nightly-batch", "start"]);
    });

    it("emails which jobnet failed, in which job, and the cause naming the server, exit code and last line (a sample event and DescribeExecution answer)", async () => {
        const sfn = mockClient(SFNClient);
        const sns = mockClient(SNSClient);
        const env = { ...process.env };
        try {
            sfn.on(DescribeExecutionCommand).resolves({
                executionArn, stateMachineArn, status: "FAILED", input: '{"trigger":"manual"}',
                startDate: new Date("2026-11-30T13:00:00Z"), stopDate: new Date("2026-11-30T13:42:05Z"),
                error: "JobEndedAbnormally", cause,
            });
            sfn.on(GetExecutionHistoryCommand).resolves({ events: history });
            sns.on(PublishCommand).resolves({ MessageId: "m-1" });
            const topicArn = "arn:aws:sns:ap-northeast-1:123456789012:webapp-jobnet-dev-alerts";
            Object.assign(process.env, { ALERT_TOPIC_ARN: topicArn, SLACK_SECRET_ARN: "", STACK_NAME: "dev", STATE_MACHINE_PREFIX: prefix });
            const result = await notifyRunEnded({
                region: "ap-northeast-1",
                detail: { executionArn, stateMachineArn, name: executionArn.split(":").pop()!, status: "FAILED" },
            }, invocationContext(60_000));
            assert.deepStrictEqual(result, { published: true, slack: undefined });
            const published = sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
            assert.deepStrictEqual(published.map((p) => [p.TopicArn, p.Subject, p.Message!.split("\n")]), [[topicArn, "[dev] nightly-batch jobnet FAILED", [
                "Jobnet: nightly-batch",
                "Stack: dev",
                "Status: FAILED",
                "Duration: 42m 5s",
                "Trigger: manual",
                `Execution: nightly-batch-manual-20261130-130000-k3f9 (https://ap-northeast-1.console.aws.amazon.com/states/home?region=ap-northeast-1#/v2/executions/details/${executionArn})`,
                "Failed job: extract-orders",
                "Error: JobEndedAbnormally",
                `Cause: ${cause}`,
            ]]]);
        } finally {
            process.env = env;
            sfn.restore();
            sns.restore();
        }
    });

    const failed: RunSummary = {
        jobnet: "nightly-batch", stack: "dev", status: "FAILED", durationSeconds: 2525, trigger: "manual", note: undefined,
        failedState: "extract-orders", failedServer: undefined, error: "JobEndedAbnormally", cause,
        consoleUrl: "https://console.example/run", executionName: "nightly-batch-1", servers: [], jobs: [],
    };

    it("posts the same to Slack: the jobnet in the header, the failed job, and the cause whole in a code block", () => {
        const m = slackMessage(failed, undefined) as { text: string; blocks: { text?: { text: string }; fields?: { text: string }[] }[] };
        assert.strictEqual(m.text, ":rotating_light: nightly-batch jobnet FAILED (dev)");
        assert.strictEqual(m.blocks[1].fields![0].text, "*Jobnet:* nightly-batch");
        assert.deepStrictEqual(m.blocks.slice(2).map((b) => b.text!.text), [
            "*Failed job:* extract-orders\n*Error:* JobEndedAbnormally",
            `*Cause:*\n\`\`\`${cause}\`\`\``,
        ]);
    });

    it("lists each job's end when the run succeeded, and keeps 'Timed out in' for a run that timed out in a job", () => {
        const output = { jobnet: "nightly-batch", jobs: [{ job: "extract-orders", end: "normal", exitCode: 0 }, { job: "load-warehouse", end: "warning", exitCode: 1 }, { job: "notify-finance", end: "skipped" }] };
        assert.deepStrictEqual(jobOutcomes(output), ["extract-orders: normal (exit 0)", "load-warehouse: warning (exit 1)", "notify-finance: skipped"]);
        assert.deepStrictEqual(jobOutcomes({ webServers: [] }), []);
        const succeeded = runEndedAlert({ ...failed, status: "SUCCEEDED", jobs: jobOutcomes(output) });
        assert.deepStrictEqual([succeeded.subject, succeeded.lines.slice(6)], ["[dev] nightly-batch jobnet SUCCEEDED", ["Jobs:", "  extract-orders: normal (exit 0)", "  load-warehouse: warning (exit 1)", "  notify-finance: skipped"]]);
        assert.deepStrictEqual(runEndedAlert({ ...failed, status: "TIMED_OUT", error: "States.Timeout", cause: undefined }).lines.slice(6), ["Timed out in: extract-orders", "Error: States.Timeout", "Cause: unknown"]);
    });
});
