import * as fs from "fs";
import * as path from "path";
import { ProgramRun, projectDir, runProgram } from "../../scripts/lib/runProgram";
import { SynthResult, synthesize } from "../../scripts/lib/synthesize";

// A stack's program run under mocks, or synthesised, with its stack file's config alone: tests in
// many files read the same run, so each test process (mocha runs the files in two) makes it once,
// for speed (issue 13). What they read is frozen (but a synthesis's definitions, see below): a test
// that changed it would fail, instead of changing what the next one reads. A test that needs what a run leaves behind (Pulumi's config, the
// program's modules), or a run of its own, calls runProgram or synthesize.

const runs = new Map<string, Promise<ProgramRun>>();
const syntheses = new Map<string, Promise<SynthResult>>();

/** runProgram(stack), made once in this process. */
export function sharedRun(stack: string): Promise<ProgramRun> {
    let run = runs.get(stack);
    if (!run) {
        run = runProgram(stack).then((r) => {
            for (const data of [r.account.resources, r.account.invocations, r.account.reads, r.account.componentChildren, r.outputs, r.warnings, r.infos]) deepFreeze(data);
            return r;
        });
        runs.set(stack, run);
    }
    return run;
}

/** synthesize(stack) into a folder of this process's own (out/.test/shared-STACK-PID, removed when it ends), made once in this process. */
export function sharedSynthesis(stack: string): Promise<SynthResult> {
    let synthesis = syntheses.get(stack);
    if (!synthesis) {
        const outDir = path.join(projectDir, "out", ".test", `shared-${stack}-${process.pid}`);
        process.once("exit", () => fs.rmSync(outDir, { recursive: true, force: true }));
        synthesis = synthesize(stack, outDir).then((s) => {
            // Not the definitions: aws-local-stepfunctions' asl-validator writes each state's default
            // QueryLanguage into the definition it is given, as it did when one file shared a synthesis.
            for (const [key, data] of Object.entries(s)) if (key !== "definitions" && key !== "team") deepFreeze(data);
            deepFreeze(s.team.stateMachineArns);
            return s;
        });
        syntheses.set(stack, synthesis);
    }
    return synthesis;
}

function deepFreeze<T>(value: T): T {
    if (value && typeof value === "object" && !Object.isFrozen(value)) {
        Object.freeze(value);
        for (const v of Object.values(value)) deepFreeze(v);
    }
    return value;
}
