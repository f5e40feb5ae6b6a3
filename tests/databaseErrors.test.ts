import * as assert from "assert";
import { mockClient } from "aws-sdk-client-mock";
import * as rds from "@aws-sdk/client-rds";
import { startCluster } from "../handlers/database";
import { RdsOperation, documents, rdsOperations } from "../handlers/rdsErrors";
import { SimulatedAccount } from "../simulator/account";
import { StateMachineDefinition, allStates, transientRetries } from "../statemachines/asl";
import { DatabaseKind, JobnetPlan, databaseTasks } from "../statemachines/plan";
import { startJobnet } from "../statemachines/start";
import { stopJobnet } from "../statemachines/stop";
import { samplePlan } from "./support/samplePlan";

// Each Retry and Catch of a database step names only errors the RDS operation it calls documents
// (handlers/rdsErrors.ts, from the RDS API reference): an error an operation never returns must
// not hold a run for minutes of retries, and the simulated account must not raise it either.

/** The errors every Lambda task retries, whatever it calls. */
const transient = transientRetries.flatMap((r) => r.ErrorEquals);

/** The handler's names for RDS's answers: ClusterBusy is InvalidDBClusterStateFault or InvalidDBInstanceStateFault (handlers/database.ts). */
const ownNames: Record<string, string[]> = {
    ClusterBusy: ["InvalidDBClusterStateFault", "InvalidDBInstanceStateFault"],
    DbInstanceBusy: ["InvalidDBClusterStateFault", "InvalidDBInstanceStateFault"],
};

function planWith(kind: DatabaseKind): JobnetPlan {
    const plan = samplePlan();
    return { ...plan, database: { kind, identifier: "shop", arn: `arn:aws:rds:ap-northeast-1:123456789012:${kind === "cluster" ? "cluster" : "db"}:shop` } };
}

/** Each database task state, the RDS operation its function calls, and the errors its Retry and Catch name besides the transient ones. */
function databaseSteps(definition: StateMachineDefinition, kind: DatabaseKind): { state: string; operation: RdsOperation; errors: string[] }[] {
    const actionOf = Object.fromEntries(Object.entries(databaseTasks[kind]).map(([action, task]) => [task, action as "describe" | "stop" | "start"]));
    return allStates(definition.States).flatMap(([state, s]) => {
        if (s.Type !== "Task") return [];
        const task = String((s.Parameters as { FunctionName: string }).FunctionName).split("webapp-jobnet-test-").pop()!;
        const action = actionOf[task];
        if (action === undefined) return [];
        const named = [...(s.Retry ?? []), ...(s.Catch ?? [])].flatMap((r) => r.ErrorEquals).filter((e) => !transient.includes(e));
        return [{ state, operation: rdsOperations[kind][action], errors: [...new Set(named)] }];
    });
}

describe("the database steps, against the errors each RDS operation documents", () => {
    for (const kind of ["cluster", "instance"] as const) {
        for (const [jobnet, build] of [["stop", stopJobnet], ["start", startJobnet]] as const) {
            it(`${jobnet}, ${kind}: every Retry and Catch names an error its operation documents, or the handler's name for one`, () => {
                const steps = databaseSteps(build(planWith(kind)), kind);
                assert.ok(steps.length > 0);
                for (const { state, operation, errors } of steps) {
                    for (const error of errors) {
                        const answers = ownNames[error] ?? [error];
                        assert.ok(answers.every((a) => documents(operation, a)), `${state} (${operation}) retries or catches ${error}, which ${operation} never answers`);
                    }
                }
            });
        }
    }

    it("retries a want of capacity only on StartDBInstance, the one start that documents InsufficientDBInstanceCapacityFault", () => {
        const requests = (kind: DatabaseKind) => [...databaseSteps(stopJobnet(planWith(kind)), kind), ...databaseSteps(startJobnet(planWith(kind)), kind)]
            .filter((s) => s.errors.length > 0)
            .map((s) => [s.state, s.operation, s.errors]);
        assert.deepStrictEqual(requests("cluster"), [["StopCluster", "StopDBCluster", ["ClusterBusy"]], ["StartCluster", "StartDBCluster", ["ClusterBusy"]]]);
        assert.deepStrictEqual(requests("instance"), [
            ["StopDbInstance", "StopDBInstance", ["DbInstanceBusy"]],
            ["StartDbInstance", "StartDBInstance", ["DbInstanceBusy", "InsufficientDBInstanceCapacityFault"]],
        ]);
    });

    it("a start RDS refuses for the database's KMS key fails at once, naming the database, the key and what to do", async () => {
        const stub = mockClient(rds.RDSClient);
        try {
            stub.on(rds.DescribeDBClustersCommand).resolves({ DBClusters: [{ DBClusterIdentifier: "shop", Status: "stopped" }] });
            const message = "Specified KMS key [arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab] does not exist, is not enabled or you do not have permissions to access it.";
            stub.on(rds.StartDBClusterCommand).rejects(Object.assign(new Error(message), { name: "KMSKeyNotAccessibleFault", $fault: "client", $metadata: { httpStatusCode: 400 } }));
            await assert.rejects(startCluster({ clusterIdentifier: "shop" }), (e: Error) => e.name === "KMSKeyNotAccessibleFault"
                && e.message === `cluster shop cannot start: Aurora cannot use the KMS key that encrypts it; RDS answered KMSKeyNotAccessibleFault: ${message} `
                    + "Enable the key, or let RDS use it in its key policy, then redrive the run or run the jobnet again");
            assert.strictEqual(stub.commandCalls(rds.StartDBClusterCommand).length, 1);
        } finally {
            stub.restore();
        }
    });

    it("the simulated account refuses a want of capacity for an Aurora cluster, which StartDBCluster never answers", () => {
        const plan = planWith("cluster");
        const spec = {
            servers: [],
            database: plan.database,
            listeners: [],
            targetGroupArns: [],
            stateMachineArns: plan.stateMachineArns,
            maintenanceTag: { key: "k", value: "v" },
            backupVaultName: "vault",
            initial: "stopped" as const,
        };
        assert.throws(() => new SimulatedAccount({ ...spec, faults: { databaseCapacity: 2 } }), /StartDBCluster does not answer InsufficientDBInstanceCapacityFault/);
        assert.doesNotThrow(() => new SimulatedAccount({ ...spec, database: planWith("instance").database, faults: { databaseCapacity: 2 } }));
    });
});
