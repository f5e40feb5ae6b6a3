/**
 * How wide a line of text is drawn in Helvetica, Arial or Liberation Sans (the fonts a report's
 * `font-family="Helvetica, Arial, sans-serif"` finds on macOS, Windows and Linux; the three share
 * their advance widths), so that a picture gives each label the room it takes. Widths are
 * Helvetica's, in thousandths of the font size (Adobe's Helvetica and Helvetica-Bold AFM files),
 * for the printable ASCII characters from the space on.
 */
const regular = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space ! " # $ % & ' ( ) * + , - . /
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0-9 : ; < = > ?
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @ A-O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // P-Z [ \ ] ^ _
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // ` a-o
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // p-z { | } ~
];
const bold = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
];

/** A few characters past ASCII that reports use, by their Helvetica width; any other is taken as a full em, the widest a symbol or a CJK character is drawn in the font that falls in for it. */
const beyondAscii: Record<string, number> = { "·": 278, "…": 1000, "–": 556, "—": 1000, "→": 1000, "×": 584, "é": 556 };

/** The width in pixels of `text` in one line at `size` pixels. */
export function textWidth(text: string, size: number, weight: "regular" | "bold" = "regular"): number {
    const widths = weight === "bold" ? bold : regular;
    let thousandths = 0;
    for (const c of text) {
        const code = c.codePointAt(0)!;
        thousandths += code >= 32 && code <= 126 ? widths[code - 32] : beyondAscii[c] ?? 1000;
    }
    return (thousandths * size) / 1000;
}

/**
 * `text` in lines no wider than `width` pixels, broken between words; a word wider than a line
 * alone is broken where it must be, so that no line is ever wider than asked.
 */
export function wrapText(text: string, width: number, size: number, weight: "regular" | "bold" = "regular"): string[] {
    const lines: string[] = [];
    let line = "";
    for (const word of text.split(/\s+/).filter((w) => w !== "")) {
        const joined = line === "" ? word : `${line} ${word}`;
        if (textWidth(joined, size, weight) <= width) {
            line = joined;
            continue;
        }
        if (line !== "") lines.push(line);
        let chars = [...word];
        while (textWidth(chars.join(""), size, weight) > width) {
            let fits = 1;
            while (fits < chars.length && textWidth(chars.slice(0, fits + 1).join(""), size, weight) <= width) fits++;
            lines.push(chars.slice(0, fits).join(""));
            chars = chars.slice(fits);
        }
        line = chars.join("");
    }
    if (line !== "") lines.push(line);
    return lines;
}
