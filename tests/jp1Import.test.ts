import * as assert from "assert";
import { importUnits } from "../scripts/lib/jp1/convert";
import { HostMapping, parseHostMapping } from "../scripts/lib/jp1/hosts";
import { projectName } from "../scripts/lib/jp1/names";
import { reportLine } from "../scripts/lib/jp1/notConverted";
import { parseUnitDefinitions } from "../scripts/lib/jp1/unitDefinitions";

const anyHostOnBatch: HostMapping = { "*": { group: "batch", servers: "one" } };

/** The units of a jobnet NET in a job group GRP, each unit written `NAME:TYPE { parameters }`. */
function jobnet(body: string, netParameters = ""): string {
    const units = [...body.matchAll(/(\S+):(\w+)\s*\{([^}]*)\}/g)];
    return `unit=GRP,,jp1admin,;\n{\n\tty=g;\n\tunit=NET,,jp1admin,;\n\t{\n\t\tty=n;\n${units.map(([, name, ty], i) => `\t\tel=${name},${ty},+${80 + 160 * i} +48;\n`).join("")}${netParameters}${units.map(([, name, ty, params]) => `\t\tunit=${name},,jp1admin,;\n\t\t{\n\t\t\tty=${ty};\n${params.split(/;/).map((l) => l.trim()).filter((l) => l !== "").map((l) => `${l};`).map((l) => `\t\t\t${l.trim()}\n`).join("")}\t\t}\n`).join("")}\t}\n}\n`;
}

const importOf = (text: string, hosts: HostMapping = anyHostOnBatch) => importUnits(parseUnitDefinitions(text, "t.def"), { hosts, timeZone: "Asia/Tokyo" });

describe("importing JP1/AJS3 jobnets (npm run import-jp1)", () => {
    describe("a UNIX job, parameter by parameter", () => {
        it("carries the script and its parameters, work path, environment, user, host, time-out, time required, thresholds and retry", () => {
            const { jobnets, notConverted } = importOf(jobnet(`
                EXTRACT:j {
                    sc="/opt/batch/bin/extract.sh";
                    prm="orders #"yesterday#"";
                    wkp="/opt/batch";
                    env="BATCH_TABLE=orders";
                    env="LANG=ja_JP.UTF-8";
                    un="batch";
                    ex="dbhost01";
                    etm=60;
                    fd=20;
                    jd=cod;
                    wth=2;
                    tho=8;
                    abr=y;
                    rjs=75;
                    rje=75;
                    rec=3;
                    rei=2;
                }`), { dbhost01: { group: "db-client", servers: "one" } });
            assert.deepStrictEqual(notConverted, []);
            assert.deepStrictEqual(jobnets[0].definition.jobs, {
                extract: {
                    kind: "command",
                    on: { group: "db-client", servers: "one" },
                    command: '/opt/batch/bin/extract.sh orders "yesterday"',
                    workingDirectory: "/opt/batch",
                    environment: { BATCH_TABLE: "orders", LANG: "ja_JP.UTF-8" },
                    user: "batch",
                    timeoutMinutes: 60,
                    expectedMinutes: 20,
                    end: { warningAbove: 2, abnormalAbove: 8 },
                    retry: { exitCodes: { from: 75, to: 75 }, times: 3, intervalMinutes: 2 },
                },
            });
            assert.deepStrictEqual([jobnets[0].jobs[0].host, jobnets[0].jobs[0].notes], ["dbhost01", []]);
        });

        it("runs a command text as written, and sends the standard files where JP1/AJS3 did", () => {
            const { jobnets } = importOf(jobnet(`
                LOAD:j {
                    te="/opt/batch/bin/load.sh && echo ##done";
                    si="/data/in.txt";
                    so="/var/log/batch/load.log";
                    soa=add;
                    se="/var/log/batch/load.err";
                    un="batch";
                    etm=30;
                }`));
            const job = jobnets[0].definition.jobs.load;
            assert.strictEqual(job.kind === "command" && job.command, "{\n/opt/batch/bin/load.sh && echo #done\n} < /data/in.txt >> /var/log/batch/load.log 2> /var/log/batch/load.err");
        });

        it("without un reports that it would run as root; without etm or ex says what it chose: Run Command's longest time-out, the host mapping's \"*\"", () => {
            const { jobnets, notConverted } = importOf(jobnet(`CLEAN:j { te="rm -f /tmp/x"; }`));
            const [clean] = jobnets[0].jobs;
            assert.deepStrictEqual(clean.job, { kind: "command", on: { group: "batch", servers: "one" }, command: "rm -f /tmp/x", timeoutMinutes: 2880 });
            assert.deepStrictEqual(clean.notes, ["no time-out (etm) in JP1/AJS3: the longest Run Command allows, 2880 minutes"]);
            assert.deepStrictEqual(notConverted.map(reportLine), ["t.def:8: /GRP/NET/CLEAN: un (none): JP1/AJS3 ran it as the OS user its user mapping gives the JP1 user who registered the jobnet; here it would run as root: set user"]);
        });

        it("reports a macro variable, filled from an earlier job's passing information", () => {
            const { notConverted } = importOf(jobnet(`PROCESS:j { sc="/opt/p.sh"; prm="?AJS2DATAFILE?"; un="u"; etm=5; }`));
            assert.deepStrictEqual(notConverted.map(reportLine), ["t.def:12: /GRP/NET/PROCESS: prm=\"?AJS2DATAFILE?\": a macro variable, filled from an earlier job's passing information: the job that sets it emits a value here (emits: [NAME]) and this one reads {{JOB.NAME}}"]);
        });

        it("ends normally whatever the code with jd=nm; reports jd=ab, an end-judgment file, a priority, file transfers and retry values without abr=y", () => {
            const { jobnets, notConverted } = importOf(jobnet(`
                A:j { te="a"; un="u"; etm=5; jd=nm; }
                B:j { te="b"; un="u"; etm=5; jd=ab; pr=3; ts1="/tmp/x"; td1="/tmp/y"; rec=2; }
                C:j { te="c"; un="u"; etm=5; jd=exf; jdf="/tmp/ok"; }`));
            const jobs = jobnets[0].definition.jobs;
            assert.deepStrictEqual(jobs.a.kind === "command" && jobs.a.end, { warningAbove: 4294967295, abnormalAbove: 4294967295 });
            assert.deepStrictEqual(notConverted.map(reportLine), [
                "t.def:24: /GRP/NET/B: jd=ab: always ends abnormally: no counterpart",
                "t.def:25: /GRP/NET/B: pr=3: the job's execution priority (nice value): no counterpart in Run Command",
                "t.def:26: /GRP/NET/B: ts1=\"/tmp/x\": a file sent from the manager to the agent before the job: no counterpart; put the file on the servers (or in S3) another way",
                "t.def:27: /GRP/NET/B: td1=\"/tmp/y\": a file sent from the manager to the agent before the job: no counterpart; put the file on the servers (or in S3) another way",
                "t.def:28: /GRP/NET/B: rec=2: automatic retry is off (no abr=y): not used",
                "t.def:36: /GRP/NET/C: jd=exf: judged by a file being created: no counterpart; judge the exit code",
                "t.def:37: /GRP/NET/C: jdf=\"/tmp/ok\": an end-judgment file: no counterpart; the exit code is judged",
            ]);
        });

        it("takes a job's host from its jobnet's ex= when it names none, and reports a host the mapping lacks", () => {
            const { jobnets, notConverted } = importOf(jobnet(`A:j { te="a"; un="u"; etm=5; }\nB:j { te="b"; un="u"; etm=5; ex="apsv09"; }`, '\t\tex="apsv01";\n'), { apsv01: { group: "batch" } });
            assert.deepStrictEqual(jobnets[0].jobs.map((j) => [j.name, j.host, j.job.kind === "command" && j.job.on]), [["a", "apsv01", { group: "batch", servers: "one" }], ["b", "apsv09", { group: "apsv09", servers: "one" }]]);
            assert.deepStrictEqual(notConverted.map(reportLine), ['t.def:23: /GRP/NET/B: ex="apsv09": the host mapping names no group for host apsv09: add "apsv09": "GROUP" to the --hosts file']);
        });
    });

    it("runs a PC job's program with its parameters as written, past PowerShell's parsing, its exit code the job's", () => {
        const { jobnets, notConverted } = importOf(jobnet(`REPORT:pj { sc="C:\\jobs\\weekly report.bat"; prm="/mode:full %DATE%"; wkp="C:\\jobs"; etm=30; un="svc"; }`), { "*": { group: "windows" } });
        assert.deepStrictEqual(jobnets[0].definition.jobs.report, {
            kind: "command",
            on: { group: "windows", servers: "one" },
            command: "& 'C:\\jobs\\weekly report.bat' --% /mode:full %DATE%\nexit $LASTEXITCODE",
            shell: "powershell",
            workingDirectory: "C:\\jobs",
            timeoutMinutes: 30,
        });
        assert.deepStrictEqual(notConverted.map((n) => n.what), ['un="svc"']);
    });

    it("keeps relations that nested Parallel blocks cannot express: each job waits for exactly its predecessors", () => {
        const { jobnets } = importOf(jobnet(`
            A:j { te="a"; un="u"; etm=5; }
            B:j { te="b"; un="u"; etm=5; }
            C:j { te="c"; un="u"; etm=5; }
            D:j { te="d"; un="u"; etm=5; }`, "\t\tar=(f=A,t=C);\n\t\tar=(f=A,t=D);\n\t\tar=(f=B,t=D);\n"));
        assert.deepStrictEqual(Object.fromEntries(Object.entries(jobnets[0].definition.jobs).map(([n, j]) => [n, j.after ?? []])), { a: [], b: [], c: ["a"], d: ["a", "b"] });
        // Each job bounded by its 5 minutes: the longest path is two jobs.
        assert.deepStrictEqual([jobnets[0].definition.timeoutMinutes, jobnets[0].definition.expectedMinutes], [10, 10]);
    });

    it("reports each jobnet parameter with no counterpart with what it did in JP1/AJS3: an exclusive schedule is about days, not runs that overlap", () => {
        const { notConverted } = importOf(jobnet("A:j { te=\"true\"; un=\"batch\"; }", "\t\tejn=MONTH_END;\n\t\tcd=3;\n\t\tms=mlt;\n"));
        assert.deepStrictEqual(notConverted.map((n) => `${n.what}: ${n.reason}`), [
            "ejn=MONTH_END: an exclusive schedule: JP1/AJS3 does not run this jobnet on the days the named jobnet is scheduled: no counterpart; close those days in this jobnet's calendar",
            "cd=3: concurrent runs of the jobnet: here a jobnet runs once at a time (its run lock)",
            "ms=mlt: multiple schedules: no counterpart",
        ]);
    });

    it("gives a jobnet named as the stack's stop or start jobnet, or as one of the team's own, a name of its own", () => {
        const net = (name: string) => `unit=${name},,jp1admin,;\n{\n\tty=n;\n\tunit=J,,jp1admin,;\n\t{\n\t\tty=j;\n\t\tte="true";\n\t\tun="batch";\n\t}\n}\n`;
        const { jobnets } = importUnits(parseUnitDefinitions(net("START") + net("STOP") + net("NIGHTLY_BATCH") + net("OTHER"), "t.def"), { hosts: anyHostOnBatch, timeZone: "Asia/Tokyo", reserved: ["nightly-batch"] });
        assert.deepStrictEqual(jobnets.map((j) => j.name), ["start-2", "stop-2", "nightly-batch-2", "other"]);
    });

    describe("a jobnet printed without its job group", () => {
        const net = (name: string) => `unit=${name},,jp1admin,;\n{\n\tty=n;\n\tsd=1,2027/01/01;\n\tst=1,01:30;\n\tcy=1,(1,d);\n\tsh=1,ca;\n\tunit=J,,jp1admin,;\n\t{\n\t\tty=j;\n\t\tte="true";\n\t\tun="batch";\n\t}\n}\n`;

        it("keeps its rules and reports that the days its group closes are unknown: every day is open until a calendar says otherwise", () => {
            const { jobnets, notConverted } = importOf(net("NIGHTLY"));
            assert.deepStrictEqual([jobnets[0].name, jobnets[0].calendar, jobnets[0].definition.schedules?.length], ["nightly", { country: "none" }, 1]);
            assert.deepStrictEqual(notConverted.map(reportLine), ["t.def:1: /NIGHTLY: calendar: its job group is not in the file: the open and closed days its rules are judged by are unknown here, and every day is taken as open; print the job group with ajsprint -a, or set calendar"]);
        });

        it("takes the job groups of a top unit written with its full path for its name and folder, and reports their calendar as unknown", () => {
            const { jobnets, notConverted } = importOf(net("/SALES/NIGHTLY"));
            assert.deepStrictEqual([jobnets[0].name, jobnets[0].unit.path, jobnets[0].jobs[0].unit.path, jobnets[0].groups.map((g) => g.path)], ["sales-nightly", "/SALES/NIGHTLY", "/SALES/NIGHTLY/J", ["/SALES"]]);
            assert.deepStrictEqual(notConverted.map(reportLine), ["t.def:1: /SALES/NIGHTLY: calendar: its job group /SALES is not in the file: the open and closed days its rules are judged by are unknown here, and every day is taken as open; print the job group with ajsprint -a, or set calendar"]);
        });
    });

    describe("judgment jobs", () => {
        const judged = (ej: string, extra = "") => importOf(jobnet(`
            CHECK:j { te="check"; un="u"; etm=5; }
            JUDGE:jdj { ej=${ej}; ${extra} }
            ORDER:j { te="order"; un="u"; etm=5; }
            FORM:j { te="form"; un="u"; etm=5; }`, "\t\tar=(f=CHECK,t=JUDGE);\n\t\tar=(f=JUDGE,t=ORDER,con);\n\t\tar=(f=ORDER,t=FORM);\n\t\tar=(f=JUDGE,t=FORM);\n"));

        it("runs the dependent unit when the condition holds; what follows the judgment and the dependent unit runs either way", () => {
            const { jobnets, notConverted } = judged("ge", "ejc=4;");
            const jobs = jobnets[0].definition.jobs;
            assert.deepStrictEqual(notConverted, []);
            assert.deepStrictEqual(jobs.judge, { kind: "judgment", after: ["check"], when: { above: 3 }, then: ["order"] });
            assert.deepStrictEqual(jobs.form.after, ["order", "judge"]);
        });

        it("runs the units after a bypassed dependent unit, as JP1/AJS3 does: they wait for the judgment too", () => {
            const { jobnets } = importOf(jobnet(`
                CHECK:j { te="check"; un="u"; etm=5; }
                JUDGE:jdj { ej=gt; ejc=0; }
                FIX:j { te="fix"; un="u"; etm=5; }
                REPORT:j { te="report"; un="u"; etm=5; }`, "\t\tar=(f=CHECK,t=JUDGE);\n\t\tar=(f=JUDGE,t=FIX,con);\n\t\tar=(f=FIX,t=REPORT);\n"));
            const report = jobnets[0].jobs.find((j) => j.name === "report")!;
            assert.deepStrictEqual([report.job.after, report.notes], [["fix", "judge"], ["after judge too: JP1/AJS3 runs it when judge bypasses fix"]]);
        });

        const conditions: [string, string, object, boolean][] = [
            ["gt", "ejc=4;", { above: 4 }, false],
            ["eq", "ejc=0;", { equals: 0 }, false],
            ["ne", "ejc=0;", { equals: 0 }, true],
            ["lt", "ejc=3;", { from: -2147483648, to: 2 }, false],
            ["le", "ejc=3;", { from: -2147483648, to: 3 }, false],
            ["ri", "ejl=1; ejh=3;", { from: 1, to: 3 }, false],
            ["ro", "ejl=1; ejh=3;", { from: 1, to: 3 }, true],
        ];
        for (const [ej, values, when, negated] of conditions) {
            it(`converts ej=${ej} (${values}) into ${JSON.stringify(when)}${negated ? ", the dependent unit in else" : ""}`, () => {
                const jobs = judged(ej, values).jobnets[0].definition.jobs;
                assert.deepStrictEqual(jobs.judge, { kind: "judgment", after: ["check"], when, ...(negated ? { then: [], else: ["order"] } : { then: ["order"] }) });
            });
        }

        it("reports a judgment of a file or a macro variable, and holds the dependent unit for an operator", () => {
            const { jobnets, notConverted } = judged("ef", 'ejf="/data/ready";');
            assert.deepStrictEqual(notConverted.map(reportLine), ["t.def:25: /GRP/NET/JUDGE: ej=ef: judges whether a file exists: no counterpart; a wait-for-file job (S3) or a command job that tests the file may stand for it"]);
            const order = jobnets[0].jobs.find((j) => j.name === "order")!;
            assert.deepStrictEqual([order.job.after, order.job.kind === "command" && order.job.hold, order.notes], [["check"], { maxMinutes: 1440 }, ["NOT CONVERTED before it: /GRP/NET/JUDGE; it is held until an operator has done by hand what that did (npm run ops -- release)"]]);
        });
    });

    it("makes a recovery unit the recovery job of the unit before it, and a recovery unit after it a job after that one", () => {
        const { jobnets, notConverted } = importOf(jobnet(`
            LOAD:j { te="load"; un="u"; etm=5; }
            ROLLBACK:rj { te="rollback"; un="u"; etm=5; }
            TELL:rj { te="tell"; un="u"; etm=5; }
            REPORT:j { te="report"; un="u"; etm=5; }`, "\t\tar=(f=LOAD,t=ROLLBACK);\n\t\tar=(f=ROLLBACK,t=TELL);\n\t\tar=(f=LOAD,t=REPORT);\n"));
        const jobs = jobnets[0].definition.jobs;
        assert.deepStrictEqual(notConverted, []);
        assert.deepStrictEqual([jobs.load.kind !== "judgment" && jobs.load.recovery, jobs.rollback.after, jobs.tell.after, jobs.report.after], [{ jobs: ["rollback"] }, undefined, ["rollback"], ["load"]]);
    });

    it("makes a nested jobnet a jobnet of its own, run by a jobnet job of its parent (held with ha=y)", () => {
        const text = `unit=GRP,,jp1admin,;\n{\n\tty=g;\n\tunit=MONTHEND,,jp1admin,;\n\t{\n\t\tty=n;\n\t\tel=CLOSE,n,+80 +48;\n\t\tel=POST,j,+240 +48;\n\t\tar=(f=CLOSE,t=POST);\n\t\tunit=CLOSE,,jp1admin,;\n\t\t{\n\t\t\tty=n;\n\t\t\tha=y;\n\t\t\tel=SUM,j,+80 +48;\n\t\t\tunit=SUM,,jp1admin,;\n\t\t\t{\n\t\t\t\tty=j;\n\t\t\t\tte="sum";\n\t\t\t\tun="u";\n\t\t\t\tetm=30;\n\t\t\t}\n\t\t}\n\t\tunit=POST,,jp1admin,;\n\t\t{\n\t\t\tty=j;\n\t\t\tte="post";\n\t\t\tun="u";\n\t\t\tetm=10;\n\t\t}\n\t}\n}\n`;
        const { jobnets, notConverted } = importOf(text);
        assert.deepStrictEqual(notConverted, []);
        assert.deepStrictEqual(jobnets.map((n) => [n.name, n.unit.path, n.nestedIn, n.definition.timeoutMinutes]), [["grp-monthend", "/GRP/MONTHEND", undefined, 1480], ["grp-monthend-close", "/GRP/MONTHEND/CLOSE", "grp-monthend", 30]]);
        assert.deepStrictEqual(jobnets[0].definition.jobs.close, { kind: "jobnet", jobnet: "grp-monthend-close", hold: { maxMinutes: 1440 } });
    });

    it("reports each unit it cannot convert, and holds the jobs after it for an operator, waiting for the units before it", () => {
        const { jobnets, notConverted } = importOf(jobnet(`
            GET:cj { cty="JP1FTP"; }
            WAIT:flwj { flwf="/data/in/*.csv"; }
            LOAD:j { te="load"; un="u"; etm=5; }
            PREP:j { te="prep"; un="u"; etm=5; }`, "\t\tar=(f=PREP,t=GET);\n\t\tar=(f=GET,t=WAIT);\n\t\tar=(f=WAIT,t=LOAD);\n"));
        assert.deepStrictEqual(notConverted.map(reportLine), [
            "t.def:14: /GRP/NET/GET: unit GET (ty=cj): a custom job (JP1FTP): no counterpart; a command job that runs the same program on a server group may stand for it",
            "t.def:19: /GRP/NET/WAIT: unit WAIT (ty=flwj): a file monitoring job: no counterpart",
        ]);
        const load = jobnets[0].jobs.find((j) => j.name === "load")!;
        assert.deepStrictEqual([load.job.after, load.job.kind === "command" && load.job.hold, load.notes[0]], [["prep"], { maxMinutes: 1440 }, "NOT CONVERTED before it: /GRP/NET/GET, /GRP/NET/WAIT; it is held until an operator has done by hand what that did (npm run ops -- release)"]);
    });

    describe("a unit not converted where a judgment or a recovery gives the units around it their meaning", () => {
        const after = (jobs: { name: string; job: { after?: string[] } }[]) => Object.fromEntries(jobs.map((j) => [j.name, (j.job.after ?? []).join(" ")]));

        it("a judgment's dependent unit: the units after it wait for the judgment and run whichever way it judges, as JP1/AJS3 runs them", () => {
            const { jobnets, notConverted } = importOf(jobnet(`
                CHK:j { te="chk"; un="u"; etm=5; }
                J:jdj { ej=eq; ejc=1; }
                FTP:cj { cty="JP1FTP"; }
                X:j { te="x"; un="u"; etm=5; }`, "\t\tar=(f=CHK,t=J);\n\t\tar=(f=J,t=FTP,con);\n\t\tar=(f=FTP,t=X);\n"));
            const x = jobnets[0].jobs.find((j) => j.name === "x")!;
            assert.deepStrictEqual([after(jobnets[0].jobs).x, x.job.kind === "command" && x.job.hold], ["j", { maxMinutes: 1440 }]);
            assert.deepStrictEqual(notConverted.map((n) => `${n.path} ${n.what}: ${n.reason}`), [
                "/GRP/NET/J unit J (ty=jdj): a judgment job with no dependent unit (no ar=(...,con) from it): it decides nothing",
                "/GRP/NET/FTP unit FTP (ty=cj): a custom job (JP1FTP): no counterpart; a command job that runs the same program on a server group may stand for it",
            ]);
        });

        it("the unit a recovery unit recovers, or the unit a judgment judges: neither is converted, and the units after them are held", () => {
            const { jobnets, notConverted } = importOf(jobnet(`
                A:j { te="a"; un="u"; etm=5; }
                FTP:cj { cty="JP1FTP"; }
                R:rj { te="r"; un="u"; etm=5; }
                J:jdj { ej=gt; ejc=0; }
                D:j { te="d"; un="u"; etm=5; }`, "\t\tar=(f=A,t=FTP);\n\t\tar=(f=FTP,t=R);\n\t\tar=(f=FTP,t=J);\n\t\tar=(f=J,t=D,con);\n"));
            assert.deepStrictEqual(jobnets[0].jobs.map((j) => j.name), ["a", "d"]);
            const a = jobnets[0].jobs.find((j) => j.name === "a")!;
            assert.strictEqual((a.job as { recovery?: unknown }).recovery, undefined, "R recovered FTP, never A");
            assert.deepStrictEqual(after(jobnets[0].jobs).d, "a");
            assert.deepStrictEqual(notConverted.filter((n) => ["/GRP/NET/R", "/GRP/NET/J"].includes(n.path)).map((n) => n.reason), [
                "a recovery unit runs when it ends abnormally FTP, which is not converted",
                "a judgment job judges the return code of FTP, which is not converted",
            ]);
        });

        it("a recovery unit not converted before a normal unit: reported, as JP1/AJS3 never runs a normal unit after a recovery unit", () => {
            const { notConverted } = importOf(jobnet(`
                A:j { te="a"; un="u"; etm=5; }
                RC:rcj { cty="JP1FTP"; }
                N:j { te="n"; un="u"; etm=5; }`, "\t\tar=(f=A,t=RC);\n\t\tar=(f=RC,t=N);\n"));
            assert.ok(notConverted.some((n) => n.what === "ar=(f=A,t=RC)" && n.reason === "JP1/AJS3 never runs a normal unit after a recovery unit (RC); here N runs after A when it runs"), JSON.stringify(notConverted, null, 1));
        });

        it("a judgment with nothing before it, and a recovery judgment job: reported, never written as code that cannot compile", () => {
            const { jobnets, notConverted } = importOf(jobnet(`
                EV:evwj { evwid=1; }
                J:jdj { ej=gt; ejc=0; }
                D:j { te="d"; un="u"; etm=5; }
                A:j { te="a"; un="u"; etm=5; }
                RJ:rjdj { ej=gt; ejc=0; }`, "\t\tar=(f=EV,t=J);\n\t\tar=(f=J,t=D,con);\n\t\tar=(f=A,t=RJ);\n"));
            assert.deepStrictEqual(jobnets[0].jobs.map((j) => j.name), ["d", "a"]);
            assert.ok(jobnets[0].jobs.every((j) => !(j.job.after ?? []).includes("")));
            assert.deepStrictEqual(notConverted.filter((n) => ["/GRP/NET/J", "/GRP/NET/RJ"].includes(n.path)).map((n) => n.reason), [
                "a judgment job judges the return code of EV, which is not converted",
                "a recovery judgment job: no counterpart",
            ]);
        });
    });

    it("reports a PC job's command text, which PowerShell reads as its own language", () => {
        const { notConverted } = importOf(jobnet(`RUN:pj { te="#"C:\\App\\run.exe#" /x"; etm=5; }`));
        assert.deepStrictEqual(notConverted.map((n) => `${n.what}: ${n.reason}`), ['te="\\"C:\\\\App\\\\run.exe\\" /x": a command text on a PC job: it runs here as PowerShell reads it, which may not be as JP1/AJS3 ran it; check it, or give the program as sc= and its parameters as prm=']);
    });

    it("gives JP1/AJS3 names this project's form, the same on every import", () => {
        assert.deepStrictEqual(["EXTRACT_ORDERS", "Load.Sales 2", "夜間バッチ", "ＡＢＣ１"].map(projectName), ["extract-orders", "load-sales-2", "unit-67865a", "abc1"]);
    });

    describe("the host mapping (--hosts)", () => {
        it("reads a group, or a group and how many of its servers", () => {
            assert.deepStrictEqual(parseHostMapping('{ "dbhost01": "db-client", "apsv01": { "group": "batch", "servers": "every" } }', "h.json"), { dbhost01: { group: "db-client", servers: "one" }, apsv01: { group: "batch", servers: "every" } });
        });
        const wrong: [string, string][] = [
            ["[1]", 'h.json: expected a JSON object { "HOST": "GROUP", ... }'],
            ['{ "a": "DB_CLIENT" }', 'h.json: host a: expected "GROUP" or { "group": "GROUP", "servers": "one" | "every" }, a group as the stack\'s jobnetGroups names it (^[a-z0-9][a-z0-9-]{0,47}$), found "DB_CLIENT"'],
            ['{ "a": { "group": "batch", "servers": "all" } }', 'h.json: host a: servers is "one" or "every", not "all"'],
        ];
        for (const [text, message] of wrong) {
            it(`names the host and the expected form: ${message.slice(8, 60)}…`, () => {
                assert.throws(() => parseHostMapping(text, "h.json"), (e: Error) => e.message === message);
            });
        }
    });
});
