import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { EventTrigger, JobnetName, JobnetSchedule, OperationsSettings } from "./config";
import { scheduleMaximumEventAgeSeconds } from "../handlers/scheduledRuns";
import type { DatabaseKind } from "../statemachines/plan";

export interface OperationsArgs {
    namePrefix: string;
    stack: string;
    settings: OperationsSettings;
    stateMachineArns: Record<JobnetName, pulumi.Input<string>>;
    /** The database RDS restarts after 7 days stopped; undefined when the system has none. */
    database: { kind: DatabaseKind; identifier: pulumi.Input<string> } | undefined;
    /** The alert topic: told when RDS restarts the stopped database. */
    alertTopicArn: pulumi.Input<string>;
}

/** What a scheduled run sends: the marker the calendar check looks for, and the time it was due. */
export const scheduledInput = JSON.stringify({ trigger: "schedule", scheduledTime: "<aws.scheduler.scheduled-time>" });

/** The input of a run an event starts. */
export function eventInput(trigger: string): string {
    return JSON.stringify({ trigger: "event", event: trigger });
}

/**
 * RDS restarts a database that has been stopped for seven days: RDS-EVENT-0153 for an Aurora
 * cluster, RDS-EVENT-0154 for a DB instance (RDS User Guide, "Amazon RDS event categories and
 * event messages"). Running the stop jobnet again then keeps a stopped system stopped.
 */
export function databaseRestartTrigger(database: { kind: DatabaseKind; identifier: pulumi.Input<string> }): EventTrigger {
    const restart = database.kind === "cluster"
        ? { name: "cluster-auto-restart", what: "Aurora restarted the stopped cluster", detailType: "RDS DB Cluster Event", eventId: "RDS-EVENT-0153" }
        : { name: "db-instance-auto-restart", what: "RDS restarted the stopped DB instance", detailType: "RDS DB Instance Event", eventId: "RDS-EVENT-0154" };
    return {
        name: restart.name,
        jobnet: "stop",
        description: `${restart.what} after 7 days: stop it again`,
        eventPattern: {
            source: ["aws.rds"],
            "detail-type": [restart.detailType],
            detail: { SourceIdentifier: [database.identifier], EventID: [restart.eventId] },
        },
    };
}

/** Schedules and event triggers around the two jobnets (who hears of them: infra/alerts.ts). */
export class Operations extends pulumi.ComponentResource {
    readonly schedules: Partial<Record<JobnetName, { expression: string; timeZone: string; enabled: boolean }>>;
    readonly triggerNames: string[];

    constructor(name: string, args: OperationsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("webapp-jobnet:operations:Operations", name, {}, opts);
        const parent = { parent: this };
        const accountId = aws.getCallerIdentityOutput({}, parent).accountId;

        // One role per caller and jobnet, each allowed to start that state machine only.
        const starterRole = (id: string, service: string, stateMachineArn: pulumi.Input<string>) => {
            const role = new aws.iam.Role(`${name}-${id}`, {
                description: `${service} may start ${id.replace(/-.*$/, "")} only`,
                assumeRolePolicy: pulumi.jsonStringify({
                    Version: "2012-10-17",
                    Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": accountId } } }],
                }),
            }, parent);
            new aws.iam.RolePolicy(`${name}-${id}`, {
                role: role.id,
                policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["states:StartExecution"], Resource: stateMachineArn }] }),
            }, parent);
            return role;
        };

        this.schedules = {};
        for (const jobnet of ["stop", "start"] as const) {
            const schedule: JobnetSchedule | undefined = args.settings.schedules[jobnet];
            if (!schedule) continue;
            const role = starterRole(`${jobnet}-schedule`, "scheduler.amazonaws.com", args.stateMachineArns[jobnet]);
            new aws.scheduler.Schedule(`${name}-${jobnet}`, {
                name: `${args.namePrefix}-${jobnet}`,
                description: `Runs the ${jobnet} jobnet`,
                scheduleExpression: schedule.expression,
                scheduleExpressionTimezone: schedule.timeZone,
                state: schedule.enabled ? "ENABLED" : "DISABLED",
                flexibleTimeWindow: { mode: "OFF" },
                target: {
                    arn: args.stateMachineArns[jobnet],
                    roleArn: role.arn,
                    input: scheduledInput,
                    // The guard tells duplicate deliveries apart within this age (handlers/runLock.ts: a claim per scheduled time).
                    retryPolicy: { maximumEventAgeInSeconds: scheduleMaximumEventAgeSeconds, maximumRetryAttempts: 3 },
                },
            }, parent);
            this.schedules[jobnet] = { expression: schedule.expression, timeZone: schedule.timeZone, enabled: schedule.enabled };
        }

        const builtIn = args.settings.keepClusterStopped && args.database ? [databaseRestartTrigger(args.database)] : [];
        const triggers = [...builtIn, ...args.settings.triggers];
        this.triggerNames = triggers.map((t) => t.name);
        const triggerRoles: Partial<Record<JobnetName, aws.iam.Role>> = {};
        for (const trigger of triggers) {
            const jobnet = trigger.jobnet;
            triggerRoles[jobnet] ??= starterRole(`${jobnet}-trigger`, "events.amazonaws.com", args.stateMachineArns[jobnet]);
            const rule = new aws.cloudwatch.EventRule(`${name}-${trigger.name}`, {
                name: `${args.namePrefix}-${trigger.name}`,
                description: trigger.description,
                eventPattern: pulumi.jsonStringify(trigger.eventPattern),
            }, parent);
            new aws.cloudwatch.EventTarget(`${name}-${trigger.name}`, {
                rule: rule.name,
                arn: args.stateMachineArns[jobnet],
                roleArn: triggerRoles[jobnet]!.arn,
                input: eventInput(trigger.name),
            }, parent);
            if (builtIn.includes(trigger)) {
                // Operators hear of the restart too, before the run it starts ends.
                new aws.cloudwatch.EventTarget(`${name}-${trigger.name}-alert`, {
                    rule: rule.name,
                    arn: args.alertTopicArn,
                    inputTransformer: {
                        inputPaths: { source: "$.detail.SourceIdentifier", message: "$.detail.Message", time: "$.time" },
                        inputTemplate: `"[${args.stack}] <time>: RDS restarted <source> after 7 days stopped (<message>). The stop jobnet runs again to stop it."`,
                    },
                }, parent);
            }
        }

        this.registerOutputs({ schedules: this.schedules, triggers: this.triggerNames });
    }
}
