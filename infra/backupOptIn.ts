import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { DatabaseKind } from "../statemachines/plan";

/**
 * The resource types the jobnets back up: each web server as an AMI (EC2), and the database as a
 * snapshot: Aurora for a cluster, RDS for a DB instance. AWS Backup protects a type only where the
 * Region's service opt-in has it on, on-demand jobs included (DescribeRegionSettings, AWS Backup
 * API reference).
 */
export function jobnetBackupTypes(database: DatabaseKind | "none"): string[] {
    return [...(database === "cluster" ? ["Aurora"] : database === "instance" ? ["RDS"] : []), "EC2"];
}

const backedUp: Record<string, string> = { Aurora: "the cluster", RDS: "the DB instance", EC2: "the web servers" };

/** The jobnets' types that a Region's opt-in preference leaves off (a type it does not list counts as off). */
export function typesNotOptedIn(preference: Record<string, boolean>, types: string[]): string[] {
    return types.filter((type) => preference[type] !== true);
}

/** The Region's preference with the jobnets' types on, and every other type as the account has it. */
export function withJobnetTypesOptedIn(preference: Record<string, boolean>, types: string[]): Record<string, boolean> {
    return { ...preference, ...Object.fromEntries(types.map((type) => [type, true])) };
}

/** What preview says when the Region leaves a type off and the stack does not manage the opt-in. */
export function optInWarning(region: string, missing: string[]): string {
    return (
        `AWS Backup is not opted in to ${missing.join(" and ")} in ${region}: the stop jobnet could not back up ${missing.map((type) => backedUp[type]).join(" and ")}. ` +
        "Turn it on in the AWS Backup console (Settings, Service opt-in), or let the stack turn it on: pulumi config set manageBackupOptIn true."
    );
}

/**
 * AWS Backup's service opt-in of the stack's Region (one setting per account and Region). It is
 * read at every preview; with `manage`, the stack turns the jobnets' types on and writes every
 * other type back as it read it, so it changes nothing another stack or the account's owner chose.
 */
export function backupOptIn(name: string, args: { region: pulumi.Input<string>; manage: boolean; types: string[] }, parent: pulumi.Resource): void {
    // A read: Pulumi never updates nor deletes it. The provider identifies the settings by Region.
    const current = aws.backup.RegionSettings.get(`${name}-current`, args.region, undefined, { parent });
    if (args.manage) {
        new aws.backup.RegionSettings(name, {
            resourceTypeOptInPreference: current.resourceTypeOptInPreference.apply((preference) => withJobnetTypesOptedIn(preference, args.types)),
        }, {
            parent,
            // Destroying the stack must not turn backups off for the account's other users. The
            // provider's delete only forgets the settings today; retained, no version can revert them.
            retainOnDelete: true,
        });
        return;
    }
    pulumi.all([args.region, current.resourceTypeOptInPreference]).apply(([region, preference]) => {
        const missing = typesNotOptedIn(preference, args.types);
        if (missing.length > 0) pulumi.log.warn(optInWarning(region, missing), parent);
    });
}
