// kinesis-to-opensearch: the handler core with the bulk sink core against the fake bulk server, and the ISM policy
// installation against a fake ISM API.
import fc from "fast-check";
import { ismPolicyDocument } from "../../../../contracts/opensearch-ism";
import {
  createOpenSearchSink,
  onceUntilSuccess,
  openSearchPipelineOptions,
  toOpenSearchBatch,
} from "../../../../handlers/kinesis-to-opensearch/core";
import { createSignedRequester, ensureIsmPolicy } from "../../../../handlers/kinesis-to-opensearch/ism";
import { createBulkSender } from "../../../../handlers/kinesis-to-opensearch/opensearch-bulk";
import { processKinesisBatch, readConsumerEnv } from "../../../../handlers/shared/kinesis/batch";
import { createPipeline } from "../../../../handlers/shared/kinesis/records/pipeline";
import { appLog, jsonRecord, rawRecord, sequenceNumber } from "../../../fixtures/records/events";
import { type FakeBulkServer, startFakeBulkServer } from "../../../support/fake-bulk-server";
import { event, expectConserved, type FakeIsm, memoryWriter, startFakeIsm } from "../../../support/sink-harness";

const credentials = { accessKeyId: "AKID", secretAccessKey: "secret" };
let bulk: FakeBulkServer;
let ism: FakeIsm;

beforeEach(async () => {
  // Prepare
  bulk = await startFakeBulkServer();
  ism = await startFakeIsm(bulk.endpoint);
});
afterEach(async () => {
  await ism.close();
  await bulk.close();
});

const sender = (endpoint: string, maxAttempts = 3) =>
  createBulkSender({ endpoint, region: "eu-west-1", service: "es", credentials, maxAttempts, sleep: async () => {} });
const sink = (endpoint: string, maxAttempts = 3) =>
  createOpenSearchSink({ indexPrefix: "logs", maxDocs: 3 }, sender(endpoint, maxAttempts));

describe("kinesis-to-opensearch core", () => {
  it("indexes into daily indices with log_id as _id; item rejections go to failed records with the error", async () => {
    // Prepare
    bulk.script = { reject: (doc) => doc.source.includes('"status":"ok"') };
    const records = [
      jsonRecord(appLog({}, 0)),
      jsonRecord(appLog({ time: "2020-03-16T01:00:00Z" }, 1)),
      jsonRecord(appLog({ log_type: "Audit Log", status: "ok" }, 2)),
      jsonRecord(appLog({ log_type: "audit" }, 3)),
      rawRecord("{broken"),
    ];
    const writer = memoryWriter();
    // Act
    const result = await processKinesisBatch(event(records), {
      pipeline: createPipeline(),
      sink: sink(bulk.endpoint),
      writeFailedRecords: writer.write,
    });
    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expectConserved(result, 5);
    expect([...bulk.indices.keys()].sort()).toEqual(["logs-app-20200314", "logs-app-20200316", "logs-audit-20200314"]);
    expect([...bulk.indices.get("logs-app-20200314")!.keys()]).toEqual(["id-0"]);
    expect(writer.written.map((f) => [f.reason, f.detail.slice(0, 28)]).sort()).toEqual([
      ["destination_rejected", "400 mapper_parsing_exception"],
      ["invalid_json", expect.any(String)],
    ]);
    expect(String(bulk.requests[0]!.headers.authorization)).toContain("/eu-west-1/es/aws4_request");
  });

  it("retries throttled items and reports what still fails as batch item failures, never as failed records", async () => {
    // Prepare
    bulk.script = { throttleItems: new Map([["id-1", 10]]) };
    const records = [0, 1, 2].map((i) => jsonRecord(appLog({}, i)));
    const writer = memoryWriter();
    // Act
    const result = await processKinesisBatch(event(records), {
      pipeline: createPipeline(),
      sink: sink(bulk.endpoint, 3),
      writeFailedRecords: writer.write,
    });
    // Assess
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: records[1]!.sequenceNumber }]);
    expect(writer.written).toEqual([]);
    expect(result.summary).toMatchObject({ delivered: 2, retrying: 1, failed: 0 });
  });

  it("conserves every event under random rejections and throttling", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            type: fc.constantFrom("app", "audit"),
            bad: fc.boolean(),
            throttled: fc.integer({ min: 0, max: 4 }),
          }),
          {
            maxLength: 12,
          },
        ),
        async (specs) => {
          bulk.script = {
            reject: (doc) => doc.source.includes('"bad":true'),
            throttleItems: new Map(specs.map((s, i) => [`id-${i}`, s.throttled])),
          };
          const records = specs.map((s, i) =>
            jsonRecord(appLog({ log_type: s.type, bad: s.bad }, i), { sequenceNumber: sequenceNumber(i) }),
          );
          const result = await processKinesisBatch(event(records), {
            pipeline: createPipeline(),
            sink: sink(bulk.endpoint, 3),
            writeFailedRecords: memoryWriter().write,
          });
          expectConserved(result, specs.length);
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe("kinesis-to-opensearch: unreadable time (issue 10, case 4)", () => {
  // Arrival of every fixture record: 2020-03-14T14:30:00.123Z.
  const records = () => [
    jsonRecord(appLog({ time: "2020-03-16T01:00:00Z" }, 0)),
    jsonRecord(appLog({ time: "not a time at all" }, 1)),
    jsonRecord(appLog({ time: undefined }, 2)),
  ];

  it("fails a record whose time cannot be read as invalid_time, counted, never indexed under its arrival day", async () => {
    // Prepare
    const writer = memoryWriter();
    const metrics: Record<string, number> = {};

    const recs = records();

    // Act
    const result = await processKinesisBatch(event(recs), {
      pipeline: createPipeline(openSearchPipelineOptions(readConsumerEnv({ FAILED_RECORDS_BUCKET: "b" }).pipeline)),
      sink: sink(bulk.endpoint),
      writeFailedRecords: writer.write,
      metrics: {
        addMetric: (name, _unit, value) => {
          metrics[name] = (metrics[name] ?? 0) + value;
        },
      },
    });

    // Assess
    expectConserved(result, 3);
    expect(writer.written.map((f) => [f.reason, f.eventId])).toEqual([["invalid_time", recs[1]!.sequenceNumber]]);
    expect(writer.written[0]!.detail).toMatch(/"time"/);
    expect(result.summary.failedByReason).toEqual({ invalid_time: 1 });
    expect(metrics["EventsFailed_invalid_time"]).toBe(1);
    // A record without a time key is still filed under its arrival day; the unreadable one is nowhere.
    expect([...bulk.indices.keys()].sort()).toEqual(["logs-app-20200314", "logs-app-20200316"]);
    expect([...bulk.indices.get("logs-app-20200314")!.keys()]).toEqual(["id-2"]);
  });

  it("with the explicit fallback (LOG_INVALID_TIME=deliver) indexes it under its arrival day, marked", async () => {
    // Prepare
    const env = readConsumerEnv({ FAILED_RECORDS_BUCKET: "b", LOG_INVALID_TIME: "deliver" });
    const writer = memoryWriter();

    // Act
    const result = await processKinesisBatch(event(records()), {
      pipeline: createPipeline(openSearchPipelineOptions(env.pipeline)),
      sink: sink(bulk.endpoint),
      writeFailedRecords: writer.write,
    });

    // Assess
    expect(result.summary).toMatchObject({ delivered: 3, failed: 0 });
    const doc = bulk.requests
      .flatMap((r) => String(r.body).split("\n"))
      .find((line) => line.includes('"log_id":"id-1"'))!;
    expect(doc.startsWith('{"_invalid_time":"')).toBe(true);
    expect(doc.slice(doc.indexOf(',"log_type"') + 1)).toBe(
      JSON.stringify(appLog({ time: "not a time at all" }, 1)).slice(1),
    );
    expect([...bulk.indices.get("logs-app-20200314")!.keys()].sort()).toEqual(["id-1", "id-2"]);
    expect(() => readConsumerEnv({ FAILED_RECORDS_BUCKET: "b", LOG_INVALID_TIME: "arrival" })).toThrow(
      /LOG_INVALID_TIME/,
    );
  });
});

describe("index lifecycle (ISM) policy", () => {
  const spec = { policyId: "logs-retention", indexPatterns: ["logs-*"], deleteAfterDays: 30 };
  const requester = () =>
    createSignedRequester({ endpoint: ism.endpoint, region: "eu-west-1", service: "es", credentials });

  it("renders a delete-after-N-days policy attached to <prefix>-* by an ism_template", () => {
    // Act
    const doc = ismPolicyDocument(spec);
    // Assess
    expect(doc.policy.ism_template).toEqual([{ index_patterns: ["logs-*"], priority: 100 }]);
    expect(doc.policy.states).toEqual([
      { name: "hot", actions: [], transitions: [{ state_name: "delete", conditions: { min_index_age: "30d" } }] },
      { name: "delete", actions: [{ delete: {} }], transitions: [] },
    ]);
    expect(() => ismPolicyDocument({ ...spec, deleteAfterDays: 0 })).toThrow(/deleteAfterDays/);
  });

  it("creates it once, leaves it alone when unchanged, and updates it with seq_no/primary_term when retention changes", async () => {
    // Act / Assess
    expect(await ensureIsmPolicy(requester(), spec)).toBe("created");
    expect(await ensureIsmPolicy(requester(), spec)).toBe("unchanged");
    expect(await ensureIsmPolicy(requester(), { ...spec, deleteAfterDays: 7 })).toBe("updated");
    expect(ism.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /_plugins/_ism/policies/logs-retention",
      "PUT /_plugins/_ism/policies/logs-retention",
      "GET /_plugins/_ism/policies/logs-retention",
      "GET /_plugins/_ism/policies/logs-retention",
      "PUT /_plugins/_ism/policies/logs-retention?if_seq_no=0&if_primary_term=1",
    ]);
    expect(ism.requests.every((r) => r.authorization?.startsWith("AWS4-HMAC-SHA256 "))).toBe(true);
    const stored = ism.policies.get("logs-retention")!.policy as { states: { transitions: unknown[] }[] };
    expect(JSON.stringify(stored.states)).toContain('"min_index_age":"7d"');
  });

  it("treats a concurrent creation (409) as installed and a refusal as an error", async () => {
    // Prepare
    ism.conflictOnce = true;
    // Act / Assess
    expect(await ensureIsmPolicy(requester(), spec)).toBe("concurrent");
    ism.failWith = 403;
    await expect(ensureIsmPolicy(requester(), spec)).rejects.toThrow(/answered 403/);
  });

  it("is ensured before the first batch of a container only, and a failure never blocks delivery", async () => {
    // Prepare: the domain refuses the policy at first
    ism.failWith = 403;
    const errors: string[] = [];
    const metrics: string[] = [];
    const ensureLifecycle = onceUntilSuccess(
      () => ensureIsmPolicy(requester(), spec),
      { info: () => {}, error: (m) => void errors.push(m) },
      { addMetric: (name) => void metrics.push(name) },
    );
    const deps = {
      pipeline: createPipeline(),
      sink: sink(ism.endpoint),
      writeFailedRecords: memoryWriter().write,
      ensureLifecycle,
    };
    // Act
    const first = await toOpenSearchBatch(event([jsonRecord(appLog({}, 0))]), deps);
    ism.failWith = undefined;
    await toOpenSearchBatch(event([jsonRecord(appLog({}, 1))]), deps);
    await toOpenSearchBatch(event([jsonRecord(appLog({}, 2))]), deps);
    // Assess
    expect(first.batchItemFailures).toEqual([]);
    expect(bulk.count()).toBe(3);
    expect(errors).toHaveLength(1);
    expect(metrics).toEqual(["IsmPolicyInstallErrors"]);
    expect(ism.requests.map((r) => r.method)).toEqual(["GET", "GET", "PUT"]); // refused, then installed once
  });
});
