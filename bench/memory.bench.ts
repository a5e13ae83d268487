// Peak memory of one batch against the bombs of issue 10 (case 7), each in its own child process: the child reads the
// Kinesis event from a file, runs the real pipeline (budgets sized for a 256 MB function, as Lambda's
// AWS_LAMBDA_FUNCTION_MEMORY_SIZE gives it), the forward sink against a no-op PutRecords and the real failed-records
// renderer, and reports its peak RSS (process.resourceUsage().maxRSS), with the V8 heap limits Lambda sets for 256 MB.
// Target: below the function's 256 MB. The baseline includes tsx compiling the sources in the child (a bundled
// handler starts smaller).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { DEFAULT_MEMORY_MB } from "../contracts/lambda";
import { encodeKplAggregate } from "../test/fixtures/records/kpl";
import { lambdaNodeFlags } from "./lambda-node";
import type { BenchResult } from "./types";

const MiB = 1024 * 1024;
// The construct's default memory: the peak must stay under it.
const MEMORY_MB = DEFAULT_MEMORY_MB;
const CHILD_ENV = "MEMORY_BENCH_EVENT_FILE";

/** 60 MiB of JSON (one record with a long string) in about 60 KiB of gzip. */
function bombUnit(mib = 60): Buffer {
  const head = Buffer.from('{"log_type":"app","log_id":"bomb","pad":"');
  const tail = Buffer.from('"}');
  return gzipSync(Buffer.concat([head, Buffer.alloc(mib * MiB - head.length - tail.length, 0x78), tail]), { level: 9 });
}

/** The largest record the 256 MB budget still decodes: 16 MiB of JSON (charged 4 × 16 MiB = the 64 MiB budget). */
function largestAccepted(): Buffer {
  const head = Buffer.from('{"log_type":"app","log_id":"big","pad":"');
  const tail = Buffer.from('"}');
  return gzipSync(Buffer.concat([head, Buffer.alloc(16 * MiB - 1024 - head.length - tail.length, 0x78), tail]));
}

/** 60 MiB of `[{},{},…]`: the JSON shape V8 inflates most (about 35 bytes of heap per byte of text). */
function structureBomb(): Buffer {
  const text = `{"log_type":"app","a":[${"{},".repeat(20 * MiB)}{}]}`;
  return gzipSync(text, { level: 9 });
}

/** A CloudWatch Logs envelope of 10k ~200-byte application logs, gzip, as a subscription writes it. */
function tenThousandEvents(seed: number): Buffer {
  const logEvents = Array.from({ length: 10_000 }, (_, i) => ({
    id: String(35_311_483_123_651_489_519_227_041_497_532_838_917_716_374_405_497_257_984n + BigInt(i)),
    timestamp: 1_584_196_200_000 + i,
    message: JSON.stringify({
      log_type: "app",
      log_id: `${seed}-${i}`,
      time: new Date(1_584_196_200_000 + i).toISOString(),
      level: "info",
      status: 200 + (i % 300),
      message: `request ${i} of batch ${seed} served in ${i % 997} ms by worker ${i % 13}`,
    }),
  }));
  return gzipSync(
    JSON.stringify({ messageType: "DATA_MESSAGE", owner: "1", logGroup: "/g", logStream: "s", logEvents }),
  );
}

function record(data: Buffer, i: number) {
  return {
    kinesis: {
      data: data.toString("base64"),
      sequenceNumber: String(49_590_338_271_490_256_608_559_692_538_361_571_095_921_575_989_136_588_898n + BigInt(i)),
      partitionKey: `pk-${i}`,
      approximateArrivalTimestamp: 1_584_196_200 + i,
    },
  };
}

interface ChildReport {
  readonly maxRssMb: number;
  readonly summary: Record<string, unknown>;
}

function runChild(name: string, records: ReturnType<typeof record>[]): ChildReport {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "memory-bench-")), `${name}.json`);
  fs.writeFileSync(file, JSON.stringify({ Records: records }));
  try {
    // Node flags as the Lambda Node.js bootstrap derives them from the memory size: without its heap limits V8 would
    // let garbage grow far past the function's memory.
    const out = spawnSync(process.execPath, [...lambdaNodeFlags(MEMORY_MB), "--import", "tsx", __filename], {
      env: { ...process.env, [CHILD_ENV]: file, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(MEMORY_MB) },
      encoding: "utf8",
      maxBuffer: 16 * MiB,
    });
    if (out.status !== 0) throw new Error(`memory bench child ${name} failed: ${out.stderr}`);
    return JSON.parse(out.stdout.trim().split("\n").pop()!) as ChildReport;
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

/** In the child: one batch through the real pipeline, forward sink and failed-records renderer. */
async function child(file: string): Promise<void> {
  const { createForwardSink } = await import("../handlers/kinesis-forward/core");
  const { createFailedRecordsWriter } = await import("../handlers/shared/kinesis/failed-records");
  const { processKinesisBatch, readConsumerEnv } = await import("../handlers/shared/kinesis/batch");
  const { createPipeline } = await import("../handlers/shared/kinesis/records/pipeline");
  const consumer = readConsumerEnv({ ...process.env, FAILED_RECORDS_BUCKET: "bench" });
  const event = JSON.parse(fs.readFileSync(file, "utf8"));
  let written = 0;
  const { summary } = await processKinesisBatch(event, {
    pipeline: createPipeline(consumer.pipeline),
    sink: createForwardSink(
      { streamArn: "arn:aws:kinesis:eu-west-1:123456789012:stream/bench" },
      {
        putRecords: async (r) => ({
          FailedRecordCount: 0,
          Records: r.Records.map((_, i) => ({ SequenceNumber: String(i) })),
        }),
      },
    ),
    writeFailedRecords: createFailedRecordsWriter({
      ...consumer.failedRecords,
      putObject: async (o) => {
        written += o.Body.length;
      },
    }),
  });
  const maxRssMb = Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
  process.stdout.write(`${JSON.stringify({ maxRssMb, summary: { ...summary, failedRecordsBytes: written } })}\n`);
}

export default async function memoryBench(): Promise<BenchResult[]> {
  const unit = bombUnit();
  const cases: [string, ReturnType<typeof record>[]][] = [
    ["baseline: one small record", [record(Buffer.from('{"log_type":"app","log_id":"1"}'), 0)]],
    ["1 gzip record, 60 KiB → 60 MiB JSON", [record(unit, 0)]],
    ["4 such gzip records", [0, 1, 2, 3].map((i) => record(unit, i))],
    [
      "1 KPL record of 8 such units",
      [record(encodeKplAggregate(Array.from({ length: 8 }, (_, k) => ({ partitionKey: `k${k}`, data: unit }))), 0)],
    ],
    ["1 gzip record, 60 MiB of [{},…]", [record(structureBomb(), 0)]],
    ["largest record accepted (16 MiB JSON)", [record(largestAccepted(), 0)]],
    [
      "10 envelopes of 10k events (fan-out budget)",
      Array.from({ length: 10 }, (_, i) => record(tenThousandEvents(i), i)),
    ],
  ];
  const results: BenchResult[] = [];
  for (const [name, records] of cases) {
    const report = runChild(name.replace(/[^a-z0-9]+/gi, "-"), records);
    process.stderr.write(`  memory ${name}: ${report.maxRssMb} MB ${JSON.stringify(report.summary)}\n`);
    results.push({ name: `peak RSS, ${name}`, value: report.maxRssMb, unit: "MB", target: `< ${MEMORY_MB} MB` });
  }
  return results;
}

if (process.env[CHILD_ENV]) {
  child(process.env[CHILD_ENV]).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
