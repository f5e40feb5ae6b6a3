import * as pulumi from "@pulumi/pulumi";
import { JobnetTargets } from "../statemachines/targets";
import { WebappConfig } from "./config";
import { DnsValidatedCertificate } from "./certificate";
import { Database, clusterIdentifierFor } from "./database";
import { LoadBalancer } from "./loadBalancer";
import { Network } from "./network";
import { AttachedTargetGroup, SystemSummary } from "./outputs";
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
    readonly summary: SystemSummary;
    /** Its target group, on its load balancer. */
    readonly attachedTargetGroups: pulumi.Output<AttachedTargetGroup[]>;

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
        const https = config.https;
        const securityGroups = new SecurityGroups(`${name}-sg`, { vpcId: this.network.vpcId, https: https !== undefined }, parent);
        // A name in a Route 53 zone gets an alias record, and a certificate requested for it unless one is given.
        const named = https?.domainName !== undefined && https.hostedZoneId !== undefined ? { domainName: https.domainName, hostedZoneId: https.hostedZoneId } : undefined;
        const certificateArn = https?.certificateArn ?? (named && new DnsValidatedCertificate(`${name}-certificate`, named, parent).certificateArn);
        this.loadBalancer = new LoadBalancer(`${name}-lb`, {
            vpcId: this.network.vpcId,
            publicSubnetIds: this.network.publicSubnetIds,
            securityGroupId: securityGroups.albSecurityGroupId,
            healthCheckPath: config.healthCheckPath,
            accessLogRetentionDays: config.accessLogRetentionDays,
            deletionProtection: config.deletionProtection,
            https: https && certificateArn !== undefined ? { certificateArn, sslPolicy: https.sslPolicy, alias: named } : undefined,
        }, parent);
        this.webServers = new WebServers(`${name}-web`, {
            count: config.webServers.count,
            instanceType: config.webServers.instanceType,
            architecture: config.webServers.architecture,
            detailedMonitoring: config.webServers.detailedMonitoring,
            volumeKmsKeyArn: config.webServers.volumeKmsKeyArn,
            privateSubnetIds: this.network.privateSubnetIds,
            internetRouting: this.network.internetRouting,
            securityGroupId: securityGroups.webSecurityGroupId,
            targetGroupArn: this.loadBalancer.targetGroupArn,
            logRetentionDays: config.logRetentionDays,
            logGroupPrefix: `/${args.project}/${args.stack}`,
            serverTag: webServerPolicyTag(args.project, args.stack),
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

        this.albUrl = https === undefined
            ? pulumi.interpolate`http://${this.loadBalancer.dnsName}/`
            : pulumi.interpolate`https://${https.domainName ?? this.loadBalancer.dnsName}/`;
        const listenerArns = (forwards: boolean) => this.loadBalancer.listeners.filter((l) => l.forwards === forwards).map((l) => l.arn);
        this.targets = {
            webServers: this.webServers.map(({ name: serverName, instanceId, instanceArn }) => ({ name: serverName, instanceId, instanceArn })),
            webServerPolicyTag: webServerPolicyTag(args.project, args.stack),
            volumeKmsKeyArn: config.webServers.volumeKmsKeyArn,
            database: { kind: "cluster", identifier: this.database.clusterIdentifier, arn: this.database.clusterArn },
            loadBalancer: true,
            trafficListenerArns: listenerArns(true),
            otherListenerArns: listenerArns(false),
            targetGroupArns: [this.loadBalancer.targetGroupArn],
        };
        this.summary = {
            webServers: this.webServers.map(({ name: serverName, instanceId, instanceArn, availabilityZone }) => ({ name: serverName, instanceId, instanceArn, availabilityZone })),
            dbClusterIdentifier: this.database.clusterIdentifier,
            dbClusterArn: this.database.clusterArn,
            listeners: this.loadBalancer.listeners,
            targetGroupArns: [this.loadBalancer.targetGroupArn],
        };
        this.attachedTargetGroups = pulumi.all([this.loadBalancer.targetGroupArn, this.loadBalancer.loadBalancerArn])
            .apply(([targetGroupArn, loadBalancerArn]) => [{ targetGroupArn, loadBalancerArn }]);
        this.registerOutputs({ albUrl: this.albUrl, targets: this.targets });
    }
}

/** The tag of this stack's web servers (`webapp-jobnet:web-server` = `<project>-<stack>`), by which IAM names a fleet too large to list. */
export function webServerPolicyTag(project: string, stack: string): { key: string; value: string } {
    return { key: `${project}:web-server`, value: `${project}-${stack}` };
}
