import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PostResult, clip, postToSlack } from "./slack";
import { abortAfter } from "./lambdaContext";

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

/** Kept back from the function's time left for returning: a function that outlasts its timeout is retried by Lambda, the email with it. */
export const returnMarginMs = 500;

/**
 * Sends a notice to the stack's alert topic (its email subscribers, and whatever else subscribes)
 * and, when the stack has a Slack webhook, to Slack (as `slackMessage` words it, if given). The
 * topic's ARN and the secret's come from the function's environment.
 *
 * The email is sent once per invocation that ends well: everything that can fail (reading the
 * webhook's secret, publishing) comes before or is the publish, and the Slack post after it never
 * throws and ends within `timeLeft`. An invocation that fails has published nothing, so Lambda's
 * asynchronous retry of the same event publishes once; one that timed out after publishing is the
 * only way to a second email, and the bounded post leaves none.
 */
export async function sendAlert(alert: Alert, o: { timeLeft: () => number; slackMessage?: (mention: string | undefined) => object }): Promise<{ published: boolean; slack: PostResult | undefined }> {
    const topicArn = process.env.ALERT_TOPIC_ARN;
    const secretArn = process.env.SLACK_SECRET_ARN;
    const timeLeft = () => o.timeLeft() - returnMarginMs;
    const bounded = () => ({ abortSignal: abortAfter(timeLeft()) });
    const webhookUrl = secretArn ? (await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: secretArn }), bounded())).SecretString ?? "" : undefined;
    if (topicArn) await new SNSClient({}).send(new PublishCommand({ TopicArn: topicArn, Subject: snsSubject(alert.subject), Message: alert.lines.join("\n") }), bounded());
    let slack: PostResult | undefined;
    if (webhookUrl !== undefined) {
        const mention = process.env.SLACK_MENTION || undefined;
        slack = await postToSlack(webhookUrl, o.slackMessage ? o.slackMessage(mention) : slackAlert(alert, mention), {
            attempts: 4,
            baseDelayMs: Number(process.env.SLACK_RETRY_BASE_MS ?? 1000),
            timeLeft,
            sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
            log: (entry) => console.log(JSON.stringify(entry)),
        });
    }
    return { published: topicArn !== undefined && topicArn !== "", slack };
}
