import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { TaskResources, taskFunctions } from "../handlers/catalog";
import { TaskFunctionName, taskFunctionNames } from "../statemachines/plan";
import { assumeRolePolicy } from "./iamPolicies";

export interface JobnetFunctionsArgs {
    /** Prefix of the function names, unique per stack: `webapp-jobnet-dev`. */
    namePrefix: string;
    resources: pulumi.Input<TaskResources>;
    logRetentionDays: number;
}

/**
 * The dependencies a function must not upload: the AWS SDK v3, which the Lambda runtime already
 * carries, and every package the handler does not use (CallbackFunction uploads them all otherwise).
 */
export function excludedPackages(dependencies: Record<string, string>, needed: string[] = []): string[] {
    return Object.keys(dependencies).filter((name) => !name.startsWith("@pulumi/") && !needed.includes(name));
}

/** `describeInstance` → `describe-instance`, for function and log group names. */
export function kebab(name: string): string {
    return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * The jobnets' Lambda tasks, each serialised from its handler, with its own role allowing only
 * the calls it makes and its own log group with retention.
 */
export class JobnetFunctions extends pulumi.ComponentResource {
    readonly arns: Record<TaskFunctionName, pulumi.Output<string>>;
    readonly functionNames: Record<TaskFunctionName, string>;

    constructor(name: string, args: JobnetFunctionsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("webapp-jobnet:jobnet:JobnetFunctions", name, {}, opts);
        const packageJson = require("../package.json") as { dependencies: Record<string, string> };
        const arns = {} as Record<TaskFunctionName, pulumi.Output<string>>;
        const functionNames = {} as Record<TaskFunctionName, string>;

        for (const task of taskFunctionNames) {
            const spec = taskFunctions[task];
            const functionName = `${args.namePrefix}-${kebab(task)}`;
            const parent = { parent: this };
            const logGroup = new aws.cloudwatch.LogGroup(`${name}-${task}`, {
                name: `/aws/lambda/${functionName}`,
                retentionInDays: args.logRetentionDays,
            }, parent);
            const role = new aws.iam.Role(`${name}-${task}`, {
                description: `${functionName}: ${spec.description}`,
                assumeRolePolicy: assumeRolePolicy("lambda.amazonaws.com"),
            }, parent);
            const policy = new aws.iam.RolePolicy(`${name}-${task}`, {
                role: role.id,
                policy: pulumi.all([args.resources, logGroup.arn]).apply(([resources, logGroupArn]) =>
                    JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [
                            ...spec.permissions(resources),
                            { Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${logGroupArn}:*` },
                        ],
                    }),
                ),
            }, parent);
            const fn = new aws.lambda.CallbackFunction(`${name}-${task}`, {
                name: functionName,
                description: spec.description,
                callback: spec.handler,
                role,
                runtime: "nodejs22.x",
                architectures: ["arm64"],
                memorySize: 256,
                timeout: 60,
                loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
                codePathOptions: { extraExcludePackages: excludedPackages(packageJson.dependencies, spec.packages) },
            }, { parent: this, dependsOn: [logGroup, policy] });
            arns[task] = fn.arn;
            functionNames[task] = functionName;
        }
        this.arns = arns;
        this.functionNames = functionNames;
        this.registerOutputs({ arns });
    }
}
