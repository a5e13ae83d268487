// kinesis-to-fluent Lambda: log events → a Fluentd / Fluent Bit forward input (tag <log_type>.<tag>, acks, TLS).
import type { KinesisStreamEvent } from "aws-lambda";
import { loadEnv } from "../../contracts/env";
import { lambdaRuntimeEnv, toFluentEnv } from "../../contracts/kinesis";
import { createS3PutObject } from "../shared/aws/s3-put-object";
import { environmentCredentials } from "../shared/aws/signed-request";
import { readConsumerEnv } from "../shared/kinesis/batch";
import { createFailedRecordsWriter } from "../shared/kinesis/failed-records";
import { createPipeline } from "../shared/kinesis/records/pipeline";
import { logger, metrics, withObservability } from "../shared/observability";
import { fluentPipelineOptions, lazySink, toFluentBatch } from "./core";
import { createSecureStringReader } from "./ssm-parameter";

// Built once; a bad environment is reported on every call (contracts/env.ts).
const setup = loadEnv(() => {
  const consumer = readConsumerEnv(process.env);
  const { region, functionName } = lambdaRuntimeEnv.read(process.env);
  const env = toFluentEnv.read(process.env);
  const pipeline = createPipeline(fluentPipelineOptions(consumer.pipeline));
  const sink = lazySink(
    {
      host: env.host,
      port: env.port,
      tag: env.tag,
      unknownType: consumer.unknownTypePrefix,
      tls: env.tls ? (env.tlsServerName ? { servername: env.tlsServerName } : true) : false,
      selfHostname: env.selfHostname || functionName || undefined,
      wrapAsMessage: env.wrapAsMessage,
      compress: env.compress,
      requireAck: env.requireAck,
      ackTimeoutMs: env.ackTimeoutMs,
      connectTimeoutMs: env.connectTimeoutMs,
      maxAttempts: env.maxAttempts,
    },
    env.sharedKeyParameter,
    createSecureStringReader({ region }),
  );
  const writeFailedRecords = createFailedRecordsWriter({
    ...consumer.failedRecords,
    putObject: createS3PutObject({ credentials: environmentCredentials, region }),
  });
  return { pipeline, sink, writeFailedRecords };
});

export const handler = withObservability((event: KinesisStreamEvent) =>
  toFluentBatch(event, { ...setup(), logger, metrics }),
);
