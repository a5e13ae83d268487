import { parseLogTime, TimeParseError, tryParseLogTime } from "../../../../../../handlers/shared/kinesis/records/time";

const TOKYO_2330 = 1584196200000; // 2020-03-14T14:30:00Z

describe("parseLogTime", () => {
  it.each([
    ["ISO with offset", "2020-03-14T23:30:00+09:00", TOKYO_2330],
    ["ISO with Z", "2020-03-14T14:30:00Z", TOKYO_2330],
    ["ISO with lowercase z", "2020-03-14t14:30:00z", TOKYO_2330],
    ["ISO with fraction and offset", "2020-03-14T23:30:00.250+09:00", TOKYO_2330 + 250],
    ["ISO with nanoseconds (kept to the microsecond)", "2020-03-14T14:30:00.123456789Z", TOKYO_2330 + 123.456],
    ["ISO with comma fraction", "2020-03-14T14:30:00,5Z", TOKYO_2330 + 500],
    ["ISO basic offset", "2020-03-14T23:30:00+0900", TOKYO_2330],
    ["ISO hour-only offset", "2020-03-14T23:30:00+09", TOKYO_2330],
    ["negative offset", "2020-03-14T09:30:00-05:00", TOKYO_2330],
    ["ISO without seconds", "2020-03-14T23:30+09:00", TOKYO_2330],
    ["space separator with offset (Python str(datetime))", "2020-03-14 23:30:00.000000+09:00", TOKYO_2330],
    ["space before offset", "2020-03-14 23:30:00 +0900", TOKYO_2330],
    ["UTC suffix", "2020-03-14 14:30:00 UTC", TOKYO_2330],
    ["RFC 2822", "Sat, 14 Mar 2020 23:30:00 +0900", TOKYO_2330],
    ["RFC 2822 without weekday", "14 Mar 2020 23:30:00 +0900", TOKYO_2330],
    ["RFC 2822 GMT", "Sat, 14 Mar 2020 14:30:00 GMT", TOKYO_2330],
    ["RFC 2822 US zone", "Sat, 14 Mar 2020 10:30:00 EDT", TOKYO_2330],
    ["common log format", "14/Mar/2020:23:30:00 +0900", TOKYO_2330],
    ["surrounding whitespace", "  2020-03-14T23:30:00+09:00\n", TOKYO_2330],
  ])("parses %s", (_name, input, expected) => {
    // Prepare: a default zone that must be ignored because the value carries its own offset
    const zone = "America/New_York";

    // Act
    const actual = parseLogTime(input, zone);

    // Assess
    expect(actual).toBeCloseTo(expected, 6);
  });

  it.each([
    ["epoch seconds", 1584196200, TOKYO_2330],
    ["epoch seconds with fraction", 1584196200.123456, TOKYO_2330 + 123.456],
    ["epoch milliseconds", 1584196200123, TOKYO_2330 + 123],
    ["epoch seconds string", "1584196200", TOKYO_2330],
    ["epoch float string", "1584196200.5", TOKYO_2330 + 500],
    ["epoch milliseconds string", "1584196200123", TOKYO_2330 + 123],
    ["small epoch seconds (1973) stays seconds", 1e11 - 1, (1e11 - 1) * 1000],
    ["just above 1e11 is milliseconds", 1e11 + 1, 1e11 + 1],
  ])("parses %s", (_name, input, expected) => {
    // Act
    const actual = parseLogTime(input, "UTC");

    // Assess
    expect(actual).toBeCloseTo(expected, 3);
  });

  it("reads wall times without offset in the configured zone", () => {
    // Prepare
    const wall = "2020-03-14T23:30:00";

    // Act
    const tokyo = parseLogTime(wall, "Asia/Tokyo");
    const utc = parseLogTime(wall, "UTC");
    const spaced = parseLogTime("2020-03-14 23:30:00.5", "Asia/Tokyo");
    const dateOnly = parseLogTime("2020-03-14", "Asia/Tokyo");

    // Assess
    expect(tokyo).toBe(TOKYO_2330);
    expect(utc).toBe(Date.UTC(2020, 2, 14, 23, 30));
    expect(spaced).toBe(TOKYO_2330 + 500);
    expect(dateOnly).toBe(Date.UTC(2020, 2, 13, 15, 0));
  });

  it("handles the America/New_York DST transitions", () => {
    // Act
    const beforeSpring = parseLogTime("2020-03-08 01:59:59", "America/New_York");
    const skipped = parseLogTime("2020-03-08 02:30:00", "America/New_York"); // does not exist: moves forward
    const afterSpring = parseLogTime("2020-03-08 03:00:00", "America/New_York");
    const repeated = parseLogTime("2020-11-01 01:30:00", "America/New_York"); // exists twice: earlier instant
    const afterFall = parseLogTime("2020-11-01 02:00:00", "America/New_York");
    const summer = parseLogTime("2020-07-01 12:00:00", "America/New_York");
    const winter = parseLogTime("2020-01-01 12:00:00", "America/New_York");

    // Assess
    expect(beforeSpring).toBe(Date.parse("2020-03-08T06:59:59Z"));
    expect(skipped).toBe(Date.parse("2020-03-08T07:30:00Z")); // 03:30 EDT
    expect(afterSpring).toBe(Date.parse("2020-03-08T07:00:00Z"));
    expect(repeated).toBe(Date.parse("2020-11-01T05:30:00Z")); // 01:30 EDT
    expect(afterFall).toBe(Date.parse("2020-11-01T07:00:00Z"));
    expect(summer).toBe(Date.parse("2020-07-01T16:00:00Z"));
    expect(winter).toBe(Date.parse("2020-01-01T17:00:00Z"));
  });

  it("keeps Asia/Tokyo at +09:00 across the US DST dates and applies its historical DST", () => {
    // Act
    const onUsSpring = parseLogTime("2020-03-08 02:30:00", "Asia/Tokyo");
    const onUsFall = parseLogTime("2020-11-01 01:30:00", "Asia/Tokyo");
    const japanSummerTime1949 = parseLogTime("1949-07-01 12:00:00", "Asia/Tokyo");

    // Assess
    expect(onUsSpring).toBe(Date.parse("2020-03-07T17:30:00Z"));
    expect(onUsFall).toBe(Date.parse("2020-10-31T16:30:00Z"));
    expect(japanSummerTime1949).toBe(Date.parse("1949-07-01T02:00:00Z")); // JDT, +10:00
  });

  it("lets the value's own offset win over the configured zone", () => {
    // Act
    const withOffset = parseLogTime("2020-03-08T02:30:00-05:00", "Asia/Tokyo");

    // Assess
    expect(withOffset).toBe(Date.parse("2020-03-08T07:30:00Z"));
  });

  it.each([undefined, null])("returns undefined for a missing value (%p)", (value) => {
    // Act
    const actual = parseLogTime(value, "UTC");

    // Assess
    expect(actual).toBeUndefined();
  });

  it.each([
    "",
    "   ",
    "yesterday",
    "2020-13-01T00:00:00Z",
    "2020-02-30T00:00:00Z",
    "2020-03-14T24:00:00Z",
    "2020-03-14T23:30:00+25:00",
    "Sat, 14 Foo 2020 23:30:00 +0900",
    "Sat, 14 Mar 2020 23:30:00 XYZ",
    "2020-03-14T23:30:00 PST8",
    Number.NaN,
    Number.POSITIVE_INFINITY,
    1e20,
    true,
    { seconds: 1 },
    [2020, 3, 14],
  ])("throws TimeParseError for garbage %p", (value) => {
    // Act
    const act = () => parseLogTime(value, "UTC");

    // Assess
    expect(act).toThrow(TimeParseError);
  });

  it("reports garbage without throwing through tryParseLogTime", () => {
    // Act
    const bad = tryParseLogTime("not a time", "UTC");
    const good = tryParseLogTime("2020-03-14T23:30:00+09:00", "UTC");
    const missing = tryParseLogTime(undefined, "UTC");

    // Assess
    expect(bad).toEqual({ ok: false, error: "unrecognised time format" });
    expect(good).toEqual({ ok: true, time: TOKYO_2330 });
    expect(missing).toEqual({ ok: true, time: undefined });
  });

  it("rejects an unknown time zone", () => {
    // Act
    const act = () => parseLogTime("2020-03-14T23:30:00", "Mars/Olympus_Mons");

    // Assess
    expect(act).toThrow(RangeError);
  });

  it("agrees with Date.parse on ISO strings with offsets across many instants", () => {
    // Prepare
    const instants = Array.from({ length: 200 }, (_, i) => Date.UTC(1999, 0, 1) + i * 7_919_000_123);

    // Act
    const mismatches = instants.filter((ms) => {
      const iso = new Date(ms).toISOString();
      return parseLogTime(iso, "Europe/London") !== ms;
    });

    // Assess
    expect(mismatches).toEqual([]);
  });
});
