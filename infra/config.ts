import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { CalendarSettings, holidayCountries } from "../handlers/calendar";
import { PollRhythm, WaitName, defaultWaits, waitNames } from "../statemachines/plan";
import { CronError, isTimeZone, parseCron } from "./cron";

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
    network: {
        vpcCidr: string;
        availabilityZoneCount: number;
        natGateways: NatGatewayStrategy;
    };
    webServers: {
        count: number;
        instanceType: string;
        architecture: CpuArchitecture;
    };
    database: {
        instanceClass: string;
        instanceCount: number;
        engineVersion: string;
        logExports: DbLogType[];
    };
    logRetentionDays: number;
    healthCheckPath: string;
    maintenancePage: { file: string; html: string };
    deletionProtection: boolean;
    tags: Record<string, string>;
    jobnet: JobnetSettings;
    operations: OperationsSettings;
}

export type JobnetName = "stop" | "start";

/** When the jobnets run by themselves, on which days not, who hears of it, and what else starts them. */
export interface OperationsSettings {
    schedules: { stop?: JobnetSchedule; start?: JobnetSchedule };
    calendar: CalendarSettings;
    slack: { webhookUrl: Secret; mention: string | undefined } | undefined;
    triggers: EventTrigger[];
    /** Runs the stop jobnet again when Aurora restarts the stopped cluster after 7 days. */
    keepClusterStopped: boolean;
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

/** A value that must not be printed: it shows as [secret] and is read only through `reveal`. */
export class Secret {
    constructor(private readonly value: string) {}
    reveal(): string {
        return this.value;
    }
    toString(): string {
        return "[secret]";
    }
    toJSON(): string {
        return "[secret]";
    }
}

/** How the jobnets run: concurrency, backups, the maintenance rule, and the bounds of every wait. */
export interface JobnetSettings {
    maxConcurrency: number;
    backupRetentionDays: number;
    maintenanceRulePriority: number;
    commandTimeoutSeconds: number;
    waits: Record<WaitName, PollRhythm>;
    timeoutSeconds: number;
}

/** One bad value: the key, what was given and what is expected. */
export interface ConfigProblem {
    key: string;
    given: string;
    expected: string;
}

export class ConfigError extends Error {
    constructor(readonly problems: ConfigProblem[]) {
        super(
            [
                `Stack config is invalid (${problems.length} ${problems.length === 1 ? "problem" : "problems"}):`,
                ...problems.map((p) => `  ${p.key}: got ${p.given}; expected ${p.expected}`),
                "Fix with `pulumi config set <key> <value>` (or `pulumi config rm <key>` for the default).",
            ].join("\n"),
        );
        this.name = "ConfigError";
    }
}

/** Reads one raw config value by its full key (`namespace:key`); undefined when unset. */
export type ConfigReader = (fullKey: string) => string | undefined;
/** Reads a file of the project by its path relative to the project directory; undefined when missing. */
export type ProjectFileReader = (relativePath: string) => string | undefined;

// CloudWatch Logs accepts only these retention periods (PutRetentionPolicy).
export const logRetentionChoices = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

// The ALB fixed-response action takes a MessageBody of at most 1,024 characters.
export const maxMaintenancePageCharacters = 1024;
// The jobnets' payload and history budgets are sized for this many web servers.
export const maxWebServers = 100;
// Each AZ gets a public, a private and an isolated /24.
const subnetsPerAz = 3;
const subnetPrefixLength = 24;
const dbLogTypes: readonly DbLogType[] = ["audit", "error", "general", "slowquery"];
// AWS reserves the aws: prefix; a resource takes at most 50 tags, of which this program sets 3.
const maxUserTags = 47;

export const defaults = {
    vpcCidr: "10.0.0.0/16",
    availabilityZones: 2,
    natGateways: "onePerAz",
    webServerCount: 2,
    webServerType: "t3.micro",
    dbInstanceClass: "db.t4g.medium",
    dbInstanceCount: 1,
    // An LTS release of Aurora MySQL 3 (MySQL 8.0 compatible).
    dbEngineVersion: "8.0.mysql_aurora.3.10.0",
    dbLogExports: ["audit", "error", "general", "slowquery"] as DbLogType[],
    logRetentionDays: 7,
    healthCheckPath: "/phpinfo.php",
    maintenancePage: "assets/maintenance.html",
    deletionProtection: false,
    // Step Functions runs at most 40 inline Map iterations at once.
    jobnetMaxConcurrency: 40,
    backupRetentionDays: 7,
    maintenanceRulePriority: 1,
    commandTimeoutSeconds: 60,
    jobnetTimeout: "6h",
} as const;

/**
 * Parses every setting of a stack into one typed object, or throws one ConfigError that lists
 * every bad value. Pure: all input comes through the two readers.
 */
export function parseConfig(read: ConfigReader, readProjectFile: ProjectFileReader): WebappConfig {
    const problems: ConfigProblem[] = [];
    const p = new Parser(read, problems);

    const region = p.string("aws:region", undefined, /^[a-z]{2}(-[a-z]+)+-\d+$/, "an AWS region such as ap-northeast-1");
    const availabilityZoneCount = p.integer(key("availabilityZones"), defaults.availabilityZones, 2, 6);
    const vpcCidr = p.check(key("vpcCidr"), defaults.vpcCidr, (v) => vpcCidrProblem(v, availabilityZoneCount));
    const natGateways = p.choice(key("natGateways"), defaults.natGateways, { onePerAz: "OnePerAz", single: "Single" } as const);
    const webServerCount = p.integer(key("webServerCount"), defaults.webServerCount, 1, maxWebServers);
    const instanceType = p.string(
        key("webServerType"),
        defaults.webServerType,
        /^[a-z][a-z0-9-]*\.[a-z0-9]+$/,
        "an EC2 instance type of the form family.size, such as t3.micro or m7g.large",
    );
    const dbInstanceClass = p.string(
        key("dbInstanceClass"),
        defaults.dbInstanceClass,
        /^db\.(serverless|[a-z][a-z0-9-]*\.[a-z0-9]+)$/,
        "an Aurora instance class of the form db.family.size, such as db.t4g.medium or db.r7g.large",
    );
    const dbInstanceCount = p.integer(key("dbInstanceCount"), defaults.dbInstanceCount, 1, 16);
    const dbEngineVersion = p.string(
        key("dbEngineVersion"),
        defaults.dbEngineVersion,
        /^8\.0\.mysql_aurora\.3\.\d{2}\.\d+$/,
        "an Aurora MySQL 3 engine version such as 8.0.mysql_aurora.3.10.0",
    );
    const dbLogExports = p.json(key("dbLogExports"), defaults.dbLogExports, (v) => dbLogExportsProblem(v));
    const logRetentionDays = p.check(key("logRetentionDays"), String(defaults.logRetentionDays), (v) =>
        (logRetentionChoices as readonly number[]).includes(Number(v)) && /^\d+$/.test(v)
            ? undefined
            : `one of the CloudWatch Logs retention periods in days: ${logRetentionChoices.join(", ")}`,
    );
    const healthCheckPath = p.string(
        key("healthCheckPath"),
        defaults.healthCheckPath,
        /^\/[\x21-\x7e]{0,1023}$/,
        "a URL path that starts with / and has no spaces, such as /phpinfo.php",
    );
    const maintenanceFile = p.string(key("maintenancePage"), defaults.maintenancePage, /^[^\0]+$/, "a path to an HTML file in the project");
    const maintenanceHtml = maintenanceFile === undefined ? undefined : readMaintenancePage(maintenanceFile, readProjectFile, problems);
    const deletionProtection = p.choice(key("deletionProtection"), String(defaults.deletionProtection), { true: true, false: false } as const);
    const tags = p.json(key("tags"), {}, (v) => tagsProblem(v));
    const maxConcurrency = p.integer(key("jobnetMaxConcurrency"), defaults.jobnetMaxConcurrency, 1, 40);
    const backupRetentionDays = p.integer(key("backupRetentionDays"), defaults.backupRetentionDays, 1, 36500);
    const maintenanceRulePriority = p.integer(key("maintenanceRulePriority"), defaults.maintenanceRulePriority, 1, 50000);
    const commandTimeoutSeconds = p.integer(key("commandTimeoutSeconds"), defaults.commandTimeoutSeconds, 30, 3600);
    const waitBounds = p.json(key("jobnetWaits"), {}, (v) => jobnetWaitsProblem(v));
    const jobnetTimeout = p.check(key("jobnetTimeout"), defaults.jobnetTimeout, (v) => {
        const seconds = durationSeconds(v);
        return seconds !== undefined && seconds >= 600 && seconds <= 86400 ? undefined : "a duration from 10m to 24h, such as 6h";
    });
    const operations = parseOperations(read, problems);

    if (problems.length > 0) throw new ConfigError(problems);
    // Every value is defined here: each parser either returned a value or recorded a problem.
    return {
        region: region!,
        profile: read("aws:profile"),
        network: { vpcCidr: vpcCidr!, availabilityZoneCount: availabilityZoneCount!, natGateways: natGateways! },
        webServers: { count: webServerCount!, instanceType: instanceType!, architecture: architectureOf(instanceType!) },
        database: {
            instanceClass: dbInstanceClass!,
            instanceCount: dbInstanceCount!,
            engineVersion: dbEngineVersion!,
            logExports: dbLogExports as DbLogType[],
        },
        logRetentionDays: Number(logRetentionDays),
        healthCheckPath: healthCheckPath!,
        maintenancePage: { file: maintenanceFile!, html: maintenanceHtml! },
        deletionProtection: deletionProtection!,
        tags: tags as Record<string, string>,
        jobnet: {
            maxConcurrency: maxConcurrency!,
            backupRetentionDays: backupRetentionDays!,
            maintenanceRulePriority: maintenanceRulePriority!,
            commandTimeoutSeconds: commandTimeoutSeconds!,
            waits: waitsWithBounds(waitBounds as Record<string, string>),
            timeoutSeconds: durationSeconds(jobnetTimeout!)!,
        },
        operations: operations!,
    };
}

/** The schedules, the business calendar, Slack and the event triggers; each bad value is a problem naming its key. */
function parseOperations(read: ConfigReader, problems: ConfigProblem[]): OperationsSettings | undefined {
    const before = problems.length;
    const problem = (k: string, given: unknown, expected: string) => {
        problems.push({ key: key(k), given: given === undefined ? "nothing" : JSON.stringify(given), expected });
    };
    const object = (k: string): Record<string, unknown> => {
        const raw = read(key(k));
        if (raw === undefined) return {};
        try {
            const value = JSON.parse(raw);
            if (value && typeof value === "object" && !Array.isArray(value)) return value;
        } catch {
            // reported below
        }
        problem(k, raw, `an object, set with pulumi config set --path ${k}.NAME VALUE`);
        return {};
    };

    const schedulesRaw = object("schedules");
    const timeZone = schedulesRaw.timezone ?? "UTC";
    if (typeof timeZone !== "string" || !isTimeZone(timeZone)) problem("schedules.timezone", timeZone, "an IANA time zone name such as Asia/Tokyo or UTC");
    const schedules: OperationsSettings["schedules"] = {};
    for (const jobnet of ["stop", "start"] as const) {
        const raw = schedulesRaw[jobnet] as Record<string, unknown> | undefined;
        if (raw === undefined) continue;
        if (typeof raw !== "object" || raw === null) {
            problem(`schedules.${jobnet}`, raw, "an object with cron (and optionally enabled)");
            continue;
        }
        const cron = raw.cron;
        try {
            if (typeof cron !== "string") throw new CronError("a cron expression such as cron(0 22 ? * MON-FRI *)");
            parseCron(cron);
        } catch (e) {
            problem(`schedules.${jobnet}.cron`, cron, `a valid EventBridge Scheduler cron expression: ${(e as Error).message}`);
            continue;
        }
        const enabled = raw.enabled ?? true;
        if (enabled !== true && enabled !== false && enabled !== "true" && enabled !== "false") {
            problem(`schedules.${jobnet}.enabled`, enabled, "true or false");
            continue;
        }
        schedules[jobnet] = { expression: cron, timeZone: String(timeZone), enabled: enabled === true || enabled === "true" };
    }

    const calendarRaw = object("calendar");
    const country = calendarRaw.country ?? "none";
    if (country !== "none" && !(holidayCountries as readonly unknown[]).includes(country)) {
        problem("calendar.country", country, `one of ${[...holidayCountries, "none"].join(", ")}`);
    }
    const dates = (k: "closedDates" | "openDates"): string[] => {
        const v = calendarRaw[k] ?? [];
        const ok = Array.isArray(v) && v.every((d) => typeof d === "string" && /^\d{4}-\d{2}-\d{2}$/.test(d) && !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d));
        if (!ok) problem(`calendar.${k}`, v, "a list of dates YYYY-MM-DD, such as [\"2026-12-30\", \"2026-12-31\"]");
        return ok ? (v as string[]) : [];
    };
    const calendar: CalendarSettings = { country: String(country), closedDates: dates("closedDates"), openDates: dates("openDates"), timeZone: String(timeZone) };

    // `--path slack.webhookUrl` nests the value; a plain `slack.webhookUrl` key is read as well.
    const slackRaw = object("slack");
    const webhookUrl = slackRaw.webhookUrl ?? read(key("slack.webhookUrl"));
    const mention = slackRaw.mention ?? read(key("slack.mention"));
    let slack: OperationsSettings["slack"];
    if (webhookUrl !== undefined) {
        if (typeof webhookUrl !== "string" || !/^https:\/\/hooks\.slack(-gov)?\.com\/services\/[A-Za-z0-9/_-]+$/.test(webhookUrl)) {
            // Never echo a webhook URL: it is a credential.
            problems.push({ key: key("slack.webhookUrl"), given: "a value that is not a Slack incoming-webhook URL", expected: "https://hooks.slack.com/services/..., set with pulumi config set --secret --path slack.webhookUrl URL" });
        } else if (mention !== undefined && (typeof mention !== "string" || !/^<(!here|!channel|!everyone|@[UW][A-Z0-9]+|!subteam\^[A-Z0-9]+)>$/.test(mention))) {
            problem("slack.mention", mention, "a Slack mention such as <!here>, <!channel>, <@U0123ABCD> or <!subteam^S0123ABCD>");
        } else {
            slack = { webhookUrl: new Secret(webhookUrl), mention: mention as string | undefined };
        }
    } else if (mention !== undefined) {
        problem("slack.mention", mention, "a mention only with slack.webhookUrl set");
    }

    const triggers: EventTrigger[] = [];
    const triggersRaw = read(key("triggers"));
    if (triggersRaw !== undefined) {
        let list: unknown;
        try {
            list = JSON.parse(triggersRaw);
        } catch {
            list = undefined;
        }
        const expected = 'a list of {"name": "...", "jobnet": "stop"|"start", "description": "...", "eventPattern": {"source": [...], ...}}';
        if (!Array.isArray(list)) problem("triggers", triggersRaw, expected);
        else {
            list.forEach((t, i) => {
                const ok = t && typeof t === "object" && typeof t.name === "string" && /^[a-zA-Z0-9-]{1,40}$/.test(t.name)
                    && (t.jobnet === "stop" || t.jobnet === "start")
                    && t.eventPattern && typeof t.eventPattern === "object" && !Array.isArray(t.eventPattern) && Object.keys(t.eventPattern).length > 0;
                if (!ok) problem(`triggers[${i}]`, t, `${expected}; name: letters, digits and -, at most 40`);
                else triggers.push({ name: t.name, jobnet: t.jobnet, description: String(t.description ?? t.name), eventPattern: t.eventPattern });
            });
        }
    }
    const keepRaw = read(key("keepClusterStopped")) ?? "true";
    if (keepRaw !== "true" && keepRaw !== "false") problem("keepClusterStopped", keepRaw, 'one of "true", "false"');

    return problems.length > before ? undefined : { schedules, calendar, slack, triggers, keepClusterStopped: keepRaw === "true" };
}

/** "90s", "10m", "2h" → seconds; undefined for anything else. */
export function durationSeconds(text: string): number | undefined {
    const match = /^(\d+)(s|m|h)$/.exec(text);
    if (!match) return undefined;
    return Number(match[1]) * { s: 1, m: 60, h: 3600 }[match[2] as "s" | "m" | "h"];
}

function jobnetWaitsProblem(value: unknown): string | undefined {
    const expected = `a JSON object of wait bounds by name (${waitNames.join(", ")}), each a duration such as "10m" from the wait's first poll up to 24h`;
    if (typeof value !== "object" || value === null || Array.isArray(value)) return expected;
    for (const [name, bound] of Object.entries(value)) {
        const rhythm = defaultWaits[name as WaitName];
        const seconds = typeof bound === "string" ? durationSeconds(bound) : undefined;
        if (!rhythm || seconds === undefined || seconds < rhythm.firstAfterSeconds + rhythm.everySeconds || seconds > 86400) {
            return `${expected} (${JSON.stringify(name)} breaks this)`;
        }
    }
    return undefined;
}

function waitsWithBounds(bounds: Record<string, string>): Record<WaitName, PollRhythm> {
    return Object.fromEntries(
        waitNames.map((name) => [name, { ...defaultWaits[name], ...(bounds[name] ? { withinSeconds: durationSeconds(bounds[name])! } : {}) }]),
    ) as Record<WaitName, PollRhythm>;
}

/** Reads the stack's config through `pulumi.Config`; a bad value stops `pulumi preview` with the list of problems. */
export function loadConfig(projectDir = path.resolve(__dirname, "..")): WebappConfig {
    const read: ConfigReader = (fullKey) => {
        const [namespace, name] = fullKey.split(":", 2);
        return new pulumi.Config(namespace).get(name);
    };
    const readProjectFile: ProjectFileReader = (relativePath) => {
        const file = path.resolve(projectDir, relativePath);
        return fs.existsSync(file) && fs.statSync(file).isFile() ? fs.readFileSync(file, "utf8") : undefined;
    };
    try {
        return parseConfig(read, readProjectFile);
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

function dbLogExportsProblem(value: unknown): string | undefined {
    const expected = `a JSON list of distinct log types out of ${dbLogTypes.join(", ")}, such as ["audit","error","slowquery"]`;
    if (!Array.isArray(value)) return expected;
    if (value.some((v) => !dbLogTypes.includes(v as DbLogType))) return expected;
    if (new Set(value).size !== value.length) return expected;
    return undefined;
}

function tagsProblem(value: unknown): string | undefined {
    const expected = `a JSON object of at most ${maxUserTags} string tags, keys of 1 to 128 characters not starting with "aws:", values of at most 256 characters`;
    if (typeof value !== "object" || value === null || Array.isArray(value)) return expected;
    const entries = Object.entries(value);
    if (entries.length > maxUserTags) return expected;
    const bad = entries.find(
        ([k, v]) => k.length === 0 || k.length > 128 || k.toLowerCase().startsWith("aws:") || typeof v !== "string" || v.length > 256,
    );
    return bad ? `${expected} (tag ${JSON.stringify(bad[0])} breaks this)` : undefined;
}

function readMaintenancePage(file: string, readProjectFile: ProjectFileReader, problems: ConfigProblem[]): string | undefined {
    const html = readProjectFile(file);
    const problem = (expected: string, given = JSON.stringify(file)) => {
        problems.push({ key: key("maintenancePage"), given, expected });
        return undefined;
    };
    if (html === undefined) return problem("a path, relative to the project directory, of an HTML file that exists");
    // The limit counts characters, not bytes: a Japanese page may use all 1,024.
    const characters = Array.from(html).length;
    if (characters === 0) return problem("a non-empty HTML file", `${JSON.stringify(file)} (empty)`);
    if (characters > maxMaintenancePageCharacters) {
        return problem(
            `an HTML file of at most ${maxMaintenancePageCharacters} characters, the ALB fixed-response limit`,
            `${JSON.stringify(file)} (${characters} characters)`,
        );
    }
    return html;
}

function key(name: string): string {
    return `${projectName}:${name}`;
}

/** Reads raw values, records problems, and returns undefined for a value it could not accept. */
class Parser {
    constructor(
        private readonly read: ConfigReader,
        private readonly problems: ConfigProblem[],
    ) {}

    /** A value checked by a function that says what was expected, or undefined when it is fine. */
    check(fullKey: string, fallback: string | undefined, problemOf: (value: string) => string | undefined): string | undefined {
        const raw = this.read(fullKey);
        const value = raw ?? fallback;
        if (value === undefined) {
            this.problems.push({ key: fullKey, given: "nothing (it is required)", expected: problemOf("") ?? "a value" });
            return undefined;
        }
        const expected = problemOf(value);
        if (expected !== undefined) {
            this.problems.push({ key: fullKey, given: JSON.stringify(value), expected });
            return undefined;
        }
        return value;
    }

    string(fullKey: string, fallback: string | undefined, pattern: RegExp, expected: string): string | undefined {
        return this.check(fullKey, fallback, (v) => (pattern.test(v) ? undefined : expected));
    }

    integer(fullKey: string, fallback: number, min: number, max: number): number | undefined {
        const value = this.check(fullKey, String(fallback), (v) => {
            const n = Number(v);
            return /^\d+$/.test(v) && n >= min && n <= max ? undefined : `a whole number from ${min} to ${max}`;
        });
        return value === undefined ? undefined : Number(value);
    }

    choice<T>(fullKey: string, fallback: string, choices: Record<string, T>): T | undefined {
        const names = Object.keys(choices);
        const value = this.check(fullKey, fallback, (v) =>
            names.includes(v) ? undefined : `one of ${names.map((n) => JSON.stringify(n)).join(", ")}`,
        );
        return value === undefined ? undefined : choices[value];
    }

    json(fullKey: string, fallback: unknown, problemOf: (value: unknown) => string | undefined): unknown {
        let parsed: unknown = fallback;
        const value = this.check(fullKey, JSON.stringify(fallback), (v) => {
            try {
                parsed = JSON.parse(v);
            } catch {
                return problemOf(undefined);
            }
            return problemOf(parsed);
        });
        return value === undefined ? undefined : parsed;
    }
}
