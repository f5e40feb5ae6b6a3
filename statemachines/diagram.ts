import { ChoiceState, Condition, State, StateMachineDefinition, allStates } from "./asl";

/**
 * A Graphviz picture of a definition: states as boxes, Choice rules as labelled edges, Map and
 * Parallel contents nested in frames, Fail states in red. The first pain of the system we
 * replace: a jobnet you can look at before you deploy it.
 */
export function toDot(definition: StateMachineDefinition, title: string): string {
    const all = new Map(allStates(definition.States));
    // Bookkeeping Passes are drawn as the state they lead to: a Fail's cause formatting, a poll's counter reset.
    const hidden = new Map<string, string>();
    for (const [name, s] of all) {
        const next = (s as { Next?: string }).Next;
        if (s.Type !== "Pass" || next === undefined) continue;
        if (name === `${next}Cause` && all.get(next)?.Type === "Fail") hidden.set(name, next);
        if (name.endsWith("Begin") && next === `${name.slice(0, -"Begin".length)}FirstWait`) hidden.set(name, next);
    }
    const id = (name: string) => quote(hidden.get(name) ?? name);
    const out: string[] = [
        "digraph jobnet {",
        `  graph [label=${quote(title)}, labelloc=t, fontsize=18, fontname="Helvetica", rankdir=TB, nodesep=0.35, ranksep=0.4, newrank=true];`,
        '  node [fontname="Helvetica", fontsize=11, shape=box, style="rounded,filled", fillcolor="#eef3fb", color="#5b7fb8"];',
        '  edge [fontname="Helvetica", fontsize=9, color="#555555"];',
        '  start [label="start", shape=circle, width=0.5, fillcolor="#333333", fontcolor=white];',
        '  end [label="end", shape=doublecircle, width=0.4, fillcolor="#333333", fontcolor=white];',
        `  start -> ${id(definition.StartAt)};`,
    ];
    block(definition.States, "end", out, "  ", { id, hidden });
    out.push("}");
    return out.join("\n") + "\n";
}

interface Names {
    id: (name: string) => string;
    hidden: Map<string, string>;
}

/** Draws the states of one scope; an End in this scope leads to `exit`. */
function block(states: Record<string, State>, exit: string, out: string[], indent: string, names: Names): void {
    const { id } = names;
    for (const [name, s] of Object.entries(states)) {
        if (names.hidden.has(name)) continue;
        const next = (s as { Next?: string }).Next;
        const ends = (s as { End?: boolean }).End === true;
        const to = next !== undefined ? id(next) : exit;
        switch (s.Type) {
            case "Task": {
                const fn = String(s.Parameters?.FunctionName ?? s.Resource).split(":").pop();
                out.push(`${indent}${id(name)} [label=${quote(`${name}\n${fn}`)}];`);
                for (const c of s.Catch ?? []) out.push(`${indent}${id(name)} -> ${id(c.Next)} [label=${quote(`catch ${c.ErrorEquals.join(", ")}`)}, style=dashed, color="#c0392b", fontcolor="#c0392b"];`);
                break;
            }
            case "Pass":
                out.push(`${indent}${id(name)} [label=${quote(name)}, fillcolor=white, style="rounded,dashed,filled"];`);
                break;
            case "Wait":
                out.push(`${indent}${id(name)} [label=${quote(`${name}\nwait ${s.Seconds}s`)}, shape=box, fillcolor="#f2f2f2", color="#999999"];`);
                break;
            case "Choice":
                out.push(`${indent}${id(name)} [label=${quote(name)}, shape=diamond, style=filled, fillcolor="#fff4d6", color="#c99a2e"];`);
                choiceEdges(name, s, out, indent, id);
                continue;
            case "Fail":
                out.push(`${indent}${id(name)} [label=${quote(`${name}\n${s.Error}`)}, shape=octagon, style=filled, fillcolor="#f8d7da", color="#c0392b", fontcolor="#7b1f1f"];`);
                continue;
            case "Succeed":
                out.push(`${indent}${id(name)} [label=${quote(name)}, fillcolor="#d4edda", color="#2e7d32"];`);
                out.push(`${indent}${id(name)} -> ${exit};`);
                continue;
            case "Map": {
                const done = quote(`${name}_done`);
                out.push(`${indent}subgraph ${quote(`cluster_${name}`)} {`);
                out.push(`${indent}  label=${quote(`Map ${name}: for each of ${s.ItemsPath.replace(/^\$\./, "")}, up to ${s.MaxConcurrency || "all"} at once`)}; style="rounded,dashed"; color="#5b7fb8"; fontname="Helvetica"; fontsize=11;`);
                out.push(`${indent}  ${id(name)} [label=${quote(`${name}\nfor each item`)}, shape=box, fillcolor="#dbe6f7"];`);
                out.push(`${indent}  ${done} [label="all items done", shape=box, fillcolor="#dbe6f7"];`);
                out.push(`${indent}  ${id(name)} -> ${id(s.ItemProcessor.StartAt)};`);
                block(s.ItemProcessor.States, done, out, `${indent}  `, names);
                out.push(`${indent}}`);
                out.push(`${indent}${done} -> ${ends ? exit : to};`);
                continue;
            }
            case "Parallel": {
                const joined = quote(`${name}_joined`);
                out.push(`${indent}${id(name)} [label=${quote(`${name}\nbranches at once`)}, shape=box, fillcolor="#dbe6f7"];`);
                out.push(`${indent}${joined} [label="every branch done", shape=box, fillcolor="#dbe6f7"];`);
                s.Branches.forEach((branch, i) => {
                    out.push(`${indent}subgraph ${quote(`cluster_${name}_${i}`)} {`);
                    out.push(`${indent}  label=${quote(`branch ${i + 1}`)}; style="rounded,dashed"; color="#5b7fb8"; fontname="Helvetica"; fontsize=11;`);
                    block(branch.States, joined, out, `${indent}  `, names);
                    out.push(`${indent}}`);
                    out.push(`${indent}${id(name)} -> ${id(branch.StartAt)};`);
                });
                out.push(`${indent}${joined} -> ${ends ? exit : to};`);
                continue;
            }
        }
        out.push(`${indent}${id(name)} -> ${ends ? exit : to};`);
    }
}

function choiceEdges(name: string, s: ChoiceState, out: string[], indent: string, id: (name: string) => string): void {
    for (const rule of s.Choices) {
        const { Next, ...condition } = rule;
        out.push(`${indent}${id(name)} -> ${id(Next)} [label=${quote(conditionText(condition as Condition))}];`);
    }
    if (s.Default) out.push(`${indent}${id(name)} -> ${id(s.Default)} [label="otherwise", style=dotted];`);
}

/** A Choice rule as people read it: `found.state = running`, `attempt ≥ 11`. */
export function conditionText(c: Condition): string {
    if ("And" in c) return c.And.map(conditionText).join(" and ");
    if ("Or" in c) {
        const parts = c.Or.map(conditionText);
        const same = c.Or.every((o) => "Variable" in o && "StringEquals" in o && o.Variable === (c.Or[0] as { Variable: string }).Variable);
        return same ? `${short((c.Or[0] as { Variable: string }).Variable)} in ${c.Or.map((o) => (o as { StringEquals: string }).StringEquals).join(", ")}` : parts.join(" or ");
    }
    if ("Not" in c) return `not (${conditionText(c.Not)})`;
    const v = short(c.Variable);
    if ("StringEquals" in c) return `${v} = ${c.StringEquals}`;
    if ("NumericEquals" in c) return `${v} = ${c.NumericEquals}`;
    if ("NumericEqualsPath" in c) return `${v} = ${short(c.NumericEqualsPath)}`;
    if ("NumericGreaterThanEquals" in c) return `${v} ≥ ${c.NumericGreaterThanEquals}`;
    if ("NumericLessThan" in c) return `${v} < ${c.NumericLessThan}`;
    if ("BooleanEquals" in c) return `${v} is ${c.BooleanEquals}`;
    if ("IsPresent" in c) return `${v} ${c.IsPresent ? "is set" : "is not set"}`;
    return `${v} ${c.IsNull ? "is null" : "is not null"}`;
}

function short(path: string): string {
    return path.replace(/^\$\.?/, "");
}

export function quote(text: string): string {
    return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}
