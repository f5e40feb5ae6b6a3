import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { watcherMetrics } from "../handlers/runWatch";
import type { DatabaseKind } from "../statemachines/plan";
import { isTeamJobnet } from "./alerts";
import { AttachedTargetGroup, stateMachineConsoleUrl } from "./outputs";

/** Everything the dashboard shows, as plain values. */
export interface DashboardFacts {
    region: string;
    stack: string;
    /** Every jobnet of the stack, by name: stop and start, then the team's; a row each, in this order. */
    stateMachineArns: Record<string, string>;
    /** The expected duration of each (infra/alerts.ts, expectedSecondsByJobnet). */
    expectedSeconds: Record<string, number>;
    /** The listeners of the system's load balancers (none: no load balancer). */
    listenerArns: string[];
    /** Its target groups, each with the load balancer it is attached to. */
    targetGroups: AttachedTargetGroup[];
    database: { kind: DatabaseKind; identifier: string } | undefined;
    alarmArns: string[];
}

type MetricLine = (string | { stat?: string; label?: string; period?: number })[];

interface Widget {
    type: "metric" | "text" | "alarm";
    x: number;
    y: number;
    width: number;
    height: number;
    properties: Record<string, unknown>;
}

/** The load balancer of a listener, as CloudWatch's LoadBalancer dimension names it: app/<name>/<id>. */
export function loadBalancerDimension(listenerArn: string): string {
    const match = /:listener\/(app\/[^/]+\/[^/]+)\/[^/]+$/.exec(listenerArn);
    if (!match) throw new Error(`not the ARN of an Application Load Balancer's listener: ${listenerArn}`);
    return match[1];
}

/** A load balancer as CloudWatch's LoadBalancer dimension names it, from its own ARN: app/<name>/<id>. */
export function loadBalancerArnDimension(loadBalancerArn: string): string {
    const match = /:loadbalancer\/(app\/[^/]+\/[^/]+)$/.exec(loadBalancerArn);
    if (!match) throw new Error(`not the ARN of an Application Load Balancer: ${loadBalancerArn}`);
    return match[1];
}

/** A target group as CloudWatch's TargetGroup dimension names it: targetgroup/<name>/<id>. */
export function targetGroupDimension(targetGroupArn: string): string {
    const match = /:(targetgroup\/[^/]+\/[^/]+)$/.exec(targetGroupArn);
    if (!match) throw new Error(`not the ARN of a target group: ${targetGroupArn}`);
    return match[1];
}

const day = 86400;
const hour = 3600;

/**
 * The dashboard of one stack: each jobnet's recent runs and their duration against the expected
 * one, the watcher's delays, the alarms, and what of the web system matters to the jobnets
 * (healthy targets, ALB 5xx, database connections), with links to the state machines.
 * Widgets are laid out on CloudWatch's 24-column grid, top to bottom.
 */
export function dashboardBody(f: DashboardFacts): { widgets: Widget[] } {
    const widgets: Widget[] = [];
    let y = 0;
    const row = (height: number, ...cells: { width: number; widget: Omit<Widget, "x" | "y" | "width" | "height"> }[]) => {
        let x = 0;
        for (const c of cells) {
            widgets.push({ ...c.widget, x, y, width: c.width, height });
            x += c.width;
        }
        y += height;
    };
    const metric = (title: string, metrics: MetricLine[], extra: Record<string, unknown> = {}) => ({
        type: "metric" as const,
        properties: { title, region: f.region, view: "timeSeries", stacked: false, metrics, ...extra },
    });
    const jobnets = Object.keys(f.stateMachineArns);

    const links = jobnets.map((j) => `[${j} jobnet](${stateMachineConsoleUrl(f.stateMachineArns[j])})`).join(" · ");
    row(2, { width: 24, widget: { type: "text", properties: { markdown: `# webapp-jobnet ${f.stack}\nState machines: ${links}` } } });

    // A row per jobnet: its runs, and their duration against its expected one (ExecutionTime is in milliseconds).
    for (const j of jobnets) {
        const arn = f.stateMachineArns[j];
        const expected = f.expectedSeconds[j];
        if (expected === undefined) throw new Error(`The dashboard has no expected duration for the ${j} jobnet`);
        row(6,
            {
                width: 12,
                widget: metric(`${j} jobnet: runs per day`, [
                    ["AWS/States", "ExecutionsStarted", "StateMachineArn", arn, { stat: "Sum", label: "started" }],
                    ["AWS/States", "ExecutionsSucceeded", "StateMachineArn", arn, { stat: "Sum", label: "succeeded" }],
                    ["AWS/States", "ExecutionsFailed", "StateMachineArn", arn, { stat: "Sum", label: "failed" }],
                    ["AWS/States", "ExecutionsTimedOut", "StateMachineArn", arn, { stat: "Sum", label: "timed out" }],
                    ["AWS/States", "ExecutionsAborted", "StateMachineArn", arn, { stat: "Sum", label: "aborted" }],
                ], { view: "bar", period: day }),
            },
            {
                width: 12,
                widget: metric(`${j} jobnet: duration (ms) against the expected ${expected / 60} min`, [
                    ["AWS/States", "ExecutionTime", "StateMachineArn", arn, { stat: "Maximum", label: "longest run" }],
                ], { period: hour, annotations: { horizontal: [{ label: "expected", value: expected * 1000 }] }, yAxis: { left: { min: 0 } } }),
            },
        );
    }

    row(6,
        {
            width: 12,
            // Every jobnet may miss a scheduled start (stop and start by their schedules, the team's by their rules:
            // the watcher puts 0 for one without); a team's may have a job past its expectedMinutes.
            widget: metric("Delays told (run watcher)", jobnets.flatMap((j): MetricLine[] => [
                [watcherMetrics.namespace, watcherMetrics.endDelayed, "Stack", f.stack, "Jobnet", j, { stat: "Sum", label: `${j}: past expected duration` }],
                [watcherMetrics.namespace, watcherMetrics.startMissed, "Stack", f.stack, "Jobnet", j, { stat: "Sum", label: `${j}: scheduled run not started` }],
                ...(isTeamJobnet(j) ? [[watcherMetrics.namespace, watcherMetrics.jobEndDelayed, "Stack", f.stack, "Jobnet", j, { stat: "Sum", label: `${j}: a job past its expected duration` }] as MetricLine] : []),
            ]), { view: "bar", period: hour }),
        },
        { width: 12, widget: { type: "alarm", properties: { title: "Alarms", alarms: f.alarmArns, sortBy: "stateUpdatedTimestamp" } } },
    );

    const web: { width: number; widget: Omit<Widget, "x" | "y" | "width" | "height"> }[] = [];
    // Each target group by the load balancer it is attached to: CloudWatch publishes its host counts for that pair only.
    const attached = f.targetGroups.filter((g): g is AttachedTargetGroup & { loadBalancerArn: string } => g.loadBalancerArn !== undefined);
    if (attached.length > 0) {
        web.push({
            width: 8,
            widget: metric("Targets healthy / unhealthy", attached.flatMap((g): MetricLine[] => {
                const dimensions = ["TargetGroup", targetGroupDimension(g.targetGroupArn), "LoadBalancer", loadBalancerArnDimension(g.loadBalancerArn)];
                const name = targetGroupDimension(g.targetGroupArn).split("/")[1];
                return [
                    ["AWS/ApplicationELB", "HealthyHostCount", ...dimensions, { stat: "Minimum", label: `${name} healthy` }],
                    ["AWS/ApplicationELB", "UnHealthyHostCount", ...dimensions, { stat: "Maximum", label: `${name} unhealthy` }],
                ];
            }), { period: 60 }),
        });
    }
    const loadBalancers = [...new Set(f.listenerArns.map(loadBalancerDimension))];
    if (loadBalancers.length > 0) {
        web.push({
            width: 8,
            widget: metric("ALB 5xx", loadBalancers.flatMap((l): MetricLine[] => [
                ["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "LoadBalancer", l, { stat: "Sum", label: "from the load balancer (the maintenance page's 503 among them)" }],
                ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", l, { stat: "Sum", label: "from the web servers" }],
            ]), { period: 300 }),
        });
    }
    if (f.database) {
        const dimension = f.database.kind === "cluster" ? "DBClusterIdentifier" : "DBInstanceIdentifier";
        web.push({
            width: 8,
            widget: metric("Database connections", [["AWS/RDS", "DatabaseConnections", dimension, f.database.identifier, { stat: "Maximum", label: f.database.identifier }]], { period: 300 }),
        });
    }
    if (web.length > 0) row(6, ...web);
    return { widgets };
}

export interface OperationsDashboardArgs {
    namePrefix: string;
    facts: pulumi.Input<DashboardFacts>;
}

/** The stack's CloudWatch dashboard, named after the stack. */
export class OperationsDashboard extends pulumi.ComponentResource {
    readonly dashboardName: pulumi.Output<string>;

    constructor(name: string, args: OperationsDashboardArgs, opts?: pulumi.ComponentResourceOptions) {
        super("webapp-jobnet:operations:Dashboard", name, {}, opts);
        const dashboard = new aws.cloudwatch.Dashboard(name, {
            dashboardName: args.namePrefix,
            dashboardBody: pulumi.output(args.facts).apply((facts) => JSON.stringify(dashboardBody(facts as DashboardFacts))),
        }, { parent: this });
        this.dashboardName = dashboard.dashboardName;
        this.registerOutputs({ dashboardName: this.dashboardName });
    }
}
