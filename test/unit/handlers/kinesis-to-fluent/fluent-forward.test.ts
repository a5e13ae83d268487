import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import { FluentServer, type FluentServerOptions } from "@fluent-org/logger";
import { decodeMulti, encode } from "@msgpack/msgpack";
import {
  encodeForwardChunks,
  eventTimeParts,
  type FluentForwardOptions,
  sanitizeTagPart,
  sendToFluent,
} from "../../../../handlers/kinesis-to-fluent/fluent-forward";
import { appLog, delivered } from "../../../fixtures/records/outcomes";

interface Entry {
  tag: string;
  time: { epoch: number; nano: number } | number;
  record: Record<string, unknown>;
}

const TLS_DIR = path.join(__dirname, "..", "..", "..", "fixtures", "tls");
const cert = fs.readFileSync(path.join(TLS_DIR, "cert.pem"));
const key = fs.readFileSync(path.join(TLS_DIR, "key.pem"));

async function startServer(options: FluentServerOptions = {}): Promise<{ server: FluentServer; entries: Entry[] }> {
  const server = new FluentServer({ listenOptions: { port: 0, host: "127.0.0.1" }, ...options });
  const entries: Entry[] = [];
  server.on("entry", (tag: string, time: Entry["time"], record: Entry["record"]) =>
    entries.push({ tag, time, record }),
  );
  await server.listen();
  return { server, entries };
}

const base = (port: number): FluentForwardOptions => ({
  host: "127.0.0.1",
  port,
  connectTimeoutMs: 2_000,
  ackTimeoutMs: 2_000,
  baseDelayMs: 1,
});

describe("eventTimeParts", () => {
  it("converts epoch ms (with offset already applied, fraction kept) to seconds and nanoseconds", () => {
    // Act / Assess
    expect(eventTimeParts(Date.parse("2020-03-14T23:30:00+09:00"))).toEqual([1584196200, 0]);
    expect(eventTimeParts(1584196200123.456)).toEqual([1584196200, 123456000]);
    expect(eventTimeParts(1584196200999.9995)).toEqual([1584196201, 0]);
    expect(eventTimeParts(-1)).toBeUndefined();
  });
});

describe("sanitizeTagPart", () => {
  it("keeps dotted routing names and replaces the rest", () => {
    // Act / Assess
    expect(sanitizeTagPart("nginx.access")).toBe("nginx.access");
    expect(sanitizeTagPart("..a b/c..")).toBe("a_b_c");
    expect(sanitizeTagPart("")).toBe("_");
  });
});

describe("encodeForwardChunks", () => {
  it("packs one PackedForward chunk per tag, split by records and bytes", () => {
    // Act
    const outcomes = delivered([
      ...Array.from({ length: 5 }, (_, i) => appLog({}, i)),
      appLog({ log_type: "audit" }, 5),
    ]);
    const { chunks } = encodeForwardChunks(outcomes, { tag: "lambda", maxChunkRecords: 2 });
    // Assess
    expect(chunks.map((c) => [c.tag, c.outcomes.length])).toEqual([
      ["app.lambda", 2],
      ["app.lambda", 2],
      ["app.lambda", 1],
      ["audit.lambda", 1],
    ]);
    const [tag, entries, option] = decodeMulti(chunks[0]!.message).next().value as [string, Uint8Array, object];
    expect(tag).toBe("app.lambda");
    expect(entries).toBeInstanceOf(Uint8Array);
    expect(option).toEqual({ size: 2, chunk: chunks[0]!.chunkId });
  });

  it("gzips entries in CompressedPackedForward mode", () => {
    // Act
    const { chunks } = encodeForwardChunks(delivered([appLog({}, 0)]), { compress: true });
    const [, entries, option] = decodeMulti(chunks[0]!.message).next().value as [string, Uint8Array, object];
    // Assess
    expect(option).toMatchObject({ compressed: "gzip", size: 1 });
    expect(gunzipSync(entries)[0]).toBe(0x92);
  });
});

describe("encodeForwardChunks: numbers as written (issue 10, case 5)", () => {
  const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
  const entryOf = (message: Buffer) => {
    const [, entries] = decodeMulti(message).next().value as [string, Uint8Array];
    return hex(entries);
  };

  it("encodes the record from its text: uint64 and int64 exact, 1.0 and -0.0 as float 64, -0 kept", () => {
    // Prepare: compact and pretty-printed (map mode is the default)
    const text =
      '{"log_type":"app","u":12345678901234567890,"i":-9223372036854775808,"one":1.0,"nz":-0.0,"z":-0,"s":9007199254740993}';
    const pretty = text.replace(/,/g, ",\n  ");
    const outcomes = delivered([text, pretty]);

    // Act
    const { chunks, rejected } = encodeForwardChunks(outcomes);

    // Assess
    expect(rejected).toEqual([]);
    const entries = entryOf(chunks[0]!.message);
    const u = `a175cf${(12345678901234567890n).toString(16)}`;
    const i = "a169d38000000000000000";
    const one = "a36f6e65cb3ff0000000000000";
    const nz = "a26e7acb8000000000000000";
    const z = "a17acb8000000000000000";
    const s = `a173cf${9007199254740993n.toString(16).padStart(16, "0")}`;
    for (const expected of [u, i, one, nz, z, s]) {
      expect(entries.split(expected)).toHaveLength(3); // once per record
    }
  });

  it("gives the same map as the parsed record for ordinary values", () => {
    // Prepare
    const log = appLog({ n: 1.5, neg: -200, big: 70000, ok: true, none: null, tags: ["a", { b: "é\n" }] }, 0);
    const outcomes = delivered([log]);

    // Act
    const { chunks } = encodeForwardChunks(outcomes);

    // Assess
    const [, entries] = decodeMulti(chunks[0]!.message).next().value as [string, Uint8Array];
    const [[, record]] = [...decodeMulti(entries)] as [[unknown, unknown]];
    expect(record).toEqual(log);
  });

  it("marks a record delivered by the unreadable-time fallback, in map and in message mode", () => {
    // Prepare
    const outcomes = delivered([appLog({ time: "nope" }, 0)], { invalidTime: "deliver" });

    // Act
    const records = [false, true].map((wrapAsMessage) => {
      const { chunks } = encodeForwardChunks(outcomes, { wrapAsMessage });
      const [, entries] = decodeMulti(chunks[0]!.message).next().value as [string, Uint8Array];
      return ([...decodeMulti(entries)] as [[unknown, Record<string, unknown>]])[0][1];
    });

    // Assess
    expect(records[0]).toEqual({ ...appLog({ time: "nope" }, 0), _invalid_time: outcomes[0]!.timeError });
    expect(records[1]).toEqual({ message: outcomes[0]!.raw, _invalid_time: outcomes[0]!.timeError });
  });

  it("fails only the record nested too deep for the forward encoder, as encoding_failed", () => {
    // Prepare
    const deep = `{"log_type":"app","n":${"[\n".repeat(5000)}1${"]".repeat(5000)}}`;
    const outcomes = delivered([appLog({}, 0), deep, appLog({}, 2)]);

    // Act
    const { chunks, rejected } = encodeForwardChunks(outcomes);

    // Assess
    expect(rejected.map((r) => [r.reason, r.eventId])).toEqual([["encoding_failed", outcomes[1]!.eventId]]);
    expect(chunks.flatMap((c) => c.outcomes.map((o) => o.id))).toEqual(["id-0", "id-2"]);
  });
});

describe("sendToFluent against a real FluentServer", () => {
  const servers: FluentServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  const start = async (options: FluentServerOptions = {}) => {
    const started = await startServer(options);
    servers.push(started.server);
    return started;
  };

  it("delivers records as maps with their tags and exact event times, acknowledged", async () => {
    // Prepare
    const { server, entries } = await start();
    const outcomes = delivered(
      [
        appLog({ time: "2020-03-14T23:30:00+09:00" }, 0),
        appLog({ log_type: "audit", time: "2020-03-14T14:30:00.123456Z", n: 1.5, ok: true, tags: ["a"] }, 1),
        appLog({ time: undefined }, 2),
      ],
      {},
      (i) => ({ approximateArrivalTimestamp: 1600000000.25 + i }),
    );
    // Act
    const result = await sendToFluent(outcomes, { ...base(server.port!), tag: "kinesis" });
    // Assess
    expect(result.delivered).toHaveLength(3);
    expect(result.retryable).toEqual([]);
    const byId = new Map(entries.map((e) => [e.record.log_id, e]));
    expect(byId.get("id-0")).toMatchObject({ tag: "app.kinesis", time: { epoch: 1584196200, nano: 0 } });
    expect(byId.get("id-0")!.record).toEqual(outcomes[0]!.record);
    expect(byId.get("id-1")).toMatchObject({ tag: "audit.kinesis", time: { epoch: 1584196200, nano: 123456000 } });
    expect(byId.get("id-1")!.record).toEqual(outcomes[1]!.record);
    expect(byId.get("id-2")!.time).toEqual(expect.objectContaining({ epoch: 1600000002, nano: 250000000 }));
  });

  it("wraps the raw JSON as {message} when asked, and sends gzip-compressed chunks", async () => {
    // Prepare
    const { server, entries } = await start();
    const outcomes = delivered([appLog({}, 0)]);
    // Act
    const result = await sendToFluent(outcomes, { ...base(server.port!), wrapAsMessage: true, compress: true });
    // Assess
    expect(result.delivered).toHaveLength(1);
    expect(entries[0]!.record).toEqual({ message: outcomes[0]!.raw });
  });

  it("conserves records across many chunks: delivered + rejected + unsent = input", async () => {
    // Prepare
    const { server, entries } = await start();
    const outcomes = delivered(Array.from({ length: 300 }, (_, i) => appLog({ log_type: `t${i % 3}` }, i)));
    // Act
    const result = await sendToFluent(outcomes, { ...base(server.port!), maxChunkRecords: 25 });
    // Assess
    expect(result.delivered.length + result.rejected.length + result.retryable.length).toBe(300);
    expect(result.delivered).toHaveLength(300);
    expect(entries).toHaveLength(300);
  });

  it("authenticates with a shared key (HELO/PING/PONG) and fails cleanly with the wrong one", async () => {
    // Prepare
    const security = { serverHostname: "aggregator", sharedKey: "s3cret", authorize: false, userDict: {} };
    const { server, entries } = await start({ security });
    const outcomes = delivered([appLog({}, 0), appLog({}, 1)]);
    // Act
    const ok = await sendToFluent(outcomes, { ...base(server.port!), sharedKey: "s3cret", selfHostname: "lambda" });
    // Assess
    expect(ok.delivered).toHaveLength(2);
    expect(entries).toHaveLength(2);

    const bad = await sendToFluent(outcomes, { ...base(server.port!), sharedKey: "wrong", selfHostname: "lambda" });
    expect(bad.delivered).toEqual([]);
    expect(bad.retryable).toHaveLength(2);
    expect(bad.retryDetail).toMatch(/authentication failed: shared key mismatch/);
    expect(entries).toHaveLength(2);
  });

  it("authenticates a user when the server asks for it", async () => {
    // Prepare
    const security = { serverHostname: "agg", sharedKey: "k", authorize: true, userDict: { alice: "pw" } };
    // Act
    const { server } = await start({ security });
    const options = { ...base(server.port!), sharedKey: "k", selfHostname: "lambda", username: "alice" };
    // Assess
    expect((await sendToFluent(delivered([appLog({}, 0)]), { ...options, password: "pw" })).delivered).toHaveLength(1);
    expect((await sendToFluent(delivered([appLog({}, 0)]), { ...options, password: "no" })).retryable).toHaveLength(1);
  });

  it("sends over TLS, verifying the server certificate", async () => {
    // Prepare
    const { server, entries } = await start({ tlsOptions: { cert, key } });
    const outcomes = delivered([appLog({}, 0)]);
    // Act
    const trusted = await sendToFluent(outcomes, { ...base(server.port!), tls: { ca: cert, servername: "localhost" } });
    // Assess
    expect(trusted.delivered).toHaveLength(1);
    expect(entries).toHaveLength(1);
    const untrusted = await sendToFluent(outcomes, { ...base(server.port!), tls: true, maxAttempts: 1 });
    expect(untrusted.retryable).toHaveLength(1);
    expect(untrusted.retryDetail).toMatch(/cannot connect.*(self.signed|certificate)/i);
  });

  it("reports every record unsent when the port is closed", async () => {
    // Prepare
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const { port } = probe.address() as net.AddressInfo;
    await new Promise<void>((r) => probe.close(() => r()));
    const outcomes = delivered([appLog({}, 0), appLog({ log_type: "b" }, 1)]);
    // Act
    const result = await sendToFluent(outcomes, base(port));
    // Assess
    expect(result.delivered).toEqual([]);
    expect(result.retryable.map((o) => o.eventId)).toEqual(outcomes.map((o) => o.eventId));
    expect(result.retryDetail).toMatch(/ECONNREFUSED.*after 2 attempts/);
  });

  it("reports records unsent when the server drops the connection without an ack, and retries on a new one", async () => {
    // A server that reads the first connection's data and closes without acking; the second connection is acked.
    const { server: real, entries } = await start();
    let connections = 0;
    const dropper = net.createServer((socket) => {
      connections++;
      if (connections === 1) {
        socket.once("data", () => socket.destroy());
        return;
      }
      const upstream = net.connect(real.port!, "127.0.0.1");
      socket.pipe(upstream).pipe(socket);
      socket.on("error", () => upstream.destroy());
      upstream.on("error", () => socket.destroy());
    });
    await new Promise<void>((r) => dropper.listen(0, "127.0.0.1", r));
    const { port } = dropper.address() as net.AddressInfo;
    try {
      const outcomes = delivered(Array.from({ length: 10 }, (_, i) => appLog({}, i)));
      const once = await sendToFluent(outcomes, { ...base(port), maxAttempts: 1 });
      expect(once.delivered).toEqual([]);
      expect(once.retryable).toHaveLength(10);
      expect(once.retryDetail).toMatch(/closed|reset|error/);

      const retried = await sendToFluent(outcomes, { ...base(port), maxAttempts: 2 });
      expect(retried.delivered).toHaveLength(10);
      expect(entries).toHaveLength(10);
    } finally {
      await new Promise<void>((r) => {
        dropper.close(() => r());
        (dropper as net.Server & { closeAllConnections?: () => void }).closeAllConnections?.();
      });
    }
  });

  it("splits a batch cut off after the first ack into delivered and unsent, losing nothing", async () => {
    // A proxy that relays to a real server but kills the client connection right after relaying the first ack.
    const { server: real, entries } = await start();
    const proxy = net.createServer((client) => {
      const upstream = net.connect(real.port!, "127.0.0.1");
      client.pipe(upstream);
      upstream.once("data", (acks: Buffer) => {
        const first = decodeMulti(acks).next().value; // several acks may share one segment: relay only the first
        client.write(encode(first), () => client.destroy());
        upstream.destroy();
      });
      client.on("error", () => upstream.destroy());
      upstream.on("error", () => client.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    const { port } = proxy.address() as net.AddressInfo;
    try {
      const outcomes = delivered(Array.from({ length: 10 }, (_, i) => appLog({}, i)));
      const result = await sendToFluent(outcomes, { ...base(port), maxChunkRecords: 1, maxAttempts: 1 });
      expect(result.delivered.length).toBeGreaterThanOrEqual(1);
      expect(result.retryable.length).toBeGreaterThanOrEqual(1);
      expect(result.delivered.length + result.retryable.length).toBe(10);
      const ids = [...result.delivered, ...result.retryable].map((o) => o.eventId).sort();
      expect(ids).toEqual(outcomes.map((o) => o.eventId).sort());
      // Everything reported delivered reached the server (unsent ones may have too: at least once).
      const received = new Set(entries.map((e) => e.record.log_id));
      for (const o of result.delivered) expect(received.has(o.id)).toBe(true);
    } finally {
      await new Promise<void>((r) => proxy.close(() => r()));
    }
  });

  it("times out a server that never acks", async () => {
    const silent = net.createServer((socket) => socket.resume());
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const sockets = new Set<net.Socket>();
    silent.on("connection", (s) => sockets.add(s));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const result = await sendToFluent(delivered([appLog({}, 0)]), {
        ...base(port),
        ackTimeoutMs: 100,
        maxAttempts: 1,
      });
      expect(result.retryable).toHaveLength(1);
      expect(result.retryDetail).toMatch(/no ack within 100 ms/);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });
});
