import * as assert from "assert";
import { DeployedDatabase, DesiredDatabase, compareEngineVersions, databaseChanges, databaseWarnings, engineVersionToDeclare } from "../infra/deployedDatabase";
import { MockedCluster } from "../scripts/lib/mockedCloud";
import { runProgram } from "../scripts/lib/runProgram";
import { httpOnlyWarning } from "../infra/loadBalancer";
import { sharedRun } from "./support/sharedRuns";

const v = (patch: string) => `8.0.mysql_aurora.${patch}`;
const stoppedClusterAdvice =
    "Aurora refuses any change to a stopped cluster or its instances (InvalidDBClusterStateFault): " +
    "if the system is stopped, run the start jobnet first (npm run ops -- run start), then pulumi up, then the stop jobnet (npm run ops -- run stop).";

const desired: DesiredDatabase = {
    clusterIdentifier: "webapp-jobnet-dev",
    engineVersion: v("3.10.0"),
    instanceClass: "db.t4g.medium",
    instanceCount: 1,
    logExports: ["audit", "error", "general", "slowquery"],
    deletionProtection: false,
};
const asDesired: DeployedDatabase = {
    engineVersion: v("3.10.0"),
    instanceClasses: { "webapp-jobnet-dev-1": "db.t4g.medium" },
    logExports: ["slowquery", "general", "error", "audit"],
    deletionProtection: false,
};

describe("the Aurora engine version an update declares", () => {
    it("orders versions by number, segment by segment", () => {
        assert.strictEqual(compareEngineVersions(v("3.9.0"), v("3.10.0")), -1);
        assert.strictEqual(compareEngineVersions(v("3.10.1"), v("3.10.0")), 1);
        assert.strictEqual(compareEngineVersions(v("3.10.0"), v("3.10.0")), 0);
        assert.strictEqual(compareEngineVersions(v("3.10.0"), v("3.10")), 0);
    });

    it("is the configured one on the first deployment, and when the config raises it (an upgrade)", () => {
        assert.strictEqual(engineVersionToDeclare(v("3.10.0"), undefined), v("3.10.0"));
        assert.strictEqual(engineVersionToDeclare(v("3.10.2"), { ...asDesired, engineVersion: v("3.10.0") }), v("3.10.2"));
    });

    it("is the deployed one when AWS has patched the cluster past the config: Aurora cannot go back", () => {
        assert.strictEqual(engineVersionToDeclare(v("3.10.0"), { ...asDesired, engineVersion: v("3.10.1") }), v("3.10.1"));
    });
});

describe("what an update would change on the deployed cluster", () => {
    it("is nothing before the first deployment, or when the cluster is as configured (log exports in any order)", () => {
        assert.deepStrictEqual(databaseChanges(desired, undefined), []);
        assert.deepStrictEqual(databaseChanges(desired, asDesired), []);
        assert.deepStrictEqual(databaseWarnings(desired, asDesired), []);
    });

    it("names each change with the config key it comes from", () => {
        const changed = { ...desired, engineVersion: v("3.10.2"), instanceClass: "db.r7g.large", instanceCount: 2, logExports: ["error"], deletionProtection: true };
        assert.deepStrictEqual(databaseChanges(changed, asDesired), [
            `engine ${v("3.10.0")} → ${v("3.10.2")} (dbEngineVersion)`,
            "webapp-jobnet-dev-1 db.t4g.medium → db.r7g.large (dbInstanceClass)",
            "instances 1 → 2 (dbInstanceCount)",
            "log exports audit, error, general, slowquery → error (dbLogExports)",
            "deletion protection false → true (deletionProtection)",
        ]);
    });

    it("is not a downgrade when AWS has patched the cluster: preview says the stack keeps the newer version", () => {
        const patched = { ...asDesired, engineVersion: v("3.10.1") };
        assert.deepStrictEqual(databaseChanges(desired, patched), []);
        assert.deepStrictEqual(databaseWarnings(desired, patched), [
            `dbEngineVersion is ${v("3.10.0")}, but the cluster webapp-jobnet-dev runs ${v("3.10.1")} and Aurora cannot go back: ` +
            `the stack keeps ${v("3.10.1")}. Set dbEngineVersion to ${v("3.10.1")} to say so.`,
        ]);
    });

    it("warns that a stopped cluster refuses the changes, and what to run first", () => {
        assert.deepStrictEqual(databaseWarnings({ ...desired, instanceClass: "db.r7g.large" }, asDesired), [
            `This update changes the Aurora cluster webapp-jobnet-dev: webapp-jobnet-dev-1 db.t4g.medium → db.r7g.large (dbInstanceClass). ${stoppedClusterAdvice}`,
        ]);
    });
});

describe("the dev stack's cluster, against what the account already runs (under mocks)", () => {
    const deployed = (changes: Partial<MockedCluster> = {}): MockedCluster => ({ identifier: "webapp-jobnet-dev", ...asDesired, ...changes });
    const clusterInputs = (account: Awaited<ReturnType<typeof runProgram>>["account"]) => account.one("aws:rds/cluster:Cluster").inputs;

    it("declares the configured version on the first deployment, after finding no cluster (getCluster would fail)", async function () {
        this.timeout(60_000);
        const { account, warnings: all } = await sharedRun("dev");
        const warnings = all.filter((w) => w !== httpOnlyWarning);
        assert.strictEqual(clusterInputs(account).engineVersion, v("3.10.0"));
        const rdsReads = account.invocations.filter((i) => i.token.startsWith("aws:rds/"));
        assert.deepStrictEqual(rdsReads, [{ token: "aws:rds/getClusters:getClusters", inputs: { filters: [{ name: "db-cluster-id", values: ["webapp-jobnet-dev"] }] } }]);
        assert.deepStrictEqual(warnings, []);
    });

    it("keeps the version AWS patched the cluster to, and says so, instead of trying to go back", async function () {
        this.timeout(60_000);
        const { account, warnings: all } = await runProgram("dev", {}, "dev", { deployedCluster: deployed({ engineVersion: v("3.10.1") }) });
        const warnings = all.filter((w) => w !== httpOnlyWarning);
        assert.strictEqual(clusterInputs(account).engineVersion, v("3.10.1"));
        // An instance runs its cluster's version: it declares none that could fall behind.
        assert.deepStrictEqual(account.ofType("aws:rds/clusterInstance:ClusterInstance").map((i) => i.inputs.engineVersion), [undefined]);
        assert.deepStrictEqual(warnings, [
            `dbEngineVersion is ${v("3.10.0")}, but the cluster webapp-jobnet-dev runs ${v("3.10.1")} and Aurora cannot go back: ` +
            `the stack keeps ${v("3.10.1")}. Set dbEngineVersion to ${v("3.10.1")} to say so.`,
        ]);
    });

    it("upgrades a cluster whose version the config raises, warning that it must be running", async function () {
        this.timeout(60_000);
        const { account, warnings: all } = await runProgram("dev", { "webapp-jobnet:dbEngineVersion": v("3.10.2") }, "dev", { deployedCluster: deployed() });
        const warnings = all.filter((w) => w !== httpOnlyWarning);
        assert.strictEqual(clusterInputs(account).engineVersion, v("3.10.2"));
        assert.deepStrictEqual(warnings, [`This update changes the Aurora cluster webapp-jobnet-dev: engine ${v("3.10.0")} → ${v("3.10.2")} (dbEngineVersion). ${stoppedClusterAdvice}`]);
        assert.deepStrictEqual(account.invocations.filter((i) => i.token === "aws:rds/getInstance:getInstance").map((i) => i.inputs), [{ dbInstanceIdentifier: "webapp-jobnet-dev-1" }]);
    });

    it("warns of a new instance class before pulumi up meets a stopped cluster", async function () {
        this.timeout(60_000);
        const { warnings: all } = await runProgram("dev", { "webapp-jobnet:dbInstanceClass": "db.r7g.large" }, "dev", { deployedCluster: deployed() });
        const warnings = all.filter((w) => w !== httpOnlyWarning);
        assert.deepStrictEqual(warnings, [`This update changes the Aurora cluster webapp-jobnet-dev: webapp-jobnet-dev-1 db.t4g.medium → db.r7g.large (dbInstanceClass). ${stoppedClusterAdvice}`]);
    });
});
