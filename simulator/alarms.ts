import type { SimMetricDatum } from "./account";

/** What CloudWatch judges an alarm by, as a MetricAlarm declares it (aws.cloudwatch.MetricAlarm's inputs). */
export interface DeclaredAlarm {
    namespace: string;
    metricName: string;
    dimensions: Record<string, string>;
    statistic: "Sum";
    period: number;
    evaluationPeriods: number;
    threshold: number;
    comparisonOperator: "GreaterThanOrEqualToThreshold" | "LessThanThreshold";
    treatMissingData: "breaching" | "notBreaching";
}

/**
 * The state of an alarm at `atMs`, from the data points the account was given: its last
 * `evaluationPeriods` whole periods, each the Sum of the points of exactly its metric (namespace,
 * name and every dimension: CloudWatch User Guide, "Dimensions": a metric is the combination of
 * them) or, with none, breaching or not as `treatMissingData` says. ALARM when every period breaches.
 * Periods start at multiples of the period since the epoch, as CloudWatch's do.
 */
export function alarmStateAt(alarm: DeclaredAlarm, metrics: readonly SimMetricDatum[], atMs: number): "ALARM" | "OK" {
    const periodMs = alarm.period * 1000;
    const lastEnd = Math.floor(atMs / periodMs) * periodMs;
    const sameDimensions = (d: Record<string, string>) =>
        Object.keys(d).length === Object.keys(alarm.dimensions).length && Object.entries(alarm.dimensions).every(([k, v]) => d[k] === v);
    const points = metrics.filter((m) => m.namespace === alarm.namespace && m.name === alarm.metricName && sameDimensions(m.dimensions));
    const breaches = Array.from({ length: alarm.evaluationPeriods }, (_, i) => {
        const start = lastEnd - (i + 1) * periodMs;
        const inPeriod = points.filter((p) => p.at >= start && p.at < start + periodMs);
        if (inPeriod.length === 0) return alarm.treatMissingData === "breaching";
        const sum = inPeriod.reduce((total, p) => total + p.value, 0);
        return alarm.comparisonOperator === "LessThanThreshold" ? sum < alarm.threshold : sum >= alarm.threshold;
    });
    return breaches.every(Boolean) ? "ALARM" : "OK";
}
