import type { CommandJob } from "../../../statemachines/jobs";
import { jobDefaults } from "../../../statemachines/jobs";
import { renderCommand } from "../../../statemachines/jobCommand";
import { describeRule } from "../../../handlers/scheduleRules";
import type { ImportResult, ImportedJob } from "./convert";
import type { NotConverted } from "./notConverted";

/**
 * `npm run import-jp1 -- --json REPORT`: what the import found, for tools. Every jobnet with its
 * JP1/AJS3 path and its jobs as they will run (command, host, user, work path, environment,
 * bounds, hold, thresholds, retry, predecessors), its schedule rules as written and as they
 * became, and every unit or parameter not converted, with the reason.
 */
export interface ImportReport {
    files: { file: string; encoding: string }[];
    jobnets: ReportedJobnet[];
    notConverted: NotConverted[];
}

export interface ReportedJobnet {
    name: string;
    path: string;
    file: string;
    line: number;
    module: string;
    nestedIn: string | null;
    expectedMinutes: number;
    timeoutMinutes: number;
    jobs: ReportedJob[];
    schedules: { number: number; raw: Record<string, string>; rule: unknown; described: string | null }[];
    calendar: unknown;
}

export interface ReportedJob {
    name: string;
    path: string;
    line: number;
    kind: string;
    /** What JP1/AJS3 ran (the command text, or the script with its parameters), and what Run Command gets. */
    command: string | null;
    document: string | null;
    commands: string[] | null;
    host: string | null;
    group: string | null;
    servers: string | null;
    user: string | null;
    workingDirectory: string | null;
    environment: Record<string, string>;
    timeoutMinutes: number | null;
    expectedMinutes: number | null;
    holdMinutes: number | null;
    warningAbove: number | null;
    abnormalAbove: number | null;
    retry: { from: number; to: number; times: number; intervalMinutes: number } | null;
    after: string[];
    recovery: string[];
    judgment: { when: unknown; then: string[]; else: string[] } | null;
    jobnet: string | null;
}

export function importReport(result: ImportResult, files: { file: string; encoding: string }[], moduleOf: (jobnet: string) => string): ImportReport {
    return {
        files,
        jobnets: result.jobnets.map((n) => ({
            name: n.name,
            path: n.unit.path,
            file: n.unit.file,
            line: n.unit.line,
            module: moduleOf(n.name),
            nestedIn: n.nestedIn ?? null,
            expectedMinutes: n.definition.expectedMinutes,
            timeoutMinutes: n.definition.timeoutMinutes,
            jobs: n.jobs.map(reportedJob),
            schedules: n.schedules.map((s) => ({
                number: s.number,
                raw: Object.fromEntries(s.raw.map((p) => [p.name, p.value])),
                rule: s.rule ?? null,
                described: s.rule ? describeRule(s.rule) : null,
            })),
            calendar: n.calendar ?? null,
        })),
        notConverted: result.notConverted,
    };
}

function reportedJob(j: ImportedJob): ReportedJob {
    const job = j.job;
    const command = job.kind === "command" ? (job as CommandJob<string>) : undefined;
    const rendered = command ? renderCommand(command) : undefined;
    const running = job.kind === "judgment" ? undefined : job;
    return {
        name: j.name,
        path: j.unit.path,
        line: j.unit.line,
        kind: job.kind,
        command: command?.command ?? null,
        document: rendered?.document ?? null,
        commands: rendered?.commands ?? null,
        host: j.host ?? null,
        group: command?.on.group ?? null,
        servers: command ? command.on.servers ?? jobDefaults.servers : null,
        user: command?.user ?? null,
        workingDirectory: command?.workingDirectory ?? null,
        environment: command?.environment ?? {},
        timeoutMinutes: command ? command.timeoutMinutes ?? jobDefaults.timeoutMinutes : null,
        expectedMinutes: command?.expectedMinutes ?? (job.kind === "jobnet" ? job.expectedMinutes ?? null : null),
        holdMinutes: running?.hold?.maxMinutes ?? null,
        warningAbove: command ? command.end?.warningAbove ?? jobDefaults.warningAbove : null,
        abnormalAbove: command ? command.end?.abnormalAbove ?? jobDefaults.abnormalAbove : null,
        retry: command?.retry ? { ...command.retry.exitCodes, times: command.retry.times, intervalMinutes: command.retry.intervalMinutes } : null,
        after: [...(job.after ?? [])],
        recovery: [...(running?.recovery?.jobs ?? [])],
        judgment: job.kind === "judgment" ? { when: job.when, then: [...job.then], else: [...(job.else ?? [])] } : null,
        jobnet: job.kind === "jobnet" ? job.jobnet : null,
    };
}
