/**
 * AWS partitions: `aws`, `aws-cn` (China) and `aws-us-gov` (GovCloud US). An ARN names its
 * partition, so whatever is written next to an ARN takes the partition from it.
 */

/** The partition an ARN is in: `arn:aws-cn:lambda:cn-north-1:…` → `aws-cn`. */
export function partitionOf(arn: string): string {
    const match = /^arn:(aws[a-z-]*):/.exec(arn);
    if (!match) throw new Error(`not an ARN: ${JSON.stringify(arn)}`);
    return match[1];
}

/**
 * The AWS console of a Region: China and GovCloud each have a console domain of their own
 * (console.amazonaws.cn, console.amazonaws-us-gov.com), with the Region in the query only.
 */
export function consoleOrigin(partition: string, region: string): string {
    switch (partition) {
        case "aws-cn":
            return "https://console.amazonaws.cn";
        case "aws-us-gov":
            return "https://console.amazonaws-us-gov.com";
        default:
            return `https://${region}.console.aws.amazon.com`;
    }
}
