import fc from "fast-check";
import {
  type LogTimeReading,
  parseLogTime,
  parseTimeValue,
  readLogTime,
  resolveTimeZone,
  TimeParseError,
} from "../../../../../../handlers/shared/kinesis/records/time";

/** `YYYY-MM-DDTHH:MM:SS.ffffffZ` (microseconds, as the dateutil table is written) → epoch ms with the fraction. */
function microsIsoToEpochMs(iso: string): number {
  return Date.parse(`${iso.slice(0, 23)}Z`) + Number(iso.slice(23, 26)) / 1000;
}

function epochMsOf(reading: LogTimeReading): number {
  if (reading.kind !== "time") throw new Error(`expected a time, got ${JSON.stringify(reading)}`);
  return reading.epochMs;
}

// Expected instants computed with python-dateutil 2.9.0.post0 while writing this test:
//   d = dateutil.parser.parse(value, tzinfos=ABBREVIATIONS)   # tzinfos: the fixed offsets documented in time.ts
//   if d.tzinfo is None: d = d.replace(tzinfo=zoneinfo.ZoneInfo(zone))   # naive: the configured zone, fold=0
//   d.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
// with warnings turned into errors (so no abbreviation was silently dropped). dateutil cannot read the common log
// format's `date:time` colon; for those rows it was given the same value with a space instead
// (`14/Mar/2020 23:30:00 +0900`). Rows whose value carries a zone use UTC as the configured zone; the zone column only
// matters for naive values.
const DATEUTIL_TABLE: readonly (readonly [value: string, zone: string, expected: string])[] = [
  ["20200314", "UTC", "2020-03-14T00:00:00.000000Z"],
  ["20200314T233000Z", "UTC", "2020-03-14T23:30:00.000000Z"],
  ["20200314T233000+0900", "UTC", "2020-03-14T14:30:00.000000Z"],
  ["20200314T2330Z", "UTC", "2020-03-14T23:30:00.000000Z"],
  ["20200314T233000.5Z", "UTC", "2020-03-14T23:30:00.500000Z"],
  ["20200314 233000", "UTC", "2020-03-14T23:30:00.000000Z"],
  ["20200314233000", "UTC", "2020-03-14T23:30:00.000000Z"],
  ["202003142330", "UTC", "2020-03-14T23:30:00.000000Z"],
  ["20200314T233000 JST", "UTC", "2020-03-14T14:30:00.000000Z"],
  ["Sat, 14 Mar 2020 23:30:00 +0900", "UTC", "2020-03-14T14:30:00.000000Z"],
  ["Sat, 14 Mar 2020 23:30:00 JST", "UTC", "2020-03-14T14:30:00.000000Z"],
  ["Sat, 14 Mar 2020 23:30:00 UT", "UTC", "2020-03-14T23:30:00.000000Z"],
  ["Sat, 14 Mar 2020 23:30:00 UTC", "UTC", "2020-03-14T23:30:00.000000Z"],
  ["Sat, 14 Mar 2020 23:30:00 GMT", "UTC", "2020-03-14T23:30:00.000000Z"],
  ["Sat, 14 Mar 2020 23:30:00 Z", "UTC", "2020-03-14T23:30:00.000000Z"],
  ["Sat, 14 Mar 2020 23:30:00 EST", "UTC", "2020-03-15T04:30:00.000000Z"],
  ["Sat, 14 Mar 2020 23:30:00 EDT", "UTC", "2020-03-15T03:30:00.000000Z"],
  ["Sat, 14 Mar 2020 23:30:00 CST", "UTC", "2020-03-15T05:30:00.000000Z"],
  ["Sat, 14 Mar 2020 23:30:00 CDT", "UTC", "2020-03-15T04:30:00.000000Z"],
  ["Sat, 14 Mar 2020 23:30:00 MST", "UTC", "2020-03-15T06:30:00.000000Z"],
  ["Sat, 14 Mar 2020 23:30:00 MDT", "UTC", "2020-03-15T05:30:00.000000Z"],
  ["Sat, 14 Mar 2020 23:30:00 PST", "UTC", "2020-03-15T07:30:00.000000Z"],
  ["Sat, 14 Mar 2020 23:30:00 PDT", "UTC", "2020-03-15T06:30:00.000000Z"],
  ["Sat, 14 Mar 2020 23:30:00 AKST", "UTC", "2020-03-15T08:30:00.000000Z"],
  ["Sat, 14 Mar 2020 23:30:00 HST", "UTC", "2020-03-15T09:30:00.000000Z"],
  ["Sat, 14 Mar 2020 23:30:00 KST", "UTC", "2020-03-14T14:30:00.000000Z"],
  ["Sat, 14 Mar 2020 23:30:00 CET", "UTC", "2020-03-14T22:30:00.000000Z"],
  ["Sat, 14 Mar 2020 23:30:00 CEST", "UTC", "2020-03-14T21:30:00.000000Z"],
  ["Sat, 14 Mar 2020 23:30:00 ACST", "UTC", "2020-03-14T14:00:00.000000Z"],
  ["Sat, 14 Mar 2020 23:30:00 NZDT", "UTC", "2020-03-14T10:30:00.000000Z"],
  ["Sat, 14 Mar 2020 23:30:00 -0000", "UTC", "2020-03-14T23:30:00.000000Z"],
  ["Sat, 14 Mar 2020 23:30:00 +0900 (JST)", "UTC", "2020-03-14T14:30:00.000000Z"],
  ["Sat, 14 Mar 2020 23:30 +0900", "UTC", "2020-03-14T14:30:00.000000Z"],
  ["Saturday, 14 March 2020 23:30:00 +0900", "UTC", "2020-03-14T14:30:00.000000Z"],
  ["Sat, 14 Sept 2020 23:30:00 +0900", "UTC", "2020-09-14T14:30:00.000000Z"],
  ["14 Mar 2020 23:30:00 +0900", "UTC", "2020-03-14T14:30:00.000000Z"],
  ["14 Mar 2020", "UTC", "2020-03-14T00:00:00.000000Z"],
  ["Sat Mar 14 23:30:00 2020", "UTC", "2020-03-14T23:30:00.000000Z"],
  ["Sat Mar  4 23:30:00 2020", "UTC", "2020-03-04T23:30:00.000000Z"],
  ["Sat Mar 14 23:30:00.123456 2020", "UTC", "2020-03-14T23:30:00.123456Z"],
  ["Sat Mar 14 23:30:00 JST 2020", "UTC", "2020-03-14T14:30:00.000000Z"],
  ["Sat Mar 14 23:30:00 UTC 2020", "UTC", "2020-03-14T23:30:00.000000Z"],
  ["Sat Mar 14 23:30:00 +0900 2020", "UTC", "2020-03-14T14:30:00.000000Z"],
  ["14/Mar/2020:23:30:00 +0900", "UTC", "2020-03-14T14:30:00.000000Z"],
  ["14/Mar/2020:23:30:00 -0700", "UTC", "2020-03-15T06:30:00.000000Z"],
  ["14/mar/2020:23:30:00 +0900", "UTC", "2020-03-14T14:30:00.000000Z"],
  ["20200314t233000z", "UTC", "2020-03-14T23:30:00.000000Z"],
  ["20200314T233000-05:30", "UTC", "2020-03-15T05:00:00.000000Z"],
  ["2020-03-14 23:30:00", "UTC", "2020-03-14T23:30:00.000000Z"],
  ["2020-03-14 23:30:00.123456", "UTC", "2020-03-14T23:30:00.123456Z"],
  ["2020-03-14 23:30:00+09:00", "UTC", "2020-03-14T14:30:00.000000Z"],
  ["2020-03-14 23:30:00 +0900", "UTC", "2020-03-14T14:30:00.000000Z"],
  ["2020-03-14 23:30:00 JST", "UTC", "2020-03-14T14:30:00.000000Z"],
  ["2020-03-14 23:30:00 UTC", "UTC", "2020-03-14T23:30:00.000000Z"],
  ["2020-03-14T23:30:00 EST", "UTC", "2020-03-15T04:30:00.000000Z"],
  ["2020/03/14 23:30:00", "UTC", "2020-03-14T23:30:00.000000Z"],
  ["2020-03-14", "UTC", "2020-03-14T00:00:00.000000Z"],
  ["14/03/2020", "UTC", "2020-03-14T00:00:00.000000Z"],
  ["03/14/2020", "UTC", "2020-03-14T00:00:00.000000Z"],
  ["03/03/2020", "UTC", "2020-03-03T00:00:00.000000Z"],
  ["14-03-2020", "UTC", "2020-03-14T00:00:00.000000Z"],
  ["14.03.2020", "UTC", "2020-03-14T00:00:00.000000Z"],
  ["14/3/2020", "UTC", "2020-03-14T00:00:00.000000Z"],
  ["14/03/2020 23:30:00", "UTC", "2020-03-14T23:30:00.000000Z"],
  ["14/03/2020 23:30", "UTC", "2020-03-14T23:30:00.000000Z"],
  ["14/03/2020 23:30:00 +0900", "UTC", "2020-03-14T14:30:00.000000Z"],
  ["03/14/2020 11:30:00 PM", "UTC", "2020-03-14T23:30:00.000000Z"],
  ["3/14/2020 12:30:00 AM", "UTC", "2020-03-14T00:30:00.000000Z"],
  ["3/14/2020 12:30:00 PM", "UTC", "2020-03-14T12:30:00.000000Z"],
  ["2020-03-14T23:30:00.1234567Z", "UTC", "2020-03-14T23:30:00.123456Z"],
  ["2020-03-14T23:30:00-00:00", "UTC", "2020-03-14T23:30:00.000000Z"],
  ["2020-03-14T23:30:00+14:00", "UTC", "2020-03-14T09:30:00.000000Z"],
  ["Sat Mar 14 23:30:00 2020", "Asia/Tokyo", "2020-03-14T14:30:00.000000Z"],
  ["20200314", "Asia/Tokyo", "2020-03-13T15:00:00.000000Z"],
  ["20200314T233000", "Asia/Tokyo", "2020-03-14T14:30:00.000000Z"],
  ["14/03/2020 23:30:00", "Asia/Tokyo", "2020-03-14T14:30:00.000000Z"],
  ["14 Mar 2020 23:30", "Asia/Tokyo", "2020-03-14T14:30:00.000000Z"],
  ["2020-03-14 23:30:00 JST", "America/New_York", "2020-03-14T14:30:00.000000Z"],
  ["2020-03-08 02:30:00", "America/New_York", "2020-03-08T07:30:00.000000Z"],
  ["2020-11-01 01:30:00", "America/New_York", "2020-11-01T05:30:00.000000Z"],
  ["Sun Mar  8 02:30:00 2020", "America/New_York", "2020-03-08T07:30:00.000000Z"],
  ["20201101T013000", "America/New_York", "2020-11-01T05:30:00.000000Z"],
  ["03/14/2021 02:30:00 AM", "America/New_York", "2021-03-14T07:30:00.000000Z"],
  ["Sun Mar 29 01:30:00 2020", "Europe/London", "2020-03-29T01:30:00.000000Z"],
  ["25/10/2020 01:30", "Europe/London", "2020-10-25T00:30:00.000000Z"],
  ["2020-04-05 01:45:00", "Australia/Lord_Howe", "2020-04-04T14:45:00.000000Z"],
  ["2020-10-04 02:15:00", "Australia/Lord_Howe", "2020-10-03T15:45:00.000000Z"],
  ["2020-03-14 23:30:00", "Asia/Kathmandu", "2020-03-14T17:45:00.000000Z"],
];

describe("time formats, checked against python-dateutil", () => {
  it.each(DATEUTIL_TABLE)("reads %j (zone %s) as %s", (value, zone, expected) => {
    // Act
    const reading = readLogTime(value, zone);

    // Assess
    expect(Math.abs(epochMsOf(reading) - microsIsoToEpochMs(expected))).toBeLessThan(1e-6);
  });

  it("moves only the naive rows with the configured zone, by exactly its offset", () => {
    // Prepare: Pacific/Chatham is +13:45 in March 2020 and +12:45 on 2020-09-14
    const chatham = new Set([13.75 * 3_600_000, 12.75 * 3_600_000]);
    const rows = DATEUTIL_TABLE.filter(([, zone]) => zone === "UTC");

    // Act
    const shifts = rows.map(
      ([value]) => epochMsOf(readLogTime(value, "UTC")) - epochMsOf(readLogTime(value, "Pacific/Chatham")),
    );

    // Assess: 23 of these rows are naive for dateutil too (computed with it while writing the table)
    expect(shifts.every((shift) => shift === 0 || chatham.has(shift))).toBe(true);
    expect(shifts.filter((shift) => shift !== 0)).toHaveLength(23);
  });
});

describe("values that are not a time fail visibly as invalid_time", () => {
  it.each([
    // value, why; dateutil's answer in the comment where it would have given something
    ["2020", "a bare year"], // dateutil: 2020-<today's month>-<today's day>
    ["200314", "six digits"], // dateutil: 2014-03-20 (YYMMDD)
    ["123456789", "nine digits: not an epoch length"], // dateutil: error
    ["12345678901", "eleven digits"], // dateutil: error
    ["03/04/2020", "day and month can be swapped"], // dateutil: 2020-03-04 (a silent month-first guess)
    ["11/01/2020 01:30:00 AM", "day and month can be swapped"], // dateutil: 2020-11-01
    ["14/03/20", "two-digit year"], // dateutil: 2020-03-14
    ["Sat, 14 Mar 20 23:30:00 +0900", "two-digit year"], // dateutil: 2020-03-14T23:30:00+09:00
    ["Mar 14 23:30:00", "syslog without a year"], // dateutil: the current year
    ["2020-03", "year and month only"], // dateutil: day 1 or today's day
    ["Sat, 14 Mar 2020 23:30:00 IST", "ambiguous abbreviation"], // dateutil: drops it, naive 23:30
    ["Sat, 14 Mar 2020 23:30:00 BST", "ambiguous abbreviation"], // dateutil: drops it, naive 23:30
    ["Sat, 14 Mar 2020 23:30:00 XYZ", "unknown abbreviation"], // dateutil: drops it, naive 23:30
    ["Sat Mar 14 23:30:00 XYZ 2020", "unknown abbreviation"], // dateutil: drops it, naive 23:30
    ["Sat, 14 Mar 2020 23:30:00 utc", "lower-case abbreviation"], // dateutil: error
    ["2020-03-14T23:30:00 UTC+9", "POSIX-style sign"], // dateutil: 2020-03-14T23:30:00-09:00
    ["2020-03-14T24:00:00", "hour 24"], // dateutil: error
    ["0000-01-01", "year 0"], // dateutil: error
    ["2019-02-29", "not a leap year"], // dateutil: error
    ["14/13/2020", "no month 13 or 14"], // dateutil: error
    ["3/14/2020 13:30:00 PM", "13 PM"], // dateutil: error
    ["Fooday, 14 Mar 2020", "not a day name"],
    ["14/Foo/2020:23:30:00 +0900", "not a month"],
    ["32/Mar/2020:23:30:00 +0900", "no day 32"],
    ["20200314T233000+2500", "offset beyond 23:59"], // dateutil: error
    ["20200314T246000Z", "minute 60"], // dateutil: error
    ["Sat Mar 14 23:30:00 2020 extra", "trailing text"],
    ["2020-03-14T23:30:00.", "fraction without digits"],
    ["2020-03-14-05:00", "offset on a date without time"],
    ["-1584196200", "signed epoch string"],
    ["1e9", "exponent"],
    ["1584196200.", "epoch with an empty fraction"],
    ["1584196200 UTC", "epoch with a zone"],
    ["", "empty"],
    ["   ", "blank"],
    ["yesterday", "words"],
    [`2020-03-14T23:30:00.${"1".repeat(70)}Z`, "longer than 80 characters"],
  ])("%j (%s)", (value) => {
    // Act
    const reading = readLogTime(value, "UTC");
    const act = () => parseLogTime(value, "UTC");

    // Assess
    expect(reading).toMatchObject({ kind: "invalid", reason: "invalid_time" });
    expect(act).toThrow(TimeParseError);
  });

  it.each([
    [Number.NaN, "time is not a finite number"],
    [Number.POSITIVE_INFINITY, "time is not a finite number"],
    [1e20, "time out of range"],
    [true, "time must be a string or a number, got a boolean"],
    [{ seconds: 1 }, "time must be a string or a number, got a object"],
    [[2020, 3, 14], "time must be a string or a number, got an array"],
  ])("non-string %p gives the detail %j", (value, detail) => {
    // Act
    const reading = readLogTime(value);

    // Assess
    expect(reading).toEqual({ kind: "invalid", reason: "invalid_time", detail });
  });

  it("says why in the detail", () => {
    // Act
    const details = ["2020", "03/04/2020", "Sat, 14 Mar 2020 23:30:00 IST", "123456789"].map((value) => {
      const reading = readLogTime(value);
      return reading.kind === "invalid" ? reading.detail : reading.kind;
    });

    // Assess
    expect(details).toEqual([
      "a bare year is not a time",
      'ambiguous date "03/04/2020": day-first and month-first are both valid',
      'unknown or ambiguous time zone abbreviation "IST"',
      "9 digits: neither an epoch (10 or 13 digits) nor a compact date (8, 12 or 14 digits)",
    ]);
  });

  it("answers adversarial strings quickly (no regex backtracking, length caps)", () => {
    // Prepare
    const nasty = [
      "1".repeat(1_000_000),
      `${" ".repeat(200)}1`,
      `Sat, ${"1 ".repeat(37)}`,
      `1/1/${"1".repeat(75)}`,
      `Sat ${"a".repeat(75)}`,
      `2020-03-14T23:30:00${" ".repeat(60)}+`,
      `14 Mar 2020 23:30:00 (${"(".repeat(50)}`,
      `${"9".repeat(13)}.${"9".repeat(60)}x`,
    ];
    const zone = resolveTimeZone("UTC");

    // Act
    const started = performance.now();
    for (let i = 0; i < 1000; i++) for (const value of nasty) parseTimeValue(value, zone);
    const elapsed = performance.now() - started;

    // Assess: about 1 µs each; the bound only catches super-linear behaviour on a busy machine
    expect(nasty.map((value) => typeof parseTimeValue(value, zone))).toEqual(nasty.map(() => "string"));
    expect(elapsed).toBeLessThan(2000);
  });
});

describe("epoch values", () => {
  it.each([
    ["10-digit string: seconds", "1584196200", 1584196200000],
    ["10-digit string with fraction", "1584196200.123456", 1584196200123.456],
    ["13-digit string: milliseconds", "1584196200123", 1584196200123],
    ["13-digit string with fraction", "1584196200123.5", 1584196200123.5],
    ["10 digits even when they look like YYYYMMDDHH", "2020031423", 2020031423000],
    ["JSON number, seconds", 1584196200, 1584196200000],
    ["JSON number, milliseconds", 1584196200123, 1584196200123],
    ["JSON number 20200314 is an epoch (only strings are compact dates)", 20200314, 20200314000],
    ["JSON number 2020 is an epoch", 2020, 2020000],
  ])("%s", (_name, value, expected) => {
    // Act
    const actual = epochMsOf(readLogTime(value));

    // Assess
    expect(actual).toBeCloseTo(expected, 3);
  });

  it('reads "20200314" as 2020-03-14, not as epoch seconds (1970-08-22)', () => {
    // Act
    const actual = parseLogTime("20200314", "UTC");

    // Assess
    expect(actual).toBe(Date.UTC(2020, 2, 14));
  });
});

describe("readLogTime", () => {
  it.each([undefined, null])("reports %p as absent", (value) => {
    // Act
    const reading = readLogTime(value, "Asia/Tokyo");

    // Assess
    expect(reading).toEqual({ kind: "absent" });
  });

  it("reports a time with its epoch milliseconds", () => {
    // Act
    const reading = readLogTime("2020-03-14T23:30:00.250+09:00");

    // Assess
    expect(reading).toEqual({ kind: "time", epochMs: Date.UTC(2020, 2, 14, 14, 30, 0, 250) });
  });

  it("takes a resolved zone or a zone name, and the name only matters for naive values", () => {
    // Prepare
    const tokyo = resolveTimeZone("Asia/Tokyo");

    // Act
    const byZone = readLogTime("2020-03-14 23:30:00", tokyo);
    const byName = readLogTime("2020-03-14 23:30:00", "Asia/Tokyo");
    const byDefault = readLogTime("2020-03-14 23:30:00");

    // Assess
    expect(byZone).toEqual({ kind: "time", epochMs: Date.UTC(2020, 2, 14, 14, 30) });
    expect(byName).toEqual(byZone);
    expect(byDefault).toEqual({ kind: "time", epochMs: Date.UTC(2020, 2, 14, 23, 30) });
  });

  it("throws RangeError for an unknown zone name, and nothing else for any value", () => {
    // Prepare
    const zone = resolveTimeZone("UTC");

    // Act
    const act = () => readLogTime("2020-03-14", "Mars/Olympus_Mons");

    // Assess
    expect(act).toThrow(RangeError);
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const reading = readLogTime(value, zone);
        return reading.kind === "time" || reading.kind === "invalid" || value === null;
      }),
      { seed: 20200314, numRuns: 2000 },
    );
  });

  it("agrees with parseTimeValue, tryParseLogTime's contract and parseLogTime", () => {
    // Prepare
    const zone = resolveTimeZone("Europe/Berlin");
    const values = [undefined, null, "2020-03-14 23:30:00", "20200314T233000Z", "garbage", 1584196200, true];

    // Act
    const pairs = values.map((value) => [readLogTime(value, zone), parseTimeValue(value, zone)] as const);

    // Assess
    for (const [reading, raw] of pairs) {
      if (reading.kind === "absent") expect(raw).toBeUndefined();
      else if (reading.kind === "time") expect(raw).toBe(reading.epochMs);
      else expect(raw).toBe(reading.detail);
    }
  });
});

describe("every shape round-trips random instants", () => {
  const MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const DAY_NAMES = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  /** Wall-clock fields of `instant` at a fixed `offset` (minutes east of UTC). */
  const wall = (instant: number, offset: number) => {
    const d = new Date(instant + offset * 60_000);
    return {
      y: pad(d.getUTCFullYear(), 4),
      mo: d.getUTCMonth() + 1,
      d: d.getUTCDate(),
      h: d.getUTCHours(),
      mi: d.getUTCMinutes(),
      s: d.getUTCSeconds(),
      wd: DAY_NAMES[d.getUTCDay()]!,
      mon: MONTH_NAMES[d.getUTCMonth()]!,
    };
  };
  const basicOffset = (offset: number) =>
    `${offset < 0 ? "-" : "+"}${pad(Math.floor(Math.abs(offset) / 60))}${pad(Math.abs(offset) % 60)}`;
  const formats: Record<string, (instant: number, offset: number) => string> = {
    compact: (t, o) => {
      const w = wall(t, o);
      return `${w.y}${pad(w.mo)}${pad(w.d)}T${pad(w.h)}${pad(w.mi)}${pad(w.s)}${basicOffset(o)}`;
    },
    rfc2822: (t, o) => {
      const w = wall(t, o);
      return `${w.wd}, ${w.d} ${w.mon} ${w.y} ${pad(w.h)}:${pad(w.mi)}:${pad(w.s)} ${basicOffset(o)}`;
    },
    asctime: (t, o) => {
      const w = wall(t, o);
      return `${w.wd} ${w.mon} ${String(w.d).padStart(2, " ")} ${pad(w.h)}:${pad(w.mi)}:${pad(w.s)} ${basicOffset(o)} ${w.y}`;
    },
    clf: (t, o) => {
      const w = wall(t, o);
      return `${pad(w.d)}/${w.mon}/${w.y}:${pad(w.h)}:${pad(w.mi)}:${pad(w.s)} ${basicOffset(o)}`;
    },
    "iso space": (t, o) => {
      const w = wall(t, o);
      return `${w.y}-${pad(w.mo)}-${pad(w.d)} ${pad(w.h)}:${pad(w.mi)}:${pad(w.s)} ${basicOffset(o)}`;
    },
    "day-first": (t, o) => {
      const w = wall(t, o);
      return `${pad(w.d)}.${pad(w.mo)}.${w.y} ${pad(w.h)}:${pad(w.mi)}:${pad(w.s)} ${basicOffset(o)}`;
    },
  };

  it.each(Object.keys(formats))("%s", (name) => {
    // Prepare: whole seconds between years 1 and 9999, offsets on the quarter hour within ±14:00
    const format = formats[name]!;
    const instants = fc.integer({ min: -62_135_596_800 + 86_400, max: 253_402_214_400 - 86_400 }).map((s) => s * 1000);
    const offsets = fc.integer({ min: -56, max: 56 }).map((q) => q * 15);

    // Act / Assess
    fc.assert(
      fc.property(instants, offsets, (instant, offset) => {
        const value = format(instant, offset);
        const reading = readLogTime(value, "Pacific/Kiritimati");
        if (name === "day-first") {
          const w = wall(instant, offset);
          if (w.d <= 12 && w.d !== w.mo) return reading.kind === "invalid";
        }
        return reading.kind === "time" && reading.epochMs === instant;
      }),
      { seed: 1584196200, numRuns: 500 },
    );
  });
});
