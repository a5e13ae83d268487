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
    }
  }
  return { events: delivered + filtered + failed, delivered, filtered, failed, control, failedByReason };
}

/** Turns a delivered outcome into a failed one when the destination refuses it (payload = its raw JSON, base64). */
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
    kplIndex: outcome.kplIndex,
    cloudwatch: outcome.cloudwatch,
    reason,
    detail,
    payload: Buffer.from(outcome.raw, "utf8").toString("base64"),
  };
}

/**
 * The record as one JSON line without the trailing newline: the raw text when it is already a single line (producers
 * may pretty-print), else the compact re-serialisation.
 */
export function jsonLine(outcome: DeliveredOutcome): string {
  const raw = outcome.raw;
  return raw.indexOf("\n") === -1 && raw.indexOf("\r") === -1 ? raw : JSON.stringify(outcome.record);
}

/** One JSON line (no trailing newline) for the failed-records location: reason, origin and the lossless payload. */
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
  });
}
