import * as pulumi from "@pulumi/pulumi";

/**
 * The options of a resource that holds what a protected stack keeps (the database, the backups, the
 * access logs) or that AWS itself refuses to delete (the ALB). Pulumi's protect makes "a Pulumi
 * deployment which tries to delete a protected resource" an error (Pulumi docs, "Resource option:
 * protect"); destroy plans its deletes before making any, so a protected stack's destroy stops
 * before its first delete, not after the servers and NAT gateways are gone and AWS refuses the cluster.
 */
export function keptDataOptions(deletionProtection: boolean, opts: pulumi.CustomResourceOptions): pulumi.CustomResourceOptions {
    return { ...opts, protect: deletionProtection };
}
