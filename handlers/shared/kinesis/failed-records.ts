/**
 * Failed-records writer shared by every Kinesis module: failed outcomes become JSON-lines objects in S3.
 *
 * API
 * - `failedRecordObjects(failed, { prefix })` (pure): groups failed outcomes by reason and renders one object per
 *   reason: key `<prefix>/<reason>/<YYYY>/<MM>/<DD>/<first sequence number>-<hash>.jsonl`, body one
 *   `failedRecordLine` per outcome, each line ending in `\n`:
 *   - `reason`, `detail`: why (a `FailureReason`) and the parser's or destination's message;
 *   - `event_id`, `sequence_number`, `partition_key` (the user record's, for KPL), `arrival_time`, `kpl_index`,
 *     `cloudwatch` (log group, stream, event id and timestamp when the event came from a subscription envelope);
 *   - `payload_base64`: this event's own bytes (the KPL sub-record's data, the CloudWatch log event's message, the
 *     delivered JSON text for a destination refusal, else the record's data);
 *   - `event_text`: the decoded event (its JSON text) when decoding got that far and it is at most 64 Ki characters;
 *     absent for byte-level failures and larger events (then in `payload_base64` / `kinesis_data_base64` only);
 *   - `kinesis_data_base64`: the whole Kinesis record's data exactly as Lambda received it (gzip, KPL framing and
 *     CloudWatch envelope included), and `kinesis_partition_key`, the Kinesis record's own partition key.
 *   The date is the first outcome's Kinesis arrival time (UTC) and the hash covers the reason and every event id, so a
 *   redelivered batch produces exactly the same keys and overwrites its own objects instead of duplicating them.
 * - `createFailedRecordsWriter({ putObject, bucket, prefix, kmsKeyId? })` → `(failed) => Promise<void>`: writes those
 *   objects (SSE-S3, or SSE-KMS when `kmsKeyId` is set). It rejects when any object could not be written; the batch
 *   scaffolding then reports the affected Kinesis records as batch item failures, so nothing is lost.
 * - `PutObjectFn`: the one S3 call, injected (handlers pass `(input) => s3.send(new PutObjectCommand(input))`; tests and
 *   benches pass fakes), which keeps this module free of the SDK.
 *
 * Objects are plain (not gzip) JSON lines: failures are rare, and an operator reads them with `aws s3 cp - | jq`.
 */
import { createHash } from "node:crypto";

import { failedRecordLine } from "./records/outcomes";
import type { FailedOutcome } from "./records/types";
import { pad2 } from "./sink";

// REPLAY CONTRACT: `kinesis_data_base64` (with `kinesis_partition_key`) in each failed-record line is the original
// Kinesis record, byte for byte; `npm run replay` re-puts exactly those bytes. Do not rename or re-encode it.

export interface FailedRecordsObject {
  readonly key: string;
  readonly body: string;
  readonly reason: string;
  /** Failed outcomes in this object. */
  readonly count: number;
  /** Sequence numbers of the Kinesis records whose outcomes are in this object. */
  readonly sequenceNumbers: readonly string[];
}

export interface PutObjectRequest {
  readonly Bucket: string;
  readonly Key: string;
  readonly Body: string;
  readonly ContentType: string;
  readonly ServerSideEncryption: "AES256" | "aws:kms";
  readonly SSEKMSKeyId?: string;
}

export type PutObjectFn = (request: PutObjectRequest) => Promise<void>;

export interface FailedRecordsTarget {
  /** Bucket name (never empty). */
  readonly bucket: string;
  /** Key prefix without leading or trailing `/`, e.g. `failed/forward-app`. */
  readonly prefix: string;
  /** KMS key for SSE-KMS; SSE-S3 (AES256) when absent. */
  readonly kmsKeyId?: string;
}

export type FailedRecordsWriter = (failed: readonly FailedOutcome[]) => Promise<FailedRecordsObject[]>;

function datePath(epochMs: number): string {
  const d = new Date(Number.isFinite(epochMs) ? epochMs : 0);
  return `${d.getUTCFullYear()}/${pad2(d.getUTCMonth() + 1)}/${pad2(d.getUTCDate())}`;
}

/** A key segment that cannot create directories or unsafe characters. */
function segment(value: string): string {
  return value.replace(/[^A-Za-z0-9_.-]/g, "_") || "_";
}

/** Trims slashes; an empty prefix puts objects at the bucket root. */
export function normalizePrefix(prefix: string): string {
  return prefix.replace(/^\/+|\/+$/g, "");
}

/** Pure: the objects a batch of failed outcomes becomes (one per reason), with deterministic keys. */
export function failedRecordObjects(
  failed: readonly FailedOutcome[],
  opts: { readonly prefix: string },
): FailedRecordsObject[] {
  const byReason = new Map<string, FailedOutcome[]>();
  for (const outcome of failed) {
    const list = byReason.get(outcome.reason);
    if (list) list.push(outcome);
    else byReason.set(outcome.reason, [outcome]);
  }
  const prefix = normalizePrefix(opts.prefix);
  const objects: FailedRecordsObject[] = [];
  for (const [reason, outcomes] of byReason) {
    const first = outcomes[0]!;
    const hash = createHash("sha256").update(reason);
    let body = "";
    const sequenceNumbers: string[] = [];
    let lastSeq: string | undefined;
    for (const o of outcomes) {
      hash.update("\n").update(o.eventId);
      body += `${failedRecordLine(o)}\n`;
      if (o.sequenceNumber !== lastSeq) {
        sequenceNumbers.push(o.sequenceNumber);
        lastSeq = o.sequenceNumber;
      }
    }
    const name = `${segment(first.sequenceNumber)}-${hash.digest("hex").slice(0, 16)}.jsonl`;
    const key = [prefix, segment(reason), datePath(first.arrivalTime), name].filter((p) => p !== "").join("/");
    objects.push({ key, body, reason, count: outcomes.length, sequenceNumbers: [...new Set(sequenceNumbers)] });
  }
  return objects;
}

/** Writes failed outcomes to S3; rejects (AggregateError) when any object could not be written. */
export function createFailedRecordsWriter(target: FailedRecordsTarget & { readonly putObject: PutObjectFn }) {
  if (!target.bucket) throw new TypeError("failed-records bucket must be a non-empty string");
  const encryption = target.kmsKeyId
    ? ({ ServerSideEncryption: "aws:kms", SSEKMSKeyId: target.kmsKeyId } as const)
    : ({ ServerSideEncryption: "AES256" } as const);
  const writer: FailedRecordsWriter = async (failed) => {
    if (failed.length === 0) return [];
    const objects = failedRecordObjects(failed, { prefix: target.prefix });
    const results = await Promise.allSettled(
      objects.map((o) =>
        target.putObject({
          Bucket: target.bucket,
          Key: o.key,
          Body: o.body,
          ContentType: "application/x-ndjson; charset=utf-8",
          ...encryption,
        }),
      ),
    );
    const errors = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
    if (errors.length > 0) {
      throw new AggregateError(errors, `could not write ${errors.length} of ${objects.length} failed-records objects`);
    }
    return objects;
  };
  return writer;
}
