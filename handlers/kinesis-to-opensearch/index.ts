// kinesis-to-opensearch Lambda: log events → daily indices <prefix>-<log_type>-<YYYYMMDD> via SigV4-signed _bulk.
import type { KinesisStreamEvent } from "aws-lambda";
import { EnvironmentError, loadEnv } from "../../contracts/env";
import { lambdaRuntimeEnv, toOpenSearchEnv } from "../../contracts/kinesis";
import { createS3PutObject } from "../shared/aws/s3-put-object";
import { environmentCredentials } from "../shared/aws/signed-request";
import { readConsumerEnv } from "../shared/kinesis/batch";
import { createFailedRecordsWriter } from "../shared/kinesis/failed-records";
import { createPipeline } from "../shared/kinesis/records/pipeline";
import { logger, metrics, withObservability } from "../shared/observability";
import { createOpenSearchSink, onceUntilSuccess, openSearchPipelineOptions, toOpenSearchBatch } from "./core";
import { createSignedRequester, ensureIsmPolicy } from "./ism";
import { createBulkSender, sanitizeIndexSegment } from "./opensearch-bulk";

// Built once; a bad environment is reported on every call (contracts/env.ts).
const setup = loadEnv(() => {
  const consumer = readConsumerEnv(process.env);
  const { region } = lambdaRuntimeEnv.read(process.env);
  const env = toOpenSearchEnv.read(process.env);
  const { endpoint, service, indexPrefix, ismPolicyId } = env;
  const n = toOpenSearchEnv.names;
  // An empty prefix would make the lifecycle pattern `*`: every index of the domain, system ones included.
  if (ismPolicyId && sanitizeIndexSegment(indexPrefix) === "") {
    throw new EnvironmentError(`environment variable ${n.indexPrefix} must be set when ${n.ismPolicyId} is`);
  }

  // Lambda puts the role's credentials in the environment; reading them per call follows their rotation without
  // bundling the SDK's credential chain (the only SDK-shaped dependency here is the signer).
  const credentials = environmentCredentials;

  // One bulk request's documents decoded at a time (sliceEvents): only they are alive while it is built and sent.
  const pipeline = createPipeline({ ...openSearchPipelineOptions(consumer.pipeline), sliceEvents: env.maxBulkDocs });
  const sink = createOpenSearchSink(
    {
      indexPrefix,
      timeZone: pipeline.options.timeZone,
      unknownType: consumer.unknownTypePrefix,
      maxDocs: env.maxBulkDocs,
      maxBytes: env.maxBulkBytes,
      documentIds: env.documentIds,
    },
    createBulkSender({ endpoint, region, service, credentials, maxAttempts: env.maxAttempts }),
  );
  const writeFailedRecords = createFailedRecordsWriter({
    ...consumer.failedRecords,
    putObject: createS3PutObject({ credentials, region }),
  });
  const ensureLifecycle = ismPolicyId
    ? onceUntilSuccess(
        async () => {
          const request = createSignedRequester({ endpoint, region, service, credentials });
          const result = await ensureIsmPolicy(request, {
            policyId: ismPolicyId,
            indexPatterns: [`${sanitizeIndexSegment(indexPrefix)}-*`],
            deleteAfterDays: env.ismDeleteAfterDays,
          });
          logger.info("index lifecycle policy", { policyId: ismPolicyId, result });
        },
        logger,
        metrics,
      )
    : undefined;
  return { pipeline, sink, writeFailedRecords, ensureLifecycle };
});

export const handler = withObservability((event: KinesisStreamEvent) =>
  toOpenSearchBatch(event, { ...setup(), logger, metrics }),
);
