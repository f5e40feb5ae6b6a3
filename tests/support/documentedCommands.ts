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
