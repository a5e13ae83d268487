// Our light S3 PUT against the SDK's own PutObjectCommand for the same key: byte-equal path and an identical SigV4
// Authorization (same canonical URI, same signed headers, same signature), for every character a key may hold and for
// every key sanitizeKeySegment can produce. On real S3 a path encoded differently from the canonical URI we signed
// fails with SignatureDoesNotMatch; the emulator does not check, so this comparison is the proof.
import { Readable } from "node:stream";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { NodeHttpHandler } from "@smithy/node-http-handler";
import type { FinalizeRequestMiddleware, HttpRequest, MetadataBearer } from "@smithy/types";
import fc from "fast-check";
import { sanitizeKeySegment } from "../../../../../handlers/kinesis-to-s3/s3-objects";
import { createS3PutObject, type S3PutObjectInput } from "../../../../../handlers/shared/aws/s3-put-object";

const FIXED = Date.UTC(2024, 4, 1, 12, 34, 56);
const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };
const region = "eu-west-1";

function capturing() {
  const requests: HttpRequest[] = [];
  const handler = {
    handle: async (request: HttpRequest) => {
      requests.push(request);
      return { response: { statusCode: 200, headers: {}, body: Readable.from([]) } };
    },
  };
  return { requests, handler };
}

/**
 * The SDK's request for a PutObject, signed by the SDK. Before signing, the SDK's own bookkeeping (the `x-id` query
 * parameter, user agents, invocation id and attempt headers) is removed so the signed header set is the one our writer
 * sends: what is compared is the SDK's path encoding and canonical form, not its telemetry.
 */
async function sdkRequest(input: S3PutObjectInput, endpoint?: string): Promise<HttpRequest> {
  const { requests, handler } = capturing();
  const client = new S3Client({
    region,
    credentials,
    maxAttempts: 1,
    requestChecksumCalculation: "WHEN_REQUIRED",
    requestHandler: handler as never,
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
  });
  const strip: FinalizeRequestMiddleware<object, MetadataBearer> = (next) => async (args) => {
    const request = args.request as HttpRequest;
    if (request.query) delete request.query["x-id"];
    for (const h of ["x-amz-user-agent", "user-agent", "amz-sdk-invocation-id", "amz-sdk-request"]) {
      delete request.headers[h];
    }
    return next(args);
  };
  client.middlewareStack.addRelativeTo(strip as never, {
    relation: "before",
    toMiddleware: "httpSigningMiddleware",
    name: "stripSdkBookkeeping",
  });
  await client.send(new PutObjectCommand(input as never));
  return requests[0]!;
}

async function ourRequest(input: S3PutObjectInput, endpoint?: string): Promise<HttpRequest> {
  const { requests, handler } = capturing();
  const put = createS3PutObject({
    credentials: async () => credentials,
    region,
    endpoint: endpoint ?? "",
    requestHandler: handler as unknown as NodeHttpHandler,
    maxAttempts: 1,
  });
  await put(input);
  return requests[0]!;
}

const putOf = (key: string): S3PutObjectInput => ({
  Bucket: "logs-bucket",
  Key: key,
  Body: Buffer.from("{}\n"),
  ContentType: "application/x-ndjson",
  ContentEncoding: "gzip",
  ServerSideEncryption: "AES256",
  Metadata: { records: "1" },
  IfNoneMatch: "*",
});

async function expectSameAsSdk(key: string, endpoint?: string): Promise<void> {
  const ours = await ourRequest(putOf(key), endpoint);
  const sdk = await sdkRequest(putOf(key), endpoint);
  expect({ key, path: ours.path, query: ours.query ?? {} }).toEqual({ key, path: sdk.path, query: sdk.query ?? {} });
  expect(Buffer.from(ours.path, "latin1").equals(Buffer.from(sdk.path, "latin1"))).toBe(true);
  expect({ key, hostname: ours.hostname, authorization: ours.headers.authorization }).toEqual({
    key,
    hostname: sdk.hostname,
    authorization: sdk.headers.authorization,
  });
}

describe("S3 PUT signing matches the SDK's PutObjectCommand", () => {
  beforeAll(() => {
    // Only Date is faked: both signers read the clock once per request.
    jest.useFakeTimers({
      now: FIXED,
      doNotFake: [
        "hrtime",
        "nextTick",
        "performance",
        "queueMicrotask",
        "setImmediate",
        "clearImmediate",
        "setInterval",
        "clearInterval",
        "setTimeout",
        "clearTimeout",
      ],
    });
  });
  afterAll(() => jest.useRealTimers());

  const awkward = [
    "logs/app/2020-03/14/2020-03-14-14:30:00-id(1).gz",
    "logs/a!b/2020-03/14/2020-03-14-14:30:00-it's*.gz",
    "logs/t~y/2020-03/14/2020-03-14-14:30:00-100%+1 =2.gz",
    "logs/Ünïcödé/2020-03/14/2020-03-14-14:30:00-日本語-😀.gz",
    'logs/sp ace/2020-03/14/2020-03-14-14:30:00-#?&=;,$@[]{}|^`"<>.gz',
    "logs/app/2020-03/14/2020-03-14-14:30:00-\u00a0\u2028\ufeff\uffff.gz",
    // Dot segments and empty segments are sent as they are (a URL parser would resolve them, the SDK does not).
    "failed/./to-s3/../x//y.jsonl",
  ];

  it.each(awkward)("virtual-hosted: %s", async (key) => {
    await expectSameAsSdk(key);
  });

  it.each(awkward)("path-style (emulator endpoint): %s", async (key) => {
    await expectSameAsSdk(key, "http://127.0.0.1:5000");
  });

  it("encodes ( ) ! * ' as the SDK does: %28 %29 %21 %2A %27", async () => {
    // Act
    const ours = await ourRequest(putOf("p/(a)!b*'c~d.gz"));
    // Assess
    expect(ours.path).toBe("/p/%28a%29%21b%2A%27c~d.gz");
  });

  it("keeps a bucket with dots path-style, as the SDK does over TLS", async () => {
    // Prepare
    const input = { ...putOf("a/(b).gz"), Bucket: "logs.example.com" };
    // Act
    const ours = await ourRequest(input);
    const sdk = await sdkRequest(input);
    // Assess
    expect([ours.hostname, ours.path, ours.headers.authorization]).toEqual([
      sdk.hostname,
      sdk.path,
      sdk.headers.authorization,
    ]);
  });

  it("is byte-equal for every type and id sanitizeKeySegment lets through", async () => {
    // Any UTF-16 code units, lone surrogates included, and a bias toward the characters encodeURIComponent and the
    // SDK treat differently.
    const unit = fc.oneof(
      fc.constantFrom("(", ")", "!", "*", "'", "~", "%", "+", " ", "/", ".", "..", "é", "😀", "\ud800", "\udc00"),
      fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
      fc.string({ unit: "binary", maxLength: 3 }),
    );
    const segment = fc.array(unit, { maxLength: 40 }).map((parts) => parts.join(""));
    await fc.assert(
      fc.asyncProperty(segment, segment, async (type, id) => {
        const key = `logs/${sanitizeKeySegment(type, 128)}/2020-03/14/2020-03-14-14:30:00-${sanitizeKeySegment(id, 200)}.gz`;
        await expectSameAsSdk(key);
      }),
      { numRuns: 150 },
    );
  });
});
