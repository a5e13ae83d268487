// The drain as a whole system (issue 9): the shipped definition in aws-local-stepfunctions with the real handler
// cores, in the simulated world of test/drain-sim/world.ts. One test per case of the issue, then the same checks over
// randomized worlds and fault schedules with a fixed fast-check seed.
import fc from "fast-check";
import { loadDrainDefinitionTemplate } from "../../../statemachines/drain";
import {
  type AslDefinition,
  COLD_START_ALLOWANCE_SECONDS,
  checkFunctionTimeoutSeconds,
  maxRestartGap,
} from "../../../statemachines/drain-bounds";
import { type Fault, type SimResult, type SimScenario, simulate } from "../../drain-sim/world";

const HOUR = 3600;
/** maxWaitSeconds 900 keeps these 48-hour worlds quick; the validation accepts it with the 3600 s heartbeat. */
const fast = { maxWaitSeconds: 900 };
const destinationDown = { initialBytes: 5_000_000, writeRate: () => 0, drainRate: () => 0, flushOnStopBytes: 0 };

/** The validation's bound on the gap around a reconciler restart, for the default check budget. */
function restartBound(maxWaitSeconds: number, reconcilePeriodSeconds: number): number {
  const definition = JSON.parse(loadDrainDefinitionTemplate()) as AslDefinition;
  const p = {
    maxWaitSeconds,
    checkFunctionTimeoutSeconds: checkFunctionTimeoutSeconds(50),
    coldStartSeconds: COLD_START_ALLOWANCE_SECONDS,
  };
  return maxRestartGap(definition, p, reconcilePeriodSeconds).seconds;
}

function outcomes(r: SimResult) {
  return r.executions.map((e) => `${e.name}:${e.status}:${e.outcome}`);
}

jest.setTimeout(120_000);

describe("the drain as a system, issue 9 case by case", () => {
  test("1. a failed drain is restarted by the reconciler with the same deadline: the give-up path still runs before the global timeout", async () => {
    // Prepare: the destination never comes back; CheckQueues dies (Lambda.Unknown) past its retries early on.
    const r = await simulate({
      settings: fast,
      cribl: destinationDown,
      faults: [{ state: "CheckQueues", fromCall: 3, times: 5, error: "Lambda.Unknown", cause: "Runtime exited" }],
    });
    // Assess
    expect(r.violations).toEqual([]);
    expect(r.executions[0]).toMatchObject({ status: "FAILED", error: "FailedUnexpectedError" });
    expect(r.executions[1]!.input.startedBy).toBe("restart");
    expect(r.executions.every((e) => e.input.deadline === r.executions[0]!.input.deadline)).toBe(true);
    expect(r.executions.at(-1)).toMatchObject({ status: "FAILED", outcome: "GaveUpQueuesPreserved" });
    expect(r.actionEndedBy).toBe("complete");
    expect(r.terminatedAt!).toBeLessThan(48 * HOUR);
    expect(r.snapshots[0]!.bytes).toBe(5_000_000);
    // The heartbeat timeout runs across the restart: the gap the validation allows for it holds in the world.
    expect(r.maxHeartbeatGapSeconds).toBeLessThanOrEqual(restartBound(fast.maxWaitSeconds, 120));
  });

  test("2. data flushed by the stop after the last empty reading: the proof fails, Cribl starts again, and the drain completes only when proven", async () => {
    // Prepare: the queue drains within minutes; stopping flushes 4 KiB of in-memory data once.
    const r = await simulate({
      cribl: { initialBytes: 200_000, writeRate: () => 0, drainRate: () => 1_000, flushOnStopBytes: 4096 },
    });
    expect(r.violations).toEqual([]);
    expect(outcomes(r)).toEqual(["i-0abc1234def567890-1:SUCCEEDED:Drained"]);
    expect(r.taskCalls.StartCriblAgain).toBe(1);
    expect(r.taskCalls.CheckQueuesAfterStop).toBe(2);
    expect(r.bytesAtTermination).toBe(0);
  });

  test("3. a queue flickering between empty and not for 48 hours stays inside the history limit and ends loudly", async () => {
    // Prepare: writers push bursts every other 400 s faster than the destination drains; every stop flushes.
    const r = await simulate({
      settings: { maxWaitSeconds: 600 },
      cribl: {
        initialBytes: 0,
        writeRate: (t) => (Math.floor(t / 400) % 2 ? 0 : 2_000),
        drainRate: () => 1_000,
        flushOnStopBytes: 500,
      },
    });
    expect(r.violations).toEqual([]);
    expect(r.executions.length).toBeGreaterThan(1);
    expect(r.executions.slice(0, -1).every((e) => e.outcome === "ContinuedAsNewExecution")).toBe(true);
    expect(Math.max(...r.executions.map((e) => e.historyEvents!))).toBeLessThan(25_000);
    expect(r.executions.at(-1)!.status).toBe("FAILED");
  });

  test("4. heartbeats throttled under the generic exception: the gap stays below the heartbeat timeout and the action never expires", async () => {
    // Prepare
    const throttled = (fromCall: number): Fault => ({
      state: "RecordHeartbeat",
      fromCall,
      times: 4,
      error: "AutoScaling.AutoScalingException",
      cause: "Rate exceeded (Service: AutoScaling, Status Code: 400, Request ID: 1, Error Code: Throttling)",
    });
    // Act
    const r = await simulate({
      settings: { heartbeatTimeoutSeconds: 1800, drainDeadlineSeconds: 170_000 },
      cribl: {
        initialBytes: 3_000_000,
        writeRate: () => 0,
        drainRate: (t) => (t > 6 * HOUR ? 5_000 : 0),
        flushOnStopBytes: 0,
      },
      faults: [throttled(3), throttled(20), throttled(40)],
    });
    // Assess
    expect(r.violations).toEqual([]);
    expect(r.maxHeartbeatGapSeconds).toBeLessThanOrEqual(1800);
    expect(r.actionEndedBy).toBe("complete");
    expect(outcomes(r)).toEqual(["i-0abc1234def567890-1:SUCCEEDED:Drained"]);
  });

  test("5. errors in the spellings Step Functions reports are retried: one drain, no failure", async () => {
    // Act
    const r = await simulate({
      cribl: { initialBytes: 100_000, writeRate: () => 0, drainRate: () => 500, flushOnStopBytes: 0 },
      faults: [
        { state: "CheckQueues", fromCall: 2, times: 2, error: "Lambda.ClientExecutionTimeoutException" },
        { state: "CheckQueues", fromCall: 5, times: 1, error: "States.Timeout" },
        { state: "SendGracefulStop", fromCall: 1, times: 2, error: "Ssm.ThrottlingException" },
        {
          state: "CompleteLifecycleAction",
          fromCall: 1,
          times: 2,
          error: "AutoScaling.AutoScalingException",
          cause: "Throttling: Rate exceeded",
        },
      ],
    });
    // Assess
    expect(r.violations).toEqual([]);
    expect(outcomes(r)).toEqual(["i-0abc1234def567890-1:SUCCEEDED:Drained"]);
  });

  test.each<[string, SimScenario["corruptPayload"]]>([
    ["totalBytes -1", (real) => ({ ...real, totalBytes: -1 })],
    ["missing fields", (real) => ({ result: real.result })],
    [
      "queues for other directories",
      (real) => ({ ...real, totalBytes: 0, queues: [{ path: "/tmp", exists: true, bytes: 0 }] }),
    ],
    [
      "missingDirectories next to allDirectoriesExist true",
      (real) => ({ ...real, totalBytes: 0, missingDirectories: ["/x"] }),
    ],
  ])(
    "6. a probe deploy that breaks the payload (%s) never completes the drain; the deadline still snapshots",
    async (_name, corrupt) => {
      const r = await simulate({
        settings: { ...fast, drainDeadlineSeconds: 4 * HOUR },
        cribl: destinationDown,
        corruptPayload: corrupt,
      });
      expect(r.violations).toEqual([]);
      expect(r.executions.at(-1)).toMatchObject({ status: "FAILED", outcome: "GaveUpQueuesPreserved" });
      expect(r.snapshots).toHaveLength(1);
    },
  );

  test("7a. the lifecycle action ended elsewhere with bytes queued: the loss is loud (LifecycleActionGoneUnconfirmed, Fail)", async () => {
    // Act
    const r = await simulate({ settings: fast, cribl: destinationDown, externalEndAtSeconds: 2 * HOUR });
    // Assess
    expect(r.actionEndedBy).toBe("external");
    expect(r.violations).toEqual([`5000000 bytes lost at ${2 * HOUR}s (external) without a snapshot`]);
    expect(r.executions.at(-1)).toMatchObject({ status: "FAILED", outcome: "LifecycleActionGoneUnconfirmed" });
    expect(JSON.parse(r.executions.at(-1)!.cause!).lastReading.payload.totalBytes).toBe(5_000_000);
  });

  test("7b. event lost and no scaling activity: the deadline is taken as already past; an empty queue is proven and completed without a snapshot", async () => {
    // Act
    const r = await simulate({
      eventLost: true,
      scalingActivityAtSeconds: null,
      cribl: { initialBytes: 0, writeRate: () => 0, drainRate: () => 0, flushOnStopBytes: 0 },
    });
    // Assess
    expect(r.violations).toEqual([]);
    expect(outcomes(r)).toEqual(["i-0abc1234def567890-1:SUCCEEDED:Drained"]);
    expect(r.executions[0]!.input.startedBy).toBe("reconciler");
    expect(r.snapshots).toHaveLength(0);
    // From Terminating:Wait to the reconciler's first heartbeat: within the bound the validation allows.
    expect(r.executions[0]!.heartbeats[0]!).toBeGreaterThan(0);
    expect(r.maxHeartbeatGapSeconds).toBeLessThanOrEqual(restartBound(r.settings.maxWaitSeconds, 120));
  });

  test("7d. start-drain and the reconciler racing at the start: one drain, with one name", async () => {
    // Act
    const r = await simulate({
      raceAtStart: true,
      cribl: { initialBytes: 50_000, writeRate: () => 0, drainRate: () => 500, flushOnStopBytes: 0 },
    });
    // Assess
    expect(r.violations).toEqual([]);
    expect(outcomes(r)).toEqual(["i-0abc1234def567890-1:SUCCEEDED:Drained"]);
  });

  test("7c. AccessDenied on the graceful stop is never swallowed: every attempt fails, and the deadline preserves the queue", async () => {
    // Act
    const r = await simulate({
      settings: { ...fast, drainDeadlineSeconds: HOUR },
      cribl: { initialBytes: 0, writeRate: () => 0, drainRate: () => 0, flushOnStopBytes: 0 },
      faults: [
        { state: "SendGracefulStop", fromCall: 1, times: 10_000, error: "Ssm.AccessDeniedException" },
        { state: "StopCriblBeforeSnapshot", fromCall: 1, times: 10_000, error: "Ssm.AccessDeniedException" },
      ],
    });
    // Assess
    expect(r.violations).toEqual([]);
    expect(r.executions.some((e) => e.outcome === "Drained")).toBe(false);
    expect(r.executions.slice(0, -1).every((e) => e.error === "FailedUnexpectedError")).toBe(true);
    expect(r.executions.at(-1)).toMatchObject({ status: "FAILED", outcome: "GaveUpQueuesPreserved" });
  });
});

describe("randomized worlds and fault schedules (fixed seed)", () => {
  const faultStates = [
    ["RecordHeartbeat", "AutoScaling.AutoScalingException"],
    ["RecordHeartbeat", "AutoScaling.ThrottlingException"],
    ["CheckQueues", "Lambda.Unknown"],
    ["CheckQueues", "Lambda.TooManyRequestsException"],
    ["CheckQueues", "States.Timeout"],
    ["CheckQueuesAfterStop", "Lambda.ServiceException"],
    ["SendGracefulStop", "Ssm.ThrottlingException"],
    ["GetGracefulStopResult", "Ssm.InvocationDoesNotExistException"],
    ["StartCriblAgain", "Ssm.InternalServerErrorException"],
    ["CompleteLifecycleAction", "AutoScaling.AutoScalingException"],
    ["CreateQueueSnapshots", "Ec2.Ec2Exception"],
    ["CountCompletedSnapshots", "Ec2.RequestLimitExceeded"],
  ] as const;
  const fault = fc.record({
    which: fc.integer({ min: 0, max: faultStates.length - 1 }),
    fromCall: fc.integer({ min: 1, max: 40 }),
    times: fc.integer({ min: 1, max: 8 }),
  });
  const world = fc.record({
    initialBytes: fc.integer({ min: 0, max: 20_000_000 }),
    destinationBackAtHours: fc.integer({ min: 0, max: 60 }),
    writerStopsAtHours: fc.integer({ min: 0, max: 4 }),
    flushOnStopBytes: fc.integer({ min: 0, max: 10_000 }),
    eventLost: fc.boolean(),
    deadlineHours: fc.constantFrom(6, 47),
    faults: fc.array(fault, { maxLength: 4 }),
  });

  test("no byte lost without a snapshot; a chain not ending Drained ends in Fail; heartbeat gaps within the timeout", async () => {
    await fc.assert(
      fc.asyncProperty(world, async (p) => {
        const r = await simulate({
          settings: { ...fast, drainDeadlineSeconds: p.deadlineHours * HOUR },
          eventLost: p.eventLost,
          cribl: {
            initialBytes: p.initialBytes,
            writeRate: (t) => (t < p.writerStopsAtHours * HOUR ? 300 : 0),
            drainRate: (t) => (t >= p.destinationBackAtHours * HOUR ? 2_000 : 0),
            flushOnStopBytes: p.flushOnStopBytes,
          },
          faults: p.faults.map((f) => ({
            state: faultStates[f.which]![0],
            error: faultStates[f.which]![1],
            fromCall: f.fromCall,
            times: f.times,
          })),
        });
        if (r.violations.length > 0) throw new Error(`${r.violations.join("; ")} | ${outcomes(r).join(", ")}`);
      }),
      { seed: 20_301_001, numRuns: Number(process.env.DRAIN_SIM_RUNS ?? 6), endOnFailure: true },
    );
  });
});
