import * as fs from "fs";
import * as path from "path";
import { parseCommandLine, runCommand } from "./lib/commandLine";
import { configReferenceFile, configReferenceWithTable, projectFileWithConfig } from "./lib/configDocs";
import { projectDir } from "./lib/runProgram";

const usage = `Usage: npm run config-docs [-- --help]

Renders docs/configuration.md's table of config keys and Pulumi.yaml's config block from the
declarations in infra/config.ts, rewriting each file that is stale.

Options:
  --help         show this help (and write nothing)`;

/** npm run config-docs: renders docs/configuration.md's table of config keys and Pulumi.yaml's config block from infra/config.ts. */
const documents: [string, (text: string) => string][] = [
    [configReferenceFile, configReferenceWithTable],
    ["Pulumi.yaml", projectFileWithConfig],
];

async function main(argv: string[]): Promise<number> {
    const { values } = parseCommandLine("npm run config-docs", { args: argv, options: { help: { type: "boolean", short: "h", default: false } } }, process.env);
    if (values.help) {
        console.log(usage);
        return 0;
    }
    for (const [name, render] of documents) {
        const file = path.join(projectDir, name);
        const text = fs.readFileSync(file, "utf8");
        const fresh = render(text);
        if (fresh !== text) fs.writeFileSync(file, fresh);
        console.log(`${name}: ${fresh === text ? "up to date" : "rewritten"}`);
    }
    return 0;
}

runCommand(() => main(process.argv.slice(2)));
