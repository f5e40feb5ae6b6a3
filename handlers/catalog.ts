import { TaskFunctionName } from "../statemachines/plan";
import { followBackups, ensureBackups } from "./backups";
import { checkScheduledRun } from "./scheduleRules";
import { describeCluster, describeDbInstance, startCluster, startDbInstance, stopCluster, stopDbInstance } from "./database";
import { reportingStep } from "./errors";
import { describeInstances, startInstances, stopInstances } from "./instances";
import { disableMaintenancePage, enableMaintenancePage } from "./maintenance";
import { getScriptResults, sendScript } from "./runCommand";
import { guardingRedrives, releaseRunLock, takeRunLock } from "./runLock";
import { describeTargetHealth } from "./targetHealth";
import { ServerTag, findWebServers } from "./webServers";
import { awaitJob, beginJobs, jobEnded, startJob } from "./jobs";
import { holdStep } from "./jobHold";
import type { FileWatch } from "../statemachines/waitForFile";
import { startOnEvent } from "./startOnEvent";

/** The resources of one stack that the task functions act on, for their IAM policies. */
export interface TaskResources {
    partition: string;
    /** The partition's domain: amazonaws.com, or amazonaws.com.cn in China. */
    dnsSuffix: string;
    region: string;
    accountId: string;
    /** The web servers' instance ARNs; or the tag they carry, when each run finds them. */
    instances: string[] | { tag: ServerTag };
    /** The customer managed key of the servers' volumes, if one is configured. */
    volumeKmsKeyArn: string | undefined;
    /** The Aurora cluster's ARN, or the RDS DB instance's; undefined when the system has no database. */
    databaseArn: string | undefined;
    /** Listeners that get the maintenance page. */
    trafficListenerArns: string[];
    /** Listeners it is only removed from. */
    otherListenerArns: string[];
    /** The tag of this stack's maintenance rules. */
    maintenanceTag: { key: string; value: string };
    backupVaultArn: string;
    backupRoleArn: string;
    stateMachineArns: string[];
    /** The table of the system's run lock (handlers/runLock.ts); the team jobnets' runs keep their record there too. */
    runLockTableArn: string;
    /** The team's jobnets: their job tasks' tokens are completed by the job functions. */
    teamStateMachineArns?: string[];
    /** The lock items a run kept apart from other jobnets checks (statemachines/exclusion.ts); none when no jobnet is. */
    excludedLockKeys?: string[];
    /** The state machines a team jobnet's jobnet jobs start: their runs' ends are read. */
    childStateMachineArns?: string[];
    /** A job of the team's jobnets emits values: JobEnded reads commands' standard output. */
    jobsEmitValues?: boolean;
    /** The team's jobnets that start conditions start (StartOnEvent): their state machines. */
    eventStartedStateMachineArns?: string[];
    /** One team jobnet's own StartJob: only its groups' servers, its documents and its jobnet jobs; `emits`: a job of it emits values. */
    job?: { stateMachineArn: string; instances: ({ instanceArns: string[] } | { tag: ServerTag })[]; documents: string[]; children: string[]; emits?: boolean; files?: FileWatch[] };
}

export interface PolicyStatement {
    Effect: "Allow";
    Action: string[];
    Resource: string | string[];
    Condition?: Record<string, Record<string, string | string[]>>;
}

export interface TaskFunction {
    description: string;
    handler: (event: any) => Promise<unknown>;
    /** Packages the handler needs at run time, uploaded with it; every other dependency is left out. */
    packages?: string[];
    /** Exactly the calls the handler makes, on this stack's resources where the API allows it. */
    permissions: (r: TaskResources) => PolicyStatement[];
}

const allow = (actions: string[], resource: string | string[], condition?: PolicyStatement["Condition"]): PolicyStatement => ({
    Effect: "Allow",
    Action: actions,
    Resource: resource,
    ...(condition ? { Condition: condition } : {}),
});

// These read-only calls have no resource-level permissions: IAM accepts only "*" for them.
const anyResource = "*";

/** Rules of a listener: listener/app/<lb>/<lb-id>/<listener-id> → listener-rule/app/<lb>/<lb-id>/<listener-id>/*. */
export function listenerRulesArn(listenerArn: string): string {
    return `${listenerArn.replace(":listener/", ":listener-rule/")}/*`;
}

/** Starting a backup job passes the backup role to AWS Backup, and only to it. */
function passBackupRole(r: TaskResources): PolicyStatement {
    return allow(["iam:PassRole"], r.backupRoleArn, { StringEquals: { "iam:PassedToService": "backup.amazonaws.com" } });
}

/**
 * The per-server actions: on the listed servers' ARNs; for servers found by their tag, on any
 * instance of the account and Region that carries the tag when the call is made. `tagKey` names
 * the service's condition key for a resource's tag.
 */
function onWebServers(r: TaskResources, actions: string[], tagKey: (key: string) => string): PolicyStatement {
    if (Array.isArray(r.instances)) return allow(actions, r.instances);
    const { key, value } = r.instances.tag;
    return allow(actions, `arn:${r.partition}:ec2:${r.region}:${r.accountId}:instance/*`, { StringEquals: { [tagKey(key)]: value } });
}
const ec2ResourceTag = (key: string) => `aws:ResourceTag/${key}`;

/**
 * Sending a command to the servers whose SSM agent is online: DescribeInstanceInformation, which
 * has no resource-level permission, and SendCommand on the document and the servers. The document
 * carries no tag of ours: its statement stays unconditioned. SendCommand reads an instance's tags as
 * ssm:resourceTag/KEY (Service Authorization Reference, "Actions, resources, and condition keys for
 * AWS Systems Manager", resource type instance).
 */
function sendToOnlineAgents(r: TaskResources): PolicyStatement[] {
    const document = `arn:${r.partition}:ssm:${r.region}::document/AWS-RunShellScript`;
    const readAgents = allow(["ssm:DescribeInstanceInformation"], anyResource);
    if (Array.isArray(r.instances)) return [readAgents, allow(["ssm:SendCommand"], [document, ...r.instances])];
    return [readAgents, allow(["ssm:SendCommand"], document), onWebServers(r, ["ssm:SendCommand"], (key) => `ssm:resourceTag/${key}`)];
}

/** Reading and writing a run's record and its jobs' tokens, and completing the tokens of the team's jobnets' tasks. */
function jobRecordStatements(r: TaskResources, machines: string[]): PolicyStatement[] {
    return [
        allow(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"], r.runLockTableArn),
        allow(["states:SendTaskSuccess", "states:SendTaskFailure"], machines),
    ];
}

/**
 * A team jobnet's StartJob: SendCommand on the documents its jobs run and on its groups' servers
 * (by ARN, or by the tag through ssm:resourceTag), StartExecution of the jobnets its jobs run.
 */
function startJobStatements(r: TaskResources): PolicyStatement[] {
    const job = r.job;
    if (job === undefined) throw new Error("StartJob is deployed per team jobnet, with that jobnet's resources");
    const listed = job.instances.flatMap((g) => ("instanceArns" in g ? g.instanceArns : []));
    const tags = job.instances.flatMap((g) => ("tag" in g ? [g.tag] : []));
    return [
        ...jobRecordStatements(r, [job.stateMachineArn]),
        // GetCommandInvocation, when a job emits values: they are read from its standard output (handlers/jobValues.ts).
        allow(["ec2:DescribeInstances", "ssm:DescribeInstanceInformation", "ssm:ListCommandInvocations", ...(job.emits ? ["ssm:GetCommandInvocation"] : [])], anyResource),
        ...(job.documents.length > 0 ? [allow(["ssm:SendCommand"], [...job.documents, ...listed])] : []),
        ...tags.map((t) => allow(["ssm:SendCommand"], `arn:${r.partition}:ec2:${r.region}:${r.accountId}:instance/*`, { StringEquals: { [`ssm:resourceTag/${t.key}`]: t.value } })),
        ...(job.children.length > 0
            ? [allow(["states:StartExecution"], job.children), allow(["states:DescribeExecution"], job.children.map(executionsArn))]
            : []),
        ...fileStatements(r.partition, job.files ?? []),
    ];
}

/**
 * A wait-for-file job's looks: HeadObject of its key (s3:GetObject on the object), or ListObjectsV2
 * of its prefix; s3:ListBucket on the bucket also lets HeadObject answer 404 for a missing object
 * rather than 403 (Amazon S3 API reference, HeadObject, "Permissions").
 */
function fileStatements(partition: string, files: FileWatch[]): PolicyStatement[] {
    if (files.length === 0) return [];
    const buckets = [...new Set(files.map((f) => f.bucket))].sort();
    return [
        allow(["s3:ListBucket"], buckets.map((b) => `arn:${partition}:s3:::${b}`)),
        // A key made of values is known at run time only: the objects under its fixed beginning.
        ...(files.some((f) => f.key !== undefined) ? [allow(["s3:GetObject"], files.filter((f) => f.key !== undefined).map((f) => `arn:${partition}:s3:::${f.bucket}/${f.key!.includes("{{") ? `${f.key!.slice(0, f.key!.indexOf("{{"))}*` : f.key}`))] : []),
    ];
}

/** The database's ARN: a stack deploys its database's tasks only when it has one (plan.ts, deployedTasks). */
function databaseArnOf(r: TaskResources): string {
    if (r.databaseArn === undefined) throw new Error("a stack without a database deploys no database task");
    return r.databaseArn;
}

/** Executions of a state machine: stateMachine:<name> → execution:<name>:*. */
export function executionsArn(stateMachineArn: string): string {
    return `${stateMachineArn.replace(":stateMachine:", ":execution:")}:*`;
}

const catalog: Record<TaskFunctionName, TaskFunction> = {
    checkCalendar: {
        description: "Tells whether a scheduled run is due: its rule's decision, or a business day",
        handler: checkScheduledRun,
        permissions: () => [],
    },
    takeRunLock: {
        description: "Takes the system's run lock for a run, or names the active run that holds it",
        handler: takeRunLock,
        permissions: (r) => [
            allow(["dynamodb:PutItem"], r.runLockTableArn),
            // The other jobnets' locks, checked in the transaction that takes its own (TransactWriteItems'
            // ConditionCheck is authorised as dynamodb:ConditionCheckItem: DynamoDB Developer Guide,
            // "Using IAM with DynamoDB transactions"): those items only, by their partition key.
            ...((r.excludedLockKeys ?? []).length === 0 ? [] : [allow(["dynamodb:ConditionCheckItem"], r.runLockTableArn, { "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": r.excludedLockKeys! } })]),
            // Whether the run holding the lock has ended.
            allow(["states:DescribeExecution"], r.stateMachineArns.map(executionsArn)),
        ],
    },
    releaseRunLock: {
        description: "Releases the system's run lock when the run holding it ends (EventBridge, every end)",
        handler: releaseRunLock,
        permissions: (r) => [allow(["dynamodb:DeleteItem"], r.runLockTableArn)],
    },
    describeInstances: {
        description: "Reads the web servers' states and status checks",
        handler: describeInstances,
        permissions: () => [allow(["ec2:DescribeInstances", "ec2:DescribeInstanceStatus"], anyResource)],
    },
    stopInstances: {
        description: "Stops the running web servers",
        handler: stopInstances,
        permissions: (r) => [allow(["ec2:DescribeInstances"], anyResource), onWebServers(r, ["ec2:StopInstances"], ec2ResourceTag)],
    },
    startInstances: {
        description: "Starts the stopped web servers",
        handler: startInstances,
        permissions: (r) => [
            allow(["ec2:DescribeInstances"], anyResource),
            onWebServers(r, ["ec2:StartInstances"], ec2ResourceTag),
            // Volumes encrypted with a customer managed key need a grant for EC2 at start, made by
            // EC2 in the caller's name; the AWS managed aws/ebs key needs none.
            ...(r.volumeKmsKeyArn === undefined ? [] : [allow(["kms:CreateGrant"], r.volumeKmsKeyArn, {
                // kms:ViaService names the service's endpoint, which is ec2.cn-north-1.amazonaws.com.cn in China.
                StringEquals: { "kms:ViaService": `ec2.${r.region}.${r.dnsSuffix}` },
                Bool: { "kms:GrantIsForAWSResource": "true" },
            })]),
        ],
    },
    sendScript: {
        description: "Runs a service control command on the web servers through Run Command",
        handler: sendScript,
        permissions: sendToOnlineAgents,
    },
    getScriptResults: {
        description: "Reads the status and exit code of each Run Command invocation, and sends the command to the servers it has not reached once their SSM agent is online",
        handler: getScriptResults,
        permissions: (r) => [allow(["ssm:ListCommandInvocations"], anyResource), ...sendToOnlineAgents(r)],
    },
    describeCluster: {
        description: "Reads the Aurora cluster's status",
        handler: describeCluster,
        permissions: (r) => [allow(["rds:DescribeDBClusters"], databaseArnOf(r))],
    },
    stopCluster: {
        description: "Stops the Aurora cluster when it is available",
        handler: stopCluster,
        permissions: (r) => [allow(["rds:DescribeDBClusters", "rds:StopDBCluster"], databaseArnOf(r))],
    },
    startCluster: {
        description: "Starts the Aurora cluster when it is stopped",
        handler: startCluster,
        permissions: (r) => [allow(["rds:DescribeDBClusters", "rds:StartDBCluster"], databaseArnOf(r))],
    },
    describeDbInstance: {
        description: "Reads the RDS DB instance's status",
        handler: describeDbInstance,
        permissions: (r) => [allow(["rds:DescribeDBInstances"], databaseArnOf(r))],
    },
    stopDbInstance: {
        description: "Stops the RDS DB instance when it is available",
        handler: stopDbInstance,
        permissions: (r) => [allow(["rds:DescribeDBInstances", "rds:StopDBInstance"], databaseArnOf(r))],
    },
    startDbInstance: {
        description: "Starts the RDS DB instance when it is stopped",
        handler: startDbInstance,
        permissions: (r) => [allow(["rds:DescribeDBInstances", "rds:StartDBInstance"], databaseArnOf(r))],
    },
    enableMaintenancePage: {
        description: "Adds the maintenance-page rule to every ALB listener that carries traffic",
        handler: enableMaintenancePage,
        permissions: (r) => [
            allow(["elasticloadbalancing:DescribeRules", "elasticloadbalancing:DescribeTags"], anyResource),
            allow(["elasticloadbalancing:CreateRule"], r.trafficListenerArns.flatMap((l) => [l, listenerRulesArn(l)])),
            // Tags given to CreateRule are authorised as AddTags on the new rule: only there, and only our tag.
            allow(["elasticloadbalancing:AddTags"], r.trafficListenerArns.map(listenerRulesArn), {
                StringEquals: { "elasticloadbalancing:CreateAction": "CreateRule", [`aws:RequestTag/${r.maintenanceTag.key}`]: r.maintenanceTag.value },
                "ForAllValues:StringEquals": { "aws:TagKeys": [r.maintenanceTag.key] },
            }),
        ],
    },
    disableMaintenancePage: {
        description: "Removes the maintenance-page rule from every ALB listener",
        handler: disableMaintenancePage,
        permissions: (r) => [
            allow(["elasticloadbalancing:DescribeRules", "elasticloadbalancing:DescribeTags"], anyResource),
            // Only this stack's maintenance rules, whatever else the listeners hold.
            allow(["elasticloadbalancing:DeleteRule"], [...r.trafficListenerArns, ...r.otherListenerArns].map(listenerRulesArn), {
                StringEquals: { [`aws:ResourceTag/${r.maintenanceTag.key}`]: r.maintenanceTag.value },
            }),
        ],
    },
    describeTargetHealth: {
        description: "Reads the health of every target in the target group",
        handler: describeTargetHealth,
        permissions: () => [allow(["elasticloadbalancing:DescribeTargetHealth"], anyResource)],
    },
    ensureBackups: {
        description: "Starts an AWS Backup job for each resource unless one since its time exists",
        handler: ensureBackups,
        permissions: (r) => [
            // A server counts backups since it stopped, which EC2 tells.
            allow(["backup:ListBackupJobs", "ec2:DescribeInstances"], anyResource),
            allow(["backup:ListRecoveryPointsByBackupVault", "backup:StartBackupJob"], r.backupVaultArn),
            passBackupRole(r),
        ],
    },
    followBackups: {
        description: "Follows the run's backup jobs, taking a failed one again",
        handler: followBackups,
        permissions: (r) => [
            allow(["backup:DescribeBackupJob", "backup:ListBackupJobs"], anyResource),
            allow(["backup:StartBackupJob"], r.backupVaultArn),
            passBackupRole(r),
        ],
    },
    beginJobs: {
        description: "Makes the record of a team jobnet's run: its graph, every job waiting",
        handler: beginJobs,
        permissions: (r) => [allow(["dynamodb:PutItem"], r.runLockTableArn)],
    },
    awaitJob: {
        description: "Holds a team jobnet's job until its predecessors allow it to start (a callback task)",
        handler: awaitJob,
        permissions: (r) => jobRecordStatements(r, r.teamStateMachineArns ?? []),
    },
    holdJob: {
        description: "Holds a team jobnet's job until an operator releases it, telling the operators through EventBridge (a callback task); ends it when the hold's bound passes",
        handler: holdStep,
        permissions: (r) => [
            ...jobRecordStatements(r, r.teamStateMachineArns ?? []),
            // PutEvents is authorised on the event bus (EventBridge User Guide, "Using identity-based policies").
            allow(["events:PutEvents"], `arn:${r.partition}:events:${r.region}:${r.accountId}:event-bus/default`),
        ],
    },
    startJob: {
        description: "Runs a team jobnet's job: its command through Run Command, or its jobnet (a callback task)",
        handler: startJob,
        permissions: startJobStatements,
    },
    jobEnded: {
        description: "Records the end of a team jobnet's job when its command or jobnet ends (EventBridge), and releases the jobs after it",
        handler: jobEnded,
        permissions: (r) => [
            ...jobRecordStatements(r, r.teamStateMachineArns ?? []),
            // GetCommandInvocation: the values a job emits, read from its standard output when it ends (handlers/jobValues.ts).
            allow(["ssm:ListCommandInvocations", ...(r.jobsEmitValues ? ["ssm:GetCommandInvocation"] : [])], anyResource),
            ...((r.childStateMachineArns ?? []).length > 0 ? [allow(["states:DescribeExecution"], (r.childStateMachineArns ?? []).map(executionsArn))] : []),
        ],
    },
    startOnEvent: {
        description: "Starts a team jobnet when its start condition's rule matches an event, one run per event",
        handler: startOnEvent,
        permissions: (r) => [allow(["states:StartExecution"], r.eventStartedStateMachineArns ?? [])],
    },
    findWebServers: {
        description: "Finds the web servers that carry the system's tag, at the start of a run",
        handler: findWebServers,
        // Deployed only where the servers are named by a tag (plan.ts, deployedTasks).
        permissions: () => [allow(["ec2:DescribeInstances"], anyResource)],
    },
};

/** The tasks EventBridge calls, not a state machine: a run is never redriven into them. */
const outsideRuns: readonly TaskFunctionName[] = ["releaseRunLock", "jobEnded", "startOnEvent"];

/**
 * What a task of a redriven run reads and writes before it acts (handlers/runLock.ts,
 * refuseUnsafeRedrive): the state machine's revision then and now, the run started last, and the
 * lock it takes again, which may mean reading whether its holder has ended.
 */
export function redriveGuardStatements(r: TaskResources): PolicyStatement[] {
    return [
        allow(["dynamodb:GetItem", "dynamodb:PutItem"], r.runLockTableArn),
        allow(["states:DescribeExecution", "states:DescribeStateMachineForExecution"], r.stateMachineArns.map(executionsArn)),
        allow(["states:DescribeStateMachine"], r.stateMachineArns),
    ];
}

/**
 * The tasks as deployed: in a redriven run each first checks that the redrive is safe; an AWS
 * error that escapes a handler names the step and the resource it was acting on.
 */
export const taskFunctions = Object.fromEntries(
    Object.entries(catalog).map(([task, f]) => [task, outsideRuns.includes(task as TaskFunctionName)
        ? { ...f, handler: reportingStep(f.handler) }
        : { ...f, handler: reportingStep(guardingRedrives(f.handler)), permissions: (r: TaskResources) => [...f.permissions(r), ...redriveGuardStatements(r)] }]),
) as Record<TaskFunctionName, TaskFunction>;
