import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { createPipeline, type KinesisRecordData, parseLogTime, summarize } from "../../../handlers/shared/records";
import { appLog, cloudWatchControlEnvelope, cloudWatchDataEnvelope, rawRecord } from "../../fixtures/records/events";
import { encodeKplAggregate } from "../../fixtures/records/kpl";

/** A unit of bytes plus how many log events it holds. */
interface Unit {
  readonly bytes: Buffer;
  readonly events: number;
}

const message = fc.oneof(
  fc.record({ log_id: fc.string(), n: fc.integer() }).map((o) => JSON.stringify(appLog(o))),
  fc.constantFrom("START RequestId: 1", "[1,2]", "{}", '{"log_type":7}', '{"log_type":"audit","time":"garbage"}'),
  fc.string(),
);

const leafUnit: fc.Arbitrary<Unit> = fc.oneof(
  fc.record({ log_id: fc.string(), time: fc.oneof(fc.integer(), fc.string()) }).map((o) => ({
    bytes: Buffer.from(JSON.stringify(appLog(o))),
    events: 1,
  })),
  fc.uint8Array({ maxLength: 64 }).map((a) => ({ bytes: Buffer.from(a), events: 1 })),
  fc.string().map((s) => ({ bytes: Buffer.from(s), events: 1 })),
  fc.array(message, { maxLength: 8 }).map((messages) => ({
    bytes: Buffer.from(JSON.stringify(cloudWatchDataEnvelope(messages))),
    events: messages.length,
  })),
  fc.constant({ bytes: Buffer.from(JSON.stringify(cloudWatchControlEnvelope())), events: 0 }),
);

const maybeGzipped: fc.Arbitrary<Unit> = fc
  .tuple(leafUnit, fc.boolean())
  .map(([unit, gzip]) => (gzip ? { bytes: gzipSync(unit.bytes), events: unit.events } : unit));

const kinesisUnit: fc.Arbitrary<Unit> = fc.oneof(
  { arbitrary: maybeGzipped, weight: 3 },
  {
    arbitrary: fc.tuple(fc.array(maybeGzipped, { maxLength: 6 }), fc.boolean()).map(([subs, corrupt]) => ({
      bytes: encodeKplAggregate(
        subs.map((s, i) => ({ partitionKey: `pk-${i % 3}`, data: s.bytes })),
        { corruptChecksum: corrupt },
      ),
      // A corrupt checksum passes the aggregate through as one (failing) record.
      events: corrupt ? 1 : subs.reduce((sum, s) => sum + s.events, 0),
    })),
    weight: 1,
  },
);

describe("record pipeline properties", () => {
  it("conserves log events: delivered + filtered + failed = events in", () => {
    fc.assert(
      fc.property(
        fc.array(kinesisUnit, { maxLength: 12 }),
        fc.constantFrom<readonly string[]>([], ["app"], ["audit", "app"]),
        fc.boolean(),
        (units, whitelist, requireType) => {
          // Prepare
          const records: KinesisRecordData[] = units.map((u, i) => rawRecord(u.bytes, { sequenceNumber: String(i) }));
          const expected = units.reduce((sum, u) => sum + u.events, 0);

          // Act
          const outcomes = createPipeline({ whitelist, requireType }).processRecords(records);
          const summary = summarize(outcomes);

          // Assess
          expect(summary.delivered + summary.filtered + summary.failed).toBe(expected);
          expect(new Set(outcomes.map((o) => o.eventId)).size).toBe(outcomes.length);
          for (const o of outcomes) expect(records[o.recordIndex]!.sequenceNumber).toBe(o.sequenceNumber);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("reads back any wall time formatted in a zone (the earlier instant when it is ambiguous)", () => {
    const zones = [
      "America/New_York",
      "Asia/Tokyo",
      "Europe/London",
      "Australia/Lord_Howe",
      "America/Sao_Paulo",
      "UTC",
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2037, 11, 31) }),
        fc.constantFrom(...zones),
        (instant, zone) => {
          // Prepare
          const wall = formatWall(instant, zone);

          // Act
          const parsed = parseLogTime(wall, zone)!;

          // Assess
          expect(formatWall(parsed, zone)).toBe(wall);
          expect(parsed).toBeLessThanOrEqual(instant);
        },
      ),
      { numRuns: 500 },
    );
  });
});

const formats = new Map<string, Intl.DateTimeFormat>();
function formatWall(instant: number, zone: string): string {
  let f = formats.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-CA", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      fractionalSecondDigits: 3,
    });
    formats.set(zone, f);
  }
  const p = Object.fromEntries(f.formatToParts(instant).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}.${p.fractionalSecond}`;
}
