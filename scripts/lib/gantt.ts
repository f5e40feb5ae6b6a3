import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { readableCause } from "../../handlers/causes";
import { failurePoint } from "../../handlers/failurePoint";
import { textWidth, wrapText } from "./textWidth";

/** One state's time in a lane: entered → exited (or the end of the run, when it never exited). */
export interface GanttBar {
    lane: string;
    state: string;
    kind: "task" | "wait" | "hold" | "flow" | "group";
    start: number;
    end: number;
    /** Failed attempts inside it: retried ones, and the last, if the run failed there. */
    failures: number;
    /** The bar the run failed in. */
    failed: boolean;
    /** Still open when the history ends: the run failed elsewhere, or is still running. */
    open: boolean;
}

export interface GanttModel {
    title: string;
    status: string;
    start: number;
    end: number;
    /** Lanes in the order their first step began: a lane per step, and per server for the iterations of a Map. */
    lanes: string[];
    bars: GanttBar[];
    /** When the run was redriven. */
    redrives: number[];
    error: string | undefined;
    /** The longest single state, containers (Map, Parallel) aside. */
    slowest: GanttBar | undefined;
    /** What the run acted on, "18 web servers and cluster shop-db", "5 jobs"; undefined when its history does not say. */
    actedOn: string | undefined;
    /** Where and why a run that did not succeed ended. */
    failure: RunFailure | undefined;
}

/** Where and why a run failed, timed out or was aborted, as an operator asks it. */
export interface RunFailure {
    /** The step (or a team jobnet's job) it failed in. */
    step: string;
    /** The servers the failure names: its Map iteration's, or those its cause names. */
    servers: string[];
    error: string | undefined;
    cause: string | undefined;
}

/** A failed attempt of a state. */
const failureTypes = ["TaskFailed", "TaskTimedOut", "LambdaFunctionFailed", "LambdaFunctionTimedOut", "TaskStartFailed", "TaskSubmitFailed"];
const endTypes = ["ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted"];

function kindOf(type: string): GanttBar["kind"] {
    if (type.startsWith("Wait")) return "wait";
    if (type.startsWith("Map") || type.startsWith("Parallel")) return "group";
    if (type.startsWith("Task")) return "task";
    return "flow";
}

/** A team jobnet's job waits for its predecessors in the state `Wait for <job>`, and for an operator in `Hold <job>` (statemachines/teamJobnet.ts). */
const jobWaitPrefix = "Wait for ";
const jobHoldPrefix = "Hold ";

/**
 * The lane of a state: a team jobnet's job it belongs to (`Wait for load`, `load`, `load retry
 * interval`, `load skipped`: the lane `load`), the server its Map iteration works on (`server.name`
 * of its input), or the state itself.
 */
function laneOf(name: string, input: string | undefined, jobs: ReadonlySet<string>): string {
    for (const prefix of [jobWaitPrefix, jobHoldPrefix]) if (name.startsWith(prefix) && jobs.has(name.slice(prefix.length))) return name.slice(prefix.length);
    if (jobs.has(name)) return name;
    const job = [...jobs].filter((j) => name.startsWith(`${j} `)).sort((a, b) => b.length - a.length)[0];
    if (job !== undefined) return job;
    try {
        const server = JSON.parse(input ?? "null")?.server?.name;
        return typeof server === "string" ? server : name;
    } catch {
        return name;
    }
}

/**
 * A run's picture, from its execution history (GetExecutionHistory's events, any order): each
 * state entered is a bar in its lane until it exits; a failed attempt is counted on the bar it
 * follows from (previousEventId back to the state's entry); the bar the run failed in is marked.
 */
export function ganttModel(history: readonly HistoryEvent[], title: string): GanttModel {
    const events = [...history].sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
    const byId = new Map(events.map((e) => [e.id!, e]));
    const time = (e: HistoryEvent) => new Date(e.timestamp!).getTime();
    const start = events.length > 0 ? time(events[0]) : 0;
    const last = events[events.length - 1];
    const ended = last && endTypes.includes(last.type ?? "") ? last : undefined;
    const end = last ? time(last) : start;
    const bars: GanttBar[] = [];
    const barOfEntry = new Map<number, GanttBar>();
    const redrives: number[] = [];
    let lastFailure: { bar: GanttBar | undefined; error: string | undefined } | undefined;
    let failState: GanttBar | undefined;
    const jobs = new Set(events.flatMap((e) => {
        const name = e.stateEnteredEventDetails?.name ?? "";
        return e.type === "TaskStateEntered" && name.startsWith(jobWaitPrefix) ? [name.slice(jobWaitPrefix.length)] : [];
    }));

    const entryOf = (e: HistoryEvent): GanttBar | undefined => {
        for (let p = byId.get(e.previousEventId ?? -1), hops = 0; p && hops < 50; p = byId.get(p.previousEventId ?? -1), hops++) {
            const bar = barOfEntry.get(p.id!);
            if (bar) return bar;
            if (p.type?.endsWith("StateExited")) return undefined;
        }
        return undefined;
    };
    for (const e of events) {
        const type = e.type ?? "";
        if (type === "ExecutionRedriven") {
            redrives.push(time(e));
            // What the failed run left open was stopped when it failed; the step it failed in is marked.
            const failedAt = [...events].reverse().find((f) => f.type === "ExecutionFailed" && (f.id ?? 0) < (e.id ?? 0));
            const stoppedAt = failedAt ? time(failedAt) : time(e);
            const failedBar = failState ?? lastFailure?.bar ?? bars.filter((b) => b.open).pop();
            if (failedBar) failedBar.failed = true;
            for (const b of bars) if (b.open) Object.assign(b, { end: stoppedAt, open: false });
            failState = undefined;
            lastFailure = undefined;
        }
        if (type.endsWith("StateEntered")) {
            const name = e.stateEnteredEventDetails?.name ?? "?";
            const lane = laneOf(name, e.stateEnteredEventDetails?.input, jobs);
            // A job waiting for its predecessors is drawn as a wait, though a task holds it; one held for an operator, as a hold.
            const kind = lane === name ? kindOf(type) : name.startsWith(jobWaitPrefix) ? "wait" : name.startsWith(jobHoldPrefix) ? "hold" : kindOf(type);
            const bar: GanttBar = { lane, state: name, kind, start: time(e), end, failures: 0, failed: false, open: true };
            bars.push(bar);
            barOfEntry.set(e.id!, bar);
            if (type === "FailStateEntered") failState = bar;
        } else if (type.endsWith("StateExited")) {
            const name = e.stateExitedEventDetails?.name ?? "?";
            // The entry the exit follows from, or else this state's open bar entered last.
            const chained = entryOf(e);
            const entry = chained && chained.state === name && chained.open ? chained : bars.filter((b) => b.open && b.state === name).pop();
            if (entry) {
                entry.end = time(e);
                entry.open = false;
            }
        } else if (failureTypes.includes(type)) {
            const bar = entryOf(e);
            if (bar) bar.failures++;
            const d = e.taskFailedEventDetails ?? e.lambdaFunctionFailedEventDetails ?? e.taskTimedOutEventDetails ?? e.lambdaFunctionTimedOutEventDetails;
            lastFailure = { bar, error: d?.error };
        }
    }
    const failedEvent = ended?.type === "ExecutionFailed" ? ended : undefined;
    const error = failedEvent?.executionFailedEventDetails?.error;
    if (failedEvent) {
        // A Fail state names the failure; otherwise the last failed attempt of the run's error, or what was still open.
        const failedBar = failState ?? (lastFailure?.error === error ? lastFailure?.bar : undefined) ?? entryOf(failedEvent) ?? bars.filter((b) => b.open).pop();
        if (failedBar) failedBar.failed = true;
    }
    const steps = stepBars(bars);
    // A team job's wait for its predecessors is no step of its own.
    const measured = steps.filter((b) => b.kind !== "group" && !b.open && !(b.state.startsWith(jobWaitPrefix) && b.lane !== b.state));
    const slowest = measured.reduce<GanttBar | undefined>((best, b) => (best === undefined || b.end - b.start > best.end - best.start ? b : best), undefined);
    const status = ended?.type?.replace("Execution", "").toUpperCase() ?? "RUNNING";
    const failure = ended && status !== "SUCCEEDED" ? runFailure(events, ended, steps, jobs) : undefined;
    return { title, status, start, end, lanes: [...new Set(steps.map((b) => b.lane))], bars: steps, redrives, error, slowest, actedOn: actedOn(events, jobs), failure };
}

/**
 * What a run acted on: a team jobnet's jobs, or the web servers and the database of the stop's
 * and the start's `targets` (the last state input that carries them: a stack whose servers are a
 * tag finds them during the run). One input is read, from the end: a history of 500 servers
 * carries them in every state's input.
 */
function actedOn(events: readonly HistoryEvent[], jobs: ReadonlySet<string>): string | undefined {
    if (jobs.size > 0) return `${jobs.size} job${jobs.size === 1 ? "" : "s"}`;
    const input = [...events].reverse().find((e) => e.stateEnteredEventDetails?.input?.includes('"targets":'))?.stateEnteredEventDetails?.input;
    let targets: { webServers?: unknown; database?: { kind?: string; identifier?: string } | null } | undefined;
    try {
        targets = input === undefined ? undefined : JSON.parse(input)?.targets;
    } catch {
        return undefined;
    }
    if (!targets || !Array.isArray(targets.webServers)) return undefined;
    const servers = `${targets.webServers.length} web server${targets.webServers.length === 1 ? "" : "s"}`;
    const database = targets.database?.identifier ? `${targets.database.kind === "instance" ? "DB instance" : "cluster"} ${targets.database.identifier}` : undefined;
    return database ? `${servers} and ${database}` : servers;
}

/**
 * The step a run ended in, the servers and the cause. The jobnets' Fail states begin their cause
 * with the step that failed ("StartHttpd: httpd did not start on 1 of 18 servers …"): that step
 * when it is one of the run's; else the state failurePoint finds (a team jobnet's job, for the
 * states of a job). The servers are the Map iteration's, or each server the cause names as
 * "web-12 (i-…)", as the handlers' causes name them.
 */
function runFailure(events: readonly HistoryEvent[], ended: HistoryEvent, steps: readonly GanttBar[], jobs: ReadonlySet<string>): RunFailure {
    const details = ended.executionFailedEventDetails ?? ended.executionTimedOutEventDetails ?? ended.executionAbortedEventDetails;
    const cause = readableCause(details?.cause);
    const point = failurePoint(events);
    const named = /^([A-Za-z][\w-]*): /.exec(cause ?? "")?.[1];
    const failedBar = point === undefined ? undefined : steps.find((b) => b.state === stepName(point.state, steps) && (point.server === undefined || b.lane === point.server));
    const step = named !== undefined && steps.some((b) => b.state === named) ? named
        : failedBar !== undefined && jobs.has(failedBar.lane) ? failedBar.lane
        : failedBar?.state ?? point?.state ?? "";
    const inCause = [...(cause ?? "").matchAll(/([A-Za-z0-9][\w.-]*) \(i-[0-9a-f]+\)/g)].map((m) => m[1]);
    const servers = point?.server !== undefined ? [point.server] : [...new Set(inCause)];
    return { step, servers, error: details?.error, cause };
}

// The states a bounded wait is made of (statemachines/asl.ts, waitUntil): NameBegin, NameFirstWait,
// Name (the poll), NameCheck, NameWait (and NameWait2, … as it waits longer). They are one step,
// Name, in the picture.
const waitLoopSuffix = /(Begin|FirstWait|Check|Wait([2-9]|[1-9]\d+)?)$/;

/** The step a state belongs to: the bounded wait it is part of, or itself. */
function stepName(state: string, bars: readonly GanttBar[]): string {
    const loop = state.replace(waitLoopSuffix, "");
    return loop !== state && bars.some((b) => b.state === loop) ? loop : state;
}

/**
 * The bars of whole steps: a bounded wait's states in one bar, from its first state entered to
 * its last exit, a wait when it waited; a top-level step's lane named after the step.
 */
function stepBars(bars: readonly GanttBar[]): GanttBar[] {
    const merged: GanttBar[] = [];
    const ordered = [...bars].sort((a, b) => a.start - b.start);
    for (const b of ordered) {
        const step = stepName(b.state, bars);
        const lane = b.lane === b.state ? step : b.lane;
        const previous = [...merged].reverse().find((m) => m.lane === lane && m.state === step);
        // Consecutive states of one step (each entered as the one before exits) make one bar.
        const isLoop = bars.some((x) => x.state !== step && stepName(x.state, bars) === step);
        if (previous && isLoop && b.start <= previous.end + 1) {
            previous.end = Math.max(previous.end, b.end);
            previous.failures += b.failures;
            previous.failed ||= b.failed;
            previous.open ||= b.open;
            if (b.kind === "wait") previous.kind = "wait";
            continue;
        }
        merged.push({ ...b, lane, state: step });
    }
    return merged;
}

/** "10m 4s", "45s", "1h 2m". */
export function spell(ms: number): string {
    const s = Math.round(ms / 1000);
    if (s >= 3600) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
    return s >= 60 ? `${Math.floor(s / 60)}m ${s % 60}s` : `${s}s`;
}

function escapeXml(text: string): string {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const colors = { task: "#5b7fb8", wait: "#c9d6ea", hold: "#f0c05a", flow: "#9aa5b1", group: "none", failed: "#c0392b", retry: "#e67e22", axis: "#888888", text: "#222222" };

/** Helvetica's metric twins on each system (scripts/lib/textWidth.ts measures in their widths). */
const fontFamily = "Helvetica, Arial, 'Liberation Sans', Arimo, sans-serif";
const fontSize = 11;
const titleSize = 14;
/** The width a report is drawn at, unless its labels need more. */
const reportWidth = 1200;
const padding = 8;

/** A text drawn after a point of the time axis: it ends `right` pixels after that point. */
interface ChartText {
    at: number;
    right: number;
}

/** The header's lines: the run and its end, what it acted on and its slowest step, and for a failed run where and why. */
function headerLines(m: GanttModel, width: number): { text: string; size: number; weight: "regular" | "bold"; fill: string }[] {
    const line = (text: string, size: number, weight: "regular" | "bold", fill: string) => wrapText(text, width, size, weight).map((t) => ({ text: t, size, weight, fill }));
    const slowest = m.slowest ? `slowest step: ${m.slowest.state}${m.slowest.lane !== m.slowest.state ? ` on ${m.slowest.lane}` : ""} (${spell(m.slowest.end - m.slowest.start)})` : "no step ended";
    const lines = [
        ...line(`${m.title}: ${m.status} in ${spell(m.end - m.start)}`, titleSize, "bold", colors.text),
        ...line(m.actedOn ? `acted on ${m.actedOn} · ${slowest}` : slowest, fontSize, "regular", colors.text),
    ];
    const f = m.failure;
    if (f) {
        const how = m.status === "TIMED_OUT" ? "timed out" : m.status === "ABORTED" ? "aborted" : "failed";
        const where = `${how} in ${f.step || "no known step"}${f.servers.length > 0 ? ` on ${listedServers(f.servers)}` : ""}${f.error ? `: ${f.error}` : ""}`;
        lines.push(...line(where[0].toUpperCase() + where.slice(1), fontSize, "bold", colors.failed));
        if (f.cause) lines.push(...line(f.cause, fontSize, "regular", colors.text));
    }
    return lines;
}

/** "web-12", "web-3, web-12 and 4 more". */
function listedServers(servers: string[]): string {
    return servers.length > 3 ? `${servers.slice(0, 3).join(", ")} and ${servers.length - 3} more` : servers.join(", ");
}

/**
 * The run as an SVG Gantt chart: a lane per step (and per server in a Map), time across, failures
 * marked. Every label gets the room it takes: the lanes' column is as wide as the widest name, the
 * chart narrows (or the picture widens) so that a mark after a bar ending with the run still fits,
 * and the header wraps.
 */
export function ganttSvg(m: GanttModel): string {
    const rowHeight = 16;
    const labelWidth = Math.ceil(Math.max(120, ...m.lanes.map((l) => textWidth(l, fontSize) + padding + 6)));
    const span = Math.max(1, m.end - m.start);
    const step = [1000, 5000, 10_000, 30_000, 60_000, 300_000, 600_000, 1_800_000, 3_600_000, 7_200_000].find((s) => span / s <= 15) ?? 14_400_000;
    const ticks: number[] = [];
    for (let t = 0; t <= span; t += step) ticks.push(t);
    const marks = (b: GanttBar): { text: string; fill: string; weight: "regular" | "bold" }[] => [
        ...(b.failures > 0 && !b.failed ? [{ text: `↻${b.failures}`, fill: colors.retry, weight: "regular" as const }] : []),
        ...(b.state === `${b.lane} skipped` ? [{ text: "skipped", fill: colors.axis, weight: "regular" as const }] : []),
        ...(b.failed ? [{ text: `✕ ${b.state}`, fill: colors.failed, weight: "bold" as const }] : []),
    ];
    const texts: ChartText[] = [
        ...ticks.map((t) => ({ at: t / span, right: textWidth(`+${spell(t)}`, fontSize) / 2 })),
        ...m.bars.flatMap((b) => marks(b).map((k) => ({ at: (b.end - m.start) / span, right: 3.5 + textWidth(k.text, fontSize, k.weight) }))),
    ];
    // The chart takes what the lanes leave of the report's width, less what the texts after the last bars need, and never under 480 px.
    const room = reportWidth - labelWidth - padding;
    const chartWidth = Math.max(480, Math.min(room - 16, ...texts.filter((t) => t.at > 0).map((t) => (room - t.right) / t.at)));
    const width = Math.ceil(Math.max(reportWidth, labelWidth + chartWidth + 16, ...texts.map((t) => labelWidth + t.at * chartWidth + t.right + padding)));
    const header = headerLines(m, width - 2 * padding);
    const headerHeight = header.reduce((y, l) => y + Math.round(l.size * 1.45), padding);
    const top = headerHeight + 20;
    const height = top + m.lanes.length * rowHeight + 30;
    const x = (t: number) => labelWidth + ((t - m.start) / span) * chartWidth;
    const parts: string[] = [
        `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${fontFamily}" font-size="${fontSize}">`,
        `<title>${escapeXml(m.title)}</title>`,
    ];
    let baseline = padding;
    for (const l of header) {
        baseline += Math.round(l.size * 1.45);
        parts.push(`<text x="${padding}" y="${baseline - 4}"${l.size !== fontSize ? ` font-size="${l.size}"` : ""}${l.weight === "bold" ? ' font-weight="bold"' : ""} fill="${l.fill}">${escapeXml(l.text)}</text>`);
    }
    for (const t of ticks) {
        parts.push(`<line x1="${x(m.start + t).toFixed(1)}" y1="${top - 6}" x2="${x(m.start + t).toFixed(1)}" y2="${height - 24}" stroke="#e5e5e5"/>`);
        parts.push(`<text x="${x(m.start + t).toFixed(1)}" y="${height - 10}" text-anchor="middle" fill="${colors.axis}">+${spell(t)}</text>`);
    }
    m.lanes.forEach((lane, i) => {
        parts.push(`<text x="${labelWidth - 6}" y="${top + i * rowHeight + 11}" text-anchor="end" fill="${colors.text}">${escapeXml(lane)}</text>`);
    });
    for (const b of m.bars) {
        const row = m.lanes.indexOf(b.lane);
        const y = top + row * rowHeight + 2;
        const barWidth = Math.max(1.5, x(b.end) - x(b.start));
        const fill = b.failed ? colors.failed : colors[b.kind];
        const stroke = b.kind === "group" ? ` stroke="${colors.task}" stroke-dasharray="3,2"` : b.open && !b.failed ? ` stroke="${colors.failed}" stroke-dasharray="2,2"` : "";
        parts.push(`<rect x="${x(b.start).toFixed(1)}" y="${y}" width="${barWidth.toFixed(1)}" height="${rowHeight - 4}" fill="${fill}"${stroke}><title>${escapeXml(`${b.state}${b.lane !== b.state ? ` on ${b.lane}` : ""}: ${spell(b.end - b.start)}${b.failures > 0 ? `, ${b.failures} failed attempt(s)` : ""}${b.failed ? ", failed the run" : b.open ? ", never ended" : ""}`)}</title></rect>`);
        if (b.kind === "hold") parts.push(`<text x="${(x(b.start) + 3).toFixed(1)}" y="${y + 10}" fill="${colors.text}">held</text>`);
        for (const k of marks(b)) parts.push(`<text x="${(x(b.start) + barWidth + 2).toFixed(1)}" y="${y + 10}" fill="${k.fill}"${k.weight === "bold" ? ' font-weight="bold"' : ""}>${escapeXml(k.text)}</text>`);
    }
    for (const r of m.redrives) parts.push(`<line x1="${x(r).toFixed(1)}" y1="${top - 6}" x2="${x(r).toFixed(1)}" y2="${height - 24}" stroke="${colors.retry}" stroke-width="2"><title>redriven</title></line>`);
    parts.push("</svg>");
    return parts.join("\n");
}

/** An HTML page that embeds each run's chart, with a legend. */
export function ganttHtml(title: string, models: GanttModel[]): string {
    const legend = [
        [colors.task, "a task (Lambda)"], [colors.wait, "a wait"], [colors.hold, "a job held for an operator"], [colors.flow, "a choice or pass"], [colors.failed, "the step the run failed in"],
    ].map(([c, what]) => `<span><i style="background:${c}"></i>${what}</span>`).join(" ");
    return [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        `<title>${escapeXml(title)}</title>`,
        "<style>body{font-family:Helvetica,Arial,sans-serif;margin:16px;color:#222}h1{font-size:18px}.legend span{margin-right:16px}.legend i{display:inline-block;width:12px;height:10px;margin-right:4px}section{margin:16px 0;overflow-x:auto}section svg{max-width:100%;height:auto}</style>",
        "</head><body>",
        `<h1>${escapeXml(title)}</h1>`,
        `<p class="legend">${legend} <span>↻n: failed attempts retried</span> <span>dashed: a Map or Parallel state, or a step that never ended</span></p>`,
        ...models.map((m) => `<section>${ganttSvg(m)}</section>`),
        "</body></html>",
        "",
    ].join("\n");
}
