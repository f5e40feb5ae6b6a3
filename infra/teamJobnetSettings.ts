import { JobnetDefinition, Job } from "../statemachines/jobs";
import { jobGraphProblems } from "../statemachines/jobGraph";
import { keptApartChildProblems } from "../statemachines/exclusion";
import { startedAfter } from "../statemachines/startConditions";
import { GroupTargets, teamJobnet } from "../statemachines/teamJobnet";
import { executionHistoryQuota, historyBudget, worstCaseHistory } from "../statemachines/historyBudget";
import { closestName } from "./closestName";
import { Json } from "./configSchema";

/**
 * Which of the team's jobnets (jobnets/index.ts) a stack deploys, and on which servers their
 * groups are: pure, from the stack's `jobnetGroups` and `jobnets` keys.
 */

/** `jobnetGroups`: each group by its instance ids (in the order a one-server job tries them) or by a tag `Key=Value`. */
export const jobnetGroupsExpected = 'an object of server groups, each {"instanceIds": ["i-0123456789abcdef0", ...]} or {"tag": "Key=Value"}, such as {"batch": {"tag": "Role=batch"}}';

const instanceIdPattern = /^i-([0-9a-f]{8}|[0-9a-f]{17})$/;
const groupNamePattern = /^[a-z0-9][a-z0-9-]{0,47}$/;

/** What is wrong with `jobnetGroups`, or undefined. */
export function jobnetGroupsProblem(groups: Record<string, Json>): string | undefined {
    for (const [name, group] of Object.entries(groups)) {
        if (!groupNamePattern.test(name)) return `group names of lowercase letters, digits and hyphens (not ${JSON.stringify(name)})`;
        const g = group as Record<string, Json> | null;
        const ids = g?.instanceIds;
        const tag = g?.tag;
        const keys = typeof g === "object" && g !== null && !Array.isArray(g) ? Object.keys(g) : [];
        if (keys.length !== 1 || (ids === undefined && tag === undefined)) return `group ${name} as {"instanceIds": [...]} or {"tag": "Key=Value"}, exactly one of them`;
        if (ids !== undefined && !(Array.isArray(ids) && ids.length > 0 && ids.length <= 50 && ids.every((id) => typeof id === "string" && instanceIdPattern.test(id)))) {
            return `group ${name}: instanceIds a list of 1 to 50 EC2 instance ids such as i-0123456789abcdef0`;
        }
        if (ids !== undefined && new Set(ids as string[]).size !== (ids as string[]).length) return `group ${name}: each instance id listed once`;
        if (tag !== undefined && !(typeof tag === "string" && /^[^=]{1,128}=.{1,256}$/.test(tag))) return `group ${name}: tag as Key=Value, such as Role=batch`;
    }
    return undefined;
}

/** `jobnetSchedules`: per team jobnet, whether its schedule rules run on this stack. */
export const jobnetSchedulesExpected = 'an object of the team\'s jobnets, each {"enabled": true|false}, such as {"nightly-batch": {"enabled": false}}';

/** What is wrong with `jobnetSchedules`, or undefined. */
export function jobnetSchedulesProblem(schedules: Record<string, Json>): string | undefined {
    for (const [name, value] of Object.entries(schedules)) {
        const v = value as Record<string, Json> | null;
        const keys = typeof v === "object" && v !== null && !Array.isArray(v) ? Object.keys(v) : [];
        if (keys.length !== 1 || keys[0] !== "enabled" || typeof v!.enabled !== "boolean") return `jobnet ${name} as {"enabled": true} or {"enabled": false}`;
    }
    return undefined;
}

/** The groups as the jobnets take them. */
export function groupTargetsOf(groups: Record<string, Json>): Record<string, GroupTargets> {
    return Object.fromEntries(Object.entries(groups).map(([name, g]) => {
        const group = g as { instanceIds?: string[]; tag?: string };
        if (group.instanceIds) return [name, { instanceIds: group.instanceIds }];
        const [key, ...value] = (group.tag ?? "").split("=");
        return [name, { tag: { key, value: value.join("=") } }];
    }));
}

/** The stop and start jobnets, which every stack deploys and a team's jobnet may run. */
export const systemJobnets = ["stop", "start"];

export interface TeamJobnetChoice {
    deployed: JobnetDefinition[];
    /** Jobnets not deployed, with why: a user reads these at preview. */
    left: { name: string; reason: string }[];
    /** Each problem with the key it is about: `jobnets` (by index) or `jobnetGroups`. */
    problems: { at: (string | number)[]; given: string; expected: string }[];
}

/**
 * The jobnets a stack deploys: those `listed` (its `jobnets` key), or, unlisted, every jobnet
 * whose server groups the stack defines and whose jobnet jobs it deploys. A listed jobnet that
 * cannot deploy, and a jobnet whose definition is wrong, are problems; an unlisted jobnet whose
 * groups the stack lacks is left out, saying so.
 */
export function chooseTeamJobnets(all: JobnetDefinition[], groups: string[], listed: string[] | undefined): TeamJobnetChoice {
    const problems: TeamJobnetChoice["problems"] = [];
    const names = all.map((d) => d.name);
    for (const name of systemJobnets) if (names.includes(name)) problems.push({ at: ["jobnets"], given: name, expected: `no team jobnet named ${name}: the stack's own jobnets are stop and start` });
    listed?.forEach((name, i) => {
        if (names.includes(name)) return;
        const meant = closestName(name, names);
        problems.push({ at: ["jobnets", i], given: JSON.stringify(name), expected: `a jobnet of jobnets/index.ts (${names.join(", ") || "none"})${meant ? `; did you mean ${meant}?` : ""}` });
    });
    const groupsOf = (d: JobnetDefinition) => [...new Set(Object.values<Job<string>>(d.jobs).flatMap((j) => (j.kind === "command" ? [j.on.group] : [])))];
    const childrenOf = (d: JobnetDefinition) => Object.values<Job<string>>(d.jobs).flatMap((j) => (j.kind === "jobnet" ? [j.jobnet] : []));
    let chosen = all.filter((d) => (listed ? listed.includes(d.name) : true));
    const left: TeamJobnetChoice["left"] = [];
    if (!listed) {
        // Unlisted: leave out each whose groups are missing, then each that runs one left out.
        for (;;) {
            const deployable = new Set([...systemJobnets, ...chosen.map((d) => d.name)]);
            const out = chosen.map((d) => {
                const missing = groupsOf(d).filter((g) => !groups.includes(g));
                if (missing.length > 0) return { d, reason: `the stack does not define its server group${missing.length > 1 ? "s" : ""} ${missing.join(", ")} (jobnetGroups)` };
                const absent = childrenOf(d).filter((c) => !deployable.has(c));
                if (absent.length > 0) return { d, reason: `it runs jobnet ${absent.join(", ")}, which this stack does not deploy` };
                const notEnding = startedAfter(d.startOn).filter((c) => !deployable.has(c));
                return notEnding.length > 0 ? { d, reason: `it starts after jobnet ${notEnding.join(", ")}, which this stack does not deploy` } : undefined;
            }).filter((o) => o !== undefined);
            if (out.length === 0) break;
            left.push(...out.map((o) => ({ name: o.d.name, reason: o.reason })));
            chosen = chosen.filter((d) => !out.some((o) => o.d === d));
        }
    }
    const known = { groups, jobnets: [...systemJobnets, ...chosen.map((d) => d.name)], startedAfterBy: Object.fromEntries(chosen.map((d) => [d.name, startedAfter(d.startOn)])) };
    for (const d of chosen) {
        const graphProblems = jobGraphProblems(d, known);
        const found = graphProblems.length > 0 ? graphProblems : historyProblems(d, known);
        if (found.length === 0) continue;
        const index = listed?.indexOf(d.name);
        problems.push({ at: index === undefined || index < 0 ? ["jobnets"] : ["jobnets", index], given: JSON.stringify(d.name), expected: `a jobnet that can deploy: ${found.join("; ")}` });
    }
    // A jobnet that runs one it is kept apart from: only the whole set of jobnets can tell.
    for (const { jobnet, line } of keptApartChildProblems(chosen)) {
        const index = listed?.indexOf(jobnet);
        problems.push({ at: index === undefined || index < 0 ? ["jobnets"] : ["jobnets", index], given: JSON.stringify(jobnet), expected: `a jobnet that can deploy: ${line}` });
    }
    return { deployed: problems.length > 0 ? [] : chosen, left, problems };
}

/**
 * A jobnet whose run could pass half of Step Functions' 25,000 history events at worst (every
 * job run, every retry taken) is refused: Step Functions would fail it there and refuse its redrive.
 * The events do not depend on where the jobnet runs: placeholders stand for the stack's ARNs.
 */
export function historyProblems(d: JobnetDefinition, known: { groups: string[]; jobnets: string[] }): string[] {
    const arn = (what: string) => `arn:aws:lambda:us-east-1:123456789012:function:${what}`;
    const events = worstCaseHistory(teamJobnet({
        jobnet: d,
        functionArns: { checkCalendar: arn("c"), takeRunLock: arn("t"), beginJobs: arn("b"), awaitJob: arn("a"), holdJob: arn("h"), startJob: arn("s") },
        calendar: { country: "none", closedDates: [], openDates: [], timeZone: "UTC" },
        runLock: { tableName: "t", lockKey: d.name },
        // Its own wait for the jobnets it names is part of its history.
        ...(d.notWith === undefined ? {} : { notWith: d.notWith.jobnets.map((j) => ({ jobnet: j, lockKey: j })) }),
        groups: Object.fromEntries(known.groups.map((g) => [g, { instanceIds: [] }])),
        jobnets: Object.fromEntries(known.jobnets.map((j) => [j, { stateMachineArn: `arn:aws:states:us-east-1:123456789012:stateMachine:${j}`, timeoutSeconds: 3600 }])),
        logGroupName: "l",
        commandMarker: "#",
    }));
    if (events <= historyBudget) return [];
    const n = (x: number) => x.toLocaleString("en-US");
    return [`jobnet ${d.name}: a run could make ${n(events)} history events at worst, over the ${n(historyBudget)} a jobnet may reach (half of the ${n(executionHistoryQuota)} at which Step Functions fails a run): move some of its jobs into a jobnet of their own, run by a jobnet job`];
}
