/**
 * A light S3 PutObject for handlers that only write failed records: SigV4-signed HTTPS PUT through the SDK's own
 * signer and HTTP handler, instead of `@aws-sdk/client-s3` (its XML protocol, checksums and S3 middleware add ~150 KB
 * to a bundle and push kinesis-forward over its 500 KB budget). Credentials and region come from an existing SDK
 * client's resolved config, so they follow the normal provider chain. Honours AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL
 * (path-style, for emulators). Handlers that use S3 for real (kinesis-to-s3) should use the full client.
 *
 * API: `createS3PutObject({ credentials, region, endpoint?, requestHandler? })` → `PutObjectFn` (failed-records.ts).
 */
import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentialIdentity, HttpRequest, Provider } from "@smithy/types";
import type { PutObjectFn } from "./failed-records";

class NodeSha256 {
  private hash!: Hash | Hmac;
  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.reset();
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBuffer(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {
    this.hash = this.secret === undefined ? createHash("sha256") : createHmac("sha256", toBuffer(this.secret));
  }
}

function toBuffer(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === "string") return Buffer.from(data, "utf8");
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

const encodeKey = (key: string) => key.split("/").map(encodeURIComponent).join("/");

export interface S3PutObjectOptions {
  readonly credentials: Provider<AwsCredentialIdentity>;
  readonly region: Provider<string>;
  /** Emulator endpoint (path-style); `""` forces the public endpoint. @default AWS_ENDPOINT_URL_S3 ?? AWS_ENDPOINT_URL, else public */
  readonly endpoint?: string;
  readonly requestHandler?: NodeHttpHandler;
  /** Abort a request after this long. @default 10000 */
  readonly timeoutMs?: number;
}

export function createS3PutObject(options: S3PutObjectOptions): PutObjectFn {
  const endpoint = options.endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  const handler = options.requestHandler ?? new NodeHttpHandler({ requestTimeout: options.timeoutMs ?? 10_000 });
  let signer: SignatureV4 | undefined;
  let regionName: string | undefined;
  return async (input) => {
    if (signer === undefined || regionName === undefined) {
      regionName = await options.region();
      signer = new SignatureV4({
        credentials: options.credentials,
        region: regionName,
        service: "s3",
        sha256: NodeSha256,
        uriEscapePath: false,
        applyChecksum: true,
      });
    }
    const body = Buffer.from(input.Body, "utf8");
    let url: URL;
    if (endpoint) url = new URL(`${endpoint.replace(/\/+$/, "")}/${input.Bucket}/${encodeKey(input.Key)}`);
    else if (input.Bucket.includes("."))
      url = new URL(`https://s3.${regionName}.amazonaws.com/${input.Bucket}/${encodeKey(input.Key)}`);
    else url = new URL(`https://${input.Bucket}.s3.${regionName}.amazonaws.com/${encodeKey(input.Key)}`);
    const headers: Record<string, string> = {
      host: url.host,
      "content-type": input.ContentType,
      "content-length": String(body.length),
      "x-amz-content-sha256": createHash("sha256").update(body).digest("hex"),
      "x-amz-server-side-encryption": input.ServerSideEncryption,
    };
    if (input.SSEKMSKeyId) headers["x-amz-server-side-encryption-aws-kms-key-id"] = input.SSEKMSKeyId;
    const request = {
      method: "PUT",
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query: {},
      headers,
      body,
    } as unknown as HttpRequest;
    const signed = await signer.sign(request);
    const { response } = await handler.handle(signed as never);
    const chunks: Buffer[] = [];
    for await (const chunk of response.body as AsyncIterable<Buffer>) chunks.push(chunk);
    if (response.statusCode < 200 || response.statusCode >= 300) {
      const text = Buffer.concat(chunks).toString("utf8").slice(0, 500);
      const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? `HTTP ${response.statusCode}`;
      const error = new Error(`S3 PutObject ${input.Bucket}/${input.Key} failed: ${code}: ${text}`);
      error.name = code;
      throw error;
    }
  };
}
