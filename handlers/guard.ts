import { ListExecutionsCommand, SFNClient } from "@aws-sdk/client-sfn";

export interface GuardEvent {
    /** Both jobnets: a run of either blocks a new run of this one. */
    stateMachineArns: string[];
    /** The run asking, which does not block itself. */
    executionArn: string;
}

/**
 * Finds runs of the jobnets other than the asking one. Step Functions has no lock between state
 * machines; two runs started at the same instant both see each other and both refuse, which is safe.
 */
export async function findOtherRuns(event: GuardEvent): Promise<{ running: number; runs: string }> {
    const sfn = new SFNClient({});
    const others: string[] = [];
    for (const stateMachineArn of event.stateMachineArns) {
        const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: "RUNNING", maxResults: 10 }));
        for (const e of listed.executions ?? []) {
            if (e.executionArn !== event.executionArn) others.push(`${e.executionArn} (started ${e.startDate?.toISOString() ?? "?"})`);
        }
    }
    return { running: others.length, runs: others.slice(0, 3).join(", ") };
}
