import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

/** The Aurora cluster as AWS runs it now, read at every preview. */
export interface DeployedDatabase {
    /** The version the cluster runs, AWS's own patches included. */
    engineVersion: string;
    /** The class of each of its instances, by instance identifier. */
    instanceClasses: Record<string, string>;
    logExports: string[];
    deletionProtection: boolean;
}

/** The cluster the stack's config asks for. */
export interface DesiredDatabase {
    clusterIdentifier: string;
    engineVersion: string;
    instanceClass: string;
    instanceCount: number;
    logExports: string[];
    deletionProtection: boolean;
}

/**
 * Reads the cluster through the stack's AWS provider; undefined before the first deployment.
 * rds.getCluster fails for a cluster that does not exist, so rds.getClusters, which answers
 * with none, tells first whether it does.
 */
export async function readDeployedDatabase(clusterIdentifier: string, opts: pulumi.InvokeOptions): Promise<DeployedDatabase | undefined> {
    const found = await aws.rds.getClusters({ filters: [{ name: "db-cluster-id", values: [clusterIdentifier] }] }, opts);
    if (!found.clusterIdentifiers.includes(clusterIdentifier)) return undefined;
    const cluster = await aws.rds.getCluster({ clusterIdentifier }, opts);
    const instances = await Promise.all(cluster.clusterMembers.map((id) => aws.rds.getInstance({ dbInstanceIdentifier: id }, opts)));
    return {
        engineVersion: cluster.engineVersion,
        instanceClasses: Object.fromEntries(instances.map((i) => [i.dbInstanceIdentifier, i.dbInstanceClass])),
        logExports: cluster.enabledCloudwatchLogsExports,
        deletionProtection: cluster.deletionProtection,
    };
}

/** Orders engine versions segment by segment, numbers as numbers: 8.0.mysql_aurora.3.9.0 < 8.0.mysql_aurora.3.10.0. */
export function compareEngineVersions(a: string, b: string): number {
    const as = a.split(".");
    const bs = b.split(".");
    for (let i = 0; i < Math.max(as.length, bs.length); i++) {
        const [x, y] = [as[i] ?? "0", bs[i] ?? "0"];
        const order = /^\d+$/.test(x) && /^\d+$/.test(y) ? Number(x) - Number(y) : x.localeCompare(y);
        if (order !== 0) return Math.sign(order);
    }
    return 0;
}

/**
 * The version to declare: the configured one, unless the cluster already runs a newer one. AWS
 * applies patches itself, and Aurora cannot go back ("Cannot upgrade aurora-mysql from X to Y"):
 * declaring the older version would make every update that touches the cluster fail. A version
 * raised in the config is declared, so `pulumi up` upgrades the cluster.
 */
export function engineVersionToDeclare(configured: string, deployed: DeployedDatabase | undefined): string {
    return deployed !== undefined && compareEngineVersions(deployed.engineVersion, configured) > 0 ? deployed.engineVersion : configured;
}

/** What `pulumi up` would change on the cluster and its instances, each with the config key it comes from. */
export function databaseChanges(desired: DesiredDatabase, deployed: DeployedDatabase | undefined): string[] {
    if (deployed === undefined) return [];
    const changes: string[] = [];
    if (compareEngineVersions(desired.engineVersion, deployed.engineVersion) > 0) {
        changes.push(`engine ${deployed.engineVersion} → ${desired.engineVersion} (dbEngineVersion)`);
    }
    for (let i = 1; i <= desired.instanceCount; i++) {
        const id = `${desired.clusterIdentifier}-${i}`;
        const deployedClass = deployed.instanceClasses[id];
        if (deployedClass !== undefined && deployedClass !== desired.instanceClass) changes.push(`${id} ${deployedClass} → ${desired.instanceClass} (dbInstanceClass)`);
    }
    const deployedCount = Object.keys(deployed.instanceClasses).length;
    if (deployedCount !== desired.instanceCount) changes.push(`instances ${deployedCount} → ${desired.instanceCount} (dbInstanceCount)`);
    const exports = (list: string[]) => (list.length === 0 ? "none" : [...list].sort().join(", "));
    if (exports(deployed.logExports) !== exports(desired.logExports)) {
        changes.push(`log exports ${exports(deployed.logExports)} → ${exports(desired.logExports)} (dbLogExports)`);
    }
    if (deployed.deletionProtection !== desired.deletionProtection) {
        changes.push(`deletion protection ${deployed.deletionProtection} → ${desired.deletionProtection} (deletionProtection)`);
    }
    return changes;
}

/** What preview says about the cluster: a version AWS moved past the config's, and changes a stopped cluster refuses. */
export function databaseWarnings(desired: DesiredDatabase, deployed: DeployedDatabase | undefined): string[] {
    const warnings: string[] = [];
    const declared = engineVersionToDeclare(desired.engineVersion, deployed);
    if (declared !== desired.engineVersion) {
        warnings.push(
            `dbEngineVersion is ${desired.engineVersion}, but the cluster ${desired.clusterIdentifier} runs ${declared} ` +
            `and Aurora cannot go back: the stack keeps ${declared}. Set dbEngineVersion to ${declared} to say so.`,
        );
    }
    const changes = databaseChanges(desired, deployed);
    if (changes.length > 0) {
        // Aurora User Guide, "Possible operations while an Aurora DB cluster is stopped". No data
        // source of the provider reads the cluster's status, so preview cannot tell whether it is stopped.
        warnings.push(
            `This update changes the Aurora cluster ${desired.clusterIdentifier}: ${changes.join("; ")}. ` +
            "Aurora refuses any change to a stopped cluster or its instances (InvalidDBClusterStateFault): " +
            "if the system is stopped, run the start jobnet first (npm run ops -- run start), then pulumi up, then the stop jobnet (npm run ops -- run stop).",
        );
    }
    return warnings;
}
