import { State, StateMachineDefinition } from "./asl";
import { quote } from "./diagram";

/**
 * A jobnet's overview: the picture of its steps that reads at the width of a README, beside the
 * full diagram (diagram.ts) that draws every state. A step is a task, a bounded wait (its first
 * wait, poll, check and waits: one box, waitUntil in asl.ts), a choice between steps, a Parallel
 * or a Map. The rest is drawn as the edges it makes: a Pass leads on, a Choice with one step after
 * it is the edges to that step, and a Fail is counted on the step that leads to it ("✕ 3"), its
 * error and cause being the full diagram's.
 */
export function toOverviewDot(definition: StateMachineDefinition, title: string): string {
    const out = [
        "digraph overview {",
        `  graph [label=${quote(title)}, labelloc=t, fontsize=14, fontname="Helvetica", rankdir=TB, nodesep=0.25, ranksep=0.3, newrank=true];`,
        '  node [fontname="Helvetica", fontsize=11, shape=box, style="rounded,filled", fillcolor="#eef3fb", color="#5b7fb8", margin="0.12,0.04", height=0.3];',
        '  edge [color="#555555", arrowsize=0.6];',
        '  start [label="", shape=circle, width=0.18, style=filled, fillcolor="#333333"];',
        '  end [label="", shape=doublecircle, width=0.14, style=filled, fillcolor="#333333"];',
    ];
    const top = new Scope(definition.States, "end");
    // The edges after every node: an edge written inside a frame would draw both its ends into the frame.
    const edges: string[] = [];
    for (const target of top.resolve(definition.StartAt).steps) edges.push(`  start -> ${quote(target)};`);
    top.draw(out, edges, "  ");
    out.push(...edges, "}");
    return out.join("\n") + "\n";
}

/** The suffixes of a bounded wait's states around its poll `Name` (asl.ts, waitUntil). */
const waitLoopPart = /^(.+?)(Begin|FirstWait|Check|Wait\d*)$/;

/** Where a transition leads, in steps: the steps it reaches through the states drawn as edges, and the Fail states on the way. */
interface Reached {
    steps: Set<string>;
    fails: Set<string>;
}

/** The states of one scope (the definition's, a Parallel branch's, a Map's), and the node its ends lead to. */
class Scope {
    private readonly shown = new Map<string, boolean>();

    constructor(private readonly states: Record<string, State>, private readonly exit: string) {}

    /** The bounded wait a state is part of: its poll's name, when the state is the poll's Begin, FirstWait, Check or a Wait. */
    private waitOf(name: string): string | undefined {
        if (this.states[`${name}Check`]?.Type === "Choice" && this.states[name]?.Type === "Task") return name;
        const match = waitLoopPart.exec(name);
        const poll = match?.[1];
        return poll !== undefined && this.states[poll]?.Type === "Task" && this.states[`${poll}Check`]?.Type === "Choice" ? poll : undefined;
    }

    /** Whether a state is a step of the picture. */
    private isStep(name: string): boolean {
        const s = this.states[name];
        if (this.waitOf(name) !== undefined) return this.waitOf(name) === name;
        if (s.Type === "Task" || s.Type === "Parallel" || s.Type === "Map" || s.Type === "Wait") return true;
        if (s.Type !== "Choice") return false;
        let shown = this.shown.get(name);
        if (shown === undefined) {
            // Decided once, as not shown while it is being decided: a cycle of choices is drawn as edges.
            this.shown.set(name, false);
            shown = this.after(name, new Set([name])).steps.size >= 2;
            this.shown.set(name, shown);
        }
        return shown;
    }

    /** The steps a transition to `name` leads to. */
    resolve(name: string, seen: Set<string> = new Set()): Reached {
        const reached: Reached = { steps: new Set(), fails: new Set() };
        if (seen.has(name)) return reached;
        const s = this.states[name];
        const wait = this.waitOf(name);
        if (wait !== undefined) {
            reached.steps.add(wait);
        } else if (s.Type === "Fail") {
            reached.fails.add(name);
        } else if (s.Type === "Succeed") {
            reached.steps.add(this.exit);
        } else if (this.isStep(name)) {
            reached.steps.add(name);
        } else {
            return this.after(name, new Set([...seen, name]));
        }
        return reached;
    }

    /** The steps after a state: where its Next, End, Catch, Choices or its bounded wait's check lead. */
    private after(name: string, seen: Set<string>): Reached {
        const s = this.states[name];
        const reached: Reached = { steps: new Set(), fails: new Set() };
        const add = (r: Reached) => {
            for (const step of r.steps) if (step !== name) reached.steps.add(step);
            for (const fail of r.fails) reached.fails.add(fail);
        };
        const check = this.waitOf(name) === name ? (this.states[`${name}Check`] as State) : s;
        const nexts: string[] = [];
        if (check.Type === "Choice") nexts.push(...check.Choices.map((c) => c.Next), ...(check.Default ? [check.Default] : []));
        if (this.waitOf(name) !== name && s.Type !== "Choice" && s.Type !== "Fail" && s.Type !== "Succeed") {
            if (s.Next !== undefined) nexts.push(s.Next);
            else if (s.End) reached.steps.add(this.exit);
        }
        if ((s.Type === "Task" || s.Type === "Parallel") && s.Catch) nexts.push(...s.Catch.map((c) => c.Next));
        for (const next of nexts) add(this.resolve(next, seen));
        return reached;
    }

    /** Each step of the scope as a node, its edges into `edges`; a Parallel's branches and a Map's iteration as frames of their own. */
    draw(out: string[], edges: string[], indent: string): void {
        for (const [name, s] of Object.entries(this.states)) {
            if (!this.isStep(name)) continue;
            const after = this.after(name, new Set([name]));
            const fails = after.fails.size > 0 ? `<BR/><FONT POINT-SIZE="9" COLOR="#c0392b">✕ ${after.fails.size}</FONT>` : "";
            const label = (text: string) => `<${escapeHtml(text)}${fails}>`;
            let from = quote(name);
            if (s.Type === "Choice") {
                out.push(`${indent}${quote(name)} [label=${label(name)}, shape=diamond, fillcolor="#fff4d6", color="#c99a2e", margin="0.02,0.02"];`);
            } else if (this.waitOf(name) === name) {
                out.push(`${indent}${quote(name)} [label=${label(`↻ ${name}`)}, fillcolor="#f2f2f2", color="#999999"];`);
            } else if (s.Type === "Wait") {
                out.push(`${indent}${quote(name)} [label=${label(`${name} (wait)`)}, fillcolor="#f2f2f2", color="#999999"];`);
            } else if (s.Type === "Parallel" || s.Type === "Map") {
                // A frame holds the fork, each branch (or the iteration) in a frame of its own, and the join.
                const done = `${name}_done`;
                out.push(`${indent}subgraph ${quote(`cluster_${name}`)} {`);
                out.push(`${indent}  label=${quote(s.Type === "Parallel" ? `${name}: its branches at once` : `${name}: for each item`)}; labeljust=l; fontname="Helvetica"; fontsize=11; style=rounded; color="#5b7fb8";`);
                out.push(`${indent}  ${quote(name)} [label=${fails ? `<${fails.slice("<BR/>".length)}>` : '""'}, shape=${fails ? "plaintext" : "point"}, width=0.08, style="", color="#5b7fb8"];`);
                out.push(`${indent}  ${quote(done)} [label="", shape=point, width=0.08, color="#5b7fb8"];`);
                const branches = s.Type === "Parallel" ? s.Branches : [s.ItemProcessor];
                branches.forEach((branch, i) => {
                    out.push(`${indent}  subgraph ${quote(`cluster_${name}_${i}`)} {`);
                    out.push(`${indent}    label=""; style="rounded,dashed"; color="#9aa5b1";`);
                    const inner = new Scope(branch.States, done);
                    for (const first of inner.resolve(branch.StartAt).steps) edges.push(`  ${quote(name)} -> ${quote(first)};`);
                    inner.draw(out, edges, `${indent}    `);
                    out.push(`${indent}  }`);
                });
                out.push(`${indent}}`);
                from = quote(done);
            } else {
                out.push(`${indent}${quote(name)} [label=${label(name)}];`);
            }
            for (const step of after.steps) edges.push(`  ${from} -> ${quote(step)};`);
        }
    }
}

function escapeHtml(text: string): string {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
