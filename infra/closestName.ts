/**
 * "Did you mean …?": the known name closest to a misspelt one. Case is ignored (webhookURL →
 * webhookUrl) and a swap of two neighbours counts as one edit (regoin → region).
 */

/** Edits between two strings: insertions, deletions, substitutions and swaps of neighbours (optimal string alignment). */
export function editDistance(a: string, b: string): number {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
            const cost = a[i - 1] === b[j - 1] ? 0 : 1;
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.length][b.length];
}

/**
 * The candidate closest to `name`, or undefined when none is close enough to be what was meant:
 * at most a third of the name's letters wrong (at least one, at most three). Ties go to the
 * earlier candidate.
 */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
    const allowed = Math.max(1, Math.min(3, Math.floor(name.length / 3)));
    let best: { candidate: string; distance: number } | undefined;
    for (const candidate of candidates) {
        const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
        if (distance <= allowed && (best === undefined || distance < best.distance)) best = { candidate, distance };
    }
    return best?.candidate;
}
