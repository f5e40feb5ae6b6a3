import type { OnServers } from "../../../statemachines/jobs";

/**
 * The host mapping of `npm run import-jp1 -- --hosts FILE`: which server group (the stack's
 * `jobnetGroups`) stands for each JP1/AJS3 execution host or agent (`ex=`). A JSON object:
 * `{ "dbhost01": "db-client", "apsv01": { "group": "batch", "servers": "every" } }`. A JP1/AJS3 job
 * runs once, on one host, so a host maps to `servers: "one"` unless the mapping says `every`.
 * The key `*` stands for every host the mapping does not name, and for jobs without `ex=` (which
 * JP1/AJS3 runs on the manager host).
 */
export type HostMapping = Record<string, OnServers>;

const groupPattern = /^[a-z0-9][a-z0-9-]{0,47}$/;

/** The mapping a file holds, or the one problem that keeps it from being read, naming the host and the expected form. */
export function parseHostMapping(text: string, file: string): HostMapping {
    let raw: unknown;
    try {
        raw = JSON.parse(text);
    } catch (e) {
        throw new Error(`${file}: not JSON (${(e as Error).message}); expected { "HOST": "GROUP" | { "group": "GROUP", "servers": "one" | "every" } }`);
    }
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new Error(`${file}: expected a JSON object { "HOST": "GROUP", ... }`);
    const mapping: HostMapping = {};
    for (const [host, value] of Object.entries(raw)) {
        const expected = `"GROUP" or { "group": "GROUP", "servers": "one" | "every" }, a group as the stack's jobnetGroups names it (${groupPattern.source})`;
        const entry = typeof value === "string" ? { group: value } : value;
        if (typeof entry !== "object" || entry === null || typeof entry.group !== "string" || !groupPattern.test(entry.group)) throw new Error(`${file}: host ${host}: expected ${expected}, found ${JSON.stringify(value)}`);
        const extra = Object.keys(entry).filter((k) => k !== "group" && k !== "servers");
        if (extra.length > 0) throw new Error(`${file}: host ${host}: unknown key ${extra[0]}; expected ${expected}`);
        const servers = (entry as { servers?: unknown }).servers ?? "one";
        if (servers !== "one" && servers !== "every") throw new Error(`${file}: host ${host}: servers is "one" or "every", not ${JSON.stringify(servers)}`);
        mapping[host] = { group: entry.group, servers };
    }
    return mapping;
}

/** The servers a job on `host` (undefined: no `ex=`) runs on, or undefined when the mapping names neither it nor `*`. */
export function serversOfHost(mapping: HostMapping, host: string | undefined): OnServers | undefined {
    return (host !== undefined ? mapping[host] : undefined) ?? mapping["*"];
}
