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
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

/** Reasons only callers (destinations) produce; the pipeline itself never emits `destination_rejected`. */
export type DestinationFailureReason = "record_too_large" | "destination_rejected";

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
  /** Index of the KPL sub-record inside the aggregated Kinesis record, if any. */
  readonly kplIndex: number | undefined;
  /** CloudWatch Logs origin, if the event came out of a subscription envelope. */
  readonly cloudwatch: CloudWatchEventInfo | undefined;
}

/** The event passed every check and its type is whitelisted. */
export interface DeliveredOutcome extends OutcomeOrigin {
  readonly kind: "delivered";
  /** The parsed JSON object (never mutated by the pipeline). */
  readonly record: JsonObject;
  /** The JSON text as received (BOM and surrounding whitespace removed); pass it through instead of re-stringifying. */
  readonly raw: string;
  /** Value of the type key; `undefined` only when the pipeline runs with `requireType: false`. */
  readonly type: string | undefined;
  /** Value of the id key (a string, or a finite number rendered as a string), else `undefined`. */
  readonly id: string | undefined;
  /** Value of the time key as epoch ms (may carry a sub-millisecond fraction), `undefined` when missing or invalid. */
  readonly time: number | undefined;
  /** Set when the time key holds a value that could not be parsed (and `requireTime` is off). */
  readonly timeError: string | undefined;
}

/** The event is valid but its type is not in the whitelist. */
export interface FilteredOutcome extends OutcomeOrigin {
  readonly kind: "filtered";
  readonly type: string | undefined;
}

/** The event could not be delivered; `payload` holds its bytes so nothing is lost. */
export interface FailedOutcome extends OutcomeOrigin {
  readonly kind: "failed";
  readonly reason: FailureReason;
  /** Human-readable detail (parser message, offending value). */
  readonly detail: string;
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

/** The outcome of one log event. */
export type EventOutcome = DeliveredOutcome | FilteredOutcome | FailedOutcome;
/** Everything the pipeline emits: one outcome per log event, plus one `control` per CloudWatch control message. */
export type Outcome = EventOutcome | ControlOutcome;
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
  /** When true, an unparseable time fails with `invalid_time`; default false: delivered with `timeError` set. */
  readonly requireTime?: boolean;
  /** Upper bound for one gunzipped payload in bytes (gzip bombs); exceeding it fails with `record_too_large`. Default 64 MiB. */
  readonly maxDecompressedBytes?: number;
}

export interface ResolvedPipelineOptions {
  readonly typeKey: string;
  readonly idKey: string;
  readonly timeKey: string;
  readonly timeZone: string;
  readonly whitelist: readonly string[];
  readonly requireType: boolean;
  readonly requireTime: boolean;
  readonly maxDecompressedBytes: number;
}

export interface OutcomeSummary {
  /** delivered + filtered + failed: the number of log events seen. */
  readonly events: number;
  readonly delivered: number;
  readonly filtered: number;
  readonly failed: number;
  /** CloudWatch Logs control messages (not log events). */
  readonly control: number;
  readonly failedByReason: Partial<Record<FailureReason, number>>;
}
