// Environments of the Kinesis log-routing functions: what modules/kinesis-consumer sets for every one of them, and what
// each module (kinesis-forward, -to-s3, -to-opensearch, -to-fluent) adds. Constructs `write` them, handlers `read` them.
import { bool, defineEnv, EnvironmentError, type EnvVar, int, oneOf, required, stringList, text } from "./env";
import { TIME_ZONE_HINT, validTimezone } from "./time-zone";

/** An optional IANA zone (unset or empty: the pipeline's default, UTC). */
function timeZone(name: string): EnvVar<string | undefined> {
  return {
    name,
    read(raw) {
      if (raw === undefined || raw === "") return undefined;
      if (!validTimezone(raw)) throw new EnvironmentError(`environment variable ${name} must be ${TIME_ZONE_HINT}`);
      return raw;
    },
    write: (v) => v,
  };
}

/** What an unreadable time becomes (see `invalidTime` in handlers/shared/kinesis/records/types.ts). */
export const INVALID_TIME_OUTCOMES = ["fail", "deliver"] as const;

/** Set by modules/kinesis-consumer for every Kinesis function. */
export const consumerEnv = defineEnv({
  typeKey: text("LOG_TYPE_KEY"),
  idKey: text("LOG_ID_KEY"),
  timeKey: text("LOG_TIME_KEY"),
  /** IANA zone of times without one. */
  timeZone: timeZone("LOG_TIMEZONE"),
  /** JSON array of types; `[]` (or unset) forwards all types. */
  whitelist: stringList("LOG_TYPE_WHITELIST"),
  unknownTypePrefix: text("LOG_TYPE_UNKNOWN_PREFIX", "unknown"),
  failedRecordsBucket: required("FAILED_RECORDS_BUCKET"),
  failedRecordsPrefix: text("FAILED_RECORDS_PREFIX", "failed", { keepEmpty: true }),
  failedRecordsKmsKeyId: text("FAILED_RECORDS_KMS_KEY_ID"),
  /**
   * `fail` or `deliver`: what a record whose time key holds an unreadable value becomes. Unset: the module's default
   * (`fail` for kinesis-to-s3, kinesis-to-opensearch and kinesis-to-fluent).
   */
  invalidTime: oneOf("LOG_INVALID_TIME", INVALID_TIME_OUTCOMES),
  /** Set by Lambda itself: the function's memory in MB; sizes the batch memory budgets (`budgetForMemory`). */
  memorySize: text("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"),
});

/** kinesis-forward (set by modules/kinesis-forward). */
export const forwardEnv = defineEnv({
  targetStreamArn: required("TARGET_STREAM_ARN"),
  /** Unset: the record's id key. */
  partitionKeyField: text("PARTITION_KEY_FIELD"),
  maxPutAttempts: int("MAX_PUT_ATTEMPTS", 5, 1, 20),
});

/** kinesis-to-s3 (set by modules/kinesis-to-s3). */
export const toS3Env = defineEnv({
  bucket: required("S3_BUCKET"),
  prefix: text("S3_PREFIX", "", { keepEmpty: true }),
  /** CMK for SSE-KMS; SSE-S3 (AES256) when unset. */
  kmsKeyArn: text("S3_KMS_KEY_ARN"),
  /** Objects written at once. */
  maxConcurrentPuts: int("S3_MAX_CONCURRENT_PUTS", 8, 1, 64),
});

/** kinesis-to-opensearch (set by modules/kinesis-to-opensearch). */
export const toOpenSearchEnv = defineEnv({
  /** `https://<domain or collection endpoint>`. */
  endpoint: required("OPENSEARCH_ENDPOINT"),
  /** SigV4 signing name: `es` (managed domain) or `aoss` (serverless collection). */
  service: oneOf("OPENSEARCH_SERVICE", ["es", "aoss"], "es"),
  indexPrefix: text("OPENSEARCH_INDEX_PREFIX", "logs", { keepEmpty: true }),
  /** false for OpenSearch Serverless time-series collections, which refuse `_id`. */
  documentIds: bool("OPENSEARCH_DOCUMENT_IDS", true),
  maxBulkDocs: int("OPENSEARCH_MAX_BULK_DOCS", 500, 1, 10_000),
  maxBulkBytes: int("OPENSEARCH_MAX_BULK_BYTES", 5 * 1024 * 1024, 1024, 100 * 1024 * 1024),
  maxAttempts: int("OPENSEARCH_MAX_ATTEMPTS", 5, 1, 20),
  /** ISM policy id; unset = no index lifecycle policy installed by the function. */
  ismPolicyId: text("OPENSEARCH_ISM_POLICY_ID"),
  /** Read only with a policy id. */
  ismDeleteAfterDays: int("OPENSEARCH_ISM_DELETE_AFTER_DAYS", 30, 1, 36500),
});

/** kinesis-to-fluent (set by modules/kinesis-to-fluent). */
export const toFluentEnv = defineEnv({
  host: required("FLUENT_HOST"),
  port: int("FLUENT_PORT", 24224, 1, 65535),
  /** Second part of the tag `<log_type>.<tag>`. */
  tag: text("FLUENT_TAG", "kinesis", { keepEmpty: true }),
  tls: bool("FLUENT_TLS", false),
  wrapAsMessage: bool("FLUENT_WRAP_AS_MESSAGE", false),
  compress: bool("FLUENT_COMPRESS", false),
  requireAck: bool("FLUENT_REQUIRE_ACK", true),
  ackTimeoutMs: int("FLUENT_ACK_TIMEOUT_MS", 30_000, 100, 900_000),
  connectTimeoutMs: int("FLUENT_CONNECT_TIMEOUT_MS", 5_000, 100, 120_000),
  maxAttempts: int("FLUENT_MAX_ATTEMPTS", 2, 1, 10),
  /** Server name checked against the certificate, when it differs from the host. */
  tlsServerName: text("FLUENT_TLS_SERVER_NAME"),
  /** NAME of the SSM SecureString holding the shared key (never the key itself). */
  sharedKeyParameter: text("FLUENT_SHARED_KEY_PARAMETER"),
  /** Client hostname in the handshake; unset: the function name. */
  selfHostname: text("FLUENT_SELF_HOSTNAME"),
});

/** Set by Lambda for every function. */
export const lambdaRuntimeEnv = defineEnv({
  region: required("AWS_REGION"),
  functionName: text("AWS_LAMBDA_FUNCTION_NAME"),
});
