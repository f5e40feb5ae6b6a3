import { ListSubscriptionsByTopicCommand, SNSClient } from "@aws-sdk/client-sns";

/**
 * An email address removed from `monitoring.emails` before its subscription was confirmed is
 * not unsubscribed: SNS refuses to unsubscribe a subscription pending confirmation, Pulumi forgets
 * it, and SNS keeps it for up to 48 hours, its confirmation link still working (SNS Developer
 * Guide, "Deleting an Amazon SNS subscription and topic"). `npm run ops -- preview` and `up` say so.
 */

export interface TopicSubscription {
    endpoint: string;
    protocol: string;
    /** SNS answers "PendingConfirmation" in place of an ARN until the address confirms. */
    subscriptionArn: string;
}

/** The addresses left pending on the topic that the config no longer lists, in words; none: an empty list (pure). */
export function forgottenPendingEmails(subscriptions: TopicSubscription[], configured: string[], stack: string): string[] {
    const listed = new Set(configured.map((e) => e.toLowerCase()));
    return subscriptions
        .filter((s) => s.protocol === "email" && s.subscriptionArn === "PendingConfirmation" && !listed.has(s.endpoint.toLowerCase()))
        .map((s) => `${s.endpoint} is no longer in monitoring.emails of the ${stack} stack, but its subscription to the alert topic was never confirmed: `
            + "SNS keeps it for up to 48 hours and cannot unsubscribe it, and following the link in its confirmation email would still subscribe it. Ask its owner to ignore that email.");
}

/** The topic's subscriptions, every page (ListSubscriptionsByTopic). */
export async function readTopicSubscriptions(sns: SNSClient, topicArn: string): Promise<TopicSubscription[]> {
    const found: TopicSubscription[] = [];
    let token: string | undefined;
    do {
        const page = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: token }));
        for (const s of page.Subscriptions ?? []) found.push({ endpoint: s.Endpoint ?? "", protocol: s.Protocol ?? "", subscriptionArn: s.SubscriptionArn ?? "" });
        token = page.NextToken;
    } while (token);
    return found;
}

/** The addresses a stack's config lists (`webapp-jobnet:monitoring`, an object whose `emails` is a list), as the CLI hands config over. */
export function configuredEmails(monitoring: string | undefined): string[] {
    if (monitoring === undefined) return [];
    try {
        const parsed = JSON.parse(monitoring) as { emails?: unknown };
        return Array.isArray(parsed.emails) ? parsed.emails.filter((e): e is string => typeof e === "string") : [];
    } catch {
        return [];
    }
}
