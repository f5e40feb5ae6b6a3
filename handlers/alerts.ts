import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PostResult, clip, postToSlack } from "./slack";

/** One notice to operators, as words: a subject line and the lines of its body. */
export interface Alert {
    subject: string;
    lines: string[];
}

/**
 * SNS takes a subject of at most 100 printable ASCII characters, without line breaks (Publish, SNS
 * API reference); anything else is refused and the message lost.
 */
export function snsSubject(subject: string): string {
    const printable = subject.replace(/[^\x20-\x7e]/g, "?");
    return printable.length <= 100 ? printable : `${printable.slice(0, 97)}...`;
}

/** The Slack message of a notice: its subject as the header, its lines below. */
export function slackAlert(alert: Alert, mention: string | undefined): { text: string; blocks: object[] } {
    return {
        text: `${mention ? `${mention} ` : ""}:warning: ${alert.subject}`,
        blocks: [
            { type: "header", text: { type: "plain_text", text: `⚠️ ${alert.subject}`.slice(0, 150), emoji: true } },
            { type: "section", text: { type: "mrkdwn", text: clip(alert.lines.join("\n"), 3000) } },
        ],
    };
}

/**
 * Sends a notice to the stack's alert topic (its email subscribers, and whatever else subscribes)
 * and, when the stack has a Slack webhook, to Slack (as `slackMessage` words it, if given). The topic's ARN and the secret's come from
 * the function's environment.
 */
export async function sendAlert(alert: Alert, slackMessage?: (mention: string | undefined) => object): Promise<{ published: boolean; slack: PostResult | undefined }> {
    const topicArn = process.env.ALERT_TOPIC_ARN;
    if (topicArn) await new SNSClient({}).send(new PublishCommand({ TopicArn: topicArn, Subject: snsSubject(alert.subject), Message: alert.lines.join("\n") }));
    let slack: PostResult | undefined;
    if (process.env.SLACK_SECRET_ARN) {
        const secret = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: process.env.SLACK_SECRET_ARN }));
        const mention = process.env.SLACK_MENTION || undefined;
        slack = await postToSlack(secret.SecretString ?? "", slackMessage ? slackMessage(mention) : slackAlert(alert, mention), {
            attempts: 4,
            baseDelayMs: Number(process.env.SLACK_RETRY_BASE_MS ?? 1000),
            sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
            log: (entry) => console.log(JSON.stringify(entry)),
        });
    }
    return { published: topicArn !== undefined && topicArn !== "", slack };
}
