/**
 * PutRecords request bodies written directly, inside the KinesisClient's own middleware stack.
 *
 * Why: the SDK's generic awsJson1_1 serializer walks the operation schema for every member of every entry and
 * base64-encodes `Data` byte by byte in JavaScript; for 500-entry requests of ~1 KB records that is the largest single
 * cost of kinesis-forward. Here the `Records` array is written in one pass (Node's native base64, `JSON.stringify` for
 * the strings) and everything else stays the SDK's: the serializer still builds the request (endpoint, headers, every
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
 * API: `kinesis.middlewareStack.use(putRecordsBodyPlugin())`; `recordsJson(entries)` is the pure part.
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
}

const COMMAND = "PutRecordsCommand";
const MARKER = '"Records":[]';

function base64(data: Uint8Array | string): string {
  if (typeof data === "string") return Buffer.from(data, "utf8").toString("base64");
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return buf.toString("base64");
}

/**
 * The entries of a PutRecords `Records` array as the SDK serializes them, comma-separated, without the brackets; or
 * `undefined` when an entry has a shape this writer leaves to the SDK.
 */
export function recordsJson(records: readonly unknown[]): string | undefined {
  const parts = new Array<string>(records.length);
  for (let i = 0; i < records.length; i++) {
    const entry = records[i] as PutRecordsEntryLike | null | undefined;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry) || "__type" in entry) return undefined;
    const { Data, ExplicitHashKey, PartitionKey } = entry;
    if (Data != null && typeof Data !== "string" && !(Data instanceof Uint8Array)) return undefined;
    if (ExplicitHashKey != null && typeof ExplicitHashKey !== "string") return undefined;
    if (PartitionKey != null && typeof PartitionKey !== "string") return undefined;
    let json = "{";
    if (Data != null) json += `"Data":"${base64(Data)}"`;
    if (ExplicitHashKey != null)
      json += `${json.length > 1 ? "," : ""}"ExplicitHashKey":${JSON.stringify(ExplicitHashKey)}`;
    if (PartitionKey != null) json += `${json.length > 1 ? "," : ""}"PartitionKey":${JSON.stringify(PartitionKey)}`;
    parts[i] = `${json}}`;
  }
  return parts.join(",");
}

function bodyText(body: unknown): string | undefined {
  if (typeof body === "string") return body;
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8");
  return undefined;
}

/** The plugin: add once to a KinesisClient (`client.middlewareStack.use(putRecordsBodyPlugin())`). */
export function putRecordsBodyPlugin<Input extends object, Output extends MetadataBearer>(): Pluggable<Input, Output> {
  // Entries taken out of the input before the SDK serializer, per command execution.
  const held = new WeakMap<HandlerExecutionContext, string>();

  const holdRecords =
    (next: SerializeHandler<Input, Output>, context: HandlerExecutionContext): SerializeHandler<Input, Output> =>
    async (args: SerializeHandlerArguments<Input>) => {
      const input = args.input as { Records?: unknown };
      if (context.commandName !== COMMAND || !Array.isArray(input.Records)) return next(args);
      const json = recordsJson(input.Records);
      if (json === undefined) return next(args);
      held.set(context, json);
      return next({ ...args, input: { ...args.input, Records: [] } });
    };

  const spliceRecords =
    (next: SerializeHandler<Input, Output>, context: HandlerExecutionContext): SerializeHandler<Input, Output> =>
    async (args: SerializeHandlerArguments<Input>) => {
      const json = held.get(context);
      if (json === undefined) return next(args);
      held.delete(context);
      const request = args.request as { body?: unknown };
      const text = bodyText(request.body);
      const at = text?.indexOf(MARKER) ?? -1;
      if (text === undefined || at < 0) {
        throw new Error("PutRecords body: the SDK serializer's output has no empty Records list to fill");
      }
      const cut = at + MARKER.length - 1;
      request.body = Buffer.from(`${text.slice(0, cut)}${json}${text.slice(cut)}`, "utf8");
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
