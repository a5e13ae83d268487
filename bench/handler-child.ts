// Child process of handler-bench.ts: loads ONE Lambda handler module (bundle or source) with the environment its
// construct sets, then measures CPU time (process.cpuUsage, user + system: the whole process, GC and libuv included)
// of whole invocations on the fixed workload, and of the destination's ceiling loop, in alternating blocks so both
// see the same machine load. Sends the samples back over IPC. Nothing but the handler runs in this process while it
// is measured: the service stub lives in another process.
import * as fs from "node:fs";
import { Session } from "node:inspector/promises";
import * as path from "node:path";
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import { ceilings, type Destination } from "./ceilings";
import type { StubStats } from "./service-stub";
import { cloudWatchWorkload, lambdaContext, logEvents, plainWorkload, type Workload } from "./workload";

export interface ChildConfig {
  readonly handler: string;
  readonly modulePath: string;
  readonly destination: Destination;
  readonly runs: number;
  readonly stubEndpoint: string;
  /** Which StubStats counter must equal the number of events after every invocation. */
  readonly deliveredCounter: keyof StubStats;
  /** A/B: a second bundle of the same handler, invoked alternately with the first in this same process. */
  readonly compareModulePath?: string;
  /** Profile the measured handler invocations only (no ceiling runs) into `<dir>/<handler>-<workload>.cpuprofile`. */
  readonly profileDir?: string;
  /**
   * Sample every allocation of the measured handler invocations, collected or not (V8's sampling heap profiler), into
   * `<dir>/<handler>-<workload>.heapprofile`: where the garbage comes from.
   */
  readonly allocationDir?: string;
}

export interface WorkloadSamples {
  readonly workload: Workload["name"];
  readonly jsonBytes: number;
  readonly inputBytes: number;
  /** MB of log-event JSON per CPU second, one per measured run. */
  readonly handler: number[];
  readonly ceiling: number[];
  /** With `compareModulePath`: the other bundle's runs, each right after the matching `handler` run. */
  readonly compare?: number[];
}

type Handler = (event: KinesisStreamEvent, context: unknown) => Promise<KinesisStreamBatchResponse>;

const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1e6;
};

/** Blocks of handler runs, each followed by a block of ceiling runs. */
const ROUNDS = 3;
/** Runs in block `round` of `ROUNDS`, so the blocks add up to `runs`. */
const blockSize = (runs: number, round: number) =>
  Math.floor((runs * (round + 1)) / ROUNDS) - Math.floor((runs * round) / ROUNDS);

/** A full collection between measured blocks (node runs with --expose-gc, as Lambda's bootstrap starts it). */
function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("the bench child needs --expose-gc (lambdaNodeFlags)");
  gc();
}

async function main(config: ChildConfig): Promise<void> {
  const lines = logEvents();
  const workloads = [plainWorkload(lines), cloudWatchWorkload(lines)];
  const { handler } = require(config.modulePath) as { handler: Handler };
  const other = config.compareModulePath
    ? (require(config.compareModulePath) as { handler: Handler }).handler
    : undefined;
  const context = lambdaContext(config.handler);
  const ceiling = ceilings[config.destination];
  const stats = async () => (await (await fetch(`${config.stubEndpoint}/__stats`)).json()) as StubStats;
  await stats(); // reset

  const invoke = async (w: Workload, fn: Handler = handler): Promise<number> => {
    const started = process.cpuUsage();
    const response = await fn(w.event, context);
    const seconds = cpuSeconds(started);
    const s = await stats();
    if (response.batchItemFailures.length > 0 || s[config.deliveredCounter] !== w.events || s.failedRecordObjects > 0) {
      throw new Error(
        `${config.handler} did not deliver the ${w.name} batch: ${JSON.stringify({ response: response.batchItemFailures.length, stats: s })}`,
      );
    }
    return w.jsonBytes / 1e6 / seconds;
  };
  const runCeiling = (w: Workload): number => {
    const started = process.cpuUsage();
    if (!(ceiling(w.event) > 0)) throw new Error("ceiling produced nothing");
    return w.jsonBytes / 1e6 / cpuSeconds(started);
  };

  const results: WorkloadSamples[] = [];
  for (const w of workloads) {
    await invoke(w); // warm-up (also the cold-start work: shared key, lifecycle policy, connections)
    if (other) await invoke(w, other);
    runCeiling(w);
    const samples: WorkloadSamples = {
      workload: w.name,
      jsonBytes: w.jsonBytes,
      inputBytes: w.inputBytes,
      handler: [],
      ceiling: [],
    };
    // Under a profiler the measured handler runs form one block, written to <dir>/<handler>-<workload>.<extension>.
    const profiled = async (
      dir: string,
      extension: string,
      start: (s: Session) => Promise<unknown>,
      stop: (s: Session) => Promise<object>,
    ) => {
      const session = new Session();
      session.connect();
      await start(session);
      for (let i = 0; i < config.runs; i++) samples.handler.push(await invoke(w));
      const profile = await stop(session);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, `${config.handler}-${w.name}.${extension}`), JSON.stringify(profile));
      session.disconnect();
    };
    if (config.allocationDir) {
      await profiled(
        config.allocationDir,
        "heapprofile",
        async (s) => {
          await s.post("HeapProfiler.enable");
          await s.post("HeapProfiler.startSampling", {
            samplingInterval: 4096,
            includeObjectsCollectedByMajorGC: true,
            includeObjectsCollectedByMinorGC: true,
          });
        },
        async (s) => ({ ...(await s.post("HeapProfiler.stopSampling")).profile, runs: config.runs }),
      );
    } else if (config.profileDir) {
      await profiled(
        config.profileDir,
        "cpuprofile",
        async (s) => {
          await s.post("Profiler.enable");
          await s.post("Profiler.setSamplingInterval", { interval: 200 });
          await s.post("Profiler.start");
        },
        async (s) => (await s.post("Profiler.stop")).profile,
      );
    } else {
      // Handler and ceiling in alternating blocks (ROUNDS of each), a full collection before every block: neither pays
      // for the other's garbage, each run meets only its own side's collections as consecutive invocations do, and a
      // machine that speeds up or slows down during the run weighs on both sides alike.
      const compare: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const block = blockSize(config.runs, round);
        collectGarbage();
        for (let i = 0; i < block; i++) {
          // A/B in ABBA order, so neither build always runs right after the other's garbage.
          if (other && i % 2 === 1) compare.push(await invoke(w, other));
          samples.handler.push(await invoke(w));
          if (other && i % 2 === 0) compare.push(await invoke(w, other));
        }
        collectGarbage();
        for (let i = 0; i < block; i++) samples.ceiling.push(runCeiling(w));
      }
      if (other) Object.assign(samples, { compare });
    }
    if (samples.ceiling.length === 0) {
      // Under a profiler the handler runs in one block; the ceiling follows in a block of its own.
      collectGarbage();
      for (let i = 0; i < config.runs; i++) samples.ceiling.push(runCeiling(w));
    }
    collectGarbage();
    results.push(samples);
  }
  await new Promise<void>((resolve) => process.send?.({ results }, () => resolve()));
}

if (process.env.BENCH_HANDLER_CHILD) {
  main(JSON.parse(process.env.BENCH_HANDLER_CHILD) as ChildConfig)
    .then(() => process.exit(0))
    .catch((e: unknown) => {
      console.error(e);
      process.exit(1);
    });
}
