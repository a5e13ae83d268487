// The network of the handler benchmarks, replaced at the lowest layer: a loopback HTTP server answering like Kinesis
// (PutRecords, per-record results), S3 (PutObject: 200 with an ETag), OpenSearch (`_bulk` with per-item results, the
// ISM policy API) and SSM (GetParameter), plus a real Fluentd forward-protocol server (FluentServer from
// @fluent-org/logger: shared-key handshake, acks). It runs in its own process (`startServiceStub`), so its CPU time is
// never counted against the handler being measured. `GET /__stats` answers what it received since the last call.
import { type ChildProcess, fork } from "node:child_process";
import { createHash } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { filterPath } from "../test/support/filter-path";

export const STUB_SHARED_KEY = "bench-shared-key";
export const STUB_FLUENT_HOSTNAME = "bench-aggregator";

export interface StubStats {
  kinesisRecords: number;
  kinesisRequests: number;
  s3Objects: number;
  /** JSON lines in the S3 objects written under a non-failed key. */
  s3Lines: number;
  failedRecordObjects: number;
  bulkDocs: number;
  bulkRequests: number;
  fluentEntries: number;
}

export interface ServiceStub {
  readonly httpEndpoint: string;
  readonly fluentPort: number;
  stats(): Promise<StubStats>;
  stop(): Promise<void>;
}

/** Starts the stub in a child process; resolves once both servers listen. */
export async function startServiceStub(): Promise<ServiceStub> {
  const child: ChildProcess = fork(__filename, ["--serve"], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const ports = await new Promise<{ http: number; fluent: number }>((resolve, reject) => {
    child.once("message", (m) => resolve(m as { http: number; fluent: number }));
    child.once("exit", (code) => reject(new Error(`service stub exited with ${code}`)));
  });
  const httpEndpoint = `http://127.0.0.1:${ports.http}`;
  return {
    httpEndpoint,
    fluentPort: ports.fluent,
    stats: async () => (await (await fetch(`${httpEndpoint}/__stats`)).json()) as StubStats,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill();
      }),
  };
}

const zero = (): StubStats => ({
  kinesisRecords: 0,
  kinesisRequests: 0,
  s3Objects: 0,
  s3Lines: 0,
  failedRecordObjects: 0,
  bulkDocs: 0,
  bulkRequests: 0,
  fluentEntries: 0,
});

function reply(res: http.ServerResponse, status: number, body: string, type = "application/json"): void {
  res.writeHead(status, {
    "content-type": type,
    "content-length": Buffer.byteLength(body),
    "x-amzn-requestid": "00000000-0000-4000-8000-000000000000",
  });
  res.end(body);
}

function putRecordsResponse(body: Buffer, stats: StubStats): string {
  const request = JSON.parse(body.toString("utf8")) as { Records: unknown[] };
  const n = request.Records.length;
  stats.kinesisRecords += n;
  stats.kinesisRequests++;
  const records: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const seq = (
      49646121146423532637851427195389125097402063151446556674n + BigInt(stats.kinesisRecords + i)
    ).toString();
    records[i] = `{"SequenceNumber":"${seq}","ShardId":"shardId-00000000000${i % 4}"}`;
  }
  return `{"EncryptionType":"KMS","FailedRecordCount":0,"Records":[${records.join(",")}]}`;
}

function bulkResponse(body: Buffer, stats: StubStats): string {
  const lines = body.toString("utf8").split("\n");
  const items: string[] = [];
  for (let i = 0; i + 1 < lines.length; i += 2) {
    if (lines[i] === "") break;
    const action = JSON.parse(lines[i]!) as { index: { _index: string; _id?: string } };
    const id =
      action.index._id ??
      createHash("md5")
        .update(lines[i + 1]!)
        .digest("hex")
        .slice(0, 20);
    items.push(
      `{"index":{"_index":${JSON.stringify(action.index._index)},"_id":${JSON.stringify(id)},"_version":1,"result":"created","_shards":{"total":2,"successful":2,"failed":0},"_seq_no":${items.length},"_primary_term":1,"status":201}}`,
    );
  }
  stats.bulkDocs += items.length;
  stats.bulkRequests++;
  return `{"took":7,"errors":false,"items":[${items.join(",")}]}`;
}

async function serve(): Promise<void> {
  const { FluentServer } = await import("@fluent-org/logger");
  let stats = zero();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const url = req.url ?? "/";
      const target = req.headers["x-amz-target"];
      try {
        if (url === "/__stats") {
          const out = stats;
          stats = zero();
          return reply(res, 200, JSON.stringify(out));
        }
        if (target === "Kinesis_20131202.PutRecords") {
          return reply(res, 200, putRecordsResponse(body, stats), "application/x-amz-json-1.1");
        }
        if (target === "AmazonSSM.GetParameter") {
          const { Name } = JSON.parse(body.toString("utf8")) as { Name: string };
          const parameter = { Name, Type: "SecureString", Value: STUB_SHARED_KEY, Version: 1, DataType: "text" };
          return reply(res, 200, JSON.stringify({ Parameter: parameter }), "application/x-amz-json-1.1");
        }
        if (req.method === "PUT" && url.startsWith("/_plugins/_ism/policies/")) {
          return reply(res, 201, '{"_id":"bench","_version":1,"_primary_term":1,"_seq_no":0}');
        }
        if (req.method === "GET" && url.startsWith("/_plugins/_ism/policies/")) {
          return reply(res, 404, '{"error":{"type":"status_exception","reason":"Policy not found"},"status":404}');
        }
        if (req.method === "POST" && url.startsWith("/_bulk")) {
          const filter = new URL(url, "http://stub").searchParams.get("filter_path");
          const answer = bulkResponse(body, stats);
          return reply(res, 200, filter ? JSON.stringify(filterPath(JSON.parse(answer), filter)) : answer);
        }
        if (req.method === "PUT") {
          // S3 PutObject (path-style: /<bucket>/<key>).
          if (url.includes("/failed/")) stats.failedRecordObjects++;
          else {
            stats.s3Objects++;
            const raw = req.headers["content-encoding"] === "gzip" ? gunzipSync(body) : body;
            for (const b of raw) if (b === 10) stats.s3Lines++;
          }
          res.writeHead(200, {
            etag: `"${createHash("md5").update(body).digest("hex")}"`,
            "x-amz-request-id": "0123456789ABCDEF",
            "x-amz-server-side-encryption": String(req.headers["x-amz-server-side-encryption"] ?? "AES256"),
            "content-length": 0,
          });
          return res.end();
        }
        reply(res, 404, `{"message":"bench stub: no route for ${req.method} ${url}"}`);
      } catch (error) {
        reply(res, 500, JSON.stringify({ message: String(error) }));
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const fluent = new FluentServer({
    listenOptions: { port: 0, host: "127.0.0.1" },
    security: { serverHostname: STUB_FLUENT_HOSTNAME, sharedKey: STUB_SHARED_KEY, authorize: false, userDict: {} },
  });
  fluent.on("entry", () => {
    stats.fluentEntries++;
  });
  await fluent.listen();
  process.send?.({ http: (server.address() as AddressInfo).port, fluent: fluent.port });
  process.on("disconnect", () => process.exit(0));
}

if (process.argv.includes("--serve") && require.main === module) {
  serve().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
