// kinesis-to-s3: the handler core with the S3 sink core against a fake S3 client, and the light signed PUT.
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import type { PutObjectCommandInput } from "@aws-sdk/client-s3";
import fc from "fast-check";
import {
  createS3Sink,
  isPreconditionFailed,
  type PutObjectFn,
  toS3Batch,
  toS3PipelineOptions,
} from "../../../../handlers/kinesis-to-s3/core";
import { createS3PutObject, putHeaders, S3PutError } from "../../../../handlers/shared/aws/s3-put-object";
import { processKinesisBatch } from "../../../../handlers/shared/kinesis/batch";
import { createPipeline } from "../../../../handlers/shared/kinesis/records/pipeline";
import { appLog, jsonRecord, kinesisEvent, rawRecord, sequenceNumber } from "../../../fixtures/records/events";
import { event, expectConserved, memoryWriter } from "../../../support/sink-harness";

/** An S3 that honours `If-None-Match: *` as S3 does (412 PreconditionFailed) and counts unconditional overwrites. */
function fakeS3(failKeys: (key: string) => boolean = () => false) {
  const objects = new Map<string, PutObjectCommandInput>();
  const state = { overwrites: 0, preconditionFailed: [] as string[] };
  const put: PutObjectFn = async (input) => {
    if (failKeys(input.Key!))
      throw Object.assign(new Error("We encountered an internal error"), { name: "InternalError" });
    if (objects.has(input.Key!)) {
      if (input.IfNoneMatch === "*") {
        state.preconditionFailed.push(input.Key!);
        throw new S3PutError(
          "PreconditionFailed",
          412,
          "At least one of the pre-conditions you specified did not hold",
        );
      }
      state.overwrites++;
    }
    objects.set(input.Key!, input);
  };
  const lines = (key: string) =>
    gunzipSync(objects.get(key)!.Body as Buffer)
      .toString("utf8")
      .split("\n");
  return { objects, put, lines, state };
}

/** The documented start of an object name: the key without `-<shard>-<first>-<last>-<digest>.gz`. */
const start = (key: string): string => key.replace(/-shardId-[^/]+-\d+-\d+-[0-9a-f]{16}\.gz$/, "");

const pipeline = () => createPipeline(toS3PipelineOptions({}));
const options = { bucket: "logs-bucket", prefix: "logs", unknownPrefix: "unknown" };

describe("kinesis-to-s3 core", () => {
  it("writes one gzip JSON-lines object per type and per day of each record's own time, under the documented keys", async () => {
    // Prepare
    const records = [
      jsonRecord(appLog({ time: "2020-03-14T23:30:00+09:00" }, 0)), // 14:30Z on the 14th
      jsonRecord(appLog({ time: "2020-03-15T10:00:00Z" }, 1)),
      jsonRecord(appLog({ log_type: "audit", time: "2020-03-14T01:02:03Z" }, 2)),
      jsonRecord({ log_id: "x1", time: "2020-03-14T00:00:00Z", message: "no type" }),
      jsonRecord({ log_type: "app", log_id: "t1", message: "no time" }),
      jsonRecord(
        { log_type: "a/b", time: "2020-03-14T00:00:00Z", message: "no id, slash in type" },
        { sequenceNumber: sequenceNumber(7) },
      ),
    ];
    const s3 = fakeS3();
    const writer = memoryWriter();
    // Act
    const result = await processKinesisBatch(event(records), {
      pipeline: pipeline(),
      sink: createS3Sink(options, s3.put),
      writeFailedRecords: writer.write,
    });
    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expectConserved(result, 6);
    expect(writer.written.map((f) => [f.reason, f.sequenceNumber])).toEqual([
      ["missing_type", records[3]!.sequenceNumber],
    ]);
    expect([...s3.objects.keys()].map(start).sort()).toEqual(
      [
        "logs/app/2020-03/14/2020-03-14-14:30:00-id-0",
        "logs/app/2020-03/15/2020-03-15-10:00:00-id-1",
        "logs/audit/2020-03/14/2020-03-14-01:02:03-id-2",
        "logs/unknown/app_no_timestamp/2020-03/14/2020-03-14-14:30:00-t1",
        `logs/a_b/2020-03/14/2020-03-14-00:00:00-k-${sequenceNumber(7)}`,
      ].sort(),
    );
    const keyOf = (documented: string) => [...s3.objects.keys()].find((k) => start(k) === documented)!;
    const put = s3.objects.get(keyOf("logs/app/2020-03/14/2020-03-14-14:30:00-id-0"))!;
    expect(put).toMatchObject({
      Bucket: "logs-bucket",
      ContentType: "application/x-ndjson",
      ContentEncoding: "gzip",
      ServerSideEncryption: "AES256",
      IfNoneMatch: "*",
    });
    expect(s3.lines(keyOf("logs/app/2020-03/14/2020-03-14-14:30:00-id-0"))).toEqual([
      JSON.stringify(appLog({}, 0)),
      "",
    ]);
  });

  it("uses SSE-KMS with the configured key", async () => {
    // Prepare
    const s3 = fakeS3();
    const kms = "arn:aws:kms:eu-west-1:123456789012:key/1234";
    // Act
    await createS3Sink(
      { ...options, encryption: { type: "aws:kms", kmsKeyId: kms } },
      s3.put,
    )(
      createPipeline()
        .processRecords([jsonRecord(appLog())])
        .filter((o) => o.kind === "delivered"),
    );
    // Assess
    expect([...s3.objects.values()][0]).toMatchObject({
      ServerSideEncryption: "aws:kms",
      SSEKMSKeyId: kms,
      BucketKeyEnabled: true,
    });
  });

  it("reports the records of an object it could not write as batch item failures, and nothing else", async () => {
    // Prepare: audit objects fail
    const records = [
      jsonRecord(appLog({}, 0)),
      jsonRecord(appLog({ log_type: "audit" }, 1)),
      jsonRecord(appLog({}, 2)),
    ];
    const s3 = fakeS3((key) => key.includes("/audit/"));
    // Act
    const result = await processKinesisBatch(event(records), {
      pipeline: pipeline(),
      sink: createS3Sink(options, s3.put),
      writeFailedRecords: memoryWriter().write,
    });
    // Assess
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: records[1]!.sequenceNumber }]);
    expect(result.summary).toMatchObject({ delivered: 2, retrying: 1 });
  });

  it("names a redelivered batch's objects as before; the conditional write finds them stored and counts them delivered", async () => {
    // Prepare
    const records = [jsonRecord(appLog({}, 0)), jsonRecord({ log_type: "app", time: "2020-03-14T00:00:00Z" })];
    const s3 = fakeS3();
    const sink = createS3Sink(options, s3.put);
    await processKinesisBatch(event(records), { pipeline: pipeline(), sink, writeFailedRecords: memoryWriter().write });
    const first = new Map([...s3.objects].map(([k, v]) => [k, Buffer.from(v.Body as Buffer).toString("base64")]));
    // Act
    await processKinesisBatch(event(records), { pipeline: pipeline(), sink, writeFailedRecords: memoryWriter().write });
    // Assess
    expect(new Map([...s3.objects].map(([k, v]) => [k, Buffer.from(v.Body as Buffer).toString("base64")]))).toEqual(
      first,
    );
    expect(s3.state.overwrites).toBe(0);
    expect(s3.state.preconditionFailed.sort()).toEqual([...first.keys()].sort());
  });

  it("keeps both batches when their first records share type, second and log_id (issue 10, case 1)", async () => {
    // Prepare: two batches of one shard; the first record of each has the same type, time and log_id.
    const batchA = [
      jsonRecord(appLog({ log_id: "dup", message: "a0" }), { sequenceNumber: sequenceNumber(100) }),
      jsonRecord(appLog({ log_id: "a1", message: "a1" }), { sequenceNumber: sequenceNumber(101) }),
    ];
    const batchB = [
      jsonRecord(appLog({ log_id: "dup", message: "b0" }), { sequenceNumber: sequenceNumber(102) }),
      jsonRecord(appLog({ log_id: "b1", message: "b1" }), { sequenceNumber: sequenceNumber(103) }),
    ];
    const s3 = fakeS3();
    const stored: string[] = [];
    const sink = createS3Sink({ ...options, onAlreadyStored: (key) => stored.push(key) }, s3.put);
    const deps = { pipeline: pipeline(), sink, writeFailedRecords: memoryWriter().write };
    // Act
    const a = await toS3Batch(kinesisEvent(batchA), deps);
    const b = await toS3Batch(kinesisEvent(batchB), deps);
    const again = await toS3Batch(kinesisEvent(batchA), deps); // a redelivery of the first batch
    // Assess
    expect([a, b, again]).toEqual([{ batchItemFailures: [] }, { batchItemFailures: [] }, { batchItemFailures: [] }]);
    const keys = [...s3.objects.keys()];
    expect(keys).toHaveLength(2);
    for (const key of keys) {
      expect(start(key)).toBe("logs/app/2020-03/14/2020-03-14-14:30:00-dup");
      expect(key).toContain("-dup-shardId-000000000000-");
    }
    const messages = keys.flatMap((k) =>
      s3
        .lines(k)
        .filter(Boolean)
        .map((l) => JSON.parse(l).message as string),
    );
    expect(messages.sort()).toEqual(["a0", "a1", "b0", "b1"]);
    expect(s3.state.overwrites).toBe(0);
    expect(stored).toEqual([keys[0]]);
  });

  it("retries an object whose conditional write failed for another reason", async () => {
    // Prepare
    const s3 = fakeS3(() => true);
    // Act
    const result = await toS3Batch(kinesisEvent([jsonRecord(appLog())]), {
      pipeline: pipeline(),
      sink: createS3Sink(options, s3.put),
      writeFailedRecords: memoryWriter().write,
    });
    // Assess
    expect(result.batchItemFailures).toHaveLength(1);
  });

  it("recognises S3's 412 from our writer and from the SDK, and nothing else", () => {
    // Act / Assess
    expect(isPreconditionFailed(new S3PutError("PreconditionFailed", 412, "x"))).toBe(true);
    expect(isPreconditionFailed({ name: "PreconditionFailed", $metadata: { httpStatusCode: 412 } })).toBe(true);
    expect(isPreconditionFailed(new S3PutError("ConditionalRequestConflict", 409, "x"))).toBe(false);
    expect(isPreconditionFailed(new Error("PreconditionFailed"))).toBe(false);
    expect(isPreconditionFailed(undefined)).toBe(false);
  });

  it("conserves every event: delivered + filtered + failed + retrying = events in", async () => {
    const logArb = fc.oneof(
      fc.record({
        log_type: fc.constantFrom("app", "audit", "debug"),
        log_id: fc.option(fc.string({ minLength: 1, maxLength: 8 }), { nil: undefined }),
        time: fc.option(fc.integer({ min: 1_500_000_000, max: 1_900_000_000 }), { nil: undefined }),
      }),
      fc.constant("not json"),
      fc.constant(""),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(logArb, { maxLength: 30 }), fc.boolean(), async (logs, failSome) => {
        const records = logs.map((l, i) =>
          typeof l === "string"
            ? rawRecord(l, { sequenceNumber: sequenceNumber(i) })
            : jsonRecord(l, { sequenceNumber: sequenceNumber(i) }),
        );
        const s3 = fakeS3((key) => failSome && key.includes("/audit/"));
        const result = await processKinesisBatch(event(records), {
          pipeline: createPipeline(toS3PipelineOptions({ whitelist: ["app", "audit"] })),
          sink: createS3Sink(options, s3.put),
          writeFailedRecords: memoryWriter().write,
        });
        expectConserved(result, logs.length);
        const stored = [...s3.objects.values()].reduce((n, o) => n + Number(o.Metadata!.records), 0);
        expect(stored).toBe(result.summary.delivered);
      }),
      { numRuns: 60 },
    );
  });
});

/** A local S3 that records every PUT (decoded key → body) and answers 200. */
async function startRecordingS3() {
  const puts = new Map<string, Buffer>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      puts.set(decodeURIComponent(new URL(req.url!, "http://x").pathname), Buffer.concat(chunks));
      res.writeHead(200);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { puts, endpoint, close: () => new Promise<void>((r) => server.close(() => r())) };
}

type Handler = (event: unknown, context: unknown) => Promise<{ batchItemFailures: unknown[] }>;

/** The real handler module, loaded with the environment its construct sets, against a local S3. */
function loadToS3Handler(endpoint: string, env: Record<string, string>): Handler {
  const saved = process.env;
  process.env = {
    ...saved,
    AWS_REGION: "eu-west-1",
    AWS_ACCESS_KEY_ID: "AKID",
    AWS_SECRET_ACCESS_KEY: "secret",
    AWS_ENDPOINT_URL_S3: endpoint,
    S3_BUCKET: "logs-bucket",
    S3_PREFIX: "logs",
    FAILED_RECORDS_BUCKET: "failed-bucket",
    FAILED_RECORDS_PREFIX: "failed/to-s3",
    POWERTOOLS_LOG_LEVEL: "SILENT",
    POWERTOOLS_METRICS_DISABLED: "true",
    ...env,
  };
  let handler: Handler | undefined;
  try {
    jest.isolateModules(() => {
      handler = (require("../../../../handlers/kinesis-to-s3") as { handler: Handler }).handler;
    });
  } finally {
    // The module read its environment at load; credentials are read per call, so keep those.
    process.env = { ...saved, AWS_ACCESS_KEY_ID: "AKID", AWS_SECRET_ACCESS_KEY: "secret" };
  }
  return async (event, context) => {
    const before = process.env;
    process.env = { ...before, AWS_ENDPOINT_URL_S3: endpoint };
    try {
      return await handler!(event, context);
    } finally {
      process.env = before;
    }
  };
}

describe("kinesis-to-s3 handler: records without a type", () => {
  const context = { functionName: "to-s3", awsRequestId: "0", getRemainingTimeInMillis: () => 60_000 };
  // Missing, null and "" type, and a CloudWatch-looking envelope without logEvents (so an application record).
  const typeless = () => [
    jsonRecord({ log_id: "m1", time: "2020-03-14T00:00:00Z", message: "no type key" }),
    jsonRecord({ log_type: null, log_id: "m2", time: "2020-03-14T00:00:00Z" }),
    jsonRecord({ log_type: "", log_id: "m3", time: "2020-03-14T00:00:00Z" }),
    jsonRecord({ messageType: "DATA_MESSAGE", logGroup: "/aws/lambda/x", owner: "123456789012" }),
  ];

  it.each([
    ["with a whitelist", '["app"]'],
    ["without a whitelist", "[]"],
  ])("fails them as missing_type (never filtered, never under unknown_type) %s", async (_name, whitelist) => {
    // Prepare
    const s3 = await startRecordingS3();
    const records = [jsonRecord(appLog({}, 0)), ...typeless()];
    try {
      const handler = loadToS3Handler(s3.endpoint, { LOG_TYPE_WHITELIST: whitelist });
      // Act
      const result = await handler(event(records), context);
      // Assess
      expect(result).toEqual({ batchItemFailures: [] });
      const keys = [...s3.puts.keys()];
      expect(keys.filter((k) => k.startsWith("/logs-bucket/logs/"))).toEqual([
        expect.stringMatching(/^\/logs-bucket\/logs\/app\/2020-03\/14\//),
      ]);
      expect(keys.some((k) => k.includes("unknown_type"))).toBe(false);
      const failedKeys = keys.filter((k) => k.startsWith("/failed-bucket/failed/to-s3/"));
      expect(failedKeys).toEqual([expect.stringContaining("/failed/to-s3/missing_type/")]);
      const lines = s3.puts.get(failedKeys[0]!)!.toString("utf8").trim().split("\n");
      expect(lines.map((l) => (JSON.parse(l) as { reason: string }).reason)).toEqual(Array(4).fill("missing_type"));
      expect(lines.map((l) => (JSON.parse(l) as { sequence_number: string }).sequence_number)).toEqual(
        records.slice(1).map((r) => r.sequenceNumber),
      );
    } finally {
      await s3.close();
    }
  });

  it("the core's pipeline options apply the same rule whatever the consumer options say", async () => {
    // Prepare
    const records = typeless();
    // Act
    const result = await processKinesisBatch(event(records), {
      pipeline: createPipeline(toS3PipelineOptions({ whitelist: ["app"], requireType: false })),
      sink: createS3Sink(options, fakeS3().put),
      writeFailedRecords: memoryWriter().write,
    });
    // Assess
    expect(result.summary).toMatchObject({ filtered: 0, failed: 4, failedByReason: { missing_type: 4 } });
  });

  it.each([
    [
      "by default: failed as invalid_time, nothing stored",
      undefined,
      { failed: 2, failedByReason: { invalid_time: 2 } },
    ],
    ["with the explicit fallback: stored under _no_timestamp", "deliver" as const, { failed: 0 }],
  ])("an unreadable time is never filed under the arrival time, %s", async (_name, invalidTime, expected) => {
    // Prepare
    const s3 = fakeS3();
    const records = [
      jsonRecord(appLog({ time: "20200314" }, 0)), // compact ISO date: 2020-03-14, not epoch seconds
      jsonRecord(appLog({ time: "not a time" }, 1)),
      jsonRecord(appLog({ time: "03/04/2020" }, 2)), // ambiguous day and month
    ];
    // Act
    const result = await processKinesisBatch(event(records), {
      pipeline: createPipeline(toS3PipelineOptions({ ...(invalidTime ? { invalidTime } : {}) })),
      sink: createS3Sink(options, s3.put),
      writeFailedRecords: memoryWriter().write,
    });
    // Assess
    expect(result.summary).toMatchObject(expected);
    const keys = [...s3.objects.keys()];
    expect(keys.filter((k) => k.includes("/2020-03/14/2020-03-14-00:00:00-id-0"))).toHaveLength(1);
    const elsewhere = keys.filter((k) => !k.includes("-id-0"));
    if (invalidTime === "deliver") {
      expect(elsewhere.length).toBeGreaterThan(0);
      expect(elsewhere.every((k) => k.includes("_no_timestamp"))).toBe(true);
    } else {
      expect(elsewhere).toEqual([]);
    }
  });
});

describe("createS3PutObject", () => {
  it("sends one signed PUT with the body bytes and exactly the input's headers, retrying a 503", async () => {
    // Prepare
    const seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: Buffer }[] = [];
    let failures = 1;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) });
        if (failures-- > 0) {
          res.writeHead(503);
          res.end("<Error><Code>SlowDown</Code></Error>");
        } else {
          res.writeHead(200);
          res.end();
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const body = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff]);
    const put = createS3PutObject({
      endpoint,
      region: "eu-west-1",
      credentials: async () => ({ accessKeyId: "AKID", secretAccessKey: "secret" }),
      baseDelayMs: 1,
    });
    const input: PutObjectCommandInput = {
      Bucket: "b",
      Key: "logs/app/2020-03/14/2020-03-14-14:30:00-id 0.gz",
      Body: body,
      ContentType: "application/x-ndjson",
      ContentEncoding: "gzip",
      ServerSideEncryption: "AES256",
      Metadata: { records: "3" },
    };
    try {
      // Act
      await put(input);
    } finally {
      server.close();
    }
    // Assess
    expect(seen).toHaveLength(2);
    const last = seen[1]!;
    expect(last.method).toBe("PUT");
    expect(last.url).toBe("/b/logs/app/2020-03/14/2020-03-14-14%3A30%3A00-id%200.gz");
    expect(last.body.equals(body)).toBe(true);
    expect(last.headers).toMatchObject({
      "content-type": "application/x-ndjson",
      "content-encoding": "gzip",
      "x-amz-server-side-encryption": "AES256",
      "x-amz-meta-records": "3",
    });
    expect(String(last.headers.authorization)).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKID\/\d{8}\/eu-west-1\/s3\/aws4_request/,
    );
    expect(putHeaders({ ...input, SSEKMSKeyId: "k", BucketKeyEnabled: true }, body)).toMatchObject({
      "x-amz-server-side-encryption-aws-kms-key-id": "k",
      "x-amz-server-side-encryption-bucket-key-enabled": "true",
    });
  });

  it("does not retry an access error", async () => {
    // Prepare
    let calls = 0;
    const server = http.createServer((_req, res) => {
      calls++;
      res.writeHead(403);
      res.end("<Error><Code>AccessDenied</Code></Error>");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const put = createS3PutObject({
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      region: "eu-west-1",
      credentials: async () => ({ accessKeyId: "a", secretAccessKey: "b" }),
    });
    // Act / Assess
    await expect(put({ Bucket: "b", Key: "k", Body: Buffer.from("x") })).rejects.toMatchObject({
      name: "AccessDenied",
    });
    server.close();
    expect(calls).toBe(1);
  });
});
