// Ceilings: for each destination, a minimal Node loop doing only the work no implementation can avoid on the same
// Lambda event: base64 decode, gunzip where the record is gzip, UTF-8 decode + JSON.parse (the CloudWatch envelope,
// then each message), the type check, encoding for the destination, and SHA-256 of every signed request body. No
// error handling, no failed records, no logging, no network. A handler's MB/s divided by its ceiling's is the share of
// the achievable speed it reaches.
//
// What "encoding for the destination" means here:
// - forward: PutRecords JSON bodies of 500 entries (Data base64, PartitionKey = log_id), SHA-256 of each body.
// - s3: one gzip JSON-lines object per type and UTC day of `time` (Date.parse; gzip level 4 like the handler), SHA-256.
// - opensearch: `_bulk` NDJSON bodies of 500 documents (index action with `<prefix>-<type>-<YYYYMMDD>` and `_id`, then
//   the source line), SHA-256 of each body.
// - fluent: msgpack PackedForward entries ([EventTime, record map]) per tag, one message per tag; no signing.
import { createHash } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import { Encoder } from "@msgpack/msgpack";
import type { KinesisStreamEvent } from "aws-lambda";

export type Destination = "forward" | "s3" | "opensearch" | "fluent";

type OnEvent = (record: Record<string, unknown>, type: string, text: string) => void;

/** Decode → parse → type check for every log event of the Lambda event, in order. */
function eachEvent(event: KinesisStreamEvent, onEvent: OnEvent): void {
  for (const r of event.Records) {
    let bytes = Buffer.from(r.kinesis.data, "base64");
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
    const text = bytes.toString("utf8");
    const value = JSON.parse(text) as Record<string, unknown>;
    const logEvents = value.logEvents as { message: string }[] | undefined;
    if (Array.isArray(logEvents)) {
      for (const e of logEvents) {
        const record = JSON.parse(e.message) as Record<string, unknown>;
        const type = record.log_type;
        if (typeof type === "string") onEvent(record, type, e.message);
      }
    } else {
      const type = value.log_type;
      if (typeof type === "string") onEvent(value, type, text);
    }
  }
}

const sha256 = (body: Buffer) => createHash("sha256").update(body).digest();

function forward(event: KinesisStreamEvent): number {
  let hashed = 0;
  let parts: string[] = [];
  let n = 0;
  const flush = () => {
    const body = Buffer.from(
      `{"Records":[${parts.join(",")}],"StreamARN":"arn:aws:kinesis:eu-west-1:123456789012:stream/bench-out"}`,
    );
    hashed += sha256(body).length;
    parts = [];
    n = 0;
  };
  eachEvent(event, (record, _type, text) => {
    const data = Buffer.from(text, "utf8").toString("base64");
    parts.push(`{"Data":"${data}","PartitionKey":${JSON.stringify(String(record.log_id))}}`);
    if (++n === 500) flush();
  });
  if (n > 0) flush();
  return hashed;
}

const DAY_MS = 86_400_000;

const yyyymmdd = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10).replaceAll("-", "");

function s3(event: KinesisStreamEvent): number {
  const groups = new Map<string, string[]>();
  eachEvent(event, (record, type, text) => {
    const key = `${type}/${Math.floor(Date.parse(record.time as string) / DAY_MS)}`;
    const lines = groups.get(key);
    if (lines) lines.push(text);
    else groups.set(key, [text]);
  });
  let hashed = 0;
  for (const lines of groups.values()) {
    lines.push("");
    const body = gzipLevel4(Buffer.from(lines.join("\n")));
    hashed += sha256(body).length;
  }
  return hashed;
}

const gzipLevel4 = (data: Buffer) => gzipSync(data, { level: 4 });

function opensearch(event: KinesisStreamEvent): number {
  const days = new Map<number, string>();
  let parts: string[] = [];
  let n = 0;
  let hashed = 0;
  const flush = () => {
    hashed += sha256(Buffer.from(parts.join(""))).length;
    parts = [];
    n = 0;
  };
  eachEvent(event, (record, type, text) => {
    const day = Math.floor(Date.parse(record.time as string) / DAY_MS);
    let date = days.get(day);
    if (date === undefined) {
      date = yyyymmdd(day);
      days.set(day, date);
    }
    parts.push(
      `{"index":{"_index":"logs-${type}-${date}","_id":${JSON.stringify(String(record.log_id))}}}\n`,
      text,
      "\n",
    );
    if (++n === 500) flush();
  });
  if (n > 0) flush();
  return hashed;
}

function fluent(event: KinesisStreamEvent): number {
  const encoder = new Encoder();
  const perTag = new Map<string, Buffer[]>();
  eachEvent(event, (record, type) => {
    const ms = Date.parse(record.time as string);
    const head = Buffer.allocUnsafe(12);
    head[0] = 0x92;
    head[1] = 0xd7;
    head[2] = 0x00;
    head.writeUInt32BE(Math.floor(ms / 1000), 3);
    head.writeUInt32BE((ms % 1000) * 1e6, 7);
    const entry = Buffer.concat([head, encoder.encode(record)]);
    const tag = `${type}.kinesis`;
    const entries = perTag.get(tag);
    if (entries) entries.push(entry);
    else perTag.set(tag, [entry]);
  });
  let bytes = 0;
  for (const [tag, entries] of perTag) {
    const packed = Buffer.concat(entries);
    const bin = Buffer.from([0xc6, 0, 0, 0, 0]);
    bin.writeUInt32BE(packed.length, 1);
    const message = Buffer.concat([
      Buffer.from([0x93]),
      encoder.encode(tag),
      bin,
      packed,
      encoder.encode({ size: entries.length, chunk: "AAAAAAAAAAAAAAAAAAAAAA==" }),
    ]);
    bytes += message.length;
  }
  return bytes;
}

/** The ceiling loop for a destination; returns something derived from its output so nothing is optimised away. */
export const ceilings: Record<Destination, (event: KinesisStreamEvent) => number> = { forward, s3, opensearch, fluent };
