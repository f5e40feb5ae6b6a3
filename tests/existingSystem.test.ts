import * as assert from "assert";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ExistingSystemSettings } from "../infra/config";
import { ExistingSystemError, SystemReader, findExistingSystem } from "../infra/existingSystem";
import { MockedExistingSystem } from "../scripts/lib/mockedCloud";
import * as path from "path";
import { ProgramRun, projectDir, runProgram, stackConfig } from "../scripts/lib/runProgram";
import { SynthResult, synthSummary, synthesize } from "../scripts/lib/synthesize";
import { simulate } from "../simulator/simulate";
import { serviceCommands } from "../infra/serviceControl";
import { sharedRun } from "./support/sharedRuns";

const listenerArn = "arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:listener/app/shop/0123456789abcdef/fedcba9876543210";
const targetGroupArn = "arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:targetgroup/shop-web/0123456789abcdef";

describe("the example stack of an existing system (Pulumi.existing.yaml), run under mocks", () => {
    let run: ProgramRun;
    before(async function () {
        this.timeout(60_000);
        run = await sharedRun("existing");
    });

    it("creates nothing of the web system: only the jobnets, their schedules and what they need", () => {
        assert.deepStrictEqual(Object.keys(run.account.countsByType()).filter((t) => !t.startsWith("webapp-jobnet:")), [
            "aws:backup/vault:Vault",
            "aws:cloudwatch/dashboard:Dashboard",
            "aws:cloudwatch/eventRule:EventRule",
            "aws:cloudwatch/eventTarget:EventTarget",
            "aws:cloudwatch/logGroup:LogGroup",
            "aws:cloudwatch/metricAlarm:MetricAlarm",
            "aws:dynamodb/table:Table",
            "aws:iam/role:Role",
            "aws:iam/rolePolicy:RolePolicy",
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            "aws:lambda/function:Function",
            "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
            "aws:lambda/permission:Permission",
            "aws:scheduler/schedule:Schedule",
            "aws:sfn/stateMachine:StateMachine",
            "aws:sns/topic:Topic",
            "aws:sns/topicPolicy:TopicPolicy",
            "pulumi:providers:aws",
        ]);
        assert.deepStrictEqual(run.account.reads.map((r) => r.type), ["aws:backup/regionSettings:RegionSettings"]);
    });

    it("finds the servers by their tag, and says at preview what it found", () => {
        assert.deepStrictEqual(run.outputs.webServers, [
            { name: "shop-web-1", instanceId: "i-0e000000000000001", instanceArn: "arn:aws:ec2:ap-northeast-1:123456789012:instance/i-0e000000000000001", availabilityZone: "ap-northeast-1a" },
            { name: "shop-web-2", instanceId: "i-0e000000000000002", instanceArn: "arn:aws:ec2:ap-northeast-1:123456789012:instance/i-0e000000000000002", availabilityZone: "ap-northeast-1c" },
        ]);
        assert.deepStrictEqual(run.infos, [[
            "The jobnets act on an existing system:",
            "  web servers: shop-web-1 (i-0e000000000000001, ap-northeast-1a, running), shop-web-2 (i-0e000000000000002, ap-northeast-1c, running)",
            "  Aurora cluster: shop-aurora (aurora-mysql 8.0.mysql_aurora.3.10.0)",
            "  listeners: HTTPS:443",
            "  target groups: shop-web",
        ].join("\n")]);
        assert.deepStrictEqual(
            [run.outputs.dbClusterIdentifier, run.outputs.dbClusterArn, run.outputs.listeners, run.outputs.targetGroupArns],
            ["shop-aurora", "arn:aws:rds:ap-northeast-1:123456789012:cluster:shop-aurora", [{ arn: listenerArn, protocol: "HTTPS", port: 443, forwards: true }], [targetGroupArn]],
        );
        assert.deepStrictEqual([run.outputs.albUrl, run.outputs.dbEndpoint], [undefined, undefined]);
    });

    it("lets the jobnets act on the instances that carry the tag when they call, that cluster and that listener", () => {
        const policies = run.account.ofType("aws:iam/rolePolicy:RolePolicy").map((p) => JSON.parse(p.inputs.policy).Statement).flat();
        const statementsOf = (action: string) => policies.filter((s: { Action: string[] }) => s.Action.includes(action));
        const resourcesOf = (action: string) => [...new Set(statementsOf(action).flatMap((s: { Resource: string | string[] }) => [s.Resource].flat()))];
        const anyInstance = "arn:aws:ec2:ap-northeast-1:123456789012:instance/*";
        for (const action of ["ec2:StopInstances", "ec2:StartInstances"]) {
            assert.deepStrictEqual(statementsOf(action), [{ Effect: "Allow", Action: [action], Resource: anyInstance, Condition: { StringEquals: { "aws:ResourceTag/Role": "shop-web" } } }]);
        }
        // The send, and the results' polls that send it again: the same two statements each.
        const sendCommand = [
            { Effect: "Allow", Action: ["ssm:SendCommand"], Resource: "arn:aws:ssm:ap-northeast-1::document/AWS-RunShellScript" },
            { Effect: "Allow", Action: ["ssm:SendCommand"], Resource: anyInstance, Condition: { StringEquals: { "ssm:resourceTag/Role": "shop-web" } } },
        ];
        assert.deepStrictEqual(statementsOf("ssm:SendCommand"), [...sendCommand, ...sendCommand]);
        assert.deepStrictEqual(resourcesOf("rds:StopDBCluster"), ["arn:aws:rds:ap-northeast-1:123456789012:cluster:shop-aurora"]);
        assert.deepStrictEqual(resourcesOf("elasticloadbalancing:CreateRule"), [listenerArn, listenerArn.replace(":listener/", ":listener-rule/") + "/*"]);
        // The definitions name the tag, not the servers preview found.
        const stop = JSON.stringify(JSON.parse(run.account.ofType("aws:sfn/stateMachine:StateMachine").find((m) => m.inputs.name === "webapp-jobnet-existing-stop")!.inputs.definition));
        assert.ok(!stop.includes("i-0e0000000000000"), "no instance id in the definition");
        assert.ok(stop.includes('"tag":{"key":"Role","value":"shop-web"}'));
    });
});

describe("an existing-system stack that sets keys of the system this program creates", () => {
    it("says at preview that they have no effect, naming them", async () => {
        const { warnings } = await runProgram("existing", { "webapp-jobnet:webServerCount": "4", "webapp-jobnet:https": JSON.stringify({ domainName: "www.example.com", hostedZoneId: "Z0EXAMPLE" }) });
        assert.deepStrictEqual(warnings, ["No effect while system.mode is existing: webServerCount, https shape only the system this program creates."]);
    });
});

describe("an existing system that is not as the config names it", () => {
    const config = (system: object) => ({ "webapp-jobnet:system": JSON.stringify(system) });
    const settings = JSON.parse(stackConfig("existing")["webapp-jobnet:system"]);
    const byIds = { ...settings, webServers: { instanceIds: ["i-0123456789abcdef0", "i-0fedcba9876543210"] } };

    it("stops preview with one error that names every key and value not found, and what each should be", async () => {
        const account: MockedExistingSystem = {
            instances: [{ id: "i-0123456789abcdef0", tags: { Name: "web-a" }, availabilityZone: "ap-northeast-1a", state: "running" }],
            listeners: [],
            targetGroups: [{ arn: targetGroupArn, name: "shop-web", targetType: "ip" }],
        };
        await assert.rejects(runProgram("existing", config(byIds), "existing", { existing: account, deployedCluster: undefined }), (e: Error) => {
            assert.ok(pulumi.RunError.isInstance(e), "a RunError, printed without a stack trace");
            assert.strictEqual(e.message, [
                "The existing system is not as the stack config names it (4 problems):",
                '  webapp-jobnet:system.webServers.instanceIds[1]: "i-0fedcba9876543210" is no instance in ap-northeast-1',
                '  webapp-jobnet:system.database.clusterIdentifier: "shop-aurora" is no Aurora cluster in ap-northeast-1',
                `  webapp-jobnet:system.loadBalancer.listenerArns[0]: "${listenerArn}" is no listener of a load balancer in this account and Region`,
                `  webapp-jobnet:system.loadBalancer.targetGroupArns[0]: "${targetGroupArn}" has ip targets: a target group of instances`,
            ].join("\n"));
            return true;
        });
    });

    it("refuses a tag that no server carries, rather than jobnets with nothing to act on", async () => {
        await assert.rejects(runProgram("existing", {}, "existing", { existing: { instances: [], listeners: [], targetGroups: [] } }), (e: Error) => {
            assert.match(e.message, /\n {2}webapp-jobnet:system\.webServers\.tag: no instance in ap-northeast-1 carries the tag Role=shop-web \(pending, running, stopping, stopped\)\n/);
            return true;
        });
    });
});

describe("finding an existing system (pure, with a reader in memory)", () => {
    const settings: ExistingSystemSettings = {
        mode: "existing",
        webServers: { instanceIds: ["i-0000000000000000a", "i-0000000000000000b", "i-0000000000000000c"] },
        database: { kind: "cluster", identifier: "shop" },
        loadBalancer: { listenerArns: [listenerArn], targetGroupArns: [targetGroupArn] },
        service: { kind: "systemd", unit: "httpd" },
    };
    const instance = (id: string, name: string | undefined, instanceState = "running") =>
        ({ id, arn: `arn:aws:ec2:ap-northeast-1:123456789012:instance/${id}`, availabilityZone: "ap-northeast-1a", instanceState, tags: name ? { Name: name } : {} }) as unknown as aws.ec2.GetInstanceResult;
    const reader = (instances: aws.ec2.GetInstanceResult[]): SystemReader => ({
        instance: async (id) => {
            const found = instances.find((i) => i.id === id);
            if (!found) throw new Error("no results");
            return found;
        },
        instancesTagged: async () => instances.map((i) => i.id),
        clusterExists: async () => true,
        cluster: async () => ({ arn: "arn:aws:rds:ap-northeast-1:123456789012:cluster:shop", engine: "aurora-mysql", engineVersion: "8.0.mysql_aurora.3.10.0" }) as aws.rds.GetClusterResult,
        dbInstanceExists: async () => false,
        dbInstance: async () => assert.fail("no DB instance is named"),
        listener: async (arn) => ({ arn, protocol: "HTTP", port: 80 }) as aws.lb.GetListenerResult,
        targetGroup: async (arn) => ({ arn, name: "shop-web", targetType: "instance" }) as aws.lb.GetTargetGroupResult,
    });

    it("names each server by its Name tag, or by its id where it has none or shares it", async () => {
        const found = await findExistingSystem(settings, reader([
            instance("i-0000000000000000a", "web"),
            instance("i-0000000000000000b", "web"),
            instance("i-0000000000000000c", undefined),
        ]), "ap-northeast-1");
        assert.deepStrictEqual(found.webServers.map((s) => s.name), ["i-0000000000000000a", "i-0000000000000000b", "i-0000000000000000c"]);
    });

    it("refuses more servers than the jobnets are sized for", async () => {
        const many = Array.from({ length: 501 }, (_, i) => instance(`i-${String(i).padStart(17, "0")}`, `web-${i}`));
        const byTag: ExistingSystemSettings = { ...settings, webServers: { tag: { key: "Role", value: "web" } } };
        await assert.rejects(findExistingSystem(byTag, reader(many), "ap-northeast-1"), new ExistingSystemError([
            "webapp-jobnet:system.webServers.tag: 501 servers; the jobnets act on 500 at most",
        ]));
    });

    it("refuses more servers listed by id than the IAM policies can name, pointing to a tag", async () => {
        const many = Array.from({ length: 101 }, (_, i) => instance(`i-${String(i).padStart(17, "0")}`, `web-${i}`));
        const byIds: ExistingSystemSettings = { ...settings, webServers: { instanceIds: many.map((m) => m.id) } };
        await assert.rejects(findExistingSystem(byIds, reader(many), "ap-northeast-1"), new ExistingSystemError([
            "webapp-jobnet:system.webServers.instanceIds: 101 servers listed; list 100 at most, or name them by a tag (system.webServers.tag): the jobnets' IAM policies name each listed server, and IAM keeps a role's policies within 10,240 characters",
        ]));
    });

    it("refuses a terminated server", async () => {
        await assert.rejects(findExistingSystem(settings, reader([
            instance("i-0000000000000000a", "a"),
            instance("i-0000000000000000b", "b", "terminated"),
            instance("i-0000000000000000c", "c"),
        ]), "ap-northeast-1"), new ExistingSystemError([
            'webapp-jobnet:system.webServers.instanceIds[1]: "i-0000000000000000b" is terminated: a server to stop and start is pending, running, stopping, stopped',
        ]));
    });
});

describe("the jobnets of the example existing system, run in the simulated account", () => {
    let synth: SynthResult;
    before(async function () {
        this.timeout(60_000);
        synth = await synthesize("existing", path.join(projectDir, "out", ".test", "existing"));
    });

    it("stop the servers found by their tag through their systemd unit, then the cluster, with the page up", async () => {
        const { account, reports } = await simulate(synth, { initial: "running", jobnets: ["stop"] });
        assert.strictEqual(reports[0].report.status, "SUCCEEDED", reports[0].report.cause);
        assert.deepStrictEqual(account.webServers().map((i) => `${i.name}: ${i.state}, httpd ${i.httpd}`), ["shop-web-1: stopped, httpd stopped", "shop-web-2: stopped, httpd stopped"]);
        assert.deepStrictEqual([account.database.status, account.maintenancePage()], ["stopped", "on"]);
        // Through systemctl, not the scripts this program puts on the servers it creates.
        const commands = serviceCommands({ kind: "systemd", unit: "httpd" });
        assert.deepStrictEqual(new Set(account.invocations.map((v) => v.script)), new Set([commands.stop.text, commands.check.text]));
    });

    it("start them again: cluster, servers, the unit, healthy targets, then the page goes", async () => {
        const { account, reports } = await simulate(synth, { initial: "stopped", jobnets: ["start"] });
        assert.strictEqual(reports[0].report.status, "SUCCEEDED", reports[0].report.cause);
        assert.deepStrictEqual(account.webServers().map((i) => `${i.name}: ${i.state}, httpd ${i.httpd}`), ["shop-web-1: running, httpd running", "shop-web-2: running, httpd running"]);
        assert.deepStrictEqual([account.database.status, account.maintenancePage()], ["available", "off"]);
    });
});

describe("an existing system without a load balancer", () => {
    const withoutLoadBalancer = () => {
        const system = JSON.parse(stackConfig("existing")["webapp-jobnet:system"]);
        return { "webapp-jobnet:system": JSON.stringify({ ...system, loadBalancer: { none: true } }) };
    };
    let synth: SynthResult;
    before(async function () {
        this.timeout(60_000);
        synth = await synthesize("existing", path.join(projectDir, "out", ".test", "existing-no-lb"), withoutLoadBalancer());
    });

    it("deploys no task of the maintenance page or the health wait, and the definitions have no such step", () => {
        const functions = synth.functions.map((f) => f.task);
        for (const task of ["enableMaintenancePage", "disableMaintenancePage", "describeTargetHealth"]) assert.ok(!functions.includes(task as never), task);
        assert.strictEqual(functions.length, 14);
        const states = JSON.stringify(synth.definitions);
        for (const step of ["EnableMaintenancePage", "DisableMaintenancePage", "WaitUntilAllTargetsHealthy"]) assert.ok(!states.includes(`"${step}"`), step);
        assert.deepStrictEqual([synth.outputs.listeners, synth.outputs.targetGroupArns], [[], []]);
        assert.match(synth.infos.join("\n"), /\n {2}no load balancer: no maintenance page, no wait for healthy targets$/);
        assert.match(synthSummary(synth), /\nLoad balancer:\n {2}none: no maintenance page, no wait for healthy targets\n\n/);
    });

    it("stops and starts the system, saying there is no maintenance page", async () => {
        const stopped = await simulate(synth, { initial: "running", jobnets: ["stop"] });
        assert.strictEqual(stopped.reports[0].report.status, "SUCCEEDED", stopped.reports[0].report.cause);
        assert.deepStrictEqual([(stopped.reports[0].report.output as { maintenancePage: string }).maintenancePage, stopped.account.database.status], ["none", "stopped"]);
        const started = await simulate(synth, { initial: "stopped", jobnets: ["start"] });
        assert.strictEqual(started.reports[0].report.status, "SUCCEEDED", started.reports[0].report.cause);
        assert.deepStrictEqual([(started.reports[0].report.output as { maintenancePage: string }).maintenancePage, started.account.database.status], ["none", "available"]);
        assert.deepStrictEqual(started.account.webServers().map((i) => `${i.state}, httpd ${i.httpd}`), ["running, httpd running", "running, httpd running"]);
    });
});
