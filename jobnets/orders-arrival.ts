import { defineJobnet } from "../statemachines/jobs";

/**
 * Orders from a partner: each CSV file the partner puts under `orders/` in the inbound bucket
 * starts one run, which waits for the partner's marker `<file>.done`, then checks the file and loads it. The run's input names the file
 * (`{ "trigger": "s3", "values": { "bucket", "key", "size", "etag" } }`). The bucket must send its
 * events to EventBridge (README, "Start conditions"). When it ends, orders-report runs.
 */
export default defineJobnet({
    name: "orders-arrival",
    description: "A partner's orders file arrived: check it, then load it",
    expectedMinutes: 15,
    timeoutMinutes: 60,
    startOn: [{ s3: { bucket: "webapp-jobnet-orders-inbound", prefix: "orders/", suffix: ".csv" } }],
    jobs: {
        // The partner puts a marker `<file>.done` once the whole batch is up: wait for it, up to 30 minutes.
        "wait-for-done-marker": { kind: "waitForFile", bucket: "webapp-jobnet-orders-inbound", key: "{{trigger.key}}.done", timeoutMinutes: 30 },
        "check-file": {
            kind: "command",
            after: ["wait-for-done-marker"],
            on: { group: "batch", servers: "one" },
            // The file that started the run, each value a single quoted word (handlers/jobValues.ts).
            command: "/opt/batch/bin/check-orders-file.sh {{trigger.bucket}} {{trigger.key}}",
            user: "batch",
            simulate: { seconds: 40, output: "check: 1,204 orders, checksum ok" },
        },
        "load-orders": {
            kind: "command",
            after: ["check-file"],
            on: { group: "db-client", servers: "one" },
            command: "/opt/batch/bin/load.sh partner-orders",
            user: "batch",
            end: { warningAbove: 0, abnormalAbove: 3 },
            simulate: { seconds: 180, output: "load: 1,204 rows loaded" },
        },
    },
});
