/**
 * Micro-benchmark of the record pipeline (not a test): plain 1 KB JSON records, and gzip CloudWatch Logs payloads.
 * Wired into `npm run bench` by the bench runner; returns throughput in MB/s (1 MB = 1e6 bytes) on one core.
 */
import { gzipSync } from "node:zlib";
import { summarize } from "./outcomes";
import { createPipeline } from "./pipeline";
import type { KinesisRecordData } from "./types";

export interface PipelineBenchCase {
  /** Kinesis records in the batch. */
  readonly records: number;
  /** Log events in the batch. */
  readonly events: number;
  /** Bytes of the records' data as Kinesis stores them (compressed for gzip), per batch. */
  readonly inputBytes: number;
  /** Bytes of JSON log text after decoding, per batch. */
  readonly jsonBytes: number;
  readonly iterations: number;
  readonly msPerBatch: number;
  /** Kinesis data bytes processed per second. */
  readonly inputMBps: number;
  /** Decoded JSON log bytes processed per second. */
  readonly jsonMBps: number;
}

export interface PipelineBenchResult {
  readonly plainJson: PipelineBenchCase;
  readonly cloudWatchGzip: PipelineBenchCase;
}

const BATCH_BYTES = 5 * 1024 * 1024;

const WORDS = ["order", "accepted", "for", "customer", "item", "sku", "warehouse", "shipped", "retry", "cache", "miss"];

/** Deterministic, log-like filler (words and hex ids) so gzip ratios look like real logs (~4-6x), not 30x. */
function filler(seed: number, length: number): string {
  let x = (seed * 2654435761) >>> 0;
  let out = "";
  while (out.length < length) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out += x % 3 === 0 ? `${x.toString(16)} ` : `${WORDS[x % WORDS.length]} `;
  }
  return out.slice(0, length);
}

/** A ~1 KB Common Schema log line. */
function logLine(i: number): string {
  const base = {
    log_type: i % 4 === 0 ? "audit" : "app",
    log_id: `0f8b3c52-${i.toString(16).padStart(8, "0")}-4c3e-9a5e-2d1f7b6a9c10`,
    time: new Date(Date.UTC(2020, 2, 14, 14, 30, 0) + i * 137).toISOString().replace("Z", "+00:00"),
    level: "info",
    service: "orders-api",
    request: { method: "POST", path: `/v1/orders/${i}`, status: 201, duration_ms: (i % 997) / 10 },
    user: { id: `user-${i % 5000}`, agent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)" },
    message: "",
  };
  const without = JSON.stringify(base).length;
  base.message = filler(i, Math.max(0, 1024 - without));
  return JSON.stringify(base);
}

function record(bytes: Buffer, i: number): KinesisRecordData {
  return {
    data: bytes.toString("base64"),
    sequenceNumber: (49590338271490256608559692538361571095921575989136588898n + BigInt(i)).toString(),
    partitionKey: `pk-${i % 64}`,
    approximateArrivalTimestamp: 1584196200.123 + i / 1000,
  };
}

function plainBatch(): { records: KinesisRecordData[]; events: number; inputBytes: number; jsonBytes: number } {
  const records: KinesisRecordData[] = [];
  let bytes = 0;
  for (let i = 0; bytes < BATCH_BYTES; i++) {
    const buf = Buffer.from(logLine(i), "utf8");
    bytes += buf.length;
    records.push(record(buf, i));
  }
  return { records, events: records.length, inputBytes: bytes, jsonBytes: bytes };
}

/** CloudWatch Logs subscription payloads: 100 events of ~1 KB per gzip envelope, as a subscription filter writes them. */
function cloudWatchBatch(): { records: KinesisRecordData[]; events: number; inputBytes: number; jsonBytes: number } {
  const records: KinesisRecordData[] = [];
  let jsonBytes = 0;
  let inputBytes = 0;
  let events = 0;
  for (let r = 0; jsonBytes < BATCH_BYTES; r++) {
    const logEvents = [];
    for (let e = 0; e < 100; e++, events++) {
      const message = logLine(events);
      jsonBytes += Buffer.byteLength(message);
      logEvents.push({
        id: (35311483123651489519227041497532838917716374405497257984n + BigInt(events)).toString(),
        timestamp: 1584196200000 + events,
        message,
      });
    }
    const envelope = {
      messageType: "DATA_MESSAGE",
      owner: "123456789012",
      logGroup: "/aws/lambda/orders-api",
      logStream: "2020/03/14/[$LATEST]0123456789abcdef0123456789abcdef",
      subscriptionFilters: ["router"],
      logEvents,
    };
    const gz = gzipSync(JSON.stringify(envelope));
    inputBytes += gz.length;
    records.push(record(gz, r));
  }
  return { records, events, inputBytes, jsonBytes };
}

function measure(
  batch: { records: KinesisRecordData[]; events: number; inputBytes: number; jsonBytes: number },
  minMs: number,
): PipelineBenchCase {
  const pipeline = createPipeline({ whitelist: ["app", "audit"] });
  // Warm up and check the batch is what we think it is.
  for (let i = 0; i < 3; i++) {
    const summary = summarize(pipeline.processRecords(batch.records));
    if (summary.delivered !== batch.events)
      throw new Error(`bench batch not fully delivered: ${JSON.stringify(summary)}`);
  }
  let iterations = 0;
  const start = process.hrtime.bigint();
  let elapsedMs = 0;
  while (elapsedMs < minMs || iterations < 5) {
    pipeline.processRecords(batch.records);
    iterations++;
    elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
  }
  const msPerBatch = elapsedMs / iterations;
  return {
    records: batch.records.length,
    events: batch.events,
    inputBytes: batch.inputBytes,
    jsonBytes: batch.jsonBytes,
    iterations,
    msPerBatch: Math.round(msPerBatch * 100) / 100,
    inputMBps: Math.round(batch.inputBytes / 1e3 / msPerBatch),
    jsonMBps: Math.round(batch.jsonBytes / 1e3 / msPerBatch),
  };
}

/** Builds a 5 MiB batch of each kind, runs the pipeline for about `minMs` per case, and returns throughput. */
export function benchPipeline(minMs = 2000): PipelineBenchResult {
  return { plainJson: measure(plainBatch(), minMs), cloudWatchGzip: measure(cloudWatchBatch(), minMs) };
}
