import * as assert from "assert";
import { choice, definition, invoke, is, parallel, pass, sequence, succeed, waitUntil } from "../statemachines/asl";
import { toOverviewDot } from "../statemachines/overview";
import { sharedSynthesis } from "./support/sharedRuns";

const fn = "arn:aws:lambda:ap-northeast-1:123456789012:function:webapp-jobnet-dev-step";
const gone = { error: "ServerNotFound", cause: "the server is gone" };

/** Stop a server if it runs: a task that can fail, a choice, a bounded wait with a failure of its own, and a Pass before the end. */
const stopOneServer = definition(sequence(
    invoke("DescribeServer", fn, { payload: {}, resultPath: "$.server", catch: [{ errors: ["NotFound"], name: "ServerNotFound", failure: gone }] }),
    choice("AnyServerRunning", [{
        when: is.string("$.server.state", "running"),
        then: sequence(
            invoke("StopServer", fn, { payload: {}, resultPath: null }),
            waitUntil("WaitUntilServerStopped", {
                functionArn: fn, payload: {}, select: { "state.$": "$.state", "attempt.$": "$.attempt" }, resultPath: "$.stopped",
                done: is.string("$.stopped.state", "stopped"),
                failures: [{ when: is.string("$.stopped.state", "terminated"), name: "ServerTerminated", failure: gone }],
                firstAfterSeconds: 10, everySeconds: 10, withinSeconds: 600, timedOut: { error: "ServerDidNotStop", cause: "still running" },
            }),
        ),
    }], "continue"),
    pass("Summarise", { parameters: { "state.$": "$.server.state" }, resultPath: "$.summary" }),
    succeed("Done"),
), { comment: "", timeoutSeconds: 3600 });

/** The nodes (name: label) and the edges of an overview, from its DOT. */
function picture(dot: string): { nodes: string[]; edges: string[] } {
    const nodes = [...dot.matchAll(/^\s*"([^"]+)" \[label=(<.*>|"[^"]*")/gm)].map(([, name, label]) => `${name}: ${label.replace(/<BR\/><FONT[^>]*>(.*?)<\/FONT>/, " [$1]").replace(/^<|>$|^"|"$/g, "")}`);
    const edges = [...dot.matchAll(/^\s*("?[\w-]+"?) -> ("?[\w-]+"?);$/gm)].map(([, from, to]) => `${from.replace(/"/g, "")} -> ${to.replace(/"/g, "")}`);
    return { nodes, edges };
}

describe("a jobnet's overview, the picture that reads at the README's width", () => {
    it("draws each step once: a bounded wait as one box, a Fail as a count on the step before it, a Pass and a Succeed as edges", () => {
        assert.deepStrictEqual(picture(toOverviewDot(stopOneServer, "stop one server")), {
            nodes: [
                "DescribeServer: DescribeServer [✕ 1]",
                "AnyServerRunning: AnyServerRunning",
                "StopServer: StopServer",
                "WaitUntilServerStopped: ↻ WaitUntilServerStopped [✕ 2]",
            ],
            edges: [
                "start -> DescribeServer",
                "DescribeServer -> AnyServerRunning",
                "AnyServerRunning -> StopServer",
                "AnyServerRunning -> end",
                "StopServer -> WaitUntilServerStopped",
                "WaitUntilServerStopped -> end",
            ],
        });
    });

    it("frames a Parallel's branches, its fork and join inside the frame and outside every branch", () => {
        const d = definition(sequence(
            parallel("StopBoth", [invoke("StopServers", fn, { payload: {}, resultPath: null }), invoke("StopDatabase", fn, { payload: {}, resultPath: null })], { resultPath: null }),
            succeed("Done"),
        ), { comment: "", timeoutSeconds: 600 });
        const dot = toOverviewDot(d, "stop both");
        const frame = (name: string) => dot.slice(dot.indexOf(`subgraph "${name}" {`), dot.indexOf("\n  }", dot.indexOf(`subgraph "${name}" {`)));
        assert.deepStrictEqual(picture(dot).edges, ["start -> StopBoth", "StopBoth -> StopServers", "StopServers -> StopBoth_done", "StopBoth -> StopDatabase", "StopDatabase -> StopBoth_done", "StopBoth_done -> end"]);
        // An edge written inside a frame would draw its ends into it: no edge is written in one.
        assert.ok(dot.lastIndexOf("  }\n") < dot.indexOf(" -> "));
        assert.match(frame("cluster_StopBoth"), /"StopBoth" \[label="", shape=point/);
        assert.match(frame("cluster_StopBoth_0"), /"StopServers" \[label=<StopServers>\]/);
        assert.doesNotMatch(frame("cluster_StopBoth_0"), /"StopBoth"|"StopBoth_done"/);
    });

    it("of the stop and start jobnets shows every task of their definitions, and no Pass or Fail", async function () {
        this.timeout(60_000);
        const synth = await sharedSynthesis("dev");
        for (const jobnet of ["stop", "start"] as const) {
            const d = synth.definitions[jobnet];
            const nodes = picture(toOverviewDot(d, jobnet)).nodes.map((n) => n.slice(0, n.indexOf(":")));
            const states = new Map<string, string>();
            const collect = (s: Record<string, any>) => {
                for (const [name, state] of Object.entries(s)) {
                    states.set(name, state.Type);
                    for (const b of state.Branches ?? []) collect(b.States);
                    if (state.ItemProcessor) collect(state.ItemProcessor.States);
                }
            };
            collect(d.States);
            // A bounded wait's poll is a Task named as the wait: its box.
            const tasks = [...states].filter(([, type]) => type === "Task").map(([name]) => name);
            assert.ok(tasks.length >= 10, `${jobnet}: ${tasks.length} tasks`);
            assert.deepStrictEqual(tasks.filter((t) => !nodes.includes(t)), [], `${jobnet}: tasks left out`);
            assert.deepStrictEqual(nodes.filter((n) => ["Pass", "Fail", "Succeed"].includes(states.get(n) ?? "")), [], `${jobnet}: a Pass, Fail or Succeed drawn as a step`);
        }
    });
});
