// start-drain and reconcile cores with fake Step Functions and Auto Scaling ports.
import type { ListExecutionsCommandInput, StartExecutionCommandInput } from "@aws-sdk/client-sfn";
import type { DrainInput } from "../../../../../contracts/drain";
import { reconcile } from "../../../../../handlers/reconcile/core";
import type { DrainConfig, SfnPort } from "../../../../../handlers/shared/drain/start";
import { parseLifecycleEvent, startDrain } from "../../../../../handlers/start-drain/core";
import { terminateLifecycleEvent } from "../../../../fixtures/drain/events";
import { awsError, DEFAULT_TEST_SETTINGS } from "../../../../fixtures/drain/sfn-harness";

const config: DrainConfig = {
  stateMachineArn: "arn:aws:states:eu-west-1:123456789012:stateMachine:cribl-drain",
  autoScalingGroupName: "cribl-workers",
  lifecycleHookName: "cribl-drain",
  settings: { ...DEFAULT_TEST_SETTINGS, drainDeadlineSeconds: 3600 },
};
const now = () => new Date("2030-01-01T00:10:00.000Z");

interface FakeExecution {
  name: string;
  status: string;
  startDate: Date;
  input: string;
  error?: string;
  cause?: string;
}

/** A Step Functions fake with real name semantics: a taken name answers ExecutionAlreadyExists. */
function fakeSfn(existing: FakeExecution[] = [], startError?: Error, listBarrier = 1) {
  const executions = [...existing];
  // With listBarrier n, no ListExecutions answers before n callers asked: every caller sees the same (empty) list.
  let waiting: Array<() => void> = [];
  const barrier = () =>
    new Promise<void>((resolve) => {
      waiting.push(resolve);
      if (waiting.length >= listBarrier) {
        for (const w of waiting) w();
        waiting = [];
      }
    });
  const listed: ListExecutionsCommandInput[] = [];
  const started: StartExecutionCommandInput[] = [];
  const sfn: SfnPort = {
    listExecutions: async (input) => {
      listed.push(input);
      await barrier();
      return {
        $metadata: {},
        executions: executions.map((e) => ({
          name: e.name,
          executionArn: `arn:x:${e.name}`,
          stateMachineArn: "",
          status: e.status as "RUNNING",
          startDate: e.startDate,
        })),
      };
    },
    describeExecution: async (input) => {
      const e = executions.find((x) => `arn:x:${x.name}` === input.executionArn)!;
      return {
        $metadata: {},
        executionArn: input.executionArn,
        stateMachineArn: "",
        status: e.status as "RUNNING",
        startDate: e.startDate,
        input: e.input,
        error: e.error,
        cause: e.cause,
      };
    },
    startExecution: async (input) => {
      started.push(input);
      if (startError) throw startError;
      if (executions.some((e) => e.name === input.name)) throw awsError("ExecutionAlreadyExists", "exists");
      executions.push({ name: input.name!, status: "RUNNING", startDate: now(), input: input.input! });
      return { $metadata: {}, executionArn: `arn:x:${input.name}`, startDate: new Date() };
    },
  };
  return { sfn, listed, started, executions };
}

function fakeAutoScaling() {
  const completed: unknown[] = [];
  return {
    completed,
    port: {
      completeLifecycleAction: async (input: unknown) => {
        completed.push(input);
        return { $metadata: {} };
      },
    },
  };
}

describe("start-drain core", () => {
  test("starts one execution named <instanceId>-1 whose deadline counts from the event's time, not from now", async () => {
    // Prepare
    const f = fakeSfn();
    // Act
    const r = await startDrain(parseLifecycleEvent(terminateLifecycleEvent()), {
      config,
      now,
      sfn: f.sfn,
      autoScaling: fakeAutoScaling().port,
    });
    // Assess
    expect(r).toMatchObject({ action: "started", executionName: "i-0abc1234def567890-1" });
    expect(f.started).toHaveLength(1);
    const input = JSON.parse(f.started[0]!.input!) as DrainInput;
    expect(input).toEqual({
      instanceId: "i-0abc1234def567890",
      autoScalingGroupName: "cribl-workers",
      lifecycleHookName: "cribl-drain",
      lifecycleActionToken: "1a2b3c4d-5e6f-4081-92a3-b4c5d6e7f809",
      startedBy: "event",
      sequence: 1,
      // The event's time is 00:00; the starter ran at 00:10: the deadline is 00:00 + drainDeadlineSeconds.
      lifecycleActionStartedAt: "2030-01-01T00:00:00.000Z",
      deadline: "2030-01-01T01:00:00.000Z",
      snapshotWaitUntil: "2030-01-02T23:53:00.000Z",
      settings: config.settings,
      progress: {
        emptyChecks: 0,
        waitSeconds: 10,
        grownWaitSeconds: 10,
        steppedWaitSeconds: 10,
        lastBytes: -1,
        loops: 0,
        proofAttempts: 0,
      },
      previous: {},
    });
    expect(f.listed[0]).toMatchObject({ stateMachineArn: config.stateMachineArn });
  });

  test("a RUNNING drain for the instance (e.g. reconciler-started) is not doubled", async () => {
    // Prepare
    const f = fakeSfn([
      { name: "i-0fff0000000000000-1", status: "RUNNING", startDate: now(), input: "{}" },
      { name: "i-0abc1234def567890-1", status: "RUNNING", startDate: now(), input: "{}" },
    ]);
    // Act
    const r = await startDrain(parseLifecycleEvent(terminateLifecycleEvent()), {
      config,
      now,
      sfn: f.sfn,
      autoScaling: fakeAutoScaling().port,
    });
    // Assess
    expect(r).toEqual({ action: "already_running", executionName: "i-0abc1234def567890-1" });
    expect(f.started).toHaveLength(0);
  });

  test("a RUNNING drain under the name shape of the previous release (token prefix) is not doubled during an upgrade", async () => {
    // Prepare
    const f = fakeSfn([{ name: "i-0abc1234def567890-1a2b3c4d", status: "RUNNING", startDate: now(), input: "{}" }]);
    // Act
    const r = await startDrain(parseLifecycleEvent(terminateLifecycleEvent()), {
      config,
      now,
      sfn: f.sfn,
      autoScaling: fakeAutoScaling().port,
    });
    // Assess
    expect(r).toEqual({ action: "already_running", executionName: "i-0abc1234def567890-1a2b3c4d" });
    expect(f.started).toHaveLength(0);
  });

  test("an instance id that is a prefix of another does not match it", async () => {
    // Prepare
    const f = fakeSfn([{ name: "i-0abc1234def5678901-1", status: "RUNNING", startDate: now(), input: "{}" }]);
    const event = terminateLifecycleEvent({ EC2InstanceId: "i-0abc1234def567890" });
    // Act
    const r = await startDrain(parseLifecycleEvent(event), {
      config,
      now,
      sfn: f.sfn,
      autoScaling: fakeAutoScaling().port,
    });
    // Assess
    expect(r.action).toBe("started");
  });

  test("ExecutionAlreadyExists (duplicate delivery of a finished drain) is harmless", async () => {
    // Prepare
    const f = fakeSfn([], awsError("ExecutionAlreadyExists", "Execution Already Exists"));
    // Act
    const r = await startDrain(parseLifecycleEvent(terminateLifecycleEvent()), {
      config,
      now,
      sfn: f.sfn,
      autoScaling: fakeAutoScaling().port,
    });
    // Assess
    expect(r).toEqual({ action: "already_exists", executionName: "i-0abc1234def567890-1" });
  });

  test("other StartExecution errors propagate", async () => {
    // Prepare
    const f = fakeSfn([], awsError("AccessDeniedException", "no"));
    // Act / Assess
    await expect(
      startDrain(parseLifecycleEvent(terminateLifecycleEvent()), {
        config,
        now,
        sfn: f.sfn,
        autoScaling: fakeAutoScaling().port,
      }),
    ).rejects.toMatchObject({ name: "AccessDeniedException" });
  });

  test("Destination WarmPool (running instance about to be stopped into the pool) is drained like any other", async () => {
    // Prepare
    const f = fakeSfn();
    // Act
    const r = await startDrain(parseLifecycleEvent(terminateLifecycleEvent({ Destination: "WarmPool" })), {
      config,
      now,
      sfn: f.sfn,
      autoScaling: fakeAutoScaling().port,
    });
    // Assess
    expect(r.action).toBe("started");
  });

  test("a duplicate Origin WarmPool event, its action already completed, is harmless (lifecycle_action_gone)", async () => {
    // Prepare: the first delivery completed the action; Auto Scaling answers the second with its ValidationError.
    const f = fakeSfn();
    const autoScaling = {
      completeLifecycleAction: async () => {
        throw awsError(
          "ValidationError",
          "No active Lifecycle Action found with token 1a2b3c4d-5e6f-4081-92a3-b4c5d6e7f809",
        );
      },
    };
    // Act
    const r = await startDrain(
      parseLifecycleEvent(terminateLifecycleEvent({ Origin: "WarmPool", Destination: "EC2" })),
      { config, now, sfn: f.sfn, autoScaling },
    );
    // Assess
    expect(r.action).toBe("lifecycle_action_gone");
    expect(f.started).toHaveLength(0);
  });

  test("completing a warm-pool action still fails loudly on anything else (AccessDenied)", async () => {
    // Prepare
    const autoScaling = {
      completeLifecycleAction: async () => {
        throw awsError("AccessDenied", "not authorized to perform autoscaling:CompleteLifecycleAction");
      },
    };
    // Act / Assess
    await expect(
      startDrain(parseLifecycleEvent(terminateLifecycleEvent({ Origin: "WarmPool", Destination: "EC2" })), {
        config,
        now,
        sfn: fakeSfn().sfn,
        autoScaling,
      }),
    ).rejects.toMatchObject({ name: "AccessDenied" });
  });

  test("Origin WarmPool (warm instance being terminated) completes CONTINUE at once, no drain", async () => {
    // Prepare
    const f = fakeSfn();
    const asg = fakeAutoScaling();
    // Act
    const r = await startDrain(
      parseLifecycleEvent(terminateLifecycleEvent({ Origin: "WarmPool", Destination: "EC2" })),
      {
        config,
        now,
        sfn: f.sfn,
        autoScaling: asg.port,
      },
    );
    // Assess
    expect(r.action).toBe("completed_without_drain");
    expect(asg.completed).toEqual([
      {
        AutoScalingGroupName: "cribl-workers",
        LifecycleHookName: "cribl-drain",
        InstanceId: "i-0abc1234def567890",
        LifecycleActionToken: "1a2b3c4d-5e6f-4081-92a3-b4c5d6e7f809",
        LifecycleActionResult: "CONTINUE",
      },
    ]);
    expect(f.started).toHaveLength(0);
  });

  test.each([
    [{ AutoScalingGroupName: "other-group" }],
    [{ LifecycleHookName: "other-hook" }],
    [{ LifecycleTransition: "autoscaling:EC2_INSTANCE_LAUNCHING" }],
  ])("ignores events for %j", async (detail) => {
    // Prepare
    const f = fakeSfn();
    // Act
    const r = await startDrain(parseLifecycleEvent(terminateLifecycleEvent(detail)), {
      config,
      now,
      sfn: f.sfn,
      autoScaling: fakeAutoScaling().port,
    });
    // Assess
    expect(r.action).toBe("ignored");
    expect(f.started).toHaveLength(0);
  });

  test.each([
    ["EC2InstanceId", undefined, /detail\.EC2InstanceId/],
    ["EC2InstanceId", "not-an-instance", /detail\.EC2InstanceId/],
    ["LifecycleActionToken", "", /detail\.LifecycleActionToken/],
    ["AutoScalingGroupName", 42, /detail\.AutoScalingGroupName/],
    ["LifecycleHookName", undefined, /detail\.LifecycleHookName/],
  ])("rejects a malformed event naming the field (%s = %j)", (key, value, message) => {
    // Prepare
    const event = terminateLifecycleEvent();
    (event.detail as Record<string, unknown>)[key] = value;
    // Act / Assess
    expect(() => parseLifecycleEvent(event)).toThrow(message);
  });

  test("rejects an event without detail", () => {
    // Act / Assess
    expect(() => parseLifecycleEvent({ "detail-type": "x", source: "y" })).toThrow(/detail must be an object/);
  });
});

describe("one drain per lifecycle action, with the action's deadline", () => {
  const firstInput = (deadline: string) =>
    JSON.stringify({
      lifecycleActionStartedAt: "2030-01-01T00:00:00.000Z",
      deadline,
    });
  const deps = (f: ReturnType<typeof fakeSfn>, at = now) => ({
    config,
    now: at,
    sfn: f.sfn,
    autoScaling: fakeAutoScaling().port,
  });

  test("a restart after a failed drain takes the next name, keeps the earlier deadline and carries its progress", async () => {
    // Prepare: drain 1 failed (Lambda.Unknown exhausted); a duplicate delivery of the event (same time) comes at 20:00.
    const cause = JSON.stringify({
      instanceId: "i-0abc1234def567890",
      progress: {
        emptyChecks: 1,
        waitSeconds: 160,
        grownWaitSeconds: 320,
        steppedWaitSeconds: 170,
        lastBytes: 4096,
        loops: 37,
        proofAttempts: 2,
      },
    });
    const f = fakeSfn([
      {
        name: "i-0abc1234def567890-1",
        status: "FAILED",
        startDate: new Date("2030-01-01T00:00:05.000Z"),
        input: firstInput("2030-01-01T00:50:00.000Z"),
        error: "FailedUnexpectedError",
        cause,
      },
    ]);
    const late = () => new Date("2030-01-01T20:00:00.000Z");
    // Act
    const r = await startDrain(parseLifecycleEvent(terminateLifecycleEvent()), deps(f, late));
    // Assess
    expect(r).toMatchObject({ action: "started", executionName: "i-0abc1234def567890-2", startedBy: "restart" });
    const input = JSON.parse(f.started[0]!.input!) as DrainInput;
    expect(input.deadline).toBe("2030-01-01T00:50:00.000Z");
    expect(input.lifecycleActionStartedAt).toBe("2030-01-01T00:00:00.000Z");
    expect(input.progress).toEqual({
      emptyChecks: 0,
      waitSeconds: 160,
      grownWaitSeconds: 300,
      steppedWaitSeconds: 170,
      lastBytes: 4096,
      loops: 0,
      proofAttempts: 2,
    });
    expect(input.previous).toMatchObject({ execution: "i-0abc1234def567890-1", error: "FailedUnexpectedError" });
  });

  test("after a final outcome (GaveUpQueuesPreserved) a duplicate event starts nothing", async () => {
    // Prepare
    const f = fakeSfn([
      {
        name: "i-0abc1234def567890-1",
        status: "FAILED",
        startDate: new Date("2030-01-01T00:00:05.000Z"),
        input: firstInput("2030-01-01T00:50:00.000Z"),
        error: "GaveUpQueuesPreserved",
      },
    ]);
    // Act
    const r = await startDrain(parseLifecycleEvent(terminateLifecycleEvent()), deps(f));
    // Assess
    expect(r).toMatchObject({ action: "already_finished", error: "GaveUpQueuesPreserved" });
    expect(f.started).toHaveLength(0);
  });

  test("the event path and the reconciler racing compute the same name: exactly one RUNNING drain", async () => {
    // Prepare: both list before either starts (the race), token known on one side only.
    const f = fakeSfn([], undefined, 2);
    const asg = {
      ...fakeAutoScaling().port,
      describeAutoScalingGroups: async () =>
        ({
          $metadata: {},
          AutoScalingGroups: [
            {
              AutoScalingGroupName: "cribl-workers",
              Instances: [{ InstanceId: "i-0abc1234def567890", LifecycleState: "Terminating:Wait" }],
            },
          ],
        }) as never,
      describeWarmPool: async () => ({ $metadata: {} }),
      describeScalingActivities: async () => ({ $metadata: {}, Activities: [] }),
    };
    // Act
    const [event, reconciled] = await Promise.all([
      startDrain(parseLifecycleEvent(terminateLifecycleEvent()), deps(f)),
      reconcile({ config, now, sfn: f.sfn, autoScaling: asg }),
    ]);
    // Assess
    const actions = [event.action, reconciled[0]!.action].sort();
    expect(actions).toEqual(["already_exists", "started"]);
    expect(f.executions.filter((e) => e.status === "RUNNING").map((e) => e.name)).toEqual(["i-0abc1234def567890-1"]);
  });

  test("without any start time the earliest possible one is assumed: the deadline is already past", async () => {
    // Prepare
    const f = fakeSfn();
    // Act
    const r = await startDrain(parseLifecycleEvent(terminateLifecycleEvent({}, "not a time")), deps(f));
    // Assess
    expect(r.action).toBe("started");
    const input = JSON.parse(f.started[0]!.input!) as DrainInput;
    expect(Date.parse(input.deadline)).toBeLessThanOrEqual(now().getTime());
  });
});

describe("reconcile core", () => {
  const group = (instances: Array<[string, string]>, warm = false) => ({
    $metadata: {},
    AutoScalingGroups: [
      {
        AutoScalingGroupName: "cribl-workers",
        Instances: instances.map(([InstanceId, LifecycleState]) => ({ InstanceId, LifecycleState })),
        ...(warm ? { WarmPoolConfiguration: { PoolState: "Stopped" } } : {}),
      },
    ],
  });

  test("starts a drain for each Terminating:Wait instance without a RUNNING one; its deadline counts from the scaling activity", async () => {
    // Prepare
    const f = fakeSfn([{ name: "i-0000000000000000b-1", status: "RUNNING", startDate: now(), input: "{}" }]);
    const asg = fakeAutoScaling();
    // Act
    const items = await reconcile({
      config,
      now,
      sfn: f.sfn,
      autoScaling: {
        ...asg.port,
        describeAutoScalingGroups: async () =>
          group([
            ["i-0000000000000000a", "Terminating:Wait"],
            ["i-0000000000000000b", "Terminating:Wait"],
            ["i-0000000000000000c", "InService"],
          ]) as never,
        describeWarmPool: async () => ({ $metadata: {} }),
        describeScalingActivities: async () =>
          ({
            $metadata: {},
            Activities: [
              {
                Description: "Terminating EC2 instance: i-0000000000000000a",
                StartTime: new Date("2030-01-01T00:02:00.000Z"),
              },
            ],
          }) as never,
      },
    });
    // Assess
    expect(items).toEqual([
      {
        instanceId: "i-0000000000000000a",
        action: "started",
        executionName: "i-0000000000000000a-1",
        executionArn: expect.any(String),
        startedBy: "reconciler",
      },
      { instanceId: "i-0000000000000000b", action: "already_running", executionName: "i-0000000000000000b-1" },
    ]);
    const input = JSON.parse(f.started[0]!.input!) as DrainInput;
    expect(input.startedBy).toBe("reconciler");
    expect(input.lifecycleActionToken).toBeUndefined();
    expect(input.lifecycleActionStartedAt).toBe("2030-01-01T00:02:00.000Z");
    expect(input.deadline).toBe("2030-01-01T01:02:00.000Z");
  });

  test("completes Warmed:Terminating:Wait instances at once; an already-gone action is fine", async () => {
    // Prepare
    const f = fakeSfn();
    let calls = 0;
    const completed: string[] = [];
    // Act
    const items = await reconcile({
      config,
      now,
      sfn: f.sfn,
      autoScaling: {
        describeAutoScalingGroups: async () => group([], true) as never,
        describeScalingActivities: async () => ({ $metadata: {}, Activities: [] }),
        describeWarmPool: async () =>
          ({
            $metadata: {},
            Instances: [
              { InstanceId: "i-0000000000000000d", LifecycleState: "Warmed:Terminating:Wait" },
              { InstanceId: "i-0000000000000000e", LifecycleState: "Warmed:Terminating:Wait" },
              { InstanceId: "i-0000000000000000f", LifecycleState: "Warmed:Stopped" },
            ],
          }) as never,
        completeLifecycleAction: async (input) => {
          calls++;
          completed.push(input.InstanceId!);
          if (calls === 2)
            throw awsError("ValidationError", "No active Lifecycle Action found with instance ID i-0000000000000000e");
          return { $metadata: {} };
        },
      },
    });
    // Assess
    expect(items).toEqual([
      { instanceId: "i-0000000000000000d", action: "completed_without_drain" },
      { instanceId: "i-0000000000000000e", action: "lifecycle_action_gone" },
    ]);
    expect(completed).toEqual(["i-0000000000000000d", "i-0000000000000000e"]);
    expect(f.started).toHaveLength(0);
  });

  test("a missing group is an error", async () => {
    // Act / Assess
    await expect(
      reconcile({
        config,
        now,
        sfn: fakeSfn().sfn,
        autoScaling: {
          describeAutoScalingGroups: async () => ({ $metadata: {}, AutoScalingGroups: [] }),
          describeWarmPool: async () => ({ $metadata: {} }),
          describeScalingActivities: async () => ({ $metadata: {}, Activities: [] }),
          completeLifecycleAction: async () => ({ $metadata: {} }),
        },
      }),
    ).rejects.toThrow(/cribl-workers not found/);
  });
});
