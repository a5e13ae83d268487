import { gunzipSync, gzipSync } from "node:zlib";
import fc from "fast-check";
import { planPutRecords } from "../../../../../../handlers/kinesis-forward/core";
import { buildBulkBodies } from "../../../../../../handlers/kinesis-to-opensearch/opensearch-bulk";
import { groupForS3 } from "../../../../../../handlers/kinesis-to-s3/s3-objects";
import {
  createPipeline,
  type DeliveredOutcome,
  jsonLine,
  type KinesisRecordData,
  parseLogTime,
  summarize,
} from "../../../../../../handlers/shared/kinesis/records";
import {
  appLog,
  cloudWatchControlEnvelope,
  cloudWatchDataEnvelope,
  rawRecord,
} from "../../../../../fixtures/records/events";
import { encodeKplAggregate } from "../../../../../fixtures/records/kpl";

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

/** Log event texts written by hand: any spacing and line breaks, numbers a re-serialisation would change. */
const ws = fc.constantFrom("", " ", "\n", "\r\n  ", "\t");
const numberToken = fc.constantFrom(
  "12345678901234567890",
  "1.0",
  "-0.0",
  "1e3",
  "-0",
  "9007199254740993",
  "0.10",
  "7",
);
const handWritten: fc.Arbitrary<string> = fc
  .tuple(
    fc.array(fc.tuple(ws, numberToken, ws), { maxLength: 4 }),
    fc.string({ maxLength: 12 }),
    fc.constantFrom("app", "audit", "debug"),
    ws,
    fc.boolean(),
  )
  .map(([numbers, str, type, pad, nested]) => {
    const members = [`"log_type":${pad}"${type}"`, `"s":${JSON.stringify(str)}`];
    for (const [i, [a, n, b]] of numbers.entries()) members.push(`${a}"n${i}"${b}:${a}${n}${b}`);
    if (nested) members.push(`"o":${pad}{${pad}"a":[${pad}1.0,${pad}{}${pad}]${pad}}`);
    return `${pad}{${pad}${members.join(`,${pad}`)}${pad}}${pad}`;
  });

/** A unit plus the source text of each of its events, in order (for delivered events: what must go out). */
interface TextUnit {
  readonly bytes: Buffer;
  readonly texts: readonly string[];
}
const textLeaf: fc.Arbitrary<TextUnit> = fc.oneof(
  handWritten.map((t) => ({ bytes: Buffer.from(t), texts: [t] })),
  // A leading byte order mark is dropped before the text is read (trim() drops it from the expected text too).
  handWritten.map((t) => ({ bytes: Buffer.from(`\uFEFF${t}`), texts: [t] })),
  fc.array(fc.oneof(handWritten, message), { maxLength: 6 }).map((messages) => ({
    bytes: Buffer.from(JSON.stringify(cloudWatchDataEnvelope(messages))),
    texts: messages,
  })),
  fc.string().map((s) => ({ bytes: Buffer.from(s), texts: [s] })),
  fc.constant({ bytes: Buffer.from(JSON.stringify(cloudWatchControlEnvelope())), texts: [] }),
);
const textGz: fc.Arbitrary<TextUnit> = fc
  .tuple(textLeaf, fc.boolean())
  .map(([u, gz]) => (gz ? { bytes: gzipSync(u.bytes), texts: u.texts } : u));
const textRecord: fc.Arbitrary<TextUnit> = fc.oneof(
  { arbitrary: textGz, weight: 3 },
  {
    arbitrary: fc.array(textGz, { maxLength: 5 }).map((subs) => ({
      bytes: encodeKplAggregate(subs.map((s, i) => ({ partitionKey: `pk-${i}`, data: s.bytes }))),
      texts: subs.flatMap((s) => s.texts),
    })),
    weight: 1,
  },
);

describe("record pipeline properties", () => {
  it("conserves events and delivers each one's own bytes: forward exact, JSON lines and _bulk token for token", () => {
    fc.assert(
      fc.property(
        fc.array(textRecord, { maxLength: 10 }),
        fc.constantFrom<readonly string[]>([], ["app"], ["audit", "app"]),
        (units, whitelist) => {
          // Prepare
          const records = units.map((u, i) => rawRecord(u.bytes, { sequenceNumber: String(i) }));
          const texts = units.flatMap((u) => u.texts);

          // Act (an unreadable time fails: only the explicit fallback may add a marking member)
          const outcomes = createPipeline({ whitelist, invalidTime: "fail" }).processRecords(records);
          const events = outcomes.filter((o) => o.kind !== "control");

          // Assess: delivered + filtered + failed = input events, one outcome per event, in order
          const summary = summarize(outcomes);
          expect(summary.delivered + summary.filtered + summary.failed).toBe(texts.length);
          expect(events).toHaveLength(texts.length);
          events.forEach((o, k) => {
            if (o.kind !== "delivered") return;
            const input = Buffer.from(texts[k]!.trim(), "utf8");
            // The bytes the pipeline hands on, when it does, are exactly the event's own.
            if (o.rawBytes !== undefined) expect(Buffer.from(o.rawBytes)).toEqual(input);
            if (o.rawBase64 !== undefined) expect(o.rawBase64).toBe(input.toString("base64"));
            const forwarded = planPutRecords([o]).chunks[0]![0]!.entry.Data;
            expect(Buffer.from(forwarded)).toEqual(input);
            const line = Buffer.from(jsonLine(o), "utf8");
            expect(line).toEqual(Buffer.from(texts[k]!.trim().replace(/[\r\n]/g, " "), "utf8"));
            const bulk = buildBulkBodies([o as DeliveredOutcome], { indexPrefix: "logs" }).bodies[0]!.body;
            expect(bulk.subarray(bulk.indexOf(0x0a) + 1)).toEqual(Buffer.concat([line, Buffer.from("\n")]));
            const s3 = groupForS3([o as DeliveredOutcome], { prefix: "logs", now: () => 0 })[0]!.body;
            expect(gunzipSync(s3)).toEqual(Buffer.concat([line, Buffer.from("\n")]));
          });
        },
      ),
      { numRuns: 150 },
    );
  });

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
