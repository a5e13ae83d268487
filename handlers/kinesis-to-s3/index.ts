// kinesis-to-s3 Lambda: log events → gzip JSON-lines objects under <prefix>/<log_type>/<YYYY-MM>/<DD>/.
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { KinesisStreamEvent } from "aws-lambda";
import { requireEnv } from "../shared/env";
import { createFailedRecordsWriter } from "../shared/failed-records";
import { readConsumerEnv } from "../shared/kinesis-batch";
import { logger, metrics, withObservability } from "../shared/observability";
import { createPipeline } from "../shared/records/pipeline";
import { createS3PutObject } from "../shared/s3-put-object";
import { environmentCredentials } from "../shared/sinks/sigv4";
import { createS3Sink, toS3Batch, toS3PipelineOptions } from "./core";
import { TO_S3_ENV } from "./env";

const consumer = readConsumerEnv(process.env);
const region = requireEnv(process.env, "AWS_REGION");
const bucket = requireEnv(process.env, TO_S3_ENV.bucket);
const kmsKeyArn = process.env[TO_S3_ENV.kmsKeyArn] || undefined;
const maxConcurrentPuts = Number(process.env[TO_S3_ENV.maxConcurrentPuts] || 8);
if (!Number.isInteger(maxConcurrentPuts) || maxConcurrentPuts < 1 || maxConcurrentPuts > 64) {
  throw new Error(`environment variable ${TO_S3_ENV.maxConcurrentPuts} must be an integer from 1 to 64`);
}

// One signed-PUT writer for the objects and the failed records.
const putObject = createS3PutObject({ credentials: environmentCredentials, region });

// Records without a type fail as missing_type, as in every other module (see toS3PipelineOptions).
const pipeline = createPipeline(toS3PipelineOptions(consumer.pipeline));
const sink = createS3Sink(
  {
    bucket,
    prefix: process.env[TO_S3_ENV.prefix] ?? "",
    unknownPrefix: consumer.unknownTypePrefix,
    timeZone: pipeline.options.timeZone,
    encryption: kmsKeyArn ? { type: "aws:kms", kmsKeyId: kmsKeyArn } : { type: "AES256" },
    maxConcurrentPuts,
    // The conditional write met an object of the same name: these events are already stored (see core.ts).
    onAlreadyStored: (key, records) => {
      logger.info("S3 object already stored", { key, records });
      metrics.addMetric("S3ObjectsAlreadyStored", MetricUnit.Count, 1);
    },
  },
  putObject,
);
const writeFailedRecords = createFailedRecordsWriter({ ...consumer.failedRecords, putObject });

export const handler = withObservability((event: KinesisStreamEvent) =>
  toS3Batch(event, { pipeline, sink, writeFailedRecords, logger, metrics }),
);
