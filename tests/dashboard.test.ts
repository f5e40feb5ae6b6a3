import * as assert from "assert";
import { DashboardFacts, dashboardBody, loadBalancerArnDimension, loadBalancerDimension, targetGroupDimension } from "../infra/dashboard";
import { sharedRun } from "./support/sharedRuns";

const arn = (service: string, resource: string) => `arn:aws:${service}:ap-northeast-1:123456789012:${resource}`;
const facts: DashboardFacts = {
    region: "ap-northeast-1",
    stack: "dev",
    stateMachineArns: { stop: arn("states", "stateMachine:webapp-jobnet-dev-stop"), start: arn("states", "stateMachine:webapp-jobnet-dev-start") },
    expectedSeconds: { stop: 900, start: 720 },
    listenerArns: [arn("elasticloadbalancing", "listener/app/webapp-dev/0123456789abcdef/fedcba9876543210")],
    targetGroups: [{ targetGroupArn: arn("elasticloadbalancing", "targetgroup/webapp-web/0123456789abcdef"), loadBalancerArn: arn("elasticloadbalancing", "loadbalancer/app/webapp-dev/0123456789abcdef") }],
    database: { kind: "cluster", identifier: "webapp-jobnet-dev" },
    alarmArns: [arn("cloudwatch", "alarm:webapp-jobnet-dev-stop-failed")],
};

// The metrics AWS publishes, and the dimension sets each can be read by: CloudWatch User Guide,
// "Monitoring Step Functions metrics with Amazon CloudWatch", "CloudWatch metrics for your
// Application Load Balancer", "Amazon CloudWatch metrics for Amazon RDS" / "for Amazon Aurora".
// WebappJobnet is the run watcher's own namespace (handlers/runWatch.ts).
const published: Record<string, Record<string, string[][]>> = {
    "AWS/States": Object.fromEntries(
        ["ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed", "ExecutionsAborted", "ExecutionsTimedOut", "ExecutionThrottled", "ExecutionsRedriven", "ExecutionTime"]
            .map((m) => [m, [["StateMachineArn"]]]),
    ),
    "AWS/ApplicationELB": {
        HealthyHostCount: [["TargetGroup", "LoadBalancer"], ["TargetGroup", "AvailabilityZone", "LoadBalancer"]],
        UnHealthyHostCount: [["TargetGroup", "LoadBalancer"], ["TargetGroup", "AvailabilityZone", "LoadBalancer"]],
        HTTPCode_ELB_5XX_Count: [["LoadBalancer"], ["AvailabilityZone", "LoadBalancer"]],
        HTTPCode_Target_5XX_Count: [["LoadBalancer"], ["AvailabilityZone", "LoadBalancer"], ["TargetGroup", "LoadBalancer"]],
    },
    "AWS/RDS": { DatabaseConnections: [["DBInstanceIdentifier"], ["DBClusterIdentifier"]] },
    WebappJobnet: { RunsPastExpectedDuration: [["Stack", "Jobnet"]], ScheduledRunsNotStarted: [["Stack", "Jobnet"]], JobsPastExpectedDuration: [["Stack", "Jobnet"]] },
};

type Line = (string | Record<string, unknown>)[];

/** Every metric line of a body, with what is wrong with it, if anything. */
function metricProblems(body: ReturnType<typeof dashboardBody>): string[] {
    const problems: string[] = [];
    for (const w of body.widgets.filter((w) => w.type === "metric")) {
        for (const line of w.properties.metrics as Line[]) {
            const options = typeof line[line.length - 1] === "object" ? 1 : 0;
            const [namespace, name, ...pairs] = line.slice(0, line.length - options) as string[];
            const known = published[namespace]?.[name];
            if (!known) {
                problems.push(`${namespace} ${name} is not a published metric`);
                continue;
            }
            if (pairs.length % 2 !== 0) problems.push(`${name}: dimensions come in name, value pairs`);
            const names = pairs.filter((_, i) => i % 2 === 0);
            if (!known.some((set) => set.length === names.length && set.every((n) => names.includes(n)))) problems.push(`${name} is not published by ${names.join(", ")}`);
            if (pairs.some((p, i) => i % 2 === 1 && (typeof p !== "string" || p === ""))) problems.push(`${name}: an empty dimension value`);
        }
    }
    return problems;
}

/** What CloudWatch requires of a dashboard body's layout (CloudWatch API reference, "Dashboard Body Structure and Syntax"). */
function layoutProblems(body: ReturnType<typeof dashboardBody>): string[] {
    const problems: string[] = [];
    const cells = new Set<string>();
    for (const [i, w] of body.widgets.entries()) {
        if (!["metric", "text", "alarm", "log", "explorer"].includes(w.type)) problems.push(`widget ${i}: type ${w.type}`);
        if (w.width < 1 || w.width > 24 || w.x < 0 || w.x + w.width > 24) problems.push(`widget ${i}: outside the 24 columns`);
        if (w.height < 1 || w.height > 1000) problems.push(`widget ${i}: height ${w.height}`);
        if (w.type === "metric" && (typeof w.properties.region !== "string" || !Array.isArray(w.properties.metrics) || (w.properties.metrics as unknown[]).length === 0)) {
            problems.push(`widget ${i}: a metric widget needs its region and metrics`);
        }
        if (w.type === "alarm" && !Array.isArray(w.properties.alarms)) problems.push(`widget ${i}: an alarm widget needs its alarms`);
        if (w.type === "text" && typeof w.properties.markdown !== "string") problems.push(`widget ${i}: a text widget needs its markdown`);
        for (let x = w.x; x < w.x + w.width; x++) {
            for (let y = w.y; y < w.y + w.height; y++) {
                if (cells.has(`${x},${y}`)) problems.push(`widget ${i} overlaps another at ${x},${y}`);
                cells.add(`${x},${y}`);
            }
        }
    }
    return problems;
}

describe("the stack's dashboard", () => {
    it("names the load balancer and the target groups as CloudWatch's dimensions do", () => {
        assert.strictEqual(loadBalancerDimension(facts.listenerArns[0]), "app/webapp-dev/0123456789abcdef");
        assert.strictEqual(loadBalancerArnDimension(facts.targetGroups[0].loadBalancerArn!), "app/webapp-dev/0123456789abcdef");
        assert.strictEqual(targetGroupDimension(facts.targetGroups[0].targetGroupArn), "targetgroup/webapp-web/0123456789abcdef");
        assert.throws(() => loadBalancerDimension(arn("elasticloadbalancing", "loadbalancer/app/x/1")), /not the ARN of an Application Load Balancer's listener/);
        assert.throws(() => loadBalancerArnDimension(facts.listenerArns[0]), /not the ARN of an Application Load Balancer: /);
    });

    it("shows each jobnet's runs and duration against the expected one, the delays, the alarms and the web system, on metrics AWS publishes", () => {
        const body = dashboardBody(facts);
        assert.deepStrictEqual([metricProblems(body), layoutProblems(body)], [[], []]);
        const titles = body.widgets.map((w) => (w.properties.title as string | undefined) ?? w.type);
        assert.deepStrictEqual(titles, [
            "text",
            "stop jobnet: runs per day", "stop jobnet: duration (ms) against the expected 15 min",
            "start jobnet: runs per day", "start jobnet: duration (ms) against the expected 12 min",
            "Delays told (run watcher)", "Alarms",
            "Targets healthy / unhealthy", "ALB 5xx", "Database connections",
        ]);
        const duration = body.widgets[2].properties as { annotations: { horizontal: { value: number }[] }; metrics: Line[] };
        assert.deepStrictEqual([duration.annotations.horizontal[0].value, duration.metrics[0].slice(0, 4)], [900_000, ["AWS/States", "ExecutionTime", "StateMachineArn", facts.stateMachineArns.stop]]);
        assert.match(body.widgets[0].properties.markdown as string, /\[stop jobnet\]\(https:\/\/ap-northeast-1\.console\.aws\.amazon\.com\/states\/home\?region=ap-northeast-1#\/statemachines\/view\/arn%3Aaws%3Astates/);
        assert.deepStrictEqual(body.widgets[6].properties.alarms, facts.alarmArns);
    });

    it("gives each of the team's jobnets a row of its own, its runs and its duration against its expectedMinutes, its delay past it, a scheduled run its rules made due not started, and a job past its own expected duration", () => {
        const nightly = arn("states", "stateMachine:webapp-jobnet-dev-nightly-batch");
        const body = dashboardBody({ ...facts, stateMachineArns: { ...facts.stateMachineArns, "nightly-batch": nightly }, expectedSeconds: { ...facts.expectedSeconds, "nightly-batch": 5400 } });
        assert.deepStrictEqual([metricProblems(body), layoutProblems(body)], [[], []]);
        const rows = body.widgets.filter((w) => w.type === "metric" && /jobnet: /.test(w.properties.title as string)).map((w) => [w.y, w.x, w.width, w.properties.title]);
        assert.deepStrictEqual(rows, [
            [2, 0, 12, "stop jobnet: runs per day"], [2, 12, 12, "stop jobnet: duration (ms) against the expected 15 min"],
            [8, 0, 12, "start jobnet: runs per day"], [8, 12, 12, "start jobnet: duration (ms) against the expected 12 min"],
            [14, 0, 12, "nightly-batch jobnet: runs per day"], [14, 12, 12, "nightly-batch jobnet: duration (ms) against the expected 90 min"],
        ]);
        const duration = body.widgets.find((w) => w.properties.title === "nightly-batch jobnet: duration (ms) against the expected 90 min")!.properties as { annotations: { horizontal: { value: number }[] }; metrics: Line[] };
        assert.deepStrictEqual([duration.annotations.horizontal[0].value, duration.metrics[0].slice(0, 4)], [5_400_000, ["AWS/States", "ExecutionTime", "StateMachineArn", nightly]]);
        const runs = body.widgets.find((w) => w.properties.title === "nightly-batch jobnet: runs per day")!.properties.metrics as Line[];
        assert.deepStrictEqual(runs.map((l) => l.slice(1, 4)), ["ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"].map((m) => [m, "StateMachineArn", nightly]));
        const delays = body.widgets.find((w) => w.properties.title === "Delays told (run watcher)")!.properties.metrics as Line[];
        assert.deepStrictEqual(delays.map((l) => (l[l.length - 1] as { label: string }).label), [
            "stop: past expected duration", "stop: scheduled run not started",
            "start: past expected duration", "start: scheduled run not started",
            "nightly-batch: past expected duration", "nightly-batch: scheduled run not started", "nightly-batch: a job past its expected duration",
        ]);
        assert.match(body.widgets[0].properties.markdown as string, / · \[nightly-batch jobnet\]\(https:\/\/ap-northeast-1\.console\.aws\.amazon\.com\/states\/home\?region=ap-northeast-1#\/statemachines\/view\/arn%3Aaws%3Astates%3Aap-northeast-1%3A123456789012%3AstateMachine%3Awebapp-jobnet-dev-nightly-batch\)$/);
    });

    it("says which jobnet has no expected duration rather than draw a line at nothing", () => {
        assert.throws(() => dashboardBody({ ...facts, stateMachineArns: { ...facts.stateMachineArns, "nightly-batch": arn("states", "stateMachine:x") } }), /^Error: The dashboard has no expected duration for the nightly-batch jobnet$/);
    });

    it("leaves out what the system does not have: no load balancer, no database; an RDS instance by its own dimension", () => {
        const bare = dashboardBody({ ...facts, listenerArns: [], targetGroups: [], database: undefined });
        assert.strictEqual(bare.widgets.length, 7);
        const rds = dashboardBody({ ...facts, listenerArns: [], targetGroups: [], database: { kind: "instance", identifier: "shop-mysql" } });
        assert.deepStrictEqual(metricProblems(rds), []);
        assert.deepStrictEqual((rds.widgets[7].properties.metrics as Line[])[0].slice(0, 4), ["AWS/RDS", "DatabaseConnections", "DBInstanceIdentifier", "shop-mysql"]);
    });

    it("reads each target group's hosts on the load balancer it is attached to, and leaves out one attached to none", () => {
        const shop = arn("elasticloadbalancing", "loadbalancer/app/shop/1111111111111111");
        const admin = arn("elasticloadbalancing", "loadbalancer/app/admin/2222222222222222");
        const body = dashboardBody({
            ...facts,
            listenerArns: [`${shop.replace(":loadbalancer/", ":listener/")}/aaaaaaaaaaaaaaaa`, `${admin.replace(":loadbalancer/", ":listener/")}/bbbbbbbbbbbbbbbb`],
            targetGroups: [
                { targetGroupArn: arn("elasticloadbalancing", "targetgroup/shop-web/3333333333333333"), loadBalancerArn: shop },
                { targetGroupArn: arn("elasticloadbalancing", "targetgroup/admin-web/4444444444444444"), loadBalancerArn: admin },
                { targetGroupArn: arn("elasticloadbalancing", "targetgroup/spare/5555555555555555"), loadBalancerArn: undefined },
            ],
        });
        assert.deepStrictEqual(metricProblems(body), []);
        const pairs = (title: string) => (body.widgets.find((w) => w.properties.title === title)!.properties.metrics as Line[])
            .map((line) => line.filter((part) => typeof part === "string").slice(1).join(" "));
        assert.deepStrictEqual(pairs("Targets healthy / unhealthy"), [
            "HealthyHostCount TargetGroup targetgroup/shop-web/3333333333333333 LoadBalancer app/shop/1111111111111111",
            "UnHealthyHostCount TargetGroup targetgroup/shop-web/3333333333333333 LoadBalancer app/shop/1111111111111111",
            "HealthyHostCount TargetGroup targetgroup/admin-web/4444444444444444 LoadBalancer app/admin/2222222222222222",
            "UnHealthyHostCount TargetGroup targetgroup/admin-web/4444444444444444 LoadBalancer app/admin/2222222222222222",
        ]);
        assert.deepStrictEqual(pairs("ALB 5xx").map((p) => p.split(" ").pop()), ["app/shop/1111111111111111", "app/shop/1111111111111111", "app/admin/2222222222222222", "app/admin/2222222222222222"]);
        const unattached = dashboardBody({ ...facts, targetGroups: [{ ...facts.targetGroups[0], loadBalancerArn: undefined }] });
        assert.deepStrictEqual(unattached.widgets.slice(7).map((w) => w.properties.title), ["ALB 5xx", "Database connections"]);
    });

    it("is a checker that catches a metric AWS does not publish, or the wrong dimensions", () => {
        const body = dashboardBody(facts);
        (body.widgets[9].properties.metrics as Line[])[0][1] = "Connections";
        (body.widgets[8].properties.metrics as Line[])[0][2] = "TargetGroup";
        assert.deepStrictEqual(metricProblems(body), ["HTTPCode_ELB_5XX_Count is not published by TargetGroup", "AWS/RDS Connections is not a published metric"]);
    });

    it("is deployed by the dev stack with its own resources' names, under mocks", async function () {
        this.timeout(60_000);
        const { account, outputs } = await sharedRun("dev");
        const dashboard = account.one("aws:cloudwatch/dashboard:Dashboard");
        assert.deepStrictEqual([dashboard.inputs.dashboardName, outputs.dashboardName], ["webapp-jobnet-dev", "webapp-jobnet-dev"]);
        const body = JSON.parse(dashboard.inputs.dashboardBody) as ReturnType<typeof dashboardBody>;
        assert.deepStrictEqual([metricProblems(body), layoutProblems(body)], [[], []]);
        const widget = (title: string) => body.widgets.find((w) => w.properties.title === title)!;
        // The team's jobnets the dev stack deploys have a row each, against their expectedMinutes (jobnets/*.ts).
        const machines = Object.fromEntries(account.ofType("aws:sfn/stateMachine:StateMachine").map((m) => [m.inputs.name, m.state.arn]));
        assert.deepStrictEqual(body.widgets.filter((w) => /jobnet: duration/.test(w.properties.title as string)).map((w) => [w.properties.title, (w.properties.metrics as Line[])[0][3]]), [
            ["stop jobnet: duration (ms) against the expected 15 min", machines["webapp-jobnet-dev-stop"]],
            ["start jobnet: duration (ms) against the expected 12 min", machines["webapp-jobnet-dev-start"]],
            ["nightly-batch jobnet: duration (ms) against the expected 90 min", machines["webapp-jobnet-dev-nightly-batch"]],
            ["weekly-maintenance jobnet: duration (ms) against the expected 60 min", machines["webapp-jobnet-dev-weekly-maintenance"]],
            ["orders-arrival jobnet: duration (ms) against the expected 15 min", machines["webapp-jobnet-dev-orders-arrival"]],
            ["orders-report jobnet: duration (ms) against the expected 10 min", machines["webapp-jobnet-dev-orders-report"]],
        ]);
        const alarms = account.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.state.arn).sort();
        assert.deepStrictEqual([...(widget("Alarms").properties.alarms as string[])].sort(), alarms);
        const lb = account.one("aws:lb/loadBalancer:LoadBalancer");
        const fiveXx = widget("ALB 5xx").properties.metrics as Line[];
        assert.strictEqual(fiveXx[0][3], loadBalancerDimension(account.one("aws:lb/listener:Listener").state.arn));
        assert.ok(lb.state.arn.endsWith(fiveXx[0][3] as string));
        const tg = account.one("aws:lb/targetGroup:TargetGroup");
        assert.deepStrictEqual((widget("Targets healthy / unhealthy").properties.metrics as Line[])[0].slice(2, 6), ["TargetGroup", targetGroupDimension(tg.state.arn), "LoadBalancer", loadBalancerArnDimension(lb.state.arn)]);
        assert.strictEqual(JSON.stringify(body).length < 1_000_000, true);
    });

    it("pairs an existing system's target group with the load balancer AWS says it is attached to, under mocks", async function () {
        this.timeout(60_000);
        const { account } = await sharedRun("existing");
        const body = JSON.parse(account.one("aws:cloudwatch/dashboard:Dashboard").inputs.dashboardBody) as ReturnType<typeof dashboardBody>;
        // The example stack's target group, attached to the load balancer of its listener (scripts/lib/mockedCloud.ts).
        assert.deepStrictEqual((body.widgets.find((w) => w.properties.title === "Targets healthy / unhealthy")!.properties.metrics as Line[])[0].slice(2, 6), ["TargetGroup", "targetgroup/shop-web/0123456789abcdef", "LoadBalancer", "app/shop/0123456789abcdef"]);
    });
});
