import * as assert from "assert";
import * as aws from "@pulumi/aws";
import * as path from "path";
import { mockClient } from "aws-sdk-client-mock";
import * as rds from "@aws-sdk/client-rds";
import { readableCause } from "../handlers/causes";
import { describeDbInstance, startDbInstance, stopDbInstance } from "../handlers/database";
import { ExistingSystemSettings } from "../infra/config";
import { ExistingSystemError, SystemReader, findExistingSystem } from "../infra/existingSystem";
import { MockedDbInstance, defaultBackupOptIn } from "../scripts/lib/mockedCloud";
import { projectDir, runProgram, stackConfig } from "../scripts/lib/runProgram";
import { SynthResult, synthesize } from "../scripts/lib/synthesize";
import { FaultSpecError, parseFaults } from "../simulator/faults";
import { simulate } from "../simulator/simulate";
import { taskFunctionNames } from "../statemachines/plan";
import { allowingStatement, functionPolicy, isRedriveGuard } from "./support/iamPolicy";
import { stopAfterSevenDayRestart } from "./support/sevenDayRestart";
import { sharedRun } from "./support/sharedRuns";

const region = "ap-northeast-1";
const dbArn = `arn:aws:rds:${region}:123456789012:db:shop-mysql`;

describe("stopDbInstance and startDbInstance (handlers/database.ts)", () => {
    const rdsFault = (name: string, message: string) => Object.assign(new Error(message), { name, $fault: "client", $metadata: { httpStatusCode: 400 } });
    const withRds = async (statuses: string[], stopAnswer: Error | undefined, act: () => Promise<unknown>) => {
        const stub = mockClient(rds.RDSClient);
        try {
            const described = stub.on(rds.DescribeDBInstancesCommand);
            for (const status of statuses) described.resolvesOnce({ DBInstances: [{ DBInstanceIdentifier: "shop-mysql", DBInstanceStatus: status }] });
            if (stopAnswer) stub.on(rds.StopDBInstanceCommand).rejects(stopAnswer);
            else stub.on(rds.StopDBInstanceCommand).resolves({});
            stub.on(rds.StartDBInstanceCommand).resolves({});
            return { result: await act().catch((e: Error) => e), calls: stub.calls().map((c) => c.args[0].constructor.name) };
        } finally {
            stub.restore();
        }
    };
    const event = { dbInstanceIdentifier: "shop-mysql" };

    it("stops an available instance, and says so of one already stopping or stopped without a call", async () => {
        assert.deepStrictEqual(await withRds(["available"], undefined, () => stopDbInstance(event)), {
            result: { outcome: "requested", status: "available", reason: "" },
            calls: ["DescribeDBInstancesCommand", "StopDBInstanceCommand"],
        });
        assert.deepStrictEqual((await withRds(["stopping"], undefined, () => stopDbInstance(event))).result, { outcome: "already", status: "stopping", reason: "" });
        assert.deepStrictEqual((await withRds(["starting"], undefined, () => startDbInstance(event))).result, { outcome: "already", status: "starting", reason: "" });
    });

    it("is told to wait (DbInstanceBusy) when the instance became busy between the read and the call", async () => {
        const { result } = await withRds(["available", "modifying"], rdsFault("InvalidDBInstanceStateFault", "Instance shop-mysql is not in available state."), () => stopDbInstance(event));
        assert.deepStrictEqual([(result as Error).name, (result as Error).message], ["DbInstanceBusy", "DB instance shop-mysql is modifying and cannot stop yet: Instance shop-mysql is not in available state."]);
    });

    it("reports a refusal of an instance still available, in RDS's words", async () => {
        const { result } = await withRds(["available", "available"], rdsFault("InvalidDBInstanceStateFault", "Cannot stop instance shop-mysql because it has read replicas."), () => stopDbInstance(event));
        assert.deepStrictEqual(result, { outcome: "refused", status: "available", reason: "Cannot stop instance shop-mysql because it has read replicas." });
    });

    it("names an instance that is gone (DescribeDBInstances answers DBInstanceNotFoundFault)", async () => {
        const stub = mockClient(rds.RDSClient);
        try {
            stub.on(rds.DescribeDBInstancesCommand).rejects(Object.assign(rdsFault("DBInstanceNotFoundFault", "DBInstance shop-mysql not found."), { $metadata: { httpStatusCode: 404 } }));
            await assert.rejects(describeDbInstance(event), (e: Error) => e.name === "DbInstanceNotFound" && e.message === "DB instance shop-mysql does not exist");
        } finally {
            stub.restore();
        }
    });

    it("starts only a stopped instance, or one whose KMS key is back; waits for one still stopping; leaves one that runs, busy or not, to the wait", async () => {
        assert.deepStrictEqual((await withRds(["inaccessible-encryption-credentials-recoverable"], undefined, () => startDbInstance(event))).calls, ["DescribeDBInstancesCommand", "StartDBInstanceCommand"]);
        for (const status of ["modifying", "maintenance", "storage-optimization", "configuring-log-exports"]) {
            assert.deepStrictEqual((await withRds([status], undefined, () => startDbInstance(event))).result, { outcome: "already", status, reason: "" }, status);
        }
        assert.strictEqual(((await withRds(["stopping"], undefined, () => startDbInstance(event))).result as Error).name, "DbInstanceBusy");
        assert.deepStrictEqual((await withRds(["incompatible-network"], undefined, () => startDbInstance(event))).result, {
            outcome: "refused", status: "incompatible-network", reason: "it is incompatible-network, and RDS can start a DB instance only when it is stopped or inaccessible-encryption-credentials-recoverable",
        });
    });
});

describe("finding the database of an existing system (pure, with a reader in memory)", () => {
    const settings: ExistingSystemSettings = {
        mode: "existing",
        webServers: { instanceIds: ["i-0000000000000000a"] },
        database: { kind: "instance", identifier: "shop-mysql" },
        loadBalancer: undefined,
        service: { kind: "systemd", unit: "httpd" },
    };
    const reader = (instance?: Partial<MockedDbInstance>): SystemReader => ({
        instance: async (id) => ({ id, arn: `arn:aws:ec2:${region}:123456789012:instance/${id}`, availabilityZone: `${region}a`, instanceState: "running", tags: { Name: "web-1" } }) as unknown as aws.ec2.GetInstanceResult,
        instancesTagged: async () => [],
        clusterExists: async () => false,
        cluster: async () => assert.fail("no cluster is named"),
        dbInstanceExists: async (identifier) => instance !== undefined && identifier === "shop-mysql",
        dbInstance: async (identifier) => ({
            dbInstanceIdentifier: identifier,
            dbInstanceArn: dbArn,
            engine: "mysql",
            engineVersion: "8.0.40",
            dbClusterIdentifier: "",
            replicateSourceDb: "",
            multiAz: false,
            ...instance,
        }) as aws.rds.GetInstanceResult,
        listener: async () => assert.fail("no listener is named"),
        targetGroup: async () => assert.fail("no target group is named"),
    });
    const refused = (instance: Partial<MockedDbInstance> | undefined, why: string) =>
        assert.rejects(findExistingSystem(settings, reader(instance), region), new ExistingSystemError([`webapp-jobnet:system.database.instanceIdentifier: "shop-mysql" ${why}`]));

    it("finds a single RDS DB instance, its ARN, engine and version", async () => {
        const found = await findExistingSystem(settings, reader({}), region);
        assert.deepStrictEqual(found.database, { kind: "instance", identifier: "shop-mysql", arn: dbArn, engine: "mysql", engineVersion: "8.0.40" });
    });

    it("refuses an instance that does not exist", () => refused(undefined, "is no RDS DB instance in ap-northeast-1"));

    it("refuses an instance of an Aurora cluster, naming the key that names the cluster", () =>
        refused({ engine: "aurora-mysql", dbClusterIdentifier: "shop-aurora" },
            "is an instance of the DB cluster shop-aurora, which RDS stops as a whole: set system.database.clusterIdentifier to shop-aurora instead"));

    it("refuses what RDS cannot stop: a read replica, RDS Custom, SQL Server in Multi-AZ", async () => {
        await refused({ replicateSourceDb: "shop-mysql-primary" }, "is a read replica of shop-mysql-primary, which RDS cannot stop");
        await refused({ engine: "custom-oracle-ee" }, "is RDS Custom (custom-oracle-ee), which StopDBInstance does not apply to");
        await refused({ engine: "sqlserver-se", multiAz: true }, "is SQL Server in a Multi-AZ configuration, which RDS cannot stop");
    });

    it("has no database to find when the config says none", async () => {
        const found = await findExistingSystem({ ...settings, database: undefined }, reader(undefined), region);
        assert.strictEqual(found.database, undefined);
    });
});

describe("the example stack of an existing system with an RDS DB instance (Pulumi.existing-rds.yaml)", function () {
    this.timeout(60_000);
    let synth: SynthResult;
    before(async () => {
        synth = await synthesize("existing-rds", path.join(projectDir, "out", ".test", "existing-rds"));
    });

    it("deploys the DB instance's tasks, none of a cluster's or of a load balancer's", () => {
        assert.deepStrictEqual(synth.functions.map((f) => f.task), taskFunctionNames.filter((t) =>
            // No team jobnet either: the stack defines no server group.
            !["describeCluster", "stopCluster", "startCluster", "enableMaintenancePage", "disableMaintenancePage", "describeTargetHealth", "findWebServers", "beginJobs", "awaitJob", "holdJob", "startJob", "jobEnded", "startOnEvent"].includes(t)));
        const states = JSON.stringify(synth.definitions);
        for (const step of ["StopDbInstance", "WaitUntilDbInstanceStopped", "StartDbInstance", "WaitUntilDbInstanceAvailable", "BackUpDbInstance"]) assert.ok(states.includes(`"${step}"`), step);
        assert.doesNotMatch(states, /Cluster/);
        assert.deepStrictEqual([synth.outputs.dbInstanceIdentifier, synth.outputs.dbInstanceArn, synth.outputs.dbClusterIdentifier], ["shop-mysql", dbArn, undefined]);
        // RDS without capacity for the class at the start: tried again every 2 minutes, 7 times (jobnetWaits.instanceCapacity).
        const startRequest = (synth.definitions.start.States.StartDatabaseAndBootServers as { Branches: { States: Record<string, { Retry?: unknown[] }> }[] }).Branches[0].States.StartDbInstance;
        assert.ok(JSON.stringify(startRequest.Retry).includes('{"ErrorEquals":["InsufficientDBInstanceCapacityFault"],"IntervalSeconds":120,"MaxAttempts":7'), JSON.stringify(startRequest.Retry));
        // Nothing of the system: no server, database, load balancer or network is declared.
        assert.deepStrictEqual(synth.resources.map((r) => r.type).filter((t) => /^aws:(ec2|rds|lb|vpc|s3)\//.test(t)), []);
    });

    const policyOf = (functionName: string) => functionPolicy(synth.resources, functionName);

    it("names the DB instance in lower case, as RDS keeps it, whatever case the config gives", async () => {
        const system = JSON.parse(stackConfig("existing-rds")["webapp-jobnet:system"]);
        const { outputs } = await runProgram("existing-rds", { "webapp-jobnet:system": JSON.stringify({ ...system, database: { instanceIdentifier: "Shop-MySQL" } }) });
        assert.deepStrictEqual([outputs.dbInstanceIdentifier, outputs.dbInstanceArn], ["shop-mysql", dbArn]);
    });

    it("lets each DB instance task act on that instance only", () => {
        // Besides what every task of a run holds for a redrive's check.
        const statements = (task: string) => policyOf(`webapp-jobnet-existing-rds-${task}`).filter((s) => ![s.Action].flat()[0].startsWith("logs:") && !isRedriveGuard(s));
        assert.deepStrictEqual(statements("describe-db-instance"), [{ Effect: "Allow", Action: ["rds:DescribeDBInstances"], Resource: dbArn }]);
        assert.deepStrictEqual(statements("stop-db-instance"), [{ Effect: "Allow", Action: ["rds:DescribeDBInstances", "rds:StopDBInstance"], Resource: dbArn }]);
        assert.deepStrictEqual(statements("start-db-instance"), [{ Effect: "Allow", Action: ["rds:DescribeDBInstances", "rds:StartDBInstance"], Resource: dbArn }]);
    });

    it("runs the stop jobnet again when RDS restarts the stopped DB instance after 7 days (RDS-EVENT-0154)", async () => {
        const { account, outputs } = await sharedRun("existing-rds");
        const rule = account.ofType("aws:cloudwatch/eventRule:EventRule").find((r) => r.inputs.name === "webapp-jobnet-existing-rds-db-instance-auto-restart")!;
        assert.deepStrictEqual(JSON.parse(rule.inputs.eventPattern), {
            source: ["aws.rds"],
            "detail-type": ["RDS DB Instance Event"],
            detail: { SourceIdentifier: ["shop-mysql"], EventID: ["RDS-EVENT-0154"] },
        });
        const target = account.ofType("aws:cloudwatch/eventTarget:EventTarget").find((t) => t.inputs.rule === rule.state.name && t.inputs.arn === outputs.stopStateMachineArn)!;
        assert.deepStrictEqual([target.inputs.arn, JSON.parse(target.inputs.input)], [outputs.stopStateMachineArn, { trigger: "event", event: "db-instance-auto-restart" }]);
    });

    it("warns at preview when AWS Backup is not opted in to RDS in the Region, which the DB instance's snapshot needs", async () => {
        const { warnings } = await runProgram("existing-rds", {}, "existing-rds", { backupOptIn: { ...defaultBackupOptIn, RDS: false, Aurora: false } });
        assert.deepStrictEqual(warnings.map((w) => w.split(":")[0]), ["AWS Backup is not opted in to RDS in ap-northeast-1"]);
    });

    it("stops the servers, backs up each of them and the DB instance, then stops it; every call allowed by its task's policy", async () => {
        const { account, reports } = await simulate(synth, { initial: "running", jobnets: ["stop"] });
        assert.strictEqual(reports[0].report.status, "SUCCEEDED", reports[0].report.cause);
        assert.deepStrictEqual(account.webServers().map((i) => `${i.name}: ${i.state}, httpd ${i.httpd}`), ["web-1: stopped, httpd stopped", "web-2: stopped, httpd stopped", "web-3: stopped, httpd stopped"]);
        assert.deepStrictEqual([account.database.status, account.maintenancePage()], ["stopped", "none"]);
        assert.deepStrictEqual(account.backupJobs.filter((j) => !j.earlier).map((j) => `${j.resourceName}: ${j.state}`).sort(), ["shop-mysql: COMPLETED", "web-1: COMPLETED", "web-2: COMPLETED", "web-3: COMPLETED"]);
        assert.ok(account.recoveryPoints.some((p) => p.arn.startsWith(`arn:aws:rds:${region}:123456789012:snapshot:awsbackup:job-`)));
        // The DB instance stops once its own snapshot has completed and every server is stopped; the AMIs go on beside.
        const at = (event: string) => account.timeline.find((e) => e.event === event)!.at;
        assert.ok(at("DB instance stopping") >= Math.max(at("shop-mysql backup COMPLETED"), ...["web-1", "web-2", "web-3"].map((n) => at(`${n} stopped`))));
        for (const call of account.calls) {
            const policy = policyOf(synth.functions.find((f) => f.task === call.caller)!.functionName);
            for (const { resource, context } of call.authorizations) {
                assert.ok(allowingStatement(policy, { action: call.action, resource, context }), `${call.caller}: ${call.action} on ${resource} is denied`);
            }
        }
    });

    it("stopping it again succeeds with nothing to do: no backup, no stop call", async () => {
        const { account, reports } = await simulate(synth, { initial: "stopped", jobnets: ["stop"] });
        assert.strictEqual(reports[0].report.status, "SUCCEEDED", reports[0].report.cause);
        assert.deepStrictEqual(account.calls.filter((c) => ["rds:StopDBInstance", "backup:StartBackupJob", "ec2:StopInstances"].includes(c.action)), []);
        assert.deepStrictEqual((reports[0].report.output as { database: unknown }).database, { name: "shop-mysql", backupJobId: null, outcome: "none" });
    });

    it("starts the DB instance while the servers boot, then the service on each", async () => {
        const { account, reports } = await simulate(synth, { initial: "stopped", jobnets: ["start"] });
        assert.strictEqual(reports[0].report.status, "SUCCEEDED", reports[0].report.cause);
        assert.deepStrictEqual(account.webServers().map((i) => `${i.state}, httpd ${i.httpd}`), ["running, httpd running", "running, httpd running", "running, httpd running"]);
        assert.deepStrictEqual([account.database.status, (reports[0].report.output as { database: string }).database], ["available", "requested"]);
        assert.ok(account.timeline.findIndex((e) => e.event === "DB instance starting") < account.timeline.findIndex((e) => e.event === "web-1 running"));
    });

    it("starts the DB instance once RDS has capacity for its class again, and fails naming RDS's answer when it never has", async () => {
        const later = await simulate(synth, { initial: "stopped", jobnets: ["start"], faults: parseFaults(["db-capacity:2"], { tasks: taskFunctionNames }) });
        assert.strictEqual(later.reports[0].report.status, "SUCCEEDED", later.reports[0].report.cause);
        assert.deepStrictEqual([later.account.database.status, later.account.calls.filter((c) => c.action === "rds:StartDBInstance").length], ["available", 3]);
        const never = await simulate(synth, { initial: "stopped", jobnets: ["start"], faults: { databaseCapacity: Infinity } });
        assert.strictEqual(never.reports[0].report.error, "InsufficientDBInstanceCapacityFault");
        assert.match(readableCause(never.reports[0].report.cause) ?? "", /^StartDbInstance on shop-mysql: AWS refused the request \(InsufficientDBInstanceCapacityFault, HTTP 400\): Cannot start instance shop-mysql because there is insufficient capacity/);
        assert.strictEqual(never.account.calls.filter((c) => c.action === "rds:StartDBInstance").length, 8);
    });

    it("a DB instance RDS cannot start for its KMS key ends the start at once, naming it and the key", async () => {
        const { account, reports } = await simulate(synth, { initial: "stopped", jobnets: ["start"], faults: parseFaults(["db-kms"], { tasks: taskFunctionNames }) });
        const report = reports[0].report;
        assert.strictEqual(report.error, "KMSKeyNotAccessibleFault");
        assert.match(readableCause(report.cause) ?? "", /^DB instance shop-mysql cannot start: RDS cannot use the KMS key that encrypts it; RDS answered KMSKeyNotAccessibleFault: Specified KMS key \[arn:aws:kms:ap-northeast-1:123456789012:key\/[0-9a-f-]{36}\] does not exist, /);
        assert.deepStrictEqual([report.durationSeconds, account.calls.filter((c) => c.action === "rds:StartDBInstance").length, account.database.status], [0, 1, "stopped"]);
    });

    it("the run the 7-day restart starts stops the DB instance again", async () => {
        const { account, reports } = await stopAfterSevenDayRestart(synth, "db-instance-auto-restart");
        assert.strictEqual(reports[0].report.status, "SUCCEEDED", reports[0].report.cause);
        assert.deepStrictEqual([account.database.identifier, account.database.status], ["shop-mysql", "stopped"]);
    });

    it("a DB instance RDS refuses to stop (one with a read replica) ends the run after the backups, with RDS's words", async () => {
        const { account, reports } = await simulate(synth, { initial: "running", jobnets: ["stop"], faults: { clusterRefusesToStop: true } });
        assert.deepStrictEqual([reports[0].report.error, reports[0].report.cause], [
            "DbInstanceNotStoppable",
            "StopDbInstance: DB instance shop-mysql cannot be stopped: Cannot stop instance shop-mysql because it has read replicas.",
        ]);
        assert.strictEqual(account.database.status, "available");
    });

    it("a DB instance RDS cannot leave ends the stop at once, naming its status", async () => {
        const { reports } = await simulate(synth, { initial: "running", jobnets: ["stop"], faults: { clusterStuck: "incompatible-option-group" } });
        assert.deepStrictEqual([reports[0].report.error, reports[0].report.cause], [
            "DbInstanceNotStoppable",
            "DescribeDatabase: DB instance shop-mysql is incompatible-option-group; RDS does not leave that status by itself, so the DB instance cannot be stopped",
        ]);
    });

    it("npm start's faults know the stack's database: a DB instance has no instances of its own to be busy", () => {
        const context = { servers: ["web-1"], tasks: taskFunctionNames, database: { kind: "instance" as const, identifier: "shop-mysql" } };
        assert.throws(() => parseFaults(["cluster-instance-busy"], context), (e: Error) => e instanceof FaultSpecError && /an RDS DB instance/.test(e.message));
        assert.deepStrictEqual(parseFaults(["cluster-stuck:incompatible-option-group", "backup:cluster:1", "db-capacity:3"], context), {
            clusterStuck: "incompatible-option-group", backupFails: { "shop-mysql": 1 }, databaseCapacity: 3,
        });
        assert.throws(() => parseFaults(["cluster-stop"], { ...context, database: "none" }), (e: Error) => e instanceof FaultSpecError && /the stack has no database/.test(e.message));
    });
});

describe("an existing system without a database", function () {
    this.timeout(60_000);
    const withoutDatabase = () => {
        const system = JSON.parse(stackConfig("existing-rds")["webapp-jobnet:system"]);
        return { "webapp-jobnet:system": JSON.stringify({ ...system, database: { none: true } }) };
    };
    let synth: SynthResult;
    before(async () => {
        synth = await synthesize("existing-rds", path.join(projectDir, "out", ".test", "existing-no-db"), withoutDatabase());
    });

    it("deploys no database task, has no database step but the wait for the servers' backups, and no 7-day restart trigger", async () => {
        const tasks = synth.functions.map((f) => f.task as string);
        for (const task of ["describeCluster", "stopCluster", "startCluster", "describeDbInstance", "stopDbInstance", "startDbInstance"]) assert.ok(!tasks.includes(task), task);
        assert.strictEqual(tasks.length, 10);
        const states = Object.keys(synth.definitions.stop.States).concat(Object.keys(synth.definitions.start.States));
        assert.deepStrictEqual(states.filter((s) => /Database|Cluster|DbInstance/.test(s)), ["NoDatabase", "NoDatabaseToStart"]);
        assert.ok(states.includes("WaitUntilServerBackupsCompletedBegin"));
        const { account, infos } = await runProgram("existing-rds", withoutDatabase());
        assert.deepStrictEqual(account.ofType("aws:cloudwatch/eventRule:EventRule").map((r) => r.inputs.name), ["webapp-jobnet-existing-rds-run-lock-release", "webapp-jobnet-existing-rds-run-ended"]);
        assert.match(infos.join("\n"), /\n {2}no database\n/);
    });

    it("stops and starts the servers, each backed up, saying there is no database", async () => {
        const stopped = await simulate(synth, { initial: "running", jobnets: ["stop"] });
        assert.strictEqual(stopped.reports[0].report.status, "SUCCEEDED", stopped.reports[0].report.cause);
        assert.deepStrictEqual((stopped.reports[0].report.output as { database: unknown }).database, { name: "none", backupJobId: null, outcome: "none" });
        assert.deepStrictEqual(stopped.account.backupJobs.filter((j) => !j.earlier).map((j) => `${j.resourceName}: ${j.state}`).sort(), ["web-1: COMPLETED", "web-2: COMPLETED", "web-3: COMPLETED"]);
        assert.deepStrictEqual(stopped.account.calls.filter((c) => c.action.startsWith("rds:")), []);
        const started = await simulate(synth, { initial: "stopped", jobnets: ["start"] });
        assert.strictEqual(started.reports[0].report.status, "SUCCEEDED", started.reports[0].report.cause);
        assert.deepStrictEqual([(started.reports[0].report.output as { database: string }).database, started.account.database.status], ["none", "none"]);
        assert.deepStrictEqual(started.account.webServers().map((i) => `${i.state}, httpd ${i.httpd}`), ["running, httpd running", "running, httpd running", "running, httpd running"]);
    });

    it("with a load balancer, the stop puts the page up and says so in its output, and the start takes it down", async () => {
        const system = JSON.parse(stackConfig("existing")["webapp-jobnet:system"]);
        const withPage = await synthesize("existing", path.join(projectDir, "out", ".test", "existing-lb-no-db"), { "webapp-jobnet:system": JSON.stringify({ ...system, database: { none: true } }) });
        const { reports, account } = await simulate(withPage, { initial: "running", jobnets: ["stop", "start"] });
        assert.deepStrictEqual(reports.map((r) => r.report.status), ["SUCCEEDED", "SUCCEEDED"], reports.map((r) => r.report.cause).join("; "));
        const [stop, start] = reports.map((r) => r.report.output as { maintenancePage: string; database: unknown });
        assert.deepStrictEqual([stop.maintenancePage, stop.database, start.maintenancePage, start.database], ["created", { name: "none", backupJobId: null, outcome: "none" }, "deleted", "none"]);
        assert.strictEqual(account.maintenancePage(), "off");
    });
});
