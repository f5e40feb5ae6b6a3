/**
 * The CloudWatch agent configuration of the web servers, kept in SSM Parameter Store.
 * AL2023 has no collectd package, so the agent collects no collectd metrics.
 */

/** The log files the agent ships, each to its own log group. */
export const shippedLogFiles = ["/var/log/messages", "/var/log/httpd/access_log", "/var/log/httpd/error_log"] as const;
export type ShippedLogFile = (typeof shippedLogFiles)[number];

const every60s = { metrics_collection_interval: 60 };

export function cloudWatchAgentConfig(logGroupOf: (file: ShippedLogFile) => string): object {
    return {
        agent: { ...every60s, run_as_user: "root" },
        logs: {
            logs_collected: {
                files: {
                    collect_list: shippedLogFiles.map((file) => ({
                        file_path: file,
                        log_group_name: logGroupOf(file),
                        log_stream_name: "{instance_id}",
                    })),
                },
            },
        },
        metrics: {
            append_dimensions: {
                ImageId: "${aws:ImageId}",
                InstanceId: "${aws:InstanceId}",
                InstanceType: "${aws:InstanceType}",
            },
            metrics_collected: {
                cpu: {
                    ...every60s,
                    measurement: ["cpu_usage_idle", "cpu_usage_iowait", "cpu_usage_user", "cpu_usage_system"],
                    resources: ["*"],
                    totalcpu: false,
                },
                disk: { ...every60s, measurement: ["used_percent", "inodes_free"], resources: ["*"] },
                diskio: { ...every60s, measurement: ["io_time", "write_bytes", "read_bytes", "writes", "reads"], resources: ["*"] },
                mem: { ...every60s, measurement: ["mem_used_percent"] },
                netstat: { ...every60s, measurement: ["tcp_established", "tcp_time_wait"] },
                swap: { ...every60s, measurement: ["swap_used_percent"] },
                statsd: { metrics_aggregation_interval: 60, metrics_collection_interval: 10, service_address: ":8125" },
            },
        },
    };
}
