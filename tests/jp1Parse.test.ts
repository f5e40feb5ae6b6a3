import * as assert from "assert";
import * as fs from "fs";
import { Unit, UnitSyntaxError, decodeUnitFile, parameter, parameters, parseUnitDefinitions, unquoted } from "../scripts/lib/jp1/unitDefinitions";

const fixture = (name: string) => fs.readFileSync(`tests/fixtures/jp1/${name}`);

describe("JP1/AJS3 unit definition files (the syntax ajsprint writes)", () => {
    it("reads units inside units, their attributes, and their parameters in order, with their lines", () => {
        const [group] = parseUnitDefinitions(decodeUnitFile(fixture("nightly.def")).text, "nightly.def");
        assert.deepStrictEqual([group.name, group.owner, group.path, group.line, parameter(group, "ty")], ["BATCH", "jp1admin", "/BATCH", 2, "g"]);
        const [net] = group.units;
        assert.deepStrictEqual([net.path, net.units.map((u) => u.path)], ["/BATCH/NIGHTLY", ["/BATCH/NIGHTLY/EXTRACT", "/BATCH/NIGHTLY/LOAD"]]);
        assert.deepStrictEqual(parameters(net, "el").map((p) => [p.value, p.line]), [["EXTRACT,j,+80 +48", 9], ["LOAD,j,+240 +48", 10]]);
        assert.deepStrictEqual([parameter(net, "ar"), parameter(net, "sd"), parameter(net, "st")], ["(f=EXTRACT,t=LOAD)", "1,en", "1,01:30"]);
    });

    it("unquotes strings, where #\" is a quote and ## a #, and keeps a ; inside them", () => {
        const [group] = parseUnitDefinitions(fixture("nightly.def").toString("utf8"), "nightly.def");
        const [extract, load] = group.units[0].units;
        assert.deepStrictEqual([unquoted(parameter(extract, "sc")!), unquoted(parameter(extract, "prm")!), unquoted(parameter(extract, "ex")!)], ["/opt/batch/bin/extract.sh", 'orders "today"', "dbhost01"]);
        assert.strictEqual(unquoted(parameter(load, "te")!), "/opt/batch/bin/load.sh; echo done #1");
        assert.deepStrictEqual([parameter(load, "jd"), parameter(load, "wth"), parameter(load, "tho")], ["cod", "0", "3"]);
    });

    it("reads Shift_JIS, as JP1/AJS3 writes on Japanese systems, and UTF-8 with or without a BOM", () => {
        const text = 'unit=夜間,,jp1admin,;\n{\n\tty=n;\n\tcm="夜間バッチ";\n}\n';
        // 夜間 and バッチ in Shift_JIS, written byte by byte.
        const sjis = Buffer.from([...Buffer.from("unit="), 0x96, 0xe9, 0x8a, 0xd4, ...Buffer.from(',,jp1admin,;\n{\n\tty=n;\n\tcm="'), 0x96, 0xe9, 0x8a, 0xd4, 0x83, 0x6f, 0x83, 0x62, 0x83, 0x60, ...Buffer.from('";\n}\n')]);
        assert.deepStrictEqual(decodeUnitFile(sjis), { text, encoding: "shift_jis" });
        assert.deepStrictEqual(decodeUnitFile(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])), { text, encoding: "utf-8" });
        assert.strictEqual(unquoted(parameter(parseUnitDefinitions(text, "f")[0], "cm")!), "夜間バッチ");
    });

    it("reads a start date counted in open days (sd=2027/01/*b) as a value, not the start of a comment", () => {
        const [net] = parseUnitDefinitions("unit=NET,,jp1admin,;\n{\n\tty=n; /* monthly */\n\tsd=1,2027/01/*b;\n\tsd=2,*01;\n}\n", "f.def");
        assert.deepStrictEqual(parameters(net, "sd").map((p) => [p.value, p.line]), [["1,2027/01/*b", 4], ["2,*01", 5]]);
    });

    const broken: [string, string][] = [
        ["unit=A,,u,;\n{\n\tty=n\n}\n", 'f.def:4: expected ; at the end of ty=n, found "}"'],
        ['unit=A,,u,;\n{\n\tty=j;\n\tte="a" "b";\n}\n', 'f.def:4: expected "," or ";" after te="a", found "b"'],
        ["unit=A,,u,;\n{\n\tty=n;\n", 'f.def:3: expected "}" to close the definition of unit A (line 1), found the end of the file'],
        ["ty=n;\n", 'f.def:1: expected unit=NAME,...; (a unit attribute parameter), found "ty"'],
        ['unit=A,,u,;\n{\n\tsc="/bin/x;\n}\n', "f.def:3: expected the closing quote of the string, found the end of the file"],
        ["/* never closed\nunit=A;{}", "f.def:1: expected the end of the comment, */, found the end of the file"],
        ["unit=A,,u,;\nty=n;\n", 'f.def:2: expected "{" to open the definition of unit A, found "ty"'],
    ];
    for (const [text, message] of broken) {
        it(`names the line and what it expected: ${message.split(": expected ")[1]}`, () => {
            assert.throws(() => parseUnitDefinitions(text, "f.def"), (e: Error) => e instanceof UnitSyntaxError && e.message === message);
        });
    }
    describe("the corpus the importer is tested on (tests/fixtures/jp1, meanings in EXPECTED.md)", () => {
        const corpus = (name: string) => {
            const { text, encoding } = decodeUnitFile(fixture(name));
            const units = parseUnitDefinitions(text, name);
            const all = (unit: Unit): Unit[] => [unit, ...unit.units.flatMap(all)];
            return { encoding, units: units.flatMap(all) };
        };
        const pathsAndTypes = (units: Unit[]) => units.map((u) => `${u.path} ${parameter(u, "ty")}`);
        const unit = (units: Unit[], path: string) => units.find((u) => u.path === path)!;

        it("nightly-batch.def: a job group with its calendar and a jobnet whose relations are not series-parallel", () => {
            const { encoding, units } = corpus("nightly-batch.def");
            assert.strictEqual(encoding, "utf-8");
            assert.deepStrictEqual(pathsAndTypes(units), [
                "/SALES g", "/SALES/NIGHTLY n", "/SALES/NIGHTLY/EXTRACT_ORDERS j", "/SALES/NIGHTLY/EXTRACT_CUSTOMERS j", "/SALES/NIGHTLY/TRANSFORM_ORDERS j",
                "/SALES/NIGHTLY/JOIN_CUSTOMERS j", "/SALES/NIGHTLY/LOAD j", "/SALES/NIGHTLY/SUMMARIZE j", "/SALES/NIGHTLY/REPORT j",
            ]);
            const [group, net] = units;
            assert.deepStrictEqual([parameters(group, "cl").map((p) => p.value), parameters(group, "op").map((p) => p.value)], [
                ["sa", "su", "2027/01/01", "2027/01/11", "2027/05/03", "2027/05/04", "2027/05/05", "2027/12/31"], ["2027/03/27"],
            ]);
            assert.deepStrictEqual(parameters(net, "ar").map((p) => p.value).slice(0, 3), ["(f=EXTRACT_ORDERS,t=TRANSFORM_ORDERS)", "(f=EXTRACT_ORDERS,t=JOIN_CUSTOMERS)", "(f=EXTRACT_CUSTOMERS,t=JOIN_CUSTOMERS)"]);
            const join = unit(units, "/SALES/NIGHTLY/JOIN_CUSTOMERS");
            assert.strictEqual(unquoted(parameter(join, "prm")!), '--key "customer id" --out /data/sales/joined.csv');
        });

        it("month-end.def: a nested jobnet, a recovery job, a judgment job with its dependent unit, and a hold", () => {
            const { encoding, units } = corpus("month-end.def");
            assert.strictEqual(encoding, "utf-8");
            assert.deepStrictEqual(pathsAndTypes(units), [
                "/ACCOUNTING g", "/ACCOUNTING/MONTH_END n", "/ACCOUNTING/MONTH_END/CLOSE_LEDGER j", "/ACCOUNTING/MONTH_END/ROLLBACK_LEDGER rj",
                "/ACCOUNTING/MONTH_END/CHECK_BALANCE j", "/ACCOUNTING/MONTH_END/NEEDS_ADJUSTMENT jdj", "/ACCOUNTING/MONTH_END/POST_ADJUSTMENTS j",
                "/ACCOUNTING/MONTH_END/REPORTS n", "/ACCOUNTING/MONTH_END/REPORTS/PL_REPORT j", "/ACCOUNTING/MONTH_END/REPORTS/BS_REPORT j",
                "/ACCOUNTING/MONTH_END/REPORTS/PUBLISH j",
            ]);
            const net = unit(units, "/ACCOUNTING/MONTH_END");
            assert.deepStrictEqual(["sd", "st", "cy", "sh", "shd"].map((name) => parameter(net, name)), ["1,2027/01/b", "1,22:00", "1,(1,m)", "1,be", "1,5"]);
            assert.ok(parameters(net, "ar").some((p) => p.value === "(f=NEEDS_ADJUSTMENT,t=POST_ADJUSTMENTS,con)"));
            assert.strictEqual(parameter(unit(units, "/ACCOUNTING/MONTH_END/POST_ADJUSTMENTS"), "ha"), "y");
        });

        it("weekly-maintenance.def: Shift_JIS with Japanese comments, a PC job with Windows paths, jobs on two UNIX hosts", () => {
            const { encoding, units } = corpus("weekly-maintenance.def");
            assert.strictEqual(encoding, "shift_jis");
            assert.deepStrictEqual(pathsAndTypes(units), [
                "/OPERATIONS g", "/OPERATIONS/WEEKLY_MAINT n", "/OPERATIONS/WEEKLY_MAINT/STOP_APP j", "/OPERATIONS/WEEKLY_MAINT/VACUUM_DB j",
                "/OPERATIONS/WEEKLY_MAINT/ROTATE_LOGS j", "/OPERATIONS/WEEKLY_MAINT/CLEAN_WINDOWS pj", "/OPERATIONS/WEEKLY_MAINT/START_APP j",
            ]);
            const windows = unit(units, "/OPERATIONS/WEEKLY_MAINT/CLEAN_WINDOWS");
            // Byte 0x5C is a backslash in Shift_JIS as browsers and Node.js decode it, not a yen sign: the paths stay Windows paths.
            assert.deepStrictEqual(["cm", "sc", "prm", "ex"].map((name) => unquoted(parameter(windows, name)!)), ["Windows 一時ファイルの削除", "C:\\ops\\bin\\cleanup.bat", "D:\\work\\tmp 7", "WINBAT01"]);
            assert.strictEqual(unquoted(parameter(unit(units, "/OPERATIONS/WEEKLY_MAINT/STOP_APP"), "te")!), '/opt/ops/bin/app.sh stop --reason "週次メンテナンス"');
            assert.deepStrictEqual(new Set(units.flatMap((u) => parameters(u, "ex").map((p) => unquoted(p.value)))), new Set(["BATCH01", "DBCL01", "WINBAT01"]));
        });

        it("unconvertible.def: a start condition, event, file-watch, OR and custom jobs and a jobnet connector among convertible jobs", () => {
            const { encoding, units } = corpus("unconvertible.def");
            assert.strictEqual(encoding, "utf-8");
            assert.deepStrictEqual(pathsAndTypes(units), [
                "/LEGACY g", "/LEGACY/INBOUND n", "/LEGACY/INBOUND/.CONDITION rc", "/LEGACY/INBOUND/.CONDITION/READY_FILE flwj", "/LEGACY/INBOUND/PREPARE j",
                "/LEGACY/INBOUND/WAIT_BILLING_EVENT evwj", "/LEGACY/INBOUND/WATCH_DATA_FILE flwj", "/LEGACY/INBOUND/EITHER_ARRIVED orj",
                "/LEGACY/INBOUND/AFTER_BILLING_NET nc", "/LEGACY/INBOUND/PROCESS j", "/LEGACY/INBOUND/SEND_FTP cj", "/LEGACY/INBOUND/ARCHIVE j",
            ]);
            assert.strictEqual(parameter(unit(units, "/LEGACY/INBOUND/WATCH_DATA_FILE"), "jpoif"), "?AJS2DATAFILE?:FLFNAME");
            assert.strictEqual(unquoted(parameter(unit(units, "/LEGACY/INBOUND/SEND_FTP"), "cty")!), "JP1FTP");
        });

        it("hosts.json maps every execution host of the corpus but the one unconvertible.def leaves unmapped on purpose", () => {
            const mapping = JSON.parse(fixture("hosts.json").toString("utf8")) as Record<string, unknown>;
            const hosts = ["nightly-batch.def", "month-end.def", "weekly-maintenance.def", "unconvertible.def"]
                .flatMap((name) => corpus(name).units)
                .flatMap((u) => parameters(u, "ex").map((p) => unquoted(p.value)));
            assert.deepStrictEqual([...new Set(hosts.filter((host) => !(host in mapping)))], ["LEGACY99"]);
        });
    });
});
