// The PutRecords body plugin against the SDK itself: for the same input, a KinesisClient with the plugin sends exactly
// the request a stock KinesisClient sends (body bytes, headers, SigV4 signature), through a stub HTTP handler.

import { Readable } from "node:stream";
import { KinesisClient, PutRecordsCommand, type PutRecordsCommandInput } from "@aws-sdk/client-kinesis";
import type { HttpRequest } from "@smithy/types";
import * as fc from "fast-check";
import { DATA_BASE64, planRecords, putRecordsBodyPlugin } from "../../../../handlers/kinesis-forward/put-records-body";

const STREAM_ARN = "arn:aws:kinesis:eu-west-1:123456789012:stream/out";

interface Captured {
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  readonly path: string;
  readonly hostname: string;
  /** The plugin writes a Buffer; the SDK's serializer its own Uint8Array subclass. */
  readonly fromPlugin: boolean;
}

/** An HTTP handler that records the request and answers like Kinesis (one result per entry). */
function stubHandler(captured: Captured[]) {
  return {
    async handle(request: HttpRequest) {
      const raw = request.body as Uint8Array | string;
      const body =
        typeof raw === "string" ? Buffer.from(raw, "utf8") : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
      captured.push({
        headers: { ...request.headers },
        body,
        path: request.path,
        hostname: request.hostname,
        fromPlugin: Buffer.isBuffer(raw),
      });
      const n = (JSON.parse(body.toString("utf8")) as { Records: unknown[] }).Records.length;
      const records = Array.from({ length: n }, (_, i) => ({ SequenceNumber: String(i), ShardId: "shardId-0" }));
      const text = JSON.stringify({ FailedRecordCount: 0, Records: records });
      return {
        response: {
          statusCode: 200,
          reason: "OK",
          headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": "r" },
          body: Readable.from([Buffer.from(text)]),
        },
      } as never;
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
  };
}

function client(captured: Captured[], withPlugin: boolean): KinesisClient {
  const c = new KinesisClient({
    region: "eu-west-1",
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret", sessionToken: "token" },
    requestHandler: stubHandler(captured),
  });
  if (withPlugin) c.middlewareStack.use(putRecordsBodyPlugin());
  return c;
}

/** Sends the same input through a stock client and a plugin client, at the same clock and invocation id. */
async function bothWays(input: PutRecordsCommandInput): Promise<{ sdk: Captured; ours: Captured }> {
  const sdk: Captured[] = [];
  const ours: Captured[] = [];
  await client(sdk, false).send(new PutRecordsCommand(input));
  await client(ours, true).send(new PutRecordsCommand(input));
  return { sdk: sdk[0]!, ours: ours[0]! };
}

beforeEach(() => {
  // Prepare
  jest.spyOn(Date, "now").mockReturnValue(Date.UTC(2024, 4, 1, 12, 0, 0));
  // The SDK signs its per-call invocation id (globalThis.crypto.randomUUID): pin it so signatures can be compared.
  jest.spyOn(globalThis.crypto, "randomUUID").mockReturnValue("00000000-0000-4000-8000-000000000000");
});
afterEach(() => jest.restoreAllMocks());

function expectSameRequest(sdk: Captured, ours: Captured): void {
  expect(ours.body.equals(sdk.body)).toBe(true);
  expect(JSON.parse(ours.body.toString("utf8"))).toEqual(JSON.parse(sdk.body.toString("utf8")));
  expect(ours.headers.authorization).toBe(sdk.headers.authorization);
  expect(ours.headers).toEqual(sdk.headers);
  expect([ours.hostname, ours.path]).toEqual([sdk.hostname, sdk.path]);
}

describe("putRecordsBodyPlugin", () => {
  it("sends the SDK's own bytes and signature for a 500-entry request of JSON log lines", async () => {
    // Prepare
    const Records = Array.from({ length: 500 }, (_, i) => ({
      Data: Buffer.from(JSON.stringify({ log_type: "app", log_id: `id-${i}`, message: "x".repeat(i % 97) })),
      PartitionKey: `id-${i}`,
    }));
    // Act
    const { sdk, ours } = await bothWays({ StreamARN: STREAM_ARN, Records });
    expectSameRequest(sdk, ours);
    // Assess
    expect([sdk.fromPlugin, ours.fromPlugin]).toEqual([false, true]);
    expect(sdk.headers["x-amz-target"]).toBe("Kinesis_20131202.PutRecords");
    expect(sdk.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20240501\//);
  });

  it("keeps member order, optional members and the other top-level members exactly as the SDK writes them", async () => {
    // Prepare
    const input: PutRecordsCommandInput = {
      StreamName: "out",
      StreamARN: STREAM_ARN,
      Records: [
        { Data: new Uint8Array([0, 1, 2, 250, 251, 252, 253]), PartitionKey: "a", ExplicitHashKey: "123" },
        { Data: new Uint8Array(0), PartitionKey: 'q"uote\\back\u0000\u001f\u007f\u2028' },
        { Data: Buffer.from("é東京😀"), PartitionKey: "\ud800 lone \udc00 surrogates \ud83d\ude00" },
        { Data: "a string Data is its UTF-8: ü" as unknown as Uint8Array, PartitionKey: "s" },
        { PartitionKey: "no Data (the service refuses it; the SDK still writes it)" } as never,
        { Data: new Uint8Array([9]), ExplicitHashKey: "7" } as never,
        { ExplicitHashKey: "8" } as never,
      ],
    };
    // Act
    const { sdk, ours } = await bothWays(input);
    expectSameRequest(sdk, ours);
    // Assess
    expect(ours.fromPlugin).toBe(true);
  });

  it("writes an entry's base64 as the caller gives it (DATA_BASE64), and ignores one of the wrong length", async () => {
    // Prepare: the stock SDK never reads the symbol key, so it encodes Data itself
    const data = [Buffer.from('{"log_type":"app"}'), Buffer.from("é"), Buffer.from([0xff, 0, 1, 2])];
    const given = (d: Buffer, i: number) => ({
      Data: d,
      PartitionKey: `k${i}`,
      [DATA_BASE64]: d.toString("base64"),
    });
    const wrong = { Data: data[0]!, PartitionKey: "w", [DATA_BASE64]: "QQ==" };

    // Act
    const passed = await bothWays({ StreamARN: STREAM_ARN, Records: data.map(given) });
    const ignored = await bothWays({ StreamARN: STREAM_ARN, Records: [wrong] });

    // Assess
    expectSameRequest(passed.sdk, passed.ours);
    expect(planRecords(data.map(given))!.entries.map((e) => e.base64)).toEqual(data.map((d) => d.toString("base64")));
    expectSameRequest(ignored.sdk, ignored.ours);
    expect(planRecords([wrong])!.entries[0]!.base64).toBeUndefined();
    // The body takes the given text without checking it: a same-length lie goes out (the caller vouches)
    const lie = planRecords([{ Data: Buffer.from("A"), PartitionKey: "k", [DATA_BASE64]: "Qg==" }])!;
    expect(lie.entries[0]!.base64).toBe("Qg==");
  });

  it("leaves requests it does not handle to the SDK (same bytes either way)", async () => {
    // Prepare
    const odd = { StreamARN: STREAM_ARN, Records: [{ Data: new Uint8Array([1]), PartitionKey: "k", __type: "x" }] };
    // Act
    const { sdk, ours } = await bothWays(odd as unknown as PutRecordsCommandInput);
    expectSameRequest(sdk, ours);
    // Assess
    expect(ours.fromPlugin).toBe(false);
    expect(planRecords(odd.Records)).toBeUndefined();
    expect(planRecords([null])).toBeUndefined();
    expect(planRecords([{ Data: 5 }])).toBeUndefined();
  });

  it("matches the SDK byte for byte on arbitrary entries (property)", async () => {
    const entry = fc.record(
      {
        Data: fc.uint8Array({ maxLength: 300 }),
        PartitionKey: fc.oneof(fc.string({ unit: "binary", maxLength: 40 }), fc.string({ maxLength: 40 })),
        ExplicitHashKey: fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }).map(String),
      },
      { requiredKeys: ["Data", "PartitionKey"] },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { minLength: 1, maxLength: 30 }), async (Records) => {
        const { sdk, ours } = await bothWays({ StreamARN: STREAM_ARN, Records });
        expect(ours.body.equals(sdk.body)).toBe(true);
        expect(ours.headers.authorization).toBe(sdk.headers.authorization);
        expect(ours.fromPlugin).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it("leaves other operations alone", async () => {
    // Prepare
    const captured: Captured[] = [];
    const c = client(captured, true);
    // Act
    const { ListShardsCommand } = await import("@aws-sdk/client-kinesis");
    await c.send(new ListShardsCommand({ StreamARN: STREAM_ARN })).catch(() => undefined);
    // Assess
    expect(JSON.parse(captured[0]!.body.toString("utf8"))).toEqual({ StreamARN: STREAM_ARN });
  });
});
