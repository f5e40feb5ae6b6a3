import * as assert from "assert";
import { ConfigError, WebappConfig, architectureOf, parseConfig, vpcCidrProblem } from "../infra/config";
import { stackConfig } from "../scripts/lib/runProgram";
import { defaultWaits } from "../statemachines/plan";

const page = "<html><body>maintenance</body></html>";
const files: Record<string, string> = {
    "assets/maintenance.html": page,
    "assets/long.html": "x".repeat(1025),
    "assets/exact.html": "あ".repeat(1024),
    "assets/empty.html": "",
};

function parse(values: Record<string, string>): WebappConfig {
    const raw: Record<string, string> = { "aws:region": "ap-northeast-1", ...values };
    return parseConfig((k) => raw[k], (f) => files[f]);
}

/** The problems a config yields, as "key: got X; expected Y" lines. */
function problemsOf(values: Record<string, string>): string[] {
    try {
        parse(values);
    } catch (e) {
        assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e}`);
        return e.problems.map((p) => `${p.key}: got ${p.given}; expected ${p.expected}`);
    }
    assert.fail("expected the config to be refused");
}

describe("stack config", () => {
    it("gives the documented defaults when only the region is set", () => {
        assert.deepStrictEqual(parse({}), {
            region: "ap-northeast-1",
            network: { vpcCidr: "10.0.0.0/16", availabilityZoneCount: 2, natGateways: "OnePerAz" },
            webServers: { count: 2, instanceType: "t3.micro", architecture: "x86_64" },
            database: {
                instanceClass: "db.t4g.medium",
                instanceCount: 1,
                engineVersion: "8.0.mysql_aurora.3.10.0",
                logExports: ["audit", "error", "general", "slowquery"],
            },
            logRetentionDays: 7,
            healthCheckPath: "/phpinfo.php",
            maintenancePage: { file: "assets/maintenance.html", html: page },
            deletionProtection: false,
            tags: {},
            profile: undefined,
            jobnet: {
                maxConcurrency: 40,
                backupRetentionDays: 7,
                maintenanceRulePriority: 1,
                commandTimeoutSeconds: 60,
                waits: defaultWaits,
                timeoutSeconds: 6 * 3600,
            },
            operations: {
                schedules: {},
                calendar: { country: "none", closedDates: [], openDates: [], timeZone: "UTC" },
                slack: undefined,
                triggers: [],
                keepClusterStopped: true,
            },
        });
    });

    it("reads the dev stack file: one NAT gateway, an Environment tag, weekday schedules in Tokyo, Japanese holidays off", () => {
        const config = parseConfig((k) => stackConfig("dev")[k], (f) => files[f]);
        assert.strictEqual(config.network.natGateways, "Single");
        assert.deepStrictEqual(config.tags, { Environment: "dev" });
        assert.strictEqual(config.webServers.count, 2);
        assert.deepStrictEqual(config.operations.schedules, {
            stop: { expression: "cron(0 22 ? * MON-FRI *)", timeZone: "Asia/Tokyo", enabled: true },
            start: { expression: "cron(0 8 ? * MON-FRI *)", timeZone: "Asia/Tokyo", enabled: true },
        });
        assert.deepStrictEqual(config.operations.calendar, {
            country: "JP", closedDates: ["2026-12-29", "2026-12-30", "2026-12-31", "2027-01-02", "2027-01-03"], openDates: [], timeZone: "Asia/Tokyo",
        });
    });

    it("reads the prod stack file: 3 AZs, 4 Graviton servers, 2 DB instances, protected, no general log", () => {
        const config = parseConfig((k) => stackConfig("prod")[k], (f) => files[f]);
        assert.deepStrictEqual(config.network, { vpcCidr: "10.20.0.0/16", availabilityZoneCount: 3, natGateways: "OnePerAz" });
        assert.deepStrictEqual(config.webServers, { count: 4, instanceType: "m7g.large", architecture: "arm64" });
        assert.strictEqual(config.database.instanceCount, 2);
        assert.deepStrictEqual(config.database.logExports, ["audit", "error", "slowquery"]);
        assert.strictEqual(config.logRetentionDays, 90);
        assert.strictEqual(config.deletionProtection, true);
    });

    it("accepts a maintenance page of exactly 1,024 characters, counted as characters, not bytes", () => {
        const config = parse({ "webapp-jobnet:maintenancePage": "assets/exact.html" });
        assert.strictEqual(Array.from(config.maintenancePage.html).length, 1024);
    });

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
            'webapp-jobnet:webServerCount: got "0"; expected a whole number from 1 to 100'],
        ["a fractional web server count", { "webapp-jobnet:webServerCount": "2.5" },
            'webapp-jobnet:webServerCount: got "2.5"; expected a whole number from 1 to 100'],
        ["101 web servers", { "webapp-jobnet:webServerCount": "101" },
            'webapp-jobnet:webServerCount: got "101"; expected a whole number from 1 to 100'],
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
        ["a health-check path without a leading slash", { "webapp-jobnet:healthCheckPath": "phpinfo.php" },
            'webapp-jobnet:healthCheckPath: got "phpinfo.php"; expected a URL path that starts with / and has no spaces, such as /phpinfo.php'],
        ["a maintenance page over the ALB's 1,024-character limit", { "webapp-jobnet:maintenancePage": "assets/long.html" },
            'webapp-jobnet:maintenancePage: got "assets/long.html" (1025 characters); expected an HTML file of at most 1024 characters, the ALB fixed-response limit'],
        ["a maintenance page that does not exist", { "webapp-jobnet:maintenancePage": "assets/missing.html" },
            'webapp-jobnet:maintenancePage: got "assets/missing.html"; expected a path, relative to the project directory, of an HTML file that exists'],
        ["an empty maintenance page", { "webapp-jobnet:maintenancePage": "assets/empty.html" },
            'webapp-jobnet:maintenancePage: got "assets/empty.html" (empty); expected a non-empty HTML file'],
        ["an unknown DB log type", { "webapp-jobnet:dbLogExports": '["audit","postgresql"]' },
            'webapp-jobnet:dbLogExports: got "[\\"audit\\",\\"postgresql\\"]"; expected a JSON list of distinct log types out of audit, error, general, slowquery, such as ["audit","error","slowquery"]'],
        ["deletion protection that is not a boolean", { "webapp-jobnet:deletionProtection": "yes" },
            'webapp-jobnet:deletionProtection: got "yes"; expected one of "true", "false"'],
        ["a tag in the reserved aws: namespace", { "webapp-jobnet:tags": '{"aws:owner":"ops"}' },
            'webapp-jobnet:tags: got "{\\"aws:owner\\":\\"ops\\"}"; expected a JSON object of at most 47 string tags, keys of 1 to 128 characters not starting with "aws:", values of at most 256 characters (tag "aws:owner" breaks this)'],
        ["tags that are not JSON", { "webapp-jobnet:tags": "Owner=ops" },
            'webapp-jobnet:tags: got "Owner=ops"; expected a JSON object of at most 47 string tags, keys of 1 to 128 characters not starting with "aws:", values of at most 256 characters'],
        ["a wait bound that is not a duration", { "webapp-jobnet:jobnetWaits": '{"instanceStopped":"ten minutes"}' },
            'webapp-jobnet:jobnetWaits: got "{\\"instanceStopped\\":\\"ten minutes\\"}"; expected a JSON object of wait bounds by name (httpdCommand, instanceStopped, instanceReady, instanceCapacity, clusterAvailable, clusterStopped, backupsCompleted, targetsHealthy), each a duration such as "10m" from the wait\'s first poll up to 24h ("instanceStopped" breaks this)'],
        ["a bound on a wait that does not exist", { "webapp-jobnet:jobnetWaits": '{"coffee":"5m"}' },
            'webapp-jobnet:jobnetWaits: got "{\\"coffee\\":\\"5m\\"}"; expected a JSON object of wait bounds by name (httpdCommand, instanceStopped, instanceReady, instanceCapacity, clusterAvailable, clusterStopped, backupsCompleted, targetsHealthy), each a duration such as "10m" from the wait\'s first poll up to 24h ("coffee" breaks this)'],
        ["more Map concurrency than Step Functions runs", { "webapp-jobnet:jobnetMaxConcurrency": "41" },
            'webapp-jobnet:jobnetMaxConcurrency: got "41"; expected a whole number from 1 to 40'],
        ["a maintenance rule priority ALB does not accept", { "webapp-jobnet:maintenanceRulePriority": "50001" },
            'webapp-jobnet:maintenanceRulePriority: got "50001"; expected a whole number from 1 to 50000'],
        ["a jobnet timeout under 10 minutes", { "webapp-jobnet:jobnetTimeout": "5m" },
            'webapp-jobnet:jobnetTimeout: got "5m"; expected a duration from 10m to 24h, such as 6h'],
        ["no region", { "aws:region": undefined as unknown as string },
            "aws:region: got nothing (it is required); expected an AWS region such as ap-northeast-1"],
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
                    '  webapp-jobnet:webServerCount: got "0"; expected a whole number from 1 to 100',
                    "Fix with `pulumi config set <key> <value>` (or `pulumi config rm <key>` for the default).",
                ].join("\n"),
            );
        }
    });

    it("takes wait bounds per wait, keeping the poll rhythm", () => {
        const config = parse({ "webapp-jobnet:jobnetWaits": '{"backupsCompleted":"3h","targetsHealthy":"20m"}', "webapp-jobnet:jobnetTimeout": "8h" });
        assert.deepStrictEqual(config.jobnet.waits.backupsCompleted, { firstAfterSeconds: 60, everySeconds: 20, withinSeconds: 10800 });
        assert.deepStrictEqual(config.jobnet.waits.targetsHealthy, { firstAfterSeconds: 30, everySeconds: 10, withinSeconds: 1200 });
        assert.deepStrictEqual(config.jobnet.waits.instanceStopped, defaultWaits.instanceStopped);
        assert.strictEqual(config.jobnet.timeoutSeconds, 8 * 3600);
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
