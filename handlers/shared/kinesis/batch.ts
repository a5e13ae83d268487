/**
 * Batch scaffolding shared by every Kinesis handler (forward, to-s3, to-opensearch, to-fluent).
 *
 * API
 * - `processKinesisBatch(event, { pipeline, sink, writeFailedRecords, logger?, metrics? })` →
 *   `{ batchItemFailures, summary }`. It runs the record pipeline over the event, hands the delivered outcomes to
 *   `sink` (in one call, or one per slice, see Memory below), writes pipeline failures plus what the sink `rejected`
 *   with `writeFailedRecords`, and answers
 *   the partial batch response. A Kinesis record is reported in `batchItemFailures` (so the event source mapping
 *   retries from it) only when (a) the sink returned one of its events as `retryable` (a transient failure that
 *   outlived the sink's own bounded retries; a sink that throws makes all its events retryable), or (b) writing its
 *   failed outcomes to the failed-records location failed, or (c) it comes after a slice with events to retry.
 *   Permanent failures (bad data, destination rejected) are
 *   written to failed records and never retried. It emits metrics (`EventsIn`, `EventsDelivered`, `EventsFiltered`,
 *   `EventsFailed`, `EventsFailed_<reason>`, `EventsRetrying`, `RecordsRetried`, `FailedRecordsWriteErrors`, `BatchSlices` when over 1) and one
 *   summary log line `kinesis batch` with the same counts.
 *   Invariant: `delivered + filtered + failed + retrying === events`, and every record holding a `retrying` event (or
 *   a failed event that could not be written) is in `batchItemFailures`. No exception leaves this function for any
 *   input: the pipeline contains per-record errors, sink and writer errors are caught.
 *   Memory: records are decoded in slices that fit the pipeline's batch budget (`Pipeline.processSlice`; one slice
 *   unless the batch is large, or the pipeline's `sliceEvents` cuts it at one request's worth of events); each slice
 *   is sunk and its failures written before the next is decoded. When a slice
 *   leaves events to retry, the later records are not processed (`deferred`) but reported, since Kinesis redelivers
 *   from the earliest reported record anyway.
 * - `Sink` (sink.ts): `(delivered) => Promise<SinkResult>`; a sink does its own batching, bounded retries with backoff,
 *   and returns only what it could not deliver: `rejected` (permanent, as `FailedOutcome` via `toFailed`) and
 *   `retryable`.
 * - `readConsumerEnv(env)`: the variables the kinesis-consumer construct sets (`consumerEnv` in contracts/kinesis.ts)
 *   as pipeline options and the failed-records target; throws `InvalidEnvironment` naming the variable.
 *
 * Why not Powertools `BatchProcessor`: its unit is one Kinesis record and one handler call per record. Our pipeline
 * yields many log events per record (KPL aggregates, CloudWatch Logs envelopes), and destinations want the whole
 * batch at once (500-record PutRecords, bulk requests, one S3 object per type and day), so per-record processing would
 * multiply requests by up to 100. The partial-response contract is the same (`{ batchItemFailures }`).
 */
import { consumerEnv } from "../../../contracts/kinesis";
import { DEFAULT_MEMORY_MB } from "../../../contracts/lambda";
import { errorText } from "../errors";
import { type FailedRecordsTarget, normalizePrefix } from "./failed-records";
import { summarize } from "./records/outcomes";
import type { Pipeline, PipelineSlice } from "./records/pipeline";
import { budgetForMemory } from "./records/schema";
import type {
  DeliveredOutcome,
  FailedOutcome,
  FailureReason,
  KinesisEventLike,
  PipelineOptions,
} from "./records/types";
import type { Sink } from "./sink";

/** Structural subsets of the Powertools Logger and Metrics, so cores and tests need neither. */
export interface BatchLogger {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}
export interface BatchMetrics {
  addMetric(name: string, unit: "Count", value: number): void;
}

export interface KinesisBatchDeps {
  readonly pipeline: Pipeline;
  readonly sink: Sink;
  /** Writes failed outcomes (see failed-records.ts); rejects when they could not all be written. */
  readonly writeFailedRecords: (failed: readonly FailedOutcome[]) => Promise<unknown>;
  readonly logger?: BatchLogger;
  readonly metrics?: BatchMetrics;
}

export interface BatchSummary {
  readonly records: number;
  /** Log events seen: delivered + filtered + failed + retrying. */
  readonly events: number;
  readonly delivered: number;
  readonly filtered: number;
  /** Failed for good (pipeline failures and destination rejections), written to failed records when possible. */
  readonly failed: number;
  /** Events whose delivery failed transiently; their records are in batchItemFailures. */
  readonly retrying: number;
  /** CloudWatch Logs control messages (not log events). */
  readonly control: number;
  /**
   * Kinesis records not processed because an earlier slice had events to retry (Kinesis redelivers from the earliest
   * reported record anyway); in batchItemFailures.
   */
  readonly deferred: number;
  /**
   * Slices the batch was processed in: 1 unless the records outgrew the memory budget or the pipeline's `sliceEvents`
   * (see `Pipeline.processSlice`).
   */
  readonly slices: number;
  readonly failedByReason: Partial<Record<FailureReason, number>>;
  /** False when writing failed records failed (their records are then retried). */
  readonly failedRecordsWritten: boolean;
  readonly batchItemFailures: number;
}

export interface KinesisBatchResult {
  readonly batchItemFailures: { itemIdentifier: string }[];
  readonly summary: BatchSummary;
}

export async function processKinesisBatch(
  event: KinesisEventLike,
  deps: KinesisBatchDeps,
): Promise<KinesisBatchResult> {
  const records = event.Records;
  const retrySequences = new Set<string>();
  const failedByReason: Partial<Record<FailureReason, number>> = {};
  let events = 0;
  let deliveredCount = 0;
  let filtered = 0;
  let failedCount = 0;
  let retrying = 0;
  let control = 0;
  let deferred = 0;
  let slices = 0;
  let failedRecordsWritten = true;
  let writeError: string | undefined;
  let retryDetail: string | undefined;
  let pipelineError: string | undefined;

  // Slice by slice: each slice is as many records as the pipeline's memory budget holds (usually the whole batch, or
  // one request's worth of events with `sliceEvents`);
  // its outcomes are delivered and its failures written before the next slice is decoded, so memory stays bounded.
  let start = 0;
  while (start < records.length) {
    let slice: PipelineSlice;
    try {
      slice = deps.pipeline.processSlice(records, start);
    } catch (error) {
      // The pipeline contains every per-record error itself; should one escape anyway, retry from here.
      pipelineError = errorText(error);
      for (let i = start; i < records.length; i++) retrySequences.add(records[i]!.kinesis.sequenceNumber);
      break;
    }
    slices++;
    const delivered: DeliveredOutcome[] = [];
    const failed: FailedOutcome[] = [];
    for (const o of slice.outcomes) {
      if (o.kind === "delivered") delivered.push(o);
      else if (o.kind === "failed") failed.push(o);
    }
    const counts = summarize(slice.outcomes);
    events += counts.events;
    filtered += counts.filtered;
    control += counts.control;
    for (const [reason, n] of Object.entries(counts.failedByReason)) {
      failedByReason[reason as FailureReason] = (failedByReason[reason as FailureReason] ?? 0) + (n ?? 0);
    }

    let rejected: readonly FailedOutcome[] = [];
    let retryable: readonly DeliveredOutcome[] = [];
    if (delivered.length > 0) {
      try {
        const result = await deps.sink(delivered);
        rejected = result.rejected ?? [];
        retryable = result.retryable ?? [];
        retryDetail = result.retryDetail ?? retryDetail;
      } catch (error) {
        // An unexpected sink error is treated as transient: the mapping's bounded retries and bisection take over.
        retryable = delivered;
        retryDetail = errorText(error);
      }
    }
    for (const o of rejected) failedByReason[o.reason] = (failedByReason[o.reason] ?? 0) + 1;
    for (const o of retryable) retrySequences.add(o.sequenceNumber);
    deliveredCount += delivered.length - rejected.length - retryable.length;
    retrying += retryable.length;

    const toWrite = rejected.length > 0 ? [...failed, ...rejected] : failed;
    failedCount += toWrite.length;
    if (toWrite.length > 0) {
      try {
        await deps.writeFailedRecords(toWrite);
      } catch (error) {
        failedRecordsWritten = false;
        writeError = errorText(error);
        for (const o of toWrite) retrySequences.add(o.sequenceNumber);
      }
    }

    start = Math.max(slice.next, start + 1);
    if (retryable.length > 0 && start < records.length) {
      // Kinesis redelivers from the earliest reported record anyway: leave the rest to that redelivery.
      for (let i = start; i < records.length; i++) retrySequences.add(records[i]!.kinesis.sequenceNumber);
      deferred += records.length - start;
      break;
    }
  }

  const batchItemFailures: { itemIdentifier: string }[] = [];
  for (const r of records) {
    const seq = r.kinesis.sequenceNumber;
    if (retrySequences.delete(seq)) batchItemFailures.push({ itemIdentifier: seq });
  }

  const summary: BatchSummary = {
    records: records.length,
    events,
    delivered: deliveredCount,
    filtered,
    failed: failedCount,
    retrying,
    control,
    deferred,
    slices,
    failedByReason,
    failedRecordsWritten,
    batchItemFailures: batchItemFailures.length,
  };

  const m = deps.metrics;
  if (m) {
    m.addMetric("EventsIn", "Count", summary.events);
    m.addMetric("EventsDelivered", "Count", summary.delivered);
    m.addMetric("EventsFiltered", "Count", summary.filtered);
    m.addMetric("EventsFailed", "Count", summary.failed);
    for (const [reason, n] of Object.entries(failedByReason)) m.addMetric(`EventsFailed_${reason}`, "Count", n ?? 0);
    m.addMetric("EventsRetrying", "Count", summary.retrying);
    m.addMetric("RecordsRetried", "Count", summary.batchItemFailures);
    if (slices > 1) m.addMetric("BatchSlices", "Count", slices);
    if (!failedRecordsWritten) m.addMetric("FailedRecordsWriteErrors", "Count", 1);
  }
  if (deps.logger) {
    const extra = { ...summary, retryDetail, failedRecordsWriteError: writeError, pipelineError };
    if (failedRecordsWritten && pipelineError === undefined) deps.logger.info("kinesis batch", extra);
    else deps.logger.error("kinesis batch", extra);
  }
  return { batchItemFailures, summary };
}

export interface ConsumerEnv {
  readonly pipeline: PipelineOptions;
  readonly unknownTypePrefix: string;
  readonly failedRecords: FailedRecordsTarget;
}

/** Parses the kinesis-consumer variables (call once, at module load, through `loadEnv`). */
export function readConsumerEnv(env: Readonly<Record<string, string | undefined>>): ConsumerEnv {
  const e = consumerEnv.read(env);
  return {
    pipeline: {
      typeKey: e.typeKey,
      idKey: e.idKey,
      timeKey: e.timeKey,
      timeZone: e.timeZone,
      whitelist: e.whitelist,
      ...budgetForMemory(e.memorySize === undefined ? DEFAULT_MEMORY_MB : Number(e.memorySize)),
      ...(e.invalidTime === undefined ? {} : { invalidTime: e.invalidTime }),
    },
    unknownTypePrefix: e.unknownTypePrefix,
    failedRecords: {
      bucket: e.failedRecordsBucket,
      prefix: normalizePrefix(e.failedRecordsPrefix),
      ...(e.failedRecordsKmsKeyId ? { kmsKeyId: e.failedRecordsKmsKeyId } : {}),
    },
  };
}
