/**
 * A real HTTP server on 127.0.0.1 speaking the OpenSearch `_bulk` request/response format, scriptable to throttle or
 * reject, that records every request (method, path, headers, raw body) and keeps the indexed documents.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { filterPath } from "./filter-path";

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface BulkAction {
  readonly action: string;
  readonly index: string;
  readonly id: string | undefined;
  readonly source: string;
}

export interface FakeBulkScript {
  /** Answer the next N whole requests with this status (e.g. 429 or 503) before indexing anything. */
  failRequests?: { count: number; status: number };
  /** Answer 400 mapper_parsing_exception for documents this returns true for. */
  reject?: (doc: BulkAction) => boolean;
  /** Per `_id`: how many more times to answer the item 429 es_rejected_execution_exception. */
  throttleItems?: Map<string, number>;
}

export interface FakeBulkServer {
  readonly endpoint: string;
  readonly requests: RecordedRequest[];
  /** index → _id (or generated) → source text. */
  readonly indices: Map<string, Map<string, string>>;
  script: FakeBulkScript;
  /** Documents stored across all indices. */
  count(): number;
  close(): Promise<void>;
}

function parseActions(body: string): BulkAction[] {
  const lines = body.split("\n");
  if (lines[lines.length - 1] !== "") throw new Error("The bulk request must be terminated by a newline [\\n]");
  const actions: BulkAction[] = [];
  for (let i = 0; i < lines.length - 1; i += 2) {
    const meta = JSON.parse(lines[i]!) as Record<string, { _index?: string; _id?: string; _type?: string }>;
    const [action] = Object.keys(meta);
    const params = meta[action!]!;
    if (params._type !== undefined) throw new Error("_type is not supported");
    if (params._index === undefined) throw new Error("index is missing");
    const source = lines[i + 1];
    if (source === undefined || source === "") throw new Error("source is missing");
    JSON.parse(source);
    actions.push({ action: action!, index: params._index, id: params._id, source });
  }
  return actions;
}

export async function startFakeBulkServer(script: FakeBulkScript = {}): Promise<FakeBulkServer> {
  const requests: RecordedRequest[] = [];
  const indices = new Map<string, Map<string, string>>();
  let generated = 0;
  const state = { script };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, body });
      const url = new URL(req.url ?? "/", "http://x");
      const reply = (status: number, payload: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(status === 200 ? filterPath(payload, url.searchParams.get("filter_path")) : payload));
      };
      const started = Date.now();
      const fail = state.script.failRequests;
      if (fail !== undefined && fail.count > 0) {
        fail.count--;
        reply(fail.status, { error: { type: "es_rejected_execution_exception", reason: "scripted" }, status: 429 });
        return;
      }
      if (req.method !== "POST" || url.pathname !== "/_bulk") {
        reply(404, { error: "no handler", status: 404 });
        return;
      }
      let actions: BulkAction[];
      try {
        actions = parseActions(body.toString("utf8"));
      } catch (error) {
        reply(400, { error: { type: "illegal_argument_exception", reason: (error as Error).message }, status: 400 });
        return;
      }
      let errors = false;
      const items = actions.map((doc) => {
        const id = doc.id ?? `gen-${++generated}`;
        const throttled = doc.id === undefined ? 0 : (state.script.throttleItems?.get(doc.id) ?? 0);
        if (throttled > 0) {
          state.script.throttleItems!.set(doc.id!, throttled - 1);
          errors = true;
          return {
            [doc.action]: {
              _index: doc.index,
              _id: id,
              status: 429,
              error: { type: "es_rejected_execution_exception", reason: "rejected execution (queue capacity 200)" },
            },
          };
        }
        if (state.script.reject?.(doc)) {
          errors = true;
          return {
            [doc.action]: {
              _index: doc.index,
              _id: id,
              status: 400,
              error: {
                type: "mapper_parsing_exception",
                reason: "failed to parse field [status] of type [long]",
                caused_by: { type: "illegal_argument_exception", reason: 'For input string: "ok"' },
              },
            },
          };
        }
        let index = indices.get(doc.index);
        if (index === undefined) {
          index = new Map();
          indices.set(doc.index, index);
        }
        const existed = index.has(id);
        index.set(id, doc.source);
        return {
          [doc.action]: {
            _index: doc.index,
            _id: id,
            _version: 1,
            result: existed ? "updated" : "created",
            status: existed ? 200 : 201,
          },
        };
      });
      reply(200, { took: Date.now() - started, errors, items });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    indices,
    get script() {
      return state.script;
    },
    set script(next: FakeBulkScript) {
      state.script = next;
    },
    count: () => [...indices.values()].reduce((n, m) => n + m.size, 0),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
