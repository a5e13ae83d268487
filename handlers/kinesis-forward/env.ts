/** Variables of the kinesis-forward function beyond the kinesis-consumer ones (set by modules/kinesis-forward). */
export const FORWARD_ENV = {
  targetStreamArn: "TARGET_STREAM_ARN",
  partitionKeyField: "PARTITION_KEY_FIELD",
  maxPutAttempts: "MAX_PUT_ATTEMPTS",
} as const;
