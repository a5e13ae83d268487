// MICRO-BENCHMARK (not the headline figure: see kinesis-forward.bench.ts for the whole handler as deployed):
// kinesis-forward's pipeline and core alone on a 5 MB batch of ~1 KB JSON log events (plain records, and gzip
// CloudWatch Logs envelopes of 100 events), with PutRecords and the failed-records writer replaced by in-memory fakes:
// no SDK serialization, no signing, no HTTP. CPU time (process.cpuUsage), median of 7 after 2 warm-ups. Also the peak
// memory one batch costs, measured in a fresh child process (RSS high-water mark and heap delta).
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { createForwardSink, type PutRecordsRequest, type PutRecordsResponse } from "../handlers/kinesis-forward/core";
import { processKinesisBatch } from "../handlers/shared/kinesis/batch";
import { createPipeline } from "../handlers/shared/kinesis/records/pipeline";
import type { KinesisEventLike } from "../handlers/shared/kinesis/records/types";
import { against, type BenchResult, median, round } from "./types";

const BATCH_BYTES = 5 * 1000 * 1000;
const WORDS = ["order", "accepted", "customer", "item", "warehouse", "shipped", "retry", "cache", "miss", "latency"];

function logLine(i: number): string {
  const base = {
    log_type: i % 2 === 0 ? "app" : "audit",
    log_id: `0f8b3c52-${i.toString(16).padStart(8, "0")}-4c3e-9a5e-2d1f7b6a9c10`,
    time: new Date(Date.UTC(2024, 4, 1) + i * 137).toISOString(),
    level: "info",
    service: "orders-api",
    request: { method: "POST", path: `/v1/orders/${i}`, status: 201, duration_ms: (i % 997) / 10 },
    message: "",
  };
  let x = (i * 2654435761) >>> 0;
  let filler = "";
  const room = 1024 - JSON.stringify(base).length;
  while (filler.length < room) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    filler += x % 3 === 0 ? `${x.toString(16)} ` : `${WORDS[x % WORDS.length]} `;
  }
  base.message = filler.slice(0, room);
  return JSON.stringify(base);
}

const record = (data: Buffer, i: number) => ({
  kinesis: {
    data: data.toString("base64"),
    sequenceNumber: (49590338271490256608559692538361571095921575989136588898n + BigInt(i)).toString(),
    partitionKey: `pk-${i % 64}`,
    approximateArrivalTimestamp: 1714564800.123 + i / 1000,
  },
});

export interface Batch {
  event: KinesisEventLike;
  events: number;
  jsonBytes: number;
}

export function plainBatch(): Batch {
  const Records = [];
  let jsonBytes = 0;
  for (let i = 0; jsonBytes < BATCH_BYTES; i++) {
    const line = Buffer.from(logLine(i));
    jsonBytes += line.length;
    Records.push(record(line, i));
  }
  return { event: { Records }, events: Records.length, jsonBytes };
}

export function cloudWatchBatch(): Batch {
  const Records = [];
  let jsonBytes = 0;
  let events = 0;
  for (let r = 0; jsonBytes < BATCH_BYTES; r++) {
    const logEvents = [];
    for (let e = 0; e < 100; e++, events++) {
      const message = logLine(events);
      jsonBytes += Buffer.byteLength(message);
      logEvents.push({
        id: String(35311483123651489519227041497532838917716374405497257984n + BigInt(events)),
        timestamp: 1714564800000 + events,
        message,
      });
    }
    const envelope = {
      messageType: "DATA_MESSAGE",
      owner: "123456789012",
      logGroup: "/demo/app",
      logStream: "web-1",
      subscriptionFilters: ["router"],
      logEvents,
    };
    Records.push(record(gzipSync(JSON.stringify(envelope)), r));
  }
  return { event: { Records }, events, jsonBytes };
}

/** One forward batch through the real pipeline and sink, with in-memory PutRecords and failed-records writer. */
export async function forwardOnce(batch: Batch): Promise<number> {
  let stored = 0;
  const putRecords = async (request: PutRecordsRequest): Promise<PutRecordsResponse> => {
    stored += request.Records.length;
    return { FailedRecordCount: 0, Records: request.Records.map((_, i) => ({ SequenceNumber: String(i) })) };
  };
  const result = await processKinesisBatch(batch.event, {
    pipeline: createPipeline({ whitelist: ["app", "audit"] }),
    sink: createForwardSink({ streamArn: "arn:aws:kinesis:eu-west-1:123456789012:stream/out" }, { putRecords }),
    writeFailedRecords: async () => {},
  });
  if (stored !== batch.events || result.batchItemFailures.length > 0) {
    throw new Error(`bench batch not fully forwarded: ${JSON.stringify(result.summary)}`);
  }
  return stored;
}

async function throughput(batch: Batch, runs = 7): Promise<{ value: number; min: number; max: number }> {
  for (let i = 0; i < 2; i++) await forwardOnce(batch);
  const rates: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.cpuUsage();
    await forwardOnce(batch);
    const d = process.cpuUsage(started);
    rates.push(batch.jsonBytes / 1e6 / ((d.user + d.system) / 1e6));
  }
  return { value: round(median(rates)), min: round(Math.min(...rates)), max: round(Math.max(...rates)) };
}

/** In a child process: builds the batch, then measures what one forward adds to peak RSS and heap. */
async function childMemory(kind: string): Promise<void> {
  const batch = kind === "plain" ? plainBatch() : cloudWatchBatch();
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const inputBytes = batch.event.Records.reduce((n, r) => n + r.kinesis.data.length, 0);
  const rssBefore = process.memoryUsage().rss;
  const maxRssBefore = process.resourceUsage().maxRSS * 1024;
  let heapPeak = process.memoryUsage().heapUsed;
  const heapBefore = heapPeak;
  const sampler = setInterval(() => {
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  }, 1);
  await forwardOnce(batch);
  heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  clearInterval(sampler);
  const maxRssAfter = process.resourceUsage().maxRSS * 1024;
  const rssPeakDelta = Math.max(0, maxRssAfter - Math.max(maxRssBefore, rssBefore));
  process.stdout.write(
    JSON.stringify({ batchBytes: batch.jsonBytes, inputBytes, rssPeakDelta, heapPeakDelta: heapPeak - heapBefore }),
  );
}

export default async function forwardBench(): Promise<BenchResult[]> {
  const plain = await throughput(plainBatch());
  const cloudWatch = cloudWatchBatch();
  const gzip = await throughput(cloudWatch);
  // The same rate counted in the bytes Lambda receives (base64-decoded gzip envelopes), not the log-event JSON.
  const compressedBytes = cloudWatch.event.Records.reduce((n, r) => n + Buffer.byteLength(r.kinesis.data, "base64"), 0);
  const gzipInput = round(gzip.value * (compressedBytes / cloudWatch.jsonBytes));
  const memory = (kind: string) =>
    JSON.parse(
      execFileSync(
        process.execPath,
        ["--expose-gc", "--import", "tsx", path.join(__dirname, "forward.bench.ts"), "--child", kind],
        { encoding: "utf8", env: { ...process.env, FORWARD_BENCH_CHILD: kind } },
      ),
    ) as { batchBytes: number; inputBytes: number; rssPeakDelta: number; heapPeakDelta: number };
  const micro = "micro, pipeline + core, fake PutRecords";
  const results: BenchResult[] = [
    { name: `kinesis-forward plain records (${micro})`, unit: "MB/s/core", ...plain },
    { name: `kinesis-forward CloudWatch gzip (${micro})`, unit: "MB/s/core", ...gzip },
    { name: `kinesis-forward CloudWatch gzip, compressed input (${micro})`, value: gzipInput, unit: "MB/s/core" },
  ];
  for (const kind of ["plain", "cloudwatch"]) {
    const m = memory(kind);
    const peak = Math.max(m.rssPeakDelta, m.heapPeakDelta);
    const value = round(peak / m.batchBytes, 2);
    results.push({
      name: `kinesis-forward: peak memory per batch (${kind}, max of RSS and heap delta / batch; fake PutRecords)`,
      value,
      unit: "x batch",
      ...against(value, "<=", 4),
    });
  }
  return results;
}

if (process.env.FORWARD_BENCH_CHILD && process.argv.includes("--child")) {
  childMemory(process.env.FORWARD_BENCH_CHILD).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
