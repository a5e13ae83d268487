// Case 6 of issue 10: no exception leaves the batch loop for any input, and one bad event fails alone.
// A fuzz run with a fixed seed and budget: random bytes, truncated gzip, invalid UTF-8, KPL with bad checksums, deep
// nesting on one line and across lines, CloudWatch envelopes of 10k events, through every sink's planning.
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { createForwardSink } from "../../../../../../handlers/kinesis-forward/core";
import { encodeForwardChunks } from "../../../../../../handlers/kinesis-to-fluent/fluent-forward";
import { buildBulkBodies } from "../../../../../../handlers/kinesis-to-opensearch/opensearch-bulk";
import { processKinesisBatch } from "../../../../../../handlers/shared/kinesis/batch";
import {
  createPipeline,
  type DeliveredOutcome,
  type FailedOutcome,
} from "../../../../../../handlers/shared/kinesis/records";
import type { Sink } from "../../../../../../handlers/shared/kinesis/sink";
import { appLog, cloudWatchDataEnvelope, rawRecord } from "../../../../../fixtures/records/events";
import { encodeKplAggregate } from "../../../../../fixtures/records/kpl";

const SEED = 20_261_201;

const deepArray = (depth: number, sep: string) => `${`[${sep}`.repeat(depth)}0${`${sep}]`.repeat(depth)}`;
const deepRecord = (depth: number, sep: string) =>
  `{${sep}"log_type":"app",${sep}"log_id":"deep",${sep}"n":${deepArray(depth, sep)}${sep}}`;

/** Payloads that stress each decoding step. */
const payload: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 256 }).map((a) => Buffer.from(a)),
  fc.string().map((s) => Buffer.from(JSON.stringify(appLog({ m: s })))),
  fc.tuple(fc.string(), fc.nat()).map(([s, cut]) => {
    const gz = gzipSync(JSON.stringify(appLog({ m: s })));
    return gz.subarray(0, 2 + (cut % (gz.length - 2)));
  }),
  fc
    .tuple(fc.string(), fc.uint8Array({ minLength: 1, maxLength: 4 }))
    .map(([s, bad]) =>
      Buffer.concat([
        Buffer.from(`{"log_type":"app","m":"${s.replace(/["\\]/g, "")}`),
        Buffer.from(bad).map((b) => b | 0x80),
        Buffer.from('"}'),
      ]),
    ),
  fc
    .tuple(fc.constantFrom(10, 2_000, 30_000), fc.constantFrom("", "\n", "\r\n  "), fc.boolean())
    .map(([depth, sep, gz]) => {
      const text = Buffer.from(deepRecord(depth, sep));
      return gz ? gzipSync(text) : text;
    }),
  fc.tuple(fc.constantFrom(10, 30_000), fc.constantFrom("", "\n")).map(([depth, sep]) => {
    // A CloudWatch envelope whose logEvents hold deeply nested non-objects.
    const envelope = JSON.stringify(cloudWatchDataEnvelope([JSON.stringify(appLog())]));
    return gzipSync(envelope.replace('"logEvents":[', `"logEvents":[${deepArray(depth, sep)},`));
  }),
  fc.constantFrom(
    Buffer.from('{"messageType":"CONTROL_MESSAGE","logGroup":[[[[1]]]],"logEvents":[]}'),
    Buffer.from(`{"messageType":${deepArray(30_000, "")},"logGroup":"g","logEvents":[]}`),
    Buffer.from(`{"log_type":"app","time":${deepArray(30_000, "")}}`),
  ),
);

/** Units of a Kinesis record: a payload, a KPL aggregate (checksum good or bad), or a 10k-event envelope. */
const TEN_K = gzipSync(
  JSON.stringify(
    cloudWatchDataEnvelope(
      Array.from({ length: 10_000 }, (_, i) => (i % 97 === 0 ? "text" : `{"log_type":"app","i":${i}}`)),
    ),
  ),
);
const recordData: fc.Arbitrary<Buffer> = fc.oneof(
  { arbitrary: payload, weight: 6 },
  {
    arbitrary: fc.tuple(fc.array(payload, { maxLength: 5 }), fc.boolean()).map(([subs, corrupt]) =>
      encodeKplAggregate(
        subs.map((data, i) => ({ partitionKey: `p${i}`, data })),
        { corruptChecksum: corrupt },
      ),
    ),
    weight: 2,
  },
  { arbitrary: fc.constant(TEN_K), weight: 1 },
);

/** A sink that plans with every destination's real encoder (forward, OpenSearch, fluent), then accepts. */
function planningSink(): Sink {
  const forward = createForwardSink(
    { streamArn: "arn:aws:kinesis:eu-west-1:123456789012:stream/t" },
    {
      putRecords: async (r) => ({
        FailedRecordCount: 0,
        Records: r.Records.map((_, i) => ({ SequenceNumber: String(i) })),
      }),
      sleep: async () => {},
    },
  );
  return async (delivered: readonly DeliveredOutcome[]) => {
    const f = await forward(delivered);
    const bulk = buildBulkBodies(delivered, { indexPrefix: "logs" });
    const fluent = encodeForwardChunks(delivered);
    return { rejected: [...(f.rejected ?? []), ...bulk.rejected, ...fluent.rejected] };
  };
}

describe("fuzz: the batch loop never throws and accounts for every event", () => {
  it("survives random, truncated, mis-encoded, deeply nested and oversized inputs (fixed seed)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(recordData, { minLength: 1, maxLength: 6 }), async (datas) => {
        // Prepare
        const records = datas.map((d, i) => rawRecord(d, { sequenceNumber: String(1000 + i) }));
        const written: FailedOutcome[] = [];

        // Act
        const result = await processKinesisBatch(
          { Records: records.map((kinesis) => ({ kinesis })) },
          {
            pipeline: createPipeline(),
            sink: planningSink(),
            writeFailedRecords: async (f) => void written.push(...f),
          },
        );

        // Assess
        const s = result.summary;
        expect(s.retrying).toBe(0);
        expect(s.delivered + s.filtered + s.failed).toBe(s.events);
        expect(result.batchItemFailures).toHaveLength(s.deferred);
        for (const f of written) {
          expect(records.some((r) => r.data === f.kinesisData && r.sequenceNumber === f.sequenceNumber)).toBe(true);
        }
      }),
      { seed: SEED, numRuns: 40 },
    );
  }, 60_000);

  it("fails a CloudWatch log event that is a deeply nested non-object as invalid_cloudwatch_event, alone", async () => {
    // Prepare
    const envelope = JSON.stringify(cloudWatchDataEnvelope([JSON.stringify(appLog())]));
    const data = gzipSync(envelope.replace('"logEvents":[', `"logEvents":[${deepArray(20_000, "\n")},`));
    const written: FailedOutcome[] = [];
    const delivered: DeliveredOutcome[] = [];

    // Act
    const result = await processKinesisBatch(
      { Records: [{ kinesis: rawRecord(data, { sequenceNumber: "1" }) }] },
      {
        pipeline: createPipeline(),
        sink: async (d) => {
          delivered.push(...d);
          return {};
        },
        writeFailedRecords: async (f) => void written.push(...f),
      },
    );

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(written.map((f) => [f.reason, f.eventId])).toEqual([["invalid_cloudwatch_event", "1:0"]]);
    expect(written[0]!.kinesisData).toBe(rawRecord(data).data);
    expect(delivered.map((d) => d.eventId)).toEqual(["1:1"]);
  });

  it("fails a record whose decoding throws unexpectedly as processing_error, alone, with its bytes", () => {
    // Prepare: a record whose data can be read once (for its origin) and then throws, as a bug in decoding would
    const good = rawRecord(JSON.stringify(appLog()), { sequenceNumber: "1" });
    const bad = rawRecord(JSON.stringify(appLog()), { sequenceNumber: "2" });
    let reads = 0;
    const trap = Object.defineProperty({ ...bad }, "data", {
      get: () => {
        if (reads++ > 0) throw new Error("boom");
        return bad.data;
      },
    });

    // Act
    const outcomes = createPipeline().processRecords([good, trap, good]);

    // Assess
    expect(outcomes.map((o) => (o.kind === "failed" ? o.reason : o.kind))).toEqual([
      "delivered",
      "processing_error",
      "delivered",
    ]);
    expect((outcomes[1] as FailedOutcome).kinesisData).toBe(bad.data);
    expect((outcomes[1] as FailedOutcome).detail).toMatch(/boom/);
  });

  it("reports every remaining record when the pipeline itself throws, instead of throwing", async () => {
    // Prepare
    const records = ["1", "2"].map((sequenceNumber) => rawRecord("{}", { sequenceNumber }));
    const pipeline = createPipeline();
    const broken = {
      ...pipeline,
      processSlice: () => {
        throw new Error("bug");
      },
    };

    // Act
    const result = await processKinesisBatch(
      { Records: records.map((kinesis) => ({ kinesis })) },
      { pipeline: broken, sink: async () => ({}), writeFailedRecords: async () => {} },
    );

    // Assess
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "1" }, { itemIdentifier: "2" }]);
  });
});
