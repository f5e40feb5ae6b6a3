import * as path from "path";
import { synthesize, synthSummary } from "./lib/synthesize";
import { projectDir } from "./lib/runProgram";

const usage = "usage: npm run synth [-- --stack NAME]   (writes out/NAME/; default stack: dev)";

async function main(argv: string[]): Promise<number> {
    let stack = "dev";
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === "--stack" && argv[i + 1]) stack = argv[++i];
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
    return 0;
}

main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
        console.error(error instanceof Error ? error.message : error);
        process.exit(1);
    },
);
