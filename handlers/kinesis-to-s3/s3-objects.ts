/**
 * kinesis-to-s3 core: groups delivered records into gzip JSON-lines objects per type and per day of each record's own
 * time, with keys unique per batch and deterministic for the same records, and the conditional PutObject input.
 */
import { createHash } from "node:crypto";
import { constants, gzipSync } from "node:zlib";
import type { PutObjectCommandInput } from "@aws-sdk/client-s3";
import { joinLines, jsonLinePiece, type LinePiece, pieceBytes } from "../shared/kinesis/records/outcomes";
import type { DeliveredOutcome } from "../shared/kinesis/records/types";
import { assertZone, calendarFields, capName, fallbackId, pad2, pad4 } from "../shared/kinesis/sink";

export interface S3GroupingOptions {
  /** Key prefix, e.g. `logs` or `logs/prod` (slashes at either end ignored; `""` = keys start at the type). */
  readonly prefix: string;
  /** Directory under the prefix for records without a type or a time. @default "unknown" */
  readonly unknownPrefix?: string;
  /** IANA zone for the date partitions and the object name's timestamp. @default "UTC" */
  readonly timeZone?: string;
  /**
   * Clock used only when a time-less record also has no usable arrival time (a malformed event): the arrival time is
   * what keeps keys stable across redeliveries, so the wall clock is a last resort. @default Date.now
   */
  readonly now?: () => number;
  /** gzip level 1–9: 4 is ~3× faster than zlib's 6 on log lines for ~10% larger objects. @default 4 */
  readonly gzipLevel?: number;
}

/** What a batch knows beyond its outcomes. */
export interface S3BatchInfo {
  /**
   * The Kinesis shard of an outcome's record, e.g. `shardId-000000000000` (the part of the Lambda event record's
   * `eventID` before `:`). @default () => "shardId-unknown"
   */
  readonly shardOf?: (outcome: DeliveredOutcome) => string;
}

/** One S3 object to write. */
export interface S3Object {
  /**
   * `<prefix>/<type>/<YYYY-MM>/<DD>/<YYYY-MM-DD-HH:MM:SS>-<id>-<shard>-<first seq>-<last seq>-<digest>.gz` (see
   * `groupForS3`).
   */
  readonly key: string;
  /** gzip of the JSON lines (one record per line, trailing newline); byte-identical for identical input. */
  readonly body: Buffer;
  /** Number of records (lines) in the object. */
  readonly records: number;
  /** Uncompressed size in bytes. */
  readonly rawBytes: number;
  /** eventIds of the records, in line order. */
  readonly eventIds: string[];
  /** The records, in line order (to report batch item failures or failed records when the put fails). */
  readonly outcomes: DeliveredOutcome[];
}

/** Longest type segment in a key (bytes). */
const MAX_TYPE_BYTES = 128;
/** Longest id in an object name (bytes); S3 keys stop at 1024. */
const MAX_ID_BYTES = 200;
/** Longest shard id and sequence number in an object name (Kinesis: `shardId-` + 12 digits, and up to 129 digits). */
const MAX_SHARD_BYTES = 64;
const MAX_SEQUENCE_BYTES = 130;
const UNKNOWN_SHARD = "shardId-unknown";
// `/` and `\` (directories), control characters, DEL, and lone UTF-16 surrogates (no UTF-8 form, so no URI can hold
// them: encodeURIComponent throws on them, in our signer as in the SDK's).
const UNSAFE_KEY_CHARS =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what this removes
  /[/\\\u0000-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Makes a type or id safe as one key segment: no `/` or `\`, no control characters, no lone surrogates, no `..`, no
 * leading dot, not empty, at most `maxBytes` UTF-8 bytes (a longer value keeps a hash of the whole so distinct values
 * stay distinct). Everything else (`( ) ! * ' ~ % +`, spaces, any non-ASCII) is kept: the S3 writer escapes it as the
 * SDK does (see `encodeS3KeyPath`).
 */
export function sanitizeKeySegment(value: string, maxBytes: number): string {
  let s = value.replace(UNSAFE_KEY_CHARS, "_");
  if (s.includes("..")) s = s.replace(/\.{2,}/g, "_");
  if (s.charCodeAt(0) === 46) s = `_${s.slice(1)}`;
  if (s === "") s = "_";
  return capName(s, maxBytes);
}

/** Validates and normalises the configured prefix (`a/b/` → `a/b`); throws RangeError naming the problem. */
export function normalizeS3Prefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, "");
  if (trimmed === "") return "";
  for (const segment of trimmed.split("/")) {
    if (segment === "" || segment === "." || segment === ".." || segment !== sanitizeKeySegment(segment, 256)) {
      throw new RangeError(`invalid S3 prefix "${prefix}": segment "${segment}" is empty, a dot path or unsafe`);
    }
  }
  return trimmed;
}

interface Group {
  directory: string;
  shard: string;
  /** Epoch ms that stamps the object name (first record's time, or its arrival time when it has none). */
  stamp: number;
  id: string;
  outcomes: DeliveredOutcome[];
}

/**
 * Groups records into S3 objects.
 *
 * - Typed, timed records: `<prefix>/<type>/<YYYY-MM>/<DD>/…`, grouped by type and by the day of each record's own time
 *   in `timeZone`.
 * - No type: `<prefix>/<unknownPrefix>/unknown_type/<YYYY-MM>/<DD>/…` (day of its time, else of its arrival time).
 *   Only for callers running the pipeline with `requireType: false`: the kinesis-to-s3 handler never delivers such a
 *   record, it fails it as `missing_type` like every other module (see `toS3PipelineOptions`).
 * - Type but no time (absent or unparseable): `<prefix>/<unknownPrefix>/<type>_no_timestamp/<YYYY-MM>/<DD>/…`, dated by
 *   the Kinesis arrival time (not the wall clock, so a redelivered batch writes the same key).
 * - Object name `<YYYY-MM-DD-HH:MM:SS>-<id>-<shard>-<first seq>-<last seq>-<digest>.gz`. The documented start is the
 *   time (arrival time for time-less groups) and `log_id` of the group's FIRST record in input order (without a
 *   `log_id`, `k-<eventId with ":"→"-">`). Then the shard, the sequence numbers of the object's first and last
 *   records, and `<digest>`: 16 hex digits of the SHA-256 of the object's event ids (one per line), in line order.
 *   Records of different shards are never in one object.
 *
 * Why this name is unique per batch and deterministic for the same records: a Kinesis record's bytes never change for
 * its (shard, sequence number), and event ids (`<seq>[:<kpl>][:<cloudwatch>]`) name each log event of it. The object's
 * content is its events' lines in order, so (shard, event ids) determine the content, given the same configuration
 * (prefix, zone, key names) and code. First and last sequence numbers make the range readable and unique across
 * batches; the digest covers the cases where the same range holds a different set of events (an event failed in one
 * delivery and not in another, e.g. by a per-batch budget; a hand-built event). So two batches whose first records
 * share type, second and `log_id` get different names, and a redelivery of the same records gets the same name: the
 * conditional write (`If-None-Match: *`, see `putObjectInput`) then meets the object a previous delivery wrote, and
 * that object already holds exactly these events.
 *
 * A batch redelivered with other bounds (a bisected half, a retry from a batch item failure) groups its records
 * differently and writes them under new names: records it shares with an earlier delivery are stored twice (delivery
 * is at least once), never lost and never replaced.
 *
 * Objects come out in order of their first record; lines keep input order. Records are never mutated. Identical
 * input gives identical keys and bytes.
 */
export function groupForS3(
  outcomes: readonly DeliveredOutcome[],
  options: S3GroupingOptions,
  batch: S3BatchInfo = {},
): S3Object[] {
  const prefix = normalizeS3Prefix(options.prefix);
  const base = prefix === "" ? "" : `${prefix}/`;
  const unknown = sanitizeKeySegment(options.unknownPrefix ?? "unknown", MAX_TYPE_BYTES);
  const timeZone = options.timeZone ?? "UTC";
  assertZone(timeZone);
  const now = options.now ?? Date.now;
  const level = options.gzipLevel ?? 4;
  const shardOf = batch.shardOf;
  // A batch comes from one shard: the sanitized segment of the last shard seen is reused.
  let lastRawShard: string | undefined;
  let lastShard = "";
  let firstShard: string | undefined;

  const groups = new Map<string, Group>();
  const types = new Map<string, string>(); // raw type → sanitized segment
  for (const outcome of outcomes) {
    let typeDir: string;
    const timed = outcome.time !== undefined;
    if (outcome.type === undefined) {
      typeDir = `${unknown}/unknown_type`;
    } else {
      let safe = types.get(outcome.type);
      if (safe === undefined) {
        safe = sanitizeKeySegment(outcome.type, MAX_TYPE_BYTES);
        types.set(outcome.type, safe);
      }
      typeDir = timed ? safe : `${unknown}/${capName(`${safe}_no_timestamp`, MAX_TYPE_BYTES + 13)}`;
    }
    const instant = timed ? outcome.time! : arrivalOrNow(outcome, now);
    const dayDir = dayDirectory(instant, timeZone);
    const rawShard = shardOf === undefined ? UNKNOWN_SHARD : shardOf(outcome);
    if (rawShard !== lastRawShard) {
      lastRawShard = rawShard;
      lastShard = sanitizeKeySegment(rawShard, MAX_SHARD_BYTES);
      firstShard ??= lastShard;
    }
    const shard = lastShard;
    const directory = `${typeDir}/${dayDir}`;
    // Sanitized segments hold no control character, so "\0" keeps other shards' groups apart from the first's.
    const groupKey = shard === firstShard ? directory : `${shard}\u0000${directory}`;
    let group = groups.get(groupKey);
    if (group === undefined) {
      group = {
        directory: `${base}${directory}`,
        shard,
        stamp: instant,
        id: sanitizeKeySegment(outcome.id ?? fallbackId(outcome), MAX_ID_BYTES),
        outcomes: [],
      };
      groups.set(groupKey, group);
    }
    group.outcomes.push(outcome);
  }

  const objects: S3Object[] = [];
  for (const group of groups.values()) {
    const lines = new Array<LinePiece>(group.outcomes.length);
    let bytes = 0;
    for (let i = 0; i < group.outcomes.length; i++) {
      const line = jsonLinePiece(group.outcomes[i]!);
      lines[i] = line;
      bytes += pieceBytes(line) + 1;
    }
    const raw = joinLines(lines, bytes);
    const first = group.outcomes[0]!;
    const last = group.outcomes[group.outcomes.length - 1]!;
    const range = `${group.shard}-${sanitizeKeySegment(first.sequenceNumber, MAX_SEQUENCE_BYTES)}-${sanitizeKeySegment(last.sequenceNumber, MAX_SEQUENCE_BYTES)}`;
    const eventIds = group.outcomes.map((o) => o.eventId);
    objects.push({
      key: `${group.directory}/${objectStamp(group.stamp, timeZone)}-${group.id}-${range}-${eventDigest(eventIds)}.gz`,
      body: deterministicGzip(raw, level),
      records: group.outcomes.length,
      rawBytes: raw.length,
      eventIds,
      outcomes: group.outcomes,
    });
  }
  return objects;
}

/** 16 hex digits of the SHA-256 of the event ids, one per line: which events an object holds. */
function eventDigest(eventIds: readonly string[]): string {
  return createHash("sha256")
    .update(`${eventIds.join("\n")}\n`)
    .digest("hex")
    .slice(0, 16);
}

function arrivalOrNow(outcome: DeliveredOutcome, now: () => number): number {
  const arrival = outcome.arrivalTime;
  return Number.isFinite(arrival) && arrival > 0 ? arrival : now();
}

/** `YYYY-MM/DD` of an instant in the zone. */
function dayDirectory(instant: number, timeZone: string): string {
  const f = calendarFields(instant, timeZone);
  return `${pad4(f.year)}-${pad2(f.month)}/${pad2(f.day)}`;
}

/** `YYYY-MM-DD-HH:MM:SS` in the zone (the original module's object-name timestamp). */
export function objectStamp(instant: number, timeZone: string): string {
  const f = calendarFields(instant, timeZone);
  return `${pad4(f.year)}-${pad2(f.month)}-${pad2(f.day)}-${pad2(f.hour)}:${pad2(f.minute)}:${pad2(f.second)}`;
}

/**
 * gzip with a fixed header: Node already writes MTIME 0 and no file name; the OS byte is pinned to 3 (Unix) so the
 * bytes do not depend on the platform that built them.
 */
export function deterministicGzip(data: Buffer | string, level = 4): Buffer {
  const gz = gzipSync(data, { level, strategy: constants.Z_DEFAULT_STRATEGY });
  gz[9] = 3;
  return gz;
}

/** Server-side encryption for the objects. */
export type S3Encryption = { readonly type: "AES256" } | { readonly type: "aws:kms"; readonly kmsKeyId?: string };

export interface S3PutOptions {
  readonly bucket: string;
  /** @default { type: "AES256" } */
  readonly encryption?: S3Encryption;
}

/**
 * PutObject input for an object. Content-Type `application/x-ndjson`: no JSON-lines type is IANA-registered, and
 * x-ndjson is the one the tools that read these files (OpenSearch/Elasticsearch `_bulk`, Athena/Glue docs, jq
 * users' HTTP clients) already recognise; `application/jsonl` is newer and less supported. Content-Encoding `gzip`
 * describes the bytes (the key also ends in `.gz`, like the original module).
 *
 * `If-None-Match: *` makes the write conditional: S3 refuses (412 PreconditionFailed) to replace an existing object,
 * so an object is never replaced by different content, even if two writers ever computed the same name. The name
 * determines the events it holds (see `groupForS3`), so a 412 means these events are already stored.
 */
export function putObjectInput(object: S3Object, options: S3PutOptions): PutObjectCommandInput {
  const encryption = options.encryption ?? { type: "AES256" };
  const input: PutObjectCommandInput = {
    Bucket: options.bucket,
    Key: object.key,
    Body: object.body,
    ContentType: "application/x-ndjson",
    ContentEncoding: "gzip",
    ContentLength: object.body.length,
    ServerSideEncryption: encryption.type,
    Metadata: { records: String(object.records) },
    IfNoneMatch: "*",
  };
  if (encryption.type === "aws:kms") {
    if (encryption.kmsKeyId !== undefined) input.SSEKMSKeyId = encryption.kmsKeyId;
    input.BucketKeyEnabled = true; // one data key per bucket and period instead of a KMS call per object
  }
  return input;
}
