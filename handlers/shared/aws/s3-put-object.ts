/**
 * A light S3 PutObject: a SigV4-signed HTTPS PUT (signed-request.ts, over the SDK's own HTTP handler), instead of
 * `@aws-sdk/client-s3` (its XML protocol, checksums and S3 middleware add ~150 KB to a bundle and push the Kinesis
 * handlers over their 500 KB budget). Used for failed records by every Kinesis handler and for the objects of
 * kinesis-to-s3. Retries 429, 5xx, SlowDown, RequestTimeout and network errors with full jitter. Honours
 * AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL (path-style, for emulators).
 *
 * API: `createS3PutObject({ credentials, region, endpoint?, requestHandler?, maxAttempts? })` → `(input) => Promise`.
 */
import { createHash } from "node:crypto";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { AwsCredentialIdentity, Provider } from "@smithy/types";
import { backoffDelayMs, sleep } from "../backoff";
import { nodeHttpTransport, signedRequester } from "./signed-request";

/** The PutObject fields this writer sends (a subset of the SDK's PutObjectCommandInput, same names). */
export interface S3PutObjectInput {
  readonly Bucket?: string;
  readonly Key?: string;
  readonly Body?: unknown;
  readonly ContentType?: string;
  readonly ContentEncoding?: string;
  readonly ServerSideEncryption?: string;
  readonly SSEKMSKeyId?: string;
  readonly BucketKeyEnabled?: boolean;
  readonly Metadata?: Record<string, string>;
  /** `*`: write only if no object has this key (S3 answers 412 PreconditionFailed otherwise, never retried). */
  readonly IfNoneMatch?: string;
}

export interface S3PutObjectOptions {
  readonly credentials: Provider<AwsCredentialIdentity>;
  readonly region: string | Provider<string>;
  /** Emulator endpoint (path-style); `""` forces the public endpoint. @default AWS_ENDPOINT_URL_S3 ?? AWS_ENDPOINT_URL, else public */
  readonly endpoint?: string;
  readonly requestHandler?: NodeHttpHandler;
  /** Abort a request after this long. @default 15000 */
  readonly timeoutMs?: number;
  /** Calls per object, first included. @default 3 */
  readonly maxAttempts?: number;
  /** @default 100 */
  readonly baseDelayMs?: number;
}

export class S3PutError extends Error {
  constructor(
    readonly code: string,
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

/**
 * RFC 3986 escaping of one path segment, exactly as the SDK's S3 client encodes a `{Key+}` label
 * (`extendedEncodeURIComponent` / `escapeUri` in @smithy/core/protocols): `encodeURIComponent` plus `! ' ( ) *`, which
 * it leaves alone. S3 signs the path as sent (no double encoding), so any other encoding of these bytes fails with
 * SignatureDoesNotMatch. test/unit/handlers/shared/aws/s3-signing.test.ts compares our requests with the SDK's, byte for byte.
 */
const escapeSegment = (segment: string) =>
  encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
/** `/`-separated key → escaped path (a lone surrogate, which no URI can hold, throws URIError as in the SDK). */
export const encodeS3KeyPath = (key: string) => key.split("/").map(escapeSegment).join("/");
// 409 ConditionalRequestConflict: a concurrent conditional write to the same key was in progress; S3 says retry.
const retriable = (status: number, code: string) =>
  status === 429 ||
  status >= 500 ||
  code === "SlowDown" ||
  code === "RequestTimeout" ||
  code === "ConditionalRequestConflict";

function toBuffer(body: unknown): Buffer {
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === "string") return Buffer.from(body, "utf8");
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new TypeError("S3 PutObject Body must be a string, Buffer or typed array");
}

/** The headers of a PutObject input (what the SDK would send for these fields). */
export function putHeaders(input: S3PutObjectInput, body: Buffer): Record<string, string> {
  const headers: Record<string, string> = {
    "content-length": String(body.length),
    "x-amz-content-sha256": createHash("sha256").update(body).digest("hex"),
  };
  if (input.ContentType) headers["content-type"] = input.ContentType;
  if (input.ContentEncoding) headers["content-encoding"] = input.ContentEncoding;
  if (input.ServerSideEncryption) headers["x-amz-server-side-encryption"] = input.ServerSideEncryption;
  if (input.SSEKMSKeyId) headers["x-amz-server-side-encryption-aws-kms-key-id"] = input.SSEKMSKeyId;
  if (input.BucketKeyEnabled !== undefined) {
    headers["x-amz-server-side-encryption-bucket-key-enabled"] = String(input.BucketKeyEnabled);
  }
  for (const [k, v] of Object.entries(input.Metadata ?? {})) headers[`x-amz-meta-${k.toLowerCase()}`] = v;
  if (input.IfNoneMatch) headers["if-none-match"] = input.IfNoneMatch;
  return headers;
}

export function createS3PutObject(options: S3PutObjectOptions): (input: S3PutObjectInput) => Promise<void> {
  const endpoint = options.endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  const handler = options.requestHandler ?? new NodeHttpHandler({ requestTimeout: options.timeoutMs ?? 15_000 });
  const regionOf = typeof options.region === "string" ? async () => options.region as string : options.region;
  const maxAttempts = options.maxAttempts ?? 3;
  const baseDelayMs = options.baseDelayMs ?? 100;
  let regionValue: Promise<string> | undefined;
  const region = () => {
    regionValue ??= regionOf();
    return regionValue;
  };
  const request = signedRequester({
    credentials: options.credentials,
    region,
    service: "s3",
    // The path is sent as escaped below; S3 signs it as sent.
    uriEscapePath: false,
    transport: nodeHttpTransport(handler),
  });

  const putOnce = async (input: S3PutObjectInput, body: Buffer): Promise<void> => {
    const bucket = input.Bucket ?? "";
    const key = encodeS3KeyPath(input.Key ?? "");
    // The path is assembled here, never parsed by URL (which would resolve `.`/`..` segments the SDK sends as is).
    let url: URL;
    let path: string;
    if (endpoint) {
      url = new URL(endpoint);
      path = `${url.pathname.replace(/\/+$/, "")}/${escapeSegment(bucket)}/${key}`;
    } else if (bucket.includes(".")) {
      url = new URL(`https://s3.${await region()}.amazonaws.com`);
      path = `/${escapeSegment(bucket)}/${key}`;
    } else {
      url = new URL(`https://${bucket}.s3.${await region()}.amazonaws.com`);
      path = `/${key}`;
    }
    const response = await request({
      method: "PUT",
      url,
      path,
      headers: { host: url.host, ...putHeaders(input, body) },
      body,
    });
    if (response.status < 200 || response.status >= 300) {
      const text = response.text.slice(0, 500);
      const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? `HTTP${response.status}`;
      throw new S3PutError(code, response.status, `PutObject ${bucket}/${input.Key} failed: ${code}: ${text}`);
    }
  };

  return async (input) => {
    const body = toBuffer(input.Body);
    for (let attempt = 1; ; attempt++) {
      try {
        return await putOnce(input, body);
      } catch (error) {
        const again =
          attempt < maxAttempts && (!(error instanceof S3PutError) || retriable(error.statusCode, error.code));
        if (!again) throw error;
        await sleep(backoffDelayMs(attempt, baseDelayMs, Number.POSITIVE_INFINITY, Math.random));
      }
    }
  };
}
