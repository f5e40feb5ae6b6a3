import { createHash } from "crypto";
import type { SynthResult } from "../scripts/lib/synthesize";
import type { JobnetDefinition } from "../statemachines/jobs";
import type { StateMachineDefinition } from "../statemachines/asl";
import type { GroupTargets } from "../statemachines/teamJobnet";
import type { AccountSpec, SimServerSpec } from "./account";
import { JobFault, jobPlays } from "./jobPlays";
import { jobCommandMarker, teamJobnet } from "../statemachines/teamJobnet";
import type { TaskFunctionName } from "../statemachines/plan";
import { jobOutputLogGroupName, teamLockKey } from "../infra/teamJobnets";
import { excludedLocksOf, systemLockGroup } from "../statemachines/exclusion";

/**
 * What the simulated account holds for a stack's team jobnets: the servers of their groups, and
 * what their commands do there.
 */

/** How many servers the simulation gives a group named by a tag: the stack cannot say, so two. */
export const simulatedServersPerTag = 2;

/**
 * The servers of the stack's groups (the output `jobnetGroups`): a group's instance ids, each named
 * `<group>-<n>`; a group named by a tag, two servers carrying it. Running, their agents online.
 */
export function groupServers(groups: Record<string, GroupTargets>, region: string, accountId: string): SimServerSpec[] {
    return Object.entries(groups).flatMap(([group, targets]) => {
        const ids = "instanceIds" in targets
            ? targets.instanceIds
            : Array.from({ length: simulatedServersPerTag }, (_, i) => `i-0${createHash("sha256").update(`${group}-${i + 1}`).digest("hex").slice(0, 16)}`);
        return ids.map((instanceId, i) => ({
            name: `${group}-${i + 1}`,
            instanceId,
            instanceArn: `arn:aws:ec2:${region}:${accountId}:instance/${instanceId}`,
            tags: { Name: `${group}-${i + 1}`, ...("tag" in targets ? { [targets.tag.key]: targets.tag.value } : {}) },
        }));
    });
}

/** The team's jobnets the stack deploys, as the program's own copy of jobnets/ declares them. */
export function teamDefinitionsOf(synth: SynthResult): JobnetDefinition[] {
    const all = (require("../jobnets") as { teamJobnets: JobnetDefinition[] }).teamJobnets;
    return all.filter((d) => synth.team.stateMachineArns[d.name] !== undefined);
}

/**
 * Another jobnet run in the place of a deployed team jobnet (`npm run bench`'s shapes, a test's
 * graph): built as the stack builds that one, with its state machine, its StartJob (and so its
 * permissions: the same server groups and jobnets), the stack's lock table and log group.
 */
export function definitionInPlaceOf(synth: SynthResult, deployed: string, d: JobnetDefinition): StateMachineDefinition {
    const functionArn = (task: TaskFunctionName) => {
        const found = synth.functions.filter((f) => f.task === task);
        // Each team jobnet has a StartJob of its own: the deployed jobnet's.
        const own = task === "startJob" ? found.find((f) => f.functionName === `${synth.team.stateMachineArns[deployed].split(":").pop()}-jobs`) : found[0];
        if (!own) throw new Error(`the stack has no ${task} function for ${deployed}`);
        return own.functionArn;
    };
    const prefix = synth.stateMachineArns.stop.split(":").pop()!.replace(/-stop$/, "");
    const machines = jobnetsOf(synth);
    return teamJobnet({
        jobnet: d,
        functionArns: { checkCalendar: functionArn("checkCalendar"), takeRunLock: functionArn("takeRunLock"), beginJobs: functionArn("beginJobs"), awaitJob: functionArn("awaitJob"), holdJob: functionArn("holdJob"), startJob: functionArn("startJob") },
        calendar: synth.outputs.calendar,
        runLock: { tableName: synth.runLock.tableName, lockKey: teamLockKey(prefix, d.name) },
        // Kept apart from the jobnets it names itself.
        ...(d.notWith === undefined ? {} : { notWith: excludedLocksOf([d], [d.name], (group) => group === systemLockGroup ? synth.runLock.lockKey : teamLockKey(prefix, group))[d.name] }),
        groups: synth.outputs.jobnetGroups ?? {},
        jobnets: Object.fromEntries([...machines].map(([name, m]) => [name, { stateMachineArn: m.stateMachineArn, timeoutSeconds: m.definition.TimeoutSeconds ?? 3600 }])),
        logGroupName: jobOutputLogGroupName(prefix),
        commandMarker: jobCommandMarker(prefix),
    });
}

/** What the account's servers do for the team jobnets' commands (AccountSpec.plays); `also`: jobnets run in place of deployed ones. */
export function teamPlays(synth: SynthResult, faults: readonly JobFault[], also: readonly JobnetDefinition[] = []): AccountSpec["plays"] {
    const play = jobPlays([...teamDefinitionsOf(synth), ...also], faults);
    return (c) => {
        const p = play(c.comment, c.instanceName);
        return p === undefined ? undefined : { seconds: p.seconds, exitCode: p.exitCode, stdout: p.stdout, ...(p.outcome ? { outcome: p.outcome } : {}) };
    };
}

/** Every jobnet of the stack by name: stop, start and the team's, each with its definition and state machine. */
export function jobnetsOf(synth: SynthResult): Map<string, { definition: StateMachineDefinition; stateMachineArn: string }> {
    return new Map([
        ...(["stop", "start"] as const).map((j) => [j, { definition: synth.definitions[j], stateMachineArn: synth.stateMachineArns[j] }] as const),
        ...Object.entries(synth.team.definitions).map(([j, definition]) => [j, { definition, stateMachineArn: synth.team.stateMachineArns[j] }] as const),
    ]);
}

/** Every jobnet of the stack with the lock item its runs take and their lease (its timeout): stop and start share the system's. */
export function jobnetLocksOf(synth: SynthResult): Record<string, { stateMachineArn: string; lockKey: string; leaseSeconds: number }> {
    const prefix = synth.stateMachineArns.stop.split(":").pop()!.replace(/-stop$/, "");
    return Object.fromEntries([...jobnetsOf(synth)].map(([name, j]) => [name, {
        stateMachineArn: j.stateMachineArn,
        lockKey: name === "stop" || name === "start" ? synth.runLock.lockKey : teamLockKey(prefix, name),
        leaseSeconds: j.definition.TimeoutSeconds ?? synth.runLock.leaseSeconds,
    }]));
}
