// Log routing end to end on the moto emulator: records and CloudWatch Logs events go into a router stream, the
// kinesis-forward handler (run in process: moto's Lambda cannot run our code) reads them as Lambda would and writes
// each whitelisted event to its own forwarder's target stream; failures land in S3.
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
  PutSubscriptionFilterCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  PutRecordsCommand,
} from "@aws-sdk/client-kinesis";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import { createForwardSink, type PutRecordsRequest } from "../../handlers/kinesis-forward/core";
import { createS3PutObject } from "../../handlers/shared/aws/s3-put-object";
import { processKinesisBatch } from "../../handlers/shared/kinesis/batch";
import { createFailedRecordsWriter } from "../../handlers/shared/kinesis/failed-records";
import { createPipeline } from "../../handlers/shared/kinesis/records/pipeline";
import type { KinesisRecordData } from "../../handlers/shared/kinesis/records/types";
import { encodeKplAggregate } from "../fixtures/records/kpl";
import { awsClientConfig, type Emulator, startEmulator } from "../support/emulator";

jest.setTimeout(120_000);

const ACCOUNT = "123456789012";
const BUCKET = "failed-records";
const LOG_GROUP = "/demo/app";

let emulator: Emulator;
let kinesis: KinesisClient;
let s3: S3Client;
let logs: CloudWatchLogsClient;
const streamArn = (name: string) => `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/${name}`;
const savedEnv = { ...process.env };

type Handler = (event: KinesisStreamEvent, context: Context) => Promise<KinesisStreamBatchResponse>;

/** Loads a fresh copy of the Lambda module with the environment the kinesis-forward construct would set. */
function loadForwarder(name: string, whitelist: string[]): Handler {
  Object.assign(process.env, emulator.env, {
    TARGET_STREAM_ARN: streamArn(`out-${name}`),
    LOG_TYPE_WHITELIST: JSON.stringify(whitelist),
    FAILED_RECORDS_BUCKET: BUCKET,
    FAILED_RECORDS_PREFIX: `failed/forward-${name}`,
    MAX_PUT_ATTEMPTS: "3",
    POWERTOOLS_LOG_LEVEL: "SILENT",
    POWERTOOLS_METRICS_DISABLED: "true",
  });
  let handler: Handler | undefined;
  jest.isolateModules(() => {
    handler = (require("../../handlers/kinesis-forward") as { handler: Handler }).handler;
  });
  return handler!;
}

const context = (name: string) =>
  ({
    functionName: name,
    awsRequestId: "00000000-0000-0000-0000-000000000000",
    invokedFunctionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${name}`,
    getRemainingTimeInMillis: () => 60_000,
  }) as unknown as Context;

async function createStream(name: string): Promise<void> {
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
}

/** Every record of a one-shard stream, from the start, as the `kinesis` objects of a Lambda event. */
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

const lambdaEvent = (records: KinesisRecordData[], source: string): KinesisStreamEvent => ({
  Records: records.map((k) => ({
    kinesis: { kinesisSchemaVersion: "1.0", ...k },
    eventSource: "aws:kinesis",
    eventVersion: "1.0",
    eventID: `shardId-000000000000:${k.sequenceNumber}`,
    eventName: "aws:kinesis:record",
    invokeIdentityArn: `arn:aws:iam::${ACCOUNT}:role/forward`,
    awsRegion: "us-east-1",
    eventSourceARN: streamArn(source),
  })),
});

const decoded = (records: KinesisRecordData[]) =>
  records.map((r) => JSON.parse(Buffer.from(r.data, "base64").toString("utf8")) as Record<string, unknown>);

async function putJson(stream: string, values: (string | Buffer)[]): Promise<void> {
  const res = await kinesis.send(
    new PutRecordsCommand({
      StreamName: stream,
      Records: values.map((v, i) => ({ Data: Buffer.isBuffer(v) ? v : Buffer.from(v), PartitionKey: `pk-${i}` })),
    }),
  );
  expect(res.FailedRecordCount ?? 0).toBe(0);
}

async function failedObjects(prefix: string): Promise<Record<string, unknown>[]> {
  const list = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  const lines: Record<string, unknown>[] = [];
  for (const o of list.Contents ?? []) {
    const body = await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: o.Key! }))).Body!.transformToString();
    for (const line of body.trimEnd().split("\n")) lines.push({ key: o.Key, ...(JSON.parse(line) as object) });
  }
  return lines;
}

const log = (type: string, id: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ log_type: type, log_id: id, time: "2024-05-01T12:00:00Z", message: `${type} ${id}`, ...extra });

beforeAll(async () => {
  // Prepare / Act
  emulator = await startEmulator();
  const config = awsClientConfig(emulator);
  kinesis = new KinesisClient(config);
  s3 = new S3Client({ ...config, forcePathStyle: true });
  logs = new CloudWatchLogsClient(config);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

afterAll(async () => {
  process.env = savedEnv;
  await emulator?.stop();
});

describe("kinesis-forward on the emulator", () => {
  it("routes records and CloudWatch Logs events to the right forwarder only; poison records land in S3", async () => {
    // Prepare: a router stream fed by producers (plain, gzip-free, KPL) and by a CloudWatch Logs subscription.
    await Promise.all(["router", "out-app", "out-audit"].map(createStream));
    await logs.send(new CreateLogGroupCommand({ logGroupName: LOG_GROUP }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: LOG_GROUP, logStreamName: "web-1" }));
    await logs.send(
      new PutSubscriptionFilterCommand({
        logGroupName: LOG_GROUP,
        filterName: "router",
        filterPattern: "",
        destinationArn: streamArn("router"),
        roleArn: `arn:aws:iam::${ACCOUNT}:role/logs-to-router`,
      }),
    );
    await putJson("router", [
      log("app", "a1"),
      log("audit", "u1"),
      log("debug", "d1"),
      "not json at all",
      JSON.stringify({ log_id: "no-type", message: "missing type" }),
      encodeKplAggregate([
        { partitionKey: "k1", data: log("app", "a2") },
        { partitionKey: "k2", data: log("audit", "u2") },
      ]),
    ]);
    const now = Date.now();
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: LOG_GROUP,
        logStreamName: "web-1",
        logEvents: [
          { timestamp: now, message: log("app", "cw-a3") },
          { timestamp: now + 1, message: log("audit", "cw-u3") },
          { timestamp: now + 2, message: "plain text from CloudWatch" },
        ],
      }),
    );
    const routerRecords = await readStream("router");
    expect(routerRecords.length).toBe(7); // 6 put + 1 gzip CloudWatch envelope delivered by moto

    // Act: each forwarder's Lambda module gets the same batch, as two event source mappings would deliver it.
    const appResult = await loadForwarder("app", ["app"])(lambdaEvent(routerRecords, "router"), context("fwd-app"));
    const auditResult = await loadForwarder("audit", ["audit"])(
      lambdaEvent(routerRecords, "router"),
      context("fwd-audit"),
    );

    // Assess: right stream only, one plain JSON record per event, partition key = log_id.
    expect(appResult).toEqual({ batchItemFailures: [] });
    expect(auditResult).toEqual({ batchItemFailures: [] });
    const outApp = await readStream("out-app");
    const outAudit = await readStream("out-audit");
    expect(decoded(outApp).map((r) => r.log_id)).toEqual(["a1", "a2", "cw-a3"]);
    expect(decoded(outAudit).map((r) => r.log_id)).toEqual(["u1", "u2", "cw-u3"]);
    expect(outApp.map((r) => r.partitionKey)).toEqual(["a1", "a2", "cw-a3"]);
    const failed = await failedObjects("failed/forward-app/");
    expect(failed.map((l) => l.reason).sort()).toEqual(["invalid_json", "invalid_json", "missing_type"]);
    const payloads = failed.map((l) => Buffer.from(String(l.payload_base64), "base64").toString("utf8")).sort();
    expect(payloads).toEqual(
      [
        "not json at all",
        "plain text from CloudWatch",
        JSON.stringify({ log_id: "no-type", message: "missing type" }),
      ].sort(),
    );
    expect(failed.every((l) => String(l.key).startsWith("failed/forward-app/"))).toBe(true);
    expect((await failedObjects("failed/forward-audit/")).length).toBe(3);
  });

  it("retries only the entries PutRecords failed, and reports what still fails so nothing is lost", async () => {
    // Prepare: a router batch of 30 app events and a client that fails every third entry on its first call.
    await Promise.all(["router-2", "out-2"].map(createStream));
    await putJson(
      "router-2",
      Array.from({ length: 30 }, (_, i) => log("app", `p${i}`)),
    );
    const batch = lambdaEvent(await readStream("router-2"), "router-2");
    const calls: number[] = [];
    let stuck = new Set(["p7"]);
    const flaky = async (request: PutRecordsRequest) => {
      const first = calls.length === 0;
      calls.push(request.Records.length);
      const keep = request.Records.map((r, i) => !(first && i % 3 === 0) && !stuck.has(r.PartitionKey));
      const sent = request.Records.filter((_, i) => keep[i]);
      const res = sent.length
        ? await kinesis.send(new PutRecordsCommand({ StreamARN: request.StreamARN, Records: sent }))
        : { Records: [] };
      const real = [...(res.Records ?? [])];
      return {
        FailedRecordCount: keep.filter((k) => !k).length,
        Records: keep.map((k) => (k ? real.shift()! : { ErrorCode: "ProvisionedThroughputExceededException" })),
      };
    };
    const deps = () => ({
      pipeline: createPipeline(),
      sink: createForwardSink(
        { streamArn: streamArn("out-2"), maxAttempts: 3, baseDelayMs: 1 },
        { putRecords: flaky, sleep: async () => {} },
      ),
      writeFailedRecords: createFailedRecordsWriter({
        bucket: BUCKET,
        prefix: "failed/partial",
        putObject: createS3PutObject({ credentials: kinesis.config.credentials, region: kinesis.config.region }),
      }),
    });

    // Act: first invocation (p7 never goes through), then the mapping's retry from the reported record.
    const first = await processKinesisBatch(batch, deps());
    const p7 = batch.Records.findIndex((r) => Buffer.from(r.kinesis.data, "base64").toString().includes('"p7"'));
    stuck = new Set();
    const retryFrom = batch.Records.findIndex(
      (r) => r.kinesis.sequenceNumber === first.batchItemFailures[0]?.itemIdentifier,
    );
    const second = await processKinesisBatch({ Records: batch.Records.slice(retryFrom) }, deps());

    // Assess
    expect(calls.slice(0, 2)).toEqual([30, 11]); // the retry carried only the 11 failed entries (10 flaky + p7)
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: batch.Records[p7]!.kinesis.sequenceNumber }]);
    expect(second.batchItemFailures).toEqual([]);
    const ids = decoded(await readStream("out-2")).map((r) => String(r.log_id));
    const expected = Array.from({ length: 30 }, (_, i) => `p${i}`);
    expect(new Set(ids)).toEqual(new Set(expected)); // nothing lost
    expect(ids.filter((id) => id === "p7")).toHaveLength(1);
    expect(ids.length).toBe(30 + (30 - retryFrom - 1)); // duplicates only from the redelivered tail (at least once)
  });
});
