import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { holdOutDir, releaseOutDir } from "../scripts/lib/outDirLock";
import { projectDir } from "../scripts/lib/runProgram";

describe("two npm starts of one stack at once (out/<stack> held by one process at a time)", () => {
    const dir = path.join(projectDir, "out", ".test", `lock-${process.pid}`);
    const outDir = path.join(dir, "dev");
    beforeEach(() => fs.mkdirSync(dir, { recursive: true }));
    afterEach(() => {
        releaseOutDir(outDir);
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("waits for the process that writes the folder, saying which, and takes it once that one has ended", async function () {
        this.timeout(20_000);
        // Another process holds the folder for a second, as another npm start would.
        const other = spawn(process.execPath, ["-e", `require("fs").writeFileSync(${JSON.stringify(`${outDir}.lock`)}, String(process.pid), { flag: "wx" }); setTimeout(() => { require("fs").rmSync(${JSON.stringify(`${outDir}.lock`)}); }, 1000);`]);
        const otherEnded = new Promise((resolve) => other.on("exit", resolve));
        while (!fs.existsSync(`${outDir}.lock`) || fs.readFileSync(`${outDir}.lock`, "utf8") === "") await new Promise((r) => setTimeout(r, 20));
        const said: string[] = [];
        const started = Date.now();
        await holdOutDir(outDir, (line) => said.push(line), 50);
        assert.ok(Date.now() - started >= 500, "it waited");
        assert.deepStrictEqual(said, [`Waiting for process ${other.pid}, which is writing ${path.relative(process.cwd(), outDir)} (another npm start or npm run synth of this stack)…`]);
        assert.strictEqual(fs.readFileSync(`${outDir}.lock`, "utf8"), String(process.pid));
        await otherEnded;
    });

    it("takes over a folder whose process has died without letting it go, saying nothing", async () => {
        // A process id that no process has: the one of a child that has exited.
        const child = spawn(process.execPath, ["-e", ""]);
        await new Promise((resolve) => child.on("exit", resolve));
        fs.writeFileSync(`${outDir}.lock`, String(child.pid));
        const said: string[] = [];
        await holdOutDir(outDir, (line) => said.push(line), 50);
        assert.deepStrictEqual([said, fs.readFileSync(`${outDir}.lock`, "utf8")], [[], String(process.pid)]);
    });

    it("lets the folder go when the process ends, and never removes another's hold", async () => {
        await holdOutDir(outDir, () => assert.fail("nothing to wait for"), 50);
        releaseOutDir(outDir);
        assert.strictEqual(fs.existsSync(`${outDir}.lock`), false);
        fs.writeFileSync(`${outDir}.lock`, "1");
        releaseOutDir(outDir);
        assert.strictEqual(fs.readFileSync(`${outDir}.lock`, "utf8"), "1");
    });
});
