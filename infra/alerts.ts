import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { notify } from "../handlers/notifier";
import { jobHeldEvent } from "../handlers/jobHeldEvent";
import { WatchEvent, WatchedJobnet, watcherMetrics, watchRuns } from "../handlers/runWatch";
import { ruleCalendarOf } from "../handlers/scheduleRules";
import { runKey } from "../handlers/jobRecord";
import { expectedJobSeconds } from "../statemachines/jobEndDelay";
import { PolicyStatement, executionsArn } from "../handlers/catalog";
import { JobnetName, MonitoringSettings, OperationsSettings } from "./config";
import { lambdaFunction } from "./lambdaFunction";
import { systemJobnets } from "./teamJobnetSettings";
import type { JobnetDefinition } from "../statemachines/jobs";

export interface AlertsArgs {
    namePrefix: string;
    stack: string;
    settings: OperationsSettings;
    /** Every jobnet the stack deploys, by name: stop and start first, then the team's (infra/jobnets.ts). */
    stateMachineArns: Record<string, pulumi.Input<string>>;
    /** The expected duration of each of them (expectedSecondsByJobnet). */
    expectedSeconds: Record<string, number>;
    logRetentionDays: number;
    /**
     * What the run-ended rule was called before it moved here: the same rule, which an update then
     * changes in place rather than creating it anew under its name and deleting the old one after,
     * which would delete the rule just made.
     */
    runEndedRuleAliases?: pulumi.Input<pulumi.Alias>[];
    /** The schedule rules of the team's jobnets that have some (teamWatchRules): the watcher's start deadlines, and a not-started alarm each. */
    teamRules?: Record<string, NonNullable<WatchedJobnet["rules"]>>;
    /** The jobs of the team's jobnets that say how long they should take (teamWatchJobs): the watcher reads their runs' records, and tells of each job late. */
    teamJobs?: Record<string, NonNullable<WatchedJobnet["jobs"]>>;
}

/** What the watcher is told of each team jobnet some of whose jobs declare `expectedMinutes`: those, in seconds, and the table of its runs' records. */
export function teamWatchJobs(deployed: readonly JobnetDefinition[], runRecordTable: string): Record<string, NonNullable<WatchedJobnet["jobs"]>> {
    return Object.fromEntries(deployed.map((d) => [d.name, expectedJobSeconds(d)] as const)
        .filter(([, expected]) => Object.keys(expected).length > 0)
        .map(([name, expectedSeconds]) => [name, { tableName: runRecordTable, expectedSeconds }]));
}

/**
 * The watcher's read of the runs' records: GetItem on the run-lock table, of the items whose key
 * is a run's record (`jobrun:<execution ARN>`, handlers/jobRecord.ts) only: dynamodb:LeadingKeys
 * holds the partition key a request names (DynamoDB Developer Guide, "Using IAM policy conditions for fine-grained access control").
 */
export function runRecordReadStatement(tableArn: string): PolicyStatement {
    return { Effect: "Allow", Action: ["dynamodb:GetItem"], Resource: tableArn, Condition: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": [`${runKey({ executionArn: "" })}*`] } } };
}

/** A table's ARN in the account and Region of a state machine (the run-lock table is named, not exported: infra/jobnets.ts). */
export function tableArnBeside(stateMachineArn: string, tableName: string): string {
    const [, partition, , region, account] = stateMachineArn.split(":");
    return `arn:${partition}:dynamodb:${region}:${account}:table/${tableName}`;
}

/**
 * What the watcher is told of each team jobnet with schedule rules: the rules, the jobnet's own
 * calendar (the stack's otherwise, which the watcher is given once), and whether the stack pauses them.
 */
export function teamWatchRules(deployed: readonly Pick<JobnetDefinition, "name" | "schedules" | "calendar">[], paused: readonly string[]): Record<string, NonNullable<WatchedJobnet["rules"]>> {
    return Object.fromEntries(deployed.filter((d) => (d.schedules ?? []).length > 0).map((d) => [d.name, {
        schedules: d.schedules!,
        ...(d.calendar ? { calendar: ruleCalendarOf(d.calendar) } : {}),
        enabled: !paused.includes(d.name),
    }]));
}

/**
 * How long each jobnet of a stack is expected to take: stop and start as monitoring.expectedDuration
 * says, each of the team's deployed jobnets its own `expectedMinutes`.
 */
export function expectedSecondsByJobnet(monitoring: Pick<MonitoringSettings, "expectedSeconds">, team: readonly Pick<JobnetDefinition, "name" | "expectedMinutes">[]): Record<string, number> {
    return { ...monitoring.expectedSeconds, ...Object.fromEntries(team.map((d) => [d.name, d.expectedMinutes * 60])) };
}

/** Whether a jobnet is one of the team's (jobnets/), not the stack's own stop or start. */
export function isTeamJobnet(jobnet: string): boolean {
    return !systemJobnets.includes(jobnet);
}

/** How often the watcher looks for late runs and missed starts. */
export const watchPeriodSeconds = 300;

/** The statuses a notification is sent for: every way a run can end. */
export const notifiedStatuses = ["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"];

/** One CloudWatch alarm: what it watches, how CloudWatch judges it, and what it tells; the state machine's ARN as given (a value, or a Pulumi input). */
export interface AlarmSpec<Arn = string> {
    /** Unique in the stack: `stop-failed`. */
    id: string;
    namespace: string;
    metricName: string;
    dimensions: Record<string, string | Arn>;
    description: string;
    statistic: "Sum";
    periodSeconds: number;
    /** The alarm fires when all of these periods in a row breach. */
    evaluationPeriods: number;
    threshold: number;
    comparisonOperator: "GreaterThanOrEqualToThreshold" | "LessThanThreshold";
    treatMissingData: "notBreaching" | "breaching";
}

/** A count that alarms from its first 1 in a period of the watcher; no data (no run, no call) is no problem. */
const countAtLeastOnce = {
    statistic: "Sum",
    periodSeconds: watchPeriodSeconds,
    evaluationPeriods: 1,
    threshold: 1,
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    treatMissingData: "notBreaching",
} as const;

/**
 * The alarms of one jobnet: runs that failed, timed out or were aborted (AWS/States, by state
 * machine), and the watcher's delays: a run past its expected duration, and for stop and start, and
 * a team's jobnet with schedule rules (`ruled`), a scheduled run that did not start (a team's jobnet
 * without rules has no start to miss); a team's jobnet some of whose jobs have an expectedMinutes
 * (`jobsTimed`), a job past it. Each says which system and what to do.
 */
export function jobnetAlarms<Arn = string>(stack: string, jobnet: string, stateMachineArn: Arn, ruled = false, jobsTimed = false): AlarmSpec<Arn>[] {
    const system = `webapp-jobnet stack ${stack}, ${jobnet} jobnet`;
    const team = isTeamJobnet(jobnet);
    const expectedFrom = team ? `expectedMinutes of jobnets/${jobnet}` : "monitoring.expectedDuration";
    const states = (metricName: string, what: string, todo: string): AlarmSpec<Arn> => ({
        id: `${jobnet}-${what.replace(/ /g, "-")}`,
        namespace: "AWS/States",
        metricName,
        dimensions: { StateMachineArn: stateMachineArn },
        description: `${system}: a run ${what}. ${todo}`,
        ...countAtLeastOnce,
    });
    const delay = (metricName: string, id: string, what: string, todo: string): AlarmSpec<Arn> => ({
        id: `${jobnet}-${id}`,
        namespace: watcherMetrics.namespace,
        metricName,
        dimensions: { Stack: stack, Jobnet: jobnet },
        description: `${system}: ${what}. ${todo}`,
        ...countAtLeastOnce,
    });
    return [
        team
            ? states("ExecutionsFailed", "failed", `Read the failed job and its cause (server, exit code, last line) in the run's notice; fix it, then npm run ops -- redrive ${jobnet} to run again from the failed job.`)
            : states("ExecutionsFailed", "failed", "Read the failed step and its cause in the run's notice or the console; fix it, then redrive the run or run the jobnet again."),
        states("ExecutionsTimedOut", "timed out", `The run passed ${team ? `timeoutMinutes of jobnets/${jobnet}` : "jobnetTimeout"}: look at the step it was in, in the console, and run the jobnet again once it can finish.`),
        states("ExecutionsAborted", "aborted", "Someone stopped the run: make sure the system is left as intended, and run the jobnet again if it must."),
        delay(watcherMetrics.endDelayed, "late", `a run is still running past its expected duration (${expectedFrom})`, "The notice names the step it is in; the run goes on by itself."),
        ...(team ? [] : [delay(watcherMetrics.startMissed, "not-started", "a scheduled run did not start (monitoring.startDelay after its time)", "Check the schedule is enabled and its delivery errors; start the run by hand if it must still run.")]),
        ...(team && jobsTimed ? [delay(watcherMetrics.jobEndDelayed, "job-late", `a job is still running past its expectedMinutes (jobs of jobnets/${jobnet})`, "The notice names the job and its servers; the job goes on by itself.")] : []),
        ...(team && ruled ? [delay(watcherMetrics.startMissed, "not-started", `a run due by its schedule rules (schedules of jobnets/${jobnet}) did not start monitoring.startDelay after its time`, `Check its schedules (${jobnet}-1, …) are enabled in EventBridge Scheduler and their delivery errors; start the run by hand (npm run ops -- run ${jobnet}) if it must still run.`)] : []),
    ];
}

/** How long the watcher may go without a look before its heartbeat alarm fires. */
export const watcherSilenceSeconds = 15 * 60;

/**
 * The alarms on the run watcher itself. The late and not-started alarms treat missing data as
 * no problem, so a watcher that fails every look would leave them OK for ever: one alarm tells of
 * its failed looks (AWS/Lambda Errors, which counts timeouts too: Lambda Developer Guide, "Types of metrics for Lambda functions"), and its heartbeat, the data
 * point each look puts, alarms when no look has put one for `watcherSilenceSeconds` (missing data
 * breaching: a schedule disabled or deleted, a watcher never invoked, or one that fails every look).
 */
export function watcherAlarms(stack: string, watcherFunctionName: string): AlarmSpec[] {
    const system = `webapp-jobnet stack ${stack}, run watcher`;
    const untold = "until it looks again, late runs and scheduled runs that never started go untold";
    return [
        {
            id: "watcher-errors",
            namespace: "AWS/Lambda",
            metricName: "Errors",
            dimensions: { FunctionName: watcherFunctionName },
            description: `${system}: a look failed (the function threw or timed out); ${untold}. Read its log group /aws/lambda/${watcherFunctionName}.`,
            ...countAtLeastOnce,
        },
        {
            id: "watcher-heartbeat",
            namespace: watcherMetrics.namespace,
            metricName: watcherMetrics.looks,
            dimensions: { Stack: stack },
            description: `${system}: no look for ${watcherSilenceSeconds / 60} minutes; ${untold}. Check that its schedule (EventBridge Scheduler) is enabled, and the watcher-errors alarm.`,
            statistic: "Sum",
            // A look every period, each one data point timestamped with its tick: one a period.
            periodSeconds: watchPeriodSeconds,
            evaluationPeriods: watcherSilenceSeconds / watchPeriodSeconds,
            threshold: 1,
            comparisonOperator: "LessThanThreshold",
            // "breaching: missing data points are treated as bad" (CloudWatch User Guide, "Configuring how CloudWatch alarms treat missing data").
            treatMissingData: "breaching",
        },
    ];
}

/**
 * What PutMetricAlarm refuses of an alarm's evaluation (CloudWatch API reference, PutMetricAlarm:
 * Period 10, 20, 30 or a multiple of 60; under an hour, Period × EvaluationPeriods at most one day).
 */
export function alarmEvaluationProblems(spec: Pick<AlarmSpec, "id" | "periodSeconds" | "evaluationPeriods">): string[] {
    const problems: string[] = [];
    if (![10, 20, 30].includes(spec.periodSeconds) && (spec.periodSeconds <= 0 || spec.periodSeconds % 60 !== 0)) {
        problems.push(`${spec.id}: period ${spec.periodSeconds} s is not 10, 20, 30 or a multiple of 60`);
    }
    if (!Number.isInteger(spec.evaluationPeriods) || spec.evaluationPeriods < 1) problems.push(`${spec.id}: ${spec.evaluationPeriods} evaluation periods is not a whole number of at least 1`);
    const limit = spec.periodSeconds < 3600 ? 86_400 : 604_800;
    if (spec.periodSeconds * spec.evaluationPeriods > limit) problems.push(`${spec.id}: ${spec.periodSeconds} s × ${spec.evaluationPeriods} periods is over ${limit} s`);
    return problems;
}

/**
 * What the watcher is sent by its schedule: everything it judges by, and the scheduled time. Every
 * jobnet of `stateMachineArns` is watched against its expected duration; stop and start against
 * their schedules, a team's jobnet against its schedule rules (`teamRules`), if it has any.
 */
export function watchInput(stack: string, settings: OperationsSettings, stateMachineArns: Record<string, string>, expectedSeconds: Record<string, number>, teamRules: Record<string, NonNullable<WatchedJobnet["rules"]>> = {}, teamJobs: Record<string, NonNullable<WatchedJobnet["jobs"]>> = {}): Omit<WatchEvent, "tick"> & { tick: string } {
    return {
        tick: "<aws.scheduler.scheduled-time>",
        stack,
        jobnets: Object.keys(stateMachineArns).map((jobnet) => {
            const schedule = isTeamJobnet(jobnet) ? undefined : settings.schedules[jobnet as JobnetName];
            const expected = expectedSeconds[jobnet];
            if (expected === undefined) throw new Error(`The run watcher has no expected duration for the ${jobnet} jobnet`);
            return {
                jobnet,
                stateMachineArn: stateMachineArns[jobnet],
                expectedSeconds: expected,
                ...(schedule ? { schedule: { expression: schedule.expression, timeZone: schedule.timeZone, enabled: schedule.enabled } } : {}),
                ...(isTeamJobnet(jobnet) && teamRules[jobnet] ? { rules: teamRules[jobnet] } : {}),
                ...(isTeamJobnet(jobnet) && teamJobs[jobnet] ? { jobs: teamJobs[jobnet] } : {}),
            };
        }),
        startDelaySeconds: settings.monitoring.startDelaySeconds,
        periodSeconds: watchPeriodSeconds,
        calendar: settings.calendar,
    };
}

/** EventBridge takes an event pattern of at most 2,048 characters unless a quota increase allows 4,096 (Amazon EventBridge quotas, "Event pattern size"). */
export const eventPatternLimit = 2048;

/** The run-ended rule's pattern: every way a run of one of these state machines can end. */
export function runEndedEventPattern(stateMachineArns: readonly string[]): string {
    const pattern = JSON.stringify({
        source: ["aws.states"],
        "detail-type": ["Step Functions Execution Status Change"],
        detail: { status: notifiedStatuses, stateMachineArn: stateMachineArns },
    });
    if (pattern.length > eventPatternLimit) {
        throw new Error(`The run-ended rule's event pattern is ${pattern.length} characters for ${stateMachineArns.length} jobnets, over EventBridge's ${eventPatternLimit}: deploy fewer of the team's jobnets (the stack's jobnets key)`);
    }
    return pattern;
}

/** The events of the stack's team jobnets holding a job (handlers/jobHold.ts), by their state machines. */
export function jobHeldEventPattern(stateMachineArns: string[]): string {
    return JSON.stringify({ source: [jobHeldEvent.source], "detail-type": [jobHeldEvent.detailType], detail: { stateMachineArn: stateMachineArns } });
}

/**
 * Lambda's retries of a notifier invocation that failed, the same event each time (at most 2,
 * Lambda's default made explicit). A failed invocation has sent nothing (handlers/alerts.ts,
 * sendAlert: the email goes out only once everything before it has worked, and nothing after it
 * can fail or outlast the function), so a retry sends the one email: a throttled
 * DescribeExecution or secret read still ends in a notice. An hour, as the rule's target allows.
 */
export const notifierAsyncRetries = { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 };

/** EventBridge Scheduler takes a target input of at most 8,192 characters (Target, Scheduler API reference). */
export const schedulerInputLimit = 8192;

/**
 * Who hears of the jobnets: an SNS topic with the configured email subscribers, a function that
 * tells the topic (and Slack) how every run ended, a watcher that tells of late runs and missed
 * starts, and CloudWatch alarms on every jobnet (stop, start and the team's) wired to the topic.
 */
export class Alerts extends pulumi.ComponentResource {
    readonly topicArn: pulumi.Output<string>;
    readonly alarmNames: string[];
    readonly alarmArns: pulumi.Output<string>[];

    constructor(name: string, args: AlertsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("webapp-jobnet:operations:Alerts", name, {}, opts);
        const parent = { parent: this };
        const accountId = aws.getCallerIdentityOutput({}, parent).accountId;
        const { slack, monitoring } = args.settings;

        const topic = new aws.sns.Topic(`${name}-topic`, { name: `${args.namePrefix}-alerts`, displayName: `webapp-jobnet ${args.stack}` }, parent);
        this.topicArn = topic.arn;
        new aws.sns.TopicPolicy(`${name}-topic`, {
            arn: topic.arn,
            policy: pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: [
                    // EventBridge (the 7-day restart) and CloudWatch (the alarms) publish for this account only.
                    ...["events.amazonaws.com", "cloudwatch.amazonaws.com"].map((service) => ({
                        Sid: service.split(".")[0],
                        Effect: "Allow",
                        Principal: { Service: service },
                        Action: "sns:Publish",
                        Resource: topic.arn,
                        Condition: { StringEquals: { "aws:SourceAccount": accountId } },
                    })),
                ],
            }),
        }, parent);
        for (const email of monitoring.emails) {
            new aws.sns.TopicSubscription(`${name}-email-${email.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`, { topic: topic.arn, protocol: "email", endpoint: email }, parent);
        }

        // The Slack webhook, when configured, read by both functions.
        const secret = slack && new aws.secretsmanager.Secret(`${name}-slack-webhook`, {
            description: "The Slack incoming-webhook URL of the jobnet notifications",
            recoveryWindowInDays: 7,
        }, parent);
        if (secret && slack) {
            new aws.secretsmanager.SecretVersion(`${name}-slack-webhook`, { secretId: secret.id, secretString: pulumi.secret(slack.webhookUrl.reveal()) }, parent);
        }
        const executionArns = Object.values(args.stateMachineArns).map((arn) => pulumi.output(arn).apply(executionsArn));
        const tell = (statements: pulumi.Input<PolicyStatement[]>) => pulumi.all([statements, topic.arn, secret?.arn]).apply(([own, topicArn, secretArn]): PolicyStatement[] => [
            ...own,
            { Effect: "Allow", Action: ["sns:Publish"], Resource: topicArn },
            ...(secretArn ? [{ Effect: "Allow" as const, Action: ["secretsmanager:GetSecretValue"], Resource: secretArn }] : []),
        ]);
        // Not secret: the ARN of the secret, never the URL.
        const environment = {
            ALERT_TOPIC_ARN: topic.arn,
            SLACK_SECRET_ARN: secret?.arn ?? "",
            SLACK_MENTION: slack?.mention ?? "",
            STACK_NAME: args.stack,
            // State machines are <prefix>-<jobnet> (infra/jobnets.ts): the notice names the jobnet by it.
            STATE_MACHINE_PREFIX: `${args.namePrefix}-`,
        };

        const notifier = lambdaFunction(`${name}-notifier`, {
            functionName: `${args.namePrefix}-notify`,
            description: "Tells the alert topic and Slack how each jobnet run ended",
            handler: notify,
            statements: tell(pulumi.all(executionArns).apply((executions): PolicyStatement[] => [
                { Effect: "Allow", Action: ["states:DescribeExecution", "states:GetExecutionHistory"], Resource: executions },
            ])),
            environment,
            logRetentionDays: args.logRetentionDays,
            // The history pages of a long run, then the email and up to four posts with backoff (1 + 2 + 4 s), each bounded by the time left.
            timeoutSeconds: 60,
        }, this);
        const ended = new aws.cloudwatch.EventRule(`${name}-run-ended`, {
            name: `${args.namePrefix}-run-ended`,
            description: "A jobnet run ended: tell the alert topic and Slack",
            eventPattern: pulumi.all(Object.values(args.stateMachineArns)).apply(runEndedEventPattern),
        }, { ...parent, aliases: args.runEndedRuleAliases });
        new aws.lambda.Permission(`${name}-notifier`, { action: "lambda:InvokeFunction", function: notifier.name, principal: "events.amazonaws.com", sourceArn: ended.arn }, parent);
        new aws.cloudwatch.EventTarget(`${name}-notifier`, { rule: ended.name, arn: notifier.arn, retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 2 } }, parent);
        // The target's retryPolicy covers delivery to Lambda only; once Lambda takes the event, its own
        // asynchronous retries handle a function error (Lambda Developer Guide, asynchronous invocation).
        new aws.lambda.FunctionEventInvokeConfig(`${name}-notifier`, { functionName: notifier.name, ...notifierAsyncRetries }, parent);
        // A team jobnet that holds a job for an operator tells the notifier (handlers/jobHold.ts).
        const teamArns = Object.entries(args.stateMachineArns).filter(([jobnet]) => isTeamJobnet(jobnet)).map(([, arn]) => arn);
        if (teamArns.length > 0) {
            const held = new aws.cloudwatch.EventRule(`${name}-job-held`, {
                name: `${args.namePrefix}-job-held`,
                description: "A team jobnet holds a job for an operator: tell the alert topic and Slack how to release it",
                eventPattern: pulumi.all(teamArns).apply(jobHeldEventPattern),
            }, parent);
            new aws.lambda.Permission(`${name}-notifier-held`, { action: "lambda:InvokeFunction", function: notifier.name, principal: "events.amazonaws.com", sourceArn: held.arn }, parent);
            new aws.cloudwatch.EventTarget(`${name}-notifier-held`, { rule: held.name, arn: notifier.arn, retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 2 } }, parent);
        }

        const watcherFunctionName = `${args.namePrefix}-watch-runs`;
        const watcher = lambdaFunction(`${name}-watcher`, {
            functionName: watcherFunctionName,
            description: "Tells of jobnet runs past their expected duration and of scheduled runs that did not start",
            handler: watchRuns,
            statements: tell(pulumi.all([pulumi.all(Object.values(args.stateMachineArns)), pulumi.all(executionArns)]).apply(([machines, executions]): PolicyStatement[] => [
                { Effect: "Allow", Action: ["states:ListExecutions"], Resource: machines },
                { Effect: "Allow", Action: ["states:DescribeExecution", "states:GetExecutionHistory"], Resource: executions },
                // PutMetricData has no resource: the namespace is the condition IAM offers.
                { Effect: "Allow", Action: ["cloudwatch:PutMetricData"], Resource: "*", Condition: { StringEquals: { "cloudwatch:namespace": watcherMetrics.namespace } } },
                // The run records of the team's jobnets whose jobs have an expected duration: which job runs, since when, where.
                ...[...new Set(Object.values(args.teamJobs ?? {}).map((j) => j.tableName))].map((table) => runRecordReadStatement(tableArnBeside(machines[0], table))),
            ])),
            environment,
            logRetentionDays: args.logRetentionDays,
            timeoutSeconds: 60,
        }, this);
        const watchRole = new aws.iam.Role(`${name}-watch-schedule`, {
            description: "EventBridge Scheduler may invoke the run watcher only",
            assumeRolePolicy: pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Principal: { Service: "scheduler.amazonaws.com" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": accountId } } }],
            }),
        }, parent);
        new aws.iam.RolePolicy(`${name}-watch-schedule`, {
            role: watchRole.id,
            policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: watcher.arn }] }),
        }, parent);
        const input = pulumi.all(args.stateMachineArns).apply((machines) => {
            const text = JSON.stringify(watchInput(args.stack, args.settings, machines as Record<string, string>, args.expectedSeconds, args.teamRules, args.teamJobs));
            if (text.length > schedulerInputLimit) {
                throw new Error(`The run watcher's input is ${text.length} characters, over EventBridge Scheduler's ${schedulerInputLimit}: shorten calendar.closedDates and calendar.openDates, or deploy fewer jobnets (the stack's jobnets key)`);
            }
            return text;
        });
        new aws.scheduler.Schedule(`${name}-watch`, {
            name: `${args.namePrefix}-watch-runs`,
            description: "Looks for late jobnet runs and missed scheduled starts",
            scheduleExpression: `rate(${watchPeriodSeconds / 60} minutes)`,
            flexibleTimeWindow: { mode: "OFF" },
            target: { arn: watcher.arn, roleArn: watchRole.arn, input, retryPolicy: { maximumEventAgeInSeconds: watchPeriodSeconds, maximumRetryAttempts: 2 } },
        }, parent);

        this.alarmNames = [];
        this.alarmArns = [];
        const specs: AlarmSpec<pulumi.Input<string>>[] = [
            ...Object.entries(args.stateMachineArns).flatMap(([jobnet, arn]) => jobnetAlarms(args.stack, jobnet, arn, args.teamRules?.[jobnet] !== undefined, args.teamJobs?.[jobnet] !== undefined)),
            ...watcherAlarms(args.stack, watcherFunctionName),
        ];
        for (const spec of specs) {
            const alarmName = `${args.namePrefix}-${spec.id}`;
            const alarm = new aws.cloudwatch.MetricAlarm(`${name}-${spec.id}`, {
                name: alarmName,
                alarmDescription: spec.description,
                namespace: spec.namespace,
                metricName: spec.metricName,
                dimensions: spec.dimensions,
                statistic: spec.statistic,
                period: spec.periodSeconds,
                evaluationPeriods: spec.evaluationPeriods,
                threshold: spec.threshold,
                comparisonOperator: spec.comparisonOperator,
                treatMissingData: spec.treatMissingData,
                alarmActions: [topic.arn],
            }, parent);
            this.alarmNames.push(alarmName);
            this.alarmArns.push(alarm.arn);
        }
        this.registerOutputs({ topicArn: this.topicArn, alarms: this.alarmNames });
    }
}
