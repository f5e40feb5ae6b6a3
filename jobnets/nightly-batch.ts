import { defineJobnet } from "../statemachines/jobs";

/**
 * The nightly batch: extract orders and customers on the database client host, transform them on
 * every batch server, load them back (checking the count of orders the extract printed), then
 * report. A load that rejected rows (exit codes 1 to 3 end with a warning) is reported with its
 * rejects; either way the results are archived. A load that fails is rolled back by its recovery
 * job, and the run fails naming the load.
 */
export default defineJobnet({
    name: "nightly-batch",
    description: "Nightly batch: extract, transform on the batch servers, load, report and archive",
    expectedMinutes: 90,
    timeoutMinutes: 240,
    schedules: [{ every: "business-day", at: "01:30", timeZone: "Asia/Tokyo" }],
    jobs: {
        "extract-orders": {
            kind: "command",
            description: "Dumps yesterday's orders; exit code 75 means the database was busy: tried again",
            on: { group: "db-client", servers: "one" },
            command: "/opt/batch/bin/extract.sh orders",
            user: "batch",
            workingDirectory: "/opt/batch",
            environment: { BATCH_TABLE: "orders" },
            timeoutMinutes: 60,
            retry: { exitCodes: { from: 75, to: 75 }, times: 3, intervalMinutes: 2 },
            // It prints ORDER_COUNT=… : the load checks that it loaded as many.
            emits: ["ORDER_COUNT"],
            simulate: { seconds: 540, exitCode: 75, thenExitCodes: [0], output: "extract: 48,210 orders written to /data/out/orders.csv\nORDER_COUNT=48210" },
        },
        "extract-customers": {
            kind: "command",
            on: { group: "db-client", servers: "one" },
            command: "/opt/batch/bin/extract.sh customers",
            user: "batch",
            workingDirectory: "/opt/batch",
            environment: { BATCH_TABLE: "customers" },
            timeoutMinutes: 60,
            simulate: { seconds: 300, output: "extract: 9,877 customers written to /data/out/customers.csv" },
        },
        "transform-orders": {
            kind: "command",
            after: ["extract-orders"],
            on: { group: "batch" },
            command: "/opt/batch/bin/transform.sh orders",
            user: "batch",
            timeoutMinutes: 90,
            expectedMinutes: 30,   // the run watcher tells of it still running after 30 minutes, naming its servers
            simulate: { seconds: 900 },
        },
        "transform-customers": {
            kind: "command",
            after: ["extract-customers"],
            on: { group: "batch" },
            command: "/opt/batch/bin/transform.sh customers",
            user: "batch",
            timeoutMinutes: 90,
            simulate: { seconds: 420 },
        },
        load: {
            kind: "command",
            description: "Loads both; exit codes 1 to 3 say rows were rejected: a warning, not a failure",
            after: ["transform-orders", "transform-customers"],
            on: { group: "db-client", servers: "one" },
            command: "/opt/batch/bin/load.sh --expect-orders {{extract-orders.ORDER_COUNT}}",
            user: "batch",
            end: { warningAbove: 0, abnormalAbove: 3 },
            timeoutMinutes: 60,
            // A load that failed half-way is rolled back before anyone looks at it; the run still fails.
            recovery: { jobs: ["rollback-load"] },
            simulate: { seconds: 480, exitCode: 1, output: "load: 12 rows rejected, see /data/rejects/" },
        },
        "rollback-load": {
            kind: "command",
            description: "Runs only when the load ends abnormally: puts the tables back as they were before it",
            on: { group: "db-client", servers: "one" },
            command: "/opt/batch/bin/load.sh --rollback",
            user: "batch",
            simulate: { seconds: 150, output: "load: rolled back to the snapshot of 01:29" },
        },
        "rows-rejected": {
            kind: "judgment",
            after: ["load"],
            when: { from: 1, to: 3 },
            then: ["report-rejects"],
            else: ["report"],
        },
        "report-rejects": {
            kind: "command",
            on: { group: "batch", servers: "one" },
            command: "/opt/batch/bin/report.sh --with-rejects",
            user: "batch",
            simulate: { seconds: 120 },
        },
        report: {
            kind: "command",
            on: { group: "batch", servers: "one" },
            command: "/opt/batch/bin/report.sh",
            user: "batch",
            simulate: { seconds: 90 },
        },
        archive: {
            kind: "command",
            after: ["report-rejects", "report"],
            on: { group: "batch", servers: "one" },
            command: "tar -czf /data/archive/$(date +%F).tar.gz -C /data out rejects && rm -rf /data/out/*",
            simulate: { seconds: 60 },
        },
    },
});
