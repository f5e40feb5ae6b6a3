import * as fs from "fs";
import * as path from "path";
import { configReferenceFile, configReferenceWithTable, projectFileWithConfig } from "./lib/configDocs";
import { projectDir } from "./lib/runProgram";

/** npm run config-docs: renders docs/configuration.md's table of config keys and Pulumi.yaml's config block from infra/config.ts. */
const documents: [string, (text: string) => string][] = [
    [configReferenceFile, configReferenceWithTable],
    ["Pulumi.yaml", projectFileWithConfig],
];
for (const [name, render] of documents) {
    const file = path.join(projectDir, name);
    const text = fs.readFileSync(file, "utf8");
    const fresh = render(text);
    if (fresh !== text) fs.writeFileSync(file, fresh);
    console.log(`${name}: ${fresh === text ? "up to date" : "rewritten"}`);
}
