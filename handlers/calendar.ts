/**
 * The business calendar of scheduled runs: a day is closed on a national holiday of the
 * configured country or on an extra closed date, unless it is an extra open date. Dates are
 * calendar days in the schedule's time zone.
 */

import { jpHolidays } from "./holidaysJp";

export interface CalendarSettings {
    /** ISO country code of the national holidays, or "none". */
    country: string;
    /** YYYY-MM-DD dates on which scheduled runs are skipped. */
    closedDates: string[];
    /** YYYY-MM-DD dates on which scheduled runs go ahead, holiday or not. */
    openDates: string[];
    /** Days of the week on which scheduled runs are skipped (`sat`, `sun`): none unless given. */
    closedWeekdays?: readonly string[];
    timeZone: string;
}

const weekdayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

export interface DayVerdict {
    /** The calendar day of the run, in the schedule's time zone. */
    date: string;
    open: boolean;
    reason: string;
}

/** The countries whose holidays this project knows, each from a maintained holiday-data package. */
export const holidayCountries = ["JP"] as const;

/** The holiday on a YYYY-MM-DD date in a country, by name, or undefined. */
export function nationalHoliday(country: string, date: string): string | undefined {
    // The table the functions upload (handlers/holidaysJp.ts, from @holiday-jp/holiday_jp by npm run holidays).
    if (country === "JP") return jpHolidays[date];
    return undefined;
}

/** The YYYY-MM-DD calendar day of an instant in a time zone. */
export function calendarDate(instant: Date, timeZone: string): string {
    // en-CA formats dates as YYYY-MM-DD.
    return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(instant);
}

/** Whether scheduled runs go ahead on a day. Pure but for the holiday lookup it is given. */
export function judgeDay(date: string, settings: CalendarSettings, holiday: (country: string, date: string) => string | undefined = nationalHoliday): DayVerdict {
    if (settings.openDates.includes(date)) return { date, open: true, reason: `${date} is listed in calendar.openDates` };
    if (settings.closedDates.includes(date)) return { date, open: false, reason: `${date} is listed in calendar.closedDates` };
    const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
    if ((settings.closedWeekdays ?? []).includes(["sun", "mon", "tue", "wed", "thu", "fri", "sat"][weekday])) return { date, open: false, reason: `${date} is a ${weekdayNames[weekday]}, closed every week` };
    const name = settings.country === "none" ? undefined : holiday(settings.country, date);
    if (name) return { date, open: false, reason: `${date} is a national holiday in ${settings.country}: ${name}` };
    return { date, open: true, reason: `${date} is a business day` };
}

/** Lambda task: is the day of this scheduled run a business day? */
export async function checkCalendar(event: CalendarSettings & { scheduledTime: string }): Promise<DayVerdict> {
    const instant = new Date(event.scheduledTime);
    if (Number.isNaN(instant.getTime())) {
        const error = new Error(`scheduledTime ${JSON.stringify(event.scheduledTime)} is not a time`);
        error.name = "InvalidScheduledTime";
        throw error;
    }
    return judgeDay(calendarDate(instant, event.timeZone), event);
}
