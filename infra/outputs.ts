import * as pulumi from "@pulumi/pulumi";
import { consoleOrigin, partitionOf } from "../handlers/partition";
import type { ServerTag } from "../handlers/webServers";
import type { DatabaseKind } from "../statemachines/plan";

/** What the stack exports of the system the jobnets act on, whether it creates it or not. */
export interface SystemSummary {
    webServers: pulumi.Input<{ name: string; instanceId: pulumi.Input<string>; instanceArn: pulumi.Input<string>; availabilityZone: pulumi.Input<string> }[]>;
    /** The Aurora cluster, when the database is one. */
    dbClusterIdentifier?: pulumi.Input<string>;
    dbClusterArn?: pulumi.Input<string>;
    /** The RDS DB instance, when the database is one. */
    dbInstanceIdentifier?: pulumi.Input<string>;
    dbInstanceArn?: pulumi.Input<string>;
    /** Each listener, its protocol and port, and whether it forwards to the web servers or redirects to HTTPS. */
    listeners: pulumi.Input<{ protocol: string; port: number; arn: pulumi.Input<string>; forwards: boolean }[]>;
    targetGroupArns: pulumi.Input<pulumi.Input<string>[]>;
    /** The tag the jobnets find the web servers by at each run; `webServers` are those preview found. */
    webServerTag?: ServerTag;
}

/**
 * A target group and the load balancer that routes to it: an ALB's target group metrics take both as
 * dimensions (CloudWatch metrics for your Application Load Balancer), and a target group serves one
 * load balancer at most (ELB API reference, TargetGroup.LoadBalancerArns).
 */
export interface AttachedTargetGroup {
    targetGroupArn: string;
    /** Undefined while no listener forwards to it: then it has no such metrics. */
    loadBalancerArn: string | undefined;
}

/** The outputs that name the database: the cluster's or the DB instance's, none without one. */
export function databaseSummary(database: { kind: DatabaseKind; identifier: pulumi.Input<string>; arn: pulumi.Input<string> } | undefined): Partial<SystemSummary> {
    if (database === undefined) return {};
    return database.kind === "cluster"
        ? { dbClusterIdentifier: database.identifier, dbClusterArn: database.arn }
        : { dbInstanceIdentifier: database.identifier, dbInstanceArn: database.arn };
}

/** The console page of a state machine, where its runs are listed, in the console of its partition. */
export function stateMachineConsoleUrl(stateMachineArn: string): string {
    const region = stateMachineArn.split(":")[3];
    return `${consoleOrigin(partitionOf(stateMachineArn), region)}/states/home?region=${region}#/statemachines/view/${encodeURIComponent(stateMachineArn)}`;
}

/** The AWS CLI command that runs a jobnet by hand: no input needed, the targets are in the definition. */
export function startExecutionCommand(stateMachineArn: string): string {
    const region = stateMachineArn.split(":")[3];
    return `aws stepfunctions start-execution --region ${region} --state-machine-arn ${stateMachineArn} --input '{}'`;
}

/**
 * The console page and the start command of every jobnet of the stack, by name (stop, start and
 * each of the team's): the stack outputs `consoleUrls` and `startCommands`.
 */
export function jobnetLinks(stateMachineArns: Record<string, string>): { consoleUrls: Record<string, string>; startCommands: Record<string, string> } {
    const each = (f: (arn: string) => string) => Object.fromEntries(Object.entries(stateMachineArns).map(([jobnet, arn]) => [jobnet, f(arn)]));
    return { consoleUrls: each(stateMachineConsoleUrl), startCommands: each(startExecutionCommand) };
}
