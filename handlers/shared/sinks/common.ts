/**
 * Helpers shared by the sink cores: calendar fields of an instant in an IANA zone, deterministic fallback ids, name
 * sanitising, and the result shape every sink returns.
 */
import { createHash } from "node:crypto";
import { assertTimeZone, resolveTimeZone } from "../records/time";
import type { DeliveredOutcome, FailedOutcome } from "../records/types";

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

/** A delivered record the destination did not take this time (transient): report it as a batch item failure. */
export interface UnsentOutcome {
  readonly outcome: DeliveredOutcome;
  readonly detail: string;
}

/**
 * What every sink returns, one entry per input record: `delivered + rejected + unsent = input`.
 * - `rejected`: permanent refusals (`record_too_large`, `destination_rejected`, `invalid_time`) → failed-records location.
 * - `unsent`: transient failures (network, throttling, timeouts after retries) → batch item failures, Kinesis retries.
 */
export interface SinkResult {
  readonly delivered: DeliveredOutcome[];
  readonly rejected: FailedOutcome[];
  readonly unsent: UnsentOutcome[];
}

/** Backoff with full jitter: uniform in [0, min(maxDelayMs, baseDelayMs · 2^attempt)). */
export function backoffDelayMs(attempt: number, baseDelayMs: number, maxDelayMs: number, random: () => number): number {
  return Math.floor(random() * Math.min(maxDelayMs, baseDelayMs * 2 ** attempt));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
