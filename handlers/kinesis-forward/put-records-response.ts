/**
 * PutRecords responses read with one JSON.parse, inside the KinesisClient's own middleware stack.
 *
 * Why: the SDK's schema deserializer walks the operation schema for every member of every result entry (500 per
 * request); for kinesis-forward that is the largest cost left in the client after the request body (see
 * put-records-body.ts). The answer of a successful PutRecords has one fixed shape, so it can be checked and taken as
 * parsed.
 *
 * How: two middlewares around the SDK's `deserializerMiddleware`, for `PutRecordsCommand` only.
 * - The inner one (between the deserializer and the HTTP handler) sees the raw response. Anything but a 200 goes to
 *   the SDK untouched (errors, throttling: the SDK's error handling and retries decide). A 200's body is read, parsed
 *   and checked by `readPutRecordsOutput`; when the shape is exactly the expected one, the output is kept aside and the
 *   SDK deserializer is handed the same response with an empty body (so it still does its own work on the response:
 *   header normalisation and `$metadata`); otherwise the SDK gets the same bytes it would have read from the socket.
 * - The outer one puts the kept output in front of the SDK's `$metadata`.
 * The output is the SDK's for the same bytes (the unit test compares both on the same responses, error entries
 * included): members in schema order (`Records`, `FailedRecordCount`, `EncryptionType`, then `$metadata`), absent and
 * `null` members omitted, entries as parsed when they hold only string members in schema order (`SequenceNumber`,
 * `ShardId`, `ErrorCode`, `ErrorMessage`). Any other shape (unknown or `__type` members, nulls, other types, keys out of
 * order, invalid JSON) is left to the SDK's deserializer.
 *
 * API: `kinesis.middlewareStack.use(putRecordsResponsePlugin())`; `readPutRecordsOutput` is the pure part.
 */
import type {
  DeserializeHandler,
  DeserializeHandlerArguments,
  HandlerExecutionContext,
  MetadataBearer,
  Pluggable,
} from "@smithy/types";

const COMMAND = "PutRecordsCommand";

/** The output of PutRecords without `$metadata`, as the SDK's deserializer builds it. */
export interface PutRecordsOutputBody {
  Records?: Record<string, string>[];
  FailedRecordCount?: number;
  EncryptionType?: string;
}

/** Rank of each result entry member in the schema (the order the SDK writes them). */
const ENTRY_MEMBER_RANK: ReadonlyMap<string, number> = new Map([
  ["SequenceNumber", 1],
  ["ShardId", 2],
  ["ErrorCode", 3],
  ["ErrorMessage", 4],
]);
const TOP_MEMBERS = new Set(["Records", "FailedRecordCount", "EncryptionType"]);

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** A result entry the SDK would return as is: string members only, known, in schema order. */
function isPlainEntry(entry: unknown): entry is Record<string, string> {
  if (!isPlainObject(entry)) return false;
  let last = 0;
  for (const key in entry) {
    const rank = ENTRY_MEMBER_RANK.get(key);
    if (rank === undefined || rank <= last || !Object.hasOwn(entry, key)) return false;
    if (typeof entry[key] !== "string") return false;
    last = rank;
  }
  return true;
}

/**
 * The SDK's output (without `$metadata`) for the body of a 200 PutRecords response, or `undefined` when the body is not
 * exactly the expected shape (the SDK's deserializer then reads it).
 */
export function readPutRecordsOutput(body: Uint8Array): PutRecordsOutputBody | undefined {
  if (body.byteLength === 0) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8"));
  } catch {
    return undefined;
  }
  if (!isPlainObject(parsed)) return undefined;
  for (const key in parsed) if (!TOP_MEMBERS.has(key) || !Object.hasOwn(parsed, key)) return undefined;
  const { Records, FailedRecordCount, EncryptionType } = parsed;
  if (Records !== undefined && !Array.isArray(Records)) return undefined;
  if (FailedRecordCount !== undefined && (typeof FailedRecordCount !== "number" || !Number.isFinite(FailedRecordCount)))
    return undefined;
  if (EncryptionType !== undefined && typeof EncryptionType !== "string") return undefined;
  if (Records !== undefined) for (const entry of Records) if (!isPlainEntry(entry)) return undefined;
  const out: PutRecordsOutputBody = {};
  if (Records !== undefined) out.Records = Records as Record<string, string>[];
  if (FailedRecordCount !== undefined) out.FailedRecordCount = FailedRecordCount as number;
  if (EncryptionType !== undefined) out.EncryptionType = EncryptionType as string;
  return out;
}

interface ResponseLike {
  statusCode?: number;
  body?: unknown;
}

async function readBody(body: unknown): Promise<Buffer | undefined> {
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (
    body === undefined ||
    body === null ||
    typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] !== "function"
  )
    return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
    chunks.push(typeof chunk === "string" ? Buffer.from(chunk, "utf8") : (chunk as Buffer));
  }
  return Buffer.concat(chunks);
}

/** The same response object with another body (same prototype, status and headers object). */
function withBody<R extends object>(response: R, body: Uint8Array): R {
  return Object.assign(Object.create(Object.getPrototypeOf(response)) as R, response, { body });
}

/** The plugin: add once to a KinesisClient (`client.middlewareStack.use(putRecordsResponsePlugin())`). */
export function putRecordsResponsePlugin<Input extends object, Output extends MetadataBearer>(): Pluggable<
  Input,
  Output
> {
  // Outputs read by the inner middleware for the outer one, keyed by the attempt's arguments (the SDK deserializer
  // passes that same object on). Not by the execution context: a client with `cacheMiddleware` shares one context
  // between all its sends of a command.
  const read = new WeakMap<object, { output: PutRecordsOutputBody; response: unknown }>();

  const readResponse =
    (next: DeserializeHandler<Input, Output>, context: HandlerExecutionContext): DeserializeHandler<Input, Output> =>
    async (args: DeserializeHandlerArguments<Input>) => {
      const result = await next(args);
      if (context.commandName !== COMMAND) return result;
      const response = result.response as ResponseLike | undefined;
      if (typeof response !== "object" || response === null || response.statusCode !== 200) return result;
      const bytes = await readBody(response.body);
      if (bytes === undefined) return result;
      const output = readPutRecordsOutput(bytes);
      if (output === undefined) return { ...result, response: withBody(response, bytes) };
      read.set(args, { output, response });
      return { ...result, response: withBody(response, new Uint8Array(0)) };
    };

  const useOutput =
    (next: DeserializeHandler<Input, Output>): DeserializeHandler<Input, Output> =>
    async (args: DeserializeHandlerArguments<Input>) => {
      try {
        const result = await next(args);
        const kept = read.get(args);
        if (kept === undefined || result.output === undefined) return result;
        const { $metadata } = result.output;
        return { ...result, response: kept.response, output: { ...kept.output, $metadata } as unknown as Output };
      } finally {
        read.delete(args);
      }
    };

  return {
    applyToStack(stack) {
      stack.addRelativeTo(useOutput, {
        name: "putRecordsUseOutput",
        relation: "before",
        toMiddleware: "deserializerMiddleware",
        override: true,
      });
      stack.addRelativeTo(readResponse, {
        name: "putRecordsReadResponse",
        relation: "after",
        toMiddleware: "deserializerMiddleware",
        override: true,
      });
    },
  };
}
