// The PutRecords response plugin against the SDK itself: for the same response bytes, a KinesisClient with the plugin
// returns exactly the output (or error) a stock KinesisClient returns, error entries included; and the fast path is
// taken for what Kinesis answers.
import { Readable } from "node:stream";
import { KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import * as fc from "fast-check";
import { putRecordsBodyPlugin } from "../../../../handlers/kinesis-forward/put-records-body";
import {
  putRecordsResponsePlugin,
  readPutRecordsOutput,
} from "../../../../handlers/kinesis-forward/put-records-response";

const INPUT = {
  StreamARN: "arn:aws:kinesis:eu-west-1:123456789012:stream/out",
  Records: [{ Data: Buffer.from("{}"), PartitionKey: "k" }],
};

/** An HTTP handler answering every request with `status` and `body` (in `chunks` pieces). */
function stubHandler(status: number, body: string, chunks = 1) {
  return {
    async handle() {
      const bytes = Buffer.from(body, "utf8");
      const size = Math.ceil(bytes.length / chunks) || 1;
      const parts: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
      return {
        response: {
          statusCode: status,
          reason: "",
          headers: { "content-type": "application/x-amz-json-1.1", "X-Amzn-RequestId": "req-1", "x-amz-id-2": "ext" },
          body: Readable.from(parts),
        },
      } as never;
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
  };
}

function client(status: number, body: string, withPlugin: boolean, chunks = 1): KinesisClient {
  const c = new KinesisClient({
    region: "eu-west-1",
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
    requestHandler: stubHandler(status, body, chunks),
    maxAttempts: 1,
  });
  if (withPlugin) {
    c.middlewareStack.use(putRecordsBodyPlugin());
    c.middlewareStack.use(putRecordsResponsePlugin());
  }
  return c;
}

type Settled = { ok: true; output: unknown } | { ok: false; name: string; message: string; error: unknown };

async function settle(c: KinesisClient): Promise<Settled> {
  try {
    return { ok: true, output: await c.send(new PutRecordsCommand(INPUT)) };
  } catch (error) {
    const e = error as Error;
    return { ok: false, name: e.name, message: e.message, error: { ...e } };
  }
}

/** Same output, same key order at every level (JSON text compared too), or the same error. */
async function expectSameAsSdk(status: number, body: string, chunks = 1): Promise<Settled> {
  const sdk = await settle(client(status, body, false));
  const ours = await settle(client(status, body, true, chunks));
  expect(ours).toEqual(sdk);
  if (sdk.ok && ours.ok) {
    expect(JSON.stringify(ours.output)).toBe(JSON.stringify(sdk.output));
    expect(ours.output).toStrictEqual(sdk.output);
  }
  return ours;
}

const ok = (n: number, extra = "") =>
  `{"EncryptionType":"KMS","FailedRecordCount":0,"Records":[${Array.from(
    { length: n },
    (_, i) =>
      `{"SequenceNumber":"4964612114642353263785142719538912509740206315144655${i}","ShardId":"shardId-00000000000${i % 4}"}`,
  ).join(",")}]${extra}}`;

describe("PutRecords response plugin", () => {
  it("reads Kinesis' answers into the SDK's output, $metadata included", async () => {
    // Assess
    for (const body of [
      ok(1),
      ok(500),
      '{"FailedRecordCount":2,"Records":[{"ErrorCode":"ProvisionedThroughputExceededException","ErrorMessage":"Rate exceeded for shard shardId-000000000001 in stream out under account 123456789012."},{"SequenceNumber":"1","ShardId":"shardId-0"},{"ErrorCode":"InternalFailure","ErrorMessage":"Internal service failure."}]}',
      '{"FailedRecordCount":0,"Records":[]}',
      '{"Records":[{"SequenceNumber":"1","ShardId":"s"}]}',
      '{"EncryptionType":"NONE","FailedRecordCount":1,"Records":[{"ErrorCode":"KMSThrottlingException","ErrorMessage":"é ☃ \\u0000 \\"q\\""}]}',
    ]) {
      const out = await expectSameAsSdk(200, body, 3);
      expect(out.ok).toBe(true);
      expect(readPutRecordsOutput(Buffer.from(body))).toBeDefined(); // the fast path
    }
  });

  it("leaves every other shape to the SDK and still answers like it", async () => {
    // Assess
    for (const body of [
      "",
      "not json",
      "[]",
      "null",
      '{"FailedRecordCount":"1","Records":[]}',
      '{"FailedRecordCount":null,"Records":null}',
      '{"FailedRecordCount":0,"Records":[null,{"SequenceNumber":"1"}]}',
      '{"FailedRecordCount":0,"Records":[{"ShardId":"s","SequenceNumber":"1"}]}',
      '{"FailedRecordCount":0,"Records":[{"SequenceNumber":"1","ShardId":null}]}',
      '{"FailedRecordCount":0,"Records":[{"SequenceNumber":1,"ShardId":"s"}]}',
      '{"FailedRecordCount":0,"Records":[{"SequenceNumber":"1","Extra":"x"}]}',
      '{"FailedRecordCount":0,"Records":[{"SequenceNumber":"1","__type":"x","Extra":"y"}]}',
      '{"FailedRecordCount":0,"Records":[],"Other":1}',
      '{"__type":"Weird","FailedRecordCount":0,"Records":[],"Other":1}',
      '{"__proto__":{"a":1},"FailedRecordCount":0}',
      '{"FailedRecordCount":0,"Records":[{"toString":"x"}]}',
      '{"FailedRecordCount":0,"Records":{}}',
      '{"FailedRecordCount":0,"Records":[[]]}',
    ]) {
      if (body !== "") expect(readPutRecordsOutput(Buffer.from(body))).toBeUndefined();
      await expectSameAsSdk(200, body, 2);
    }
  });

  it("leaves errors to the SDK: same exception, same metadata", async () => {
    for (const [status, body] of [
      [400, '{"__type":"ProvisionedThroughputExceededException","message":"Rate exceeded"}'],
      [400, '{"__type":"ResourceNotFoundException","message":"Stream out not found"}'],
      [500, '{"__type":"InternalFailure"}'],
      [503, ""],
      [201, ok(2)],
    ] as const) {
      await expectSameAsSdk(status, body);
    }
  });

  it("matches the SDK on generated answers", async () => {
    const str = fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.constantFrom("", "shardId-000000000001"));
    const entry = fc.oneof(
      fc.record({ SequenceNumber: str, ShardId: str }, { requiredKeys: [] }),
      fc.record({ ErrorCode: str, ErrorMessage: str }, { requiredKeys: [] }),
      fc.record(
        { SequenceNumber: fc.oneof(str, fc.integer(), fc.constant(null)), ErrorCode: str },
        { requiredKeys: [] },
      ),
    );
    const body = fc.record(
      {
        EncryptionType: fc.constantFrom("KMS", "NONE"),
        FailedRecordCount: fc.nat(),
        Records: fc.array(entry, { maxLength: 20 }),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        await expectSameAsSdk(200, JSON.stringify(b), 2);
      }),
      { numRuns: 100 },
    );
  });
});

describe("both PutRecords plugins on a client with cacheMiddleware", () => {
  it("keep overlapping sends apart: each request carries its own records and gets its own answer", async () => {
    // Prepare: a stub that answers each request with its own partition keys as sequence numbers, the later requests
    // first, so every send is in flight while the others are serialized, signed and read.
    const sends = 8;
    let pending: Array<() => void> = [];
    const handler = {
      async handle(request: { body: Uint8Array | string }) {
        const text = typeof request.body === "string" ? request.body : Buffer.from(request.body).toString("utf8");
        const keys = (JSON.parse(text) as { Records: { PartitionKey: string }[] }).Records.map((r) => r.PartitionKey);
        const body = JSON.stringify({
          FailedRecordCount: 0,
          Records: keys.map((k) => ({ SequenceNumber: k, ShardId: "shardId-000000000000" })),
        });
        await new Promise<void>((resolve) => {
          pending.push(resolve);
          if (pending.length === sends) for (const release of pending.reverse()) release();
        });
        return {
          response: {
            statusCode: 200,
            reason: "OK",
            headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": "r" },
            body: Readable.from([Buffer.from(body)]),
          },
        } as never;
      },
      updateHttpClientConfig() {},
      httpHandlerConfigs: () => ({}),
    };
    const c = new KinesisClient({
      region: "eu-west-1",
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
      requestHandler: handler,
      maxAttempts: 1,
      cacheMiddleware: true,
    });
    c.middlewareStack.use(putRecordsBodyPlugin());
    c.middlewareStack.use(putRecordsResponsePlugin());
    const inputs = Array.from({ length: sends }, (_, s) => ({
      StreamARN: INPUT.StreamARN,
      Records: Array.from({ length: s + 1 }, (_, i) => ({
        Data: Buffer.from(`{"n":${i}}`),
        PartitionKey: `send-${s}-${i}`,
      })),
    }));

    // Act
    const outputs = await Promise.all(inputs.map((input) => c.send(new PutRecordsCommand(input))));
    pending = [];

    // Assess
    expect(outputs.map((o) => o.Records?.map((r) => r.SequenceNumber))).toEqual(
      inputs.map((input) => input.Records.map((r) => r.PartitionKey)),
    );
  });
});
