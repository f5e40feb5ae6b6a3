import { Scalar, YAMLMap, isMap, parseDocument } from "yaml";
import { awsSettings, projectSettings } from "../../infra/config";
import { Json, PulumiType, Setting } from "../../infra/configSchema";

/**
 * The documents made from the config declarations (infra/config.ts): the configuration
 * reference's table of keys (docs/configuration.md) and Pulumi.yaml's project-level `config:` block. Tests fail when either is stale; `npm run
 * config-docs` rewrites both.
 */

interface KeyRow {
    key: string;
    default: string;
    meaning: string;
}

/** One row per key a user sets, nested keys by their --path (schedules.stop.cron, triggers[i].name). */
export function keyRows(): KeyRow[] {
    const rows: KeyRow[] = [];
    // A key required within an object that may stay unset (schedules.stop.cron) is, unset, simply none.
    const walk = (setting: Setting<unknown>, key: string, withinOptional = false) => {
        if (setting.fields) {
            const optional = withinOptional || (setting.default === undefined && !setting.required);
            for (const [name, field] of Object.entries(setting.fields)) walk(field, key === "" ? name : `${key}.${name}`, optional);
            return;
        }
        rows.push({ key, default: withinOptional && setting.required ? "none" : defaultText(setting), meaning: setting.doc });
        for (const [name, field] of Object.entries(setting.entry?.fields ?? {})) walk(field, `${key}[i].${name}`);
    };
    for (const [name, setting] of Object.entries(awsSettings)) walk(setting, `aws:${name}`);
    for (const [name, setting] of Object.entries(projectSettings)) walk(setting, name);
    return rows;
}

function defaultText(setting: Setting<unknown>): string {
    if (setting.required) return "(required)";
    if (setting.default === undefined) return "none";
    return `\`${typeof setting.default === "string" ? setting.default : JSON.stringify(setting.default)}\``;
}

const tableHeader = "| key | default | meaning |";

/** The configuration reference's table of config keys. */
export function configTable(): string {
    const cell = (text: string) => text.replace(/\|/g, "\\|");
    return [tableHeader, "|---|---|---|", ...keyRows().map((r) => `| \`${cell(r.key)}\` | ${cell(r.default)} | ${cell(r.meaning)} |`)].join("\n");
}

export const configReferenceFile = "docs/configuration.md";

/** The configuration reference with its table of config keys (its first table of that header) rendered afresh. */
export function configReferenceWithTable(reference: string): string {
    const lines = reference.split("\n");
    const start = lines.indexOf(tableHeader);
    if (start < 0) throw new Error(`${configReferenceFile} has no "${tableHeader}" table`);
    let end = start;
    while (end < lines.length && lines[end].startsWith("|")) end++;
    return [...lines.slice(0, start), configTable(), ...lines.slice(end)].join("\n");
}

/** A key's declaration in Pulumi.yaml: its type, description and default, as `pulumi config` shows them. */
export interface ProjectConfigDeclaration {
    type?: PulumiType;
    description: string;
    default?: Json;
}

/**
 * Pulumi.yaml's `config:` block: a declaration per key of the project's namespace, typed where
 * Pulumi can type it (PulumiType); an object's nested keys are named in its description.
 */
export function projectConfig(): Record<string, ProjectConfigDeclaration> {
    return Object.fromEntries(
        Object.entries(projectSettings).map(([name, setting]: [string, Setting<unknown>]) => {
            // Pulumi requires a project key that has no default: every key here has one, or is required.
            if (setting.default === undefined && !setting.required) throw new Error(`${name} needs a default: Pulumi.yaml would make it required`);
            const nested = nestedKeys(setting, name);
            const declaration: ProjectConfigDeclaration = {
                ...(setting.pulumiType ? { type: setting.pulumiType } : {}),
                description: plain(setting.doc) + (nested.length > 0 ? `; keys, set with --path: ${nested.join(", ")}` : ""),
                ...(setting.default !== undefined ? { default: setting.default } : {}),
            };
            return [name, declaration];
        }),
    );
}

/** The keys within an object or a list's entries, by their --path: schedules.stop.cron, triggers[i].name. */
function nestedKeys(setting: Setting<unknown>, key: string): string[] {
    const fields = setting.fields ?? setting.entry?.fields;
    const within = setting.fields ? key : `${key}[i]`;
    return Object.entries(fields ?? {}).flatMap(([name, field]) => {
        const deeper = nestedKeys(field, `${within}.${name}`);
        return deeper.length > 0 ? deeper : [`${within}.${name}`];
    });
}

/** Markdown's code marks are noise in a terminal. */
function plain(doc: string): string {
    return doc.replace(/`/g, "");
}

const generatedNote = " Generated from the declarations in infra/config.ts by `npm run config-docs`: edit those, not this block.";

/** Pulumi.yaml with its `config:` block rendered afresh; the rest of the file, comments included, as it was. */
export function projectFileWithConfig(text: string): string {
    const doc = parseDocument(text);
    if (!isMap(doc.contents)) throw new Error("Pulumi.yaml is not a mapping");
    doc.delete("config");
    const pair = doc.createPair("config", projectConfig());
    (pair.key as Scalar).commentBefore = generatedNote;
    (doc.contents as YAMLMap).items.push(pair);
    return doc.toString({ lineWidth: 0 });
}
