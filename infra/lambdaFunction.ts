import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { PolicyStatement } from "../handlers/catalog";
import { taskTimeoutSeconds } from "../statemachines/asl";
import { assumeRolePolicy } from "./iamPolicies";
import { LambdaContext } from "../handlers/lambdaContext";

export interface LambdaFunctionArgs {
    functionName: string;
    description: string;
    handler: (event: any, context: LambdaContext) => Promise<unknown>;
    /** What the function may do, besides writing its own logs. */
    statements: pulumi.Input<PolicyStatement[]>;
    /** Packages the handler needs at run time; every other dependency stays out of the upload. */
    packages?: string[];
    environment?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    logRetentionDays: number;
    /** How long one invocation may run; a jobnet task's default is half its Task's timeout. */
    timeoutSeconds?: number;
}

/**
 * A jobnet task's function stops long before Step Functions gives up on its Task
 * (`taskTimeoutSeconds`, 60 s): invoke overhead and a throttled SDK call cannot make a Task time
 * out while the function is still stopping an instance or starting a backup job.
 */
export const functionTimeoutSeconds = taskTimeoutSeconds / 2;

/** The Lambda runtime of every function; package.json's engines and `npm run test:lambda-node` follow its Node.js major. */
export const lambdaRuntime = "nodejs22.x";

/**
 * The dependencies a function must not upload: the AWS SDK v3, which the Lambda runtime already
 * carries, and every package the handler does not use (CallbackFunction uploads them all otherwise).
 */
export function excludedPackages(dependencies: Record<string, string>, needed: string[] = []): string[] {
    return Object.keys(dependencies).filter((name) => !name.startsWith("@pulumi/") && !needed.includes(name));
}

/** This project's dependencies left out of a function's upload, given the packages it needs. */
export function excludedFromUpload(needed: string[] = []): string[] {
    const dependencies = (require("../package.json") as { dependencies: Record<string, string> }).dependencies;
    return excludedPackages(dependencies, needed);
}

/**
 * A Lambda function serialised from its handler (Node.js 22, arm64), with a role of its own that
 * allows only the given statements and writing to its own log group, which keeps the stack's retention.
 */
export function lambdaFunction(name: string, args: LambdaFunctionArgs, parent: pulumi.Resource): aws.lambda.CallbackFunction<any, unknown> {
    const logGroup = new aws.cloudwatch.LogGroup(name, { name: `/aws/lambda/${args.functionName}`, retentionInDays: args.logRetentionDays }, { parent });
    const role = new aws.iam.Role(name, {
        description: `${args.functionName}: ${args.description}`,
        assumeRolePolicy: assumeRolePolicy("lambda.amazonaws.com"),
    }, { parent });
    const policy = new aws.iam.RolePolicy(name, {
        role: role.id,
        policy: pulumi.all([args.statements, logGroup.arn]).apply(([statements, logGroupArn]) =>
            JSON.stringify({
                Version: "2012-10-17",
                Statement: [
                    ...statements,
                    { Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${logGroupArn}:*` },
                ],
            }),
        ),
    }, { parent });
    return new aws.lambda.CallbackFunction(name, {
        name: args.functionName,
        description: args.description,
        callback: args.handler,
        role,
        runtime: lambdaRuntime,
        architectures: ["arm64"],
        memorySize: 256,
        timeout: args.timeoutSeconds ?? functionTimeoutSeconds,
        loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
        environment: args.environment === undefined ? undefined : { variables: args.environment },
        codePathOptions: { extraExcludePackages: excludedFromUpload(args.packages) },
    }, { parent, dependsOn: [logGroup, policy] });
}
