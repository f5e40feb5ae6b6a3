import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { keptDataOptions } from "./keptData";

/** The target group's health check, as system.md gives it; the start jobnet waits on it. */
export const healthCheck = {
    protocol: "HTTP",
    matcher: "200",
    interval: 30,
    timeout: 5,
    healthyThreshold: 2,
    unhealthyThreshold: 2,
} as const;

/** A listener of the ALB: the maintenance page goes on those that forward to the web servers. */
export interface LoadBalancerListener {
    protocol: "HTTP" | "HTTPS";
    port: number;
    arn: pulumi.Output<string>;
    /** true: forwards to the web servers; false: redirects to the HTTPS listener. */
    forwards: boolean;
}

export interface HttpsListenerArgs {
    certificateArn: pulumi.Input<string>;
    sslPolicy: string;
    /** A name in a Route 53 zone that gets an alias record to the ALB. */
    alias?: { domainName: string; hostedZoneId: string };
}

/** What preview says, once, of a stack with no certificate. */
export const httpOnlyWarning = "HTTP only: the ALB serves plain HTTP. Set https.certificateArn, or https.domainName with https.hostedZoneId, to serve HTTPS.";

export interface LoadBalancerArgs {
    vpcId: pulumi.Input<string>;
    publicSubnetIds: pulumi.Input<string[]>;
    securityGroupId: pulumi.Input<string>;
    healthCheckPath: string;
    accessLogRetentionDays: number;
    deletionProtection: boolean;
    /** HTTPS, with HTTP redirected to it; undefined: HTTP only. */
    https?: HttpsListenerArgs;
}

/** The internet-facing ALB, its listeners, the web servers' target group and its access-log bucket. */
export class LoadBalancer extends pulumi.ComponentResource {
    readonly loadBalancerArn: pulumi.Output<string>;
    readonly dnsName: pulumi.Output<string>;
    readonly listeners: LoadBalancerListener[];
    readonly targetGroupArn: pulumi.Output<string>;
    readonly accessLogBucketName: pulumi.Output<string>;

    constructor(name: string, args: LoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("webapp-jobnet:infra:LoadBalancer", name, {}, opts);
        const parent = { parent: this };

        // Not versioned, on purpose: ELB writes each log object once, under a name of its own, and in
        // a versioned bucket the expiry below would only turn the logs into noncurrent versions, kept
        // (S3 User Guide, "Expiring objects").
        const bucket = new aws.s3.Bucket(`${name}-access-logs`, {
            // Logs expire anyway; an unprotected stack must be destroyable with logs in it.
            forceDestroy: !args.deletionProtection,
        }, keptDataOptions(args.deletionProtection, parent));
        const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(`${name}-access-logs`, {
            bucket: bucket.id,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        }, parent);
        new aws.s3.BucketOwnershipControls(`${name}-access-logs`, {
            bucket: bucket.id,
            rule: { objectOwnership: "BucketOwnerEnforced" },
        }, parent);
        // ALB access logs support SSE-S3 only, not SSE-KMS.
        new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-access-logs`, {
            bucket: bucket.id,
            rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }],
        }, parent);
        new aws.s3.BucketLifecycleConfiguration(`${name}-access-logs`, {
            bucket: bucket.id,
            rules: [{
                id: "expire-access-logs",
                status: "Enabled",
                filter: {},
                expiration: { days: args.accessLogRetentionDays },
                abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
            }],
        }, parent);

        const account = aws.getCallerIdentityOutput({}, parent).accountId;
        // Regions opened before August 2022 deliver logs as a regional ELB account; newer ones as a
        // service principal. getServiceAccount fails in the newer regions, which then need only the principal.
        const elbAccountArn = pulumi.output(
            aws.elb.getServiceAccount({}, parent).then((a) => a.arn, () => undefined),
        );
        const bucketPolicy = new aws.s3.BucketPolicy(`${name}-access-logs`, {
            bucket: bucket.id,
            policy: pulumi.all([bucket.arn, account, elbAccountArn]).apply(([bucketArn, accountId, elbArn]) =>
                JSON.stringify(accessLogBucketPolicy({ bucketArn, accountId, elbAccountArn: elbArn })),
            ),
        }, { parent: this, dependsOn: [publicAccessBlock] });

        const alb = new aws.lb.LoadBalancer(`${name}-alb`, {
            loadBalancerType: "application",
            internal: false,
            subnets: args.publicSubnetIds,
            securityGroups: [args.securityGroupId],
            dropInvalidHeaderFields: true,
            enableDeletionProtection: args.deletionProtection,
            accessLogs: { bucket: bucket.id, enabled: true },
        }, keptDataOptions(args.deletionProtection, { parent: this, dependsOn: [bucketPolicy] }));

        const targetGroup = new aws.lb.TargetGroup(`${name}-web`, {
            vpcId: args.vpcId,
            port: 80,
            protocol: "HTTP",
            targetType: "instance",
            deregistrationDelay: 30,
            healthCheck: { ...healthCheck, enabled: true, path: args.healthCheckPath, port: "traffic-port" },
        }, parent);

        const forward = [{ type: "forward", targetGroupArn: targetGroup.arn }];
        const https = args.https;
        if (https === undefined) {
            pulumi.log.warn(httpOnlyWarning, this);
        }
        const http = new aws.lb.Listener(`${name}-http`, {
            loadBalancerArn: alb.arn,
            port: 80,
            protocol: "HTTP",
            defaultActions: https === undefined
                ? forward
                : [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
        }, parent);
        this.listeners = [{ protocol: "HTTP", port: 80, arn: http.arn, forwards: https === undefined }];
        if (https !== undefined) {
            const listener = new aws.lb.Listener(`${name}-https`, {
                loadBalancerArn: alb.arn,
                port: 443,
                protocol: "HTTPS",
                certificateArn: https.certificateArn,
                sslPolicy: https.sslPolicy,
                defaultActions: forward,
            }, parent);
            this.listeners.push({ protocol: "HTTPS", port: 443, arn: listener.arn, forwards: true });
            if (https.alias) {
                new aws.route53.Record(`${name}-alias`, {
                    zoneId: https.alias.hostedZoneId,
                    name: https.alias.domainName,
                    type: "A",
                    // One record, nothing to fail over to: the page must answer while the targets are stopped.
                    aliases: [{ name: alb.dnsName, zoneId: alb.zoneId, evaluateTargetHealth: false }],
                }, parent);
            }
        }

        this.loadBalancerArn = alb.arn;
        this.dnsName = alb.dnsName;
        this.targetGroupArn = targetGroup.arn;
        this.accessLogBucketName = bucket.bucket;
        this.registerOutputs({
            loadBalancerArn: this.loadBalancerArn,
            dnsName: this.dnsName,
            listeners: this.listeners,
            targetGroupArn: this.targetGroupArn,
            accessLogBucketName: this.accessLogBucketName,
        });
    }
}

export interface AccessLogBucketPolicyArgs {
    bucketArn: string;
    accountId: string;
    /** The regional ELB account, in regions that have one. */
    elbAccountArn?: string;
}

/** Lets ELB write access logs under AWSLogs/<account>/ and nothing else; refuses plain HTTP. */
export function accessLogBucketPolicy(a: AccessLogBucketPolicyArgs): object {
    const logObjects = `${a.bucketArn}/AWSLogs/${a.accountId}/*`;
    const principals = [
        { Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
        ...(a.elbAccountArn ? [{ AWS: a.elbAccountArn }] : []),
    ];
    return {
        Version: "2012-10-17",
        Statement: [
            ...principals.map((principal, i) => ({
                Sid: `AllowElbLogDelivery${i + 1}`,
                Effect: "Allow",
                Principal: principal,
                Action: "s3:PutObject",
                Resource: logObjects,
            })),
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [a.bucketArn, `${a.bucketArn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
        ],
    };
}
