// The headline benchmark: each Kinesis handler's whole invocation as deployed, in CPU time per MB of log-event JSON.
//
// - The handler is the esbuild bundle Lambda runs (`bundleHandler`: handlers/<name>/index.ts, the middy-wrapped
//   `handler`), loaded in a fresh process with the environment its construct sets (consumer variables, the module's
//   own, POWERTOOLS_*) plus what the Lambda runtime sets (region, role credentials with a session token, function name,
//   trace id). `BENCH_FROM=source` loads handlers/<name>/index.ts through tsx instead (readable profiles).
// - Node is started as Lambda's bootstrap starts it for the construct's default memory (lambda-node.ts): its heap
//   limits decide how often V8 collects, which is a fifth of the handler's CPU here.
// - Real SDK clients, signers, HTTP stack and sockets; only the network is replaced, by a loopback stub in its own
//   process answering like the service (service-stub.ts), reached through AWS_ENDPOINT_URL / the module's endpoint.
// - Workload: workload.ts (5,000 events, about 5 MB of JSON), as one record per event and as 100 gzip CloudWatch Logs
//   envelopes. One warm-up invocation, then BENCH_RUNS (default 15) measured ones and as many runs of the
//   destination's ceiling loop (ceilings.ts), in three alternating blocks of each with a full collection before every
//   block, so neither pays for the other's garbage. Value = median; min–max printed beside it. Share of ceiling =
//   median handler / median ceiling.
// - `BENCH_COMPARE=<entry.ts>` (A/B): also bundles that entry (e.g. an older index.ts) and invokes it next to each
//   measured run of the current one (ABBA order), in the same process; prints its figure and the paired
//   current/other ratio.
// - `BENCH_CPU_PROF=<dir>` profiles the measured invocations only (V8 sampling profiler through node:inspector) into
//   <dir>/<handler>-<workload>.cpuprofile; `npx tsx bench/profile-summary.ts <file>` summarises one. Combine with
//   `BENCH_FROM=source` for source file names. `BENCH_ALLOC_PROF=<dir>` samples their allocations instead (garbage
//   included) into <dir>/<handler>-<workload>.heapprofile, which profile-summary reads too (MB per invocation).
import { fork } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { consumerEnv as consumerContract } from "../contracts/kinesis";
import { DEFAULT_MEMORY_MB, NODE_OPTIONS } from "../contracts/lambda";
import { bundleHandler } from "../modules/common/bundle";
import type { Destination } from "./ceilings";
import type { ChildConfig, WorkloadSamples } from "./handler-child";
import { lambdaNodeFlags } from "./lambda-node";
import { type ServiceStub, type StubStats, startServiceStub } from "./service-stub";
import { against, type BenchResult, median, round } from "./types";

export interface HandlerBenchSpec {
  /** Folder under handlers/. */
  readonly handler: "kinesis-forward" | "kinesis-to-s3" | "kinesis-to-opensearch" | "kinesis-to-fluent";
  readonly destination: Destination;
  /** The module's own variables, as its construct sets them. */
  readonly env: (stub: ServiceStub) => Record<string, string>;
  readonly deliveredCounter: keyof StubStats;
  /** MB/s per core each workload must reach, when it has a target. */
  readonly targets: { readonly plain?: number; readonly cloudwatch?: number };
}

export const SHARE_OF_CEILING_TARGET = 0.6;

/** What the kinesis-consumer construct sets for every Kinesis function (its defaults, all log types). */
function consumerEnv(name: string): Record<string, string> {
  const e = consumerContract.names;
  return {
    [e.typeKey]: "log_type",
    [e.idKey]: "log_id",
    [e.timeKey]: "time",
    [e.timeZone]: "UTC",
    [e.whitelist]: "[]",
    [e.unknownTypePrefix]: "unknown",
    [e.failedRecordsBucket]: "bench-failed-records",
    [e.failedRecordsPrefix]: `failed/${name}`,
    POWERTOOLS_SERVICE_NAME: name,
    POWERTOOLS_METRICS_NAMESPACE: "LogRouting",
  };
}

/** What the Lambda runtime sets (credentials are a role's: temporary, with a session token). */
function lambdaRuntimeEnv(name: string, stub: ServiceStub): Record<string, string> {
  return {
    AWS_REGION: "eu-west-1",
    AWS_DEFAULT_REGION: "eu-west-1",
    AWS_ACCESS_KEY_ID: "ASIAQBENCHBENCHBENCH",
    AWS_SECRET_ACCESS_KEY: "benchbenchbenchbenchbenchbenchbenchbench",
    AWS_SESSION_TOKEN: `IQoJb3JpZ2luX2VjE${"B".repeat(800)}`,
    AWS_LAMBDA_FUNCTION_NAME: name,
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(DEFAULT_MEMORY_MB),
    AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x",
    _X_AMZN_TRACE_ID: "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
    // The only departure from the deployed environment: every AWS endpoint is the loopback stub.
    AWS_ENDPOINT_URL: stub.httpEndpoint,
  };
}

let bundleDir: string | undefined;
/** Temporary directories of bundles, removed when the process exits. */
const tempDirs: string[] = [];
process.on("exit", () => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});
function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

function modulePath(handler: string): string {
  // A/B comparisons: BENCH_ENTRY=<file.ts> bundles that entry instead (e.g. an older index.ts), for one handler.
  const entry = process.env.BENCH_ENTRY ? path.resolve(process.env.BENCH_ENTRY) : undefined;
  if (process.env.BENCH_FROM === "source")
    return entry ?? path.resolve(__dirname, "..", "handlers", handler, "index.ts");
  bundleDir ??= tempDir("bench-handlers-");
  return path.join(bundleHandler(handler, bundleDir, entry ? { entry } : {}).directory, "index.js");
}

function runChild(config: ChildConfig, env: Record<string, string>): Promise<WorkloadSamples[]> {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    // Nothing of the developer's AWS setup leaks in (profiles, real credentials, endpoints).
    if (v !== undefined && !k.startsWith("AWS_")) base[k] = v;
  }
  base.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  const child = fork(path.join(__dirname, "handler-child.ts"), [], {
    // Node as Lambda starts it for the construct's default memory (heap limits and all: they decide how often V8
    // collects). BENCH_NODE_ARGS: extra node flags after them (e.g. --max-semi-space-size=24, as 512 MB would give).
    execArgv: [
      "--import",
      "tsx",
      ...lambdaNodeFlags(),
      ...(process.env.BENCH_NODE_ARGS?.split(" ").filter((a) => a !== "") ?? []),
    ],
    env: { ...base, ...env, NODE_OPTIONS, BENCH_HANDLER_CHILD: JSON.stringify(config) },
    // The handler's own log and metric lines go where Lambda's would (a pipe nobody reads here).
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString("utf8");
  });
  return new Promise((resolve, reject) => {
    let results: WorkloadSamples[] | undefined;
    child.on("message", (m) => {
      results = (m as { results: WorkloadSamples[] }).results;
    });
    child.on("exit", (code) => {
      if (code === 0 && results) resolve(results);
      else reject(new Error(`${config.handler} bench child exited with ${code}:\n${stderr}`));
    });
  });
}

/** BENCH_COMPARE=<entry.ts>: bundle another entry of the handler to run alternately with the current one (A/B). */
function compareModulePath(handler: string, entry: string): string {
  const dir = tempDir("bench-compare-");
  return path.join(bundleHandler(handler, dir, { entry: path.resolve(entry), fresh: true }).directory, "index.js");
}

export async function runHandlerBench(spec: HandlerBenchSpec): Promise<BenchResult[]> {
  const stub = await startServiceStub();
  try {
    const runs = Number(process.env.BENCH_RUNS || 15);
    const config: ChildConfig = {
      handler: spec.handler,
      modulePath: modulePath(spec.handler),
      destination: spec.destination,
      runs,
      stubEndpoint: stub.httpEndpoint,
      deliveredCounter: spec.deliveredCounter,
      ...(process.env.BENCH_CPU_PROF ? { profileDir: path.resolve(process.env.BENCH_CPU_PROF) } : {}),
      ...(process.env.BENCH_ALLOC_PROF ? { allocationDir: path.resolve(process.env.BENCH_ALLOC_PROF) } : {}),
      ...(process.env.BENCH_COMPARE
        ? { compareModulePath: compareModulePath(spec.handler, process.env.BENCH_COMPARE) }
        : {}),
    };
    const env = { ...lambdaRuntimeEnv(spec.handler, stub), ...consumerEnv(spec.handler), ...spec.env(stub) };
    const samples = await runChild(config, env);
    const results: BenchResult[] = [];
    for (const s of samples) {
      const label = s.workload === "plain" ? "plain records" : "CloudWatch gzip";
      const handler = median(s.handler);
      const ceiling = median(s.ceiling);
      const share = handler / ceiling;
      const target = spec.targets[s.workload];
      results.push({
        name: `${spec.handler} ${label}: whole handler`,
        value: round(handler),
        unit: "MB/s/core",
        min: round(Math.min(...s.handler)),
        max: round(Math.max(...s.handler)),
        ...(target === undefined ? {} : against(round(handler), ">=", target)),
      });
      results.push({
        name: `${spec.handler} ${label}: ceiling`,
        value: round(ceiling),
        unit: "MB/s/core",
        min: round(Math.min(...s.ceiling)),
        max: round(Math.max(...s.ceiling)),
      });
      results.push({
        name: `${spec.handler} ${label}: share of ceiling`,
        value: round(share, 2),
        unit: "x",
        // The widest range the samples allow: slowest handler run over fastest ceiling run, and the reverse.
        min: round(Math.min(...s.handler) / Math.max(...s.ceiling), 2),
        max: round(Math.max(...s.handler) / Math.min(...s.ceiling), 2),
        ...against(round(share, 2), ">=", SHARE_OF_CEILING_TARGET),
      });
      if (s.compare) {
        const ratios = s.handler.map((h, i) => h / s.compare![i]!);
        results.push({
          name: `${spec.handler} ${label}: whole handler, BENCH_COMPARE entry (A/B)`,
          value: round(median(s.compare)),
          unit: "MB/s/core",
          min: round(Math.min(...s.compare)),
          max: round(Math.max(...s.compare)),
        });
        results.push({
          name: `${spec.handler} ${label}: current / BENCH_COMPARE (paired runs)`,
          value: round(median(ratios), 2),
          unit: "x",
          min: round(Math.min(...ratios), 2),
          max: round(Math.max(...ratios), 2),
        });
      }
    }
    return results;
  } finally {
    await stub.stop();
  }
}
