import { AsyncLocalStorage } from "async_hooks";
import type { SimulatedAccount } from "./account";

/**
 * The Lambda invocation being run, by the id simulator/run.ts gives it, so that every AWS call it
 * makes can be put down to it (RecordedCall.invocation): the wait lag joins a poll's reads to the
 * poll state that made them.
 */
export const currentInvocation = new AsyncLocalStorage<number>();

/** The calls whose answer reports the state of resources: a poll reads with them. */
export function isRead(action: string): boolean {
    return /^[a-z0-9-]+:(Describe|Get|List)/.test(action);
}

/**
 * The freshest change among the resources an answer shows, in epoch ms; undefined when none of them
 * changed during the simulation. It goes by the shapes of the answers, so that a batch read (one
 * DescribeInstances for many ids, ListCommandInvocations of a command over many instances) counts
 * the last of its resources to change:
 * - `{ CommandId, InstanceId }`: a command's invocation on an instance (GetCommandInvocation,
 *   ListCommandInvocations); `{ CommandId }` alone, every invocation of the command (ListCommands);
 * - `{ InstanceId, InstanceStatus | SystemStatus }`: the state and the status checks (DescribeInstanceStatus);
 * - `{ InstanceId, State }`: the state (DescribeInstances);
 * - `{ InstanceId, PingStatus }`: the SSM agent (DescribeInstanceInformation);
 * - `{ Target: { Id }, TargetHealth }`: the ALB's view of a target (DescribeTargetHealth);
 * - `{ BackupJobId, State }`: a backup job (DescribeBackupJob, ListBackupJobs);
 * - `{ RecoveryPointArn, CreationDate }`: a recovery point, made when its job completed;
 * - `{ DBClusterIdentifier, Status }`, `{ DBInstanceIdentifier, DBInstanceStatus }`: the database.
 */
export function freshestChangeIn(account: SimulatedAccount, answer: unknown): number | undefined {
    let freshest: number | undefined;
    const see = (at: number | undefined) => {
        if (at !== undefined && (freshest === undefined || at > freshest)) freshest = at;
    };
    const visit = (value: unknown): void => {
        if (Array.isArray(value)) {
            value.forEach(visit);
            return;
        }
        if (value === null || typeof value !== "object" || value instanceof Date) return;
        const o = value as Record<string, any>;
        see(changeOf(account, o));
        for (const v of Object.values(o)) visit(v);
    };
    visit(answer);
    return freshest;
}

function changeOf(account: SimulatedAccount, o: Record<string, any>): number | undefined {
    const latest = (times: (number | undefined)[]) => times.reduce<number | undefined>((a, b) => (b === undefined || (a !== undefined && a >= b) ? a : b), undefined);
    if (typeof o.CommandId === "string") {
        const of = account.invocations.filter((v) => v.commandId === o.CommandId && (typeof o.InstanceId !== "string" || v.instanceId === o.InstanceId));
        return latest(of.map((v) => account.invocationChangedAt(v)));
    }
    if (typeof o.InstanceId === "string") {
        const i = account.instances.get(o.InstanceId);
        if (!i) return undefined;
        if ("InstanceStatus" in o || "SystemStatus" in o) return account.statusChangedAt(i);
        if ("PingStatus" in o) return account.agentChangedAt(i);
        if ("State" in o) return account.stateChangedAt(i);
        return undefined;
    }
    if (o.Target && typeof o.Target.Id === "string" && "TargetHealth" in o) {
        const i = account.instances.get(o.Target.Id);
        return i ? account.targetHealthChangedAt(i) : undefined;
    }
    if (typeof o.BackupJobId === "string" && "State" in o) {
        const job = account.backupJobs.find((j) => j.id === o.BackupJobId);
        return job ? account.backupJobChangedAt(job) : undefined;
    }
    if (typeof o.RecoveryPointArn === "string" && o.CreationDate instanceof Date) {
        const made = account.recoveryPoints.find((p) => p.arn === o.RecoveryPointArn)?.createdAt;
        // A recovery point made before the simulation did not change during it.
        return made !== undefined && account.backupJobs.some((j) => j.recoveryPointArn === o.RecoveryPointArn && !j.earlier) ? made : undefined;
    }
    if ((typeof o.DBClusterIdentifier === "string" && "Status" in o) || (typeof o.DBInstanceIdentifier === "string" && "DBInstanceStatus" in o)) {
        const id = o.DBClusterIdentifier ?? o.DBInstanceIdentifier;
        return id === account.database.identifier ? account.databaseChangedAt() : undefined;
    }
    return undefined;
}
