/**
 * What is wrong with a stack's config, as the user reads it: each bad value (key, what was given,
 * what is expected), each unknown key with the key it probably meant, and how to fix them.
 */
import { closestName } from "./closestName";
import { KeyPath, ReadContext, Setting, formatKey, formatPath, unsetGiven } from "./configSchema";

/** One bad value or unknown key: the key, what was given and what is expected. */
export interface ConfigProblem {
    key: string;
    given: string;
    expected: string;
    /** The key as a path: its namespace, then its place within it. */
    path: KeyPath;
    /** A key nobody declared; `expected` then says which key was probably meant. */
    unknownKey?: true;
    /** For an unknown key, the declared key closest to it. */
    meant?: KeyPath;
}

export class ConfigError extends Error {
    constructor(
        readonly problems: ConfigProblem[],
        fixHint: string,
    ) {
        super(
            [
                `Stack config is invalid (${problems.length} ${problems.length === 1 ? "problem" : "problems"}):`,
                ...problems.map((p) => `  ${problemLine(p)}`),
                fixHint,
            ].join("\n"),
        );
        this.name = "ConfigError";
    }
}

/** A problem as the user reads it: "key: got X; expected Y", or "key: unknown key; did you mean `K`?". */
export function problemLine(p: ConfigProblem): string {
    return p.unknownKey ? `${p.key}: unknown key; ${p.expected}` : `${p.key}: got ${p.given}; expected ${p.expected}`;
}

/** The project whose namespace is the default one of `pulumi config`, and its declared keys. */
export interface ProjectKeys {
    name: string;
    keys: Setting<unknown>;
}

/** Records each problem while the config is read, and says for an unknown key which one was probably meant. */
export class ConfigReading implements ReadContext {
    readonly problems: ConfigProblem[] = [];

    constructor(
        private readonly project: ProjectKeys,
        readonly readProjectFile: (relativePath: string) => string | undefined,
    ) {}

    problem(at: KeyPath, given: string, expected: string): void {
        this.problems.push({ key: formatKey(at), given, expected, path: at });
    }

    unknownKey(at: KeyPath, known: readonly string[]): void {
        const name = String(at[at.length - 1]);
        const ours = at[0] === this.project.name;
        const nested = ours && at.length === 2 ? this.declaredNestedKey(name) : undefined;
        if (nested) {
            const key = formatPath(nested.slice(1));
            this.unknown(at, `a top-level key named "${name}" (set without --path); the nested key takes pulumi config set --path '${key}' VALUE`, nested);
            return;
        }
        const sibling = closestName(name, known);
        const meant = sibling !== undefined ? [...at.slice(0, -1), sibling] : ours ? this.declaredKeyNamed(name) : undefined;
        if (meant) this.unknown(at, `did you mean \`${this.cliKey(meant)}\`?`, meant);
        else if (known.length <= 12) this.unknown(at, `the keys here are ${known.join(", ")}`);
        else this.unknown(at, ours ? "see docs/configuration.md for the keys" : `the ${at[0]} namespace has no such key`);
    }

    /** A key in a namespace that is a near miss of one this program reads (webapp-jobnt:). */
    unknownNamespace(at: KeyPath, meant: string): void {
        this.unknown(at, `unknown namespace ${at[0]}; did you mean \`${meant}:${formatPath(at.slice(1))}\`?`, [meant, ...at.slice(1)]);
    }

    /** The error listing every problem, an unknown key that stands for a required key left unset said once. */
    error(): ConfigError {
        const unset = (key: string) => this.problems.find((q) => q.given === unsetGiven && q.key === key);
        const meantKeys = this.problems.flatMap((p) => (p.meant ? [formatKey(p.meant)] : []));
        const problems = this.problems
            .filter((p) => !(p.given === unsetGiven && meantKeys.includes(p.key)))
            .map((p) => (p.meant && unset(formatKey(p.meant)) ? { ...p, expected: `${p.expected} (${formatKey(p.meant)} is required and not set)` } : p));
        return new ConfigError(problems, this.fixHint(problems));
    }

    /** How to fix: set a key (with --path for a nested one), or remove an unknown one. */
    private fixHint(problems: ConfigProblem[]): string {
        const command = (verb: "set" | "rm", path: KeyPath) => {
            const key = this.cliKey(path);
            const quoted = /^[\w:.-]+$/.test(key) && path.length <= 2 ? key : `'${key}'`;
            return `pulumi config ${verb}${path.length > 2 ? " --path" : ""} ${quoted}${verb === "set" ? " VALUE" : ""}`;
        };
        const nestedKey = problems.map((p) => (p.unknownKey ? p.meant : p.path)).find((path) => path !== undefined && path.length > 2);
        const unknown = problems.filter((p) => p.unknownKey);
        const unknownExample = unknown.find((p) => p.path.length > 2) ?? unknown[0];
        return [
            `Fix with \`pulumi config set KEY VALUE\`${nestedKey ? `, a nested key with \`${command("set", nestedKey)}\`` : ""}`,
            unknownExample ? `remove an unknown key with \`${command("rm", unknownExample.path)}\`` : "`pulumi config rm KEY` returns a key to its default",
        ].join("; ") + ".";
    }

    /** A key as `pulumi config` takes it: the project's own without their namespace. */
    private cliKey(path: KeyPath): string {
        return path[0] === this.project.name ? formatPath(path.slice(1)) : formatKey(path);
    }

    private unknown(at: KeyPath, expected: string, meant?: KeyPath): void {
        this.problems.push({ key: formatKey(at), given: "an unknown key", expected, path: at, unknownKey: true, ...(meant ? { meant } : {}) });
    }

    /** The declared nested key a top-level key's name spells (schedules.timezone, calendar.closedDates[0]), if any. */
    private declaredNestedKey(name: string): KeyPath | undefined {
        const path = name.split(/\.|\[(\d+)\]/).filter((s) => s !== undefined && s !== "").map((s) => (/^\d+$/.test(s) ? Number(s) : s));
        if (path.length < 2) return undefined;
        let setting: Setting<unknown> | undefined = this.project.keys;
        for (const segment of path) setting = typeof segment === "number" ? setting?.entry : setting?.fields?.[segment];
        return setting ? [this.project.name, ...path] : undefined;
    }

    /** A declared key deeper in the namespace whose own name is this one, or close to it (timezone → schedules.timezone). */
    private declaredKeyNamed(name: string): KeyPath | undefined {
        const nested: KeyPath[] = [];
        const walk = (setting: Setting<unknown>, path: KeyPath) => {
            for (const [key, field] of Object.entries(setting.fields ?? {})) {
                if (path.length > 1) nested.push([...path, key]);
                walk(field, [...path, key]);
            }
        };
        walk(this.project.keys, [this.project.name]);
        const leaf = closestName(name, nested.map((p) => String(p[p.length - 1])));
        return nested.find((p) => p[p.length - 1] === leaf);
    }
}
