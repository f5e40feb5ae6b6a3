/**
 * npm run holidays: writes handlers/holidaysJp.ts, the Japanese national holidays the calendar
 * check needs, from @holiday-jp/holiday_jp (a dev dependency). The functions upload this table,
 * a few KB, instead of the package (1.4 MB of sources and type files). Run it when the package
 * is updated (a law changes a holiday): tests/calendarData.test.ts fails until the table follows.
 */
import * as fs from "fs";
import * as path from "path";
import { holidaysJpSource, jpHolidayTable } from "./lib/holidays";
import { projectDir } from "./lib/runProgram";

const file = path.join(projectDir, "handlers", "holidaysJp.ts");
fs.writeFileSync(file, jpHolidayTable());
console.log(`${path.relative(projectDir, file)} written from ${holidaysJpSource().package} ${holidaysJpSource().version}`);
