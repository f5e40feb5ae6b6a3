import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { docPictures, docsPictureDir } from "../scripts/lib/docPictures";
import { projectDir } from "../scripts/lib/runProgram";

describe("the pictures in docs/", () => {
    it("are each what the code draws now, and the code draws none that docs/ lacks (npm run synth -- --docs redraws them all)", async function () {
        this.timeout(240_000);
        const outDir = path.join(projectDir, "out", ".test", `docs-${process.pid}`);
        try {
            const drawn = await docPictures(outDir);
            const committed = fs.readdirSync(path.join(projectDir, docsPictureDir)).filter((f) => f.endsWith(".svg"));
            assert.deepStrictEqual(committed.sort(), [...drawn.keys()].sort(), "docs/ holds a picture the code no longer draws, or lacks one it draws: run npm run synth -- --docs");
            // Named, rather than diffed: a diagram's diff is thousands of coordinates.
            const stale = [...drawn].filter(([file, svg]) => fs.readFileSync(path.join(projectDir, docsPictureDir, file), "utf8") !== svg).map(([file]) => file);
            assert.deepStrictEqual(stale, [], "stale pictures: run npm run synth -- --docs");
        } finally {
            fs.rmSync(outDir, { recursive: true, force: true });
        }
    });
});
