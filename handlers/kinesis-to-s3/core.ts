/**
 * kinesis-to-s3 core: delivered log events → gzip JSON-lines objects (one per type and per day of each record's own
 * time, see `groupForS3`) written with PutObject.
 *
 * - Keys and bytes are deterministic, so a redelivered batch overwrites its own objects instead of duplicating them.
 * - A failed PutObject (after the S3 client's own retries) makes the records of that object `retryable`: the event
 *   source mapping retries from the earliest of them. S3 refuses no individual record, so nothing is `rejected` here;
 *   a bucket or permission problem is retried until the mapping's bounded retries send the batch to its on-failure
 *   destination.
 */
import type { PutObjectCommandInput } from "@aws-sdk/client-s3";
import type { KinesisStreamBatchResponse } from "aws-lambda";
import { type KinesisBatchDeps, processKinesisBatch, type Sink } from "../shared/kinesis-batch";
import type { DeliveredOutcome, KinesisEventLike, PipelineOptions } from "../shared/records/types";
import { groupForS3, putObjectInput, type S3Encryption, type S3GroupingOptions } from "../shared/sinks/s3-objects";

/**
 * The pipeline options of kinesis-to-s3: the consumer's, with the rule every module shares for records without a type.
 * A record whose type key is absent, `null` or `""` (which includes an object that looks like a CloudWatch Logs
 * envelope but has no `logEvents`) fails as `missing_type` and goes to failed records with its bytes, whatever the
 * whitelist; it is never filtered and never stored under an `unknown_type` directory. kinesis-forward,
 * -to-opensearch and -to-fluent fail it the same way (the pipeline's default).
 */
export function toS3PipelineOptions(consumer: PipelineOptions): PipelineOptions {
  return { ...consumer, requireType: true };
}

/** The one S3 call the core makes (index.ts adapts `S3Client`; tests inject fakes). */
export type PutObjectFn = (input: PutObjectCommandInput) => Promise<unknown>;

export interface ToS3Options extends S3GroupingOptions {
  readonly bucket: string;
  /** @default SSE-S3 */
  readonly encryption?: S3Encryption;
  /** Objects written at once. @default 8 */
  readonly maxConcurrentPuts?: number;
}

const errorText = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/** The S3 sink: groups, writes every object (bounded concurrency), and returns the records of objects not written. */
export function createS3Sink(options: ToS3Options, putObject: PutObjectFn): Sink {
  const concurrency = options.maxConcurrentPuts ?? 8;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError("maxConcurrentPuts must be >= 1");
  return async (delivered) => {
    const objects = groupForS3(delivered, options);
    const retryable: DeliveredOutcome[] = [];
    let retryDetail: string | undefined;
    let next = 0;
    const worker = async () => {
      while (next < objects.length) {
        const object = objects[next++]!;
        try {
          await putObject(putObjectInput(object, { bucket: options.bucket, encryption: options.encryption }));
        } catch (error) {
          retryable.push(...object.outcomes);
          retryDetail = `PutObject ${object.key}: ${errorText(error)}`;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, objects.length) }, worker));
    return retryable.length > 0 ? { retryable, retryDetail } : {};
  };
}

/** The whole batch: pipeline → S3 sink → failed records → partial batch response. */
export async function toS3Batch(event: KinesisEventLike, deps: KinesisBatchDeps): Promise<KinesisStreamBatchResponse> {
  const { batchItemFailures } = await processKinesisBatch(event, deps);
  return { batchItemFailures };
}
