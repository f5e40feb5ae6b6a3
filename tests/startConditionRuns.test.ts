import * as assert from "assert";
import { SynthResult } from "../scripts/lib/synthesize";
import { Simulation, simulate } from "../simulator/simulate";
import { parseArrival } from "../simulator/s3";
import { parseFaults } from "../simulator/faults";
import { sharedSynthesis } from "./support/sharedRuns";

let synth: SynthResult;

const bucket = "webapp-jobnet-orders-inbound";
const machine = (j: string) => `arn:aws:states:ap-northeast-1:123456789012:stateMachine:webapp-jobnet-dev-${j}`;

/** Each run a start condition started: its jobnet, its name, its status and its trigger's values. */
function triggeredRuns(sim: Simulation): string[] {
    return sim.reports.filter((r) => r.triggered).map((r) => `${r.jobnet} ${r.report.executionName} ${r.report.status} ${JSON.stringify(r.triggered!.values)}`);
}

/** What StartOnEvent answered to each delivery, in order. */
async function starterAnswers(sim: Simulation): Promise<string[]> {
    const starter = synth.functions.find((f) => f.task === "startOnEvent")!.functionArn;
    return sim.deliveries.filter((d) => d.target === starter).map((d) => `${d.rule}${d.repeated ? " (again)" : ""}: ${d.attempts?.map((a) => a.outcome).join(", ")}`);
}

describe("start conditions in the simulated account", () => {
    before(async function () {
        this.timeout(120_000);
        synth = await sharedSynthesis("dev");
    });

    it("starts orders-arrival from the file's Object Created event, passing its key, then orders-report from its end", async () => {
        const sim = await simulate(synth, { initial: "running", jobnets: [], arrivals: [parseArrival(`s3://${bucket}/orders/2026-12-01.csv@5`, 5120), parseArrival(`s3://${bucket}/orders/2026-12-01.csv.done@6`, 0)] });
        const created = sim.account.events.find((e) => e.source === "aws.s3")!;
        assert.deepStrictEqual([created["detail-type"], created.time, created.resources], ["Object Created", "2026-11-30T13:05:00Z", [`arn:aws:s3:::${bucket}`]]);
        const arrival = sim.reports.find((r) => r.jobnet === "orders-arrival")!;
        assert.strictEqual(arrival.report.executionName, `s3-${created.id}`);
        const etag = sim.account.s3.head(bucket, "orders/2026-12-01.csv")!.etag;
        assert.deepStrictEqual(arrival.triggered, { trigger: "s3", eventId: created.id, values: { bucket, key: "orders/2026-12-01.csv", size: "5120", etag } });
        // Its first job is told the file, each value one quoted word.
        const check = sim.account.commands.find((c) => c.comment.startsWith("orders-arrival/check-file "))!;
        assert.strictEqual(check.parameters.commands[1], `exec sudo -n -u batch -H -- /bin/bash -c '/opt/batch/bin/check-orders-file.sh '\\''${bucket}'\\'' '\\''orders/2026-12-01.csv'\\'''`);
        const arrivalEnd = sim.account.events.find((e) => e.source === "aws.states" && (e.detail as { status: string; stateMachineArn: string }).status === "SUCCEEDED" && (e.detail as { stateMachineArn: string }).stateMachineArn === machine("orders-arrival"))!;
        const arrivalArn = `${machine("orders-arrival").replace(":stateMachine:", ":execution:")}:s3-${created.id}`;
        assert.deepStrictEqual(triggeredRuns(sim), [
            `orders-arrival s3-${created.id} SUCCEEDED ${JSON.stringify({ bucket, key: "orders/2026-12-01.csv", size: "5120", etag })}`,
            `orders-report jobnet-${arrivalEnd.id} SUCCEEDED ${JSON.stringify({ jobnet: "orders-arrival", status: "SUCCEEDED", executionArn: arrivalArn })}`,
        ]);
        // An event-started run is not a scheduled one: the calendar is not asked, whatever the day.
        assert.ok(!arrival.report.events.some((e) => "state" in e && (e as { state: { name: string } }).state.name === "CheckCalendar"));
    });

    it("starts no run for a file outside the prefix, nor for one with another suffix", async () => {
        const sim = await simulate(synth, { initial: "running", jobnets: [], arrivals: [parseArrival(`s3://${bucket}/archive/2026-12-01.csv`), parseArrival(`s3://${bucket}/orders/2026-12-01.tmp`)] });
        assert.deepStrictEqual([sim.account.events.filter((e) => e.source === "aws.s3").length, triggeredRuns(sim)], [2, []]);
    });

    it("starts no run when the bucket does not send its events to EventBridge, though the file is there", async () => {
        const faults = parseFaults([`bucket-silent:${bucket}`], { tasks: [] });
        const sim = await simulate(synth, { initial: "running", jobnets: [], faults, arrivals: [parseArrival(`s3://${bucket}/orders/2026-12-01.csv`)] });
        assert.deepStrictEqual([sim.account.s3.list(bucket).map((o) => o.key), sim.account.events.filter((e) => e.source === "aws.s3").length, triggeredRuns(sim)], [["orders/2026-12-01.csv"], 0, []]);
    });

    for (const [gap, when] of [[30, "while the run of the first still runs (StartExecution answers with that run)"], [600, "after it has ended (ExecutionAlreadyExists, which StartOnEvent takes for the run of that event)"]] as const) {
        it(`starts one run for an event EventBridge delivers twice, the second delivery ${gap} s later, ${when}`, async () => {
            const faults = parseFaults([`event-duplicate:${gap}`], { tasks: [] });
            const sim = await simulate(synth, { initial: "running", jobnets: [], faults, arrivals: [parseArrival(`s3://${bucket}/orders/2026-12-01.csv`), parseArrival(`s3://${bucket}/orders/2026-12-01.csv.done`, 0)] });
            const created = sim.account.events.find((e) => e.source === "aws.s3")!;
            const runsOf = (j: string) => sim.account.executions.filter((e) => e.stateMachineArn === machine(j)).map((e) => `${e.arn.split(":").pop()} ${e.status}`);
            const arrivalEnd = sim.account.events.find((e) => e.source === "aws.states" && (e.detail as { status: string }).status === "SUCCEEDED" && (e.detail as { stateMachineArn: string }).stateMachineArn === machine("orders-arrival"))!;
            assert.deepStrictEqual([runsOf("orders-arrival"), runsOf("orders-report")], [[`s3-${created.id} SUCCEEDED`], [`jobnet-${arrivalEnd.id} SUCCEEDED`]]);
            // Each delivery asked for the run, and none failed: the function was not tried again.
            assert.deepStrictEqual(await starterAnswers(sim), [
                "webapp-jobnet-dev-orders-arrival-on-1: returned",
                "webapp-jobnet-dev-orders-arrival-on-1 (again): returned",
                "webapp-jobnet-dev-orders-report-on-1: returned",
                "webapp-jobnet-dev-orders-report-on-1 (again): returned",
            ]);
            assert.strictEqual(sim.account.calls.filter((c) => c.caller === "startOnEvent" && c.action === "states:StartExecution").length, 4);
        });
    }
});
