import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { keptDataOptions } from "./keptData";
import { DbLogType } from "./config";
import { DesiredDatabase, databaseWarnings, engineVersionToDeclare, readDeployedDatabase } from "./deployedDatabase";

export interface DatabaseArgs {
    /** The cluster's identifier, fixed so its log groups can be made (with retention) before it. */
    clusterIdentifier: string;
    isolatedSubnetIds: pulumi.Input<string[]>;
    securityGroupId: pulumi.Input<string>;
    instanceClass: string;
    instanceCount: number;
    engineVersion: string;
    logExports: DbLogType[];
    logRetentionDays: number;
    deletionProtection: boolean;
}

export const masterUsername = "admin";
export const databaseName = "webapp";

/** The Aurora MySQL 3 cluster in the isolated subnets; its master password lives in Secrets Manager only. */
export class Database extends pulumi.ComponentResource {
    readonly clusterIdentifier: pulumi.Output<string>;
    readonly clusterArn: pulumi.Output<string>;
    readonly endpoint: pulumi.Output<string>;
    readonly masterUserSecretArn: pulumi.Output<string>;

    constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("webapp-jobnet:infra:Database", name, {}, opts);
        const parent = { parent: this };

        const subnetGroup = new aws.rds.SubnetGroup(`${name}-isolated`, {
            description: "Isolated subnets of the web system's database",
            subnetIds: args.isolatedSubnetIds,
        }, parent);
        const parameterGroup = new aws.rds.ClusterParameterGroup(`${name}-logs`, {
            family: "aurora-mysql8.0",
            description: "Turns on the engine logs that the cluster exports",
            // The description stays as it was: RDS cannot change a group's description, so a new one would replace it.
            parameters: [...clusterLogParameters(args.logExports), ...clientTlsParameters],
        }, parent);
        // RDS creates these groups with no expiry when it first exports; made first, they keep the retention.
        const logGroups = args.logExports.map((type) =>
            new aws.cloudwatch.LogGroup(`${name}-${type}`, {
                name: `/aws/rds/cluster/${args.clusterIdentifier}/${type}`,
                retentionInDays: args.logRetentionDays,
            }, parent),
        );

        const desired: DesiredDatabase = {
            clusterIdentifier: args.clusterIdentifier,
            engineVersion: args.engineVersion,
            instanceClass: args.instanceClass,
            instanceCount: args.instanceCount,
            logExports: args.logExports,
            deletionProtection: args.deletionProtection,
        };
        const deployed = pulumi.output(readDeployedDatabase(args.clusterIdentifier, parent));
        deployed.apply((d) => databaseWarnings(desired, d).forEach((warning) => pulumi.log.warn(warning, this)));

        const cluster = new aws.rds.Cluster(`${name}-cluster`, {
            clusterIdentifier: args.clusterIdentifier,
            engine: "aurora-mysql",
            engineMode: "provisioned",
            engineVersion: deployed.apply((d) => engineVersionToDeclare(args.engineVersion, d)),
            databaseName,
            masterUsername,
            // Secrets Manager generates and keeps the password: it is never in Pulumi state.
            manageMasterUserPassword: true,
            dbSubnetGroupName: subnetGroup.name,
            vpcSecurityGroupIds: [args.securityGroupId],
            dbClusterParameterGroupName: parameterGroup.name,
            storageEncrypted: true,
            enabledCloudwatchLogsExports: args.logExports,
            backupRetentionPeriod: 7,
            copyTagsToSnapshot: true,
            deletionProtection: args.deletionProtection,
            skipFinalSnapshot: !args.deletionProtection,
            finalSnapshotIdentifier: args.deletionProtection ? `${args.clusterIdentifier}-final` : undefined,
        }, keptDataOptions(args.deletionProtection, { parent: this, dependsOn: logGroups }));

        Array.from({ length: args.instanceCount }, (_, i) =>
            new aws.rds.ClusterInstance(`${name}-instance-${i + 1}`, {
                identifier: `${args.clusterIdentifier}-${i + 1}`,
                clusterIdentifier: cluster.id,
                engine: "aurora-mysql",
                // No engineVersion: an instance runs its cluster's, and the provider upgrades it only through the cluster.
                instanceClass: args.instanceClass,
                dbSubnetGroupName: subnetGroup.name,
                publiclyAccessible: false,
                // AWS advises against automatic minor upgrades on LTS releases: they may leave LTS.
                autoMinorVersionUpgrade: false,
            }, keptDataOptions(args.deletionProtection, parent)),
        );

        this.clusterIdentifier = cluster.clusterIdentifier;
        this.clusterArn = cluster.arn;
        this.endpoint = cluster.endpoint;
        this.masterUserSecretArn = cluster.masterUserSecrets.apply((s) => s[0]?.secretArn ?? "");
        this.registerOutputs({
            clusterIdentifier: this.clusterIdentifier,
            clusterArn: this.clusterArn,
            endpoint: this.endpoint,
            masterUserSecretArn: this.masterUserSecretArn,
        });
    }
}

/** Engine parameters that make Aurora MySQL write the logs it is asked to export (it writes none by default). */
export function clusterLogParameters(logExports: DbLogType[]): { name: string; value: string; applyMethod: string }[] {
    const on = (type: DbLogType) => (logExports.includes(type) ? "1" : "0");
    const parameters: [string, string][] = [
        ["server_audit_logging", on("audit")],
        ["slow_query_log", on("slowquery")],
        ["general_log", on("general")],
        // CloudWatch export reads the general and slow query logs from files, not tables.
        ["log_output", "FILE"],
    ];
    if (logExports.includes("audit")) parameters.push(["server_audit_events", "CONNECT,QUERY_DCL,QUERY_DDL"]);
    if (logExports.includes("slowquery")) parameters.push(["long_query_time", "2"]);
    return parameters.map(([name, value]) => ({ name, value, applyMethod: "immediate" }));
}

/**
 * Clients must connect over TLS: Aurora MySQL refuses a connection that is not encrypted once
 * require_secure_transport is ON (Aurora User Guide, "Using TLS with Aurora MySQL DB clusters"),
 * a dynamic parameter, applied at once.
 */
export const clientTlsParameters = [{ name: "require_secure_transport", value: "ON", applyMethod: "immediate" }];

/** A cluster identifier from the project and stack: letters, digits and single hyphens, at most 63 characters. */
export function clusterIdentifierFor(project: string, stack: string): string {
    const id = `${project}-${stack}`.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^[^a-z]+/, "").slice(0, 63).replace(/-+$/, "");
    if (id.length === 0) throw new Error(`cannot make a cluster identifier from project "${project}" and stack "${stack}"`);
    return id;
}
