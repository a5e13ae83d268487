/** Variables of the kinesis-to-opensearch function beyond the kinesis-consumer ones (set by modules/kinesis-to-opensearch). */
export const TO_OPENSEARCH_ENV = {
  /** `https://<domain or collection endpoint>`. */
  endpoint: "OPENSEARCH_ENDPOINT",
  /** SigV4 signing name: `es` (managed domain) or `aoss` (serverless collection). */
  service: "OPENSEARCH_SERVICE",
  indexPrefix: "OPENSEARCH_INDEX_PREFIX",
  maxBulkDocs: "OPENSEARCH_MAX_BULK_DOCS",
  maxBulkBytes: "OPENSEARCH_MAX_BULK_BYTES",
  /** "false" for OpenSearch Serverless time-series collections, which refuse `_id`. */
  documentIds: "OPENSEARCH_DOCUMENT_IDS",
  maxAttempts: "OPENSEARCH_MAX_ATTEMPTS",
  /** ISM policy id; unset = no index lifecycle policy installed by the function. */
  ismPolicyId: "OPENSEARCH_ISM_POLICY_ID",
  ismDeleteAfterDays: "OPENSEARCH_ISM_DELETE_AFTER_DAYS",
} as const;
