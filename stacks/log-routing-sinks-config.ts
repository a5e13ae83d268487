// Configuration of the log-routing sinks: kinesis-to-s3, kinesis-to-opensearch and kinesis-to-fluent consumers, each
// reading the router stream or one forwarder's output stream. Module variables are validated by the constructs
// (their errors are re-based onto `logRouting.sinks.<kind>[i]` by addSinks); names, sources and closed sets here.

import { ConfigError, oneOf, requireString, stringList } from "../modules/common/validate";
import type { VpcPlacement } from "../modules/common/vpc";
import type { ExistingOpenSearch, OpenSearchDomainProps } from "../modules/kinesis-to-opensearch";
import type { ConsumerTuning } from "./log-routing-config";

export interface SinkCommonConfig extends ConsumerTuning {
  /** Short name, unique across all sinks: the function is `<name>-to-<kind>-<sink>`. */
  name: string;
  /** Stream to read: `"router"` or the name of a forwarder (its output stream). @default "router" */
  source?: string;
  /** Log types to deliver; empty delivers all types. @default [] */
  whitelist?: string[];
  /** Concurrent batches per shard, 1 to 10. @default 1 */
  parallelizationFactor?: number;
  /** @default true */
  bisectBatchOnFunctionError?: boolean;
  /** @default {} */
  tags?: Record<string, string>;
}

export interface S3SinkConfig extends SinkCommonConfig {
  /** Destination bucket. @default "<app name>-logs-<region>" (created) */
  bucketName?: string;
  /** Create the bucket (SSE, public access blocked, TLS only). @default true */
  createBucket?: boolean;
  /** @default "logs" */
  prefix?: string;
  /** SSE-KMS with this CMK. @default SSE-S3 */
  kmsKeyArn?: string;
  /** Created bucket only; 0 keeps objects. @default 0 */
  expirationDays?: number;
  /** Created bucket only. @default false */
  forceDestroy?: boolean;
  /** Created bucket only: keep every version of every object. @default true */
  versioning?: boolean;
  /** @default 8 */
  maxConcurrentPuts?: number;
}

export interface OpenSearchSinkConfig extends SinkCommonConfig {
  /** Create a domain (exactly one of domain and existing). */
  domain?: OpenSearchDomainProps;
  /** Use an existing domain (`es`) or Serverless collection (`aoss`). */
  existing?: ExistingOpenSearch;
  /** Indices `<indexPrefix>-<log_type>-<YYYYMMDD>`; ISM covers exactly `<indexPrefix>-*`. @default "<name>-to-os-<sink>-logs" */
  indexPrefix?: string;
  /** @default 30 */
  indexRetentionDays?: number;
  /** @default true */
  documentIds?: boolean;
  /** @default 500 */
  maxBulkDocs?: number;
  /** @default 5242880 */
  maxBulkBytes?: number;
  /** @default 5 */
  maxAttempts?: number;
  /** The function's VPC placement. @default the created domain's, else none */
  vpc?: VpcPlacement;
}

export interface FluentSinkConfig extends SinkCommonConfig {
  host: string;
  /** @default 24224 */
  port?: number;
  /** @default "kinesis" */
  tag?: string;
  /** @default true */
  tls?: boolean;
  /** Explicit opt-in to plaintext TCP; refused with a shared key. @default false */
  plaintext?: boolean;
  tlsServerName?: string;
  /** NAME of the SSM SecureString holding the shared key; the key itself is never configuration. */
  sharedKeyParameterName?: string;
  sharedKeyKmsKeyArn?: string;
  selfHostname?: string;
  /** @default false */
  wrapAsMessage?: boolean;
  /** @default false */
  compress?: boolean;
  /** @default true */
  requireAck?: boolean;
  /** @default 30 */
  ackTimeoutSeconds?: number;
  /** @default 5 */
  connectTimeoutSeconds?: number;
  /** @default 2 */
  maxAttempts?: number;
  /** The aggregator's VPC. @default none */
  vpc?: VpcPlacement;
}

export interface SinksConfig {
  s3?: S3SinkConfig[];
  opensearch?: OpenSearchSinkConfig[];
  fluent?: FluentSinkConfig[];
}

type Resolved<T extends SinkCommonConfig> = T & { source: string; whitelist: string[] };

export interface ResolvedSinksConfig {
  s3: Resolved<S3SinkConfig>[];
  opensearch: Resolved<OpenSearchSinkConfig>[];
  fluent: Resolved<FluentSinkConfig>[];
}

export const SINK_KINDS = ["s3", "opensearch", "fluent"] as const;
export type SinkKind = (typeof SINK_KINDS)[number];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Validates `logRouting.sinks`: every sink an object with a unique name (across kinds) and a source that is
 * `"router"` or a configured forwarder; closed sets of the consumer tuning. Returns lists (empty when unset).
 */
export function validateSinksConfig(
  field: string,
  raw: SinksConfig | undefined,
  forwarderNames: readonly string[],
): ResolvedSinksConfig {
  const resolved: ResolvedSinksConfig = { s3: [], opensearch: [], fluent: [] };
  if (raw === undefined) return resolved;
  if (!isObject(raw)) throw new ConfigError(field, "must be an object with s3, opensearch and/or fluent lists");
  for (const key of Object.keys(raw)) {
    if (!(SINK_KINDS as readonly string[]).includes(key)) {
      throw new ConfigError(`${field}.${key}`, `is not a sink kind; use one of ${SINK_KINDS.join(", ")}`);
    }
  }
  const names = new Set<string>();
  const sources = ["router", ...forwarderNames];
  for (const kind of SINK_KINDS) {
    const list = raw[kind];
    if (list === undefined) continue;
    if (!Array.isArray(list)) throw new ConfigError(`${field}.${kind}`, "must be a list");
    list.forEach((sink: SinkCommonConfig, i: number) => {
      const sf = `${field}.${kind}[${i}]`;
      if (!isObject(sink)) throw new ConfigError(sf, "must be an object with a name");
      const name = requireString(`${sf}.name`, sink.name, {
        pattern: /^[a-z][a-z0-9-]{0,19}$/,
        hint: "lower-case letters, digits and '-', 1 to 20, starting with a letter",
      });
      if (names.has(name)) throw new ConfigError(`${sf}.name`, `${JSON.stringify(name)} is used by another sink`);
      names.add(name);
      const source = oneOf(`${sf}.source`, sink.source ?? "router", sources);
      if (sink.startingPosition !== undefined) {
        oneOf(`${sf}.startingPosition`, sink.startingPosition, ["TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"] as const);
      }
      if (sink.tracingMode !== undefined)
        oneOf(`${sf}.tracingMode`, sink.tracingMode, ["Active", "PassThrough"] as const);
      const whitelist = stringList(`${sf}.whitelist`, sink.whitelist ?? []);
      (resolved[kind] as Resolved<SinkCommonConfig>[]).push({ ...sink, name, source, whitelist });
    });
  }
  return resolved;
}
