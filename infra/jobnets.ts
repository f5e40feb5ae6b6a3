import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { keptDataOptions } from "./keptData";
import { invokedFunctions } from "../statemachines/asl";
import { FunctionArns, JobnetPlan, deployedTasks } from "../statemachines/plan";
import { startJobnet } from "../statemachines/start";
import { stopJobnet } from "../statemachines/stop";
import { JobnetTargets, webServerTagOf } from "../statemachines/targets";
import { maxListedWebServers } from "../statemachines/plan";
import { CalendarSettings } from "../handlers/calendar";
import { JobnetSettings, TeamJobnetSettings } from "./config";
import { TeamJobnets, childrenOf, emitsValues, teamLockKey, teamStateMachineName } from "./teamJobnets";
import { excludedLocksOf, systemLockGroup } from "../statemachines/exclusion";
import { backupOptIn, jobnetBackupTypes } from "./backupOptIn";
import { assumeRolePolicy, awsManagedPolicyArn } from "./iamPolicies";
import { Jobnet } from "./jobnet";
import { JobnetFunctions } from "./jobnetFunctions";
import { RunLock, runLockTableName } from "./runLock";
import { ServiceControl, serviceCommands } from "./serviceControl";

export interface JobnetsArgs {
    /** Prefix of every name: `webapp-jobnet-dev`. */
    namePrefix: string;
    /** Identifies the maintenance rule this stack owns (its tag value). */
    stack: string;
    targets: JobnetTargets;
    /** How the jobnets stop, start and check the service on each web server. */
    serviceControl: ServiceControl;
    settings: JobnetSettings;
    calendar: CalendarSettings;
    maintenancePageHtml: string;
    logRetentionDays: number;
    deletionProtection: boolean;
    /** The team's own jobnets this stack deploys, and their server groups. */
    teamJobnets?: TeamJobnetSettings;
}

export const maintenanceTagKey = "webapp-jobnet:maintenance";

/** The stop and start jobnets, the Lambda tasks they share, and the backup vault they fill. */
export class Jobnets extends pulumi.ComponentResource {
    readonly stop: Jobnet;
    readonly start: Jobnet;
    readonly definitions: { stop: pulumi.Output<string>; start: pulumi.Output<string> };
    readonly backupVaultName: pulumi.Output<string>;
    /** The team's jobnets' state machine ARNs and definitions, by jobnet name. */
    readonly team: { stateMachineArns: Record<string, pulumi.Output<string>>; definitions: Record<string, pulumi.Output<string>> };
    /** The run lock's table, which also holds each team run's record (handlers/jobRecord.ts). */
    readonly runLockTableName: string;

    constructor(name: string, args: JobnetsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("webapp-jobnet:jobnet:Jobnets", name, {}, opts);
        const parent = { parent: this };
        const { partition, dnsSuffix } = aws.getPartitionOutput({}, parent);
        const region = aws.getRegionOutput({}, parent).region;
        const accountId = aws.getCallerIdentityOutput({}, parent).accountId;

        const vault = new aws.backup.Vault(`${name}-backups`, {
            name: args.namePrefix,
            // Recovery points keep a protected stack's vault from being deleted with it.
            forceDestroy: !args.deletionProtection,
        }, keptDataOptions(args.deletionProtection, parent));
        const backupRole = new aws.iam.Role(`${name}-backup`, {
            description: "AWS Backup: takes the jobnets' AMIs and database snapshots",
            assumeRolePolicy: assumeRolePolicy("backup.amazonaws.com"),
        }, parent);
        new aws.iam.RolePolicyAttachment(`${name}-backup`, {
            role: backupRole.name,
            policyArn: awsManagedPolicyArn(partition, "service-role/AWSBackupServiceRolePolicyForBackup"),
        }, parent);
        backupOptIn(`${name}-backup-opt-in`, {
            region,
            manage: args.settings.manageBackupOptIn,
            types: jobnetBackupTypes(args.targets.database?.kind ?? "none"),
        }, this);

        // State machine ARNs follow from their names: each jobnet can name the other without a cycle.
        const stateMachineNames = { stop: `${args.namePrefix}-stop`, start: `${args.namePrefix}-start` };
        const machineArn = (p: string, r: string, a: string, machineName: string) => `arn:${p}:states:${r}:${a}:stateMachine:${machineName}`;
        const stateMachineArns = pulumi.all([partition, region, accountId]).apply(([p, r, a]) => ({
            stop: machineArn(p, r, a, stateMachineNames.stop),
            start: machineArn(p, r, a, stateMachineNames.start),
        }));
        const teamDefinitions = args.teamJobnets?.deployed ?? [];
        const teamArns = pulumi.all([partition, region, accountId]).apply(([p, r, a]) =>
            Object.fromEntries(teamDefinitions.map((d) => [d.name, machineArn(p, r, a, teamStateMachineName(args.namePrefix, d.name))])));
        const targets = pulumi.output(args.targets);
        // One lock for both jobnets of the system; its table's ARN, like the state machines', follows from its name.
        const runLock = { tableName: runLockTableName(args.namePrefix), lockKey: args.namePrefix };
        // The jobnets kept apart (notWith), both ways: each is told the other locks it must find free.
        const excluded = excludedLocksOf(teamDefinitions, ["stop", "start", ...teamDefinitions.map((d) => d.name)], (group) => group === systemLockGroup ? runLock.lockKey : teamLockKey(args.namePrefix, group));
        this.runLockTableName = runLock.tableName;

        const functions = new JobnetFunctions(`${name}-tasks`, {
            namePrefix: args.namePrefix,
            logRetentionDays: args.logRetentionDays,
            tasks: deployedTasks({
                serversByTag: webServerTagOf(args.targets) !== undefined,
                loadBalancer: args.targets.loadBalancer,
                database: args.targets.database?.kind ?? "none",
                teamJobnets: teamDefinitions.length > 0,
            }),
            resources: pulumi.all([partition, dnsSuffix, region, accountId, targets, vault.arn, backupRole.arn, pulumi.all([stateMachineArns, teamArns])]).apply(
                ([p, suffix, r, a, t, vaultArn, backupRoleArn, [machines, team]]) => ({
                    partition: p,
                    dnsSuffix: suffix,
                    region: r,
                    accountId: a,
                    instances: policyInstances(t),
                    volumeKmsKeyArn: t.volumeKmsKeyArn,
                    databaseArn: t.database?.arn,
                    trafficListenerArns: t.trafficListenerArns,
                    otherListenerArns: t.otherListenerArns,
                    maintenanceTag: { key: maintenanceTagKey, value: args.stack },
                    backupVaultArn: vaultArn,
                    backupRoleArn,
                    stateMachineArns: [machines.stop, machines.start, ...Object.values(team)],
                    runLockTableArn: `arn:${p}:dynamodb:${r}:${a}:table/${runLock.tableName}`,
                    teamStateMachineArns: Object.values(team),
                    excludedLockKeys: [...new Set(Object.values(excluded).flat().map((l) => l.lockKey))].sort(),
                    childStateMachineArns: [...new Set(teamDefinitions.flatMap(childrenOf))].map((c) => ({ ...machines, ...team } as Record<string, string>)[c]),
                    ...(teamDefinitions.some(emitsValues) ? { jobsEmitValues: true } : {}),
                }),
            ),
        }, parent);

        const service = serviceCommands(args.serviceControl);
        const functionArns = pulumi.all(functions.arns) as pulumi.Output<FunctionArns>;
        const plan: pulumi.Output<JobnetPlan> = pulumi.all([functionArns, stateMachineArns, targets, vault.name, backupRole.arn]).apply(
            ([arns, machines, t, vaultName, backupRoleArn]) => ({
                functionArns: arns,
                calendar: args.calendar,
                stateMachineArns: machines,
                runLock,
                webServers: t.webServers,
                ...(t.database === undefined ? {} : { database: t.database }),
                listeners: { traffic: t.trafficListenerArns, other: t.otherListenerArns },
                targetGroupArns: t.targetGroupArns,
                maintenance: {
                    priority: args.settings.maintenanceRulePriority,
                    tagKey: maintenanceTagKey,
                    tagValue: args.stack,
                    html: args.maintenancePageHtml,
                    statusCode: "503",
                },
                backup: { vaultName, roleArn: backupRoleArn, deleteAfterDays: args.settings.backupRetentionDays },
                service,
                commandTimeoutSeconds: args.settings.commandTimeoutSeconds,
                waits: args.settings.waits,
                timeoutSeconds: args.settings.timeoutSeconds,
                // Stop and start share one lock: a team jobnet naming either is checked by both.
                ...(excluded.stop === undefined ? {} : { notWith: excluded.stop }),
            }),
        );
        const stop = plan.apply(stopJobnet);
        const start = plan.apply(startJobnet);
        this.definitions = {
            stop: stop.apply((d) => JSON.stringify(d, null, 2)),
            start: start.apply((d) => JSON.stringify(d, null, 2)),
        };
        this.stop = new Jobnet(`${name}-stop`, {
            stateMachineName: stateMachineNames.stop,
            definition: this.definitions.stop,
            functionArns: stop.apply(invokedFunctions),
            logRetentionDays: args.logRetentionDays,
        }, parent);
        this.start = new Jobnet(`${name}-start`, {
            stateMachineName: stateMachineNames.start,
            definition: this.definitions.start,
            functionArns: start.apply(invokedFunctions),
            logRetentionDays: args.logRetentionDays,
        }, parent);
        const team = teamDefinitions.length === 0 ? undefined : new TeamJobnets(`${name}-team`, {
            namePrefix: args.namePrefix,
            jobnets: teamDefinitions,
            groups: args.teamJobnets?.groups ?? {},
            schedulesPaused: args.teamJobnets?.schedulesPaused ?? [],
            calendar: args.calendar,
            runLockTableName: runLock.tableName,
            excluded,
            stateMachines: pulumi.all([stateMachineArns, teamArns]).apply(([machines, arns]) => ({
                stop: { stateMachineArn: machines.stop, timeoutSeconds: args.settings.timeoutSeconds },
                start: { stateMachineArn: machines.start, timeoutSeconds: args.settings.timeoutSeconds },
                ...Object.fromEntries(teamDefinitions.map((d) => [d.name, { stateMachineArn: arns[d.name], timeoutSeconds: d.timeoutMinutes * 60 }])),
            })),
            functionArns: {
                checkCalendar: functions.arns.checkCalendar!,
                takeRunLock: functions.arns.takeRunLock!,
                beginJobs: functions.arns.beginJobs!,
                awaitJob: functions.arns.awaitJob!,
                holdJob: functions.arns.holdJob!,
                jobEnded: functions.arns.jobEnded!,
            },
            resources: functions.resources,
            logRetentionDays: args.logRetentionDays,
        }, parent);
        this.team = { stateMachineArns: team?.stateMachineArns ?? {}, definitions: team?.definitions ?? {} };
        new RunLock(`${name}-run-lock`, {
            ...runLock,
            namePrefix: args.namePrefix,
            stateMachineArns: [this.stop.stateMachineArn, this.start.stateMachineArn, ...Object.values(this.team.stateMachineArns)],
            releaseFunctionArn: functions.arns.releaseRunLock!,
        }, parent);
        this.backupVaultName = vault.name;
        this.registerOutputs({
            stopStateMachineArn: this.stop.stateMachineArn,
            startStateMachineArn: this.start.stateMachineArn,
            backupVaultName: this.backupVaultName,
        });
    }
}

/**
 * How the tasks' IAM policies name the servers: by the tag they are found by; listed one by one
 * while they fit in IAM's policy size; beyond that, by the tag every listed server carries.
 */
export function policyInstances(t: pulumi.Unwrap<JobnetTargets>): string[] | { tag: { key: string; value: string } } {
    if ("tag" in t.webServers) return { tag: t.webServers.tag };
    if (t.webServers.length <= maxListedWebServers) return t.webServers.map((s) => s.instanceArn);
    if (t.webServerPolicyTag === undefined) {
        throw new Error(`${t.webServers.length} servers listed: IAM policies can name ${maxListedWebServers} at most; name them by a tag instead`);
    }
    return { tag: t.webServerPolicyTag };
}
