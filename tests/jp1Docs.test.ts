import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { importJp1, importUsage } from "../scripts/lib/jp1/importCommand";
import { highestReturnCode, importedHoldMinutes } from "../scripts/lib/jp1/jobUnits";
import { projectDir } from "../scripts/lib/runProgram";
import { jobDefaults } from "../statemachines/jobs";

// docs/moving-from-jp1.md quotes the importer: each quote is held to the code here.
const doc = fs.readFileSync(path.join(projectDir, "docs", "moving-from-jp1.md"), "utf8");
const codeBlocks = [...doc.matchAll(/```\w*\n([\s\S]*?)```/g)].map((m) => m[1]);

describe("docs/moving-from-jp1.md", () => {
    it("gives npm run import-jp1's usage as --help prints it", () => {
        assert.ok(codeBlocks.includes(`${importUsage}\n`), "the usage block differs from npm run import-jp1 -- --help");
    });

    it("quotes the bounds the import chooses: the hold, the longest time-out, the highest return code", () => {
        assert.ok(doc.includes(`\`hold: { maxMinutes: ${importedHoldMinutes} }\``));
        assert.ok(doc.includes(`held for ${importedHoldMinutes} minutes (${importedHoldMinutes / 60} hours)`));
        assert.ok(doc.includes(`the longest Run Command allows, ${jobDefaults.maxTimeoutMinutes} minutes`));
        assert.ok(doc.includes(`the highest return code (${highestReturnCode})`));
    });

    it("gives a host mapping the importer reads, and an example that imports with everything converted", () => {
        const mapping = codeBlocks.find((b) => b.includes('"DBCL01"'))!;
        const dir = path.join(projectDir, "out", ".test", `jp1-docs-${process.pid}`);
        fs.mkdirSync(dir, { recursive: true });
        try {
            fs.writeFileSync(path.join(dir, "hosts.json"), mapping);
            const example = codeBlocks.find((b) => b.startsWith("npm run import-jp1 -- tests/"))!.trim().split(/\s+/).slice(4);
            const args = example.map((a) => (a === "tests/fixtures/jp1/hosts.json" ? path.join(dir, "hosts.json") : a === "out/jp1" ? path.join(dir, "out") : a));
            const run = importJp1(args, {}, projectDir);
            assert.strictEqual(run.code, 0, run.out);
            assert.ok(run.out.includes("Everything converted."));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
