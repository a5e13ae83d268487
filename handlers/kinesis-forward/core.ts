/**
 * kinesis-forward core: delivered log events → PutRecords on the target stream, one plain JSON record per log event.
 *
 * - Requests respect both PutRecords limits: at most 500 entries and 5 MiB (data + partition keys) per call; an entry
 *   over 1 MiB (data + partition key) is rejected as `record_too_large` (it goes to failed records, never retried).
 * - Partition key: the record's `partitionKeyField` (default `log_id`) when it is a non-empty string or a number, else
 *   the event id (`<sequence>[:<kpl>][:<event>]`): stable, so a retried batch keeps the same shard and ordering. A key
 *   longer than Kinesis' 256 characters is replaced by its SHA-256 (hex), also stable.
 * - Partial failures: only the failed entries are retried, with exponential backoff and full jitter, up to
 *   `maxAttempts` calls per chunk. When a chunk still has failures, its failed entries and every later event are
 *   returned as `retryable` without sending them: the event source mapping restarts from the earliest reported record
 *   anyway, so sending them now would only add duplicates.
 * - Output data is the event's JSON text exactly as received (`raw`: the decoded input's own bytes, line breaks of a
 *   pretty-printed record included; only a BOM and surrounding whitespace dropped), never a re-serialisation, UTF-8,
 *   no trailing newline. CloudWatch Logs envelopes, gzip and KPL aggregation are already removed by the pipeline.
 * - Planning is per event: an event that cannot be planned fails alone (`encoding_failed`), never its batch.
 */
import { createHash } from "node:crypto";
import type { KinesisStreamBatchResponse } from "aws-lambda";
import { backoffDelayMs, sleep } from "../shared/backoff";
import { errorText } from "../shared/errors";
import { type KinesisBatchDeps, processKinesisBatch } from "../shared/kinesis/batch";
import { toFailed } from "../shared/kinesis/records/outcomes";
import type { DeliveredOutcome, FailedOutcome, KinesisEventLike } from "../shared/kinesis/records/types";
import type { Sink, SinkResult } from "../shared/kinesis/sink";
import { DATA_BASE64 } from "./put-records-body";

export const MAX_RECORDS_PER_REQUEST = 500;
export const MAX_BYTES_PER_REQUEST = 5 * 1024 * 1024;
export const MAX_BYTES_PER_RECORD = 1024 * 1024;
const MAX_PARTITION_KEY_CHARS = 256;

export interface PutRecordsEntry {
  Data: Uint8Array;
  PartitionKey: string;
  /** The event's Kinesis data when it is already the canonical base64 of `Data` (see put-records-body.ts). */
  [DATA_BASE64]?: string | undefined;
}
export interface PutRecordsRequest {
  StreamARN: string;
  Records: PutRecordsEntry[];
}
export interface PutRecordsResponse {
  FailedRecordCount?: number;
  Records?: { ErrorCode?: string; ErrorMessage?: string; SequenceNumber?: string }[];
}
/** The one Kinesis call the core makes (index.ts adapts `KinesisClient`; tests and benches inject fakes). */
export type PutRecordsFn = (request: PutRecordsRequest) => Promise<PutRecordsResponse>;

export interface ForwardOptions {
  readonly streamArn: string;
  /** Top-level key whose value becomes the partition key. @default "log_id" */
  readonly partitionKeyField?: string;
  /**
   * The pipeline's id key. When it is `partitionKeyField`, the key is the outcome's `id` (the same value, read by the
   * pipeline), so the pipeline need not keep the parsed record (`keepRecord: false`). @default none
   */
  readonly idKey?: string;
  /** PutRecords calls per chunk, first try included. @default 5 */
  readonly maxAttempts?: number;
  /** @default 100 */
  readonly baseDelayMs?: number;
  /** @default 3000 */
  readonly maxDelayMs?: number;
}

export interface ForwardDeps {
  readonly putRecords: PutRecordsFn;
  /** @default setTimeout-based */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Uniform in [0, 1). @default Math.random */
  readonly random?: () => number;
}

/** One planned entry and the event it came from. */
export interface PlannedEntry {
  readonly outcome: DeliveredOutcome;
  readonly entry: PutRecordsEntry;
  /** Bytes the entry counts against the limits: data + UTF-8 partition key. */
  readonly bytes: number;
}

export interface ForwardPlan {
  readonly chunks: PlannedEntry[][];
  /** Events that cannot be sent: `record_too_large` (over 1 MiB), or `encoding_failed`. */
  readonly tooLarge: FailedOutcome[];
}

function keyValue(record: Record<string, unknown>, field: string): string | undefined {
  const value = record[field];
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}

/**
 * The partition key of an event: its key field, else its event id; hashed when longer than 256 characters. When the
 * field is the pipeline's id key (`idKey`), the outcome's `id` is that value already (a non-empty string, or a finite
 * number as a string, exactly as `keyValue` reads it); any other field is read from the parsed record.
 */
export function partitionKeyOf(outcome: DeliveredOutcome, field: string, idKey?: string): string {
  let value: string | undefined;
  if (field === idKey) value = outcome.id;
  else if (outcome.record !== undefined) value = keyValue(outcome.record, field);
  else throw new Error(`partition key field "${field}" needs the parsed record, which the pipeline did not keep`);
  const key = value ?? outcome.eventId;
  return key.length <= MAX_PARTITION_KEY_CHARS ? key : createHash("sha256").update(key).digest("hex");
}

/** Pure: entries in event order, cut into requests within 500 entries and 5 MiB; oversized events split off. */
export function planPutRecords(
  delivered: readonly DeliveredOutcome[],
  partitionKeyField = "log_id",
  idKey?: string,
): ForwardPlan {
  const chunks: PlannedEntry[][] = [];
  const tooLarge: FailedOutcome[] = [];
  let chunk: PlannedEntry[] = [];
  let chunkBytes = 0;
  for (const outcome of delivered) {
    let data: Buffer;
    let PartitionKey: string;
    try {
      PartitionKey = partitionKeyOf(outcome, partitionKeyField, idKey);
      const held = outcome.rawBytes;
      if (held === undefined && outcome.raw.length > MAX_BYTES_PER_RECORD) {
        // At least one byte per character: too large for sure, without copying it first.
        tooLarge.push(
          toFailed(
            outcome,
            "record_too_large",
            `over ${MAX_BYTES_PER_RECORD} bytes; Kinesis accepts ${MAX_BYTES_PER_RECORD}`,
          ),
        );
        continue;
      }
      data = held ?? Buffer.from(outcome.raw, "utf8");
    } catch (error) {
      tooLarge.push(toFailed(outcome, "encoding_failed", `cannot build the entry: ${(error as Error)?.message}`));
      continue;
    }
    const bytes = data.length + Buffer.byteLength(PartitionKey, "utf8");
    if (bytes > MAX_BYTES_PER_RECORD) {
      tooLarge.push(
        toFailed(
          outcome,
          "record_too_large",
          `${bytes} bytes with partition key; Kinesis accepts ${MAX_BYTES_PER_RECORD}`,
        ),
      );
      continue;
    }
    if (chunk.length === MAX_RECORDS_PER_REQUEST || chunkBytes + bytes > MAX_BYTES_PER_REQUEST) {
      chunks.push(chunk);
      chunk = [];
      chunkBytes = 0;
    }
    chunk.push({ outcome, entry: { Data: data, PartitionKey, [DATA_BASE64]: outcome.rawBase64 }, bytes });
    chunkBytes += bytes;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return { chunks, tooLarge };
}

/** Sends one chunk; returns the entries still failing after the bounded attempts, and the last error. */
async function sendChunk(
  chunk: PlannedEntry[],
  opts: Required<Omit<ForwardOptions, "idKey">>,
  deps: ForwardDeps,
): Promise<{ failed: PlannedEntry[]; detail?: string }> {
  const wait = deps.sleep ?? sleep;
  const random = deps.random ?? Math.random;
  let pending = chunk;
  let detail: string | undefined;
  for (let attempt = 0; attempt < opts.maxAttempts; attempt++) {
    if (attempt > 0) await wait(backoffDelayMs(attempt - 1, opts.baseDelayMs, opts.maxDelayMs, random));
    let response: PutRecordsResponse;
    try {
      response = await deps.putRecords({ StreamARN: opts.streamArn, Records: pending.map((p) => p.entry) });
    } catch (error) {
      detail = errorText(error);
      continue;
    }
    if (!response.FailedRecordCount) return { failed: [] };
    const results = response.Records ?? [];
    const next: PlannedEntry[] = [];
    for (let i = 0; i < pending.length; i++) {
      const r = results[i];
      // An entry without a result is treated as failed: never assume delivery.
      if (r === undefined || r.ErrorCode !== undefined || r.SequenceNumber === undefined) {
        next.push(pending[i]!);
        if (r?.ErrorCode) detail = `${r.ErrorCode}: ${r.ErrorMessage ?? ""}`;
      }
    }
    if (next.length === 0) return { failed: [] };
    pending = next;
  }
  return { failed: pending, detail };
}

/** The forward sink: plans, sends chunk by chunk, and returns what must be failed or retried. */
export function createForwardSink(options: ForwardOptions, deps: ForwardDeps): Sink {
  const opts: Required<Omit<ForwardOptions, "idKey">> & Pick<ForwardOptions, "idKey"> = {
    streamArn: options.streamArn,
    partitionKeyField: options.partitionKeyField ?? "log_id",
    idKey: options.idKey,
    maxAttempts: options.maxAttempts ?? 5,
    baseDelayMs: options.baseDelayMs ?? 100,
    maxDelayMs: options.maxDelayMs ?? 3000,
  };
  if (!Number.isInteger(opts.maxAttempts) || opts.maxAttempts < 1) throw new RangeError("maxAttempts must be >= 1");
  return async (delivered): Promise<SinkResult> => {
    const plan = planPutRecords(delivered, opts.partitionKeyField, opts.idKey);
    for (let c = 0; c < plan.chunks.length; c++) {
      const { failed, detail } = await sendChunk(plan.chunks[c]!, opts, deps);
      if (failed.length > 0) {
        const retryable = failed.map((p) => p.outcome);
        for (let later = c + 1; later < plan.chunks.length; later++) {
          for (const p of plan.chunks[later]!) retryable.push(p.outcome);
        }
        return { rejected: plan.tooLarge, retryable, retryDetail: detail };
      }
    }
    return { rejected: plan.tooLarge };
  };
}

/** The whole batch: pipeline → forward sink → failed records → partial batch response. */
export async function forwardBatch(
  event: KinesisEventLike,
  deps: KinesisBatchDeps,
): Promise<KinesisStreamBatchResponse> {
  const { batchItemFailures } = await processKinesisBatch(event, deps);
  return { batchItemFailures };
}
