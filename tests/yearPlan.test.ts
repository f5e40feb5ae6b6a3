import * as assert from "assert";
import { sharedRun } from "./support/sharedRuns";
import { projectDir } from "../scripts/lib/runProgram";
import { readPlanFacts, scheduledJobnets } from "../scripts/lib/ops/plan";
import { planRuns, ruleCron } from "../handlers/scheduleRules";
import { teamScheduledInput } from "../infra/teamJobnets";
import { DeployedRule, checkCalendarPayload, startedRuns } from "./support/deployedSchedules";
import type { ScheduleRule } from "../statemachines/scheduleRules";

/**
 * The plan (`npm run ops -- plan`) against what the deployed rules would do: each EventBridge
 * Scheduler schedule the program declares fires by its cron in its time zone, and each firing's run
 * asks the deployed CheckCalendar step, with the very payload the definition gives it. The runs that
 * go ahead must be the plan's, date by date.
 */

async function deployedRules(): Promise<DeployedRule[]> {
    const { account } = await sharedRun("dev");
    const machines = account.resources.filter((r) => r.type === "aws:sfn/stateMachine:StateMachine");
    return account.resources
        .filter((r) => r.type === "aws:scheduler/schedule:Schedule" && /-(nightly-batch|weekly-maintenance)-\d+$/.test(r.inputs.name))
        .map((r) => {
            const jobnet = /-(nightly-batch|weekly-maintenance)-\d+$/.exec(r.inputs.name)![1];
            const machine = machines.find((m) => m.state.arn === r.inputs.target.arn)!;
            return { jobnet, expression: r.inputs.scheduleExpression, timeZone: r.inputs.scheduleExpressionTimezone, input: r.inputs.target.input, checkPayload: checkCalendarPayload(machine.inputs.definition) };
        });
}

const facts = readPlanFacts("dev", projectDir);
const planned = (jobnets: ReturnType<typeof scheduledJobnets>, from: string, days: number) => planRuns(jobnets, from, days, facts.timeZone).map((r) => `${r.jobnet} ${r.local}`);

describe("the year's plan against the deployed rules (dev stack, 2027)", () => {
    it("each example jobnet's deployed schedules start exactly the runs the plan lists, date by date", async function () {
        this.timeout(120_000);
        const rules = await deployedRules();
        assert.deepStrictEqual(rules.map((r) => r.jobnet), ["nightly-batch", "weekly-maintenance"]);
        const plan = planned(scheduledJobnets(facts), "2027-01-01", 365);
        const started: string[] = [];
        for (const rule of rules) started.push(...(await startedRuns(rule, "2027-01-01", "2027-12-31", facts.timeZone)));
        const of = (jobnet: string, runs: string[]) => runs.filter((r) => r.startsWith(`${jobnet} `));
        for (const jobnet of ["nightly-batch", "weekly-maintenance"]) assert.deepStrictEqual(of(jobnet, started), of(jobnet, plan), jobnet);
        // 261 weekdays in 2027 less the 16 Japanese holidays that fall on one; 52 Sundays, one of them moved off a holiday.
        assert.deepStrictEqual([of("nightly-batch", plan).length, of("weekly-maintenance", plan).length], [245, 52]);
        assert.ok(plan.includes("weekly-maintenance 2027-03-23 03:00"), "Sunday 21 March (Vernal Equinox) and Monday 22nd (its substitute holiday) move the run to Tuesday");
    });

    describe("substitute days across a month end and a holiday, on the stack's calendar", () => {
        const window = { from: "2026-12-01", to: "2027-12-31", days: 396 };
        const at = (dates: string[]) => dates.map((d) => `rule ${d} 01:30`);
        const check = async (rule: ScheduleRule) => {
            const nightly = (await deployedRules()).find((r) => r.jobnet === "nightly-batch")!;
            const deployed = { jobnet: "rule", expression: ruleCron(rule), timeZone: rule.timeZone, input: teamScheduledInput(rule), checkPayload: nightly.checkPayload };
            const started = await startedRuns(deployed, window.from, window.to, facts.timeZone);
            assert.deepStrictEqual(started, planned([{ jobnet: "rule", schedules: [rule], calendar: facts.calendar }], window.from, window.days));
            return started;
        };

        it("the 1st, or the previous open day: New Year's Day runs on 28 December, Saturday 1 May on Friday 30 April, Saturday 1 January 2028 on 31 December", async function () {
            this.timeout(120_000);
            const started = await check({ dayOfMonth: 1, at: "01:30", timeZone: "Asia/Tokyo", onClosedDay: "previous" });
            assert.deepStrictEqual(started, at([
                "2026-12-01", "2026-12-28", "2027-02-01", "2027-03-01", "2027-04-01", "2027-04-30", "2027-06-01",
                "2027-07-01", "2027-07-30", "2027-09-01", "2027-10-01", "2027-11-01", "2027-12-01", "2027-12-31",
            ]));
        });

        it("the last day, or the next open day: 31 December runs on 4 January (New Year's Day and the closed weekend between), 31 January on 1 February", async function () {
            this.timeout(120_000);
            const started = await check({ lastDayOfMonth: true, at: "01:30", timeZone: "Asia/Tokyo", onClosedDay: "next" });
            assert.deepStrictEqual(started, at([
                "2027-01-04", "2027-02-01", "2027-03-01", "2027-03-31", "2027-04-30", "2027-05-31", "2027-06-30",
                "2027-08-02", "2027-08-31", "2027-09-30", "2027-11-01", "2027-11-30", "2027-12-31",
            ]));
        });
    });
});
