/**
 * Types shared by the Kinesis record pipeline. Plain data only: no AWS SDK, no environment.
 */

/** The `kinesis` object of a Lambda Kinesis event record (a structural subset of `KinesisStreamRecordPayload`). */
export interface KinesisRecordData {
  /** Base64 of the record's bytes, as Lambda delivers it. */
  readonly data: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  /** Epoch seconds (float) as Lambda delivers it; values above 1e11 are taken as milliseconds. */
  readonly approximateArrivalTimestamp: number;
}

/** A Lambda Kinesis event (a structural subset of `KinesisStreamEvent`). */
export interface KinesisEventLike {
  readonly Records: readonly { readonly kinesis: KinesisRecordData }[];
}

/** Every reason a log event can fail, pipeline reasons first, then the ones destinations add. Closed set. */
export const FAILURE_REASONS = [
  "empty_data",
  "invalid_base64",
  "invalid_gzip",
  "invalid_utf8",
  "invalid_json",
  "not_an_object",
  "missing_type",
  "type_not_string",
  "invalid_time",
  "invalid_cloudwatch_event",
  "record_too_large",
  "destination_rejected",
  "encoding_failed",
  "processing_error",
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

/**
 * Reasons only callers (destinations) produce; the pipeline itself never emits `destination_rejected` or
 * `encoding_failed` (one event the destination's encoder could not turn into bytes, e.g. nesting too deep).
 */
export type DestinationFailureReason = "record_too_large" | "destination_rejected" | "encoding_failed" | "invalid_time";

export type JsonObject = Record<string, unknown>;

/** Where a CloudWatch Logs log event came from (present on outcomes expanded from a subscription envelope). */
export interface CloudWatchEventInfo {
  readonly owner: string | undefined;
  readonly logGroup: string;
  readonly logStream: string | undefined;
  /** The log event's own id, as CloudWatch Logs assigned it. */
  readonly id: string | undefined;
  /** The log event's ingestion timestamp (epoch ms), as CloudWatch Logs assigned it. */
  readonly timestamp: number | undefined;
}

/** Which Kinesis record (and which part of it) an outcome came from. */
export interface OutcomeOrigin {
  /**
   * Stable id of the log event: `<sequenceNumber>`, plus `:<kplIndex>` for a KPL sub-record, plus `:<eventIndex>` for a
   * CloudWatch Logs log event (both when a KPL sub-record carries a CloudWatch envelope). Same batch ⇒ same ids.
   */
  readonly eventId: string;
  /** Index of the Kinesis record in the input array (the event's `Records[]`). */
  readonly recordIndex: number;
  /** Sequence number of the Kinesis record: what a batch item failure names. */
  readonly sequenceNumber: string;
  /** The user partition key: the KPL sub-record's key when de-aggregated, else the Kinesis record's key. */
  readonly partitionKey: string;
  /** Approximate arrival time of the Kinesis record, epoch milliseconds. */
  readonly arrivalTime: number;
  /**
   * The whole Kinesis record's `data` exactly as Lambda delivered it (base64, gzip / KPL framing / CloudWatch envelope
   * included): what a replay puts back on a stream. A reference to the event's own string, never a copy.
   */
  readonly kinesisData: string;
  /** The Kinesis record's own partition key (for a KPL sub-record, `partitionKey` is the user record's). */
  readonly kinesisPartitionKey: string;
  /** Index of the KPL sub-record inside the aggregated Kinesis record, if any. */
  readonly kplIndex: number | undefined;
  /** CloudWatch Logs origin, if the event came out of a subscription envelope. */
  readonly cloudwatch: CloudWatchEventInfo | undefined;
}

/** The event passed every check and its type is whitelisted. */
export interface DeliveredOutcome extends OutcomeOrigin {
  readonly kind: "delivered";
  /**
   * The parsed JSON object (never mutated by the pipeline); `undefined` when the pipeline runs with
   * `keepRecord: false` (destinations that send `raw` and read only `type`, `id` and `time`).
   */
  readonly record: JsonObject | undefined;
  /**
   * The JSON text exactly as received (only a BOM and surrounding whitespace removed): the exact slice of the decoded
   * input. Destinations send this text (or `jsonLine`, the same bytes with line breaks between tokens turned into
   * spaces), never a re-serialisation of `record`.
   */
  readonly raw: string;
  /**
   * `raw`'s UTF-8 bytes when the pipeline holds them already: a view of the decoded (gunzipped) unit, which was valid
   * UTF-8 and needed no trimming, so these are exactly `Buffer.from(raw, "utf8")`. `undefined` for a CloudWatch Logs
   * message (its text comes out of the envelope's JSON) or a trimmed text. Sinks copy these bytes instead of encoding
   * `raw` again; never modify them.
   */
  readonly rawBytes?: Buffer | undefined;
  /**
   * The canonical base64 of `rawBytes` when the Kinesis record's data is exactly that (a whole record, no gzip, no BOM,
   * nothing trimmed, standard alphabet and zero padding bits): destinations that send base64 can send it as it came.
   */
  readonly rawBase64?: string | undefined;
  /** Value of the type key; `undefined` only when the pipeline runs with `requireType: false`. */
  readonly type: string | undefined;
  /** Value of the id key (a string, or a finite number rendered as a string), else `undefined`. */
  readonly id: string | undefined;
  /** Value of the time key as epoch ms (may carry a sub-millisecond fraction), `undefined` when missing or invalid. */
  readonly time: number | undefined;
  /**
   * Set when the time key holds a value that could not be parsed and the pipeline runs with `invalidTime: "deliver"`
   * (the explicit fallback: destinations then mark the document, see `INVALID_TIME_MARK`); with the default
   * `invalidTime: "fail"` such an event is a failed `invalid_time` outcome instead.
   */
  readonly timeError: string | undefined;
}

/** The event is valid but its type is not in the whitelist. */
export interface FilteredOutcome extends OutcomeOrigin {
  readonly kind: "filtered";
  readonly type: string | undefined;
}

/** The event could not be delivered; `payload` holds its bytes and `kinesisData` its Kinesis record, so nothing is lost. */
export interface FailedOutcome extends OutcomeOrigin {
  readonly kind: "failed";
  readonly reason: FailureReason;
  /** Human-readable detail (parser message, offending value). */
  readonly detail: string;
  /** The event's decoded JSON text, when decoding got that far (undefined for byte-level failures). */
  readonly text: string | undefined;
  /**
   * Base64 of the bytes of this event: the Kinesis record's data as received (when the event is the whole record), the
   * KPL sub-record's data, or the UTF-8 bytes of the CloudWatch log event's message (the JSON of the log event when
   * it has no string message).
   */
  readonly payload: string;
}

/** A CloudWatch Logs CONTROL_MESSAGE: not a log event, counted separately. */
export interface ControlOutcome extends OutcomeOrigin {
  readonly kind: "control";
}

/**
 * A whole Kinesis record `processRecords` / `processEvent` did not decode: the batch's memory budget was spent by
 * earlier records, and this record fits a budget of its own. The batch scaffolding never sees one: it decodes such a
 * batch in slices (`Pipeline.processSlice`). Its events are not decoded, hence not counted.
 */
export interface DeferredOutcome extends OutcomeOrigin {
  readonly kind: "deferred";
  readonly detail: string;
}

/** The outcome of one log event. */
export type EventOutcome = DeliveredOutcome | FilteredOutcome | FailedOutcome;
/**
 * Everything the pipeline emits: one outcome per log event, one `control` per CloudWatch control message, and one
 * `deferred` per Kinesis record left for the next batch.
 */
export type Outcome = EventOutcome | ControlOutcome | DeferredOutcome;
export type OutcomeKind = Outcome["kind"];

export interface PipelineOptions {
  /** Key holding the log type. Default `log_type`. */
  readonly typeKey?: string;
  /** Key holding the unique id. Default `log_id`. */
  readonly idKey?: string;
  /** Key holding the timestamp. Default `time`. */
  readonly timeKey?: string;
  /** IANA time zone for timestamps without an offset. Default `UTC`. */
  readonly timeZone?: string;
  /** Types to deliver (exact match). Empty or absent: all types. */
  readonly whitelist?: readonly string[];
  /**
   * When true (default), a record without a type (key absent, `null` or `""`) fails with `missing_type`. When false,
   * it is delivered with `type: undefined` (or filtered when a whitelist is set).
   */
  readonly requireType?: boolean;
  /**
   * Legacy switch: when true, an unparseable time fails with `invalid_time`; when false (the default), the event is
   * delivered with `timeError` set. `invalidTime` takes precedence when given.
   */
  readonly requireTime?: boolean;
  /**
   * What an event whose time key holds an unreadable value becomes: `"fail"`, an `invalid_time` failed outcome
   * (counted, written to failed records), or `"deliver"`, the explicit fallback: delivered with `timeError` set so the
   * destination files it under the arrival time and marks it. Absent time keys are never affected. Default: from
   * `requireTime` (kinesis-to-opensearch and kinesis-to-fluent pass `"fail"` unless configured otherwise).
   */
  readonly invalidTime?: "fail" | "deliver";
  /** Upper bound for one gunzipped payload in bytes (gzip bombs); exceeding it fails with `record_too_large`. Default 64 MiB. */
  readonly maxDecompressedBytes?: number;
  /**
   * Memory budget of one batch, in estimated bytes of decoded data (see `estimateCost` in pipeline.ts: bytes of every
   * decoded unit ×4 plus 96 per JSON structural character, plus 512 per event). A record that alone exceeds it fails as
   * `record_too_large`; a record that fits alone but not in what earlier records left starts the next slice
   * (`Pipeline.processSlice`). Default 64 MiB (a quarter of the 256 MB Lambda default); `budgetForMemory` sizes it from
   * the function's memory.
   */
  readonly batchBudgetBytes?: number;
  /** Most log events (KPL sub-records, CloudWatch log events) one batch may fan out to, same rules. Default 65,536. */
  readonly batchMaxEvents?: number;
  /**
   * Keep the parsed object on delivered outcomes (`record`). Every check runs on it either way; with `false` it is
   * dropped once checked, so the parsed graph of a slice dies young instead of being copied by the garbage collector
   * until the sink has run (destinations that send `raw` and read only `type`, `id`, `time`). @default true
   */
  readonly keepRecord?: boolean;
  /**
   * Hand on the decoded bytes of delivered events (`rawBytes`, `rawBase64`). A destination that sends only the text
   * (fluent re-encodes it as MessagePack) turns this off, so the decoded input of a batch is not kept alive for
   * nothing. @default true
   */
  readonly keepRawBytes?: boolean;
  /**
   * Outcomes after which `processSlice` ends its slice at the next record boundary, budget or not: a destination that
   * sends requests of N events sets N, so the batch scaffolding sinks one request's events at a time and only those
   * are alive, instead of the whole batch's. The garbage collector copies what is alive: at Lambda's heap limits for
   * 256 MB, keeping a 5 MB batch's outcomes alive made decoding it about 1.5 times as costly. Destinations that want
   * the whole batch at once (one S3 object per type and day) keep the default. @default no limit
   */
  readonly sliceEvents?: number;
}

export interface ResolvedPipelineOptions {
  readonly typeKey: string;
  readonly idKey: string;
  readonly timeKey: string;
  readonly timeZone: string;
  readonly whitelist: readonly string[];
  readonly requireType: boolean;
  readonly requireTime: boolean;
  readonly invalidTime: "fail" | "deliver";
  readonly maxDecompressedBytes: number;
  readonly batchBudgetBytes: number;
  readonly batchMaxEvents: number;
  readonly keepRecord: boolean;
  readonly keepRawBytes: boolean;
  readonly sliceEvents: number;
}

export interface OutcomeSummary {
  /** delivered + filtered + failed: the number of log events seen. */
  readonly events: number;
  readonly delivered: number;
  readonly filtered: number;
  readonly failed: number;
  /** CloudWatch Logs control messages (not log events). */
  readonly control: number;
  /** Kinesis records not decoded (`deferred`: memory budget spent); their events are not counted above. */
  readonly deferred: number;
  readonly failedByReason: Partial<Record<FailureReason, number>>;
}
