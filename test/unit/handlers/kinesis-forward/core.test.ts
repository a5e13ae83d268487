// The forward sink: PutRecords limits, partition keys, partial-failure retries and what is left for the mapping.
import {
  createForwardSink,
  forwardBatch,
  MAX_BYTES_PER_RECORD,
  MAX_BYTES_PER_REQUEST,
  type PutRecordsRequest,
  type PutRecordsResponse,
  partitionKeyOf,
  planPutRecords,
} from "../../../../handlers/kinesis-forward/core";
import { backoffDelayMs as backoffMs } from "../../../../handlers/shared/backoff";
import { createPipeline } from "../../../../handlers/shared/kinesis/records/pipeline";
import type { DeliveredOutcome, KinesisRecordData } from "../../../../handlers/shared/kinesis/records/types";
import { appLog, cloudWatchDataRecord, jsonRecord, sequenceNumber } from "../../../fixtures/records/events";

const STREAM = "arn:aws:kinesis:eu-west-1:123456789012:stream/target";

function delivered(records: KinesisRecordData[], whitelist: string[] = []): DeliveredOutcome[] {
  return createPipeline({ whitelist })
    .processRecords(records)
    .filter((o): o is DeliveredOutcome => o.kind === "delivered");
}

/** A record whose JSON text (and so its output data) is exactly `bytes` long. */
function sizedRecord(i: number, bytes: number): KinesisRecordData {
  const base = JSON.stringify(appLog({ message: "" }, i));
  return jsonRecord(JSON.stringify(appLog({ message: "x".repeat(bytes - base.length) }, i)), {
    sequenceNumber: sequenceNumber(i),
  });
}

/** A fake PutRecords: records every call; `fail(call, index)` decides which entries fail. */
function fakeKinesis(fail: (call: number, index: number, key: string) => boolean = () => false) {
  const calls: PutRecordsRequest[] = [];
  const stored: { key: string; data: string }[] = [];
  const putRecords = async (request: PutRecordsRequest): Promise<PutRecordsResponse> => {
    const call = calls.length;
    calls.push(request);
    let failed = 0;
    const Records = request.Records.map((r, i) => {
      if (fail(call, i, r.PartitionKey)) {
        failed++;
        return { ErrorCode: "ProvisionedThroughputExceededException", ErrorMessage: "slow down" };
      }
      stored.push({ key: r.PartitionKey, data: Buffer.from(r.Data).toString("utf8") });
      return { SequenceNumber: String(stored.length), ShardId: "shardId-000000000000" };
    });
    return { FailedRecordCount: failed, Records };
  };
  return { calls, stored, putRecords };
}

const noSleep = { sleep: async () => {}, random: () => 0.5 };

describe("planPutRecords", () => {
  it("cuts requests at exactly 500 entries", () => {
    // Prepare
    const events = delivered(Array.from({ length: 1001 }, (_, i) => jsonRecord(appLog({}, i))));
    // Act
    const plan = planPutRecords(events);
    // Assess
    expect(plan.chunks.map((c) => c.length)).toEqual([500, 500, 1]);
    expect(plan.tooLarge).toEqual([]);
  });

  it("fills a request up to exactly 5 MiB including partition keys, and not a byte more", () => {
    // Prepare: 5 entries of exactly 1 MiB (data + key) fill one request; a 1-byte-larger sixth starts a new one.
    const keyBytes = Buffer.byteLength("id-0");
    const exact = Array.from({ length: 5 }, (_, i) => sizedRecord(i, MAX_BYTES_PER_RECORD - keyBytes));
    const events = delivered([...exact, sizedRecord(9, 200)]);
    // Act
    const plan = planPutRecords(events);
    // Assess
    expect(plan.chunks.map((c) => c.reduce((n, p) => n + p.bytes, 0))).toEqual([MAX_BYTES_PER_REQUEST, 200 + keyBytes]);
    expect(plan.chunks[0]!.every((p) => p.bytes === MAX_BYTES_PER_RECORD)).toBe(true);
  });

  it("rejects an entry over 1 MiB (data + partition key) as record_too_large with its payload", () => {
    // Prepare
    const keyBytes = Buffer.byteLength("id-1");
    const events = delivered([
      sizedRecord(0, 100),
      sizedRecord(1, MAX_BYTES_PER_RECORD - keyBytes + 1),
      sizedRecord(2, 100),
    ]);
    // Act
    const plan = planPutRecords(events);
    // Assess
    expect(plan.chunks.flat().map((p) => p.outcome.id)).toEqual(["id-0", "id-2"]);
    expect(plan.tooLarge).toHaveLength(1);
    expect(plan.tooLarge[0]).toMatchObject({ kind: "failed", reason: "record_too_large", eventId: events[1]!.eventId });
    expect(Buffer.from(plan.tooLarge[0]!.payload, "base64").toString("utf8")).toBe(events[1]!.raw);
  });

  it("outputs one plain JSON record per CloudWatch log event, envelope and gzip removed", () => {
    // Prepare
    const messages = [JSON.stringify(appLog({}, 1)), JSON.stringify(appLog({ log_type: "audit" }, 2))];
    const events = delivered([cloudWatchDataRecord(messages)]);
    // Act
    const plan = planPutRecords(events);
    // Assess
    expect(plan.chunks[0]!.map((p) => Buffer.from(p.entry.Data).toString("utf8"))).toEqual(messages);
  });
});

describe("partition keys", () => {
  it("uses log_id, a configured field, or else the stable event id, and hashes keys over 256 characters", () => {
    // Prepare
    const seq = sequenceNumber(42);
    const [withId, withoutId, numericTenant, longId] = [
      delivered([jsonRecord(appLog({ log_id: "abc", tenant: 7 }, 0))])[0]!,
      delivered([jsonRecord({ log_type: "app", message: "no id" }, { sequenceNumber: seq })])[0]!,
      delivered([jsonRecord(appLog({ tenant: 7 }, 0))])[0]!,
      delivered([jsonRecord(appLog({ log_id: "k".repeat(300) }, 0))])[0]!,
    ];
    // Act / Assess
    expect(partitionKeyOf(withId, "log_id")).toBe("abc");
    expect(partitionKeyOf(withoutId, "log_id")).toBe(seq);
    expect(partitionKeyOf(withoutId, "log_id")).toBe(partitionKeyOf(withoutId, "log_id"));
    expect(partitionKeyOf(numericTenant, "tenant")).toBe("7");
    expect(partitionKeyOf(longId, "log_id")).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("createForwardSink", () => {
  it("retries only the failed entries, with backoff, until all are stored exactly once", async () => {
    // Prepare: entries 1 and 3 fail on the first call.
    const kinesis = fakeKinesis((call, i) => call === 0 && (i === 1 || i === 3));
    const sleeps: number[] = [];
    const sink = createForwardSink(
      { streamArn: STREAM },
      { putRecords: kinesis.putRecords, sleep: async (ms) => void sleeps.push(ms), random: () => 0.5 },
    );
    const events = delivered(Array.from({ length: 5 }, (_, i) => jsonRecord(appLog({}, i))));
    // Act
    const result = await sink(events);
    // Assess
    expect(result.retryable ?? []).toEqual([]);
    expect(kinesis.calls.map((c) => c.Records.map((r) => r.PartitionKey))).toEqual([
      ["id-0", "id-1", "id-2", "id-3", "id-4"],
      ["id-1", "id-3"],
    ]);
    expect(kinesis.calls[0]!.StreamARN).toBe(STREAM);
    expect(kinesis.stored.map((s) => s.key).sort()).toEqual(["id-0", "id-1", "id-2", "id-3", "id-4"]);
    expect(sleeps).toEqual([50]);
  });

  it("after bounded attempts returns the still-failing entries and every later chunk as retryable, unsent", async () => {
    // Prepare: id-600 (second chunk) never succeeds; a third chunk exists.
    const kinesis = fakeKinesis((_call, _i, key) => key === "id-600");
    const sink = createForwardSink(
      { streamArn: STREAM, maxAttempts: 3 },
      { putRecords: kinesis.putRecords, ...noSleep },
    );
    const events = delivered(Array.from({ length: 1200 }, (_, i) => jsonRecord(appLog({}, i))));
    // Act
    const result = await sink(events);
    // Assess
    expect(kinesis.calls.map((c) => c.Records.length)).toEqual([500, 500, 1, 1]);
    expect(result.retryable!.map((o) => o.id)).toEqual(["id-600", ...events.slice(1000).map((o) => o.id)]);
    expect(result.retryDetail).toMatch(/ProvisionedThroughputExceededException/);
  });

  it("treats a whole-call error as transient for the chunk", async () => {
    // Prepare
    let calls = 0;
    const sink = createForwardSink(
      { streamArn: STREAM, maxAttempts: 2 },
      {
        putRecords: async () => {
          calls++;
          throw Object.assign(new Error("Rate exceeded"), { name: "LimitExceededException" });
        },
        ...noSleep,
      },
    );
    const events = delivered([jsonRecord(appLog({}, 0))]);
    // Act
    const result = await sink(events);
    // Assess
    expect(calls).toBe(2);
    expect(result.retryable).toEqual(events);
    expect(result.retryDetail).toBe("LimitExceededException: Rate exceeded");
  });

  it("never assumes delivery of an entry the response does not answer", async () => {
    // Prepare: a malformed response with fewer results than entries.
    const sink = createForwardSink(
      { streamArn: STREAM, maxAttempts: 1 },
      {
        putRecords: async () => ({ FailedRecordCount: 1, Records: [{ SequenceNumber: "1" }] }),
        ...noSleep,
      },
    );
    const events = delivered([jsonRecord(appLog({}, 0)), jsonRecord(appLog({}, 1))]);
    // Act / Assess
    expect((await sink(events)).retryable!.map((o) => o.id)).toEqual(["id-1"]);
  });
});

describe("backoffMs", () => {
  it("draws full jitter below an exponential cap", () => {
    // Act / Assess
    expect(backoffMs(0, 100, 3000, () => 0.999)).toBe(99);
    expect(backoffMs(3, 100, 3000, () => 0.5)).toBe(400);
    expect(backoffMs(10, 100, 3000, () => 0.999)).toBe(2997);
    expect(backoffMs(4, 100, 3000, () => 0)).toBe(0);
  });
});

describe("forwardBatch", () => {
  const records = () => [
    jsonRecord(appLog({ log_type: "app" }, 0)),
    jsonRecord(appLog({ log_type: "audit" }, 1)),
    jsonRecord(appLog({ log_type: "debug" }, 2)),
  ];
  const run = async (whitelist: string[]) => {
    const kinesis = fakeKinesis();
    const response = await forwardBatch(
      { Records: records().map((kinesis) => ({ kinesis })) },
      {
        pipeline: createPipeline({ whitelist }),
        sink: createForwardSink({ streamArn: STREAM }, { putRecords: kinesis.putRecords, ...noSleep }),
        writeFailedRecords: async () => {},
      },
    );
    return { response, types: kinesis.stored.map((s) => (JSON.parse(s.data) as { log_type: string }).log_type) };
  };

  it("forwards every type when the whitelist is empty", async () => {
    // Act / Assess
    expect(await run([])).toEqual({ response: { batchItemFailures: [] }, types: ["app", "audit", "debug"] });
  });

  it("forwards only whitelisted types", async () => {
    // Act / Assess
    expect((await run(["audit"])).types).toEqual(["audit"]);
  });
});

/** A pretty-printed record whose numbers a re-serialisation would change, nested `depth` levels across lines. */
function prettyRecord(depth: number, i: number): string {
  const head = `{\n  "log_type": "app",\n  "log_id": "deep-${i}",\n  "big": 12345678901234567890,\n  "one": 1.0,\n  "zero": -0.0,\n  "nested": `;
  return `${head}${"[\n".repeat(depth)}1${"\n]".repeat(depth)}\n}`;
}

describe("byte-exact delivery (issue 10, cases 5 and 6)", () => {
  it("forwards a multi-line record's exact bytes: big integers, 1.0, -0.0 and line breaks unchanged", async () => {
    // Prepare
    const text = prettyRecord(2, 0);
    const kinesis = fakeKinesis();

    // Act
    await forwardBatch(
      { Records: [{ kinesis: jsonRecord(text) }] },
      {
        pipeline: createPipeline(),
        sink: createForwardSink({ streamArn: STREAM }, { putRecords: kinesis.putRecords, ...noSleep }),
        writeFailedRecords: async () => {},
      },
    );

    // Assess
    expect(kinesis.stored.map((s) => s.data)).toEqual([text]);
  });

  it("delivers a deeply nested pretty-printed record with the rest of its batch instead of blocking it", async () => {
    // Prepare: nesting deep enough to make JSON.stringify throw, written across lines
    const records = [
      jsonRecord(appLog({}, 0), { sequenceNumber: "1" }),
      jsonRecord(prettyRecord(20_000, 1), { sequenceNumber: "2" }),
      jsonRecord(appLog({}, 2), { sequenceNumber: "3" }),
    ];
    const kinesis = fakeKinesis();
    const failed: unknown[] = [];

    // Act
    const response = await forwardBatch(
      { Records: records.map((r) => ({ kinesis: r })) },
      {
        pipeline: createPipeline(),
        sink: createForwardSink({ streamArn: STREAM }, { putRecords: kinesis.putRecords, ...noSleep }),
        writeFailedRecords: async (f) => void failed.push(...f),
      },
    );

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(failed).toEqual([]);
    expect(kinesis.stored.map((s) => s.key)).toEqual(["id-0", "deep-1", "id-2"]);
    expect(kinesis.stored[1]!.data).toBe(prettyRecord(20_000, 1));
  });
});
