import * as assert from "assert";
import { SynthResult } from "../scripts/lib/synthesize";
import { simulate } from "../simulator/simulate";
import { sharedSynthesis } from "./support/sharedRuns";

let synth: SynthResult;

describe("a team's jobnet run in the simulated account", () => {
    before(async function () {
        this.timeout(120_000);
        synth = await sharedSynthesis("dev");
    });

    it("runs the nightly batch", async function () {
        this.timeout(120_000);
        const sim = await simulate(synth, { initial: "running", jobnets: ["nightly-batch"] });
        const [{ report }] = sim.reports;
        console.log(report.status, report.error, report.cause, report.durationSeconds, JSON.stringify(report.output));
    });
});
