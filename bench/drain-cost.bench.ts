// Drain cost model: runs the shipped drain definition in aws-local-stepfunctions with a simulated clock (every Wait
// advances the clock by its seconds; each check takes 3 simulated seconds) against a queue that shrinks linearly to
// empty at 1 minute, 1 hour and 48 hours. Counts states entered (= state transitions, the Standard billing unit),
// Lambda invocations and SSM commands, and estimates history events: Task ≈ 5 (entered, scheduled, started,
// succeeded, exited), Choice/Pass/Wait/Succeed/Fail ≈ 2 (entered, exited), plus execution started/succeeded.
// Settings: minWaitSeconds 10, maxWaitSeconds 300, requiredConsecutiveChecks 2, gracefulStop on.
import "../test/support/polyfills";
import { callsOf, estimateHistoryEvents, okCheck, runDrain } from "../test/fixtures/drain/sfn-harness";
import { type BenchResult, median } from "./types";

const HOUR = 3600;
const scenarios: Array<[string, number]> = [
  ["1 min", 60],
  ["1 h", HOUR],
  ["48 h", 48 * HOUR],
];
/** Phase offsets (s) of the moment the queue empties, so the median is not an artefact of one alignment. */
const PHASES = [0, 37, 74, 111, 148];

export default async function drainCostBench(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const [label, emptyAfter] of scenarios) {
    const runs: Array<{
      transitions: number;
      hours: number;
      events: number;
      lambda: number;
      ssm: number;
      emptyToComplete: number;
    }> = [];
    for (const phase of PHASES) {
      const emptyAt = emptyAfter + phase;
      const initialBytes = 50_000_000;
      const report = await runDrain({
        settings: { drainDeadlineSeconds: 49 * HOUR },
        checkQueues: (_input, _n, nowSeconds) =>
          okCheck(Math.max(0, Math.ceil(initialBytes * (1 - nowSeconds / emptyAt)))),
      });
      if (report.outcome !== "Drained") throw new Error(`${label}: ended in ${report.outcome}`);
      const checks = callsOf(report, "CheckQueues");
      const firstEmpty = checks.find(
        (c) => (c.output as { Payload: { totalBytes: number } }).Payload.totalBytes === 0,
      )!;
      const completedAt = callsOf(report, "CompleteLifecycleAction")[0]!.atSeconds;
      runs.push({
        transitions: report.statesEntered.length,
        hours: Math.max(report.simulatedSeconds, 1) / HOUR,
        events: estimateHistoryEvents(report),
        lambda: checks.length,
        ssm: checks.length + callsOf(report, "SendGracefulStop").length,
        emptyToComplete: completedAt - firstEmpty.atSeconds,
      });
    }
    const m = (f: (r: (typeof runs)[number]) => number) => median(runs.map(f));
    results.push(
      { name: `drain ${label}: state transitions`, value: m((r) => r.transitions), unit: "count" },
      {
        name: `drain ${label}: transitions per drain-hour`,
        value: Math.round(m((r) => r.transitions / Math.max(r.hours, 1))),
        unit: "count/h",
        target: "<= 300",
      },
      {
        name: `drain ${label}: history events (estimate)`,
        value: m((r) => r.events),
        unit: "count",
        target: label === "48 h" ? "< 25,000" : "",
      },
      { name: `drain ${label}: Lambda invocations`, value: m((r) => r.lambda), unit: "count" },
      { name: `drain ${label}: SSM commands`, value: m((r) => r.ssm), unit: "count" },
      {
        name: `drain ${label}: first empty check -> complete (median)`,
        value: m((r) => r.emptyToComplete),
        unit: "s",
        target: "<= 30 s",
      },
    );
  }
  return results;
}
