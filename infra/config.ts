import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { Region } from "@pulumi/aws/types/enums";
import { CalendarSettings, holidayCountries } from "../handlers/calendar";
import { DatabaseKind, PollRhythm, SystemShape, WaitName, defaultWaits, maxWebServers, shortestBound, waitNames } from "../statemachines/plan";
import { closestName } from "./closestName";
import { ConfigError, ConfigReading } from "./configProblems";
import type { JobnetDefinition } from "../statemachines/jobs";
import type { GroupTargets } from "../statemachines/teamJobnet";
import { teamJobnets } from "../jobnets";
import { chooseTeamJobnets, groupTargetsOf, jobnetGroupsExpected, jobnetGroupsProblem, jobnetSchedulesExpected, jobnetSchedulesProblem } from "./teamJobnetSettings";
import { Json, Setting, duration, flag, formatDuration, integer, invalid, jsonObject, list, object, oneOf, secretText, setting, shown, text } from "./configSchema";
import { executionHistoryQuota, historyBudget } from "../statemachines/historyBudget";
import { historyOverruns, longestBoundWithinBudget } from "../statemachines/jobnetHistory";
import { healthPage } from "./userData";
import { CronError, canonicalTimeZone, parseCron, utcOffsets } from "./cron";
import { Secret } from "./secret";
import { ServiceControl, systemdUnitProblem } from "./serviceControl";

export { ConfigError, ConfigProblem, problemLine } from "./configProblems";
export { Secret } from "./secret";

/** The project name, which is also the namespace of this program's config keys. */
export const projectName = "webapp-jobnet";

export type NatGatewayStrategy = "OnePerAz" | "Single";
export type CpuArchitecture = "x86_64" | "arm64";
export type DbLogType = "audit" | "error" | "general" | "slowquery";

/** Every setting of a stack, parsed and checked once. */
export interface WebappConfig {
    region: string;
    /** The AWS CLI profile the provider uses, when the stack sets aws:profile. */
    profile: string | undefined;
    /**
     * The AWS provider's other keys the stack sets (allowedAccountIds, assumeRoles, ...). The
     * program's own provider does not read the stack's aws: keys by itself: infra/provider.ts
     * hands each of these to it.
     */
    providerKeys: string[];
    /** Keys the stack sets that shape only the system this program creates, while it names an existing one. */
    unusedKeys: string[];
    /** Keys the stack sets that this program no longer reads (retiredKeys): preview warns of each. */
    retiredKeys: string[];
    network: {
        vpcCidr: string;
        availabilityZoneCount: number;
        natGateways: NatGatewayStrategy;
    };
    webServers: {
        count: number;
        instanceType: string;
        architecture: CpuArchitecture;
        /** The customer managed KMS key of their EBS volumes; undefined: the account's default EBS key. */
        volumeKmsKeyArn: string | undefined;
        /** CloudWatch metrics every minute instead of every 5 minutes. */
        detailedMonitoring: boolean;
    };
    database: {
        instanceClass: string;
        instanceCount: number;
        engineVersion: string;
        logExports: DbLogType[];
    };
    /** Retention of every CloudWatch log group. */
    logRetentionDays: number;
    /** Expiry of the ALB access logs in S3. */
    accessLogRetentionDays: number;
    healthCheckPath: string;
    /** HTTPS on the ALB; undefined: HTTP only. */
    https: HttpsSettings | undefined;
    maintenancePage: { file: string; html: string };
    deletionProtection: boolean;
    tags: Record<string, string>;
    /** The system the jobnets act on: the one this program creates, or one that exists already. */
    system: SystemSettings;
    jobnet: JobnetSettings;
    operations: OperationsSettings;
    /** The team's own jobnets this stack deploys, and the server groups their commands run on. */
    teamJobnets: TeamJobnetSettings;
}

export interface TeamJobnetSettings {
    groups: Record<string, GroupTargets>;
    deployed: JobnetDefinition[];
    /** Those not deployed, and why (said at preview). */
    left: { name: string; reason: string }[];
    /** The jobnets whose schedule rules this stack keeps, paused (`jobnetSchedules.<jobnet>.enabled` false). */
    schedulesPaused: string[];
}

export type JobnetName = "stop" | "start";

export type SystemSettings = { mode: "create" } | ExistingSystemSettings;

/** A web system built elsewhere: the stack only names it, and creates none of it. */
export interface ExistingSystemSettings {
    mode: "existing";
    /** The servers by their ids, or by a tag they carry (Key=Value). */
    webServers: { instanceIds: string[] } | { tag: { key: string; value: string } };
    /** An Aurora cluster or an RDS DB instance; undefined: the system has none. */
    database: { kind: DatabaseKind; identifier: string } | undefined;
    /** Undefined: the system has none, so no maintenance page and no health wait. */
    loadBalancer: { listenerArns: string[]; targetGroupArns: string[] } | undefined;
    /** How the jobnets stop, check and start the web service on a server: a systemd unit, or commands. */
    service: Exclude<ServiceControl, { kind: "scripts" }>;
}

/** The ALB's HTTPS listener: a certificate given, or one the program requests for a domain of a Route 53 zone. */
export interface HttpsSettings {
    /** A certificate of ACM in the stack's region; undefined: the program requests one for `domainName`. */
    certificateArn: string | undefined;
    /** The name users reach the system by. */
    domainName: string | undefined;
    /** The public hosted zone of `domainName`: its alias record to the ALB, and the certificate's DNS validation. */
    hostedZoneId: string | undefined;
    sslPolicy: string;
}

/** When the jobnets run by themselves, on which days not, who hears of it, and what else starts them. */
export interface OperationsSettings {
    schedules: { stop?: JobnetSchedule; start?: JobnetSchedule };
    calendar: CalendarSettings;
    slack: { webhookUrl: Secret; mention: string | undefined } | undefined;
    triggers: EventTrigger[];
    /** Runs the stop jobnet again when RDS restarts the stopped database (cluster or DB instance) after 7 days. */
    keepClusterStopped: boolean;
    monitoring: MonitoringSettings;
}

/** Who hears of the jobnets' ends and delays besides Slack, and what counts as late. */
export interface MonitoringSettings {
    emails: string[];
    /** A run still running after this long is reported, once, while it runs. */
    expectedSeconds: Record<JobnetName, number>;
    /** A scheduled run not started this long after its scheduled time is reported. */
    startDelaySeconds: number;
}

export interface JobnetSchedule {
    /** `cron(...)`, checked. */
    expression: string;
    timeZone: string;
    enabled: boolean;
}

export interface EventTrigger {
    name: string;
    jobnet: JobnetName;
    description: string;
    eventPattern: Record<string, unknown>;
}

/** How the jobnets run: backups, the maintenance rule, and the bounds of every wait. */
export interface JobnetSettings {
    backupRetentionDays: number;
    /** The stack turns on AWS Backup's opt-in for the types it backs up (one setting per account and Region). */
    manageBackupOptIn: boolean;
    maintenanceRulePriority: number;
    commandTimeoutSeconds: number;
    waits: Record<WaitName, PollRhythm>;
    timeoutSeconds: number;
}


/** Reads a file of the project by its path relative to the project directory; undefined when missing. */
export type ProjectFileReader = (relativePath: string) => string | undefined;

// CloudWatch Logs accepts only these retention periods (PutRetentionPolicy).
export const logRetentionChoices = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/**
 * AWS's recommended ALB security policy (describe-ssl-policies): TLS 1.3 and 1.2, hybrid post-quantum
 * key exchange. Without one, an HTTPS listener created through the API gets ELBSecurityPolicy-2016-08.
 */
export const defaultSslPolicy = "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09";
// A DNS name of letters, digits and hyphens, in lower case, as Route 53 and ACM store it.
const domainNamePattern = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

// The ALB fixed-response action takes a MessageBody of at most 1,024 characters.
export const maxMaintenancePageCharacters = 1024;
// Each AZ gets a public, a private and an isolated /24.
const subnetsPerAz = 3;
const subnetPrefixLength = 24;
const dbLogTypes = ["audit", "error", "general", "slowquery"] as const;
// AWS reserves the aws: prefix; a resource takes at most 50 tags, of which this program sets 3.
const maxUserTags = 47;

const natGatewayStrategies = { onePerAz: "OnePerAz", single: "Single" } as const;

const waitDocs: Record<WaitName, string> = {
    httpdCommand: "how long a control script (stop, start or check httpd) may take, as Run Command reports it",
    agentOnline: "how much longer a control script's wait goes on for a server whose SSM agent is not online (DescribeInstanceInformation): the script is sent there once it is, within jobnetWaits.httpdCommand and this together",
    instanceStopped: "how long a web server may take to stop",
    instanceReady: "how long a web server may take to run with both status checks ok",
    instanceCapacity: "how long a server's start is tried again, every 2 minutes, while EC2 has no capacity for it",
    clusterAvailable: "how long the database (Aurora cluster or RDS DB instance) may take to become available (to be snapshotted and stopped, or once started)",
    clusterStopped: "how long the database (Aurora cluster or RDS DB instance) may take to stop",
    backupsCompleted: "how long the backups (each server's AMI, the database's snapshot) may take to complete",
    targetsHealthy: "how long the web servers may take to pass the target group's health check",
};

/** The bound of each wait of the jobnets, from the wait's first poll up to a day. */
const waitBounds = Object.fromEntries(
    waitNames.map((name) => {
        const rhythm = defaultWaits[name];
        return [name, duration({
            default: formatDuration(rhythm.withinSeconds),
            minSeconds: shortestBound(name),
            maxSeconds: 86400,
            example: formatDuration(rhythm.withinSeconds),
            doc: waitDocs[name],
        })];
    }),
) as Record<WaitName, Setting<number>>;

function schedule(jobnet: JobnetName) {
    return object({
        cron: text({
            required: true,
            expected: "a cron expression such as cron(0 22 ? * MON-FRI *)",
            check: cronProblem,
            doc: `when the ${jobnet} jobnet runs: an EventBridge Scheduler cron expression, such as \`cron(${jobnet === "stop" ? "0 22" : "0 8"} ? * MON-FRI *)\`; unset: no schedule`,
        }),
        enabled: flag({ default: true, doc: `\`false\` keeps the ${jobnet} schedule, paused` }),
    }, { optional: true, doc: `the ${jobnet} jobnet's schedule` });
}

const calendarDate = text({
    required: true,
    pattern: /^\d{4}-\d{2}-\d{2}$/,
    expected: "a date YYYY-MM-DD, such as 2026-12-30",
    check: (date) => (new Date(`${date}T00:00:00Z`).toISOString().startsWith(date) ? undefined : "a date YYYY-MM-DD that exists on the calendar"),
    doc: "a date YYYY-MM-DD",
});

/**
 * Every key of the project's namespace, in the order they are read and documented. Each is
 * declared once: its type, default, description and check.
 */
export const projectSettings = {
    availabilityZones: integer({ default: 2, min: 2, max: 6, doc: "AZs to use, 2 to 6" }),
    vpcCidr: text({
        default: "10.0.0.0/16",
        expected: "an IPv4 CIDR block such as 10.0.0.0/16",
        check: (cidr, earlier) => vpcCidrProblem(cidr, earlier.availabilityZones as number | undefined),
        doc: "VPC block; must hold 3 /24 subnets per AZ",
    }),
    natGateways: oneOf({ default: "onePerAz", values: Object.keys(natGatewayStrategies) as (keyof typeof natGatewayStrategies)[], doc: "`onePerAz`, or `single` to save cost outside production" }),
    webServerCount: integer({ default: 2, min: 1, max: maxWebServers, doc: `web servers, 1 to ${maxWebServers}, placed one per AZ in turn` }),
    webServerType: text({
        default: "t3.micro",
        pattern: /^[a-z][a-z0-9-]*\.[a-z0-9]+$/,
        expected: "an EC2 instance type of the form family.size, such as t3.micro or m7g.large",
        doc: "EC2 type `family.size`; Graviton types get the arm64 AMI",
    }),
    webServerVolumes: object({
        kmsKeyArn: text({
            pattern: /^arn:aws(-cn|-us-gov)?:kms:[a-z]{2}(-[a-z]+)+-\d+:\d{12}:key\/([0-9a-f-]{36}|mrk-[0-9a-f]{32})$/,
            expected: "a KMS key ARN such as arn:aws:kms:ap-northeast-1:123456789012:key/0a1b2c3d-4e5f-6789-abcd-ef0123456789 (an ARN, not an alias)",
            doc: "customer managed KMS key that encrypts them, in the stack's region; the start jobnet may then have EC2 create its grant on it. Unset: the account's default EBS key",
        }),
    }, { doc: "the web servers' EBS volumes, always encrypted" }),
    // Detailed monitoring is charged per metric sent to CloudWatch (EC2 User Guide, "Enable or turn off detailed monitoring").
    webServerDetailedMonitoring: flag({ default: false, doc: "EC2 detailed monitoring: the web servers' metrics every minute instead of every 5, at a charge" }),
    dbInstanceClass: text({
        default: "db.t4g.medium",
        pattern: /^db\.(serverless|[a-z][a-z0-9-]*\.[a-z0-9]+)$/,
        expected: "an Aurora instance class of the form db.family.size, such as db.t4g.medium or db.r7g.large",
        doc: "Aurora instance class `db.family.size`",
    }),
    dbInstanceCount: integer({ default: 1, min: 1, max: 16, doc: "Aurora instances (writer + readers), 1 to 16" }),
    dbEngineVersion: text({
        // An LTS release of Aurora MySQL 3 (MySQL 8.0 compatible).
        default: "8.0.mysql_aurora.3.10.0",
        pattern: /^8\.0\.mysql_aurora\.3\.\d{2}\.\d+$/,
        expected: "an Aurora MySQL 3 engine version such as 8.0.mysql_aurora.3.10.0",
        doc: "Aurora MySQL 3 version (3.10 is an LTS release)",
    }),
    dbLogExports: list(oneOf({ required: true, values: dbLogTypes, doc: "a DB log type" }), {
        default: [...dbLogTypes],
        distinct: true,
        expected: `a JSON list of log types out of ${dbLogTypes.join(", ")}, such as ["audit","error","slowquery"]`,
        doc: "DB logs to export (and turn on)",
    }),
    logRetentionDays: integer({
        default: 7,
        min: 1,
        max: 3653,
        check: (days) => ((logRetentionChoices as readonly number[]).includes(days) ? undefined : `one of the CloudWatch Logs retention periods in days: ${logRetentionChoices.join(", ")}`),
        doc: "retention of every CloudWatch log group",
    }),
    // S3 lifecycle expiry takes any whole number of days from 1 (LifecycleExpiration, S3 API reference).
    accessLogRetentionDays: integer({ default: 7, min: 1, max: 36500, doc: "days the ALB access logs are kept in S3 before they expire" }),
    healthCheckPath: text({
        default: healthPage.url,
        pattern: /^\/[\x21-\x7e]{0,1023}$/,
        expected: `a URL path that starts with / and has no spaces, such as ${healthPage.url}`,
        doc: "target group health-check path; the default page says only `ok`, served by PHP",
    }),
    https: object({
        certificateArn: text({
            pattern: /^arn:aws(-cn|-us-gov)?:acm:[a-z]{2}(-[a-z]+)+-\d+:\d{12}:certificate\/[0-9a-f-]{36}$/,
            expected: "an ACM certificate ARN such as arn:aws:acm:ap-northeast-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789",
            doc: "ACM certificate of the HTTPS listener, in the stack's region; unset with `domainName` and `hostedZoneId` set: the program requests one",
        }),
        domainName: text({
            pattern: domainNamePattern,
            expected: "a lower-case DNS name such as www.example.com",
            doc: "the name users reach the system by, such as `www.example.com`; the URL output uses it",
        }),
        hostedZoneId: text({
            pattern: /^Z[0-9A-Z]{1,31}$/,
            expected: "a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ",
            doc: "public Route 53 zone of `domainName`: it gets an alias record to the ALB, and validates a requested certificate",
        }),
        sslPolicy: text({
            default: defaultSslPolicy,
            pattern: /^ELBSecurityPolicy-[A-Za-z0-9-]+$/,
            expected: `an ELB security policy name such as ${defaultSslPolicy}`,
            doc: "TLS security policy of the HTTPS listener",
        }),
    }, {
        doc: "HTTPS on the ALB, HTTP redirected to it; with neither `certificateArn` nor `domainName`: HTTP only",
        check: (https) => {
            if (https.hostedZoneId !== undefined && https.domainName === undefined) return { key: "hostedZoneId", expected: "a hosted zone only with https.domainName set" };
            if (https.domainName !== undefined && https.certificateArn === undefined && https.hostedZoneId === undefined) {
                return { key: "domainName", expected: "a domain name with https.certificateArn (its certificate) or https.hostedZoneId (to request and validate one)" };
            }
            return undefined;
        },
    }),
    maintenancePage: maintenancePageFile({ default: "assets/maintenance.html", doc: `page served while stopped, at most ${maxMaintenancePageCharacters.toLocaleString("en-US")} characters` }),
    deletionProtection: flag({ default: false, doc: "protect ALB and cluster (in AWS and with Pulumi's `protect`, as the DB instances, the vault and the log bucket), keep a final snapshot, the logs and the backups; turn off and `pulumi up` before `pulumi destroy`" }),
    tags: jsonObject({
        default: {},
        expected: tagsExpected(),
        check: tagsProblem,
        doc: "extra tags on every resource, e.g. `pulumi config set --path tags.Owner ops`",
    }),
    backupRetentionDays: integer({ default: 7, min: 1, max: 36500, doc: "how long AWS Backup keeps the jobnets' AMIs and snapshots" }),
    manageBackupOptIn: flag({
        default: false,
        doc: "`true`: every `pulumi up` turns on AWS Backup's opt-in for Aurora and EC2 in the Region, leaving other types as they are (one setting per account and Region; `pulumi destroy` leaves it on); `false`: preview warns when either is off",
    }),
    maintenanceRulePriority: integer({ default: 1, min: 1, max: 50000, doc: "listener rule priority of the maintenance page (must be free)" }),
    commandTimeoutSeconds: integer({ default: 60, min: 30, max: 3600, doc: "how long a control script may run under Run Command" }),
    jobnetWaits: object(waitBounds, { doc: "the bound of each wait of the jobnets" }),
    jobnetTimeout: duration({ default: "6h", minSeconds: 600, maxSeconds: 86400, example: "6h", doc: "bound of a whole run" }),
    schedules: object({
        timezone: text({
            default: "UTC",
            expected: "a canonical IANA time zone name such as Asia/Tokyo or UTC",
            check: timeZoneProblem,
            doc: "time zone of both schedules and of the business calendar: a canonical IANA name such as `Asia/Tokyo`",
        }),
        stop: schedule("stop"),
        start: schedule("start"),
    }, { doc: "when the jobnets run by themselves (EventBridge Scheduler)" }),
    calendar: object({
        country: oneOf({ default: "none", values: [...holidayCountries, "none"], doc: "whose national holidays close the calendar: `JP`, or `none`" }),
        closedDates: list(calendarDate, { default: [], expected: 'a list of dates YYYY-MM-DD, such as ["2026-12-30", "2026-12-31"]', doc: "extra days on which scheduled runs are skipped" }),
        openDates: list(calendarDate, { default: [], expected: 'a list of dates YYYY-MM-DD, such as ["2026-11-23"]', doc: "days on which scheduled runs go ahead, holiday or not" }),
        closedWeekdays: list(oneOf({ required: true, values: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"], doc: "a day of the week" }), {
            default: [],
            distinct: true,
            expected: 'a list of days of the week such as ["sat", "sun"]',
            doc: "days of the week on which scheduled runs are skipped (a team jobnet's business days are the others)",
        }),
    }, { doc: "the business calendar: days on which scheduled runs are skipped" }),
    slack: object({
        webhookUrl: secretText({
            pattern: /^https:\/\/hooks\.slack(-gov)?\.com\/services\/[A-Za-z0-9/_-]+$/,
            invalidGiven: "a value that is not a Slack incoming-webhook URL",
            expected: "https://hooks.slack.com/services/..., set with pulumi config set --secret --path slack.webhookUrl URL",
            doc: "Slack incoming-webhook URL of the notifications, a secret (`--secret`); unset: no notifier",
        }),
        mention: text({
            pattern: /^<(!here|!channel|!everyone|@[UW][A-Z0-9]+|!subteam\^[A-Z0-9]+)>$/,
            expected: "a Slack mention such as <!here>, <!channel>, <@U0123ABCD> or <!subteam^S0123ABCD>",
            doc: "who the notifications mention, such as `<!here>`",
        }),
    }, {
        doc: "Slack notifications of every end of either jobnet",
        check: (slack) => (slack.mention !== undefined && slack.webhookUrl === undefined ? { key: "mention", expected: "a mention only with slack.webhookUrl set" } : undefined),
    }),
    triggers: list(object({
        name: text({ required: true, pattern: /^[a-zA-Z0-9-]{1,40}$/, expected: "letters, digits and -, at most 40", doc: "names the rule: letters, digits and -, at most 40" }),
        jobnet: oneOf({ required: true, values: ["stop", "start"], doc: "the jobnet it starts: `stop` or `start`" }),
        description: text({ expected: "a text", doc: "the rule's description; unset: the name" }),
        eventPattern: jsonObject({
            required: true,
            expected: 'an EventBridge event pattern, a JSON object such as {"source": ["aws.health"]}',
            check: (pattern) => (Object.keys(pattern).length > 0 ? undefined : "an event pattern with at least one key, such as source"),
            doc: "the EventBridge event pattern that starts it",
        }),
    }, { doc: "an EventBridge pattern that starts a jobnet" }), {
        default: [],
        expected: 'a list of {"name": "...", "jobnet": "stop"|"start", "description": "...", "eventPattern": {"source": [...], ...}}',
        doc: "extra EventBridge patterns that start a jobnet",
    }),
    monitoring: object({
        emails: list(text({
            required: true,
            pattern: /^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$/,
            expected: "an email address such as ops@example.com",
            doc: "an address the alert topic sends to",
        }), {
            default: [],
            distinct: true,
            expected: 'a list of email addresses such as ["ops@example.com"]',
            doc: "email addresses of the alert topic (each confirms its subscription once, from the mail AWS sends)",
        }),
        expectedDuration: object({
            // The bench's runs take 8:14 and 8:06 at any fleet size; Aurora's stop and start, and AMIs, often take several minutes more.
            stop: duration({ default: "15m", minSeconds: 60, maxSeconds: 86400, example: "15m", doc: "how long a stop run is expected to take; a run still running after it is reported" }),
            start: duration({ default: "12m", minSeconds: 60, maxSeconds: 86400, example: "12m", doc: "how long a start run is expected to take; a run still running after it is reported" }),
        }, { doc: "each jobnet's expected duration (end-delay monitoring)" }),
        startDelay: duration({ default: "10m", minSeconds: 300, maxSeconds: 21600, example: "10m", doc: "how long after its scheduled time a scheduled run must have started (start-delay monitoring)" }),
    }, { doc: "delay monitoring, the alert topic's email subscribers" }),
    keepClusterStopped: flag({ default: true, doc: "run the stop jobnet again when RDS restarts the stopped database (Aurora cluster or DB instance) after 7 days" }),
    system: existingSystemSettings(),
    jobnetGroups: jsonObject({
        default: {},
        expected: jobnetGroupsExpected,
        check: jobnetGroupsProblem,
        doc: "server groups the team's jobnets run commands on, each by instance ids or a tag: `pulumi config set --path 'jobnetGroups.batch.tag' Role=batch`",
    }),
    jobnetSchedules: jsonObject({
        default: {},
        expected: jobnetSchedulesExpected,
        check: jobnetSchedulesProblem,
        doc: "the schedule rules of a team's jobnet (`schedules:` in jobnets/*.ts) paused on this stack: `pulumi config set --path 'jobnetSchedules.nightly-batch.enabled' false`",
    }),
    jobnets: list(text({ required: true, pattern: /^[a-z0-9][a-z0-9-]{0,47}$/, expected: "a jobnet name such as nightly-batch", doc: "a jobnet of jobnets/index.ts" }), {
        default: [],
        distinct: true,
        expected: 'a list of jobnet names such as ["nightly-batch"]',
        doc: "the team's jobnets (jobnets/index.ts) this stack deploys; none listed: each whose server groups jobnetGroups defines",
    }),
};

/** The keys of the aws namespace this program reads; the provider's other keys are accepted as they are. */
export const awsSettings = {
    region: text({ required: true, expected: "an AWS region such as ap-northeast-1", check: regionNameProblem, doc: "region to deploy to" }),
    profile: text({ expected: "an AWS CLI profile name", doc: "the AWS CLI profile the provider uses" }),
};

/** The regions AWS has, as the AWS provider lists them (@pulumi/aws's Region): a name outside it has no endpoints to deploy to. */
export const awsRegions: readonly string[] = Object.values(Region);

/** A region AWS does not have: the one meant when it is a near miss (ap-northest-1), else every one there is. */
export function regionNameProblem(region: string): string | undefined {
    if (awsRegions.includes(region)) return undefined;
    const meant = closestName(region, awsRegions);
    return meant === undefined
        ? `an AWS region such as ap-northeast-1, one of the ${awsRegions.length} the AWS provider knows: ${awsRegions.join(", ")}`
        : `an AWS region such as ap-northeast-1 (did you mean ${JSON.stringify(meant)}?)`;
}

/** The AWS provider's own config keys (region, profile, assumeRoles, …), as @pulumi/aws declares them. */
export function awsProviderConfigKeys(): string[] {
    return Object.keys(require("@pulumi/aws/config/vars"));
}

/**
 * Plain keys read as if set with --path: `pulumi config set --secret slack.webhookUrl URL`, without
 * --path, stores a top-level key named "slack.webhookUrl" (earlier versions read it so).
 */
const plainKeysOfNestedOnes = ["slack.webhookUrl", "slack.mention"];

/**
 * Keys this program read once and reads no more, each with why. A stack that still sets one
 * deploys as before (Pulumi.yaml no longer declares it, so only a stack that sets it has it), and
 * preview says to remove it.
 */
export const retiredKeys: Readonly<Record<string, string>> = {
    jobnetMaxConcurrency: "each phase of a jobnet acts on every server at once, with no Map to bound",
};

/** What preview says of a retired key the stack still sets. */
export function retiredKeyWarning(key: string): string {
    return `${projectName}:${key} is no longer used: ${retiredKeys[key]}. Remove it: pulumi config rm ${key}`;
}

const projectNamespace = object(projectSettings, { doc: "", otherKeys: [...plainKeysOfNestedOnes, ...Object.keys(retiredKeys)] });

/**
 * Parses every setting of a stack into one typed object, or throws one ConfigError that lists
 * every bad value and every unknown key. Pure: all input comes through its arguments, the config
 * as Pulumi hands it to the program (`namespace:key` → value, objects as JSON).
 */
export function parseConfig(config: Readonly<Record<string, string>>, readProjectFile: ProjectFileReader, jobnetDefinitions: JobnetDefinition[] = teamJobnets): WebappConfig {
    const reading = new ConfigReading({ name: projectName, keys: projectNamespace }, readProjectFile);
    const namespaces = new Map<string, Record<string, string>>();
    for (const [fullKey, value] of Object.entries(config)) {
        const at = fullKey.indexOf(":");
        const namespace = fullKey.slice(0, at);
        namespaces.set(namespace, { ...namespaces.get(namespace), [fullKey.slice(at + 1)]: value });
    }
    for (const namespace of namespaces.keys()) {
        // Other namespaces (pulumi:, another provider's) are not this program's to judge; a near miss of ours is.
        const meant = namespace === projectName || namespace === "aws" ? undefined : closestName(namespace, [projectName, "aws"]);
        if (meant === undefined) continue;
        for (const key of Object.keys(namespaces.get(namespace)!)) reading.unknownNamespace([namespace, key], meant);
    }
    const aws = object(awsSettings, { doc: "", otherKeys: awsProviderConfigKeys() }).read(namespaces.get("aws") ?? {}, ["aws"], reading);
    const project = projectNamespace.read(withPlainKeysNested(namespaces.get(projectName) ?? {}, reading), [projectName], reading);
    if (aws !== invalid && project !== invalid) {
        regionProblem(aws.region, ["https", "certificateArn"], project.https.certificateArn, "a certificate of ACM", "an ALB uses certificates of its own region only", reading);
        regionProblem(aws.region, ["webServerVolumes", "kmsKeyArn"], project.webServerVolumes.kmsKeyArn, "a KMS key", "EBS volumes use keys of their own region only", reading);
    }
    if (reading.problems.length > 0 || aws === invalid || project === invalid) throw reading.error();
    const providerKeys = Object.keys(namespaces.get("aws") ?? {}).filter((k) => !(k in awsSettings)).sort();
    const retired = Object.keys(retiredKeys).filter((k) => k in (namespaces.get(projectName) ?? {}));
    // Pulumi hands the program Pulumi.yaml's defaults as if set: a key is set when it differs from its default.
    const byDefault = (key: (typeof createdSystemKeys)[number]) => projectSettings[key].read(undefined, [projectName, key], reading);
    const unusedKeys = project.system.mode === "existing"
        ? createdSystemKeys.filter((k) => JSON.stringify(project[k]) !== JSON.stringify(byDefault(k)))
        : [];
    const choice = chooseTeamJobnets(jobnetDefinitions, Object.keys(project.jobnetGroups), project.jobnets.length > 0 ? project.jobnets : undefined);
    for (const p of choice.problems) reading.problem([projectName, ...p.at], p.given, p.expected);
    const known = jobnetDefinitions.map((d) => d.name);
    for (const name of Object.keys(project.jobnetSchedules).filter((n) => !known.includes(n))) {
        const meant = closestName(name, known);
        reading.problem([projectName, "jobnetSchedules", name], JSON.stringify(project.jobnetSchedules[name]), `a jobnet of jobnets/index.ts (${known.join(", ")})${meant ? `: did you mean ${meant}?` : ""}`);
    }
    if (reading.problems.length > 0) throw reading.error();
    const paused = Object.entries(project.jobnetSchedules).filter(([, v]) => (v as { enabled: boolean }).enabled === false).map(([n]) => n);
    const teamJobnetSettings: TeamJobnetSettings = { groups: groupTargetsOf(project.jobnetGroups), deployed: choice.deployed, left: choice.left, schedulesPaused: paused };
    const parsed = { ...assemble(aws, project), teamJobnets: teamJobnetSettings, providerKeys, unusedKeys, retiredKeys: retired };
    historyBudgetProblems(parsed, reading);
    if (reading.problems.length > 0) throw reading.error();
    return parsed;
}

/**
 * Step Functions fails a run whose history reaches 25,000 events and will not redrive it: a stack
 * whose jobnets could pass half of that at worst, with its waits' bounds, is refused, naming the
 * bounds that add the most and how short each must be (statemachines/jobnetHistory.ts).
 */
function historyBudgetProblems(config: Omit<WebappConfig, "providerKeys" | "unusedKeys" | "retiredKeys" | "teamJobnets">, reading: ConfigReading): void {
    const shape = systemShapeOf(config.system);
    const waits = config.jobnet.waits;
    const overruns = historyOverruns(shape, waits);
    if (overruns.length === 0) return;
    const events = (n: number) => n.toLocaleString("en-US");
    const over = `over the ${events(historyBudget)} a jobnet may reach (half of the ${events(executionHistoryQuota)} at which Step Functions fails a run, the rest kept for retries and redrives)`;
    // Each bound that alone adds more than a jobnet's excess, one of which is to be shortened; else
    // the bounds that add the most, until they add up to the excess, each to be shortened.
    const named = new Map<WaitName, Set<WaitName>>();
    for (const overrun of overruns) {
        const excess = overrun.events - historyBudget;
        const alone = overrun.contributions.filter((c) => c.events >= excess).map((c) => c.wait);
        let left = excess;
        const together = overrun.contributions.filter((c) => (left -= c.events) + c.events > 0).map((c) => c.wait);
        for (const wait of alone.length > 0 ? alone : together) {
            named.set(wait, new Set([...(named.get(wait) ?? []), ...alone.filter((other) => other !== wait)]));
        }
    }
    if (named.size === 0) {
        const worst = overruns.map((o) => `the ${o.jobnet} jobnet could make ${events(o.events)} history events at worst`).join(", ");
        reading.problem([projectName, "jobnetWaits"], "bounds", `shorter bounds: even with every bound at its shortest, ${worst}, ${over}`);
        return;
    }
    for (const [wait, instead] of named) {
        const longest = longestBoundWithinBudget(shape, waits, wait);
        const adds = overruns.flatMap((o) => {
            const added = o.contributions.find((c) => c.wait === wait)?.events ?? 0;
            return added > 0 ? [`the ${o.jobnet} jobnet could make ${events(o.events)} history events at worst, ${events(added)} of them for this bound`] : [];
        });
        const expected = longest === undefined
            ? `a shorter bound, and shorter ones for the other bounds named (this one alone cannot do it, even at its shortest, ${formatDuration(shortestBound(wait))})`
            : `at most ${formatDuration(longest)}${instead.size === 0 ? "" : ` (or a shorter ${[...instead].map((w) => `jobnetWaits.${w}`).join(" or ")} instead)`}`;
        reading.problem([projectName, "jobnetWaits", wait], shown(formatDuration(waits[wait].withinSeconds)), `${expected}: ${adds.join("; ")}, ${over}`);
    }
}

type ProjectValues = Exclude<ReturnType<typeof projectNamespace.read>, typeof invalid>;

/** The keys that shape only the web system this program creates. */
const createdSystemKeys: (keyof typeof projectSettings)[] = [
    "availabilityZones", "vpcCidr", "natGateways", "webServerCount", "webServerType", "webServerVolumes", "webServerDetailedMonitoring",
    "dbInstanceClass", "dbInstanceCount", "dbEngineVersion", "dbLogExports", "healthCheckPath", "https", "accessLogRetentionDays",
];

function assemble(aws: { region: string; profile: string | undefined }, p: ProjectValues): Omit<WebappConfig, "providerKeys" | "unusedKeys" | "retiredKeys" | "teamJobnets"> {
    const schedules: OperationsSettings["schedules"] = {};
    for (const jobnet of ["stop", "start"] as const) {
        const s = p.schedules[jobnet];
        if (s) schedules[jobnet] = { expression: s.cron, timeZone: p.schedules.timezone, enabled: s.enabled };
    }
    return {
        region: aws.region,
        profile: aws.profile,
        network: { vpcCidr: p.vpcCidr, availabilityZoneCount: p.availabilityZones, natGateways: natGatewayStrategies[p.natGateways] },
        webServers: {
            count: p.webServerCount,
            instanceType: p.webServerType,
            architecture: architectureOf(p.webServerType),
            detailedMonitoring: p.webServerDetailedMonitoring,
            volumeKmsKeyArn: p.webServerVolumes.kmsKeyArn,
        },
        database: { instanceClass: p.dbInstanceClass, instanceCount: p.dbInstanceCount, engineVersion: p.dbEngineVersion, logExports: p.dbLogExports },
        logRetentionDays: p.logRetentionDays,
        accessLogRetentionDays: p.accessLogRetentionDays,
        healthCheckPath: p.healthCheckPath,
        https: p.https.certificateArn === undefined && p.https.domainName === undefined ? undefined : p.https,
        maintenancePage: p.maintenancePage,
        deletionProtection: p.deletionProtection,
        // `--path tags.CostCenter 1234` stores a number: a tag's value is its text.
        tags: Object.fromEntries(Object.entries(p.tags).map(([k, v]) => [k, String(v)])),
        system: systemOf(p.system),
        jobnet: {
            backupRetentionDays: p.backupRetentionDays,
            manageBackupOptIn: p.manageBackupOptIn,
            maintenanceRulePriority: p.maintenanceRulePriority,
            commandTimeoutSeconds: p.commandTimeoutSeconds,
            waits: Object.fromEntries(waitNames.map((name) => [name, { ...defaultWaits[name], withinSeconds: p.jobnetWaits[name] }])) as Record<WaitName, PollRhythm>,
            timeoutSeconds: p.jobnetTimeout,
        },
        operations: {
            schedules,
            calendar: { ...p.calendar, timeZone: p.schedules.timezone },
            slack: p.slack.webhookUrl === undefined ? undefined : { webhookUrl: p.slack.webhookUrl, mention: p.slack.mention },
            triggers: p.triggers.map((t) => ({ name: t.name, jobnet: t.jobnet, description: t.description ?? t.name, eventPattern: t.eventPattern })),
            keepClusterStopped: p.keepClusterStopped,
            monitoring: {
                emails: p.monitoring.emails,
                expectedSeconds: { stop: p.monitoring.expectedDuration.stop, start: p.monitoring.expectedDuration.start },
                startDelaySeconds: p.monitoring.startDelay,
            },
        },
    };
}

/** A resource of another region, given by its ARN where only the stack's own region's can be used. */
function regionProblem(region: string, key: string[], arn: string | undefined, what: string, why: string, reading: ConfigReading): void {
    const arnRegion = arn?.split(":")[3];
    if (arnRegion === undefined || arnRegion === region) return;
    reading.problem([projectName, ...key], JSON.stringify(arn), `${what} in the stack's region, ${region}: ${why}`);
}

/** What decides the tasks a stack deploys: servers by tag or not, a load balancer or not, its kind of database. */
export function systemShapeOf(system: SystemSettings): SystemShape {
    if (system.mode === "create") return { serversByTag: false, loadBalancer: true, database: "cluster" };
    return { serversByTag: "tag" in system.webServers, loadBalancer: system.loadBalancer !== undefined, database: system.database?.kind ?? "none" };
}

/** The system's keys as the jobnets take them. */
function systemOf(s: ProjectValues["system"]): SystemSettings {
    if (s.mode === "create") return { mode: "create" };
    const [key, ...value] = (s.webServers.tag ?? "").split("=");
    return {
        mode: "existing",
        webServers: s.webServers.tag === undefined ? { instanceIds: s.webServers.instanceIds } : { tag: { key, value: value.join("=") } },
        // RDS keeps identifiers in lower case (Shop-DB is shop-db): its API, ARNs and events say them so.
        database: s.database.clusterIdentifier !== undefined
            ? { kind: "cluster", identifier: s.database.clusterIdentifier.toLowerCase() }
            : s.database.instanceIdentifier !== undefined ? { kind: "instance", identifier: s.database.instanceIdentifier.toLowerCase() } : undefined,
        loadBalancer: s.loadBalancer.none ? undefined : { listenerArns: s.loadBalancer.listenerArns, targetGroupArns: s.loadBalancer.targetGroupArns },
        service: s.service === undefined
            ? { kind: "commands", stop: s.commands.stop!, start: s.commands.start!, check: s.commands.check! }
            : { kind: "systemd", unit: s.service },
    };
}

/** The project's keys with each plain "slack.webhookUrl"-style key moved into its object. */
function withPlainKeysNested(keys: Record<string, string>, reading: ConfigReading): Record<string, unknown> {
    const result: Record<string, unknown> = { ...keys };
    for (const plainKey of plainKeysOfNestedOnes) {
        if (keys[plainKey] === undefined) continue;
        const [parent, child] = plainKey.split(".");
        let nested: unknown = result[parent] ?? {};
        try {
            nested = typeof nested === "string" ? JSON.parse(nested) : nested;
        } catch {
            continue; // the object itself is reported as not an object
        }
        if (typeof nested !== "object" || nested === null || Array.isArray(nested)) continue;
        if (child in nested) {
            reading.problem([projectName, plainKey], "a second value", `one value: ${plainKey} is set both with and without --path; remove one with pulumi config rm '${plainKey}'`);
        }
        result[parent] = { ...nested, [child]: keys[plainKey] };
        delete result[plainKey];
    }
    return result;
}

/** Reads the stack's config as Pulumi hands it to the program; a bad value stops `pulumi preview` with the list of problems. */
export function loadConfig(projectDir = path.resolve(__dirname, "..")): WebappConfig {
    const readProjectFile: ProjectFileReader = (relativePath) => {
        const file = path.resolve(projectDir, relativePath);
        return fs.existsSync(file) && fs.statSync(file).isFile() ? fs.readFileSync(file, "utf8") : undefined;
    };
    try {
        return parseConfig(pulumi.runtime.allConfig(), readProjectFile);
    } catch (e) {
        // RunError prints its message without a stack trace: the message is all the user needs.
        if (e instanceof ConfigError) throw new pulumi.RunError(e.message);
        throw e;
    }
}

/**
 * Graviton instance families carry a "g" right after their generation number (t4g, m7g, c7gn, r8gd);
 * a1 is the first Graviton family. Everything else runs x86_64 AMIs.
 */
export function architectureOf(instanceType: string): CpuArchitecture {
    const family = instanceType.split(".")[0];
    return /^[a-z]+\d+g/.test(family) || family === "a1" ? "arm64" : "x86_64";
}

/** Why a VPC CIDR cannot hold this layout, or undefined when it can. */
export function vpcCidrProblem(cidr: string, availabilityZoneCount: number | undefined): string | undefined {
    const expected = "an IPv4 CIDR block such as 10.0.0.0/16";
    const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
    if (!match) return expected;
    const octets = match.slice(1, 5).map(Number);
    const prefix = Number(match[5]);
    if (octets.some((o) => o > 255)) return expected;
    // AWS accepts VPC blocks from /16 to /28; this layout needs /24 subnets.
    if (prefix < 16 || prefix > 28) return `${expected}, with a prefix from /16 to /28`;
    const address = octets.reduce((acc, o) => acc * 256 + o, 0);
    const hostBits = 32 - prefix;
    if (address % 2 ** hostBits !== 0) {
        const network = address - (address % 2 ** hostBits);
        return `a network address with no host bits set (did you mean ${ipv4(network)}/${prefix}?)`;
    }
    const needed = subnetsPerAz * (availabilityZoneCount ?? 2);
    const available = prefix > subnetPrefixLength ? 0 : 2 ** (subnetPrefixLength - prefix);
    if (available < needed) {
        return `a block that holds ${needed} /24 subnets (3 per AZ); /${prefix} holds ${available}`;
    }
    return undefined;
}

function ipv4(address: number): string {
    return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join(".");
}

/** Why a schedule's time zone is not a canonical IANA name, with the one it stands for. */
export function timeZoneProblem(name: string): string | undefined {
    const canonical = canonicalTimeZone(name);
    if (canonical === name) return undefined;
    const expected = "a canonical IANA time zone name such as Asia/Tokyo or UTC";
    return canonical === undefined ? expected : `${expected} (did you mean ${canonical}, ${utcOffsets(canonical)}?)`;
}

function cronProblem(expression: string): string | undefined {
    try {
        parseCron(expression);
        return undefined;
    } catch (e) {
        if (e instanceof CronError) return `a valid EventBridge Scheduler cron expression: ${e.message}`;
        throw e;
    }
}

function tagsExpected(): string {
    return `a JSON object of at most ${maxUserTags} string tags, keys of 1 to 128 characters not starting with "aws:", values of at most 256 characters`;
}

function tagsProblem(tags: Record<string, Json>): string | undefined {
    const entries = Object.entries(tags);
    if (entries.length > maxUserTags) return tagsExpected();
    const bad = entries.find(
        ([k, v]) => k.length === 0 || k.length > 128 || k.toLowerCase().startsWith("aws:") || !["string", "number", "boolean"].includes(typeof v) || String(v).length > 256,
    );
    return bad ? `${tagsExpected()} (tag ${JSON.stringify(bad[0])} breaks this)` : undefined;
}

/** The maintenance page: a file of the project, read and checked against the ALB's limit. */
function maintenancePageFile(o: { default: string; doc: string }): Setting<{ file: string; html: string }> {
    return setting<{ file: string; html: string }>({
        ...o,
        pulumiType: "string",
        expected: "a path to an HTML file in the project",
        parse(raw, at, ctx) {
            const problem = (expected: string, given = JSON.stringify(raw)): typeof invalid => {
                ctx.problem(at, given, expected);
                return invalid;
            };
            if (typeof raw !== "string" || raw.length === 0 || raw.includes("\0")) return problem("a path to an HTML file in the project");
            const html = ctx.readProjectFile(raw);
            if (html === undefined) return problem("a path, relative to the project directory, of an HTML file that exists");
            // The limit counts characters, not bytes: a Japanese page may use all 1,024.
            const characters = Array.from(html).length;
            if (characters === 0) return problem("a non-empty HTML file", `${JSON.stringify(raw)} (empty)`);
            if (characters > maxMaintenancePageCharacters) {
                return problem(
                    `an HTML file of at most ${maxMaintenancePageCharacters} characters, the ALB fixed-response limit`,
                    `${JSON.stringify(raw)} (${characters} characters)`,
                );
            }
            return { file: raw, html };
        },
    }) as Setting<{ file: string; html: string }>;
}

/**
 * `system`: which web system the jobnets act on. `create` (the default): the one this program
 * creates. `existing`: one built elsewhere, named by its servers, cluster, listeners and target
 * groups; the stack then creates none of it.
 */
function existingSystemSettings() {
    // An ALB's listener: listener/app/<lb>/<lb-id>/<id>; a target group: targetgroup/<name>/<id>.
    const arnList = (resource: string, example: string, doc: string) =>
        list(text({
            required: true,
            pattern: new RegExp(`^arn:aws(-cn|-us-gov)?:elasticloadbalancing:[a-z]{2}(-[a-z]+)+-\\d+:\\d{12}:${resource}$`),
            expected: `an ARN such as ${example}`,
            doc,
        }), { default: [], distinct: true, expected: `a list of ARNs such as ["${example}"]`, doc });
    const command = (what: string) => text({ pattern: /^[^\0]{1,4096}$/, expected: "a shell command line", doc: `shell command that ${what}` });
    return object({
        mode: oneOf({ default: "create", values: ["create", "existing"], doc: "`create`: the system this program creates; `existing`: one built elsewhere, named by the keys below" }),
        webServers: object({
            instanceIds: list(text({ required: true, pattern: /^i-([0-9a-f]{8}|[0-9a-f]{17})$/, expected: "an EC2 instance id such as i-0123456789abcdef0", doc: "an instance id" }), {
                default: [],
                distinct: true,
                expected: 'a list of EC2 instance ids such as ["i-0123456789abcdef0"]',
                doc: "the web servers by instance id",
            }),
            tag: text({
                pattern: /^[^=]{1,128}=.{0,256}$/,
                expected: "a tag Key=Value such as Role=shop-web",
                doc: "the web servers by a tag they carry, `Key=Value`",
            }),
        }, {
            doc: "the web servers of an existing system: `instanceIds` or `tag`",
            check: (w) => (w.instanceIds.length > 0 && w.tag !== undefined ? { key: "tag", expected: "either system.webServers.instanceIds or system.webServers.tag, not both" } : undefined),
        }),
        database: object({
            clusterIdentifier: text({ pattern: /^[a-zA-Z][a-zA-Z0-9-]{0,62}$/, expected: "an Aurora cluster identifier such as shop-aurora", doc: "the Aurora cluster's identifier" }),
            instanceIdentifier: text({ pattern: /^[a-zA-Z][a-zA-Z0-9-]{0,62}$/, expected: "an RDS DB instance identifier such as shop-mysql", doc: "a single RDS DB instance's identifier (MySQL, PostgreSQL, MariaDB, Oracle, SQL Server)" }),
            none: flag({ default: false, doc: "`true`: the system has no database for the jobnets to stop and start" }),
        }, {
            doc: "the database of an existing system: `clusterIdentifier`, `instanceIdentifier` or `none: true`",
            check: (d) => {
                const given = (["clusterIdentifier", "instanceIdentifier", "none"] as const).filter((k) => d[k] !== undefined && d[k] !== false);
                return given.length > 1
                    ? { key: given[1], expected: "only one of system.database.clusterIdentifier, system.database.instanceIdentifier and system.database.none" }
                    : undefined;
            },
        }),
        loadBalancer: object({
            listenerArns: arnList("listener/app/[A-Za-z0-9-]{1,32}/[0-9a-f]{16}/[0-9a-f]{16}", "arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:listener/app/shop/0123456789abcdef/fedcba9876543210", "listeners that forward to the web servers: each gets the maintenance page while stopped"),
            targetGroupArns: arnList("targetgroup/[A-Za-z0-9-]{1,32}/[0-9a-f]{16}", "arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:targetgroup/shop-web/0123456789abcdef", "target groups whose every target must be healthy before the page goes"),
            none: flag({ default: false, doc: "`true`: the system has no load balancer, so no maintenance page and no wait for healthy targets" }),
        }, { doc: "the load balancer of an existing system, or `none: true`" }),
        service: text({
            expected: "a systemd unit name such as httpd or nginx.service",
            check: (unit) => {
                const problem = systemdUnitProblem(unit);
                return problem && `a systemd service name such as httpd or nginx.service: ${problem}`;
            },
            doc: "systemd unit the jobnets stop, check and start on each server (`systemctl`)",
        }),
        commands: object({
            stop: command("stops the service; exit 0 when stopped"),
            start: command("starts the service; exit 0 when started"),
            check: command("exits 0 when the service runs, 3 when it is stopped, anything else on failure"),
        }, { doc: "commands instead of `service`: each run by Run Command as root" }),
    }, {
        doc: "the web system the jobnets act on",
        check: (s) => {
            // What each part of an existing system is, as the error names it when it is missing.
            const parts = {
                webServers: { given: s.webServers.instanceIds.length > 0 || s.webServers.tag !== undefined, what: "web servers: instanceIds or tag" },
                database: { given: s.database.clusterIdentifier !== undefined || s.database.instanceIdentifier !== undefined || s.database.none, what: "database: clusterIdentifier (Aurora), instanceIdentifier (RDS), or none: true when it has none" },
                loadBalancer: { given: s.loadBalancer.none || s.loadBalancer.listenerArns.length > 0 || s.loadBalancer.targetGroupArns.length > 0, what: "listeners and target groups: listenerArns and targetGroupArns, or none: true when it has no load balancer" },
            };
            const commandsGiven = Object.values(s.commands).some((c) => c !== undefined);
            if (s.mode === "create") {
                const given = { webServers: parts.webServers.given, database: parts.database.given, loadBalancer: parts.loadBalancer.given, service: s.service !== undefined, commands: commandsGiven };
                const extra = (Object.keys(given) as (keyof typeof given)[]).find((k) => given[k]);
                return extra && { key: extra, expected: "nothing while system.mode is create: the system this program creates is its own; set system.mode existing to name another" };
            }
            const missing = (Object.keys(parts) as (keyof typeof parts)[]).find((k) => !parts[k].given);
            if (missing) return { key: missing, expected: `the existing system's ${parts[missing].what}` };
            const lists = s.loadBalancer.listenerArns.length + s.loadBalancer.targetGroupArns.length;
            if (s.loadBalancer.none && lists > 0) return { key: "loadBalancer", expected: "either none: true or listenerArns and targetGroupArns, not both" };
            if (!s.loadBalancer.none && (s.loadBalancer.listenerArns.length === 0 || s.loadBalancer.targetGroupArns.length === 0)) return { key: "loadBalancer", expected: "both listenerArns and targetGroupArns" };
            if ((s.service === undefined) === !commandsGiven) return { key: "service", expected: "either system.service (a systemd unit) or system.commands, one of the two" };
            if (commandsGiven && Object.values(s.commands).some((c) => c === undefined)) return { key: "commands", expected: "all three of stop, start and check" };
            return undefined;
        },
    });
}
