/** Helpers over pipeline outcomes: counting, destination failures, failed-record lines. */
import type {
  DeliveredOutcome,
  DestinationFailureReason,
  FailedOutcome,
  FailureReason,
  Outcome,
  OutcomeSummary,
} from "./types";

/** Counts per kind and per failure reason. `events` = delivered + filtered + failed (controls excluded). */
export function summarize(outcomes: readonly Outcome[]): OutcomeSummary {
  let delivered = 0;
  let filtered = 0;
  let failed = 0;
  let control = 0;
  let deferred = 0;
  const failedByReason: Partial<Record<FailureReason, number>> = {};
  for (const o of outcomes) {
    switch (o.kind) {
      case "delivered":
        delivered++;
        break;
      case "filtered":
        filtered++;
        break;
      case "failed":
        failed++;
        failedByReason[o.reason] = (failedByReason[o.reason] ?? 0) + 1;
        break;
      case "control":
        control++;
        break;
      case "deferred":
        deferred++;
        break;
    }
  }
  return { events: delivered + filtered + failed, delivered, filtered, failed, control, deferred, failedByReason };
}

/**
 * Turns a delivered outcome into a failed one when the destination refuses it: payload = its raw JSON (base64), text =
 * the raw JSON, and the Kinesis record's original data kept.
 */
export function toFailed(
  outcome: DeliveredOutcome,
  reason: DestinationFailureReason | FailureReason,
  detail: string,
): FailedOutcome {
  return {
    kind: "failed",
    eventId: outcome.eventId,
    recordIndex: outcome.recordIndex,
    sequenceNumber: outcome.sequenceNumber,
    partitionKey: outcome.partitionKey,
    arrivalTime: outcome.arrivalTime,
    kinesisData: outcome.kinesisData,
    kinesisPartitionKey: outcome.kinesisPartitionKey,
    kplIndex: outcome.kplIndex,
    cloudwatch: outcome.cloudwatch,
    reason,
    detail,
    payload: (outcome.rawBytes ?? Buffer.from(outcome.raw, "utf8")).toString("base64"),
    text: outcome.raw,
  };
}

const LINE_BREAK = /[\r\n]/g;

/**
 * The record as one JSON line without the trailing newline, for line-framed destinations (S3 JSON lines, `_bulk`): the
 * raw text itself when it is one line, else the raw text with each CR and LF turned into a space. In valid JSON a line
 * break can only sit between tokens (inside a string it must be escaped), so every token (numbers, strings, key order,
 * escapes) keeps its exact bytes and the length is unchanged: never a re-serialisation, never a throw, whatever the
 * nesting depth.
 */
export function jsonLine(outcome: DeliveredOutcome): string {
  const raw = outcome.raw;
  return raw.indexOf("\n") === -1 && raw.indexOf("\r") === -1 ? raw : raw.replace(LINE_BREAK, " ");
}

/** One line of a line-framed body (S3 JSON lines, `_bulk`): text, written as UTF-8, or bytes, copied. */
export type LinePiece = string | Buffer;

/**
 * `jsonLine` without encoding the text a second time when it can: the pipeline's `rawBytes` when they are already one
 * line (no CR, no LF), else the text. Either way the same bytes reach the destination.
 */
export function jsonLinePiece(outcome: DeliveredOutcome): LinePiece {
  const held = outcome.rawBytes;
  return held !== undefined && held.indexOf(0x0a) === -1 && held.indexOf(0x0d) === -1 ? held : jsonLine(outcome);
}

/** Bytes a piece takes in a body (its UTF-8 length for text). */
export function pieceBytes(piece: LinePiece): number {
  return typeof piece === "string" ? Buffer.byteLength(piece, "utf8") : piece.length;
}

/** The pieces, each followed by `\n`, in one buffer; `bytes` is the sum of `pieceBytes + 1` over them. */
export function joinLines(pieces: readonly LinePiece[], bytes: number): Buffer {
  const body = Buffer.allocUnsafe(bytes);
  let at = 0;
  for (const piece of pieces) {
    at += typeof piece === "string" ? body.write(piece, at, "utf8") : piece.copy(body, at);
    body[at++] = 0x0a;
  }
  if (at !== bytes) throw new Error(`line-framed body: wrote ${at} of ${bytes} bytes`);
  return body;
}

/** Key added to a document delivered with an unreadable time under the `invalidTime: "deliver"` fallback. */
export const INVALID_TIME_MARK = "_invalid_time";

/**
 * `raw` (a JSON object's text) with `"<key>":<JSON of value>` inserted as its first member: the rest of the text is
 * kept byte for byte. Used to mark a document delivered by a fallback.
 */
export function withLeadingMember(raw: string, key: string, value: unknown): string {
  const open = raw.indexOf("{");
  const member = `${JSON.stringify(key)}:${JSON.stringify(value)}`;
  let k = open + 1;
  while (k < raw.length && raw.charCodeAt(k) <= 32) k++;
  const empty = raw.charCodeAt(k) === 125; // }
  return `${raw.slice(0, open + 1)}${member}${empty ? "" : ","}${raw.slice(open + 1)}`;
}

/**
 * Longest decoded event text (characters) copied into a failed-record line as `event_text`; a longer event is in
 * `payload_base64` and `kinesis_data_base64` only (copying it again would double a large failure's memory).
 */
export const MAX_EVENT_TEXT = 64 * 1024;

/**
 * One JSON line (no trailing newline) for the failed-records location: reason, origin, the event's bytes and the
 * Kinesis record's bytes. See failed-records.ts for the field list (`kinesis_data_base64` is the replay contract).
 */
export function failedRecordLine(outcome: FailedOutcome): string {
  return JSON.stringify({
    reason: outcome.reason,
    detail: outcome.detail,
    event_id: outcome.eventId,
    sequence_number: outcome.sequenceNumber,
    partition_key: outcome.partitionKey,
    arrival_time: new Date(outcome.arrivalTime).toISOString(),
    kpl_index: outcome.kplIndex,
    cloudwatch: outcome.cloudwatch,
    payload_base64: outcome.payload,
    event_text: outcome.text !== undefined && outcome.text.length <= MAX_EVENT_TEXT ? outcome.text : undefined,
    kinesis_partition_key: outcome.kinesisPartitionKey,
    kinesis_data_base64: outcome.kinesisData,
  });
}
