/**
 * kinesis-to-opensearch core: delivered log events → daily indices `<prefix>-<log_type>-<YYYYMMDD>` through `_bulk`
 * (see opensearch-bulk.ts for bodies, ids, signing and retries).
 *
 * The sink maps the bulk results onto the batch contract: item rejections (mapping errors, …) and oversized documents
 * are `rejected` (→ failed records, with the error), what still fails transiently after the bounded retries is
 * `retryable` (→ batch item failures). Before the first batch of a container, the index lifecycle policy is ensured
 * once (see ism.ts); a failure there is logged and retried on the next batch, never blocks delivery.
 *
 * Time: a record's own time picks its daily index; a record without a time key goes under its Kinesis arrival day. A
 * record whose time key holds a value that cannot be read is never filed silently under its arrival day: by default it
 * is an `invalid_time` failed record (counted in `EventsFailed_invalid_time`); with the explicit fallback
 * (`LOG_INVALID_TIME=deliver`) it is indexed under its arrival day with an `_invalid_time` member naming the problem.
 */
import type { KinesisStreamBatchResponse } from "aws-lambda";
import { errorText } from "../shared/errors";
import {
  type BatchLogger,
  type BatchMetrics,
  type KinesisBatchDeps,
  processKinesisBatch,
} from "../shared/kinesis/batch";
import type { KinesisEventLike, PipelineOptions } from "../shared/kinesis/records/types";
import type { Sink } from "../shared/kinesis/sink";
import { type BulkBuildOptions, type BulkSender, buildBulkBodies, sendBulkBodies } from "./opensearch-bulk";

/** Pipeline options of this module: an unreadable time fails as `invalid_time` unless the fallback is configured. */
export function openSearchPipelineOptions(options: PipelineOptions): PipelineOptions {
  // Bulk bodies are built from `raw`, `type`, `id` and `time`: the parsed record need not be kept.
  return { ...options, invalidTime: options.invalidTime ?? "fail", keepRecord: false };
}

/** The OpenSearch sink: bulk bodies bounded by count and bytes, sent in sequence. */
export function createOpenSearchSink(options: BulkBuildOptions, send: BulkSender): Sink {
  return async (delivered) => {
    const { bodies, rejected } = buildBulkBodies(delivered, options);
    const result = await sendBulkBodies(bodies, send);
    return rejected.length > 0 ? { ...result, rejected: [...rejected, ...result.rejected] } : result;
  };
}

/** Runs `setup` until it succeeds once per container; failures are logged and counted, and retried next time. */
export function onceUntilSuccess(
  setup: () => Promise<unknown>,
  logger?: BatchLogger,
  metrics?: BatchMetrics,
): () => Promise<void> {
  let done = false;
  return async () => {
    if (done) return;
    try {
      await setup();
      done = true;
    } catch (error) {
      logger?.error("index lifecycle policy not installed; retrying on the next batch", {
        error: errorText(error),
      });
      metrics?.addMetric("IsmPolicyInstallErrors", "Count", 1);
    }
  };
}

export interface ToOpenSearchDeps extends KinesisBatchDeps {
  /** Ensures the index lifecycle policy (see `onceUntilSuccess`); absent when the module installs none. */
  readonly ensureLifecycle?: () => Promise<void>;
}

/** The whole batch: lifecycle policy (once) → pipeline → OpenSearch sink → failed records → partial batch response. */
export async function toOpenSearchBatch(
  event: KinesisEventLike,
  deps: ToOpenSearchDeps,
): Promise<KinesisStreamBatchResponse> {
  await deps.ensureLifecycle?.();
  const { batchItemFailures } = await processKinesisBatch(event, deps);
  return { batchItemFailures };
}
