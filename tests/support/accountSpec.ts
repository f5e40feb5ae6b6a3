import type { AccountSpec } from "../../simulator/account";

/** An ARN of the tests' account and Region. */
export function testArn(service: string, resource: string): string {
    return `arn:aws:${service}:ap-northeast-1:123456789012:${resource}`;
}

/** A simulated account holding nothing but what a test gives it: no server, database or listener. */
export function bareAccountSpec(given: Partial<AccountSpec> = {}): AccountSpec {
    return {
        servers: [],
        listeners: [],
        targetGroupArns: [],
        stateMachineArns: { stop: testArn("states", "stateMachine:stop"), start: testArn("states", "stateMachine:start") },
        maintenanceTag: { key: "webapp-jobnet:maintenance", value: "test" },
        backupVaultName: "vault",
        initial: "running",
        ...given,
    };
}
