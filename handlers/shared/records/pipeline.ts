/**
 * The record pipeline shared by every Kinesis module:
 * base64 → KPL de-aggregation → gunzip → strict UTF-8 → JSON → CloudWatch Logs envelope expansion → Common Schema →
 * whitelist → one outcome per log event (delivered, filtered or failed), plus `control` for CloudWatch control messages.
 */
import { decodeBase64, decodeUtf8, gunzip, isGzip } from "./decode";
import { deaggregate, hasKplMagic } from "./kpl";
import { resolveOptions, SchemaChecker } from "./schema";
import type {
  CloudWatchEventInfo,
  DeliveredOutcome,
  FailedOutcome,
  FailureReason,
  KinesisEventLike,
  KinesisRecordData,
  Outcome,
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
}

export interface Pipeline {
  readonly options: ResolvedPipelineOptions;
  /** Runs the pipeline over Kinesis records (the `kinesis` objects of the event's `Records`), in order. */
  processRecords(records: readonly KinesisRecordData[]): Outcome[];
  /** Runs the pipeline over a Lambda Kinesis event. */
  processEvent(event: KinesisEventLike): Outcome[];
  /** Appends the outcomes of one Kinesis record to `out`. */
  processRecord(record: KinesisRecordData, recordIndex: number, out: Outcome[]): void;
}

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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Payload of a failed event, computed only on failure. */
type PayloadSource = Buffer | string;

function payloadBase64(source: PayloadSource, isBase64: boolean): string {
  if (typeof source === "string") return isBase64 ? source : Buffer.from(source, "utf8").toString("base64");
  return source.toString("base64");
}

class RecordPipeline implements Pipeline {
  readonly options: ResolvedPipelineOptions;
  private readonly schema: SchemaChecker;
  private readonly maxDecompressed: number;

  constructor(options: PipelineOptions | undefined) {
    this.options = resolveOptions(options);
    this.schema = new SchemaChecker(this.options);
    this.maxDecompressed = this.options.maxDecompressedBytes;
  }

  processEvent(event: KinesisEventLike): Outcome[] {
    const out: Outcome[] = [];
    const records = event.Records;
    for (let i = 0; i < records.length; i++) this.processRecord(records[i]!.kinesis, i, out);
    return out;
  }

  processRecords(records: readonly KinesisRecordData[]): Outcome[] {
    const out: Outcome[] = [];
    for (let i = 0; i < records.length; i++) this.processRecord(records[i]!, i, out);
    return out;
  }

  processRecord(record: KinesisRecordData, recordIndex: number, out: Outcome[]): void {
    const sequenceNumber = record.sequenceNumber;
    const origin: Origin = {
      recordIndex,
      sequenceNumber,
      partitionKey: record.partitionKey,
      arrivalTime: arrivalMs(record.approximateArrivalTimestamp),
      kplIndex: undefined,
      eventId: sequenceNumber,
    };
    const data = record.data;
    if (typeof data !== "string" || data.length === 0) {
      out.push(failed(origin, origin.eventId, undefined, "empty_data", "record has no data", ""));
      return;
    }
    const bytes = decodeBase64(data);
    if (!Buffer.isBuffer(bytes)) {
      out.push(failed(origin, origin.eventId, undefined, bytes.failure, bytes.detail, data));
      return;
    }
    if (hasKplMagic(bytes)) {
      const subRecords = deaggregate(bytes);
      if (subRecords !== undefined) {
        for (let k = 0; k < subRecords.length; k++) {
          const sub = subRecords[k]!;
          const subOrigin: Origin = {
            recordIndex,
            sequenceNumber,
            partitionKey: sub.partitionKey,
            arrivalTime: origin.arrivalTime,
            kplIndex: k,
            eventId: `${sequenceNumber}:${k}`,
          };
          this.processBytes(sub.data, subOrigin, sub.data, false, out);
        }
        return;
      }
    }
    this.processBytes(bytes, origin, data, true, out);
  }

  /** One unit of bytes (a Kinesis record or a KPL sub-record); `payload` is what a failure of the whole unit keeps. */
  private processBytes(
    bytes: Buffer,
    origin: Origin,
    payload: PayloadSource,
    payloadIsBase64: boolean,
    out: Outcome[],
  ) {
    if (bytes.length === 0) {
      out.push(failed(origin, origin.eventId, undefined, "empty_data", "record has no data", ""));
      return;
    }
    let plain: Buffer = bytes;
    if (isGzip(bytes)) {
      const inflated = gunzip(bytes, this.maxDecompressed);
      if (!Buffer.isBuffer(inflated)) {
        out.push(
          failed(
            origin,
            origin.eventId,
            undefined,
            inflated.failure,
            inflated.detail,
            payloadBase64(payload, payloadIsBase64),
          ),
        );
        return;
      }
      plain = inflated;
    }
    const text = decodeUtf8(plain);
    if (typeof text !== "string") {
      out.push(
        failed(origin, origin.eventId, undefined, text.failure, text.detail, payloadBase64(payload, payloadIsBase64)),
      );
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      out.push(
        failed(
          origin,
          origin.eventId,
          undefined,
          "invalid_json",
          (error as Error).message,
          payloadBase64(payload, payloadIsBase64),
        ),
      );
      return;
    }
    if (
      isObject(value) &&
      value["messageType"] !== undefined &&
      value["logGroup"] !== undefined &&
      Array.isArray(value["logEvents"])
    ) {
      this.expandCloudWatch(value, origin, payload, payloadIsBase64, out);
      return;
    }
    this.classify(value, text, origin, origin.eventId, undefined, payload, payloadIsBase64, out);
  }

  private expandCloudWatch(
    envelope: Record<string, unknown>,
    origin: Origin,
    payload: PayloadSource,
    payloadIsBase64: boolean,
    out: Outcome[],
  ): void {
    const messageType = envelope["messageType"];
    const logGroup = envelope["logGroup"];
    const owner = typeof envelope["owner"] === "string" ? envelope["owner"] : undefined;
    const logStream = typeof envelope["logStream"] === "string" ? envelope["logStream"] : undefined;
    if (messageType === "CONTROL_MESSAGE") {
      const cloudwatch: CloudWatchEventInfo = {
        owner,
        logGroup: String(logGroup),
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
          : `unknown CloudWatch Logs messageType ${JSON.stringify(messageType)}`;
      out.push(
        failed(
          origin,
          origin.eventId,
          undefined,
          "invalid_cloudwatch_event",
          detail,
          payloadBase64(payload, payloadIsBase64),
        ),
      );
      return;
    }
    const events = envelope["logEvents"] as unknown[];
    for (let i = 0; i < events.length; i++) {
      const event = events[i];
      const eventId = `${origin.eventId}:${i}`;
      if (!isObject(event) || typeof event["message"] !== "string") {
        const cloudwatch: CloudWatchEventInfo = { owner, logGroup, logStream, id: undefined, timestamp: undefined };
        const json = JSON.stringify(event) ?? "null";
        out.push(
          failed(
            origin,
            eventId,
            cloudwatch,
            "invalid_cloudwatch_event",
            "log event has no string message",
            json,
            false,
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
        out.push(failed(origin, eventId, cloudwatch, "invalid_json", (error as Error).message, message, false));
        continue;
      }
      this.classify(value, message, origin, eventId, cloudwatch, message, false, out);
    }
  }

  private classify(
    value: unknown,
    text: string,
    origin: Origin,
    eventId: string,
    cloudwatch: CloudWatchEventInfo | undefined,
    payload: PayloadSource,
    payloadIsBase64: boolean,
    out: Outcome[],
  ): void {
    const result = this.schema.check(value);
    if (!result.ok) {
      out.push(
        failed(origin, eventId, cloudwatch, result.reason, result.detail, payloadBase64(payload, payloadIsBase64)),
      );
      return;
    }
    if (!result.whitelisted) {
      out.push({ kind: "filtered", ...originFields(origin, eventId, cloudwatch), type: result.type });
      return;
    }
    const delivered: DeliveredOutcome = {
      kind: "delivered",
      eventId,
      recordIndex: origin.recordIndex,
      sequenceNumber: origin.sequenceNumber,
      partitionKey: origin.partitionKey,
      arrivalTime: origin.arrivalTime,
      kplIndex: origin.kplIndex,
      cloudwatch,
      record: result.record,
      raw: trimJsonText(text),
      type: result.type,
      id: result.id,
      time: result.time,
      timeError: result.timeError,
    };
    out.push(delivered);
  }
}

function originFields(origin: Origin, eventId: string, cloudwatch: CloudWatchEventInfo | undefined) {
  return {
    eventId,
    recordIndex: origin.recordIndex,
    sequenceNumber: origin.sequenceNumber,
    partitionKey: origin.partitionKey,
    arrivalTime: origin.arrivalTime,
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
  payload: string,
  payloadIsBase64 = true,
): FailedOutcome {
  return {
    kind: "failed",
    ...originFields(origin, eventId, cloudwatch),
    reason,
    detail,
    payload: payloadIsBase64 ? payload : Buffer.from(payload, "utf8").toString("base64"),
  };
}

/** Compiles options once (whitelist set, time zone); throws naming the option when one is invalid. */
export function createPipeline(options?: PipelineOptions): Pipeline {
  return new RecordPipeline(options);
}

/** One-shot convenience: `createPipeline(options).processRecords(records)`. Prefer a pipeline created once per cold start. */
export function processRecords(records: readonly KinesisRecordData[], options?: PipelineOptions): Outcome[] {
  return new RecordPipeline(options).processRecords(records);
}
