import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import { NatGatewayStrategy } from "./config";
import { assumeRolePolicy } from "./iamPolicies";

export interface NetworkArgs {
    cidrBlock: string;
    availabilityZoneCount: number;
    natGateways: NatGatewayStrategy;
    logRetentionDays: number;
}

/** The VPC: public, private and isolated /24 subnets in each AZ, with flow logs kept in CloudWatch. */
export class Network extends pulumi.ComponentResource {
    readonly vpcId: pulumi.Output<string>;
    /** In AZ order, one per AZ. */
    readonly publicSubnetIds: pulumi.Output<string[]>;
    readonly privateSubnetIds: pulumi.Output<string[]>;
    readonly isolatedSubnetIds: pulumi.Output<string[]>;
    /**
     * Every route and route-table association of the VPC, the private subnets' default routes through
     * NAT among them: until they exist, a server in a private subnet cannot reach the internet. (The
     * public and isolated ones come along: they are ready long before the NAT gateways are.)
     */
    readonly internetRouting: pulumi.Output<pulumi.Resource[]>;
    readonly flowLogGroupName: pulumi.Output<string>;

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("webapp-jobnet:infra:Network", name, {}, opts);
        const vpc = new awsx.ec2.Vpc(`${name}-vpc`, {
            cidrBlock: args.cidrBlock,
            numberOfAvailabilityZones: args.availabilityZoneCount,
            enableDnsHostnames: true,
            enableDnsSupport: true,
            natGateways: { strategy: args.natGateways },
            subnetStrategy: "Auto",
            subnetSpecs: [
                { type: "Public", cidrMask: 24 },
                { type: "Private", cidrMask: 24 },
                { type: "Isolated", cidrMask: 24 },
            ],
        }, { parent: this });

        const logGroup = new aws.cloudwatch.LogGroup(`${name}-flow-logs`, {
            retentionInDays: args.logRetentionDays,
        }, { parent: this });
        const role = new aws.iam.Role(`${name}-flow-logs`, {
            description: "Lets VPC Flow Logs write to its own log group",
            assumeRolePolicy: assumeRolePolicy("vpc-flow-logs.amazonaws.com"),
        }, { parent: this });
        new aws.iam.RolePolicy(`${name}-flow-logs`, {
            role: role.id,
            policy: pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: [{
                    Effect: "Allow",
                    Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                    Resource: [logGroup.arn, pulumi.interpolate`${logGroup.arn}:*`],
                }],
            }),
        }, { parent: this });
        new aws.ec2.FlowLog(`${name}-flow-logs`, {
            vpcId: vpc.vpcId,
            trafficType: "ALL",
            logDestinationType: "cloud-watch-logs",
            logDestination: logGroup.arn,
            iamRoleArn: role.arn,
            maxAggregationInterval: 60,
        }, { parent: this });

        this.vpcId = vpc.vpcId;
        this.publicSubnetIds = vpc.publicSubnetIds;
        this.privateSubnetIds = vpc.privateSubnetIds;
        this.isolatedSubnetIds = vpc.isolatedSubnetIds;
        // awsx makes them inside its component, whose outputs resolve only once all of its resources
        // exist (a remote component waits on its children); naming them keeps the wait, whatever builds the VPC.
        this.internetRouting = pulumi.all([vpc.routes, vpc.routeTableAssociations]).apply(([routes, associations]) => [...routes, ...associations]);
        this.flowLogGroupName = logGroup.name;
        this.registerOutputs({
            vpcId: this.vpcId,
            publicSubnetIds: this.publicSubnetIds,
            privateSubnetIds: this.privateSubnetIds,
            isolatedSubnetIds: this.isolatedSubnetIds,
            internetRouting: this.internetRouting,
            flowLogGroupName: this.flowLogGroupName,
        });
    }
}
