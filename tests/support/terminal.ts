/**
 * What a terminal `columns` wide shows once `text` is written to it: a line wraps at the edge, "\r"
 * goes back to the start of the row, ESC[K clears the row from there; colours are dropped. Enough to
 * see what a live progress line leaves behind.
 */
export function screen(text: string, columns: number): string[] {
    const rows = [""];
    let col = 0;
    const newRow = () => {
        rows.push("");
        col = 0;
    };
    for (const token of text.replace(/\x1b\[\d+m/g, "").split(/(\r|\n|\x1b\[K)/)) {
        if (token === "\r") col = 0;
        else if (token === "\n") newRow();
        else if (token === "\x1b[K") rows[rows.length - 1] = rows[rows.length - 1].slice(0, col);
        else {
            for (const char of token) {
                // The cursor waits at the edge: the next character goes to a new row.
                if (col === columns) newRow();
                const row = rows[rows.length - 1].padEnd(col);
                rows[rows.length - 1] = row.slice(0, col) + char + row.slice(col + 1);
                col++;
            }
        }
    }
    return rows;
}
