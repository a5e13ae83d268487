// The shared batch scaffolding: what is delivered, failed, retried, and the records reported to the mapping.
import fc from "fast-check";
import { processKinesisBatch, readConsumerEnv } from "../../../../../handlers/shared/kinesis/batch";
import {
  createFailedRecordsWriter,
  type PutObjectRequest,
} from "../../../../../handlers/shared/kinesis/failed-records";
import { toFailed } from "../../../../../handlers/shared/kinesis/records/outcomes";
import { createPipeline } from "../../../../../handlers/shared/kinesis/records/pipeline";
import type {
  DeliveredOutcome,
  FailedOutcome,
  KinesisRecordData,
} from "../../../../../handlers/shared/kinesis/records/types";
import type { Sink } from "../../../../../handlers/shared/kinesis/sink";
import {
  appLog,
  cloudWatchControlRecord,
  cloudWatchDataRecord,
  gzipJsonRecord,
  jsonRecord,
  rawRecord,
  sequenceNumber,
} from "../../../../fixtures/records/events";

const event = (records: KinesisRecordData[]) => ({ Records: records.map((kinesis) => ({ kinesis })) });

function memoryWriter() {
  const written: FailedOutcome[] = [];
  return { written, write: async (failed: readonly FailedOutcome[]) => void written.push(...failed) };
}

const deliverAll: Sink = async () => ({});

describe("processKinesisBatch", () => {
  it("delivers, filters and writes failures without retrying bad data", async () => {
    // Prepare
    const records = [
      jsonRecord(appLog({}, 0)),
      jsonRecord(appLog({ log_type: "debug" }, 1)),
      rawRecord("not json"),
      cloudWatchControlRecord(),
    ];
    const seen: DeliveredOutcome[] = [];
    const writer = memoryWriter();
    const metrics: Record<string, number> = {};
    const lines: Record<string, unknown>[] = [];
    // Act
    const result = await processKinesisBatch(event(records), {
      pipeline: createPipeline({ whitelist: ["app"] }),
      sink: async (d) => {
        seen.push(...d);
        return {};
      },
      writeFailedRecords: writer.write,
      metrics: {
        addMetric: (name, _unit, value) => {
          metrics[name] = value;
        },
      },
      logger: { info: (_m, extra) => void lines.push(extra ?? {}), error: () => {} },
    });
    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(seen.map((o) => o.id)).toEqual(["id-0"]);
    expect(writer.written.map((o) => o.reason)).toEqual(["invalid_json"]);
    expect(result.summary).toMatchObject({ events: 3, delivered: 1, filtered: 1, failed: 1, retrying: 0, control: 1 });
    expect(metrics).toMatchObject({ EventsIn: 3, EventsDelivered: 1, EventsFiltered: 1, EventsFailed: 1 });
    expect(metrics["EventsFailed_invalid_json"]).toBe(1);
    expect(lines).toHaveLength(1);
  });

  it("reports only records with transiently failed events, in event order", async () => {
    // Prepare
    const records = [0, 1, 2, 3].map((i) => jsonRecord(appLog({}, i), { sequenceNumber: sequenceNumber(i) }));
    const sink: Sink = async (d) => ({ retryable: [d[3]!, d[1]!] });
    // Act
    const result = await processKinesisBatch(event(records), {
      pipeline: createPipeline(),
      sink,
      writeFailedRecords: memoryWriter().write,
    });
    // Assess
    expect(result.batchItemFailures).toEqual([
      { itemIdentifier: sequenceNumber(1) },
      { itemIdentifier: sequenceNumber(3) },
    ]);
    expect(result.summary).toMatchObject({ delivered: 2, retrying: 2 });
  });

  it("writes destination rejections as failed records and does not retry them", async () => {
    // Prepare
    const writer = memoryWriter();
    const sink: Sink = async (d) => ({
      rejected: [toFailed(d[0]!, "destination_rejected", "mapper_parsing_exception")],
    });
    // Act
    const result = await processKinesisBatch(event([jsonRecord(appLog({}, 0)), jsonRecord(appLog({}, 1))]), {
      pipeline: createPipeline(),
      sink,
      writeFailedRecords: writer.write,
    });
    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(writer.written.map((o) => [o.reason, o.detail])).toEqual([
      ["destination_rejected", "mapper_parsing_exception"],
    ]);
    expect(result.summary.failedByReason).toEqual({ destination_rejected: 1 });
  });

  it("reports the records whose failures could not be written, so nothing is lost", async () => {
    // Prepare
    const bad = rawRecord("{", { sequenceNumber: sequenceNumber(7) });
    const errors: unknown[] = [];
    // Act
    const result = await processKinesisBatch(event([jsonRecord(appLog({}, 0)), bad]), {
      pipeline: createPipeline(),
      sink: deliverAll,
      writeFailedRecords: async () => {
        throw new Error("AccessDenied");
      },
      logger: { info: () => {}, error: (_m, extra) => void errors.push(extra) },
    });
    // Assess
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: sequenceNumber(7) }]);
    expect(result.summary.failedRecordsWritten).toBe(false);
    expect(errors).toEqual([expect.objectContaining({ failedRecordsWriteError: "Error: AccessDenied" })]);
  });

  it("treats a sink that throws as a transient failure of every delivered event", async () => {
    // Prepare
    const records = [jsonRecord(appLog({}, 0)), rawRecord("", { sequenceNumber: sequenceNumber(5) })];
    // Act
    const result = await processKinesisBatch(event(records), {
      pipeline: createPipeline(),
      sink: async () => {
        throw new Error("boom");
      },
      writeFailedRecords: memoryWriter().write,
    });
    // Assess
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: records[0]!.sequenceNumber }]);
  });
});

describe("conservation (property)", () => {
  const recordArb = fc.oneof(
    fc.integer({ min: 0, max: 999 }).map((i) => jsonRecord(appLog({ log_type: ["app", "audit", "debug"][i % 3] }, i))),
    fc.integer({ min: 0, max: 999 }).map((i) => gzipJsonRecord(appLog({}, i))),
    fc
      .array(fc.integer({ min: 0, max: 999 }), { minLength: 1, maxLength: 5 })
      .map((ids) =>
        cloudWatchDataRecord(ids.map((i) => (i % 7 === 0 ? "plain text line" : JSON.stringify(appLog({}, i))))),
      ),
    fc.string({ maxLength: 20 }).map((s) => rawRecord(s)),
    fc.constant(cloudWatchControlRecord()),
  );

  it("accounts every event as delivered, filtered, failed or retrying, and every retrying record is reported", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(recordArb, { minLength: 1, maxLength: 30 }),
        fc.func(fc.constantFrom("ok", "reject", "retry")),
        fc.boolean(),
        async (rawRecords, decide, writeFails) => {
          // Prepare: unique sequence numbers, and a sink that decides each event's fate.
          const records = rawRecords.map((r, i) => ({ ...r, sequenceNumber: sequenceNumber(i) }));
          const written: FailedOutcome[] = [];
          let retryable: DeliveredOutcome[] = [];
          let rejected: FailedOutcome[] = [];
          const sink: Sink = async (delivered) => {
            retryable = delivered.filter((o) => decide(o.eventId) === "retry");
            rejected = delivered
              .filter((o) => decide(o.eventId) === "reject")
              .map((o) => toFailed(o, "destination_rejected", "no"));
            return { retryable, rejected };
          };
          // Act
          const { summary, batchItemFailures } = await processKinesisBatch(event(records), {
            pipeline: createPipeline({ whitelist: ["app", "audit"] }),
            sink,
            writeFailedRecords: async (failed) => {
              if (writeFails) throw new Error("S3 down");
              written.push(...failed);
            },
          });
          // Assess
          const events = createPipeline()
            .processRecords(records)
            .filter((o) => o.kind !== "control").length;
          expect(summary.delivered + summary.filtered + summary.failed + summary.retrying).toBe(events);
          expect(summary.events).toBe(events);
          const reported = new Set(batchItemFailures.map((f) => f.itemIdentifier));
          for (const o of retryable) expect(reported.has(o.sequenceNumber)).toBe(true);
          if (writeFails) {
            expect(written).toHaveLength(0);
          } else {
            expect(written).toHaveLength(summary.failed);
          }
          // A record is reported only for a transient failure or an unwritten failure.
          const allowed = new Set([
            ...retryable.map((o) => o.sequenceNumber),
            ...(writeFails ? createPipeline({ whitelist: ["app", "audit"] }).processRecords(records) : [])
              .filter((o) => o.kind === "failed")
              .map((o) => o.sequenceNumber),
            ...(writeFails ? rejected.map((o) => o.sequenceNumber) : []),
          ]);
          for (const id of reported) expect(allowed.has(id)).toBe(true);
          // Reported in event order, each once.
          const order = records.map((r) => r.sequenceNumber).filter((s) => reported.has(s));
          expect(batchItemFailures.map((f) => f.itemIdentifier)).toEqual(order);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("slices of at most sliceEvents outcomes (property)", () => {
  const recordArb = fc.oneof(
    fc.integer({ min: 0, max: 999 }).map((i) => jsonRecord(appLog({}, i))),
    fc
      .array(fc.integer({ min: 0, max: 999 }), { minLength: 1, maxLength: 4 })
      .map((ids) => cloudWatchDataRecord(ids.map((i) => (i % 5 === 0 ? "not json" : JSON.stringify(appLog({}, i)))))),
    fc.string({ maxLength: 8 }).map((s) => rawRecord(s)),
  );

  it("sinks records in order, a slice at a time, and after a slice with events to retry reports every later record", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(recordArb, { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 1, max: 6 }),
        fc.func(fc.constantFrom("ok", "ok", "ok", "retry")),
        async (rawRecords, sliceEvents, decide) => {
          // Prepare
          const records = rawRecords.map((r, i) => ({ ...r, sequenceNumber: sequenceNumber(i) }));
          const calls: DeliveredOutcome[][] = [];
          const sink: Sink = async (delivered) => {
            calls.push([...delivered]);
            return { retryable: delivered.filter((o) => decide(o.eventId) === "retry") };
          };
          const writer = memoryWriter();
          const pipeline = createPipeline({ sliceEvents });
          const slices: [number, number][] = [];
          const processSlice = pipeline.processSlice.bind(pipeline);
          const watched = Object.assign(Object.create(pipeline), {
            processSlice: (rs: Parameters<typeof processSlice>[0], start: number) => {
              const slice = processSlice(rs, start);
              slices.push([start, slice.next]);
              return slice;
            },
          });

          // Act
          const { summary, batchItemFailures } = await processKinesisBatch(event(records), {
            pipeline: watched,
            sink,
            writeFailedRecords: writer.write,
          });

          // Assess: each call holds whole records, at most sliceEvents outcomes before its last record
          const all = createPipeline().processRecords(records);
          const outcomesOf = (seq: string) => all.filter((o) => o.sequenceNumber === seq).length;
          for (const call of calls) {
            const seqs = [...new Set(call.map((o) => o.sequenceNumber))];
            const before = seqs.slice(0, -1).reduce((n, s) => n + outcomesOf(s), 0);
            expect(before).toBeLessThan(sliceEvents);
          }
          // Events reach the sink in event order, each at most once
          const sent = calls.flat().map((o) => o.eventId);
          const order = all.filter((o) => o.kind === "delivered").map((o) => o.eventId);
          expect(sent).toEqual(order.slice(0, sent.length));
          // Nothing is lost: records with an event to retry are reported, and after the slice holding the first of
          // them every record is reported without being decoded; nothing else is reported
          const retried = new Set(
            calls
              .flat()
              .filter((o) => decide(o.eventId) === "retry")
              .map((o) => o.sequenceNumber),
          );
          const reported = batchItemFailures.map((f) => f.itemIdentifier);
          const [, end] = slices[slices.length - 1]!;
          const expected = records
            .map((r) => r.sequenceNumber)
            .filter((seq, i) => retried.has(seq) || (retried.size > 0 && i >= end));
          expect(reported).toEqual(expected);
          if (retried.size === 0) expect(end).toBe(records.length);
          expect(summary.delivered + summary.filtered + summary.failed + summary.retrying).toBe(summary.events);
          expect(writer.written).toHaveLength(summary.failed);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("failed records in S3", () => {
  it("writes JSON lines with reason and lossless payload under deterministic keys, SSE on", async () => {
    // Prepare
    const puts: PutObjectRequest[] = [];
    const writer = createFailedRecordsWriter({
      bucket: "failed-bucket",
      prefix: "/failed/forward-app/",
      putObject: async (r) => void puts.push(r),
    });
    const records = [
      rawRecord("not json", { sequenceNumber: sequenceNumber(1), approximateArrivalTimestamp: 1584196200.123 }),
      rawRecord("[1]", { sequenceNumber: sequenceNumber(2) }),
      rawRecord("still not json", { sequenceNumber: sequenceNumber(3) }),
    ];
    const failed = createPipeline()
      .processRecords(records)
      .filter((o): o is FailedOutcome => o.kind === "failed");
    // Act
    const first = await writer(failed);
    const again = await writer(failed);
    // Assess
    expect(first.map((o) => o.key)).toEqual(again.map((o) => o.key));
    expect(puts.map((p) => p.Key)).toEqual([
      expect.stringMatching(
        new RegExp(`^failed/forward-app/invalid_json/2020/03/14/${sequenceNumber(1)}-[0-9a-f]{16}\\.jsonl$`),
      ),
      expect.stringMatching(
        new RegExp(`^failed/forward-app/not_an_object/2020/03/14/${sequenceNumber(2)}-[0-9a-f]{16}\\.jsonl$`),
      ),
      ...first.map((o) => o.key),
    ]);
    expect(puts[0]).toMatchObject({ Bucket: "failed-bucket", ServerSideEncryption: "AES256" });
    const lines = puts[0]!.Body.trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(puts[0]!.Body.endsWith("\n")).toBe(true);
    expect(lines.map((l) => [l.reason, Buffer.from(String(l.payload_base64), "base64").toString("utf8")])).toEqual([
      ["invalid_json", "not json"],
      ["invalid_json", "still not json"],
    ]);
    expect(lines[0]).toMatchObject({
      sequence_number: sequenceNumber(1),
      event_id: sequenceNumber(1),
      partition_key: "pk-0",
      arrival_time: "2020-03-14T14:30:00.123Z",
    });
  });

  it("uses SSE-KMS when given a key, and rejects when any object could not be written", async () => {
    // Prepare
    const puts: PutObjectRequest[] = [];
    const failed = createPipeline()
      .processRecords([rawRecord("x"), rawRecord("[]")])
      .filter((o): o is FailedOutcome => o.kind === "failed");
    const writer = createFailedRecordsWriter({
      bucket: "b",
      prefix: "p",
      kmsKeyId: "arn:aws:kms:eu-west-1:123456789012:key/abc",
      putObject: async (r) => {
        puts.push(r);
        if (r.Key.includes("not_an_object")) throw new Error("SlowDown");
      },
    });
    // Act / Assess
    await expect(writer(failed)).rejects.toThrow(/could not write 1 of 2/);
    expect(puts[0]).toMatchObject({
      ServerSideEncryption: "aws:kms",
      SSEKMSKeyId: "arn:aws:kms:eu-west-1:123456789012:key/abc",
    });
  });
});

describe("readConsumerEnv", () => {
  it("parses the consumer variables and names a bad one", () => {
    // Act / Assess
    expect(
      readConsumerEnv({
        LOG_TYPE_WHITELIST: '["app"]',
        LOG_TIMEZONE: "Asia/Tokyo",
        FAILED_RECORDS_BUCKET: "b",
        FAILED_RECORDS_PREFIX: "failed/x/",
      }),
    ).toMatchObject({
      pipeline: { whitelist: ["app"], timeZone: "Asia/Tokyo", typeKey: undefined },
      failedRecords: { bucket: "b", prefix: "failed/x" },
      unknownTypePrefix: "unknown",
    });
    expect(readConsumerEnv({ FAILED_RECORDS_BUCKET: "b", LOG_TYPE_WHITELIST: "[]" }).pipeline.whitelist).toEqual([]);
    expect(() => readConsumerEnv({ FAILED_RECORDS_BUCKET: "b", LOG_TYPE_WHITELIST: "app" })).toThrow(
      /LOG_TYPE_WHITELIST/,
    );
    expect(() => readConsumerEnv({})).toThrow(/FAILED_RECORDS_BUCKET/);
  });
});
