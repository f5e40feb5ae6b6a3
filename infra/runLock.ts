import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { lockKeyAttribute } from "../handlers/runLock";

export interface RunLockArgs {
    tableName: string;
    /** The item of this system: every jobnet of the stack takes the same one. */
    lockKey: string;
    /** The jobnets whose runs take it: each end of each run releases it. */
    stateMachineArns: pulumi.Input<string>[];
    /** The function that releases it (handlers/runLock.ts, releaseRunLock). */
    releaseFunctionArn: pulumi.Input<string>;
    /** Prefix of the rule's name: `webapp-jobnet-dev`. */
    namePrefix: string;
}

/** The statuses a run ends in: every one releases the lock (Step Functions Execution Status Change). */
export const runEndStatuses = ["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"];

/**
 * What EventBridge gives the release function for a run that ended: the same event the jobnets'
 * tasks are given, the run's ARN filled in from the event (an input transformer).
 */
/** The stack's run-lock table: `<project>-<stack>-run-lock`; the team jobnets' runs keep their records and tokens there too. */
export function runLockTableName(namePrefix: string): string {
    return `${namePrefix}-run-lock`;
}

export function releaseInputTemplate(tableName: string, lockKey: string): string {
    return JSON.stringify({ tableName, lockKey, executionArn: "<executionArn>", step: "RunEnded" });
}

/**
 * The system's run lock: a small DynamoDB table (on demand, encrypted with the AWS managed key,
 * no point-in-time recovery: it holds only the active run and the recent schedule deliveries,
 * which TTL removes), and the rule that releases the lock when a run ends, however it ends: a
 * failed, timed-out or aborted run cannot release it itself.
 */
export class RunLock extends pulumi.ComponentResource {
    readonly tableArn: pulumi.Output<string>;

    constructor(name: string, args: RunLockArgs, opts?: pulumi.ComponentResourceOptions) {
        super("webapp-jobnet:jobnet:RunLock", name, {}, opts);
        const parent = { parent: this };
        const table = new aws.dynamodb.Table(name, {
            name: args.tableName,
            billingMode: "PAY_PER_REQUEST",
            hashKey: lockKeyAttribute,
            attributes: [{ name: lockKeyAttribute, type: "S" }],
            ttl: { attributeName: "expiresAt", enabled: true },
            serverSideEncryption: { enabled: true },
            pointInTimeRecovery: { enabled: false },
        }, parent);
        const ended = new aws.cloudwatch.EventRule(`${name}-release`, {
            name: `${args.namePrefix}-run-lock-release`,
            description: "A jobnet run ended, however it ended: release the system's run lock if it holds it",
            eventPattern: pulumi.jsonStringify({
                source: ["aws.states"],
                "detail-type": ["Step Functions Execution Status Change"],
                detail: { status: runEndStatuses, stateMachineArn: args.stateMachineArns },
            }),
        }, parent);
        new aws.lambda.Permission(`${name}-release`, {
            action: "lambda:InvokeFunction",
            function: args.releaseFunctionArn,
            principal: "events.amazonaws.com",
            sourceArn: ended.arn,
        }, parent);
        new aws.cloudwatch.EventTarget(`${name}-release`, {
            rule: ended.name,
            arn: args.releaseFunctionArn,
            inputTransformer: { inputPaths: { executionArn: "$.detail.executionArn" }, inputTemplate: releaseInputTemplate(args.tableName, args.lockKey) },
            // Delivery is best effort: a release lost for good leaves a lock whose run has ended, which the next run takes over.
            retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 10 },
        }, parent);
        this.tableArn = table.arn;
        this.registerOutputs({ tableArn: this.tableArn });
    }
}
