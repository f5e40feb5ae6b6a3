import * as pulumi from "@pulumi/pulumi";
import { deployedTasks } from "../statemachines/plan";
import { SystemSettings, systemShapeOf } from "./config";
import { NameRule, nameProblem, namedResourceTypes } from "./awsNameRules";
import { shippedLogFiles } from "./cloudWatchAgent";
import { clusterIdentifierFor } from "./database";
import { kebab } from "./jobnetFunctions";
import { databaseRestartTrigger } from "./operations";
import { jobnetAlarms, watcherAlarms } from "./alerts";
import { expectedJobSeconds } from "../statemachines/jobEndDelay";
import type { JobnetDefinition } from "../statemachines/jobs";
import { childrenOf, jobOutputLogGroupName, startConditionRuleName, startJobFunctionName, startOnEventFunctionName, teamScheduleName, teamStateMachineName } from "./teamJobnets";

/** The settings that add names or shape them; a stack's WebappConfig is one. */
export interface NamingSettings {
    database: { instanceCount: number; logExports: readonly string[] };
    /** A protected cluster leaves a final snapshot named after it. */
    deletionProtection: boolean;
    operations: {
        schedules: { stop?: unknown; start?: unknown };
        triggers: readonly { name: string; jobnet: "stop" | "start" }[];
        keepClusterStopped: boolean;
        slack?: unknown;
    };
    /** The system the jobnets act on: an existing one may have an RDS DB instance, or no database. */
    system: SystemSettings;
    /** The team's jobnets the stack deploys. */
    teamJobnets?: { deployed: readonly JobnetDefinition[] };
}

/** One name the program gives AWS. */
export interface PhysicalName {
    /** The Pulumi resource type. */
    type: string;
    /** The resource's logical name in the program. */
    logicalName: string;
    /** The input that carries the name. */
    property: string;
    /** The name AWS gets; an autonamed one ends in Pulumi's random suffix, shown as `-xxxxxxx`. */
    name: string;
    autonamed: boolean;
    /** What the name is made from, so the user knows what to change. */
    madeFrom: string;
}

/** A name AWS would refuse, and why. */
export interface NameProblem {
    name: PhysicalName;
    rule: NameRule;
    reason: string;
}

/** The prefix of every name a stack chooses itself: `webapp-jobnet-dev`. */
export function namePrefixOf(project: string, stack: string): string {
    return `${project}-${stack}`;
}

// Pulumi allows stack names of at most 100 characters (sdk/go/common/tokens, ValidateStackName).
const maxPulumiStackNameLength = 100;
const fromStack = "the stack name";
const fromLogicalName = "its logical name in the program";

/**
 * Every name the program gives AWS for this project, stack and settings, as index.ts and its
 * components make them: the names they set, and the names Pulumi derives from logical names.
 * tests/physicalNames.test.ts holds this list to what the program declares, resource by resource.
 */
export function physicalNames(project: string, stack: string, settings: NamingSettings): PhysicalName[] {
    const prefix = namePrefixOf(project, stack);
    const clusterIdentifier = clusterIdentifierFor(project, stack);
    // The names index.ts gives WebSystem, Jobnets and Operations: every logical name starts with one.
    return [
        // An existing system is only read: the stack names none of it.
        ...(settings.system.mode === "create" ? webSystemNames("webapp", project, stack, clusterIdentifier, settings) : []),
        ...jobnetsNames("jobnet", prefix, settings.system, settings.teamJobnets?.deployed ?? []),
        ...alertsNames("alerts", prefix, settings),
        named("aws:cloudwatch/dashboard:Dashboard", "dashboard", prefix, fromStack, "dashboardName"),
        ...operationsNames("ops", prefix, clusterIdentifier, settings),
    ];
}

/** Network, security groups, load balancer, web servers and database (infra/webSystem.ts). */
function webSystemNames(root: string, project: string, stack: string, clusterIdentifier: string, settings: NamingSettings): PhysicalName[] {
    const [network, sg, lb, web, db] = ["network", "sg", "lb", "web", "db"].map((part) => `${root}-${part}`);
    return [
        autonamed("aws:cloudwatch/logGroup:LogGroup", `${network}-flow-logs`),
        autonamed("aws:iam/role:Role", `${network}-flow-logs`),
        autonamed("aws:iam/rolePolicy:RolePolicy", `${network}-flow-logs`),
        ...["alb", "web", "db"].map((tier) => autonamed("aws:ec2/securityGroup:SecurityGroup", `${sg}-${tier}`)),
        autonamed("aws:s3/bucket:Bucket", `${lb}-access-logs`),
        autonamed("aws:lb/loadBalancer:LoadBalancer", `${lb}-alb`),
        autonamed("aws:lb/targetGroup:TargetGroup", `${lb}-web`),
        ...shippedLogFiles.map((file) => named("aws:cloudwatch/logGroup:LogGroup", `${web}${file.replace(/\//g, "-")}`, `/${project}/${stack}${file}`)),
        named("aws:ssm/parameter:Parameter", `${web}-cloudwatch-agent`, `AmazonCloudWatch-${project}-${stack}-${web}`),
        autonamed("aws:iam/role:Role", `${web}-instance`),
        autonamed("aws:iam/instanceProfile:InstanceProfile", `${web}-instance`),
        autonamed("aws:rds/subnetGroup:SubnetGroup", `${db}-isolated`),
        autonamed("aws:rds/clusterParameterGroup:ClusterParameterGroup", `${db}-logs`),
        ...settings.database.logExports.map((type) => named("aws:cloudwatch/logGroup:LogGroup", `${db}-${type}`, `/aws/rds/cluster/${clusterIdentifier}/${type}`)),
        named("aws:rds/cluster:Cluster", `${db}-cluster`, clusterIdentifier, fromStack, "clusterIdentifier"),
        ...(settings.deletionProtection ? [named("aws:rds/cluster:Cluster", `${db}-cluster`, `${clusterIdentifier}-final`, fromStack, "finalSnapshotIdentifier")] : []),
        ...Array.from({ length: settings.database.instanceCount }, (_, i) =>
            named("aws:rds/clusterInstance:ClusterInstance", `${db}-instance-${i + 1}`, `${clusterIdentifier}-${i + 1}`, fromStack, "identifier")),
    ];
}

/** The backup vault, the task functions and the two state machines (infra/jobnets.ts). */
function jobnetsNames(root: string, prefix: string, system: SystemSettings, team: readonly JobnetDefinition[]): PhysicalName[] {
    const stateMachineNames = (logicalName: string, stateMachine: string, madeFrom = fromStack) => [
        named("aws:cloudwatch/logGroup:LogGroup", `${logicalName}-executions`, `/aws/vendedlogs/states/${stateMachine}`, madeFrom),
        autonamed("aws:iam/role:Role", `${logicalName}-state-machine`),
        autonamed("aws:iam/rolePolicy:RolePolicy", `${logicalName}-state-machine`),
        named("aws:sfn/stateMachine:StateMachine", logicalName, stateMachine, madeFrom),
    ];
    return [
        named("aws:backup/vault:Vault", `${root}-backups`, prefix),
        autonamed("aws:iam/role:Role", `${root}-backup`),
        ...deployedTasks({ ...systemShapeOf(system), teamJobnets: team.length > 0 }).flatMap((task) => lambdaFunctionNames(`${root}-tasks-${task}`, `${prefix}-${kebab(task)}`)),
        ...(["stop", "start"] as const).flatMap((jobnet) => stateMachineNames(`${root}-${jobnet}`, `${prefix}-${jobnet}`)),
        ...teamJobnetsNames(`${root}-team`, prefix, team, stateMachineNames),
        // The run lock (infra/runLock.ts): its table, and the rule that releases it when a run ends.
        named("aws:dynamodb/table:Table", `${root}-run-lock`, `${prefix}-run-lock`),
        named("aws:cloudwatch/eventRule:EventRule", `${root}-run-lock-release`, `${prefix}-run-lock-release`),
        autonamed("aws:lambda/permission:Permission", `${root}-run-lock-release`),
        autonamed("aws:cloudwatch/eventTarget:EventTarget", `${root}-run-lock-release`),
    ];
}

/** The team's jobnets (infra/teamJobnets.ts): the jobs' output, each jobnet with its StartJob, the rules that tell of a job's end. */
function teamJobnetsNames(root: string, prefix: string, team: readonly JobnetDefinition[], stateMachineNames: (logicalName: string, name: string, madeFrom?: string) => PhysicalName[]): PhysicalName[] {
    if (team.length === 0) return [];
    const rule = (id: string) => [
        named("aws:cloudwatch/eventRule:EventRule", `${root}-${id}`, `${prefix}-${id}`),
        autonamed("aws:lambda/permission:Permission", `${root}-${id}`),
        autonamed("aws:cloudwatch/eventTarget:EventTarget", `${root}-${id}`),
    ];
    return [
        named("aws:cloudwatch/logGroup:LogGroup", `${root}-output`, jobOutputLogGroupName(prefix)),
        ...team.flatMap((d) => {
            const madeFrom = `the stack name and the jobnet's name (${d.name})`;
            return [
                ...lambdaFunctionNames(`${root}-${d.name}-start-job`, startJobFunctionName(prefix, d.name), madeFrom),
                ...stateMachineNames(`${root}-${d.name}`, teamStateMachineName(prefix, d.name), madeFrom),
                ...((d.schedules ?? []).length === 0 ? [] : [
                    autonamed("aws:iam/role:Role", `${root}-${d.name}-schedule`),
                    autonamed("aws:iam/rolePolicy:RolePolicy", `${root}-${d.name}-schedule`),
                    ...d.schedules!.map((_, i) => named("aws:scheduler/schedule:Schedule", `${root}-${d.name}-rule-${i + 1}`, teamScheduleName(prefix, d.name, i), madeFrom)),
                ]),
                // Its start conditions (statemachines/startConditions.ts): a rule each, its permission to invoke StartOnEvent, its target.
                ...(d.startOn ?? []).flatMap((_, i) => [
                    named("aws:cloudwatch/eventRule:EventRule", `${root}-${d.name}-on-${i + 1}`, startConditionRuleName(prefix, d.name, i), madeFrom),
                    autonamed("aws:lambda/permission:Permission", `${root}-${d.name}-on-${i + 1}`),
                    autonamed("aws:cloudwatch/eventTarget:EventTarget", `${root}-${d.name}-on-${i + 1}`),
                ]),
            ];
        }),
        ...(team.some((d) => (d.startOn ?? []).length > 0) ? lambdaFunctionNames(`${root}-start-on-event`, startOnEventFunctionName(prefix)) : []),
        ...rule("command-ended"),
        ...(team.some((d) => childrenOf(d).length > 0) ? rule("jobnet-job-ended") : []),
    ];
}

/** Schedules, event triggers and Slack notifications (infra/operations.ts). */
function operationsNames(root: string, prefix: string, clusterIdentifier: string, settings: NamingSettings): PhysicalName[] {
    const { schedules, triggers, keepClusterStopped } = settings.operations;
    const starterRole = (id: string) => [autonamed("aws:iam/role:Role", `${root}-${id}`), autonamed("aws:iam/rolePolicy:RolePolicy", `${root}-${id}`)];
    const database = settings.system.mode === "create" ? { kind: "cluster" as const, identifier: clusterIdentifier } : settings.system.database;
    const builtInTriggers = keepClusterStopped && database ? [databaseRestartTrigger(database)] : [];
    const triggerNames = (trigger: { name: string }, madeFrom: string) => [
        named("aws:cloudwatch/eventRule:EventRule", `${root}-${trigger.name}`, `${prefix}-${trigger.name}`, madeFrom),
        autonamed("aws:cloudwatch/eventTarget:EventTarget", `${root}-${trigger.name}`, madeFrom === fromStack ? fromLogicalName : `its logical name and the event trigger "${trigger.name}"`),
    ];
    return [
        ...(["stop", "start"] as const).filter((jobnet) => schedules[jobnet] !== undefined).flatMap((jobnet) => [
            ...starterRole(`${jobnet}-schedule`),
            named("aws:scheduler/schedule:Schedule", `${root}-${jobnet}`, `${prefix}-${jobnet}`),
        ]),
        ...(["stop", "start"] as const).filter((jobnet) => [...builtInTriggers, ...triggers].some((t) => t.jobnet === jobnet)).flatMap((jobnet) => starterRole(`${jobnet}-trigger`)),
        ...builtInTriggers.flatMap((trigger) => [...triggerNames(trigger, fromStack), autonamed("aws:cloudwatch/eventTarget:EventTarget", `${root}-${trigger.name}-alert`)]),
        ...triggers.flatMap((trigger) => triggerNames(trigger, `the stack name and the event trigger "${trigger.name}"`)),
    ];
}

/** The alert topic, the notifier, the run watcher and its schedule, the alarms (infra/alerts.ts). */
function alertsNames(root: string, prefix: string, settings: NamingSettings): PhysicalName[] {
    return [
        named("aws:sns/topic:Topic", `${root}-topic`, `${prefix}-alerts`),
        ...(settings.operations.slack === undefined ? [] : [autonamed("aws:secretsmanager/secret:Secret", `${root}-slack-webhook`)]),
        ...lambdaFunctionNames(`${root}-notifier`, `${prefix}-notify`),
        named("aws:cloudwatch/eventRule:EventRule", `${root}-run-ended`, `${prefix}-run-ended`),
        autonamed("aws:lambda/permission:Permission", `${root}-notifier`),
        autonamed("aws:cloudwatch/eventTarget:EventTarget", `${root}-notifier`),
        // The notices of held jobs, when the stack has a team jobnet (holds are theirs).
        ...((settings.teamJobnets?.deployed ?? []).length > 0 ? [
            named("aws:cloudwatch/eventRule:EventRule", `${root}-job-held`, `${prefix}-job-held`),
            autonamed("aws:lambda/permission:Permission", `${root}-notifier-held`),
            autonamed("aws:cloudwatch/eventTarget:EventTarget", `${root}-notifier-held`),
        ] : []),
        ...lambdaFunctionNames(`${root}-watcher`, `${prefix}-watch-runs`),
        autonamed("aws:iam/role:Role", `${root}-watch-schedule`),
        autonamed("aws:iam/rolePolicy:RolePolicy", `${root}-watch-schedule`),
        named("aws:scheduler/schedule:Schedule", `${root}-watch`, `${prefix}-watch-runs`),
        // An alarm per jobnet and kind, the team's jobnets included: `<prefix>-<jobnet>-not-started` and the like.
        ...[
            ...["stop", "start"].flatMap((jobnet) => jobnetAlarms("", jobnet, "")),
            // A team's jobnet with schedule rules has a start to miss (infra/alerts.ts, teamWatchRules).
            ...(settings.teamJobnets?.deployed ?? []).flatMap((d) => jobnetAlarms("", d.name, "", (d.schedules ?? []).length > 0, Object.keys(expectedJobSeconds(d)).length > 0)),
            ...watcherAlarms("", ""),
        ]
            .map((a) => named("aws:cloudwatch/metricAlarm:MetricAlarm", `${root}-${a.id}`, `${prefix}-${a.id}`)),
    ];
}

/** A function with its own log group, role and policy (infra/lambdaFunction.ts). */
function lambdaFunctionNames(logicalName: string, functionName: string, madeFrom = fromStack): PhysicalName[] {
    return [
        named("aws:cloudwatch/logGroup:LogGroup", logicalName, `/aws/lambda/${functionName}`, madeFrom),
        autonamed("aws:iam/role:Role", logicalName),
        autonamed("aws:iam/rolePolicy:RolePolicy", logicalName),
        named("aws:lambda/function:Function", logicalName, functionName, madeFrom),
    ];
}

function named(type: string, logicalName: string, name: string, madeFrom = fromStack, property = "name"): PhysicalName {
    return { type, logicalName, property, name, autonamed: false, madeFrom };
}

function autonamed(type: string, logicalName: string, madeFrom = fromLogicalName): PhysicalName {
    const slot = namedResourceTypes[type]?.find((s) => s.autoname !== undefined);
    if (!slot?.autoname) throw new Error(`Pulumi does not name ${type} resources here: give the resource a name`);
    return { type, logicalName, property: slot.property, name: slot.autoname(logicalName), autonamed: true, madeFrom };
}

/** The rule AWS applies to a name. */
function ruleOf(name: Pick<PhysicalName, "type" | "property">): NameRule {
    const slot = namedResourceTypes[name.type]?.find((s) => s.property === name.property);
    if (!slot) throw new Error(`no AWS name rule for ${name.type}.${name.property}: add it to infra/awsNameRules.ts`);
    return slot.rule;
}

/** Every name of this stack that AWS would refuse, in the order the program declares them. */
export function namingProblems(project: string, stack: string, settings: NamingSettings): NameProblem[] {
    return physicalNames(project, stack, settings).flatMap((name) => {
        const rule = ruleOf(name);
        const reason = nameProblem(name.name, rule);
        return reason === undefined ? [] : [{ name, rule, reason }];
    });
}

/** The longest stack name whose names all fit, with this project and these settings; 0 when none does. */
export function longestStackName(project: string, settings: NamingSettings): number {
    // One letter repeated: only the length of the stack name decides.
    let longest = 0;
    while (longest < maxPulumiStackNameLength && namingProblems(project, "a".repeat(longest + 1), settings).length === 0) longest++;
    return longest;
}

/** The error preview shows: the stack, each name AWS would refuse with its resource and the rule, and what to change. */
function namingErrorMessage(project: string, stack: string, settings: NamingSettings, problems: NameProblem[]): string {
    const longest = longestStackName(project, settings);
    return [
        `Stack "${stack}" would give AWS ${problems.length === 1 ? "a name" : `${problems.length} names`} it refuses:`,
        ...problems.map(({ name, reason }) =>
            `  ${name.logicalName} (${name.type}): "${name.name}", made from ${name.madeFrom}: ${reason}`),
        longest > 0
            ? `Every name fits a stack name of at most ${longest} characters (with project "${project}" and these settings) made of characters each rule above takes.`
            : `No stack name makes every name fit with project "${project}" and these settings: change what the names above are made from.`,
    ].join("\n");
}

/** Stops preview, before any resource is declared, when AWS would refuse a name of this stack. */
export function requireNamesAwsAccepts(project: string, stack: string, settings: NamingSettings): void {
    const problems = namingProblems(project, stack, settings);
    // RunError prints its message without a stack trace: the message is all the user needs.
    if (problems.length > 0) throw new pulumi.RunError(namingErrorMessage(project, stack, settings, problems));
}
