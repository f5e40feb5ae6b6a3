import * as fs from "fs";
import * as path from "path";
import { UsageError, parseCommandLine, requireWritableFile } from "../commandLine";
import { isTimeZone } from "../../../infra/cron";
import { systemJobnets } from "../../../infra/teamJobnetSettings";
import { jobGraphProblems } from "../../../statemachines/jobGraph";
import { renderIndexModule, renderJobnetModule, generatedMarker, moduleFileOf } from "./codegen";
import { importUnits } from "./convert";
import { HostMapping, parseHostMapping } from "./hosts";
import { importReport } from "./importReport";
import { reportLine } from "./notConverted";
import { Unit, UnitSyntaxError, decodeUnitFile, parseUnitDefinitions } from "./unitDefinitions";

export const importUsage = `Usage: npm run import-jp1 -- FILE... [--out DIR] [--hosts MAPPING] [--time-zone ZONE] [--json REPORT]

Reads JP1/AJS3 unit definition files (ajsprint -a; UTF-8 or Shift_JIS) and writes one jobnet
definition (TypeScript) per jobnet, which npm start -- --jobnet NAME runs offline.

  --out DIR        where the jobnets go, a folder per job group (default jobnets/jp1, which
                   jobnets/index.ts lists); DIR/index.ts lists every jobnet imported there
  --hosts MAPPING  a JSON file naming the server group of each execution host (ex=):
                   { "dbhost01": "db-client", "apsv01": { "group": "batch", "servers": "every" } };
                   "*" stands for any other host and for jobs without ex=
  --time-zone ZONE the time zone the JP1/AJS3 manager's schedules are in, as IANA names it
                   (default Asia/Tokyo); each imported schedule rule runs in it
  --json REPORT    also write what was found, converted and not converted, as JSON
  --help           this text

Exit code: 0 everything converted; 3 something was not (each listed with file, line, unit path and
why, and marked NOT CONVERTED in the code); 2 a file it cannot read (the line and what it expected).`;

/** JP1/AJS3 schedules in the local time of its manager: on the systems this project replaces, Japan's. */
const defaultTimeZone = "Asia/Tokyo";

/** What the command printed and the exit code: npm run import-jp1, testable without a process. */
export interface ImportRun {
    code: number;
    out: string;
}

export function importJp1(argv: string[], env: NodeJS.ProcessEnv, projectDir: string): ImportRun {
    const { values, positionals } = parseCommandLine("npm run import-jp1", {
        args: argv,
        allowPositionals: true,
        options: { out: { type: "string" }, hosts: { type: "string" }, "time-zone": { type: "string" }, json: { type: "string" }, help: { type: "boolean" } },
    }, env);
    if (values.help) return { code: 0, out: `${importUsage}\n` };
    if (positionals.length === 0) throw new UsageError("name at least one unit definition file (ajsprint -a output); --help for the usage");
    const outDir = path.resolve(projectDir, values.out ?? path.join("jobnets", "jp1"));
    if (values.json !== undefined) requireWritableFile("--json", values.json);
    const timeZone = values["time-zone"] ?? defaultTimeZone;
    if (!isTimeZone(timeZone)) throw new UsageError(`--time-zone ${JSON.stringify(timeZone)}: expected a time zone as IANA names it, such as Asia/Tokyo or UTC`);
    let hosts: HostMapping = {};
    if (values.hosts !== undefined) {
        if (!fs.existsSync(values.hosts)) throw new UsageError(`--hosts ${values.hosts}: there is no such file`);
        try {
            hosts = parseHostMapping(fs.readFileSync(values.hosts, "utf8"), values.hosts);
        } catch (e) {
            throw new UsageError((e as Error).message);
        }
    }

    // Every file read before anything is written: a file that cannot be read changes nothing.
    const files: { file: string; encoding: string }[] = [];
    const tops: Unit[] = [];
    for (const file of positionals) {
        if (!fs.existsSync(file)) throw new UsageError(`${file}: there is no such file`);
        const { text, encoding } = decodeUnitFile(fs.readFileSync(file));
        try {
            tops.push(...parseUnitDefinitions(text, file));
        } catch (e) {
            if (e instanceof UnitSyntaxError) return { code: 2, out: `${e.message}\nNothing was written.\n` };
            throw e;
        }
        files.push({ file, encoding });
    }

    const result = importUnits(tops, { hosts, timeZone, reserved: teamJobnetNames(projectDir) });
    const modules = new Map(result.jobnets.map((n) => [n.name, moduleFileOf(n)]));
    const lines: string[] = [];
    const shown = (file: string) => (path.relative(projectDir, file).startsWith("..") ? file : path.relative(projectDir, file));
    const written: string[] = [];
    for (const jobnet of result.jobnets) {
        const target = path.join(outDir, modules.get(jobnet.name)!);
        refuseToOverwrite(target);
        const statemachines = path.relative(path.dirname(target), path.join(projectDir, "statemachines")).split(path.sep).join("/");
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, renderJobnetModule(jobnet, result.notConverted, statemachines.startsWith(".") ? statemachines : `./${statemachines}`));
        written.push(target);
        const rules = jobnet.schedules.filter((s) => s.rule).length;
        lines.push(`  ${jobnet.name.padEnd(32)} ${jobnet.unit.path} → ${shown(target)} (${jobnet.jobs.length} job${jobnet.jobs.length === 1 ? "" : "s"}${rules > 0 ? `, ${rules} schedule rule${rules === 1 ? "" : "s"}` : ""})`);
    }
    const index = path.join(outDir, "index.ts");
    refuseToOverwrite(index);
    const indexed = generatedModulesIn(outDir);
    const statemachines = path.relative(outDir, path.join(projectDir, "statemachines")).split(path.sep).join("/");
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(index, renderIndexModule(indexed, statemachines.startsWith(".") ? statemachines : `./${statemachines}`));

    // What preview would say of them (groups and jobnets aside: the stack names those).
    const groups = [...new Set(result.jobnets.flatMap((n) => n.jobs.flatMap((j) => (j.job.kind === "command" ? [j.job.on.group] : []))))];
    const jobnets = [...systemJobnets, ...result.jobnets.map((n) => n.name)];
    const previewProblems = result.jobnets.flatMap((n) => jobGraphProblems(n.definition, { groups, jobnets }));

    const out = [
        `Imported ${result.jobnets.length} jobnet${result.jobnets.length === 1 ? "" : "s"} from ${files.map((f) => `${f.file} (${f.encoding})`).join(", ")}:`,
        ...lines,
        `  ${shown(index)} lists the ${indexed.length} jobnet${indexed.length === 1 ? "" : "s"} imported into ${shown(outDir)}${outDir === path.join(projectDir, "jobnets", "jp1") ? " (jobnets/index.ts deploys each whose server groups the stack defines)" : `; list them in jobnets/index.ts to deploy them (importedJobnets of ${shown(index)})`}`,
    ];
    if (result.notConverted.length > 0) out.push("", `Not converted (${result.notConverted.length}; marked NOT CONVERTED in the code):`, ...result.notConverted.map((n) => `  ${reportLine(n)}`));
    if (previewProblems.length > 0) out.push("", "Preview would refuse:", ...previewProblems.map((p) => `  ${p}`));
    if (values.json !== undefined) {
        fs.writeFileSync(values.json, `${JSON.stringify(importReport(result, files, (name) => path.relative(projectDir, path.join(outDir, modules.get(name)!))), null, 2)}\n`);
        out.push("", `The report: ${values.json}`);
    }
    const complete = result.notConverted.length === 0 && previewProblems.length === 0;
    out.push("", complete ? "Everything converted. Run one offline: npm start -- --jobnet NAME" : "Review what was not converted before you deploy; run one offline: npm start -- --jobnet NAME");
    return { code: complete ? 0 : 3, out: `${out.join("\n")}\n` };
}

/**
 * The names of the team's own jobnets (jobnets/index.ts), those an earlier import wrote to
 * jobnets/jp1 aside: an import rewrites those, and may give their names again.
 */
function teamJobnetNames(projectDir: string): string[] {
    try {
        const { teamJobnets } = require(path.join(projectDir, "jobnets")) as { teamJobnets: { name: string }[] };
        const { importedJobnets } = require(path.join(projectDir, "jobnets", "jp1")) as { importedJobnets: { name: string }[] };
        const imported = new Set(importedJobnets.map((d) => d.name));
        return teamJobnets.map((d) => d.name).filter((name) => !imported.has(name));
    } catch {
        // A project whose jobnets do not load (an earlier import's file removed by hand): preview names any clash.
        return [];
    }
}

/** A file the user wrote is never overwritten: only files the importer wrote (its first line) are. */
function refuseToOverwrite(file: string): void {
    if (fs.existsSync(file) && !fs.readFileSync(file, "utf8").startsWith(generatedMarker)) {
        throw new UsageError(`${file} exists and was not written by npm run import-jp1: move it, or import into another --out folder`);
    }
}

/** Every module the importer wrote under the folder, its index aside, as paths relative to it. */
function generatedModulesIn(dir: string): string[] {
    const found: string[] = [];
    const walk = (at: string) => {
        for (const entry of fs.readdirSync(at, { withFileTypes: true })) {
            const full = path.join(at, entry.name);
            if (entry.isDirectory()) walk(full);
            else if (entry.name.endsWith(".ts") && full !== path.join(dir, "index.ts") && fs.readFileSync(full, "utf8").startsWith(generatedMarker)) found.push(path.relative(dir, full).split(path.sep).join("/"));
        }
    };
    if (fs.existsSync(dir)) walk(dir);
    return found.sort();
}
