/**
 * kinesis-to-opensearch core: daily index names, `_bulk` bodies bounded by count and bytes (built from the raw JSON,
 * never re-stringified), and a SigV4 bulk client with whole-request and per-item retries.
 */
import { createHash } from "node:crypto";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import {
  type Credentials,
  type FetchLike,
  fetchTransport,
  nodeHttpTransport,
  signedRequester,
} from "../shared/aws/signed-request";
import { backoffDelayMs, sleep } from "../shared/backoff";
import {
  INVALID_TIME_MARK,
  joinLines,
  jsonLine,
  jsonLinePiece,
  type LinePiece,
  pieceBytes,
  toFailed,
  withLeadingMember,
} from "../shared/kinesis/records/outcomes";
import type { DeliveredOutcome, FailedOutcome } from "../shared/kinesis/records/types";
import { assertZone, calendarFields, capName, type ListedSinkResult, pad2, pad4 } from "../shared/kinesis/sink";

export interface IndexNameOptions {
  /** Index prefix, e.g. `logs` → `logs-<type>-<YYYYMMDD>`; `""` → `<type>-<YYYYMMDD>`. */
  readonly indexPrefix: string;
  /** IANA zone for the daily suffix. @default "UTC" */
  readonly timeZone?: string;
  /** Type segment for records without a type. @default "unknown" */
  readonly unknownType?: string;
}

export interface BulkBuildOptions extends IndexNameOptions {
  /** Most documents per request. @default 500 */
  readonly maxDocs?: number;
  /** Most bytes per request body (action and source lines). @default 5 MiB */
  readonly maxBytes?: number;
  /**
   * Send `_id` (the `log_id`, else a deterministic id from the eventId) so retries overwrite. Turn off only for
   * OpenSearch Serverless time-series collections, which refuse custom ids (delivery becomes at least once).
   * @default true
   */
  readonly documentIds?: boolean;
}

/** One document of a bulk body; `start`/`end` delimit its two lines in `body`. */
export interface BulkDoc {
  readonly outcome: DeliveredOutcome;
  readonly index: string;
  readonly id: string | undefined;
  readonly start: number;
  readonly end: number;
}

/** One `_bulk` request body (NDJSON, trailing newline) and the documents in it, in order. */
export interface BulkBody {
  readonly body: Buffer;
  readonly docs: BulkDoc[];
}

export interface BulkBuildResult {
  readonly bodies: BulkBody[];
  /** Documents that cannot be sent (`record_too_large`: one document over `maxBytes`). */
  readonly rejected: FailedOutcome[];
}

/** Bytes in a document `_id` OpenSearch accepts (2.9+). */
const MAX_ID_BYTES = 512;
const MAX_INDEX_BYTES = 255;
// Characters OpenSearch refuses in index names: \ / * ? " < > | space , # and : (refused since 7.x), plus controls.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what this removes
const INVALID_INDEX_CHARS = /[\\/*?"<>|\s,#:\u0000-\u001f\u007f]/g;

/** Lower-cases and replaces what OpenSearch refuses in an index name segment with `_`. */
export function sanitizeIndexSegment(value: string): string {
  return value.toLowerCase().replace(INVALID_INDEX_CHARS, "_");
}

/**
 * `<prefix>-<type>-<YYYYMMDD>` (date of `epochMs` in the zone), lower-cased, sanitised: invalid characters → `_`, no
 * leading `-`, `_` or `+`, at most 255 bytes (a long type keeps a hash of itself so distinct types stay distinct).
 */
export function indexName(type: string | undefined, epochMs: number, options: IndexNameOptions): string {
  const f = calendarFields(epochMs, options.timeZone ?? "UTC");
  const date = `${pad4(f.year)}${pad2(f.month)}${pad2(f.day)}`;
  const prefix = sanitizeIndexSegment(options.indexPrefix);
  const typePart = sanitizeIndexSegment(type ?? options.unknownType ?? "unknown") || "_";
  const fixed = (prefix === "" ? 0 : Buffer.byteLength(prefix) + 1) + 1 + date.length;
  let name = `${prefix === "" ? "" : `${prefix}-`}${capName(typePart, MAX_INDEX_BYTES - fixed)}-${date}`;
  name = name.replace(/^[-_+]+/, "");
  return name === "" || name === "." || name === ".." ? `x${name}` : name;
}

/** `_id` of a document: the `log_id` (hashed when over 512 bytes), else the eventId (`<seq>[:<kpl>][:<cw>]`). */
export function documentId(outcome: DeliveredOutcome): string {
  const id = outcome.id;
  if (id === undefined || id === "") return outcome.eventId;
  if (id.length * 3 <= MAX_ID_BYTES || Buffer.byteLength(id) <= MAX_ID_BYTES) return id;
  return `sha256-${createHash("sha256").update(id).digest("hex")}`;
}

/**
 * Splits records into `_bulk` bodies of at most `maxDocs` documents and `maxBytes` bytes, `index` actions (overwrite:
 * idempotent with ids), no `_type`. The source line is the raw JSON text (`jsonLine`: a pretty-printed record's line
 * breaks become spaces, every token keeps its bytes), never a re-serialisation. An event that cannot be planned is
 * `rejected` alone (`encoding_failed`).
 */
export function buildBulkBodies(outcomes: readonly DeliveredOutcome[], options: BulkBuildOptions): BulkBuildResult {
  const maxDocs = options.maxDocs ?? 500;
  const maxBytes = options.maxBytes ?? 5 * 1024 * 1024;
  if (!(maxDocs >= 1) || !(maxBytes >= 64)) throw new RangeError("maxDocs must be ≥ 1 and maxBytes ≥ 64");
  assertZone(options.timeZone ?? "UTC");
  const withIds = options.documentIds ?? true;

  const bodies: BulkBody[] = [];
  const rejected: FailedOutcome[] = [];
  const indexCache = new Map<string, string>(); // type + day bucket → index name
  let lines: LinePiece[] = [];
  let docs: BulkDoc[] = [];
  let bytes = 0;
  const flush = () => {
    if (docs.length === 0) return;
    bodies.push({ body: joinLines(lines, bytes), docs });
    lines = [];
    docs = [];
    bytes = 0;
  };

  for (const outcome of outcomes) {
    let index: string;
    let id: string | undefined;
    let action: string;
    let source: LinePiece;
    try {
      const instant = outcome.time ?? outcome.arrivalTime;
      // Cache per type and UTC quarter-hour: every zone in use today has a whole quarter-hour offset.
      const cacheKey = `${Math.floor(instant / 900_000)}|${outcome.type ?? ""}`;
      let cached = indexCache.get(cacheKey);
      if (cached === undefined) {
        cached = indexName(outcome.type, instant, options);
        indexCache.set(cacheKey, cached);
      }
      index = cached;
      id = withIds ? documentId(outcome) : undefined;
      action =
        id === undefined
          ? `{"index":{"_index":${JSON.stringify(index)}}}`
          : `{"index":{"_index":${JSON.stringify(index)},"_id":${JSON.stringify(id)}}}`;
      // A time that could not be read reaches here only under the explicit fallback: filed under the arrival day, marked.
      source =
        outcome.timeError === undefined
          ? jsonLinePiece(outcome)
          : withLeadingMember(jsonLine(outcome), INVALID_TIME_MARK, outcome.timeError);
    } catch (error) {
      // One event that cannot be planned fails alone, never its batch.
      rejected.push(
        toFailed(outcome, "encoding_failed", `cannot build the bulk document: ${(error as Error)?.message}`),
      );
      continue;
    }
    const size = pieceBytes(action) + 1 + pieceBytes(source) + 1;
    if (size > maxBytes) {
      rejected.push(toFailed(outcome, "record_too_large", `bulk document is ${size} bytes, limit ${maxBytes}`));
      continue;
    }
    if (docs.length === maxDocs || bytes + size > maxBytes) flush();
    lines.push(action, source);
    docs.push({ outcome, index, id, start: bytes, end: bytes + size });
    bytes += size;
  }
  flush();
  return { bodies, rejected };
}

export type { FetchLike };

export interface BulkClientOptions {
  /** Domain or collection endpoint, e.g. `https://search-logs-abc.eu-west-1.es.amazonaws.com` (path ignored). */
  readonly endpoint: string;
  readonly region: string;
  /** `es` for managed domains, `aoss` for OpenSearch Serverless. */
  readonly service: "es" | "aoss";
  readonly credentials: Credentials;
  /**
   * Send through this fetch instead of the SDK's `NodeHttpHandler`. @default none: the signed request goes out as it is
   * through `NodeHttpHandler` (same method, path, signed headers and body as through fetch, without the web-streams
   * copy of the body fetch makes; see signed-request.ts).
   */
  readonly fetch?: FetchLike;
  /** @default a NodeHttpHandler with `timeoutMs` */
  readonly requestHandler?: NodeHttpHandler;
  /** Attempts per document, counting the first (whole-request retries and per-item retries share it). @default 5 */
  readonly maxAttempts?: number;
  /** @default 200 */
  readonly baseDelayMs?: number;
  /** @default 10_000 */
  readonly maxDelayMs?: number;
  /** Per-request timeout. @default 30_000 */
  readonly timeoutMs?: number;
  /** Injected for tests. */
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Signing clock, injected for tests. @default () => new Date() */
  readonly now?: () => Date;
}

/** A bulk client: sends one body, returns one result per document. Build it once per container. */
export type BulkSender = (body: BulkBody) => Promise<ListedSinkResult & { readonly attempts: number }>;

interface BulkItemResult {
  status?: number;
  error?: { type?: string; reason?: string; caused_by?: { type?: string; reason?: string } } | string;
}

function isRetriableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

function describeError(status: number, error: BulkItemResult["error"]): string {
  if (error === undefined) return `status ${status}`;
  if (typeof error === "string") return `${status} ${error}`;
  const cause = error.caused_by ? ` (caused by ${error.caused_by.type}: ${error.caused_by.reason})` : "";
  return `${status} ${error.type ?? "error"}: ${error.reason ?? ""}${cause}`;
}

/**
 * What a managed domain answers a `_bulk` with (`filter_path`, a parameter every OpenSearch API takes): per item only
 * its status and error, which is all the sender reads, instead of index, id, version, shards and sequence numbers:
 * about a fifth of the bytes to receive and parse. Serverless collections do not list the parameter among the ones
 * they take, so they are sent the plain request.
 */
export const BULK_RESPONSE_FILTER = "errors,items.*.status,items.*.error,error,status";

/** Percent-encodes all but RFC 3986's unreserved characters (`encodeURIComponent` leaves `!'()*`). */
function escapeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Parses a `_bulk` response: one `{status, error}` per action, or throws when the shape is wrong. */
export function parseBulkResponse(text: string, expectedItems: number): BulkItemResult[] {
  const parsed = JSON.parse(text) as { items?: Record<string, BulkItemResult>[] };
  if (!Array.isArray(parsed.items) || parsed.items.length !== expectedItems) {
    throw new Error(`bulk response has ${parsed.items?.length ?? "no"} items for ${expectedItems} actions`);
  }
  return parsed.items.map((item) => {
    const result = item.index ?? item.create ?? Object.values(item)[0];
    return result ?? {};
  });
}

/**
 * Creates a bulk sender. Each call POSTs `/_bulk` signed with SigV4; a whole request answered 429/5xx, a network
 * error or a timeout is retried with exponential backoff and full jitter; items answered 429/5xx are re-sent alone
 * (their byte ranges cut from the body); other item errors (mapper_parsing_exception, …) are `rejected` as
 * `destination_rejected` with the error. Whatever still fails transiently after `maxAttempts` comes back `retryable`.
 */
export function createBulkSender(options: BulkClientOptions): BulkSender {
  // The query spelled as SigV4 canonicalises it (`*` and `,` escaped), so fetch and NodeHttpHandler send the same bytes.
  const query = options.service === "es" ? `?filter_path=${escapeRfc3986(BULK_RESPONSE_FILTER)}` : "";
  const url = new URL(`/_bulk${query}`, options.endpoint);
  const now = options.now ?? (() => new Date());
  const request = signedRequester({
    region: options.region,
    service: options.service,
    credentials: options.credentials,
    transport: options.fetch
      ? fetchTransport(options.fetch)
      : nodeHttpTransport(
          options.requestHandler ??
            new NodeHttpHandler({ connectionTimeout: 5_000, requestTimeout: options.timeoutMs ?? 30_000 }),
        ),
    timeoutMs: options.timeoutMs ?? 30_000,
  });
  const maxAttempts = options.maxAttempts ?? 5;
  const baseDelayMs = options.baseDelayMs ?? 200;
  const maxDelayMs = options.maxDelayMs ?? 10_000;
  const random = options.random ?? Math.random;
  const wait = options.sleep ?? sleep;

  return async (bulk) => {
    const delivered: DeliveredOutcome[] = [];
    const rejected: FailedOutcome[] = [];
    let pending = bulk.docs;
    let body = bulk.body;
    let lastError = "";
    let attempt = 0;
    while (pending.length > 0 && attempt < maxAttempts) {
      if (attempt > 0) await wait(backoffDelayMs(attempt - 1, baseDelayMs, maxDelayMs, random));
      attempt++;
      let status: number;
      let text: string;
      try {
        const response = await request({
          method: "POST",
          url,
          headers: { "content-type": "application/x-ndjson" },
          body,
          signingDate: now(),
        });
        status = response.status;
        text = response.text;
      } catch (error) {
        lastError = `request failed: ${error instanceof Error ? error.message : String(error)}`;
        continue;
      }
      if (status < 200 || status >= 300) {
        lastError = `bulk request answered ${status}: ${text.slice(0, 300)}`;
        if (isRetriableStatus(status)) continue;
        break; // 4xx on the whole request (auth, bad request): retrying the same bytes cannot help
      }
      let items: BulkItemResult[];
      try {
        items = parseBulkResponse(text, pending.length);
      } catch (error) {
        lastError = `unreadable bulk response: ${error instanceof Error ? error.message : String(error)}`;
        continue;
      }
      const retry: BulkDoc[] = [];
      for (let i = 0; i < pending.length; i++) {
        const doc = pending[i]!;
        const item = items[i]!;
        const itemStatus = item.status ?? 0;
        if (itemStatus >= 200 && itemStatus < 300) delivered.push(doc.outcome);
        else if (isRetriableStatus(itemStatus)) {
          retry.push(doc);
          lastError = `item answered ${describeError(itemStatus, item.error)}`;
        } else {
          rejected.push(toFailed(doc.outcome, "destination_rejected", describeError(itemStatus, item.error)));
        }
      }
      if (retry.length > 0 && retry.length < pending.length) body = sliceBody(body, retry);
      pending = retry;
    }
    const retryable = pending.map((doc) => doc.outcome);
    const retryDetail =
      retryable.length > 0 ? `${lastError} (after ${attempt} attempt${attempt === 1 ? "" : "s"})` : undefined;
    return { delivered, rejected, retryable, retryDetail, attempts: attempt };
  };
}

/** A new body holding only `docs` (whose ranges point into `body`); their ranges are rewritten to the new body. */
function sliceBody(body: Buffer, docs: BulkDoc[]): Buffer {
  const chunks: Buffer[] = [];
  let offset = 0;
  for (let i = 0; i < docs.length; i++) {
    const doc = docs[i]!;
    chunks.push(body.subarray(doc.start, doc.end));
    const length = doc.end - doc.start;
    docs[i] = { ...doc, start: offset, end: offset + length };
    offset += length;
  }
  return Buffer.concat(chunks, offset);
}

/** Sends every body in sequence (one domain connection; bulk parallelism belongs to the event source mapping). */
export async function sendBulkBodies(bodies: readonly BulkBody[], send: BulkSender): Promise<ListedSinkResult> {
  const delivered: DeliveredOutcome[] = [];
  const rejected: FailedOutcome[] = [];
  const retryable: DeliveredOutcome[] = [];
  let retryDetail: string | undefined;
  for (const body of bodies) {
    const r = await send(body);
    delivered.push(...r.delivered);
    rejected.push(...r.rejected);
    retryable.push(...r.retryable);
    retryDetail ??= r.retryDetail;
  }
  return { delivered, rejected, retryable, retryDetail };
}
