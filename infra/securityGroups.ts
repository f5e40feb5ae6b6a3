import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

export type Tier = "alb" | "web" | "db";
export type Peer = Tier | "internet";

/** One allowed flow between tiers; every rule of the system is one of these. */
export interface Flow {
    from: Peer;
    to: Tier | "internet";
    port: number;
    description: string;
}

/**
 * Every flow the web system allows, and nothing else: the ALB takes HTTP (and HTTPS when it serves
 * it) from anywhere, web servers take HTTP only from the ALB, the database takes MySQL only from web
 * servers. Web servers reach out over HTTPS (package repositories, SSM, CloudWatch) through the NAT gateways.
 */
export function flowsOf(o: { https: boolean }): Flow[] {
    return [
        // With HTTPS, port 80 stays open: it answers with the redirect to HTTPS.
        { from: "internet", to: "alb", port: 80, description: o.https ? "HTTP from anywhere, redirected to HTTPS" : "HTTP from anywhere" },
        ...(o.https ? [{ from: "internet", to: "alb", port: 443, description: "HTTPS from anywhere" } as const] : []),
        { from: "alb", to: "web", port: 80, description: "HTTP to the web servers" },
        { from: "web", to: "db", port: 3306, description: "MySQL to the database" },
        { from: "web", to: "internet", port: 443, description: "HTTPS to AWS APIs and package repositories" },
    ];
}

export interface SecurityGroupsArgs {
    vpcId: pulumi.Input<string>;
    /** The ALB serves HTTPS on 443 as well. */
    https: boolean;
}

export class SecurityGroups extends pulumi.ComponentResource {
    readonly albSecurityGroupId: pulumi.Output<string>;
    readonly webSecurityGroupId: pulumi.Output<string>;
    readonly dbSecurityGroupId: pulumi.Output<string>;

    constructor(name: string, args: SecurityGroupsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("webapp-jobnet:infra:SecurityGroups", name, {}, opts);
        const groups: Record<Tier, aws.ec2.SecurityGroup> = {
            alb: this.group(name, "alb", "Load balancer: HTTP from the internet", args.vpcId),
            web: this.group(name, "web", "Web servers: HTTP from the load balancer only", args.vpcId),
            db: this.group(name, "db", "Database: MySQL from the web servers only", args.vpcId),
        };
        for (const flow of flowsOf({ https: args.https })) {
            const ruleName = `${name}-${flow.from}-to-${flow.to}-${flow.port}`;
            const common = { ipProtocol: "tcp", fromPort: flow.port, toPort: flow.port, description: flow.description };
            if (flow.from !== "internet") {
                new aws.vpc.SecurityGroupEgressRule(`${ruleName}-out`, {
                    ...common,
                    securityGroupId: groups[flow.from].id,
                    ...(flow.to === "internet" ? { cidrIpv4: "0.0.0.0/0" } : { referencedSecurityGroupId: groups[flow.to].id }),
                }, { parent: this });
            }
            if (flow.to !== "internet") {
                new aws.vpc.SecurityGroupIngressRule(`${ruleName}-in`, {
                    ...common,
                    securityGroupId: groups[flow.to].id,
                    ...(flow.from === "internet" ? { cidrIpv4: "0.0.0.0/0" } : { referencedSecurityGroupId: groups[flow.from].id }),
                }, { parent: this });
            }
        }
        this.albSecurityGroupId = groups.alb.id;
        this.webSecurityGroupId = groups.web.id;
        this.dbSecurityGroupId = groups.db.id;
        this.registerOutputs({
            albSecurityGroupId: this.albSecurityGroupId,
            webSecurityGroupId: this.webSecurityGroupId,
            dbSecurityGroupId: this.dbSecurityGroupId,
        });
    }

    private group(name: string, tier: Tier, description: string, vpcId: pulumi.Input<string>): aws.ec2.SecurityGroup {
        // No inline rules: the separate rule resources below are the only ones, so none drift.
        return new aws.ec2.SecurityGroup(`${name}-${tier}`, { vpcId, description, tags: { Name: `${name}-${tier}` } }, { parent: this });
    }
}
