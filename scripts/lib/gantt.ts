import type { HistoryEvent } from "@aws-sdk/client-sfn";

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
    return { title, status: ended?.type?.replace("Execution", "").toUpperCase() ?? "RUNNING", start, end, lanes: [...new Set(steps.map((b) => b.lane))], bars: steps, redrives, error, slowest };
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

/** The run as an SVG Gantt chart: a lane per step (and per server in a Map), time across, failures marked. */
export function ganttSvg(m: GanttModel): string {
    const labelWidth = 200;
    const chartWidth = 900;
    // Room on the right for the marks after a bar that ends with the run.
    const margin = 180;
    const rowHeight = 16;
    const top = 56;
    const height = top + m.lanes.length * rowHeight + 30;
    const span = Math.max(1, m.end - m.start);
    const x = (t: number) => labelWidth + ((t - m.start) / span) * chartWidth;
    const step = [1000, 5000, 10_000, 30_000, 60_000, 300_000, 600_000, 1_800_000, 3_600_000, 7_200_000].find((s) => span / s <= 15) ?? 14_400_000;
    const parts: string[] = [
        `<svg xmlns="http://www.w3.org/2000/svg" width="${labelWidth + chartWidth + margin}" height="${height}" viewBox="0 0 ${labelWidth + chartWidth + margin} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11">`,
        `<title>${escapeXml(m.title)}</title>`,
        `<text x="8" y="18" font-size="14" font-weight="bold" fill="${colors.text}">${escapeXml(m.title)}: ${escapeXml(m.status)} in ${spell(m.end - m.start)}</text>`,
        `<text x="8" y="36" fill="${colors.text}">${m.slowest ? `slowest step: ${escapeXml(m.slowest.state)}${m.slowest.lane !== m.slowest.state ? ` on ${escapeXml(m.slowest.lane)}` : ""} (${spell(m.slowest.end - m.slowest.start)})` : "no step ended"}${m.error ? ` · failed: ${escapeXml(m.error)}` : ""}</text>`,
    ];
    for (let t = 0; t <= span; t += step) {
        parts.push(`<line x1="${x(m.start + t).toFixed(1)}" y1="${top - 6}" x2="${x(m.start + t).toFixed(1)}" y2="${height - 24}" stroke="#e5e5e5"/>`);
        parts.push(`<text x="${x(m.start + t).toFixed(1)}" y="${height - 10}" text-anchor="middle" fill="${colors.axis}">+${spell(t)}</text>`);
    }
    m.lanes.forEach((lane, i) => {
        parts.push(`<text x="${labelWidth - 6}" y="${top + i * rowHeight + 11}" text-anchor="end" fill="${colors.text}">${escapeXml(lane)}</text>`);
    });
    for (const b of m.bars) {
        const row = m.lanes.indexOf(b.lane);
        const y = top + row * rowHeight + 2;
        const width = Math.max(1.5, x(b.end) - x(b.start));
        const fill = b.failed ? colors.failed : colors[b.kind];
        const stroke = b.kind === "group" ? ` stroke="${colors.task}" stroke-dasharray="3,2"` : b.open && !b.failed ? ` stroke="${colors.failed}" stroke-dasharray="2,2"` : "";
        parts.push(`<rect x="${x(b.start).toFixed(1)}" y="${y}" width="${width.toFixed(1)}" height="${rowHeight - 4}" fill="${fill}"${stroke}><title>${escapeXml(`${b.state}${b.lane !== b.state ? ` on ${b.lane}` : ""}: ${spell(b.end - b.start)}${b.failures > 0 ? `, ${b.failures} failed attempt(s)` : ""}${b.failed ? ", failed the run" : b.open ? ", never ended" : ""}`)}</title></rect>`);
        if (b.failures > 0 && !b.failed) parts.push(`<text x="${(x(b.start) + width + 2).toFixed(1)}" y="${y + 10}" fill="${colors.retry}">↻${b.failures}</text>`);
        if (b.kind === "hold") parts.push(`<text x="${(x(b.start) + 3).toFixed(1)}" y="${y + 10}" fill="${colors.text}">held</text>`);
        if (b.state === `${b.lane} skipped`) parts.push(`<text x="${(x(b.start) + width + 2).toFixed(1)}" y="${y + 10}" fill="${colors.axis}">skipped</text>`);
        if (b.failed) parts.push(`<text x="${(x(b.start) + width + 2).toFixed(1)}" y="${y + 10}" fill="${colors.failed}" font-weight="bold">✕ ${escapeXml(b.state)}</text>`);
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
        "<style>body{font-family:Helvetica,Arial,sans-serif;margin:16px;color:#222}h1{font-size:18px}.legend span{margin-right:16px}.legend i{display:inline-block;width:12px;height:10px;margin-right:4px}section{margin:16px 0;overflow-x:auto}</style>",
        "</head><body>",
        `<h1>${escapeXml(title)}</h1>`,
        `<p class="legend">${legend} <span>↻n: failed attempts retried</span> <span>dashed: a Map or Parallel state, or a step that never ended</span></p>`,
        ...models.map((m) => `<section>${ganttSvg(m)}</section>`),
        "</body></html>",
        "",
    ].join("\n");
}
