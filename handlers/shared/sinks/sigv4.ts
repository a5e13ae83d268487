/**
 * SigV4 signing of plain HTTP requests without a full SDK client (OpenSearch `es`/`aoss`, S3 PUT, SSM GetParameter),
 * and the pieces every such caller shares: a node:crypto SHA-256 and Lambda's environment credentials.
 */
import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, Checksum, SourceData } from "@smithy/types";

export type Credentials = AwsCredentialIdentity | AwsCredentialIdentityProvider;

export interface SigV4Options {
  readonly region: string;
  /** Signing name: `es` for managed OpenSearch domains, `aoss` for OpenSearch Serverless. */
  readonly service: string;
  readonly credentials: Credentials;
}

export interface RequestToSign {
  readonly method: string;
  readonly url: URL;
  /** Lower-case header names. `host` is derived from the URL. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

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

export type Signer = (request: RequestToSign, signingDate?: Date) => Promise<Record<string, string>>;

/**
 * A signer bound to region, service and credentials (the SignatureV4 instance caches signing keys per day). Returns
 * the headers to send: the input headers plus `host`, `x-amz-date`, `x-amz-content-sha256` (always set: OpenSearch
 * Serverless requires it and it costs nothing elsewhere), `authorization` and, for temporary credentials,
 * `x-amz-security-token`.
 */
export function createSigner(options: SigV4Options): Signer {
  const signer = new SignatureV4({
    service: options.service,
    region: options.region,
    credentials: options.credentials,
    sha256: NodeSha256,
    uriEscapePath: true,
    applyChecksum: true,
  });
  return async (request, signingDate) => {
    const { url } = request;
    const query: Record<string, string | string[]> = {};
    for (const [k, v] of url.searchParams) {
      const existing = query[k];
      query[k] = existing === undefined ? v : Array.isArray(existing) ? [...existing, v] : [existing, v];
    }
    const headers: Record<string, string> = {
      ...request.headers,
      host: url.host,
      "x-amz-content-sha256": createHash("sha256").update(request.body).digest("hex"),
    };
    const signed = await signer.sign(
      {
        method: request.method,
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port === "" ? undefined : Number(url.port),
        path: url.pathname,
        query,
        headers,
        body: request.body,
      },
      signingDate === undefined ? undefined : { signingDate },
    );
    return signed.headers as Record<string, string>;
  };
}
