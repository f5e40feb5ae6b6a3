import { AsyncLocalStorage } from "async_hooks";
import { mockClient } from "aws-sdk-client-mock";
import * as backup from "@aws-sdk/client-backup";
import * as ec2 from "@aws-sdk/client-ec2";
import * as elb from "@aws-sdk/client-elastic-load-balancing-v2";
import * as rds from "@aws-sdk/client-rds";
import * as sfn from "@aws-sdk/client-sfn";
import * as sns from "@aws-sdk/client-sns";
import * as cloudwatch from "@aws-sdk/client-cloudwatch";
import * as ssm from "@aws-sdk/client-ssm";
import * as dynamodb from "@aws-sdk/client-dynamodb";
import * as eventbridge from "@aws-sdk/client-eventbridge";
import * as s3 from "@aws-sdk/client-s3";
import { Authorization, AwsService, RecordedCall, SimBackupJob, SimExecution, SimInstance, SimulatedAccount, executionArnOf, serviceError } from "./account";
import { currentInvocation, freshestChangeIn, isRead } from "./freshness";
import { TransactAction, transactWrite } from "./dynamodb";
import { RdsOperation, documents } from "../handlers/rdsErrors";
import { executionHistoryQuota } from "../statemachines/historyBudget";

// The SDK warns once that Node.js 20 support ends; the functions themselves run on Node.js 22 in Lambda.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

/** The Lambda task being run, so every AWS call can be put down to the function that made it. */
export const currentCaller = new AsyncLocalStorage<string>();

type Handler = (input: any) => unknown;
/** The resources a call is authorised on, from its input; none given: "*". */
type Authorizer = (input: any) => Authorization[];

/**
 * Puts the simulated account behind the real AWS SDK v3 clients: every `send` of these clients,
 * in this process, is answered by the account. Returns a function that restores the clients.
 */
export function installServices(account: SimulatedAccount): () => void {
    const stubs: { restore(): void }[] = [];
    // Every ARN of the account shares the state machines' partition, region and account.
    const [, partition, , region, accountId] = account.spec.stateMachineArns.stop.split(":");
    const record = (action: string, authorizations: Authorization[]) => {
        const call: RecordedCall = { caller: currentCaller.getStore() ?? "(test)", action, authorizations, invocation: currentInvocation.getStore() };
        account.calls.push(call);
        return call;
    };
    // An instance's tags reach IAM as aws:ResourceTag/KEY for EC2, and also as ssm:resourceTag/KEY for SSM.
    const instanceArns = (ids: string[] | undefined, tagKeyPrefixes = ["aws:ResourceTag/"]) => (ids ?? []).map((id) => {
        const i = account.instance(id);
        return { resource: i.arn, context: Object.assign({}, ...tagKeyPrefixes.map((prefix) => tagConditionKeys(prefix, Object.entries(i.tags)))) };
    });
    // RDS authorises a call on the ARN its input names: cluster:<id> or db:<id>.
    const clusterArn = (input: { DBClusterIdentifier?: string }) => [{ resource: `arn:${partition}:rds:${region}:${accountId}:cluster:${input.DBClusterIdentifier}` }];
    const dbInstanceArn = (input: { DBInstanceIdentifier?: string }) => [{ resource: `arn:${partition}:rds:${region}:${accountId}:db:${input.DBInstanceIdentifier}` }];
    const vaultArn = (name: string | undefined) => ({ resource: `arn:${partition}:backup:${region}:${accountId}:backup-vault:${name}` });
    const serve = (client: any, prefix: AwsService, commands: ([any, string, Handler] | [any, string, Handler, Authorizer])[]) => {
        const stub = mockClient(client);
        for (const [command, action, handler, authorize] of commands) {
            stub.on(command as any).callsFake(async (input: any) => {
                const call = record(`${prefix}:${action}`, authorize ? authorize(input) : [{ resource: "*" }]);
                account.settle();
                account.admit(prefix);
                const answer = await handler(input);
                // What the answer shows, and how fresh: the wait lag (simulator/freshness.ts).
                if (isRead(call.action)) call.freshestChange = freshestChangeIn(account, answer);
                return answer;
            });
        }
        stubs.push(stub);
    };

    serve(ec2.EC2Client, "ec2", [
        [ec2.DescribeInstancesCommand, "DescribeInstances", (input: ec2.DescribeInstancesCommandInput) => ({
            Reservations: [{
                OwnerId: accountId,
                Instances: (input.InstanceIds ?? [...account.instances.keys()]).map((id) => account.instance(id)).filter((i) => matchesFilters(i, input.Filters)).map((i) => ({
                    InstanceId: i.id,
                    State: { Code: account.stateCode(i), Name: i.state },
                    StateTransitionReason: i.stateTransitionReason,
                    StateReason: i.stateReason ? { Code: i.stateReason, Message: i.stateTransitionReason } : undefined,
                    Tags: Object.entries(i.tags).map(([Key, Value]) => ({ Key, Value })),
                })),
            }],
        })],
        // At most 100 instance ids (EC2 API reference, DescribeInstanceStatus, InstanceIds).
        [ec2.DescribeInstanceStatusCommand, "DescribeInstanceStatus", (input: ec2.DescribeInstanceStatusCommandInput) => {
            if ((input.InstanceIds ?? []).length > 100) throw serviceError("InvalidParameterValue", "The maximum number of instance IDs is 100");
            return {
            InstanceStatuses: (input.InstanceIds ?? []).map((id) => account.instance(id)).filter((i) => input.IncludeAllInstances || i.state === "running").map((i) => {
                const checks = account.checksOf(i);
                return {
                    InstanceId: i.id,
                    InstanceState: { Code: account.stateCode(i), Name: i.state },
                    InstanceStatus: { Status: checks },
                    SystemStatus: { Status: checks },
                };
            }),
        }; }],
        // One instance in a state it cannot leave that way, or without capacity, fails the whole call and
        // changes none (IncorrectInstanceState, InsufficientInstanceCapacity: EC2 API reference, error codes).
        [ec2.StopInstancesCommand, "StopInstances", (input: ec2.StopInstancesCommandInput) => {
            const instances = (input.InstanceIds ?? []).map((id) => account.instance(id));
            instances.forEach((i) => account.checkStoppable(i));
            const before = instances.map((i) => ({ InstanceId: i.id, PreviousState: { Code: account.stateCode(i), Name: i.state } }));
            instances.forEach((i) => account.stopInstance(i));
            return { StoppingInstances: before.map((b, n) => ({ ...b, CurrentState: { Code: account.stateCode(instances[n]), Name: instances[n].state } })) };
        }, (input: ec2.StopInstancesCommandInput) => instanceArns(input.InstanceIds)],
        [ec2.StartInstancesCommand, "StartInstances", (input: ec2.StartInstancesCommandInput) => {
            const instances = (input.InstanceIds ?? []).map((id) => account.instance(id));
            instances.forEach((i) => account.checkStartable(i));
            instances.forEach((i) => account.startInstance(i));
            return { StartingInstances: instances.map((i) => ({ InstanceId: i.id, CurrentState: { Code: account.stateCode(i), Name: i.state } })) };
        }, (input: ec2.StartInstancesCommandInput) => instanceArns(input.InstanceIds)],
    ]);

    serve(ssm.SSMClient, "ssm", [
        // SendCommand: at most 50 instance ids (SSM API reference, SendCommand, InstanceIds).
        [ssm.SendCommandCommand, "SendCommand", (input: ssm.SendCommandCommandInput) => {
            if (!(input.DocumentName! in runCommandPlugins)) throw serviceError("InvalidDocument", `unexpected document ${input.DocumentName}`);
            const ids = input.InstanceIds ?? [];
            if (ids.length < 1 || ids.length > 50) throw serviceError("ValidationException", `1 validation error detected: Value at 'instanceIds' failed to satisfy constraint: Member must have length less than or equal to 50`);
            // TimeoutSeconds: 30 to 2,592,000, 3,600 when left out (SSM API reference, SendCommand).
            const timeoutSeconds = input.TimeoutSeconds ?? 3600;
            if (timeoutSeconds < 30 || timeoutSeconds > 2592000) throw serviceError("ValidationException", "1 validation error detected: Value at 'timeoutSeconds' failed to satisfy constraint: Member must have value between 30 and 2592000");
            const timeout = Number(input.Parameters?.executionTimeout?.[0] ?? 3600);
            // The document's commands parameter is a list of lines of one script.
            const script = (input.Parameters?.commands ?? [""]).join("\n");
            const commandId = account.sendCommand(ids, script, timeout, timeoutSeconds, {
                documentName: input.DocumentName,
                comment: input.Comment ?? "",
                parameters: input.Parameters ?? {},
                cloudWatchOutputConfig: input.CloudWatchOutputConfig,
            });
            return { Command: { CommandId: commandId, DocumentName: input.DocumentName, Comment: input.Comment, Parameters: input.Parameters, InstanceIds: ids, Status: "Pending", CloudWatchOutputConfig: input.CloudWatchOutputConfig } };
        }, (input: ssm.SendCommandCommandInput) => [{ resource: `arn:${partition}:ssm:${region}::document/${input.DocumentName}` }, ...instanceArns(input.InstanceIds, ["aws:ResourceTag/", "ssm:resourceTag/"])]],
        // DescribeInstanceInformation: MaxResults 5–50, 10 when left out, paged by NextToken; Filters or the
        // legacy InstanceInformationFilterList, not both; a filter's values 1–100; an instance id that is not
        // the account's is an error (InvalidInstanceId); nodes that are stopped or terminated, or whose agent
        // never registered, are not listed (SSM API reference, DescribeInstanceInformation).
        [ssm.DescribeInstanceInformationCommand, "DescribeInstanceInformation", (input: ssm.DescribeInstanceInformationCommandInput) => {
            const pageSize = input.MaxResults ?? 10;
            if (pageSize < 5 || pageSize > 50) throw serviceError("ValidationException", "1 validation error detected: Value at 'maxResults' failed to satisfy constraint: Member must have value between 5 and 50");
            if (input.Filters && input.InstanceInformationFilterList) throw serviceError("ValidationException", "Filters and InstanceInformationFilterList cannot be used together");
            const filters = new Map<string, string[]>();
            for (const f of input.Filters ?? []) {
                if (f.Key !== "InstanceIds" && f.Key !== "PingStatus") throw serviceError("InvalidFilterKey", `the simulator does not filter on ${f.Key}`);
                const values = f.Values ?? [];
                if (values.length < 1 || values.length > 100) throw serviceError("InvalidInstanceInformationFilterValue", `${f.Key} takes 1 to 100 values`);
                if (f.Key === "PingStatus" && values.some((v) => !["Online", "ConnectionLost", "Inactive"].includes(v))) throw serviceError("InvalidInstanceInformationFilterValue", `PingStatus is Online, ConnectionLost or Inactive`);
                filters.set(f.Key, values);
            }
            const ids = filters.get("InstanceIds");
            for (const id of ids ?? []) if (!account.instances.has(id)) throw serviceError("InvalidInstanceId", `Instance ${id} is not a managed node of this account`);
            const all = (ids ?? [...account.instances.keys()]).map((id) => account.instance(id))
                .map((i) => ({ i, ping: account.pingStatus(i) }))
                .filter(({ ping }) => ping !== undefined && (!filters.has("PingStatus") || filters.get("PingStatus")!.includes(ping)));
            const from = input.NextToken === undefined ? 0 : Number(input.NextToken);
            if (!Number.isInteger(from) || from < 0) throw serviceError("InvalidNextToken", "The specified token isn't valid.");
            return {
                InstanceInformationList: all.slice(from, from + pageSize).map(({ i, ping }) => ({ InstanceId: i.id, PingStatus: ping, ResourceType: "EC2Instance", PlatformType: "Linux" })),
                NextToken: from + pageSize < all.length ? String(from + pageSize) : undefined,
            };
        }],
        // GetCommandInvocation: the invocation of a command on one node. Right after SendCommand it may
        // answer InvocationDoesNotExist for a moment; StandardOutputContent is the first 24,000
        // characters, StandardErrorContent the first 8,000; the times are strings, empty until known
        // (SSM API reference, GetCommandInvocation).
        [ssm.GetCommandInvocationCommand, "GetCommandInvocation", (input: ssm.GetCommandInvocationCommandInput) => {
            const command = account.command(input.CommandId);
            const v = account.invocations.find((x) => x.commandId === command.commandId && x.instanceId === input.InstanceId);
            if (!v || Date.now() - v.sentAt < 500) throw serviceError("InvocationDoesNotExist", "An error occurred (InvocationDoesNotExist) when calling the GetCommandInvocation operation");
            const plugin = runCommandPlugins[command.documentName];
            if (input.PluginName !== undefined && input.PluginName !== plugin) throw serviceError("InvalidPluginName", "The plugin name is not valid.");
            const time = (ms: number | undefined) => (ms === undefined ? "" : new Date(ms).toISOString());
            return {
                CommandId: v.commandId,
                InstanceId: v.instanceId,
                Comment: command.comment,
                DocumentName: command.documentName,
                DocumentVersion: "$DEFAULT",
                PluginName: plugin,
                ResponseCode: v.responseCode,
                ExecutionStartDateTime: time(v.startedAt),
                ExecutionElapsedTime: v.startedAt === undefined ? "" : elapsed((v.endedAt ?? Date.now()) - v.startedAt),
                ExecutionEndDateTime: time(v.endedAt),
                Status: v.status,
                StatusDetails: statusDetailsOf(v),
                StandardOutputContent: v.stdout.slice(0, 24_000),
                StandardOutputUrl: "",
                StandardErrorContent: v.stderr.slice(0, 8_000),
                StandardErrorUrl: "",
                CloudWatchOutputConfig: { CloudWatchLogGroupName: command.cloudWatchOutputConfig?.CloudWatchLogGroupName ?? "", CloudWatchOutputEnabled: command.cloudWatchOutputConfig?.CloudWatchOutputEnabled ?? false },
            };
        }],
        // CancelCommand: the invocations not yet ended are Cancelled (SSM API reference, CancelCommand).
        [ssm.CancelCommandCommand, "CancelCommand", (input: ssm.CancelCommandCommandInput) => {
            account.cancelCommand(input.CommandId ?? "", input.InstanceIds);
            return {};
        }],
        // ListCommandInvocations: MaxResults 1–50, paged by NextToken; right after SendCommand the list may
        // be empty for a moment; with Details, each invocation's plugin and its output, at most 2,500
        // characters, stderr after stdout (SSM API reference, ListCommandInvocations, CommandPlugin).
        [ssm.ListCommandInvocationsCommand, "ListCommandInvocations", (input: ssm.ListCommandInvocationsCommandInput) => {
            const pageSize = input.MaxResults ?? 50;
            if (pageSize < 1 || pageSize > 50) throw serviceError("ValidationException", "MaxResults must be between 1 and 50");
            const all = account.invocations.filter((v) => (!input.CommandId || v.commandId === input.CommandId) && (!input.InstanceId || v.instanceId === input.InstanceId) && Date.now() - v.sentAt >= 500);
            const from = input.NextToken === undefined ? 0 : Number(input.NextToken);
            return {
                CommandInvocations: all.slice(from, from + pageSize).map((v) => ({
                    CommandId: v.commandId,
                    InstanceId: v.instanceId,
                    Status: v.status,
                    StatusDetails: statusDetailsOf(v),
                    CommandPlugins: input.Details ? [{
                        Name: runCommandPlugins[account.command(v.commandId).documentName],
                        Status: v.status,
                        ResponseCode: v.responseCode,
                        Output: [v.stdout, v.stderr ? `----------ERROR-------\n${v.stderr}` : ""].filter((t) => t).join("\n").slice(0, 2500),
                    }] : undefined,
                })),
                NextToken: from + pageSize < all.length ? String(from + pageSize) : undefined,
            };
        }],
    ]);

    // The simulated RDS answers an operation only with errors its API reference lists (handlers/rdsErrors.ts).
    const documentedOnly = (operation: RdsOperation, handler: Handler): Handler => async (input) => {
        try {
            return await handler(input);
        } catch (error) {
            const name = (error as Error).name;
            if (!documents(operation, name)) throw new Error(`the simulated ${operation} answered ${name}, which the RDS API reference does not list for it`);
            throw error;
        }
    };
    serve(rds.RDSClient, "rds", ([
        [rds.DescribeDBClustersCommand, "DescribeDBClusters", (input: rds.DescribeDBClustersCommandInput) => {
            const db = account.database;
            if (db.kind !== "cluster" || input.DBClusterIdentifier !== db.identifier) throw serviceError("DBClusterNotFoundFault", `DBCluster ${input.DBClusterIdentifier} not found.`, { status: 404 });
            return { DBClusters: [{ DBClusterIdentifier: db.identifier, DBClusterArn: db.arn, Status: db.status }] };
        }, clusterArn],
        [rds.StopDBClusterCommand, "StopDBCluster", () => {
            account.stopDatabase("cluster");
            return { DBCluster: { DBClusterIdentifier: account.database.identifier, Status: account.database.status } };
        }, clusterArn],
        [rds.StartDBClusterCommand, "StartDBCluster", () => {
            account.startDatabase("cluster");
            return { DBCluster: { DBClusterIdentifier: account.database.identifier, Status: account.database.status } };
        }, clusterArn],
        // DescribeDBInstances of an identifier that does not exist: DBInstanceNotFound, HTTP 404 (RDS API reference).
        [rds.DescribeDBInstancesCommand, "DescribeDBInstances", (input: rds.DescribeDBInstancesCommandInput) => {
            const db = account.database;
            if (db.kind !== "instance" || input.DBInstanceIdentifier !== db.identifier) throw serviceError("DBInstanceNotFoundFault", `DBInstance ${input.DBInstanceIdentifier} not found.`, { status: 404 });
            return { DBInstances: [{ DBInstanceIdentifier: db.identifier, DBInstanceArn: db.arn, DBInstanceStatus: db.status }] };
        }, dbInstanceArn],
        [rds.StopDBInstanceCommand, "StopDBInstance", () => {
            account.stopDatabase("instance");
            return { DBInstance: { DBInstanceIdentifier: account.database.identifier, DBInstanceStatus: account.database.status } };
        }, dbInstanceArn],
        [rds.StartDBInstanceCommand, "StartDBInstance", () => {
            account.startDatabase("instance");
            return { DBInstance: { DBInstanceIdentifier: account.database.identifier, DBInstanceStatus: account.database.status } };
        }, dbInstanceArn],
    ] as [unknown, RdsOperation, Handler, Authorizer][]).map(([command, operation, handler, authorize]) => [command, operation, documentedOnly(operation, handler), authorize]));

    serve(elb.ElasticLoadBalancingV2Client, "elasticloadbalancing", [
        [elb.DescribeRulesCommand, "DescribeRules", (input: elb.DescribeRulesCommandInput) => {
            const listener = account.listener(input.ListenerArn);
            return { Rules: account.rulesOf(listener.arn).map((r) => ({ RuleArn: r.arn, Priority: r.priority, IsDefault: r.isDefault })) };
        }],
        [elb.DescribeTagsCommand, "DescribeTags", (input: elb.DescribeTagsCommandInput) => {
            if ((input.ResourceArns ?? []).length > 20) throw serviceError("ValidationError", "At most 20 resources");
            return { TagDescriptions: (input.ResourceArns ?? []).map((arn) => ({ ResourceArn: arn, Tags: account.rules.find((r) => r.arn === arn)?.tags ?? [] })) };
        }],
        [elb.CreateRuleCommand, "CreateRule", (input: elb.CreateRuleCommandInput) => {
            const body = input.Actions?.[0]?.FixedResponseConfig?.MessageBody ?? "";
            if (body.length > 1024) throw serviceError("ValidationError", "MessageBody is longer than 1024 characters");
            const tags = (input.Tags ?? []).map((t) => ({ Key: t.Key!, Value: t.Value ?? "" }));
            const rule = account.createRule(input.ListenerArn ?? "", input.Priority ?? 0, tags, body);
            // Tags on a new rule are authorised as AddTags on it, in the name of CreateRule (ELB's tag-on-create).
            if (tags.length > 0) {
                record("elasticloadbalancing:AddTags", [{
                    resource: rule.arn,
                    context: {
                        "elasticloadbalancing:CreateAction": "CreateRule",
                        "aws:TagKeys": tags.map((t) => t.Key),
                        ...tagConditionKeys("aws:RequestTag/", tags.map((t) => [t.Key, t.Value])),
                    },
                }]);
            }
            return { Rules: [{ RuleArn: rule.arn, Priority: rule.priority }] };
        }, (input: elb.CreateRuleCommandInput) => [{ resource: input.ListenerArn ?? "" }]],
        [elb.DeleteRuleCommand, "DeleteRule", (input: elb.DeleteRuleCommandInput) => {
            account.deleteRule(input.RuleArn ?? "");
            return {};
        }, (input: elb.DeleteRuleCommandInput) => {
            const tags = account.rules.find((r) => r.arn === input.RuleArn)?.tags ?? [];
            return [{ resource: input.RuleArn ?? "", context: tagConditionKeys("aws:ResourceTag/", tags.map((t) => [t.Key, t.Value])) }];
        }],
        [elb.DescribeTargetHealthCommand, "DescribeTargetHealth", (input: elb.DescribeTargetHealthCommandInput) => {
            if (!account.spec.targetGroupArns.includes(input.TargetGroupArn ?? "")) throw serviceError("TargetGroupNotFoundException", "One or more target groups not found");
            return {
                TargetHealthDescriptions: [...account.instances.values()].filter((i) => !i.groupServer).map((i) => {
                    const h = account.targetHealth(i);
                    return { Target: { Id: i.id, Port: 80 }, TargetHealth: { State: h.state, Reason: h.reason } };
                }),
            };
        }],
    ]);

    serve(backup.BackupClient, "backup", [
        [backup.StartBackupJobCommand, "StartBackupJob", (input: backup.StartBackupJobCommandInput) => {
            // Passing the backup role to AWS Backup is authorised as iam:PassRole.
            const passRole = () => input.IamRoleArn && record("iam:PassRole", [{ resource: input.IamRoleArn, context: { "iam:PassedToService": "backup.amazonaws.com" } }]);
            passRole();
            if (input.BackupVaultName !== account.spec.backupVaultName) throw serviceError("ResourceNotFoundException", `vault ${input.BackupVaultName} not found`);
            const { job, repeated } = account.startBackupJob(input.ResourceArn ?? "", input.BackupVaultName, input.IdempotencyToken ?? account.nextId("token-"), input.Lifecycle?.DeleteAfterDays ?? 36500);
            // StartBackupJob's reference does not say that a repeated IdempotencyToken returns the job's
            // id: with the backupTokenNoId fault, a repeat is answered HTTP 200 without one.
            if (account.answersRepeatWithoutId(job.resourceName)) {
                if (repeated) return {};
                if (account.backupJobs.filter((j) => j.resourceArn === job.resourceArn && !j.earlier).length === 1) {
                    // The resource's first start: its answer is lost after the job was made, and the SDK
                    // (standard retry mode) sends the same request again, a repeat.
                    record("backup:StartBackupJob", [vaultArn(input.BackupVaultName)]);
                    passRole();
                    return {};
                }
            }
            return { BackupJobId: job.id, CreationDate: new Date(job.createdAt) };
        }, (input: backup.StartBackupJobCommandInput) => [vaultArn(input.BackupVaultName)]],
        // ListBackupJobs lists the jobs of the last 30 days only, whatever the filters (Backup API reference);
        // MaxResults 1–1000, paged by NextToken.
        [backup.ListBackupJobsCommand, "ListBackupJobs", (input: backup.ListBackupJobsCommandInput) => {
            const listedFrom = Date.now() - backupJobsListedForDays * 86_400_000;
            const { items, NextToken } = backupPage(account.backupJobs
                .filter((j) => j.createdAt >= listedFrom
                    && (!input.ByResourceArn || j.resourceArn === input.ByResourceArn)
                    && (!input.ByBackupVaultName || j.vault === input.ByBackupVaultName)
                    && (!input.ByCreatedAfter || j.createdAt >= input.ByCreatedAfter.getTime())), input);
            return { BackupJobs: items.map(backupJobShape), NextToken };
        }],
        [backup.DescribeBackupJobCommand, "DescribeBackupJob", (input: backup.DescribeBackupJobCommandInput) => {
            const job = account.backupJobs.find((j) => j.id === input.BackupJobId);
            if (!job) throw serviceError("ResourceNotFoundException", `backup job ${input.BackupJobId} not found`);
            return backupJobShape(job);
        }],
        // Every recovery point the vault keeps, whatever its age (its lifecycle decides); MaxResults 1–1000, paged by NextToken.
        [backup.ListRecoveryPointsByBackupVaultCommand, "ListRecoveryPointsByBackupVault", (input: backup.ListRecoveryPointsByBackupVaultCommandInput) => {
            if (input.BackupVaultName !== account.spec.backupVaultName) throw serviceError("ResourceNotFoundException", `vault ${input.BackupVaultName} not found`);
            const { items, NextToken } = backupPage(account.recoveryPointsIn(input.BackupVaultName)
                .filter((p) => (!input.ByResourceArn || p.resourceArn === input.ByResourceArn) && (!input.ByCreatedAfter || p.createdAt >= input.ByCreatedAfter.getTime())), input);
            return {
                RecoveryPoints: items.map((p) => ({
                    RecoveryPointArn: p.arn, ResourceArn: p.resourceArn, BackupVaultName: p.vault, Status: "COMPLETED",
                    CreationDate: new Date(p.createdAt), InitiationDate: new Date(p.initiatedAt),
                })),
                NextToken,
            };
        }, (input: backup.ListRecoveryPointsByBackupVaultCommandInput) => [vaultArn(input.BackupVaultName)]],
    ]);

    const tokenMachine = (token: string | undefined) => {
        const issued = account.taskTokens.get(token ?? "");
        // execution:NAME:RUN → stateMachine:NAME
        return issued ? [{ resource: issued.executionArn.replace(":execution:", ":stateMachine:").replace(/:[^:]+$/, "") }] : [];
    };
    serve(sfn.SFNClient, "states", [
        // StartExecution of a state machine the simulation plays. A name is unique per state machine for 90
        // days: the same name and input as a running execution returns that execution; a closed one, or
        // another input, is ExecutionAlreadyExists (Step Functions API reference, StartExecution).
        [sfn.StartExecutionCommand, "StartExecution", (input: sfn.StartExecutionCommandInput) => {
            const stateMachineArn = input.stateMachineArn ?? "";
            if (!account.knowsStateMachine(stateMachineArn)) throw serviceError("StateMachineDoesNotExist", `State Machine Does Not Exist: '${stateMachineArn}'`);
            const name = input.name ?? account.nextId("execution-");
            if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) throw serviceError("InvalidName", `Invalid Name: '${name}'`);
            const text = input.input ?? "{}";
            let parsed: Record<string, unknown>;
            try {
                parsed = JSON.parse(text);
            } catch {
                throw serviceError("InvalidExecutionInput", "Invalid execution input.");
            }
            const arn = executionArnOf(stateMachineArn, name);
            const earlier = account.executions.find((e) => e.arn === arn && e.startDate > Date.now() - 90 * 86_400_000);
            if (earlier) {
                if (earlier.status === "RUNNING" && JSON.stringify(JSON.parse(earlier.input)) === JSON.stringify(parsed)) return { executionArn: earlier.arn, startDate: new Date(earlier.startDate) };
                throw serviceError("ExecutionAlreadyExists", `Execution Already Exists: '${arn}'`);
            }
            if (!account.executionStarter) throw new Error(`the simulation does not play StartExecution (of ${stateMachineArn})`);
            const started = account.executionStarter(stateMachineArn, name, parsed);
            return { executionArn: started.arn, startDate: new Date(started.startDate) };
        }, (input: sfn.StartExecutionCommandInput) => [{ resource: input.stateMachineArn ?? "" }]],
        // RedriveExecution: a Standard execution that FAILED, TIMED_OUT or was ABORTED, stopped less than 14
        // days ago and under the history quota, continues; any other is ExecutionNotRedrivable (Step
        // Functions API reference, RedriveExecution).
        [sfn.RedriveExecutionCommand, "RedriveExecution", (input: sfn.RedriveExecutionCommandInput) => {
            const e = account.execution(input.executionArn ?? "");
            if (e.status === "RUNNING" || e.status === "SUCCEEDED") throw serviceError("ExecutionNotRedrivable", `Execution ${e.arn} is ${e.status} and cannot be redriven.`);
            if (e.stopDate !== undefined && Date.now() - e.stopDate > 14 * 86_400_000) throw serviceError("ExecutionNotRedrivable", `Execution ${e.arn} stopped more than 14 days ago and cannot be redriven.`);
            if ((e.historyEvents ?? 0) >= executionHistoryQuota) throw serviceError("ExecutionNotRedrivable", `${e.arn} cannot be redriven: Execution history event limit exceeded.`);
            if (!account.executionRedriver) throw new Error(`the simulation does not play RedriveExecution (of ${e.arn})`);
            account.executionRedriver(e);
            return { redriveDate: new Date() };
        }, (input: sfn.RedriveExecutionCommandInput) => [{ resource: input.executionArn ?? "" }]],
        // The callback pattern's answers (simulator/taskTokens.ts). IAM authorises SendTask* on the state
        // machine whose task issued the token: the AWS CDK's grantTaskResponse allows exactly these three
        // actions on the state machine's ARN, and no wider. A token the account never issued names none.
        [sfn.SendTaskSuccessCommand, "SendTaskSuccess", (input: sfn.SendTaskSuccessCommandInput) => {
            account.taskTokens.succeed(input.taskToken ?? "", input.output ?? "");
            return {};
        }, (input: sfn.SendTaskSuccessCommandInput) => tokenMachine(input.taskToken)],
        [sfn.SendTaskFailureCommand, "SendTaskFailure", (input: sfn.SendTaskFailureCommandInput) => {
            account.taskTokens.fail(input.taskToken ?? "", input.error, input.cause);
            return {};
        }, (input: sfn.SendTaskFailureCommandInput) => tokenMachine(input.taskToken)],
        [sfn.SendTaskHeartbeatCommand, "SendTaskHeartbeat", (input: sfn.SendTaskHeartbeatCommandInput) => {
            account.taskTokens.heartbeat(input.taskToken ?? "");
            return {};
        }, (input: sfn.SendTaskHeartbeatCommandInput) => tokenMachine(input.taskToken)],
        // Newest first, a page of maxResults (default 100, at most 1000); no input, as in AWS.
        [sfn.ListExecutionsCommand, "ListExecutions", (input: sfn.ListExecutionsCommandInput) => {
            const pageSize = input.maxResults || 100;
            if (pageSize < 0 || pageSize > 1000) throw serviceError("ValidationException", "maxResults must be between 0 and 1000");
            const from = input.nextToken === undefined ? 0 : Number(input.nextToken);
            if (!Number.isInteger(from) || from < 0) throw serviceError("InvalidToken", `Invalid Token: '${input.nextToken}'`);
            const all = account.executionsOf(input.stateMachineArn ?? "", input.statusFilter);
            return {
                executions: all.slice(from, from + pageSize).map(executionShape),
                nextToken: from + pageSize < all.length ? String(from + pageSize) : undefined,
            };
        }, (input: sfn.ListExecutionsCommandInput) => [{ resource: input.stateMachineArn ?? "" }]],
        // Oldest first, or newest first with reverseOrder; a page of maxResults (default 100, at most 1000).
        // The short-pages fault answers fewer, and an empty page before each: maxResults "is only an upper
        // limit" and only a nextToken says more remain (GetExecutionHistory, Step Functions API reference).
        [sfn.GetExecutionHistoryCommand, "GetExecutionHistory", (input: sfn.GetExecutionHistoryCommandInput) => {
            const e = account.execution(input.executionArn ?? "");
            const asked = input.maxResults || 100;
            if (asked < 0 || asked > 1000) throw serviceError("ValidationException", "maxResults must be between 0 and 1000");
            const short = account.faults.historyPageEvents;
            const token = input.nextToken ?? "";
            const from = token === "" ? 0 : Number(token.replace(/\+$/, ""));
            if (!Number.isInteger(from) || from < 0) throw serviceError("InvalidToken", `Invalid Token: '${input.nextToken}'`);
            // With the fault, a token ending in + asks for events; any other first gets an empty page.
            if (short !== undefined && !token.endsWith("+")) return { events: [], nextToken: `${from}+` };
            const pageSize = Math.min(asked, short ?? asked);
            const events = input.reverseOrder ? [...e.history].reverse() : e.history;
            return { events: events.slice(from, from + pageSize), nextToken: from + pageSize < events.length ? String(from + pageSize) : undefined };
        }, (input: sfn.GetExecutionHistoryCommandInput) => [{ resource: input.executionArn ?? "" }]],
        // The revision a run started with, and the state machine's now; the first revision has none (Step Functions API reference).
        [sfn.DescribeStateMachineForExecutionCommand, "DescribeStateMachineForExecution", (input: sfn.DescribeStateMachineForExecutionCommandInput) => {
            const e = account.execution(input.executionArn ?? "");
            return { stateMachineArn: e.stateMachineArn, revisionId: e.revisionId };
        }, (input: sfn.DescribeStateMachineForExecutionCommandInput) => [{ resource: input.executionArn ?? "" }]],
        [sfn.DescribeStateMachineCommand, "DescribeStateMachine", (input: sfn.DescribeStateMachineCommandInput) => {
            account.executionsOf(input.stateMachineArn ?? "");
            return { stateMachineArn: input.stateMachineArn, revisionId: account.revisions.get(input.stateMachineArn ?? "") };
        }, (input: sfn.DescribeStateMachineCommandInput) => [{ resource: input.stateMachineArn ?? "" }]],
        [sfn.DescribeExecutionCommand, "DescribeExecution", (input: sfn.DescribeExecutionCommandInput) => {
            const e = account.execution(input.executionArn ?? "");
            return {
                ...executionShape(e),
                input: e.input,
                inputDetails: { included: true },
            };
        }, (input: sfn.DescribeExecutionCommandInput) => [{ resource: input.executionArn ?? "" }]],
    ]);

    // PutItem and DeleteItem on a table of the account; a table it does not have answers
    // ResourceNotFoundException (DynamoDB API reference). IAM authorises them on the table's ARN.
    const table = (name: string | undefined) => {
        const found = account.tables.get(name ?? "");
        if (!found) throw serviceError("ResourceNotFoundException", "Requested resource not found");
        return found;
    };
    const partitionKeyOf = (tableName: string | undefined, item: Record<string, dynamodb.AttributeValue> | undefined) => item?.[account.tables.get(tableName ?? "")?.hashKey ?? ""]?.S ?? "";
    // dynamodb:LeadingKeys: the partition key value a request names (DynamoDB Developer Guide, "Using IAM policy conditions for fine-grained access control").
    const tableArn = (input: { TableName?: string; Key?: Record<string, dynamodb.AttributeValue>; Item?: Record<string, dynamodb.AttributeValue> }) => {
        const leading = partitionKeyOf(input.TableName, input.Key ?? input.Item);
        return [{ resource: `arn:${partition}:dynamodb:${region}:${accountId}:table/${input.TableName}`, ...(leading === "" ? {} : { context: { "dynamodb:LeadingKeys": [leading] } }) }];
    };
    serve(dynamodb.DynamoDBClient, "dynamodb", [
        [dynamodb.PutItemCommand, "PutItem", (input: dynamodb.PutItemCommandInput) => {
            table(input.TableName).put(input.Item ?? {}, input);
            return {};
        }, tableArn],
        [dynamodb.DeleteItemCommand, "DeleteItem", (input: dynamodb.DeleteItemCommandInput) => {
            table(input.TableName).delete(input.Key ?? {}, input);
            return {};
        }, tableArn],
        // Puts and ConditionChecks, all or none (simulator/dynamodb.ts, transactWrite). IAM authorises
        // each action on its table: Put as dynamodb:PutItem, ConditionCheck as dynamodb:ConditionCheckItem
        // (DynamoDB Developer Guide, "Using IAM with DynamoDB transactions").
        [dynamodb.TransactWriteItemsCommand, "TransactWriteItems", (input: dynamodb.TransactWriteItemsCommandInput) => {
            transactWrite((input.TransactItems ?? []).map((t): TransactAction => {
                if (t.Put) return { kind: "Put", table: table(t.Put.TableName), item: t.Put.Item ?? {}, write: t.Put };
                if (t.ConditionCheck) return { kind: "ConditionCheck", table: table(t.ConditionCheck.TableName), key: t.ConditionCheck.Key ?? {}, write: t.ConditionCheck };
                throw new Error("the simulated TransactWriteItems serves Put and ConditionCheck actions only");
            }));
            return {};
        }, (input: dynamodb.TransactWriteItemsCommandInput) => (input.TransactItems ?? []).map((t) => ({
            ...tableArn({ TableName: t.Put?.TableName ?? t.ConditionCheck?.TableName })[0],
            action: t.Put ? "dynamodb:PutItem" : "dynamodb:ConditionCheckItem",
            // The item's partition key, as IAM sees it (dynamodb:LeadingKeys).
            context: { "dynamodb:LeadingKeys": [partitionKeyOf(t.Put?.TableName ?? t.ConditionCheck?.TableName, t.Put?.Item ?? t.ConditionCheck?.Key)] },
        }))],
        // Only a strongly consistent read is modelled, the one the jobnets make (ConsistentRead: true).
        [dynamodb.GetItemCommand, "GetItem", (input: dynamodb.GetItemCommandInput) => {
            if (input.ConsistentRead !== true) throw new Error("the simulated GetItem serves strongly consistent reads only");
            return { Item: table(input.TableName).get(input.Key ?? {}) };
        }, tableArn],
    ]);

    // Publish: a subject of at most 100 printable ASCII characters, no line breaks (SNS API reference).
    serve(sns.SNSClient, "sns", [
        [sns.PublishCommand, "Publish", (input: sns.PublishCommandInput) => {
            if (input.Subject !== undefined && (input.Subject.length > 100 || /[^\x20-\x7e]/.test(input.Subject))) {
                throw serviceError("InvalidParameter", "Invalid parameter: Subject");
            }
            account.published.push({ topicArn: input.TopicArn ?? "", subject: input.Subject, message: input.Message ?? "", at: Date.now() });
            return { MessageId: `m-${account.published.length}` };
        }, (input: sns.PublishCommandInput) => [{ resource: input.TopicArn ?? "" }]],
    ]);

    // PutEvents: 1 to 10 entries a call; each entry fails by itself, with an ErrorCode in its answer, while
    // the call succeeds (EventBridge API reference, PutEvents; User Guide, "Sending events with PutEvents").
    // IAM authorises it on the event bus.
    serve(eventbridge.EventBridgeClient, "events", [
        [eventbridge.PutEventsCommand, "PutEvents", (input: eventbridge.PutEventsCommandInput) => {
            const entries = input.Entries ?? [];
            if (entries.length < 1 || entries.length > 10) throw serviceError("ValidationException", "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and 10");
            const answers = entries.map((e) => {
                let detail: unknown;
                try {
                    detail = JSON.parse(e.Detail ?? "");
                } catch {
                    return { ErrorCode: "MalformedDetail", ErrorMessage: "Detail is malformed." };
                }
                if (!e.Source || !e.DetailType || typeof detail !== "object" || detail === null || Array.isArray(detail)) return { ErrorCode: "MalformedDetail", ErrorMessage: "Detail is malformed." };
                return { EventId: account.emit(e.Source, e.DetailType, e.Resources ?? [], detail as Record<string, unknown>).id };
            });
            return { FailedEntryCount: answers.filter((a) => "ErrorCode" in a).length, Entries: answers };
        }, (input: eventbridge.PutEventsCommandInput) => [...new Set((input.Entries ?? []).map((e) => e.EventBusName ?? "default"))].map((bus) => ({ resource: `arn:${partition}:events:${region}:${accountId}:event-bus/${bus}` }))],
    ]);

    // HeadObject: 404 NotFound, no body, for a key that is not there (with s3:ListBucket; 403 without:
    // Amazon S3 API reference, HeadObject); ListObjectsV2 of a prefix, at most MaxKeys keys (1,000 by
    // default). IAM authorises HeadObject as s3:GetObject on the object, ListObjectsV2 as s3:ListBucket on the bucket.
    serve(s3.S3Client, "s3", [
        [s3.HeadObjectCommand, "GetObject", (input: s3.HeadObjectCommandInput) => {
            const object = account.s3.head(input.Bucket ?? "", input.Key ?? "");
            if (!object) throw serviceError("NotFound", "Not Found", { status: 404 });
            return { ContentLength: object.size, ETag: `"${object.etag}"`, LastModified: new Date(object.lastModified) };
        }, (input: s3.HeadObjectCommandInput) => [
            { resource: `arn:${partition}:s3:::${input.Bucket}/${input.Key}` },
            // A key that is not there is answered 404 only to a caller that may list the bucket (403 otherwise).
            ...(account.s3.head(input.Bucket ?? "", input.Key ?? "") ? [] : [{ resource: `arn:${partition}:s3:::${input.Bucket}`, action: "s3:ListBucket" }]),
        ]],
        [s3.ListObjectsV2Command, "ListBucket", (input: s3.ListObjectsV2CommandInput) => {
            const listed = account.s3.list(input.Bucket ?? "", input.Prefix ?? "").slice(0, input.MaxKeys ?? 1000);
            return { KeyCount: listed.length, Contents: listed.map((o) => ({ Key: o.key, Size: o.size, ETag: `"${o.etag}"`, LastModified: new Date(o.lastModified) })) };
        }, (input: s3.ListObjectsV2CommandInput) => [{ resource: `arn:${partition}:s3:::${input.Bucket}` }]],
    ]);

    // PutMetricData: at most 1,000 data per call (CloudWatch API reference); IAM sees the namespace as cloudwatch:namespace.
    serve(cloudwatch.CloudWatchClient, "cloudwatch", [
        [cloudwatch.PutMetricDataCommand, "PutMetricData", (input: cloudwatch.PutMetricDataCommandInput) => {
            if ((input.MetricData ?? []).length > 1000) throw serviceError("InvalidParameterValue", "The collection MetricData must not have a size greater than 1000.");
            for (const d of input.MetricData ?? []) {
                account.metrics.push({
                    namespace: input.Namespace ?? "",
                    name: d.MetricName ?? "",
                    dimensions: Object.fromEntries((d.Dimensions ?? []).map((x) => [x.Name, x.Value])),
                    value: d.Value ?? 0,
                    at: d.Timestamp?.getTime() ?? Date.now(),
                });
            }
            return {};
        }, (input: cloudwatch.PutMetricDataCommandInput) => [{ resource: "*", context: { "cloudwatch:namespace": input.Namespace ?? "" } }]],
    ]);

    return () => stubs.forEach((s) => s.restore());
}

/** The plugin each Run Command document runs its commands with. */
const runCommandPlugins: Record<string, string> = { "AWS-RunShellScript": "aws:runShellScript", "AWS-RunPowerShellScript": "aws:runPowerShellScript" };

/** ExecutionElapsedTime as GetCommandInvocation writes it: "PT1M30.5S". */
function elapsed(ms: number): string {
    const minutes = Math.floor(ms / 60_000);
    return `PT${minutes > 0 ? `${minutes}M` : ""}${(ms % 60_000) / 1000}S`;
}

/** TimedOut while running is ExecutionTimedOut; a command never picked up is DeliveryTimedOut. */
function statusDetailsOf(v: { status: string; statusDetails?: string }): string {
    return v.statusDetails ?? (v.status === "TimedOut" ? "ExecutionTimedOut" : v.status);
}

/** Tags as IAM's condition keys see them: `aws:ResourceTag/Role` → `shop-web`. */
function tagConditionKeys(prefix: string, tags: [string, string][]): Record<string, string> {
    return Object.fromEntries(tags.map(([key, value]) => [`${prefix}${key}`, value]));
}

/** DescribeInstances' filters the jobnets use: tag:KEY, tag-key, instance-id and instance-state-name; any other is refused. */
function matchesFilters(i: SimInstance, filters: ec2.Filter[] | undefined): boolean {
    return (filters ?? []).every((f) => {
        if (f.Name === "instance-state-name") return (f.Values ?? []).includes(i.state);
        if (f.Name === "instance-id") return (f.Values ?? []).includes(i.id);
        if (f.Name === "tag-key") return (f.Values ?? []).some((k) => k in i.tags);
        if (f.Name?.startsWith("tag:")) return (f.Values ?? []).includes(i.tags[f.Name.slice(4)]);
        throw serviceError("InvalidParameterValue", `the simulator does not filter on ${f.Name}`);
    });
}

/** How far back ListBackupJobs lists: "the last 30 days" (Backup API reference, ListBackupJobs). */
export const backupJobsListedForDays = 30;

/** A page of an AWS Backup listing: MaxResults 1–1000 (InvalidParameterValueException otherwise), from NextToken on. */
function backupPage<T>(all: T[], input: { MaxResults?: number; NextToken?: string }): { items: T[]; NextToken: string | undefined } {
    const pageSize = input.MaxResults ?? 1000;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) throw serviceError("InvalidParameterValueException", "MaxResults must be between 1 and 1000");
    const from = input.NextToken === undefined ? 0 : Number(input.NextToken);
    if (!Number.isInteger(from) || from < 0) throw serviceError("InvalidParameterValueException", `Invalid NextToken: ${input.NextToken}`);
    return { items: all.slice(from, from + pageSize), NextToken: from + pageSize < all.length ? String(from + pageSize) : undefined };
}

/** A backup job as ListBackupJobs and DescribeBackupJob give it. */
function backupJobShape(job: SimBackupJob) {
    return {
        BackupJobId: job.id,
        ResourceArn: job.resourceArn,
        BackupVaultName: job.vault,
        State: job.state,
        StatusMessage: job.message || undefined,
        CreationDate: new Date(job.createdAt),
        RecoveryPointArn: job.recoveryPointArn,
    };
}

/** An execution as ListExecutions lists it; DescribeExecution adds its input. */
function executionShape(e: SimExecution) {
    return {
        executionArn: e.arn,
        stateMachineArn: e.stateMachineArn,
        name: e.arn.split(":").pop(),
        status: e.status,
        startDate: new Date(e.startDate),
        stopDate: e.stopDate === undefined ? undefined : new Date(e.stopDate),
    };
}
