import { ChoiceState, Condition, Retrier, State, StateMachineDefinition, transientRetries } from "./asl";

/**
 * The most history events a run of a definition can make, read from the definition alone. Step
 * Functions fails a run whose history reaches 25,000 events, and will not redrive it (Step
 * Functions quotas); the jobnets keep their worst case within half of that, the other half left
 * for what this count leaves out: the transient retries every Lambda task has (Lambda service
 * errors, throttling, timeouts: asl.ts, `transientRetries`), which a healthy run seldom meets, and
 * redrives, which add to the same history.
 *
 * The model: the longest path from StartAt to an end, each state costing the events Step Functions
 * records for it (a Task 5: entered, scheduled, started, succeeded, exited, and a callback task's
 * TaskSubmitted besides, each attempt; a Pass, Choice, Wait
 * or Succeed 2; a Fail 1; a Parallel 4 and the worst case of each branch; the execution's start and
 * end 2); each named Retry its MaxAttempts × 3 (failed, scheduled, started). A loop counts as many
 * rounds as the counter that bounds it allows, and one more way out: a Choice in the loop whose
 * rule `NumericGreaterThanEquals: N` on a counter leads out of it, every rule before it leading
 * out too; the counter is one a state of the loop adds one to (`States.MathAdd(counter, 1)`) and
 * none sets to a constant. A loop without such a counter is refused.
 */

/** Step Functions fails a run whose history reaches this many events, and refuses to redrive it (Step Functions quotas). */
export const executionHistoryQuota = 25_000;
/** What a jobnet's worst case may reach: half the quota, the rest kept for transient retries and redrives. */
export const historyBudget = executionHistoryQuota / 2;

const eventsOfType: Record<Exclude<State["Type"], "Parallel" | "Map">, number> = { Task: 5, Pass: 2, Choice: 2, Wait: 2, Succeed: 2, Fail: 1 };
const executionStartAndEnd = 2;
const eventsPerRetry = 3;
// ASL: a Retrier without MaxAttempts retries 3 times.
const defaultMaxAttempts = 3;

export class UnboundedLoopError extends Error {
    constructor(readonly states: string[]) {
        super(`the loop through ${states.join(", ")} has no counter bounding it: add a Choice rule NumericGreaterThanEquals on a counter the loop increases, leading out of it`);
        this.name = "UnboundedLoopError";
    }
}

/** The most history events a run of the definition can make, transient retries left out. */
export function worstCaseHistory(definition: StateMachineDefinition): number {
    return executionStartAndEnd + worstCaseOfScope(definition.States, definition.StartAt);
}

/** A node of a scope's graph: one state, or a loop collapsed into one, with its cost and where it goes. */
interface Node {
    cost: number;
    /** The states it can go to (through Next, Choice rules and Default, Catch). */
    next: string[];
    /** The states it stands for. */
    members: string[];
    /** Whether the scope can end there (a Succeed or Fail state, End). */
    ends: boolean;
    /** A loop collapsed: its own counter starts again each time it is entered. */
    loop?: true;
}

function worstCaseOfScope(states: Record<string, State>, startAt: string): number {
    const ownerOf = new Map<string, Node>();
    for (const [name, s] of Object.entries(states)) {
        const ends = s.Type === "Succeed" || s.Type === "Fail" || (s as { End?: boolean }).End === true;
        ownerOf.set(name, { cost: stateCost(name, s), next: successors(s), members: [name], ends });
    }
    const nodeOf = (name: string) => {
        const node = ownerOf.get(name);
        if (node === undefined) throw new Error(`a state leads to ${name}, which the definition does not have`);
        return node;
    };
    // Inner loops first: a smaller body is nested in a larger one, never the other way.
    for (const loop of naturalLoops(states, startAt).sort((a, b) => a.body.size - b.body.size)) {
        const nodes = [...new Set([...loop.body].map(nodeOf))];
        const inside = new Set(nodes);
        const header = nodeOf(loop.header);
        const bound = loopBound(states, loop, nodes.filter((n) => !n.loop).map((n) => n.members[0]));
        // The longest way from the header to each node, the edges back to the header left out.
        const longest = longestPaths(header, (n) => n.next.map(nodeOf).filter((m) => inside.has(m) && m !== header), `the loop through ${loop.header}`);
        const round = Math.max(...nodes.filter((n) => n.next.some((to) => nodeOf(to) === header)).map((n) => longest.get(n)!));
        const wayOut = Math.max(0, ...nodes.filter((n) => n.ends || n.next.some((to) => !inside.has(nodeOf(to)))).map((n) => longest.get(n) ?? 0));
        const collapsed: Node = {
            cost: bound * round + wayOut,
            next: [...new Set(nodes.flatMap((n) => n.next.filter((to) => !inside.has(nodeOf(to)))))],
            members: nodes.flatMap((n) => n.members),
            ends: nodes.some((n) => n.ends),
            loop: true,
        };
        for (const name of collapsed.members) ownerOf.set(name, collapsed);
    }
    const start = nodeOf(startAt);
    const longest = longestPaths(start, (n) => n.next.map(nodeOf), "the definition");
    return Math.max(...[...longest.entries()].filter(([n]) => n.ends).map(([, events]) => events));
}

function stateCost(name: string, s: State): number {
    switch (s.Type) {
        case "Map":
            throw new Error(`${name} is a Map state: its iterations are not bounded by the definition; the jobnets act on every server at once instead`);
        case "Parallel":
            return 4 + s.Branches.reduce((sum, b) => sum + worstCaseOfScope(b.States, b.StartAt), 0);
        case "Task": {
            // A callback task's attempt has one more event, TaskSubmitted, once the function took the token.
            const submitted = s.Resource.endsWith(".waitForTaskToken") ? 1 : 0;
            return eventsOfType.Task + submitted + (s.Retry ?? []).filter((r) => !isTransient(r)).reduce((sum, r) => sum + (eventsPerRetry + submitted) * (r.MaxAttempts ?? defaultMaxAttempts), 0);
        }
        default:
            return eventsOfType[s.Type];
    }
}

function isTransient(r: Retrier): boolean {
    return transientRetries.some((t) => JSON.stringify(t.ErrorEquals) === JSON.stringify(r.ErrorEquals));
}

function successors(s: State): string[] {
    const next: string[] = [];
    if (s.Type === "Choice") next.push(...s.Choices.map((c) => c.Next), ...(s.Default === undefined ? [] : [s.Default]));
    else if (s.Type !== "Fail" && s.Type !== "Succeed" && s.Next !== undefined) next.push(s.Next);
    if (s.Type === "Task" || s.Type === "Parallel" || s.Type === "Map") next.push(...((s as { Catch?: { Next: string }[] }).Catch ?? []).map((c) => c.Next));
    return [...new Set(next)];
}

interface Loop {
    header: string;
    body: Set<string>;
}

/**
 * The loops of a scope: each edge back to a state on the way to it (depth first from StartAt)
 * closes one, whose body is the header and every state that reaches the edge's source without
 * passing the header. Loops of one header are one loop.
 */
function naturalLoops(states: Record<string, State>, startAt: string): Loop[] {
    const next = (name: string) => {
        if (states[name] === undefined) throw new Error(`a state leads to ${name}, which the definition does not have`);
        return successors(states[name]);
    };
    const backEdges: [string, string][] = [];
    const onPath = new Set<string>();
    const seen = new Set<string>();
    const visit = (name: string) => {
        seen.add(name);
        onPath.add(name);
        for (const to of next(name)) {
            if (onPath.has(to)) backEdges.push([name, to]);
            else if (!seen.has(to)) visit(to);
        }
        onPath.delete(name);
    };
    visit(startAt);
    const predecessors = new Map<string, string[]>();
    for (const name of seen) for (const to of next(name)) predecessors.set(to, [...(predecessors.get(to) ?? []), name]);
    const loops = new Map<string, Set<string>>();
    for (const [from, header] of backEdges) {
        const body = loops.get(header) ?? new Set([header]);
        const stack = [from];
        while (stack.length > 0) {
            const name = stack.pop()!;
            if (body.has(name)) continue;
            body.add(name);
            stack.push(...(predecessors.get(name) ?? []));
        }
        loops.set(header, body);
    }
    return [...loops.entries()].map(([header, body]) => ({ header, body }));
}

/**
 * The rounds a loop can make: the smallest N of the counter rules that end it, among the Choice
 * states of the loop itself (not of a loop nested in it, whose counter starts again each round).
 */
function loopBound(states: Record<string, State>, loop: Loop, ownStates: string[]): number {
    const bounds = ownStates.flatMap((name) => {
        const s = states[name];
        if (s.Type !== "Choice") return [];
        return counterRules(s, loop.body)
            .filter((rule) => increasedInLoop(states, loop, rule.Variable) && !resetInLoop(states, loop, rule.Variable))
            .map((rule) => rule.NumericGreaterThanEquals);
    });
    if (bounds.length === 0) throw new UnboundedLoopError([...loop.body]);
    return Math.min(...bounds);
}

type CounterRule = { Variable: string; NumericGreaterThanEquals: number; Next: string };

/** The rules `counter >= N` leading out of the loop, every rule before each leading out too. */
function counterRules(s: ChoiceState, body: Set<string>): CounterRule[] {
    const rules: CounterRule[] = [];
    for (const rule of s.Choices) {
        if (body.has(rule.Next)) break;
        if (isCounterRule(rule)) rules.push(rule);
    }
    return rules;
}

function isCounterRule(rule: Condition & { Next: string }): rule is CounterRule {
    return "Variable" in rule && "NumericGreaterThanEquals" in rule && typeof rule.NumericGreaterThanEquals === "number";
}

/**
 * Whether a state of the loop adds one to the counter: a Pass's Parameters, or a poll's payload
 * whose function answers the count back (asl.ts, waitUntil), hold `States.MathAdd(counter, 1)`.
 */
function increasedInLoop(states: Record<string, State>, loop: Loop, counter: string): boolean {
    const increment = `States.MathAdd(${counter}, 1)`;
    const holds = (value: unknown): boolean =>
        value === increment || (typeof value === "object" && value !== null && Object.values(value).some(holds));
    return [...loop.body].some((name) => holds((states[name] as { Parameters?: unknown }).Parameters));
}

/** Whether a Pass of the loop writes a constant where the counter is: it would start again each round. */
function resetInLoop(states: Record<string, State>, loop: Loop, counter: string): boolean {
    return [...loop.body].some((name) => {
        const s = states[name];
        if (s.Type !== "Pass" || s.Result === undefined) return false;
        const at = s.ResultPath === undefined ? "$" : s.ResultPath;
        return at !== null && (counter === at || counter.startsWith(`${at}.`) || at === "$");
    });
}

/** The costliest way from `start` to each node it reaches, each node's own cost included; refuses a cycle. */
function longestPaths(start: Node, next: (n: Node) => Node[], what: string): Map<Node, number> {
    const order: Node[] = [];
    const state = new Map<Node, "open" | "done">();
    const visit = (n: Node) => {
        state.set(n, "open");
        for (const m of next(n)) {
            if (state.get(m) === "open") throw new Error(`${what} has a cycle through ${m.members.join(", ")} that is not a loop with a single entry`);
            if (!state.has(m)) visit(m);
        }
        state.set(n, "done");
        order.push(n);
    };
    visit(start);
    const longest = new Map<Node, number>([[start, start.cost]]);
    for (const n of order.reverse()) {
        const here = longest.get(n)!;
        for (const m of next(n)) longest.set(m, Math.max(longest.get(m) ?? 0, here + m.cost));
    }
    return longest;
}
