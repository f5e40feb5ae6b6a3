/**
 * The kinds of config setting. A setting is declared once, with its type, default, description
 * and check; from the declarations come the typed config, the errors a user sees (key, what was
 * given, what is expected), docs/configuration.md's table and Pulumi.yaml's `config:` block.
 */
import { closestName } from "./closestName";
import { Secret } from "./secret";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Where a value sits, as `pulumi config set --path` names it: ["calendar", "closedDates", 2]. */
export type KeyPath = readonly (string | number)[];

/**
 * The type Pulumi.yaml declares a key with. An object has none; nor has a list, which the CLI
 * would then refuse when set as JSON text (`pulumi config set dbLogExports '["audit"]'`).
 */
export type PulumiType = "string" | "integer" | "boolean";

/** What is given, said of a required key left unset. */
export const unsetGiven = "nothing (it is required)";

/** What a reader returns once it has recorded why it cannot accept a value; reading goes on with the other keys. */
export const invalid: unique symbol = Symbol("invalid");
export type Invalid = typeof invalid;

export interface ReadContext {
    /** A value that is not what the key expects. `given` is shown to the user: never a secret's value. */
    problem(at: KeyPath, given: string, expected: string): void;
    /** A key nobody declared; `known` are the keys declared beside it. Its value is never shown: it may be a secret. */
    unknownKey(at: KeyPath, known: readonly string[]): void;
    /** A file of the project by its path relative to the project directory; undefined when missing. */
    readProjectFile(relativePath: string): string | undefined;
}

export interface Setting<T> {
    readonly doc: string;
    /** The value when unset, as a user would set it; undefined when unset means none. */
    readonly default: Json | undefined;
    readonly required: boolean;
    readonly secret: boolean;
    readonly pulumiType: PulumiType | undefined;
    /** An object's keys, in the order they are read and documented. */
    readonly fields: Readonly<Record<string, Setting<unknown>>> | undefined;
    /** A list's entry. */
    readonly entry: Setting<unknown> | undefined;
    /**
     * Reads a raw value: a top-level value as Pulumi hands it to the program (a string, objects and
     * lists as JSON), or a value nested in one, as `pulumi config set --path` stores it (a string,
     * number, boolean, object or list); undefined when unset. `earlier` holds the values of the
     * keys declared before this one in the same object.
     */
    read(raw: unknown, at: KeyPath, ctx: ReadContext, earlier?: Readonly<Record<string, unknown>>): T | Invalid;
}

export type ValueOf<S> = S extends Setting<infer T> ? T : never;
export type Check<T> = (value: T, earlier: Readonly<Record<string, unknown>>) => string | undefined;

/** Set, or required: then the value is always there; otherwise it may be undefined. */
type Presence<O, T> = O extends { default: unknown } ? T : O extends { required: true } ? T : T | undefined;

interface Declared<D> {
    doc: string;
    default?: D;
    required?: boolean;
}

export interface Spec<T> {
    doc: string;
    default?: Json;
    required?: boolean;
    pulumiType?: PulumiType;
    fields?: Record<string, Setting<unknown>>;
    entry?: Setting<unknown>;
    /** What the key takes, said when a required key is unset. */
    expected: string;
    /** Reads a value that is set and readable; records a problem and returns `invalid` otherwise. */
    parse(raw: Json, at: KeyPath, ctx: ReadContext): T | Invalid;
    /** What an encrypted value reads as, offline; only a secret has one, and a secret is never shown. */
    unreadable?: () => T;
    check?: Check<T>;
}

/** A setting of any kind: unset, encrypted and checked values are handled here, the kind's own reading in `parse`. */
export function setting<T>(spec: Spec<T>): Setting<T | undefined> {
    const secret = spec.unreadable !== undefined;
    return {
        doc: spec.doc,
        default: spec.default,
        required: spec.required ?? false,
        secret,
        pulumiType: spec.pulumiType,
        fields: spec.fields,
        entry: spec.entry,
        read(raw, at, ctx, earlier = {}) {
            if (raw === undefined) {
                // The default is read like a value the user set: one path, and a bad default cannot hide.
                if (spec.default !== undefined) raw = spec.default;
                else if (spec.required) {
                    ctx.problem(at, unsetGiven, spec.expected);
                    return invalid;
                } else return undefined;
            }
            if (isEncrypted(raw)) {
                if (spec.unreadable) return spec.unreadable();
                ctx.problem(at, "an encrypted value (secure: …), which cannot be read offline", "a plain value: this key is not a secret, so set it without --secret");
                return invalid;
            }
            const value = spec.parse(raw as Json, at, ctx);
            if (value === invalid || spec.check === undefined) return value;
            const expected = spec.check(value, earlier);
            if (expected === undefined) return value;
            ctx.problem(at, secret ? "a value" : shown(raw), expected);
            return invalid;
        },
    };
}

/**
 * A value the stack file holds encrypted, as Pulumi writes it (`secure: v1:…`), which only the
 * CLI can decrypt. Offline it reaches the program as it stands in the file: `{"secure": "…"}`.
 */
export function isEncrypted(raw: unknown): boolean {
    if (typeof raw === "string") return raw.startsWith('{"secure":') && isEncrypted(parsedJson(raw));
    return isPlainObject(raw) && Object.keys(raw).length === 1 && typeof raw.secure === "string";
}

/** How a value is shown in a problem. */
export function shown(raw: unknown): string {
    return JSON.stringify(raw);
}

/** A full key: the namespace, then the path within it (webapp-jobnet:calendar.closedDates[2]). */
export function formatKey(path: KeyPath): string {
    return `${path[0]}:${formatPath(path.slice(1))}`;
}

/**
 * A path as `pulumi config set --path` takes it: schedules.stop.cron, calendar.closedDates[2],
 * tags["aws:owner"]. The first segment is a top-level key, shown as it is named.
 */
export function formatPath(path: KeyPath): string {
    return path
        .map((segment, i) =>
            i === 0 ? String(segment) : typeof segment === "number" ? `[${segment}]` : /^[^.[\]"]+$/.test(segment) ? `.${segment}` : `[${JSON.stringify(segment)}]`,
        )
        .join("");
}

function parsedJson(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return undefined;
    }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A top-level object or list arrives as JSON text; a nested one as itself. */
function structured(raw: Json): Json {
    return typeof raw === "string" ? ((parsedJson(raw) as Json | undefined) ?? raw) : raw;
}

/** `--path` stores true, false and whole numbers as such: a text key takes them as the text they were. */
function asText(raw: Json): string | undefined {
    return typeof raw === "string" ? raw : typeof raw === "number" || typeof raw === "boolean" ? String(raw) : undefined;
}

// ---- the kinds --------------------------------------------------------------------------------

interface TextOptions extends Declared<string> {
    /** The form a value must have; without one, `check` says what is wrong. */
    pattern?: RegExp;
    expected: string;
    check?: Check<string>;
}

export function text<const O extends TextOptions>(o: O): Setting<Presence<O, string>> {
    return setting<string>({
        ...o,
        pulumiType: "string",
        parse(raw, at, ctx) {
            const value = asText(raw);
            if (value !== undefined && (o.pattern === undefined || o.pattern.test(value))) return value;
            ctx.problem(at, shown(raw), o.expected);
            return invalid;
        },
    }) as Setting<Presence<O, string>>;
}

interface IntegerOptions extends Declared<number> {
    min: number;
    max: number;
    check?: Check<number>;
}

export function integer<const O extends IntegerOptions>(o: O): Setting<Presence<O, number>> {
    const expected = `a whole number from ${o.min} to ${o.max}`;
    return setting<number>({
        ...o,
        pulumiType: "integer",
        expected,
        parse(raw, at, ctx) {
            const value = typeof raw === "number" ? raw : typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : NaN;
            if (Number.isInteger(value) && value >= o.min && value <= o.max) return value;
            ctx.problem(at, shown(raw), expected);
            return invalid;
        },
    }) as Setting<Presence<O, number>>;
}

export function flag<const O extends Declared<boolean>>(o: O): Setting<Presence<O, boolean>> {
    const expected = "true or false";
    return setting<boolean>({
        ...o,
        pulumiType: "boolean",
        expected,
        parse(raw, at, ctx) {
            if (raw === true || raw === "true") return true;
            if (raw === false || raw === "false") return false;
            ctx.problem(at, shown(raw), expected);
            return invalid;
        },
    }) as Setting<Presence<O, boolean>>;
}

interface OneOfOptions extends Declared<string> {
    values: readonly string[];
}

/** One of a few words; a near miss is named ("did you mean …?"). */
export function oneOf<const O extends OneOfOptions>(o: O): Setting<Presence<O, O["values"][number]>> {
    type V = O["values"][number];
    const expected = `one of ${o.values.map((v) => JSON.stringify(v)).join(", ")}`;
    return setting<V>({
        ...o,
        pulumiType: "string",
        expected,
        parse(raw, at, ctx) {
            if (typeof raw === "string" && o.values.includes(raw)) return raw as V;
            const near = typeof raw === "string" ? closestName(raw, o.values) : undefined;
            ctx.problem(at, shown(raw), near === undefined ? expected : `${expected} (did you mean ${JSON.stringify(near)}?)`);
            return invalid;
        },
    }) as Setting<Presence<O, V>>;
}

interface DurationOptions extends Declared<string> {
    minSeconds: number;
    maxSeconds: number;
    example: string;
}

/** "90s", "10m", "2h", read as seconds. */
export function duration<const O extends DurationOptions>(o: O): Setting<Presence<O, number>> {
    const expected = `a duration from ${formatDuration(o.minSeconds)} to ${formatDuration(o.maxSeconds)}, such as ${o.example}`;
    return setting<number>({
        ...o,
        pulumiType: "string",
        expected,
        parse(raw, at, ctx) {
            const seconds = typeof raw === "string" ? durationSeconds(raw) : undefined;
            if (seconds !== undefined && seconds >= o.minSeconds && seconds <= o.maxSeconds) return seconds;
            ctx.problem(at, shown(raw), expected);
            return invalid;
        },
    }) as Setting<Presence<O, number>>;
}

/** "90s", "10m", "2h" → seconds; undefined for anything else. */
export function durationSeconds(text: string): number | undefined {
    const match = /^(\d+)(s|m|h)$/.exec(text);
    if (!match) return undefined;
    return Number(match[1]) * { s: 1, m: 60, h: 3600 }[match[2] as "s" | "m" | "h"];
}

/** Seconds in the largest unit that divides them: 7200 → "2h", 600 → "10m", 135 → "135s". */
export function formatDuration(seconds: number): string {
    if (seconds % 3600 === 0) return `${seconds / 3600}h`;
    if (seconds % 60 === 0) return `${seconds / 60}m`;
    return `${seconds}s`;
}

interface SecretOptions {
    doc: string;
    pattern: RegExp;
    expected: string;
    /** Said instead of the value, which is never shown. */
    invalidGiven: string;
}

/** A secret text: never shown, and present (unreadable) where the stack file holds it encrypted and nothing can decrypt it. */
export function secretText(o: SecretOptions): Setting<Secret | undefined> {
    return setting<Secret>({
        ...o,
        pulumiType: "string",
        unreadable: Secret.unreadable,
        parse(raw, at, ctx) {
            if (typeof raw === "string" && o.pattern.test(raw)) return Secret.of(raw);
            ctx.problem(at, o.invalidGiven, o.expected);
            return invalid;
        },
    });
}

interface ListOptions extends Declared<Json[]> {
    expected: string;
    /** Each entry at most once. */
    distinct?: boolean;
}

/** A list; a bad entry is named by its index (calendar.closedDates[2]). */
export function list<T, const O extends ListOptions>(entry: Setting<T>, o: O): Setting<Presence<O, Exclude<T, undefined>[]>> {
    return setting<Exclude<T, undefined>[]>({
        ...o,
        entry,
        parse(raw, at, ctx) {
            const value = structured(raw);
            if (!Array.isArray(value)) {
                ctx.problem(at, shown(raw), o.expected);
                return invalid;
            }
            const entries: Exclude<T, undefined>[] = [];
            const firstIndex = new Map<string, number>();
            let ok = true;
            value.forEach((item, i) => {
                const read = entry.read(item, [...at, i], ctx);
                const seen = firstIndex.get(JSON.stringify(item));
                if (read === invalid || read === undefined) ok = false;
                else if (o.distinct && seen !== undefined) {
                    ctx.problem([...at, i], shown(item), `an entry not listed before (it is ${formatPath([...at.slice(1), seen])} too)`);
                    ok = false;
                } else entries.push(read as Exclude<T, undefined>);
                if (seen === undefined) firstIndex.set(JSON.stringify(item), i);
            });
            return ok ? entries : invalid;
        },
    }) as Setting<Presence<O, Exclude<T, undefined>[]>>;
}

type Fields = Record<string, Setting<unknown>>;
type ObjectValue<F extends Fields> = { [K in keyof F]: ValueOf<F[K]> };

interface ObjectOptions<F extends Fields> {
    doc: string;
    /** Unset means none (undefined), rather than an object of defaults. */
    optional?: boolean;
    /** Keys accepted but not read by this program. */
    otherKeys?: readonly string[];
    /** A rule between keys: the key it names and what it expects. */
    check?: (value: ObjectValue<F>) => { key: keyof F & string; expected: string } | undefined;
}

/** An object of declared keys; any other key is an unknown key. */
export function object<const F extends Fields, const O extends ObjectOptions<F>>(
    fields: F,
    o: O,
): Setting<O extends { optional: true } ? ObjectValue<F> | undefined : ObjectValue<F>> {
    const names = Object.keys(fields);
    const defaults = Object.fromEntries(
        Object.entries(fields).flatMap(([name, field]) => (field.default === undefined ? [] : [[name, field.default]])),
    );
    return setting<ObjectValue<F>>({
        doc: o.doc,
        default: o.optional ? undefined : defaults,
        fields,
        expected: `an object with the keys ${names.join(", ")}`,
        parse(raw, at, ctx) {
            const value = structured(raw);
            if (!isPlainObject(value)) {
                const where = formatPath(at.slice(1));
                ctx.problem(at, shown(raw), `an object with the keys ${names.join(", ")}, each set with pulumi config set --path '${where}.KEY' VALUE`);
                return invalid;
            }
            const known = [...names, ...(o.otherKeys ?? [])];
            for (const key of Object.keys(value)) if (!known.includes(key)) ctx.unknownKey([...at, key], known);
            const values: Record<string, unknown> = {};
            let ok = true;
            for (const name of names) {
                const read = fields[name].read(value[name], [...at, name], ctx, values);
                if (read === invalid) ok = false;
                values[name] = read === invalid ? undefined : read;
            }
            if (!ok) return invalid;
            const broken = o.check?.(values as ObjectValue<F>);
            if (broken === undefined) return values as ObjectValue<F>;
            ctx.problem([...at, broken.key], fields[broken.key].secret ? "a value" : value[broken.key] === undefined ? "nothing" : shown(value[broken.key]), broken.expected);
            return invalid;
        },
    }) as Setting<O extends { optional: true } ? ObjectValue<F> | undefined : ObjectValue<F>>;
}

interface JsonObjectOptions extends Declared<{ [key: string]: Json }> {
    expected: string;
    check?: Check<Record<string, Json>>;
}

/** An object whose keys are the user's own (tags, an event pattern): its check says what is wrong. */
export function jsonObject<const O extends JsonObjectOptions>(o: O): Setting<Presence<O, Record<string, Json>>> {
    return setting<Record<string, Json>>({
        ...o,
        parse(raw, at, ctx) {
            const value = structured(raw);
            if (isPlainObject(value)) return value as Record<string, Json>;
            ctx.problem(at, shown(raw), o.expected);
            return invalid;
        },
    }) as Setting<Presence<O, Record<string, Json>>>;
}
