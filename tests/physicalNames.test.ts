import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { NameRule, nameProblem, nameRules, namedResourceTypes } from "../infra/awsNameRules";
import { loadConfig } from "../infra/config";
import { NamingSettings, PhysicalName, longestStackName, namingProblems, physicalNames } from "../infra/physicalNames";
import { RegisteredResource } from "../scripts/lib/mockedCloud";
import { runProgram } from "../scripts/lib/runProgram";
import { teamJobnets } from "../jobnets";

const project = "webapp-jobnet";

// AWS gives these an id of its own; at most they carry a Name tag (256 characters of anything).
const unnamedResourceTypes = [
    "aws:ec2/instance:Instance",
    "aws:ec2/flowLog:FlowLog",
    "aws:lb/listener:Listener",
    "aws:lb/targetGroupAttachment:TargetGroupAttachment",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:secretsmanager/secretVersion:SecretVersion",
    "aws:sns/topicPolicy:TopicPolicy",
    "aws:sns/topicSubscription:TopicSubscription",
];

/** Each name a resource of the run carries, `type logicalName property=name`; one Pulumi makes is `=(autonamed)`. */
function declaredNames(resources: RegisteredResource[]): string[] {
    return resources
        .filter((r) => r.custom && r.type !== "pulumi:providers:aws" && !unnamedResourceTypes.includes(r.type))
        .flatMap((r) => {
            const slots = namedResourceTypes[r.type];
            assert.ok(slots, `${r.type} (${r.name}) is neither in namedResourceTypes (infra/awsNameRules.ts) nor among the unnamed types here`);
            return slots.flatMap((slot) => {
                const name = r.inputs[slot.property];
                if (name !== undefined) return [`${r.type} ${r.name} ${slot.property}=${name}`];
                return slot.autoname ? [`${r.type} ${r.name} ${slot.property}=(autonamed)`] : [];
            });
        })
        .sort();
}

function listedNames(names: PhysicalName[]): string[] {
    return names.map((n) => `${n.type} ${n.logicalName} ${n.property}=${n.autonamed ? "(autonamed)" : n.name}`).sort();
}

const devSettings: NamingSettings = {
    database: { instanceCount: 1, logExports: ["audit", "error", "general", "slowquery"] },
    deletionProtection: false,
    operations: { schedules: { stop: {}, start: {} }, triggers: [], keepClusterStopped: true },
    system: { mode: "create" },
};
const prodSettings: NamingSettings = {
    database: { instanceCount: 2, logExports: ["audit", "error", "slowquery"] },
    deletionProtection: true,
    operations: { schedules: {}, triggers: [], keepClusterStopped: true },
    system: { mode: "create" },
};

describe("the names the program gives AWS", () => {
    const everyOption = {
        "webapp-jobnet:slack": JSON.stringify({ webhookUrl: "https://hooks.slack.com/services/T000/B000/SECRETSECRET" }),
        "webapp-jobnet:triggers": JSON.stringify([{ name: "nightly-batch-done", jobnet: "start", eventPattern: { source: ["custom.batch"] } }]),
    };
    const cases: [string, string, Record<string, string>][] = [
        ["the dev stack", "dev", {}],
        ["the prod stack with Slack and an event trigger", "prod", everyOption],
    ];
    for (const [title, stack, overrides] of cases) {
        it(`are listed exactly as ${title} declares them, resource by resource`, async function () {
            this.timeout(120000);
            const { account } = await runProgram(stack, overrides);
            // The stack's config, as index.ts read it in that run.
            const listed = listedNames(physicalNames(project, stack, loadConfig()));
            assert.deepStrictEqual(listed, declaredNames(account.resources));
        });
    }
});

describe("stack names AWS accepts", () => {
    it("dev and prod fit with their own settings", () => {
        assert.deepStrictEqual(namingProblems(project, "dev", devSettings), []);
        assert.deepStrictEqual(namingProblems(project, "prod", prodSettings), []);
    });

    it("fit up to 25 characters, the most the longest Lambda function name leaves", () => {
        assert.strictEqual(longestStackName(project, devSettings), 25);
        assert.strictEqual(longestStackName(project, prodSettings), 25);
        assert.deepStrictEqual(namingProblems(project, "s".repeat(25), devSettings), []);
    });

    it("at 26 characters break the disableMaintenancePage function's name, and nothing else", () => {
        const problems = namingProblems(project, "s".repeat(26), devSettings);
        assert.deepStrictEqual(problems.map((p) => [p.name.logicalName, p.name.name, p.name.madeFrom, p.reason]), [[
            "jobnet-tasks-disableMaintenancePage",
            `webapp-jobnet-${"s".repeat(26)}-disable-maintenance-page`,
            "the stack name",
            "it has 65 characters; Lambda function names have at most 64",
        ]]);
    });

    it("with a period break every Lambda function, the backup vault and both state machines, naming the rule", () => {
        const problems = namingProblems(project, "dev.1", devSettings);
        const byKind: Record<string, number> = {};
        for (const p of problems) byKind[p.rule.kind] = (byKind[p.rule.kind] ?? 0) + 1;
        assert.deepStrictEqual(byKind, { "Lambda function name": 18, "AWS Backup vault name": 1, "state machine name": 2, "SNS topic name": 1, "CloudWatch dashboard name": 1 });
        assert.deepStrictEqual([...new Set(problems.map((p) => p.reason))], [
            "AWS Backup vault names take only letters, digits, hyphens and underscores",
            "Lambda function names take only letters, digits, hyphens and underscores",
            "state machine names take only letters, digits, hyphens and underscores (a state machine that logs to CloudWatch Logs)",
            "SNS topic names take only letters, digits, underscores and hyphens",
            "CloudWatch dashboard names take only letters, digits, hyphens and underscores",
        ]);
    });

    it("name an alarm per kind for each of the team's jobnets, as for stop and start; the scheduled start only for one with schedule rules, a late job only for one with a job's expectedMinutes", () => {
        const team = { deployed: [...teamJobnets.filter((d) => d.name === "nightly-batch"), { ...teamJobnets.find((d) => d.name === "weekly-maintenance")!, schedules: undefined }] };
        const alarms = physicalNames(project, "dev", { ...devSettings, teamJobnets: team })
            .filter((n) => n.type === "aws:cloudwatch/metricAlarm:MetricAlarm").map((n) => `${n.logicalName} ${n.name}`);
        assert.deepStrictEqual(alarms, [
            ...["stop", "start"].flatMap((j) => ["failed", "timed-out", "aborted", "late", "not-started"].map((kind) => `alerts-${j}-${kind} webapp-jobnet-dev-${j}-${kind}`)),
            ...["failed", "timed-out", "aborted", "late", "job-late", "not-started"].map((kind) => `alerts-nightly-batch-${kind} webapp-jobnet-dev-nightly-batch-${kind}`),
            ...["failed", "timed-out", "aborted", "late"].map((kind) => `alerts-weekly-maintenance-${kind} webapp-jobnet-dev-weekly-maintenance-${kind}`),
            "alerts-watcher-errors webapp-jobnet-dev-watcher-errors",
            "alerts-watcher-heartbeat webapp-jobnet-dev-watcher-heartbeat",
        ]);
    });

    it("may have upper case and underscores: the Aurora identifiers made from them are lower case", () => {
        assert.deepStrictEqual(namingProblems(project, "Dev_Stack", devSettings), []);
        const cluster = physicalNames(project, "Dev_Stack", devSettings).find((n) => n.property === "clusterIdentifier");
        assert.strictEqual(cluster?.name, "webapp-jobnet-dev-stack");
    });

    it("are shorter when an event trigger has a long name: its EventBridge rule has 64 characters too", () => {
        const trigger = { name: "t".repeat(40), jobnet: "stop" as const };
        const settings = { ...devSettings, operations: { ...devSettings.operations, triggers: [trigger] } };
        assert.strictEqual(longestStackName(project, settings), 9);
        const problems = namingProblems(project, "production", settings);
        assert.deepStrictEqual(problems.map((p) => [p.name.logicalName, p.name.madeFrom, p.reason]), [[
            `ops-${trigger.name}`,
            `the stack name and the event trigger "${trigger.name}"`,
            "it has 65 characters; EventBridge rule names have at most 64",
        ]]);
    });
});

describe("AWS name rules", () => {
    const cases: [NameRule, string, string, string][] = [
        [nameRules.s3Bucket, "webapp-jobnet-dev-stack-logs", "webapp-jobnet-Dev_Stack-logs", "S3 bucket names take only lower-case letters, digits, dots and hyphens, beginning and ending with a letter or digit (no \"..\", no IP address, no reserved prefix or suffix)"],
        [nameRules.s3Bucket, "logs-2026", "logs-s3alias", "S3 bucket names take only lower-case letters, digits, dots and hyphens, beginning and ending with a letter or digit (no \"..\", no IP address, no reserved prefix or suffix)"],
        [nameRules.auroraCluster, "webapp-jobnet-dev", "webapp--jobnet", "Aurora cluster identifiers take only letters, digits and hyphens, beginning with a letter, with no two hyphens in a row and no hyphen at the end"],
        [nameRules.auroraInstance, "webapp-jobnet-dev-16", "1webapp", "Aurora instance identifiers take only letters, digits and hyphens, beginning with a letter, with no two hyphens in a row and no hyphen at the end"],
        [nameRules.loadBalancer, "webapp-lb-alb-1a2b3c4", "internal-alb", "load balancer names take only letters, digits and hyphens, not beginning or ending with a hyphen, not beginning with \"internal-\""],
        [nameRules.targetGroup, "webapp-lb-web-1a2b3c4", "webapp-lb-web-", "target group names take only letters, digits and hyphens, not beginning or ending with a hyphen"],
        [nameRules.backupVault, "webapp-jobnet_dev", "webapp-jobnet.dev", "AWS Backup vault names take only letters, digits, hyphens and underscores"],
        [nameRules.stateMachine, "webapp-jobnet-dev-stop", "webapp-jobnet-dev.1-stop", "state machine names take only letters, digits, hyphens and underscores (a state machine that logs to CloudWatch Logs)"],
        [nameRules.schedule, "webapp-jobnet-dev.1-stop", "webapp jobnet", "EventBridge Scheduler schedule names take only letters, digits, hyphens, underscores and periods"],
        [nameRules.iamRole, "ops-stop-schedule-1a2b3c4", "ops/stop", "IAM role names take only letters, digits and + = , . @ _ -"],
        [nameRules.iamInlinePolicy, "ops-stop-schedule-1a2b3c4", "ops*stop", "IAM inline policy names take only printable ASCII characters except \\ / * ? and spaces"],
        [nameRules.ssmParameter, "AmazonCloudWatch-webapp-jobnet-dev-webapp-web", "ssm-agent-config", "SSM parameter names take only letters, digits and _ . - /, not beginning with \"aws\" or \"ssm\""],
        [nameRules.securityGroup, "webapp-sg-alb-1a2b3c4", "sg-webapp", "security group names take only letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*, not beginning with \"sg-\""],
        [nameRules.dbSubnetGroup, "webapp-db-isolated-1a2b3c4", "default", "DB subnet group names take only letters, digits, periods, underscores, spaces and hyphens, beginning with a letter, not \"default\""],
        [nameRules.logGroup, "/webapp-jobnet/dev/var/log/messages", "/webapp jobnet", "CloudWatch Logs log group names take only letters, digits and _ - / . #"],
    ];
    for (const [rule, accepted, refused, reason] of cases) {
        it(`${rule.kind}s: "${accepted}" passes, "${refused}" does not`, () => {
            assert.strictEqual(nameProblem(accepted, rule), undefined);
            assert.strictEqual(nameProblem(refused, rule), reason);
        });
    }

    it("count characters, not bytes, against the length", () => {
        assert.strictEqual(nameProblem("a".repeat(50), nameRules.backupVault), undefined);
        assert.strictEqual(nameProblem("a".repeat(51), nameRules.backupVault), "it has 51 characters; AWS Backup vault names have at most 50");
        assert.strictEqual(nameProblem("a", nameRules.backupVault), "it has 1 character; AWS Backup vault names have at least 2");
    });
});

describe("preview of a stack whose names AWS would refuse", () => {
    it("stops with one error naming the stack, each name, its resource and its limit, and the longest stack name that fits", async function () {
        this.timeout(120000);
        const stack = "abcdefghijklmnopqrstuvwxyz";
        await assert.rejects(runProgram(stack, {}, "dev"), (e: Error) => {
            assert.ok(pulumi.RunError.isInstance(e), "a RunError, which Pulumi prints without a stack trace");
            assert.strictEqual(e.message, [
                `Stack "${stack}" would give AWS a name it refuses:`,
                `  jobnet-tasks-disableMaintenancePage (aws:lambda/function:Function): "webapp-jobnet-${stack}-disable-maintenance-page", made from the stack name: it has 65 characters; Lambda function names have at most 64`,
                `Every name fits a stack name of at most 25 characters (with project "webapp-jobnet" and these settings) made of characters each rule above takes.`,
            ].join("\n"));
            return true;
        });
    });
});
