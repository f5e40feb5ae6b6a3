/**
 * What AWS accepts as the name of each kind of resource this program creates, and where each
 * Pulumi resource type carries that name. Each rule cites the AWS documentation it follows.
 */

/** The names AWS accepts for one kind of resource. */
export interface NameRule {
    /** What the name is, as a user reads it: "Lambda function name". */
    kind: string;
    minLength: number;
    maxLength: number;
    /** The characters and shape AWS accepts, checked once the length fits. */
    pattern: RegExp;
    /** The same in words, for the error message. */
    allowed: string;
}

const lettersDigitsHyphensNoDoubleOrTrailingHyphen = /^[a-zA-Z](?!.*--)[a-zA-Z0-9-]*(?<!-)$/;
const rdsIdentifierShape = "letters, digits and hyphens, beginning with a letter, with no two hyphens in a row and no hyphen at the end";
const elbName = /^(?!-)[a-zA-Z0-9-]+(?<!-)$/;

export const nameRules = {
    // CreateFunction: a bare function name "is limited to 64 characters"; pattern [a-zA-Z0-9-_]+ (Lambda API reference).
    lambdaFunction: { kind: "Lambda function name", minLength: 1, maxLength: 64, pattern: /^[a-zA-Z0-9_-]+$/, allowed: "letters, digits, hyphens and underscores" },
    // AddPermission StatementId: length 1–100, pattern ([a-zA-Z0-9-_]+) (Lambda API reference).
    lambdaStatementId: { kind: "Lambda permission statement id", minLength: 1, maxLength: 100, pattern: /^[a-zA-Z0-9_-]+$/, allowed: "letters, digits, hyphens and underscores" },
    // CreateRole RoleName: length 1–64, pattern [\w+=,.@-]+ (IAM API reference).
    iamRole: { kind: "IAM role name", minLength: 1, maxLength: 64, pattern: /^[\w+=,.@-]+$/, allowed: "letters, digits and + = , . @ _ -" },
    // CreateInstanceProfile InstanceProfileName: length 1–128, pattern [\w+=,.@-]+ (IAM API reference).
    iamInstanceProfile: { kind: "IAM instance profile name", minLength: 1, maxLength: 128, pattern: /^[\w+=,.@-]+$/, allowed: "letters, digits and + = , . @ _ -" },
    // Inline policy names: 128 characters, any Basic Latin but \ / * ? and white space (IAM User Guide, "IAM and AWS STS quotas").
    iamInlinePolicy: { kind: "IAM inline policy name", minLength: 1, maxLength: 128, pattern: /^(?:(?![\\/*?])[!-~])+$/, allowed: "printable ASCII characters except \\ / * ? and spaces" },
    // CreateBackupVault BackupVaultName: pattern ^[a-zA-Z0-9\-\_]{2,50}$ (AWS Backup API reference).
    backupVault: { kind: "AWS Backup vault name", minLength: 2, maxLength: 50, pattern: /^[a-zA-Z0-9_-]+$/, allowed: "letters, digits, hyphens and underscores" },
    // CreateDBCluster DBClusterIdentifier: 1 to 63 (Aurora) letters, digits or hyphens, first a letter, no hyphen at the end nor two in a row (RDS API reference).
    auroraCluster: { kind: "Aurora cluster identifier", minLength: 1, maxLength: 63, pattern: lettersDigitsHyphensNoDoubleOrTrailingHyphen, allowed: rdsIdentifierShape },
    // CreateDBInstance DBInstanceIdentifier: the same constraints, 1 to 63 characters (RDS API reference).
    auroraInstance: { kind: "Aurora instance identifier", minLength: 1, maxLength: 63, pattern: lettersDigitsHyphensNoDoubleOrTrailingHyphen, allowed: rdsIdentifierShape },
    // DeleteDBCluster FinalDBSnapshotIdentifier: 1 to 255 letters, digits or hyphens, first a letter, no hyphen at the end nor two in a row (RDS API reference).
    clusterSnapshot: { kind: "Aurora final snapshot identifier", minLength: 1, maxLength: 255, pattern: lettersDigitsHyphensNoDoubleOrTrailingHyphen, allowed: rdsIdentifierShape },
    // CreateDBSubnetGroup DBSubnetGroupName: at most 255 letters, digits, periods, underscores, spaces or hyphens, first a letter, not "default" (RDS API reference).
    dbSubnetGroup: { kind: "DB subnet group name", minLength: 1, maxLength: 255, pattern: /^(?!default$)[a-zA-Z][a-zA-Z0-9._ -]*$/, allowed: "letters, digits, periods, underscores, spaces and hyphens, beginning with a letter, not \"default\"" },
    // DB cluster parameter group names: 1 to 255 letters, digits or hyphens, first a letter, no hyphen at the end nor two in a row (RDS API reference).
    clusterParameterGroup: { kind: "DB cluster parameter group name", minLength: 1, maxLength: 255, pattern: lettersDigitsHyphensNoDoubleOrTrailingHyphen, allowed: rdsIdentifierShape },
    // CreateLoadBalancer Name: at most 32 alphanumerics or hyphens, not beginning or ending with a hyphen, not beginning with "internal-" (ELBv2 API reference).
    loadBalancer: { kind: "load balancer name", minLength: 1, maxLength: 32, pattern: /^(?!internal-)(?!-)[a-zA-Z0-9-]+(?<!-)$/, allowed: "letters, digits and hyphens, not beginning or ending with a hyphen, not beginning with \"internal-\"" },
    // CreateTargetGroup Name: at most 32 alphanumerics or hyphens, not beginning or ending with a hyphen (ELBv2 API reference).
    targetGroup: { kind: "target group name", minLength: 1, maxLength: 32, pattern: elbName, allowed: "letters, digits and hyphens, not beginning or ending with a hyphen" },
    // General purpose bucket naming rules: 3–63 lower-case letters, digits, dots and hyphens, first and last a letter or digit, no "..", no IP address, reserved prefixes and suffixes (S3 User Guide).
    s3Bucket: {
        kind: "S3 bucket name",
        minLength: 3,
        maxLength: 63,
        pattern: /^(?!xn--|sthree-|amzn-s3-demo-)(?!\d+\.\d+\.\d+\.\d+$)(?!.*\.\.)[a-z0-9][a-z0-9.-]*[a-z0-9]$(?<!-s3alias|--ol-s3|\.mrap|--x-s3)/,
        allowed: "lower-case letters, digits, dots and hyphens, beginning and ending with a letter or digit (no \"..\", no IP address, no reserved prefix or suffix)",
    },
    // CreateStateMachine name: 1–80; "To enable logging with CloudWatch Logs, the name should only contain 0-9, A-Z, a-z, - and _" (Step Functions API reference). Ours log.
    stateMachine: { kind: "state machine name", minLength: 1, maxLength: 80, pattern: /^[0-9A-Za-z_-]+$/, allowed: "letters, digits, hyphens and underscores (a state machine that logs to CloudWatch Logs)" },
    // CreateSchedule Name: length 1–64, pattern ^[0-9a-zA-Z-_.]+$ (EventBridge Scheduler API reference).
    schedule: { kind: "EventBridge Scheduler schedule name", minLength: 1, maxLength: 64, pattern: /^[0-9a-zA-Z_.-]+$/, allowed: "letters, digits, hyphens, underscores and periods" },
    // CreateTopic Name: 1–256 ASCII letters, digits, underscores and hyphens (SNS API reference).
    snsTopic: { kind: "SNS topic name", minLength: 1, maxLength: 256, pattern: /^[A-Za-z0-9_-]+$/, allowed: "letters, digits, underscores and hyphens" },
    // PutDashboard DashboardName: at most 255 of A-Z, a-z, 0-9, "-" and "_" (CloudWatch API reference).
    dashboard: { kind: "CloudWatch dashboard name", minLength: 1, maxLength: 255, pattern: /^[A-Za-z0-9_-]+$/, allowed: "letters, digits, hyphens and underscores" },
    // PutMetricAlarm AlarmName: length 1–255 (CloudWatch API reference); no control characters.
    metricAlarm: { kind: "CloudWatch alarm name", minLength: 1, maxLength: 255, pattern: /^[^\x00-\x1f]+$/, allowed: "any characters but control characters" },
    // Rule Name: length 1–64, pattern [\.\-_A-Za-z0-9]+ (EventBridge API reference).
    eventRule: { kind: "EventBridge rule name", minLength: 1, maxLength: 64, pattern: /^[.\-_A-Za-z0-9]+$/, allowed: "letters, digits, hyphens, underscores and periods" },
    // Target Id: length 1–64, pattern [\.\-_A-Za-z0-9]+ (EventBridge API reference).
    eventTarget: { kind: "EventBridge target id", minLength: 1, maxLength: 64, pattern: /^[.\-_A-Za-z0-9]+$/, allowed: "letters, digits, hyphens, underscores and periods" },
    // CreateLogGroup logGroupName: 1–512 characters of a-z, A-Z, 0-9, _ - / . and # (CloudWatch Logs API reference).
    logGroup: { kind: "CloudWatch Logs log group name", minLength: 1, maxLength: 512, pattern: /^[.\-_/#A-Za-z0-9]+$/, allowed: "letters, digits and _ - / . #" },
    // PutParameter Name: a-zA-Z0-9_.- and / for hierarchies, not prefixed with "aws" or "ssm" (any case); 2048 less 1037 reserved characters (SSM API reference).
    ssmParameter: { kind: "SSM parameter name", minLength: 1, maxLength: 1011, pattern: /^(?!aws|ssm)[a-zA-Z0-9_.\/-]+$/i, allowed: "letters, digits and _ . - /, not beginning with \"aws\" or \"ssm\"" },
    // CreateSecurityGroup GroupName: up to 255 of a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$*, not starting with sg- (EC2 API reference).
    securityGroup: { kind: "security group name", minLength: 1, maxLength: 255, pattern: /^(?!sg-)[a-zA-Z0-9 ._\-:/()#,@[\]+=&;{}!$*]+$/, allowed: "letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*, not beginning with \"sg-\"" },
    // CreateTable TableName: length 3–255, pattern [a-zA-Z0-9_.-]+ (DynamoDB API reference).
    dynamodbTable: { kind: "DynamoDB table name", minLength: 3, maxLength: 255, pattern: /^[a-zA-Z0-9_.-]+$/, allowed: "letters, digits, underscores, hyphens and periods" },
    // CreateSecret Name: ASCII letters, digits and /_+=.@- (Secrets Manager API reference); 512 characters (its quotas; not found again here).
    secret: { kind: "Secrets Manager secret name", minLength: 1, maxLength: 512, pattern: /^[a-zA-Z0-9/_+=.@-]+$/, allowed: "letters, digits and / _ + = . @ -" },
} satisfies Record<string, NameRule>;

/** Why AWS would refuse this name, or undefined when it accepts it. */
export function nameProblem(name: string, rule: NameRule): string | undefined {
    const length = Array.from(name).length;
    const has = `it has ${length} ${length === 1 ? "character" : "characters"}`;
    if (length > rule.maxLength) return `${has}; ${rule.kind}s have at most ${rule.maxLength}`;
    if (length < rule.minLength) return `${has}; ${rule.kind}s have at least ${rule.minLength}`;
    if (!rule.pattern.test(name)) return `${rule.kind}s take only ${rule.allowed}`;
    return undefined;
}

/**
 * Pulumi names a resource whose name the program leaves unset: its logical name, a hyphen and 7
 * random hex digits (here `xxxxxxx`, which every rule treats as those digits). Past the provider's
 * maximum it refuses at preview rather than cut the name: "name" cannot be longer than 32
 * characters (pulumi/pulumi-cdk#62; pulumi-aws `AutoName(name, maxLength, "-")`).
 */
export function pulumiAutoname(logicalName: string): string {
    return `${logicalName}-xxxxxxx`;
}

/** One place a resource type carries a name AWS checks. */
export interface NameSlot {
    /** The input that holds the name. */
    property: string;
    rule: NameRule;
    /** How Pulumi names the resource when the program does not; undefined when it never does here. */
    autoname?: (logicalName: string) => string;
}

/** Where each resource type this program declares carries its AWS names. */
export const namedResourceTypes: Record<string, readonly NameSlot[]> = {
    "aws:lambda/function:Function": [{ property: "name", rule: nameRules.lambdaFunction }],
    // pulumi-aws autonames a permission's statement id: AutoName("statementId", 100, "-") (provider/resources.go).
    "aws:lambda/permission:Permission": [{ property: "statementId", rule: nameRules.lambdaStatementId, autoname: pulumiAutoname }],
    // pulumi-aws autonames roles up to 64 and event rules up to 64, other `name`s up to 255 (provider/resources.go, autonaming.go).
    "aws:iam/role:Role": [{ property: "name", rule: nameRules.iamRole, autoname: pulumiAutoname }],
    "aws:iam/rolePolicy:RolePolicy": [{ property: "name", rule: nameRules.iamInlinePolicy, autoname: pulumiAutoname }],
    "aws:iam/instanceProfile:InstanceProfile": [{ property: "name", rule: nameRules.iamInstanceProfile, autoname: pulumiAutoname }],
    "aws:backup/vault:Vault": [{ property: "name", rule: nameRules.backupVault }],
    "aws:rds/cluster:Cluster": [
        { property: "clusterIdentifier", rule: nameRules.auroraCluster },
        { property: "finalSnapshotIdentifier", rule: nameRules.clusterSnapshot },
    ],
    "aws:rds/clusterInstance:ClusterInstance": [{ property: "identifier", rule: nameRules.auroraInstance }],
    "aws:rds/subnetGroup:SubnetGroup": [{ property: "name", rule: nameRules.dbSubnetGroup, autoname: pulumiAutoname }],
    "aws:rds/clusterParameterGroup:ClusterParameterGroup": [{ property: "name", rule: nameRules.clusterParameterGroup, autoname: pulumiAutoname }],
    "aws:lb/loadBalancer:LoadBalancer": [{ property: "name", rule: nameRules.loadBalancer, autoname: pulumiAutoname }],
    "aws:lb/targetGroup:TargetGroup": [{ property: "name", rule: nameRules.targetGroup, autoname: pulumiAutoname }],
    // pulumi-aws lower-cases an autonamed bucket: AutoNameTransform("bucket", 63, strings.ToLower) (provider/resources.go).
    "aws:s3/bucket:Bucket": [{ property: "bucket", rule: nameRules.s3Bucket, autoname: (logicalName) => pulumiAutoname(logicalName).toLowerCase() }],
    "aws:sfn/stateMachine:StateMachine": [{ property: "name", rule: nameRules.stateMachine }],
    "aws:scheduler/schedule:Schedule": [{ property: "name", rule: nameRules.schedule }],
    "aws:cloudwatch/eventRule:EventRule": [{ property: "name", rule: nameRules.eventRule }],
    "aws:sns/topic:Topic": [{ property: "name", rule: nameRules.snsTopic }],
    "aws:cloudwatch/dashboard:Dashboard": [{ property: "dashboardName", rule: nameRules.dashboard }],
    "aws:cloudwatch/metricAlarm:MetricAlarm": [{ property: "name", rule: nameRules.metricAlarm }],
    // pulumi-aws autonames a target's id: AutoName("targetId", 255, "-") (provider/resources.go).
    "aws:cloudwatch/eventTarget:EventTarget": [{ property: "targetId", rule: nameRules.eventTarget, autoname: pulumiAutoname }],
    "aws:cloudwatch/logGroup:LogGroup": [{ property: "name", rule: nameRules.logGroup, autoname: pulumiAutoname }],
    "aws:ssm/parameter:Parameter": [{ property: "name", rule: nameRules.ssmParameter }],
    "aws:ec2/securityGroup:SecurityGroup": [{ property: "name", rule: nameRules.securityGroup, autoname: pulumiAutoname }],
    "aws:secretsmanager/secret:Secret": [{ property: "name", rule: nameRules.secret, autoname: pulumiAutoname }],
    "aws:dynamodb/table:Table": [{ property: "name", rule: nameRules.dynamodbTable }],
};
