import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { projectDir } from "../scripts/lib/runProgram";
import { ServiceControl, serviceCommands } from "../infra/serviceControl";
import { SynthResult } from "../scripts/lib/synthesize";
import { Faults } from "../simulator/account";
import { simulate } from "../simulator/simulate";
import { samplePlan, synthOfPlan } from "./support/samplePlan";
import { PlanWebServer } from "../statemachines/plan";
import { sharedSynthesis } from "./support/sharedRuns";
import { markdownCodeSpans, quotePattern } from "./support/documentedCommands";

/** The dev stack's serialised functions play the tasks of jobnets built for each service control. */
let functions: SynthResult;

const controls: Record<string, ServiceControl> = {
    scripts: { kind: "scripts" },
    systemd: { kind: "systemd", unit: "nginx" },
    commands: { kind: "commands", stop: "/opt/shop/bin/shutdown.sh", start: "/opt/shop/bin/startup.sh", check: "/opt/shop/bin/status.sh" },
};

const plan = (control: ServiceControl) => samplePlan(2, { service: serviceCommands(control) });
const [web1, web2] = (samplePlan(2).webServers as PlanWebServer[]).map((s) => s.instanceId);

async function run(control: ServiceControl, jobnet: "stop" | "start", faults?: Faults) {
    const { reports, account } = await simulate(synthOfPlan(plan(control), functions), {
        initial: jobnet === "stop" ? "running" : "stopped",
        jobnets: [jobnet],
        serviceControl: control,
        faults,
    });
    const report = reports[0].report;
    return {
        report,
        account,
        servers: account.webServers().map((i) => `${i.name}: ${i.state}, service ${i.httpd}`),
        /** What Run Command ran on each server, in order. */
        sent: account.invocations.map((v) => `${account.instances.get(v.instanceId)!.name}: ${v.script}`),
    };
}

describe("the jobnets with each kind of service control, run in the simulated account", function () {
    this.timeout(120_000);
    before(async () => {
        functions = await sharedSynthesis("dev");
    });

    for (const [kind, control] of Object.entries(controls)) {
        const commands = serviceCommands(control);

        it(`${kind}: stop runs the stop command, then the check, on each server, and stops the system`, async () => {
            const { report, servers, sent } = await run(control, "stop");
            assert.strictEqual(report.status, "SUCCEEDED", report.cause);
            assert.deepStrictEqual(servers, ["web-1: stopped, service stopped", "web-2: stopped, service stopped"]);
            assert.deepStrictEqual(sent.sort(), [`web-1: ${commands.stop.text}`, `web-1: ${commands.check.text}`, `web-2: ${commands.stop.text}`, `web-2: ${commands.check.text}`].sort());
        });

        it(`${kind}: start checks the service, starts it where it is stopped, checks it runs`, async () => {
            const { report, servers, sent } = await run(control, "start");
            assert.strictEqual(report.status, "SUCCEEDED", report.cause);
            assert.deepStrictEqual((report.output as any).httpd, { started: ["web-1", "web-2"], alreadyRunning: [] });
            assert.deepStrictEqual(servers, ["web-1: running, service running", "web-2: running, service running"]);
            assert.deepStrictEqual(sent.filter((s) => s.startsWith("web-1")), [`web-1: ${commands.check.text}`, `web-1: ${commands.start.text}`, `web-1: ${commands.check.text}`]);
        });
    }

    it("systemd: a unit the server does not have fails the stop, naming the unit and systemctl's reason", async () => {
        const { report, servers } = await run(controls.systemd, "stop", { unitMissing: ["web-1"] });
        assert.strictEqual(report.error, "HttpdDidNotStop");
        assert.strictEqual(report.cause, `StopHttpd: nginx did not stop on 1 of 2 servers (systemctl stop nginx.service): web-1 (${web1}) exited with code 1: systemctl stop nginx.service failed with exit code 5: Failed to stop nginx.service: Unit nginx.service not loaded.`);
        // docs/behaviour.md quotes this cause, its details elided.
        const quoted = markdownCodeSpans(fs.readFileSync(path.join(projectDir, "docs", "behaviour.md"), "utf8")).filter((span) => span.startsWith("StopHttpd: nginx"));
        assert.deepStrictEqual(quoted.filter((quote) => !quotePattern(quote).test(report.cause!)), []);
        assert.strictEqual(quoted.length, 1);
        assert.strictEqual(servers[0], "web-1: running, service running");
    });

    it("systemd: a unit the server does not have is never taken for a stopped service: the start fails at its first check", async () => {
        const { report, sent } = await run(controls.systemd, "start", { unitMissing: ["web-2"] });
        assert.strictEqual(report.error, "HttpdCheckFailed");
        assert.strictEqual(report.cause, `CheckHttpd: the nginx check failed on 1 of 2 servers (systemctl is-active nginx.service): web-2 (${web2}) exited with code 1: systemd has no unit nginx.service on this server (LoadState not-found): check the unit name`);
        assert.ok(!sent.includes(`web-2: ${serviceCommands(controls.systemd).start.text}`));
    });

    it("systemd: a unit caught between states fails the check, naming the state", async () => {
        const { report } = await run(controls.systemd, "stop", { checkFails: ["web-2"] });
        assert.strictEqual(report.error, "HttpdCheckFailed");
        assert.strictEqual(report.cause, `CheckHttpdStopped: the nginx check failed on 1 of 2 servers (systemctl is-active nginx.service): web-2 (${web2}) exited with code 1: nginx.service is still activating after 10 s: neither running nor stopped; run the jobnet again once it has settled`);
    });

    it("commands: a command that fails is named by its role, with its exit code, even when it prints nothing", async () => {
        const stop = await run(controls.commands, "stop", { httpdWillNotStop: ["web-1"] });
        assert.strictEqual(stop.report.error, "HttpdDidNotStop");
        assert.strictEqual(stop.report.cause, `StopHttpd: the service did not stop on 1 of 2 servers (the stop command): web-1 (${web1}) exited with code 1 and printed nothing`);
        const start = await run(controls.commands, "start", { checkFails: ["web-1"] });
        assert.strictEqual(start.report.error, "HttpdCheckFailed");
        assert.strictEqual(start.report.cause, `CheckHttpd: the service check failed on 1 of 2 servers (the check command): web-1 (${web1}) exited with code 1 and printed nothing`);
    });

    it("a server not managed by Systems Manager is left out of the sends; the run ends at the step's bound, saying so and how to fix it", async () => {
        const { report, account } = await run(controls.systemd, "stop", { notManaged: ["web-2"] });
        assert.strictEqual(report.error, "CommandNotDelivered");
        assert.strictEqual(
            report.cause,
            `StopHttpd: systemctl stop nginx.service was never delivered to 1 of 2 servers, whose SSM agent was not online within 15m: web-2 (${web2}): Systems Manager does not list it (DescribeInstanceInformation), its agent has not registered.`
            + " On the server, install and start the SSM agent; give the instance a profile whose role has the policy AmazonSSMManagedInstanceCore;"
            + " let it reach the SSM endpoints over HTTPS (443), through a NAT gateway or VPC endpoints for ssm, ssmmessages and ec2messages",
        );
        // Never sent to web-2, so never refused: web-1 got the stop at once.
        const sentToWeb2 = account.calls.filter((c) => c.action === "ssm:SendCommand" && c.authorizations.some((a) => a.resource.endsWith(web2))).length;
        assert.deepStrictEqual([sentToWeb2, account.instances.get(web1)!.httpd, report.durationSeconds], [0, "stopped", 900]);
    });

    it("a server whose SSM agent is offline never gets the command: the cause says it was never delivered, and why that happens", async () => {
        const { report } = await run(controls.systemd, "stop", { agentOffline: ["web-1"] });
        assert.strictEqual(report.error, "CommandNotDelivered");
        assert.strictEqual(
            report.cause,
            `StopHttpd: systemctl stop nginx.service was never delivered to 1 of 2 servers: web-1 (${web1}), sent 3 times: Run Command gave up delivering it after 120 s each time (DeliveryTimedOut: its TimeoutSeconds 60 s plus the execution timeout 60 s); check that its SSM agent runs and reaches the SSM endpoints (ssm, ssmmessages, ec2messages) over HTTPS`,
        );
    });
});
