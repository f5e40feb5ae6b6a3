/**
 * Names in the order a person counts them, `web-2` before `web-10`: runs of digits compare by
 * their value, the rest by code unit. The one order of every list of servers a run shows (its
 * output, its email and Slack message, its causes, the timeline). It leans on no locale data, so
 * that a Lambda runtime orders as the tests do; equal values written apart (`web-02`, `web-2`)
 * keep a fixed order by code unit.
 */
export function naturalOrder(a: string, b: string): number {
    // Split on digit runs: the pieces alternate text, digits, text..., starting with text (maybe "").
    const left = a.split(/(\d+)/);
    const right = b.split(/(\d+)/);
    for (let i = 0; i < Math.min(left.length, right.length); i++) {
        const order = i % 2 === 1 ? byValue(left[i], right[i]) : byCodeUnit(left[i], right[i]);
        if (order !== 0) return order;
    }
    return left.length - right.length || byCodeUnit(a, b);
}

/** Two runs of digits by the number they write, however long (no Number: a run may pass 2^53). */
function byValue(a: string, b: string): number {
    const x = a.replace(/^0+(?=\d)/, "");
    const y = b.replace(/^0+(?=\d)/, "");
    return x.length - y.length || byCodeUnit(x, y);
}

/** By code unit, as JSON sorts: the same in every locale. */
function byCodeUnit(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}
