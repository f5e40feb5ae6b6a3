import { SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { StepContext, awsErrorName } from "./errors";
import { DeliveredEvent, TriggerKind, triggeredExecutionName, triggeredInput } from "../statemachines/startConditions";

/**
 * Starts a team jobnet when one of its start conditions' rules matches an event (EventBridge
 * calls it through the rule's input transformer: infra/teamJobnets.ts). EventBridge delivers an
 * event at least once, and Lambda's asynchronous invocation retries a failed one: the run is named
 * after the event's id, so that every delivery of one event asks for the same execution, and Step
 * Functions starts it once. StartExecution is idempotent for 90 days: the same name and input as a
 * running execution returns it; once that run has closed, ExecutionAlreadyExists (Step Functions API
 * reference, StartExecution). Both mean the run of this event exists.
 */

export interface StartOnEventEvent extends StepContext {
    /** The jobnet to start, its state machine: the rule's target names it. */
    stateMachineArn: string;
    trigger: TriggerKind;
    /** The jobnet whose end this is, for a jobnetEnded condition. */
    endedJobnet?: string;
    /** The event as EventBridge delivered it (`<aws.events.event.json>`). */
    event: DeliveredEvent;
}

export interface StartOnEventResult {
    /** "started": this delivery started the run; "already": another delivery of the same event did. */
    outcome: "started" | "already";
    executionArn: string;
}

export async function startOnEvent(e: StartOnEventEvent): Promise<StartOnEventResult> {
    const name = triggeredExecutionName(e.trigger, e.event.id);
    const input = JSON.stringify(triggeredInput(e.trigger, e.event, e.endedJobnet));
    const executionArn = `${e.stateMachineArn.replace(":stateMachine:", ":execution:")}:${name}`;
    try {
        const started = await new SFNClient({}).send(new StartExecutionCommand({ stateMachineArn: e.stateMachineArn, name, input }));
        // The same name and input as a run still going: StartExecution answers with that run, and its start date.
        return { outcome: "started", executionArn: started.executionArn ?? executionArn };
    } catch (error) {
        // The input is made from the event alone, so the same name means the same event: its run exists, whatever its state.
        if (awsErrorName(error) === "ExecutionAlreadyExists") return { outcome: "already", executionArn };
        throw error;
    }
}
