import { DescribeInstanceInformationCommand, SSMClient } from "@aws-sdk/client-ssm";
import { chunks } from "./instances";

/**
 * Whether Systems Manager can reach a server's SSM agent: DescribeInstanceInformation's PingStatus
 * (Online, ConnectionLost; Inactive is deprecated and no longer used), or NotListed when it does not
 * list the node: an agent that never registered, or a node that is stopped or terminated (SSM API
 * reference, DescribeInstanceInformation: "does not return information for nodes that are either
 * Stopped or Terminated").
 */
export type AgentStatus = "Online" | "ConnectionLost" | "Inactive" | "NotListed";

/** DescribeInstanceInformation returns at most 50 nodes a page (MaxResults 5 to 50, SSM API reference): one call reads this many ids. */
export const describeAgentsBatch = 50;

/** What to do for a server Run Command cannot reach, in an operator's words. */
export const reachSsmAdvice = "On the server, install and start the SSM agent;"
    + " give the instance a profile whose role has the policy AmazonSSMManagedInstanceCore;"
    + " let it reach the SSM endpoints over HTTPS (443), through a NAT gateway or VPC endpoints for ssm, ssmmessages and ec2messages";

/**
 * The agent of each instance, one DescribeInstanceInformation per fifty ids (its InstanceIds filter),
 * so that the calls grow with the fleet only by fifties.
 */
export async function readAgents(ssm: SSMClient, instanceIds: string[]): Promise<Map<string, AgentStatus>> {
    const agents = new Map<string, AgentStatus>(instanceIds.map((id) => [id, "NotListed"]));
    for (const ids of chunks(instanceIds, describeAgentsBatch)) {
        let token: string | undefined;
        do {
            const page = await ssm.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: "InstanceIds", Values: ids }], MaxResults: describeAgentsBatch, NextToken: token }));
            for (const node of page.InstanceInformationList ?? []) {
                if (node.InstanceId !== undefined && agents.has(node.InstanceId)) agents.set(node.InstanceId, node.PingStatus ?? "ConnectionLost");
            }
            token = page.NextToken;
        } while (token);
    }
    return agents;
}

/** Why Run Command cannot reach a server's agent now, from what Systems Manager says of it, after the server's name. */
export function agentProblem(status: AgentStatus): string {
    if (status === "NotListed") return ": Systems Manager does not list it (DescribeInstanceInformation), its agent has not registered";
    return `: its agent is ${status === "ConnectionLost" ? "not connected" : "inactive"} (PingStatus ${status})`;
}

/** Problems, each a clause of its own: the first five, separated by semicolons, and how many more. */
export function listedProblems(problems: string[]): string {
    return problems.slice(0, 5).join("; ") + (problems.length > 5 ? `; and ${problems.length - 5} more` : "");
}
