/**
 * kinesis-to-fluent core: a Fluentd forward-protocol (v1) client. Records become PackedForward (optionally
 * CompressedPackedForward) chunks per tag, each sent with a `chunk` id and acknowledged by the server (at least once),
 * over TCP or TLS, with optional shared-key (and user) authentication. Every record comes back delivered, rejected or
 * retryable.
 */
import { createHash, randomBytes } from "node:crypto";
import * as net from "node:net";
import { hostname } from "node:os";
import * as tls from "node:tls";
import { gzipSync } from "node:zlib";
import { decodeMultiStream, Encoder } from "@msgpack/msgpack";
import { backoffDelayMs, sleep } from "../shared/backoff";
import { jsonToMsgpack, writeStr } from "../shared/kinesis/records/json-msgpack";
import { INVALID_TIME_MARK, toFailed } from "../shared/kinesis/records/outcomes";
import type { DeliveredOutcome, FailedOutcome } from "../shared/kinesis/records/types";
import type { ListedSinkResult } from "../shared/kinesis/sink";

export interface ForwardEncodeOptions {
  /** Second part of the tag: `<log_type>.<tag>`; `""` sends `<log_type>` alone. @default "kinesis" */
  readonly tag?: string;
  /** Type used in the tag of records without one. @default "unknown" */
  readonly unknownType?: string;
  /**
   * Send `{"message": "<raw json>"}` like the original module instead of the record as a map. @default false
   * In map mode the record is encoded from its original text (see records/json-msgpack.ts for the exact mapping:
   * integers up to uint64 / int64 exact, every number written with `.`/`e` a float 64, `-0.0` kept).
   */
  readonly wrapAsMessage?: boolean;
  /** CompressedPackedForward (gzip entries). @default false */
  readonly compress?: boolean;
  /** Most entry bytes per chunk (before compression); 1 MiB measured fastest end to end. @default 1 MiB */
  readonly maxChunkBytes?: number;
  /** Most records per chunk. @default 10_000 */
  readonly maxChunkRecords?: number;
}

export interface FluentForwardOptions extends ForwardEncodeOptions {
  readonly host: string;
  /** @default 24224 */
  readonly port?: number;
  /** Wait for the server's `ack` of every chunk (at-least-once). Without it, written = delivered. @default true */
  readonly requireAck?: boolean;
  /** TLS: `true` for defaults (system CAs, server name = host), or tls.connect options (ca, servername, …). */
  readonly tls?: boolean | tls.ConnectionOptions;
  /** Shared key for the HELO/PING/PONG handshake; absent = no handshake. */
  readonly sharedKey?: string;
  /** This client's hostname in the handshake (must differ from the server's). @default os.hostname() */
  readonly selfHostname?: string;
  /** User authentication (server `user_auth`), with `sharedKey`. */
  readonly username?: string;
  readonly password?: string;
  /** Connect + TLS + handshake. @default 5_000 */
  readonly connectTimeoutMs?: number;
  /** From writing a chunk to its ack. @default 30_000 */
  readonly ackTimeoutMs?: number;
  /** Connections tried for chunks not acknowledged (a resent chunk may arrive twice). @default 2 */
  readonly maxAttempts?: number;
  /** @default 200 */
  readonly baseDelayMs?: number;
}

/** One forward-protocol message ready to write: `[tag, entries, {size, chunk[, compressed]}]`. */
export interface ForwardChunk {
  readonly tag: string;
  /** base64 of 16 random bytes, as the spec asks; the server echoes it in `{"ack": …}`. */
  readonly chunkId: string;
  readonly message: Buffer;
  readonly outcomes: DeliveredOutcome[];
}

export interface ForwardEncodeResult {
  readonly chunks: ForwardChunk[];
  /** Records that cannot be encoded (time outside EventTime's range, nesting too deep). */
  readonly rejected: FailedOutcome[];
}

const TAG_UNSAFE = /[^A-Za-z0-9_\-.]/g;
const MAX_TAG_PART = 128;

/** A tag part: `[A-Za-z0-9_.-]` only (others → `_`), no empty dot-separated segments, at most 128 characters. */
export function sanitizeTagPart(value: string): string {
  const s = value
    .replace(TAG_UNSAFE, "_")
    .split(".")
    .filter((p) => p !== "")
    .join(".")
    .slice(0, MAX_TAG_PART)
    .replace(/\.+$/, "");
  return s === "" ? "_" : s;
}

/** `[seconds, nanoseconds]` of an epoch-ms time (microsecond fraction kept), or undefined outside uint32 seconds. */
export function eventTimeParts(epochMs: number): [number, number] | undefined {
  let seconds = Math.floor(epochMs / 1000);
  let nanos = Math.round((epochMs - seconds * 1000) * 1000) * 1000;
  if (nanos >= 1e9) {
    seconds++;
    nanos -= 1e9;
  }
  if (!(seconds >= 0 && seconds <= 0xffff_ffff)) return undefined;
  return [seconds, nanos];
}

/** A growable byte buffer (one copy per chunk instead of one allocation per record). */
class ByteSink {
  buf = Buffer.allocUnsafe(1 << 16);
  length = 0;
  ensure(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + extra) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }
  bytes(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.length));
  }
}

function binHeader(length: number): Buffer {
  if (length < 0x100) return Buffer.from([0xc4, length]);
  if (length < 0x10000) return Buffer.from([0xc5, length >> 8, length & 0xff]);
  const b = Buffer.allocUnsafe(5);
  b[0] = 0xc6;
  b.writeUInt32BE(length, 1);
  return b;
}

interface OpenChunk {
  tag: string;
  sink: ByteSink;
  outcomes: DeliveredOutcome[];
}

/**
 * Encodes records into forward messages, one PackedForward chunk per tag (split by `maxChunkBytes` and
 * `maxChunkRecords`). Entry = `[EventTime(ext 0: uint32 seconds, uint32 nanoseconds), record]`; the time is the
 * record's own (its offset honoured, sub-second kept), else the Kinesis arrival time.
 */
export function encodeForwardChunks(
  outcomes: readonly DeliveredOutcome[],
  options: ForwardEncodeOptions = {},
): ForwardEncodeResult {
  const suffix = options.tag === undefined ? "kinesis" : options.tag === "" ? "" : sanitizeTagPart(options.tag);
  const unknownType = options.unknownType ?? "unknown";
  const maxBytes = options.maxChunkBytes ?? 1024 * 1024;
  const maxRecords = options.maxChunkRecords ?? 10_000;
  const scratch = new ByteSink();
  const tags = new Map<string, string>();
  const open = new Map<string, OpenChunk>();
  const chunks: ForwardChunk[] = [];
  const rejected: FailedOutcome[] = [];

  const close = (chunk: OpenChunk) => {
    chunks.push(packMessage(chunk.tag, chunk.sink.bytes(), chunk.outcomes.length, chunk.outcomes, options.compress));
    open.delete(chunk.tag);
  };

  for (const outcome of outcomes) {
    const type = outcome.type ?? unknownType;
    let tag = tags.get(type);
    if (tag === undefined) {
      const head = sanitizeTagPart(type);
      tag = suffix === "" ? head : `${head}.${suffix}`;
      tags.set(type, tag);
    }
    const time = eventTimeParts(outcome.time ?? outcome.arrivalTime);
    if (time === undefined) {
      rejected.push(toFailed(outcome, "invalid_time", "time is outside the forward protocol's EventTime range"));
      continue;
    }
    let record: Buffer;
    try {
      scratch.length = 0;
      const mark = outcome.timeError === undefined ? undefined : ([[INVALID_TIME_MARK, outcome.timeError]] as const);
      if (options.wrapAsMessage) {
        scratch.ensure(1);
        scratch.buf[scratch.length++] = mark ? 0x82 : 0x81;
        writeStr(scratch, "message");
        writeStr(scratch, outcome.raw);
        if (mark) {
          writeStr(scratch, mark[0][0]);
          writeStr(scratch, mark[0][1]);
        }
      } else jsonToMsgpack(outcome.raw, scratch, { maxDepth: 512, extra: mark });
      record = scratch.buf.subarray(0, scratch.length);
    } catch (error) {
      // One event that cannot be encoded fails alone, never its batch.
      rejected.push(toFailed(outcome, "encoding_failed", `msgpack encoding failed: ${(error as Error)?.message}`));
      continue;
    }
    const entryBytes = 12 + record.length;
    let chunk = open.get(tag);
    if (chunk !== undefined && (chunk.outcomes.length >= maxRecords || chunk.sink.length + entryBytes > maxBytes)) {
      close(chunk);
      chunk = undefined;
    }
    if (chunk === undefined) {
      chunk = { tag, sink: new ByteSink(), outcomes: [] };
      open.set(tag, chunk);
    }
    const sink = chunk.sink;
    sink.ensure(entryBytes);
    const b = sink.buf;
    let p = sink.length;
    b[p++] = 0x92; // fixarray(2)
    b[p++] = 0xd7; // fixext 8
    b[p++] = 0x00; // EventTime
    b.writeUInt32BE(time[0], p);
    b.writeUInt32BE(time[1], p + 4);
    p += 8;
    b.set(record, p);
    sink.length = p + record.length;
    chunk.outcomes.push(outcome);
  }
  for (const chunk of [...open.values()]) close(chunk);
  return { chunks, rejected };
}

function packMessage(
  tag: string,
  entries: Buffer,
  size: number,
  outcomes: DeliveredOutcome[],
  compress: boolean | undefined,
): ForwardChunk {
  const chunkId = randomBytes(16).toString("base64");
  const payload = compress ? gzipSync(entries, { level: 1 }) : entries;
  const encoder = new Encoder();
  const tagBytes = encoder.encode(tag);
  const option = encoder.encode(compress ? { size, chunk: chunkId, compressed: "gzip" } : { size, chunk: chunkId });
  const message = Buffer.concat([Buffer.from([0x93]), tagBytes, binHeader(payload.length), payload, option]);
  return { tag, chunkId, message, outcomes };
}

class ForwardError extends Error {
  override name = "ForwardError";
}

type Waiter = { resolve: (value: unknown) => void; reject: (error: Error) => void };

/** One forward connection: connect (TLS), optional handshake, write messages, match acks. */
class ForwardConnection {
  private readonly acks = new Map<string, Waiter & { timer: NodeJS.Timeout }>();
  private next: Waiter | undefined;
  private queued: unknown[] = [];
  private failure: Error | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(private readonly socket: net.Socket) {
    socket.on("error", (error) => this.fail(new ForwardError(`connection error: ${error.message}`)));
    socket.on("close", () => this.fail(new ForwardError("connection closed by the server")));
    void this.read();
  }

  static async open(options: FluentForwardOptions): Promise<ForwardConnection> {
    const port = options.port ?? 24224;
    const timeoutMs = options.connectTimeoutMs ?? 5_000;
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      let settled = false;
      const done = (error: Error | undefined, s?: net.Socket) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) {
          s?.destroy();
          reject(error);
        } else resolve(s!);
      };
      let s: net.Socket;
      if (options.tls) {
        const extra = options.tls === true ? {} : options.tls;
        const servername = net.isIP(options.host) ? undefined : options.host;
        s = tls.connect({ host: options.host, port, servername, ...extra }, () => done(undefined, s));
      } else {
        s = net.connect({ host: options.host, port }, () => done(undefined, s));
      }
      s.setNoDelay(true);
      s.once("error", (error) =>
        done(new ForwardError(`cannot connect to ${options.host}:${port}: ${error.message}`), s),
      );
      const timer = setTimeout(
        () => done(new ForwardError(`connect to ${options.host}:${port} timed out after ${timeoutMs} ms`), s),
        timeoutMs,
      );
    });
    const connection = new ForwardConnection(socket);
    if (options.sharedKey !== undefined) {
      try {
        await connection.handshake(options, timeoutMs);
      } catch (error) {
        connection.close();
        throw error;
      }
    }
    return connection;
  }

  private async read(): Promise<void> {
    try {
      for await (const message of decodeMultiStream(this.socket)) this.onMessage(message);
    } catch (error) {
      this.fail(new ForwardError(`unreadable server message: ${(error as Error).message}`));
    }
  }

  private onMessage(message: unknown): void {
    if (message !== null && typeof message === "object" && !Array.isArray(message) && "ack" in message) {
      const waiter = this.acks.get(String((message as { ack: unknown }).ack));
      if (waiter) {
        clearTimeout(waiter.timer);
        this.acks.delete(String((message as { ack: unknown }).ack));
        waiter.resolve(undefined);
      }
      return;
    }
    if (this.next) {
      const waiter = this.next;
      this.next = undefined;
      waiter.resolve(message);
    } else this.queued.push(message);
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    for (const waiter of this.acks.values()) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
    this.acks.clear();
    this.next?.reject(error);
    this.next = undefined;
    for (const timer of this.timers) clearTimeout(timer);
    this.socket.destroy();
  }

  /** The next non-ack message from the server, within `timeoutMs`. */
  private receive(timeoutMs: number, what: string): Promise<unknown> {
    if (this.queued.length > 0) return Promise.resolve(this.queued.shift());
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.next = undefined;
        reject(new ForwardError(`no ${what} from the server within ${timeoutMs} ms`));
      }, timeoutMs);
      this.timers.add(timer);
      const settle =
        <T>(fn: (v: T) => void) =>
        (v: T) => {
          clearTimeout(timer);
          this.timers.delete(timer);
          fn(v);
        };
      this.next = { resolve: settle(resolve), reject: settle(reject) };
    });
  }

  /** HELO → PING → PONG (forward protocol v1 handshake with shared key and optional user auth). */
  private async handshake(options: FluentForwardOptions, timeoutMs: number): Promise<void> {
    const helo = await this.receive(timeoutMs, "HELO");
    if (!Array.isArray(helo) || helo[0] !== "HELO" || typeof helo[1] !== "object" || helo[1] === null) {
      throw new ForwardError("expected HELO from the server");
    }
    const { nonce, auth } = helo[1] as { nonce?: unknown; auth?: unknown };
    const nonceBytes = bytesOf(nonce);
    const selfHostname = options.selfHostname ?? hostname();
    const salt = randomBytes(16).toString("hex");
    const sharedKey = options.sharedKey ?? "";
    const digest = (host: string) => sha512Hex(salt, host, nonceBytes, sharedKey);
    const authSalt = bytesOf(auth);
    const username = options.username ?? "";
    const passwordDigest =
      authSalt.length > 0 && username !== "" ? sha512Hex(authSalt, username, options.password ?? "") : "";
    this.socket.write(
      new Encoder().encode(["PING", selfHostname, salt, digest(selfHostname), username, passwordDigest]),
    );
    const pong = await this.receive(timeoutMs, "PONG");
    if (!Array.isArray(pong) || pong[0] !== "PONG") throw new ForwardError("expected PONG from the server");
    const [, ok, reason, serverHostname, serverDigest] = pong as [string, boolean, string, string, string];
    if (!ok) throw new ForwardError(`authentication failed: ${reason}`);
    if (serverHostname === selfHostname) throw new ForwardError("server and client share a hostname");
    if (serverDigest !== digest(serverHostname)) throw new ForwardError("server failed shared-key verification");
  }

  /** Writes a message; resolves once the socket took it (waits for `drain` under backpressure). */
  async write(message: Buffer): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.socket.write(message)) return;
    await new Promise<void>((resolve, reject) => {
      const onDrain = () => {
        this.socket.off("close", onClose);
        resolve();
      };
      const onClose = () => {
        this.socket.off("drain", onDrain);
        reject(this.failure ?? new ForwardError("connection closed"));
      };
      this.socket.once("drain", onDrain);
      this.socket.once("close", onClose);
    });
  }

  /** Resolves when the server acknowledges `chunkId`; register before writing the chunk. */
  ack(chunkId: string, timeoutMs: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.acks.delete(chunkId);
        reject(new ForwardError(`no ack within ${timeoutMs} ms`));
      }, timeoutMs);
      this.acks.set(chunkId, { resolve: () => resolve(), reject, timer });
    });
  }

  /** Ends the connection after flushing what was written. */
  async end(): Promise<void> {
    if (this.failure) throw this.failure;
    await new Promise<void>((resolve, reject) => {
      this.socket.end(() => resolve());
      this.socket.once("error", reject);
    });
  }

  close(): void {
    this.fail(new ForwardError("closed by the client"));
  }
}

function bytesOf(value: unknown): Buffer {
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (typeof value === "string") return Buffer.from(value, "utf8");
  return Buffer.alloc(0);
}

function sha512Hex(...parts: (string | Buffer)[]): string {
  const hash = createHash("sha512");
  for (const part of parts) hash.update(part);
  return hash.digest("hex");
}

/** Sends chunks on one connection; returns the ones not acknowledged (with why). */
async function sendOnce(
  chunks: readonly ForwardChunk[],
  options: FluentForwardOptions,
): Promise<{ failed: ForwardChunk[]; error: string }> {
  let connection: ForwardConnection;
  try {
    connection = await ForwardConnection.open(options);
  } catch (error) {
    return { failed: [...chunks], error: (error as Error).message };
  }
  const requireAck = options.requireAck ?? true;
  const ackTimeoutMs = options.ackTimeoutMs ?? 30_000;
  const pending: Promise<void>[] = [];
  let writeError: string | undefined;
  let written = 0;
  for (const chunk of chunks) {
    const acked = requireAck ? connection.ack(chunk.chunkId, ackTimeoutMs) : Promise.resolve();
    acked.catch(() => {}); // observed below; avoid an unhandled rejection while still writing
    pending.push(acked);
    try {
      await connection.write(chunk.message);
      written++;
    } catch (error) {
      writeError = (error as Error).message;
      break;
    }
  }
  const settled = await Promise.allSettled(pending);
  const failed: ForwardChunk[] = [];
  let error = writeError ?? "";
  for (let i = 0; i < chunks.length; i++) {
    const s = settled[i];
    if (i >= written || s === undefined || s.status === "rejected") {
      failed.push(chunks[i]!);
      if (s?.status === "rejected" && error === "") error = (s.reason as Error).message;
    }
  }
  if (!requireAck && failed.length === 0) {
    try {
      await connection.end();
    } catch (e) {
      return { failed: [...chunks], error: (e as Error).message };
    }
  } else connection.close();
  return { failed, error };
}

/**
 * Sends records to a Fluentd forward input. Chunks not acknowledged (refused connection, handshake failure, dropped
 * connection, ack timeout) are re-sent on a new connection up to `maxAttempts`, then come back `retryable` (with the
 * last error in `retryDetail`) so the caller reports batch item failures. Records that cannot be encoded come back
 * `rejected`. delivered + rejected + retryable = input.
 */
export async function sendToFluent(
  outcomes: readonly DeliveredOutcome[],
  options: FluentForwardOptions,
): Promise<ListedSinkResult> {
  const { chunks, rejected } = encodeForwardChunks(outcomes, options);
  const maxAttempts = options.maxAttempts ?? 2;
  let pending = chunks;
  let error = "";
  let attempt = 0;
  while (pending.length > 0 && attempt < maxAttempts) {
    if (attempt > 0) await sleep(backoffDelayMs(attempt - 1, options.baseDelayMs ?? 200, 5_000, Math.random));
    attempt++;
    const result = await sendOnce(pending, options);
    pending = result.failed;
    error = result.error;
  }
  const unacked = new Set(pending);
  const delivered: DeliveredOutcome[] = [];
  const retryable: DeliveredOutcome[] = [];
  for (const chunk of chunks) {
    const into = unacked.has(chunk) ? retryable : delivered;
    for (const outcome of chunk.outcomes) into.push(outcome);
  }
  const retryDetail =
    retryable.length > 0 ? `${error} (after ${attempt} attempt${attempt === 1 ? "" : "s"})` : undefined;
  return { delivered, rejected, retryable, retryDetail };
}
