// npm test: the type-check (tsc --noEmit) and every test (mocha, as .mocharc.json says) at the same
// time, for they do not depend on each other; it fails if either fails. mocha's output comes as it
// goes, tsc's once it is done. Arguments go to mocha (npm test -- --grep TEXT).
"use strict";
const { spawn } = require("child_process");
const path = require("path");

const projectDir = path.resolve(__dirname, "..");
const bin = (file) => require.resolve(file, { paths: [projectDir] });

/** Runs a Node.js program of the project's packages; resolves to its exit code, and its output when it is kept. */
function run(args, keepOutput) {
    return new Promise((resolve) => {
        const child = spawn(process.execPath, args, { cwd: projectDir, stdio: keepOutput ? ["ignore", "pipe", "pipe"] : "inherit" });
        const output = [];
        if (keepOutput) {
            child.stdout.on("data", (chunk) => output.push(chunk));
            child.stderr.on("data", (chunk) => output.push(chunk));
        }
        child.on("error", (error) => {
            output.push(Buffer.from(`${error.message}\n`));
            resolve({ code: 1, output: Buffer.concat(output).toString() });
        });
        child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), signal, output: Buffer.concat(output).toString() }));
    });
}

async function main() {
    const typeCheck = run([bin("typescript/bin/tsc"), "--noEmit"], true);
    const tests = run([bin("mocha/bin/mocha.js"), ...process.argv.slice(2)], false);
    const [checked, tested] = await Promise.all([typeCheck, tests]);
    if (checked.output) process.stdout.write(`\n${checked.output}`);
    if (checked.code !== 0) console.error(`\ntsc --noEmit failed (exit code ${checked.code}${checked.signal ? `, ${checked.signal}` : ""})`);
    else console.log("tsc --noEmit: no type errors");
    if (tested.code !== 0) console.error(`mocha failed (exit code ${tested.code}${tested.signal ? `, ${tested.signal}` : ""})`);
    process.exitCode = checked.code !== 0 ? checked.code : tested.code;
}

main();
