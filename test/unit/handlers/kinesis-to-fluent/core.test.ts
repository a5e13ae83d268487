// kinesis-to-fluent: the handler core with the forward client against a real FluentServer (acks, shared key).
import * as net from "node:net";
import { FluentServer, type FluentServerOptions } from "@fluent-org/logger";
import fc from "fast-check";
import {
  createFluentSink,
  fluentPipelineOptions,
  lazySink,
  toFluentBatch,
} from "../../../../handlers/kinesis-to-fluent/core";
import type { FluentForwardOptions } from "../../../../handlers/kinesis-to-fluent/fluent-forward";
import { processKinesisBatch, readConsumerEnv } from "../../../../handlers/shared/kinesis/batch";
import { createPipeline } from "../../../../handlers/shared/kinesis/records/pipeline";
import { appLog, jsonRecord, rawRecord, sequenceNumber } from "../../../fixtures/records/events";
import { event, expectConserved, memoryWriter } from "../../../support/sink-harness";

interface Entry {
  tag: string;
  time: { epoch: number; nano: number } | number;
  record: Record<string, unknown>;
}
const servers: FluentServer[] = [];
async function startServer(options: FluentServerOptions = {}) {
  const server = new FluentServer({ listenOptions: { port: 0, host: "127.0.0.1" }, ...options });
  const entries: Entry[] = [];
  server.on("entry", (tag: string, time: Entry["time"], record: Entry["record"]) =>
    entries.push({ tag, time, record }),
  );
  await server.listen();
  servers.push(server);
  return { server, entries };
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const base = (port: number): FluentForwardOptions => ({
  host: "127.0.0.1",
  port,
  tag: "kinesis",
  connectTimeoutMs: 1_000,
  ackTimeoutMs: 1_000,
  baseDelayMs: 1,
  maxAttempts: 2,
});
const epoch = (t: Entry["time"]) => (typeof t === "number" ? t : t.epoch);

async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}

describe("kinesis-to-fluent core", () => {
  it("delivers records as maps with tag <log_type>.<tag> and the record's own time (offset honoured)", async () => {
    // Prepare
    const { server, entries } = await startServer();
    const records = [jsonRecord(appLog({}, 0)), jsonRecord(appLog({ log_type: "audit" }, 1)), rawRecord("nope")];
    const writer = memoryWriter();
    // Act
    const result = await processKinesisBatch(event(records), {
      pipeline: createPipeline(),
      sink: createFluentSink(base(server.port!)),
      writeFailedRecords: writer.write,
    });
    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expectConserved(result, 3);
    expect(entries.map((e) => e.tag).sort()).toEqual(["app.kinesis", "audit.kinesis"]);
    expect(entries.map((e) => epoch(e.time))).toEqual([1584196200, 1584196200]); // 2020-03-14T23:30:00+09:00
    expect(entries[0]!.record).toEqual(appLog({}, 0));
    expect(writer.written.map((f) => f.reason)).toEqual(["invalid_json"]);
  });

  it("fails a record whose time cannot be read as invalid_time (counted) instead of sending its arrival time", async () => {
    // Prepare
    const { server, entries } = await startServer();
    const records = [jsonRecord(appLog({ time: "yesterday-ish" }, 0)), jsonRecord(appLog({}, 1))];
    const writer = memoryWriter();

    // Act
    const result = await processKinesisBatch(event(records), {
      pipeline: createPipeline(fluentPipelineOptions(readConsumerEnv({ FAILED_RECORDS_BUCKET: "b" }).pipeline)),
      sink: createFluentSink(base(server.port!)),
      writeFailedRecords: writer.write,
    });

    // Assess
    expectConserved(result, 2);
    expect(writer.written.map((f) => [f.reason, f.eventId])).toEqual([["invalid_time", records[0]!.sequenceNumber]]);
    expect(result.summary.failedByReason).toEqual({ invalid_time: 1 });
    expect(entries.map((e) => e.record.log_id)).toEqual(["id-1"]);
  });

  it("with the explicit fallback sends it at its arrival time with an _invalid_time key", async () => {
    // Prepare
    const { server, entries } = await startServer();
    const env = readConsumerEnv({ FAILED_RECORDS_BUCKET: "b", LOG_INVALID_TIME: "deliver" });

    // Act
    const result = await processKinesisBatch(event([jsonRecord(appLog({ time: "yesterday-ish" }, 0))]), {
      pipeline: createPipeline(fluentPipelineOptions(env.pipeline)),
      sink: createFluentSink(base(server.port!)),
      writeFailedRecords: memoryWriter().write,
    });

    // Assess
    expect(result.summary).toMatchObject({ delivered: 1, failed: 0 });
    expect(epoch(entries[0]!.time)).toBe(1584196200); // arrival 2020-03-14T14:30:00.123Z
    expect(entries[0]!.record).toEqual({ ...appLog({ time: "yesterday-ish" }, 0), _invalid_time: expect.any(String) });
  });

  it("wraps records as {message: <json>} in compatibility mode", async () => {
    // Act
    const { server, entries } = await startServer();
    await createFluentSink({ ...base(server.port!), wrapAsMessage: true })(
      createPipeline()
        .processRecords([jsonRecord(appLog({}, 0))])
        .filter((o) => o.kind === "delivered"),
    );
    // Assess
    expect(entries[0]!.record).toEqual({ message: JSON.stringify(appLog({}, 0)) });
  });

  it("reads the shared key once at cold start from the parameter NAME, and re-reads only after a failed read", async () => {
    // Prepare
    const security = { serverHostname: "aggregator", sharedKey: "s3cret", authorize: false, userDict: {} };
    const { server, entries } = await startServer({ security });
    const reads: string[] = [];
    let fail = true;
    const getSecureString = async (name: string) => {
      reads.push(name);
      if (fail) throw new Error("ThrottlingException");
      return "s3cret";
    };
    const sink = lazySink({ ...base(server.port!), selfHostname: "lambda" }, "/fluent/shared-key", getSecureString);
    const deps = { pipeline: createPipeline(), sink, writeFailedRecords: memoryWriter().write };
    // Act
    await expect(toFluentBatch(event([jsonRecord(appLog({}, 0))]), deps)).rejects.toThrow("ThrottlingException");
    fail = false;
    const ok1 = await toFluentBatch(event([jsonRecord(appLog({}, 1))]), deps);
    const ok2 = await toFluentBatch(event([jsonRecord(appLog({}, 2))]), deps);
    // Assess
    expect([ok1, ok2]).toEqual([{ batchItemFailures: [] }, { batchItemFailures: [] }]);
    expect(reads).toEqual(["/fluent/shared-key", "/fluent/shared-key"]);
    expect(entries.map((e) => e.record.log_id)).toEqual(["id-1", "id-2"]);
  });

  it("reports every record as a batch item failure when the server refuses connections, and loses nothing", async () => {
    // Prepare
    const records = [0, 1, 2].map((i) => jsonRecord(appLog({}, i)));
    const writer = memoryWriter();
    // Act
    const result = await processKinesisBatch(event(records), {
      pipeline: createPipeline(),
      sink: createFluentSink(base(await closedPort())),
      writeFailedRecords: writer.write,
    });
    // Assess
    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(records.map((r) => r.sequenceNumber));
    expect(writer.written).toEqual([]);
    expectConserved(result, 3);
  });

  it("conserves every event whether the server is up or down", async () => {
    const { server } = await startServer();
    const down = await closedPort();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.constantFrom("app", "audit", "debug"), fc.constant("<bad>")), { maxLength: 15 }),
        fc.boolean(),
        async (types, up) => {
          const records = types.map((t, i) =>
            t === "<bad>"
              ? rawRecord("x", { sequenceNumber: sequenceNumber(i) })
              : jsonRecord(appLog({ log_type: t }, i), { sequenceNumber: sequenceNumber(i) }),
          );
          const result = await processKinesisBatch(event(records), {
            pipeline: createPipeline({ whitelist: ["app", "audit"] }),
            sink: createFluentSink({ ...base(up ? server.port! : down), maxAttempts: 1 }),
            writeFailedRecords: memoryWriter().write,
          });
          expectConserved(result, types.length);
        },
      ),
      { numRuns: 20 },
    );
  });
});
