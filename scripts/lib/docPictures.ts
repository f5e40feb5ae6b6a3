import * as fs from "fs";
import * as path from "path";
import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { executionArnOf } from "../../simulator/account";
import { parseFaults } from "../../simulator/faults";
import { simulate } from "../../simulator/simulate";
import { taskFunctionNames } from "../../statemachines/plan";
import { ganttModel, ganttSvg } from "./gantt";
import { SynthResult, synthesize } from "./synthesize";

/** The folder of the pictures the README and docs/*.md show. */
export const docsPictureDir = "docs";

/** The fleet of the run reports: large enough that a server-by-server chart would not fit, as the README's runs. */
const reportServers = 20;

/**
 * Every picture docs/ holds, by file name, as the code draws it now: the dev stack's jobnets
 * (synthesised into `outDir`), and a simulated run of each drawn as its report. The runs are
 * simulated on the virtual clock from its fixed start, so the same code draws the same bytes: a
 * test compares them with the committed files, `npm run synth -- --docs` writes them.
 */
export async function docPictures(outDir: string): Promise<Map<string, string>> {
    const pictures = new Map<string, string>();
    const dev = await synthesize("dev", path.join(outDir, "dev"));
    for (const file of ["stop.svg", "start.svg", "stop.overview.svg", "start.overview.svg", "nightly-batch.jobs.svg"]) {
        pictures.set(file, fs.readFileSync(path.join(dev.outDir, file), "utf8"));
    }
    const fleet = await synthesize("dev", path.join(outDir, `dev-${reportServers}`), { "webapp-jobnet:webServerCount": String(reportServers) });
    // npm start -- --servers 20 --report out/run.html: its stop.
    pictures.set("run-report-stop.svg", await reportOf(fleet, "stop", { initial: "running", faults: [] }));
    // npm start -- --servers 20 --jobnet start --fail httpd-start:web-2 --report out/failed.html:
    // a failed run, whose header says where and why.
    pictures.set("run-report-start.svg", await reportOf(fleet, "start", { initial: "stopped", faults: ["httpd-start:web-2"] }));
    return pictures;
}

/** One simulated run of a jobnet drawn as npm start's --report draws it. */
async function reportOf(synth: SynthResult, jobnet: "stop" | "start", run: { initial: "running" | "stopped"; faults: string[] }): Promise<string> {
    const { account, reports } = await simulate(synth, { initial: run.initial, jobnets: [jobnet], faults: parseFaults(run.faults, { tasks: taskFunctionNames }) });
    const executionName = reports[0].report.executionName;
    const history = account.execution(executionArnOf(synth.stateMachineArns[jobnet], executionName)).history as HistoryEvent[];
    return ganttSvg(ganttModel(history, `${jobnet} jobnet, ${executionName} (stack dev, simulated)`)) + "\n";
}
