import * as path from "path";
import type { ImportedJob, ImportedJobnet } from "./convert";
import type { NotConverted } from "./notConverted";
import { projectName } from "./names";

/**
 * The TypeScript of an imported jobnet: a `defineJobnet` module like jobnets/nightly-batch.ts, each
 * job under a comment naming its JP1/AJS3 unit path and line, what was not converted marked where
 * it was, so a reviewer can hold the two side by side.
 */

/** The first line of every file the importer writes: it rewrites only files that start with it. */
export const generatedMarker = "// Imported from JP1/AJS3 by npm run import-jp1.";

/** Where a jobnet's module goes under the output folder: a folder per job group, the jobnet's own name in it. */
export function moduleFileOf(jobnet: ImportedJobnet): string {
    const folders = jobnet.groups.map((g) => projectName(g.name));
    // Its name begins with its groups' names: the folders say them already.
    const prefix = folders.map((f) => `${f}-`).join("");
    const file = jobnet.name.startsWith(prefix) && jobnet.name.length > prefix.length ? jobnet.name.slice(prefix.length) : jobnet.name;
    // index.ts at the top is the list of the imported jobnets.
    return path.posix.join(...folders, `${folders.length === 0 && file === "index" ? "index-jobnet" : file}.ts`);
}

export function renderJobnetModule(jobnet: ImportedJobnet, notConverted: NotConverted[], statemachinesImport: string): string {
    const mine = (unitPath: string) => notConverted.filter((n) => n.path === unitPath);
    const lines: string[] = [
        generatedMarker,
        `import { defineJobnet } from ${JSON.stringify(`${statemachinesImport}/jobs`)};`,
        "",
        "/**",
        ` * ${jobnet.unit.path} (${jobnet.unit.file}:${jobnet.unit.line})${jobnet.nestedIn ? `, run by the jobnet ${jobnet.nestedIn}` : ""}.`,
        ...mine(jobnet.unit.path).map((n) => ` * NOT CONVERTED (line ${n.line}): ${oneLine(n.what)}: ${oneLine(n.reason)}`),
        ...jobnet.notes.map((n) => ` * ${oneLine(n)}.`),
        " */",
        "export default defineJobnet({",
        `    name: ${JSON.stringify(jobnet.name)},`,
        `    description: ${JSON.stringify(jobnet.definition.description)},`,
        `    expectedMinutes: ${jobnet.definition.expectedMinutes},`,
        `    timeoutMinutes: ${jobnet.definition.timeoutMinutes},`,
    ];
    if (jobnet.schedules.length > 0) {
        lines.push("    schedules: [");
        for (const s of jobnet.schedules) {
            const raw = s.raw.map((p) => `${p.name}=${p.value}`).join("; ");
            if (s.rule) {
                lines.push(`        // rule ${s.number}: ${oneLine(raw)}`);
                lines.push(`        ${literal(s.rule, 2)},`);
            } else lines.push(`        // NOT CONVERTED: rule ${s.number}: ${oneLine(raw)} (see the report)`);
        }
        lines.push("    ],");
    }
    if (jobnet.calendar) {
        const groups = jobnet.groups.map((g) => g.path).join(", ");
        lines.push(`    // ${groups ? `The open and closed days of its job groups (${groups})` : "No job group calendar: every day open"}; JP1/AJS3 closes only the days listed, never a national holiday.`);
        lines.push(`    calendar: ${literal(jobnet.calendar, 1)},`);
    }
    lines.push("    jobs: {");
    // Jobs, and the units that could not be converted where they stood, in the file's order.
    const entries = [...jobnet.jobs.map((job) => ({ line: job.unit.line, job })), ...jobnet.dropped.map((unit) => ({ line: unit.line, unit }))].sort((a, b) => a.line - b.line);
    entries.forEach((entry, i) => {
        if (i > 0) lines.push("");
        if ("job" in entry) lines.push(...jobLines(entry.job, mine(entry.job.unit.path)));
        else lines.push(...mine(entry.unit.path).map((n) => `        // NOT CONVERTED (line ${n.line}): ${oneLine(n.what)}: ${oneLine(n.reason)}`));
    });
    lines.push("    },", "});", "");
    return lines.join("\n");
}

function jobLines(job: ImportedJob, notConverted: NotConverted[]): string[] {
    // kind, description and after first, as the team writes its own; then the rest as the conversion set them.
    const { kind, description, after, ...rest } = job.job as typeof job.job & { description?: string };
    const fields: [string, unknown][] = Object.entries({ kind, ...(description !== undefined ? { description } : {}), ...(after !== undefined ? { after } : {}), ...rest });
    return [
        `        // ${job.unit.path} (${job.unit.file}:${job.unit.line})${job.host !== undefined ? `, host ${job.host}` : ""}`,
        ...notConverted.map((n) => `        // NOT CONVERTED (line ${n.line}): ${oneLine(n.what)}: ${oneLine(n.reason)}`),
        ...job.notes.map((n) => `        // ${oneLine(n)}`),
        `        ${key(job.name)}: {`,
        ...fields.map(([k, v]) => `            ${key(k)}: ${literal(v, 3)},`),
        "        },",
    ];
}

/** A comment stays on its line. */
function oneLine(text: string): string {
    return text.replace(/\s*[\r\n]+\s*/g, " ⏎ ").replace(/\*\//g, "*\\/");
}

function key(k: string): string {
    return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? k : JSON.stringify(k);
}

/** A value as TypeScript source: objects on one line when short, else one key a line at `depth`. */
function literal(value: unknown, depth: number): string {
    if (Array.isArray(value)) return `[${value.map((v) => literal(v, depth + 1)).join(", ")}]`;
    if (value !== null && typeof value === "object") {
        const entries = Object.entries(value).filter(([, v]) => v !== undefined);
        const inline = `{ ${entries.map(([k, v]) => `${key(k)}: ${literal(v, depth + 1)}`).join(", ")} }`;
        if (inline.length <= 100 && !inline.includes("\n")) return entries.length === 0 ? "{}" : inline;
        const pad = "    ".repeat(depth + 1);
        return `{\n${entries.map(([k, v]) => `${pad}${key(k)}: ${literal(v, depth + 1)},`).join("\n")}\n${"    ".repeat(depth)}}`;
    }
    return JSON.stringify(value);
}

/** The folder's index: every imported jobnet module in it, for jobnets/index.ts to list with the team's own. */
export function renderIndexModule(moduleFiles: string[], statemachinesImport: string): string {
    const sorted = [...moduleFiles].sort();
    return [
        generatedMarker,
        "// The jobnets imported into this folder; jobnets/index.ts lists them with the team's own. Rewritten by each import.",
        `import type { JobnetDefinition } from ${JSON.stringify(`${statemachinesImport}/jobs`)};`,
        ...sorted.map((f, i) => `import jobnet${i} from ${JSON.stringify(`./${f.replace(/\.ts$/, "")}`)};`),
        "",
        `export const importedJobnets: JobnetDefinition[] = [${sorted.map((_, i) => `jobnet${i}`).join(", ")}];`,
        "",
    ].join("\n");
}
