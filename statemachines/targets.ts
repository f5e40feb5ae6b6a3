import * as pulumi from "@pulumi/pulumi";
import type { ServerTag } from "../handlers/webServers";
import type { DatabaseKind } from "./plan";

/**
 * What a jobnet acts on, as plain values. The web system of this program provides them, but a
 * jobnet can as well be pointed at a system created elsewhere, given these identifiers.
 */
export interface JobnetTargets {
    /** The servers, or the tag they carry: then each run finds them (statemachines/plan.ts, PlanWebServers). */
    webServers: pulumi.Input<pulumi.Input<JobnetWebServer>[]> | { tag: ServerTag };
    /**
     * A tag every listed server carries: the tasks' IAM policies name the servers by it when they are
     * too many to list (plan.ts, maxListedWebServers).
     */
    webServerPolicyTag?: ServerTag;
    /** The customer managed KMS key of the servers' volumes, if any: starting them needs a grant on it. */
    volumeKmsKeyArn?: pulumi.Input<string>;
    /** The database; its kind is known when the program runs, for it decides the tasks deployed. Undefined: the system has none. */
    database: JobnetDatabase | undefined;
    /** Whether the system has a load balancer; without one the lists below are empty, and there is no maintenance page and no health wait. */
    loadBalancer: boolean;
    /** The listeners that forward to the web servers: each gets the maintenance rule while the system is stopped. */
    trafficListenerArns: pulumi.Input<pulumi.Input<string>[]>;
    /**
     * The load balancer's other listeners (HTTP redirecting to HTTPS). The start jobnet removes a
     * maintenance rule from them too: one is left there when HTTPS came while the system was stopped.
     */
    otherListenerArns: pulumi.Input<pulumi.Input<string>[]>;
    /** The target groups whose every target must be healthy before the maintenance rule goes. */
    targetGroupArns: pulumi.Input<pulumi.Input<string>[]>;
}

export interface JobnetDatabase {
    kind: DatabaseKind;
    identifier: pulumi.Input<string>;
    arn: pulumi.Input<string>;
}

export interface JobnetWebServer {
    name: pulumi.Input<string>;
    instanceId: pulumi.Input<string>;
    instanceArn: pulumi.Input<string>;
}

/** The tag the servers are found by at each run, or undefined when they are listed. */
export function webServerTagOf(targets: JobnetTargets): ServerTag | undefined {
    const servers = targets.webServers;
    if (pulumi.Output.isInstance(servers) || servers instanceof Promise || Array.isArray(servers)) return undefined;
    return (servers as { tag: ServerTag }).tag;
}
