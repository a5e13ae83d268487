// The replay command: failed-record lines in, the original Kinesis record bytes out with their own partition keys,
// once per record, within PutRecords limits, retried, with a dry run and a marker that makes a second run send nothing.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { fileMarker, localSource, parseArgs, parseS3Uri } from "../../../cli/replay";
import {
  chunkRecords,
  formatSummary,
  type KinesisPort,
  MAX_RECORDS_PER_PUT,
  type MarkerPort,
  type PutRecordsEntry,
  parseFailedRecords,
  RAW_RECORD_FIELD,
  RECORD_PARTITION_KEY_FIELD,
  type ReplayRecord,
  replay,
  type SourcePort,
} from "../../../cli/replay-core";
import { backoffDelayMs } from "../../../handlers/shared/backoff";

/** Bytes no decoder would reproduce from the decoded text: gzip of a CloudWatch-like envelope. */
const ORIGINAL = gzipSync(Buffer.from('{"messageType":"DATA_MESSAGE","logGroup":"/a","logEvents":[{"message":"x"}]}'));

function line(fields: Record<string, unknown>): string {
  return JSON.stringify({
    reason: "invalid_time",
    detail: "bad",
    event_id: "49590338271490256608559692538361571095921575989136588898",
    sequence_number: "49590338271490256608559692538361571095921575989136588898",
    partition_key: "user-key",
    arrival_time: "2026-12-01T00:00:00.000Z",
    kpl_index: undefined,
    payload_base64: Buffer.from('{"decoded":true}').toString("base64"),
    [RECORD_PARTITION_KEY_FIELD]: "record-key",
    [RAW_RECORD_FIELD]: ORIGINAL.toString("base64"),
    ...fields,
  });
}

const source = (objects: Record<string, string>): SourcePort => ({
  list: async () => Object.keys(objects),
  read: async (name) => objects[name]!,
});

/** A PutRecords fake that records every call; `fail(n)` decides whether entry n (overall) fails. */
function fakeKinesis(fail: (n: number) => string | undefined = () => undefined) {
  const calls: { StreamName?: string; StreamARN?: string; Records: PutRecordsEntry[] }[] = [];
  let n = 0;
  const port: KinesisPort = {
    async putRecords(input) {
      calls.push(input);
      const Records = input.Records.map(() => {
        const error = fail(n++);
        return error
          ? { ErrorCode: error, ErrorMessage: "slow down" }
          : { SequenceNumber: String(1000 + n), ShardId: "shardId-000000000000" };
      });
      return { FailedRecordCount: Records.filter((r) => "ErrorCode" in r).length, Records };
    },
  };
  return { port, calls, sent: () => calls.flatMap((c) => c.Records) };
}

function memoryMarker(initial: string[] = []): MarkerPort & { keys: Set<string> } {
  const keys = new Set(initial);
  return {
    keys,
    load: async () => new Set(keys),
    add: async (added) => {
      for (const k of added) keys.add(k);
    },
  };
}

const noSleep = async () => {};

describe("parseFailedRecords", () => {
  it("takes the original record bytes and the record's own partition key, not the decoded payload", () => {
    // Act
    const { records, skipped } = parseFailedRecords("obj.jsonl", `${line({})}\n`);
    // Assess
    expect(skipped).toEqual([]);
    expect(records).toHaveLength(1);
    expect(records[0]!.data.equals(ORIGINAL)).toBe(true);
    expect(records[0]!.partitionKey).toBe("record-key");
    expect(records[0]!.from).toBe("obj.jsonl:1");
  });

  it("skips a line without the original bytes with a message naming the field, never replaying payload_base64", () => {
    // Prepare
    const old = JSON.parse(line({})) as Record<string, unknown>;
    delete old[RAW_RECORD_FIELD];
    // Act
    const { records, skipped } = parseFailedRecords("old.jsonl", `${line({})}\n${JSON.stringify(old)}\n`);
    // Assess
    expect(records).toHaveLength(1);
    expect(skipped).toEqual([{ from: "old.jsonl:2", message: expect.stringContaining(`no ${RAW_RECORD_FIELD}`) }]);
  });

  it("uses partition_key only when the line is not a KPL sub-record", () => {
    // Prepare
    const plain = JSON.parse(line({})) as Record<string, unknown>;
    delete plain[RECORD_PARTITION_KEY_FIELD];
    const kpl = { ...plain, kpl_index: 2 };
    // Act
    const { records, skipped } = parseFailedRecords("o", `${JSON.stringify(plain)}\n${JSON.stringify(kpl)}`);
    // Assess
    expect(records.map((r) => r.partitionKey)).toEqual(["user-key"]);
    expect(skipped).toEqual([{ from: "o:2", message: expect.stringContaining(RECORD_PARTITION_KEY_FIELD) }]);
  });

  it("skips lines that are not JSON objects, not base64 or over 1 MiB, and keeps an explicit hash key", () => {
    // Prepare
    const text = [
      "not json",
      "[1]",
      line({ [RAW_RECORD_FIELD]: "@@@" }),
      line({ [RAW_RECORD_FIELD]: Buffer.alloc(1024 * 1024 + 1).toString("base64") }),
      line({ explicit_hash_key: "12345" }),
    ].join("\n");
    // Act
    const { records, skipped, lines } = parseFailedRecords("o", text);
    // Assess
    expect(lines).toBe(5);
    expect(skipped.map((s) => s.from)).toEqual(["o:1", "o:2", "o:3", "o:4"]);
    expect(records).toEqual([expect.objectContaining({ explicitHashKey: "12345" })]);
  });
});

describe("replay", () => {
  it("puts each original record once, with its own partition key, into the named stream", async () => {
    // Prepare
    const other = Buffer.from([0xf3, 0x89, 0x9a, 0xc2, 0, 1, 2, 255]);
    const objects = {
      "failed/forward-app/invalid_time/2026/12/01/a.jsonl": `${line({ event_id: "s:0" })}\n${line({ event_id: "s:1", reason: "missing_type" })}\n`,
      "failed/forward-app/invalid_json/2026/12/01/b.jsonl": `${line({ sequence_number: "2", [RAW_RECORD_FIELD]: other.toString("base64"), [RECORD_PARTITION_KEY_FIELD]: "k2" })}\n`,
    };
    const kinesis = fakeKinesis();
    const log: string[] = [];
    // Act
    const summary = await replay(
      { source: source(objects), kinesis: kinesis.port },
      { stream: "cribl-demo-router", log: (l) => log.push(l) },
    );
    // Assess
    expect(kinesis.calls).toHaveLength(1);
    expect(kinesis.calls[0]!.StreamName).toBe("cribl-demo-router");
    const sent = kinesis.sent();
    expect(sent.map((r) => Buffer.from(r.Data))).toEqual([ORIGINAL, other]);
    expect(sent.map((r) => r.PartitionKey)).toEqual(["record-key", "k2"]);
    expect(summary).toMatchObject({ objects: 2, lines: 3, records: 2, duplicateLines: 1, sent: 2, failed: [] });
    expect(log.filter((l) => l.startsWith("sent "))).toHaveLength(2);
    expect(formatSummary(summary, "cribl-demo-router")).toContain("sent 2 record(s) to cribl-demo-router");
  });

  it("addresses the stream by ARN when given one, and passes an explicit hash key", async () => {
    // Prepare
    const kinesis = fakeKinesis();
    const arn = "arn:aws:kinesis:eu-west-1:123456789012:stream/cribl-demo-router";
    // Act
    await replay({ source: source({ o: line({ explicit_hash_key: "42" }) }), kinesis: kinesis.port }, { stream: arn });
    // Assess
    expect(kinesis.calls[0]).toMatchObject({ StreamARN: arn, Records: [{ ExplicitHashKey: "42" }] });
    expect(kinesis.calls[0]!.StreamName).toBeUndefined();
  });

  it("sends nothing in a dry run and lists what it would send", async () => {
    // Prepare
    const kinesis = fakeKinesis();
    const marker = memoryMarker();
    const log: string[] = [];
    // Act
    const summary = await replay(
      { source: source({ o: `${line({})}\n{}` }), kinesis: kinesis.port, marker },
      { stream: "s", dryRun: true, log: (l) => log.push(l) },
    );
    // Assess
    expect(kinesis.calls).toEqual([]);
    expect(marker.keys.size).toBe(0);
    expect(summary).toMatchObject({ dryRun: true, sent: 1, records: 1 });
    expect(log).toEqual([
      expect.stringMatching(/^skip o:2: no kinesis_data_base64/),
      expect.stringMatching(
        /^would send \d+:[0-9a-f]{16}: \d+ bytes, partition key "record-key", reasons invalid_time \(o:1\)$/,
      ),
    ]);
    expect(formatSummary(summary, "s")).toMatch(/^dry run: .*\nwould send 1 record\(s\) to s/);
  });

  it("with a marker, a second run sends nothing again", async () => {
    // Prepare
    const marker = memoryMarker();
    const objects = { o: line({}) };
    const first = fakeKinesis();
    // Act
    await replay({ source: source(objects), kinesis: first.port, marker }, { stream: "s" });
    const second = fakeKinesis();
    const summary = await replay({ source: source(objects), kinesis: second.port, marker }, { stream: "s" });
    // Assess
    expect(first.sent()).toHaveLength(1);
    expect(second.calls).toEqual([]);
    expect(summary).toMatchObject({ alreadyReplayed: 1, sent: 0 });
  });

  it("retries only the entries that failed, and reports what still fails without marking it", async () => {
    // Prepare
    const objects = {
      o: [1, 2, 3]
        .map((i) => line({ sequence_number: String(i), [RAW_RECORD_FIELD]: Buffer.from([i]).toString("base64") }))
        .join("\n"),
    };
    // Overall entries: call 1 = n 0..2 (n 1 throttled), call 2 = n 3 (throttled again), ... record 2 never goes through.
    const kinesis = fakeKinesis((n) => (n === 0 || n === 2 ? undefined : "ProvisionedThroughputExceededException"));
    const marker = memoryMarker();
    // Act
    const summary = await replay(
      { source: source(objects), kinesis: kinesis.port, marker },
      { stream: "s", maxAttempts: 3, sleep: noSleep },
    );
    // Assess
    expect(kinesis.calls.map((c) => c.Records.map((r) => Buffer.from(r.Data)[0]))).toEqual([[1, 2, 3], [2], [2]]);
    expect(summary.sent).toBe(2);
    expect(summary.failed).toEqual([
      { key: expect.stringMatching(/^2:/), error: expect.stringContaining("Throughput") },
    ]);
    expect([...marker.keys].map((k) => k.split(":")[0])).toEqual(["1", "3"]);
  });

  it("waits between attempts with the handlers' one backoff (full jitter from the base delay, doubling)", async () => {
    // Prepare
    const kinesis = fakeKinesis(() => "ProvisionedThroughputExceededException");
    const waits: number[] = [];
    const sleep = async (ms: number) => {
      waits.push(ms);
    };
    const random = () => 0.5;
    // Act
    await replay(
      { source: source({ o: line({}) }), kinesis: kinesis.port },
      { stream: "s", maxAttempts: 4, baseDelayMs: 100, sleep, random },
    );
    // Assess
    expect(waits).toEqual([0, 1, 2].map((retry) => backoffDelayMs(retry, 100, Number.POSITIVE_INFINITY, random)));
    expect(waits).toEqual([50, 100, 200]);
  });

  it("treats a rejected call as a failure of every entry in it", async () => {
    // Prepare
    const port: KinesisPort = {
      putRecords: async () => {
        throw Object.assign(new Error("stream not found"), { name: "ResourceNotFoundException" });
      },
    };
    // Act
    const summary = await replay({ source: source({ o: line({}) }), kinesis: port }, { stream: "s", sleep: noSleep });
    // Assess
    expect(summary.failed).toEqual([{ key: expect.any(String), error: "ResourceNotFoundException: stream not found" }]);
  });
});

describe("chunkRecords", () => {
  const rec = (i: number, bytes: number): ReplayRecord => ({
    key: String(i),
    data: Buffer.alloc(bytes),
    partitionKey: "k",
    sequenceNumber: String(i),
    reasons: [],
    from: "o",
  });

  it("keeps each PutRecords call within 500 records and 5 MiB", () => {
    // Prepare
    const many = Array.from({ length: 1001 }, (_, i) => rec(i, 10));
    // Act / Assess
    expect(chunkRecords(many).map((c) => c.length)).toEqual([MAX_RECORDS_PER_PUT, MAX_RECORDS_PER_PUT, 1]);
    const big = Array.from({ length: 7 }, (_, i) => rec(i, 1024 * 1024 - 1));
    const chunks = chunkRecords(big);
    expect(chunks.map((c) => c.length)).toEqual([5, 2]);
    for (const c of chunks) expect(c.reduce((n, r) => n + r.data.length + 1, 0)).toBeLessThanOrEqual(5 * 1024 * 1024);
  });
});

describe("the replay CLI's adapters", () => {
  it("parses the location, --stream, --dry-run and --marker", () => {
    // Act / Assess
    expect(parseArgs(["s3://b/failed", "--dry-run", "--stream", "x"])).toEqual({
      location: "s3://b/failed",
      stream: "x",
      dryRun: true,
      marker: undefined,
    });
    expect(() => parseArgs([])).toThrow("exactly one");
    expect(() => parseArgs(["a", "--stream"])).toThrow("--stream needs a value");
    expect(() => parseArgs(["a", "--force"])).toThrow("unknown option --force");
    expect(parseS3Uri("s3://bucket/failed/forward-app")).toEqual({ bucket: "bucket", prefix: "failed/forward-app" });
    expect(parseS3Uri("s3://bucket")).toEqual({ bucket: "bucket", prefix: "" });
    expect(parseS3Uri("./failed")).toBeUndefined();
  });

  it("reads a local directory's .jsonl files in order and keeps a marker file", async () => {
    // Prepare
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "replay-"));
    fs.mkdirSync(path.join(dir, "invalid_time", "2026"), { recursive: true });
    fs.writeFileSync(path.join(dir, "invalid_time", "2026", "b.jsonl"), `${line({ sequence_number: "9" })}\n`);
    fs.writeFileSync(path.join(dir, "a.jsonl"), `${line({})}\n`);
    fs.writeFileSync(path.join(dir, "notes.txt"), "ignored");
    const markerFile = path.join(dir, "replayed.marker");
    const kinesis = fakeKinesis();
    // Act
    const summary = await replay(
      { source: localSource(dir), kinesis: kinesis.port, marker: fileMarker(markerFile) },
      { stream: "s" },
    );
    // Assess
    expect(summary).toMatchObject({ objects: 2, records: 2, sent: 2 });
    expect((await fileMarker(markerFile).load()).size).toBe(2);
    const again = fakeKinesis();
    const second = await replay(
      { source: localSource(path.join(dir, "a.jsonl")), kinesis: again.port, marker: fileMarker(markerFile) },
      { stream: "s" },
    );
    expect(second).toMatchObject({ objects: 1, alreadyReplayed: 1, sent: 0 });
    expect(again.calls).toEqual([]);
  });
});
