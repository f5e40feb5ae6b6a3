import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { TaskResources, taskFunctions } from "../handlers/catalog";
import { invokedFunctions } from "../statemachines/asl";
import { Job, JobnetDefinition } from "../statemachines/jobs";
import { renderCommand } from "../statemachines/jobCommand";
import { GroupTargets, TeamJobnetPlan, jobCommandMarker, teamJobnet } from "../statemachines/teamJobnet";
import { JobnetPlan } from "../statemachines/plan";
import { Jobnet } from "./jobnet";
import { lambdaFunction } from "./lambdaFunction";
import { FileWatch, fileWatchOf } from "../statemachines/waitForFile";
import { describeRule, ruleCron } from "../handlers/scheduleRules";
import { scheduleMaximumEventAgeSeconds } from "../handlers/scheduledRuns";
import type { ScheduleRule } from "../statemachines/scheduleRules";
import type { ExcludedLock } from "../handlers/runLock";
import { StartCondition, describeStartCondition, startPattern, triggerOf } from "../statemachines/startConditions";

export interface TeamJobnetsArgs {
    namePrefix: string;
    jobnets: JobnetDefinition[];
    groups: Record<string, GroupTargets>;
    calendar: JobnetPlan["calendar"];
    runLockTableName: string;
    /** The other jobnets' locks each jobnet must find free to take its own (statemachines/exclusion.ts), by jobnet. */
    excluded?: Record<string, ExcludedLock[]>;
    /** Every state machine a jobnet job may run, by jobnet name (stop and start, and the team's), with its timeout. */
    stateMachines: pulumi.Input<Record<string, { stateMachineArn: string; timeoutSeconds: number }>>;
    /** The stack's task functions the team's jobnets call. */
    functionArns: { checkCalendar: pulumi.Input<string>; takeRunLock: pulumi.Input<string>; beginJobs: pulumi.Input<string>; awaitJob: pulumi.Input<string>; holdJob: pulumi.Input<string>; jobEnded: pulumi.Input<string> };
    /** What the stack's task functions act on: the account, the Region, the lock table. */
    resources: pulumi.Input<TaskResources>;
    logRetentionDays: number;
    /** The jobnets whose schedule rules are deployed paused (`jobnetSchedules.<jobnet>.enabled` false). */
    schedulesPaused?: string[];
}

/** The SSM documents a jobnet's command jobs run. */
export function documentsOf(d: JobnetDefinition): string[] {
    return [...new Set(Object.values<Job<string>>(d.jobs).flatMap((j) => (j.kind === "command" ? [renderCommand(j).document] : [])))].sort();
}

/** The server groups a jobnet's command jobs run on. */
export function groupsOf(d: JobnetDefinition): string[] {
    return [...new Set(Object.values<Job<string>>(d.jobs).flatMap((j) => (j.kind === "command" ? [j.on.group] : [])))].sort();
}

/** The objects a jobnet's wait-for-file jobs wait for. */
export function filesOf(d: JobnetDefinition): FileWatch[] {
    return Object.values<Job<string>>(d.jobs).flatMap((j) => (j.kind === "waitForFile" ? [fileWatchOf(j)] : []));
}

/** The jobnets a jobnet's jobnet jobs run. */
/** Whether a job of the jobnet emits values: its functions read commands' standard output then. */
export function emitsValues(d: JobnetDefinition): boolean {
    return Object.values<Job<string>>(d.jobs).some((j) => j.kind === "command" && (j.emits ?? []).length > 0);
}

export function childrenOf(d: JobnetDefinition): string[] {
    return [...new Set(Object.values<Job<string>>(d.jobs).flatMap((j) => (j.kind === "jobnet" ? [j.jobnet] : [])))].sort();
}

/** The state machine name of a team's jobnet: `<project>-<stack>-<jobnet>`. */
export function teamStateMachineName(namePrefix: string, jobnet: string): string {
    return `${namePrefix}-${jobnet}`;
}

/** The function that runs a team jobnet's jobs (its StartJob): `<project>-<stack>-<jobnet>-jobs`, within Lambda's 64 characters for a 25-character stack name. */
export function startJobFunctionName(namePrefix: string, jobnet: string): string {
    return `${namePrefix}-${jobnet}-jobs`;
}

/** The EventBridge Scheduler schedule of a team jobnet's rule (numbered from 1): `<project>-<stack>-<jobnet>-<n>`, within Scheduler's 64 characters wherever its StartJob function's name fits Lambda's. */
export function teamScheduleName(namePrefix: string, jobnet: string, rule: number): string {
    return `${namePrefix}-${jobnet}-${rule + 1}`;
}

/** What a team jobnet's schedule sends: the calendar check's marker, the time it was due, and the rule the check judges by (handlers/scheduleRules.ts, checkScheduledRun). */
export function teamScheduledInput(rule: ScheduleRule): string {
    return JSON.stringify({ trigger: "schedule", scheduledTime: "<aws.scheduler.scheduled-time>", rule });
}

/** The EventBridge rule of a team jobnet's start condition (numbered from 1): `<project>-<stack>-<jobnet>-on-<n>`, within EventBridge's 64 characters wherever its StartJob function's name fits Lambda's (at most 9 conditions). */
export function startConditionRuleName(namePrefix: string, jobnet: string, condition: number): string {
    return `${namePrefix}-${jobnet}-on-${condition + 1}`;
}

/** The function that starts the team's jobnets on their start conditions: `<project>-<stack>-start-on-event`. */
export function startOnEventFunctionName(namePrefix: string): string {
    return `${namePrefix}-start-on-event`;
}

/**
 * What a start condition's rule gives StartOnEvent (handlers/startOnEvent.ts): the jobnet's state
 * machine, the trigger, and the whole event (`<aws.events.event.json>`, a predefined variable of
 * the input transformer, usable only as a field's value: EventBridge User Guide, "Amazon
 * EventBridge input transformation").
 */
export function startOnEventTemplate(stateMachineArn: string, condition: StartCondition): string {
    const fields = {
        stateMachineArn,
        trigger: triggerOf(condition),
        ...("jobnetEnded" in condition ? { endedJobnet: condition.jobnetEnded.jobnet } : {}),
        step: "StartOnEvent",
        event: "<event>",
    };
    return JSON.stringify(fields).replace('"<event>"', "<aws.events.event.json>");
}

/** The run-lock item of a team's jobnet: one run of it at a time, whatever the other jobnets do. */
export function teamLockKey(namePrefix: string, jobnet: string): string {
    return `${namePrefix}/${jobnet}`;
}

/** The log group Run Command writes every job's whole output to. */
export function jobOutputLogGroupName(namePrefix: string): string {
    return `/${namePrefix}/jobs`;
}

/**
 * The team's jobnets of a stack: for each, its state machine and its own StartJob function, whose
 * role may send commands only to that jobnet's server groups and start only the jobnets it runs;
 * the log group of the jobs' output; and the rules that tell JobEnded of every end of a Run Command
 * command and of a jobnet run by a jobnet job.
 */
export class TeamJobnets extends pulumi.ComponentResource {
    readonly stateMachineArns: Record<string, pulumi.Output<string>>;
    readonly definitions: Record<string, pulumi.Output<string>>;
    readonly logGroupName: pulumi.Output<string>;

    constructor(name: string, args: TeamJobnetsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("webapp-jobnet:jobnet:TeamJobnets", name, {}, opts);
        const parent = { parent: this };
        const logGroup = new aws.cloudwatch.LogGroup(`${name}-output`, { name: jobOutputLogGroupName(args.namePrefix), retentionInDays: args.logRetentionDays }, parent);
        const resources = pulumi.output(args.resources);
        const machines = pulumi.output(args.stateMachines);
        this.stateMachineArns = {};
        this.definitions = {};
        for (const d of args.jobnets) {
            const starter = lambdaFunction(`${name}-${d.name}-start-job`, {
                functionName: startJobFunctionName(args.namePrefix, d.name),
                description: `${d.name}: ${taskFunctions.startJob.description}`,
                handler: taskFunctions.startJob.handler,
                statements: pulumi.all([resources, machines]).apply(([r, m]) => taskFunctions.startJob.permissions({
                    ...r,
                    job: {
                        stateMachineArn: m[d.name].stateMachineArn,
                        instances: groupsOf(d).map((g) => {
                            const group = args.groups[g];
                            return "tag" in group ? { tag: group.tag } : { instanceArns: group.instanceIds.map((id) => `arn:${r.partition}:ec2:${r.region}:${r.accountId}:instance/${id}`) };
                        }),
                        documents: documentsOf(d).map((doc) => `arn:${r.partition}:ssm:${r.region}::document/${doc}`),
                        children: childrenOf(d).map((c) => m[c].stateMachineArn),
                        ...(emitsValues(d) ? { emits: true } : {}),
                        ...(filesOf(d).length > 0 ? { files: filesOf(d) } : {}),
                    },
                })),
                logRetentionDays: args.logRetentionDays,
            }, this);
            const plan: pulumi.Output<TeamJobnetPlan> = pulumi.all([args.functionArns, starter.arn, machines, logGroup.name]).apply(([f, startJob, m, logGroupName]) => ({
                jobnet: d,
                functionArns: { checkCalendar: f.checkCalendar, takeRunLock: f.takeRunLock, beginJobs: f.beginJobs, awaitJob: f.awaitJob, holdJob: f.holdJob, startJob },
                calendar: args.calendar,
                runLock: { tableName: args.runLockTableName, lockKey: teamLockKey(args.namePrefix, d.name) },
                ...(args.excluded?.[d.name] === undefined ? {} : { notWith: args.excluded[d.name] }),
                groups: args.groups,
                jobnets: Object.fromEntries(childrenOf(d).map((c) => [c, m[c]])),
                logGroupName,
                commandMarker: jobCommandMarker(args.namePrefix),
            }));
            const definition = plan.apply(teamJobnet);
            this.definitions[d.name] = definition.apply((def) => JSON.stringify(def, null, 2));
            const jobnet = new Jobnet(`${name}-${d.name}`, {
                stateMachineName: teamStateMachineName(args.namePrefix, d.name),
                definition: this.definitions[d.name],
                functionArns: definition.apply(invokedFunctions),
                logRetentionDays: args.logRetentionDays,
            }, parent);
            this.stateMachineArns[d.name] = jobnet.stateMachineArn;
            this.schedules(name, args, d, jobnet.stateMachineArn, resources.accountId);
        }
        this.startConditions(name, args, resources, machines);
        this.jobEndedRules(name, args, machines);
        this.logGroupName = logGroup.name;
        this.registerOutputs({ stateMachineArns: this.stateMachineArns, logGroupName: this.logGroupName });
    }

    /**
     * One EventBridge Scheduler schedule per schedule rule of a jobnet, at the rule's time on every
     * day it could be due (ruleCron); the run asks the rule whether today is due and ends Succeeded
     * otherwise. One role per jobnet, allowed to start that jobnet only.
     */
    private schedules(name: string, args: TeamJobnetsArgs, d: JobnetDefinition, stateMachineArn: pulumi.Output<string>, accountId: pulumi.Output<string>): void {
        const rules = d.schedules ?? [];
        if (rules.length === 0) return;
        const parent = { parent: this };
        const role = new aws.iam.Role(`${name}-${d.name}-schedule`, {
            description: `scheduler.amazonaws.com may start ${d.name} only`,
            assumeRolePolicy: pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Principal: { Service: "scheduler.amazonaws.com" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": accountId } } }],
            }),
        }, parent);
        new aws.iam.RolePolicy(`${name}-${d.name}-schedule`, {
            role: role.id,
            policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["states:StartExecution"], Resource: stateMachineArn }] }),
        }, parent);
        const paused = (args.schedulesPaused ?? []).includes(d.name);
        rules.forEach((rule, i) => {
            new aws.scheduler.Schedule(`${name}-${d.name}-rule-${i + 1}`, {
                name: teamScheduleName(args.namePrefix, d.name, i),
                // Scheduler's description holds 512 characters at most.
                description: `Runs ${d.name} when due: ${describeRule(rule)}`.slice(0, 512),
                scheduleExpression: ruleCron(rule),
                scheduleExpressionTimezone: rule.timeZone,
                state: paused ? "DISABLED" : "ENABLED",
                flexibleTimeWindow: { mode: "OFF" },
                target: {
                    arn: stateMachineArn,
                    roleArn: role.arn,
                    input: teamScheduledInput(rule),
                    // The guard tells duplicate deliveries apart within this age (handlers/runLock.ts: a claim per scheduled time).
                    retryPolicy: { maximumEventAgeInSeconds: scheduleMaximumEventAgeSeconds, maximumRetryAttempts: 3 },
                },
            }, parent);
        });
    }

    /**
     * Each start condition of a jobnet: a rule on the default bus whose target is the stack's one
     * StartOnEvent function, which may start only the jobnets that have start conditions. The
     * function, not the state machine, is the target: it names the run after the event's id, so a
     * repeated delivery of the event starts no second run (handlers/startOnEvent.ts); a state
     * machine target would start a run, under a name of EventBridge's, for each delivery.
     */
    private startConditions(name: string, args: TeamJobnetsArgs, resources: pulumi.Output<TaskResources>, machines: pulumi.Output<Record<string, { stateMachineArn: string }>>): void {
        const started = args.jobnets.filter((d) => (d.startOn ?? []).length > 0);
        if (started.length === 0) return;
        const parent = { parent: this };
        const starter = lambdaFunction(`${name}-start-on-event`, {
            functionName: startOnEventFunctionName(args.namePrefix),
            description: taskFunctions.startOnEvent.description,
            handler: taskFunctions.startOnEvent.handler,
            statements: pulumi.all([resources, machines]).apply(([r, m]) => taskFunctions.startOnEvent.permissions({ ...r, eventStartedStateMachineArns: started.map((d) => m[d.name].stateMachineArn) })),
            logRetentionDays: args.logRetentionDays,
        }, this);
        for (const d of started) {
            (d.startOn ?? []).forEach((condition, i) => {
                const id = `${name}-${d.name}-on-${i + 1}`;
                const rule = new aws.cloudwatch.EventRule(id, {
                    name: startConditionRuleName(args.namePrefix, d.name, i),
                    description: `Starts ${d.name}: ${describeStartCondition(condition)}`.slice(0, 512),
                    eventPattern: machines.apply((m) => JSON.stringify(startPattern(condition, (j) => m[j].stateMachineArn))),
                }, parent);
                new aws.lambda.Permission(id, {
                    action: "lambda:InvokeFunction",
                    function: starter.arn,
                    principal: "events.amazonaws.com",
                    sourceArn: rule.arn,
                }, parent);
                new aws.cloudwatch.EventTarget(id, {
                    rule: rule.name,
                    arn: starter.arn,
                    inputTransformer: { inputTemplate: machines.apply((m) => startOnEventTemplate(m[d.name].stateMachineArn, condition)) },
                    // Every retry of a delivery asks for the same run (handlers/startOnEvent.ts); an hour old, a file's arrival is news no more.
                    retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 10 },
                }, parent);
            });
        }
    }

    /**
     * Run Command's "EC2 Command Status-change Notification" in a final status, for the commands of
     * this stack's jobs, and Step Functions' end of a run of
     * a jobnet that a jobnet job runs: each reaches JobEnded through an input transformer.
     */
    private jobEndedRules(name: string, args: TeamJobnetsArgs, machines: pulumi.Output<Record<string, { stateMachineArn: string }>>): void {
        const parent = { parent: this };
        const children = [...new Set(args.jobnets.flatMap(childrenOf))];
        const parents = args.jobnets.filter((d) => childrenOf(d).length > 0).map((d) => d.name);
        const rules: { id: string; description: string; pattern: pulumi.Input<object>; inputPaths: Record<string, string>; template: object }[] = [
            {
                id: "command-ended",
                description: "A Run Command command ended: if it is a team jobnet's job, record its end",
                pattern: {
                    source: ["aws.ssm"],
                    "detail-type": ["EC2 Command Status-change Notification"],
                    detail: {
                        status: ["Success", "Failed", "TimedOut", "Cancelled"],
                        "document-name": ["AWS-RunShellScript", "AWS-RunPowerShellScript"],
                        // Only this stack's jobs: their first line is its marker (the event carries the document's parameters).
                        parameters: { commands: [{ prefix: `${jobCommandMarker(args.namePrefix)} ` }] },
                    },
                },
                inputPaths: { commandId: "$.detail.command-id", status: "$.detail.status" },
                template: { tableName: args.runLockTableName, source: "ssm", commandId: "<commandId>", status: "<status>", step: "JobEnded" },
            },
            ...(children.length === 0 ? [] : [{
                id: "jobnet-job-ended",
                description: "A jobnet run by a team jobnet's job ended: record the job's end",
                pattern: machines.apply((m) => ({
                    source: ["aws.states"],
                    "detail-type": ["Step Functions Execution Status Change"],
                    detail: {
                        status: ["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"],
                        stateMachineArn: children.map((c) => m[c].stateMachineArn),
                        // Only runs a jobnet job started: they are named after the jobnet that started them (handlers/jobs.ts).
                        name: parents.map((p) => ({ prefix: `${p}-` })),
                    },
                })),
                inputPaths: { childArn: "$.detail.executionArn", status: "$.detail.status" },
                template: { tableName: args.runLockTableName, source: "states", childArn: "<childArn>", status: "<status>", step: "JobEnded" },
            }]),
        ];
        for (const rule of rules) {
            const eventRule = new aws.cloudwatch.EventRule(`${name}-${rule.id}`, {
                name: `${args.namePrefix}-${rule.id}`,
                description: rule.description,
                eventPattern: pulumi.output(rule.pattern).apply((p) => JSON.stringify(p)),
            }, parent);
            new aws.lambda.Permission(`${name}-${rule.id}`, {
                action: "lambda:InvokeFunction",
                function: args.functionArns.jobEnded,
                principal: "events.amazonaws.com",
                sourceArn: eventRule.arn,
            }, parent);
            new aws.cloudwatch.EventTarget(`${name}-${rule.id}`, {
                rule: eventRule.name,
                arn: args.functionArns.jobEnded,
                inputTransformer: { inputPaths: rule.inputPaths, inputTemplate: JSON.stringify(rule.template) },
                // A lost event leaves the job's task to read the end itself once its bound has passed (statemachines/teamJobnet.ts).
                retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 10 },
            }, parent);
        }
    }
}
