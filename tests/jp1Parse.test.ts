import * as assert from "assert";
import * as fs from "fs";
import { UnitSyntaxError, decodeUnitFile, parameter, parameters, parseUnitDefinitions, unquoted } from "../scripts/lib/jp1/unitDefinitions";

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
        ["unit=A,,u,;\n{\n\tty=n\n}\n", 'f.def:4: expected ; at the end of the parameter, found "}"'],
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
});
