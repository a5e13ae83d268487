// Case 7 of issue 10: memory is bounded per batch (decoded bytes and fan-out), not per unit.
import { gzipSync } from "node:zlib";
import { processKinesisBatch, readConsumerEnv } from "../../../../../../handlers/shared/kinesis/batch";
import {
  budgetForMemory,
  createPipeline,
  type FailedOutcome,
  type Outcome,
  summarize,
} from "../../../../../../handlers/shared/kinesis/records";
import { appLog, cloudWatchDataRecord, jsonRecord, kplRecord, rawRecord } from "../../../../../fixtures/records/events";

const MiB = 1024 * 1024;
/** A gzip record holding `mib` MiB of JSON (one record with a long string): ~1000:1. */
function bomb(mib: number, sequenceNumber: string) {
  const text = `{"log_type":"app","pad":"${"x".repeat(mib * MiB)}"}`;
  return rawRecord(gzipSync(text, { level: 9 }), { sequenceNumber });
}
function bombUnit(mib: number): Buffer {
  return gzipSync(`{"log_type":"app","pad":"${"x".repeat(mib * MiB)}"}`, { level: 9 });
}
const kinds = (outcomes: Outcome[]) => outcomes.map((o) => (o.kind === "failed" ? o.reason : o.kind));

describe("batch memory budget", () => {
  const budget = { batchBudgetBytes: 16 * MiB, batchMaxEvents: 1000 };

  it("fails a gzip record that alone inflates beyond the batch budget as record_too_large, with its bytes", () => {
    // Prepare: 8 MiB of JSON ×4 estimated bytes > 16 MiB budget, although under the 64 MiB per-unit cap
    const record = bomb(8, "1");

    // Act
    const outcomes = createPipeline(budget).processRecords([record]);

    // Assess
    expect(kinds(outcomes)).toEqual(["record_too_large"]);
    const failed = outcomes[0] as FailedOutcome;
    expect(failed.kinesisData).toBe(record.data);
    expect(failed.payload).toBe(record.data);
  });

  it("fails each of four such records on its own, and still delivers the small records between them", () => {
    // Prepare
    const records = [bomb(8, "1"), jsonRecord(appLog(), { sequenceNumber: "2" }), bomb(8, "3"), bomb(8, "4")];
    records.push(bomb(8, "5"), jsonRecord(appLog(), { sequenceNumber: "6" }));

    // Act
    const outcomes = createPipeline(budget).processRecords(records);

    // Assess
    expect(kinds(outcomes)).toEqual([
      "record_too_large",
      "delivered",
      "record_too_large",
      "record_too_large",
      "record_too_large",
      "delivered",
    ]);
  });

  it("fails a KPL record of eight bomb units as one record_too_large outcome for the whole record", () => {
    // Prepare
    const unit = bombUnit(1);
    const record = kplRecord(
      Array.from({ length: 8 }, (_, i) => ({ partitionKey: `k${i}`, data: unit })),
      { sequenceNumber: "7" },
    );

    // Act: 8 units of 1 MiB each fit the per-unit cap, but not the batch budget together
    const outcomes = createPipeline({ ...budget, batchBudgetBytes: 6 * MiB }).processRecords([record]);

    // Assess
    expect(kinds(outcomes)).toEqual(["record_too_large"]);
    expect((outcomes[0] as FailedOutcome).kinesisData).toBe(record.data);
    expect(outcomes[0]!.eventId).toBe("7");
  });

  it("defers a record that fits alone but not in what earlier records left, and every later record", () => {
    // Prepare: two 3 MiB records against a 16 MiB budget (each is charged ~12 MiB)
    const records = [bomb(3, "1"), bomb(3, "2"), jsonRecord(appLog(), { sequenceNumber: "3" })];

    // Act
    const outcomes = createPipeline(budget).processRecords(records);

    // Assess
    expect(outcomes.map((o) => [o.kind, o.sequenceNumber])).toEqual([
      ["delivered", "1"],
      ["deferred", "2"],
      ["deferred", "3"],
    ]);
    expect(summarize(outcomes).deferred).toBe(2);
  });

  it("processes a batch that outgrows the budget in slices, sinking each before decoding the next", async () => {
    // Prepare
    const records = [bomb(3, "1"), bomb(3, "2"), jsonRecord(appLog(), { sequenceNumber: "3" })];
    const calls: string[][] = [];

    // Act
    const result = await processKinesisBatch(
      { Records: records.map((kinesis) => ({ kinesis })) },
      {
        pipeline: createPipeline(budget),
        sink: async (d) => {
          calls.push(d.map((o) => o.sequenceNumber));
          return {};
        },
        writeFailedRecords: async () => {},
      },
    );

    // Assess
    expect(calls).toEqual([["1"], ["2", "3"]]);
    expect(result.batchItemFailures).toEqual([]);
    expect(result.summary).toMatchObject({ slices: 2, delivered: 3, deferred: 0 });
  });

  it("leaves the records after a slice with events to retry to Kinesis' redelivery, reporting them", async () => {
    // Prepare
    const records = [bomb(3, "1"), bomb(3, "2"), jsonRecord(appLog(), { sequenceNumber: "3" })];
    const calls: string[][] = [];

    // Act
    const result = await processKinesisBatch(
      { Records: records.map((kinesis) => ({ kinesis })) },
      {
        pipeline: createPipeline(budget),
        sink: async (d) => {
          calls.push(d.map((o) => o.sequenceNumber));
          return { retryable: d };
        },
        writeFailedRecords: async () => {},
      },
    );

    // Assess
    expect(calls).toEqual([["1"]]);
    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(["1", "2", "3"]);
    expect(result.summary).toMatchObject({ slices: 1, retrying: 1, deferred: 2 });
  });

  it("bounds KPL fan-out: an aggregate of more user records than the batch allows fails whole", () => {
    // Prepare
    const record = kplRecord(
      Array.from({ length: 50 }, (_, i) => ({ partitionKey: "k", data: JSON.stringify(appLog({}, i)) })),
      { sequenceNumber: "9" },
    );

    // Act
    const outcomes = createPipeline({ ...budget, batchMaxEvents: 40 }).processRecords([record]);

    // Assess
    expect(kinds(outcomes)).toEqual(["record_too_large"]);
    expect((outcomes[0] as FailedOutcome).detail).toMatch(/40 events/);
  });

  it("bounds CloudWatch fan-out the same way, and defers an envelope that fits alone", () => {
    // Prepare
    const messages = Array.from({ length: 30 }, (_, i) => JSON.stringify(appLog({}, i)));
    const records = [
      cloudWatchDataRecord(messages, {}, { sequenceNumber: "1" }),
      cloudWatchDataRecord(messages, {}, { sequenceNumber: "2" }),
      cloudWatchDataRecord([...messages, ...messages], {}, { sequenceNumber: "3" }),
    ];

    // Act
    const outcomes = createPipeline({ ...budget, batchMaxEvents: 40 }).processRecords(records);

    // Assess
    expect(summarize(outcomes)).toMatchObject({ delivered: 30, deferred: 2 });
    const alone = createPipeline({ ...budget, batchMaxEvents: 40 }).processRecords([records[2]!]);
    expect(kinds(alone)).toEqual(["record_too_large"]);
  });

  it("sizes the budgets from the function's memory (AWS_LAMBDA_FUNCTION_MEMORY_SIZE, default 256 MB)", () => {
    // Act
    const small = readConsumerEnv({ FAILED_RECORDS_BUCKET: "b" }).pipeline;
    const large = readConsumerEnv({ FAILED_RECORDS_BUCKET: "b", AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "1024" }).pipeline;

    // Assess
    expect(small).toMatchObject(budgetForMemory(256));
    expect(small.batchBudgetBytes).toBe(64 * MiB);
    expect(large.batchBudgetBytes).toBe(256 * MiB);
    expect(large.batchMaxEvents).toBe(4 * small.batchMaxEvents!);
  });
});
