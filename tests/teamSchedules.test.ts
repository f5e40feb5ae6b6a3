import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { projectDir, runProgram } from "../scripts/lib/runProgram";
import { sharedRun } from "./support/sharedRuns";
import { allStates } from "../statemachines/asl";
import { teamJobnet } from "../statemachines/teamJobnet";
import { parseConfig } from "../infra/config";
import { teamJobnets } from "../jobnets";

const readProjectFile = (file: string) => (fs.existsSync(path.join(projectDir, file)) ? fs.readFileSync(path.join(projectDir, file), "utf8") : undefined);
const scheduleType = "aws:scheduler/schedule:Schedule";
const teamSchedules = (resources: { type: string; inputs: any }[]) => resources.filter((r) => r.type === scheduleType && /-(nightly-batch|weekly-maintenance)-\d+$/.test(r.inputs.name));

describe("the team's jobnets' schedule rules, deployed", () => {
    it("makes one EventBridge Scheduler schedule per rule, firing daily or on the rule's own days, whose run carries the rule", async function () {
        this.timeout(120_000);
        const { account } = await sharedRun("dev");
        const schedules = teamSchedules(account.resources).map((r) => ({
            name: r.inputs.name,
            expression: r.inputs.scheduleExpression,
            timeZone: r.inputs.scheduleExpressionTimezone,
            state: r.inputs.state,
            input: JSON.parse(r.inputs.target.input),
        }));
        assert.deepStrictEqual(schedules, [
            {
                name: "webapp-jobnet-dev-nightly-batch-1",
                expression: "cron(30 1 * * ? *)",
                timeZone: "Asia/Tokyo",
                state: "ENABLED",
                input: { trigger: "schedule", scheduledTime: "<aws.scheduler.scheduled-time>", rule: { every: "business-day", at: "01:30", timeZone: "Asia/Tokyo" } },
            },
            {
                name: "webapp-jobnet-dev-weekly-maintenance-1",
                // Next open day: the run may fall on any day after a closed Sunday.
                expression: "cron(0 3 * * ? *)",
                timeZone: "Asia/Tokyo",
                state: "ENABLED",
                input: { trigger: "schedule", scheduledTime: "<aws.scheduler.scheduled-time>", rule: { weekdays: ["sun"], at: "03:00", timeZone: "Asia/Tokyo", onClosedDay: "next" } },
            },
        ]);
    });

    it("starts through a role that may start that jobnet only", async function () {
        this.timeout(120_000);
        const { account } = await sharedRun("dev");
        const schedule = teamSchedules(account.resources).find((r) => r.inputs.name.endsWith("-nightly-batch-1"))!;
        const role = account.resources.find((r) => r.type === "aws:iam/role:Role" && r.state.arn === schedule.inputs.target.roleArn)!;
        const policy = account.resources.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.inputs.role === role.id)!;
        assert.deepStrictEqual(JSON.parse(policy.inputs.policy).Statement, [{ Effect: "Allow", Action: ["states:StartExecution"], Resource: schedule.inputs.target.arn }]);
        assert.match(schedule.inputs.target.arn, /:stateMachine:webapp-jobnet-dev-nightly-batch$/);
    });

    it("pauses a jobnet's rules with jobnetSchedules.<jobnet>.enabled false, and names an unknown jobnet there", async function () {
        this.timeout(120_000);
        const { account } = await runProgram("dev", { "webapp-jobnet:jobnetSchedules": JSON.stringify({ "nightly-batch": { enabled: false } }) });
        assert.deepStrictEqual(teamSchedules(account.resources).map((r) => [r.inputs.name, r.inputs.state]), [
            ["webapp-jobnet-dev-nightly-batch-1", "DISABLED"],
            ["webapp-jobnet-dev-weekly-maintenance-1", "ENABLED"],
        ]);
        const config = { "aws:region": "ap-northeast-1", "webapp-jobnet:jobnetSchedules": JSON.stringify({ "nightly-bach": { enabled: false } }) };
        assert.throws(() => parseConfig(config, readProjectFile), (e: Error) => e.message.includes("webapp-jobnet:jobnetSchedules.nightly-bach") && e.message.includes("did you mean nightly-batch?"));
        const bad = { "aws:region": "ap-northeast-1", "webapp-jobnet:jobnetSchedules": JSON.stringify({ "nightly-batch": { enabled: "no" } }) };
        assert.throws(() => parseConfig(bad, readProjectFile), (e: Error) => e.message.includes('jobnet nightly-batch as {"enabled": true} or {"enabled": false}'));
    });

    it("a jobnet with rules hands its run's input, which carries the rule, to the calendar check", () => {
        const nightly = teamJobnets.find((d) => d.name === "nightly-batch")!;
        const plan = {
            jobnet: nightly,
            functionArns: Object.fromEntries(["checkCalendar", "takeRunLock", "beginJobs", "awaitJob", "holdJob", "startJob"].map((f) => [f, `arn:aws:lambda:ap-northeast-1:123456789012:function:${f}`])),
            calendar: { country: "JP", closedDates: [], openDates: [], timeZone: "Asia/Tokyo" },
            runLock: { tableName: "t", lockKey: "k" },
            groups: { batch: { tag: { key: "Role", value: "batch" } }, "db-client": { instanceIds: ["i-0d6b2c4e8f1a30001"] } },
            jobnets: {},
            logGroupName: "g",
            commandMarker: "# m",
        };
        type Check = { Parameters: { Payload: Record<string, unknown> } };
        const payload = (jobnet: typeof nightly) => (Object.fromEntries(allStates(teamJobnet({ ...plan, jobnet } as unknown as Parameters<typeof teamJobnet>[0]).States)).CheckCalendar as unknown as Check).Parameters.Payload;
        const checked = (jobnet: typeof nightly) => Object.fromEntries(Object.entries(payload(jobnet)).filter(([k]) => k !== "redrive" && k !== "step"));
        assert.deepStrictEqual(checked(nightly), { country: "JP", closedDates: [], openDates: [], timeZone: "Asia/Tokyo", "scheduledTime.$": "$.scheduledTime", "scheduledRun.$": "$" });
        assert.deepStrictEqual(checked({ ...nightly, schedules: undefined }), { country: "JP", closedDates: [], openDates: [], timeZone: "Asia/Tokyo", "scheduledTime.$": "$.scheduledTime" });
    });
});
