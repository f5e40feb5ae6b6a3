/** The lines of a Markdown text under a heading, up to the next heading of the same or a higher level. */
export function markdownSection(markdown: string, heading: string): string {
    const level = headingLevel(heading);
    const lines = markdown.split("\n");
    let fenced = false;
    let start: number | undefined;
    for (const [index, line] of lines.entries()) {
        if (line.startsWith("```")) fenced = !fenced;
        if (fenced) continue;
        if (start === undefined && line === heading) start = index;
        else if (start !== undefined && headingLevel(line) > 0 && headingLevel(line) <= level) return lines.slice(start + 1, index).join("\n");
    }
    if (start === undefined) throw new Error(`no heading "${heading}"`);
    return lines.slice(start + 1).join("\n");
}

/** The commands of the ```sh blocks of a Markdown text, in order. */
export function markdownShellCommands(markdown: string): string[] {
    const blocks = [...markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((match) => match[1]);
    return blocks.flatMap(shellCommands);
}

/** The commands of a shell script, one a line, without comments or blank lines. */
export function shellCommands(script: string): string[] {
    return script.split("\n").map(withoutComment).map((line) => line.trim()).filter((line) => line !== "");
}

function headingLevel(line: string): number {
    return /^(#+) /.exec(line)?.[1].length ?? 0;
}

/** The line up to a `#` that starts a comment: at the start of a word, outside quotes. */
function withoutComment(line: string): string {
    let quote: string | undefined;
    for (let index = 0; index < line.length; index++) {
        const char = line[index];
        if (quote) {
            if (char === quote) quote = undefined;
        } else if (char === "'" || char === '"') {
            quote = char;
        } else if (char === "#" && (index === 0 || /\s/.test(line[index - 1]))) {
            return line.slice(0, index);
        }
    }
    return line;
}

/** The texts of the inline code spans of a Markdown text, outside fenced blocks (`` `a` `` and ``` `` b `` ```). */
export function markdownCodeSpans(markdown: string): string[] {
    const prose = markdown.replace(/^```[\s\S]*?^```$/gm, "");
    return [...prose.matchAll(/(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/g)].map((match) => match[2].trim().replace(/\\\|/g, "|"));
}

/** The commands a transcript in a plain ``` block shows after `$ `, its `\` continuations joined. */
export function markdownTranscriptCommands(markdown: string): string[] {
    const blocks = fencedBlocks(markdown).filter((block) => block.info === "").map((block) => block.text);
    return blocks.flatMap((block) => block.replace(/\\\n\s*/g, "").split("\n").filter((line) => line.startsWith("$ ")).map((line) => line.slice(2).trim()));
}

/** The fenced blocks of a Markdown text, each with its info string (`sh`, `ts`, or none). */
export function fencedBlocks(markdown: string): { info: string; text: string }[] {
    const blocks: { info: string; text: string }[] = [];
    let open: { info: string; lines: string[] } | undefined;
    for (const line of markdown.split("\n")) {
        if (!line.startsWith("```")) open?.lines.push(line);
        else if (open) {
            blocks.push({ info: open.info, text: open.lines.join("\n") });
            open = undefined;
        } else open = { info: line.slice(3).trim(), lines: [] };
    }
    return blocks;
}

/** Every npm command a Markdown text gives: in ```sh blocks, in transcripts and in code spans. */
export function markdownNpmCommands(markdown: string): string[] {
    const commands = [...markdownShellCommands(markdown), ...markdownTranscriptCommands(markdown), ...markdownCodeSpans(markdown)];
    return commands.filter((command) => /^npm (start|test|ci|run [\w:-]+)\b/.test(command));
}

/** What npm 11 hands a script for `npm start …` or `npm run NAME …`. */
export interface NpmHandOver {
    script: string;
    /** The arguments the script gets. */
    args: string[];
    /** The environment npm sets: each option written before `--` becomes its setting, npm_config_NAME. */
    env: Record<string, string>;
}

/**
 * What npm does with a command line: it keeps each `--name` or `--name=value` written before the
 * first `--` as its own setting (`npm_config_name`, "true" for a flag) and passes on the rest.
 */
export function npmHandOver(command: string): NpmHandOver {
    // An optional part's brackets (`npm run synth [-- --stack NAME]`) are the reader's, not npm's.
    const words = command.replace(/[[\]]/g, "").split(/\s+/);
    const script = words[1] === "run" ? words[2] : words[1];
    const rest = words.slice(words[1] === "run" ? 3 : 2);
    const args: string[] = [];
    const env: Record<string, string> = { npm_lifecycle_event: script };
    const separator = rest.indexOf("--");
    for (const [index, word] of rest.entries()) {
        if (separator >= 0 && index > separator) args.push(word);
        else if (index === separator) continue;
        else if (word.startsWith("--")) {
            const [name, value] = word.slice(2).split(/=(.*)/s);
            env[`npm_config_${name.replace(/-/g, "_")}`] = value ?? "true";
        } else args.push(word);
    }
    return { script, args, env };
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces made hyphens. */
export function headingAnchor(heading: string): string {
    return heading.replace(/^#+ /, "").trim().toLowerCase().replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, "").replace(/ /g, "-");
}

/** The anchors of a Markdown text's headings, outside fenced blocks; a repeated one gets -1, -2… as on GitHub. */
export function markdownAnchors(markdown: string): Set<string> {
    const anchors = new Set<string>();
    let fenced = false;
    for (const line of markdown.split("\n")) {
        if (line.startsWith("```")) fenced = !fenced;
        if (fenced || headingLevel(line) === 0) continue;
        const anchor = headingAnchor(line);
        let unique = anchor;
        for (let n = 1; anchors.has(unique); n++) unique = `${anchor}-${n}`;
        anchors.add(unique);
    }
    return anchors;
}

/** The targets of a Markdown text's links and images that lead within the repository (no scheme). */
export function markdownLocalLinks(markdown: string): string[] {
    const prose = markdown.replace(/^```[\s\S]*?^```$/gm, "").replace(/`[^`\n]*`/g, "");
    return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]).filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

/** The cells of each row of the first Markdown table under a header that starts with this text. */
export function markdownTableRows(markdown: string, header: string): string[][] {
    const lines = markdown.split("\n");
    const start = lines.findIndex((line) => line.startsWith(header));
    if (start < 0) throw new Error(`no table "${header}"`);
    const rows: string[][] = [];
    for (let i = start + 2; i < lines.length && lines[i].startsWith("|"); i++) {
        rows.push(lines[i].split(/(?<!\\)\|/).slice(1, -1).map((cell) => cell.trim()));
    }
    return rows;
}

/** A quoted message whose elisions (…) stand for any text, as a pattern of the whole message. */
export function quotePattern(quote: string): RegExp {
    return new RegExp(`^${quote.split("…").map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("[\\s\\S]*?")}$`);
}

/** A terminal session shown in a plain ``` block: the command after `$ ` and the lines it printed. */
export interface Transcript {
    command: string;
    printed: string[];
}

/** The transcripts of a Markdown text: each plain ``` block that begins with `$ npm …`, its `\` continuations joined. */
export function markdownTranscripts(markdown: string): Transcript[] {
    return fencedBlocks(markdown)
        .filter((block) => block.info === "" && block.text.startsWith("$ npm "))
        .map((block) => {
            const [command, ...printed] = block.text.replace(/\\\n\s*/g, "").split("\n");
            return { command: command.slice(2).trim(), printed };
        });
}

/**
 * The lines of a transcript that are not in the output, in its order: each line must come after the
 * one before it; a line `...` stands for lines left out, and `…` within a line for any text.
 */
export function linesNotPrinted(printed: string[], output: string): string[] {
    const lines = output.split("\n");
    const missing: string[] = [];
    let at = 0;
    for (const line of printed.filter((l) => l.trim() !== "..." && l.trim() !== "…")) {
        const pattern = quotePattern(line);
        const found = lines.findIndex((candidate, index) => index >= at && pattern.test(candidate));
        if (found < 0) missing.push(line);
        else at = found + 1;
    }
    return missing;
}
