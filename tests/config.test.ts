import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, WebappConfig, architectureOf, awsProviderConfigKeys, awsRegions, parseConfig, problemLine, systemShapeOf, vpcCidrProblem } from "../infra/config";
import { longestBoundWithinBudget, worstCaseHistories } from "../statemachines/jobnetHistory";
import { canonicalTimeZone, ianaNameOfCldrId } from "../infra/cron";
import { configReferenceFile, configReferenceWithTable, projectConfig, projectFileWithConfig } from "../scripts/lib/configDocs";
import { projectDir, runProgram, stackConfig } from "../scripts/lib/runProgram";
import { StackFileError, configOfStackFile } from "../scripts/lib/stackConfig";
import { synthesize } from "../scripts/lib/synthesize";
import { defaultWaits, waitNames } from "../statemachines/plan";
import { runCli } from "./support/cli";
import { withStackFiles } from "./support/stackFiles";

const page = "<html><body>maintenance</body></html>";
const files: Record<string, string> = {
    "assets/maintenance.html": page,
    "assets/long.html": "x".repeat(1025),
    "assets/exact.html": "あ".repeat(1024),
    "assets/empty.html": "",
};

function parse(values: Record<string, string>): WebappConfig {
    const raw: Record<string, string> = { "aws:region": "ap-northeast-1", ...values };
    for (const [k, v] of Object.entries(raw)) if (v === undefined) delete raw[k];
    return parseConfig(raw, (f) => files[f]);
}

/** The error a config yields. */
function errorOf(values: Record<string, string>): ConfigError {
    try {
        parse(values);
    } catch (e) {
        assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e}`);
        return e;
    }
    assert.fail("expected the config to be refused");
}

/** The problems a config yields, as the user reads them ("key: got X; expected Y"). */
function problemsOf(values: Record<string, string>): string[] {
    return errorOf(values).problems.map(problemLine);
}

const fixture = (name: string) => path.join(projectDir, "tests", "fixtures", name);
const webhookCiphertext = "v1:/QtNU2amWiGX6VEr:XtJtF3H3o9sEACvFF5n6sRsC8qRqe05F8OBysPCxF4wPZP71lGsfnbL5hAB/gSrgQklWQ/T/9svMfTCfx946aM2nW5EOGoTgBE+bOUAO+A4be3cGYA==";

describe("stack config", () => {
    it("lists the aws: keys beyond region and profile, which the provider is handed", () => {
        const config = parseConfig({ "aws:region": "ap-northeast-1", "aws:profile": "ops", "aws:maxRetries": "5", "aws:allowedAccountIds": '["123456789012"]' }, (f) => files[f]);
        assert.deepStrictEqual([config.profile, config.providerKeys], ["ops", ["allowedAccountIds", "maxRetries"]]);
    });

    it("takes any region the AWS provider lists, those of other partitions too, and lists them all for a name nothing like one", () => {
        assert.ok(awsRegions.length >= 40 && ["ap-northeast-1", "us-east-1", "cn-north-1", "us-gov-west-1", "eusc-de-east-1"].every((r) => awsRegions.includes(r)));
        for (const region of awsRegions) assert.strictEqual(parse({ "aws:region": region }).region, region);
        assert.deepStrictEqual(problemsOf({ "aws:region": "tokyo" }), [`aws:region: got "tokyo"; expected an AWS region such as ap-northeast-1, one of the ${awsRegions.length} the AWS provider knows: ${awsRegions.join(", ")}`]);
    });

    it("gives the documented defaults when only the region is set", () => {
        assert.deepStrictEqual(parse({}), {
            region: "ap-northeast-1",
            network: { vpcCidr: "10.0.0.0/16", availabilityZoneCount: 2, natGateways: "OnePerAz" },
            webServers: { count: 2, instanceType: "t3.micro", architecture: "x86_64", detailedMonitoring: false, volumeKmsKeyArn: undefined },
            database: {
                instanceClass: "db.t4g.medium",
                instanceCount: 1,
                engineVersion: "8.0.mysql_aurora.3.10.0",
                logExports: ["audit", "error", "general", "slowquery"],
            },
            logRetentionDays: 7,
            accessLogRetentionDays: 7,
            healthCheckPath: "/health.php",
            https: undefined,
            maintenancePage: { file: "assets/maintenance.html", html: page },
            deletionProtection: false,
            tags: {},
            system: { mode: "create" },
            teamJobnets: {
                groups: {},
                deployed: [],
                left: [
                    { name: "nightly-batch", reason: "the stack does not define its server groups db-client, batch (jobnetGroups)" },
                    { name: "weekly-maintenance", reason: "the stack does not define its server groups batch, db-client (jobnetGroups)" },
                    { name: "orders-arrival", reason: "the stack does not define its server groups batch, db-client (jobnetGroups)" },
                    { name: "orders-report", reason: "the stack does not define its server group db-client (jobnetGroups)" },
                ],
                schedulesPaused: [],
            },
            unusedKeys: [],
            retiredKeys: [],
            profile: undefined,
            providerKeys: [],
            jobnet: {
                backupRetentionDays: 7,
                manageBackupOptIn: false,
                maintenanceRulePriority: 1,
                commandTimeoutSeconds: 60,
                waits: defaultWaits,
                timeoutSeconds: 6 * 3600,
            },
            operations: {
                schedules: {},
                calendar: { country: "none", closedDates: [], openDates: [], closedWeekdays: [], timeZone: "UTC" },
                slack: undefined,
                triggers: [],
                keepClusterStopped: true,
                monitoring: { emails: [], expectedSeconds: { stop: 900, start: 720 }, startDelaySeconds: 600 },
            },
        });
    });

    it("reads the dev stack file: one NAT gateway, an Environment tag, weekday schedules in Tokyo, Japanese holidays off", () => {
        const config = parseConfig(stackConfig("dev"), (f) => files[f]);
        assert.strictEqual(config.network.natGateways, "Single");
        assert.deepStrictEqual(config.tags, { Environment: "dev" });
        assert.strictEqual(config.webServers.count, 2);
        assert.deepStrictEqual(config.operations.schedules, {
            stop: { expression: "cron(0 22 ? * MON-FRI *)", timeZone: "Asia/Tokyo", enabled: true },
            start: { expression: "cron(0 8 ? * MON-FRI *)", timeZone: "Asia/Tokyo", enabled: true },
        });
        assert.deepStrictEqual(config.operations.calendar, {
            country: "JP", closedDates: ["2026-12-29", "2026-12-30", "2026-12-31", "2027-01-02", "2027-01-03"], openDates: [], closedWeekdays: ["sat", "sun"], timeZone: "Asia/Tokyo",
        });
    });

    it("reads the prod stack file: 3 AZs, 4 Graviton servers in detailed monitoring, 2 DB instances, protected, no general log", () => {
        const config = parseConfig(stackConfig("prod"), (f) => files[f]);
        assert.deepStrictEqual(config.network, { vpcCidr: "10.20.0.0/16", availabilityZoneCount: 3, natGateways: "OnePerAz" });
        assert.deepStrictEqual(config.webServers, { count: 4, instanceType: "m7g.large", architecture: "arm64", detailedMonitoring: true, volumeKmsKeyArn: undefined });
        assert.strictEqual(config.database.instanceCount, 2);
        assert.deepStrictEqual(config.database.logExports, ["audit", "error", "slowquery"]);
        assert.strictEqual(config.logRetentionDays, 90);
        assert.strictEqual(config.accessLogRetentionDays, 90);
        assert.strictEqual(config.deletionProtection, true);
    });

    it("keeps ALB access logs any whole number of days, apart from the log groups: S3 expiry is not bound to CloudWatch's periods", () => {
        const config = parse({ "webapp-jobnet:accessLogRetentionDays": "10" });
        assert.deepStrictEqual([config.accessLogRetentionDays, config.logRetentionDays], [10, 7]);
    });

    it("accepts a maintenance page of exactly 1,024 characters, counted as characters, not bytes", () => {
        const config = parse({ "webapp-jobnet:maintenancePage": "assets/exact.html" });
        assert.strictEqual(Array.from(config.maintenancePage.html).length, 1024);
    });

    const existing = {
        mode: "existing",
        webServers: { tag: "Role=web" },
        database: { clusterIdentifier: "shop-aurora" },
        loadBalancer: {
            listenerArns: ["arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:listener/app/shop/0123456789abcdef/fedcba9876543210"],
            targetGroupArns: ["arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:targetgroup/shop-web/0123456789abcdef"],
        },
        service: "httpd",
    };
    const badInputs: [string, Record<string, string>, string][] = [
        ["a CIDR that is not a CIDR", { "webapp-jobnet:vpcCidr": "10.0.0/16" },
            'webapp-jobnet:vpcCidr: got "10.0.0/16"; expected an IPv4 CIDR block such as 10.0.0.0/16'],
        ["a CIDR with an octet over 255", { "webapp-jobnet:vpcCidr": "10.300.0.0/16" },
            'webapp-jobnet:vpcCidr: got "10.300.0.0/16"; expected an IPv4 CIDR block such as 10.0.0.0/16'],
        ["a CIDR with host bits set", { "webapp-jobnet:vpcCidr": "10.0.1.0/16" },
            'webapp-jobnet:vpcCidr: got "10.0.1.0/16"; expected a network address with no host bits set (did you mean 10.0.0.0/16?)'],
        ["a CIDR too small for 3 subnets per AZ", { "webapp-jobnet:vpcCidr": "10.0.0.0/23" },
            'webapp-jobnet:vpcCidr: got "10.0.0.0/23"; expected a block that holds 6 /24 subnets (3 per AZ); /23 holds 2'],
        ["a CIDR wider than AWS allows", { "webapp-jobnet:vpcCidr": "10.0.0.0/8" },
            'webapp-jobnet:vpcCidr: got "10.0.0.0/8"; expected an IPv4 CIDR block such as 10.0.0.0/16, with a prefix from /16 to /28'],
        ["0 web servers", { "webapp-jobnet:webServerCount": "0" },
            'webapp-jobnet:webServerCount: got "0"; expected a whole number from 1 to 500'],
        ["a fractional web server count", { "webapp-jobnet:webServerCount": "2.5" },
            'webapp-jobnet:webServerCount: got "2.5"; expected a whole number from 1 to 500'],
        ["501 web servers", { "webapp-jobnet:webServerCount": "501" },
            'webapp-jobnet:webServerCount: got "501"; expected a whole number from 1 to 500'],
        ["an instance type without a size", { "webapp-jobnet:webServerType": "t3micro" },
            'webapp-jobnet:webServerType: got "t3micro"; expected an EC2 instance type of the form family.size, such as t3.micro or m7g.large'],
        ["an RDS class as the web server type", { "webapp-jobnet:webServerType": "db.t3.micro" },
            'webapp-jobnet:webServerType: got "db.t3.micro"; expected an EC2 instance type of the form family.size, such as t3.micro or m7g.large'],
        ["a DB class without the db. prefix", { "webapp-jobnet:dbInstanceClass": "t4g.medium" },
            'webapp-jobnet:dbInstanceClass: got "t4g.medium"; expected an Aurora instance class of the form db.family.size, such as db.t4g.medium or db.r7g.large'],
        ["an Aurora MySQL 2 engine version", { "webapp-jobnet:dbEngineVersion": "5.7.mysql_aurora.2.12.0" },
            'webapp-jobnet:dbEngineVersion: got "5.7.mysql_aurora.2.12.0"; expected an Aurora MySQL 3 engine version such as 8.0.mysql_aurora.3.10.0'],
        ["one AZ", { "webapp-jobnet:availabilityZones": "1" },
            'webapp-jobnet:availabilityZones: got "1"; expected a whole number from 2 to 6'],
        ["an unknown NAT gateway strategy", { "webapp-jobnet:natGateways": "none" },
            'webapp-jobnet:natGateways: got "none"; expected one of "onePerAz", "single"'],
        ["a retention CloudWatch does not offer", { "webapp-jobnet:logRetentionDays": "10" },
            'webapp-jobnet:logRetentionDays: got "10"; expected one of the CloudWatch Logs retention periods in days: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653'],
        ["access logs that expire at once", { "webapp-jobnet:accessLogRetentionDays": "0" },
            'webapp-jobnet:accessLogRetentionDays: got "0"; expected a whole number from 1 to 36500'],
        ["a health-check path without a leading slash", { "webapp-jobnet:healthCheckPath": "health.php" },
            'webapp-jobnet:healthCheckPath: got "health.php"; expected a URL path that starts with / and has no spaces, such as /health.php'],
        ["a maintenance page over the ALB's 1,024-character limit", { "webapp-jobnet:maintenancePage": "assets/long.html" },
            'webapp-jobnet:maintenancePage: got "assets/long.html" (1025 characters); expected an HTML file of at most 1024 characters, the ALB fixed-response limit'],
        ["a maintenance page that does not exist", { "webapp-jobnet:maintenancePage": "assets/missing.html" },
            'webapp-jobnet:maintenancePage: got "assets/missing.html"; expected a path, relative to the project directory, of an HTML file that exists'],
        ["an empty maintenance page", { "webapp-jobnet:maintenancePage": "assets/empty.html" },
            'webapp-jobnet:maintenancePage: got "assets/empty.html" (empty); expected a non-empty HTML file'],
        ["an unknown DB log type", { "webapp-jobnet:dbLogExports": '["audit","postgresql"]' },
            'webapp-jobnet:dbLogExports[1]: got "postgresql"; expected one of "audit", "error", "general", "slowquery"'],
        ["a DB log type listed twice", { "webapp-jobnet:dbLogExports": '["audit","error","audit"]' },
            'webapp-jobnet:dbLogExports[2]: got "audit"; expected an entry not listed before (it is dbLogExports[0] too)'],
        ["DB log types that are not a list", { "webapp-jobnet:dbLogExports": "audit,error" },
            'webapp-jobnet:dbLogExports: got "audit,error"; expected a JSON list of log types out of audit, error, general, slowquery, such as ["audit","error","slowquery"]'],
        ["deletion protection that is not a boolean", { "webapp-jobnet:deletionProtection": "yes" },
            'webapp-jobnet:deletionProtection: got "yes"; expected true or false'],
        ["a tag in the reserved aws: namespace", { "webapp-jobnet:tags": '{"aws:owner":"ops"}' },
            'webapp-jobnet:tags: got "{\\"aws:owner\\":\\"ops\\"}"; expected a JSON object of at most 47 string tags, keys of 1 to 128 characters not starting with "aws:", values of at most 256 characters (tag "aws:owner" breaks this)'],
        ["tags that are not JSON", { "webapp-jobnet:tags": "Owner=ops" },
            'webapp-jobnet:tags: got "Owner=ops"; expected a JSON object of at most 47 string tags, keys of 1 to 128 characters not starting with "aws:", values of at most 256 characters'],
        ["a wait bound that is not a duration", { "webapp-jobnet:jobnetWaits": '{"instanceStopped":"ten minutes"}' },
            'webapp-jobnet:jobnetWaits.instanceStopped: got "ten minutes"; expected a duration from 35s to 24h, such as 10m'],
        ["a wait bound shorter than the wait's first poll", { "webapp-jobnet:jobnetWaits": '{"instanceReady":"2m"}' },
            'webapp-jobnet:jobnetWaits.instanceReady: got "2m"; expected a duration from 130s to 24h, such as 15m'],
        ["a bound on a wait that does not exist", { "webapp-jobnet:jobnetWaits": '{"coffee":"5m"}' },
            "webapp-jobnet:jobnetWaits.coffee: unknown key; the keys here are httpdCommand, agentOnline, instanceStopped, instanceReady, instanceCapacity, clusterAvailable, clusterStopped, backupsCompleted, targetsHealthy"],
        ["a maintenance rule priority ALB does not accept", { "webapp-jobnet:maintenanceRulePriority": "50001" },
            'webapp-jobnet:maintenanceRulePriority: got "50001"; expected a whole number from 1 to 50000'],
        ["a jobnet timeout under 10 minutes", { "webapp-jobnet:jobnetTimeout": "5m" },
            'webapp-jobnet:jobnetTimeout: got "5m"; expected a duration from 10m to 24h, such as 6h'],
        ["a certificate ARN that is not one of ACM", { "webapp-jobnet:https": '{"certificateArn":"arn:aws:iam::123456789012:server-certificate/web"}' },
            'webapp-jobnet:https.certificateArn: got "arn:aws:iam::123456789012:server-certificate/web"; expected an ACM certificate ARN such as arn:aws:acm:ap-northeast-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789'],
        ["a certificate of another region, which the ALB cannot use", { "webapp-jobnet:https": '{"certificateArn":"arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-4789-8bcd-ef0123456789"}' },
            `webapp-jobnet:https.certificateArn: got "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-4789-8bcd-ef0123456789"; expected a certificate of ACM in the stack's region, ap-northeast-1: an ALB uses certificates of its own region only`],
        ["a volume key of another region", { "webapp-jobnet:webServerVolumes": '{"kmsKeyArn":"arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-4e5f-4789-8bcd-ef0123456789"}' },
            `webapp-jobnet:webServerVolumes.kmsKeyArn: got "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-4e5f-4789-8bcd-ef0123456789"; expected a KMS key in the stack's region, ap-northeast-1: EBS volumes use keys of their own region only`],
        ["a volume key given by its alias", { "webapp-jobnet:webServerVolumes": '{"kmsKeyArn":"alias/web"}' },
            'webapp-jobnet:webServerVolumes.kmsKeyArn: got "alias/web"; expected a KMS key ARN such as arn:aws:kms:ap-northeast-1:123456789012:key/0a1b2c3d-4e5f-6789-abcd-ef0123456789 (an ARN, not an alias)'],
        ["a domain with neither a certificate nor a zone to validate one in", { "webapp-jobnet:https": '{"domainName":"www.example.com"}' },
            'webapp-jobnet:https.domainName: got "www.example.com"; expected a domain name with https.certificateArn (its certificate) or https.hostedZoneId (to request and validate one)'],
        ["a hosted zone without the name to put in it", { "webapp-jobnet:https": '{"hostedZoneId":"Z0EXAMPLE","certificateArn":"arn:aws:acm:ap-northeast-1:123456789012:certificate/0a1b2c3d-4e5f-4789-8bcd-ef0123456789"}' },
            'webapp-jobnet:https.hostedZoneId: got "Z0EXAMPLE"; expected a hosted zone only with https.domainName set'],
        ["a domain name in capitals", { "webapp-jobnet:https": '{"domainName":"WWW.Example.com","hostedZoneId":"Z0EXAMPLE"}' },
            'webapp-jobnet:https.domainName: got "WWW.Example.com"; expected a lower-case DNS name such as www.example.com'],
        ["servers of an existing system while the stack creates its own", { "webapp-jobnet:system": '{"webServers":{"tag":"Role=web"}}' },
            'webapp-jobnet:system.webServers: got {"tag":"Role=web"}; expected nothing while system.mode is create: the system this program creates is its own; set system.mode existing to name another'],
        ["an existing system without its database", { "webapp-jobnet:system": JSON.stringify({ mode: "existing", webServers: { tag: "Role=web" }, service: "httpd" }) },
            "webapp-jobnet:system.database: got nothing; expected the existing system's database: clusterIdentifier (Aurora), instanceIdentifier (RDS), or none: true when it has none"],
        ["an existing system with two databases", { "webapp-jobnet:system": JSON.stringify({ ...existing, database: { clusterIdentifier: "shop-aurora", instanceIdentifier: "shop-mysql" } }) },
            'webapp-jobnet:system.database.instanceIdentifier: got "shop-mysql"; expected only one of system.database.clusterIdentifier, system.database.instanceIdentifier and system.database.none'],
        ["an existing system that says nothing of its load balancer", { "webapp-jobnet:system": JSON.stringify({ ...existing, loadBalancer: undefined }) },
            "webapp-jobnet:system.loadBalancer: got nothing; expected the existing system's listeners and target groups: listenerArns and targetGroupArns, or none: true when it has no load balancer"],
        ["an existing system with both a service and commands", { "webapp-jobnet:system": JSON.stringify({ ...existing, commands: { stop: "a", start: "b", check: "c" } }) },
            'webapp-jobnet:system.service: got "httpd"; expected either system.service (a systemd unit) or system.commands, one of the two'],
        ["an existing system's servers both by ids and by tag", { "webapp-jobnet:system": JSON.stringify({ ...existing, webServers: { instanceIds: ["i-0123456789abcdef0"], tag: "Role=web" } }) },
            'webapp-jobnet:system.webServers.tag: got "Role=web"; expected either system.webServers.instanceIds or system.webServers.tag, not both'],
        ["commands without a check", { "webapp-jobnet:system": JSON.stringify({ ...existing, service: undefined, commands: { stop: "apachectl stop", start: "apachectl start" } }) },
            'webapp-jobnet:system.commands: got {"stop":"apachectl stop","start":"apachectl start"}; expected all three of stop, start and check'],
        ["listeners without the target groups to wait on", { "webapp-jobnet:system": JSON.stringify({ ...existing, loadBalancer: { listenerArns: existing.loadBalancer.listenerArns } }) },
            `webapp-jobnet:system.loadBalancer: got {"listenerArns":["${existing.loadBalancer.listenerArns[0]}"]}; expected both listenerArns and targetGroupArns`],
        ["a load balancer said to be none and listed too", { "webapp-jobnet:system": JSON.stringify({ ...existing, loadBalancer: { ...existing.loadBalancer, none: true } }) },
            `webapp-jobnet:system.loadBalancer: got ${JSON.stringify({ ...existing.loadBalancer, none: true })}; expected either none: true or listenerArns and targetGroupArns, not both`],
        ["a timer instead of a service", { "webapp-jobnet:system": JSON.stringify({ ...existing, service: "backup.timer" }) },
            'webapp-jobnet:system.service: got "backup.timer"; expected a systemd service name such as httpd or nginx.service: "backup.timer" is a .timer unit, not a service: name the service (e.g. backup.service)'],
        ["a tag without its value", { "webapp-jobnet:system": JSON.stringify({ ...existing, webServers: { tag: "Role" } }) },
            'webapp-jobnet:system.webServers.tag: got "Role"; expected a tag Key=Value such as Role=shop-web'],
        ["no region", { "aws:region": undefined as unknown as string },
            "aws:region: got nothing (it is required); expected an AWS region such as ap-northeast-1"],
        ["a misspelt region", { "aws:region": "ap-northest-1" },
            'aws:region: got "ap-northest-1"; expected an AWS region such as ap-northeast-1 (did you mean "ap-northeast-1"?)'],
        ["a region in capitals", { "aws:region": "AP-NORTHEAST-1" },
            'aws:region: got "AP-NORTHEAST-1"; expected an AWS region such as ap-northeast-1 (did you mean "ap-northeast-1"?)'],
        ["a region of the right form that AWS does not have", { "aws:region": "ap-northeast-9" },
            'aws:region: got "ap-northeast-9"; expected an AWS region such as ap-northeast-1 (did you mean "ap-northeast-1"?)'],
    ];
    for (const [what, values, message] of badInputs) {
        it(`refuses ${what}, naming the key, the value and what is expected`, () => {
            assert.deepStrictEqual(problemsOf(values), [message]);
        });
    }

    it("lists every bad value in one error, and tells how to fix them", () => {
        try {
            parse({ "webapp-jobnet:webServerCount": "0", "webapp-jobnet:vpcCidr": "nope" });
            assert.fail("expected a ConfigError");
        } catch (e) {
            assert.strictEqual(
                (e as Error).message,
                [
                    "Stack config is invalid (2 problems):",
                    '  webapp-jobnet:vpcCidr: got "nope"; expected an IPv4 CIDR block such as 10.0.0.0/16',
                    '  webapp-jobnet:webServerCount: got "0"; expected a whole number from 1 to 500',
                    "Fix with `pulumi config set KEY VALUE`; `pulumi config rm KEY` returns a key to its default.",
                ].join("\n"),
            );
        }
    });

    it("takes wait bounds per wait, keeping the poll rhythm", () => {
        const config = parse({ "webapp-jobnet:jobnetWaits": '{"backupsCompleted":"3h","targetsHealthy":"20m"}', "webapp-jobnet:jobnetTimeout": "8h" });
        assert.deepStrictEqual(config.jobnet.waits.backupsCompleted, { firstAfterSeconds: 120, everySeconds: 10, withinSeconds: 10800 });
        assert.deepStrictEqual(config.jobnet.waits.targetsHealthy, { firstAfterSeconds: 30, everySeconds: 5, withinSeconds: 1200 });
        assert.deepStrictEqual(config.jobnet.waits.instanceStopped, defaultWaits.instanceStopped);
        assert.strictEqual(config.jobnet.timeoutSeconds, 8 * 3600);
    });

    it("takes a day-long bound of the backups: polled less often the longer they take, the stop stays within half the history quota", () => {
        const config = parse({ "webapp-jobnet:jobnetWaits": '{"backupsCompleted":"24h"}', "webapp-jobnet:jobnetTimeout": "24h" });
        assert.deepStrictEqual(worstCaseHistories(systemShapeOf(config.system), config.jobnet.waits), { stop: 10115, start: 9248 });
    });

    it("takes each bound alone up to a day, but those of httpd's commands, a server's start and its tries for capacity", () => {
        const shape = systemShapeOf(parse({}).system);
        const longest = Object.fromEntries(waitNames.map((wait) => [wait, longestBoundWithinBudget(shape, { ...defaultWaits, [wait]: { ...defaultWaits[wait], withinSeconds: 86400 } }, wait)]));
        assert.deepStrictEqual(longest, {
            httpdCommand: 836 * 60, agentOnline: 841 * 60, instanceStopped: 86400, instanceReady: 56 * 60, instanceCapacity: 25 * 60,
            clusterAvailable: 86400, clusterStopped: 86400, backupsCompleted: 86400, targetsHealthy: 86400,
        });
    });

    it("refuses bounds with which a jobnet could pass half the history quota, naming the bounds that add the most and how short each must be", () => {
        // A server's start waited for up to a day, and tried again for an hour while EC2 has no capacity: 30 tries.
        const error = errorOf({ "webapp-jobnet:jobnetWaits": '{"instanceReady":"24h","instanceCapacity":"1h"}' });
        const over = "over the 12,500 a jobnet may reach (half of the 25,000 at which Step Functions fails a run, the rest kept for retries and redrives)";
        assert.deepStrictEqual(error.problems.map(problemLine), [
            'webapp-jobnet:jobnetWaits.instanceReady: got "24h"; expected at most 3m (or a shorter jobnetWaits.instanceCapacity instead): ' +
                `the start jobnet could make 86,101 history events at worst, 76,446 of them for this bound, ${over}`,
            'webapp-jobnet:jobnetWaits.instanceCapacity: got "1h"; expected at most 5m (or a shorter jobnetWaits.instanceReady instead): ' +
                `the start jobnet could make 86,101 history events at worst, 74,032 of them for this bound, ${over}`,
        ]);
    });

    it("names every bound it takes to come back within half the history quota when no one of them can do it alone", () => {
        const error = errorOf({ "webapp-jobnet:jobnetWaits": '{"httpdCommand":"24h","backupsCompleted":"24h","clusterAvailable":"24h","instanceStopped":"24h"}' });
        assert.deepStrictEqual(error.problems.map((p) => [p.key, p.expected.split(":")[0]]), [
            ["webapp-jobnet:jobnetWaits.backupsCompleted", "a shorter bound, and shorter ones for the other bounds named (this one alone cannot do it, even at its shortest, 130s)"],
            ["webapp-jobnet:jobnetWaits.instanceStopped", "a shorter bound, and shorter ones for the other bounds named (this one alone cannot do it, even at its shortest, 35s)"],
            ["webapp-jobnet:jobnetWaits.httpdCommand", "a shorter bound, and shorter ones for the other bounds named (this one alone cannot do it, even at its shortest, 4s)"],
        ]);
        assert.match(error.problems[2].expected, /the stop jobnet could make 19,601 history events at worst, 3,438 of them for this bound; the start jobnet could make 16,592 history events at worst, 5,157 of them for this bound, over the 12,500/);
    });

    it("checks the VPC CIDR against the configured AZ count", () => {
        assert.strictEqual(vpcCidrProblem("10.0.0.0/22", 2), "a block that holds 6 /24 subnets (3 per AZ); /22 holds 4");
        assert.strictEqual(vpcCidrProblem("10.0.0.0/21", 2), undefined);
        assert.strictEqual(vpcCidrProblem("10.0.0.0/21", 3), "a block that holds 9 /24 subnets (3 per AZ); /21 holds 8");
    });

    it("picks the arm64 AMI for Graviton families and x86_64 for the others", () => {
        const arch = Object.fromEntries(["t3.micro", "t4g.small", "m7g.large", "c7gn.xlarge", "r8gd.2xlarge", "a1.medium", "g5.xlarge", "m6i.large", "m7a.large"].map((t) => [t, architectureOf(t)]));
        assert.deepStrictEqual(arch, {
            "t3.micro": "x86_64", "t4g.small": "arm64", "m7g.large": "arm64", "c7gn.xlarge": "arm64", "r8gd.2xlarge": "arm64",
            "a1.medium": "arm64", "g5.xlarge": "x86_64", "m6i.large": "x86_64", "m7a.large": "x86_64",
        });
    });
});

describe("unknown config keys", () => {
    // The probe of issue 9: each misspelt key was accepted without a word, and deployed as if unset.
    const misspelt: [string, Record<string, string>, string][] = [
        ["schedules.timeZone", { "webapp-jobnet:schedules": '{"timeZone":"Asia/Tokyo","stop":{"cron":"cron(0 22 ? * MON-FRI *)"}}' },
            "webapp-jobnet:schedules.timeZone: unknown key; did you mean `schedules.timezone`?"],
        ["schedules.stop.enable", { "webapp-jobnet:schedules": '{"stop":{"cron":"cron(0 22 ? * MON-FRI *)","enable":false}}' },
            "webapp-jobnet:schedules.stop.enable: unknown key; did you mean `schedules.stop.enabled`?"],
        ["webserverCount", { "webapp-jobnet:webserverCount": "4" },
            "webapp-jobnet:webserverCount: unknown key; did you mean `webServerCount`?"],
        ["slack.webhookURL", { "webapp-jobnet:slack": '{"webhookURL":"https://hooks.slack.com/services/T000/B000/XXXX"}' },
            "webapp-jobnet:slack.webhookURL: unknown key; did you mean `slack.webhookUrl`?"],
        ["calendar.closeDates", { "webapp-jobnet:calendar": '{"closeDates":["2026-12-30"]}' },
            "webapp-jobnet:calendar.closeDates: unknown key; did you mean `calendar.closedDates`?"],
        ["aws:regoin", { "aws:regoin": "ap-northeast-1", "aws:region": undefined as unknown as string },
            "aws:regoin: unknown key; did you mean `aws:region`? (aws:region is required and not set)"],
    ];
    for (const [key, values, message] of misspelt) {
        it(`refuses ${key}, naming the key meant`, () => {
            assert.deepStrictEqual(problemsOf(values), [message]);
        });
    }

    it("lists every unknown key at once, with how to remove one and set the key meant", () => {
        const error = errorOf({
            "aws:regoin": "us-east-1",
            "webapp-jobnet:webserverCount": "4",
            "webapp-jobnet:schedules": '{"timeZone":"Asia/Tokyo","stop":{"cron":"cron(0 22 ? * MON-FRI *)","enable":false}}',
            "webapp-jobnet:calendar": '{"closeDates":["2026-12-30"]}',
            "webapp-jobnet:slack": '{"webhookURL":"https://hooks.slack.com/services/T000/B000/XXXX"}',
        });
        assert.strictEqual(error.message, [
            "Stack config is invalid (6 problems):",
            "  aws:regoin: unknown key; did you mean `aws:region`?",
            "  webapp-jobnet:webserverCount: unknown key; did you mean `webServerCount`?",
            "  webapp-jobnet:schedules.timeZone: unknown key; did you mean `schedules.timezone`?",
            "  webapp-jobnet:schedules.stop.enable: unknown key; did you mean `schedules.stop.enabled`?",
            "  webapp-jobnet:calendar.closeDates: unknown key; did you mean `calendar.closedDates`?",
            "  webapp-jobnet:slack.webhookURL: unknown key; did you mean `slack.webhookUrl`?",
            "Fix with `pulumi config set KEY VALUE`, a nested key with `pulumi config set --path 'schedules.timezone' VALUE`; remove an unknown key with `pulumi config rm --path 'schedules.timeZone'`.",
        ].join("\n"));
    });

    it("never shows the value of an unknown key: it may be a secret", () => {
        const message = errorOf({ "webapp-jobnet:slack": '{"webhookURL":"https://hooks.slack.com/services/T000/B000/SECRETSECRET"}' }).message;
        assert.ok(!message.includes("SECRETSECRET"), message);
    });

    it("tells a nested key set without --path from a misspelt one", () => {
        assert.deepStrictEqual(problemsOf({ "webapp-jobnet:schedules.timezone": "Asia/Tokyo" }), [
            "webapp-jobnet:schedules.timezone: unknown key; a top-level key named \"schedules.timezone\" (set without --path); the nested key takes pulumi config set --path 'schedules.timezone' VALUE",
        ]);
    });

    it("finds a key set at the wrong depth, and a misspelt namespace", () => {
        assert.deepStrictEqual(problemsOf({ "webapp-jobnet:timezone": "Asia/Tokyo", "webapp-jobnt:webServerCount": "4" }), [
            "webapp-jobnt:webServerCount: unknown key; unknown namespace webapp-jobnt; did you mean `webapp-jobnet:webServerCount`?",
            "webapp-jobnet:timezone: unknown key; did you mean `schedules.timezone`?",
        ]);
    });

    it("knows the keys within each trigger and each wait", () => {
        assert.deepStrictEqual(problemsOf({
            "webapp-jobnet:triggers": '[{"name":"health","jobnet":"stop","eventPattern":{"source":["aws.health"]},"descripton":"AWS Health"}]',
            "webapp-jobnet:jobnetWaits": '{"backupCompleted":"3h"}',
        }), [
            "webapp-jobnet:jobnetWaits.backupCompleted: unknown key; did you mean `jobnetWaits.backupsCompleted`?",
            "webapp-jobnet:triggers[0].descripton: unknown key; did you mean `triggers[0].description`?",
        ]);
    });

    it("accepts the AWS provider's own keys, as @pulumi/aws declares them, and the free-form keys of tags and event patterns", () => {
        assert.ok(["region", "profile", "assumeRoles", "defaultTags", "skipCredentialsValidation"].every((k) => awsProviderConfigKeys().includes(k)));
        const config = parse({
            "aws:skipCredentialsValidation": "true",
            "webapp-jobnet:tags": '{"CostCenter":1234,"Owner":"ops"}',
            "webapp-jobnet:triggers": '[{"name":"health","jobnet":"stop","eventPattern":{"source":["aws.health"],"detail":{"anything":["goes"]}}}]',
            "pulumi:disable-default-providers": '["aws"]',
        });
        assert.deepStrictEqual(config.tags, { CostCenter: "1234", Owner: "ops" }, "--path stores 1234 as a number: the tag takes its text");
        assert.deepStrictEqual(config.operations.triggers[0].eventPattern, { source: ["aws.health"], detail: { anything: ["goes"] } });
    });

    it("take a key no longer used, whatever its value, and preview warns of it, naming it and how to remove it", async () => {
        assert.deepStrictEqual(parse({ "webapp-jobnet:jobnetMaxConcurrency": "41" }).retiredKeys, ["jobnetMaxConcurrency"]);
        // Pulumi.yaml does not declare it: a stack that does not set it is not handed it, and hears nothing of it.
        assert.ok(!("jobnetMaxConcurrency" in projectConfig()));
        const { warnings } = await runProgram("dev", { "webapp-jobnet:jobnetMaxConcurrency": "10" });
        assert.deepStrictEqual(warnings.filter((w) => w.includes("jobnetMaxConcurrency")), [
            "webapp-jobnet:jobnetMaxConcurrency is no longer used: each phase of a jobnet acts on every server at once, with no Map to bound. Remove it: pulumi config rm jobnetMaxConcurrency",
        ]);
    });

    it("stop the program before it declares any resource", async () => {
        await assert.rejects(runProgram("dev", { "webapp-jobnet:webserverCount": "4" }), (e: Error) => {
            assert.ok(pulumi.RunError.isInstance(e), "a RunError, which Pulumi prints without a stack trace");
            assert.match(e.message, /^Stack config is invalid \(1 problem\):\n {2}webapp-jobnet:webserverCount: unknown key; did you mean `webServerCount`\?\n/);
            return true;
        });
    });
});

describe("one declaration per config key", () => {
    it("renders the configuration reference's table of keys: docs/configuration.md is up to date (npm run config-docs)", () => {
        const reference = fs.readFileSync(path.join(projectDir, configReferenceFile), "utf8");
        assert.strictEqual(configReferenceWithTable(reference), reference, `${configReferenceFile}'s config table is stale: run npm run config-docs`);
    });

    it("renders Pulumi.yaml's config block: Pulumi.yaml is up to date (npm run config-docs)", () => {
        const projectFile = fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8");
        assert.strictEqual(projectFileWithConfig(projectFile), projectFile, "Pulumi.yaml's config block is stale: run npm run config-docs");
    });

    it("declares each key in Pulumi.yaml as Pulumi takes it: a default of the declared type, objects and lists untyped", () => {
        const config = projectConfig();
        assert.deepStrictEqual(config.webServerCount, { type: "integer", description: "web servers, 1 to 500, placed one per AZ in turn", default: 2 });
        // Typed, a list set as JSON text (pulumi config set dbLogExports '["audit"]') would be refused by the CLI.
        assert.deepStrictEqual(config.dbLogExports, { description: "DB logs to export (and turn on)", default: ["audit", "error", "general", "slowquery"] });
        assert.deepStrictEqual(config.schedules, {
            description: "when the jobnets run by themselves (EventBridge Scheduler); keys, set with --path: schedules.timezone, schedules.stop.cron, schedules.stop.enabled, schedules.start.cron, schedules.start.enabled",
            default: { timezone: "UTC" },
        });
        const typeOf = { string: "string", integer: "number", boolean: "boolean" } as Record<string, string>;
        for (const [key, declaration] of Object.entries(config)) {
            // Pulumi makes a project key without a default required in every stack.
            assert.notStrictEqual(declaration.default, undefined, key);
            if (declaration.type) assert.strictEqual(typeof declaration.default, typeOf[declaration.type], key);
        }
    });

    it("gives, with Pulumi.yaml's defaults applied as the CLI applies them, the config of no keys at all", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-"));
        fs.writeFileSync(path.join(dir, "Pulumi.bare.yaml"), "config:\n  aws:region: ap-northeast-1\n");
        const config = configOfStackFile(path.join(dir, "Pulumi.bare.yaml"), path.join(projectDir, "Pulumi.yaml"));
        assert.strictEqual(config["webapp-jobnet:webServerCount"], "2");
        assert.strictEqual(config["webapp-jobnet:calendar"], '{"country":"none","closedDates":[],"openDates":[],"closedWeekdays":[]}');
        assert.deepStrictEqual(parseConfig(config, (f) => files[f]), parse({}));
    });
});

describe("secrets in a stack file, offline", function () {
    this.timeout(60_000);
    const stackFile = fixture("Pulumi.secret-webhook.yaml");
    const secretConfig = () => configOfStackFile(stackFile, path.join(projectDir, "Pulumi.yaml"));

    it("keep an encrypted value as the CLI wrote it, which the parser reads as set but unreadable", () => {
        assert.strictEqual(secretConfig()["webapp-jobnet:slack"], JSON.stringify({ mention: "<!here>", webhookUrl: { secure: webhookCiphertext } }));
        const slack = parseConfig(secretConfig(), (f) => files[f]).operations.slack!;
        assert.deepStrictEqual([slack.webhookUrl.readable, String(slack.webhookUrl), JSON.stringify(slack)], [false, "[secret]", '{"webhookUrl":"[secret]","mention":"<!here>"}']);
    });

    it("count a secret set without --path, encrypted, as set too", () => {
        const config = parse({ "webapp-jobnet:slack.webhookUrl": JSON.stringify({ secure: webhookCiphertext }) });
        assert.strictEqual(config.operations.slack?.webhookUrl.readable, false);
    });

    it("refuse a secret set both with and without --path", () => {
        assert.deepStrictEqual(problemsOf({
            "webapp-jobnet:slack": '{"webhookUrl":"https://hooks.slack.com/services/T000/B000/XXXX"}',
            "webapp-jobnet:slack.webhookUrl": "https://hooks.slack.com/services/T000/B000/YYYY",
        }), [
            "webapp-jobnet:slack.webhookUrl: got a second value; expected one value: slack.webhookUrl is set both with and without --path; remove one with pulumi config rm 'slack.webhookUrl'",
        ]);
    });

    it("check a readable secret against its form, without showing it", () => {
        assert.deepStrictEqual(problemsOf({ "webapp-jobnet:slack": '{"webhookUrl":"http://example.com/SECRETSECRET"}' }), [
            "webapp-jobnet:slack.webhookUrl: got a value that is not a Slack incoming-webhook URL; expected https://hooks.slack.com/services/..., set with pulumi config set --secret --path slack.webhookUrl URL",
        ]);
    });

    it("refuse an encrypted value where a key is not a secret, showing neither it nor its ciphertext", () => {
        const message = errorOf({ "webapp-jobnet:webServerCount": JSON.stringify({ secure: webhookCiphertext }) }).message;
        assert.strictEqual(message.split("\n")[1], "  webapp-jobnet:webServerCount: got an encrypted value (secure: …), which cannot be read offline; expected a plain value: this key is not a secret, so set it without --secret");
        assert.ok(!message.includes(webhookCiphertext));
    });

    it("declare the notifier and its secret, whose value is written nowhere", async () => {
        const outDir = path.join(projectDir, "out", ".test", "secret-webhook");
        const result = await synthesize("dev", outDir, secretConfig());
        assert.ok(result.resources.some((r) => r.type === "aws:lambda/function:Function" && r.inputs.name === "webapp-jobnet-dev-notify"));
        const written = fs.readFileSync(path.join(outDir, "resources.json"), "utf8");
        const version = (JSON.parse(written) as { type: string; inputs: Record<string, unknown> }[]).find((r) => r.type === "aws:secretsmanager/secretVersion:SecretVersion");
        assert.strictEqual(version?.inputs.secretString, "[secret]");
        assert.ok(!written.includes(webhookCiphertext.slice(3, 19)) && !written.includes("not readable offline"));
    });
});

describe("schedule time zones", () => {
    it("take canonical IANA names", () => {
        const names = ["Asia/Tokyo", "UTC", "Etc/UTC", "America/New_York", "Asia/Kolkata", "Europe/Kyiv", "America/Argentina/Buenos_Aires", "Etc/GMT-9"];
        assert.deepStrictEqual(names.map(canonicalTimeZone), names);
    });

    it("refuse abbreviations, old aliases and other cases, each with the canonical name it stands for", () => {
        const given = ["JST", "EST", "GMT", "Japan", "US/Eastern", "asia/tokyo", "Asia/TOKYO", "Asia/Calcutta", "Tokyo", "Asia/Nowhere"];
        assert.deepStrictEqual(given.map(canonicalTimeZone), [
            "Asia/Tokyo", "America/Panama", "UTC", "Asia/Tokyo", "America/New_York", "Asia/Tokyo", "Asia/Tokyo", "Asia/Kolkata", "Asia/Tokyo", undefined,
        ]);
        assert.deepStrictEqual(problemsOf({ "webapp-jobnet:schedules": '{"timezone":"JST"}' }), [
            'webapp-jobnet:schedules.timezone: got "JST"; expected a canonical IANA time zone name such as Asia/Tokyo or UTC (did you mean Asia/Tokyo, UTC+09:00 all year?)',
        ]);
        assert.deepStrictEqual(problemsOf({ "webapp-jobnet:schedules": '{"timezone":"EST"}' }), [
            'webapp-jobnet:schedules.timezone: got "EST"; expected a canonical IANA time zone name such as Asia/Tokyo or UTC (did you mean America/Panama, UTC-05:00 all year?)',
        ]);
    });

    it("know each zone IANA renamed after CLDR fixed its id, under its IANA name", () => {
        for (const [cldrId, ianaName] of Object.entries(ianaNameOfCldrId)) {
            assert.deepStrictEqual([canonicalTimeZone(cldrId), canonicalTimeZone(ianaName)], [ianaName, ianaName], cldrId);
        }
    });
});

describe("config fix hints", () => {
    it("name the bad entry of a list, and show --path for a nested key", () => {
        assert.strictEqual(errorOf({ "webapp-jobnet:calendar": '{"closedDates":["2026-12-30","2026-12-31","2026-02-30"]}' }).message, [
            "Stack config is invalid (1 problem):",
            '  webapp-jobnet:calendar.closedDates[2]: got "2026-02-30"; expected a date YYYY-MM-DD that exists on the calendar',
            "Fix with `pulumi config set KEY VALUE`, a nested key with `pulumi config set --path 'calendar.closedDates[2]' VALUE`; `pulumi config rm KEY` returns a key to its default.",
        ].join("\n"));
    });

    it("name the stack file and the line of bad YAML", () => {
        assert.throws(() => configOfStackFile(fixture("Pulumi.not-yaml.yaml"), path.join(projectDir, "Pulumi.yaml")), (e: Error) => {
            assert.ok(e instanceof StackFileError);
            assert.strictEqual(e.message, `${path.relative(process.cwd(), fixture("Pulumi.not-yaml.yaml"))}:4:1: not valid YAML: Tabs are not allowed as indentation`);
            return true;
        });
    });

    it("name the stacks there are when a stack file is missing, and npm start says so in one line, with exit code 2", () => {
        withStackFiles(() => assert.throws(() => stackConfig("nope"), new StackFileError(`no stack file Pulumi.nope.yaml in ${projectDir}; the stacks here are dev, example-https, existing, existing-rds, prod`)));
        const run = withStackFiles(() => runCli("start.ts", ["--stack", "nope"]));
        assert.deepStrictEqual([run.status, run.stderr], [2, `--stack "nope": there is no Pulumi.nope.yaml; the stacks are dev, example-https, existing, existing-rds, prod\n`]);
    });
});
