import { createHash } from "crypto";
import { jobNamePattern } from "../../../statemachines/jobs";

/**
 * JP1/AJS3 unit names (up to 30 bytes, upper case, Japanese, `_` and `.` allowed) as this
 * project's names (`jobNamePattern`: lower case, digits and `-`, 48 at most). A name with nothing
 * left (`夜間バッチ`) becomes `unit-` and a short hash of it, so it is the same on every import.
 */
export function projectName(jp1Name: string): string {
    const folded = jp1Name.normalize("NFKC").toLowerCase().replace(/[_.\s]+/g, "-").replace(/[^a-z0-9-]/g, "").replace(/-+/g, "-").replace(/^-|-$/g, "");
    const name = folded === "" ? `unit-${hashOf(jp1Name)}` : folded;
    return name.length <= 48 ? name : `${name.slice(0, 41).replace(/-$/, "")}-${hashOf(jp1Name)}`;
}

/** Names made unique within one scope (a jobnet's jobs, the jobnets of an import): the second `load` becomes `load-2`. */
export class NameScope {
    private readonly taken = new Set<string>();

    constructor(reserved: Iterable<string> = []) {
        for (const name of reserved) this.taken.add(name);
    }

    take(wanted: string): string {
        let name = wanted;
        for (let n = 2; this.taken.has(name); n++) name = `${wanted.slice(0, 48 - String(n).length - 1)}-${n}`;
        if (!jobNamePattern.test(name)) throw new Error(`internal: ${name} is not a valid name`);
        this.taken.add(name);
        return name;
    }
}

function hashOf(text: string): string {
    return createHash("sha256").update(text).digest("hex").slice(0, 6);
}
