/**
 * npm run import-jp1 -- FILE... [--out DIR] [--hosts MAPPING] [--json REPORT]: JP1/AJS3 unit
 * definition files into the team's jobnets as code (scripts/lib/jp1/).
 */
import { runCommand } from "./lib/commandLine";
import { importJp1 } from "./lib/jp1/importCommand";
import { projectDir } from "./lib/runProgram";

runCommand(async () => {
    const { code, out } = importJp1(process.argv.slice(2), process.env, projectDir);
    process.stdout.write(out);
    return code;
});
