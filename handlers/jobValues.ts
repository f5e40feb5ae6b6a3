import type { CommandJob, Job, JobnetDefinition, ValueCondition } from "../statemachines/jobs";
import type { JobState, RunRecord } from "./jobRun";

/**
 * Values passed between the jobs of a run (JP1/AJS3's passing information), as plain functions:
 * a command job that declares `emits: ["ORDER_COUNT"]` sets a value by printing the line
 * `ORDER_COUNT=1234` on its standard output; a later job uses it as `{{extract-orders.ORDER_COUNT}}`
 * in its command, its environment's values and its working directory, and a judgment may judge it.
 * `{{trigger.key}}` is a value the run was started with (its input's `values`).
 */

/** A value's name, as a job declares and prints it, or a key of the run's start values: a shell variable's name. */
export const valueNamePattern = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** The source of the run's start values in a reference: `{{trigger.key}}`. No job may take its name. */
export const triggerSource = "trigger";
/**
 * The longest value kept, in characters (an S3 object key is at most 1,024 bytes), and the most
 * values a jobnet's jobs emit: the run's record is one DynamoDB item, at most 400 KB (DynamoDB
 * quotas, item size), which also holds the graph and every job's end.
 */
export const valueLimits = { maxLength: 1024, maxPerJobnet: 100, maxStartValues: 20 } as const;
/**
 * The part of a command's standard output Run Command returns: GetCommandInvocation's
 * StandardOutputContent is its first 24,000 characters (SSM API reference, GetCommandInvocation);
 * ListCommandInvocations gives only 2,500 of stdout and stderr together.
 */
export const readableOutputChars = 24_000;

/** A use of a value: `{{JOB.NAME}}` or `{{trigger.key}}`, as written (`text`) and what it names. */
export interface ValueRef {
    text: string;
    source: string;
    name: string;
}

const referencePattern = /\{\{([^{}]*)\}\}/g;
const referenceShape = /^([a-z0-9][a-z0-9-]{0,47})\.([A-Za-z_][A-Za-z0-9_]{0,63})$/;

/** The references in a text; `bad`: those that name no job and value (`{{orders}}`, `{{a.b.c}}`). */
export function referencesIn(text: string): { refs: ValueRef[]; bad: string[] } {
    const refs: ValueRef[] = [];
    const bad: string[] = [];
    for (const m of text.matchAll(referencePattern)) {
        const shape = referenceShape.exec(m[1].trim());
        if (shape) refs.push({ text: m[0], source: shape[1], name: shape[2] });
        else bad.push(m[0]);
    }
    return { refs, bad };
}

/** "JOB.NAME" of a judgment's `value`, or undefined when it is not of that shape. */
export function parseValueName(value: string): ValueRef | undefined {
    const shape = referenceShape.exec(value);
    return shape ? { text: value, source: shape[1], name: shape[2] } : undefined;
}

/** Every value a command job uses, in the order written: its command, then its environment's values, then its working directory. */
export function valuesUsedBy(job: CommandJob<string>): ValueRef[] {
    const texts = [job.command, ...Object.values(job.environment ?? {}), job.workingDirectory ?? ""];
    return texts.flatMap((t) => referencesIn(t).refs);
}

/**
 * Where the references of a command stand outside any quotes, as they must: each is replaced by one
 * word already quoted for the job's shell, which inside quotes would keep its quotes. Returns the
 * references that stand inside quotes. Bash: '…' (no escapes), "…" and $'…' (backslash escapes);
 * PowerShell: '…' (and the typographic single quotes, '' doubling) and "…" (backtick escapes).
 */
export function quotedReferences(command: string, shell: "bash" | "powershell"): string[] {
    const inside: string[] = [];
    const singles = shell === "powershell" ? "'\u2018\u2019\u201a\u201b" : "'";
    const doubles = shell === "powershell" ? "\"\u201c\u201d\u201e" : "\"";
    const escape = shell === "powershell" ? "`" : "\\";
    let quote: "none" | "single" | "double" | "ansi" = "none";
    for (let i = 0; i < command.length; i++) {
        const c = command[i];
        if (c === "{" && command[i + 1] === "{") {
            const end = command.indexOf("}}", i);
            if (end > 0) {
                if (quote !== "none") inside.push(command.slice(i, end + 2));
                i = end + 1;
                continue;
            }
        }
        if (quote === "single") {
            if (singles.includes(c)) {
                // PowerShell writes a quote inside '…' as two.
                if (shell === "powershell" && singles.includes(command[i + 1] ?? "")) i++;
                else quote = "none";
            }
        } else if (quote === "double" || quote === "ansi") {
            if (c === escape) i++;
            else if ((quote === "double" && doubles.includes(c)) || (quote === "ansi" && c === "'")) quote = "none";
        } else if (c === escape) i++;
        else if (shell === "bash" && c === "$" && command[i + 1] === "'") {
            quote = "ansi";
            i++;
        } else if (singles.includes(c)) quote = "single";
        else if (doubles.includes(c)) quote = "double";
        else if (shell === "bash" && c === "#" && (i === 0 || /\s/.test(command[i - 1]))) {
            // A comment runs to the end of its line: a quote in it opens nothing.
            const eol = command.indexOf("\n", i);
            i = eol < 0 ? command.length : eol;
        }
    }
    return inside;
}

/**
 * The jobs each job comes after, directly or not: the only jobs whose values it can use, for the
 * others may not have run yet. `predecessors`: each job's direct predecessors.
 */
export function ancestorsOf(predecessors: Record<string, string[]>): Record<string, Set<string>> {
    const memo: Record<string, Set<string>> = {};
    const visit = (job: string, path: Set<string>): Set<string> => {
        if (memo[job]) return memo[job];
        const all = new Set<string>();
        for (const p of predecessors[job] ?? []) {
            if (path.has(p)) continue;
            all.add(p);
            for (const a of visit(p, new Set([...path, p]))) all.add(a);
        }
        return (memo[job] = all);
    };
    for (const job of Object.keys(predecessors)) visit(job, new Set([job]));
    return memo;
}

/**
 * What is wrong with the values of a jobnet, one line per problem naming the jobnet and the job:
 * bad names, a job of `every` server that emits, a reference to a job that does not emit that name
 * or does not come before the job using it, a reference inside quotes, too many values.
 * `predecessors`: every job's direct predecessors (`after`, and the judgment it is a branch of).
 */
export function jobValueProblems(d: JobnetDefinition, predecessors: Record<string, string[]>): string[] {
    const problems: string[] = [];
    const where = `jobnet ${d.name}`;
    const jobs = Object.entries<Job<string>>(d.jobs);
    const ancestors = ancestorsOf(predecessors);
    const emitted = new Map(jobs.map(([name, job]) => [name, job.kind === "command" ? job.emits ?? [] : []]));
    const check = (at: string, user: string, ref: ValueRef, how: string) => {
        if (ref.source === triggerSource) {
            if (!valueNamePattern.test(ref.name)) problems.push(`${at}: ${how} ${ref.text}: ${ref.name} is not a start value's name (letters, digits and _, not starting with a digit)`);
            return;
        }
        if (!emitted.has(ref.source)) problems.push(`${at}: ${how} ${ref.text}, but the jobnet has no job ${ref.source}`);
        else if (!emitted.get(ref.source)!.includes(ref.name)) problems.push(`${at}: ${how} ${ref.text}, but ${ref.source} does not emit ${ref.name} (its emits: ${emitted.get(ref.source)!.join(", ") || "none"})`);
        else if (!ancestors[user]?.has(ref.source)) problems.push(`${at}: ${how} ${ref.text}, but ${ref.source} does not come before ${user} (in after, directly or through other jobs): it may not have run yet`);
    };
    let total = 0;
    for (const [name, job] of jobs) {
        const at = `${where}, job ${name}`;
        if (name === triggerSource) problems.push(`${at}: ${triggerSource} is the name of the run's start values ({{${triggerSource}.key}}): name the job otherwise`);
        if (job.kind === "command") {
            const emits = job.emits ?? [];
            total += emits.length;
            const badNames = emits.filter((n) => !valueNamePattern.test(n));
            if (badNames.length > 0) problems.push(`${at}: emits ${badNames.map((n) => JSON.stringify(n)).join(", ")}: a value's name is letters, digits and _, not starting with a digit, at most 64`);
            const twice = emits.filter((n, i) => emits.indexOf(n) !== i);
            if (twice.length > 0) problems.push(`${at}: emits ${twice.join(", ")} more than once`);
            if (emits.length > 0 && (job.on.servers ?? "every") !== "one") {
                problems.push(`${at}: emits values, so it must run on one server (on: { servers: "one" }): the servers of a group could print different values`);
            }
            const texts: [string, string][] = [["command", job.command], ...Object.entries(job.environment ?? {}).map(([k, v]) => [`environment ${k}`, v] as [string, string]), ["workingDirectory", job.workingDirectory ?? ""]];
            for (const [part, text] of texts) {
                const { refs, bad } = referencesIn(text);
                if (bad.length > 0) problems.push(`${at}: ${part} uses ${bad.join(", ")}: a value is {{JOB.NAME}} or {{${triggerSource}.key}}`);
                for (const ref of refs) check(at, name, ref, `${part} uses`);
            }
            const quoted = quotedReferences(job.command, job.shell ?? "bash");
            if (quoted.length > 0) problems.push(`${at}: command uses ${quoted.join(", ")} inside quotes: write it outside them, for it is replaced by one word already quoted for the shell`);
        }
        if (job.kind === "waitForFile") {
            const part = job.key !== undefined ? "key" : "prefix";
            const { refs, bad } = referencesIn(job.key ?? job.prefix ?? "");
            if (bad.length > 0) problems.push(`${at}: ${part} uses ${bad.join(", ")}: a value is {{JOB.NAME}} or {{${triggerSource}.key}}`);
            for (const ref of refs) check(at, name, ref, `${part} uses`);
        }
        if (job.kind === "judgment" && "value" in job.when) {
            const ref = parseValueName(job.when.value);
            if (!ref) problems.push(`${at}: when.value ${JSON.stringify(job.when.value)} is not JOB.NAME or ${triggerSource}.key`);
            else check(at, name, ref, "judges");
            if ("equals" in job.when && typeof job.when.equals !== "string") problems.push(`${at}: when.equals compares the value as text: write it in quotes (${JSON.stringify(String(job.when.equals))})`);
            if ("above" in job.when || "from" in job.when) {
                const bounds = "above" in job.when ? [job.when.above] : [job.when.from, job.when.to];
                if (bounds.some((b) => typeof b !== "number" || !Number.isFinite(b))) problems.push(`${at}: when.above, when.from and when.to compare numbers`);
            }
        }
    }
    if (total > valueLimits.maxPerJobnet) {
        problems.push(`${where}: its jobs emit ${total} values; at most ${valueLimits.maxPerJobnet} (of up to ${valueLimits.maxLength} characters each: the run's record is one DynamoDB item, at most 400 KB)`);
    }
    return problems;
}

/**
 * The values a job printed: each line `NAME=value` of its standard output whose NAME it declares
 * (the last one printed wins), or why they cannot be taken: a value longer than the bound, or an
 * output longer than Run Command returns (a line printed past it could have set a value).
 */
export function emittedValues(job: string, emits: readonly string[], stdout: string): { values: Record<string, string> } | { error: string; cause: string } {
    if (stdout.length >= readableOutputChars) {
        return { error: "ValueOutputTooLong", cause: `${job}: printed ${readableOutputChars.toLocaleString("en-US")} characters or more on its standard output, the most Run Command returns (GetCommandInvocation), so the values it emits (${emits.join(", ")}) cannot be read with certainty: print less, or write the rest to a file` };
    }
    const values: Record<string, string> = {};
    for (const line of stdout.split("\n")) {
        const eq = line.indexOf("=");
        if (eq <= 0) continue;
        const name = line.slice(0, eq);
        if (emits.includes(name)) values[name] = line.slice(eq + 1).replace(/\r$/, "");
    }
    const long = Object.entries(values).filter(([, v]) => v.length > valueLimits.maxLength);
    if (long.length > 0) {
        return { error: "ValueTooLong", cause: `${job}: printed ${long.map(([n, v]) => `${n} (${v.length} characters)`).join(", ")}; a value is at most ${valueLimits.maxLength.toLocaleString("en-US")} characters` };
    }
    return { values };
}

/** The start values of a run from its input (`{ "values": { "bucket": …, "key": … } }`): strings under a value's name, within the bound. */
export function startValuesOf(input: unknown): Record<string, string> {
    const given = (input as { values?: unknown } | undefined)?.values;
    if (typeof given !== "object" || given === null) return {};
    const kept = Object.entries(given as Record<string, unknown>)
        .filter((e): e is [string, string] => typeof e[1] === "string" && valueNamePattern.test(e[0]) && e[1].length <= valueLimits.maxLength);
    return Object.fromEntries(kept.slice(0, valueLimits.maxStartValues));
}

/** A value a job needs, read from the run's record, or why it is not there: the cause names the value and who should have set it. */
export function lookUpValue(record: RunRecord, user: string, ref: ValueRef): { value: string } | { cause: string } {
    if (ref.source === triggerSource) {
        const value = record.trigger?.[ref.name];
        if (value !== undefined) return { value };
        return { cause: `${user}: needs ${ref.text}, a value the run should have been started with (its input's values.${ref.name}); this run has none: a run started by hand has no start values, and one longer than ${valueLimits.maxLength.toLocaleString("en-US")} characters is not kept` };
    }
    const setter: JobState | undefined = record.jobs[ref.source];
    const value = setter?.values?.[ref.name];
    if (value !== undefined) return { value };
    if (setter?.end === "skipped") return { cause: `${user}: needs ${ref.text}, which ${ref.source} should have set, but ${ref.source} was skipped` };
    return { cause: `${user}: needs ${ref.text}, which ${ref.source} should have set by printing a line ${ref.name}=… on its standard output; it did not` };
}

/** A command job with every value it uses put in: quoted for its shell in its command, as is in its environment and working directory (renderCommand quotes those). */
export function withValues(user: string, job: CommandJob<string>, record: RunRecord): { job: CommandJob<string> } | { error: "ValueMissing"; cause: string } {
    const found = new Map<string, string>();
    for (const ref of valuesUsedBy(job)) {
        const looked = lookUpValue(record, user, ref);
        if ("cause" in looked) return { error: "ValueMissing", cause: looked.cause };
        found.set(ref.text, looked.value);
    }
    const put = (text: string, quote: (v: string) => string) => text.replace(referencePattern, (whole) => (found.has(whole) ? quote(found.get(whole)!) : whole));
    const quote = (job.shell ?? "bash") === "powershell" ? powerShellWord : bashWord;
    return {
        job: {
            ...job,
            command: put(job.command, quote),
            ...(job.environment ? { environment: Object.fromEntries(Object.entries(job.environment).map(([k, v]) => [k, put(v, (x) => x)])) } : {}),
            ...(job.workingDirectory !== undefined ? { workingDirectory: put(job.workingDirectory, (x) => x) } : {}),
        },
    };
}

/** The key or prefix a wait-for-file job looks for, its values put in as they are (an S3 key is no shell word). */
export function fileKeyWithValues(user: string, text: string, record: RunRecord): { text: string } | { error: "ValueMissing"; cause: string } {
    let put = text;
    for (const ref of referencesIn(text).refs) {
        const looked = lookUpValue(record, user, ref);
        if ("cause" in looked) return { error: "ValueMissing", cause: looked.cause };
        put = put.split(ref.text).join(looked.value);
    }
    return { text: put };
}

/** A bash word holding exactly `text`: single quotes, in which nothing is special but the quote itself. */
export function bashWord(text: string): string {
    return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * A PowerShell word holding exactly `text`: single quotes, in which nothing expands; a quote is
 * written twice, and PowerShell takes the typographic single quotes (U+2018 to U+201B) for quotes
 * too (about_Quoting_Rules), so they are doubled as well.
 */
export function powerShellWord(text: string): string {
    return `'${text.replace(/['\u2018\u2019\u201a\u201b]/g, (q) => q + q)}'`;
}

/** Whether a value meets a judgment's condition; a number compared that is not one cannot be judged. */
export function valueMeets(value: string, when: ValueCondition): boolean | "not a number" {
    if ("equals" in when) return value === when.equals;
    if (!/^-?\d+(\.\d+)?$/.test(value.trim())) return "not a number";
    const n = Number(value.trim());
    return "above" in when ? n > when.above : n >= when.from && n <= when.to;
}
