/**
 * JP1/AJS3 unit definition files, as `ajsprint -a` prints them and `ajsdefine` reads them (JP1/AJS3
 * Command Reference, "Format of unit definition files"): a unit is `unit=NAME[,PERMISSION[,OWNER[,
 * RESOURCE-GROUP]]];` followed by `{ ... }`, which holds its parameters (`ty=n;`, `el=JOB1,j,+80+48;`,
 * `ar=(f=JOB1,t=JOB2);`) and the units under it. Comments are `/* ... *\/`. A value may be a string in
 * double quotes, where `#"` is a quote and `##` a `#`. Only the syntax is read here: what each
 * parameter means is the importer's (issue 22).
 */

/** One parameter as written: its name, its value (strings unquoted), and its line. */
export interface UnitParameter {
    name: string;
    value: string;
    line: number;
}

/** A unit: its name and attributes, its parameters in order, the units under it, and where it is. */
export interface Unit {
    name: string;
    permission: string;
    owner: string;
    resourceGroup: string;
    parameters: UnitParameter[];
    units: Unit[];
    /** The path from the file's top unit: `/group/net/job`. */
    path: string;
    file: string;
    line: number;
    /** A job group the file names only in the path of its top unit (`unit=/SALES/NIGHTLY`): its own definition is not in the file. */
    notPrinted?: true;
}

/** A file the importer cannot read: which, the line, and what it expected there. */
export class UnitSyntaxError extends Error {
    constructor(readonly file: string, readonly line: number, readonly expected: string, found: string) {
        super(`${file}:${line}: expected ${expected}, found ${found}`);
        this.name = "UnitSyntaxError";
    }
}

/**
 * The text of a unit definition file: UTF-8 when its bytes are valid UTF-8 (a BOM dropped), else
 * Shift_JIS, which JP1/AJS3 writes on Japanese systems (Node.js decodes it with its full ICU).
 */
export function decodeUnitFile(bytes: Uint8Array): { text: string; encoding: "utf-8" | "shift_jis" } {
    try {
        const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
        return { text: text.replace(/^\uFEFF/, ""), encoding: "utf-8" };
    } catch {
        return { text: new TextDecoder("shift_jis").decode(bytes), encoding: "shift_jis" };
    }
}

/** `spaced`: blank space came before it on its line (a bare value keeps its spaces: `+80 +48`). */
type Token = { kind: "word" | "string" | "punct"; text: string; line: number; spaced: boolean };

/** The file's tokens: words (unquoted runs), strings (quotes removed, escapes applied), and `= , ; { } ( )`. */
function tokenize(text: string, file: string): Token[] {
    const tokens: Token[] = [];
    let line = 1;
    let i = 0;
    let spaced = false;
    const push = (t: Omit<Token, "spaced">) => {
        tokens.push({ ...t, spaced });
        spaced = false;
    };
    while (i < text.length) {
        const c = text[i];
        if (c === "\n") {
            line++;
            i++;
            spaced = false;
        } else if (/\s/.test(c)) {
            i++;
            spaced = true;
        } else if (text.startsWith("/*", i)) {
            const end = text.indexOf("*/", i + 2);
            if (end < 0) throw new UnitSyntaxError(file, line, "the end of the comment, */", "the end of the file");
            line += (text.slice(i, end).match(/\n/g) ?? []).length;
            i = end + 2;
        } else if (c === '"') {
            const start = line;
            let value = "";
            i++;
            for (;;) {
                if (i >= text.length) throw new UnitSyntaxError(file, start, "the closing quote of the string", "the end of the file");
                const ch = text[i];
                if (ch === "#" && (text[i + 1] === '"' || text[i + 1] === "#")) {
                    value += text[i + 1];
                    i += 2;
                } else if (ch === '"') {
                    i++;
                    break;
                } else {
                    if (ch === "\n") line++;
                    value += ch;
                    i++;
                }
            }
            push({ kind: "string", text: value, line: start });
        } else if ("=,;{}()".includes(c)) {
            push({ kind: "punct", text: c, line });
            i++;
        } else {
            let word = "";
            // A comment opens where a token could start, not inside a word: a start date counted in open days writes "/*" (sd=2027/01/*b).
            while (i < text.length && !/\s/.test(text[i]) && !'=,;{}()"'.includes(text[i])) word += text[i++];
            push({ kind: "word", text: word, line });
        }
    }
    return tokens;
}

/** Every top unit of a file, each with the units under it. */
export function parseUnitDefinitions(text: string, file: string): Unit[] {
    const tokens = tokenize(text, file);
    let at = 0;
    const lastLine = tokens.length > 0 ? tokens[tokens.length - 1].line : 1;
    const peek = () => tokens[at];
    const shown = (t: Token | undefined) => (t === undefined ? "the end of the file" : t.kind === "string" ? `"${t.text}"` : JSON.stringify(t.text));
    const expect = (text: string, what = JSON.stringify(text)): Token => {
        const t = peek();
        if (!t || t.kind !== "punct" || t.text !== text) throw new UnitSyntaxError(file, t?.line ?? lastLine, what, shown(t));
        at++;
        return t;
    };
    /** A parameter's value: everything up to its `;`, strings unquoted, as written otherwise. */
    const valueUpToSemicolon = (name: string): string => {
        let value = "";
        let depth = 0;
        for (;;) {
            const t = peek();
            if (!t) throw new UnitSyntaxError(file, lastLine, `; at the end of ${name}=${value}`, "the end of the file");
            if (t.kind === "punct" && t.text === ";" && depth === 0) break;
            if (t.kind === "punct" && (t.text === "{" || t.text === "}")) throw new UnitSyntaxError(file, t.line, `; at the end of ${name}=${value}`, shown(t));
            if (t.kind === "punct" && t.text === "(") depth++;
            if (t.kind === "punct" && t.text === ")") depth--;
            // A string is a whole value, or a whole field of one: what stands beside it needs a "," or "=" between.
            const previous = tokens[at - 1];
            if (value !== "" && (t.kind === "string" || previous.kind === "string") && t.kind !== "punct" && previous.kind !== "punct") {
                throw new UnitSyntaxError(file, t.line, `"," or ";" after ${name}=${value}`, shown(t));
            }
            value += (t.spaced && value !== "" ? " " : "") + (t.kind === "string" ? JSON.stringify(t.text) : t.text);
            at++;
        }
        at++;
        return value;
    };
    const unit = (parent: string): Unit => {
        const start = peek();
        if (!start || start.kind !== "word" || start.text !== "unit") throw new UnitSyntaxError(file, start?.line ?? lastLine, "unit=NAME,...; (a unit attribute parameter)", shown(start));
        at++;
        expect("=", '"=" after unit');
        const fields: string[] = [""];
        while (peek() && !(peek().kind === "punct" && peek().text === ";")) {
            const t = peek();
            if (t.kind === "punct" && t.text === ",") fields.push("");
            else if (t.kind === "punct") throw new UnitSyntaxError(file, t.line, "unit=NAME,PERMISSION,OWNER,RESOURCE-GROUP;", shown(t));
            else fields[fields.length - 1] += t.text;
            at++;
        }
        expect(";", '";" after the unit attribute parameter');
        const written = fields[0];
        if (written === "" || written === "/") throw new UnitSyntaxError(file, start.line, "a unit name after unit=", "none");
        // A top unit may be written with its full path (unit=/SALES/NIGHTLY): its name is the last part.
        const name = parent === "" ? written.slice(written.lastIndexOf("/") + 1) : written;
        const path = parent === "" && written.startsWith("/") ? written : `${parent}/${name}`;
        const found: Unit = { name, permission: fields[1] ?? "", owner: fields[2] ?? "", resourceGroup: fields[3] ?? "", parameters: [], units: [], path, file, line: start.line };
        expect("{", `"{" to open the definition of unit ${name}`);
        for (;;) {
            const t = peek();
            if (!t) throw new UnitSyntaxError(file, lastLine, `"}" to close the definition of unit ${name} (line ${start.line})`, "the end of the file");
            if (t.kind === "punct" && t.text === "}") {
                at++;
                return found;
            }
            if (t.kind === "word" && t.text === "unit") {
                found.units.push(unit(path));
                continue;
            }
            if (t.kind !== "word") throw new UnitSyntaxError(file, t.line, `a parameter (NAME=VALUE;), a unit, or "}" in unit ${name}`, shown(t));
            at++;
            expect("=", `"=" after the parameter ${t.text}`);
            found.parameters.push({ name: t.text, value: valueUpToSemicolon(t.text), line: t.line });
        }
    };
    const units: Unit[] = [];
    while (peek()) units.push(withGroupsAbove(unit("")));
    return units;
}

/**
 * A top unit written with its full path, inside the job groups its path names (not printed, so
 * without parameters): its jobnets are named and filed as if the file held those groups.
 */
function withGroupsAbove(top: Unit): Unit {
    const above = top.path.split("/").slice(1, -1);
    return above.reduceRight<Unit>((inner, name, i) => ({
        name, permission: "", owner: "", resourceGroup: "", parameters: [{ name: "ty", value: "g", line: top.line }], units: [inner],
        path: `/${above.slice(0, i + 1).join("/")}`, file: top.file, line: top.line, notPrinted: true,
    }), top);
}

/** A parameter's values: its first by name, or all of them (a unit may repeat `el`, `ar`, `sd`, `st`, `env`...). */
export function parameter(unit: Unit, name: string): string | undefined {
    return unit.parameters.find((p) => p.name === name)?.value;
}

export function parameters(unit: Unit, name: string): UnitParameter[] {
    return unit.parameters.filter((p) => p.name === name);
}

/** A string value as the file wrote it (`"..."`), unquoted; a bare value as it is. */
export function unquoted(value: string): string {
    return value.startsWith('"') && value.endsWith('"') && value.length >= 2 ? (JSON.parse(value) as string) : value;
}
