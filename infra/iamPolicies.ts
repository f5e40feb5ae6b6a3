import * as pulumi from "@pulumi/pulumi";

/** A trust policy that lets one AWS service assume a role. */
export function assumeRolePolicy(service: string): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
    });
}

/** The ARN of an AWS managed policy in the stack's partition. */
export function awsManagedPolicyArn(partition: pulumi.Input<string>, policyName: string): pulumi.Output<string> {
    return pulumi.interpolate`arn:${partition}:iam::aws:policy/${policyName}`;
}
