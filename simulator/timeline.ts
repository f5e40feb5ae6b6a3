import { styleText } from "util";
import { StateMachineDefinition, State, allStates, isPollWait } from "../statemachines/asl";
import { readableCause } from "../handlers/causes";
import { checkHttpdExitCodes } from "../infra/httpdControlScripts";
import { EventLog, RunReport } from "./run";

export interface TimelineOptions {
    definition: StateMachineDefinition;
    /** When the run started (virtual ms), for the +m:ss column. */
    startMs: number;
    /** Colours and a live progress line (a terminal), or plain lines (a pipe, CI). */
    tty: boolean;
    /** The terminal's width now: the progress line fits in it, or is left out. */
    columns?: () => number | undefined;
    write: (text: string) => void;
}

interface Loop {
    base: string;
    polls: number;
    since: number;
    last: unknown;
}

const loopSuffixes = ["Begin", "FirstWait", "", "Check", "Wait"];

/**
 * Turns the events of a run into what an operator watches: a line per step with its outcome,
 * each bounded wait collapsed into one line with its poll count, the progress of the wait under
 * way over the fleet (2/20 stopped), and the failure at the end. Pure but for `write`.
 */
export class Timeline {
    private readonly states: Map<string, State>;
    private readonly loopOf = new Map<string, string>();
    /** Active polls by lane (a Map iteration, or the top level) and loop. */
    private readonly loops = new Map<string, Map<string, Loop>>();
    /** A loop whose Check just ran in this lane: the next state entered there says whether it polls again. */
    private readonly checked = new Map<string, string>();
    private readonly serverOfIndex = new Map<number, string>();
    /** The wait-for-file jobs whose looks were told of. */
    private readonly looking = new Set<string>();
    /** The service command last sent in a lane, whose result the next wait there reads. */
    private readonly scriptOf = new Map<string, SentCommand>();
    private map: { name: string; total: number; done: number; running: Set<number> } | undefined;
    /** The fleet wait whose progress the last poll told. */
    private progress: { name: string; total: number; done: number } | undefined;
    /** Each state's Parallel branch ("" at the top level): two branches' waits run at once. */
    private readonly branchOf = new Map<string, string>();
    private progressShown = false;

    constructor(private readonly o: TimelineOptions) {
        this.states = new Map(allStates(o.definition.States));
        const walk = (states: Record<string, State>, branch: string): void => {
            for (const [name, state] of Object.entries(states)) {
                this.branchOf.set(name, branch);
                if (state.Type === "Parallel") state.Branches.forEach((b, i) => walk(b.States, `${branch}${name}#${i}/`));
                if (state.Type === "Map") walk(state.ItemProcessor.States, branch);
            }
        };
        walk(o.definition.States, "");
        for (const name of this.states.keys()) {
            if (!name.endsWith("FirstWait")) continue;
            const base = name.slice(0, -"FirstWait".length);
            for (const suffix of loopSuffixes) this.loopOf.set(base + suffix, base);
            // The longer Waits of a wait that lasts (statemachines/pollSchedule.ts).
            for (const other of this.states.keys()) if (isPollWait(other, base)) this.loopOf.set(other, base);
        }
    }

    handle(event: EventLog): void {
        const e = event as EventLog & { index?: number; state?: { name: string; type: string; output?: unknown }; parentState?: { name: string } };
        const lane = `${e.index === undefined ? "top" : `#${e.index}`}/${this.branchOf.get(e.state?.name ?? "") ?? ""}`;
        switch (e.type) {
            case "StateEntered": {
                const name = e.state!.name;
                // A Map iteration's input names its server (a run read from Step Functions has it only here).
                const server = (e.state as { input?: { server?: { name?: string } } }).input?.server?.name;
                if (e.index !== undefined && server && !this.serverOfIndex.has(e.index)) this.serverOfIndex.set(e.index, server);
                const checked = this.checked.get(lane);
                if (checked !== undefined) {
                    this.checked.delete(lane);
                    if (!isPollWait(name, checked)) this.endLoop(lane, checked, e.timestamp);
                }
                // A redriven run enters a wait at its poll, not at its Begin.
                const redrivenPoll = this.loopOf.get(name) === name && !this.loops.get(lane)?.has(name);
                if ((name.endsWith("Begin") && this.loopOf.has(name)) || redrivenPoll) {
                    const base = this.loopOf.get(name)!;
                    if (!this.loops.has(lane)) this.loops.set(lane, new Map());
                    this.loops.get(lane)!.set(base, { base, polls: 0, since: e.timestamp, last: undefined });
                }
                if (e.state!.type === "Map") this.startMap(e.state!.name, e.timestamp, (e.state as unknown as { input: unknown }).input);
                if (e.state!.type === "Parallel") this.line(e.timestamp, e.index, `${e.state!.name}: ${(this.states.get(e.state!.name) as { Branches: unknown[] }).Branches.length} branches at once`);
                break;
            }
            case "StateExited": {
                const name = e.state!.name;
                const loop = this.loops.get(lane)?.get(this.loopOf.get(name) ?? "");
                if (loop && name === loop.base) {
                    loop.polls++;
                    loop.last = this.resultOf(name, e.state!.output);
                    this.showWaitProgress(loop.base, e.state!.output);
                } else if (loop && name === `${loop.base}Check`) {
                    this.checked.set(lane, loop.base);
                } else if (e.state!.type === "Task" && !this.loopOf.has(name)) {
                    const sent = (this.states.get(name) as { Parameters?: { Payload?: Partial<SentCommand> } }).Parameters?.Payload;
                    const command = typeof sent?.name === "string" ? { name: sent.name, checks: sent.checks } : undefined;
                    if (command) this.scriptOf.set(lane, command);
                    this.line(e.timestamp, e.index, `${name}: ${command ? `${fileName(command.name)} sent` : describe(this.resultOf(name, e.state!.output))}`);
                } else if (e.state!.type === "Map") {
                    const total = this.map?.total ?? 0;
                    this.clearProgress();
                    this.map = undefined;
                    this.line(e.timestamp, e.index, `${name}: all ${total} done`, "green");
                } else if (e.state!.type === "Parallel") {
                    this.line(e.timestamp, e.index, `${name}: every branch done`, "green");
                }
                break;
            }
            case "StateRetried": {
                const errors = (e as unknown as { retry: { retrier: { ErrorEquals: string[] } } }).retry.retrier.ErrorEquals;
                // A wait-for-file job's task times out each poll: each try is its next look (statemachines/teamJobnet.ts).
                const spec = (this.states.get(e.state!.name) as { Parameters?: { Payload?: { spec?: { kind?: string } } } } | undefined)?.Parameters?.Payload?.spec;
                if (spec?.kind === "file" && errors.includes("States.Timeout")) {
                    // Told once: the looks that follow are the same.
                    if (!this.looking.has(e.state!.name)) this.line(e.timestamp, e.index, `${e.state!.name}: not there yet: it looks again each poll`, "dim");
                    this.looking.add(e.state!.name);
                    break;
                }
                this.line(e.timestamp, e.index, `${e.state!.name}: retried after ${errors.includes("Lambda.TooManyRequestsException") ? "a Lambda service error or throttle" : "a transient error"}`, "yellow");
                break;
            }
            case "MapIterationStarted": {
                const input = (e as unknown as { input: { server?: { name?: string } } }).input;
                if (input?.server?.name) this.serverOfIndex.set(e.index!, input.server.name);
                this.map?.running.add(e.index!);
                this.showProgress();
                break;
            }
            case "MapIterationSucceeded":
                this.endLoops(lane, e.timestamp);
                if (this.map) {
                    this.map.done++;
                    this.map.running.delete(e.index!);
                    this.line(e.timestamp, e.index, `done (${this.map.done}/${this.map.total} servers)`);
                }
                break;
            case "MapIterationFailed":
                this.endLoops(lane, e.timestamp);
                this.map?.running.delete(e.index!);
                break;
            case "ExecutionSucceeded":
                this.clearProgress();
                this.map = undefined;
                this.progress = undefined;
                this.line(e.timestamp, undefined, "SUCCEEDED", "green");
                break;
            case "ExecutionFailed": {
                for (const l of [...this.loops.keys()]) this.endLoops(l, e.timestamp);
                // The run is over: its progress line goes, and is not drawn again.
                this.clearProgress();
                this.map = undefined;
                this.progress = undefined;
                const f = e as unknown as { Error: string; Cause: unknown };
                this.line(e.timestamp, undefined, `FAILED ${f.Error}: ${typeof f.Cause === "string" ? readableCause(f.Cause) : JSON.stringify(f.Cause)}`, "red");
                break;
            }
            default:
                break;
        }
    }

    private startMap(name: string, at: number, input: unknown): void {
        const s = this.states.get(name) as { ItemsPath: string; MaxConcurrency?: number };
        const items = pathValue(input, s.ItemsPath);
        const total = Array.isArray(items) ? items.length : 0;
        this.map = { name, total, done: 0, running: new Set() };
        this.line(at, undefined, `${name}: ${total} servers, up to ${s.MaxConcurrency || total} at a time`);
    }

    private endLoops(lane: string, at: number): void {
        this.checked.delete(lane);
        for (const base of [...(this.loops.get(lane)?.keys() ?? [])]) this.endLoop(lane, base, at);
    }

    private endLoop(lane: string, base: string, at: number): void {
        const loop = this.loops.get(lane)?.get(base);
        if (!loop) return;
        this.loops.get(lane)!.delete(base);
        if (loop.polls === 0) return;
        const took = formatDuration((at - loop.since) / 1000);
        const index = lane.startsWith("top/") ? undefined : Number(lane.slice(1, lane.indexOf("/")));
        if (this.progress?.name === base) {
            this.clearProgress();
            this.progress = undefined;
        }
        const command = this.scriptOf.get(lane);
        const outcome = command && isScriptResult(loop.last)
            ? describeScript(command.name, loop.last, command.checks)
            : command && isScriptResults(loop.last) ? describeScripts(command.name, loop.last, command.checks) : describe(loop.last);
        this.line(at, index, `${loop.base}: ${outcome} (${loop.polls} ${loop.polls === 1 ? "poll" : "polls"}, ${took})`);
    }

    /** The part of a state's output its Task wrote: the value at the Task's ResultPath. */
    private resultOf(name: string, output: unknown): unknown {
        const s = this.states.get(name) as { ResultPath?: string | null } | undefined;
        if (!s || s.ResultPath === null) return undefined;
        return s.ResultPath === undefined ? output : pathValue(output, s.ResultPath);
    }

    /** A line of something told beside the run's own events (the run watcher's notice), at its time. */
    notice(at: number, text: string): void {
        this.line(at, undefined, text);
    }

    /**
     * One line of the timeline: the time, the server of a Map iteration, the text; in a known width,
     * the text wrapped at spaces, each row after the first under its start.
     */
    private line(at: number, index: number | undefined, text: string, colour?: "green" | "red" | "yellow" | "dim"): void {
        // Right-aligned up to +h:mm:ss, so that the text of a run stays in one column as it grows.
        const clock = `+${formatDuration((at - this.o.startMs) / 1000)}`.padStart(8);
        const who = index === undefined ? "" : `${this.serverOfIndex.get(index) ?? `#${index}`} `;
        const indent = clock.length + 2 + who.length;
        const columns = this.o.columns?.();
        const rows = columns === undefined ? [text] : wrapWords(text, columns - indent);
        this.clearProgress();
        this.o.write(rows.map((row, i) => `${i === 0 ? `${this.style("dim", clock)}  ${who}` : " ".repeat(indent)}${colour ? this.style(colour, row) : row}\n`).join(""));
        this.showProgress();
    }

    /**
     * After a poll of a wait over many servers: how many are done, read as its Check reads it (the
     * first rule, `counts.stopped` equal to `total`), or from a count of those still pending.
     */
    private showWaitProgress(base: string, output: unknown): void {
        const check = this.states.get(`${base}Check`) as { Choices?: { Variable?: string; NumericEqualsPath?: string }[] } | undefined;
        const rule = check?.Choices?.[0];
        const result = this.resultOf(base, output) as { total?: unknown; pending?: unknown } | undefined;
        let progress: { total: number; done: number } | undefined;
        if (rule?.Variable && rule.NumericEqualsPath) {
            const [done, total] = [pathValue(output, rule.Variable), pathValue(output, rule.NumericEqualsPath)];
            if (typeof done === "number" && typeof total === "number") progress = { total, done };
        } else if (typeof result?.total === "number" && typeof result.pending === "number") {
            progress = { total: result.total, done: result.total - result.pending };
        }
        if (!progress || progress.total < 2) return;
        this.progress = { name: base, ...progress };
        this.showProgress();
    }

    private showProgress(): void {
        if (!this.o.tty || !this.progress) return;
        const text = progressLine(this.progress, this.o.columns?.() ?? 80);
        if (text === undefined) return;
        this.o.write(`\r\x1b[K${this.style("cyan", text)}`);
        this.progressShown = true;
    }

    private clearProgress(): void {
        if (this.progressShown) this.o.write("\r\x1b[K");
        this.progressShown = false;
    }

    private style(format: "green" | "red" | "yellow" | "dim" | "cyan", text: string): string {
        return this.o.tty ? styleText(format, text) : text;
    }
}

/** Rows are never narrower: on a terminal narrower still, its own wrapping takes over. */
const narrowestRow = 20;

/**
 * `text` in rows of at most `width` characters (`firstWidth` the first; never fewer than
 * narrowestRow), broken at spaces; a word longer than a row is cut at its end. A line break in the
 * text starts a row.
 */
export function wrapWords(text: string, width: number, firstWidth = width): string[] {
    const rows: string[] = [];
    const room = () => Math.max(rows.length === 0 ? firstWidth : width, narrowestRow);
    for (const paragraph of text.split("\n")) {
        let row = "";
        for (const word of paragraph.split(/ +/)) {
            if (row !== "" && row.length + 1 + word.length <= room()) {
                row += ` ${word}`;
                continue;
            }
            if (row !== "") rows.push(row);
            row = word;
            while (row.length > room()) {
                const cut = room();
                rows.push(row.slice(0, cut));
                row = row.slice(cut);
            }
        }
        rows.push(row);
    }
    return rows;
}

/**
 * Plain text made to fit in `columns` (left as it is when the width is not known): each line
 * longer wrapped at spaces, its further rows indented two more than it is.
 */
export function fitToColumns(text: string, columns: number | undefined): string {
    if (columns === undefined) return text;
    return text.split("\n").map((line) => {
        if (line.length <= columns) return line;
        const indent = line.length - line.trimStart().length;
        const [first, ...rest] = wrapWords(line.trimStart(), columns - indent - 2, columns - indent);
        return [" ".repeat(indent) + first, ...rest.map((row) => " ".repeat(indent + 2) + row)].join("\n");
    }).join("\n");
}

/**
 * A wait's progress over the fleet in fewer characters than the terminal has columns (a full line
 * would wrap, and clearing it would leave the wrapped part behind): the bar shrinks, then goes;
 * undefined when even the counts do not fit.
 */
export function progressLine(m: { name: string; total: number; done: number }, columns: number): string | undefined {
    const counts = `${m.done}/${m.total} done`;
    const room = columns - 1 - `${m.name} [] ${counts}`.length;
    if (room >= 4) {
        const width = Math.min(24, room);
        const filled = m.total === 0 ? width : Math.round((m.done / m.total) * width);
        return `${m.name} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${counts}`;
    }
    const short = `${m.name}: ${counts}`;
    return short.length < columns ? short : undefined;
}

interface ScriptResult {
    status: string;
    responseCode: number;
}

function isScriptResult(result: unknown): result is ScriptResult {
    return typeof result === "object" && result !== null && "status" in result && "responseCode" in result;
}

/** Where a command sent to many servers stands (getScriptResults). */
interface ScriptResults {
    total: number;
    pending: number;
    counts: Record<string, number>;
    /** Servers it never reached (left out of the send, or not delivered); absent from the results of an older definition. */
    notReached?: number;
}

function isScriptResults(result: unknown): result is ScriptResults {
    return typeof result === "object" && result !== null && "counts" in result && "pending" in result && "total" in result;
}

/** "httpd stopped on 2 of 2, checkHttpd.sh": each outcome and how many servers ended in it. */
export function describeScripts(name: string, r: ScriptResults, checks?: string): string {
    const outcomes = Object.entries(r.counts).filter(([, n]) => n > 0).map(([outcome, n]) => `${checks === undefined ? "" : `${checks} `}${outcome} on ${n}`);
    const notReached = r.notReached ?? 0;
    const other = r.total - r.pending - notReached - Object.values(r.counts).reduce((a, b) => a + b, 0);
    if (other > 0) outcomes.push(`another end on ${other}`);
    if (notReached > 0) outcomes.push(`not reached on ${notReached}`);
    if (r.pending > 0) outcomes.push(`not ended on ${r.pending}`);
    return `${outcomes.join(", ") || "none"} of ${r.total}, ${fileName(name)}`;
}

/** A command sent with sendScript, as its payload names it. */
interface SentCommand {
    name: string;
    /** Set for a check: the service whose state its exit code tells. */
    checks?: string;
}

/** A script by its file name; any other command as it is named. */
function fileName(name: string): string {
    return name.startsWith("/") ? name.split("/").pop() ?? name : name;
}

/**
 * A service command's result in words. Run Command calls any non-zero exit Failed, but a check's
 * exit code is its answer: 3 is "httpd stopped", not a failure.
 */
export function describeScript(name: string, result: ScriptResult, checks?: string): string {
    const file = fileName(name);
    const code = result.responseCode;
    if (result.status !== "Success" && result.status !== "Failed") return `${file} ${result.status === "TimedOut" ? "timed out" : result.status.toLowerCase()}`;
    if (code < 0) return `${file} did not run`;
    if (checks === undefined) return `${file} exited ${code}`;
    const answer = code === checkHttpdExitCodes.running ? `${checks} running` : code === checkHttpdExitCodes.stopped ? `${checks} stopped` : "the check failed";
    return `${answer}, ${file} exited ${code}`;
}

/** A poll or task result in a few words: its fields, without counters and long texts. */
export function describe(result: unknown): string {
    if (result === undefined || result === null) return "done";
    if (typeof result !== "object") return String(result);
    const team = describeTeamJob(result as Record<string, unknown>);
    if (team !== undefined) return team;
    // The calendar's verdict on a scheduled run: its reason says it in words.
    const day = result as { open?: unknown; reason?: unknown; date?: unknown };
    if (typeof day.open === "boolean" && typeof day.reason === "string" && typeof day.date === "string") return /^(not )?due /.test(day.reason) ? day.reason : `${day.open ? "open" : "closed"}: ${day.reason}`;
    // A send; a poll of the results carries the commands it sent too, with its counts.
    if (("commandId" in result || "commandIds" in result) && !("counts" in result)) return "sent";
    const refused = (result as { refused?: { count?: unknown; inWords?: unknown } }).refused;
    // A stop or start of the servers: what EC2 refused, in its words.
    if (typeof refused === "object" && refused !== null && typeof refused.count === "number") return refused.count === 0 ? "done" : `EC2 refused ${refused.count}: ${refused.inWords}`;
    const fleet = result as { total?: unknown; counts?: Record<string, unknown> };
    if (typeof fleet.counts === "object" && fleet.counts !== null && "stopped" in fleet.counts) {
        // The servers' states: how many are in each, of how many.
        const states = ["running", "pending", "stopping", "stopped", "ready"].filter((k) => typeof fleet.counts![k] === "number" && (fleet.counts![k] as number) > 0);
        return `${states.map((k) => `${k} ${fleet.counts![k]}`).join(", ") || "none"}${typeof fleet.total === "number" ? ` of ${fleet.total}` : ""}`;
    }
    const hidden = new Set(["attempt", "calls", "detail", "stoppedAt", "conflictingRuleArn", "reason", "failure", "pending", "notHealthy", "runs", "commandId", "backupJobId", "name"]);
    const parts = Object.entries(result as Record<string, unknown>)
        .filter(([k, v]) => !hidden.has(k) && v !== "" && v !== null && typeof v !== "object")
        .map(([k, v]) => `${k} ${v}`);
    return parts.length > 0 ? parts.join(", ") : "done";
}

/**
 * A team jobnet's job in an operator's words (statemachines/teamJobnet.ts): what its wait for its
 * predecessors gave (handlers/jobRecord.ts, releaseOutput), or how its run ended (handlers/jobs.ts, JobResult).
 */
function describeTeamJob(r: Record<string, unknown>): string | undefined {
    switch (r.go) {
        case "run":
            return "released";
        case "skip":
            return "skipped: no job before it leads to it";
        case "judged":
            return typeof r.value === "string" ? `judged the value ${JSON.stringify(r.value)}: the ${r.taken} branch` : `judged exit code ${r.exitCode}: the ${r.taken} branch`;
    }
    // A hold (handlers/jobHold.ts): the operator's release, or its bound passed.
    if (r.released === true) return `released by ${r.by}`;
    if (r.released === false) return "not held: a job failed, so it does not start";
    if (r.notReleasedWithin !== undefined) return `not released within ${r.notReleasedWithin} min: it ends abnormally`;
    if (typeof r.end !== "string" || typeof r.exitCode !== "number" || typeof r.retry !== "boolean") return undefined;
    if (r.retry) return `exit ${r.exitCode}: to be tried again (attempt ${r.attempt ?? 1})`;
    // The values a job emitted (handlers/jobValues.ts), as it printed them.
    const values = typeof r.values === "object" && r.values !== null ? Object.entries(r.values as Record<string, unknown>).map(([k, v]) => `${k}=${String(v)}`) : [];
    const emitted = values.length > 0 ? `; ${values.join(", ")}` : "";
    return r.end === "warning" ? `ended with a warning (exit ${r.exitCode})${emitted}` : `ended normally (exit ${r.exitCode})${emitted}`;
}

/** The values the jobs of a team jobnet's run emitted, by job, from its output (statemachines/teamJobnet.ts, JobsEnded): for --json. */
export function emittedValuesOfRun(output: unknown): Record<string, Record<string, string>> {
    const jobs = (output as { jobs?: unknown } | undefined)?.jobs;
    if (!Array.isArray(jobs)) return {};
    return Object.fromEntries(jobs
        .filter((j): j is { job: string; values: Record<string, string> } => typeof j?.job === "string" && typeof j?.values === "object" && j.values !== null)
        .map((j) => [j.job, j.values]));
}

export function formatDuration(seconds: number): string {
    const s = Math.round(seconds);
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const rest = String(s % 60).padStart(2, "0");
    return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}

function pathValue(value: unknown, path: string): unknown {
    return path.replace(/^\$\.?/, "").split(".").filter((p) => p !== "").reduce<unknown>((v, key) => (v && typeof v === "object" ? (v as Record<string, unknown>)[key] : undefined), value);
}

/**
 * The figures of each run, as a table within 80 columns, with a line that says what the short
 * headers mean; in fewer `columns` than the table takes, each run's figures in words, wrapped.
 */
export function summaryTable(runs: { jobnet: string; report: RunReport }[], columns?: number): string {
    const header = ["jobnet", "status", "duration", "transitions", "Lambda", "payload", "history"];
    const rows = runs.map(({ jobnet, report }) => [
        jobnet,
        report.status,
        formatDuration(report.durationSeconds),
        String(report.stateTransitions),
        String(report.lambdaInvocations),
        `${(report.largestPayloadBytes / 1024).toFixed(1)} KB`,
        String(report.historyEvents),
    ]);
    const figures = table(header, rows);
    if (columns === undefined || figures.split("\n").every((line) => line.length <= columns)) {
        return fitToColumns(`${figures}\nLambda: invocations; payload: the largest state; history: its events`, columns);
    }
    return fitToColumns(runs.map(({ jobnet, report }, i) =>
        `${jobnet}: ${report.status} in ${rows[i][2]}, ${rows[i][3]} state transitions, ${rows[i][4]} Lambda invocations, the largest state ${rows[i][5]}, ${rows[i][6]} history events`).join("\n"), columns);
}

/** Columns aligned, numbers to the right. */
export function table(header: string[], rows: string[][]): string {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => /^[\d.:,× %KBs-]+$/.test(r[i])));
    const format = (cells: string[]) => cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ").trimEnd();
    return [format(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(format)].join("\n");
}
