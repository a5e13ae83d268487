import { createHash } from "node:crypto";
import { Sha256 } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";
import fc from "fast-check";
import {
  BULK_RESPONSE_FILTER,
  type BulkClientOptions,
  buildBulkBodies,
  createBulkSender,
  documentId,
  indexName,
  sendBulkBodies,
} from "../../../../handlers/kinesis-to-opensearch/opensearch-bulk";
import { appLog, delivered } from "../../../fixtures/records/outcomes";
import { type FakeBulkServer, startFakeBulkServer } from "../../../support/fake-bulk-server";

const CREDENTIALS = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  sessionToken: "session-token-example",
};
const CLOCK = new Date("2020-03-14T14:30:00.000Z");

function options(server: FakeBulkServer, overrides: Partial<BulkClientOptions> = {}): BulkClientOptions {
  return {
    endpoint: server.endpoint,
    region: "eu-west-1",
    service: "es",
    credentials: CREDENTIALS,
    now: () => CLOCK,
    baseDelayMs: 1,
    sleep: async () => {},
    ...overrides,
  };
}

describe("indexName", () => {
  it("is <prefix>-<type>-<YYYYMMDD> of the record's own time in the zone, lower-cased", () => {
    // Prepare
    const t = Date.parse("2020-03-14T23:30:00+09:00");
    // Act / Assess
    expect(indexName("App", t, { indexPrefix: "Logs" })).toBe("logs-app-20200314");
    expect(indexName("App", t, { indexPrefix: "logs", timeZone: "Asia/Tokyo" })).toBe("logs-app-20200314");
    expect(indexName("App", t + 3_600_000, { indexPrefix: "logs", timeZone: "Asia/Tokyo" })).toBe("logs-app-20200315");
    expect(indexName(undefined, t, { indexPrefix: "" })).toBe("unknown-20200314");
  });

  it("sanitises to what OpenSearch accepts", () => {
    // Act
    fc.assert(
      fc.property(fc.string(), fc.string(), (prefix, type) => {
        const name = indexName(type, 0, { indexPrefix: prefix });
        expect(name).toBe(name.toLowerCase());
        expect(name).not.toMatch(/[\\/*?"<>| ,#:]/);
        expect(name).not.toMatch(/^[-_+]/);
        expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
        expect([".", ".."]).not.toContain(name);
      }),
    );
    // Assess
    expect(indexName("a/b c*#", 0, { indexPrefix: "_x" })).toBe("x-a_b_c__-19700101");
    expect(Buffer.byteLength(indexName("t".repeat(400), 0, { indexPrefix: "p" }))).toBe(255);
  });
});

describe("buildBulkBodies", () => {
  it("bounds bodies by count and by bytes, keeping every document once and in order", () => {
    // Prepare
    const outcomes = delivered(Array.from({ length: 25 }, (_, i) => appLog({ pad: "x".repeat(i * 10) }, i)));
    // Act
    const byCount = buildBulkBodies(outcomes, { indexPrefix: "logs", maxDocs: 10 });
    // Assess
    expect(byCount.bodies.map((b) => b.docs.length)).toEqual([10, 10, 5]);
    const byBytes = buildBulkBodies(outcomes, { indexPrefix: "logs", maxBytes: 1000 });
    for (const b of byBytes.bodies) expect(b.body.length).toBeLessThanOrEqual(1000);
    expect(byBytes.bodies.flatMap((b) => b.docs.map((d) => d.outcome.eventId))).toEqual(outcomes.map((o) => o.eventId));
    expect(byBytes.rejected).toEqual([]);
  });

  it("writes an index action (no _type) and the raw JSON per document", () => {
    // Prepare
    const outcomes = delivered([appLog({}, 0), appLog({ log_id: undefined }, 1)]);
    // Act
    const [body] = buildBulkBodies(outcomes, { indexPrefix: "logs" }).bodies;
    // Assess
    expect(body!.body.toString()).toBe(
      `{"index":{"_index":"logs-app-20200314","_id":"id-0"}}\n${outcomes[0]!.raw}\n` +
        `{"index":{"_index":"logs-app-20200314","_id":"${outcomes[1]!.eventId}"}}\n${outcomes[1]!.raw}\n`,
    );
  });

  it("rejects a single document over maxBytes as record_too_large", () => {
    // Prepare
    const outcomes = delivered([appLog({}, 0), appLog({ big: "y".repeat(5000) }, 1), appLog({}, 2)]);
    // Act
    const result = buildBulkBodies(outcomes, { indexPrefix: "logs", maxBytes: 2000 });
    // Assess
    expect(result.rejected.map((f) => [f.eventId, f.reason])).toEqual([[outcomes[1]!.eventId, "record_too_large"]]);
    expect(Buffer.from(result.rejected[0]!.payload, "base64").toString()).toBe(outcomes[1]!.raw);
    expect(result.bodies.flatMap((b) => b.docs).length).toBe(2);
  });

  it("gives the same _id on redelivery, hashing ids over 512 bytes", () => {
    // Prepare
    const logs = [appLog({}, 0), appLog({ log_id: undefined }, 1), appLog({ log_id: "z".repeat(600) }, 2)];
    // Act
    const ids = (o: ReturnType<typeof delivered>) => o.map(documentId);
    // Assess
    expect(ids(delivered(logs))).toEqual(ids(delivered(logs)));
    expect(documentId(delivered(logs)[2]!)).toMatch(/^sha256-[0-9a-f]{64}$/);
  });
});

describe("buildBulkBodies: byte-exact sources (issue 10, cases 5 and 6)", () => {
  const pretty = (depth: number) =>
    `{\n  "log_type": "app",\n  "big": 12345678901234567890,\n  "one": 1.0,\n  "zero": -0.0,\n  "n": ${"[\n".repeat(depth)}0${"\n]".repeat(depth)}\n}`;

  it("sends a multi-line record's own tokens on one line: big integers, 1.0 and -0.0 unchanged", () => {
    // Prepare
    const outcomes = delivered([pretty(1)]);

    // Act
    const { bodies } = buildBulkBodies(outcomes, { indexPrefix: "logs" });

    // Assess
    const lines = bodies[0]!.body.toString("utf8").split("\n");
    expect(lines[1]).toBe(pretty(1).replace(/\n/g, " "));
    expect(lines[1]).toContain('"big": 12345678901234567890');
    expect(lines[1]).toContain('"one": 1.0');
    expect(lines[1]).toContain('"zero": -0.0');
  });

  it("plans a deeply nested pretty-printed record like any other, without throwing for its batch", () => {
    // Prepare
    const outcomes = delivered([appLog({}, 0), pretty(20_000), appLog({}, 2)]);

    // Act
    const { bodies, rejected } = buildBulkBodies(outcomes, { indexPrefix: "logs" });

    // Assess
    expect(rejected).toEqual([]);
    expect(bodies.flatMap((b) => b.docs)).toHaveLength(3);
  });
});

describe("createBulkSender against a fake _bulk server", () => {
  let server: FakeBulkServer;
  beforeEach(async () => {
    // Prepare
    server = await startFakeBulkServer();
  });
  afterEach(() => server.close());

  it("indexes documents, and a redelivered batch overwrites instead of duplicating", async () => {
    // Prepare
    const outcomes = delivered(
      Array.from({ length: 30 }, (_, i) => appLog({ log_id: i % 2 ? undefined : `id-${i}` }, i)),
    );
    const { bodies } = buildBulkBodies(outcomes, { indexPrefix: "logs", maxDocs: 7 });
    const send = createBulkSender(options(server));
    // Act
    const first = await sendBulkBodies(bodies, send);
    const again = await sendBulkBodies(bodies, send);
    // Assess
    expect(first.delivered).toHaveLength(30);
    expect(again.delivered).toHaveLength(30);
    expect(server.count()).toBe(30);
    expect(server.requests).toHaveLength(10);
  });

  it("asks a managed domain for each item's status and error only, and reads that answer", async () => {
    // Prepare: one rejected document among three, so the filtered answer still carries an error
    server.script = { reject: (doc) => doc.source.includes('"status":"ok"') };
    const outcomes = delivered([appLog({}, 0), appLog({ status: "ok" }, 1), appLog({}, 2)]);
    const { bodies } = buildBulkBodies(outcomes, { indexPrefix: "logs" });
    const answers: string[] = [];
    const fetchAndKeep: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      answers.push(await response.clone().text());
      return response;
    };

    // Act
    const result = await sendBulkBodies(bodies, createBulkSender(options(server, { fetch: fetchAndKeep })));

    // Assess: the answer holds statuses and the error, nothing else, and is read as the full one would be
    expect(new URL(server.requests[0]!.path, "http://x").searchParams.get("filter_path")).toBe(BULK_RESPONSE_FILTER);
    expect(JSON.parse(answers[0]!)).toEqual({
      errors: true,
      items: [
        { index: { status: 201 } },
        {
          index: {
            status: 400,
            error: {
              type: "mapper_parsing_exception",
              reason: "failed to parse field [status] of type [long]",
              caused_by: { type: "illegal_argument_exception", reason: 'For input string: "ok"' },
            },
          },
        },
        { index: { status: 201 } },
      ],
    });
    expect(result.delivered).toHaveLength(2);
    expect(result.rejected[0]!.detail).toMatch(/^400 mapper_parsing_exception: failed to parse field .*caused by/);
  });

  it("returns rejected documents with the mapping error and delivers the rest", async () => {
    // Prepare
    server.script = { reject: (doc) => doc.source.includes('"status":"ok"') };
    const outcomes = delivered([appLog({}, 0), appLog({ status: "ok" }, 1), appLog({}, 2)]);
    const { bodies } = buildBulkBodies(outcomes, { indexPrefix: "logs" });
    // Act
    const result = await sendBulkBodies(bodies, createBulkSender(options(server)));
    // Assess
    expect(result.delivered.map((o) => o.eventId)).toEqual([outcomes[0]!.eventId, outcomes[2]!.eventId]);
    expect(result.rejected).toHaveLength(1);
    expect(result.rejected[0]).toMatchObject({ eventId: outcomes[1]!.eventId, reason: "destination_rejected" });
    expect(result.rejected[0]!.detail).toMatch(/^400 mapper_parsing_exception: failed to parse field/);
    expect(result.retryable).toEqual([]);
  });

  it("retries a whole request answered 429 or 503, with growing jittered delays", async () => {
    // Prepare
    server.script = { failRequests: { count: 2, status: 429 } };
    const delays: number[] = [];
    const send = createBulkSender(
      options(server, { baseDelayMs: 100, random: () => 0.5, sleep: async (ms) => void delays.push(ms) }),
    );
    const { bodies } = buildBulkBodies(delivered([appLog({}, 0)]), { indexPrefix: "logs" });
    // Act
    const result = await send(bodies[0]!);
    // Assess
    expect(result.delivered).toHaveLength(1);
    expect(result.attempts).toBe(3);
    expect(delays).toEqual([50, 100]);
  });

  it("re-sends only the items answered 429", async () => {
    // Prepare
    server.script = { throttleItems: new Map([["id-1", 2]]) };
    const outcomes = delivered([appLog({}, 0), appLog({}, 1), appLog({}, 2)]);
    const { bodies } = buildBulkBodies(outcomes, { indexPrefix: "logs" });
    // Act
    const result = await createBulkSender(options(server))(bodies[0]!);
    // Assess
    expect(result.delivered).toHaveLength(3);
    expect(server.requests).toHaveLength(3);
    const retried = server.requests[2]!.body.toString();
    expect(retried).toBe(`{"index":{"_index":"logs-app-20200314","_id":"id-1"}}\n${outcomes[1]!.raw}\n`);
  });

  it("hands back what is still throttled after maxAttempts as unsent (batch item failures), losing nothing", async () => {
    // Prepare
    server.script = { failRequests: { count: 10, status: 503 } };
    const outcomes = delivered([appLog({}, 0), appLog({}, 1)]);
    const { bodies } = buildBulkBodies(outcomes, { indexPrefix: "logs" });
    // Act
    const result = await createBulkSender(options(server, { maxAttempts: 3 }))(bodies[0]!);
    // Assess
    expect(result.delivered).toEqual([]);
    expect(result.retryable.map((o) => o.eventId)).toEqual(outcomes.map((o) => o.eventId));
    expect(result.retryDetail).toMatch(/answered 503.*after 3 attempts/);
  });

  it("reports a closed endpoint as unsent", async () => {
    // Prepare
    await server.close();
    const { bodies } = buildBulkBodies(delivered([appLog({}, 0)]), { indexPrefix: "logs" });
    // Act
    const result = await createBulkSender(options(server, { maxAttempts: 2 }))(bodies[0]!);
    // Assess
    expect(result.retryable).toHaveLength(1);
    expect(result.retryDetail).toMatch(/request failed/);
    server = await startFakeBulkServer(); // for afterEach
  });

  it.each(["es", "aoss"] as const)("signs with SigV4 for %s exactly as the AWS SDK signer does", async (service) => {
    // Prepare
    const outcomes = delivered([appLog({ msg: "héllo" }, 0)]);
    const { bodies } = buildBulkBodies(outcomes, { indexPrefix: "logs" });
    // Act
    await createBulkSender(options(server, { service }))(bodies[0]!);

    const received = server.requests[0]!;
    const auth = String(received.headers.authorization);
    const signedHeaders = /SignedHeaders=([^,]+)/.exec(auth)![1]!.split(";");
    // Assess
    expect(signedHeaders).toEqual(
      expect.arrayContaining(["host", "x-amz-content-sha256", "x-amz-date", "x-amz-security-token"]),
    );
    expect(auth).toContain(`Credential=AKIDEXAMPLE/20200314/eu-west-1/${service}/aws4_request`);
    expect(received.headers["x-amz-content-sha256"]).toBe(createHash("sha256").update(received.body).digest("hex"));
    expect(received.headers["x-amz-date"]).toBe("20200314T143000Z");

    // Recompute independently from what the server received, its query read back as a server reads it.
    const target = new URL(received.path, "http://x");
    const query = Object.fromEntries(target.searchParams);
    expect(query).toEqual(service === "es" ? { filter_path: BULK_RESPONSE_FILTER } : {});
    const headers: Record<string, string> = {};
    for (const name of signedHeaders) headers[name] = String(received.headers[name]);
    const host = String(received.headers.host);
    const expected = await new SignatureV4({
      service,
      region: "eu-west-1",
      credentials: CREDENTIALS,
      sha256: Sha256, // the SDK's own hash; the code under test hashes with node:crypto
    }).sign(
      {
        method: received.method,
        protocol: "http:",
        hostname: host.split(":")[0]!,
        port: Number(host.split(":")[1]),
        path: target.pathname,
        query,
        headers,
        body: received.body,
      },
      { signingDate: CLOCK },
    );
    expect(auth).toBe(expected.headers.authorization);
  });
});
