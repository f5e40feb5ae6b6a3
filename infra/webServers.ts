import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { CpuArchitecture } from "./config";
import { cloudWatchAgentConfig, shippedLogFiles, ShippedLogFile } from "./cloudWatchAgent";
import { httpdControlScripts } from "./httpdControlScripts";
import { assumeRolePolicy, awsManagedPolicyArn } from "./iamPolicies";
import { webServerUserData } from "./userData";

export interface WebServersArgs {
    count: number;
    instanceType: string;
    architecture: CpuArchitecture;
    detailedMonitoring: boolean;
    /** The customer managed key of the volumes; undefined: the account's default EBS key. */
    volumeKmsKeyArn: string | undefined;
    /** Private subnets in AZ order; server i goes to subnet i mod n, so servers spread over the AZs. */
    privateSubnetIds: pulumi.Input<string[]>;
    /** What must exist before the private subnets reach the internet: the NAT routes and their route tables' associations. */
    internetRouting: pulumi.Input<pulumi.Resource[]>;
    securityGroupId: pulumi.Input<string>;
    targetGroupArn: pulumi.Input<string>;
    logRetentionDays: number;
    /** Prefix of the log groups the CloudWatch agent writes, unique per stack. */
    logGroupPrefix: string;
    /** A tag every server of the stack carries: IAM names them by it when they are too many to list. */
    serverTag: { key: string; value: string };
}

export interface WebServer {
    /** The name operators use (`web-1`), also the instance's Name tag. */
    name: string;
    instanceId: pulumi.Output<string>;
    instanceArn: pulumi.Output<string>;
    availabilityZone: pulumi.Output<string>;
}

// Managed policies the web servers need: Run Command and Session Manager, the CloudWatch agent.
const instanceManagedPolicies = ["AmazonSSMManagedInstanceCore", "CloudWatchAgentServerPolicy"];

/** The Apache/PHP web servers in the private subnets, registered in the ALB's target group. */
export class WebServers extends pulumi.ComponentResource {
    readonly servers: WebServer[];
    readonly roleArn: pulumi.Output<string>;
    readonly agentConfigParameterName: pulumi.Output<string>;

    constructor(name: string, args: WebServersArgs, opts?: pulumi.ComponentResourceOptions) {
        super("webapp-jobnet:infra:WebServers", name, {}, opts);
        const parent = { parent: this };

        const logGroupOf = (file: ShippedLogFile) => `${args.logGroupPrefix}${file}`;
        const logGroups = shippedLogFiles.map((file) =>
            new aws.cloudwatch.LogGroup(`${name}${file.replace(/\//g, "-")}`, {
                name: logGroupOf(file),
                retentionInDays: args.logRetentionDays,
            }, parent),
        );
        // CloudWatchAgentServerPolicy may read only parameters named AmazonCloudWatch-*.
        const agentConfigName = `AmazonCloudWatch-${args.logGroupPrefix.replace(/^\//, "").replace(/\//g, "-")}-${name}`;
        const agentConfig = new aws.ssm.Parameter(`${name}-cloudwatch-agent`, {
            name: agentConfigName,
            type: "String",
            description: "CloudWatch agent configuration of the web servers",
            // Not a secret: insecureValue keeps it readable in previews and diffs.
            insecureValue: JSON.stringify(cloudWatchAgentConfig(logGroupOf)),
        }, parent);

        const role = new aws.iam.Role(`${name}-instance`, {
            description: "Web servers: SSM Run Command and Session Manager, and the CloudWatch agent",
            assumeRolePolicy: assumeRolePolicy("ec2.amazonaws.com"),
        }, parent);
        const partition = aws.getPartitionOutput({}, parent).partition;
        const attachments = instanceManagedPolicies.map((policy) =>
            new aws.iam.RolePolicyAttachment(`${name}-${policy}`, { role: role.name, policyArn: awsManagedPolicyArn(partition, policy) }, parent),
        );
        const profile = new aws.iam.InstanceProfile(`${name}-instance`, { role: role.name }, parent);

        const ami = aws.ssm.getParameterOutput({
            name: `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${args.architecture}`,
        }, parent).value;
        const userData = webServerUserData({
            cloudWatchAgentConfigParameter: agentConfigName,
            controlScripts: Object.values(httpdControlScripts()),
        });

        // The first boot installs packages from the internet, through NAT; the instance profile is waited
        // for through iamInstanceProfile, its policies are not.
        const bootPrerequisites = pulumi.output(args.internetRouting).apply((routing) => [...attachments, ...logGroups, agentConfig, ...routing]);
        this.servers = Array.from({ length: args.count }, (_, i) => {
            const serverName = `web-${i + 1}`;
            const instance = new aws.ec2.Instance(`${name}-${serverName}`, {
                ami,
                instanceType: args.instanceType,
                subnetId: pulumi.output(args.privateSubnetIds).apply((ids) => ids[i % ids.length]),
                vpcSecurityGroupIds: [args.securityGroupId],
                associatePublicIpAddress: false,
                monitoring: args.detailedMonitoring,
                iamInstanceProfile: profile.name,
                metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
                rootBlockDevice: { encrypted: true, kmsKeyId: args.volumeKmsKeyArn, volumeType: "gp3", deleteOnTermination: true },
                userData,
                // The scripts are the jobnets' contract: a server with old ones is replaced, not patched.
                userDataReplaceOnChange: true,
                tags: { Name: serverName, [args.serverTag.key]: args.serverTag.value },
            }, {
                parent: this,
                dependsOn: bootPrerequisites,
                // A newer AL2023 release must not replace running servers on the next `pulumi up`.
                ignoreChanges: ["ami"],
            });
            new aws.lb.TargetGroupAttachment(`${name}-${serverName}`, {
                targetGroupArn: args.targetGroupArn,
                targetId: instance.id,
                port: 80,
            }, parent);
            return { name: serverName, instanceId: instance.id, instanceArn: instance.arn, availabilityZone: instance.availabilityZone };
        });

        this.roleArn = role.arn;
        this.agentConfigParameterName = agentConfig.name;
        this.registerOutputs({
            servers: this.servers,
            roleArn: this.roleArn,
            agentConfigParameterName: this.agentConfigParameterName,
        });
    }
}
