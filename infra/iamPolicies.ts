import * as pulumi from "@pulumi/pulumi";

/**
 * A trust policy that lets one AWS service assume a role. Each service this program trusts is
 * `<service>.amazonaws.com` in aws, aws-cn and aws-us-gov alike: in China only codedeploy,
 * elasticmapreduce and logs take amazonaws.com.cn (AWS CDK's region-info, which the AWS provider's
 * getServicePrincipal follows).
 */
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
