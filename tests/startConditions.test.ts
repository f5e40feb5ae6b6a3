import * as assert from "assert";
import { JobnetDefinition } from "../statemachines/jobs";
import { jobGraphProblems } from "../statemachines/jobGraph";
import { chooseTeamJobnets } from "../infra/teamJobnetSettings";
import { StartCondition, bucketNameProblem, describeStartCondition, startCycle, startPattern, triggeredExecutionName, triggeredInput } from "../statemachines/startConditions";
import { matchesPattern } from "../simulator/eventBridge";
import { busEventOf, jobnetsRunByHand } from "../scripts/lib/triggeredStart";

const known = { groups: ["batch"], jobnets: ["stop", "start", "loader", "reporter"] };

function jobnet(name: string, startOn: StartCondition[]): JobnetDefinition {
    return { name, description: "t", expectedMinutes: 10, timeoutMinutes: 60, startOn, jobs: { a: { kind: "command", on: { group: "batch" }, command: "true" } } } as JobnetDefinition;
}

const machineOf = (j: string) => `arn:aws:states:us-east-1:123456789012:stateMachine:webapp-jobnet-dev-${j}`;

/** S3's "Object Created" event as EventBridge delivers it (Amazon S3 User Guide, "EventBridge event message structure"). */
const objectCreated = (bucket: string, key: string) => ({
    version: "0", id: "17793124-05d4-b198-2fde-7ededc63b103", "detail-type": "Object Created", source: "aws.s3", account: "123456789012",
    time: "2026-12-01T00:00:00Z", region: "us-east-1", resources: [`arn:aws:s3:::${bucket}`],
    detail: { version: "0", bucket: { name: bucket }, object: { key, size: 5120, etag: "b1946ac92492d2347c6235b4d2611184", sequencer: "0062E99A88DC407460" }, "request-id": "N4N7GDK58NMKJ12R", requester: "123456789012", reason: "PutObject" },
});

describe("start conditions: a file's arrival, an event, another jobnet's end", () => {
    describe("the checks at preview", () => {
        it("names a bucket name S3 refuses, with the rule it breaks", () => {
            assert.deepStrictEqual(
                ["orders-in", "Orders", "ab", "in..bound", "192.168.5.4", "xn--bucket", "logs-s3alias", "-in", "orders.in"].map(bucketNameProblem),
                [undefined, "only lowercase letters, digits, periods and hyphens", "3 to 63 characters", "no two adjacent periods", "not formatted as an IP address",
                    "not starting with xn--, which S3 reserves", "not ending with -s3alias, which S3 reserves", "begins and ends with a letter or digit", undefined],
            );
            assert.deepStrictEqual(jobGraphProblems(jobnet("loader", [{ s3: { bucket: "Orders_In" } }]), known), [
                'jobnet loader, startOn[0]: bucket "Orders_In" is not an S3 bucket name: only lowercase letters, digits, periods and hyphens',
            ]);
        });

        it("names a jobnet the stack does not deploy, and one that starts after itself", () => {
            assert.deepStrictEqual(jobGraphProblems(jobnet("loader", [{ jobnetEnded: { jobnet: "nightly" } }, { jobnetEnded: { jobnet: "loader" } }]), known), [
                "jobnet loader, startOn[0]: starts after jobnet nightly, which the stack does not deploy (it deploys: stop, start, loader, reporter)",
                "jobnet loader, startOn[1]: starts after itself: each run's end would start the next, without end",
            ]);
        });

        it("names a cycle of jobnets started after each other, in the order they would start", () => {
            assert.deepStrictEqual(startCycle("loader", { loader: ["reporter"], reporter: ["stop"], stop: ["loader"] }), ["loader", "stop", "reporter", "loader"]);
            const all = [jobnet("loader", [{ jobnetEnded: { jobnet: "reporter" } }]), jobnet("reporter", [{ jobnetEnded: { jobnet: "loader", status: ["FAILED"] } }])];
            const chosen = chooseTeamJobnets(all, ["batch"], undefined);
            assert.deepStrictEqual(chosen.problems.map((p) => p.expected), [
                "a jobnet that can deploy: jobnet loader, startOn: the jobnets start after each other in a cycle, so the end of each starts the next without end: loader → reporter → loader",
                "a jobnet that can deploy: jobnet reporter, startOn: the jobnets start after each other in a cycle, so the end of each starts the next without end: reporter → loader → reporter",
            ]);
        });

        it("accepts a chain of jobnets started after each other, and an event with its source", () => {
            const all = [jobnet("loader", [{ jobnetEnded: { jobnet: "stop" } }, { event: { source: ["com.example.orders"], detailType: ["Order Batch Ready"] } }]), jobnet("reporter", [{ jobnetEnded: { jobnet: "loader", status: ["SUCCEEDED", "FAILED"] } }])];
            assert.deepStrictEqual(chooseTeamJobnets(all, ["batch"], undefined).problems, []);
        });

        it("leaves out, saying why, a jobnet that starts after one the stack leaves out", () => {
            const gpu = { ...jobnet("loader", []), jobs: { a: { kind: "command", on: { group: "gpu" }, command: "true" } } } as JobnetDefinition;
            const chosen = chooseTeamJobnets([gpu, jobnet("reporter", [{ jobnetEnded: { jobnet: "loader" } }])], ["batch"], undefined);
            assert.deepStrictEqual(chosen.left, [
                { name: "loader", reason: "the stack does not define its server group gpu (jobnetGroups)" },
                { name: "reporter", reason: "it starts after jobnet loader, which this stack does not deploy" },
            ]);
        });

        it("refuses an empty source list and an empty status list", () => {
            assert.deepStrictEqual(jobGraphProblems(jobnet("loader", [{ event: { source: [] } }, { jobnetEnded: { jobnet: "stop", status: [] } }]), known), [
                "jobnet loader, startOn[0]: event.source lists the sources to match, at least one, none empty",
                "jobnet loader, startOn[1]: jobnetEnded.status lists ends of SUCCEEDED, FAILED, TIMED_OUT, ABORTED, at least one",
            ]);
        });
    });

    describe("the rule of each condition", () => {
        it("matches S3's Object Created event of the bucket whose key has the prefix and suffix, and no other", () => {
            const pattern = startPattern({ s3: { bucket: "orders-in", prefix: "daily/", suffix: ".csv" } }, machineOf);
            assert.deepStrictEqual(pattern, { source: ["aws.s3"], "detail-type": ["Object Created"], detail: { bucket: { name: ["orders-in"] }, object: { key: [{ wildcard: "daily/*.csv" }] } } });
            assert.deepStrictEqual(
                [["orders-in", "daily/2026-12-01.csv"], ["orders-in", "daily/2026-12-01.tmp"], ["orders-in", "weekly/x.csv"], ["other", "daily/x.csv"]].map(([b, k]) => matchesPattern(pattern as never, objectCreated(b, k))),
                [true, false, false, false],
            );
        });

        it("escapes a star in a prefix, so that it matches only itself", () => {
            const pattern = startPattern({ s3: { bucket: "orders-in", prefix: "a*", suffix: ".csv" } }, machineOf);
            assert.deepStrictEqual(pattern.detail, { bucket: { name: ["orders-in"] }, object: { key: [{ wildcard: "a\\**.csv" }] } });
            assert.deepStrictEqual([matchesPattern(pattern as never, objectCreated("orders-in", "a*/1.csv")), matchesPattern(pattern as never, objectCreated("orders-in", "ab/1.csv"))], [true, false]);
        });

        it("matches the other jobnet's successful end only, unless the condition lists other ends", () => {
            const end = (status: string, machine: string) => ({ source: "aws.states", "detail-type": "Step Functions Execution Status Change", detail: { status, stateMachineArn: machine } });
            const succeeded = startPattern({ jobnetEnded: { jobnet: "loader" } }, machineOf);
            assert.deepStrictEqual([end("SUCCEEDED", machineOf("loader")), end("FAILED", machineOf("loader")), end("SUCCEEDED", machineOf("stop"))].map((e) => matchesPattern(succeeded as never, e)), [true, false, false]);
            const failed = startPattern({ jobnetEnded: { jobnet: "loader", status: ["FAILED", "TIMED_OUT"] } }, machineOf);
            assert.deepStrictEqual(["SUCCEEDED", "FAILED", "TIMED_OUT"].map((s) => matchesPattern(failed as never, end(s, machineOf("loader")))), [false, true, true]);
        });
    });

    it("says each condition in words, for its rule's description and npm run synth", () => {
        assert.deepStrictEqual([
            describeStartCondition({ s3: { bucket: "orders-in", prefix: "daily/", suffix: ".csv" } }),
            describeStartCondition({ s3: { bucket: "orders-in" } }),
            describeStartCondition({ event: { source: ["com.example.orders"], detailType: ["Order Batch Ready"] } }),
            describeStartCondition({ jobnetEnded: { jobnet: "loader", status: ["FAILED", "TIMED_OUT"] } }),
        ], [
            "a file arrives in s3://orders-in/daily/….csv",
            "a file arrives in s3://orders-in/",
            "an event from com.example.orders (Order Batch Ready)",
            "jobnet loader has ended FAILED or TIMED_OUT",
        ]);
    });

    describe("the run's input and name", () => {
        it("passes the object's bucket, key, size and etag as strings", () => {
            assert.deepStrictEqual(triggeredInput("s3", objectCreated("orders-in", "daily/2026-12-01.csv")), {
                trigger: "s3", eventId: "17793124-05d4-b198-2fde-7ededc63b103",
                values: { bucket: "orders-in", key: "daily/2026-12-01.csv", size: "5120", etag: "b1946ac92492d2347c6235b4d2611184" },
            });
        });

        it("passes an event's detail-type, source and id, and a jobnet's end as the jobnet, its status and its run", () => {
            assert.deepStrictEqual(triggeredInput("event", { id: "e-1", source: "com.example.orders", "detail-type": "Order Batch Ready", detail: {} }).values, { "detail-type": "Order Batch Ready", source: "com.example.orders", id: "e-1" });
            const arn = "arn:aws:states:us-east-1:123456789012:execution:webapp-jobnet-dev-loader:s3-1";
            assert.deepStrictEqual(triggeredInput("jobnet", { id: "e-2", source: "aws.states", "detail-type": "Step Functions Execution Status Change", detail: { status: "SUCCEEDED", executionArn: arn, stateMachineArn: machineOf("loader") } }, "loader"), {
                trigger: "jobnet", eventId: "e-2", values: { jobnet: "loader", status: "SUCCEEDED", executionArn: arn },
            });
        });

        it("names the run after the trigger and the event's id, within Step Functions' name rule", () => {
            assert.strictEqual(triggeredExecutionName("s3", "17793124-05d4-b198-2fde-7ededc63b103"), "s3-17793124-05d4-b198-2fde-7ededc63b103");
            assert.strictEqual(triggeredExecutionName("event", "a:b/c".repeat(30)), `event-${"a_b_c".repeat(30)}`.slice(0, 80));
        });
    });
});

describe("npm start and a jobnet's start conditions", () => {
    const arrival = { bucket: "orders-in", key: "a.csv", size: 1, atSeconds: 0 };
    it("runs nothing by hand for a file or an event, the jobnet it follows for a jobnetEnded condition, and the jobnet itself otherwise", () => {
        const both = jobnet("loader", [{ s3: { bucket: "orders-in" } }, { jobnetEnded: { jobnet: "stop" } }]);
        assert.deepStrictEqual([
            jobnetsRunByHand(both, { arrivals: [arrival], events: [] }),
            jobnetsRunByHand(both, { arrivals: [], events: [] }),
            jobnetsRunByHand(jobnet("plain", []), { arrivals: [], events: [] }),
        ], [[], ["stop"], ["plain"]]);
    });

    it("refuses a file for a jobnet no file starts, and an event for one no event starts", () => {
        assert.throws(() => jobnetsRunByHand(jobnet("plain", []), { arrivals: [arrival], events: [] }), /^Error: --arrive: jobnet plain has no start condition on a file's arrival \(startOn: \[\{ s3: \.\.\. \}\]\)$/);
        assert.throws(() => jobnetsRunByHand(jobnet("loader", [{ s3: { bucket: "orders-in" } }]), { arrivals: [], events: [{}] }), /^Error: --event: jobnet loader has no start condition on an event/);
    });

    it("reads an event file's source, detail-type, detail and minute, and names what is missing", () => {
        assert.deepStrictEqual(busEventOf("e.json", '{"source": "com.example.orders", "detail-type": "Order Batch Ready", "detail": {"batch": 7}, "atMinute": 2}'),
            { atSeconds: 120, source: "com.example.orders", detailType: "Order Batch Ready", detail: { batch: 7 } });
        assert.throws(() => busEventOf("e.json", '{"source": "x"}'), /^Error: --event e.json: expected \{"source": "...", "detail-type": "...", "detail": \{...\}, "atMinute": N\}$/);
    });
});
