/**
 * Log timestamp parsing for the Common Schema `time` key.
 *
 * Outcomes. A missing key, `undefined` or `null` is *absent* (no time: the caller decides, e.g. S3's `_no_timestamp`
 * path). Anything else is either an instant (epoch ms, sub-millisecond digits kept to the microsecond as a fraction) or
 * *invalid*, with a one-line reason: the caller turns that into an `invalid_time` failed record (or an explicit,
 * marked fallback), never into the arrival time. `readLogTime` returns exactly these three outcomes; `parseTimeValue`
 * (hot path, no allocation) returns `undefined` / a number / the reason string. Nothing here throws for any value
 * except `parseLogTime`, which throws `TimeParseError` by contract.
 *
 * Strings are trimmed (longer than 80 characters after trimming, or 256 before: invalid) and read as one of these
 * shapes, told apart by their leading digits or letters (no shape is tried after another one failed):
 * - ISO 8601 / RFC 3339, extended: `2020-03-14T23:30:00.250+09:00`; `T`, `t` or a space between date and time; `/` as
 *   the date separator (`2020/03/14`); minutes-only times; fraction with `.` or `,`; zone `Z`, `±HH:MM`, `±HHMM`,
 *   `±HH` or an abbreviation (below), optionally after a space; date only (`2020-03-14`, midnight).
 * - Epoch: a string of exactly 10 digits is epoch seconds, exactly 13 digits epoch milliseconds, each optionally with
 *   a `.fraction` (`"1584196200"`, `"1584196200.5"`, `"1584196200123"`). No sign, no exponent.
 * - ISO 8601 basic (compact): `YYYYMMDD` (8 digits, midnight), `YYYYMMDDhhmm` (12), `YYYYMMDDhhmmss` (14), and
 *   `YYYYMMDDThhmm[ss][.f]` with `T` or a space, each with an optional zone: `20200314`, `20200314T233000Z`,
 *   `20200314T233000+0900`.
 *   Every other all-digit string is invalid: `"2020"` (a bare year; dateutil would fill in today's month and day, which
 *   is not a time), 9-digit or 11-digit numbers, etc.
 * - Numeric day/month/year with `/`, `-` or `.`, a 4-digit year, optional `[T ]H:MM[:SS[.f]]`, optional `AM`/`PM`,
 *   optional zone: `14/03/2020`, `03/14/2020 11:30:00 PM`. Day-first or month-first only when unambiguous: a part
 *   above 12 is the day (`14/03/2020`, `03/14/2020`); equal parts are one date (`03/03/2020`); two different parts
 *   both ≤ 12 (`03/04/2020`) are invalid, where dateutil would silently guess month-first. Two-digit years are invalid.
 * - Apache/nginx common log format: `14/Mar/2020:23:30:00 +0900` (dateutil cannot read this one; we read it as
 *   dateutil reads `14/Mar/2020 23:30:00 +0900`).
 * - RFC 2822 / RFC 1123: `[Sat, ]14 Mar 2020 23:30[:00[.f]] [zone] [(comment)]`, also date only; day names and month
 *   names in English, abbreviated or full (`Sept` too), any case. The day name is checked to be a day name but not
 *   against the date (as dateutil). Two-digit years are invalid.
 * - asctime / Unix `date`: `Sat Mar 14 23:30:00 2020`, `Sat Mar  4 23:30:00 2020`, `Sat Mar 14 23:30:00 JST 2020`.
 *
 * Zones. A value's own zone always wins. Numeric offsets up to ±23:59. Abbreviations, upper case only (as dateutil)
 * and each a fixed offset: `Z`/`z`, `UT`, `UTC`, `GMT` (0); RFC 2822's US zones `EST` −5, `EDT` −4, `CST` −6, `CDT` −5,
 * `MST` −7, `MDT` −6, `PST` −8, `PDT` −7 (`CST` is US Central: write China time as `+0800`); `AKST` −9, `AKDT` −8,
 * `HST` −10; `JST`, `KST` +9; `WET` 0, `WEST` +1, `CET` +1, `CEST` +2, `EET` +2, `EEST` +3; `AWST` +8, `ACST` +9:30,
 * `ACDT` +10:30, `AEST` +10, `AEDT` +11, `NZST` +12, `NZDT` +13. Any other abbreviation is invalid (`IST`, `BST`,
 * `AST` name several zones). Without tzinfos, dateutil knows only `UTC`/`GMT`/`Z` and silently *drops* every other
 * abbreviation (reading the wall time as naive); we do not copy that. `UTC+9`-style suffixes are invalid (dateutil
 * reads them with the POSIX inverted sign).
 *
 * Naive times (no zone in the value) are wall times in the configured IANA zone (`timeZone` option, default UTC). DST
 * is resolved like Temporal's "compatible": a repeated wall time takes the earlier instant, a skipped one moves forward
 * by the gap (Python's `fold=0`).
 *
 * Ranges, checked: year 0001–9999 (4 digits), month, day of month (leap years), hour 0–23, minute 0–59, second 0–60
 * (a leap second `:60` is read as the next minute's `:00`; dateutil rejects it). `24:00` is invalid (as dateutil).
 * Fractions are truncated to the microsecond (as dateutil).
 *
 * JSON numbers are always epoch values: magnitude up to 1e11 is seconds (1e11 s is the year 5138), above it
 * milliseconds (1e11 ms is 1973); non-finite or beyond ±8.64e15 ms is invalid. So `20200314` as a JSON number is an
 * epoch (1970-08-22), while `"20200314"` as a string is a compact date. Booleans, objects and arrays are invalid.
 */

const SECOND = 1000;
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const MAX_EPOCH_MS = 8.64e15;
/** Above this magnitude a numeric epoch is taken as milliseconds (1e11 s is the year 5138; 1e11 ms is 1973). */
const EPOCH_MS_THRESHOLD = 1e11;
/** Longest time string read (after trimming); the longest accepted shape is about 60 characters. */
export const MAX_TIME_STRING_LENGTH = 80;

/** Thrown by `parseLogTime` for a value that is present but not a recognisable time. */
export class TimeParseError extends Error {
  readonly reason = "invalid_time" as const;
  constructor(
    readonly value: unknown,
    detail: string,
  ) {
    super(detail);
    this.name = "TimeParseError";
  }
}

/** Result of `tryParseLogTime`: `time` is undefined when the value is absent (`undefined` or `null`). */
export type TimeParseResult =
  | { readonly ok: true; readonly time: number | undefined }
  | { readonly ok: false; readonly error: string };

/**
 * The three outcomes of reading a record's time value (see `readLogTime`):
 * - `absent`: no time (key missing, `undefined` or `null`);
 * - `time`: an instant, `epochMs` as epoch milliseconds (may carry a sub-millisecond fraction, to the microsecond);
 * - `invalid`: present but not a readable time; `reason` is always the failure reason `"invalid_time"`, `detail` says
 *   why in one line (without the value itself).
 */
export type LogTimeReading =
  | { readonly kind: "absent" }
  | { readonly kind: "time"; readonly epochMs: number }
  | { readonly kind: "invalid"; readonly reason: "invalid_time"; readonly detail: string };

/** The zone part every string shape accepts: `Z`, a numeric offset or an upper-case abbreviation. */
const ZONE = "[Zz]|[+-]\\d{2}(?::?\\d{2})?|[A-Z]{2,5}";
// All patterns are anchored and have no nested or adjacent overlapping quantifiers, and inputs are capped at
// MAX_TIME_STRING_LENGTH characters, so no input can make them backtrack for long.
// ISO 8601 extended. Groups: year, separator, month, day, hour, minute, second, fraction, zone.
const ISO_RE = new RegExp(
  `^(\\d{4})([-/])(\\d{2})\\2(\\d{2})(?:[Tt ](\\d{2}):(\\d{2})(?::(\\d{2})(?:[.,](\\d+))?)?(?:\\s*(${ZONE}))?)?$`,
);
// ISO 8601 basic. Groups: year, month, day, separator, hour, minute, second, fraction, zone.
const COMPACT_RE = new RegExp(
  `^(\\d{4})(\\d{2})(\\d{2})(?:([Tt ]?)(\\d{2})(\\d{2})(\\d{2})?(?:[.,](\\d+))?(?:\\s*(${ZONE}))?)?$`,
);
// Numeric day/month/year. Groups: first, separator, second, year, hour, minute, second, fraction, am/pm, zone.
const DMY_RE = new RegExp(
  `^(\\d{1,2})([-/.])(\\d{1,2})\\2(\\d{4})(?:[Tt ](\\d{1,2}):(\\d{2})(?::(\\d{2})(?:[.,](\\d+))?)?(?:\\s*([AaPp][Mm]))?(?:\\s*(${ZONE}))?)?$`,
);
// Apache/NCSA common log format. Groups: day, month name, year, hour, minute, second, fraction, zone.
const CLF_RE = new RegExp(
  `^(\\d{1,2})/([A-Za-z]{3})/(\\d{4}):(\\d{2}):(\\d{2}):(\\d{2})(?:[.,](\\d+))?(?:\\s*(${ZONE}))?$`,
);
// RFC 2822 / 1123. Groups: day name, day, month name, year, hour, minute, second, fraction, zone.
const RFC2822_RE = new RegExp(
  `^(?:([A-Za-z]{3,9}),?\\s+)?(\\d{1,2})\\s+([A-Za-z]{3,9})\\s+(\\d{4})(?:\\s+(\\d{1,2}):(\\d{2})(?::(\\d{2})(?:[.,](\\d+))?)?(?:\\s*(${ZONE}))?(?:\\s*\\([^()]{0,40}\\))?)?$`,
);
// asctime and Unix date(1). Groups: day name, month name, day, hour, minute, second, fraction, zone, year.
const ASCTIME_RE = new RegExp(
  `^([A-Za-z]{3,9}),?\\s+([A-Za-z]{3,9})\\s+(\\d{1,2})\\s+(\\d{1,2}):(\\d{2}):(\\d{2})(?:[.,](\\d+))?(?:\\s+(${ZONE}))?\\s+(\\d{4})$`,
);

const MONTHS: ReadonlyMap<string, number> = new Map(
  [
    ["jan", "january"],
    ["feb", "february"],
    ["mar", "march"],
    ["apr", "april"],
    ["may", "may"],
    ["jun", "june"],
    ["jul", "july"],
    ["aug", "august"],
    ["sep", "september", "sept"],
    ["oct", "october"],
    ["nov", "november"],
    ["dec", "december"],
  ].flatMap((names, i) => names.map((name) => [name, i + 1] as const)),
);
const DAY_NAMES: ReadonlySet<string> = new Set(
  ["sun", "mon", "tue", "wed", "thu", "fri", "sat"].flatMap((d) => [
    d,
    { sun: "sunday", mon: "monday", tue: "tuesday", wed: "wednesday", thu: "thursday", fri: "friday", sat: "saturday" }[
      d
    ]!,
  ]),
);
/** Zone abbreviations read as fixed offsets (minutes east of UTC). Upper case only, as dateutil. */
const NAMED_ZONES: ReadonlyMap<string, number> = new Map([
  ["Z", 0],
  ["z", 0],
  ["UT", 0],
  ["UTC", 0],
  ["GMT", 0],
  // RFC 2822 section 4.3
  ["EST", -300],
  ["EDT", -240],
  ["CST", -360],
  ["CDT", -300],
  ["MST", -420],
  ["MDT", -360],
  ["PST", -480],
  ["PDT", -420],
  ["AKST", -540],
  ["AKDT", -480],
  ["HST", -600],
  ["JST", 540],
  ["KST", 540],
  ["WET", 0],
  ["WEST", 60],
  ["CET", 60],
  ["CEST", 120],
  ["EET", 120],
  ["EEST", 180],
  ["AWST", 480],
  ["ACST", 570],
  ["ACDT", 630],
  ["AEST", 600],
  ["AEDT", 660],
  ["NZST", 720],
  ["NZDT", 780],
]);

/** Converts between wall-clock times of one zone and epoch ms. */
export interface Zone {
  /** `wall` is the wall-clock time encoded as if it were UTC (Date.UTC of the fields). */
  wallToEpoch(wall: number): number;
  /** Offset (wall − UTC, ms) of the zone at an instant. */
  offsetAt(instant: number): number;
}

const UTC_ZONE: Zone = { wallToEpoch: (wall) => wall, offsetAt: () => 0 };
const UTC_NAMES = new Set(["UTC", "Etc/UTC", "GMT", "Etc/GMT", "Z", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu"]);

class IanaZone implements Zone {
  private readonly format: Intl.DateTimeFormat;
  /** UTC hour bucket → offset (ms) valid for the whole hour, or NaN when the offset changes inside it. */
  private readonly hourOffsets = new Map<number, number>();

  constructor(timeZone: string) {
    this.format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      era: "short",
    });
  }

  /** Offset (wall − UTC, ms) of the zone at an instant, straight from Intl. */
  private exactOffset(instant: number): number {
    const seconds = Math.floor(instant / 1000) * 1000;
    let year = 0;
    let month = 0;
    let day = 0;
    let hour = 0;
    let minute = 0;
    let second = 0;
    let bc = false;
    for (const part of this.format.formatToParts(seconds)) {
      switch (part.type) {
        case "year":
          year = Number(part.value);
          break;
        case "month":
          month = Number(part.value);
          break;
        case "day":
          day = Number(part.value);
          break;
        case "hour":
          hour = Number(part.value);
          break;
        case "minute":
          minute = Number(part.value);
          break;
        case "second":
          second = Number(part.value);
          break;
        case "era":
          bc = part.value === "BC" || part.value === "B";
          break;
      }
    }
    return utcFields(bc ? 1 - year : year, month, day, hour, minute, second) - seconds;
  }

  offsetAt(instant: number): number {
    const bucket = Math.floor(instant / HOUR);
    let offset = this.hourOffsets.get(bucket);
    if (offset === undefined) {
      const start = this.exactOffset(bucket * HOUR);
      const end = this.exactOffset(bucket * HOUR + HOUR - 1000);
      offset = start === end ? start : Number.NaN;
      if (this.hourOffsets.size > 50_000) this.hourOffsets.clear();
      this.hourOffsets.set(bucket, offset);
    }
    return Number.isNaN(offset) ? this.exactOffset(instant) : offset;
  }

  wallToEpoch(wall: number): number {
    const before = this.offsetAt(wall - DAY);
    const after = this.offsetAt(wall + DAY);
    if (before === after) return wall - before;
    const early = wall - before;
    const late = wall - after;
    const earlyValid = this.offsetAt(early) === before;
    const lateValid = this.offsetAt(late) === after;
    if (earlyValid && lateValid) return Math.min(early, late); // repeated wall time: the earlier instant
    if (lateValid) return late;
    return early; // earlyValid, or a skipped wall time: read it with the offset before the transition
  }
}

const zones = new Map<string, Zone>();

/** Resolves (and caches) an IANA time zone; throws RangeError naming the zone when it is unknown. */
export function resolveTimeZone(timeZone: string): Zone {
  let zone = zones.get(timeZone);
  if (zone === undefined) {
    if (UTC_NAMES.has(timeZone)) zone = UTC_ZONE;
    else {
      try {
        zone = new IanaZone(timeZone);
      } catch {
        throw new RangeError(`unknown time zone "${timeZone}"`);
      }
    }
    zones.set(timeZone, zone);
  }
  return zone;
}

/** Throws RangeError when `timeZone` is not a known IANA zone. */
export function assertTimeZone(timeZone: string): void {
  resolveTimeZone(timeZone);
}

/** Days from 1970-01-01 to a proleptic Gregorian date, for any year (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
}

/** Date.UTC of the fields for any year (Date.UTC maps 0–99 to 1900–1999), without its cost. */
function utcFields(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  return daysFromCivil(year, month, day) * DAY + hour * HOUR + minute * MINUTE + second * SECOND;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Fraction digits → milliseconds, truncated to the microsecond. */
function fractionMs(digits: string | undefined): number {
  if (digits === undefined) return 0;
  const micros = digits.length >= 6 ? digits.slice(0, 6) : digits.padEnd(6, "0");
  return Number(micros) / 1000;
}

/** A zone token → minutes east of UTC; undefined when absent; an error string when unknown or out of range. */
function zoneOffset(zone: string | undefined): number | string | undefined {
  if (zone === undefined) return undefined;
  const first = zone.charCodeAt(0);
  if (first !== 43 && first !== 45) {
    return NAMED_ZONES.get(zone) ?? `unknown or ambiguous time zone abbreviation "${zone}"`;
  }
  const hours = Number(zone.slice(1, 3));
  const minutes = zone.length > 3 ? Number(zone.slice(zone.length - 2)) : 0;
  if (hours > 23 || minutes > 59) return "unsupported UTC offset";
  const total = hours * 60 + minutes;
  return first === 45 ? -total : total;
}

/** Validated fields → epoch ms, or an error string. `offset` in minutes; undefined: read in `defaultZone`. */
function fromFields(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  fraction: number,
  offset: number | string | undefined,
  defaultZone: Zone,
): number | string {
  if (typeof offset === "string") return offset;
  if (year < 1) return "year out of range";
  if (month < 1 || month > 12) return "month out of range";
  if (day < 1 || day > daysInMonth(year, month)) return "day out of range";
  if (hour > 23 || minute > 59 || second > 60) return "time of day out of range";
  const wall = utcFields(year, month, day, hour, minute, second);
  const epoch = (offset === undefined ? defaultZone.wallToEpoch(wall) : wall - offset * MINUTE) + fraction;
  if (!(Math.abs(epoch) <= MAX_EPOCH_MS)) return "time out of range";
  return epoch;
}

/** Digit value at `i`, or -1 (also past the end). */
function digitAt(s: string, i: number): number {
  const d = s.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : -1;
}

function twoDigits(s: string, i: number): number {
  const a = digitAt(s, i);
  const b = digitAt(s, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

/**
 * Fast path for the canonical shapes `YYYY-MM-DD[T ]HH:MM:SS[.f+][Z|±HH:MM]` without regex or substrings. Returns
 * `undefined` when the string has any other shape (the general parser then decides).
 */
function fastIso(s: string, zone: Zone): number | string | undefined {
  const n = s.length;
  if (n < 19) return undefined;
  const sep = s.charCodeAt(10);
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || (sep !== 84 && sep !== 32)) return undefined;
  if (s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return undefined;
  const y1 = twoDigits(s, 0);
  const y2 = twoDigits(s, 2);
  const month = twoDigits(s, 5);
  const day = twoDigits(s, 8);
  const hour = twoDigits(s, 11);
  const minute = twoDigits(s, 14);
  const second = twoDigits(s, 17);
  if ((y1 | y2 | month | day | hour | minute | second) < 0) return undefined;
  let i = 19;
  let fraction = 0;
  if (i < n && s.charCodeAt(i) === 46) {
    i++;
    const start = i;
    let micros = 0;
    for (let d = digitAt(s, i); d >= 0; d = digitAt(s, ++i)) {
      if (i - start < 6) micros = micros * 10 + d;
    }
    const digits = i - start;
    if (digits === 0) return undefined;
    for (let k = digits; k < 6; k++) micros *= 10;
    fraction = micros / 1000;
  }
  let offset: number | undefined;
  if (i < n) {
    const c = s.charCodeAt(i);
    if (c === 90 && i + 1 === n) offset = 0;
    else if ((c === 43 || c === 45) && i + 6 === n && s.charCodeAt(i + 3) === 58) {
      const oh = twoDigits(s, i + 1);
      const om = twoDigits(s, i + 4);
      if (oh < 0 || om < 0) return undefined;
      if (oh > 23 || om > 59) return "unsupported UTC offset";
      offset = c === 45 ? -(oh * 60 + om) : oh * 60 + om;
    } else return undefined;
  }
  return fromFields(y1 * 100 + y2, month, day, hour, minute, second, fraction, offset, zone);
}

/** `Z`, `±HHMM` or `±HH:MM` from `i` to the end → minutes; undefined: nothing there; NaN: another shape. */
function fastZone(s: string, i: number): number | string | undefined {
  const n = s.length;
  if (i === n) return undefined;
  const c = s.charCodeAt(i);
  if ((c === 90 || c === 122) && i + 1 === n) return 0;
  if (c !== 43 && c !== 45) return Number.NaN;
  const colon = i + 6 === n && s.charCodeAt(i + 3) === 58;
  if (!colon && i + 5 !== n) return Number.NaN;
  const oh = twoDigits(s, i + 1);
  const om = twoDigits(s, colon ? i + 4 : i + 3);
  if (oh < 0 || om < 0) return Number.NaN;
  if (oh > 23 || om > 59) return "unsupported UTC offset";
  return c === 45 ? -(oh * 60 + om) : oh * 60 + om;
}

/** Fast path for `YYYYMMDDThhmmss[Z|±hhmm|±hh:mm]`; `undefined` for any other shape. */
function fastCompact(s: string, zone: Zone): number | string | undefined {
  const t = s.charCodeAt(8);
  if (s.length < 15 || (t !== 84 && t !== 116)) return undefined;
  const hour = twoDigits(s, 9);
  const minute = twoDigits(s, 11);
  const second = twoDigits(s, 13);
  if ((hour | minute | second) < 0) return undefined;
  const offset = fastZone(s, 15);
  if (Number.isNaN(offset)) return undefined;
  const year = twoDigits(s, 0) * 100 + twoDigits(s, 2);
  return fromFields(year, twoDigits(s, 4), twoDigits(s, 6), hour, minute, second, 0, offset, zone);
}

/** Three letters → a number that is the same for any case. */
function letterKey(s: string, i: number): number {
  return ((s.charCodeAt(i) | 32) << 16) | ((s.charCodeAt(i + 1) | 32) << 8) | (s.charCodeAt(i + 2) | 32);
}

const MONTH_KEYS: ReadonlyMap<number, number> = new Map(
  ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"].map((m, i) => [
    letterKey(m, 0),
    i + 1,
  ]),
);

/** Fast path for the common log format exactly as servers write it, `DD/Mon/YYYY:HH:MM:SS ±HHMM`. */
function fastClf(s: string, zone: Zone): number | string | undefined {
  if (s.length !== 26 || s.charCodeAt(2) !== 47 || s.charCodeAt(6) !== 47 || s.charCodeAt(20) !== 32) return undefined;
  if (s.charCodeAt(11) !== 58 || s.charCodeAt(14) !== 58 || s.charCodeAt(17) !== 58) return undefined;
  const month = MONTH_KEYS.get(letterKey(s, 3));
  const day = twoDigits(s, 0);
  const y1 = twoDigits(s, 7);
  const y2 = twoDigits(s, 9);
  const hour = twoDigits(s, 12);
  const minute = twoDigits(s, 15);
  const second = twoDigits(s, 18);
  if (month === undefined || (day | y1 | y2 | hour | minute | second) < 0) return undefined;
  const offset = fastZone(s, 21);
  if (offset === undefined || Number.isNaN(offset)) return undefined;
  return fromFields(y1 * 100 + y2, month, day, hour, minute, second, 0, offset, zone);
}

function fromEpochNumber(value: number): number | string {
  if (!Number.isFinite(value)) return "time is not a finite number";
  const ms = Math.abs(value) > EPOCH_MS_THRESHOLD ? Math.round(value * 1000) / 1000 : Math.round(value * 1e6) / 1000;
  if (!(Math.abs(ms) <= MAX_EPOCH_MS)) return "time out of range";
  return ms;
}

/** `hour` on a 12-hour clock with `AM`/`PM` → 0–23, or -1 when out of range; unchanged without a marker. */
function hour24(hour: number, marker: string | undefined): number {
  if (marker === undefined) return hour;
  if (hour < 1 || hour > 12) return -1;
  const pm = marker.charCodeAt(0) === 80 || marker.charCodeAt(0) === 112;
  return (hour % 12) + (pm ? 12 : 0);
}

/** Reads the month of a `[-/.]`-separated numeric date only when day and month cannot be swapped. */
function fromDayMonthYear(m: RegExpExecArray, zone: Zone): number | string {
  const a = Number(m[1]);
  const b = Number(m[3]);
  let day: number;
  let month: number;
  if (a === b || (a > 12 && b <= 12)) {
    day = a;
    month = b;
  } else if (b > 12 && a <= 12) {
    day = b;
    month = a;
  } else if (a > 12) return "month out of range";
  else return `ambiguous date "${m[1]}${m[2]}${m[3]}${m[2]}${m[4]}": day-first and month-first are both valid`;
  const hour = hour24(m[5] === undefined ? 0 : Number(m[5]), m[9]);
  if (hour < 0) return "hour out of range for AM/PM";
  return fromFields(
    Number(m[4]),
    month,
    day,
    hour,
    m[6] === undefined ? 0 : Number(m[6]),
    m[7] === undefined ? 0 : Number(m[7]),
    fractionMs(m[8]),
    zoneOffset(m[10]),
    zone,
  );
}

/** Index of the first non-digit at or after `i`. */
function digitsEnd(s: string, i: number): number {
  while (digitAt(s, i) >= 0) i++;
  return i;
}

/** An all-digit string of `n` digits (not 10 or 13: those are epochs) as a compact date, or why it is not one. */
function fromAllDigits(s: string, n: number, zone: Zone): number | string {
  if (n !== 8 && n !== 12 && n !== 14) {
    if (n === 4) return "a bare year is not a time";
    return `${n} digits: neither an epoch (10 or 13 digits) nor a compact date (8, 12 or 14 digits)`;
  }
  return fromFields(
    twoDigits(s, 0) * 100 + twoDigits(s, 2),
    twoDigits(s, 4),
    twoDigits(s, 6),
    n > 8 ? twoDigits(s, 8) : 0,
    n > 8 ? twoDigits(s, 10) : 0,
    n > 12 ? twoDigits(s, 12) : 0,
    0,
    undefined,
    zone,
  );
}

/** Digit-led shapes, chosen by the length of the leading run of digits and the character after it. */
function fromDigitLed(s: string, zone: Zone): number | string {
  const n = s.length;
  const lead = digitsEnd(s, 0);
  if (lead === 10 || lead === 13) {
    // Epoch: exactly 10 (seconds) or 13 (milliseconds) digits, optionally `.` and at least one more digit.
    if (lead === n || (s.charCodeAt(lead) === 46 && lead + 1 < n && digitsEnd(s, lead + 1) === n)) {
      return fromEpochNumber(Number(s));
    }
    return "unrecognised time format";
  }
  if (lead === n) return fromAllDigits(s, n, zone);
  let m: RegExpExecArray | null;
  if (lead === 4) {
    m = ISO_RE.exec(s);
    if (m === null) return "unrecognised time format";
    return fromFields(
      Number(m[1]),
      Number(m[3]),
      Number(m[4]),
      m[5] === undefined ? 0 : Number(m[5]),
      m[6] === undefined ? 0 : Number(m[6]),
      m[7] === undefined ? 0 : Number(m[7]),
      fractionMs(m[8]),
      zoneOffset(m[9]),
      zone,
    );
  }
  if (lead === 8) {
    const fast = fastCompact(s, zone);
    if (fast !== undefined) return fast;
    m = COMPACT_RE.exec(s);
    if (m === null) return "unrecognised time format";
    return fromFields(
      Number(m[1]),
      Number(m[2]),
      Number(m[3]),
      m[5] === undefined ? 0 : Number(m[5]),
      m[6] === undefined ? 0 : Number(m[6]),
      m[7] === undefined ? 0 : Number(m[7]),
      fractionMs(m[8]),
      zoneOffset(m[9]),
      zone,
    );
  }
  if (lead > 2) return "unrecognised time format";
  const sep = s.charCodeAt(lead);
  if (sep === 32) {
    m = RFC2822_RE.exec(s);
    return m === null ? "unrecognised time format" : fromRfc2822(m, zone);
  }
  if (sep === 47 && digitAt(s, lead + 1) < 0) {
    const fast = fastClf(s, zone);
    if (fast !== undefined) return fast;
    m = CLF_RE.exec(s);
    if (m === null) return "unrecognised time format";
    const month = MONTHS.get(m[2]!.toLowerCase());
    if (month === undefined) return `unknown month "${m[2]}"`;
    return fromFields(
      Number(m[3]),
      month,
      Number(m[1]),
      Number(m[4]),
      Number(m[5]),
      Number(m[6]),
      fractionMs(m[7]),
      zoneOffset(m[8]),
      zone,
    );
  }
  m = DMY_RE.exec(s);
  return m === null ? "unrecognised time format" : fromDayMonthYear(m, zone);
}

function fromRfc2822(m: RegExpExecArray, zone: Zone): number | string {
  if (m[1] !== undefined && !DAY_NAMES.has(m[1].toLowerCase())) return `unknown day name "${m[1]}"`;
  const month = MONTHS.get(m[3]!.toLowerCase());
  if (month === undefined) return `unknown month "${m[3]}"`;
  return fromFields(
    Number(m[4]),
    month,
    Number(m[2]),
    m[5] === undefined ? 0 : Number(m[5]),
    m[6] === undefined ? 0 : Number(m[6]),
    m[7] === undefined ? 0 : Number(m[7]),
    fractionMs(m[8]),
    zoneOffset(m[9]),
    zone,
  );
}

/** Letter-led shapes: RFC 2822 with a day name (`Sat, 14 Mar`), asctime (`Sat Mar 14`). */
function fromLetterLed(s: string, zone: Zone): number | string {
  let i = 0;
  for (let c = s.charCodeAt(0) | 32; c >= 97 && c <= 122; c = s.charCodeAt(++i) | 32);
  while (s.charCodeAt(i) === 44 || s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9) i++;
  if (digitAt(s, i) >= 0) {
    const m = RFC2822_RE.exec(s);
    return m === null ? "unrecognised time format" : fromRfc2822(m, zone);
  }
  const m = ASCTIME_RE.exec(s);
  if (m === null) return "unrecognised time format";
  if (!DAY_NAMES.has(m[1]!.toLowerCase())) return `unknown day name "${m[1]}"`;
  const month = MONTHS.get(m[2]!.toLowerCase());
  if (month === undefined) return `unknown month "${m[2]}"`;
  return fromFields(
    Number(m[9]),
    month,
    Number(m[3]),
    Number(m[4]),
    Number(m[5]),
    Number(m[6]),
    fractionMs(m[7]),
    zoneOffset(m[8]),
    zone,
  );
}

/** Longest raw string that is trimmed and read at all; anything longer is invalid without being scanned. */
const MAX_RAW_TIME_STRING_LENGTH = 256;

function fromString(input: string, zone: Zone): number | string {
  let s = input;
  const n = s.length;
  if (n === 0) return "time is an empty string";
  if (n > MAX_RAW_TIME_STRING_LENGTH) return `time string longer than ${MAX_TIME_STRING_LENGTH} characters`;
  if (s.charCodeAt(0) <= 32 || s.charCodeAt(n - 1) <= 32) {
    s = s.trim();
    if (s === "") return "time is an empty string";
  }
  if (s.length > MAX_TIME_STRING_LENGTH) return `time string longer than ${MAX_TIME_STRING_LENGTH} characters`;
  const fast = fastIso(s, zone);
  if (fast !== undefined) return fast;
  return digitAt(s, 0) < 0 ? fromLetterLed(s, zone) : fromDigitLed(s, zone);
}

/** Core parser (hot path): epoch ms, `undefined` for an absent value, or the reason it is invalid. Never throws. */
export function parseTimeValue(value: unknown, zone: Zone): number | string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return fromString(value, zone);
  if (typeof value === "number") return fromEpochNumber(value);
  return `time must be a string or a number, got ${Array.isArray(value) ? "an array" : `a ${typeof value}`}`;
}

const ABSENT: LogTimeReading = Object.freeze({ kind: "absent" });

/**
 * Reads a record's time value: `absent` (missing, `undefined`, `null`), `time` with `epochMs`, or `invalid` with
 * `reason: "invalid_time"` and a detail. `zone` (a resolved `Zone` or an IANA name, default UTC) applies only to
 * values without their own zone. Never throws, except RangeError for an unknown zone name.
 */
export function readLogTime(value: unknown, zone: Zone | string = "UTC"): LogTimeReading {
  const parsed = parseTimeValue(value, typeof zone === "string" ? resolveTimeZone(zone) : zone);
  if (parsed === undefined) return ABSENT;
  if (typeof parsed === "string") return { kind: "invalid", reason: "invalid_time", detail: parsed };
  return { kind: "time", epochMs: parsed };
}

/**
 * Parses a log timestamp to epoch milliseconds. Returns `undefined` when the value is absent (`undefined`/`null`);
 * throws `TimeParseError` when it is present but not a recognisable time, and RangeError for an unknown time zone.
 */
export function parseLogTime(value: unknown, defaultTimeZone = "UTC"): number | undefined {
  const result = parseTimeValue(value, resolveTimeZone(defaultTimeZone));
  if (typeof result === "string") throw new TimeParseError(value, result);
  return result;
}

/** Like `parseLogTime`, but reports garbage as `{ ok: false, error }` instead of throwing. */
export function tryParseLogTime(value: unknown, defaultTimeZone = "UTC"): TimeParseResult {
  const result = parseTimeValue(value, resolveTimeZone(defaultTimeZone));
  return typeof result === "string" ? { ok: false, error: result } : { ok: true, time: result };
}
