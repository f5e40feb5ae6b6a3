import * as assert from "assert";
import * as path from "path";
import { RegisteredResource } from "../scripts/lib/mockedCloud";
import { projectDir } from "../scripts/lib/runProgram";
import { SynthResult, deflatedBytes, synthesize } from "../scripts/lib/synthesize";
import { TaskState, allStates, invokedFunctions } from "../statemachines/asl";
import { deployedTasks } from "../statemachines/plan";
import { simulate } from "../simulator/simulate";
import { TaskResources, taskFunctions } from "../handlers/catalog";
import { PolicyStatement, allowingStatement, isRedriveGuard } from "./support/iamPolicy";
import { sharedSynthesis } from "./support/sharedRuns";

let synth: SynthResult;
/** The dev stack lists its servers: it has no task that finds them. */
const taskFunctionNames = deployedTasks({ serversByTag: false, loadBalancer: true, database: "cluster" });
const ofType = (type: string) => synth.resources.filter((r) => r.type === type);

/** The dev stack, synthesised once for every suite in this file. */
let synthesised: Promise<SynthResult> | undefined;
async function loadSynth(): Promise<void> {
    synthesised ??= sharedSynthesis("dev");
    synth = await synthesised;
}

/** The inline policy of the role with this ARN. */
function policyOfRole(roleArn: string): { Statement: { Action: string[]; Resource: string | string[]; Condition?: unknown }[] } {
    const role = ofType("aws:iam/role:Role").find((r) => r.state.arn === roleArn);
    assert.ok(role, `no role ${roleArn}`);
    const policy = ofType("aws:iam/rolePolicy:RolePolicy").find((p) => p.inputs.role === role.id);
    assert.ok(policy, `no inline policy on ${roleArn}`);
    return JSON.parse(policy.inputs.policy);
}

function functionOf(task: string): RegisteredResource {
    const fn = synth.functions.find((f) => f.task === task)!;
    return ofType("aws:lambda/function:Function").find((r) => r.inputs.name === fn.functionName)!;
}

describe("the jobnets' Lambda functions", () => {
    before(async function () {
        this.timeout(60_000);
        await loadSynth();
    });

    it("run on nodejs22.x with an explicit role of their own, never the default one", () => {
        const functions = ofType("aws:lambda/function:Function");
        // The tasks of stop and start, the four the team's jobnets share, the StartJob of each of
        // the four team jobnets, StartOnEvent, the notifier and the run watcher.
        assert.strictEqual(functions.length, taskFunctionNames.length + 4 + 4 + 1 + 2);
        const roles = new Set<string>();
        for (const fn of functions) {
            assert.strictEqual(fn.inputs.runtime, "nodejs22.x", fn.name);
            assert.strictEqual(fn.inputs.handler, "__index.handler");
            roles.add(fn.inputs.role);
        }
        assert.strictEqual(roles.size, functions.length, "each function has a role of its own");
        // CallbackFunction's default role would come with FullAccess managed policies attached.
        const attached = ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((a) => a.inputs.policyArn);
        assert.ok(attached.every((arn: string) => !/FullAccess|AWSLambdaBasicExecutionRole/.test(arn)), attached.join(", "));
    });

    it("stop on their own well before Step Functions gives up on the Task that invoked them", () => {
        const tasks = [...allStates(synth.definitions.stop.States), ...allStates(synth.definitions.start.States)]
            .map(([, s]) => s)
            .filter((s): s is TaskState => s.Type === "Task");
        assert.ok(tasks.length > 20);
        for (const task of tasks) {
            const fn = ofType("aws:lambda/function:Function").find((f) => f.state.arn === task.Parameters!.FunctionName)!;
            assert.strictEqual(fn.inputs.timeout, 30, fn.inputs.name);
            // A Task timeout then means the function has ended: retrying it cannot run it twice at once.
            assert.strictEqual(task.TimeoutSeconds, 60, fn.inputs.name);
            assert.ok(task.Retry!.some((r) => r.ErrorEquals.includes("States.Timeout") && r.ErrorEquals.includes("Sandbox.Timedout")), fn.inputs.name);
        }
    });

    it("log to their own group, with the stack's retention, and may write only there", () => {
        for (const task of taskFunctionNames) {
            const fn = functionOf(task);
            const group = ofType("aws:cloudwatch/logGroup:LogGroup").find((g) => g.inputs.name === fn.inputs.loggingConfig.logGroup)!;
            assert.strictEqual(group.inputs.name, `/aws/lambda/${fn.inputs.name}`);
            assert.strictEqual(group.inputs.retentionInDays, 7);
            const logs = policyOfRole(fn.inputs.role).Statement.filter((s) => s.Action.some((a) => a.startsWith("logs:")));
            assert.deepStrictEqual(logs, [{ Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${group.state.arn}:*` }]);
        }
    });

    it("upload under 20 KB deflated each, the calendar's included: the handler file only, the AWS SDK left to the runtime", () => {
        const fs = require("fs") as typeof import("fs");
        const all = [...synth.functions, ...synth.alertFunctions];
        assert.strictEqual(all.length, ofType("aws:lambda/function:Function").length);
        for (const f of all) {
            assert.ok(deflatedBytes(f.codeDirectory) < 20 * 1024, `${f.functionName}: ${deflatedBytes(f.codeDirectory)} bytes deflated`);
            assert.deepStrictEqual(fs.readdirSync(f.codeDirectory), ["__index.js"], `${f.functionName} uploads more than its handler`);
        }
        // The holidays travel as a table inside the calendar check's file, not as a package.
        const calendar = fs.readFileSync(path.join(synth.functions.find((f) => f.task === "checkCalendar")!.codeDirectory, "__index.js"), "utf8");
        assert.ok(calendar.includes("2026-11-23") && !calendar.includes("holiday_jp/lib"));
    });

    it("allow exactly the AWS calls their handlers make, on this stack's resources where IAM allows it", async function () {
        this.timeout(60_000);
        // Between them these runs make every call the handlers can make.
        const runs = [
            await simulate(synth, { initial: "running", jobnets: ["stop", "start"] }),
            await simulate(synth, { initial: "stopped", jobnets: ["stop"] }),
            // A failed backup is taken again by the wait that follows the backups.
            await simulate(synth, { initial: "running", jobnets: ["stop"], faults: { backupFails: { "web-1": 1 } } }),
            // A scheduled run claims its time; a lock left by a run that ended is taken over once its holder is read.
            await simulate(synth, { initial: "running", jobnets: ["stop"], input: { trigger: "schedule", scheduledTime: "2026-11-30T13:00:00Z" }, faults: { duplicateDelivery: "later", lockLeft: "start" } }),
            // A server whose SSM agent comes online late is waited for before the command goes to it.
            await simulate(synth, { initial: "stopped", jobnets: ["start"], faults: { agentLate: { "web-1": 720 } } }),
            // A jobnet kept apart from another finds it running: the lock's transaction checks the other's item.
            await simulate(synth, { initial: "running", jobnets: ["weekly-maintenance"], faults: { jobnetRunning: { jobnet: "nightly-batch", minutes: 5 } } }),
        ];
        const called = new Map<string, Set<string>>();
        for (const { account } of runs) {
            for (const c of account.calls) {
                if (!called.has(c.caller)) called.set(c.caller, new Set());
                // A transaction is authorised as each of its actions (TransactWriteItems: PutItem, ConditionCheckItem).
                for (const action of c.authorizations.some((a) => a.action) ? c.authorizations.map((a) => a.action ?? c.action) : [c.action]) called.get(c.caller)!.add(action);
            }
        }
        for (const task of taskFunctionNames) {
            const statements = policyOfRole(functionOf(task).inputs.role).Statement.filter((s) => !s.Action.every((a) => a.startsWith("logs:")));
            // What a task of a run holds for a redrive's check, only a redriven run uses (the next test makes one).
            const guard = statements.filter(isRedriveGuard);
            assert.strictEqual(guard.length, task === "releaseRunLock" ? 0 : 3, task);
            const allowed = new Set(statements.filter((s) => !isRedriveGuard(s)).flatMap((s) => s.Action));
            assert.deepStrictEqual([...allowed].sort(), [...(called.get(task) ?? [])].sort(), task);
            for (const s of statements) {
                assert.ok(s.Action.every((a) => !a.includes("*")), `${task}: wildcard action`);
                const anyResource = s.Resource === "*";
                // Only calls without resource-level permissions may name "*".
                if (anyResource) assert.ok(s.Action.every((a) => /:(Describe|List|Get)/.test(a)), `${task}: ${s.Action} on *`);
            }
        }
    });

    it("allow every call the runs make, on its resources and under its conditions, and hold no statement those calls do not need", async function () {
        this.timeout(60_000);
        const runs = [
            await simulate(synth, { initial: "running", jobnets: ["stop", "start"] }),
            await simulate(synth, { initial: "running", jobnets: ["stop"], faults: { backupFails: { "web-1": 1 } } }),
            await simulate(synth, { initial: "running", jobnets: ["stop"], input: { trigger: "schedule", scheduledTime: "2026-11-30T13:00:00Z" }, faults: { duplicateDelivery: "later", lockLeft: "start" } }),
            await simulate(synth, { initial: "stopped", jobnets: ["start"], faults: { agentLate: { "web-1": 720 } } }),
            // A redrive: the failed task checks it is safe before it acts.
            await simulate(synth, { initial: "running", jobnets: ["stop", "redrive"], faults: { backupFails: { "web-1": 2 } } }),
            // A jobnet kept apart from another waits for it: the lock's transaction checks the other's item.
            await simulate(synth, { initial: "running", jobnets: ["weekly-maintenance"], faults: { jobnetRunning: { jobnet: "nightly-batch", minutes: 5 } } }),
        ];
        const used = new Set<PolicyStatement>();
        const policies = new Map(taskFunctionNames.map((task) => [task as string, policyOfRole(functionOf(task).inputs.role).Statement as PolicyStatement[]]));
        // The team jobnets' own functions (beginJobs, the StartJobs, …) are checked in teamJobnetRuns.test.ts.
        for (const call of runs.flatMap((r) => r.account.calls).filter((c) => policies.has(c.caller))) {
            for (const { resource, context, action } of call.authorizations) {
                const statement = allowingStatement(policies.get(call.caller)!, { action: action ?? call.action, resource, context });
                assert.ok(statement, `${call.caller}: ${call.action} on ${resource} ${JSON.stringify(context ?? {})} is denied`);
                used.add(statement);
            }
        }
        for (const [task, statements] of policies) {
            // A redrive's check: used by the task the redrive resumes at; every task holds the same three.
            const unused = statements.filter((s) => ![s.Action].flat().every((a) => a.startsWith("logs:")) && !used.has(s));
            for (const s of unused) assert.ok(isRedriveGuard(s) && task !== "followBackups", `${task}: ${JSON.stringify(s)} is never used`);
        }
    });

    it("deny what the maintenance tasks must not do: another rule, a tag of someone else's, another listener", () => {
        const [listener] = synth.outputs.listeners.map((l: { arn: string }) => l.arn);
        const rule = `${listener.replace(":listener/", ":listener-rule/")}/0123456789abcdef`;
        const policy = (task: string) => policyOfRole(functionOf(task).inputs.role).Statement as PolicyStatement[];
        const denied = (task: string, action: string, resource: string, context: Record<string, string | string[]> = {}) =>
            assert.strictEqual(allowingStatement(policy(task), { action, resource, context }), undefined, `${task} may ${action} on ${resource} ${JSON.stringify(context)}`);
        const ours = { "aws:ResourceTag/webapp-jobnet:maintenance": "dev" };
        assert.ok(allowingStatement(policy("disableMaintenancePage"), { action: "elasticloadbalancing:DeleteRule", resource: rule, context: ours }));
        denied("disableMaintenancePage", "elasticloadbalancing:DeleteRule", rule, {});
        denied("disableMaintenancePage", "elasticloadbalancing:DeleteRule", rule, { "aws:ResourceTag/webapp-jobnet:maintenance": "prod" });
        denied("disableMaintenancePage", "elasticloadbalancing:DeleteRule", rule.replace("/0123456789abcdef", "").replace(/\/[^/]+$/, "/another-listener/0123456789abcdef"), ours);
        const tagOnCreate = { "elasticloadbalancing:CreateAction": "CreateRule", "aws:RequestTag/webapp-jobnet:maintenance": "dev", "aws:TagKeys": ["webapp-jobnet:maintenance"] };
        assert.ok(allowingStatement(policy("enableMaintenancePage"), { action: "elasticloadbalancing:AddTags", resource: rule, context: tagOnCreate }));
        // Tagging an existing rule would make it ours, and then the start jobnet's to delete.
        denied("enableMaintenancePage", "elasticloadbalancing:AddTags", rule, { "aws:RequestTag/webapp-jobnet:maintenance": "dev", "aws:TagKeys": ["webapp-jobnet:maintenance"] });
        denied("enableMaintenancePage", "elasticloadbalancing:AddTags", rule, { ...tagOnCreate, "aws:TagKeys": ["webapp-jobnet:maintenance", "Owner"] });
        denied("enableMaintenancePage", "elasticloadbalancing:DeleteRule", rule, ours);
    });

    it("give EC2 a grant on the servers' volume key only when the stack names a customer managed key, and on that key only", () => {
        const key = "arn:aws:kms:ap-northeast-1:123456789012:key/0a1b2c3d-4e5f-4789-8bcd-ef0123456789";
        const resources = {
            partition: "aws", dnsSuffix: "amazonaws.com", region: "ap-northeast-1", accountId: "123456789012", instances: ["arn:aws:ec2:ap-northeast-1:123456789012:instance/i-0123456789abcdef0"],
            stateMachineArns: [], runLockTableArn: "arn:aws:dynamodb:ap-northeast-1:123456789012:table/webapp-jobnet-test-run-lock",
        } as unknown as TaskResources;
        const grants = (r: TaskResources) => taskFunctions.startInstances.permissions(r).filter((s) => s.Action.includes("kms:CreateGrant"));
        assert.deepStrictEqual(grants({ ...resources, volumeKmsKeyArn: undefined }), []);
        assert.deepStrictEqual(grants({ ...resources, volumeKmsKeyArn: key }), [{
            Effect: "Allow",
            Action: ["kms:CreateGrant"],
            Resource: key,
            Condition: { StringEquals: { "kms:ViaService": "ec2.ap-northeast-1.amazonaws.com" }, Bool: { "kms:GrantIsForAWSResource": "true" } },
        }]);
        const statements = grants({ ...resources, volumeKmsKeyArn: key });
        const byEc2 = { "kms:ViaService": "ec2.ap-northeast-1.amazonaws.com", "kms:GrantIsForAWSResource": "true" };
        assert.ok(allowingStatement(statements, { action: "kms:CreateGrant", resource: key, context: byEc2 }));
        // Not for another key, nor for a grant the function would make itself.
        assert.strictEqual(allowingStatement(statements, { action: "kms:CreateGrant", resource: key.replace("0a1b", "ffff"), context: byEc2 }), undefined);
        assert.strictEqual(allowingStatement(statements, { action: "kms:CreateGrant", resource: key, context: { "kms:GrantIsForAWSResource": "false" } }), undefined);
    });

    it("are scoped to this stack's instances, cluster, listener, vault and state machines", () => {
        const instances = synth.outputs.webServers.map((s: { instanceArn: string }) => s.instanceArn);
        const resourcesOf = (task: string, action: string) =>
            policyOfRole(functionOf(task).inputs.role).Statement.filter((s) => s.Action.includes(action)).flatMap((s) => [s.Resource].flat());
        assert.deepStrictEqual(resourcesOf("stopInstances", "ec2:StopInstances"), instances);
        assert.deepStrictEqual(resourcesOf("startInstances", "ec2:StartInstances"), instances);
        assert.deepStrictEqual(resourcesOf("sendScript", "ssm:SendCommand"), ["arn:aws:ssm:ap-northeast-1::document/AWS-RunShellScript", ...instances]);
        assert.deepStrictEqual(resourcesOf("stopCluster", "rds:StopDBCluster"), [synth.outputs.dbClusterArn]);
        const [listener] = synth.outputs.listeners.map((l: { arn: string }) => l.arn);
        const rules = listener.replace(":listener/", ":listener-rule/") + "/*";
        assert.deepStrictEqual(resourcesOf("disableMaintenancePage", "elasticloadbalancing:DeleteRule"), [rules]);
        assert.deepStrictEqual(resourcesOf("enableMaintenancePage", "elasticloadbalancing:CreateRule"), [listener, rules]);
        const lockTable = "arn:aws:dynamodb:ap-northeast-1:123456789012:table/webapp-jobnet-dev-run-lock";
        // takeRunLock's own write, and the one a redrive's check makes (every task of a run holds it).
        assert.deepStrictEqual([resourcesOf("takeRunLock", "dynamodb:PutItem"), resourcesOf("releaseRunLock", "dynamodb:DeleteItem"), resourcesOf("stopInstances", "dynamodb:PutItem")], [[lockTable, lockTable], [lockTable], [lockTable]]);
        const jobnets = ["stop", "start", "nightly-batch", "weekly-maintenance", "orders-arrival", "orders-report"];
        const executions = jobnets.map((j) => `arn:aws:states:ap-northeast-1:123456789012:execution:webapp-jobnet-dev-${j}:*`);
        // Its own read of a holder, and the redrive's check's; the check reads the state machines themselves too.
        assert.deepStrictEqual(resourcesOf("takeRunLock", "states:DescribeExecution"), [...executions, ...executions]);
        assert.deepStrictEqual(resourcesOf("sendScript", "states:DescribeStateMachine"), jobnets.map((j) => `arn:aws:states:ap-northeast-1:123456789012:stateMachine:webapp-jobnet-dev-${j}`));
        assert.deepStrictEqual(resourcesOf("ensureBackups", "backup:StartBackupJob"), ["arn:aws:backup:ap-northeast-1:123456789012:backup-vault:webapp-jobnet-dev"]);
    });
});

describe("the start conditions of the team's jobnets", () => {
    before(async function () {
        this.timeout(60_000);
        await loadSynth();
    });

    it("have a rule each, whose target is StartOnEvent, which may start only the jobnets started by events, invoked only by those rules", () => {
        const machine = (j: string) => `arn:aws:states:ap-northeast-1:123456789012:stateMachine:webapp-jobnet-dev-${j}`;
        assert.deepStrictEqual(policyOfRole(functionOf("startOnEvent").inputs.role).Statement[0], { Effect: "Allow", Action: ["states:StartExecution"], Resource: [machine("orders-arrival"), machine("orders-report")] });
        const starter = functionOf("startOnEvent").state.arn;
        const rules = ofType("aws:cloudwatch/eventRule:EventRule").filter((r) => /-on-\d$/.test(r.inputs.name));
        assert.deepStrictEqual(rules.map((r) => [r.inputs.name, JSON.parse(r.inputs.eventPattern)]), [
            ["webapp-jobnet-dev-orders-arrival-on-1", { source: ["aws.s3"], "detail-type": ["Object Created"], detail: { bucket: { name: ["webapp-jobnet-orders-inbound"] }, object: { key: [{ wildcard: "orders/*.csv" }] } } }],
            ["webapp-jobnet-dev-orders-report-on-1", { source: ["aws.states"], "detail-type": ["Step Functions Execution Status Change"], detail: { status: ["SUCCEEDED"], stateMachineArn: [machine("orders-arrival")] } }],
        ]);
        const permissions = ofType("aws:lambda/permission:Permission").filter((p) => p.inputs.function === starter);
        assert.deepStrictEqual(permissions.map((p) => [p.inputs.principal, p.inputs.sourceArn]), rules.map((r) => ["events.amazonaws.com", r.state.arn]));
        const targets = ofType("aws:cloudwatch/eventTarget:EventTarget").filter((t) => t.inputs.arn === starter);
        assert.deepStrictEqual(targets.map((t) => [t.inputs.rule, t.inputs.inputTransformer.inputTemplate]), [
            ["webapp-jobnet-dev-orders-arrival-on-1", `{"stateMachineArn":"${machine("orders-arrival")}","trigger":"s3","step":"StartOnEvent","event":<aws.events.event.json>}`],
            ["webapp-jobnet-dev-orders-report-on-1", `{"stateMachineArn":"${machine("orders-report")}","trigger":"jobnet","endedJobnet":"orders-arrival","step":"StartOnEvent","event":<aws.events.event.json>}`],
        ]);
    });
});

describe("the jobnets' state machines", () => {
    before(async function () {
        this.timeout(60_000);
        await loadSynth();
    });

    const machines = () => ofType("aws:sfn/stateMachine:StateMachine");

    it("are Standard workflows logging ALL to their own group under /aws/vendedlogs/states/, with retention", () => {
        assert.deepStrictEqual(machines().map((m) => m.inputs.name).sort(), ["webapp-jobnet-dev-nightly-batch", "webapp-jobnet-dev-orders-arrival", "webapp-jobnet-dev-orders-report", "webapp-jobnet-dev-start", "webapp-jobnet-dev-stop", "webapp-jobnet-dev-weekly-maintenance"]);
        for (const m of machines()) {
            assert.strictEqual(m.inputs.type, "STANDARD");
            const group = ofType("aws:cloudwatch/logGroup:LogGroup").find((g) => `${g.state.arn}:*` === m.inputs.loggingConfiguration.logDestination)!;
            assert.strictEqual(group.inputs.name, `/aws/vendedlogs/states/${m.inputs.name}`);
            assert.strictEqual(group.inputs.retentionInDays, 7);
            assert.deepStrictEqual([m.inputs.loggingConfiguration.level, m.inputs.loggingConfiguration.includeExecutionData], ["ALL", true]);
        }
    });

    it("may invoke exactly the functions their definition calls, and deliver logs", () => {
        for (const m of machines()) {
            const policy = policyOfRole(m.inputs.roleArn);
            const invoked = invokedFunctions(JSON.parse(m.inputs.definition));
            assert.deepStrictEqual(policy.Statement[0], { Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: invoked.flatMap((a) => [a, `${a}:*`]) });
            assert.ok(policy.Statement[1].Action.every((a) => a.startsWith("logs:")));
            assert.strictEqual(policy.Statement.length, 2);
        }
        const stopFunctions = invokedFunctions(synth.definitions.stop).map((arn) => arn.split(":").pop());
        assert.ok(!stopFunctions.includes("webapp-jobnet-dev-start-instance"));
    });

    it("are the stack's outputs, with definitions exactly as synthesised", () => {
        assert.strictEqual(synth.outputs.stopStateMachineArn, "arn:aws:states:ap-northeast-1:123456789012:stateMachine:webapp-jobnet-dev-stop");
        assert.strictEqual(synth.outputs.startStateMachineArn, "arn:aws:states:ap-northeast-1:123456789012:stateMachine:webapp-jobnet-dev-start");
        const fs = require("fs") as typeof import("fs");
        for (const jobnet of ["stop", "start"] as const) {
            const deployed = machines().find((m) => m.inputs.name.endsWith(jobnet))!.inputs.definition;
            assert.strictEqual(fs.readFileSync(path.join(synth.outDir, `${jobnet}.asl.json`), "utf8"), deployed + "\n");
            assert.strictEqual(fs.readFileSync(path.join(synth.outDir, `${jobnet}.input.json`), "utf8"), "{}\n");
        }
    });

    it("need no input: the targets are written into the definition, the maintenance rule found by its tag", () => {
        const loadTargets = synth.definitions.stop.States.LoadTargets as unknown as { Result: { webServers: { name: string }[] } };
        assert.deepStrictEqual(loadTargets.Result.webServers.map((s) => s.name), ["web-1", "web-2"]);
        const text = JSON.stringify(synth.definitions);
        assert.ok(!text.includes(":listener-rule/"), "no rule ARN in a definition");
        assert.ok(text.includes('"tagKey":"webapp-jobnet:maintenance","tagValue":"dev"'));
    });
});

describe("npm run synth's files", () => {
    before(async function () {
        this.timeout(60_000);
        await loadSynth();
    });

    it("map each function ARN to its folder, handler and environment", () => {
        const index = JSON.parse(require("fs").readFileSync(path.join(synth.outDir, "functions", "index.json"), "utf8"));
        const describe = synth.functions.find((f) => f.task === "describeInstances")!;
        assert.deepStrictEqual(index[describe.functionArn], {
            task: "describeInstances",
            folder: "webapp-jobnet-dev-describe-instances",
            handler: "__index.handler",
            environment: {},
            uploadBytes: describe.uploadBytes,
        });
        // Every function: the tasks, the team jobnets' StartJobs, the notifier and the run watcher.
        assert.strictEqual(Object.keys(index).length, ofType("aws:lambda/function:Function").length);
    });

    it("list every resource with secrets redacted", () => {
        const resources = JSON.parse(require("fs").readFileSync(path.join(synth.outDir, "resources.json"), "utf8"));
        assert.strictEqual(resources.length, synth.resources.length);
        const cluster = resources.find((r: { type: string }) => r.type === "aws:rds/cluster:Cluster");
        assert.strictEqual(cluster.arn, synth.outputs.dbClusterArn);
        assert.ok(!JSON.stringify(resources).includes("4dabf18193072939515e22adb298388d"));
    });
});

describe("npm run synth for the prod stack", () => {
    it("writes the same files, for 4 servers and its own names", async function () {
        this.timeout(60_000);
        const prod = await synthesize("prod", path.join(projectDir, "out", ".test", "prod"));
        const fs = require("fs") as typeof import("fs");
        assert.deepStrictEqual(fs.readdirSync(prod.outDir).sort(), ["functions", "resources.json", "start.asl.json", "start.input.json", "start.overview.svg", "start.svg", "stop.asl.json", "stop.input.json", "stop.overview.svg", "stop.svg"]);
        // 16 tasks, the notifier, the run watcher and index.json.
        assert.strictEqual(fs.readdirSync(path.join(prod.outDir, "functions")).length, 19);
        const loadTargets = prod.definitions.start.States.LoadTargets as unknown as { Result: { webServers: unknown[] } };
        assert.strictEqual(loadTargets.Result.webServers.length, 4);
        assert.strictEqual(prod.stateMachineArns.stop, "arn:aws:states:ap-northeast-1:123456789012:stateMachine:webapp-jobnet-prod-stop");
    });
});
