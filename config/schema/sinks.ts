// Configuration of the log-routing sinks: kinesis-to-s3, kinesis-to-opensearch and kinesis-to-fluent consumers, each
// reading the router stream or one forwarder's output stream. Here: the keys (strict, typed), names, sources and the
// closed sets. The modules' own variables keep their ranges and defaults in the construct (one place); the stack
// builds each construct under `logRouting.sinks.<kind>[i]`, so its errors name the configuration path.
import { bool, integer, list, oneOf, str, strict, stringMap, text } from "../../modules/common/schema";
import { STARTING_POSITIONS } from "../../modules/kinesis-consumer";
import { TLS_SECURITY_POLICIES } from "../../modules/kinesis-to-opensearch";

const sinkName = {
  pattern: /^[a-z][a-z0-9-]{0,19}$/,
  hint: "lower-case letters, digits and '-', 1 to 20, starting with a letter",
} as const;

/** Settings of one consumer's function and event source mapping; see KinesisConsumerCommonProps for ranges and defaults. */
export const consumerTuningShape = {
  batchSize: integer().optional(),
  startingPosition: oneOf(STARTING_POSITIONS).optional(),
  parallelizationFactor: integer().optional(),
  maximumBatchingWindowSeconds: integer().optional(),
  maximumRetryAttempts: integer().optional(),
  maximumRecordAgeSeconds: integer().optional(),
  memorySize: integer().optional(),
  timeoutSeconds: integer().optional(),
  logRetentionDays: integer().optional(),
  tracingMode: oneOf(["Active", "PassThrough"]).optional(),
};

const vpcSchema = strict({ subnetIds: list(text()), securityGroupIds: list(text()) });

const sinkCommonShape = {
  ...consumerTuningShape,
  /** Short name, unique across all sinks: the function is `<name>-to-<kind>-<sink>`. */
  name: str(sinkName),
  /** Stream to read: `"router"` or the name of a forwarder (its output stream). */
  source: str().default("router"),
  /** Log types to deliver; empty delivers all types. */
  whitelist: list(str()).default([]),
  /** Split a failing batch in two and retry the halves (KinesisConsumer's default). */
  bisectBatchOnFunctionError: bool().optional(),
  tags: stringMap().optional(),
};

export const s3SinkSchema = strict({
  ...sinkCommonShape,
  /** Destination bucket. @default "<app name>-logs-<region>" (created) */
  bucketName: text().optional(),
  /** Create the bucket (SSE, public access blocked, TLS only). @default true */
  createBucket: bool().optional(),
  prefix: text().optional(),
  kmsKeyArn: text().optional(),
  expirationDays: integer().optional(),
  forceDestroy: bool().optional(),
  versioning: bool().optional(),
  maxConcurrentPuts: integer().optional(),
});

export const openSearchSinkSchema = strict({
  ...sinkCommonShape,
  /** Create a domain (exactly one of domain and existing). */
  domain: strict({
    domainName: text(),
    engineVersion: text().optional(),
    instanceType: text().optional(),
    instanceCount: integer().optional(),
    volumeSizeGiB: integer().optional(),
    kmsKeyArn: text().optional(),
    masterUserArn: text(),
    tlsSecurityPolicy: oneOf(TLS_SECURITY_POLICIES).optional(),
    vpc: vpcSchema.optional(),
    publicEndpoint: bool().optional(),
    logRetentionDays: integer().optional(),
  }).optional(),
  /** Use an existing domain (`es`) or Serverless collection (`aoss`). */
  existing: strict({
    endpoint: text(),
    service: oneOf(["es", "aoss"]).optional(),
    arn: text(),
    collectionName: text().optional(),
  }).optional(),
  /** Indices `<indexPrefix>-<log_type>-<YYYYMMDD>`; ISM covers exactly `<indexPrefix>-*`. @default "<name>-to-os-<sink>-logs" */
  indexPrefix: text().optional(),
  indexRetentionDays: integer().optional(),
  documentIds: bool().optional(),
  maxBulkDocs: integer().optional(),
  maxBulkBytes: integer().optional(),
  maxAttempts: integer().optional(),
  /** The function's VPC placement. @default the created domain's, else none */
  vpc: vpcSchema.optional(),
});

export const fluentSinkSchema = strict({
  ...sinkCommonShape,
  host: text(),
  port: integer().optional(),
  tag: text().optional(),
  tls: bool().optional(),
  /** Explicit opt-in to plaintext TCP; refused with a shared key. */
  plaintext: bool().optional(),
  tlsServerName: text().optional(),
  /** NAME of the SSM SecureString holding the shared key; the key itself is never configuration. */
  sharedKeyParameterName: text().optional(),
  sharedKeyKmsKeyArn: text().optional(),
  selfHostname: text().optional(),
  wrapAsMessage: bool().optional(),
  compress: bool().optional(),
  requireAck: bool().optional(),
  ackTimeoutSeconds: integer().optional(),
  connectTimeoutSeconds: integer().optional(),
  maxAttempts: integer().optional(),
  /** The aggregator's VPC. @default none */
  vpc: vpcSchema.optional(),
});

export const SINK_KINDS = ["s3", "opensearch", "fluent"] as const;
export type SinkKind = (typeof SINK_KINDS)[number];

/** `logRouting.sinks`: lists per kind (empty when unset). Names and sources are checked by the log-routing schema. */
export const sinksSchema = strict({
  s3: list(s3SinkSchema).default([]),
  opensearch: list(openSearchSinkSchema).default([]),
  fluent: list(fluentSinkSchema).default([]),
});
