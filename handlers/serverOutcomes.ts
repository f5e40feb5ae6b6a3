import { naturalOrder } from "./naturalOrder";

/** A stop's output: each server, what the run found it doing, and its backup. */
interface StoppedServer {
    name: string;
    found: "running" | "stopping" | "stopped";
    backup: "started" | "existing";
}

/** A start's output: the servers by what the run did with their instance and their service. */
interface StartedServers {
    webServers: { started: string[]; alreadyStarted: string[] };
    httpd?: { started: string[]; alreadyRunning: string[] };
}

/**
 * Each server's outcome in a run's output, a line each, "web-1: stopped by this run, AMI taken",
 * web-2 before web-10: the first `max` servers and how many more, so that a message about 500
 * servers stays readable.
 * Empty for an output without servers (a skipped run, a failure).
 */
export function serverOutcomes(output: unknown, max = 10): string[] {
    const o = output as { webServers?: unknown; httpd?: unknown } | undefined;
    let lines: string[] = [];
    if (Array.isArray(o?.webServers)) {
        lines = [...(o!.webServers as StoppedServer[])].sort((a, b) => naturalOrder(a.name, b.name)).map((s) =>
            `${s.name}: ${s.found === "running" ? "stopped by this run" : `already ${s.found}`}, ${s.backup === "started" ? "AMI taken" : "AMI already there"}`);
    } else if (typeof o?.webServers === "object" && o.webServers !== null && "started" in o.webServers) {
        const { webServers, httpd } = o as StartedServers;
        const names = [...webServers.started, ...webServers.alreadyStarted].sort(naturalOrder);
        lines = names.map((name) => {
            const instance = webServers.started.includes(name) ? "started by this run" : "already running";
            const service = httpd === undefined ? "" : httpd.started.includes(name) ? ", service started" : ", service already running";
            return `${name}: ${instance}${service}`;
        });
    }
    return lines.length > max ? [...lines.slice(0, max), `and ${lines.length - max} more servers`] : lines;
}
