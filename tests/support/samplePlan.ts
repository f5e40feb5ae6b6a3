import { databaseSummary } from "../../infra/outputs";
import { serviceCommands } from "../../infra/serviceControl";
import { releaseInputTemplate } from "../../infra/runLock";
import type { SynthResult } from "../../scripts/lib/synthesize";
import { startJobnet } from "../../statemachines/start";
import { stopJobnet } from "../../statemachines/stop";
import { JobnetPlan, TaskFunctionName, defaultWaits, taskFunctionNames } from "../../statemachines/plan";

const region = "ap-northeast-1";
const account = "123456789012";

/** A small, complete plan: n web servers, every function and ARN of the form AWS gives. */
export function samplePlan(servers = 2, overrides: Partial<JobnetPlan> = {}): JobnetPlan {
    const functionArns = Object.fromEntries(
        taskFunctionNames.map((n) => [n, `arn:aws:lambda:${region}:${account}:function:webapp-jobnet-test-${n}`]),
    ) as Record<TaskFunctionName, string>;
    return {
        functionArns,
        calendar: { country: "JP", closedDates: ["2026-12-30"], openDates: [], timeZone: "Asia/Tokyo" },
        stateMachineArns: {
            stop: `arn:aws:states:${region}:${account}:stateMachine:webapp-jobnet-test-stop`,
            start: `arn:aws:states:${region}:${account}:stateMachine:webapp-jobnet-test-start`,
        },
        runLock: { tableName: "webapp-jobnet-test-run-lock", lockKey: "webapp-jobnet-test" },
        webServers: Array.from({ length: servers }, (_, i) => {
            const instanceId = `i-${(i + 1).toString(16).padStart(17, "0")}`;
            return { name: `web-${i + 1}`, instanceId, instanceArn: `arn:aws:ec2:${region}:${account}:instance/${instanceId}` };
        }),
        database: { kind: "cluster", identifier: "webapp-jobnet-test", arn: `arn:aws:rds:${region}:${account}:cluster:webapp-jobnet-test` },
        listeners: { traffic: [`arn:aws:elasticloadbalancing:${region}:${account}:listener/app/webapp-lb/0123456789abcdef/fedcba9876543210`], other: [] },
        targetGroupArns: [`arn:aws:elasticloadbalancing:${region}:${account}:targetgroup/webapp-web/0123456789abcdef`],
        maintenance: { priority: 1, tagKey: "webapp-jobnet:maintenance", tagValue: "test", html: "<p>maintenance</p>", statusCode: "503" },
        backup: { vaultName: "webapp-jobnet-test", roleArn: `arn:aws:iam::${account}:role/webapp-jobnet-test-backup`, deleteAfterDays: 7 },
        service: serviceCommands({ kind: "scripts" }),
        commandTimeoutSeconds: 60,
        waits: defaultWaits,
        timeoutSeconds: 4 * 3600,
        ...overrides,
    };
}

/**
 * A synthesised stack whose jobnets are built from `plan`, their tasks played by the functions
 * `functionsOf` serialised: the definitions a stack with that plan would deploy, run as they would run.
 */
export function synthOfPlan(plan: JobnetPlan, functionsOf: SynthResult): SynthResult {
    return {
        ...functionsOf,
        definitions: { stop: stopJobnet(plan), start: startJobnet(plan) },
        stateMachineArns: plan.stateMachineArns,
        functions: functionsOf.functions.map((f) => ({ ...f, functionArn: (plan.functionArns as Record<TaskFunctionName, string>)[f.task] })),
        maintenanceTag: { key: plan.maintenance.tagKey, value: plan.maintenance.tagValue },
        runLock: {
            ...plan.runLock,
            leaseSeconds: plan.timeoutSeconds,
            releaseFunctionArn: plan.functionArns.releaseRunLock,
            releaseInput: { ...functionsOf.runLock.releaseInput, inputTemplate: releaseInputTemplate(plan.runLock.tableName, plan.runLock.lockKey) },
        },
        outputs: {
            webServers: plan.webServers,
            ...databaseSummary(plan.database),
            listeners: [...plan.listeners.traffic.map((arn) => ({ arn, forwards: true })), ...plan.listeners.other.map((arn) => ({ arn, forwards: false }))],
            targetGroupArns: plan.targetGroupArns,
            backupVaultName: plan.backup.vaultName,
        },
    };
}
