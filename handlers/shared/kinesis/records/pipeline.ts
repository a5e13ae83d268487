/**
 * The record pipeline shared by every Kinesis module:
 * base64 → KPL de-aggregation → gunzip → strict UTF-8 → JSON → CloudWatch Logs envelope expansion → Common Schema →
 * whitelist → one outcome per log event (delivered, filtered or failed), plus `control` for CloudWatch control messages
 * and `deferred` for Kinesis records left to the next batch.
 *
 * Guarantees, for any input:
 * - Nothing throws out of `processRecords` / `processEvent`: an unexpected error while decoding one Kinesis record
 *   discards that record's partial outcomes and fails the whole record as `processing_error` (with its bytes).
 * - Memory is bounded per batch, not per unit: every decoded unit is charged `estimateCost` against
 *   `batchBudgetBytes`, every event against `batchMaxEvents`, and gunzip stops at what the budget still allows
 *   (zlib's `maxOutputLength`). A record that alone exceeds a budget fails as one `record_too_large` outcome (the same
 *   answer on every redelivery); a record that fits alone but not in what earlier records left ends the slice
 *   (`processSlice`: the batch scaffolding sinks it, then decodes the rest in a new slice) or, through
 *   `processRecords` / `processEvent`, is `deferred` with every later record.
 * - Every failed outcome keeps the Kinesis record's data as received (`kinesisData`), the event's own bytes
 *   (`payload`) and, when decoding got that far, its text.
 */
import { isObject } from "../../../../contracts/values";
import { decodeBase64, decodeUtf8, gunzip, isCanonicalBase64, isGzip } from "./decode";
import { deaggregate, hasKplMagic, TOO_MANY_RECORDS } from "./kpl";
import { resolveOptions, SchemaChecker } from "./schema";
import type {
  CloudWatchEventInfo,
  DeliveredOutcome,
  FailedOutcome,
  FailureReason,
  KinesisEventLike,
  KinesisRecordData,
  Outcome,
  OutcomeOrigin,
  PipelineOptions,
  ResolvedPipelineOptions,
} from "./types";

/** Per Kinesis record (or KPL sub-record) context shared by the outcomes it produces. */
interface Origin {
  recordIndex: number;
  sequenceNumber: string;
  partitionKey: string;
  arrivalTime: number;
  kplIndex: number | undefined;
  /** eventId of the whole unit: `<seq>` or `<seq>:<kplIndex>`. */
  eventId: string;
  kinesisData: string;
  kinesisPartitionKey: string;
}

/** What `processSlice` decoded: the outcomes of records `[start, next)`, all within one batch budget. */
export interface PipelineSlice {
  readonly outcomes: Outcome[];
  /**
   * Index of the first record not processed (the one that did not fit what the slice left, or the one after the
   * record that brought the slice to `sliceEvents` outcomes), or the record count.
   */
  readonly next: number;
}

export interface Pipeline {
  readonly options: ResolvedPipelineOptions;
  /**
   * Decodes records from `start` with a whole budget, until one does not fit what is left (it is not processed; `next`
   * names it) or the slice holds `sliceEvents` outcomes. At least one record is always processed: a record that alone
   * exceeds the budget fails as `record_too_large`. The caller sinks the slice and calls again from `next`, so memory
   * never holds more than one budget of decoded data.
   */
  processSlice(records: readonly { readonly kinesis: KinesisRecordData }[], start: number): PipelineSlice;
  /** Runs the pipeline over Kinesis records (the `kinesis` objects of the event's `Records`), in order, as one batch. */
  processRecords(records: readonly KinesisRecordData[]): Outcome[];
  /** Runs the pipeline over a Lambda Kinesis event, as one batch. */
  processEvent(event: KinesisEventLike): Outcome[];
  /** Appends the outcomes of one Kinesis record to `out`, with a budget of its own (never `deferred`). */
  processRecord(record: KinesisRecordData, recordIndex: number, out: Outcome[]): void;
}

/** Estimated bytes charged per event (outcome objects, ids, parsed record headers). */
export const EVENT_COST = 512;
/** Estimated bytes charged per JSON structural character (`{ [ , :`): V8 objects, arrays, properties. */
export const STRUCTURE_COST = 96;

/**
 * Upper estimate of the memory one decoded unit of `bytes` takes while it is processed: the decompressed buffer, its
 * string (up to 2 bytes a character), and the parsed value. Measured with V8: 16 MB of `[{},{},…]` parse to ~530 MB,
 * of `{"k1":0,…}` to ~270 MB, of `[0,0,…]` to ~145 MB, of one long string to ~32 MB; this estimate is above each.
 */
export function estimateCost(bytes: Buffer, limit = Number.POSITIVE_INFINITY): number {
  let cost = 4 * bytes.length;
  // memchr per character (native) is several times faster than a byte loop on log JSON; stop once over `limit`.
  for (let c = 0; c < STRUCTURAL.length && cost <= limit; c++) {
    const ch = STRUCTURAL[c]!;
    for (let i = bytes.indexOf(ch); i !== -1 && cost <= limit; i = bytes.indexOf(ch, i + 1)) cost += STRUCTURE_COST;
  }
  return cost;
}

/** `{ [ , :`: the JSON characters each of which can make V8 allocate an object, an array or a property. */
const STRUCTURAL = [0x2c, 0x3a, 0x7b, 0x5b] as const;

function arrivalMs(approximateArrivalTimestamp: number): number {
  if (typeof approximateArrivalTimestamp !== "number" || !Number.isFinite(approximateArrivalTimestamp)) return 0;
  return approximateArrivalTimestamp > 1e11
    ? Math.round(approximateArrivalTimestamp)
    : Math.round(approximateArrivalTimestamp * 1000);
}

function trimJsonText(text: string): string {
  const n = text.length;
  if (n === 0) return text;
  return text.charCodeAt(0) <= 32 || text.charCodeAt(n - 1) <= 32 ? text.trim() : text;
}

/** JSON of a value, or undefined when it cannot be serialised (nesting too deep for the stack). */
function safeStringify(value: unknown): string | undefined {
  try {
    return JSON.stringify(value) ?? "null";
  } catch {
    return undefined;
  }
}

function describe(value: unknown): string {
  if (typeof value === "string") return value.length <= 64 ? JSON.stringify(value) : "a long string";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}

const utf8Base64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

/** What a failure keeps: a base64 string as is, bytes or text encoded to base64 only when a failure happens. */
type Payload = string | Buffer | { readonly utf8: string };
const utf8Bytes = (text: string): Payload => ({ utf8: text });
function base64Of(payload: Payload): string {
  if (typeof payload === "string") return payload;
  if (Buffer.isBuffer(payload)) return payload.toString("base64");
  return utf8Base64(payload.utf8);
}

/** The batch's remaining budgets. */
interface Budget {
  bytes: number;
  events: number;
}

/** Thrown inside one record's processing when it exceeds a budget; `alone`: it exceeds even a whole batch's. */
class OverBudget extends Error {
  constructor(
    readonly alone: boolean,
    detail: string,
  ) {
    super(detail);
  }
}

/** What the record being processed has charged so far, against the batch's remaining and the full budgets. */
class RecordCharge {
  bytes = 0;
  events = 0;
  constructor(
    private readonly left: Budget,
    private readonly full: Budget,
  ) {}

  /** Bytes this record may still use if it were alone in its batch. */
  aloneBytes(): number {
    return this.full.bytes - this.bytes;
  }

  aloneEvents(): number {
    return this.full.events - this.events;
  }

  chargeBytes(cost: number): void {
    this.bytes += cost;
    if (this.bytes > this.full.bytes) {
      throw new OverBudget(true, `record needs more than the batch memory budget of ${this.full.bytes} bytes`);
    }
    if (this.bytes > this.left.bytes) throw new OverBudget(false, "batch memory budget spent by earlier records");
  }

  chargeEvents(count: number): void {
    this.events += count;
    if (this.events > this.full.events) {
      throw new OverBudget(true, `record fans out to more than the batch limit of ${this.full.events} events`);
    }
    if (this.events > this.left.events) throw new OverBudget(false, "batch event budget spent by earlier records");
    this.chargeBytes(count * EVENT_COST);
  }
}

class RecordPipeline implements Pipeline {
  readonly options: ResolvedPipelineOptions;
  private readonly schema: SchemaChecker;
  private readonly maxDecompressed: number;
  private readonly full: Budget;
  private readonly keepRecord: boolean;
  private readonly keepRawBytes: boolean;
  private readonly sliceEvents: number;

  constructor(options: PipelineOptions | undefined) {
    this.options = resolveOptions(options);
    this.keepRecord = this.options.keepRecord;
    this.keepRawBytes = this.options.keepRawBytes;
    this.sliceEvents = this.options.sliceEvents;
    this.schema = new SchemaChecker(this.options);
    this.maxDecompressed = this.options.maxDecompressedBytes;
    this.full = { bytes: this.options.batchBudgetBytes, events: this.options.batchMaxEvents };
  }

  processEvent(event: KinesisEventLike): Outcome[] {
    const records = event.Records;
    return this.processBatch(records.length, (i) => records[i]!.kinesis);
  }

  processRecords(records: readonly KinesisRecordData[]): Outcome[] {
    return this.processBatch(records.length, (i) => records[i]!);
  }

  processRecord(record: KinesisRecordData, recordIndex: number, out: Outcome[]): void {
    this.processOne(record, recordIndex, { ...this.full }, out);
  }

  processSlice(records: readonly { readonly kinesis: KinesisRecordData }[], start: number): PipelineSlice {
    const out: Outcome[] = [];
    const left: Budget = { ...this.full };
    for (let i = start; i < records.length; i++) {
      if (this.processOne(records[i]!.kinesis, i, left, out) !== undefined) return { outcomes: out, next: i };
      if (out.length >= this.sliceEvents) return { outcomes: out, next: i + 1 };
    }
    return { outcomes: out, next: records.length };
  }

  private processBatch(count: number, recordAt: (i: number) => KinesisRecordData): Outcome[] {
    const out: Outcome[] = [];
    const left: Budget = { ...this.full };
    for (let i = 0; i < count; i++) {
      const record = recordAt(i);
      const detail = this.processOne(record, i, left, out);
      if (detail !== undefined) {
        for (let k = i; k < count; k++) {
          const r = recordAt(k);
          out.push({
            kind: "deferred",
            ...originFields(recordOrigin(r, k), String(r.sequenceNumber), undefined),
            detail,
          });
        }
        break;
      }
    }
    return out;
  }

  /** Processes one Kinesis record within `left`; returns a detail when it must be deferred (nothing appended then). */
  private processOne(record: KinesisRecordData, recordIndex: number, left: Budget, out: Outcome[]): string | undefined {
    const start = out.length;
    const charge = new RecordCharge(left, this.full);
    let origin: Origin | undefined;
    try {
      origin = recordOrigin(record, recordIndex);
      this.decodeRecord(record, origin, charge, out);
      left.bytes -= charge.bytes;
      left.events -= charge.events;
      return undefined;
    } catch (error) {
      out.length = start;
      if (error instanceof OverBudget && !error.alone) return error.message;
      const reason: FailureReason = error instanceof OverBudget ? "record_too_large" : "processing_error";
      const detail =
        error instanceof OverBudget ? error.message : `unexpected error: ${(error as Error)?.message ?? String(error)}`;
      const o = origin ?? safeOrigin(record, recordIndex);
      out.push(failed(o, o.eventId, undefined, reason, detail, o.kinesisData, undefined));
      left.bytes -= EVENT_COST;
      left.events -= 1;
      return undefined;
    }
  }

  private decodeRecord(record: KinesisRecordData, origin: Origin, charge: RecordCharge, out: Outcome[]): void {
    const data = record.data;
    if (typeof data !== "string" || data.length === 0) {
      charge.chargeEvents(1);
      out.push(failed(origin, origin.eventId, undefined, "empty_data", "record has no data", "", undefined));
      return;
    }
    const bytes = decodeBase64(data);
    if (!Buffer.isBuffer(bytes)) {
      charge.chargeEvents(1);
      out.push(failed(origin, origin.eventId, undefined, bytes.failure, bytes.detail, data, undefined));
      return;
    }
    if (hasKplMagic(bytes)) {
      const subRecords = deaggregate(bytes, charge.aloneEvents());
      if (subRecords === TOO_MANY_RECORDS) {
        throw new OverBudget(true, `KPL aggregate holds more than the batch limit of ${this.full.events} events`);
      }
      if (subRecords !== undefined) {
        charge.chargeEvents(subRecords.length);
        for (let k = 0; k < subRecords.length; k++) {
          const sub = subRecords[k]!;
          const subOrigin: Origin = {
            ...origin,
            partitionKey: sub.partitionKey,
            kplIndex: k,
            eventId: `${origin.sequenceNumber}:${k}`,
          };
          this.processBytes(sub.data, subOrigin, sub.data, charge, out, false);
        }
        return;
      }
    }
    this.processBytes(bytes, origin, data, charge, out, true);
  }

  /** A failure of a whole unit: its payload (base64 string, or bytes to encode) is kept. */
  private unitFailed(
    origin: Origin,
    payload: Payload,
    charge: RecordCharge,
    out: Outcome[],
    countEvent: boolean,
    reason: FailureReason,
    detail: string,
    text: string | undefined,
  ): void {
    if (countEvent) charge.chargeEvents(1);
    out.push(failed(origin, origin.eventId, undefined, reason, detail, base64Of(payload), text));
  }

  /**
   * One unit of bytes (a Kinesis record or a KPL sub-record); `payload` is what a failure of the whole unit keeps
   * (base64, or bytes encoded only on failure). `countEvent`: the unit is not yet charged as an event (a KPL sub-record
   * already is).
   */
  private processBytes(
    bytes: Buffer,
    origin: Origin,
    payload: Payload,
    charge: RecordCharge,
    out: Outcome[],
    countEvent: boolean,
  ): void {
    if (bytes.length === 0) {
      if (countEvent) charge.chargeEvents(1);
      out.push(failed(origin, origin.eventId, undefined, "empty_data", "record has no data", "", undefined));
      return;
    }
    let plain: Buffer = bytes;
    if (isGzip(bytes)) {
      // Stop inflating at what this record could use even alone in a batch (a quarter: see estimateCost).
      const budgetLimit = Math.floor(charge.aloneBytes() / 4);
      const limit = Math.max(0, Math.min(this.maxDecompressed, budgetLimit));
      const inflated = gunzip(bytes, Math.max(1, limit));
      if (!Buffer.isBuffer(inflated)) {
        if (inflated.failure === "record_too_large" && budgetLimit <= this.maxDecompressed) {
          throw new OverBudget(true, `gunzipped payload exceeds the batch memory budget (${limit} bytes)`);
        }
        this.unitFailed(origin, payload, charge, out, countEvent, inflated.failure, inflated.detail, undefined);
        return;
      }
      plain = inflated;
    }
    charge.chargeBytes(estimateCost(plain, charge.aloneBytes()));
    const text = decodeUtf8(plain);
    if (typeof text !== "string") {
      this.unitFailed(origin, payload, charge, out, countEvent, text.failure, text.detail, undefined);
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      this.unitFailed(origin, payload, charge, out, countEvent, "invalid_json", (error as Error).message, text);
      return;
    }
    if (
      isObject(value) &&
      value["messageType"] !== undefined &&
      value["logGroup"] !== undefined &&
      Array.isArray(value["logEvents"])
    ) {
      this.expandCloudWatch(value, origin, payload, text, charge, out, countEvent);
      return;
    }
    if (countEvent) charge.chargeEvents(1);
    const unit = unitBytes(plain);
    // The Kinesis record's own base64 spells exactly these bytes when nothing came off them (no gzip, no BOM).
    const base64 = typeof payload === "string" && unit === bytes ? payload : undefined;
    this.classify(value, text, origin, origin.eventId, undefined, payload, out, unit, base64);
  }

  private expandCloudWatch(
    envelope: Record<string, unknown>,
    origin: Origin,
    payload: Payload,
    envelopeText: string,
    charge: RecordCharge,
    out: Outcome[],
    countEvent: boolean,
  ): void {
    const messageType = envelope["messageType"];
    const logGroup = envelope["logGroup"];
    const owner = typeof envelope["owner"] === "string" ? envelope["owner"] : undefined;
    const logStream = typeof envelope["logStream"] === "string" ? envelope["logStream"] : undefined;
    if (messageType === "CONTROL_MESSAGE") {
      if (countEvent) charge.chargeEvents(1);
      const cloudwatch: CloudWatchEventInfo = {
        owner,
        logGroup: typeof logGroup === "string" ? logGroup : describe(logGroup),
        logStream,
        id: undefined,
        timestamp: undefined,
      };
      out.push({ kind: "control", ...originFields(origin, origin.eventId, cloudwatch) });
      return;
    }
    if (messageType !== "DATA_MESSAGE" || typeof logGroup !== "string") {
      const detail =
        typeof logGroup !== "string"
          ? "logGroup is not a string"
          : `unknown CloudWatch Logs messageType ${describe(messageType)}`;
      if (countEvent) charge.chargeEvents(1);
      out.push(
        failed(origin, origin.eventId, undefined, "invalid_cloudwatch_event", detail, base64Of(payload), envelopeText),
      );
      return;
    }
    const events = envelope["logEvents"] as unknown[];
    // An envelope of n events is n events (a KPL sub-record holding it was already charged one).
    charge.chargeEvents(countEvent ? events.length : Math.max(0, events.length - 1));
    for (let i = 0; i < events.length; i++) {
      const event = events[i];
      const eventId = `${origin.eventId}:${i}`;
      if (!isObject(event) || typeof event["message"] !== "string") {
        const cloudwatch: CloudWatchEventInfo = { owner, logGroup, logStream, id: undefined, timestamp: undefined };
        const json = safeStringify(event);
        out.push(
          failed(
            origin,
            eventId,
            cloudwatch,
            "invalid_cloudwatch_event",
            json === undefined
              ? "log event has no string message (and nests too deep to serialise)"
              : "log event has no string message",
            json === undefined ? "" : utf8Base64(json),
            json,
          ),
        );
        continue;
      }
      const cwId = event["id"];
      const cwTimestamp = event["timestamp"];
      const cloudwatch: CloudWatchEventInfo = {
        owner,
        logGroup,
        logStream,
        id: typeof cwId === "string" ? cwId : undefined,
        timestamp: typeof cwTimestamp === "number" ? cwTimestamp : undefined,
      };
      const message = event["message"];
      let value: unknown;
      try {
        value = JSON.parse(message);
      } catch (error) {
        out.push(
          failed(origin, eventId, cloudwatch, "invalid_json", (error as Error).message, utf8Base64(message), message),
        );
        continue;
      }
      this.classify(value, message, origin, eventId, cloudwatch, utf8Bytes(message), out);
    }
  }

  private classify(
    value: unknown,
    text: string,
    origin: Origin,
    eventId: string,
    cloudwatch: CloudWatchEventInfo | undefined,
    payload: Payload,
    out: Outcome[],
    bytes?: Buffer,
    base64?: string,
  ): void {
    const result = this.schema.check(value);
    if (!result.ok) {
      out.push(
        failed(origin, eventId, cloudwatch, result.reason, result.detail, base64Of(payload), trimJsonText(text)),
      );
      return;
    }
    if (!result.whitelisted) {
      out.push({ kind: "filtered", ...originFields(origin, eventId, cloudwatch), type: result.type });
      return;
    }
    const raw = trimJsonText(text);
    const whole = raw === text && this.keepRawBytes;
    // The origin fields written out again rather than spread from originFields (the one deliberate copy of that list):
    // a spread built a second object and a separate property store for every delivered event, about 300 bytes more
    // each (BENCH_ALLOC_PROF), and delivered outcomes live until the sink has run.
    const delivered: DeliveredOutcome = {
      kind: "delivered",
      eventId,
      recordIndex: origin.recordIndex,
      sequenceNumber: origin.sequenceNumber,
      partitionKey: origin.partitionKey,
      arrivalTime: origin.arrivalTime,
      kinesisData: origin.kinesisData,
      kinesisPartitionKey: origin.kinesisPartitionKey,
      kplIndex: origin.kplIndex,
      cloudwatch,
      record: this.keepRecord ? result.record : undefined,
      raw,
      rawBytes: whole ? bytes : undefined,
      rawBase64: whole && base64 !== undefined && isCanonicalBase64(base64, bytes!.length) ? base64 : undefined,
      type: result.type,
      id: result.id,
      time: result.time,
      timeError: result.timeError,
    };
    out.push(delivered);
  }
}

/**
 * The bytes of a unit's text: the decoded unit itself, without the BOM `decodeUtf8` dropped. The caller keeps them only
 * when the text needs no trimming, so they are then exactly the UTF-8 of the delivered text.
 */
function unitBytes(plain: Buffer): Buffer {
  return plain[0] === 0xef && plain[1] === 0xbb && plain[2] === 0xbf ? plain.subarray(3) : plain;
}

function recordOrigin(record: KinesisRecordData, recordIndex: number): Origin {
  const sequenceNumber = String(record?.sequenceNumber);
  const partitionKey = String(record?.partitionKey);
  const data = record?.data;
  return {
    recordIndex,
    sequenceNumber,
    partitionKey,
    arrivalTime: arrivalMs(record?.approximateArrivalTimestamp),
    kplIndex: undefined,
    eventId: sequenceNumber,
    kinesisData: typeof data === "string" ? data : "",
    kinesisPartitionKey: partitionKey,
  };
}

/** An origin even for a record whose fields cannot be read (then named by its index). */
function safeOrigin(record: KinesisRecordData, recordIndex: number): Origin {
  try {
    return recordOrigin(record, recordIndex);
  } catch {
    const id = `record-${recordIndex}`;
    return {
      recordIndex,
      sequenceNumber: id,
      partitionKey: "",
      arrivalTime: 0,
      kplIndex: undefined,
      eventId: id,
      kinesisData: "",
      kinesisPartitionKey: "",
    };
  }
}

function originFields(origin: Origin, eventId: string, cloudwatch: CloudWatchEventInfo | undefined): OutcomeOrigin {
  return {
    eventId,
    recordIndex: origin.recordIndex,
    sequenceNumber: origin.sequenceNumber,
    partitionKey: origin.partitionKey,
    arrivalTime: origin.arrivalTime,
    kinesisData: origin.kinesisData,
    kinesisPartitionKey: origin.kinesisPartitionKey,
    kplIndex: origin.kplIndex,
    cloudwatch,
  };
}

function failed(
  origin: Origin,
  eventId: string,
  cloudwatch: CloudWatchEventInfo | undefined,
  reason: FailureReason,
  detail: string,
  payloadBase64: string,
  text: string | undefined,
): FailedOutcome {
  return { kind: "failed", ...originFields(origin, eventId, cloudwatch), reason, detail, payload: payloadBase64, text };
}

/** Compiles options once (whitelist set, time zone); throws naming the option when one is invalid. */
export function createPipeline(options?: PipelineOptions): Pipeline {
  return new RecordPipeline(options);
}

/** One-shot convenience: `createPipeline(options).processRecords(records)`. Prefer a pipeline created once per cold start. */
export function processRecords(records: readonly KinesisRecordData[], options?: PipelineOptions): Outcome[] {
  return new RecordPipeline(options).processRecords(records);
}
