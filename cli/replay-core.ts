/**
 * The replay command's logic over injected ports: read failed-records JSON lines (handlers/shared/failed-records.ts)
 * from a location, take each line's ORIGINAL Kinesis record bytes, and put them back into a stream with PutRecords.
 *
 * - Original bytes only: the field named by `RAW_RECORD_FIELD`. A line without it (written before failed records
 *   carried the original bytes) is skipped with a message naming the object and line; its `payload_base64` holds the
 *   decoded event, not the record, and is never sent in its place.
 * - One put per original Kinesis record: several failed events of one record (a KPL aggregate, a CloudWatch Logs
 *   envelope) carry the same bytes; they are sent once (key: sequence number + SHA-256 of the bytes).
 * - The record's own partition key (`RECORD_PARTITION_KEY_FIELD`; and explicit hash key when the line has one), so it
 *   lands on the shard its key maps to and keeps its order relative to records with the same key.
 * - A marker (optional): keys already replayed are skipped, keys sent are added, so running the command again sends
 *   nothing twice. Without a marker, every run sends everything again.
 * - PutRecords within its limits (500 records, 5 MiB per call); failed entries are retried with backoff, a bounded
 *   number of times; what still fails is reported (and not added to the marker).
 * - Dry run: reads and checks everything, lists what would be sent, sends nothing and writes no marker.
 */
import { createHash } from "node:crypto";
import { backoffDelayMs, sleep } from "../handlers/shared/backoff";

/**
 * The failed-record field holding the original Kinesis record's data, base64 (the one place this name is written).
 * Lines without it are skipped, never replayed from their decoded payload.
 */
export const RAW_RECORD_FIELD = "kinesis_data_base64";
/**
 * The Kinesis record's own partition key (for a KPL sub-record `partition_key` is the user record's). When absent, a
 * line that is not a KPL sub-record uses `partition_key`, which is then the same; a KPL line without it is skipped.
 */
export const RECORD_PARTITION_KEY_FIELD = "kinesis_partition_key";
/** Optional field of a failed-record line with the record's explicit hash key. */
export const EXPLICIT_HASH_KEY_FIELD = "explicit_hash_key";

export const MAX_RECORDS_PER_PUT = 500;
export const MAX_BYTES_PER_PUT = 5 * 1024 * 1024;
export const MAX_RECORD_BYTES = 1024 * 1024;

/** Where failed records are read from: an S3 prefix or local files. */
export interface SourcePort {
  /** Object keys or file paths holding failed-record lines, in the order to replay them. */
  list(): Promise<string[]>;
  read(name: string): Promise<string>;
}

export interface PutRecordsEntry {
  readonly Data: Uint8Array;
  readonly PartitionKey: string;
  readonly ExplicitHashKey?: string;
}

export interface PutRecordsResultEntry {
  readonly SequenceNumber?: string;
  readonly ShardId?: string;
  readonly ErrorCode?: string;
  readonly ErrorMessage?: string;
}

export interface KinesisPort {
  putRecords(input: { StreamName?: string; StreamARN?: string; Records: PutRecordsEntry[] }): Promise<{
    FailedRecordCount?: number;
    Records?: PutRecordsResultEntry[];
  }>;
}

/** What has been replayed already (a local file in the CLI). */
export interface MarkerPort {
  load(): Promise<Set<string>>;
  add(keys: readonly string[]): Promise<void>;
}

export interface ReplayRecord {
  /** Dedup and marker key: `<sequence number>:<sha256 of the bytes, 16 hex>`. */
  readonly key: string;
  readonly data: Buffer;
  readonly partitionKey: string;
  readonly explicitHashKey?: string;
  readonly sequenceNumber: string;
  readonly reasons: string[];
  /** `<object>:<line>` of the first line that named this record. */
  readonly from: string;
}

export interface ReplaySkip {
  readonly from: string;
  readonly message: string;
}

export interface ReplaySummary {
  objects: number;
  lines: number;
  /** Unique original records found. */
  records: number;
  /** Lines whose record was already found on an earlier line (same record, another failed event). */
  duplicateLines: number;
  /** Lines without the original bytes (or otherwise unusable), with a message each. */
  skipped: ReplaySkip[];
  /** Records the marker says were replayed already. */
  alreadyReplayed: number;
  /** Records sent (dry run: that would be sent). */
  sent: number;
  /** Records that still failed after the retries. */
  failed: { key: string; error: string }[];
  dryRun: boolean;
}

export interface ReplayOptions {
  /** Stream name or ARN (an ARN starts with `arn:`). */
  readonly stream: string;
  readonly dryRun?: boolean;
  /** PutRecords calls per chunk, including the first. @default 5 */
  readonly maxAttempts?: number;
  /** @default 100 */
  readonly baseDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Source of the backoff's jitter, in [0, 1). @default Math.random */
  readonly random?: () => number;
  /** One line per record sent or skipped. */
  readonly log?: (line: string) => void;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Pure: the records of one failed-records object (or file), with a message for each line that cannot be replayed. */
export function parseFailedRecords(
  name: string,
  text: string,
): { records: ReplayRecord[]; skipped: ReplaySkip[]; lines: number } {
  const records: ReplayRecord[] = [];
  const skipped: ReplaySkip[] = [];
  let lines = 0;
  const all = text.split("\n");
  for (let i = 0; i < all.length; i++) {
    const line = all[i]!.trim();
    if (line === "") continue;
    lines++;
    const from = `${name}:${i + 1}`;
    const problem = lineProblemOrRecord(line, from);
    if (typeof problem === "string") skipped.push({ from, message: problem });
    else records.push(problem);
  }
  return { records, skipped, lines };
}

function lineProblemOrRecord(line: string, from: string): string | ReplayRecord {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return "not a JSON line";
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "not a JSON object";
  const o = value as Record<string, unknown>;
  const encoded = o[RAW_RECORD_FIELD];
  if (encoded === undefined || encoded === null) {
    return `no ${RAW_RECORD_FIELD} (written before failed records carried the original Kinesis bytes); not replayed: its payload_base64 is the decoded event, not the record`;
  }
  if (typeof encoded !== "string" || !BASE64.test(encoded)) return `${RAW_RECORD_FIELD} is not base64`;
  const sequenceNumber = typeof o.sequence_number === "string" ? o.sequence_number : "";
  if (sequenceNumber === "") return "sequence_number is missing";
  // The Kinesis record's own key; `partition_key` is the same only when the event is not a KPL sub-record.
  const isKpl = o.kpl_index !== undefined && o.kpl_index !== null;
  const partitionKey = o[RECORD_PARTITION_KEY_FIELD] ?? (isKpl ? undefined : o.partition_key);
  if (typeof partitionKey !== "string" || partitionKey.length === 0 || partitionKey.length > 256) {
    return `${RECORD_PARTITION_KEY_FIELD} is missing or not 1 to 256 characters`;
  }
  const explicit = o[EXPLICIT_HASH_KEY_FIELD];
  if (explicit !== undefined && explicit !== null && (typeof explicit !== "string" || !/^\d{1,39}$/.test(explicit))) {
    return `${EXPLICIT_HASH_KEY_FIELD} is not a decimal hash key`;
  }
  const data = Buffer.from(encoded, "base64");
  if (data.length > MAX_RECORD_BYTES) return `the record is ${data.length} bytes, over Kinesis's 1 MiB`;
  const hash = createHash("sha256").update(data).digest("hex").slice(0, 16);
  return {
    key: `${sequenceNumber}:${hash}`,
    data,
    partitionKey,
    ...(typeof explicit === "string" ? { explicitHashKey: explicit } : {}),
    sequenceNumber,
    reasons: typeof o.reason === "string" ? [o.reason] : [],
    from,
  };
}

/** Pure: PutRecords chunks within the count and byte limits (data plus partition key count toward the 5 MiB). */
export function chunkRecords(records: readonly ReplayRecord[]): ReplayRecord[][] {
  const chunks: ReplayRecord[][] = [];
  let current: ReplayRecord[] = [];
  let bytes = 0;
  for (const r of records) {
    const size = r.data.length + Buffer.byteLength(r.partitionKey);
    if (current.length > 0 && (current.length >= MAX_RECORDS_PER_PUT || bytes + size > MAX_BYTES_PER_PUT)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(r);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** Reads every failed-records object of `source`, and (unless a dry run) puts each original record into the stream. */
export async function replay(
  ports: { source: SourcePort; kinesis: KinesisPort; marker?: MarkerPort },
  opts: ReplayOptions,
): Promise<ReplaySummary> {
  const log = opts.log ?? (() => {});
  const dryRun = opts.dryRun ?? false;
  const maxAttempts = opts.maxAttempts ?? 5;
  const baseDelayMs = opts.baseDelayMs ?? 100;
  const wait = opts.sleep ?? sleep;
  const random = opts.random ?? Math.random;
  const summary: ReplaySummary = {
    objects: 0,
    lines: 0,
    records: 0,
    duplicateLines: 0,
    skipped: [],
    alreadyReplayed: 0,
    sent: 0,
    failed: [],
    dryRun,
  };

  const names = await ports.source.list();
  const unique = new Map<string, ReplayRecord>();
  for (const name of names) {
    const parsed = parseFailedRecords(name, await ports.source.read(name));
    summary.objects++;
    summary.lines += parsed.lines;
    for (const s of parsed.skipped) {
      summary.skipped.push(s);
      log(`skip ${s.from}: ${s.message}`);
    }
    for (const r of parsed.records) {
      const seen = unique.get(r.key);
      if (seen) {
        summary.duplicateLines++;
        for (const reason of r.reasons) if (!seen.reasons.includes(reason)) seen.reasons.push(reason);
      } else unique.set(r.key, r);
    }
  }
  summary.records = unique.size;

  const done = ports.marker ? await ports.marker.load() : new Set<string>();
  const toSend: ReplayRecord[] = [];
  for (const r of unique.values()) {
    if (done.has(r.key)) {
      summary.alreadyReplayed++;
      log(`already replayed ${r.key} (${r.from})`);
    } else toSend.push(r);
  }

  const target = opts.stream.startsWith("arn:") ? { StreamARN: opts.stream } : { StreamName: opts.stream };
  if (dryRun) {
    for (const r of toSend) {
      log(
        `would send ${r.key}: ${r.data.length} bytes, partition key ${JSON.stringify(r.partitionKey)}${r.explicitHashKey ? `, explicit hash key ${r.explicitHashKey}` : ""}, reasons ${r.reasons.join(",")} (${r.from})`,
      );
    }
    summary.sent = toSend.length;
    return summary;
  }

  for (const chunk of chunkRecords(toSend)) {
    let pending = chunk;
    let lastErrors = new Map<string, string>();
    for (let attempt = 1; attempt <= maxAttempts && pending.length > 0; attempt++) {
      // The handlers' backoff (full jitter), uncapped: maxAttempts bounds the wait.
      if (attempt > 1) await wait(backoffDelayMs(attempt - 2, baseDelayMs, Number.POSITIVE_INFINITY, random));
      const retry: ReplayRecord[] = [];
      const errors = new Map<string, string>();
      try {
        const result = await ports.kinesis.putRecords({
          ...target,
          Records: pending.map((r) => ({
            Data: r.data,
            PartitionKey: r.partitionKey,
            ...(r.explicitHashKey ? { ExplicitHashKey: r.explicitHashKey } : {}),
          })),
        });
        const entries = result.Records ?? [];
        const sent: string[] = [];
        pending.forEach((r, i) => {
          const e = entries[i];
          if (e?.SequenceNumber && !e.ErrorCode) {
            sent.push(r.key);
            log(`sent ${r.key} -> ${e.ShardId ?? "?"} ${e.SequenceNumber} (${r.from})`);
          } else {
            retry.push(r);
            errors.set(r.key, e?.ErrorCode ? `${e.ErrorCode}: ${e.ErrorMessage ?? ""}` : "no result entry");
          }
        });
        summary.sent += sent.length;
        if (sent.length > 0 && ports.marker) await ports.marker.add(sent);
      } catch (error) {
        const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        for (const r of pending) {
          retry.push(r);
          errors.set(r.key, text);
        }
      }
      pending = retry;
      lastErrors = errors;
    }
    for (const r of pending) {
      const error = lastErrors.get(r.key) ?? "unknown";
      summary.failed.push({ key: r.key, error });
      log(`failed ${r.key} (${r.from}): ${error}`);
    }
  }
  return summary;
}

/** Human-readable summary lines. */
export function formatSummary(s: ReplaySummary, stream: string): string {
  const verb = s.dryRun ? "would send" : "sent";
  return [
    `${s.dryRun ? "dry run: " : ""}${s.objects} object(s), ${s.lines} failed-record line(s), ${s.records} original record(s) (${s.duplicateLines} line(s) shared a record)`,
    `${verb} ${s.sent} record(s) to ${stream}; already replayed (marker) ${s.alreadyReplayed}; skipped ${s.skipped.length} line(s); failed ${s.failed.length}`,
  ].join("\n");
}
