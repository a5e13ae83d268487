// The three sink handlers end to end on the moto emulator: real records put into an emulator stream and read back
// with GetRecords become the Lambda event; each handler runs in process (moto's Lambda cannot run our code) with its
// environment as the module sets it and its clients pointed at the emulator (S3, SSM), a real FluentServer, and the
// fake OpenSearch bulk endpoint. Failed records land in the emulator's S3.

import * as net from "node:net";
import { gunzipSync } from "node:zlib";
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  PutRecordsCommand,
} from "@aws-sdk/client-kinesis";
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { FluentServer } from "@fluent-org/logger";
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import type { KinesisRecordData } from "../../handlers/shared/kinesis/records/types";
import { awsClientConfig, type Emulator, startEmulator } from "../support/emulator";
import { type FakeBulkServer, startFakeBulkServer } from "../support/fake-bulk-server";
import { type FakeIsm, startFakeIsm } from "../support/sink-harness";

jest.setTimeout(120_000);

const ACCOUNT = "123456789012";
const LOGS = "logs-bucket";
const VERSIONED = "versioned-logs-bucket";
const FAILED = "failed-records";
let emulator: Emulator;
let kinesis: KinesisClient;
let s3: S3Client;
const savedEnv = { ...process.env };
type Handler = (event: KinesisStreamEvent, context: Context) => Promise<KinesisStreamBatchResponse>;

/** A fresh copy of a handler module, loaded with the environment its construct would set. */
function loadHandler(folder: string, env: Record<string, string>): Handler {
  process.env = {
    ...savedEnv,
    ...emulator.env,
    FAILED_RECORDS_BUCKET: FAILED,
    LOG_TYPE_WHITELIST: "[]",
    POWERTOOLS_LOG_LEVEL: "SILENT",
    POWERTOOLS_METRICS_DISABLED: "true",
    ...env,
  };
  let handler: Handler | undefined;
  jest.isolateModules(() => {
    handler = (require(`../../handlers/${folder}`) as { handler: Handler }).handler;
  });
  return handler!;
}

const context = {
  functionName: "sink",
  awsRequestId: "0",
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

async function readStream(name: string): Promise<KinesisRecordData[]> {
  const desc = await kinesis.send(new DescribeStreamCommand({ StreamName: name }));
  const out: KinesisRecordData[] = [];
  for (const shard of desc.StreamDescription?.Shards ?? []) {
    let iterator = (
      await kinesis.send(
        new GetShardIteratorCommand({ StreamName: name, ShardId: shard.ShardId, ShardIteratorType: "TRIM_HORIZON" }),
      )
    ).ShardIterator;
    for (let i = 0; iterator && i < 20; i++) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      for (const r of page.Records ?? []) {
        out.push({
          data: Buffer.from(r.Data ?? new Uint8Array()).toString("base64"),
          sequenceNumber: r.SequenceNumber!,
          partitionKey: r.PartitionKey!,
          approximateArrivalTimestamp: (r.ApproximateArrivalTimestamp?.getTime() ?? 0) / 1000,
        });
      }
      if ((page.Records ?? []).length === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return out;
}

const lambdaEvent = (records: KinesisRecordData[]): KinesisStreamEvent => ({
  Records: records.map((k) => ({
    kinesis: { kinesisSchemaVersion: "1.0", ...k },
    eventSource: "aws:kinesis",
    eventVersion: "1.0",
    eventID: `shardId-000000000000:${k.sequenceNumber}`,
    eventName: "aws:kinesis:record",
    invokeIdentityArn: `arn:aws:iam::${ACCOUNT}:role/sink`,
    awsRegion: "us-east-1",
    eventSourceARN: `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/router`,
  })),
});

/** A stream holding these values (one record each), read back as Lambda would receive them. */
async function streamOf(name: string, values: string[]): Promise<KinesisStreamEvent> {
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
  const res = await kinesis.send(
    new PutRecordsCommand({
      StreamName: name,
      Records: values.map((v, i) => ({ Data: Buffer.from(v), PartitionKey: `pk-${i}` })),
    }),
  );
  expect(res.FailedRecordCount ?? 0).toBe(0);
  return lambdaEvent(await readStream(name));
}

async function objects(bucket: string, prefix: string): Promise<Map<string, Buffer>> {
  const list = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  const out = new Map<string, Buffer>();
  for (const o of list.Contents ?? []) {
    const body = await (
      await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }))
    ).Body!.transformToByteArray();
    out.set(o.Key!, Buffer.from(body));
  }
  return out;
}

/** The documented start of a kinesis-to-s3 object name: the key without `-<shard>-<first>-<last>-<digest>.gz`. */
const documentedStart = (key: string) => key.replace(/-shardId-[^/]+-\d+-\d+-[0-9a-f]{16}\.gz$/, "");

const log = (type: string, id: string, time: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ log_type: type, log_id: id, time, message: `${type} ${id}`, ...extra });

beforeAll(async () => {
  // Prepare / Act
  emulator = await startEmulator();
  const config = awsClientConfig(emulator);
  kinesis = new KinesisClient(config);
  s3 = new S3Client({ ...config, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: LOGS }));
  await s3.send(new CreateBucketCommand({ Bucket: FAILED }));
});

afterAll(async () => {
  process.env = savedEnv;
  await emulator?.stop();
});

describe("kinesis-to-s3 on the emulator", () => {
  it("writes gzip JSON lines per type and day under the documented keys, and a redelivery finds them stored", async () => {
    // Prepare: several types and days, one record without type, one without time, one poison record.
    const values = [
      log("app", "a1", "2020-03-14T23:30:00+09:00"),
      log("app", "a2", "2020-03-14T20:00:00Z"),
      log("app", "a3", "2020-03-15T00:00:01Z"),
      log("audit", "u1", "2020-03-14T01:02:03Z"),
      JSON.stringify({ log_id: "n1", time: "2020-03-14T05:00:00Z", message: "no type" }),
      "not json",
    ];
    const batch = await streamOf("s3-source", values);
    const handler = loadHandler("kinesis-to-s3", {
      S3_BUCKET: LOGS,
      S3_PREFIX: "logs",
      FAILED_RECORDS_PREFIX: "failed/to-s3",
    });
    // Act
    const first = await handler(batch, context);
    const written = await objects(LOGS, "logs/");
    const second = await handler(batch, context);
    const rewritten = await objects(LOGS, "logs/");
    // Assess
    expect(first).toEqual({ batchItemFailures: [] });
    expect(second).toEqual({ batchItemFailures: [] });
    expect([...written.keys()].map(documentedStart).sort()).toEqual([
      "logs/app/2020-03/14/2020-03-14-14:30:00-a1",
      "logs/app/2020-03/15/2020-03-15-00:00:01-a3",
      "logs/audit/2020-03/14/2020-03-14-01:02:03-u1",
    ]);
    for (const key of written.keys()) expect(key).toMatch(/-shardId-000000000000-\d+-\d+-[0-9a-f]{16}\.gz$/);
    const lines = (start: string) =>
      gunzipSync(written.get([...written.keys()].find((k) => documentedStart(k) === start)!)!).toString("utf8");
    expect(lines("logs/app/2020-03/14/2020-03-14-14:30:00-a1")).toBe(`${values[0]}\n${values[1]}\n`);
    expect(lines("logs/app/2020-03/15/2020-03-15-00:00:01-a3")).toBe(`${values[2]}\n`);
    expect([...rewritten.keys()].sort()).toEqual([...written.keys()].sort());
    for (const [key, body] of rewritten) expect(body.equals(written.get(key)!)).toBe(true);
    // The record without a type is failed as missing_type (the rule of every module), not stored under unknown_type.
    const failed = await objects(FAILED, "failed/to-s3/");
    expect([...failed.keys()].sort()).toEqual([
      expect.stringMatching(/^failed\/to-s3\/invalid_json\/\d{4}\/\d{2}\/\d{2}\/.+\.jsonl$/),
      expect.stringMatching(/^failed\/to-s3\/missing_type\/\d{4}\/\d{2}\/\d{2}\/.+\.jsonl$/),
    ]);
  });

  it("keeps both batches whose first records share type, second and log_id, and never replaces an object", async () => {
    // Prepare: one stream, read back as two consecutive batches; the first record of each has the same type, time
    // and log_id (a producer reusing an id). The bucket is versioned, as the module creates it, so any replacement
    // would leave a second version behind.
    await s3.send(new CreateBucketCommand({ Bucket: VERSIONED }));
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: VERSIONED, VersioningConfiguration: { Status: "Enabled" } }),
    );
    const values = [
      log("app", "dup", "2020-03-14T23:30:00+09:00", { batch: "A", n: 0 }),
      log("app", "a1", "2020-03-14T23:30:05+09:00", { batch: "A", n: 1 }),
      log("app", "dup", "2020-03-14T23:30:00+09:00", { batch: "B", n: 0 }),
      log("app", "b1", "2020-03-14T23:30:07+09:00", { batch: "B", n: 1 }),
    ];
    const all = await streamOf("s3-collide", values);
    const batchA = { Records: all.Records.slice(0, 2) };
    const batchB = { Records: all.Records.slice(2) };
    const handler = loadHandler("kinesis-to-s3", {
      S3_BUCKET: VERSIONED,
      S3_PREFIX: "logs",
      FAILED_RECORDS_PREFIX: "failed/to-s3-collide",
    });
    // Act: A, B, then A again (a redelivery: the conditional write meets A's object, moto answers 412).
    const results = [await handler(batchA, context), await handler(batchB, context), await handler(batchA, context)];
    // Assess: both sets of events are in S3, read back; one version per object; nothing failed.
    expect(results).toEqual([{ batchItemFailures: [] }, { batchItemFailures: [] }, { batchItemFailures: [] }]);
    const stored = await objects(VERSIONED, "logs/");
    expect([...stored.keys()].map(documentedStart)).toEqual([
      "logs/app/2020-03/14/2020-03-14-14:30:00-dup",
      "logs/app/2020-03/14/2020-03-14-14:30:00-dup",
    ]);
    const readBack = [...stored.values()].flatMap((body) =>
      gunzipSync(body).toString("utf8").split("\n").filter(Boolean),
    );
    expect(readBack.sort()).toEqual([...values].sort());
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: VERSIONED, Prefix: "logs/" }));
    expect((versions.Versions ?? []).map((v) => v.Key).sort()).toEqual([...stored.keys()].sort());
    expect(versions.DeleteMarkers ?? []).toEqual([]);
    expect((await objects(VERSIONED, "failed/")).size).toBe(0);
  });
});

describe("kinesis-to-fluent on the emulator", () => {
  let server: FluentServer;
  const entries: { tag: string; time: unknown; record: Record<string, unknown> }[] = [];

  beforeAll(async () => {
    // Prepare / Act
    await new SSMClient(awsClientConfig(emulator)).send(
      new PutParameterCommand({ Name: "/fluent/shared-key", Type: "SecureString", Value: "s3cret" }),
    );
    server = new FluentServer({
      listenOptions: { port: 0, host: "127.0.0.1" },
      security: { serverHostname: "aggregator", sharedKey: "s3cret", authorize: false, userDict: {} },
    });
    server.on("entry", (tag: string, time: unknown, record: Record<string, unknown>) =>
      entries.push({ tag, time, record }),
    );
    await server.listen();
  });
  afterAll(async () => {
    await server?.close();
  });

  const fluentEnv = (port: number) => ({
    FLUENT_HOST: "127.0.0.1",
    FLUENT_PORT: String(port),
    FLUENT_TAG: "kinesis",
    FLUENT_SHARED_KEY_PARAMETER: "/fluent/shared-key",
    FLUENT_SELF_HOSTNAME: "lambda",
    FLUENT_ACK_TIMEOUT_MS: "2000",
    FLUENT_CONNECT_TIMEOUT_MS: "1000",
    FLUENT_MAX_ATTEMPTS: "1",
    FAILED_RECORDS_PREFIX: "failed/to-fluent",
  });

  it("delivers with acks after a shared-key handshake (key read from SSM), with the record's own event time", async () => {
    // Act
    const batch = await streamOf("fluent-source", [
      log("app", "f1", "2020-03-14T23:30:00+09:00"),
      log("audit", "f2", "2020-03-14T23:30:00+09:00"),
    ]);
    const result = await loadHandler("kinesis-to-fluent", fluentEnv(server.port!))(batch, context);
    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(entries.map((e) => [e.tag, e.record.log_id])).toEqual([
      ["app.kinesis", "f1"],
      ["audit.kinesis", "f2"],
    ]);
    const epoch = (t: unknown) => (typeof t === "number" ? t : (t as { epoch: number }).epoch);
    expect(entries.map((e) => epoch(e.time))).toEqual([1584196200, 1584196200]);
  });

  it("reports every record when the server refuses or drops the connection, and loses nothing", async () => {
    const batch = await streamOf("fluent-source-2", [
      log("app", "r1", "2020-03-14T00:00:00Z"),
      log("app", "r2", "2020-03-14T00:00:00Z"),
    ]);
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const closed = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const dropper = net.createServer((socket) => socket.destroy());
    await new Promise<void>((r) => dropper.listen(0, "127.0.0.1", r));
    const dropping = (dropper.address() as net.AddressInfo).port;
    try {
      const all = batch.Records.map((r) => ({ itemIdentifier: r.kinesis.sequenceNumber }));
      expect(await loadHandler("kinesis-to-fluent", fluentEnv(closed))(batch, context)).toEqual({
        batchItemFailures: all,
      });
      expect(await loadHandler("kinesis-to-fluent", fluentEnv(dropping))(batch, context)).toEqual({
        batchItemFailures: all,
      });
      expect((await objects(FAILED, "failed/to-fluent/")).size).toBe(0);
    } finally {
      dropper.close();
    }
  });
});

describe("kinesis-to-opensearch on the emulator", () => {
  let bulk: FakeBulkServer;
  let ism: FakeIsm;
  beforeAll(async () => {
    // Prepare / Act
    bulk = await startFakeBulkServer();
    ism = await startFakeIsm(bulk.endpoint);
  });
  afterAll(async () => {
    await ism.close();
    await bulk.close();
  });

  it("indexes daily indices, installs the ISM policy once, and writes partial rejections to failed records in S3", async () => {
    // Prepare: the domain refuses documents whose status is not a number.
    bulk.script = { reject: (doc) => doc.source.includes('"status":"ok"') };
    const batch = await streamOf("os-source", [
      log("app", "o1", "2020-03-14T23:30:00+09:00", { status: 200 }),
      log("app", "o2", "2020-03-15T10:00:00Z", { status: "ok" }),
      log("audit", "o3", "2020-03-15T10:00:00Z", { status: 201 }),
    ]);
    const handler = loadHandler("kinesis-to-opensearch", {
      OPENSEARCH_ENDPOINT: ism.endpoint,
      OPENSEARCH_SERVICE: "es",
      OPENSEARCH_INDEX_PREFIX: "logs",
      OPENSEARCH_ISM_POLICY_ID: "sink-retention",
      OPENSEARCH_ISM_DELETE_AFTER_DAYS: "14",
      FAILED_RECORDS_PREFIX: "failed/to-os",
    });
    // Act
    const first = await handler(batch, context);
    const again = await handler(batch, context);
    // Assess
    expect(first).toEqual({ batchItemFailures: [] });
    expect(again).toEqual({ batchItemFailures: [] });
    expect([...bulk.indices.keys()].sort()).toEqual(["logs-app-20200314", "logs-audit-20200315"]);
    expect(bulk.count()).toBe(2); // the redelivery overwrote by _id
    expect(ism.requests.map((r) => r.method)).toEqual(["GET", "PUT"]);
    expect(JSON.stringify(ism.policies.get("sink-retention")!.policy)).toContain('"index_patterns":["logs-*"]');
    const failed = await objects(FAILED, "failed/to-os/destination_rejected/");
    expect(failed.size).toBe(1);
    const line = JSON.parse([...failed.values()][0]!.toString("utf8").trim()) as Record<string, string>;
    expect(line.detail).toMatch(/^400 mapper_parsing_exception/);
    expect(JSON.parse(Buffer.from(line.payload_base64!, "base64").toString("utf8"))).toMatchObject({ log_id: "o2" });
  });
});
