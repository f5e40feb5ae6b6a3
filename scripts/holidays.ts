/**
 * npm run holidays: writes handlers/holidaysJp.ts, the Japanese national holidays the calendar
 * check needs, from @holiday-jp/holiday_jp (a dev dependency). The functions upload this table,
 * a few KB, instead of the package (1.4 MB of sources and type files). Run it when the package
 * is updated (a law changes a holiday): tests/calendarData.test.ts fails until the table follows.
 */
import * as fs from "fs";
import * as path from "path";
import { parseCommandLine, runCommand } from "./lib/commandLine";
import { holidayTableFrom, holidaysJpSource, jpHolidayTable } from "./lib/holidays";
import { projectDir } from "./lib/runProgram";

const usage = `Usage: npm run holidays [-- --help]

Writes handlers/holidaysJp.ts, Japan's national holidays from ${holidayTableFrom} on, from the
@holiday-jp/holiday_jp package. Run it after updating the package: tests/calendarData.test.ts
fails until the table follows it.

Options:
  --help         show this help (and write nothing)`;

async function main(argv: string[]): Promise<number> {
    const { values } = parseCommandLine("npm run holidays", { args: argv, options: { help: { type: "boolean", short: "h", default: false } } }, process.env);
    if (values.help) {
        console.log(usage);
        return 0;
    }
    const file = path.join(projectDir, "handlers", "holidaysJp.ts");
    fs.writeFileSync(file, jpHolidayTable());
    console.log(`${path.relative(projectDir, file)} written from ${holidaysJpSource().package} ${holidaysJpSource().version}`);
    return 0;
}

runCommand(() => main(process.argv.slice(2)));
