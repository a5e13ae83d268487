/**
 * What a sink is (`Sink`, `SinkResult`: the one result shape every sink and destination client returns, and
 * `processKinesisBatch` reads), and the helpers the sinks share: calendar fields of an instant in an IANA zone,
 * deterministic fallback ids, name sanitising.
 */
import { createHash } from "node:crypto";
import { assertTimeZone, resolveTimeZone } from "./records/time";
import type { DeliveredOutcome, FailedOutcome } from "./records/types";

/**
 * What a sink could not deliver; every input outcome not listed here counts as delivered.
 * - `rejected`: permanent refusals (`record_too_large`, `destination_rejected`, `encoding_failed`, `invalid_time`),
 *   written to the failed-records location and never retried.
 * - `retryable`: transient failures that outlived the sink's own bounded retries (network, throttling, timeouts): their
 *   Kinesis records become batch item failures and are retried.
 */
export interface SinkResult {
  /** What the destination took, when the sink lists it (informational: the batch counts input − rejected − retryable). */
  readonly delivered?: readonly DeliveredOutcome[];
  readonly rejected?: readonly FailedOutcome[];
  readonly retryable?: readonly DeliveredOutcome[];
  /** The first transient error, for the summary log line. */
  readonly retryDetail?: string;
}

/** A SinkResult that lists every input outcome (what the destination clients return): delivered + rejected + retryable = input. */
export type ListedSinkResult = SinkResult & {
  readonly delivered: DeliveredOutcome[];
  readonly rejected: FailedOutcome[];
  readonly retryable: DeliveredOutcome[];
};

/** A destination: takes the delivered outcomes of a batch (or slice), does its own batching and bounded retries. */
export type Sink = (delivered: readonly DeliveredOutcome[]) => Promise<SinkResult>;

/** Wall-clock fields of an instant in a zone. */
export interface CalendarFields {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

/** Throws RangeError naming the zone when it is not a known IANA zone. */
export const assertZone = assertTimeZone;

/** Calendar fields of `epochMs` (fraction ignored) as seen in `timeZone`. */
export function calendarFields(epochMs: number, timeZone: string): CalendarFields {
  const ms = Math.floor(epochMs);
  const d = new Date(ms + resolveTimeZone(timeZone).offsetAt(ms));
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

export function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Four-digit year (years outside 0–9999 keep their sign and digits). */
export function pad4(n: number): string {
  return n >= 0 && n < 10_000 ? String(n).padStart(4, "0") : String(n);
}

/**
 * Deterministic id for an event without a `log_id`: `k-` + its eventId with `:` turned into `-`
 * (`<sequenceNumber>[-<kplIndex>][-<cloudwatchEventIndex>]`). Same Kinesis record ⇒ same id, so a redelivered batch
 * overwrites instead of duplicating.
 */
export function fallbackId(outcome: Pick<DeliveredOutcome, "eventId">): string {
  return `k-${outcome.eventId.replaceAll(":", "-")}`;
}

/** Short stable hash used to keep truncated names distinct. */
export function shortHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 12);
}

/** Cuts `text` to at most `maxBytes` UTF-8 bytes without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes || Buffer.byteLength(text) <= maxBytes) return text;
  const buf = Buffer.from(text, "utf8");
  let end = maxBytes;
  while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--; // back off to a character boundary
  return buf.subarray(0, end).toString("utf8");
}

/** Caps a name at `maxBytes`, replacing the tail with `~<hash>` of the full name so distinct names stay distinct. */
export function capName(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes || Buffer.byteLength(text) <= maxBytes) return text;
  const suffix = `~${shortHash(text)}`;
  return truncateUtf8(text, maxBytes - suffix.length) + suffix;
}
