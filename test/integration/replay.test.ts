// The replay command on the moto emulator: a failed-records object in S3 (as the handlers write it) is replayed into a
// Kinesis stream, and the stream then holds the record's exact original bytes under its own partition key; the CLI
// entry point does the same from a local file, and with a marker a second run sends nothing; and end to end, a record
// the kinesis-forward handler (run in process, as in log-routing.test.ts) failed reaches the output stream once the
// cause is fixed and it is replayed.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  PutRecordsCommand,
} from "@aws-sdk/client-kinesis";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import { kinesisPort, s3Source } from "../../cli/replay";
import { RAW_RECORD_FIELD, RECORD_PARTITION_KEY_FIELD, replay } from "../../cli/replay-core";
import { awsClientConfig, type Emulator, startEmulator } from "../support/emulator";

jest.setTimeout(120_000);

const run = promisify(execFile);
const ROOT = path.join(__dirname, "..", "..");
const BUCKET = "replay-failed-records";

const ACCOUNT = "123456789012";
const savedEnv = { ...process.env };

type Handler = (event: KinesisStreamEvent, context: Context) => Promise<KinesisStreamBatchResponse>;

let emulator: Emulator;
let kinesis: KinesisClient;
let s3: S3Client;

beforeAll(async () => {
  // Prepare / Act
  emulator = await startEmulator();
  const config = awsClientConfig(emulator);
  kinesis = new KinesisClient(config);
  s3 = new S3Client({ ...config, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});
afterAll(async () => {
  process.env = savedEnv;
  kinesis?.destroy();
  s3?.destroy();
  await emulator?.stop();
});

async function createStream(name: string): Promise<void> {
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
  for (let i = 0; i < 50; i++) {
    const d = await kinesis.send(new DescribeStreamCommand({ StreamName: name }));
    if (d.StreamDescription?.StreamStatus === "ACTIVE") return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

type StreamRecord = { data: Buffer; partitionKey: string; sequenceNumber: string };

async function readStream(name: string): Promise<StreamRecord[]> {
  const desc = await kinesis.send(new DescribeStreamCommand({ StreamName: name }));
  const out: StreamRecord[] = [];
  for (const shard of desc.StreamDescription?.Shards ?? []) {
    const iterator = await kinesis.send(
      new GetShardIteratorCommand({ StreamName: name, ShardId: shard.ShardId, ShardIteratorType: "TRIM_HORIZON" }),
    );
    const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator.ShardIterator, Limit: 10_000 }));
    for (const r of page.Records ?? []) {
      out.push({ data: Buffer.from(r.Data!), partitionKey: r.PartitionKey!, sequenceNumber: r.SequenceNumber! });
    }
  }
  return out;
}

/** A gzip CloudWatch Logs envelope: bytes that no re-encoding of the decoded event would reproduce. */
const original = gzipSync(
  Buffer.from(
    JSON.stringify({
      messageType: "DATA_MESSAGE",
      owner: "123456789012",
      logGroup: "/demo/app",
      logStream: "s",
      logEvents: [{ id: "1", timestamp: 1, message: '{"log_type":"app","log_id":"a","time":"20200314T233000Z"}' }],
    }),
  ),
);

const failedLine = (sequence: string) =>
  JSON.stringify({
    reason: "invalid_time",
    detail: "unparseable time",
    event_id: `${sequence}:0`,
    sequence_number: sequence,
    partition_key: "/demo/app",
    arrival_time: "2026-12-01T00:00:00.000Z",
    cloudwatch: { logGroup: "/demo/app" },
    payload_base64: Buffer.from('{"log_type":"app","log_id":"a","time":"20200314T233000Z"}').toString("base64"),
    [RECORD_PARTITION_KEY_FIELD]: "/demo/app",
    [RAW_RECORD_FIELD]: original.toString("base64"),
  });

describe("replay on the emulator", () => {
  it("replays a failed record from S3 into a stream with its exact original bytes", async () => {
    // Prepare
    await createStream("replay-router");
    const key = "failed/forward-app/invalid_time/2026/12/01/49590-abc.jsonl";
    // Act
    await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: `${failedLine("49590")}\n${failedLine("49590")}\n` }),
    );
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "failed/other/readme.txt", Body: "not failed records" }));

    const dry = await replay(
      { source: s3Source(s3, BUCKET, "failed/"), kinesis: kinesisPort(kinesis) },
      { stream: "replay-router", dryRun: true },
    );
    // Assess
    expect(dry).toMatchObject({ objects: 1, lines: 2, records: 1, sent: 1 });
    expect(await readStream("replay-router")).toEqual([]);

    const summary = await replay(
      { source: s3Source(s3, BUCKET, "failed/forward-app"), kinesis: kinesisPort(kinesis) },
      { stream: "replay-router" },
    );
    expect(summary).toMatchObject({ objects: 1, records: 1, duplicateLines: 1, sent: 1, failed: [] });
    const records = await readStream("replay-router");
    expect(records).toHaveLength(1);
    expect(records[0]!.data.equals(original)).toBe(true);
    expect(records[0]!.partitionKey).toBe("/demo/app");
  });

  it("runs as `npm run replay` from a local file, and with a marker a second run sends nothing", async () => {
    // Prepare
    await createStream("replay-cli");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "replay-cli-"));
    const file = path.join(dir, "failed.jsonl");
    fs.writeFileSync(file, `${failedLine("777")}\n`);
    const marker = path.join(dir, "marker.jsonl");
    const cli = (...args: string[]) =>
      run(path.join(ROOT, "node_modules", ".bin", "tsx"), [path.join(ROOT, "cli", "replay.ts"), ...args], {
        cwd: ROOT,
        env: { ...process.env, ...emulator.env },
      }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
        throw new Error(`${error.message}\n${error.stdout ?? ""}\n${error.stderr ?? ""}`);
      });

    // Act
    const first = await cli(file, "--stream", "replay-cli", "--marker", marker);
    // Assess
    expect(first.stdout).toContain("sent 1 record(s) to replay-cli");
    const second = await cli(file, "--stream", "replay-cli", "--marker", marker);
    expect(second.stdout).toContain("sent 0 record(s) to replay-cli; already replayed (marker) 1");
    const records = await readStream("replay-cli");
    expect(records.map((r) => r.data.equals(original))).toEqual([true]);
  });

  it("a record the forwarder failed reaches its destination after the cause is fixed and it is replayed", async () => {
    // Prepare: producers put their type under "kind", and the forwarder reads "log_type": every event fails.
    await Promise.all(["e2e-router", "e2e-out"].map(createStream));
    const text = '{"kind":"app","log_id":"e1","time":"2024-05-01T12:00:00Z","n":12345678901234567890}';
    const bytes = gzipSync(Buffer.from(text));
    await kinesis.send(
      new PutRecordsCommand({ StreamName: "e2e-router", Records: [{ Data: bytes, PartitionKey: "producer-key" }] }),
    );
    const first = await readStream("e2e-router");
    const broken = await loadForwarder({})(lambdaEvent(first), context);
    expect(broken).toEqual({ batchItemFailures: [] });
    expect(await readStream("e2e-out")).toEqual([]);

    // Act: replay the failed records into the router, then the fixed forwarder reads what arrived after them.
    const summary = await replay(
      { source: s3Source(s3, BUCKET, "failed/forward-e2e/missing_type/"), kinesis: kinesisPort(kinesis) },
      { stream: "e2e-router" },
    );
    expect(summary).toMatchObject({ records: 1, sent: 1, skipped: [], failed: [] });
    const replayed = (await readStream("e2e-router")).slice(first.length);
    expect(replayed.map((r) => [r.data.equals(bytes), r.partitionKey])).toEqual([[true, "producer-key"]]);
    const fixed = await loadForwarder({ LOG_TYPE_KEY: "kind" })(lambdaEvent(replayed), context);

    // Assess: the event is in the output stream, its JSON text byte for byte.
    expect(fixed).toEqual({ batchItemFailures: [] });
    const out = await readStream("e2e-out");
    expect(out.map((r) => r.data.toString("utf8"))).toEqual([text]);
  });
});

const streamArn = (name: string) => `arn:aws:kinesis:${emulator.region}:${ACCOUNT}:stream/${name}`;

/** A fresh copy of the kinesis-forward Lambda module (e2e-router -> e2e-out) with the construct's environment. */
function loadForwarder(extra: Record<string, string>): Handler {
  Object.assign(process.env, emulator.env, {
    TARGET_STREAM_ARN: streamArn("e2e-out"),
    LOG_TYPE_WHITELIST: "[]",
    LOG_TYPE_KEY: "log_type",
    FAILED_RECORDS_BUCKET: BUCKET,
    FAILED_RECORDS_PREFIX: "failed/forward-e2e",
    MAX_PUT_ATTEMPTS: "3",
    POWERTOOLS_LOG_LEVEL: "SILENT",
    POWERTOOLS_METRICS_DISABLED: "true",
    ...extra,
  });
  let handler: Handler | undefined;
  jest.isolateModules(() => {
    handler = (require("../../handlers/kinesis-forward") as { handler: Handler }).handler;
  });
  return handler!;
}

const context = {
  functionName: "forward-e2e",
  awsRequestId: "00000000-0000-0000-0000-000000000000",
  invokedFunctionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:forward-e2e`,
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

const lambdaEvent = (records: StreamRecord[]): KinesisStreamEvent => ({
  Records: records.map((r) => ({
    kinesis: {
      kinesisSchemaVersion: "1.0",
      data: r.data.toString("base64"),
      sequenceNumber: r.sequenceNumber,
      partitionKey: r.partitionKey,
      approximateArrivalTimestamp: Date.now() / 1000,
    },
    eventSource: "aws:kinesis",
    eventVersion: "1.0",
    eventID: `shardId-000000000000:${r.sequenceNumber}`,
    eventName: "aws:kinesis:record",
    invokeIdentityArn: `arn:aws:iam::${ACCOUNT}:role/forward`,
    awsRegion: emulator.region,
    eventSourceARN: streamArn("e2e-router"),
  })),
});
