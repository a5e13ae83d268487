// The light S3 PutObject used for failed records: a SigV4-signed PUT with SSE headers, errors surfaced with S3's code.
import { Readable } from "node:stream";
import type { NodeHttpHandler } from "@smithy/node-http-handler";
import type { HttpRequest } from "@smithy/types";
import { createS3PutObject } from "../../../../../handlers/shared/aws/s3-put-object";

function fakeHandler(statusCode: number, body = "") {
  const requests: HttpRequest[] = [];
  const handler = {
    handle: async (request: HttpRequest) => {
      requests.push(request);
      return { response: { statusCode, headers: {}, body: Readable.from([Buffer.from(body)]) } };
    },
  } as unknown as NodeHttpHandler;
  return { requests, handler };
}

const credentials = async () => ({ accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" });
const region = async () => "eu-west-1";
const input = {
  Bucket: "failed-bucket",
  Key: "failed/forward-app/invalid_json/2024/05/01/123-abc.jsonl",
  Body: '{"reason":"invalid_json"}\n',
  ContentType: "application/x-ndjson; charset=utf-8",
  ServerSideEncryption: "aws:kms" as const,
  SSEKMSKeyId: "arn:aws:kms:eu-west-1:123456789012:key/k",
};

describe("createS3PutObject", () => {
  it("signs a virtual-hosted PUT with the payload hash and SSE headers", async () => {
    // Prepare
    const { requests, handler } = fakeHandler(200);
    const put = createS3PutObject({ credentials, region, endpoint: "", requestHandler: handler });
    // Act
    await put(input);
    // Assess
    const r = requests[0]!;
    expect(r).toMatchObject({
      method: "PUT",
      hostname: "failed-bucket.s3.eu-west-1.amazonaws.com",
      path: `/${input.Key}`,
    });
    expect(r.headers["x-amz-server-side-encryption"]).toBe("aws:kms");
    expect(r.headers["x-amz-server-side-encryption-aws-kms-key-id"]).toBe(input.SSEKMSKeyId);
    expect(r.headers["x-amz-content-sha256"]).toMatch(/^[0-9a-f]{64}$/);
    expect(r.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/s3\/aws4_request, SignedHeaders=.*x-amz-server-side-encryption.*, Signature=[0-9a-f]{64}$/,
    );
  });

  it("sends If-None-Match, surfaces a 412 PreconditionFailed at once, and retries a 409 ConditionalRequestConflict", async () => {
    // Prepare
    const existing = fakeHandler(412, "<Error><Code>PreconditionFailed</Code></Error>");
    const conflict = fakeHandler(409, "<Error><Code>ConditionalRequestConflict</Code></Error>");
    const put = (handler: NodeHttpHandler) =>
      createS3PutObject({ credentials, region, endpoint: "", requestHandler: handler, baseDelayMs: 1 });
    // Act / Assess
    await expect(put(existing.handler)({ ...input, IfNoneMatch: "*" })).rejects.toMatchObject({
      name: "PreconditionFailed",
      code: "PreconditionFailed",
      statusCode: 412,
    });
    expect(existing.requests).toHaveLength(1);
    expect(existing.requests[0]!.headers["if-none-match"]).toBe("*");
    expect(existing.requests[0]!.headers.authorization).toMatch(/SignedHeaders=[^,]*if-none-match/);
    await expect(put(conflict.handler)({ ...input, IfNoneMatch: "*" })).rejects.toMatchObject({ statusCode: 409 });
    expect(conflict.requests).toHaveLength(3);
  });

  it("uses path style on an emulator endpoint and throws S3's error code", async () => {
    // Prepare
    const { requests, handler } = fakeHandler(403, "<Error><Code>AccessDenied</Code></Error>");
    const put = createS3PutObject({ credentials, region, endpoint: "http://127.0.0.1:5000", requestHandler: handler });
    // Act / Assess
    await expect(put(input)).rejects.toMatchObject({ name: "AccessDenied" });
    expect(requests[0]).toMatchObject({ hostname: "127.0.0.1", port: 5000, path: `/failed-bucket/${input.Key}` });
  });
});
