import * as fs from "fs";
import * as path from "path";
import { parseCommandLine, runCommand } from "./lib/commandLine";
import { docPictures, docsPictureDir } from "./lib/docPictures";
import { projectDir } from "./lib/runProgram";
import { stackFile } from "./lib/stacks";
import { holdOutDir } from "./lib/outDirLock";
import { synthesize, synthSummary } from "./lib/synthesize";

const usage = `Usage: npm run synth -- [--stack NAME] [--docs]

Runs the program offline under mocks with a stack's config and writes what would be deployed to
out/NAME/ (definitions, diagrams, Lambda uploads, resources). No AWS account is used.

Options:
  --stack NAME   the stack whose config to use (default: dev)
  --docs         also redraw every picture in docs/: the dev stack's jobnets, their overviews and runs
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
    const outDir = path.join(projectDir, "out", values.stack);
    await holdOutDir(outDir, (line) => console.log(line));
    const result = await synthesize(values.stack, outDir);
    console.log(synthSummary(result));
    if (values.docs) {
        const pictures = await docPictures(path.join(projectDir, "out", ".docs"));
        for (const [file, svg] of pictures) fs.writeFileSync(path.join(projectDir, docsPictureDir, file), svg);
        console.log(`Redrawn in ${docsPictureDir}/: ${[...pictures.keys()].join(", ")}`);
    }
    return 0;
}

runCommand(() => main(process.argv.slice(2)));
