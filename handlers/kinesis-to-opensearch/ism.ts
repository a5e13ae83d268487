/**
 * The index lifecycle (ISM) policy that replaces the original project's separate index cleaner: indices matching
 * `<prefix>-*` are deleted `deleteAfterDays` after their creation. The function installs it itself with its signed
 * client (`PUT _plugins/_ism/policies/<id>`), once per container, idempotently:
 *
 * - GET the policy; 404 → create it; found with the same `description` (which carries a hash of the whole policy) →
 *   nothing to do; found but different (retention changed) → update it with `if_seq_no`/`if_primary_term`.
 * - 409 (a concurrent container won the race) counts as installed.
 *
 * The `ism_template` attaches the policy to every NEW index matching the pattern (daily indices are new every day);
 * indices created before the policy existed are not changed. Age is counted from index creation, which for daily
 * indices is the day of their logs (a backfill of old logs is kept `deleteAfterDays` from when it was indexed).
 * OpenSearch Serverless has no ISM: its retention is a data lifecycle policy the module creates in Terraform.
 */

import { type IsmPolicySpec, ismPolicyDocument } from "../../contracts/opensearch-ism";
import {
  type Credentials,
  type FetchLike,
  fetchTransport,
  type SignedResponse,
  signedRequester,
} from "../shared/aws/signed-request";

export type { SignedResponse };

/** A SigV4-signed JSON request to the domain: `(method, path with query, body?)`. */
export type SignedRequest = (method: "GET" | "PUT", pathAndQuery: string, body?: unknown) => Promise<SignedResponse>;

export interface SignedRequesterOptions {
  readonly endpoint: string;
  readonly region: string;
  readonly service: "es" | "aoss";
  readonly credentials: Credentials;
  /** @default globalThis.fetch */
  readonly fetch?: FetchLike;
  /** @default 10_000 */
  readonly timeoutMs?: number;
}

export function createSignedRequester(options: SignedRequesterOptions): SignedRequest {
  const request = signedRequester({
    region: options.region,
    service: options.service,
    credentials: options.credentials,
    transport: fetchTransport(options.fetch),
    timeoutMs: options.timeoutMs ?? 10_000,
  });
  return (method, pathAndQuery, body) =>
    request({
      method,
      url: new URL(pathAndQuery, options.endpoint),
      headers: body === undefined ? {} : { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: Buffer.from(JSON.stringify(body), "utf8") }),
    });
}

export type IsmInstallResult = "created" | "updated" | "unchanged" | "concurrent";

/** Ensures the policy exists with this exact content; throws (status and body) when the domain refuses. */
export async function ensureIsmPolicy(request: SignedRequest, spec: IsmPolicySpec): Promise<IsmInstallResult> {
  const document = ismPolicyDocument(spec);
  const path = `/_plugins/_ism/policies/${encodeURIComponent(spec.policyId)}`;
  const current = await request("GET", path);
  let query = "";
  if (current.status === 200) {
    const found = JSON.parse(current.text) as {
      _seq_no?: number;
      _primary_term?: number;
      policy?: { description?: string };
    };
    if (found.policy?.description === document.policy.description) return "unchanged";
    query = `?if_seq_no=${found._seq_no ?? 0}&if_primary_term=${found._primary_term ?? 0}`;
  } else if (current.status !== 404) {
    throw new Error(`GET ${path} answered ${current.status}: ${current.text.slice(0, 300)}`);
  }
  const put = await request("PUT", `${path}${query}`, document);
  if (put.status === 200 || put.status === 201) return query === "" ? "created" : "updated";
  if (put.status === 409) return "concurrent";
  throw new Error(`PUT ${path} answered ${put.status}: ${put.text.slice(0, 300)}`);
}
