import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

export interface DnsValidatedCertificateArgs {
    domainName: string;
    /** The public hosted zone that holds `domainName`: ACM's validation record goes there. */
    hostedZoneId: string;
}

/**
 * An ACM certificate for one name, validated through a record in its Route 53 zone. ACM renews it
 * by itself as long as the record stays.
 */
export class DnsValidatedCertificate extends pulumi.ComponentResource {
    /** Known once ACM has issued the certificate: a listener given it waits for the validation. */
    readonly certificateArn: pulumi.Output<string>;

    constructor(name: string, args: DnsValidatedCertificateArgs, opts?: pulumi.ComponentResourceOptions) {
        super("webapp-jobnet:infra:DnsValidatedCertificate", name, {}, opts);
        const certificate = new aws.acm.Certificate(name, {
            domainName: args.domainName,
            validationMethod: "DNS",
            // ACM's default, which every client can use.
            keyAlgorithm: "RSA_2048",
        }, { parent: this });
        // One name, so one validation option: ACM's CNAME that proves the zone is ours.
        const option = certificate.domainValidationOptions[0];
        const record = new aws.route53.Record(`${name}-validation`, {
            zoneId: args.hostedZoneId,
            name: option.resourceRecordName,
            type: option.resourceRecordType,
            records: [option.resourceRecordValue],
            ttl: 300,
            // A certificate replaced for the same name asks for the same record.
            allowOverwrite: true,
        }, { parent: this });
        const validation = new aws.acm.CertificateValidation(name, {
            certificateArn: certificate.arn,
            validationRecordFqdns: [record.fqdn],
        }, { parent: this });
        this.certificateArn = validation.certificateArn;
        this.registerOutputs({ certificateArn: this.certificateArn });
    }
}
