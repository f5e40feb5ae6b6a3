import { DescribeTargetHealthCommand, ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { Polled } from "./errors";

export interface TargetHealthSummary extends Polled {
    /** True when every expected instance is registered and every target in the group is healthy. */
    allHealthy: boolean;
    healthy: number;
    total: number;
    /** The targets that are not healthy yet, with their state, for the cause of a timeout. */
    notHealthy: string;
}

/**
 * Checks every target of every target group, not only the first, against the instances that must
 * be in them: each server registered in one group at least.
 */
export async function describeTargetHealth(event: { targetGroupArns: string[]; instanceIds: string[] } & Polled): Promise<TargetHealthSummary> {
    const elb = new ElasticLoadBalancingV2Client({});
    const targets = [];
    for (const targetGroupArn of event.targetGroupArns) {
        const described = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }));
        targets.push(...(described.TargetHealthDescriptions ?? []).map((d) => ({
            id: d.Target?.Id ?? "?",
            state: d.TargetHealth?.State ?? "unavailable",
            reason: d.TargetHealth?.Reason ?? "",
        })));
    }
    const registered = new Set(targets.map((t) => t.id));
    const missing = event.instanceIds.filter((id) => !registered.has(id)).map((id) => `${id} (not registered)`);
    const unhealthy = targets.filter((t) => t.state !== "healthy").map((t) => `${t.id} (${t.state}${t.reason ? `: ${t.reason}` : ""})`);
    const notHealthy = [...missing, ...unhealthy];
    return {
        allHealthy: notHealthy.length === 0 && targets.length > 0,
        healthy: targets.length - unhealthy.length,
        total: targets.length + missing.length,
        notHealthy: notHealthy.length > 0 ? summarise(notHealthy) : targets.length === 0 ? `no target is registered in the target group${event.targetGroupArns.length > 1 ? "s" : ""}` : "",
        attempt: event.attempt,
    };
}

/** At most 5 names and a count, so the result stays small with 100 servers. */
function summarise(items: string[]): string {
    const shown = items.slice(0, 5).join(", ");
    return items.length > 5 ? `${shown} and ${items.length - 5} more` : shown;
}
