// The bulk POST through the SDK's NodeHttpHandler (the default) sends what it sent through fetch: same method, path,
// signed headers (signature included) and body bytes, and reads the answer the same way (retries, rejections).
import {
  buildBulkBodies,
  createBulkSender,
  sendBulkBodies,
} from "../../../../handlers/kinesis-to-opensearch/opensearch-bulk";
import { appLog, delivered } from "../../../fixtures/records/outcomes";
import { type FakeBulkServer, type RecordedRequest, startFakeBulkServer } from "../../../support/fake-bulk-server";

const CREDENTIALS = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret", sessionToken: "token" };
const CLOCK = new Date("2020-03-14T14:30:00.000Z");
// What the signer signs (and content-length, which both transports derive from the body).
const SIGNED = [
  "authorization",
  "content-length",
  "content-type",
  "host",
  "x-amz-content-sha256",
  "x-amz-date",
  "x-amz-security-token",
];

const view = (r: RecordedRequest) => ({
  method: r.method,
  path: r.path,
  body: r.body,
  headers: Object.fromEntries(SIGNED.map((h) => [h, r.headers[h]])),
});

async function run(server: FakeBulkServer, useFetch: boolean, script: FakeBulkServer["script"]) {
  server.script = script;
  server.requests.length = 0;
  {
    const outcomes = delivered([
      ...Array.from({ length: 20 }, (_, i) => appLog({ log_id: `id-${i}`, msg: "é ☃ \n" }, i)),
      appLog({ status: "bad" }, 20),
    ]);
    const { bodies } = buildBulkBodies(outcomes, { indexPrefix: "logs", maxDocs: 8 });
    const send = createBulkSender({
      endpoint: server.endpoint,
      region: "eu-west-1",
      service: "es",
      credentials: CREDENTIALS,
      now: () => CLOCK,
      baseDelayMs: 1,
      sleep: async () => {},
      random: () => 0,
      ...(useFetch ? { fetch: globalThis.fetch as never } : {}),
    });
    const result = await sendBulkBodies(bodies, send);
    return {
      requests: server.requests.map(view),
      delivered: result.delivered.map((o) => o.eventId),
      rejected: result.rejected.map((o) => [o.eventId, o.detail]),
      retryable: result.retryable.map((o) => o.eventId),
    };
  }
}

describe("bulk transport", () => {
  it("sends the same signed requests through NodeHttpHandler as through fetch, and reads the same results", async () => {
    // Prepare
    const script = () => ({
      failRequests: { count: 1, status: 503 },
      reject: (d: { source: string }) => d.source.includes('"status":"bad"'),
      throttleItems: new Map([["id-3", 1]]),
    });
    // Act
    // One server for both: the signed host (and so the signature) is the same.
    const server = await startFakeBulkServer();
    const viaFetch = await run(server, true, script());
    const viaNode = await run(server, false, script());
    await server.close();
    // Assess
    expect(viaNode).toEqual(viaFetch);
    expect(viaNode.requests.length).toBeGreaterThan(3);
    expect(viaNode.rejected).toHaveLength(1);
    for (const r of viaNode.requests) expect(r.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 /);
  });
});
