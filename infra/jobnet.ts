import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { assumeRolePolicy } from "./iamPolicies";

export interface JobnetArgs {
    stateMachineName: string;
    /** The definition, as JSON. */
    definition: pulumi.Input<string>;
    /** The functions the definition invokes: the only ones its role may invoke. */
    functionArns: pulumi.Input<string[]>;
    logRetentionDays: number;
}

/** One jobnet: a Standard state machine, its role and its execution log group. */
export class Jobnet extends pulumi.ComponentResource {
    readonly stateMachineArn: pulumi.Output<string>;
    readonly logGroupName: pulumi.Output<string>;

    constructor(name: string, args: JobnetArgs, opts?: pulumi.ComponentResourceOptions) {
        super("webapp-jobnet:jobnet:Jobnet", name, {}, opts);
        const parent = { parent: this };
        // Under /aws/vendedlogs/ the log resource policy stays small however many state machines log.
        const logGroup = new aws.cloudwatch.LogGroup(`${name}-executions`, {
            name: `/aws/vendedlogs/states/${args.stateMachineName}`,
            retentionInDays: args.logRetentionDays,
        }, parent);
        const role = new aws.iam.Role(`${name}-state-machine`, {
            description: `${args.stateMachineName}: invokes its own functions and delivers its logs`,
            assumeRolePolicy: assumeRolePolicy("states.amazonaws.com"),
        }, parent);
        const policy = new aws.iam.RolePolicy(`${name}-state-machine`, {
            role: role.id,
            policy: pulumi.output(args.functionArns).apply((arns) => JSON.stringify(stateMachinePolicy(arns))),
        }, parent);
        const stateMachine = new aws.sfn.StateMachine(`${name}`, {
            name: args.stateMachineName,
            type: "STANDARD",
            roleArn: role.arn,
            definition: args.definition,
            loggingConfiguration: {
                level: "ALL",
                includeExecutionData: true,
                logDestination: pulumi.interpolate`${logGroup.arn}:*`,
            },
        }, { parent: this, dependsOn: [policy] });

        this.stateMachineArn = stateMachine.arn;
        this.logGroupName = logGroup.name;
        this.registerOutputs({ stateMachineArn: this.stateMachineArn, logGroupName: this.logGroupName });
    }
}

/** Invoke exactly these functions (any version), and deliver logs (these calls take only "*"). */
export function stateMachinePolicy(functionArns: string[]): object {
    return {
        Version: "2012-10-17",
        Statement: [
            { Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: functionArns.flatMap((arn) => [arn, `${arn}:*`]) },
            {
                Effect: "Allow",
                Action: [
                    "logs:CreateLogDelivery",
                    "logs:GetLogDelivery",
                    "logs:UpdateLogDelivery",
                    "logs:DeleteLogDelivery",
                    "logs:ListLogDeliveries",
                    "logs:PutResourcePolicy",
                    "logs:DescribeResourcePolicies",
                    "logs:DescribeLogGroups",
                ],
                Resource: "*",
            },
        ],
    };
}
