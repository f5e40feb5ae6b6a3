import * as path from "path";
import { synthesize, synthSummary } from "./lib/synthesize";
import { projectDir } from "./lib/runProgram";

import * as fs from "fs";

const usage = "usage: npm run synth [-- --stack NAME] [--docs]   (writes out/NAME/; default stack: dev; --docs also refreshes docs/*.svg)";

async function main(argv: string[]): Promise<number> {
    let stack = "dev";
    let docs = false;
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === "--stack" && argv[i + 1]) stack = argv[++i];
        else if (argv[i] === "--docs") docs = true;
        else if (argv[i] === "--help" || argv[i] === "-h") {
            console.log(usage);
            return 0;
        } else {
            console.error(`unknown argument ${JSON.stringify(argv[i])}\n${usage}`);
            return 2;
        }
    }
    const result = await synthesize(stack, path.join(projectDir, "out", stack));
    console.log(synthSummary(result));
    if (docs) {
        for (const jobnet of ["stop", "start"]) fs.copyFileSync(path.join(result.outDir, `${jobnet}.svg`), path.join(projectDir, "docs", `${jobnet}.svg`));
        console.log("docs/stop.svg and docs/start.svg refreshed");
    }
    return 0;
}

main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
        console.error(error instanceof Error ? error.message : error);
        process.exit(1);
    },
);
