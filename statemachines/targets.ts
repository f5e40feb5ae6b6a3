import * as pulumi from "@pulumi/pulumi";

/**
 * What a jobnet acts on, as plain values. The web system of this program provides them, but a
 * jobnet can as well be pointed at a system created elsewhere, given these identifiers.
 */
export interface JobnetTargets {
    webServers: pulumi.Input<pulumi.Input<JobnetWebServer>[]>;
    cluster: pulumi.Input<{ identifier: pulumi.Input<string>; arn: pulumi.Input<string> }>;
    /** The listener that gets the maintenance rule while the system is stopped. */
    listenerArn: pulumi.Input<string>;
    /** The target group whose every target must be healthy before the maintenance rule goes. */
    targetGroupArn: pulumi.Input<string>;
}

export interface JobnetWebServer {
    name: pulumi.Input<string>;
    instanceId: pulumi.Input<string>;
    instanceArn: pulumi.Input<string>;
}
