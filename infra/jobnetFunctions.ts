import * as pulumi from "@pulumi/pulumi";
import { TaskResources, taskFunctions } from "../handlers/catalog";
import { TaskFunctionName } from "../statemachines/plan";
import { lambdaFunction } from "./lambdaFunction";

export interface JobnetFunctionsArgs {
    /** Prefix of the function names, unique per stack: `webapp-jobnet-dev`. */
    namePrefix: string;
    resources: pulumi.Input<TaskResources>;
    /** The tasks this stack's jobnets call (plan.ts, deployedTasks). */
    tasks: TaskFunctionName[];
    logRetentionDays: number;
}

/** `describeInstances` → `describe-instance`, for function and log group names. */
export function kebab(name: string): string {
    return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * The jobnets' Lambda tasks, each serialised from its handler, with its own role allowing only
 * the calls it makes and its own log group with retention.
 */
export class JobnetFunctions extends pulumi.ComponentResource {
    readonly arns: Partial<Record<TaskFunctionName, pulumi.Output<string>>>;
    readonly functionNames: Partial<Record<TaskFunctionName, string>>;
    /** What the functions act on, for functions made beside them (a team jobnet's StartJob). */
    readonly resources: pulumi.Output<TaskResources>;

    constructor(name: string, args: JobnetFunctionsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("webapp-jobnet:jobnet:JobnetFunctions", name, {}, opts);
        const arns: Partial<Record<TaskFunctionName, pulumi.Output<string>>> = {};
        const functionNames: Partial<Record<TaskFunctionName, string>> = {};
        for (const task of args.tasks) {
            const spec = taskFunctions[task];
            const functionName = `${args.namePrefix}-${kebab(task)}`;
            const fn = lambdaFunction(`${name}-${task}`, {
                functionName,
                description: spec.description,
                handler: spec.handler,
                statements: pulumi.output(args.resources).apply((r) => spec.permissions(r)),
                packages: spec.packages,
                logRetentionDays: args.logRetentionDays,
            }, this);
            arns[task] = fn.arn;
            functionNames[task] = functionName;
        }
        this.arns = arns;
        this.functionNames = functionNames;
        this.resources = pulumi.output(args.resources);
        this.registerOutputs({ arns });
    }
}
