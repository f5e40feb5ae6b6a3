import { DeleteItemCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SFNClient } from "@aws-sdk/client-sfn";
import { listExecutions } from "../../../handlers/runWatch";
import { lockKeyAttribute } from "../../../handlers/runLock";
import { completeTask, holdKey, readItem } from "../../../handlers/jobRecord";
import { OpsError } from "./stack";

/**
 * `npm run ops -- release JOBNET JOB`: the operator's release of a job held before it starts
 * (handlers/jobHold.ts). Every running run of the jobnet that holds the job is released: the hold's
 * task token, kept in the run-lock table, is completed. The token is read, used, then deleted, so a
 * release that fails half way can be tried again; a second release finds the task closed.
 */
export interface ReleaseRequest {
    tableName: string;
    stateMachineArn: string;
    jobnet: string;
    job: string;
    /** Who released it, as the run's history will show: the operator's user and host. */
    by: string;
}

export async function releaseHold(clients: { sfn: SFNClient; dynamodb: DynamoDBClient }, r: ReleaseRequest): Promise<{ released: string[] }> {
    // The run lock keeps one run of a jobnet going at a time: the watcher's few pages hold them all.
    const running = (await listExecutions(clients.sfn, r.stateMachineArn, "RUNNING")).flatMap((e) => (e.executionArn ? [e.executionArn] : []));
    const released: string[] = [];
    let closed = 0;
    for (const executionArn of running) {
        const key = holdKey({ executionArn }, r.job);
        const token = (await readItem(r.tableName, key, clients.dynamodb))?.token;
        if (!token) continue;
        if (await completeTask(token, { output: { released: true, by: r.by } }, clients.sfn)) released.push(executionArn);
        else closed++;
        await clients.dynamodb.send(new DeleteItemCommand({ TableName: r.tableName, Key: { [lockKeyAttribute]: { S: key } } }));
    }
    if (released.length > 0) return { released };
    if (closed > 0) throw new OpsError(`The hold of ${r.job} had already ended (released, or past its bound): nothing to release.`);
    throw new OpsError(`No run of ${r.jobnet} holds ${r.job} now (${running.length === 0 ? "no run of it is running" : `${running.length} running, none held before ${r.job}`}).`);
}
