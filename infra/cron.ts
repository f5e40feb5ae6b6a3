/**
 * EventBridge Scheduler cron expressions: `cron(minutes hours day-of-month month day-of-week year)`.
 * Parsed once into sets of allowed values, so that config validation and "when is the next run"
 * share one reading of the expression.
 */

export interface CronSchedule {
    expression: string;
    minutes: number[];
    hours: number[];
    /** Days of the month, or undefined when day-of-month is `?`. */
    daysOfMonth: DayOfMonthRule | undefined;
    months: number[];
    /** Days of the week (1 = Sunday … 7 = Saturday, as AWS counts), or undefined when `?`. */
    daysOfWeek: DayOfWeekRule | undefined;
    years: number[] | "any";
}

export type DayOfMonthRule = { days: number[]; last: boolean; nearestWeekday: number | undefined };
export type DayOfWeekRule = { days: number[]; last: number | undefined; nth: { day: number; n: number } | undefined };

export class CronError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "CronError";
    }
}

const monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/** Parses `cron(...)`; throws a CronError that says which field is wrong and what it accepts. */
export function parseCron(expression: string): CronSchedule {
    const match = /^cron\((.*)\)$/.exec(expression.trim());
    if (!match) throw new CronError('it must have the form cron(minutes hours day-of-month month day-of-week year), such as cron(0 22 ? * MON-FRI *)');
    const fields = match[1].trim().split(/\s+/);
    if (fields.length !== 6) throw new CronError(`it has ${fields.length} fields; EventBridge cron has six: minutes hours day-of-month month day-of-week year`);
    const [min, hour, dom, month, dow, year] = fields;
    if ((dom === "?") === (dow === "?")) throw new CronError("exactly one of day-of-month and day-of-week must be ?");
    return {
        expression,
        minutes: values(min, "minutes", 0, 59),
        hours: values(hour, "hours", 0, 23),
        daysOfMonth: dom === "?" ? undefined : dayOfMonth(dom),
        months: values(month, "month", 1, 12, monthNames),
        daysOfWeek: dow === "?" ? undefined : dayOfWeek(dow),
        years: year === "*" ? "any" : values(year, "year", 1970, 2199),
    };
}

function dayOfMonth(field: string): DayOfMonthRule {
    if (field === "L") return { days: [], last: true, nearestWeekday: undefined };
    const w = /^(\d{1,2})W$/.exec(field);
    if (w) {
        const day = Number(w[1]);
        if (day < 1 || day > 31) throw new CronError(`day-of-month ${field}: the day before W must be 1 to 31`);
        return { days: [], last: false, nearestWeekday: day };
    }
    return { days: values(field, "day-of-month", 1, 31), last: false, nearestWeekday: undefined };
}

function dayOfWeek(field: string): DayOfWeekRule {
    const last = /^([1-7]|[A-Z]{3})L$/.exec(field);
    if (last) return { days: [], last: single(last[1], "day-of-week", 1, 7, dayNames), nth: undefined };
    const nth = /^([1-7]|[A-Z]{3})#([1-5])$/.exec(field);
    if (nth) return { days: [], last: undefined, nth: { day: single(nth[1], "day-of-week", 1, 7, dayNames), n: Number(nth[2]) } };
    return { days: values(field, "day-of-week", 1, 7, dayNames), last: undefined, nth: undefined };
}

/** A field of comma-separated items: `*`, `n`, `a-b`, `*\/s`, `a/s`, `a-b/s`; names where the field has them. */
function values(field: string, name: string, min: number, max: number, names?: string[]): number[] {
    const result = new Set<number>();
    for (const item of field.split(",")) {
        const m = /^(\*|[A-Z0-9]+)(?:-([A-Z0-9]+))?(?:\/(\d+))?$/.exec(item);
        if (!m) throw new CronError(`${name} "${field}": "${item}" is not a value, a range a-b, a step /n or *`);
        const step = m[3] === undefined ? 1 : Number(m[3]);
        if (step < 1) throw new CronError(`${name} "${field}": a step must be at least 1`);
        const from = m[1] === "*" ? min : single(m[1], name, min, max, names);
        const to = m[2] !== undefined ? single(m[2], name, min, max, names) : m[1] === "*" || m[3] !== undefined ? max : from;
        if (to < from) throw new CronError(`${name} "${field}": the range ${item} runs backwards`);
        for (let v = from; v <= to; v += step) result.add(v);
    }
    return [...result].sort((a, b) => a - b);
}

function single(text: string, name: string, min: number, max: number, names?: string[]): number {
    const index = names?.indexOf(text) ?? -1;
    const value = index >= 0 ? index + 1 : /^\d+$/.test(text) ? Number(text) : NaN;
    if (!(value >= min && value <= max)) {
        throw new CronError(`${name}: ${text} is out of range; expected ${min}-${max}${names ? ` or ${names[0]}-${names[names.length - 1]}` : ""}`);
    }
    return value;
}

// ---- time zones ------------------------------------------------------------

// CLDR, whose ids the runtime's ICU returns, keeps the id a zone had when IANA renamed it.
export const ianaNameOfCldrId: Readonly<Record<string, string>> = {
    "Africa/Asmera": "Africa/Asmara",
    "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
    "America/Catamarca": "America/Argentina/Catamarca",
    "America/Coral_Harbour": "America/Atikokan",
    "America/Cordoba": "America/Argentina/Cordoba",
    "America/Godthab": "America/Nuuk",
    "America/Indianapolis": "America/Indiana/Indianapolis",
    "America/Jujuy": "America/Argentina/Jujuy",
    "America/Louisville": "America/Kentucky/Louisville",
    "America/Mendoza": "America/Argentina/Mendoza",
    "Asia/Calcutta": "Asia/Kolkata",
    "Asia/Katmandu": "Asia/Kathmandu",
    "Asia/Rangoon": "Asia/Yangon",
    "Asia/Saigon": "Asia/Ho_Chi_Minh",
    "Atlantic/Faeroe": "Atlantic/Faroe",
    "Europe/Kiev": "Europe/Kyiv",
    "Pacific/Enderbury": "Pacific/Kanton",
    "Pacific/Ponape": "Pacific/Pohnpei",
    "Pacific/Truk": "Pacific/Chuuk",
};

let canonicalNames: Set<string> | undefined;

/** The canonical IANA names this runtime knows (Area/Location, and UTC). */
export function canonicalTimeZoneNames(): ReadonlySet<string> {
    canonicalNames ??= new Set([
        ...Intl.supportedValuesOf("timeZone").map((id) => ianaNameOfCldrId[id] ?? id),
        "UTC",
        "Etc/UTC",
        "Etc/GMT",
    ]);
    return canonicalNames;
}

/** The zone id the runtime reads a name as (case-insensitive; JST → Asia/Tokyo), or undefined for a name it does not know. */
function runtimeZoneId(name: string): string | undefined {
    try {
        return new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone;
    } catch {
        return undefined;
    }
}

/**
 * The canonical IANA name a time zone name stands for: the name itself when it is canonical
 * (Asia/Tokyo, UTC), the zone meant by an abbreviation, an old alias or a wrong case (JST, EST,
 * Japan, asia/tokyo), the zone of a bare location (Tokyo), or undefined.
 */
export function canonicalTimeZone(name: string): string | undefined {
    const names = canonicalTimeZoneNames();
    // Etc/GMT+5 and its kind: canonical fixed offsets, which ICU knows but does not list.
    if (names.has(name) || (/^Etc\/GMT[+-]\d{1,2}$/.test(name) && runtimeZoneId(name) === name)) return name;
    const id = runtimeZoneId(name);
    if (id !== undefined) return ianaNameOfCldrId[id] ?? id;
    const location = name.toLowerCase().replace(/ /g, "_");
    return [...names].find((zone) => zone.toLowerCase().split("/").pop() === location);
}

/** True for a canonical IANA time zone name this runtime knows, such as Asia/Tokyo or UTC. */
export function isTimeZone(name: string): boolean {
    return canonicalTimeZone(name) === name;
}

/** A zone's offsets from UTC, in words: "UTC+09:00 all year", "UTC-05:00, UTC-04:00 in summer". */
export function utcOffsets(timeZone: string): string {
    const offsetOn = (isoDate: string) =>
        new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "longOffset" })
            .formatToParts(new Date(isoDate))
            .find((p) => p.type === "timeZoneName")!.value.replace(/^GMT$/, "GMT+00:00").replace("GMT", "UTC");
    const minutes = (offset: string) => (offset[3] === "-" ? -1 : 1) * (Number(offset.slice(4, 6)) * 60 + Number(offset.slice(7, 9)));
    // Mid-January and mid-July: one of them is summer in either hemisphere, and summer is ahead.
    const [winter, summer] = [offsetOn("2026-01-15T12:00:00Z"), offsetOn("2026-07-15T12:00:00Z")].sort((x, y) => minutes(x) - minutes(y));
    return winter === summer ? `${winter} all year` : `${winter}, ${summer} in summer`;
}

export interface LocalTime {
    year: number;
    month: number;
    day: number;
    hour: number;
    minute: number;
    /** 1 = Sunday … 7 = Saturday. */
    weekday: number;
}

/** The wall-clock time of an instant in a time zone. */
export function localTime(instant: Date, timeZone: string): LocalTime {
    const parts = new Intl.DateTimeFormat("en-US", {
        timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", weekday: "short",
    }).formatToParts(instant);
    const get = (type: string) => parts.find((p) => p.type === type)!.value;
    return {
        year: Number(get("year")),
        month: Number(get("month")),
        day: Number(get("day")),
        hour: Number(get("hour")),
        minute: Number(get("minute")),
        weekday: ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].indexOf(get("weekday")) + 1,
    };
}

/** The instant a wall-clock time names in a time zone; undefined for a time a DST change skips. */
export function zonedInstant(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): Date | undefined {
    const wall = Date.UTC(year, month - 1, day, hour, minute);
    // The offset at the guess, then at the corrected guess: two steps settle across a DST change.
    let guess = wall;
    for (let i = 0; i < 2; i++) {
        const l = localTime(new Date(guess), timeZone);
        guess = wall - (Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute) - guess);
    }
    const back = localTime(new Date(guess), timeZone);
    if (Date.UTC(back.year, back.month - 1, back.day, back.hour, back.minute) !== wall) return undefined;
    // A repeated wall time (clocks go back) runs once, at its first occurrence.
    const earlier = new Date(guess - 3600_000);
    const e = localTime(earlier, timeZone);
    return Date.UTC(e.year, e.month - 1, e.day, e.hour, e.minute) === wall ? earlier : new Date(guess);
}

function daysInMonth(year: number, month: number): number {
    return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function weekdayOf(year: number, month: number, day: number): number {
    return new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
}

/** Whether the schedule runs on this calendar day (in its own time zone). */
export function runsOnDay(s: CronSchedule, year: number, month: number, day: number): boolean {
    if (s.years !== "any" && !s.years.includes(year)) return false;
    if (!s.months.includes(month)) return false;
    const last = daysInMonth(year, month);
    const weekday = weekdayOf(year, month, day);
    if (s.daysOfMonth) {
        const r = s.daysOfMonth;
        if (r.last) return day === last;
        if (r.nearestWeekday !== undefined) return day === nearestWeekday(year, month, Math.min(r.nearestWeekday, last));
        return r.days.includes(day);
    }
    const r = s.daysOfWeek!;
    if (r.last !== undefined) return weekday === r.last && day + 7 > last;
    if (r.nth) return weekday === r.nth.day && Math.ceil(day / 7) === r.nth.n;
    return r.days.includes(weekday);
}

/** The weekday nearest to the given day, within the same month (the W of cron). */
function nearestWeekday(year: number, month: number, day: number): number {
    const weekday = weekdayOf(year, month, day);
    if (weekday === 7) return day === 1 ? day + 2 : day - 1;
    if (weekday === 1) return day === daysInMonth(year, month) ? day - 2 : day + 1;
    return day;
}

/**
 * The next runs after `after`, in the schedule's time zone, skipping days `skipDay` rejects.
 * Looks ahead at most `horizonDays` days.
 */
export function nextRuns(
    s: CronSchedule,
    timeZone: string,
    after: Date,
    count: number,
    skipDay: (date: string) => boolean = () => false,
    horizonDays = 800,
): Date[] {
    const runs: Date[] = [];
    const start = localTime(after, timeZone);
    for (let d = 0; d <= horizonDays && runs.length < count; d++) {
        const date = new Date(Date.UTC(start.year, start.month - 1, start.day + d));
        const [y, m, day] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
        if (!runsOnDay(s, y, m, day) || skipDay(isoDate(y, m, day))) continue;
        for (const hour of s.hours) {
            for (const minute of s.minutes) {
                const at = zonedInstant(y, m, day, hour, minute, timeZone);
                if (at && at.getTime() > after.getTime() && runs.length < count) runs.push(at);
            }
        }
    }
    return runs;
}

export function isoDate(year: number, month: number, day: number): string {
    return `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}
