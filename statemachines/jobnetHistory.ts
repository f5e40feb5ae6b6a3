import { historyBudget, worstCaseHistory } from "./historyBudget";
import { FunctionArns, JobnetPlan, PollRhythm, SystemShape, WaitName, deployedTasks, shortestBound, waitNames } from "./plan";
import { startJobnet } from "./start";
import { stopJobnet } from "./stop";

/**
 * Each jobnet's worst-case history for a stack, known before anything is deployed: it depends on
 * the stack's shape (servers listed or found by a tag, a load balancer, its kind of database) and
 * the bounds of its waits, not on ARNs, names or the number of servers.
 */

export type JobnetName = "stop" | "start";
export type Waits = Record<WaitName, PollRhythm>;

/** A plan of a stack's shape and waits, every ARN and name a placeholder. */
export function planOfShape(shape: SystemShape, waits: Waits): JobnetPlan {
    const arn = (service: string, resource: string) => `arn:aws:${service}:us-east-1:000000000000:${resource}`;
    const instanceId = "i-00000000000000001";
    return {
        functionArns: Object.fromEntries(deployedTasks(shape).map((task) => [task, arn("lambda", `function:${task}`)])) as FunctionArns,
        calendar: { country: "none", closedDates: [], openDates: [], timeZone: "UTC" },
        stateMachineArns: { stop: arn("states", "stateMachine:stop"), start: arn("states", "stateMachine:start") },
        runLock: { tableName: "run-lock", lockKey: "stack" },
        webServers: shape.serversByTag ? { tag: { key: "Role", value: "web" } } : [{ name: "web-1", instanceId, instanceArn: arn("ec2", `instance/${instanceId}`) }],
        ...(shape.database === "none" ? {} : { database: { kind: shape.database, identifier: "database", arn: arn("rds", `${shape.database === "cluster" ? "cluster" : "db"}:database`) } }),
        listeners: { traffic: shape.loadBalancer ? [arn("elasticloadbalancing", "listener/app/web/0/0")] : [], other: [] },
        targetGroupArns: shape.loadBalancer ? [arn("elasticloadbalancing", "targetgroup/web/0")] : [],
        maintenance: { priority: 1, tagKey: "maintenance", tagValue: "stack", html: "", statusCode: "503" },
        backup: { vaultName: "vault", roleArn: arn("iam", "role/backup"), deleteAfterDays: 1 },
        service: { label: "the service", stop: { text: "stop", name: "stop" }, start: { text: "start", name: "start" }, check: { text: "check", name: "check" } },
        commandTimeoutSeconds: 60,
        waits,
        timeoutSeconds: 86400,
    };
}

// Every stack's config is checked with them (infra/config.ts), most with the same shape and waits.
const worstCases = new Map<string, Record<JobnetName, number>>();

/** The most history events a run of each jobnet of such a stack can make (historyBudget.ts). */
export function worstCaseHistories(shape: SystemShape, waits: Waits): Record<JobnetName, number> {
    const key = JSON.stringify([shape, waits]);
    let worst = worstCases.get(key);
    if (worst === undefined) {
        const plan = planOfShape(shape, waits);
        worst = { stop: worstCaseHistory(stopJobnet(plan)), start: worstCaseHistory(startJobnet(plan)) };
        worstCases.set(key, worst);
    }
    return { ...worst };
}

/** A jobnet whose worst case passes the budget, and what each wait's bound adds to it, the most first. */
export interface HistoryOverrun {
    jobnet: JobnetName;
    events: number;
    /** The events a bound adds: the worst case less the worst case with that bound at its shortest. */
    contributions: { wait: WaitName; events: number }[];
}

/** The jobnets whose worst case passes `historyBudget`, each with what each wait's bound adds to it. */
export function historyOverruns(shape: SystemShape, waits: Waits): HistoryOverrun[] {
    const worst = worstCaseHistories(shape, waits);
    const over = (Object.keys(worst) as JobnetName[]).filter((jobnet) => worst[jobnet] > historyBudget);
    if (over.length === 0) return [];
    const shortened = new Map(waitNames.map((wait) => [wait, worstCaseHistories(shape, withBound(waits, wait, shortestBound(wait)))]));
    return over.map((jobnet) => ({
        jobnet,
        events: worst[jobnet],
        contributions: waitNames
            .map((wait) => ({ wait, events: worst[jobnet] - shortened.get(wait)![jobnet] }))
            .filter((c) => c.events > 0)
            .sort((a, b) => b.events - a.events),
    }));
}

/**
 * The longest bound of one wait, its own or one in whole minutes below it, that keeps every jobnet
 * within the budget, the other bounds as they are; undefined when even its shortest does not.
 */
export function longestBoundWithinBudget(shape: SystemShape, waits: Waits, wait: WaitName): number | undefined {
    const fits = (seconds: number) => {
        const worst = worstCaseHistories(shape, withBound(waits, wait, seconds));
        return worst.stop <= historyBudget && worst.start <= historyBudget;
    };
    const shortest = shortestBound(wait);
    if (!fits(shortest)) return undefined;
    if (fits(waits[wait].withinSeconds)) return waits[wait].withinSeconds;
    // More polls never make fewer events: the longest that fits is found by halving.
    let [fitting, failing] = [Math.ceil(shortest / 60), Math.floor(waits[wait].withinSeconds / 60)];
    if (!fits(fitting * 60)) return shortest;
    while (failing - fitting > 1) {
        const middle = Math.floor((fitting + failing) / 2);
        if (fits(middle * 60)) fitting = middle;
        else failing = middle;
    }
    return fitting * 60;
}

function withBound(waits: Waits, wait: WaitName, withinSeconds: number): Waits {
    return { ...waits, [wait]: { ...waits[wait], withinSeconds } };
}
