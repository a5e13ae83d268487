// The shipped drain definition, executed by aws-local-stepfunctions with scripted fakes behind every Task.
import { SNAPSHOT_POLLS } from "../../../statemachines/drain-definition";
import {
  awsError,
  CHECK_QUEUE_ARN,
  callsOf,
  GRACEFUL_STOP_DOCUMENT,
  invariantViolations,
  noActiveLifecycleAction,
  okCheck,
  type RunReport,
  runDrain,
  type Scenario,
  unknownCheck,
} from "../../fixtures/drain/sfn-harness";

async function drain(scenario: Scenario): Promise<RunReport> {
  const report = await runDrain(scenario);
  // Every scenario: never complete unless confirmed empty, or after a completed snapshot on the give-up path.
  expect(invariantViolations(report)).toEqual([]);
  return report;
}

const completes = (r: RunReport) =>
  callsOf(r, "CompleteLifecycleAction").length + callsOf(r, "CompleteLifecycleActionAfterGiveUp").length;

describe("drain state machine (shipped definition)", () => {
  test("a queue that empties after several loops completes once with CONTINUE and succeeds as Drained", async () => {
    // Prepare: bytes shrink, then two empty readings.
    const bytes = [5000, 4000, 2500, 900, 0, 0];
    // Act
    const r = await drain({ checkQueues: (_i, n) => okCheck(bytes[Math.min(n - 1, bytes.length - 1)]!) });
    // Assess
    expect(r).toMatchObject({ status: "succeeded", outcome: "Drained" });
    expect(callsOf(r, "RecordHeartbeat")).toHaveLength(6);
    expect(callsOf(r, "CheckQueues")).toHaveLength(6);
    const complete = callsOf(r, "CompleteLifecycleAction");
    expect(complete).toHaveLength(1);
    expect(complete[0]!.input).toEqual({
      AutoScalingGroupName: "cribl-workers",
      LifecycleHookName: "cribl-drain",
      InstanceId: "i-0abc1234def567890",
      LifecycleActionResult: "CONTINUE",
    });
    // The heartbeat comes first in every loop.
    const order = r.calls.map((c) => c.state).filter((s) => s === "RecordHeartbeat" || s === "CheckQueues");
    expect(order.slice(0, 4)).toEqual(["RecordHeartbeat", "CheckQueues", "RecordHeartbeat", "CheckQueues"]);
  });

  test("the check-queue function gets the instance, directories and service, and the ARN from the placeholder", async () => {
    // Act
    const r = await drain({ checkQueues: () => okCheck(0) });
    // Assess
    expect(callsOf(r, "CheckQueues")[0]!.input).toEqual({
      FunctionName: CHECK_QUEUE_ARN,
      Payload: { instanceId: "i-0abc1234def567890", queueDirectories: "/opt/cribl/state/queues", serviceName: "cribl" },
    });
    expect(callsOf(r, "SendGracefulStop")[0]!.input).toMatchObject({
      DocumentName: GRACEFUL_STOP_DOCUMENT,
      InstanceIds: ["i-0abc1234def567890"],
      Parameters: { serviceName: ["cribl"] },
    });
  });

  test("completion follows the first empty check within one short confirm wait", async () => {
    // Act
    const r = await drain({ checkQueues: (_i, n) => okCheck(n >= 3 ? 0 : 100) });
    const checks = callsOf(r, "CheckQueues");
    const firstEmpty = checks[2]!.atSeconds;
    // Assess
    expect(callsOf(r, "CompleteLifecycleAction")[0]!.atSeconds - firstEmpty).toBeLessThanOrEqual(30);
  });

  test("a queue that never empties gives up at the deadline: snapshot, heartbeats while it completes, complete, Fail", async () => {
    // Prepare: deadline after 2 hours; snapshot completes on the third poll.
    const r = await drain({ deadlineSeconds: 7200, checkQueues: () => okCheck(10_000) });
    expect(r).toMatchObject({ status: "failed", outcome: "GaveUpQueuesPreserved", error: "GaveUpQueuesPreserved" });
    const snap = callsOf(r, "CreateQueueSnapshots");
    expect(snap).toHaveLength(1);
    expect(snap[0]!.atSeconds).toBeGreaterThanOrEqual(7200);
    expect(snap[0]!.input).toMatchObject({
      InstanceSpecification: { InstanceId: "i-0abc1234def567890", ExcludeBootVolume: false },
      TagSpecifications: [
        {
          ResourceType: "snapshot",
          Tags: expect.arrayContaining([
            { Key: "cribl-drain:auto-scaling-group", Value: "cribl-workers" },
            { Key: "cribl-drain:instance-id", Value: "i-0abc1234def567890" },
          ]),
        },
      ],
    });
    expect(callsOf(r, "RecordHeartbeatDuringSnapshot")).toHaveLength(3);
    expect(callsOf(r, "CompleteLifecycleAction")).toHaveLength(0);
    expect(callsOf(r, "CompleteLifecycleActionAfterGiveUp")).toHaveLength(1);
  });

  test("snapshotOnGiveUp false completes at the deadline and fails as GaveUpQueuesNotPreserved", async () => {
    // Act
    const r = await drain({
      settings: { snapshotOnGiveUp: false },
      deadlineSeconds: 600,
      checkQueues: () => okCheck(1),
    });
    // Assess
    expect(r).toMatchObject({ status: "failed", outcome: "GaveUpQueuesNotPreserved" });
    expect(callsOf(r, "CreateQueueSnapshots")).toHaveLength(0);
    expect(callsOf(r, "CompleteLifecycleActionAfterGiveUp")).toHaveLength(1);
  });

  test("a snapshot in state error fails without completing the lifecycle action", async () => {
    // Act
    const r = await drain({
      deadlineSeconds: 60,
      checkQueues: () => okCheck(1),
      fakes: { CountFailedSnapshots: () => ({ Snapshots: [{ SnapshotId: "snap-1", State: "error" }] }) },
    });
    // Assess
    expect(r).toMatchObject({ status: "failed", outcome: "FailedSnapshotError" });
    expect(completes(r)).toBe(0);
  });

  test("snapshots that never complete end GaveUpSnapshotUnconfirmed after the bounded wait, without completing", async () => {
    // Act
    const r = await drain({
      deadlineSeconds: 60,
      checkQueues: () => okCheck(1),
      fakes: { CountCompletedSnapshots: () => ({ Snapshots: [] }) },
    });
    // Assess
    expect(r).toMatchObject({ status: "failed", outcome: "GaveUpSnapshotUnconfirmed" });
    expect(callsOf(r, "RecordHeartbeatDuringSnapshot")).toHaveLength(SNAPSHOT_POLLS);
    expect(completes(r)).toBe(0);
  });

  test("the deadline in the past: the first non-empty check goes straight to the give-up path", async () => {
    // Act
    const r = await drain({ deadlineSeconds: -1, checkQueues: () => unknownCheck("Failed") });
    // Assess
    expect(callsOf(r, "CheckQueues")).toHaveLength(1);
    expect(r.outcome).toBe("GaveUpQueuesPreserved");
  });

  test.each([["Failed"], ["TimedOut"], ["Cancelled"], ["Cancelling"], ["Failed/Undeliverable"], ["Terminated"]])(
    "SSM %s (unknown) never completes and keeps looping until the deadline",
    async (status) => {
      // Act
      const r = await drain({ deadlineSeconds: 3600, checkQueues: () => unknownCheck(status) });
      // Assess
      expect(callsOf(r, "CheckQueues").length).toBeGreaterThan(3);
      expect(callsOf(r, "CompleteLifecycleAction")).toHaveLength(0);
      expect(r.outcome).toBe("GaveUpQueuesPreserved");
    },
  );

  test("unknown with a zero-looking payload is still not empty (result must be ok)", async () => {
    // Act
    const r = await drain({
      deadlineSeconds: 600,
      checkQueues: () => ({ ...okCheck(0), result: "unknown", reason: "budget_exhausted" }),
    });
    // Assess
    expect(callsOf(r, "CompleteLifecycleAction")).toHaveLength(0);
  });

  test("a missing queue directory is never drained", async () => {
    // Act
    const r = await drain({
      deadlineSeconds: 1800,
      checkQueues: () =>
        okCheck(0, {
          reason: "directory_missing",
          totalBytes: null,
          allDirectoriesExist: false,
          missingDirectories: ["/opt/cribl/state/queues"],
          queues: [{ path: "/opt/cribl/state/queues", exists: false, bytes: null, files: null }],
        }),
    });
    // Assess
    expect(callsOf(r, "CompleteLifecycleAction")).toHaveLength(0);
    expect(r.outcome).toBe("GaveUpQueuesPreserved");
  });

  test("one empty reading between non-empty ones does not complete (consecutive checks required)", async () => {
    // Prepare
    const bytes = [100, 0, 100, 0, 100, 0, 0];
    // Act
    const r = await drain({ checkQueues: (_i, n) => okCheck(bytes[Math.min(n - 1, bytes.length - 1)]!) });
    // Assess
    expect(r.outcome).toBe("Drained");
    expect(callsOf(r, "CheckQueues")).toHaveLength(7);
  });

  test("bytes above maxBytes are not empty; at or below are", async () => {
    // Act
    const r = await drain({ settings: { maxBytes: 4096 }, checkQueues: (_i, n) => okCheck(n < 3 ? 4097 : 4096) });
    // Assess
    expect(r.outcome).toBe("Drained");
    expect(callsOf(r, "CheckQueues")).toHaveLength(4);
  });

  test("SSM InvalidInstanceId and EC2 reports no live instance before any proof: InstanceGoneUnconfirmed (Fail), nothing completed", async () => {
    // Act
    const r = await drain({
      checkQueues: (_i, n) =>
        n < 3 ? okCheck(100) : { ...unknownCheck("", "invalid_instance_id"), result: "invalid_instance_id" },
      fakes: { DescribeInstanceState: () => ({ Reservations: [] }) },
    });
    // Assess
    expect(r).toMatchObject({ status: "failed", outcome: "InstanceGoneUnconfirmed", error: "InstanceGoneUnconfirmed" });
    const cause = JSON.parse(r.cause!) as { instanceId: string; lastReading: { payload: { result: string } } };
    expect(cause.instanceId).toBe("i-0abc1234def567890");
    expect(cause.lastReading.payload.result).toBe("invalid_instance_id");
    expect(callsOf(r, "DescribeInstanceState")[0]!.input).toEqual({
      Filters: [
        { Name: "instance-id", Values: ["i-0abc1234def567890"] },
        { Name: "instance-state-name", Values: ["pending", "running", "stopping", "stopped"] },
      ],
    });
    expect(completes(r)).toBe(0);
  });

  test("SSM InvalidInstanceId on a running instance (agent not registered) is unknown: keep looping", async () => {
    // Act
    const r = await drain({
      deadlineSeconds: 1800,
      checkQueues: () => ({ ...unknownCheck("", "invalid_instance_id"), result: "invalid_instance_id" }),
    });
    // Assess
    expect(callsOf(r, "DescribeInstanceState").length).toBeGreaterThan(3);
    expect(callsOf(r, "CompleteLifecycleAction")).toHaveLength(0);
    expect(r.outcome).toBe("GaveUpQueuesPreserved");
  });

  test("'No active Lifecycle Action' from a heartbeat while bytes are queued is LifecycleActionGoneUnconfirmed (Fail)", async () => {
    // Act
    const r = await drain({
      checkQueues: () => okCheck(100),
      fakes: {
        RecordHeartbeat: (_i: unknown, n: number) => {
          if (n >= 3) throw noActiveLifecycleAction("i-0abc1234def567890");
          return {};
        },
      },
    });
    // Assess
    expect(r).toMatchObject({ status: "failed", outcome: "LifecycleActionGoneUnconfirmed" });
    const cause = JSON.parse(r.cause!) as {
      lastReading: { payload: { totalBytes: number } };
      error: { Cause: string };
    };
    expect(cause.lastReading.payload.totalBytes).toBe(100);
    expect(cause.error.Cause).toMatch(/No active Lifecycle Action/);
  });

  test("'No active Lifecycle Action' from CompleteLifecycleAction after the proof is LifecycleActionGone (Succeed)", async () => {
    // Act
    const r = await drain({
      checkQueues: () => okCheck(0),
      fakes: {
        CompleteLifecycleAction: () => {
          throw noActiveLifecycleAction("i-0abc1234def567890");
        },
      },
    });
    // Assess
    expect(r).toMatchObject({ status: "succeeded", outcome: "LifecycleActionGone" });
  });

  test("the lifecycle-action-gone match pins the error name AutoScaling.AutoScalingException; other names fail loudly", async () => {
    // Act
    const r = await drain({
      checkQueues: () => okCheck(0),
      fakes: {
        RecordHeartbeat: () => {
          throw awsError("AutoScaling.SomethingElseException", "No active Lifecycle Action found with instance ID i-1");
        },
      },
    });
    // Assess
    expect(r).toMatchObject({ status: "failed", outcome: "FailedUnexpectedError" });
  });

  test("a ValidationError that is not 'No active Lifecycle Action' fails loudly", async () => {
    // Act
    const r = await drain({
      checkQueues: () => okCheck(0),
      fakes: {
        CompleteLifecycleAction: () => {
          throw awsError("AutoScaling.AutoScalingException", "1 validation error detected: LifecycleHookName");
        },
      },
    });
    // Assess
    expect(r).toMatchObject({ status: "failed", outcome: "FailedUnexpectedError", error: "FailedUnexpectedError" });
    expect(JSON.parse(r.cause!).error.Error).toBe("AutoScaling.AutoScalingException");
  });

  test.each([
    ["RecordHeartbeat", "AutoScaling.AccessDeniedException"],
    ["CheckQueues", "Lambda.AccessDeniedException"],
    ["CheckQueues", "AccessDeniedException"],
    ["CompleteLifecycleAction", "AutoScaling.AccessDeniedException"],
  ])("%s failing with %s ends in FailedUnexpectedError, never as done", async (state, name) => {
    // Prepare
    const fail = () => {
      throw awsError(name, "User is not authorized to perform this action");
    };
    // Act
    const r = await drain({
      deadlineSeconds: state === "CreateQueueSnapshots" ? -1 : 3600,
      checkQueues: state === "CheckQueues" ? fail : () => (state === "CreateQueueSnapshots" ? okCheck(5) : okCheck(0)),
      fakes: state === "CheckQueues" ? {} : { [state]: fail },
    });
    // Assess
    expect(r).toMatchObject({ status: "failed", outcome: "FailedUnexpectedError", error: "FailedUnexpectedError" });
    const cause = JSON.parse(r.cause!) as { instanceId: string; error: { Error: string }; snapshots: unknown };
    expect(cause).toMatchObject({ instanceId: "i-0abc1234def567890", error: { Error: name } });
    expect(cause.snapshots).toBeDefined();
    // Only the failing completion attempt itself, never a completion that succeeded.
    expect(completes(r)).toBe(state === "CompleteLifecycleAction" ? 1 : 0);
  });

  test("CreateQueueSnapshots failing with Ec2.UnauthorizedOperation ends in FailedSnapshotError without completing", async () => {
    // Act
    const r = await drain({
      deadlineSeconds: -1,
      checkQueues: () => okCheck(5),
      fakes: {
        CreateQueueSnapshots: () => {
          throw awsError("Ec2.UnauthorizedOperation", "not authorized");
        },
      },
    });
    // Assess
    expect(r).toMatchObject({ status: "failed", outcome: "FailedSnapshotError" });
    expect(JSON.parse(r.cause!).error.Error).toBe("Ec2.UnauthorizedOperation");
    expect(completes(r)).toBe(0);
  });

  test.each([
    ["RecordHeartbeat", "AutoScaling.ResourceContentionException"],
    ["RecordHeartbeat", "AutoScaling.ThrottlingException"],
    ["CompleteLifecycleAction", "AutoScaling.ResourceContentionException"],
    ["CheckQueues", "Lambda.TooManyRequestsException"],
    ["CheckQueues", "Lambda.ServiceException"],
    ["CheckQueues", "Lambda.SdkClientException"],
    ["CheckQueues", "CheckQueueRetryableError"],
    ["DescribeInstanceState", "Ec2.RequestLimitExceeded"],
  ])("%s failing twice with %s is retried and the drain still completes", async (state, name) => {
    // Prepare
    const flaky = (ok: () => unknown) => (_i: unknown, n: number) => {
      if (n <= 2) throw awsError(name, "slow down");
      return ok();
    };
    const gone = { ...unknownCheck("", "invalid_instance_id"), result: "invalid_instance_id" };
    // Act
    const r = await drain({
      checkQueues:
        state === "CheckQueues"
          ? flaky(() => okCheck(0))
          : (_i, n) => (state === "DescribeInstanceState" && n === 1 ? gone : okCheck(0)),
      fakes:
        state === "CheckQueues"
          ? {}
          : { [state]: flaky(() => (state === "DescribeInstanceState" ? { Reservations: [{}] } : {})) },
    });
    // Assess
    expect(r.retries).toBe(2);
    expect(r.outcome).toBe("Drained");
  });

  test("throttling that outlasts the retries fails loudly (no silent completion)", async () => {
    // Act
    const r = await drain({
      checkQueues: () => {
        throw awsError("Lambda.TooManyRequestsException", "Rate exceeded");
      },
    });
    // Assess
    expect(r).toMatchObject({ status: "failed", outcome: "FailedUnexpectedError" });
    expect(r.retries).toBe(4);
  });

  test.each([["Ssm.InvalidDocumentException"], ["Ssm.AccessDeniedException"], ["AccessDeniedException"]])(
    "a graceful stop failing with %s is never swallowed: FailedUnexpectedError, nothing completed",
    async (name) => {
      // Act
      const r = await drain({
        checkQueues: () => okCheck(0),
        fakes: {
          SendGracefulStop: () => {
            throw awsError(name, "User is not authorized to perform ssm:SendCommand");
          },
        },
      });
      // Assess
      expect(r).toMatchObject({ status: "failed", outcome: "FailedUnexpectedError" });
      expect(JSON.parse(r.cause!).error.Error).toBe(name);
      expect(completes(r)).toBe(0);
    },
  );

  test("the graceful-stop poll retries InvocationDoesNotExist and polls while InProgress", async () => {
    // Act
    const r = await drain({
      checkQueues: () => okCheck(0),
      fakes: {
        GetGracefulStopResult: (_i, n) => {
          if (n === 1) throw awsError("Ssm.InvocationDoesNotExistException", "not yet");
          return { Status: n < 4 ? "InProgress" : "Success" };
        },
      },
    });
    // Assess
    expect(r.outcome).toBe("Drained");
    expect(callsOf(r, "GetGracefulStopResult")).toHaveLength(4);
  });

  test("gracefulStop false skips the stop", async () => {
    // Act
    const r = await drain({ settings: { gracefulStop: false }, checkQueues: () => okCheck(0) });
    // Assess
    expect(callsOf(r, "SendGracefulStop")).toHaveLength(0);
    expect(r.outcome).toBe("Drained");
  });

  test("adaptive wait: +min while shrinking, doubling while stuck, capped at max, min to confirm", async () => {
    // Prepare
    let bytes = 10_000;
    // The last "empty" is the proof reading after the graceful stop.
    const script = [
      "shrink",
      "shrink",
      "stuck",
      "stuck",
      "stuck",
      "stuck",
      "stuck",
      "stuck",
      "empty",
      "empty",
      "empty",
    ];
    // Act
    const r = await drain({
      checkQueues: (_i, n) => {
        const step = script[n - 1]!;
        if (step === "shrink") bytes -= 1000;
        return okCheck(step === "empty" ? 0 : bytes);
      },
    });
    const checks = callsOf(r, "CheckQueues").map((c) => c.atSeconds);
    const waits = checks.slice(1).map((t, i) => t - checks[i]! - 3);
    // Assess
    // first reading (nothing to compare) doubles from min; shrinking adds min; stuck doubles, capped at 300; confirm at min
    expect(waits).toEqual([10, 20, 40, 80, 160, 300, 300, 300, 10]);
  });
});
