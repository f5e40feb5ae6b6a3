import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { nationalHoliday } from "../handlers/calendar";
import { jpHolidays, jpHolidaysThrough } from "../handlers/holidaysJp";
import { holidayTableFrom, jpHolidayTable, jpHolidaysFromPackage } from "../scripts/lib/holidays";
import { projectDir } from "../scripts/lib/runProgram";

describe("the holiday table the calendar check uploads", () => {
    it("is what npm run holidays writes from the installed @holiday-jp/holiday_jp: regenerate it when the package changes", () => {
        const committed = fs.readFileSync(path.join(projectDir, "handlers", "holidaysJp.ts"), "utf8");
        assert.strictEqual(committed, jpHolidayTable(), "handlers/holidaysJp.ts is stale: run npm run holidays");
    });

    it("names every holiday the package knows from 2024 on, as the calendar says them, and nothing else", () => {
        const fromPackage = jpHolidaysFromPackage();
        assert.deepStrictEqual(jpHolidays, fromPackage);
        assert.ok(Object.keys(jpHolidays).every((date) => date >= holidayTableFrom && date <= jpHolidaysThrough));
        assert.strictEqual(nationalHoliday("JP", "2026-11-23"), "勤労感謝の日 (Labor Thanksgiving Day)");
        assert.strictEqual(nationalHoliday("JP", "2026-05-06"), "こどもの日 振替休日 (Holiday in lieu)");
        assert.strictEqual(nationalHoliday("JP", "2026-11-24"), undefined);
        assert.ok(Object.keys(jpHolidays).length > 400);
    });
});
