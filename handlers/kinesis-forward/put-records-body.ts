/**
 * PutRecords request bodies written directly, inside the KinesisClient's own middleware stack.
 *
 * Why: the SDK's generic awsJson1_1 serializer walks the operation schema for every member of every entry and
 * base64-encodes `Data` byte by byte in JavaScript; for 500-entry requests of ~1 KB records that is the largest single
 * cost of kinesis-forward. Here the `Records` array is written in one pass into one buffer of the exact size (Node's
 * native base64, `JSON.stringify` for the strings) and everything else stays the SDK's: the serializer still builds the request (endpoint, headers, every
 * other member, in its order), and credentials, endpoint resolution, retries, content length and SigV4 signing run
 * unchanged over the resulting bytes.
 *
 * How: two middlewares around the SDK's `serializerMiddleware`, for `PutRecordsCommand` only. The first hands the
 * serializer the input with `Records: []` and keeps the entries; the second splices the entries' JSON into the
 * serialized body at `"Records":[]`. The bytes are identical to what the SDK writes for the same input (the unit test
 * compares bodies and signatures): members in schema order (`Data`, `ExplicitHashKey`, `PartitionKey`), absent
 * members omitted, `Data` as standard padded base64 (a string `Data` is its UTF-8), strings escaped exactly as the
 * SDK's `writeJsonString` does (`JSON.stringify`: `\b \t \n \f \r \" \\`, other controls and lone surrogates as
 * lower-case `\u00xx`, everything else as UTF-8). An entry of any other shape (not an object, or carrying `__type`)
 * leaves the whole request to the SDK's serializer.
 *
 * API: `kinesis.middlewareStack.use(putRecordsBodyPlugin())`; `planRecords` and `writeBody` are the pure parts.
 */
import type {
  HandlerExecutionContext,
  MetadataBearer,
  Pluggable,
  SerializeHandler,
  SerializeHandlerArguments,
} from "@smithy/types";

export interface PutRecordsEntryLike {
  readonly Data?: Uint8Array | string | null;
  readonly ExplicitHashKey?: string | null;
  readonly PartitionKey?: string | null;
  readonly [DATA_BASE64]?: string;
}

/**
 * An entry may carry, under this key, the canonical base64 of its `Data` bytes when the caller already holds it (the
 * Kinesis record's own data, for an event forwarded as it came): the body then takes it as is instead of encoding the
 * bytes again. The caller vouches for it; a value of the wrong length is ignored. The SDK's serializer never reads
 * symbol keys, so without this plugin the entry is serialized as usual.
 */
export const DATA_BASE64: unique symbol = Symbol("PutRecords entry Data as canonical base64");

const COMMAND = "PutRecordsCommand";
const MARKER = '"Records":[]';

/** A string member's value as it goes into the body. */
interface JsonText {
  /** The raw string when it needs no escaping and is ASCII (written between quotes as is), else its JSON. */
  readonly text: string;
  readonly raw: boolean;
  /** Bytes written, quotes included. */
  readonly bytes: number;
}

/** One entry, measured. */
interface PlannedEntry {
  readonly data: Buffer | undefined;
  /** `data` as base64, when the entry brought it (`DATA_BASE64`). */
  readonly base64: string | undefined;
  readonly hashKey: JsonText | undefined;
  readonly partitionKey: JsonText | undefined;
}

/** The entries measured, in order; `undefined` when an entry has a shape this writer leaves to the SDK. */
export interface PutRecordsPlan {
  readonly entries: readonly PlannedEntry[];
  /** Bytes of the entries and the commas between them. */
  readonly bytes: number;
}

// Printable ASCII but `"` and `\`: what JSON.stringify (and the SDK) write unchanged.
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const DATA_KEY = '"Data":"';
const HASH_KEY = '"ExplicitHashKey":';
const PARTITION_KEY = '"PartitionKey":';

function jsonText(value: string): JsonText {
  if (PLAIN.test(value)) return { text: value, raw: true, bytes: value.length + 2 };
  const text = JSON.stringify(value);
  return { text, raw: false, bytes: Buffer.byteLength(text, "utf8") };
}

function asBuffer(data: Uint8Array | string): Buffer {
  if (typeof data === "string") return Buffer.from(data, "utf8");
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** Validates and measures the entries of a `Records` array (no base64 yet). */
export function planRecords(records: readonly unknown[]): PutRecordsPlan | undefined {
  const entries = new Array<PlannedEntry>(records.length);
  let bytes = Math.max(0, records.length - 1); // commas
  for (let i = 0; i < records.length; i++) {
    const entry = records[i] as PutRecordsEntryLike | null | undefined;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry) || "__type" in entry) return undefined;
    const { Data, ExplicitHashKey, PartitionKey } = entry;
    if (Data != null && typeof Data !== "string" && !(Data instanceof Uint8Array)) return undefined;
    if (ExplicitHashKey != null && typeof ExplicitHashKey !== "string") return undefined;
    if (PartitionKey != null && typeof PartitionKey !== "string") return undefined;
    const data = Data == null ? undefined : asBuffer(Data);
    const encoded = entry[DATA_BASE64];
    const base64Length = data === undefined ? 0 : Math.ceil(data.length / 3) * 4;
    const base64 = typeof encoded === "string" && encoded.length === base64Length ? encoded : undefined;
    const hashKey = ExplicitHashKey == null ? undefined : jsonText(ExplicitHashKey);
    const partitionKey = PartitionKey == null ? undefined : jsonText(PartitionKey);
    let size = 2; // { }
    let members = 0;
    if (data !== undefined) {
      size += DATA_KEY.length + base64Length + 1;
      members++;
    }
    if (hashKey !== undefined) {
      size += HASH_KEY.length + hashKey.bytes;
      members++;
    }
    if (partitionKey !== undefined) {
      size += PARTITION_KEY.length + partitionKey.bytes;
      members++;
    }
    bytes += size + Math.max(0, members - 1);
    entries[i] = { data, base64, hashKey, partitionKey };
  }
  return { entries, bytes };
}

function writeMember(out: Buffer, at: number, key: string, value: JsonText, comma: boolean): number {
  let p = at;
  if (comma) out[p++] = 0x2c; // ,
  p += out.write(key, p, "latin1");
  if (value.raw) {
    out[p++] = 0x22; // "
    p += out.write(value.text, p, "latin1");
    out[p++] = 0x22;
  } else p += out.write(value.text, p, "utf8");
  return p;
}

/**
 * The whole body: `prefix` + the entries (as the SDK serializes them, comma-separated) + `suffix`, written once into
 * one buffer of the exact size.
 */
export function writeBody(prefix: string, plan: PutRecordsPlan, suffix: string): Buffer {
  const prefixBytes = Buffer.byteLength(prefix, "utf8");
  const out = Buffer.allocUnsafe(prefixBytes + plan.bytes + Buffer.byteLength(suffix, "utf8"));
  let at = out.write(prefix, 0, "utf8");
  const entries = plan.entries;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (i > 0) out[at++] = 0x2c; // ,
    out[at++] = 0x7b; // {
    if (e.data !== undefined) {
      at += out.write(DATA_KEY, at, "latin1");
      at += out.write(e.base64 ?? e.data.toString("base64"), at, "latin1");
      out[at++] = 0x22; // "
    }
    if (e.hashKey !== undefined) at = writeMember(out, at, HASH_KEY, e.hashKey, e.data !== undefined);
    if (e.partitionKey !== undefined) {
      at = writeMember(out, at, PARTITION_KEY, e.partitionKey, e.data !== undefined || e.hashKey !== undefined);
    }
    out[at++] = 0x7d; // }
  }
  at += out.write(suffix, at, "utf8");
  if (at !== out.length) throw new Error(`PutRecords body: wrote ${at} of ${out.length} bytes`);
  return out;
}

function bodyText(body: unknown): string | undefined {
  if (typeof body === "string") return body;
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8");
  return undefined;
}

/** The plugin: add once to a KinesisClient (`client.middlewareStack.use(putRecordsBodyPlugin())`). */
export function putRecordsBodyPlugin<Input extends object, Output extends MetadataBearer>(): Pluggable<Input, Output> {
  // Entries taken out of the input before the SDK serializer, keyed by the input object handed to it (the serializer
  // passes that same object on with the request). Not by the execution context: a client with `cacheMiddleware`
  // shares one context between all its sends of a command.
  const held = new WeakMap<object, PutRecordsPlan>();

  const holdRecords =
    (next: SerializeHandler<Input, Output>, context: HandlerExecutionContext): SerializeHandler<Input, Output> =>
    async (args: SerializeHandlerArguments<Input>) => {
      const input = args.input as { Records?: unknown };
      if (context.commandName !== COMMAND || !Array.isArray(input.Records)) return next(args);
      const plan = planRecords(input.Records);
      if (plan === undefined) return next(args);
      const withoutRecords = { ...args.input, Records: [] };
      held.set(withoutRecords, plan);
      return next({ ...args, input: withoutRecords });
    };

  const spliceRecords =
    (next: SerializeHandler<Input, Output>): SerializeHandler<Input, Output> =>
    async (args: SerializeHandlerArguments<Input>) => {
      const plan = held.get(args.input);
      if (plan === undefined) return next(args);
      held.delete(args.input);
      const request = args.request as { body?: unknown };
      const text = bodyText(request.body);
      const at = text?.indexOf(MARKER) ?? -1;
      if (text === undefined || at < 0) {
        throw new Error("PutRecords body: the SDK serializer's output has no empty Records list to fill");
      }
      const cut = at + MARKER.length - 1;
      request.body = writeBody(text.slice(0, cut), plan, text.slice(cut));
      return next(args);
    };

  return {
    applyToStack(stack) {
      stack.addRelativeTo(holdRecords, {
        name: "putRecordsHoldRecords",
        relation: "before",
        toMiddleware: "serializerMiddleware",
        override: true,
      });
      stack.addRelativeTo(spliceRecords, {
        name: "putRecordsSpliceRecords",
        relation: "after",
        toMiddleware: "serializerMiddleware",
        override: true,
      });
    },
  };
}
