import { DescribeExecutionCommand, DescribeStateMachineCommand, DescribeStateMachineForExecutionCommand, ListExecutionsCommand, SFNClient } from "@aws-sdk/client-sfn";
import type { Jobnet } from "./runs";
import { definitionUpdate } from "../../../handlers/runLock";

/**
 * Whether a failed run may be redriven now. RedriveExecution resumes a run from its failed step,
 * with the definition it started with, and does not run again the steps that succeeded (Step
 * Functions API reference, RedriveExecution): not the run lock, not the maintenance page. So a
 * redrive is refused while another run of the stack is active, once any run started after the
 * failed one (the system has moved on: Friday's stop redriven after Monday's start would stop it
 * by day), and once the state machine's definition has changed since the run started. A team's
 * jobnet has a run lock of its own (statemachines/teamJobnet.ts), so only its own runs count for it;
 * stop and start share theirs.
 */

/** The jobnets whose runs hold the same run lock as `jobnet`'s: stop and start one, each of the team's its own. */
export function sharingRunLock(jobnet: Jobnet, jobnets: readonly Jobnet[]): Jobnet[] {
    const system = ["stop", "start"];
    return system.includes(jobnet) ? jobnets.filter((j) => system.includes(j)) : [jobnet];
}

/** A run of the stack's jobnets as the check reads it. */
export interface SeenRun {
    jobnet: Jobnet;
    executionArn: string;
    status: string;
    startDate: Date;
}

export interface RedriveFacts {
    failed: SeenRun;
    /** The recent runs of every jobnet of the stack, the failed one among them or not. */
    runs: SeenRun[];
    /** The revision of the definition the failed run started with, and the state machine's now; undefined: its first. */
    revisions: { ran: string | undefined; now: string | undefined };
    stack: string;
}

const nameOf = (arn: string) => arn.split(":").pop();

/** Why the run must not be redriven now, and what to do instead; undefined when it may be (pure). */
export function redriveRefusal(facts: RedriveFacts): string | undefined {
    const { failed, stack } = facts;
    const others = facts.runs.filter((r) => r.executionArn !== failed.executionArn);
    const instead = `run the jobnet again instead, once the cause is fixed: npm run ops -- run ${failed.jobnet} --stack ${stack}`;
    const refused = `${failed.jobnet} run ${nameOf(failed.executionArn)} is not redriven`;
    const active = others.find((r) => r.status === "RUNNING" || r.status === "PENDING_REDRIVE");
    if (active) {
        return `${refused}: ${active.jobnet} run ${nameOf(active.executionArn)} is active (started ${active.startDate.toISOString()}); a redrive resumes from the failed step and does not take the run lock again. Wait for that run to end, then ${instead}`;
    }
    const later = others.filter((r) => r.startDate.getTime() > failed.startDate.getTime()).sort((a, b) => a.startDate.getTime() - b.startDate.getTime())[0];
    if (later) {
        const without = ["stop", "start"].includes(failed.jobnet) ? "without its maintenance page or run lock" : "without its run lock";
        return `${refused}: ${later.jobnet} run ${nameOf(later.executionArn)} started after it (${later.startDate.toISOString()}, ${later.status}), so the system has moved on; a redrive would resume the ${failed.jobnet} jobnet from the failed step, ${without}. ${capitalised(instead)}`;
    }
    const update = definitionUpdate(facts.revisions.ran, facts.revisions.now);
    if (update !== undefined) {
        return `${refused}: the ${failed.jobnet} state machine was updated since the run started (${update}); a redrive would resume it with the old definition. ${capitalised(instead)}`;
    }
    return undefined;
}

function capitalised(text: string): string {
    return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The recent runs a redrive is judged against: one page of each jobnet, newest first (ListExecutions). */
export const runsRead = 20;

/** Reads what `redriveRefusal` judges: the failed run, the recent runs of the jobnets sharing its run lock, the revisions. */
export async function readRedriveFacts(sfn: SFNClient, machines: Record<Jobnet, string>, executionArn: string, stack: string): Promise<RedriveFacts> {
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    const jobnet = (Object.keys(machines) as Jobnet[]).find((j) => machines[j] === described.stateMachineArn);
    if (jobnet === undefined) throw new Error(`${executionArn} is not a run of the ${stack} jobnets`);
    const runs: SeenRun[] = [];
    for (const j of sharingRunLock(jobnet, Object.keys(machines))) {
        const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn: machines[j], maxResults: runsRead }));
        for (const e of listed.executions ?? []) runs.push({ jobnet: j, executionArn: e.executionArn!, status: e.status ?? "?", startDate: e.startDate! });
    }
    // DescribeStateMachineForExecution gives the definition the run started with; DescribeStateMachine the current one.
    const ran = await sfn.send(new DescribeStateMachineForExecutionCommand({ executionArn }));
    const now = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: described.stateMachineArn }));
    return {
        failed: { jobnet, executionArn, status: described.status ?? "?", startDate: described.startDate! },
        runs,
        revisions: { ran: ran.revisionId, now: now.revisionId },
        stack,
    };
}
