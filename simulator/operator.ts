import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SFNClient } from "@aws-sdk/client-sfn";
import { JobHeldDetail, jobHeldEvent } from "../handlers/jobHeldEvent";
import { releaseHold } from "../scripts/lib/ops/release";
import type { BusEvent } from "./eventBridge";
import { currentCaller } from "./services";

/** How long the simulated operator takes to release a held job, unless told otherwise: the notice read, the check done. */
export const operatorReleaseMinutes = 10;

/** A release the operator made: of which job, in which run, when (ms), and what `npm run ops -- release` answered. */
export interface OperatorRelease {
    job: string;
    executionArn: string;
    at: number;
    outcome: string;
}

/**
 * The operator of a simulated run: hears of each hold on the account's bus (the notice the stack's
 * notifier would email), then, some minutes later, releases it with what `npm run ops -- release`
 * runs (scripts/lib/ops/release.ts), through the same SDK clients; or never, for a job whose hold is
 * to expire (`--fail job:JOB:unreleased`).
 */
export class SimulatedOperator {
    readonly releases: OperatorRelease[] = [];

    constructor(private readonly o: { tableName: string; minutesFor: (job: string) => number | undefined }) {}

    heard(event: BusEvent): void {
        if (event.source !== jobHeldEvent.source || event["detail-type"] !== jobHeldEvent.detailType) return;
        const held = event.detail as unknown as JobHeldDetail;
        const minutes = this.o.minutesFor(held.job);
        if (minutes === undefined) return;
        setTimeout(() => {
            const release = currentCaller.run("operator", () => releaseHold(
                { sfn: new SFNClient({}), dynamodb: new DynamoDBClient({}) },
                { tableName: this.o.tableName, stateMachineArn: held.stateMachineArn, jobnet: held.jobnet, job: held.job, by: "operator (simulated)" },
            ));
            void release
                .then((r) => `released ${r.released.length} run(s)`, (e: Error) => e.message)
                .then((outcome) => {
                    this.releases.push({ job: held.job, executionArn: held.executionArn, at: Date.now(), outcome });
                });
        }, minutes * 60_000);
    }
}
