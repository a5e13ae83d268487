/**
 * Property tests of the time parser over every IANA zone this Node knows, with Luxon (test-only) as the oracle for
 * offsets and DST transitions. Instants run from 1975 (after the last zones with LMT-style second offsets) to 2100.
 */
import fc from "fast-check";
import { DateTime, IANAZone } from "luxon";
import { readLogTime, resolveTimeZone } from "../../../../../../handlers/shared/kinesis/records/time";

const SECOND = 1000;
const DAY = 86_400_000;
const FROM = Date.UTC(1975, 0, 1);
const TO = Date.UTC(2100, 0, 1);
const SEED = 20200314;
const ZONES: readonly string[] = Intl.supportedValuesOf("timeZone");

/** Luxon's offset (wall − UTC) of `zone` at `instant`, in ms. */
function oracleOffset(zone: IANAZone, instant: number): number {
  return Math.round(zone.offset(instant) * 60_000);
}

/** `YYYY-MM-DDTHH:MM:SS` of a wall time encoded as UTC ms. */
function naive(wall: number): string {
  return new Date(wall).toISOString().slice(0, 19);
}

function epochMs(value: string, zone: string): number {
  const reading = readLogTime(value, zone);
  if (reading.kind !== "time") throw new Error(`${value} in ${zone}: ${JSON.stringify(reading)}`);
  return reading.epochMs;
}

interface Transition {
  readonly at: number;
  readonly before: number;
  readonly after: number;
}

/** Offset transitions of `zone` in [from, to), found with Luxon: weekly steps, then bisection to the second. */
function transitions(zone: IANAZone, from: number, to: number): Transition[] {
  const found: Transition[] = [];
  let previous = oracleOffset(zone, from);
  for (let start = from; start < to; start += 7 * DAY) {
    const end = Math.min(start + 7 * DAY, to);
    const offset = oracleOffset(zone, end);
    if (offset !== previous) {
      let low = start; // offset(low) === previous
      let high = end; // offset(high) !== previous
      while (high - low > SECOND) {
        const mid = low + Math.floor((high - low) / 2 / SECOND) * SECOND;
        if (oracleOffset(zone, mid) === previous) low = mid;
        else high = mid;
      }
      found.push({ at: high, before: previous, after: oracleOffset(zone, high) });
    }
    previous = offset;
  }
  return found;
}

/**
 * The instant a naive wall time names, by the documented rule, from Luxon's offsets: of the instants `wall − o` for the
 * two offsets around a transition, those Luxon confirms; the earlier when both are (a repeated wall time); when none
 * is (a skipped wall time), the wall time read with the offset before the transition.
 */
function oracleWallToEpoch(zone: IANAZone, wall: number, t: Transition): { expected: number; valid: number } {
  const candidates = [wall - t.before, wall - t.after].filter(
    (instant, i) => oracleOffset(zone, instant) === (i === 0 ? t.before : t.after),
  );
  return {
    expected: candidates.length === 0 ? wall - t.before : Math.min(...candidates),
    valid: new Set(candidates).size,
  };
}

describe("time zones (Luxon oracle, every IANA zone)", () => {
  it("knows a few hundred zones", () => {
    // Assess
    expect(ZONES.length).toBeGreaterThan(300);
    expect(ZONES).toEqual(expect.arrayContaining(["Asia/Tokyo", "America/New_York", "Australia/Lord_Howe"]));
  });

  it("reads offsets, ISO and RFC 2822 strings with their offsets, and naive wall times, in every zone", () => {
    const instants = fc.integer({ min: FROM, max: TO - 1 });
    const failures: string[] = [];
    ZONES.forEach((name, index) => {
      // Prepare
      const oracle = IANAZone.create(name);
      const zone = resolveTimeZone(name);

      // Act / Assess
      fc.assert(
        fc.property(instants, (instant) => {
          const local = DateTime.fromMillis(instant, { zone: name });
          const offset = oracleOffset(oracle, instant);
          const wall = instant + offset;
          const fromIso = epochMs(local.toISO()!, "UTC");
          const fromRfc2822 = epochMs(local.toRFC2822()!, "UTC");
          const fromNaive = epochMs(`${naive(wall)}.${String(instant % SECOND).padStart(3, "0")}`, name);
          // A naive wall time names this instant, or (inside a repeated hour) the earlier one with the same wall time
          const naiveOk =
            fromNaive === instant ||
            (fromNaive < instant && oracleOffset(oracle, fromNaive) + fromNaive === wall && instant - fromNaive <= DAY);
          const ok =
            zone.offsetAt(instant) === offset &&
            fromIso === instant &&
            fromRfc2822 === instant - (instant % SECOND) &&
            naiveOk;
          if (!ok) failures.push(`${name} ${local.toISO()}: iso ${fromIso} rfc ${fromRfc2822} naive ${fromNaive}`);
          return ok;
        }),
        { seed: SEED + index, numRuns: 10 },
      );
    });
    expect(failures).toEqual([]);
  });

  it("resolves wall times around every DST and offset transition as Temporal's 'compatible'", () => {
    // Prepare: every zone, 2020–2022 and two more years per zone picked with a fixed seed
    const years = fc.sample(fc.integer({ min: 1975, max: 2099 }), { seed: SEED, numRuns: 2 * ZONES.length });
    const mismatches: string[] = [];
    let gaps = 0;
    let repeats = 0;
    ZONES.forEach((name, index) => {
      const oracle = IANAZone.create(name);
      const spans: [number, number][] = [[Date.UTC(2020, 0, 1), Date.UTC(2023, 0, 1)]];
      for (const year of years.slice(2 * index, 2 * index + 2))
        spans.push([Date.UTC(year, 0, 1), Date.UTC(year + 1, 0, 1)]);
      for (const [from, to] of spans) {
        for (const t of transitions(oracle, from, to)) {
          const low = t.at + Math.min(t.before, t.after);
          const high = t.at + Math.max(t.before, t.after);
          if (t.after > t.before) gaps++;
          else repeats++;
          // Act: the wall times just before, at the start of, inside, at the end of and just after the gap or repeat
          for (const wall of [
            low - SECOND,
            low,
            low + Math.floor((high - low) / 2 / SECOND) * SECOND,
            high - SECOND,
            high,
          ]) {
            const { expected, valid } = oracleWallToEpoch(oracle, wall, t);
            const inside = wall >= low && wall < high;
            const actual = epochMs(naive(wall), name);
            // Assess: inside a gap no instant has this wall time, inside a repeat two do, elsewhere exactly one
            const expectedValid = inside ? (t.after > t.before ? 0 : 2) : 1;
            if (actual !== expected || valid !== expectedValid) {
              mismatches.push(
                `${name} transition ${new Date(t.at).toISOString()} (${t.before / 60_000} -> ${t.after / 60_000} min): ` +
                  `${naive(wall)} read as ${new Date(actual).toISOString()}, oracle ${new Date(expected).toISOString()} (${valid} valid)`,
              );
            }
          }
        }
      }
    });
    expect(mismatches).toEqual([]);
    expect(gaps).toBeGreaterThan(300);
    expect(repeats).toBeGreaterThan(300);
  });

  it("lets a value's own offset win in every zone", () => {
    // Prepare
    const value = "2021-03-14T02:30:00-05:00"; // a skipped wall time in New York, and garden-variety elsewhere

    // Act
    const readings = new Set(ZONES.map((name) => epochMs(value, name)));

    // Assess
    expect([...readings]).toEqual([Date.UTC(2021, 2, 14, 7, 30)]);
  });
});
