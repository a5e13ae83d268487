// Drain cost model: runs the shipped drain definition in aws-local-stepfunctions with a simulated clock (every Wait
// advances the clock by its seconds; each check takes 3 simulated seconds) against a queue that shrinks linearly to
// empty at 1 minute, 1 hour and 48 hours, then against randomized reading sequences (seeded) over 48 hours. Counts
// states entered (= state transitions, the Standard billing unit) and estimates history events per execution: Task ≈
// 5 (entered, scheduled, started, succeeded, exited), Choice/Pass/Wait/Succeed/Fail ≈ 2, plus start/end. A drain that
// continues as a new execution is followed through its chain. Also the time from the proof reading (after the stop) to
// the completion, and a longer run of the system simulation's randomized property (test/drain-sim/world.ts).
// Settings: minWaitSeconds 10, maxWaitSeconds 300, requiredConsecutiveChecks 2, gracefulStop on.
import "../test/support/polyfills";
import type { DrainProgress } from "../contracts/drain";
import { simulate } from "../test/drain-sim/world";
import {
  callsOf,
  estimateHistoryEvents,
  type Fake,
  invariantViolations,
  okCheck,
  type RunReport,
  runDrain,
  unknownCheck,
} from "../test/fixtures/drain/sfn-harness";
import { type BenchResult, median } from "./types";

const HOUR = 3600;
const scenarios: Array<[string, number]> = [
  ["1 min", 60],
  ["1 h", HOUR],
  ["48 h", 48 * HOUR],
];
/** Phase offsets (s) of the moment the queue empties, so the median is not an artefact of one alignment. */
const PHASES = [0, 37, 74, 111, 148];

interface Chain {
  reports: RunReport[];
  transitions: number;
  maxEvents: number;
  outcome: string;
}

/** Runs a drain and every continuation of it (same reading function on a shared clock offset). */
async function runChain(checkQueues: (t: number, n: number) => unknown, deadlineSeconds = 47 * HOUR): Promise<Chain> {
  const reports: RunReport[] = [];
  let offset = 0;
  let progress: Partial<DrainProgress> | undefined;
  let checks = 0;
  for (let i = 0; i < 40; i++) {
    const fake: Fake = (_input, _n, now) => checkQueues(offset + now, ++checks);
    const report = await runDrain({
      settings: { drainDeadlineSeconds: 49 * HOUR },
      deadlineSeconds: deadlineSeconds - offset,
      checkQueues: fake,
      progress,
    });
    const violations = invariantViolations(report);
    if (violations.length > 0) throw new Error(`drain-cost: ${violations.join("; ")}`);
    reports.push(report);
    if (report.outcome !== "ContinuedAsNewExecution") break;
    const next = callsOf(report, "ContinueAsNewExecution")[0]!.input as { Input: { progress: DrainProgress } };
    progress = next.Input.progress;
    offset += report.simulatedSeconds;
  }
  return {
    reports,
    transitions: reports.reduce((n, r) => n + r.statesEntered.length, 0),
    maxEvents: Math.max(...reports.map((r) => estimateHistoryEvents(r))),
    outcome: reports.at(-1)!.outcome,
  };
}

/** A small deterministic PRNG (mulberry32), so the randomized sequences are the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export default async function drainCostBench(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const [label, emptyAfter] of scenarios) {
    const runs: Array<{
      transitions: number;
      hours: number;
      events: number;
      executions: number;
      proofToComplete: number;
      emptyToComplete: number;
    }> = [];
    for (const phase of PHASES) {
      const emptyAt = emptyAfter + phase;
      const initialBytes = 50_000_000;
      const chain = await runChain((t) => okCheck(Math.max(0, Math.ceil(initialBytes * (1 - t / emptyAt)))), 49 * HOUR);
      if (chain.outcome !== "Drained") throw new Error(`${label}: ended in ${chain.outcome}`);
      const last = chain.reports.at(-1)!;
      const proof = callsOf(last, "CheckQueuesAfterStop").at(-1)!;
      const completedAt = callsOf(last, "CompleteLifecycleAction")[0]!.atSeconds;
      const firstEmpty = callsOf(last, "CheckQueues").find(
        (c) => (c.output as { Payload: { totalBytes: number } }).Payload.totalBytes === 0,
      )!;
      const seconds = chain.reports.reduce((s, r) => s + r.simulatedSeconds, 0);
      runs.push({
        transitions: chain.transitions,
        hours: Math.max(seconds, 1) / HOUR,
        events: chain.maxEvents,
        executions: chain.reports.length,
        proofToComplete: completedAt - proof.atSeconds,
        emptyToComplete: completedAt - firstEmpty.atSeconds,
      });
    }
    const m = (f: (r: (typeof runs)[number]) => number) => median(runs.map(f));
    results.push(
      { name: `drain ${label}: state transitions (whole chain)`, value: m((r) => r.transitions), unit: "count" },
      {
        name: `drain ${label}: transitions per drain-hour`,
        value: Math.round(m((r) => r.transitions / Math.max(r.hours, 1))),
        unit: "count/h",
        target: "<= 300",
      },
      {
        name: `drain ${label}: history events, largest execution (estimate)`,
        value: m((r) => r.events),
        unit: "count",
        target: "< 25,000",
      },
      { name: `drain ${label}: executions in the chain`, value: m((r) => r.executions), unit: "count" },
      {
        name: `drain ${label}: proof reading -> complete (median)`,
        value: m((r) => r.proofToComplete),
        unit: "s",
        target: "<= 30 s",
      },
      {
        name: `drain ${label}: first empty reading -> complete, via stop and proof (median)`,
        value: m((r) => r.emptyToComplete),
        unit: "s",
      },
    );
  }

  // Randomized reading sequences over 48 hours: bursts, flicker, unknown readings, corrupt payloads.
  const random = prng(20_301_001);
  let worstEvents = 0;
  let worstTransitionsPerHour = 0;
  const SEQUENCES = Number(process.env.DRAIN_BENCH_SEQUENCES ?? 12);
  for (let s = 0; s < SEQUENCES; s++) {
    const kinds: Array<"empty" | "bytes" | "unknown" | "corrupt"> = ["empty", "bytes", "unknown", "corrupt"];
    const weights = [random(), random(), random() * 0.3, random() * 0.1];
    const total = weights.reduce((a, b) => a + b, 0);
    const pick = () => {
      let x = random() * total;
      for (let i = 0; i < kinds.length; i++) {
        x -= weights[i]!;
        if (x <= 0) return kinds[i]!;
      }
      return "bytes" as const;
    };
    const chain = await runChain(() => {
      const kind = pick();
      if (kind === "empty") return okCheck(0);
      if (kind === "bytes") return okCheck(1 + Math.floor(random() * 1e6));
      if (kind === "unknown") return unknownCheck("Failed");
      return { ...okCheck(0), totalBytes: -1 };
    });
    const hours = chain.reports.reduce((a, r) => a + r.simulatedSeconds, 0) / HOUR;
    worstEvents = Math.max(worstEvents, chain.maxEvents);
    worstTransitionsPerHour = Math.max(worstTransitionsPerHour, chain.transitions / Math.max(hours, 1));
  }
  results.push(
    {
      name: `drain random 48 h sequences (${SEQUENCES}): worst history events per execution`,
      value: worstEvents,
      unit: "count",
      target: "< 25,000",
    },
    {
      name: `drain random 48 h sequences (${SEQUENCES}): worst transitions per drain-hour`,
      value: Math.round(worstTransitionsPerHour),
      unit: "count/h",
    },
  );

  // The system simulation's randomized property, longer than in CI: violations must be 0.
  const RUNS = Number(process.env.DRAIN_SIM_BENCH_RUNS ?? 20);
  const worlds = prng(7);
  let violations = 0;
  for (let i = 0; i < RUNS; i++) {
    const back = Math.floor(worlds() * 60) * HOUR;
    const writerStops = Math.floor(worlds() * 4) * HOUR;
    const r = await simulate({
      settings: { maxWaitSeconds: 900, drainDeadlineSeconds: (worlds() < 0.5 ? 6 : 47) * HOUR },
      eventLost: worlds() < 0.3,
      cribl: {
        initialBytes: Math.floor(worlds() * 2e7),
        writeRate: (t) => (t < writerStops ? 300 : 0),
        drainRate: (t) => (t >= back ? 2_000 : 0),
        flushOnStopBytes: Math.floor(worlds() * 10_000),
      },
      faults: [
        {
          state: "CheckQueues",
          fromCall: 1 + Math.floor(worlds() * 40),
          times: 1 + Math.floor(worlds() * 8),
          error: "Lambda.Unknown",
        },
        {
          state: "RecordHeartbeat",
          fromCall: 1 + Math.floor(worlds() * 40),
          times: 1 + Math.floor(worlds() * 8),
          error: "AutoScaling.AutoScalingException",
        },
      ],
    });
    violations += r.violations.length;
  }
  results.push({
    name: `drain system simulation, ${RUNS} random worlds: violations`,
    value: violations,
    unit: "count",
    target: "0",
  });
  return results;
}
