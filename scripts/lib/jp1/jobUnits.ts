import type { CommandJob, EndJudgment, RetryOnExit } from "../../../statemachines/jobs";
import { jobDefaults } from "../../../statemachines/jobs";
import { HostMapping, serversOfHost } from "./hosts";
import { NotConverted, parameterNotConverted } from "./notConverted";
import { Unit, UnitParameter, parameter, unquoted } from "./unitDefinitions";

/**
 * A UNIX job (`ty=j`, `rj`) or PC job (`ty=pj`, `rp`) as a command job, parameter by parameter as
 * the JP1/AJS3 Command Reference ("UNIX/PC job definition") defines them. Every parameter is either
 * carried over or reported; none is dropped without a word.
 */

/** How long JP1/AJS3 holds a job (`ha=y`): it has no bound, a hold here has one. */
export const importedHoldMinutes = 1440;

/** The highest return code JP1/AJS3 takes in a threshold or retry range (an unsigned 32-bit value). */
export const highestReturnCode = 4294967295;

/** What the conversion of one job gives: the job, the host it named, and what it could not carry over. */
export interface ConvertedCommandJob {
    job: CommandJob<string>;
    /** The `ex=` host as written; undefined: none (the manager host). */
    host?: string;
    notConverted: NotConverted[];
    /** Facts a reviewer should see beside the job (defaults JP1/AJS3 and this project do not share). */
    notes: string[];
}

/** Parameters with no counterpart here, and why: a user reads these in the report. */
const withoutCounterpart: Record<string, string> = {
    ev: "an environment variable file read by the agent: no counterpart; put its variables in environment",
    pr: "the job's execution priority (nice value): no counterpart in Run Command",
    jdf: "an end-judgment file: no counterpart; the exit code is judged",
    jty: "queueing attribute: jobs here are not queued",
    mm: "wait conditions (waiting for another unit's end): no counterpart; use after",
    nmg: "wait conditions: no counterpart; use after",
    eun: "waiting for another unit's end: no counterpart; use after within the jobnet",
    ega: "wait conditions: no counterpart",
    uem: "wait conditions: no counterpart",
    si: "a standard input file: no counterpart for a PC job",
    so: "a standard output file: no counterpart for a PC job (the output is in CloudWatch Logs)",
    se: "a standard error file: no counterpart for a PC job (the output is in CloudWatch Logs)",
};

/** Parameters that only describe a unit's place or look, or are read with another one. */
const consumedElsewhere = new Set(["ty", "cm", "sz", "ncl", "ncn", "ncs", "ncex", "nchn", "ncsv", "ncc", "ncsn", "ncrn", "ncwn", "ncws", "ncsp"]);

/** `jobnetHost`: the `ex=` of the jobnet (or one above it), where a job without its own runs. */
export function convertCommandUnit(unit: Unit, platform: "unix" | "pc", hosts: HostMapping, jobnetHost?: string): ConvertedCommandJob {
    const notConverted: NotConverted[] = [];
    const notes: string[] = [];
    const report = (p: UnitParameter, reason: string) => notConverted.push(parameterNotConverted(unit, p, reason));
    const text = (name: string) => {
        const v = parameter(unit, name);
        return v === undefined ? undefined : unquoted(v);
    };
    const integer = (name: string, min: number, max: number): number | undefined => {
        const p = unit.parameters.find((x) => x.name === name);
        if (p === undefined) return undefined;
        const n = /^\d+$/.test(p.value) ? Number(p.value) : NaN;
        if (!(n >= min && n <= max)) {
            report(p, `expected a whole number from ${min} to ${max}`);
            return undefined;
        }
        return n;
    };

    const handled = new Set<string>(["te", "sc", "prm", "wkp", "env", "etm", "fd", "ex", "un", "eu", "jd", "wth", "tho", "abr", "rjs", "rje", "rec", "rei", "ha", ...(platform === "unix" ? ["si", "so", "se", "soa", "sea"] : [])]);
    for (const p of unit.parameters) {
        if (handled.has(p.name) || consumedElsewhere.has(p.name)) continue;
        if (/^(ts|td|top)[1-4]$/.test(p.name)) report(p, "a file sent from the manager to the agent before the job: no counterpart; put the file on the servers (or in S3) another way");
        else if (p.name === "soa" || p.name === "sea") report(p, "read with so/se, which a PC job here has not");
        else report(p, withoutCounterpart[p.name] ?? `no counterpart for a ${platform === "unix" ? "UNIX" : "PC"} job's ${p.name}`);
    }

    const command = commandOf(unit, platform, text, report);
    const job: CommandJob<string> = { kind: "command", on: { group: "unmapped" }, command };
    if (platform === "pc") job.shell = "powershell";
    const description = text("cm");
    if (description) job.description = description;

    const host = text("ex") ?? jobnetHost;
    const servers = serversOfHost(hosts, host);
    if (servers) job.on = servers.servers === "every" ? { group: servers.group } : { group: servers.group, servers: "one" };
    else {
        const at = unit.parameters.find((p) => p.name === "ex");
        const reason = host === undefined
            ? "no execution host (JP1/AJS3 runs it on the manager host) and the host mapping has no \"*\": give it a group with --hosts"
            : `the host mapping names no group for host ${host}: add "${host}": "GROUP" to the --hosts file`;
        notConverted.push(at ? parameterNotConverted(unit, at, reason) : { file: unit.file, line: unit.line, path: unit.path, what: "ex (none)", reason });
        job.on = { group: projectGroupOf(host), servers: "one" };
    }

    const wkp = text("wkp");
    if (wkp !== undefined) job.workingDirectory = wkp;
    const environment = environmentOf(unit, report);
    if (environment) job.environment = environment;

    const user = text("un");
    if (user !== undefined) {
        if (platform === "pc") report(unit.parameters.find((p) => p.name === "un")!, "a PC job's user: Run Command runs PowerShell as the agent's account (SYSTEM); run it as a scheduled task of that user if it must be");
        else job.user = user;
    } else if (platform === "unix") {
        // Running as root where JP1/AJS3 ran as a mapped user is no small change: reported, not noted.
        const mapped = parameter(unit, "eu") === "def" ? `the unit's owner${unit.owner ? ` (${unit.owner})` : ""}` : "the JP1 user who registered the jobnet";
        notConverted.push({ file: unit.file, line: unit.line, path: unit.path, what: "un (none)", reason: `JP1/AJS3 ran it as the OS user its user mapping gives ${mapped}; here it would run as root: set user` });
    }
    // A macro variable (?AJS2NAME?) is filled from an earlier job's passing information.
    for (const p of unit.parameters.filter((x) => ["te", "sc", "prm", "wkp", "env"].includes(x.name) && /\?AJS2[A-Z0-9.]*\?/.test(x.value))) {
        report(p, "a macro variable, filled from an earlier job's passing information: the job that sets it emits a value here (emits: [NAME]) and this one reads {{JOB.NAME}}");
    }

    const timeout = integer("etm", 1, 1440);
    if (timeout !== undefined) job.timeoutMinutes = timeout;
    else {
        // JP1/AJS3 lets a job without etm run as long as it takes; Run Command's longest keeps that nearest.
        job.timeoutMinutes = jobDefaults.maxTimeoutMinutes;
        notes.push(`no time-out (etm) in JP1/AJS3: the longest Run Command allows, ${jobDefaults.maxTimeoutMinutes} minutes`);
    }
    const expected = integer("fd", 1, 2880);
    if (expected !== undefined) {
        if (expected > job.timeoutMinutes) report(unit.parameters.find((p) => p.name === "fd")!, `the time required (${expected} min) is past the time-out (${job.timeoutMinutes} min): the job is ended first`);
        else job.expectedMinutes = expected;
    }

    const end = endJudgmentOf(unit, integer, report);
    if (end) job.end = end;
    const retry = retryOf(unit, integer, report);
    if (retry) job.retry = retry;
    const ha = unit.parameters.find((p) => p.name === "ha");
    if (ha && ha.value !== "y" && ha.value !== "n") report(ha, "expected y or n");
    if (ha?.value === "y") {
        job.hold = { maxMinutes: importedHoldMinutes };
        notes.push(`held (ha=y): released with npm run ops -- release, within ${importedHoldMinutes / 60} hours or it ends abnormally (JP1/AJS3 holds without a bound)`);
    }
    return { job, ...(host !== undefined ? { host } : {}), notConverted, notes };
}

/** A group name for a host the mapping does not name: the jobnet compiles, and preview names the missing group. */
export function projectGroupOf(host: string | undefined): string {
    const name = (host ?? "manager").toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 48);
    return /^[a-z0-9]/.test(name) ? name : `host-${name}`.slice(0, 48);
}

/**
 * The command as JP1/AJS3 runs it. UNIX: the command text (`te`), or the script file (`sc`) with its
 * parameters (`prm`) as the shell reads them, then the standard files (`si`, `so`, `se`; `soa`/`sea`
 * `add` appends). PC: the executable or script (`sc`) given its parameters as written, past
 * PowerShell's parsing (`--%`), its exit code the job's.
 */
function commandOf(unit: Unit, platform: "unix" | "pc", text: (name: string) => string | undefined, report: (p: UnitParameter, reason: string) => void): string {
    const te = text("te");
    const sc = text("sc");
    const prm = text("prm");
    const at = (name: string) => unit.parameters.find((p) => p.name === name)!;
    if (te !== undefined && sc !== undefined) report(at("sc"), "both a command text (te) and a script file: the command text is converted, the script file is not");
    if (te !== undefined && prm !== undefined) report(at("prm"), "parameters with a command text (te): put them in the text");
    if (platform === "pc") {
        if (te !== undefined) {
            // PowerShell reads a line as its own language: a quoted program path alone is a string it prints, not a call.
            report(at("te"), "a command text on a PC job: it runs here as PowerShell reads it, which may not be as JP1/AJS3 ran it; check it, or give the program as sc= and its parameters as prm=");
            return te;
        }
        if (sc === undefined) return missingCommand();
        const call = `& ${powerShellLiteral(sc)}${prm !== undefined && prm !== "" ? ` --% ${prm}` : ""}`;
        // A native program's exit code is $LASTEXITCODE; PowerShell's own would be 0 or 1.
        return `${call}\nexit $LASTEXITCODE`;
    }
    let command = te ?? (sc !== undefined ? `${shellWordOf(sc)}${prm !== undefined && prm !== "" ? ` ${prm}` : ""}` : undefined);
    if (command === undefined) return missingCommand();
    const redirects = [
        ["si", "<"],
        ["so", parameter(unit, "soa") === "add" ? ">>" : ">"],
        ["se", parameter(unit, "sea") === "add" ? "2>>" : "2>"],
    ].flatMap(([name, op]) => {
        const file = text(name);
        return file === undefined ? [] : [`${op} ${shellWordOf(file)}`];
    });
    if (redirects.length > 0) command = `{\n${command}\n} ${redirects.join(" ")}`;
    return command;

    function missingCommand(): string {
        const what = platform === "pc" ? "a script file (sc)" : "a command text (te) or a script file (sc)";
        report({ name: "ty", value: unit.parameters.find((p) => p.name === "ty")?.value ?? "", line: unit.line }, `the job has no ${what}: it fails when run`);
        return platform === "pc" ? `Write-Error 'JP1/AJS3 job ${unit.path} had nothing to run'\nexit 1` : `echo 'JP1/AJS3 job ${unit.path} had nothing to run' >&2\nexit 1`;
    }
}

/** A path as one shell word: as written when it has nothing the shell would read, else quoted. */
function shellWordOf(path: string): string {
    return /^[A-Za-z0-9_./:@%+=,-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}

function powerShellLiteral(text: string): string {
    return `'${text.replace(/['\u2018\u2019\u201a\u201b]/g, (q) => q + q)}'`;
}

/** `env="NAME=value"`, one per variable, in order; a later one of the same name wins, as in a shell. */
function environmentOf(unit: Unit, report: (p: UnitParameter, reason: string) => void): Record<string, string> | undefined {
    const env: Record<string, string> = {};
    for (const p of unit.parameters.filter((x) => x.name === "env")) {
        const text = unquoted(p.value);
        const eq = text.indexOf("=");
        const name = eq > 0 ? text.slice(0, eq) : "";
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) report(p, "expected NAME=value with a variable name of letters, digits and _");
        else env[name] = text.slice(eq + 1);
    }
    return Object.keys(env).length > 0 ? env : undefined;
}

/**
 * `jd`: `cod` (the default) judges the return code by `wth` (warning above it) and `tho` (abnormal
 * above it; 0 unless given); `nm` ends normally whatever the code. `ab`, `mdf` and `exf` have no counterpart.
 */
function endJudgmentOf(unit: Unit, integer: (name: string, min: number, max: number) => number | undefined, report: (p: UnitParameter, reason: string) => void): EndJudgment | undefined {
    const jd = unit.parameters.find((p) => p.name === "jd");
    const how = jd?.value ?? "cod";
    const wth = integer("wth", 0, highestReturnCode);
    const tho = integer("tho", 0, highestReturnCode);
    if (how === "nm") return { warningAbove: highestReturnCode, abnormalAbove: highestReturnCode };
    if (how !== "cod") {
        report(jd!, {
            ab: "always ends abnormally: no counterpart",
            mdf: "judged by a file being updated: no counterpart; judge the exit code",
            exf: "judged by a file being created: no counterpart; judge the exit code",
        }[how] ?? "expected nm, ab, cod, mdf or exf");
        return undefined;
    }
    const abnormalAbove = tho ?? 0;
    const warningAbove = wth ?? abnormalAbove;
    if (warningAbove > abnormalAbove) {
        report(unit.parameters.find((p) => p.name === "wth")!, `the warning threshold is above the abnormal threshold (${abnormalAbove}): it never applies`);
        return abnormalAbove === 0 ? undefined : { warningAbove: abnormalAbove, abnormalAbove };
    }
    return warningAbove === 0 && abnormalAbove === 0 ? undefined : { warningAbove, abnormalAbove };
}

/** `abr=y`: return codes `rjs` to `rje` (1 to the highest unless given) are run again `rec` times (1 unless given), `rei` minutes apart (1 unless given). */
function retryOf(unit: Unit, integer: (name: string, min: number, max: number) => number | undefined, report: (p: UnitParameter, reason: string) => void): RetryOnExit | undefined {
    const names = ["rjs", "rje", "rec", "rei"];
    if (parameter(unit, "abr") !== "y") {
        for (const p of unit.parameters.filter((x) => names.includes(x.name))) report(p, "automatic retry is off (no abr=y): not used");
        return undefined;
    }
    const from = integer("rjs", 1, highestReturnCode) ?? 1;
    const to = integer("rje", 1, highestReturnCode) ?? highestReturnCode;
    const times = integer("rec", 1, 12) ?? 1;
    const intervalMinutes = integer("rei", 1, 10) ?? 1;
    if (from > to) {
        report(unit.parameters.find((p) => p.name === "rje")!, `the retried range ends (${to}) below where it begins (${from})`);
        return undefined;
    }
    return { exitCodes: { from, to }, times, intervalMinutes };
}
