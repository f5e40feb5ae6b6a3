import { defineJobnet } from "../statemachines/jobs";

/**
 * Weekly maintenance: the web system is stopped by its own stop jobnet (maintenance page, httpd,
 * servers and database backed up), the database host and the batch servers are tidied while
 * nothing uses them, then, once an operator has released it, the start jobnet brings the system back.
 */
export default defineJobnet({
    name: "weekly-maintenance",
    description: "Weekly maintenance: stop the web system, tidy the batch hosts, start the web system",
    expectedMinutes: 60,
    // Room for its waits: up to 2 hours for the nightly batch to end, an hour's hold, then the work.
    timeoutMinutes: 240,
    schedules: [{ weekdays: ["sun"], at: "03:00", timeZone: "Asia/Tokyo", onClosedDay: "next" }],
    // Its window is the weekend, which the stack's calendar closes: a calendar of its own, closed on
    // national holidays only, so that a Sunday that is a holiday moves to the next open day.
    calendar: { country: "JP" },
    // Not while the nightly batch runs (it reads the database the stop backs up and stops): wait up
    // to two hours for it to end. The nightly batch is kept from starting while this one runs, too.
    notWith: { jobnets: ["nightly-batch"], wait: { maxMinutes: 120 } },
    jobs: {
        "stop-system": { kind: "jobnet", jobnet: "stop" },
        "rotate-batch-logs": {
            kind: "command",
            after: ["stop-system"],
            on: { group: "batch" },
            command: "logrotate --force /etc/logrotate.d/batch",
            simulate: { seconds: 20 },
        },
        "purge-old-archives": {
            kind: "command",
            after: ["stop-system"],
            on: { group: "batch", servers: "one" },
            command: "find /data/archive -name '*.tar.gz' -mtime +35 -delete",
            simulate: { seconds: 45 },
        },
        "vacuum-exports": {
            kind: "command",
            after: ["stop-system"],
            on: { group: "db-client", servers: "one" },
            command: "/opt/batch/bin/cleanup-exports.sh --older-than 14d",
            user: "batch",
            simulate: { seconds: 120 },
        },
        "start-system": {
            kind: "jobnet",
            jobnet: "start",
            after: ["rotate-batch-logs", "purge-old-archives", "vacuum-exports"],
            // An operator checks the maintenance before the system opens again: npm run ops -- release weekly-maintenance start-system.
            hold: { maxMinutes: 60 },
        },
    },
});
