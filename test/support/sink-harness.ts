// Shared test helpers for the sink handlers: Kinesis events, an in-memory failed-records writer, conservation check,
// and an HTTP fake that serves the ISM policy API and passes `_bulk` on to the fake bulk server.
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { KinesisBatchResult } from "../../handlers/shared/kinesis/batch";
import type { FailedOutcome, KinesisRecordData } from "../../handlers/shared/kinesis/records/types";

export const event = (records: KinesisRecordData[]) => ({ Records: records.map((kinesis) => ({ kinesis })) });

export function memoryWriter() {
  const written: FailedOutcome[] = [];
  return { written, write: async (failed: readonly FailedOutcome[]) => void written.push(...failed) };
}

/** The conservation invariant of every sink batch. */
export function expectConserved(result: KinesisBatchResult, eventsIn: number): void {
  const s = result.summary;
  expect(s.delivered + s.filtered + s.failed + s.retrying).toBe(eventsIn);
  expect(s.events).toBe(eventsIn);
}

export interface FakeIsm {
  readonly endpoint: string;
  readonly requests: { method: string; path: string; body: string; authorization: string | undefined }[];
  readonly policies: Map<string, { policy: Record<string, unknown>; seqNo: number; primaryTerm: number }>;
  /** Answer every ISM request with this status. */
  failWith: number | undefined;
  /** Answer the next PUT with 409 (a concurrent writer). */
  conflictOnce: boolean;
  close(): Promise<void>;
}

/** A minimal ISM policies API (GET/PUT `_plugins/_ism/policies/<id>` with seq_no / primary_term checks). */
export async function startFakeIsm(bulkEndpoint?: string): Promise<FakeIsm> {
  const state: FakeIsm = {
    endpoint: "",
    requests: [],
    policies: new Map(),
    failWith: undefined,
    conflictOnce: false,
    close: async () => {},
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? "/", "http://x");
      const reply = (status: number, payload: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(payload));
      };
      if (url.pathname === "/_bulk" && bulkEndpoint) {
        const upstream = await fetch(`${bulkEndpoint}/_bulk${url.search}`, {
          method: "POST",
          headers: { "content-type": String(req.headers["content-type"] ?? "application/x-ndjson") },
          body,
        });
        res.writeHead(upstream.status, { "content-type": "application/json" });
        res.end(await upstream.text());
        return;
      }
      const match = /^\/_plugins\/_ism\/policies\/([^/]+)$/.exec(url.pathname);
      state.requests.push({
        method: req.method ?? "",
        path: `${url.pathname}${url.search}`,
        body: body.toString("utf8"),
        authorization: req.headers.authorization,
      });
      if (!match) return reply(404, { error: "no handler" });
      if (state.failWith !== undefined) return reply(state.failWith, { error: { type: "security_exception" } });
      const id = decodeURIComponent(match[1]!);
      const current = state.policies.get(id);
      if (req.method === "GET") {
        if (!current) return reply(404, { error: { type: "status_exception", reason: "Policy not found" } });
        return reply(200, {
          _id: id,
          _version: current.seqNo + 1,
          _seq_no: current.seqNo,
          _primary_term: current.primaryTerm,
          policy: { policy_id: id, ...current.policy },
        });
      }
      if (req.method === "PUT") {
        if (state.conflictOnce) {
          state.conflictOnce = false;
          return reply(409, { error: { type: "version_conflict_engine_exception" } });
        }
        const ifSeq = url.searchParams.get("if_seq_no");
        if (current && ifSeq === null) return reply(409, { error: { type: "version_conflict_engine_exception" } });
        if (current && Number(ifSeq) !== current.seqNo) return reply(409, { error: { type: "version_conflict" } });
        const parsed = JSON.parse(body.toString("utf8")) as { policy: Record<string, unknown> };
        state.policies.set(id, { policy: parsed.policy, seqNo: (current?.seqNo ?? -1) + 1, primaryTerm: 1 });
        return reply(current ? 200 : 201, { _id: id, _seq_no: (current?.seqNo ?? -1) + 1, _primary_term: 1 });
      }
      reply(405, { error: "method" });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  Object.assign(state, {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  });
  return state;
}
