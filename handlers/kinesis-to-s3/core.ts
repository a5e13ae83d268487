/**
 * kinesis-to-s3 core: delivered log events → gzip JSON-lines objects (one per type and per day of each record's own
 * time, see `groupForS3`) written with a conditional PutObject.
 *
 * - Object names are unique per batch and deterministic for the same records: the documented
 *   `<prefix>/<log_type>/<YYYY-MM>/<DD>/<YYYY-MM-DD-HH:MM:SS>-<log_id>` start, then the shard, the first and last
 *   sequence numbers and a digest of the object's event ids (see `groupForS3` for why that determines the content).
 * - Every PUT carries `If-None-Match: *`, so no object is ever replaced. A 412 PreconditionFailed means an object of
 *   that name exists; since the name determines which events it holds, they are already stored, and the object counts
 *   as delivered (a redelivered batch, or a PUT whose success response was lost and was retried). It is reported
 *   through `onAlreadyStored` (a log line and the `S3ObjectsAlreadyStored` metric in index.ts).
 * - A failed PutObject (after the S3 writer's own retries) makes the records of that object `retryable`: the event
 *   source mapping retries from the earliest of them. S3 refuses no individual record, so nothing is `rejected` here;
 *   a bucket or permission problem is retried until the mapping's bounded retries send the batch to its on-failure
 *   destination.
 */
import type { PutObjectCommandInput } from "@aws-sdk/client-s3";
import type { KinesisStreamBatchResponse } from "aws-lambda";
import { errorText } from "../shared/errors";
import { type KinesisBatchDeps, processKinesisBatch } from "../shared/kinesis/batch";
import type { DeliveredOutcome, KinesisEventLike, PipelineOptions } from "../shared/kinesis/records/types";
import type { SinkResult } from "../shared/kinesis/sink";
import { groupForS3, putObjectInput, type S3BatchInfo, type S3Encryption, type S3GroupingOptions } from "./s3-objects";

/**
 * The pipeline options of kinesis-to-s3: the consumer's, with the rule every module shares for records without a type.
 * A record whose type key is absent, `null` or `""` (which includes an object that looks like a CloudWatch Logs
 * envelope but has no `logEvents`) fails as `missing_type` and goes to failed records with its bytes, whatever the
 * whitelist; it is never filtered and never stored under an `unknown_type` directory. kinesis-forward,
 * -to-opensearch and -to-fluent fail it the same way (the pipeline's default).
 *
 * A record whose time key holds an unreadable value fails as `invalid_time` (counted, with its bytes), as in
 * -to-opensearch and -to-fluent; only the explicit fallback `LOG_INVALID_TIME=deliver` stores it, under the
 * `_no_timestamp` folder, never under its arrival time.
 */
export function toS3PipelineOptions(consumer: PipelineOptions): PipelineOptions {
  // Objects are built from `raw`, `type`, `id` and `time`: the parsed record need not be kept.
  return { ...consumer, requireType: true, invalidTime: consumer.invalidTime ?? "fail", keepRecord: false };
}

/** The one S3 call the core makes (index.ts passes the signed-PUT writer; tests inject fakes). */
export type PutObjectFn = (input: PutObjectCommandInput) => Promise<unknown>;

export interface ToS3Options extends S3GroupingOptions {
  readonly bucket: string;
  /** @default SSE-S3 */
  readonly encryption?: S3Encryption;
  /** Objects written at once. @default 8 */
  readonly maxConcurrentPuts?: number;
  /** Called for each object S3 already held (412 on the conditional write), counted as delivered. */
  readonly onAlreadyStored?: (key: string, records: number) => void;
}

/** The S3 sink: a `Sink` that also takes what the batch knows about its shard. */
export type S3Sink = (delivered: readonly DeliveredOutcome[], batch?: S3BatchInfo) => Promise<SinkResult>;

/** S3's answer to a conditional write whose key exists: from our writer (`code`) or the SDK (`name`, `$metadata`). */
export function isPreconditionFailed(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const e = error as { name?: unknown; code?: unknown; statusCode?: unknown; $metadata?: { httpStatusCode?: unknown } };
  return (
    e.code === "PreconditionFailed" ||
    e.name === "PreconditionFailed" ||
    e.statusCode === 412 ||
    e.$metadata?.httpStatusCode === 412
  );
}

/** The S3 sink: groups, writes every object (bounded concurrency), and returns the records of objects not written. */
export function createS3Sink(options: ToS3Options, putObject: PutObjectFn): S3Sink {
  const concurrency = options.maxConcurrentPuts ?? 8;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError("maxConcurrentPuts must be >= 1");
  return async (delivered, batch) => {
    const objects = groupForS3(delivered, options, batch);
    const retryable: DeliveredOutcome[] = [];
    let retryDetail: string | undefined;
    let next = 0;
    const worker = async () => {
      while (next < objects.length) {
        const object = objects[next++]!;
        try {
          await putObject(putObjectInput(object, { bucket: options.bucket, encryption: options.encryption }));
        } catch (error) {
          if (isPreconditionFailed(error)) {
            options.onAlreadyStored?.(object.key, object.records);
            continue;
          }
          retryable.push(...object.outcomes);
          retryDetail = `PutObject ${object.key}: ${errorText(error)}`;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, objects.length) }, worker));
    return retryable.length > 0 ? { retryable, retryDetail } : {};
  };
}

/**
 * The shard of each outcome's Kinesis record: the part of the Lambda event record's `eventID`
 * (`shardId-000000000000:<sequence number>`) before `:`. A hand-built event without `eventID` gives `shardId-unknown`.
 */
export function shardResolver(event: KinesisEventLike): (outcome: DeliveredOutcome) => string {
  const records = event.Records as readonly { readonly eventID?: unknown }[];
  const cache: (string | undefined)[] = [];
  return (outcome) => {
    const i = outcome.recordIndex;
    let shard = cache[i];
    if (shard === undefined) {
      const id = records[i]?.eventID;
      const colon = typeof id === "string" ? id.indexOf(":") : -1;
      shard = colon > 0 ? (id as string).slice(0, colon) : "shardId-unknown";
      cache[i] = shard;
    }
    return shard;
  };
}

export interface ToS3Deps extends Omit<KinesisBatchDeps, "sink"> {
  readonly sink: S3Sink;
}

/** The whole batch: pipeline → S3 sink (told the batch's shard) → failed records → partial batch response. */
export async function toS3Batch(event: KinesisEventLike, deps: ToS3Deps): Promise<KinesisStreamBatchResponse> {
  const batch: S3BatchInfo = { shardOf: shardResolver(event) };
  const { batchItemFailures } = await processKinesisBatch(event, {
    ...deps,
    sink: (delivered) => deps.sink(delivered, batch),
  });
  return { batchItemFailures };
}
