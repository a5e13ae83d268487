// MICRO-BENCHMARKS (not headline figures: see kinesis-*.bench.ts for each handler's whole invocation as deployed):
// sink cores alone on a 5 MB batch of ~1 KB records (real pipeline outcomes): no decode pipeline, no SigV4, no SHA-256
// of request bodies, no sockets. MB/s of record JSON per CPU second (process.cpuUsage), median of 7 runs.

import { encodeForwardChunks } from "../handlers/kinesis-to-fluent/fluent-forward";
import { buildBulkBodies } from "../handlers/kinesis-to-opensearch/opensearch-bulk";
import { groupForS3 } from "../handlers/kinesis-to-s3/s3-objects";
import { processRecords } from "../handlers/shared/kinesis/records/pipeline";
import type { DeliveredOutcome } from "../handlers/shared/kinesis/records/types";
import { type BenchResult, median } from "./types";

const TARGET_BYTES = 5 * 1024 * 1024;
const RUNS = 7;
const WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo"];

/** Deterministic pseudo-random log lines (LCG) so gzip sees realistic, not trivial, redundancy. */
function batch(): DeliveredOutcome[] {
  let seed = 42;
  const rand = (n: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed % n;
  };
  const records = [];
  let bytes = 0;
  for (let i = 0; bytes < TARGET_BYTES; i++) {
    const words = Array.from({ length: 120 }, () => WORDS[rand(WORDS.length)]).join(" ");
    const log = {
      log_type: ["app", "audit", "access"][i % 3],
      log_id: `${i.toString(16).padStart(8, "0")}-${rand(1e9)}`,
      time: new Date(1_584_196_200_000 + i * 37 + rand(1000)).toISOString(),
      level: ["info", "warn", "error"][rand(3)],
      status: 200 + rand(300),
      latency_ms: rand(10_000) / 10,
      user: { id: rand(1e6), agent: "Mozilla/5.0 (X11; Linux x86_64)" },
      message: words.slice(0, 700 + rand(100)),
    };
    const data = Buffer.from(JSON.stringify(log));
    bytes += data.length;
    records.push({
      data: data.toString("base64"),
      sequenceNumber: String(49_590_338_271_490_256_608_559_692_538_361_571_095_921_575_989_136_588_898n + BigInt(i)),
      partitionKey: "pk",
      approximateArrivalTimestamp: 1_584_196_260 + i / 1000,
    });
  }
  return processRecords(records).filter((o): o is DeliveredOutcome => o.kind === "delivered");
}

function mbPerSecond(bytes: number, run: () => unknown): number {
  run(); // warm up
  const rates: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.cpuUsage();
    run();
    const d = process.cpuUsage(start);
    const seconds = (d.user + d.system) / 1e6;
    rates.push(bytes / 1e6 / seconds);
  }
  return Math.round(median(rates) * 10) / 10;
}

export default async function sinksBench(): Promise<BenchResult[]> {
  const outcomes = batch();
  const bytes = outcomes.reduce((n, o) => n + Buffer.byteLength(o.raw), 0);
  const label = `${outcomes.length} records, ${(bytes / 1e6).toFixed(1)} MB`;
  return [
    {
      name: `micro: to-s3 group + gzip (${label})`,
      value: mbPerSecond(bytes, () => groupForS3(outcomes, { prefix: "logs", timeZone: "Asia/Tokyo" })),
      unit: "MB/s/core",
    },
    {
      name: `micro: opensearch bulk bodies (${label})`,
      value: mbPerSecond(bytes, () => buildBulkBodies(outcomes, { indexPrefix: "logs", timeZone: "Asia/Tokyo" })),
      unit: "MB/s/core",
    },
    {
      name: `micro: fluent PackedForward encode, map (${label})`,
      value: mbPerSecond(bytes, () => encodeForwardChunks(outcomes)),
      unit: "MB/s/core",
    },
    {
      name: `micro: fluent PackedForward encode, wrapAsMessage (${label})`,
      value: mbPerSecond(bytes, () => encodeForwardChunks(outcomes, { wrapAsMessage: true })),
      unit: "MB/s/core",
    },
    {
      name: `micro: fluent CompressedPackedForward encode, map (${label})`,
      value: mbPerSecond(bytes, () => encodeForwardChunks(outcomes, { compress: true })),
      unit: "MB/s/core",
    },
  ];
}
