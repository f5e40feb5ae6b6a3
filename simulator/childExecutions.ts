import type { StateMachineDefinition } from "../statemachines/asl";
import { SimExecution, SimulatedAccount, executionArnOf, serviceError } from "./account";
import type { VirtualClock } from "./clock";
import type { SimulatedLambda } from "./lambda";
import { EventLog, RunReport, runExecution } from "./run";

/** An execution started through the simulated StartExecution: its state machine, and its report once it ended. */
export interface ChildRun {
    stateMachineArn: string;
    executionName: string;
    /** The input it was started with. */
    input?: Record<string, unknown>;
    /** Set on a redrive of it (RedriveExecution): the how-manieth. */
    redrive?: number;
    report?: RunReport;
}

/**
 * Plays StartExecution of a state machine the simulation knows (`definitions`, by ARN): the
 * definition runs as a new execution of the same account, on the same clock, beside the runs that
 * started it; its status changes go on the account's event bus like any other execution's.
 */
export class StartedExecutions {
    readonly runs: ChildRun[] = [];
    private readonly running = new Set<Promise<unknown>>();
    private events = 0;

    /** `onEvent`: each event of a run started through StartExecution, as its run logs it. */
    constructor(private readonly o: { account: SimulatedAccount; lambda: SimulatedLambda; clock: VirtualClock; definitions: Map<string, StateMachineDefinition>; onEvent?: (run: ChildRun, event: EventLog) => void }) {
        for (const arn of o.definitions.keys()) o.account.stateMachineArns.add(arn);
        o.account.executionStarter = (stateMachineArn, name, input) => this.start(stateMachineArn, name, input);
        o.account.executionRedriver = (execution) => this.redrive(execution);
    }

    /** What the runs have done so far: the clock moves on only when this stays the same (VirtualClock.runUntil). */
    activity(): number {
        return this.events;
    }

    private start(stateMachineArn: string, executionName: string, input: Record<string, unknown>): SimExecution {
        const definition = this.o.definitions.get(stateMachineArn);
        if (!definition) throw new Error(`the simulation has no definition of ${stateMachineArn}`);
        const child: ChildRun = { stateMachineArn, executionName, input };
        this.runs.push(child);
        const before = this.o.account.executions.length;
        // runExecution records the execution as started before it first waits.
        const ran = runExecution({
            definition, stateMachineArn, executionName, input,
            account: this.o.account, lambda: this.o.lambda, clock: this.o.clock,
            drivesClock: false,
            onEvent: (event) => {
                this.events++;
                this.o.onEvent?.(child, event);
            },
        }).then((report) => { child.report = report; });
        const tracked = ran.finally(() => this.running.delete(tracked));
        this.running.add(tracked);
        return this.o.account.executions[before];
    }

    /**
     * RedriveExecution of a failed run this simulation started: it goes on from the state that failed
     * (simulator/run.ts, redrive), as a run of the same execution; ExecutionNotRedrivable when it
     * did not fail at a top-level state the simulator can continue from.
     */
    private redrive(execution: SimExecution): void {
        const earlier = [...this.runs].reverse().find((r) => executionArnOf(r.stateMachineArn, r.executionName) === execution.arn);
        if (!earlier?.report?.failedAt) throw serviceError("ExecutionNotRedrivable", `Execution ${execution.arn} cannot be redriven.`);
        const child: ChildRun = { stateMachineArn: earlier.stateMachineArn, executionName: earlier.executionName, redrive: (earlier.redrive ?? 0) + 1 };
        this.runs.push(child);
        const ran = runExecution({
            definition: this.o.definitions.get(child.stateMachineArn)!,
            stateMachineArn: child.stateMachineArn,
            executionName: child.executionName,
            account: this.o.account, lambda: this.o.lambda, clock: this.o.clock,
            drivesClock: false,
            onEvent: () => this.events++,
            redrive: { of: earlier.report, count: child.redrive! },
        }).then((report) => { child.report = report; });
        const tracked = ran.finally(() => this.running.delete(tracked));
        this.running.add(tracked);
    }

    /** Settles once every run started, and those they started, has ended. */
    async settled(): Promise<void> {
        while (this.running.size > 0) await Promise.all([...this.running]);
    }
}
