/**
 * One SigV4-signed SNS `Publish` (the Query protocol, form-encoded) through the handlers' one signed-HTTP path,
 * instead of `@aws-sdk/client-sns` (a new dependency with its own credential chain, for one call per invocation).
 * Credentials are the Lambda role's, from the environment. Honours AWS_ENDPOINT_URL_SNS / AWS_ENDPOINT_URL
 * (emulators).
 */
import type { AwsCredentialIdentity } from "@smithy/types";
import {
  environmentCredentials,
  fetchTransport,
  serviceEndpoint,
  signedRequester,
  type Transport,
} from "../shared/aws/signed-request";

export interface SnsPublisherOptions {
  readonly region: string;
  /** @default environmentCredentials */
  readonly credentials?: () => Promise<AwsCredentialIdentity>;
  /** @default AWS_ENDPOINT_URL_SNS ?? AWS_ENDPOINT_URL ?? https://sns.<region>.amazonaws.com */
  readonly endpoint?: string;
  /** @default fetch */
  readonly transport?: Transport;
  /** @default 10_000 */
  readonly timeoutMs?: number;
}

export class SnsPublishError extends Error {
  override name = "SnsPublishError";
}

/** The form body of a Publish call (exported for tests). */
export function publishBody(topicArn: string, subject: string, message: string): string {
  return new URLSearchParams({
    Action: "Publish",
    Version: "2010-03-31",
    TopicArn: topicArn,
    Subject: subject,
    Message: message,
  }).toString();
}

/** `(topicArn, subject, message) => MessageId`; throws SnsPublishError with SNS's error code. */
export function createSnsPublisher(
  options: SnsPublisherOptions,
): (topicArn: string, subject: string, message: string) => Promise<string> {
  const url = new URL("/", serviceEndpoint("sns", options.region, options.endpoint));
  const request = signedRequester({
    credentials: options.credentials ?? environmentCredentials,
    region: options.region,
    service: "sns",
    transport: options.transport ?? fetchTransport(),
    timeoutMs: options.timeoutMs ?? 10_000,
  });
  return async (topicArn, subject, message) => {
    const response = await request({
      method: "POST",
      url,
      headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
      body: Buffer.from(publishBody(topicArn, subject, message), "utf8"),
    });
    const { text } = response;
    if (response.status < 200 || response.status >= 300) {
      const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? `HTTP ${response.status}`;
      const detail = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
      throw new SnsPublishError(`SNS Publish to ${topicArn} failed: ${code}${detail ? ` (${detail})` : ""}`);
    }
    return /<MessageId>([^<]+)<\/MessageId>/.exec(text)?.[1] ?? "";
  };
}
