import * as assert from "assert";
import { BackupClient, ListBackupJobsCommand, ListRecoveryPointsByBackupVaultCommand, StartBackupJobCommand } from "@aws-sdk/client-backup";
import { DescribeInstancesCommand, EC2Client, StartInstancesCommand } from "@aws-sdk/client-ec2";
import { DescribeTargetHealthCommand, ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { DescribeDBClustersCommand, RDSClient } from "@aws-sdk/client-rds";
import { ListExecutionsCommand, SFNClient } from "@aws-sdk/client-sfn";
import { DescribeInstanceInformationCommand, ListCommandInvocationsCommand, SSMClient, SendCommandCommand } from "@aws-sdk/client-ssm";
import { awsThrottlingErrors } from "../handlers/errors";
import { AccountSpec, Faults, SimulatedAccount, awsServices } from "../simulator/account";
import { VirtualClock } from "../simulator/clock";
import { installServices } from "../simulator/services";
import { bareAccountSpec, testArn as arn } from "./support/accountSpec";

const spec = (faults: Faults, initial: AccountSpec["initial"]): AccountSpec => bareAccountSpec({
    servers: [
        { name: "web-1", instanceId: "i-0123456789abcdef0", instanceArn: arn("ec2", "instance/i-0123456789abcdef0") },
        { name: "web-2", instanceId: "i-0123456789abcdef1", instanceArn: arn("ec2", "instance/i-0123456789abcdef1") },
    ],
    database: { kind: "cluster", identifier: "db", arn: arn("rds", "cluster:db") },
    listeners: [{ arn: arn("elasticloadbalancing", "listener/app/lb/1/2"), forwards: true }],
    targetGroupArns: [arn("elasticloadbalancing", "targetgroup/tg/1")],
    initial,
    faults,
});

/** Runs `body` against a simulated account behind the real SDK clients, on a virtual clock. */
async function inAccount<T>(faults: Faults, body: (account: SimulatedAccount, clock: VirtualClock) => Promise<T>, initial: AccountSpec["initial"] = "running"): Promise<T> {
    const clock = new VirtualClock();
    clock.install();
    const account = new SimulatedAccount(spec(faults, initial));
    const restore = installServices(account);
    try {
        return await body(account, clock);
    } finally {
        restore();
        clock.uninstall();
    }
}

const later = (clock: VirtualClock, seconds: number) => clock.runUntil(new Promise((resolve) => setTimeout(resolve, seconds * 1000)));

describe("the simulated account, as AWS documents it", () => {
    it("AWS Backup answers a reused idempotency token with the earlier job, even a failed one, and starts nothing", async () => {
        await inAccount({ backupFails: { "web-1": 1 } }, async (account, clock) => {
            const backup = new BackupClient({});
            const start = (token: string) => backup.send(new StartBackupJobCommand({
                BackupVaultName: "vault",
                ResourceArn: account.spec.servers[0].instanceArn,
                IamRoleArn: arn("iam", "role/backup"),
                IdempotencyToken: token,
            }));
            const first = await start("t-1");
            await later(clock, 600);
            account.settle();
            assert.strictEqual(account.backupJobs.find((j) => j.id === first.BackupJobId)!.state, "FAILED");
            assert.strictEqual((await start("t-1")).BackupJobId, first.BackupJobId);
            assert.strictEqual(account.backupJobs.length, 1);
            const second = await start("t-2");
            assert.notStrictEqual(second.BackupJobId, first.BackupJobId);
        });
    });

    it("AWS Backup may answer a repeated idempotency token without the job's id (backupTokenNoId): a resource's first start is such a repeat", async () => {
        await inAccount({ backupTokenNoId: ["web-1"] }, async (account) => {
            const backup = new BackupClient({});
            const start = (resourceArn: string, token: string) => backup.send(new StartBackupJobCommand({ BackupVaultName: "vault", ResourceArn: resourceArn, IamRoleArn: arn("iam", "role/backup"), IdempotencyToken: token }));
            const web1 = account.spec.servers[0].instanceArn;
            const answers = [await start(web1, "t-1"), await start(web1, "t-1"), await start(web1, "t-2"), await start(account.database.arn, "t-3")];
            assert.deepStrictEqual(answers.map((a) => a.BackupJobId !== undefined), [false, false, true, true]);
            assert.deepStrictEqual(account.backupJobs.map((j) => j.resourceName), ["web-1", "web-1", "db"]);
            // The lost answer's request and the SDK's repeat of it are both authorised.
            assert.strictEqual(account.calls.filter((c) => c.action === "backup:StartBackupJob").length, 5);
        });
    });

    it("AWS Backup lists the jobs of the last 30 days only, a page at a time, and a recovery point as long as its lifecycle keeps it", async () => {
        await inAccount({ stoppedForDays: 40 }, async (account) => {
            const backup = new BackupClient({});
            const fortyDaysAgo = Date.now() - 40 * 86_400_000;
            assert.deepStrictEqual((await backup.send(new ListBackupJobsCommand({ ByBackupVaultName: "vault" }))).BackupJobs, []);
            const points = (await backup.send(new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: "vault" }))).RecoveryPoints ?? [];
            assert.deepStrictEqual(points.map((p) => [p.ResourceArn, p.Status, Math.round((p.InitiationDate!.getTime() - fortyDaysAgo) / 60_000)]), [
                [account.spec.servers[0].instanceArn, "COMPLETED", 1],
                [account.spec.servers[1].instanceArn, "COMPLETED", 1],
                [account.database.arn, "COMPLETED", -10],
            ]);
            for (const token of ["t-1", "t-2", "t-3"]) {
                await backup.send(new StartBackupJobCommand({ BackupVaultName: "vault", ResourceArn: account.database.arn, IamRoleArn: arn("iam", "role/backup"), IdempotencyToken: token }));
            }
            const first = await backup.send(new ListBackupJobsCommand({ ByBackupVaultName: "vault", MaxResults: 2 }));
            const second = await backup.send(new ListBackupJobsCommand({ ByBackupVaultName: "vault", MaxResults: 2, NextToken: first.NextToken }));
            assert.deepStrictEqual([first.BackupJobs!.length, second.BackupJobs!.length, second.NextToken], [2, 1, undefined]);
            await assert.rejects(backup.send(new ListBackupJobsCommand({ MaxResults: 0 })), (e: Error) => e.name === "InvalidParameterValueException");
        }, "stopped");
    });

    it("Systems Manager lists a started server's agent ConnectionLost until it comes online, and neither a stopped server nor one never registered", async () => {
        await inAccount({ agentLate: { "web-1": 300 }, notManaged: ["web-2"] }, async (account, clock) => {
            const ssm = new SSMClient({});
            const ids = account.spec.servers.map((s) => s.instanceId);
            const agents = async () => {
                const page = await ssm.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: "InstanceIds", Values: ids }], MaxResults: 50 }));
                return (page.InstanceInformationList ?? []).map((n) => `${n.InstanceId} ${n.PingStatus}`);
            };
            // DescribeInstanceInformation does not return stopped nodes.
            assert.deepStrictEqual(await agents(), []);
            await new EC2Client({}).send(new StartInstancesCommand({ InstanceIds: ids }));
            const seen: string[][] = [];
            for (const at of [10, 20, 200, 314, 316]) {
                await later(clock, at - clock.elapsedSeconds());
                seen.push(await agents());
            }
            // Pending, then running 15 s after the start: the agent comes online 300 s after that.
            assert.deepStrictEqual(seen, [
                [`${ids[0]} ConnectionLost`], [`${ids[0]} ConnectionLost`], [`${ids[0]} ConnectionLost`], [`${ids[0]} ConnectionLost`], [`${ids[0]} Online`],
            ]);
            await assert.rejects(ssm.send(new DescribeInstanceInformationCommand({ MaxResults: 51 })), { name: "ValidationException" });
            await assert.rejects(ssm.send(new DescribeInstanceInformationCommand({ MaxResults: 4 })), { name: "ValidationException" });
            await assert.rejects(ssm.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: "InstanceIds", Values: ["i-0000000000000dead"] }] })), { name: "InvalidInstanceId" });
        }, "stopped");
    });

    it("Run Command refuses a whole call for a node whose agent is not online, and gives up on one it cannot reach after TimeoutSeconds plus the execution timeout", async () => {
        await inAccount({ agentLate: { "web-1": Infinity } }, async (account) => {
            const ssm = new SSMClient({});
            const [web1, web2] = account.spec.servers.map((s) => s.instanceId);
            const send = (ids: string[]) => ssm.send(new SendCommandCommand({
                DocumentName: "AWS-RunShellScript", InstanceIds: ids, TimeoutSeconds: 30, Parameters: { commands: ["x"], executionTimeout: ["45"] },
            }));
            // web-1's agent has not come online since the server last started: the whole call is refused.
            await assert.rejects(send([web1, web2]), (e: Error) => e.name === "InvalidInstanceId" && e.message.includes(web1) && !e.message.includes(web2));
            assert.strictEqual(account.invocations.length, 0);
        });
        await inAccount({ agentOffline: ["web-1", "web-2"], commandsUndeliverable: ["web-2"] }, async (account, clock) => {
            const ssm = new SSMClient({});
            const [web1, web2] = account.spec.servers.map((s) => s.instanceId);
            // Both agents lost their connection unnoticed: Systems Manager lists them online and accepts the command.
            const sent = await ssm.send(new SendCommandCommand({
                DocumentName: "AWS-RunShellScript", InstanceIds: [web1, web2], TimeoutSeconds: 30, Parameters: { commands: ["x"], executionTimeout: ["45"] },
            }));
            const statuses = async () => {
                const page = await ssm.send(new ListCommandInvocationsCommand({ CommandId: sent.Command!.CommandId, Details: true }));
                return (page.CommandInvocations ?? []).map((v) => `${v.InstanceId === web1 ? "web-1" : "web-2"} ${v.Status} ${v.StatusDetails} ${v.CommandPlugins![0].ResponseCode}`);
            };
            const seen: string[][] = [];
            for (const at of [2, 74, 76]) {
                await later(clock, at - clock.elapsedSeconds());
                seen.push(await statuses());
            }
            assert.deepStrictEqual(seen, [
                ["web-1 Delayed Delayed -1", "web-2 Failed Undeliverable -1"],
                ["web-1 Delayed Delayed -1", "web-2 Failed Undeliverable -1"],
                ["web-1 TimedOut DeliveryTimedOut -1", "web-2 Failed Undeliverable -1"],
            ]);
            await assert.rejects(ssm.send(new SendCommandCommand({ DocumentName: "AWS-RunShellScript", InstanceIds: [web1], TimeoutSeconds: 29 })), { name: "ValidationException" });
        });
    });

    it("throttles as the SDK raises it once its attempts are spent: the service's error name and HTTP status", async () => {
        const all = Object.fromEntries(awsServices.map((s) => [s, 30]));
        await inAccount({ apiThrottling: all }, async () => {
            const calls: [string, () => Promise<unknown>][] = [
                ["ec2", () => new EC2Client({}).send(new DescribeInstancesCommand({ InstanceIds: ["i-0123456789abcdef0"] }))],
                ["ssm", () => new SSMClient({}).send(new ListCommandInvocationsCommand({ CommandId: "c", Details: true }))],
                ["rds", () => new RDSClient({}).send(new DescribeDBClustersCommand({ DBClusterIdentifier: "db" }))],
                ["elasticloadbalancing", () => new ElasticLoadBalancingV2Client({}).send(new DescribeTargetHealthCommand({ TargetGroupArn: "tg" }))],
                ["backup", () => new BackupClient({}).send(new StartBackupJobCommand({ BackupVaultName: "vault", ResourceArn: "r", IamRoleArn: "x" }))],
                ["states", () => new SFNClient({}).send(new ListExecutionsCommand({ stateMachineArn: "sm" }))],
            ];
            const seen: string[] = [];
            for (const [service, call] of calls) {
                await assert.rejects(call(), (e: any) => {
                    seen.push(`${service} ${e.name} ${e.$metadata.httpStatusCode} ${e.$fault} ${e.$metadata.attempts}`);
                    assert.ok(awsThrottlingErrors.includes(e.name), e.name);
                    return true;
                });
            }
            assert.deepStrictEqual(seen, [
                "ec2 RequestLimitExceeded 503 client 3",
                "ssm ThrottlingException 400 client 3",
                "rds Throttling 400 client 3",
                "elasticloadbalancing Throttling 400 client 3",
                "backup ThrottlingException 400 client 3",
                "states ThrottlingException 400 client 3",
            ]);
        });
    });

    it("throttles in bursts: every call for the burst's length, then none until the next one", async () => {
        await inAccount({ apiThrottling: { ec2: 30 } }, async (account, clock) => {
            const ec2 = new EC2Client({});
            const describe = () => ec2.send(new DescribeInstancesCommand({ InstanceIds: ["i-0123456789abcdef0"] })).then(() => "ok", (e) => e.name);
            const outcomes: string[] = [];
            for (const at of [0, 29, 31, 119, 121, 151]) {
                await later(clock, at - clock.elapsedSeconds());
                outcomes.push(`${at}s ${await describe()}`);
            }
            assert.deepStrictEqual(outcomes, ["0s RequestLimitExceeded", "29s RequestLimitExceeded", "31s ok", "119s ok", "121s RequestLimitExceeded", "151s ok"]);
            assert.strictEqual(account.throttled.ec2, 3);
        });
    });
});
