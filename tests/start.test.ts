import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { UsageError } from "../scripts/lib/commandLine";
import { parseStartOptions, scheduledInput } from "../scripts/lib/startOptions";
import { projectDir } from "../scripts/lib/runProgram";
import { SynthResult } from "../scripts/lib/synthesize";
import { FaultSpecError, faultKinds, parseFaults } from "../simulator/faults";
import { readableCause } from "../handlers/causes";
import { simulate } from "../simulator/simulate";
import { RunReport } from "../simulator/run";
import { Timeline, describe as describeResult, describeScript, fitToColumns, formatDuration, progressLine, summaryTable, table, wrapWords } from "../simulator/timeline";
import { toDot } from "../statemachines/diagram";
import { taskFunctionNames } from "../statemachines/plan";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../infra/config";
import { isConfigError, optionsKeptByNpm, outputColumns, parseCommandLine, requireWritableFile } from "../scripts/lib/commandLine";
import { stackFile, stackNames } from "../scripts/lib/stacks";
import { runCli } from "./support/cli";
import { withStackFiles } from "./support/stackFiles";
import { sharedSynthesis } from "./support/sharedRuns";
import { screen } from "./support/terminal";
import { markdownTableRows, quotePattern } from "./support/documentedCommands";

const context = { servers: ["web-1", "web-2"], database: { kind: "cluster" as const, identifier: "webapp-jobnet-dev" }, tasks: taskFunctionNames, steps: ["DescribeWebServers", "StopInstances"] };

describe("npm start options", () => {
    it("default to both jobnets of the dev stack on a running system", () => {
        assert.deepStrictEqual(parseStartOptions([]), { stack: "dev", jobnets: ["stop", "start"], servers: undefined, faults: [], initial: "running", scheduled: false, date: undefined, redrive: false, json: undefined, report: undefined, releases: {}, arrivals: [], events: [], help: false });
    });

    it("start a lone start jobnet from a stopped system, and take every option", () => {
        assert.deepStrictEqual(
            parseStartOptions(["--stack", "prod", "--jobnet", "start", "--servers", "20", "--fail", "health:never", "--fail", "throttle:startInstances", "--json", "run.json"]),
            { stack: "prod", jobnets: ["start"], servers: 20, faults: ["health:never", "throttle:startInstances"], initial: "stopped", scheduled: false, date: undefined, redrive: false, json: "run.json", report: undefined, releases: {}, arrivals: [], events: [], help: false },
        );
        assert.strictEqual(parseStartOptions(["--jobnet", "start", "--initial", "running"]).initial, "running");
    });

    it("take --name=value as --name value", () => {
        assert.deepStrictEqual(
            parseStartOptions(["--stack=prod", "--jobnet=start", "--servers=20", "--fail=health:never", "--fail=throttle:startInstances", "--initial=running", "--json=run.json"]),
            { stack: "prod", jobnets: ["start"], servers: 20, faults: ["health:never", "throttle:startInstances"], initial: "running", scheduled: false, date: undefined, redrive: false, json: "run.json", report: undefined, releases: {}, arrivals: [], events: [], help: false },
        );
    });

    it("put a file in a bucket at a simulated minute with --arrive, at minute 0 unless given", () => {
        assert.deepStrictEqual(parseStartOptions(["--jobnet", "orders-arrival", "--arrive", "s3://orders-in/daily/a.csv@7.5", "--arrive", "s3://orders-in/b.csv"]).arrivals, [
            { bucket: "orders-in", key: "daily/a.csv", size: 1024, atSeconds: 450 },
            { bucket: "orders-in", key: "b.csv", size: 1024, atSeconds: 0 },
        ]);
    });

    it("run as the schedule starts a run with --scheduled, or when a duplicate delivery is injected", () => {
        assert.strictEqual(parseStartOptions(["--scheduled"]).scheduled, true);
        // A day to run on is a scheduled run; a team jobnet's held job is released when told.
        assert.deepStrictEqual([parseStartOptions(["--date", "2027-05-04"]).scheduled, parseStartOptions(["--date", "2027-05-04"]).date], [true, "2027-05-04"]);
        assert.throws(() => parseStartOptions(["--date", "2027-02-30"]), (e: Error) => e instanceof UsageError && e.message === '--date "2027-02-30": expected a day YYYY-MM-DD that exists');
        assert.deepStrictEqual(parseStartOptions(["--jobnet", "weekly-maintenance", "--release", "start-system@25"]).releases, { "start-system": 25 });
        assert.throws(() => parseStartOptions(["--jobnet", "stop", "--release", "start-system@25"]), (e: Error) => e instanceof UsageError && e.message === "--release start-system@25: only a team jobnet's jobs are held; --jobnet names one");
        assert.throws(() => parseStartOptions(["--jobnet", "weekly-maintenance", "--release", "start-system"]), /expected JOB@MINUTES/);
        assert.strictEqual(parseStartOptions(["--fail", "duplicate:later"]).scheduled, true);
        assert.strictEqual(parseStartOptions(["--fail", "other-run:stop"]).scheduled, false);
        assert.deepStrictEqual(scheduledInput, { trigger: "schedule", scheduledTime: "2026-11-30T13:00:00Z" });
    });

    const bad: [string[], string][] = [
        [["--jobnet", "Restart"], '--jobnet "Restart": expected stop, start, both or the name of a team jobnet the stack deploys'],
        [["--servers", "0"], '--servers "0": expected a whole number from 1 to 500'],
        [["--servers=501"], '--servers "501": expected a whole number from 1 to 500'],
        [["--initial", "paused"], '--initial "paused": expected running or stopped'],
        [["--stack"], "--stack needs a value"],
        [["--stack", "../prod"], '--stack "../prod": a stack name is letters, digits, "-", "_" and "."'],
        [["--fail", "--json", "x"], "--fail needs a value"],
        [["--scheduled=yes"], "--scheduled takes no value"],
        [["stop"], 'unexpected argument "stop"; options start with --'],
        [["--verbose"], 'unknown option "--verbose"; the options are --stack, --jobnet, --servers, --fail, --initial, --scheduled, --date, --redrive, --json, --report, --release, --arrive, --event and --help'],
        [["--arrive", "s3://b"], '--arrive "s3://b": the form is s3://BUCKET/KEY[@MIN], the minute of simulated time the object arrives at'],
        [["--jobnet", "stop", "--arrive", "s3://orders-in/a.csv"], "--arrive: it starts a team jobnet by its start condition; stop and start have none (--jobnet NAME)"],
    ];
    for (const [argv, message] of bad) {
        it(`refuse ${argv.join(" ")} in one line that names it`, () => {
            assert.throws(() => parseStartOptions(argv), (e: Error) => e instanceof UsageError && e.message === message);
        });
    }

    it("refuse a fault that none of the jobnets being run can meet", () => {
        assert.throws(() => parseStartOptions(["--jobnet", "stop", "--fail", "health:never"]), (e: Error) => e instanceof FaultSpecError &&
            e.message === '--fail "health:never": it can only happen in the start jobnet, and the stop jobnet is run; the form is health:never|SERVER');
        assert.throws(() => parseStartOptions(["--jobnet", "start", "--fail", "backup:web-1"]), (e: Error) => e instanceof FaultSpecError &&
            e.message === '--fail "backup:web-1": it can only happen in the stop jobnet, and the start jobnet is run; the form is backup:SERVER|cluster[:TIMES]');
        assert.deepStrictEqual(parseStartOptions(["--fail", "health:never", "--fail", "backup:web-1"]).faults, ["health:never", "backup:web-1"]);
        assert.deepStrictEqual(parseStartOptions(["--jobnet", "start", "--fail", "check:web-1"]).faults, ["check:web-1"]);
    });

    it("refuse a fault that cannot take effect in the run asked for, saying in which run it would", () => {
        const refused = (argv: string[]) => {
            try {
                parseStartOptions(argv);
            } catch (e) {
                return e instanceof FaultSpecError ? e.message : String(e);
            }
            return "taken";
        };
        assert.strictEqual(refused(["--jobnet", "stop", "--fail", "backup-expired:web-1"]),
            '--fail "backup-expired:web-1": it takes effect only when the stop jobnet finds the system stopped (--initial stopped), and this run\'s stop finds it running; the form is backup-expired:SERVER');
        assert.strictEqual(refused(["--jobnet", "stop", "--initial", "stopped", "--fail", "backup-expired:web-1", "--fail", "stopped-for:40"]), "taken");
        assert.strictEqual(refused(["--jobnet", "stop", "--initial", "stopped", "--fail", "httpd-stop:web-1"]),
            '--fail "httpd-stop:web-1": it takes effect only when the stop jobnet stops web-1 (--initial running, or state:web-1:running), and this run\'s stop finds it stopped; the form is httpd-stop:SERVER');
        assert.strictEqual(refused(["--jobnet", "stop", "--fail", "stuck-stopping:web-2", "--fail", "state:web-2:stopped"]),
            '--fail "stuck-stopping:web-2": it takes effect only when the stop jobnet stops web-2 (--initial running, or state:web-2:running), and this run\'s stop finds it stopped; the form is stuck-stopping:SERVER');
        assert.strictEqual(refused(["--jobnet", "start", "--initial", "running", "--fail", "db-kms"]),
            '--fail "db-kms": it takes effect only when the start jobnet starts the system (--initial stopped), and this run\'s start finds the system running; the form is db-kms');
        assert.strictEqual(refused(["--jobnet", "stop", "--initial", "stopped", "--fail", "backup:cluster"]),
            '--fail "backup:cluster": it takes effect only when the stop jobnet stops the system (--initial running), and this run\'s stop finds the system stopped; the form is backup:SERVER|cluster[:TIMES]');
        // The stop backs up again a server whose AMI expired, stopped as it is; not the others.
        assert.strictEqual(refused(["--jobnet", "stop", "--initial", "stopped", "--fail", "backup-expired:web-1", "--fail", "backup:web-1"]), "taken");
        assert.match(refused(["--jobnet", "stop", "--initial", "stopped", "--fail", "backup-expired:web-1", "--fail", "backup:web-2"]), /^--fail "backup:web-2": it takes effect only when the stop jobnet stops web-2 /);
        // The start that follows the stop finds every server stopped, whatever the system was.
        assert.strictEqual(refused(["--initial", "stopped", "--fail", "capacity:web-1", "--fail", "ec2-refuses:web-2:UnauthorizedOperation"]), "taken");
        assert.strictEqual(refused(["--jobnet", "start", "--fail", "state:web-1:running", "--fail", "agent-late:web-1:never"]), "taken");
        assert.match(refused(["--jobnet", "start", "--fail", "state:web-1:running", "--fail", "agent-late:web-1"]), /^--fail "agent-late:web-1": it takes effect only when the start jobnet starts web-1 \(--initial stopped, or state:web-1:stopped\), and this run's start finds it running;/);
        // A server left stopping or pending is not judged: the jobnet waits for it, then acts.
        assert.strictEqual(refused(["--jobnet", "stop", "--initial", "stopped", "--fail", "state:web-1:pending", "--fail", "httpd-stop:web-1"]), "taken");
    });

    it("explain an option npm kept for itself (npm start --servers 5, without --)", () => {
        // npm 11 sets npm_config_servers=true and passes only "5" on; --stack=prod arrives whole.
        assert.throws(() => parseStartOptions(["5"], { npm_config_servers: "true" }), (e: Error) => e instanceof UsageError &&
            e.message === "npm took --servers for itself, so npm start did not get it: put the options after --, as in npm start -- --servers 5");
        assert.throws(() => parseStartOptions([], { npm_config_stack: "prod", npm_config_scheduled: "true" }), (e: Error) => e instanceof UsageError &&
            e.message === "npm took --stack, --scheduled for itself, so npm start did not get them: put the options after --, as in npm start -- --stack prod --scheduled");
        // An .npmrc's yes=false, or npm's own settings, are not ours.
        assert.strictEqual(parseStartOptions([], { npm_config_yes: "", npm_config_audit: "", npm_config_user_agent: "npm/11" }).stack, "dev");
    });
});

describe("the command lines' shared parts", () => {
    it("parse with util.parseArgs: --name=value, repeated options, -h, and each of its errors in one line", () => {
        const options = { stack: { type: "string" }, fail: { type: "string", multiple: true }, help: { type: "boolean", short: "h" } } as const;
        const parse = (args: string[]) => parseCommandLine("npm run x", { args, options }, {}).values;
        assert.deepStrictEqual({ ...parse(["--stack=prod", "--fail", "a", "--fail=b", "-h"]) }, { stack: "prod", fail: ["a", "b"], help: true });
        const refused = (args: string[]) => {
            try {
                parse(args);
            } catch (e) {
                assert.ok(e instanceof UsageError);
                return e.message;
            }
            return "accepted";
        };
        assert.deepStrictEqual(
            [refused(["--stak", "prod"]), refused(["--stack"]), refused(["--help=yes"]), refused(["prod"])],
            ['unknown option "--stak"; the options are --stack, --fail and --help', "--stack needs a value", "--help takes no value", 'unexpected argument "prod"; options start with --'],
        );
    });

    it("explain a --no-x option npm kept, in a command with positional arguments", () => {
        const options = { stack: { type: "string" }, "no-wait": { type: "boolean" } } as const;
        assert.strictEqual(
            optionsKeptByNpm("npm run ops", { args: ["run", "stop", "prod"], options, allowPositionals: true }, { npm_config_wait: "", npm_config_stack: "true" })?.message,
            "npm took --stack, --no-wait for itself, so npm run ops did not get them: put the options after --, as in npm run ops -- --stack … --no-wait",
        );
    });

    it("take npm settings passed down from another script's run (npm test, npx --yes) for no option of theirs", () => {
        const options = { servers: { type: "string" }, yes: { type: "boolean" } } as const;
        const kept = (env: NodeJS.ProcessEnv) => optionsKeptByNpm("npm start", { args: [], options }, env)?.message;
        assert.strictEqual(kept({ npm_lifecycle_event: "test:lambda-node", npm_config_yes: "true" }), undefined);
        assert.strictEqual(kept({ npm_lifecycle_event: "start", npm_config_yes: "true" }), "npm took --yes for itself, so npm start did not get it: put the options after --, as in npm start -- --yes");
    });

    it("name a stack without a file, listing the stacks there are", () => {
        assert.deepStrictEqual(stackNames(projectDir), ["dev", "example-https", "existing", "existing-rds", "prod"]);
        assert.strictEqual(stackFile(projectDir, "dev"), path.join(projectDir, "Pulumi.dev.yaml"));
        assert.throws(() => stackFile(projectDir, "qa"), (e: Error) => e instanceof UsageError && e.message === '--stack "qa": there is no Pulumi.qa.yaml; the stacks are dev, example-https, existing, existing-rds, prod');
    });

    it("refuse a file to write at the end that cannot be written, before any work", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "json-"));
        requireWritableFile("--json", path.join(dir, "run.json"));
        assert.throws(() => requireWritableFile("--json", path.join(dir, "missing", "run.json")), (e: Error) => e instanceof UsageError &&
            e.message === `--json ${JSON.stringify(path.join(dir, "missing", "run.json"))}: there is no folder ${path.join(dir, "missing")}`);
        assert.throws(() => requireWritableFile("--json", dir), (e: Error) => e instanceof UsageError && e.message === `--json ${JSON.stringify(dir)}: it is a folder`);
    });

    it("know a bad stack config by its type, whether raised as a ConfigError or as Pulumi's RunError", () => {
        assert.ok(isConfigError(new ConfigError([{ key: "webapp-jobnet:webServerCount", given: '"0"', expected: "a whole number from 1 to 500", path: ["webapp-jobnet", "webServerCount"] }], "Fix with `pulumi config set KEY VALUE`.")));
        assert.ok(isConfigError(new pulumi.RunError("Stack config is invalid (1 problem): ...")));
        assert.ok(!isConfigError(new Error("Stack config is invalid")));
    });
});

describe("fault specs (--fail)", () => {
    it("turn into the simulator's faults", () => {
        assert.deepStrictEqual(
            parseFaults(["httpd-stop:web-1", "httpd-stop:web-2", "check:web-2", "cluster-backing-up", "cluster-stop", "backup:cluster", "backup:web-1:2", "backup-expired:web-2", "stopped-for:40", "health:never", "throttle:describeInstances:3", "other-run:start:scheduled", "duplicate:earlier"], context),
            {
                httpdWillNotStop: ["web-1", "web-2"],
                checkFails: ["web-2"],
                clusterBackingUpForSeconds: 900,
                clusterRefusesToStop: true,
                backupFails: { "webapp-jobnet-dev": Infinity, "web-1": 2 },
                backupExpired: ["web-2"],
                stoppedForDays: 40,
                neverHealthy: ["*"],
                lambdaThrottles: { describeInstances: 3 },
                otherRunActive: "start",
                otherRunScheduled: true,
                duplicateDelivery: "earlier",
            },
        );
        assert.deepStrictEqual(parseFaults(["other-run:stop", "duplicate:later"], context), { otherRunActive: "stop", duplicateDelivery: "later" });
        assert.deepStrictEqual(parseFaults(["race:start", "list-lag", "lock-left:stop", "release-lost"], context), { race: "start", listLagSeconds: 5, lockLeft: "stop", releaseLost: true });
        assert.deepStrictEqual(parseFaults(["list-lag:30"], context), { listLagSeconds: 30 });
        assert.deepStrictEqual(parseFaults(["short-pages"], context), { historyPageEvents: 1 });
        assert.deepStrictEqual(parseFaults(["short-pages:7"], context), { historyPageEvents: 7 });
        assert.deepStrictEqual(parseFaults(["backup-token-no-id", "backup-token-no-id:cluster", "backup-token-no-id:web-2"], context), { backupTokenNoId: ["*", "webapp-jobnet-dev", "web-2"] });
        assert.deepStrictEqual(
            parseFaults(["agent-offline:web-1", "agent-offline:web-2:undeliverable", "agent-late:web-1", "agent-late:web-2:never"], { ...context, jobnets: ["start"] }),
            { agentOffline: ["web-1", "web-2"], commandsUndeliverable: ["web-2"], agentLate: { "web-1": 600, "web-2": Infinity } },
        );
    });

    const bad: [string, string][] = [
        ["httpd-stop:web-3", "there is no server web-3 (servers: web-1, web-2)"],
        ["httpd-stop", "it needs a server name"],
        ["reboot:web-1", 'unknown fault kind "reboot"'],
        ["cluster-backing-up:soon", "SECONDS must be a whole number from 1 to 86400"],
        ["throttle:coffee", `STEP must be one of the steps that call a function, as the timeline names them: DescribeWebServers, StopInstances; or one of the functions they call: ${taskFunctionNames.join(", ")}`],
        ["other-run:both", "it names the jobnet that is running: stop or start"],
        ["race:both", "it names the jobnet started beside ours: stop or start"],
        ["lock-left", "it names the jobnet whose run left the lock: stop or start"],
        ["list-lag:0", "SECONDS must be a whole number from 1 to 3600"],
        ["release-lost:now", "it takes no argument"],
        ["backup:web-1:0", "TIMES must be a whole number from 1 to 10"],
        ["stopped-for", "it needs the days since the system stopped"],
        ["stopped-for:0", "DAYS must be a whole number from 1 to 3650"],
        ["backup-slow", "it needs the seconds each backup takes"],
        ["other-run:stop:event", "the run that is active is started by hand, or by the schedule: add :scheduled"],
        ["duplicate:twice", "it says when the other delivery started: earlier or later"],
        ["duplicate:later:2", "it has one part too many"],
        ["cluster-stop:now", "it takes no argument"],
        ["agent-offline:web-1:soon", "its last part, if any, is undeliverable"],
        ["agent-late:web-1:later", "SECONDS must be a whole number from 1 to 86400, or never"],
        ["db-capacity", "StartDBCluster never answers InsufficientDBInstanceCapacityFault (RDS API reference): only an RDS DB instance's start does (--stack existing-rds)"],
        ["db-kms:now", "it takes no argument"],
        ["ec2-refuses:web-1:Blocked", "CODE must be one of OperationNotPermitted, UnsupportedOperation, InvalidParameterValue, UnauthorizedOperation"],
    ];
    for (const [spec, why] of bad) {
        it(`refuse ${spec} in one line, with the form it should take`, () => {
            const form = faultKinds.find((k) => k.form.split(/[:[]/)[0] === spec.split(":")[0])?.form;
            const accepted = form ? `the form is ${form}` : `the kinds are ${faultKinds.map((k) => k.form.split(/[:[]/)[0]).join(", ")}`;
            assert.throws(() => parseFaults([spec], context), (e: Error) => e instanceof FaultSpecError && e.message === `--fail ${JSON.stringify(spec)}: ${why}; ${accepted}`);
        });
    }

    it("take an EC2 refusal only for a call the jobnets being run make: stop protection refuses a stop, a missing root volume a start", () => {
        assert.deepStrictEqual(parseFaults(["ec2-refuses:web-1:OperationNotPermitted", "ec2-refuses:web-2:UnauthorizedOperation"], { ...context, jobnets: ["stop"] }), {
            ec2Refuses: { "web-1": "OperationNotPermitted", "web-2": "UnauthorizedOperation" },
        });
        assert.throws(() => parseFaults(["ec2-refuses:web-1:OperationNotPermitted"], { ...context, jobnets: ["start"] }), (e: Error) =>
            e.message === '--fail "ec2-refuses:web-1:OperationNotPermitted": EC2 answers OperationNotPermitted (stop protection, disableApiStop) only to StopInstances, which the start jobnet does not call; the form is ec2-refuses:SERVER:CODE');
        assert.throws(() => parseFaults(["ec2-refuses:web-1:InvalidParameterValue"], { ...context, jobnets: ["stop"] }), (e: Error) => /only to StartInstances, which the stop jobnet does not call/.test(e.message));
    });

    it("take a STEP as the timeline names it, or a task's function, only among those of the jobnets being run", () => {
        const start = { ...context, jobnets: ["start" as const], tasks: ["takeRunLock", "startInstances"], steps: ["TakeRunLock", "StartInstances", "StartInstancesAgain"] };
        assert.deepStrictEqual(parseFaults(["throttle:StartInstancesAgain:3", "late:startInstances"], start), { lambdaThrottles: { StartInstancesAgain: 3 }, lateResponses: { startInstances: 1 } });
        assert.throws(() => parseFaults(["late:stopInstances"], start), (e: Error) =>
            e.message === '--fail "late:stopInstances": stopInstances is not a task of the start jobnet; STEP must be one of the steps that call a function, as the timeline names them: TakeRunLock, StartInstances, StartInstancesAgain; or one of the functions they call: takeRunLock, startInstances; the form is late:STEP[:COUNT]');
        assert.throws(() => parseFaults(["throttle:StopInstances"], start), (e: Error) =>
            e.message === '--fail "throttle:StopInstances": STEP must be one of the steps that call a function, as the timeline names them: TakeRunLock, StartInstances, StartInstancesAgain; or one of the functions they call: takeRunLock, startInstances; the form is throttle:STEP[:COUNT]');
        // Before the system is synthesised, its steps are not known: any name is taken.
        assert.deepStrictEqual(parseFaults(["throttle:StopInstances"], { jobnets: ["stop"], tasks: taskFunctionNames }), { lambdaThrottles: { StopInstances: 2 } });
    });

    it("take any server name before the system is synthesised, and check it after", () => {
        assert.deepStrictEqual(parseFaults(["httpd-stop:web-9"], { jobnets: ["stop"], tasks: taskFunctionNames }), { httpdWillNotStop: ["web-9"] });
        assert.throws(() => parseFaults(["httpd-stop:web-9"], { ...context, jobnets: ["stop"] }), FaultSpecError);
    });
});

describe("the operator's timeline", () => {
    let synth: SynthResult;
    before(async function () {
        this.timeout(60_000);
        synth = await sharedSynthesis("dev");
    });

    it("shows each step with its outcome, collapses each wait into one line with its polls, and counts the servers in each outcome", async () => {
        const lines: string[] = [];
        let timeline: Timeline | undefined;
        await simulate(synth, {
            initial: "running",
            jobnets: ["stop"],
            onEvent: (_, e) => {
                timeline ??= new Timeline({ definition: synth.definitions.stop, startMs: e.timestamp, tty: false, write: (t) => lines.push(t) });
                timeline.handle(e);
            },
        });
        const text = lines.join("");
        assert.ok(text.includes("   +0:00  EnableMaintenancePage: outcome created\n"), text);
        assert.ok(text.includes("   +0:39  WaitUntilInstancesStopped: stopped 2 of 2 (2 polls, 0:35)\n"), text);
        // checkHttpd.sh's exit 3 is its answer, not a failure.
        assert.ok(text.includes("   +0:04  CheckHttpdStoppedFinished: httpd stopped on 2 of 2, checkHttpd.sh (1 poll, 0:02)\n"), text);
        assert.ok(!text.includes("Failed"), text);
        // The two sides' waits overlap, each told in one line.
        assert.ok(text.includes("   +4:14  WaitUntilClusterSnapshotCompleted: total 1, completed 1, retaken 0 (14 polls, 4:10)\n"), text);
        assert.ok(text.includes("   +5:49  WaitUntilServerBackupsCompleted: total 2, completed 2, retaken 0 (20 polls, 5:10)\n"), text);
        // No blank column between the time and the text.
        assert.deepStrictEqual(text.split("\n").filter((l) => / +\+\d+:\d\d {3}/.test(l)), []);
        assert.ok(text.endsWith("SUCCEEDED\n"));
        assert.ok(!text.includes("\x1b["), "no colours on a pipe");
    });

    it("describes results in a few words, and formats times and tables", () => {
        assert.strictEqual(describeResult({ outcome: "started", attempt: 3, backupJobId: "j-1" }), "outcome started");
        assert.strictEqual(describeResult(undefined), "done");
        assert.deepStrictEqual([formatDuration(44), formatDuration(674), formatDuration(3725)], ["0:44", "11:14", "1:02:05"]);
        assert.strictEqual(table(["a", "n"], [["x", "1"], ["yy", "22"]]), "a    n\n--  --\nx    1\nyy  22");
    });

    it("says what a check's exit code means: checkHttpd.sh's 3 is httpd stopped, systemd's check's 3 the unit stopped", () => {
        const check = "/usr/local/sbin/checkHttpd.sh";
        assert.deepStrictEqual(
            [
                describeScript(check, { status: "Failed", responseCode: 3 }, "httpd"),
                describeScript(check, { status: "Success", responseCode: 0 }, "httpd"),
                describeScript(check, { status: "Failed", responseCode: 1 }, "httpd"),
                describeScript(check, { status: "TimedOut", responseCode: -1 }, "httpd"),
                describeScript("/usr/local/sbin/stopHttpd.sh", { status: "Failed", responseCode: 1 }),
                describeScript("/usr/local/sbin/startHttpd.sh", { status: "Failed", responseCode: -1 }),
                describeScript("systemctl is-active nginx.service", { status: "Failed", responseCode: 3 }, "nginx"),
                describeScript("the check command", { status: "Success", responseCode: 0 }, "the service"),
                describeScript("systemctl stop nginx.service", { status: "Failed", responseCode: 1 }),
            ],
            [
                "httpd stopped, checkHttpd.sh exited 3", "httpd running, checkHttpd.sh exited 0", "the check failed, checkHttpd.sh exited 1", "checkHttpd.sh timed out", "stopHttpd.sh exited 1", "startHttpd.sh did not run",
                "nginx stopped, systemctl is-active nginx.service exited 3", "the service running, the check command exited 0", "systemctl stop nginx.service exited 1",
            ],
        );
    });

    it("fits the progress line in the terminal: the bar shrinks, then goes, then the line is left out", () => {
        const wait = { name: "WaitUntilInstancesStopped", total: 2, done: 1 };
        assert.deepStrictEqual([80, 45, 40, 33].map((columns) => progressLine(wait, columns)), [
            "WaitUntilInstancesStopped [############............] 1/2 done",
            "WaitUntilInstancesStopped [####...] 1/2 done",
            "WaitUntilInstancesStopped: 1/2 done",
            undefined,
        ]);
    });

    for (const columns of [50, 30]) {
        it(`clears the progress line when a run fails, and leaves no stale line on a terminal ${columns} columns wide`, async () => {
            let written = "";
            let timeline: Timeline | undefined;
            const faults = parseFaults(["stuck-stopping:web-2"], { ...context, jobnets: ["stop"] });
            await simulate(synth, {
                initial: "running",
                jobnets: ["stop"],
                faults,
                onEvent: (_, e) => {
                    timeline ??= new Timeline({ definition: synth.definitions.stop, startMs: e.timestamp, tty: true, columns: () => columns, write: (t) => (written += t) });
                    timeline.handle(e);
                },
            });
            assert.ok(columns < 40 || written.includes("WaitUntilInstancesStopped ["), "a progress line was drawn");
            const rows = screen(written, columns);
            assert.deepStrictEqual(rows.filter((r) => /^WaitUntilInstancesStopped( \[|:)/.test(r)), [], rows.join("\n"));
            // The screen ends with the failure, the cursor on the row after it.
            assert.strictEqual(rows[rows.length - 1], "");
            const web2 = synth.outputs.webServers.find((server: { name: string }) => server.name === "web-2").instanceId;
            // The failure's line, wrapped in rows under its text (at 30 columns, a long state name cut).
            const failure = `WaitUntilInstancesStopped: 1 of 2 servers stopped after 10m; not stopped: web-2 (${web2}) is stopping`;
            assert.ok(rows.join("").replace(/ /g, "").endsWith(failure.replace(/ /g, "")), rows.join("\n"));
            assert.deepStrictEqual(rows.filter((r) => r.length > columns), []);
        });
    }

    it("wraps its lines at spaces in 60 columns, each further row under the text, and loses nothing", async () => {
        const run = async (columns: number | undefined) => {
            let text = "";
            let timeline: Timeline | undefined;
            await simulate(synth, {
                initial: "running",
                jobnets: ["stop"],
                faults: parseFaults(["httpd-stop:web-1"], { ...context, jobnets: ["stop"] }),
                onEvent: (_, e) => {
                    timeline ??= new Timeline({ definition: synth.definitions.stop, startMs: e.timestamp, tty: false, columns: () => columns, write: (t) => (text += t) });
                    timeline.handle(e);
                },
            });
            return text;
        };
        const whole = await run(undefined);
        const wrapped = await run(60);
        const web1 = synth.outputs.webServers.find((server: { name: string }) => server.name === "web-1").instanceId;
        assert.ok(wrapped.endsWith([
            "   +0:02  StopHttpdFinished: stopped on 1, another end on 1",
            "          of 2, stopHttpd.sh (1 poll, 0:02)",
            "   +0:02  FAILED HttpdDidNotStop: StopHttpd: httpd did not",
            "          stop on 1 of 2 servers",
            "          (/usr/local/sbin/stopHttpd.sh): web-1",
            `          (${web1}) exited with code 1:`,
            "          2026-11-30T13:00:02.000Z ERROR stopHttpd.sh:",
            "          systemctl stop httpd failed with exit code 1.",
            "",
        ].join("\n")), wrapped);
        assert.deepStrictEqual(wrapped.split("\n").filter((l) => l.length > 60), []);
        // Each further row joined back to its line gives the line unwrapped.
        assert.strictEqual(wrapped.replace(/\n {10}(?=\S)/g, " "), whole);
    });

    it("wraps text at spaces, cutting only a word longer than a row", () => {
        assert.deepStrictEqual(wrapWords("the quick brown fox jumps over the lazy dog", 20), ["the quick brown fox", "jumps over the lazy", "dog"]);
        assert.deepStrictEqual(wrapWords("arn:aws:states:ap-northeast-1:123456789012:execution:x ends", 20), ["arn:aws:states:ap-no", "rtheast-1:1234567890", "12:execution:x ends"]);
        assert.deepStrictEqual(wrapWords("first row may be wider than the rest of them", 20, 30), ["first row may be wider than", "the rest of them"]);
        assert.deepStrictEqual(wrapWords("two\nparagraphs", 20), ["two", "paragraphs"]);
        // Never narrower than 20: a terminal narrower still wraps the rest itself.
        assert.deepStrictEqual(wrapWords("the quick brown fox jumps", 5), ["the quick brown fox", "jumps"]);
        assert.strictEqual(fitToColumns("short\n  an indented line that is too long for thirty\n", 30), "short\n  an indented line that is too\n    long for thirty\n");
        assert.strictEqual(fitToColumns("a line longer than twenty columns", undefined), "a line longer than twenty columns");
    });

    it("reads the width to fit output in from COLUMNS, else from the terminal; a pipe's lines are left whole", () => {
        assert.strictEqual(outputColumns({ isTTY: true, columns: 120 }, { COLUMNS: "60" }), 60);
        assert.strictEqual(outputColumns({ isTTY: true, columns: 120 }, {}), 120);
        assert.strictEqual(outputColumns({ isTTY: true, columns: 120 }, { COLUMNS: "wide" }), 120);
        assert.strictEqual(outputColumns({ isTTY: false }, {}), undefined);
        assert.strictEqual(outputColumns({}, { COLUMNS: "60" }), 60);
    });

    it("gives each run's figures in words, wrapped, when the summary's table is wider than the terminal", () => {
        const report = { status: "FAILED", durationSeconds: 2, stateTransitions: 16, lambdaInvocations: 5, largestPayloadBytes: 1331, historyEvents: 49 } as RunReport;
        assert.strictEqual(summaryTable([{ jobnet: "stop", report }], 60), [
            "stop: FAILED in 0:02, 16 state transitions, 5 Lambda",
            "  invocations, the largest state 1.3 KB, 49 history events",
        ].join("\n"));
        assert.strictEqual(summaryTable([{ jobnet: "stop", report }], 80), [
            "jobnet  status  duration  transitions  Lambda  payload  history",
            "------  ------  --------  -----------  ------  -------  -------",
            "stop    FAILED      0:02           16       5   1.3 KB       49",
            "Lambda: invocations; payload: the largest state; history: its events",
        ].join("\n"));
    });

    it("keeps the summary within 80 columns, whatever the run", () => {
        const report = (status: string, seconds: number, n: number) => ({ status, durationSeconds: seconds, stateTransitions: n, lambdaInvocations: n, largestPayloadBytes: 250 * 1024, historyEvents: n }) as RunReport;
        const text = summaryTable([
            { jobnet: "stop", report: report("SUCCEEDED", 604, 130) },
            { jobnet: "start (redriven)", report: report("TIMED_OUT", 6 * 3600, 24_999) },
        ]);
        assert.strictEqual(text.split("\n")[0], "jobnet            status     duration  transitions  Lambda   payload  history");
        assert.deepStrictEqual(text.split("\n").filter((l) => l.length > 80), []);
    });
});

describe("every --fail kind, run in the simulated account", function () {
    this.timeout(60_000);
    let synth: SynthResult;
    before(async () => {
        synth = await sharedSynthesis("dev");
    });
    // Every kind of fault, the jobnet it is run with, and how the run ends: SUCCEEDED (the jobnet
    // rides it out) or the error and the cause an operator reads (a Lambda error's message).
    const cases: [string, "stop" | "start", "running" | "stopped", string, RegExp | undefined][] = [
        ["httpd-stop:web-1", "stop", "running", "HttpdDidNotStop", /^StopHttpd: httpd did not stop on 1 of 2 servers \(\/usr\/local\/sbin\/stopHttpd\.sh\): web-1 \(i-.*\) exited with code 1: /],
        ["httpd-start:web-2", "start", "stopped", "HttpdDidNotStart", /^StartHttpd: httpd did not start on 1 of 2 servers \(\/usr\/local\/sbin\/startHttpd\.sh\): web-2 \(i-.*\) exited with code 1: /],
        ["check:web-2", "stop", "running", "HttpdCheckFailed", /^CheckHttpdStopped: the httpd check failed on 1 of 2 servers \(\/usr\/local\/sbin\/checkHttpd\.sh\): web-2 \(i-.*\) exited with code 1: /],
        ["command-timeout:web-1", "stop", "running", "HttpdDidNotStop", /^StopHttpd: httpd did not stop on 1 of 2 servers \(\/usr\/local\/sbin\/stopHttpd\.sh\): web-1 \(i-.*\) timed out after 60 s \(Run Command's execution timeout\)$/],
        ["unmanaged:web-2", "start", "stopped", "CommandNotDelivered", /^CheckHttpd: \/usr\/local\/sbin\/checkHttpd\.sh was never delivered to 1 of 2 servers, whose SSM agent was not online within 15m: web-2 \(i-\w+\): Systems Manager does not list it \(DescribeInstanceInformation\), its agent has not registered\. On the server, install and start the SSM agent; .*AmazonSSMManagedInstanceCore.*VPC endpoints for ssm, ssmmessages and ec2messages$/],
        ["agent-offline:web-1", "stop", "running", "CommandNotDelivered", /^StopHttpd: \/usr\/local\/sbin\/stopHttpd\.sh was never delivered to 1 of 2 servers: web-1 \(i-\w+\), sent 3 times: Run Command gave up delivering it after 120 s each time \(DeliveryTimedOut: its TimeoutSeconds 60 s plus the execution timeout 60 s\); check that its SSM agent runs and reaches the SSM endpoints \(ssm, ssmmessages, ec2messages\) over HTTPS$/],
        ["agent-offline:web-2:undeliverable", "start", "running", "CommandNotDelivered", /^CheckHttpd: \/usr\/local\/sbin\/checkHttpd\.sh was never delivered to 1 of 2 servers: web-2 \(i-\w+\), sent 3 times: Run Command found the server unreachable \(Undeliverable\); check that its SSM agent runs/],
        ["agent-late:web-1", "start", "stopped", "SUCCEEDED", undefined],
        ["agent-late:web-2:never", "start", "stopped", "CommandNotDelivered", /^CheckHttpd: \/usr\/local\/sbin\/checkHttpd\.sh was never delivered to 1 of 2 servers, whose SSM agent was not online within 15m: web-2 \(i-\w+\): its agent is not connected \(PingStatus ConnectionLost\)\. On the server, install and start the SSM agent; /],
        ["stuck-stopping:web-1", "stop", "running", "InstanceDidNotStop", /^WaitUntilInstancesStopped: 1 of 2 servers stopped after 10m; not stopped: web-1 \(i-.*\) is stopping$/],
        ["cluster-backing-up:1500", "stop", "running", "SUCCEEDED", undefined],
        ["cluster-stop", "stop", "running", "ClusterNotStoppable", /^StopCluster: cluster webapp-jobnet-dev cannot be stopped: DbCluster webapp-jobnet-dev cannot be stopped: it uses a feature that does not support stopping\.$/],
        ["cluster-busy:maintenance", "stop", "running", "SUCCEEDED", undefined],
        ["cluster-stuck:incompatible-network", "stop", "running", "ClusterNotStoppable", /^DescribeDatabase: cluster webapp-jobnet-dev is incompatible-network; Aurora does not leave that status by itself, so the cluster cannot be stopped$/],
        ["cluster-instance-busy", "stop", "running", "SUCCEEDED", undefined],
        ["db-kms", "start", "stopped", "KMSKeyNotAccessibleFault", /^cluster webapp-jobnet-dev cannot start: Aurora cannot use the KMS key that encrypts it; RDS answered KMSKeyNotAccessibleFault: Specified KMS key \[arn:aws:kms:\S+\] does not exist, is not enabled or you do not have permissions to access it\. Enable the key/],
        ["backup:web-1:1", "stop", "running", "SUCCEEDED", undefined],
        ["backup:web-2", "stop", "running", "BackupFailed", /^web-2: backup job \S+ ended FAILED \(Backup job failed: the snapshot could not be created\.\); taken 2 times in this attempt\. Fix the cause, then redrive the run or run the jobnet again$/],
        ["backup:cluster", "stop", "running", "BackupFailed", /^webapp-jobnet-dev: backup job \S+ ended FAILED /],
        ["backup-expired:web-1", "stop", "stopped", "SUCCEEDED", undefined],
        ["stopped-for:40", "stop", "stopped", "SUCCEEDED", undefined],
        ["backup-token-no-id", "stop", "running", "SUCCEEDED", undefined],
        ["backup-slow:9000", "stop", "running", "BackupDidNotComplete", /^WaitUntil(ClusterSnapshot|ServerBackups)Completed: still running after 2h: /],
        ["health:web-1", "start", "stopped", "TargetsNotHealthy", /^WaitUntilAllTargetsHealthy: 1 of 2 targets healthy after 15m; not healthy: i-\w+ \(unhealthy: Target\.FailedHealthChecks\)$/],
        ["health:never", "start", "stopped", "TargetsNotHealthy", /^WaitUntilAllTargetsHealthy: 0 of 2 targets healthy after 15m; not healthy: i-/],
        ["throttle:startInstances:3", "start", "stopped", "SUCCEEDED", undefined],
        ["throttle-api:all", "stop", "running", "SUCCEEDED", undefined],
        ["throttle-api:ec2:119", "stop", "running", "RequestLimitExceeded", /^DescribeWebServers: AWS throttled the request \(RequestLimitExceeded, HTTP 503, after 3 attempts\): Request limit exceeded\.$/],
        ["late:stopInstances", "stop", "running", "SUCCEEDED", undefined],
        ["capacity:web-1", "start", "stopped", "SUCCEEDED", undefined],
        ["capacity:web-1:never", "start", "stopped", "InsufficientInstanceCapacity", /^web-1 \(i-\w+\): EC2 has no capacity to start it: We currently do not have sufficient capacity/],
        ["capacity-lost:web-2", "start", "stopped", "SUCCEEDED", undefined],
        ["capacity-lost:web-2:20", "start", "stopped", "InsufficientInstanceCapacity", /^WaitUntilInstancesReady: servers went back to stopped 7 times while starting \(Server\.InsufficientInstanceCapacity\); EC2 has no capacity for them in their Availability Zone: web-2 \(i-\w+\) is stopped$/],
        ["ec2-refuses:web-2:OperationNotPermitted", "stop", "running", "InstanceStopRefused", /^StopInstances: EC2 refused to stop 1 of the servers; every other server is stopped and backed up, and the database snapshotted and stopped\. Fix each refused server, then run the jobnet again: web-2 \(i-\w+\): OperationNotPermitted: The instance 'i-\w+' may not be stopped\. Modify its 'disableApiStop' instance attribute and try again\.$/],
        ["ec2-refuses:web-1:UnsupportedOperation", "stop", "running", "InstanceStopRefused", /: web-1 \(i-\w+\): UnsupportedOperation: The instance 'i-\w+' does not have an 'ebs' root device type and cannot be stopped\.$/],
        ["ec2-refuses:web-1:UnauthorizedOperation", "start", "stopped", "InstanceStartRefused", /^StartInstances: EC2 refused to start 1 of the servers; .*: web-1 \(i-\w+\): UnauthorizedOperation: You are not authorized to perform this operation\. Encoded authorization failure message: \S+$/],
        ["state:web-1:stopping", "stop", "running", "SUCCEEDED", undefined],
        ["state:web-2:pending", "start", "stopped", "SUCCEEDED", undefined],
        ["other-run:stop", "start", "stopped", "JobnetAlreadyRunning", /^TakeRunLock: another jobnet run is active: arn:aws:states:.*:execution:webapp-jobnet-dev-stop:manual-run-1 \(started 2026-11-30T12:59:00\.000Z\)$/],
        ["other-run:start:scheduled", "start", "stopped", "JobnetAlreadyRunning", /^TakeRunLock: another jobnet run is active: arn:aws:states:.*:execution:webapp-jobnet-dev-start:scheduled-run-1 \(started 2026-11-30T12:59:00\.000Z\)$/],
        // Ours takes the lock; the run beside it is refused (tests/jobnets.test.ts).
        ["race:start", "stop", "running", "SUCCEEDED", undefined],
        ["list-lag", "stop", "running", "SUCCEEDED", undefined],
        ["lock-left:stop", "start", "stopped", "SUCCEEDED", undefined],
        ["release-lost", "stop", "running", "SUCCEEDED", undefined],
        // Read by the watcher and the notifier, not by the jobnets (tests/alerts.test.ts).
        ["short-pages", "stop", "running", "SUCCEEDED", undefined],
    ];
    for (const [spec, jobnet, initial, outcome, cause] of cases) {
        it(`${spec} ${outcome === "SUCCEEDED" ? "slows the" : "ends the"} ${jobnet} jobnet ${outcome === "SUCCEEDED" ? "but it succeeds" : `in ${outcome}, saying what happened`}`, async () => {
            // Taken for this run: the jobnet meets what the fault acts on.
            const faults = parseFaults([spec], { servers: ["web-1", "web-2"], database: { kind: "cluster" as const, identifier: "webapp-jobnet-dev" }, tasks: taskFunctionNames, jobnets: [jobnet], initial });
            const { reports, account } = await simulate(synth, { initial, jobnets: [jobnet], faults });
            const report = reports[0].report;
            if (outcome === "SUCCEEDED") {
                assert.strictEqual(report.status, "SUCCEEDED", report.cause);
                const expected = jobnet === "stop" ? "stopped" : "running";
                assert.deepStrictEqual(account.webServers().map((i) => i.state), [expected, expected]);
                return;
            }
            assert.strictEqual(report.error, outcome);
            const readable = readableCause(report.cause)!;
            assert.match(readable, cause!);
            // Nothing ends in an empty tail after a colon, or names nothing in brackets.
            assert.doesNotMatch(readable, /:\s*$|\(\s*\)/);
        });
    }

    it("cover every kind of fault npm start accepts", () => {
        // The tag faults need a stack whose servers are named by a tag: tests/tagDiscovery.test.ts;
        // db-capacity an RDS DB instance (StartDBCluster never answers it): tests/existingDatabases.test.ts;
        // running a team jobnet kept apart from another: tests/exclusion.test.ts; event-duplicate and
        // bucket-silent a team jobnet's start condition: tests/startConditionRuns.test.ts.
        const kinds = new Set([...cases.map(([spec]) => spec.split(":")[0]), "duplicate", "throttle", "tagged-later", "untagged", "db-capacity", "running", "event-duplicate", "bucket-silent"]);
        assert.deepStrictEqual(faultKinds.map((k) => k.form.split(/[:[]/)[0]).filter((k) => !kinds.has(k)), []);
    });

    // Each fault the jobnets meet only in some state, in a run that does not meet it: refused
    // (npm start exits 2), and indeed nothing in the run differs from the run without it.
    const withoutEffect: [string[], ("stop" | "start")[], "running" | "stopped"][] = [
        [["httpd-stop:web-1"], ["stop"], "stopped"],
        [["stuck-stopping:web-1", "state:web-1:stopped"], ["stop"], "running"],
        [["cluster-backing-up"], ["stop"], "stopped"],
        [["cluster-stop"], ["stop"], "stopped"],
        [["cluster-busy:maintenance"], ["stop"], "stopped"],
        [["cluster-instance-busy"], ["stop"], "stopped"],
        [["backup:web-1"], ["stop"], "stopped"],
        [["backup:cluster"], ["stop"], "stopped"],
        [["backup:web-2", "backup-expired:web-1"], ["stop"], "stopped"],
        [["backup-token-no-id"], ["stop"], "stopped"],
        [["backup-slow:9000"], ["stop"], "stopped"],
        [["httpd-start:web-1"], ["start"], "running"],
        [["agent-late:web-1"], ["start"], "running"],
        [["db-kms"], ["start"], "running"],
        [["capacity:web-1:never"], ["start"], "running"],
        [["capacity-lost:web-1:20"], ["start"], "running"],
        [["ec2-refuses:web-1:OperationNotPermitted"], ["stop"], "stopped"],
        [["ec2-refuses:web-1:UnauthorizedOperation", "state:web-1:running"], ["start"], "stopped"],
        [["backup-expired:web-1"], ["stop"], "running"],
        [["stopped-for:40"], ["stop"], "running"],
    ];
    for (const [specs, jobnets, initial] of withoutEffect) {
        it(`${specs[0]} is refused in the ${jobnets.join(" and ")} jobnet from a ${initial} system${specs.length > 1 ? ` with ${specs.slice(1).join(" ")}` : ""}, and would change nothing in it`, async () => {
            const known = { servers: ["web-1", "web-2"], database: { kind: "cluster" as const, identifier: "webapp-jobnet-dev" }, tasks: taskFunctionNames, jobnets };
            assert.throws(() => parseFaults(specs, { ...known, initial }), (e: Error) => e instanceof FaultSpecError && e.message.startsWith(`--fail ${JSON.stringify(specs[0])}: it takes effect only when`));
            const context = specs.slice(1);
            const asked = await simulate(synth, { initial, jobnets, faults: parseFaults(specs, known) });
            const without = await simulate(synth, { initial, jobnets, faults: parseFaults(context, known) });
            assert.deepStrictEqual(asked.account.timeline, without.account.timeline);
            assert.deepStrictEqual(asked.reports.map((r) => [r.report.status, r.report.events.length]), without.reports.map((r) => [r.report.status, r.report.events.length]));
        });
    }

    it("duplicate:earlier ends the scheduled run at once as a duplicate; duplicate:later lets it run", async () => {
        const options = (spec: string) => parseStartOptions(["--jobnet", "stop", "--fail", spec]);
        const outcome = async (spec: string) => {
            const o = options(spec);
            const faults = parseFaults(o.faults, { servers: ["web-1", "web-2"], database: { kind: "cluster" as const, identifier: "webapp-jobnet-dev" }, tasks: taskFunctionNames });
            const { reports, account } = await simulate(synth, { initial: o.initial, jobnets: o.jobnets, faults, input: o.scheduled ? scheduledInput : undefined });
            return { report: reports[0].report, cluster: account.database.status };
        };
        const earlier = await outcome("duplicate:earlier");
        assert.deepStrictEqual([earlier.report.status, earlier.cluster], ["SUCCEEDED", "available"]);
        assert.match(JSON.stringify(earlier.report.output), /^\{"jobnet":"stop","trigger":"schedule","duplicate":true,"duplicateOf":"arn:aws:states:.*:execution:webapp-jobnet-dev-stop:stop-1-earlier-delivery","scheduledTime":"2026-11-30T13:00:00Z"\}$/);
        const later = await outcome("duplicate:later");
        assert.deepStrictEqual([later.report.status, later.cluster], ["SUCCEEDED", "stopped"]);
    });

    it("cluster-backing-up and throttle slow a run down but do not fail it", async () => {
        const faults = parseFaults(["cluster-backing-up:1500", "throttle:getScriptResults:3"], { servers: ["web-1", "web-2"], database: { kind: "cluster" as const, identifier: "webapp-jobnet-dev" }, tasks: taskFunctionNames });
        const { reports } = await simulate(synth, { initial: "running", jobnets: ["stop"], faults });
        assert.strictEqual(reports[0].report.status, "SUCCEEDED", reports[0].report.cause);
        assert.ok(reports[0].report.durationSeconds > 1500);
    });
});

describe("the causes docs/faults.md quotes, as the runs end", function () {
    this.timeout(120_000);
    // The runs whose causes the fault table quotes, with the dev stack's 2 servers.
    const quotedRuns: [string, "stop" | "start", "running" | "stopped"][] = [
        ["httpd-stop:web-1", "stop", "running"],
        ["command-timeout:web-1", "stop", "running"],
        ["unmanaged:web-2", "stop", "running"],
        ["agent-offline:web-1", "stop", "running"],
        ["agent-late:web-1:never", "start", "stopped"],
        ["cluster-stuck:inaccessible-encryption-credentials", "stop", "running"],
        ["db-kms", "start", "stopped"],
        ["backup:web-1", "stop", "running"],
        ["backup-slow:16200", "stop", "running"],
        ["throttle-api:ec2:119", "stop", "running"],
        ["capacity:web-1:never", "start", "stopped"],
        ["capacity-lost:web-2:20", "start", "stopped"],
        ["ec2-refuses:web-2:OperationNotPermitted", "stop", "running"],
        // The cause quoted is that of the run started beside ours, which the lock refuses.
        ["race:start", "stop", "running"],
    ];
    // Quoted, but not of a dev stack's run: the CLI's words (tests/startConditionRuns.test.ts), a stack by tag (tests/tagDiscovery.test.ts).
    const quotedElsewhere = new Set(["bucket-silent", "untagged"]);
    const faultsPage = fs.readFileSync(path.join(projectDir, "docs", "faults.md"), "utf8");
    /** Each fault kind's quotes in the outcome column that are a message (four words or more, not options). */
    const quotesByKind = new Map(
        markdownTableRows(faultsPage, "| fault |").map(([fault, , , outcome]) => [
            /^`([\w-]+)/.exec(fault)![1],
            [...outcome.matchAll(/`([^`]+)`/g)].map((match) => match[1]).filter((quote) => quote.split(" ").length >= 4 && !quote.startsWith("--")),
        ]),
    );
    const causesByKind = new Map<string, string[]>();
    const errorsByKind = new Map<string, string[]>();
    before(async () => {
        const synth = await sharedSynthesis("dev");
        for (const [spec, jobnet, initial] of quotedRuns) {
            const faults = parseFaults([spec], context);
            const { reports } = await simulate(synth, { initial, jobnets: [jobnet], faults });
            const kind = spec.split(":")[0];
            const causes = reports.flatMap((r) => (r.report.cause === undefined ? [] : [readableCause(r.report.cause)!]));
            causesByKind.set(kind, [...(causesByKind.get(kind) ?? []), ...causes]);
            errorsByKind.set(kind, [...(errorsByKind.get(kind) ?? []), ...reports.flatMap((r) => r.report.error ?? [])]);
        }
    });

    it("quotes each cause as the run ends it, and each run's cause where its row quotes one", () => {
        const mismatches: string[] = [];
        for (const [kind, quotes] of quotesByKind) {
            if (quotes.length === 0 || quotedElsewhere.has(kind)) continue;
            const causes = causesByKind.get(kind);
            if (!causes) {
                mismatches.push(`${kind}: quoted, but no run of it is in quotedRuns`);
                continue;
            }
            for (const quote of quotes.filter((q) => !causes.some((cause) => quotePattern(q).test(cause)))) mismatches.push(`${kind}: quoted "${quote}"; the runs ended: ${causes.join(" | ")}`);
        }
        assert.deepStrictEqual(mismatches, []);
    });

    it("names the error each run ends with in its fault's row", () => {
        const outcomes = new Map(markdownTableRows(faultsPage, "| fault |").map(([fault, , , outcome]) => [/^`([\w-]+)/.exec(fault)![1], outcome]));
        const unnamed = [...errorsByKind].flatMap(([kind, errors]) => errors.filter((error) => !outcomes.get(kind)!.includes(`\`${error}\``)).map((error) => `${kind}: ${error}`));
        assert.deepStrictEqual(unnamed, []);
    });
});

describe("state machine diagrams", () => {
    it("draw states as boxes, Choice rules as labelled edges, each Parallel branch in a frame, Fail states in red", () => {
        const { samplePlan } = require("./support/samplePlan") as typeof import("./support/samplePlan");
        const { stopJobnet } = require("../statemachines/stop") as typeof import("../statemachines/stop");
        const dot = toDot(stopJobnet(samplePlan()), "stop");
        assert.ok(dot.includes('subgraph "cluster_StopServersAndDatabase_0" {') && dot.includes('subgraph "cluster_StopServersAndDatabase_1" {'));
        assert.ok(dot.includes('"AnyServerRunning" -> "StopHttpd" [label="fleet.counts.running ≥ 1"];'));
        assert.ok(dot.includes('"StopHttpdFailed" [label="StopHttpdFailed\\nHttpdDidNotStop", shape=octagon'));
        assert.ok(dot.includes('"WaitUntilInstancesStoppedCheck" -> "WaitUntilInstancesStoppedTimedOut" [label="instances.attempt ≥ 55"];'));
        // A longer Wait after each tier of polls (statemachines/pollSchedule.ts).
        assert.ok(dot.includes('"WaitUntilInstancesStoppedCheck" -> "WaitUntilInstancesStoppedWait" [label="instances.attempt < 25"];'));
        assert.ok(dot.includes('"WaitUntilInstancesStoppedCheck" -> "WaitUntilInstancesStoppedWait3" [label="otherwise", style=dotted];'));
        // The Pass that formats a Fail's cause is drawn as the Fail itself.
        assert.ok(!dot.includes('"StopHttpdFailedCause" ['));
    });

    it("are rendered offline with Graphviz to the committed docs/*.svg", async function () {
        this.timeout(60_000);
        const synth = await sharedSynthesis("dev");
        for (const jobnet of ["stop", "start"]) {
            const fresh = fs.readFileSync(path.join(synth.outDir, `${jobnet}.svg`), "utf8");
            assert.ok(fresh.startsWith("<?xml") && fresh.includes("<svg"), "an SVG");
            const committed = fs.readFileSync(path.join(projectDir, "docs", `${jobnet}.svg`), "utf8");
            assert.strictEqual(committed, fresh, `docs/${jobnet}.svg is stale: run npm run synth -- --docs`);
        }
    });
});

describe("npm start, as a user runs it", function () {
    this.timeout(120_000);
    const run = (args: string[]) => runCli("start.ts", args, { FORCE_COLOR: "0" });

    it("runs both jobnets, prints the summary and exits 0", () => {
        const json = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "start-")), "run.json");
        const r = run(["--json", json]);
        assert.strictEqual(r.status, 0, r.stderr);
        assert.match(r.stdout, /▶ stop jobnet \(webapp-jobnet-dev-stop\)/);
        assert.match(r.stdout, /\nstop +SUCCEEDED +8:14 +192 +63 +1\.6 KB +577\n/);
        assert.match(r.stdout, /\nstart +SUCCEEDED +8:06 +122 +39 +1\.2 KB +365\n/);
        // Each server's outcome, from the run's output.
        assert.match(r.stdout, /\nstop, each server:\n {2}web-1: stopped by this run, AMI taken\n {2}web-2: stopped by this run, AMI taken\n/);
        assert.match(r.stdout, /\nstart, each server:\n {2}web-1: started by this run, service started\n {2}web-2: started by this run, service started\n/);
        const written = JSON.parse(fs.readFileSync(json, "utf8"));
        assert.deepStrictEqual(written.runs.map((x: { jobnet: string; status: string }) => [x.jobnet, x.status]), [["stop", "SUCCEEDED"], ["start", "SUCCEEDED"]]);
        assert.ok(written.runs[0].events.length > 100);
    });

    it("redrives a failed run with --redrive, and exits 0 when the redrive succeeds", () => {
        const r = run(["--jobnet", "stop", "--fail", "backup:web-1:2", "--redrive"]);
        assert.strictEqual(r.status, 0, r.stderr);
        assert.match(r.stdout, /▶ stop jobnet, redriven: it goes on from the step that failed/);
        // The redriven wait goes on with its polls' count, and so at the interval it had reached.
        assert.match(r.stdout, /\nstop +FAILED +10:59 .*\nstop \(redriven\) +SUCCEEDED +5:20 /);
        assert.match(r.stdout, /\nstop FAILED: BackupFailed\n {2}web-1: backup job \S+ ended FAILED \(Backup job failed: the snapshot could not be created\.\); taken 2 times in this attempt\./);
    });

    // Issue 23: --redrive with --report once crashed in executionArnOf and wrote nothing.
    for (const written of [["report"], ["json"], ["report", "json"]] as ("report" | "json")[][]) {
        it(`redrives with --${written.join(" and --")}: ${written.map((w) => (w === "report" ? "one chart of the run with the redrive drawn" : "both attempts' events and figures")).join(", ")}`, () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "redrive-"));
            const files = { report: path.join(dir, "run.html"), json: path.join(dir, "run.json") };
            const r = run(["--jobnet", "stop", "--fail", "backup:web-1:2", "--redrive", ...written.flatMap((w) => [`--${w}`, files[w]])]);
            assert.strictEqual(r.status, 0, r.stderr);
            assert.strictEqual(r.stderr, "");
            if (written.includes("report")) {
                assert.match(r.stdout, new RegExp(`\nGantt charts written to ${files.report} and ${path.join(dir, "run-stop.svg")}\n`));
                // The redrive goes on with the same execution: one chart, its attempts apart by the redrive's line.
                assert.deepStrictEqual(fs.readdirSync(dir).filter((f) => f.endsWith(".svg")), ["run-stop.svg"]);
                const svg = fs.readFileSync(path.join(dir, "run-stop.svg"), "utf8");
                assert.match(svg, /<title>stop \(redriven\) jobnet, stop-1 \(stack dev, simulated\)<\/title>/);
                assert.strictEqual(svg.match(/<title>redriven<\/title>/g)?.length, 1);
                assert.match(svg, /SUCCEEDED in 16m 20s<\/text>/);
                assert.ok(fs.readFileSync(files.report, "utf8").includes(svg.trim()));
            }
            if (written.includes("json")) {
                const runs = JSON.parse(fs.readFileSync(files.json, "utf8")).runs as { jobnet: string; status: string; error: string | null; events: { type: string }[] }[];
                assert.deepStrictEqual(runs.map((x) => [x.jobnet, x.status, x.error]), [["stop", "FAILED", "BackupFailed"], ["stop (redriven)", "SUCCEEDED", null]]);
                assert.deepStrictEqual([runs[0].events.at(-1)?.type, runs[1].events.at(-1)?.type], ["ExecutionFailed", "ExecutionSucceeded"]);
            }
        });
    }

    it("exits 1 with the cause naming the resource when a fault is injected, and does not start after a failed stop", () => {
        const r = run(["--fail", "stuck-stopping:web-2"]);
        assert.strictEqual(r.status, 1);
        assert.match(r.stdout, /\nstop FAILED: InstanceDidNotStop\n {2}WaitUntilInstancesStopped: 1 of 2 servers stopped after 10m; not stopped: web-2 \(i-[0-9a-f]+\) is stopping\n/);
        assert.match(r.stdout, /Not run, because the stop jobnet failed: start/);
    });

    it("fits everything it prints in COLUMNS=60, wrapping at spaces: the timeline, the summary and the cause", () => {
        const r = runCli("start.ts", ["--jobnet", "stop", "--fail", "httpd-stop:web-1"], { FORCE_COLOR: "0", COLUMNS: "60" });
        assert.strictEqual(r.status, 1, r.stderr);
        assert.deepStrictEqual(r.stdout.split("\n").filter((l) => l.length > 60), []);
        assert.match(r.stdout, /\n {3}\+0:02 {2}FAILED HttpdDidNotStop: StopHttpd: httpd did not\n {10}stop on 1 of 2 servers\n/);
        assert.match(r.stdout, /\nstop: FAILED in 0:02, \d+ state transitions, 5 Lambda\n {2}invocations, the largest state [\d.]+ KB, \d+ history events\n/);
        assert.match(r.stdout, /\nstop FAILED: HttpdDidNotStop\n {2}StopHttpd: httpd did not stop on 1 of 2 servers\n {4}\(\/usr\/local\/sbin\/stopHttpd\.sh\): web-1\n/);
    });

    it("runs scheduled, and a duplicate delivery ends at once, doing nothing", () => {
        const r = run(["--jobnet", "stop", "--fail", "duplicate:earlier"]);
        assert.strictEqual(r.status, 0, r.stderr);
        assert.match(r.stdout, /\nStarted by the schedule: input \{"trigger":"schedule","scheduledTime":"2026-11-30T13:00:00Z"\}\n/);
        assert.match(r.stdout, /\n +\+0:00 +TakeRunLock: outcome duplicate, duplicateOf arn:aws:states:.*:execution:webapp-jobnet-dev-stop:stop-1-earlier-delivery\n +\+0:00 +SUCCEEDED\n/);
    });

    it("exits 2 with one line and does no work for a stack without a file, a --json it cannot write, a fault no jobnet run can meet, or an option npm kept", () => {
        const cases: [string[], Record<string, string>, string][] = [
            [["--stack", "qa"], {}, '--stack "qa": there is no Pulumi.qa.yaml; the stacks are dev, example-https, existing, existing-rds, prod'],
            [["--json", "/nonexistent/run.json"], {}, '--json "/nonexistent/run.json": there is no folder /nonexistent'],
            [["--jobnet=stop", "--fail=health:never"], {}, '--fail "health:never": it can only happen in the start jobnet, and the stop jobnet is run; the form is health:never|SERVER'],
            [["--jobnet", "stop", "--fail", "backup-expired:web-1"], {}, '--fail "backup-expired:web-1": it takes effect only when the stop jobnet finds the system stopped (--initial stopped), and this run\'s stop finds it running; the form is backup-expired:SERVER'],
            [["5"], { npm_config_servers: "true" }, "npm took --servers for itself, so npm start did not get it: put the options after --, as in npm start -- --servers 5"],
        ];
        for (const [args, env, message] of cases) {
            const r = runCli("start.ts", args, { FORCE_COLOR: "0", ...env });
            assert.deepStrictEqual([r.status, r.stdout, r.stderr], [2, "", `${message}\n`], args.join(" "));
        }
    });

    it("exits 2 with one line for a server the stack does not have, once it is synthesised", () => {
        const r = run(["--fail", "httpd-stop:web-9"]);
        assert.deepStrictEqual([r.status, r.stdout, r.stderr], [2, "Synthesising stack dev offline…\n", '--fail "httpd-stop:web-9": there is no server web-9 (servers: web-1, web-2, batch-1 … db-client-1); the form is httpd-stop:SERVER\n']);
    });

    it("exits 2 listing the steps the timeline names for a step the jobnet does not have", () => {
        const r = run(["--jobnet", "start", "--fail", "throttle:StopInstances"]);
        assert.deepStrictEqual([r.status, r.stderr], [2, '--fail "throttle:StopInstances": STEP must be one of the steps that call a function, as the timeline names them: '
            + "CheckCalendar, TakeRunLock, StartCluster, WaitUntilClusterAvailable, StartInstances, WaitUntilInstancesReady, StartInstancesAgain, CheckHttpd, CheckHttpdFinished, StartHttpd, StartHttpdFinished, CheckHttpdRunning, CheckHttpdRunningFinished, WaitUntilAllTargetsHealthy, DisableMaintenancePage; "
            + "or one of the functions they call: checkCalendar, takeRunLock, describeInstances, startInstances, sendScript, getScriptResults, describeCluster, startCluster, disableMaintenancePage, describeTargetHealth; the form is throttle:STEP[:COUNT]\n"]);
    });

    it("exits 2 with the message alone for a bad stack config", () => {
        const file = path.join(projectDir, "Pulumi.cli-bad-config.yaml");
        // The other test processes see the project's stack files as shipped, without this one.
        const r = withStackFiles(() => {
            fs.writeFileSync(file, 'config:\n  aws:region: ap-northeast-1\n  webapp-jobnet:webServerCount: "0"\n');
            try {
                return run(["--stack", "cli-bad-config"]);
            } finally {
                fs.rmSync(file);
            }
        });
        assert.strictEqual(r.status, 2);
        assert.strictEqual(r.stderr, [
            "Stack config is invalid (1 problem):",
            '  webapp-jobnet:webServerCount: got "0"; expected a whole number from 1 to 500',
            "Fix with `pulumi config set KEY VALUE`; `pulumi config rm KEY` returns a key to its default.",
            "",
        ].join("\n"));
    });
});

describe("every command, run with --help", function () {
    this.timeout(120_000);
    for (const [script, usage] of [["start.ts", "Usage: npm start -- [options]\n"], ["synth.ts", "Usage: npm run synth -- [--stack NAME] [--docs]\n"], ["bench.ts", "Usage: npm run bench [-- --help]\n"], ["ops.ts", "Usage: npm run ops -- COMMAND [options]\n"]]) {
        it(`${script} shows its usage and exits 0`, () => {
            const r = runCli(script, ["--help"]);
            assert.strictEqual(r.status, 0, r.stderr);
            assert.ok(r.stdout.startsWith(usage), r.stdout);
        });
    }

    // The commands that write files of the project: their help writes none.
    for (const [script, usage, written] of [["holidays.ts", "Usage: npm run holidays [-- --help]\n", ["handlers/holidaysJp.ts"]], ["configDocs.ts", "Usage: npm run config-docs [-- --help]\n", ["README.md", "Pulumi.yaml"]]] as const) {
        it(`${script} shows its usage, exits 0 and writes nothing`, () => {
            const modified = () => written.map((file) => fs.statSync(path.join(projectDir, file)).mtimeMs);
            const before = modified();
            const r = runCli(script, ["--help"]);
            assert.strictEqual(r.status, 0, r.stderr);
            assert.ok(r.stdout.startsWith(usage), r.stdout);
            assert.deepStrictEqual(modified(), before);
            const bad = runCli(script, ["--dry-run"]);
            assert.deepStrictEqual([bad.status, bad.stdout, bad.stderr, modified()], [2, "", 'unknown option "--dry-run"; the only option is --help\n', before]);
        });
    }
});
