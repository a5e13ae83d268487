/**
 * The one signed-HTTP path of the handlers: a SigV4-signed request without a full SDK client, used by the S3 PUT
 * (s3-put-object.ts), the OpenSearch `_bulk` POST and index-lifecycle calls, drain-notify's SNS Publish and the SSM
 * GetParameter of kinesis-to-fluent. `signedRequester(options)` signs with the SDK's own `SignatureV4` (node:crypto SHA-256, so no
 * `@smithy/core/checksum` in the bundle) and hands the signed request to a transport:
 * - `fetchTransport()`: global fetch (OpenSearch, SSM); the signed `host` header is left to fetch, which derives the
 *   same value from the URL.
 * - `nodeHttpTransport(handler)`: the SDK's `NodeHttpHandler` (S3), which sends the signed request as it is.
 * What each caller sends is its own: method, URL (the path as given, or `url.pathname`; the query from the URL),
 * headers (lower-case; `host` and `x-amz-content-sha256` added when absent, after the caller's) and body.
 */
import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import type { NodeHttpHandler } from "@smithy/node-http-handler";
import { SignatureV4 } from "@smithy/signature-v4";
import type {
  AwsCredentialIdentity,
  AwsCredentialIdentityProvider,
  Checksum,
  HttpRequest,
  Provider,
  SourceData,
} from "@smithy/types";

export type Credentials = AwsCredentialIdentity | AwsCredentialIdentityProvider;

/** SHA-256 / HMAC-SHA-256 on node:crypto (the SDK's `@smithy/core/checksum` would add ~100 KB to the bundle). */
export class NodeSha256 implements Checksum {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = NodeSha256.create(secret);
  }
  private static create(secret: SourceData | undefined): Hash | Hmac {
    return secret === undefined ? createHash("sha256") : createHmac("sha256", toBytes(secret));
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }
  reset(): void {
    this.hash = NodeSha256.create(this.secret);
  }
}

function toBytes(data: SourceData): Uint8Array {
  if (typeof data === "string") return Buffer.from(data, "utf8");
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

/** Lambda's role credentials, read from the environment on every call (so they follow rotation). */
export function environmentCredentials(): Promise<AwsCredentialIdentity> {
  const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    return Promise.reject(new Error("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set (Lambda sets them)"));
  }
  return Promise.resolve({ accessKeyId, secretAccessKey, sessionToken: process.env.AWS_SESSION_TOKEN || undefined });
}

/**
 * The endpoint of an AWS service as the SDKs resolve it: the given one, else AWS_ENDPOINT_URL_<SERVICE>, else
 * AWS_ENDPOINT_URL (emulators), else the public regional endpoint `https://<service>.<region>.amazonaws.com`.
 */
export function serviceEndpoint(service: string, region: string, explicit?: string): string {
  return (
    explicit ??
    process.env[`AWS_ENDPOINT_URL_${service.toUpperCase()}`] ??
    process.env.AWS_ENDPOINT_URL ??
    `https://${service}.${region}.amazonaws.com`
  );
}

export interface SignedRequesterOptions {
  readonly region: string | Provider<string>;
  /** Signing name: `s3`, `ssm`, `es` (managed OpenSearch domains) or `aoss` (OpenSearch Serverless). */
  readonly service: string;
  readonly credentials: Credentials;
  readonly transport: Transport;
  /**
   * Escape the path once more for the canonical request (every service but S3). S3 signs the path as sent: the caller
   * passes it already escaped, with `uriEscapePath: false`. @default true
   */
  readonly uriEscapePath?: boolean;
  /** Per-request timeout (the fetch transport; NodeHttpHandler has its own). */
  readonly timeoutMs?: number;
}

export interface RequestToSign {
  readonly method: string;
  /** Scheme, host, port, and (unless `path` is given) path and query of the request. */
  readonly url: URL;
  /** The path exactly as sent, already escaped (S3 keys), instead of `url.pathname`. */
  readonly path?: string;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string>>;
  /** Absent: no body is sent (a GET), and the empty body is signed. */
  readonly body?: Uint8Array;
  /** @default now */
  readonly signingDate?: Date;
}

export interface SignedResponse {
  readonly status: number;
  readonly text: string;
}

/** What a transport knows beyond the signed request: the URL it was built from, whether to send the body, a timeout. */
export interface SendContext {
  readonly url: URL;
  readonly sendBody: boolean;
  readonly timeoutMs?: number;
}

/** Sends a signed request (as the SDK's HTTP handlers take it). */
export type Transport = (request: HttpRequest, context: SendContext) => Promise<SignedResponse>;

export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: Uint8Array; signal?: AbortSignal },
) => Promise<{ status: number; text(): Promise<string> }>;

/** Sends with fetch (default: the global one). */
export function fetchTransport(fetchImpl?: FetchLike): Transport {
  const doFetch: FetchLike = fetchImpl ?? (globalThis.fetch as unknown as FetchLike);
  return async (request, { url, sendBody, timeoutMs }) => {
    const { host: _host, ...headers } = request.headers; // fetch derives Host from the URL (same value as signed)
    const response = await doFetch(url.toString(), {
      method: request.method,
      headers,
      // fetch refuses a body on GET, even an empty one.
      body: (sendBody ? request.body : undefined) as Uint8Array,
      ...(timeoutMs === undefined ? {} : { signal: AbortSignal.timeout(timeoutMs) }),
    });
    return { status: response.status, text: await response.text() };
  };
}

/** Sends with the SDK's NodeHttpHandler, the signed request as it is. */
export function nodeHttpTransport(handler: NodeHttpHandler): Transport {
  return async (request) => {
    const { response } = await handler.handle(request as never);
    const chunks: Buffer[] = [];
    for await (const chunk of response.body as AsyncIterable<Buffer>) chunks.push(chunk);
    return { status: response.statusCode, text: Buffer.concat(chunks).toString("utf8") };
  };
}

const EMPTY = new Uint8Array();

/**
 * `(request) => response`: signs (the SignatureV4 instance caches signing keys per day) and sends. The signed headers
 * are the caller's plus `host`, `x-amz-date`, `x-amz-content-sha256` (always set: S3 and OpenSearch Serverless require
 * it and it costs nothing elsewhere), `authorization` and, for temporary credentials, `x-amz-security-token`.
 */
export function signedRequester(options: SignedRequesterOptions): (request: RequestToSign) => Promise<SignedResponse> {
  const signer = new SignatureV4({
    service: options.service,
    region: options.region,
    credentials: options.credentials,
    sha256: NodeSha256,
    uriEscapePath: options.uriEscapePath ?? true,
    applyChecksum: true,
  });
  return async (request) => {
    const { url } = request;
    const body = request.body ?? EMPTY;
    const query: Record<string, string | string[]> = {};
    for (const [k, v] of url.searchParams) {
      const existing = query[k];
      query[k] = existing === undefined ? v : Array.isArray(existing) ? [...existing, v] : [existing, v];
    }
    const headers: Record<string, string> = { ...request.headers };
    if (headers.host === undefined) headers.host = url.host;
    if (headers["x-amz-content-sha256"] === undefined) {
      headers["x-amz-content-sha256"] = createHash("sha256").update(body).digest("hex");
    }
    const signed = await signer.sign(
      {
        method: request.method,
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port === "" ? undefined : Number(url.port),
        path: request.path ?? url.pathname,
        query,
        headers,
        body,
      },
      request.signingDate === undefined ? undefined : { signingDate: request.signingDate },
    );
    return options.transport(signed as HttpRequest, {
      url,
      sendBody: request.body !== undefined,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
  };
}
