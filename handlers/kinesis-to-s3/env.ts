/** Variables of the kinesis-to-s3 function beyond the kinesis-consumer ones (set by modules/kinesis-to-s3). */
export const TO_S3_ENV = {
  bucket: "S3_BUCKET",
  prefix: "S3_PREFIX",
  /** CMK for SSE-KMS; SSE-S3 (AES256) when unset. */
  kmsKeyArn: "S3_KMS_KEY_ARN",
  /** Objects written at once, 1 to 64. */
  maxConcurrentPuts: "S3_MAX_CONCURRENT_PUTS",
} as const;
