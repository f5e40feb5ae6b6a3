import {
    CreateRuleCommand,
    DeleteRuleCommand,
    DescribeRulesCommand,
    DescribeTagsCommand,
    ElasticLoadBalancingV2Client,
    Rule,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { awsErrorName } from "./errors";

/** How the maintenance rules are found again: by their tag, or at their priority. Never by an ARN in the input. */
export interface MaintenanceRuleRef {
    /** The listeners to act on, each holding at most one rule of ours. */
    listenerArns: string[];
    priority: number;
    tagKey: string;
    tagValue: string;
}

export interface EnableMaintenanceEvent extends MaintenanceRuleRef {
    html: string;
    statusCode: string;
}

export interface MaintenanceChange {
    /** "created"/"deleted": done now on one listener or more; "already": it was so on every one; "conflict": another rule holds the priority. */
    outcome: "created" | "deleted" | "already" | "conflict";
    /** The rule holding the priority, for a conflict. */
    conflictingRuleArn: string;
}

/**
 * Answers every request on every listener given with the maintenance page (a fixed-response rule).
 * When another rule holds the priority on any of them, it changes nothing and says which.
 */
export async function enableMaintenancePage(event: EnableMaintenanceEvent): Promise<MaintenanceChange> {
    const elb = new ElasticLoadBalancingV2Client({});
    const listeners = [];
    for (const listenerArn of event.listenerArns) listeners.push({ listenerArn, ...await findRules(elb, listenerArn, event) });
    const taken = listeners.find((l) => l.ours.length === 0 && l.atPriority);
    if (taken) return { outcome: "conflict", conflictingRuleArn: taken.atPriority!.RuleArn ?? "" };
    const missing = listeners.filter((l) => l.ours.length === 0);
    for (const { listenerArn } of missing) {
        try {
            await elb.send(new CreateRuleCommand({
                ListenerArn: listenerArn,
                Priority: event.priority,
                Conditions: [{ Field: "path-pattern", PathPatternConfig: { Values: ["/*"] } }],
                Actions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: event.statusCode, ContentType: "text/html", MessageBody: event.html } }],
                Tags: [{ Key: event.tagKey, Value: event.tagValue }],
            }));
        } catch (error) {
            // Taken between our read and the call: the rule is not known by its ARN.
            if (awsErrorName(error) === "PriorityInUseException") return { outcome: "conflict", conflictingRuleArn: `a rule created a moment ago on ${listenerArn}` };
            throw error;
        }
    }
    return { outcome: missing.length > 0 ? "created" : "already", conflictingRuleArn: "" };
}

/** Removes the maintenance rule from every listener given, so each forwards (or redirects) again. */
export async function disableMaintenancePage(event: MaintenanceRuleRef): Promise<MaintenanceChange> {
    const elb = new ElasticLoadBalancingV2Client({});
    let deleted = 0;
    for (const listenerArn of event.listenerArns) {
        const { ours } = await findRules(elb, listenerArn, event);
        for (const rule of ours) {
            try {
                await elb.send(new DeleteRuleCommand({ RuleArn: rule.RuleArn }));
                deleted++;
            } catch (error) {
                if (awsErrorName(error) !== "RuleNotFoundException") throw error;
            }
        }
    }
    return { outcome: deleted > 0 ? "deleted" : "already", conflictingRuleArn: "" };
}

// DescribeTags takes at most 20 resources per call.
const tagBatch = 20;

/** The listener's rules that carry our tag, and whatever rule holds our priority. */
async function findRules(elb: ElasticLoadBalancingV2Client, listenerArn: string, ref: MaintenanceRuleRef): Promise<{ ours: Rule[]; atPriority: Rule | undefined }> {
    const rules: Rule[] = [];
    let marker: string | undefined;
    do {
        const page = await elb.send(new DescribeRulesCommand({ ListenerArn: listenerArn, Marker: marker }));
        rules.push(...(page.Rules ?? []));
        marker = page.NextMarker;
    } while (marker);
    const candidates = rules.filter((r) => !r.IsDefault && r.RuleArn);
    const tagged = new Set<string>();
    for (let i = 0; i < candidates.length; i += tagBatch) {
        const batch = candidates.slice(i, i + tagBatch).map((r) => r.RuleArn!);
        const tags = await elb.send(new DescribeTagsCommand({ ResourceArns: batch }));
        for (const d of tags.TagDescriptions ?? []) {
            if (d.Tags?.some((t) => t.Key === ref.tagKey && t.Value === ref.tagValue) && d.ResourceArn) tagged.add(d.ResourceArn);
        }
    }
    return {
        ours: candidates.filter((r) => tagged.has(r.RuleArn!)),
        atPriority: candidates.find((r) => r.Priority === String(ref.priority)),
    };
}
