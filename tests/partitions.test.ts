import * as assert from "assert";
import { ProgramRun, runProgram } from "../scripts/lib/runProgram";
import { allStates, StateMachineDefinition } from "../statemachines/asl";

/** Every ARN in a text, with the partition it names (ARNs inside JSON text included). */
function arnsIn(text: string): string[] {
    return [...text.matchAll(/\barn:[a-z0-9-]*:[^"\\\s]*/g)].map((m) => m[0]);
}

/** Every AWS domain name in a text: service principals, endpoints, consoles. */
function awsDomainsIn(text: string): string[] {
    return [...new Set([...text.matchAll(/[a-z0-9.-]+\.amazonaws(-us-gov)?\.(com\.cn|com|cn)\b/g)].map((m) => m[0]))].sort();
}

// The services the stack trusts: <service>.amazonaws.com in every partition (AWS CDK region-info).
const trustedServices = ["backup", "cloudwatch", "ec2", "events", "lambda", "logdelivery.elasticloadbalancing", "scheduler", "states", "vpc-flow-logs"].map((s) => `${s}.amazonaws.com`);

const partitions = [
    { region: "cn-north-1", partition: "aws-cn", kmsViaEc2: "ec2.cn-north-1.amazonaws.com.cn", console: "https://console.amazonaws.cn", elbAccount: "638102146993" },
    { region: "cn-northwest-1", partition: "aws-cn", kmsViaEc2: "ec2.cn-northwest-1.amazonaws.com.cn", console: "https://console.amazonaws.cn", elbAccount: "037604701340" },
    { region: "us-gov-west-1", partition: "aws-us-gov", kmsViaEc2: "ec2.us-gov-west-1.amazonaws.com", console: "https://console.amazonaws-us-gov.com", elbAccount: "048591011584" },
];

/** A customer managed key of the stack's Region for the servers' volumes: the start task's grant on it names EC2's endpoint. */
const volumeKeyOf = (p: { partition: string; region: string }) => `arn:${p.partition}:kms:${p.region}:123456789012:key/0a1b2c3d-4e5f-4789-8bcd-ef0123456789`;

for (const p of partitions) {
    describe(`the dev stack in ${p.region} (partition ${p.partition}), run in-process under mocks`, () => {
        let run: ProgramRun;
        let written: string;
        before(async function () {
            this.timeout(60_000);
            run = await runProgram("dev", { "aws:region": p.region, "webapp-jobnet:webServerVolumes": JSON.stringify({ kmsKeyArn: volumeKeyOf(p) }) });
            written = JSON.stringify(run.account.resources.map((r) => r.inputs));
        });

        it(`writes every ARN in ${p.partition}: resource inputs, IAM policies, trust and bucket policies, both definitions`, () => {
            const arns = arnsIn(written);
            assert.ok(arns.length > 200, `${arns.length} ARNs`);
            assert.deepStrictEqual(arns.filter((arn) => !arn.startsWith(`arn:${p.partition}:`)), []);
            assert.ok(!written.includes("arn:aws:"));
            for (const expected of [
                `arn:${p.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore`,
                `arn:${p.partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup`,
                `arn:${p.partition}:ssm:${p.region}::document/AWS-RunShellScript`,
                volumeKeyOf(p),
                `arn:${p.partition}:iam::${p.elbAccount}:root`,
                `arn:${p.partition}:states:${p.region}:123456789012:execution:webapp-jobnet-dev-stop:*`,
            ]) {
                assert.ok(arns.includes(expected), expected);
            }
        });

        it(`invokes the Lambda tasks through arn:${p.partition}:states:::lambda:invoke, each function of the partition`, () => {
            const machines = run.account.ofType("aws:sfn/stateMachine:StateMachine");
            // Stop, start and the dev stack's four team jobnets, whose jobs are callback tasks.
            assert.strictEqual(machines.length, 6);
            for (const machine of machines) {
                const definition = JSON.parse(machine.inputs.definition) as StateMachineDefinition;
                const tasks = allStates(definition.States).flatMap(([, s]) => (s.Type === "Task" ? [s] : []));
                const team = !/-(stop|start)$/.test(machine.inputs.name);
                // A team jobnet of one job has its run lock, its record, the job's wait and the job: 4 tasks.
                assert.ok(tasks.length >= (team ? 4 : 11), machine.inputs.name);
                assert.deepStrictEqual([...new Set(tasks.map((t) => t.Resource))].sort(), [`arn:${p.partition}:states:::lambda:invoke`, ...(team ? [`arn:${p.partition}:states:::lambda:invoke.waitForTaskToken`] : [])]);
                for (const t of tasks) assert.match(String(t.Parameters!.FunctionName), new RegExp(`^arn:${p.partition}:lambda:${p.region}:`));
            }
        });

        it("names only the trusted services' principals and the partition's own endpoint domains", () => {
            // The dashboard links to the state machines in the partition's own console.
            assert.deepStrictEqual(awsDomainsIn(written), [...trustedServices, p.kmsViaEc2, new URL(p.console).host].sort());
            const startInstances = run.account.ofType("aws:iam/rolePolicy:RolePolicy").map((r) => JSON.parse(r.inputs.policy)).find((policy) =>
                policy.Statement.some((s: { Action: string[] }) => s.Action.includes("kms:CreateGrant")));
            const grant = startInstances.Statement.find((s: { Action: string[] }) => s.Action.includes("kms:CreateGrant"));
            assert.deepStrictEqual(grant.Condition.StringEquals, { "kms:ViaService": p.kmsViaEc2 });
        });

        it("gives console URLs and CLI commands of the partition's console and Region", () => {
            const stopArn = `arn:${p.partition}:states:${p.region}:123456789012:stateMachine:webapp-jobnet-dev-stop`;
            assert.strictEqual(run.outputs.stopStateMachineArn, stopArn);
            assert.strictEqual(run.outputs.consoleUrls.stop, `${p.console}/states/home?region=${p.region}#/statemachines/view/${encodeURIComponent(stopArn)}`);
            assert.strictEqual(run.outputs.startCommands.stop, `aws stepfunctions start-execution --region ${p.region} --state-machine-arn ${stopArn} --input '{}'`);
            assert.deepStrictEqual(arnsIn(JSON.stringify(run.outputs)).filter((arn) => !arn.startsWith(`arn:${p.partition}:`)), []);
        });
    });
}
