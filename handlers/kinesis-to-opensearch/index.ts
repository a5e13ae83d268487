// kinesis-to-opensearch Lambda: log events → daily indices <prefix>-<log_type>-<YYYYMMDD> via SigV4-signed _bulk.
import type { KinesisStreamEvent } from "aws-lambda";
import { requireEnv } from "../shared/env";
import { createFailedRecordsWriter } from "../shared/failed-records";
import { readConsumerEnv } from "../shared/kinesis-batch";
import { logger, metrics, withObservability } from "../shared/observability";
import { createPipeline } from "../shared/records/pipeline";
import { createS3PutObject } from "../shared/s3-put-object";
import { createBulkSender, sanitizeIndexSegment } from "../shared/sinks/opensearch-bulk";
import { createOpenSearchSink, onceUntilSuccess, openSearchPipelineOptions, toOpenSearchBatch } from "./core";
import { TO_OPENSEARCH_ENV as E } from "./env";
import { createSignedRequester, ensureIsmPolicy } from "./ism";

const env = process.env;
const consumer = readConsumerEnv(env);
const endpoint = requireEnv(env, E.endpoint);
const service = env[E.service] || "es";
if (service !== "es" && service !== "aoss") throw new Error(`environment variable ${E.service} must be "es" or "aoss"`);
const region = requireEnv(env, "AWS_REGION");

function intVar(name: string, fallback: number, min: number, max: number): number {
  const value = Number(env[name] || fallback);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`environment variable ${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}
const maxDocs = intVar(E.maxBulkDocs, 500, 1, 10_000);
const maxBytes = intVar(E.maxBulkBytes, 5 * 1024 * 1024, 1024, 100 * 1024 * 1024);
const maxAttempts = intVar(E.maxAttempts, 5, 1, 20);
const ismPolicyId = env[E.ismPolicyId] || undefined;
const ismDeleteAfterDays = ismPolicyId ? intVar(E.ismDeleteAfterDays, 30, 1, 36500) : 0;
const indexPrefix = env[E.indexPrefix] ?? "logs";
// An empty prefix would make the lifecycle pattern `*`: every index of the domain, system ones included.
if (ismPolicyId && sanitizeIndexSegment(indexPrefix) === "") {
  throw new Error(`environment variable ${E.indexPrefix} must be set when ${E.ismPolicyId} is`);
}

// Lambda puts the role's credentials in the environment; reading them per call follows their rotation without
// bundling the SDK's credential chain (the only SDK-shaped dependency here is the signer).
const credentials = async () => ({
  accessKeyId: requireEnv(process.env, "AWS_ACCESS_KEY_ID"),
  secretAccessKey: requireEnv(process.env, "AWS_SECRET_ACCESS_KEY"),
  sessionToken: process.env.AWS_SESSION_TOKEN || undefined,
});

const pipeline = createPipeline(openSearchPipelineOptions(consumer.pipeline));
const sink = createOpenSearchSink(
  {
    indexPrefix,
    timeZone: pipeline.options.timeZone,
    unknownType: consumer.unknownTypePrefix,
    maxDocs,
    maxBytes,
    documentIds: env[E.documentIds] !== "false",
  },
  createBulkSender({ endpoint, region, service, credentials, maxAttempts }),
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
          deleteAfterDays: ismDeleteAfterDays,
        });
        logger.info("index lifecycle policy", { policyId: ismPolicyId, result });
      },
      logger,
      metrics,
    )
  : undefined;

export const handler = withObservability((event: KinesisStreamEvent) =>
  toOpenSearchBatch(event, { pipeline, sink, writeFailedRecords, logger, metrics, ensureLifecycle }),
);
