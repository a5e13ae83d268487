/**
 * Log timestamp parsing for the Common Schema `time` key.
 *
 * Accepted: ISO 8601 with or without offset (`T` or space separator, fractional seconds with `.` or `,`, offset `Z`,
 * `±HH:MM`, `±HHMM`, `±HH`, or `UTC`/`GMT`), `YYYY-MM-DD HH:MM:SS[.fff]`, date only `YYYY-MM-DD`, RFC 2822
 * (`Sat, 14 Mar 2020 23:30:00 +0900`, also `GMT`/`UT`/US zone names), Apache common log format
 * (`14/Mar/2020:23:30:00 +0900`), and epoch seconds or milliseconds as numbers or numeric strings (magnitude above 1e11
 * means milliseconds). A value's own offset always wins; without one the wall time is read in the configured IANA zone
 * (DST handled like Temporal's "compatible": an ambiguous time takes the earlier instant, a skipped time moves forward
 * by the gap). Results are epoch milliseconds, keeping sub-millisecond digits to the microsecond as a fraction.
 */

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const MAX_EPOCH_MS = 8.64e15;
/** Above this magnitude a numeric epoch is taken as milliseconds (1e11 s is the year 5138; 1e11 ms is 1973). */
const EPOCH_MS_THRESHOLD = 1e11;

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

// Compiled once. Groups: year, month, day, hour, minute, second, fraction, zone.
const ISO_RE =
  /^(\d{4})([-/])(\d{2})\2(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?(?:\s*([Zz]|UTC|GMT|[+-]\d{2}(?::?\d{2})?))?$/;
// Groups: day, month name, year, hour, minute, second, fraction, zone.
const RFC2822_RE =
  /^(?:[A-Za-z]{3},?\s+)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{4})\s+(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:\s+([+-]\d{4}|[A-Za-z]{1,3}))?$/;
// Apache/NCSA common log format. Groups: day, month name, year, hour, minute, second, zone.
const CLF_RE = /^(\d{2})\/([A-Za-z]{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?:\s+([+-]\d{4}))?$/;
const NUMERIC_RE = /^[+-]?\d+(?:\.\d+)?$/;

const MONTHS: Readonly<Record<string, number>> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  oct: 10,
  nov: 11,
  dec: 12,
};
/** RFC 2822 zone names (offset in minutes). */
const NAMED_ZONES: Readonly<Record<string, number>> = {
  z: 0,
  ut: 0,
  utc: 0,
  gmt: 0,
  est: -300,
  edt: -240,
  cst: -360,
  cdt: -300,
  mst: -420,
  mdt: -360,
  pst: -480,
  pdt: -420,
};

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

/** Date.UTC for any year (Date.UTC maps 0–99 to 1900–1999). */
function utcFields(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  if (year >= 100) return Date.UTC(year, month - 1, day, hour, minute, second);
  const d = new Date(Date.UTC(2000, month - 1, day, hour, minute, second));
  d.setUTCFullYear(year);
  return d.getTime();
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Fraction digits → milliseconds, kept to the microsecond. */
function fractionMs(digits: string | undefined): number {
  if (digits === undefined) return 0;
  const micros = digits.length >= 6 ? digits.slice(0, 6) : digits.padEnd(6, "0");
  return Number(micros) / 1000;
}

/** `±HH[:]MM`, `±HH`, `Z`, `UTC`, `GMT` → minutes; undefined when absent; NaN when out of range. */
function offsetMinutes(zone: string | undefined): number | undefined {
  if (zone === undefined) return undefined;
  const first = zone.charCodeAt(0);
  if (first !== 43 && first !== 45) {
    const named = NAMED_ZONES[zone.toLowerCase()];
    return named === undefined ? Number.NaN : named;
  }
  const hours = Number(zone.slice(1, 3));
  const minutes = zone.length > 3 ? Number(zone.slice(zone.length - 2)) : 0;
  if (hours > 23 || minutes > 59) return Number.NaN;
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
  offset: number | undefined,
  defaultZone: Zone,
): number | string {
  if (month < 1 || month > 12) return "month out of range";
  if (day < 1 || day > daysInMonth(year, month)) return "day out of range";
  if (hour > 23 || minute > 59 || second > 60) return "time of day out of range";
  if (offset !== undefined && Number.isNaN(offset)) return "unsupported UTC offset";
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

function fromEpochNumber(value: number): number | string {
  if (!Number.isFinite(value)) return "time is not a finite number";
  const ms = Math.abs(value) > EPOCH_MS_THRESHOLD ? Math.round(value * 1000) / 1000 : Math.round(value * 1e6) / 1000;
  if (!(Math.abs(ms) <= MAX_EPOCH_MS)) return "time out of range";
  return ms;
}

function monthNumber(name: string): number {
  return MONTHS[name.toLowerCase()] ?? 0;
}

function fromString(input: string, zone: Zone): number | string {
  let s = input;
  const last = s.length - 1;
  if (last < 0) return "time is an empty string";
  if (s.charCodeAt(0) <= 32 || s.charCodeAt(last) <= 32) {
    s = s.trim();
    if (s === "") return "time is an empty string";
  }
  const fast = fastIso(s, zone);
  if (fast !== undefined) return fast;
  let m = ISO_RE.exec(s);
  if (m !== null) {
    return fromFields(
      Number(m[1]),
      Number(m[3]),
      Number(m[4]),
      m[5] === undefined ? 0 : Number(m[5]),
      m[6] === undefined ? 0 : Number(m[6]),
      m[7] === undefined ? 0 : Number(m[7]),
      fractionMs(m[8]),
      offsetMinutes(m[9]),
      zone,
    );
  }
  if (NUMERIC_RE.test(s)) return fromEpochNumber(Number(s));
  m = RFC2822_RE.exec(s);
  if (m !== null) {
    const month = monthNumber(m[2]!);
    if (month === 0) return `unknown month "${m[2]}"`;
    return fromFields(
      Number(m[3]),
      month,
      Number(m[1]),
      Number(m[4]),
      Number(m[5]),
      Number(m[6] ?? 0),
      fractionMs(m[7]),
      offsetMinutes(m[8]),
      zone,
    );
  }
  m = CLF_RE.exec(s);
  if (m !== null) {
    const month = monthNumber(m[2]!);
    if (month === 0) return `unknown month "${m[2]}"`;
    return fromFields(
      Number(m[3]),
      month,
      Number(m[1]),
      Number(m[4]),
      Number(m[5]),
      Number(m[6]),
      0,
      offsetMinutes(m[7]),
      zone,
    );
  }
  return "unrecognised time format";
}

/** Core parser: epoch ms, `undefined` for an absent value, or an error message. Never throws. */
export function parseTimeValue(value: unknown, zone: Zone): number | string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return fromString(value, zone);
  if (typeof value === "number") return fromEpochNumber(value);
  return `time must be a string or a number, got ${Array.isArray(value) ? "array" : typeof value}`;
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
