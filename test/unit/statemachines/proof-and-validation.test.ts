// The shipped drain definition: completion only on proof, payload and input validation, error names, continuation and
// the bounds derived from the definition (issue 9).
import {
  type AslDefinition,
  maxHeartbeatGap,
  maxHistoryEvents,
  minMaxWaitSeconds,
} from "../../../statemachines/drain-bounds";
import { LOOPS_PER_EXECUTION } from "../../../statemachines/drain-definition";
import {
  awsError,
  callsOf,
  estimateHistoryEvents,
  invariantViolations,
  okCheck,
  type RunReport,
  runDrain,
  type Scenario,
  shippedDefinition,
} from "../../fixtures/drain/sfn-harness";

async function drain(scenario: Scenario): Promise<RunReport> {
  const report = await runDrain(scenario);
  expect(invariantViolations(report)).toEqual([]);
  return report;
}

const completions = (r: RunReport) => callsOf(r, "CompleteLifecycleAction");

describe("completion only on proof", () => {
  test("data flushed by the stop: the proof reading is not empty, Cribl starts again, the drain goes on and completes later", async () => {
    // Prepare: two empty readings; the stop flushes 700 bytes; they drain; then proof succeeds.
    let proofs = 0;
    const r = await drain({
      checkQueues: (_i, n) => okCheck(n <= 2 ? 0 : n <= 4 ? 700 : 0),
      proofCheck: () => {
        proofs++;
        return { ...okCheck(proofs === 1 ? 700 : 0), serviceActive: false };
      },
    });
    // Assess
    expect(r.outcome).toBe("Drained");
    expect(callsOf(r, "StartCriblAgain")).toHaveLength(1);
    expect(callsOf(r, "StartCriblAgain")[0]!.input).toMatchObject({ Parameters: { action: ["start"] } });
    expect(callsOf(r, "SendGracefulStop")[0]!.input).toMatchObject({ Parameters: { action: ["stop"] } });
    expect(callsOf(r, "CheckQueuesAfterStop")).toHaveLength(2);
    expect(completions(r)).toHaveLength(1);
  });

  test("an empty proof reading with the service still active is no proof: never completed", async () => {
    // Act
    const r = await drain({
      deadlineSeconds: 1800,
      checkQueues: () => okCheck(0),
      proofCheck: () => okCheck(0),
    });
    // Assess
    expect(completions(r)).toHaveLength(0);
    expect(callsOf(r, "StartCriblAgain").length).toBeGreaterThan(0);
    expect(r.outcome).toBe("GaveUpQueuesPreserved");
  });

  test("a graceful stop whose command fails still goes to the proof reading, which decides", async () => {
    // Act
    const r = await drain({
      checkQueues: () => okCheck(0),
      fakes: { GetGracefulStopResult: () => ({ Status: "Failed" }) },
      proofCheck: (_i, n) => ({ ...okCheck(0), serviceActive: n <= 6 }),
    });
    // Assess
    expect(r.outcome).toBe("Drained");
    expect(callsOf(r, "StartCriblAgain").length).toBeGreaterThan(0);
  });

  test("past the deadline with an empty queue: proven and completed, no snapshot, Drained", async () => {
    // Act
    const r = await drain({ deadlineSeconds: -1, checkQueues: () => okCheck(0) });
    // Assess
    expect(r).toMatchObject({ status: "succeeded", outcome: "Drained" });
    expect(callsOf(r, "CreateQueueSnapshots")).toHaveLength(0);
    expect(callsOf(r, "CheckQueues")).toHaveLength(1);
  });

  test("past the deadline, a proof reading that is not empty goes to the snapshot, Cribl stays stopped", async () => {
    // Act
    const r = await drain({
      deadlineSeconds: -1,
      checkQueues: () => okCheck(0),
      proofCheck: () => ({ ...okCheck(50), serviceActive: false }),
    });
    // Assess
    expect(r.outcome).toBe("GaveUpQueuesPreserved");
    expect(callsOf(r, "StartCriblAgain")).toHaveLength(0);
    expect(completions(r)).toHaveLength(0);
  });
});

describe("the definition validates every check payload (never States.Runtime, never empty)", () => {
  const dir = "/opt/cribl/state/queues";
  test.each<[string, Record<string, unknown>]>([
    ["totalBytes -1", { ...okCheck(0), totalBytes: -1 }],
    ["totalBytes a string", { ...okCheck(0), totalBytes: "0" }],
    ["queues for other directories", { ...okCheck(0), queues: [{ path: "/tmp", exists: true, bytes: 0, files: 0 }] }],
    ["an empty queues list", { ...okCheck(0), queues: [] }],
    ["missingDirectories not empty next to allDirectoriesExist true", { ...okCheck(0), missingDirectories: [dir] }],
    ["allDirectoriesExist a string", { ...okCheck(0), allDirectoriesExist: "true" }],
    ["no totalBytes", { ...okCheck(0), totalBytes: undefined }],
    ["no queues", { ...okCheck(0), queues: undefined }],
    ["no missingDirectories", { ...okCheck(0), missingDirectories: undefined }],
    ["no serviceActive", { ...okCheck(0), serviceActive: undefined }],
    ["no result", { ...okCheck(0), result: undefined }],
    ["result a number", { ...okCheck(0), result: 1 }],
    ["a null payload", null as unknown as Record<string, unknown>],
  ])("%s: treated as unknown, and at the deadline the snapshot path still runs", async (_name, payload) => {
    // Act
    const r = await drain({
      deadlineSeconds: 900,
      checkQueues: () => (payload === null ? null : JSON.parse(JSON.stringify(payload))),
    });
    // Assess
    expect(completions(r)).toHaveLength(0);
    expect(callsOf(r, "CheckQueues").length).toBeGreaterThan(1);
    expect(r).toMatchObject({ status: "failed", outcome: "GaveUpQueuesPreserved" });
    expect(callsOf(r, "CreateQueueSnapshots")).toHaveLength(1);
  });

  test("two configured directories: a reading covering only one is not empty; covering both in order is", async () => {
    // Prepare
    const dirs = "/q/a,/q/b";
    const one = { ...okCheck(0), queues: [{ path: "/q/a", exists: true, bytes: 0, files: 0 }] };
    const both = {
      ...okCheck(0),
      queues: [
        { path: "/q/a", exists: true, bytes: 0, files: 0 },
        { path: "/q/b", exists: true, bytes: 0, files: 0 },
      ],
    };
    // Act
    const bad = await drain({ settings: { queueDirectories: dirs }, deadlineSeconds: 600, checkQueues: () => one });
    // Assess
    expect(completions(bad)).toHaveLength(0);
    const good = await drain({ settings: { queueDirectories: dirs }, checkQueues: () => both });
    expect(good.outcome).toBe("Drained");
  });

  test.each<[string, (i: Record<string, unknown>) => unknown]>([
    ["no deadline", (i) => ({ ...i, deadline: undefined })],
    ["a deadline that is not a timestamp", (i) => ({ ...i, deadline: "tomorrow" })],
    ["no progress", (i) => ({ ...i, progress: undefined })],
    ["a wait above the cap", (i) => ({ ...i, progress: { ...(i.progress as object), waitSeconds: 99_999 } })],
    ["settings.gracefulStop a string", (i) => ({ ...i, settings: { ...(i.settings as object), gracefulStop: "yes" } })],
    ["no settings", (i) => ({ ...i, settings: undefined })],
    ["no instanceId", (i) => ({ ...i, instanceId: undefined })],
  ])("input with %s fails as FailedInvalidInput before any call", async (_name, mutate) => {
    // Act
    const r = await drain({
      checkQueues: () => okCheck(0),
      inputOverride: (i) => mutate(JSON.parse(JSON.stringify(i)) as Record<string, unknown>),
    });
    // Assess
    expect(r).toMatchObject({ status: "failed", outcome: "FailedInvalidInput", error: "FailedInvalidInput" });
    expect(r.calls).toHaveLength(0);
  });
});

describe("error names as Step Functions reports them", () => {
  test.each([
    [
      "RecordHeartbeat",
      "AutoScaling.AutoScalingException",
      "Rate exceeded (Service: AutoScaling, Status Code: 400, Request ID: 1) Throttling",
    ],
    ["RecordHeartbeat", "AutoScaling.ThrottlingException", "Rate exceeded"],
    ["RecordHeartbeat", "AutoScaling.ResourceContentionException", "busy"],
    ["CompleteLifecycleAction", "AutoScaling.AutoScalingException", "Throttling: Rate exceeded"],
    [
      "DescribeInstanceState",
      "Ec2.Ec2Exception",
      "Request limit exceeded. (Service: Ec2, Status Code: 503) RequestLimitExceeded",
    ],
    ["DescribeInstanceState", "Ec2.RequestLimitExceededException", "Request limit exceeded."],
    ["CheckQueues", "Lambda.Unknown", "Task timed out / out of memory"],
    ["CheckQueues", "Lambda.ClientExecutionTimeoutException", "timeout"],
    ["CheckQueues", "States.Timeout", "task timed out"],
    ["CheckQueues", "Lambda.AWSLambdaException", "Rate exceeded"],
    ["SendGracefulStop", "Ssm.ThrottlingException", "Rate exceeded"],
    ["GetGracefulStopResult", "Ssm.InvocationDoesNotExistException", "not yet"],
  ])("%s failing twice with %s is retried and the drain still completes", async (state, name, cause) => {
    // Prepare
    const flaky = (ok: () => unknown) => (_i: unknown, n: number) => {
      if (n <= 2) throw awsError(name, cause);
      return ok();
    };
    const gone = { ...okCheck(0), result: "invalid_instance_id", reason: "invalid_instance_id" };
    const defaults: Record<string, () => unknown> = {
      DescribeInstanceState: () => ({ Reservations: [{}] }),
      SendGracefulStop: () => ({ Command: { CommandId: "stop-1" } }),
      GetGracefulStopResult: () => ({ Status: "Success" }),
    };
    // Act
    const r = await drain({
      checkQueues:
        state === "CheckQueues"
          ? flaky(() => okCheck(0))
          : (_i, n) => (state === "DescribeInstanceState" && n === 1 ? gone : okCheck(0)),
      fakes: state === "CheckQueues" ? {} : { [state]: flaky(defaults[state] ?? (() => ({}))) },
    });
    // Assess
    expect(r.retries).toBeGreaterThanOrEqual(2);
    expect(r.outcome).toBe("Drained");
  });

  test("'No active Lifecycle Action' under the generic name is classified after the bounded retries", async () => {
    // Act
    const r = await drain({
      checkQueues: () => okCheck(9),
      fakes: {
        RecordHeartbeat: (_i, n) => {
          if (n >= 2)
            throw awsError(
              "AutoScaling.AutoScalingException",
              "No active Lifecycle Action found with instance ID i-0abc1234def567890 (Service: AutoScaling, Status Code: 400)",
            );
          return {};
        },
      },
    });
    // Assess
    expect(r).toMatchObject({ status: "failed", outcome: "LifecycleActionGoneUnconfirmed" });
    expect(r.retries).toBe(5);
  });
});

describe("history limit and bounds derived from the definition", () => {
  const definition = () => shippedDefinition() as unknown as AslDefinition;

  test("a queue that flickers between empty and not for 48 hours: the wait does not collapse, and the drain continues as a new execution within the history limit", async () => {
    // Prepare: empty, not empty, empty, not empty, ... (every proof fails too).
    const r = await drain({
      settings: { drainDeadlineSeconds: 49 * 3600 },
      checkQueues: (_i, n) => okCheck(n % 2 ? 0 : 123),
      proofCheck: () => ({ ...okCheck(10), serviceActive: false }),
    });
    // Assess: continued as new after LOOPS_PER_EXECUTION loops, well inside the limit, and not in a few minutes.
    expect(r).toMatchObject({ status: "succeeded", outcome: "ContinuedAsNewExecution" });
    expect(estimateHistoryEvents(r)).toBeLessThan(maxHistoryEvents(definition()).eventsPerExecution);
    expect(r.simulatedSeconds).toBeGreaterThan(LOOPS_PER_EXECUTION * 100);
    const next = callsOf(r, "ContinueAsNewExecution")[0]!.input as { Name: string; Input: Record<string, unknown> };
    expect(next.Name).toBe("i-0abc1234def567890-2");
    expect(next.Input).toMatchObject({
      deadline: "2030-01-03T01:00:00.000Z",
      sequence: 2,
      startedBy: "continuation",
      progress: { loops: 0 },
    });
  });

  test("worst-case history events per execution, every retry included, stay under 25,000", () => {
    // Act
    const bound = maxHistoryEvents(definition());
    // Assess
    expect(bound.eventsPerExecution).toBeLessThan(25_000);
    expect(bound.loopsPerExecution).toBe(LOOPS_PER_EXECUTION);
  });

  test("the heartbeat gap includes the check's timeout, a cold start and every Retry's backoff", () => {
    // Prepare
    const p = { maxWaitSeconds: 300, checkFunctionTimeoutSeconds: 65, coldStartSeconds: 10 };
    // Act
    const gap = maxHeartbeatGap(definition(), p).seconds;
    // Assess
    // More than wait + check budget (the old rule) by the retries, and growing with the wait one for one.
    expect(gap).toBeGreaterThan(300 + 65 + 10);
    expect(maxHeartbeatGap(definition(), { ...p, maxWaitSeconds: 400 }).seconds - gap).toBeCloseTo(100, 5);
    expect(gap).toBeLessThan(3600);
  });

  test("a loop without a heartbeat has no bound and is rejected", () => {
    // Prepare
    const def = JSON.parse(JSON.stringify(definition())) as AslDefinition;
    def.States.WaitBeforeNextCheck!.Next = "CheckQueues";
    // Act / Assess
    expect(() =>
      maxHeartbeatGap(def, { maxWaitSeconds: 60, checkFunctionTimeoutSeconds: 65, coldStartSeconds: 10 }),
    ).toThrow(/records no heartbeat/);
  });

  test("the lower bound on maxWaitSeconds covers the give-up margin with the definition's snapshot polls", () => {
    // Act / Assess
    expect(minMaxWaitSeconds(definition(), 3600)).toBe(60);
    expect(minMaxWaitSeconds(definition(), 300)).toBe(5);
  });
});
