import { defineJobnet } from "../statemachines/jobs";

/** The report of a partner's orders: it starts after each run of orders-arrival that ended normally. */
export default defineJobnet({
    name: "orders-report",
    description: "Reports the orders a partner's file brought, after each successful load",
    expectedMinutes: 10,
    timeoutMinutes: 30,
    startOn: [{ jobnetEnded: { jobnet: "orders-arrival" } }],
    jobs: {
        report: {
            kind: "command",
            on: { group: "db-client", servers: "one" },
            command: "/opt/batch/bin/report.sh partner-orders",
            user: "batch",
            simulate: { seconds: 60, output: "report: written to /data/reports/partner-orders.html" },
        },
    },
});
