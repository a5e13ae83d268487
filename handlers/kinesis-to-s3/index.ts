// kinesis-to-s3 Lambda: log events → gzip JSON-lines objects under <prefix>/<log_type>/<YYYY-MM>/<DD>/.
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { KinesisStreamEvent } from "aws-lambda";
import { loadEnv } from "../../contracts/env";
import { lambdaRuntimeEnv, toS3Env } from "../../contracts/kinesis";
import { createS3PutObject } from "../shared/aws/s3-put-object";
import { environmentCredentials } from "../shared/aws/signed-request";
import { readConsumerEnv } from "../shared/kinesis/batch";
import { createFailedRecordsWriter } from "../shared/kinesis/failed-records";
import { createPipeline } from "../shared/kinesis/records/pipeline";
import { logger, metrics, withObservability } from "../shared/observability";
import { createS3Sink, toS3Batch, toS3PipelineOptions } from "./core";

// Built once; a bad environment is reported on every call (contracts/env.ts).
const setup = loadEnv(() => {
  const consumer = readConsumerEnv(process.env);
  const { region } = lambdaRuntimeEnv.read(process.env);
  const env = toS3Env.read(process.env);

  // One signed-PUT writer for the objects and the failed records.
  const putObject = createS3PutObject({ credentials: environmentCredentials, region });

  // Records without a type fail as missing_type, as in every other module (see toS3PipelineOptions).
  const pipeline = createPipeline(toS3PipelineOptions(consumer.pipeline));
  const sink = createS3Sink(
    {
      bucket: env.bucket,
      prefix: env.prefix,
      unknownPrefix: consumer.unknownTypePrefix,
      timeZone: pipeline.options.timeZone,
      encryption: env.kmsKeyArn ? { type: "aws:kms", kmsKeyId: env.kmsKeyArn } : { type: "AES256" },
      maxConcurrentPuts: env.maxConcurrentPuts,
      // The conditional write met an object of the same name: these events are already stored (see core.ts).
      onAlreadyStored: (key, records) => {
        logger.info("S3 object already stored", { key, records });
        metrics.addMetric("S3ObjectsAlreadyStored", MetricUnit.Count, 1);
      },
    },
    putObject,
  );
  const writeFailedRecords = createFailedRecordsWriter({ ...consumer.failedRecords, putObject });
  return { pipeline, sink, writeFailedRecords };
});

export const handler = withObservability((event: KinesisStreamEvent) =>
  toS3Batch(event, { ...setup(), logger, metrics }),
);
