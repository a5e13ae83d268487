// kinesis-to-fluent Lambda: log events → a Fluentd / Fluent Bit forward input (tag <log_type>.<tag>, acks, TLS).
import type { KinesisStreamEvent } from "aws-lambda";
import { requireEnv } from "../shared/env";
import { createFailedRecordsWriter } from "../shared/failed-records";
import { readConsumerEnv } from "../shared/kinesis-batch";
import { logger, metrics, withObservability } from "../shared/observability";
import { createPipeline } from "../shared/records/pipeline";
import { createS3PutObject } from "../shared/s3-put-object";
import { environmentCredentials } from "../shared/sinks/sigv4";
import { fluentPipelineOptions, lazySink, toFluentBatch } from "./core";
import { TO_FLUENT_ENV as E } from "./env";
import { createSecureStringReader } from "./ssm-parameter";

const env = process.env;
const consumer = readConsumerEnv(env);

function intVar(name: string, fallback: number, min: number, max: number): number {
  const value = Number(env[name] || fallback);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`environment variable ${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}
function boolVar(name: string, fallback: boolean): boolean {
  const value = env[name];
  if (value === undefined || value === "") return fallback;
  if (value !== "true" && value !== "false") throw new Error(`environment variable ${name} must be "true" or "false"`);
  return value === "true";
}

const host = requireEnv(env, E.host);
const tls = boolVar(E.tls, false);
const tlsServerName = env[E.tlsServerName] || undefined;
const sharedKeyParameter = env[E.sharedKeyParameter] || undefined;

const region = requireEnv(env, "AWS_REGION");
const pipeline = createPipeline(fluentPipelineOptions(consumer.pipeline));
const sink = lazySink(
  {
    host,
    port: intVar(E.port, 24224, 1, 65535),
    tag: env[E.tag] ?? "kinesis",
    unknownType: consumer.unknownTypePrefix,
    tls: tls ? (tlsServerName ? { servername: tlsServerName } : true) : false,
    selfHostname: env[E.selfHostname] || env.AWS_LAMBDA_FUNCTION_NAME || undefined,
    wrapAsMessage: boolVar(E.wrapAsMessage, false),
    compress: boolVar(E.compress, false),
    requireAck: boolVar(E.requireAck, true),
    ackTimeoutMs: intVar(E.ackTimeoutMs, 30_000, 100, 900_000),
    connectTimeoutMs: intVar(E.connectTimeoutMs, 5_000, 100, 120_000),
    maxAttempts: intVar(E.maxAttempts, 2, 1, 10),
  },
  sharedKeyParameter,
  createSecureStringReader({ region }),
);
const writeFailedRecords = createFailedRecordsWriter({
  ...consumer.failedRecords,
  putObject: createS3PutObject({ credentials: environmentCredentials, region }),
});

export const handler = withObservability((event: KinesisStreamEvent) =>
  toFluentBatch(event, { pipeline, sink, writeFailedRecords, logger, metrics }),
);
