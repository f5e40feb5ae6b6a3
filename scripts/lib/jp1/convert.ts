import { systemJobnets } from "../../../infra/teamJobnetSettings";
import type { Job, JobnetDefinition, JudgmentCondition } from "../../../statemachines/jobs";
import type { JobnetCalendar } from "../../../statemachines/scheduleRules";
import { HostMapping } from "./hosts";
import { ConvertedCommandJob, convertCommandUnit, importedHoldMinutes } from "./jobUnits";
import { NameScope, projectName } from "./names";
import { NotConverted, parameterNotConverted, unitNotConverted } from "./notConverted";
import { ImportedRule, jobnetCalendar, jobnetScheduleRules, nestedJobnetSchedule } from "./schedules";
import { Unit, UnitParameter, parameter, parameters, unquoted } from "./unitDefinitions";

/**
 * JP1/AJS3 units as the team's jobnets (statemachines/jobs.ts): job groups become folders (and the
 * front of each jobnet's name), root jobnets jobnets, nested jobnets jobnets of their own run by a
 * jobnet job, UNIX and PC jobs command jobs, judgment jobs judgments, recovery units recovery jobs,
 * relations (`ar=`) `after`. What cannot be converted is reported (NotConverted) and marked.
 */

export interface ImportOptions {
    hosts: HostMapping;
    /** The time zone the JP1/AJS3 manager kept its schedules in (IANA): the imported rules' timeZone. */
    timeZone: string;
    /** Jobnet names taken already (the team's own jobnets): an imported one of the same name gets another. */
    reserved?: string[];
}


/** One job as imported: its name here, the unit it came from, and what a reviewer should read beside it. */
export interface ImportedJob {
    name: string;
    unit: Unit;
    job: Job<string>;
    /** The `ex=` host as written, for the report. */
    host?: string;
    notes: string[];
}

export interface ImportedJobnet {
    name: string;
    unit: Unit;
    /** The job groups it is in, outermost first. */
    groups: Unit[];
    /** The jobnet that runs it (a nested jobnet), by name here. */
    nestedIn?: string;
    definition: JobnetDefinition;
    /** Its jobs in the order of the jobnet's map (`el=`). */
    jobs: ImportedJob[];
    /** Its units that could not be converted (reported; the code marks their place). */
    dropped: Unit[];
    /** Facts about the whole jobnet a reviewer should read (in its header). */
    notes: string[];
    /** Its schedule rules: the JP1/AJS3 parameters of each, and the rule they became (none: reported). */
    schedules: ImportedRule[];
    /** A root jobnet's calendar, made of its job groups' open and closed days (JP1/AJS3 knows no national holidays). */
    calendar?: JobnetCalendar;
}

export interface ImportResult {
    jobnets: ImportedJobnet[];
    notConverted: NotConverted[];
}

/** Unit types (`ty=`) and what they are, for the report of those that are not converted. */
const unitKinds: Record<string, string> = {
    mg: "a manager job group", pn: "a planning group", rm: "a remote jobnet", rr: "a remote jobnet", nc: "a jobnet connector",
    qj: "a QUEUE job", rq: "a recovery QUEUE job", orj: "an OR job", rorj: "a recovery OR job",
    evwj: "a JP1 event reception monitoring job", revwj: "a recovery JP1 event reception monitoring job",
    flwj: "a file monitoring job", rflwj: "a recovery file monitoring job", mlwj: "an email reception monitoring job", rmlwj: "a recovery email reception monitoring job",
    mqwj: "a message-queue reception monitoring job", rmqwj: "a recovery message-queue reception monitoring job", mswj: "an MSMQ reception monitoring job", rmswj: "a recovery MSMQ reception monitoring job",
    lfwj: "a log file monitoring job", rlfwj: "a recovery log file monitoring job", ntwj: "a Windows event-log monitoring job", rntwj: "a recovery Windows event-log monitoring job",
    tmwj: "an execution interval control job", rtmwj: "a recovery execution interval control job",
    evsj: "a JP1 event sending job", revsj: "a recovery JP1 event sending job", mlsj: "an email sending job", rmlsj: "a recovery email sending job",
    mqsj: "a message-queue sending job", rmqsj: "a recovery message-queue sending job", mssj: "an MSMQ sending job", rmssj: "a recovery MSMQ sending job",
    cmsj: "an OpenView status report job", rcmsj: "a recovery OpenView status report job", pwlj: "a local power control job", rpwlj: "a recovery local power control job",
    pwrj: "a remote power control job", rpwrj: "a recovery remote power control job", cj: "a custom job", rcj: "a recovery custom job", cpj: "a custom PC job", rcpj: "a recovery custom PC job",
    rjdj: "a recovery judgment job", fxj: "a flexible job", rfxj: "a recovery flexible job", htpj: "an HTTP connection job", rhtpj: "a recovery HTTP connection job", rc: "a start condition",
};

const reasonFor = (ty: string, unit: Unit): string => {
    const what = unitKinds[ty] ?? `a unit of type ${ty}`;
    if (ty === "cj" || ty === "cpj" || ty === "rcj" || ty === "rcpj") {
        const cty = parameter(unit, "cty");
        return `${what}${cty ? ` (${unquoted(cty)})` : ""}: no counterpart; a command job that runs the same program on a server group may stand for it`;
    }
    if (ty === "rc" || unit.name === ".CONDITION") return `${what}: no counterpart here; startOn (a file's arrival in S3, an event, another jobnet's end) may stand for it`;
    if (ty === "orj" || ty === "rorj") return `${what}: a job here starts once all of its after have ended, never on the first of them`;
    return `${what}: no counterpart`;
};

/** Job unit types: UNIX and PC jobs, judgment jobs, nested jobnets; the same with `r` in front are recovery units. */
const commandTypes: Record<string, "unix" | "pc"> = { j: "unix", rj: "unix", pj: "pc", rp: "pc" };
const isRecoveryType = (ty: string) => ["rj", "rp", "rn"].includes(ty);
/** A recovery unit of any type, converted or not (rc, rm and rr are a start condition and remote jobnets). */
const isAnyRecoveryType = (ty: string) => ty.startsWith("r") && !["rc", "rm", "rr"].includes(ty);

/** Jobnet parameters read elsewhere (the schedule rules and calendars, the map) or that only describe its look. */
const jobnetParametersReadElsewhere = new Set(["ty", "cm", "el", "ar", "sz", "sd", "st", "sy", "ey", "ln", "cy", "sh", "shd", "wt", "wc", "cftd", "ed", "fd", "ha", "ex"]);

/** Jobnet parameters with no counterpart, and why. */
const jobnetParametersWithoutCounterpart: Record<string, string> = {
    rg: "generations kept: Step Functions keeps each run's history for 90 days after it ends",
    pr: "the priority of its jobs: no counterpart in Run Command",
    ni: "no counterpart",
    // An exclusive schedule is about days, not runs at once: notWith (runs that must not overlap) does not stand for it.
    ejn: "an exclusive schedule: JP1/AJS3 does not run this jobnet on the days the named jobnet is scheduled: no counterpart; close those days in this jobnet's calendar",
    cd: "concurrent runs of the jobnet: here a jobnet runs once at a time (its run lock)",
    mp: "what a start condition does while a run goes on: no counterpart",
    ms: "multiple schedules: no counterpart",
    jc: "the job group whose calendar it uses: give it that calendar (calendar: ...)",
    rh: "the manager it runs on (a remote jobnet): no counterpart",
    de: "no counterpart",
    mm: "wait conditions on units of other jobnets: startOn: [{ jobnetEnded: ... }] or notWith may stand for them",
    nmg: "wait conditions on units of other jobnets: no counterpart",
    eun: "waiting for a unit of another jobnet: startOn: [{ jobnetEnded: ... }] may stand for it",
    ega: "wait conditions: no counterpart",
    uem: "wait conditions: no counterpart",
};

/** Every jobnet of the files' units, and what could not be converted. */
export function importUnits(tops: Unit[], options: ImportOptions): ImportResult {
    const result: ImportResult = { jobnets: [], notConverted: [] };
    const names = new NameScope([...systemJobnets, ...(options.reserved ?? [])]);
    const visit = (unit: Unit, groups: Unit[]) => {
        const ty = parameter(unit, "ty") ?? "";
        if (ty === "g") {
            for (const p of unit.parameters) if (!["ty", "cm", "el", "sz", "op", "cl", "sdd", "md", "stt", "gty", "ncl", "ncn", "ncs"].includes(p.name)) result.notConverted.push(parameterNotConverted(unit, p, "a job group parameter with no counterpart"));
            // Its calendar's days that cannot be kept, once for the group (each jobnet in it takes the days that can).
            result.notConverted.push(...jobnetCalendar([unit]).notConverted);
            for (const child of unit.units) visit(child, [...groups, unit]);
        } else if (ty === "n") {
            convertJobnet(unit, groups, undefined, names, options, result);
        } else {
            result.notConverted.push(unitNotConverted(unit, ty, ty in commandTypes || ty === "jdj" ? "a job outside any jobnet: put it in a jobnet" : reasonFor(ty, unit)));
        }
    };
    for (const top of tops) visit(top, []);
    // The report reads as the files do: by file, then line.
    const files = [...new Set(tops.map((t) => t.file))];
    result.notConverted.sort((a, b) => files.indexOf(a.file) - files.indexOf(b.file) || a.line - b.line);
    return result;
}

type Relation = { from: string; to: string; conditional: boolean; p: UnitParameter };

/** `ar=(f=FROM,t=TO[,seq|con])`: FROM before TO, `con` from a judgment job to a unit it runs when its condition holds. */
function relationsOf(unit: Unit, report: (n: NotConverted) => void): Relation[] {
    return parameters(unit, "ar").flatMap((p) => {
        const m = /^\((.*)\)$/.exec(p.value.trim());
        const fields = Object.fromEntries((m ? m[1] : "").split(",").map((f) => {
            const eq = f.indexOf("=");
            return eq < 0 ? [f.trim(), ""] : [f.slice(0, eq).trim(), unquoted(f.slice(eq + 1).trim())];
        }));
        if (!m || !fields.f || !fields.t) {
            report(parameterNotConverted(unit, p, "expected (f=FROM,t=TO[,seq|con])"));
            return [];
        }
        return [{ from: fields.f, to: fields.t, conditional: "con" in fields, p }];
    });
}

/** A judgment's condition on the return code of the job before it; `negated`: the units it runs are its else (ne, ro). */
function judgmentConditionOf(unit: Unit, report: (n: NotConverted) => void): { when: JudgmentCondition; negated: boolean } | undefined {
    const ej = parameter(unit, "ej") ?? "gt";
    const at = (name: string) => unit.parameters.find((p) => p.name === name);
    const number = (name: string): number | undefined => {
        const v = parameter(unit, name);
        return v !== undefined && /^-?\d+$/.test(v) ? Number(v) : undefined;
    };
    const lowest = -2147483648;
    const c = number("ejc") ?? 0;
    switch (ej) {
        case "gt": return { when: { above: c }, negated: false };
        case "ge": return { when: { above: c - 1 }, negated: false };
        case "eq": return { when: { equals: c }, negated: false };
        case "ne": return { when: { equals: c }, negated: true };
        case "lt": return { when: { from: lowest, to: c - 1 }, negated: false };
        case "le": return { when: { from: lowest, to: c }, negated: false };
        case "ri":
        case "ro": {
            const low = number("ejl");
            const high = number("ejh");
            if (low === undefined || high === undefined) {
                report(parameterNotConverted(unit, at("ej")!, "a range needs its lower (ejl) and upper (ejh) limits"));
                return undefined;
            }
            // ejm: the lower limit itself is in the range (ge, the default) or not (gt); eju: the upper (le, the default) or not (lt).
            const from = parameter(unit, "ejm") === "gt" ? low + 1 : low;
            const to = parameter(unit, "eju") === "lt" ? high - 1 : high;
            return { when: { from, to }, negated: ej === "ro" };
        }
        default: {
            const p = at("ej")!;
            report(parameterNotConverted(unit, p, ej === "ef" || ej === "nf"
                ? "judges whether a file exists: no counterpart; a wait-for-file job (S3) or a command job that tests the file may stand for it"
                : "judges a macro variable: no counterpart; a judgment of a value a job emits ({ value: \"JOB.NAME\", ... }) may stand for it"));
            return undefined;
        }
    }
}

function convertJobnet(unit: Unit, groups: Unit[], nestedIn: ImportedJobnet | undefined, names: NameScope, options: ImportOptions, result: ImportResult, inheritedHost?: string): ImportedJobnet {
    const report = (n: NotConverted) => result.notConverted.push(n);
    const name = names.take(nestedIn ? projectName(`${nestedIn.name}-${projectName(unit.name)}`) : projectName([...groups.map((g) => projectName(g.name)), projectName(unit.name)].join("-")));
    const imported: ImportedJobnet = { name, unit, groups, ...(nestedIn ? { nestedIn: nestedIn.name } : {}), definition: { name, description: "", expectedMinutes: 1, timeoutMinutes: 1, jobs: {} }, jobs: [], dropped: [], notes: [], schedules: [] };
    result.jobnets.push(imported);
    if (nestedIn) nestedJobnetSchedule(unit).forEach(report);
    else {
        const { rules, notConverted } = jobnetScheduleRules(unit, options.timeZone);
        imported.schedules = rules;
        notConverted.forEach(report);
        // Its rules mean the days its job groups open and close, not the stack's calendar.
        if (rules.some((r) => r.rule)) {
            imported.calendar = jobnetCalendar(groups.filter((g) => !g.notPrinted)).calendar;
            const missing = groups.length === 0 ? undefined : groups.filter((g) => g.notPrinted).map((g) => g.path).pop();
            if (groups.length === 0 || missing !== undefined) {
                report({ file: unit.file, line: unit.line, path: unit.path, what: "calendar", reason: `its job group${missing ? ` ${missing}` : ""} is not in the file: the open and closed days its rules are judged by are unknown here, and every day ${groups.some((g) => !g.notPrinted) ? "its printed groups do not close " : ""}is taken as open; print the job group with ajsprint -a, or set calendar` });
            }
        }
    }
    for (const p of unit.parameters) {
        if (jobnetParametersReadElsewhere.has(p.name)) continue;
        report(parameterNotConverted(unit, p, /^nc/.test(p.name) ? "a link to a jobnet connector: no counterpart; a jobnet job, or startOn: [{ jobnetEnded: ... }], may stand for it" : jobnetParametersWithoutCounterpart[p.name] ?? `a jobnet parameter with no counterpart (${p.name})`));
    }

    // The units of its map, in the map's order (el=), then any the map does not place.
    const order = parameters(unit, "el").map((p) => unquoted(p.value.split(",")[0]));
    const children = [...unit.units].sort((a, b) => rank(a.name) - rank(b.name));
    function rank(n: string) {
        const i = order.indexOf(n);
        return i < 0 ? order.length : i;
    }

    // A job without ex= runs on its jobnet's execution agent, if the jobnet (or one above it) names one.
    const ownHost = parameter(unit, "ex");
    const defaultHost = ownHost !== undefined ? unquoted(ownHost) : inheritedHost;
    const jobNames = new NameScope();
    const byUnit = new Map<string, ImportedJob>();
    const recoveryUnits = new Set<string>();
    const dropped = new Map<string, Unit>();
    for (const child of children) {
        const ty = parameter(child, "ty") ?? "";
        if (child.name === ".CONDITION") {
            report(unitNotConverted(child, ty, reasonFor("rc", child)));
            dropped.set(child.name, child);
            continue;
        }
        const jobName = jobNames.take(projectName(child.name));
        let job: ImportedJob | undefined;
        if (ty in commandTypes) {
            const converted: ConvertedCommandJob = convertCommandUnit(child, commandTypes[ty], options.hosts, defaultHost);
            converted.notConverted.forEach(report);
            job = { name: jobName, unit: child, job: converted.job, ...(converted.host !== undefined ? { host: converted.host } : {}), notes: converted.notes };
        } else if (ty === "n" || ty === "rn") {
            const nested = convertJobnet(child, groups, imported, names, options, result, defaultHost);
            job = { name: jobName, unit: child, job: { kind: "jobnet", jobnet: nested.name }, notes: [] };
            const ha = child.parameters.find((p) => p.name === "ha");
            if (ha && ha.value !== "n" && ha.value !== "y") report(parameterNotConverted(child, ha, "a hold that depends on how the previous run ended (w, a): a hold here applies to every run; hold: { maxMinutes } holds always"));
            if (ha?.value === "y") {
                (job.job as { hold?: { maxMinutes: number } }).hold = { maxMinutes: importedHoldMinutes };
                job.notes.push(`held (ha=y): released with npm run ops -- release, within ${importedHoldMinutes / 60} hours or it ends abnormally (JP1/AJS3 holds without a bound)`);
            }
        } else if (ty === "jdj") {
            const condition = judgmentConditionOf(child, report);
            for (const p of child.parameters) if (!["ty", "cm", "ej", "ejc", "ejl", "ejh", "ejm", "eju", "ejf", "ejv", "ejt", "eji", "ejs", "ejg"].includes(p.name)) report(parameterNotConverted(child, p, `a judgment job parameter with no counterpart (${p.name})`));
            if (condition) {
                job = { name: jobName, unit: child, job: { kind: "judgment", after: [""] as [string], when: condition.when, then: [], else: [] }, notes: condition.negated ? ["JP1/AJS3 runs its dependent units when the condition does not hold: they are its else"] : [] };
                (job as ImportedJob & { negated?: boolean }).negated = condition.negated;
            }
        } else {
            report(unitNotConverted(child, ty, reasonFor(ty, child)));
        }
        if (job) {
            byUnit.set(child.name, job);
            if (isRecoveryType(ty)) recoveryUnits.add(child.name);
        } else dropped.set(child.name, child);
    }

    // Relations, with a dropped unit bridged: the units after it wait for the units before it, and
    // the first of them is held for an operator, who does by hand what the dropped unit did.
    const relations = relationsOf(unit, report).filter((r) => {
        const known = (n: string) => byUnit.has(n) || dropped.has(n);
        if (!known(r.from) || !known(r.to)) report(parameterNotConverted(unit, r.p, `names a unit the jobnet does not hold (${known(r.from) ? r.to : r.from})`));
        return known(r.from) && known(r.to);
    });
    const before = (n: string): Relation[] => relations.filter((r) => r.to === n);
    // A judgment judges the unit right before it, a recovery unit recovers it: with that unit not
    // converted, neither can mean here what it meant, so neither is converted (nor the units that
    // depend on them in turn); the units after them are bridged as after any unit not converted.
    for (let changed = true; changed; ) {
        changed = false;
        for (const [name, j] of byUnit) {
            const judgment = j.job.kind === "judgment";
            if (!judgment && !recoveryUnits.has(name)) continue;
            const lost = before(name).find((r) => dropped.has(r.from));
            if (lost === undefined && !(judgment && before(name).length === 0)) continue;
            const ty = parameter(j.unit, "ty") ?? "";
            report(unitNotConverted(j.unit, ty, lost === undefined
                ? "a judgment job judges the return code of the unit before it, and nothing comes before this one"
                : `${judgment ? "a judgment job judges the return code of" : "a recovery unit runs when it ends abnormally"} ${lost.from}, which is not converted`));
            byUnit.delete(name);
            recoveryUnits.delete(name);
            dropped.set(name, j.unit);
            changed = true;
        }
    }
    /** The kept units before a unit, through those not converted: `bridged` through one, `throughRecovery` through a recovery unit. */
    type KeptRelation = { from: string; conditional: boolean; p: UnitParameter; bridged: boolean; throughRecovery?: string };
    const keptBefore = (n: string, seen = new Set<string>(), via?: { recovery?: string }): KeptRelation[] =>
        before(n).flatMap((r) => {
            if (!dropped.has(r.from)) return [{ ...r, bridged: via !== undefined, ...(via?.recovery ? { throughRecovery: via.recovery } : {}) }];
            if (seen.has(r.from)) return [];
            seen.add(r.from);
            const recovery = via?.recovery ?? (isAnyRecoveryType(parameter(dropped.get(r.from)!, "ty") ?? "") ? r.from : undefined);
            return keptBefore(r.from, seen, { ...(recovery ? { recovery } : {}) });
        });
    const droppedBefore = (n: string, seen = new Set<string>()): string[] =>
        before(n).filter((r) => dropped.has(r.from) && !seen.has(r.from)).flatMap((r) => {
            seen.add(r.from);
            return [r.from, ...droppedBefore(r.from, seen)];
        });

    for (const [unitName, j] of byUnit) {
        const preds = keptBefore(unitName);
        const gates = droppedBefore(unitName).sort((a, b) => rank(a) - rank(b));
        const after: string[] = [];
        for (const r of preds) {
            const from = byUnit.get(r.from)!;
            const fromIsRecovery = recoveryUnits.has(r.from);
            if (recoveryUnits.has(unitName) && !fromIsRecovery) {
                // A recovery unit follows the unit it recovers; only one may be recovered by it here.
                if (from.job.kind === "judgment") {
                    report(parameterNotConverted(unit, r.p, `a recovery unit after a judgment job, which never ends abnormally: ${j.unit.name} never runs`));
                    continue;
                }
                const recovered = byUnit.get(r.from)!.job as { recovery?: { jobs: string[] } };
                const already = [...byUnit.values()].some((other) => other.job.kind !== "judgment" && (other.job as { recovery?: { jobs: string[] } }).recovery?.jobs.includes(j.name));
                if (already) {
                    report(parameterNotConverted(unit, r.p, `${j.unit.name} already recovers another unit: a recovery job here recovers one job; define a copy of it for ${r.from}`));
                    continue;
                }
                recovered.recovery = { jobs: [...(recovered.recovery?.jobs ?? []), j.name] };
                continue;
            }
            if (!recoveryUnits.has(unitName) && (fromIsRecovery || r.throughRecovery)) {
                report(parameterNotConverted(unit, r.p, `JP1/AJS3 never runs a normal unit after a recovery unit (${r.throughRecovery ?? r.from}); here ${j.unit.name} runs after ${r.from} when it runs`));
            }
            // A judgment's dependent unit not converted: the units after it wait for the judgment, whichever way it judges (JP1/AJS3 runs them either way).
            if (from.job.kind === "judgment" && r.conditional && !r.bridged) {
                const judgment = from.job;
                const negated = (from as ImportedJob & { negated?: boolean }).negated === true;
                (negated ? judgment.else! : judgment.then).push(j.name);
                continue;
            }
            after.push(from.name);
        }
        if (j.job.kind === "judgment") {
            if (after.length !== 1) {
                report({ file: j.unit.file, line: j.unit.line, path: j.unit.path, what: `unit ${j.unit.name} (ty=jdj)`, reason: `a judgment job judges the return code of the one unit before it; it has ${after.length}` });
            }
            j.job.after = [after[0] ?? preds[0].from] as [string];
            continue;
        }
        if (after.length > 0) j.job.after = [...new Set(after)];
        if (gates.length > 0) {
            const what = gates.map((g) => dropped.get(g)!.path).join(", ");
            if (j.job.kind === "command" || j.job.kind === "jobnet") {
                j.job.hold = { maxMinutes: importedHoldMinutes };
                j.notes.push(`NOT CONVERTED before it: ${what}; it is held until an operator has done by hand what that did (npm run ops -- release)`);
            } else j.notes.push(`NOT CONVERTED before it: ${what}`);
        }
    }

    // Judgments whose branches came out empty (no conditional relations): JP1/AJS3 runs nothing on them.
    for (const j of byUnit.values()) {
        if (j.job.kind !== "judgment") continue;
        if (j.job.else!.length === 0) delete j.job.else;
        if (j.job.then.length + (j.job.else ?? []).length === 0) report({ file: j.unit.file, line: j.unit.line, path: j.unit.path, what: `unit ${j.unit.name} (ty=jdj)`, reason: "a judgment job with no dependent unit (no ar=(...,con) from it): it decides nothing" });
    }
    // JP1/AJS3 bypasses only the dependent units of a judgment that does not take them: the units
    // after them still run. Here a job whose only predecessor was skipped is skipped too, so such a
    // job waits for the judgment as well, which leads to it either way.
    for (const j of byUnit.values()) {
        if (j.job.kind !== "judgment") continue;
        const judgment = j;
        const branches = [...j.job.then, ...(j.job.else ?? [])];
        for (const next of byUnit.values()) {
            const after = next.job.after ?? [];
            if (next.job.kind === "judgment" || after.includes(judgment.name) || !after.some((a) => branches.includes(a))) continue;
            next.job.after = [...after, judgment.name];
            next.notes.push(`after ${judgment.name} too: JP1/AJS3 runs it when ${judgment.name} bypasses ${after.filter((a) => branches.includes(a)).join(" and ")}`);
        }
    }

    imported.jobs = [...byUnit.values()];
    imported.dropped = [...dropped.values()];
    imported.definition.jobs = Object.fromEntries(imported.jobs.map((j) => [j.name, j.job]));
    const description = parameter(unit, "cm");
    imported.definition.description = description ? unquoted(description) : `${unit.path} (imported from JP1/AJS3)`;
    const rules = imported.schedules.flatMap((s) => (s.rule ? [s.rule] : []));
    if (rules.length > 0) imported.definition.schedules = rules;
    if (imported.calendar) imported.definition.calendar = imported.calendar;
    sizeJobnet(imported, result, report);
    return imported;
}

/**
 * A jobnet's bounds. JP1/AJS3 lets a jobnet run as long as its jobs do; here Step Functions ends it
 * at `timeoutMinutes`: the longest path through its jobs, each at its own bound (its time-out, its
 * retries and their waits, its hold, a nested jobnet's own bound). `expectedMinutes` is the
 * jobnet's time required for execution (`fd`), else that same bound.
 */
function sizeJobnet(imported: ImportedJobnet, result: ImportResult, report: (n: NotConverted) => void): void {
    const d = imported.definition;
    const bound = (name: string): number => {
        const job = d.jobs[name];
        if (job.kind === "judgment") return 0;
        const hold = job.hold?.maxMinutes ?? 0;
        if (job.kind === "jobnet") return hold + (result.jobnets.find((n) => n.name === job.jobnet)?.definition.timeoutMinutes ?? 0);
        if (job.kind === "waitForFile") return hold + job.timeoutMinutes;
        const attempts = 1 + (job.retry?.times ?? 0);
        return hold + attempts * (job.timeoutMinutes ?? 60) + (job.retry ? job.retry.times * job.retry.intervalMinutes : 0) + recoveryBound(name);
    };
    const recoveryBound = (name: string): number => {
        const job = d.jobs[name];
        if (job.kind === "judgment" || !job.recovery) return 0;
        return Math.max(0, ...job.recovery.jobs.map((r) => bound(r) + longestAfter(r)));
    };
    const successors = (name: string) => Object.entries(d.jobs).filter(([, j]) => (j.after ?? []).includes(name)).map(([n]) => n);
    const memo = new Map<string, number>();
    const longestAfter = (name: string): number => {
        const next = [...successors(name), ...branchesOf(name)];
        return Math.max(0, ...next.map((n) => longestFrom(n)));
    };
    const branchesOf = (name: string) => {
        const job = d.jobs[name];
        return job.kind === "judgment" ? [...job.then, ...(job.else ?? [])] : [];
    };
    const longestFrom = (name: string): number => {
        if (!memo.has(name)) {
            memo.set(name, 0);
            memo.set(name, bound(name) + longestAfter(name));
        }
        return memo.get(name)!;
    };
    const recoveryJobs = new Set(Object.values(d.jobs).flatMap((j) => (j.kind !== "judgment" ? j.recovery?.jobs ?? [] : [])));
    const branched = new Set(Object.values(d.jobs).flatMap((j) => (j.kind === "judgment" ? [...j.then, ...(j.else ?? [])] : [])));
    const firsts = Object.keys(d.jobs).filter((n) => (d.jobs[n].after ?? []).length === 0 && !recoveryJobs.has(n) && !branched.has(n));
    d.timeoutMinutes = Math.max(1, ...firsts.map(longestFrom));
    const fd = imported.unit.parameters.find((p) => p.name === "fd");
    const expected = fd && /^\d+$/.test(fd.value) ? Number(fd.value) : undefined;
    if (fd && (expected === undefined || expected < 1 || expected > d.timeoutMinutes)) {
        report(parameterNotConverted(imported.unit, fd, `expected a whole number of minutes from 1 to the jobnet's bound here (${d.timeoutMinutes})`));
    }
    if (expected !== undefined && expected >= 1 && expected <= d.timeoutMinutes) d.expectedMinutes = expected;
    else {
        d.expectedMinutes = d.timeoutMinutes;
        imported.notes.push("no time required for execution (fd) in JP1/AJS3: expectedMinutes is the jobnet's bound; set it to when a run is late");
    }
    const ha = imported.unit.parameters.find((p) => p.name === "ha");
    if (ha && ha.value !== "n" && !imported.nestedIn) report(parameterNotConverted(imported.unit, ha, "a held root jobnet: hold its first jobs (hold: { maxMinutes }) instead"));
}
