import * as pulumi from "@pulumi/pulumi";
import { JobnetTargets } from "../statemachines/targets";
import { WebappConfig } from "./config";
import { Database, clusterIdentifierFor } from "./database";
import { LoadBalancer } from "./loadBalancer";
import { Network } from "./network";
import { SecurityGroups } from "./securityGroups";
import { WebServer, WebServers } from "./webServers";

export interface WebSystemArgs {
    config: WebappConfig;
    project: string;
    stack: string;
}

/** The three-tier web system: VPC, ALB, Apache web servers and Aurora MySQL. */
export class WebSystem extends pulumi.ComponentResource {
    readonly network: Network;
    readonly loadBalancer: LoadBalancer;
    readonly webServers: WebServer[];
    readonly database: Database;
    readonly albUrl: pulumi.Output<string>;
    /** Everything the jobnets act on. */
    readonly targets: JobnetTargets;

    constructor(name: string, args: WebSystemArgs, opts?: pulumi.ComponentResourceOptions) {
        super("webapp-jobnet:infra:WebSystem", name, {}, opts);
        const { config } = args;
        const parent = { parent: this };

        this.network = new Network(`${name}-network`, {
            cidrBlock: config.network.vpcCidr,
            availabilityZoneCount: config.network.availabilityZoneCount,
            natGateways: config.network.natGateways,
            logRetentionDays: config.logRetentionDays,
        }, parent);
        const securityGroups = new SecurityGroups(`${name}-sg`, { vpcId: this.network.vpcId }, parent);
        this.loadBalancer = new LoadBalancer(`${name}-lb`, {
            vpcId: this.network.vpcId,
            publicSubnetIds: this.network.publicSubnetIds,
            securityGroupId: securityGroups.albSecurityGroupId,
            healthCheckPath: config.healthCheckPath,
            accessLogRetentionDays: config.accessLogRetentionDays,
            deletionProtection: config.deletionProtection,
        }, parent);
        this.webServers = new WebServers(`${name}-web`, {
            count: config.webServers.count,
            instanceType: config.webServers.instanceType,
            architecture: config.webServers.architecture,
            detailedMonitoring: config.webServers.detailedMonitoring,
            privateSubnetIds: this.network.privateSubnetIds,
            internetRouting: this.network.internetRouting,
            securityGroupId: securityGroups.webSecurityGroupId,
            targetGroupArn: this.loadBalancer.targetGroupArn,
            logRetentionDays: config.logRetentionDays,
            logGroupPrefix: `/${args.project}/${args.stack}`,
        }, parent).servers;
        this.database = new Database(`${name}-db`, {
            clusterIdentifier: clusterIdentifierFor(args.project, args.stack),
            isolatedSubnetIds: this.network.isolatedSubnetIds,
            securityGroupId: securityGroups.dbSecurityGroupId,
            instanceClass: config.database.instanceClass,
            instanceCount: config.database.instanceCount,
            engineVersion: config.database.engineVersion,
            logExports: config.database.logExports,
            logRetentionDays: config.logRetentionDays,
            deletionProtection: config.deletionProtection,
        }, parent);

        this.albUrl = pulumi.interpolate`http://${this.loadBalancer.dnsName}/`;
        this.targets = {
            webServers: this.webServers.map(({ name: serverName, instanceId, instanceArn }) => ({ name: serverName, instanceId, instanceArn })),
            cluster: { identifier: this.database.clusterIdentifier, arn: this.database.clusterArn },
            listenerArn: this.loadBalancer.listenerArn,
            targetGroupArn: this.loadBalancer.targetGroupArn,
        };
        this.registerOutputs({ albUrl: this.albUrl, targets: this.targets });
    }
}
