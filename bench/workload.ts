// The fixed workload of the handler benchmarks: 5,000 log events of about 1 KB (about 5 MB of log-event JSON), five
// log types, `time` with mixed UTC offsets, generated from a seeded PRNG so every run and every machine sees the same
// bytes. Delivered two ways, as Lambda would: one Kinesis record per event, and 100 gzip CloudWatch Logs envelopes of
// 50 events each (what a subscription filter writes).
import { gzipSync } from "node:zlib";
import type { Context, KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";

export const EVENTS = 5_000;
export const ENVELOPES = 100;
export const EVENT_BYTES = 1_000;
export const LOG_TYPES = ["app", "audit", "access", "security", "metrics"] as const;
const OFFSETS = ["Z", "+09:00", "-05:00", "+05:30", "+00:00", "-08:00"];
const WORDS = [
  "order",
  "accepted",
  "customer",
  "item",
  "warehouse",
  "shipped",
  "retry",
  "cache",
  "miss",
  "latency",
  "upstream",
  "timeout",
  "token",
  "refresh",
  "queue",
  "drained",
];
// A few events carry non-ASCII text and characters JSON must escape, as real logs do.
const SPICE = ['"quoted"', "C:\\temp\\x", "Zürich", "東京", "naïve", "tab\there", "€42"];

/** mulberry32: a small, fast, deterministic PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** ISO 8601 with a UTC offset: the instant `ms`, written as local time at `offset`. */
function timeWithOffset(ms: number, offset: string): string {
  const minutes =
    offset === "Z" ? 0 : (offset[0] === "-" ? -1 : 1) * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4)));
  const d = new Date(ms + minutes * 60_000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(
    d.getUTCMinutes(),
  )}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}${offset}`;
}

/** The log events as JSON text, in order; deterministic. */
export function logEvents(count = EVENTS, seed = 20240501): string[] {
  const rand = prng(seed);
  const int = (n: number) => Math.floor(rand() * n);
  const hex = (n: number) => Array.from({ length: n }, () => "0123456789abcdef"[int(16)]).join("");
  const start = Date.UTC(2024, 4, 1, 22, 0, 0); // spans midnight in several zones: several days per type
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const event = {
      log_type: LOG_TYPES[int(LOG_TYPES.length)],
      log_id: `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`,
      time: timeWithOffset(start + i * 1_733 + int(1_000), OFFSETS[int(OFFSETS.length)]!),
      level: ["debug", "info", "info", "info", "warn", "error"][int(6)],
      service: ["orders-api", "billing", "gateway", "search"][int(4)],
      host: `ip-10-0-${int(255)}-${int(255)}.eu-west-1.compute.internal`,
      request: {
        method: ["GET", "POST", "PUT", "DELETE"][int(4)],
        path: `/v1/orders/${int(1e6)}/items/${int(100)}`,
        status: [200, 200, 201, 204, 400, 404, 500, 503][int(8)],
        duration_ms: int(100_000) / 100,
        bytes: int(1e6),
      },
      user: { id: int(1e7), agent: "Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0" },
      trace_id: `1-${hex(8)}-${hex(24)}`,
      message: "",
    };
    const room = EVENT_BYTES - Buffer.byteLength(JSON.stringify(event));
    let message = "";
    let size = 2; // the quotes
    while (size < room) {
      const r = rand();
      const piece = r < 0.02 ? `${SPICE[int(SPICE.length)]} ` : r < 0.3 ? `${hex(8)} ` : `${WORDS[int(WORDS.length)]} `;
      message += piece;
      size += Buffer.byteLength(JSON.stringify(piece)) - 2;
    }
    while (message.length > 0 && Buffer.byteLength(JSON.stringify(message)) > room) message = message.slice(0, -1);
    event.message = message;
    out.push(JSON.stringify(event));
  }
  return out;
}

const STREAM_ARN = "arn:aws:kinesis:eu-west-1:123456789012:stream/router";
const FIRST_SEQUENCE = 49590338271490256608559692538361571095921575989136588898n;

function kinesisRecord(data: Buffer, i: number, partitionKey: string): KinesisStreamRecord {
  const sequenceNumber = (FIRST_SEQUENCE + BigInt(i)).toString();
  return {
    kinesis: {
      kinesisSchemaVersion: "1.0",
      partitionKey,
      sequenceNumber,
      data: data.toString("base64"),
      approximateArrivalTimestamp: 1714600800.123 + i / 1000,
    },
    eventSource: "aws:kinesis",
    eventVersion: "1.0",
    eventID: `shardId-000000000000:${sequenceNumber}`,
    eventName: "aws:kinesis:record",
    invokeIdentityArn: "arn:aws:iam::123456789012:role/bench",
    awsRegion: "eu-west-1",
    eventSourceARN: STREAM_ARN,
  };
}

export interface Workload {
  readonly name: "plain" | "cloudwatch";
  readonly event: KinesisStreamEvent;
  readonly events: number;
  /** Bytes of log-event JSON (UTF-8): the unit of every MB/s figure. */
  readonly jsonBytes: number;
  /** Bytes Lambda hands the function after base64 (the gzip envelopes for CloudWatch). */
  readonly inputBytes: number;
}

/** One Kinesis record per event. */
export function plainWorkload(lines = logEvents()): Workload {
  const Records = lines.map((line, i) => kinesisRecord(Buffer.from(line, "utf8"), i, `pk-${i % 64}`));
  const jsonBytes = lines.reduce((n, l) => n + Buffer.byteLength(l), 0);
  return { name: "plain", event: { Records }, events: lines.length, jsonBytes, inputBytes: jsonBytes };
}

/** 100 gzip CloudWatch Logs envelopes (DATA_MESSAGE) of 50 events each. */
export function cloudWatchWorkload(lines = logEvents()): Workload {
  const per = Math.ceil(lines.length / ENVELOPES);
  const Records: KinesisStreamRecord[] = [];
  let inputBytes = 0;
  for (let r = 0; r * per < lines.length; r++) {
    const logEvents = lines.slice(r * per, (r + 1) * per).map((message, k) => {
      const n = r * per + k;
      return {
        id: String(35311483123651489519227041497532838917716374405497257984n + BigInt(n)),
        timestamp: 1714600800000 + n,
        message,
      };
    });
    const envelope = {
      messageType: "DATA_MESSAGE",
      owner: "123456789012",
      logGroup: "/demo/app",
      logStream: `web-${r % 4}`,
      subscriptionFilters: ["router"],
      logEvents,
    };
    const gz = gzipSync(JSON.stringify(envelope));
    inputBytes += gz.length;
    // CloudWatch Logs writes envelopes with a random partition key; a fixed one per envelope keeps runs identical.
    Records.push(kinesisRecord(gz, r, `cw-${r}`));
  }
  const jsonBytes = lines.reduce((n, l) => n + Buffer.byteLength(l), 0);
  return { name: "cloudwatch", event: { Records }, events: lines.length, jsonBytes, inputBytes };
}

/** A Lambda context as the runtime passes it (what Powertools' injectLambdaContext reads). */
export function lambdaContext(functionName: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
    memoryLimitInMB: "256",
    awsRequestId: "c6af9ac6-7b61-11e6-9a41-93e812345678",
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "2024/05/01/[$LATEST]0123456789abcdef0123456789abcdef",
    getRemainingTimeInMillis: () => 60_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
