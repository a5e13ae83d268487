/**
 * Reads one SSM SecureString (decrypted) with a single SigV4-signed `AmazonSSM.GetParameter` call, instead of
 * `@aws-sdk/client-ssm` (about 380 KB with its credential chain, for one call per cold start). Credentials are the
 * Lambda role's, from the environment. Honours AWS_ENDPOINT_URL_SSM / AWS_ENDPOINT_URL (emulators).
 */
import type { AwsCredentialIdentity } from "@smithy/types";
import { environmentCredentials, fetchTransport, serviceEndpoint, signedRequester } from "../shared/aws/signed-request";

export interface SsmReaderOptions {
  readonly region: string;
  /** @default environmentCredentials */
  readonly credentials?: () => Promise<AwsCredentialIdentity>;
  /** @default AWS_ENDPOINT_URL_SSM ?? AWS_ENDPOINT_URL ?? https://ssm.<region>.amazonaws.com */
  readonly endpoint?: string;
  /** @default 5_000 */
  readonly timeoutMs?: number;
}

/** `(name) => decrypted value`; throws with the SSM error type (ParameterNotFound, AccessDeniedException, …). */
export function createSecureStringReader(options: SsmReaderOptions): (name: string) => Promise<string | undefined> {
  const url = new URL("/", serviceEndpoint("ssm", options.region, options.endpoint));
  const request = signedRequester({
    credentials: options.credentials ?? environmentCredentials,
    region: options.region,
    service: "ssm",
    transport: fetchTransport(),
    timeoutMs: options.timeoutMs ?? 5_000,
  });
  return async (name) => {
    const response = await request({
      method: "POST",
      url,
      headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "AmazonSSM.GetParameter" },
      body: Buffer.from(JSON.stringify({ Name: name, WithDecryption: true })),
    });
    const { text } = response;
    if (response.status < 200 || response.status >= 300) {
      const type = /"__type"\s*:\s*"(?:[^"#]*#)?([^"]+)"/.exec(text)?.[1] ?? `HTTP ${response.status}`;
      throw new Error(`SSM GetParameter ${name} failed: ${type}`);
    }
    return (JSON.parse(text) as { Parameter?: { Value?: string } }).Parameter?.Value;
  };
}
