// kinesis-forward Lambda: router stream → target stream for a whitelist of log types (empty whitelist = all types).
import { KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { Logger } from "@smithy/types";
import type { KinesisStreamEvent } from "aws-lambda";
import { loadEnv } from "../../contracts/env";
import { forwardEnv } from "../../contracts/kinesis";
import { createS3PutObject } from "../shared/aws/s3-put-object";
import { readConsumerEnv } from "../shared/kinesis/batch";
import { createFailedRecordsWriter } from "../shared/kinesis/failed-records";
import { createPipeline } from "../shared/kinesis/records/pipeline";
import { resolveOptions } from "../shared/kinesis/records/schema";
import { logger, metrics, withObservability } from "../shared/observability";
import { createForwardSink, forwardBatch, MAX_RECORDS_PER_REQUEST } from "./core";
import { putRecordsBodyPlugin } from "./put-records-body";
import { putRecordsResponsePlugin } from "./put-records-response";

// HTTP/1.1 handler: fine for PutRecords, and the only one Kinesis emulators speak.
// Timeouts bound a hung connection well inside the function timeout; the SDK retries, then our backoff does.
// The SDK's default logger discards everything, but because it has an `info` method the SDK's logger middleware still
// builds a schema-filtered copy of every PutRecords input and output for it (about 2.5 MB of garbage per 5 MB batch).
// The same silent logger without `info` skips that work.
const silentSdkLogger = { trace() {}, debug() {}, warn() {}, error() {} } as unknown as Logger;
// cacheMiddleware: the client resolves its middleware stack once, not on every send (about 0.4-1 ms of CPU per
// PutRecords call here, ten calls per 5 MB batch). The SDK's documented condition holds: the stack is complete before
// the first send and never changes afterwards.
const kinesis = new KinesisClient({
  requestHandler: new NodeHttpHandler({ connectionTimeout: 3_000, requestTimeout: 10_000 }),
  logger: silentSdkLogger,
  cacheMiddleware: true,
});
// PutRecords bodies written in one pass instead of by the SDK's generic schema serializer (the largest CPU cost of this
// function); same bytes, and the client keeps credentials, endpoints, retries and signing. See put-records-body.ts.
kinesis.middlewareStack.use(putRecordsBodyPlugin());
// PutRecords answers read with one JSON.parse instead of the SDK's schema walk over 500 result entries; anything but a
// 200 of the expected shape is still the SDK's to read (errors, retries). See put-records-response.ts.
kinesis.middlewareStack.use(putRecordsResponsePlugin());

// Built once; a bad environment is reported on every call (contracts/env.ts).
const setup = loadEnv(() => {
  const consumer = readConsumerEnv(process.env);
  const env = forwardEnv.read(process.env);
  const idKey = resolveOptions(consumer.pipeline).idKey;
  const partitionKeyField = env.partitionKeyField || idKey;
  // The parsed record is kept only when the partition key is another field than the id (see ForwardOptions.idKey).
  // One PutRecords request's events decoded at a time (sliceEvents): only they are alive while it is built and sent.
  const pipeline = createPipeline({
    ...consumer.pipeline,
    keepRecord: partitionKeyField !== idKey,
    sliceEvents: MAX_RECORDS_PER_REQUEST,
  });
  const sink = createForwardSink(
    {
      streamArn: env.targetStreamArn,
      partitionKeyField,
      idKey,
      maxAttempts: env.maxPutAttempts,
    },
    { putRecords: (request) => kinesis.send(new PutRecordsCommand(request)) },
  );
  const writeFailedRecords = createFailedRecordsWriter({
    ...consumer.failedRecords,
    // Failed records are rare: a signed PUT, not @aws-sdk/client-s3 (see s3-put-object.ts for the bundle-size reason).
    putObject: createS3PutObject({ credentials: kinesis.config.credentials, region: kinesis.config.region }),
  });
  return { pipeline, sink, writeFailedRecords };
});

export const handler = withObservability((event: KinesisStreamEvent) =>
  forwardBatch(event, { ...setup(), logger, metrics }),
);
