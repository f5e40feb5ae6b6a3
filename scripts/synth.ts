import * as fs from "fs";
import * as path from "path";
import { parseCommandLine, runCommand } from "./lib/commandLine";
import { projectDir } from "./lib/runProgram";
import { stackFile } from "./lib/stacks";
import { synthesize, synthSummary } from "./lib/synthesize";

const usage = `Usage: npm run synth -- [--stack NAME] [--docs]

Runs the program offline under mocks with a stack's config and writes what would be deployed to
out/NAME/ (definitions, diagrams, Lambda uploads, resources). No AWS account is used.

Options:
  --stack NAME   the stack whose config to use (default: dev)
  --docs         also refresh docs/stop.svg and docs/start.svg
  --help         show this help`;

async function main(argv: string[]): Promise<number> {
    const { values } = parseCommandLine("npm run synth", {
        args: argv,
        options: { stack: { type: "string", default: "dev" }, docs: { type: "boolean", default: false }, help: { type: "boolean", short: "h", default: false } },
    }, process.env);
    if (values.help) {
        console.log(usage);
        return 0;
    }
    stackFile(projectDir, values.stack);
    const result = await synthesize(values.stack, path.join(projectDir, "out", values.stack));
    console.log(synthSummary(result));
    if (values.docs) {
        for (const jobnet of ["stop", "start"]) fs.copyFileSync(path.join(result.outDir, `${jobnet}.svg`), path.join(projectDir, "docs", `${jobnet}.svg`));
        console.log("docs/stop.svg and docs/start.svg refreshed");
    }
    return 0;
}

runCommand(() => main(process.argv.slice(2)));
