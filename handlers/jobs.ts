import { DescribeInstancesCommand, EC2Client, Filter } from "@aws-sdk/client-ec2";
import { GetCommandInvocationCommand, ListCommandInvocationsCommand, SSMClient, SendCommandCommand } from "@aws-sdk/client-ssm";
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { createHash } from "crypto";
import { HeadObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { fileInWords } from "../statemachines/waitForFile";
import type { RunGraph } from "../statemachines/jobGraph";
import type { CommandJob } from "../statemachines/jobs";
import { renderCommand } from "../statemachines/jobCommand";
import { emittedValues, fileKeyWithValues, startValuesOf, withValues } from "./jobValues";
import { StepContext, awsErrorName } from "./errors";
import { CommandEnd, CommandJudgment, ServerResult, commandJobEnd, lastLineOf } from "./jobOutcome";
import { RunRef, StoredRun, beginRun, childKey, commandKey, completeTask, deliver, keepItem, keepToken, readItem, readRun, releaseOf, taskKey, updateRun, waitKey } from "./jobRecord";
import { JobState, RunRecord, jobEnded as recordJobEnd, jobRetrying, newRunRecord, advance, startJob as recordStart } from "./jobRun";
import { agentProblem, readAgents } from "./ssmAgents";
import { sendTimeoutSeconds } from "./runCommand";
import { naturalOrder } from "./naturalOrder";

/**
 * The Lambda tasks of a team's jobnet (statemachines/teamJobnet.ts). Each job is two callback
 * tasks: AwaitJob waits for its predecessors, StartJob runs it; both end when another function
 * completes their task token. Jobs end through EventBridge: Run Command's "EC2 Command Status-change
 * Notification" and Step Functions' "Execution Status Change" of a child jobnet reach JobEnded.
 * What to decide is handlers/jobRun.ts; where it is kept, handlers/jobRecord.ts.
 */

export interface RunStep extends StepContext {
    tableName: string;
    executionArn: string;
    /** What every task of a run is told for redrives (statemachines/common.ts, withRedriveGuard). */
    redrive?: { count?: number };
}

export const refOf = (e: RunStep): RunRef => ({ tableName: e.tableName, executionArn: e.executionArn, redriveCount: e.redrive?.count ?? 0 });

export interface BeginJobsEvent extends RunStep {
    graph: RunGraph;
    /** A jobnet whose jobs use `{{trigger.key}}`: the run's input ($$.Execution.Input), whose `values` are kept. */
    startInput?: unknown;
}

/** The run's record, made once: every job waiting, and the values the run was started with. */
export async function beginJobs(event: BeginJobsEvent): Promise<{ jobs: number }> {
    const trigger = event.startInput === undefined ? undefined : startValuesOf(event.startInput);
    await beginRun(refOf(event), event.graph, { ...newRunRecord(event.graph), ...(trigger ? { trigger } : {}) });
    return { jobs: Object.keys(event.graph.jobs).length };
}

export interface JobStepEvent extends RunStep {
    job: string;
    taskToken: string;
}

/**
 * A job waits for its predecessors: its token is kept, then the record read; when the job is
 * released already, the token is delivered at once (jobRecord.ts, deliver: exactly one of this
 * call and the predecessor's end delivers it). A redrive's first task resets the record.
 */
export async function awaitJob(event: JobStepEvent): Promise<{ waiting: boolean }> {
    const ref = refOf(event);
    await keepToken(ref.tableName, waitKey(ref, event.job), event.taskToken);
    const { run, releases } = await updateRun(ref, (r) => ({ ...advance(r.graph, r.record), result: undefined }));
    const own = releaseOf(run, event.job);
    const all = own && !releases.some((r) => r.job === event.job) ? [...releases, own] : releases;
    await deliver(ref, run, all);
    return { waiting: own === undefined };
}

/** Where and how a command job runs: written into the definition from the jobnet and the stack's groups. */
export interface CommandSpec {
    kind: "command";
    jobnet: string;
    group: { name: string; instanceIds?: string[]; tag?: { key: string; value: string } };
    servers: "every" | "one";
    document: "AWS-RunShellScript" | "AWS-RunPowerShellScript";
    commands: string[];
    workingDirectory?: string;
    judgment: CommandJudgment;
    /**
     * A job that uses values of earlier jobs: its command as written, rendered again at each send
     * with the values put in (handlers/jobValues.ts); `commands[0]`, the stack's marker, is kept.
     */
    template?: Pick<CommandJob<string>, "command" | "shell" | "user" | "environment" | "workingDirectory">;
    /** The values it emits: read from its standard output when it ends. */
    emits?: string[];
}

/** A jobnet job: the state machine it starts, and its timeout (the bound of the wait for its end). */
export interface JobnetSpec {
    kind: "jobnet";
    jobnet: string;
    child: string;
    stateMachineArn: string;
}

/** A wait-for-file job: the object it waits for, and its bound (statemachines/waitForFile.ts). */
export interface FileSpec {
    kind: "file";
    jobnet: string;
    bucket: string;
    key?: string;
    prefix?: string;
    timeoutSeconds: number;
}

export interface StartJobEvent extends JobStepEvent {
    spec: CommandSpec | JobnetSpec | FileSpec;
}

/** What a job's task ends with: how it ended, or that it runs again after its retry interval. */
export interface JobResult {
    /** abnormal: only a job whose recovery goes on (`then: "continue"`); any other abnormal end fails the task. */
    end: "normal" | "warning" | "abnormal" | "retry";
    exitCode: number;
    retry: boolean;
    /** The sends so far: the definition bounds the retries by it too. */
    attempt: number;
    /** A job that emits values: those it printed. */
    values?: Record<string, string>;
}

/**
 * Runs a released job: marks it running (unless a job has failed since: then it does not start,
 * and its task stays open until the run fails), then sends the command or starts the jobnet. Called
 * again for the same job (a Lambda retry, the task's time-out backstop, a redrive), it sends nothing
 * twice: an ended job's task is ended at once; a running one's end is read from Run Command or Step
 * Functions, in case its event was lost.
 */
export async function startJob(event: StartJobEvent): Promise<{ started: boolean }> {
    const ref = refOf(event);
    await keepToken(ref.tableName, taskKey(ref, event.job), event.taskToken);
    const before = await updateRun(ref, (r) => {
        const released = advance(r.graph, r.record);
        const state = released.record.jobs[event.job];
        const started = recordStart(r.graph, released.record, event.job);
        return { record: started.record, releases: released.releases, result: started.start ? started.record.jobs[event.job] : state };
    });
    await deliver(ref, before.run, before.releases);
    const state: JobState = before.result;
    if (state.status === "ended") {
        await endOwnTask(ref, event.job, before.run);
        return { started: false };
    }
    if (state.status !== "running") return { started: false };
    const attempt = state.attempts ?? 1;
    if (event.spec.kind === "command") {
        // Sent already for this attempt: the task timed out (its event lost?) or Lambda ran it twice.
        if (state.sentAttempt === attempt && state.commandIds?.length) {
            await settleCommand(ref, event.job, state.commandIds[state.commandIds.length - 1]);
            return { started: false };
        }
        await sendJobCommand(ref, event.job, event.spec, attempt, before.run.record);
    } else if (event.spec.kind === "file") {
        // Its key may be made of values (`{{trigger.key}}.done`): put in as they are, or the job fails naming the one missing.
        const where = event.spec.key ?? event.spec.prefix ?? "";
        const put = fileKeyWithValues(event.job, where, before.run.record);
        if ("error" in put) {
            await recordEnd(ref, event.job, { end: "abnormal", exitCode: -1, error: put.error, cause: put.cause });
            return { started: false };
        }
        await lookForFile(ref, event.job, { ...event.spec, ...(event.spec.key !== undefined ? { key: put.text } : { prefix: put.text }) }, state.sentAt);
    } else {
        if (state.childArn) {
            await settleChild(ref, event.job, state.childArn);
            return { started: false };
        }
        await startChildJobnet(ref, event.job, event.spec, attempt);
    }
    return { started: true };
}

/**
 * A wait-for-file job's look: the first one records when it began; the object there, the job ends
 * normally; its bound passed without it, abnormally, naming the object. Otherwise the task waits for
 * its next look (its time-out, tried again: statemachines/teamJobnet.ts).
 */
async function lookForFile(ref: RunRef, job: string, spec: FileSpec, since: number | undefined): Promise<void> {
    const began = since ?? Date.now();
    if (since === undefined) {
        await updateRun(ref, (r) => ({ record: { ...r.record, jobs: { ...r.record.jobs, [job]: { ...r.record.jobs[job], sentAt: began } } }, result: undefined }));
    }
    const found = await findObject(spec);
    const watched = fileInWords(spec);
    if (found) return recordEnd(ref, job, { end: "normal", exitCode: 0 });
    const waited = Math.floor((Date.now() - began) / 60_000);
    if (Date.now() - began >= spec.timeoutSeconds * 1000) {
        return recordEnd(ref, job, { end: "abnormal", exitCode: -1, error: "FileNotArrived", cause: `${job}: ${watched} had not arrived after ${waited} min (its timeoutMinutes ${spec.timeoutSeconds / 60})` });
    }
}

/**
 * Whether the object is there: HeadObject of the key (404 NotFound when it is not, given
 * s3:ListBucket; 403 without it: Amazon S3 API reference, HeadObject), or the first key under the
 * prefix (ListObjectsV2, MaxKeys 1).
 */
async function findObject(spec: FileSpec): Promise<boolean> {
    const s3 = new S3Client({});
    if (spec.key !== undefined) {
        try {
            await s3.send(new HeadObjectCommand({ Bucket: spec.bucket, Key: spec.key }));
            return true;
        } catch (error) {
            if (awsErrorName(error) === "NotFound" || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
            throw error;
        }
    }
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: spec.bucket, Prefix: spec.prefix ?? "", MaxKeys: 1 }));
    return (listed.KeyCount ?? listed.Contents?.length ?? 0) > 0;
}

/** An ended job's task: success with its end, or, if it is the failure and no job runs, the failure. */
async function endOwnTask(ref: RunRef, job: string, run: StoredRun): Promise<void> {
    const s = run.record.jobs[job];
    const token = (await readItem(ref.tableName, taskKey(ref, job)))?.token;
    if (!token) return;
    if (s.end === "abnormal" && !recoveredToContinue(run, job)) {
        await deliver(ref, run, []);
        return;
    }
    await completeTask(token, { output: { end: s.end as JobResult["end"], exitCode: s.exitCode ?? 0, retry: false, attempt: s.attempts ?? 1, ...(s.values ? { values: s.values } : {}) } });
}

/** The group's servers in the group's order: its instance ids as listed, or those carrying its tag by name. */
async function groupServers(spec: CommandSpec): Promise<{ name: string; instanceId: string; state: string }[]> {
    const ec2 = new EC2Client({});
    const filters: Filter[] = spec.group.tag
        ? [{ Name: `tag:${spec.group.tag.key}`, Values: [spec.group.tag.value] }, { Name: "instance-state-name", Values: ["pending", "running", "stopping", "stopped"] }]
        : [{ Name: "instance-id", Values: spec.group.instanceIds ?? [] }];
    const found: { name: string; instanceId: string; state: string }[] = [];
    let token: string | undefined;
    do {
        const page = await ec2.send(new DescribeInstancesCommand({ Filters: filters, NextToken: token }));
        for (const r of page.Reservations ?? []) for (const i of r.Instances ?? []) {
            if (!i.InstanceId) continue;
            found.push({ instanceId: i.InstanceId, name: i.Tags?.find((t) => t.Key === "Name")?.Value ?? i.InstanceId, state: i.State?.Name ?? "unknown" });
        }
        token = page.NextToken;
    } while (token);
    if (spec.group.instanceIds) return spec.group.instanceIds.map((id) => found.find((f) => f.instanceId === id) ?? { instanceId: id, name: id, state: "not found" });
    return found.sort((a, b) => naturalOrder(a.name, b.name));
}

/** At most 50 instance ids in one SendCommand (SSM API reference): a job's group is that large at most. */
export const maxGroupServers = 50;

/**
 * Sends a command job: to every server of its group, each of whose SSM agents must be online, or to
 * the first in the group's order whose agent is. A server it cannot reach ends the job abnormally,
 * naming it: a job scheduler does not run half a job.
 */
async function sendJobCommand(ref: RunRef, job: string, spec: CommandSpec, attempt: number, record: RunRecord): Promise<void> {
    let commands = spec.commands;
    let workingDirectory = spec.workingDirectory;
    if (spec.template) {
        // The values are put in at the send, quoted for the job's shell: a value missing ends the job, naming it and its setter.
        const filled = withValues(job, { kind: "command", on: { group: spec.group.name }, ...spec.template }, record);
        if ("error" in filled) return recordEnd(ref, job, { end: "abnormal", exitCode: -1, error: filled.error, cause: filled.cause });
        commands = [spec.commands[0], ...renderCommand(filled.job).commands];
        workingDirectory = filled.job.workingDirectory;
    }
    const servers = await groupServers(spec);
    const agents = await readAgents(new SSMClient({}), servers.map((s) => s.instanceId));
    const online = servers.filter((s) => agents.get(s.instanceId) === "Online");
    const where = `${job}: server group ${spec.group.name}`;
    const notDelivered = (cause: string) => recordEnd(ref, job, { end: "abnormal", exitCode: -1, error: "JobNotDelivered", cause });
    if (servers.length === 0) return notDelivered(`${where} has no server${spec.group.tag ? ` (no instance carries the tag ${spec.group.tag.key}=${spec.group.tag.value})` : ""}`);
    if (servers.length > maxGroupServers) return notDelivered(`${where} has ${servers.length} servers; a job runs on ${maxGroupServers} at most (one SendCommand)`);
    const offline = servers.filter((s) => agents.get(s.instanceId) !== "Online");
    if (spec.servers === "every" && offline.length > 0) {
        return notDelivered(`${where}: the command was not sent, because Run Command cannot reach ${offline.map((s) => `${s.name} (${s.instanceId}, ${s.state}${agentProblem(agents.get(s.instanceId) ?? "NotListed")})`).join("; ")}`);
    }
    if (online.length === 0) return notDelivered(`${where}: no server has its SSM agent online (${servers.map((s) => `${s.name} ${s.state}`).join(", ")})`);
    const targets = spec.servers === "one" ? [online[0]] : online;
    let commandId: string | undefined;
    let sentAt = 0;
    try {
        const sent = await new SSMClient({}).send(new SendCommandCommand({
            DocumentName: spec.document,
            InstanceIds: targets.map((s) => s.instanceId),
            Parameters: {
                commands,
                executionTimeout: [String(spec.judgment.timeoutSeconds)],
                ...(workingDirectory ? { workingDirectory: [workingDirectory] } : {}),
            },
            TimeoutSeconds: sendTimeoutSeconds,
            MaxConcurrency: "100%",
            MaxErrors: "100%",
            CloudWatchOutputConfig: { CloudWatchOutputEnabled: true, CloudWatchLogGroupName: spec.judgment.logGroupName },
            Comment: `${spec.jobnet}/${job} attempt ${attempt}`.slice(0, 100),
        }));
        commandId = sent.Command?.CommandId;
        sentAt = Date.now();
    } catch (error) {
        // InvalidInstanceId: an agent listed online went away before the send (SSM API reference, SendCommand).
        if (awsErrorName(error) !== "InvalidInstanceId") throw error;
        return notDelivered(`${where}: Run Command refused the servers (InvalidInstanceId): ${(error as Error).message}`);
    }
    if (!commandId) throw new Error(`${job}: SendCommand returned no command id`);
    const names = Object.fromEntries(targets.map((s) => [s.instanceId, s.name]));
    await keepItem(ref.tableName, commandKey(commandId), {
        executionArn: ref.executionArn,
        job,
        attempt: String(attempt),
        names: JSON.stringify(names),
        judgment: JSON.stringify(spec.judgment),
        ...(spec.emits?.length ? { emits: JSON.stringify(spec.emits) } : {}),
    });
    await updateRun(ref, (r) => {
        const s = r.record.jobs[job];
        return { record: { ...r.record, jobs: { ...r.record.jobs, [job]: { ...s, commandIds: [...(s.commandIds ?? []), commandId!], sentAttempt: attempt, sentAt, servers: targets.map((t) => t.name) } } }, result: undefined };
    });
}

/** A child jobnet's run, named after ours, the job and the attempt: starting it twice starts it once (same name and input). */
async function startChildJobnet(ref: RunRef, job: string, spec: JobnetSpec, attempt: number): Promise<void> {
    const ours = createHash("sha256").update(`${ref.executionArn} ${job}`).digest("hex").slice(0, 12);
    // Named after the jobnet that starts it (the rule that tells of its end matches that), the job and
    // this run: an execution name is at most 80 characters (StartExecution).
    const name = `${`${spec.jobnet}-${job}`.slice(0, 56)}-${ours}-r${ref.redriveCount}a${attempt}`;
    // The console links a run started with this input key to the run that started it (Step Functions Developer Guide, nested workflows).
    const input = { trigger: "jobnet", parent: ref.executionArn, job, AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: ref.executionArn };
    const started = await new SFNClient({}).send(new StartExecutionCommand({ stateMachineArn: spec.stateMachineArn, name, input: JSON.stringify(input) }));
    if (!started.executionArn) throw new Error(`${job}: StartExecution returned no execution ARN`);
    await keepItem(ref.tableName, childKey(started.executionArn), { executionArn: ref.executionArn, job, child: spec.child });
    const sentAt = Date.now();
    await updateRun(ref, (r) => ({ record: { ...r.record, jobs: { ...r.record.jobs, [job]: { ...r.record.jobs[job], childArn: started.executionArn, sentAt } } }, result: undefined }));
    // A child that ended before its item was kept had its event dropped: read its end now.
    await settleChild(ref, job, started.executionArn);
}

/**
 * Records a job's end, then tells its task, the jobs released, and (when due) the failed job's task.
 * Only a job in the status given ends: running, or (a hold not released) released.
 */
export async function recordEnd(ref: RunRef, job: string, ended: CommandEnd, from: "running" | "released" = "running"): Promise<void> {
    const updated = await updateRun<number | false>(ref, (r) => {
        const s = r.record.jobs[job];
        if (s.status !== from) return { record: r.record, result: false };
        if (ended.end === "retry") return { record: jobRetrying(r.record, job, ended.exitCode), result: s.attempts ?? 1 };
        const { record, releases } = recordJobEnd(r.graph, r.record, job, ended.end === "abnormal"
            ? { end: "abnormal", exitCode: ended.exitCode, error: ended.error, cause: ended.cause }
            : { end: ended.end, exitCode: ended.exitCode, ...(ended.values ? { values: ended.values } : {}) });
        return { record, releases, result: s.attempts ?? 1 };
    });
    if (updated.result === false) return;
    if (ended.end !== "abnormal" || recoveredToContinue(updated.run, job)) {
        const token = (await readItem(ref.tableName, taskKey(ref, job)))?.token;
        const values = ended.end !== "abnormal" && ended.values ? { values: ended.values } : {};
        if (token) await completeTask(token, { output: { end: ended.end, exitCode: ended.exitCode, retry: ended.end === "retry", attempt: updated.result, ...values } satisfies JobResult });
    }
    await deliver(ref, updated.run, updated.releases);
}

/** A job that ended abnormally, whose recovery says the run goes on: its task ends well, the run is not failing for it. */
function recoveredToContinue(run: StoredRun, job: string): boolean {
    return run.graph.jobs[job].recovery?.then === "continue" && run.record.failure?.job !== job;
}

const terminalStatuses = ["Success", "Failed", "TimedOut", "Cancelled"];

/** Reads a command's invocations; once every server has ended it, judges the job and records its end. */
async function settleCommand(ref: RunRef, job: string, commandId: string): Promise<void> {
    const item = await readItem(ref.tableName, commandKey(commandId));
    if (!item) return;
    const names = JSON.parse(item.names) as Record<string, string>;
    const judgment = JSON.parse(item.judgment) as CommandJudgment;
    const results: ServerResult[] = [];
    let token: string | undefined;
    do {
        const page = await new SSMClient({}).send(new ListCommandInvocationsCommand({ CommandId: commandId, Details: true, NextToken: token }));
        for (const v of page.CommandInvocations ?? []) {
            const plugin = v.CommandPlugins?.[0];
            const [stdout, stderr] = (plugin?.Output ?? "").split("----------ERROR-------");
            results.push({
                name: names[v.InstanceId ?? ""] ?? v.InstanceId ?? "?",
                instanceId: v.InstanceId ?? "?",
                status: v.Status ?? "Pending",
                statusDetails: v.StatusDetails,
                exitCode: plugin?.ResponseCode ?? -1,
                lastLine: lastLineOf(stderr, stdout),
            });
        }
        token = page.NextToken;
    } while (token);
    // Right after the send the list may still be empty or short (aws-facts: "treat as pending").
    if (results.length < Object.keys(names).length || results.some((r) => !terminalStatuses.includes(r.status))) return;
    const end = commandJobEnd(job, results, judgment, Number(item.attempt));
    // A job that emits tells its values in every result of its task, none on a retry: its branch's end reads them.
    const emits = item.emits ? (JSON.parse(item.emits) as string[]) : undefined;
    const told = !emits || end.end === "abnormal" ? end : end.end === "retry" ? { ...end, values: {} } : await withEmittedValues(job, commandId, results[0], emits, end, judgment);
    await recordEnd(ref, job, told);
}

/**
 * A job that emits values and ended well: its values, read from its standard output. Run Command's
 * list gives 2,500 characters of it; GetCommandInvocation its first 24,000 (SSM API reference): a job
 * emits on one server, so one call. An output it cannot wholly read ends the job abnormally, rather
 * than lose a value printed late.
 */
async function withEmittedValues(job: string, commandId: string, server: ServerResult, emits: string[], end: CommandEnd & { end: "normal" | "warning" }, judgment: CommandJudgment): Promise<CommandEnd> {
    const invocation = await new SSMClient({}).send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: server.instanceId }));
    const read = emittedValues(job, emits, invocation.StandardOutputContent ?? "");
    if ("error" in read) return { end: "abnormal", exitCode: end.exitCode, error: read.error, cause: `${read.cause}; on ${server.name} (${server.instanceId}); the whole output is in CloudWatch Logs, group ${judgment.logGroupName}` };
    return { ...end, values: read.values };
}

/** Reads a child jobnet's run; once it has ended, records the job's end: normal when it succeeded. */
async function settleChild(ref: RunRef, job: string, childArn: string): Promise<void> {
    const child = await new SFNClient({}).send(new DescribeExecutionCommand({ executionArn: childArn }));
    const item = await readItem(ref.tableName, childKey(childArn));
    const status = child.status ?? "RUNNING";
    if (status === "RUNNING" || status === "PENDING_REDRIVE") return;
    if (status === "SUCCEEDED") return recordEnd(ref, job, { end: "normal", exitCode: 0 });
    const why = [child.error, child.cause].filter((t) => t).join(": ");
    await recordEnd(ref, job, { end: "abnormal", exitCode: 1, error: "JobnetFailed", cause: `${job}: jobnet ${item?.child ?? childArn.split(":")[6]} ${status}${why ? `: ${why}` : ""} (run ${childArn})` });
}

/** What EventBridge gives JobEnded, through the rules' input transformers (infra/teamJobnets.ts). */
export type JobEndedEvent =
    | { tableName: string; source: "ssm"; commandId: string; status: string }
    | { tableName: string; source: "states"; childArn: string; status: string };

/**
 * A Run Command command or a child jobnet's run changed status: if it is a job's, and final, the
 * job's end is recorded. An event of someone else's command finds no item and does nothing; a
 * repeated event finds the job ended already (EventBridge delivers at least once).
 */
export async function jobEnded(event: JobEndedEvent): Promise<{ job: string | null }> {
    const itemKey = event.source === "ssm" ? commandKey(event.commandId) : childKey(event.childArn);
    // The send keeps the item a moment after SendCommand answers: an event of a very short command may come first.
    let item = await readItem(event.tableName, itemKey);
    for (let i = 0; !item && event.source === "ssm" && i < 3; i++) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        item = await readItem(event.tableName, itemKey);
    }
    if (!item) return { job: null };
    const stored = await readRun(event.tableName, item.executionArn);
    if (!stored) return { job: null };
    const ref: RunRef = { tableName: event.tableName, executionArn: item.executionArn, redriveCount: stored.redriveCount };
    if (event.source === "ssm") await settleCommand(ref, item.job, event.commandId);
    else await settleChild(ref, item.job, event.childArn);
    return { job: item.job };
}

