/**
 * KPL (Kinesis Producer Library) aggregated-record reader.
 *
 * Format (amazon-kinesis-producer aggregation-format.md): 4 magic bytes `F3 89 9A C2`, a protobuf `AggregatedRecord`,
 * then the 16-byte MD5 of the protobuf bytes.
 *
 *   message AggregatedRecord { repeated string partition_key_table = 1; repeated string explicit_hash_key_table = 2;
 *                              repeated Record records = 3; }
 *   message Record { required uint64 partition_key_index = 1; optional uint64 explicit_hash_key_index = 2;
 *                    required bytes data = 3; repeated Tag tags = 4; }
 */
import { createHash } from "node:crypto";

export const KPL_MAGIC = Buffer.from([0xf3, 0x89, 0x9a, 0xc2]);
const MD5_LENGTH = 16;
const MIN_LENGTH = KPL_MAGIC.length + MD5_LENGTH;

export interface KplSubRecord {
  readonly partitionKey: string;
  readonly explicitHashKey: string | undefined;
  /** A view into the aggregated buffer (no copy). */
  readonly data: Buffer;
}

/** True when the bytes start with the KPL magic (the checksum is not verified here). */
export function hasKplMagic(bytes: Uint8Array): boolean {
  return bytes.length >= MIN_LENGTH && bytes[0] === 0xf3 && bytes[1] === 0x89 && bytes[2] === 0x9a && bytes[3] === 0xc2;
}

class MalformedProtobuf extends Error {}
class TooManyRecords extends Error {}

/** Returned by `deaggregate` when the aggregate holds more user records than `maxRecords` (checked before any is built). */
export const TOO_MANY_RECORDS = Symbol("too many KPL records");

/** Minimal protobuf cursor over a buffer range; throws MalformedProtobuf on any out-of-range read. */
class Reader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  /** Reads a varint as a JS number; values above 2^53 lose precision (only used for indices and lengths). */
  varint(): number {
    let result = 0;
    let multiplier = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new MalformedProtobuf("truncated varint");
      const byte = this.buf[this.pos++]!;
      result += (byte & 0x7f) * multiplier;
      if (byte < 0x80) return result;
      multiplier *= 128;
    }
    throw new MalformedProtobuf("varint too long");
  }

  /** Returns [start, end) of a length-delimited field's payload and advances past it. */
  lengthDelimited(): [number, number] {
    const length = this.varint();
    const start = this.pos;
    const end = start + length;
    if (end > this.end) throw new MalformedProtobuf("length-delimited field exceeds message");
    this.pos = end;
    return [start, end];
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint();
        return;
      case 1:
        this.advance(8);
        return;
      case 2:
        this.lengthDelimited();
        return;
      case 5:
        this.advance(4);
        return;
      default:
        throw new MalformedProtobuf(`unsupported wire type ${wireType}`);
    }
  }

  private advance(n: number): void {
    if (this.pos + n > this.end) throw new MalformedProtobuf("truncated fixed field");
    this.pos += n;
  }
}

interface RawSubRecord {
  pkIndex: number;
  ehkIndex: number | undefined;
  dataStart: number;
  dataEnd: number;
}

function readSubRecord(reader: Reader, start: number, end: number): RawSubRecord {
  const r = new Reader(reader.buf, start, end);
  let pkIndex: number | undefined;
  let ehkIndex: number | undefined;
  let dataStart = -1;
  let dataEnd = -1;
  while (r.pos < end) {
    const key = r.varint();
    const field = Math.floor(key / 8);
    const wireType = key & 7;
    if (field === 1 && wireType === 0) pkIndex = r.varint();
    else if (field === 2 && wireType === 0) ehkIndex = r.varint();
    else if (field === 3 && wireType === 2) [dataStart, dataEnd] = r.lengthDelimited();
    else r.skip(wireType); // tags (4) and unknown fields
  }
  if (pkIndex === undefined) throw new MalformedProtobuf("record without partition_key_index");
  if (dataStart < 0) throw new MalformedProtobuf("record without data");
  return { pkIndex, ehkIndex, dataStart, dataEnd };
}

/**
 * De-aggregates a KPL aggregated record. Returns `undefined` when the bytes are not a valid aggregate (no magic,
 * checksum mismatch, malformed protobuf, index out of range): the caller then treats the bytes as one plain record.
 */
export function deaggregate(bytes: Buffer): KplSubRecord[] | undefined;
/** With `maxRecords`: `TOO_MANY_RECORDS` as soon as the aggregate turns out to hold more user records (bounded fan-out). */
export function deaggregate(bytes: Buffer, maxRecords: number): KplSubRecord[] | undefined | typeof TOO_MANY_RECORDS;
export function deaggregate(
  bytes: Buffer,
  maxRecords = Number.POSITIVE_INFINITY,
): KplSubRecord[] | undefined | typeof TOO_MANY_RECORDS {
  if (!hasKplMagic(bytes)) return undefined;
  const pbStart = KPL_MAGIC.length;
  const pbEnd = bytes.length - MD5_LENGTH;
  const digest = createHash("md5").update(bytes.subarray(pbStart, pbEnd)).digest();
  if (!digest.equals(bytes.subarray(pbEnd))) return undefined;
  try {
    return parseAggregate(bytes, pbStart, pbEnd, maxRecords);
  } catch (error) {
    if (error instanceof MalformedProtobuf) return undefined;
    if (error instanceof TooManyRecords) return TOO_MANY_RECORDS;
    throw error;
  }
}

function parseAggregate(buf: Buffer, start: number, end: number, maxRecords: number): KplSubRecord[] {
  const reader = new Reader(buf, start, end);
  const partitionKeys: string[] = [];
  const hashKeys: string[] = [];
  const raw: RawSubRecord[] = [];
  while (reader.pos < end) {
    const key = reader.varint();
    const field = Math.floor(key / 8);
    const wireType = key & 7;
    if (wireType === 2 && field >= 1 && field <= 3) {
      const [s, e] = reader.lengthDelimited();
      if (field === 1) partitionKeys.push(buf.toString("utf8", s, e));
      else if (field === 2) hashKeys.push(buf.toString("utf8", s, e));
      else {
        if (raw.length >= maxRecords) throw new TooManyRecords();
        raw.push(readSubRecord(reader, s, e));
      }
    } else {
      reader.skip(wireType);
    }
  }
  const records: KplSubRecord[] = new Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const r = raw[i]!;
    const partitionKey = partitionKeys[r.pkIndex];
    if (partitionKey === undefined) throw new MalformedProtobuf("partition_key_index out of range");
    let explicitHashKey: string | undefined;
    if (r.ehkIndex !== undefined) {
      explicitHashKey = hashKeys[r.ehkIndex];
      if (explicitHashKey === undefined) throw new MalformedProtobuf("explicit_hash_key_index out of range");
    }
    records[i] = { partitionKey, explicitHashKey, data: buf.subarray(r.dataStart, r.dataEnd) };
  }
  return records;
}
