import * as assert from "assert";
import { jobnetBackupTypes, optInWarning, typesNotOptedIn, withJobnetTypesOptedIn } from "../infra/backupOptIn";
import { defaultBackupOptIn } from "../scripts/lib/mockedCloud";
import { runProgram } from "../scripts/lib/runProgram";
import { httpOnlyWarning } from "../infra/loadBalancer";
import { sharedRun } from "./support/sharedRuns";

const regionSettings = "aws:backup/regionSettings:RegionSettings";
const auroraOffWarning =
    "AWS Backup is not opted in to Aurora in ap-northeast-1: the stop jobnet could not back up the cluster. " +
    "Turn it on in the AWS Backup console (Settings, Service opt-in), or let the stack turn it on: pulumi config set manageBackupOptIn true.";

describe("AWS Backup's service opt-in for the jobnets' backups", () => {
    it("needs Aurora and EC2 on; a type the Region does not list counts as off", () => {
        const aurora = jobnetBackupTypes("cluster");
        assert.deepStrictEqual(typesNotOptedIn(defaultBackupOptIn, aurora), []);
        assert.deepStrictEqual(typesNotOptedIn({ ...defaultBackupOptIn, Aurora: false }, aurora), ["Aurora"]);
        assert.deepStrictEqual(typesNotOptedIn({ S3: true }, aurora), ["Aurora", "EC2"]);
    });

    it("needs RDS on for a DB instance, and only EC2 for a system without a database", () => {
        assert.deepStrictEqual(typesNotOptedIn({ ...defaultBackupOptIn, Aurora: false, RDS: false }, jobnetBackupTypes("instance")), ["RDS"]);
        assert.deepStrictEqual(typesNotOptedIn({ EC2: true }, jobnetBackupTypes("none")), []);
    });

    it("is turned on for Aurora and EC2 only, every other type kept as the account has it", () => {
        assert.deepStrictEqual(withJobnetTypesOptedIn({ Aurora: false, EC2: false, S3: false, DynamoDB: true }, jobnetBackupTypes("cluster")), { Aurora: true, EC2: true, S3: false, DynamoDB: true });
    });

    it("says what fails and the two ways to turn it on", () => {
        assert.strictEqual(optInWarning("ap-northeast-1", ["Aurora"]), auroraOffWarning);
        assert.match(optInWarning("cn-north-1", ["Aurora", "EC2"]), /^AWS Backup is not opted in to Aurora and EC2 in cn-north-1: the stop jobnet could not back up the cluster and the web servers\. /);
        assert.match(optInWarning("ap-northeast-1", ["RDS"]), /^AWS Backup is not opted in to RDS in ap-northeast-1: the stop jobnet could not back up the DB instance\. /);
    });
});

describe("the dev stack and the Region's AWS Backup opt-in (under mocks)", () => {
    it("reads the Region's settings without managing them, and says nothing when both types are on", async function () {
        this.timeout(60_000);
        const { account, warnings: all } = await sharedRun("dev");
        const warnings = all.filter((w) => w !== httpOnlyWarning);
        assert.deepStrictEqual(account.reads.map((r) => [r.type, r.id]), [[regionSettings, "ap-northeast-1"]]);
        assert.ok(account.reads[0].provider?.includes("pulumi:providers:aws::aws::"), "read through the stack's provider");
        assert.deepStrictEqual(account.ofType(regionSettings), []);
        assert.deepStrictEqual(warnings, []);
    });

    it("warns at preview when Aurora is opted out, and changes nothing (manageBackupOptIn false, the default)", async function () {
        this.timeout(60_000);
        const { account, warnings: all } = await runProgram("dev", {}, "dev", { backupOptIn: { ...defaultBackupOptIn, Aurora: false } });
        const warnings = all.filter((w) => w !== httpOnlyWarning);
        assert.deepStrictEqual(warnings, [auroraOffWarning]);
        assert.deepStrictEqual(account.ofType(regionSettings), []);
    });

    it("with manageBackupOptIn, turns Aurora and EC2 on and writes every other type back as it was", async function () {
        this.timeout(60_000);
        const { account, warnings: all } = await runProgram("dev", { "webapp-jobnet:manageBackupOptIn": "true" }, "dev", {
            backupOptIn: { ...defaultBackupOptIn, Aurora: false, EC2: false },
        });
        const warnings = all.filter((w) => w !== httpOnlyWarning);
        assert.deepStrictEqual(account.one(regionSettings).inputs.resourceTypeOptInPreference, { ...defaultBackupOptIn, Aurora: true, EC2: true });
        assert.strictEqual(account.one(regionSettings).inputs.resourceTypeManagementPreference, undefined);
        assert.deepStrictEqual(warnings, []);
    });
});
