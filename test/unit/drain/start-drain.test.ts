// start-drain and reconcile cores with fake Step Functions and Auto Scaling ports.
import type { ListExecutionsCommandInput, StartExecutionCommandInput } from "@aws-sdk/client-sfn";
import { reconcile, reconcilerRunId } from "../../../handlers/reconcile/core";
import type { DrainInput } from "../../../handlers/shared/drain-contract";
import type { DrainConfig, SfnPort } from "../../../handlers/shared/drain-start";
import { parseLifecycleEvent, startDrain } from "../../../handlers/start-drain/core";
import { terminateLifecycleEvent } from "../../fixtures/drain/events";
import { awsError, DEFAULT_TEST_SETTINGS } from "../../fixtures/drain/sfn-harness";

const config: DrainConfig = {
  stateMachineArn: "arn:aws:states:eu-west-1:123456789012:stateMachine:cribl-drain",
  autoScalingGroupName: "cribl-workers",
  lifecycleHookName: "cribl-drain",
  settings: { ...DEFAULT_TEST_SETTINGS, drainDeadlineSeconds: 3600 },
};
const now = () => new Date("2030-01-01T00:00:00.000Z");

function fakeSfn(pages: string[][] = [[]], startError?: Error) {
  const listed: ListExecutionsCommandInput[] = [];
  const started: StartExecutionCommandInput[] = [];
  const sfn: SfnPort = {
    listExecutions: async (input) => {
      listed.push(input);
      const i = input.nextToken ? Number(input.nextToken) : 0;
      return {
        $metadata: {},
        executions: pages[i]!.map((name) => ({
          name,
          executionArn: `arn:x:${name}`,
          stateMachineArn: "",
          status: "RUNNING",
          startDate: new Date(),
        })),
        nextToken: i + 1 < pages.length ? String(i + 1) : undefined,
      };
    },
    startExecution: async (input) => {
      started.push(input);
      if (startError) throw startError;
      return { $metadata: {}, executionArn: `arn:x:${input.name}`, startDate: new Date() };
    },
  };
  return { sfn, listed, started };
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
  test("starts one execution named <instanceId>-<token[0:8]> with the DrainInput built from configuration", async () => {
    const f = fakeSfn();
    const r = await startDrain(parseLifecycleEvent(terminateLifecycleEvent()), {
      config,
      now,
      sfn: f.sfn,
      autoScaling: fakeAutoScaling().port,
    });
    expect(r).toMatchObject({ action: "started", executionName: "i-0abc1234def567890-1a2b3c4d" });
    expect(f.started).toHaveLength(1);
    const input = JSON.parse(f.started[0]!.input!) as DrainInput;
    expect(input).toEqual({
      instanceId: "i-0abc1234def567890",
      autoScalingGroupName: "cribl-workers",
      lifecycleHookName: "cribl-drain",
      lifecycleActionToken: "1a2b3c4d-5e6f-4081-92a3-b4c5d6e7f809",
      startedBy: "event",
      deadline: "2030-01-01T01:00:00.000Z",
      settings: config.settings,
    });
    expect(f.listed[0]).toMatchObject({ stateMachineArn: config.stateMachineArn, statusFilter: "RUNNING" });
  });

  test("a RUNNING drain for the instance (found on a later page, e.g. reconciler-started) is not doubled", async () => {
    const f = fakeSfn([["i-0fff0000000000000-aaaaaaaa"], ["i-0abc1234def567890-rxyz123"]]);
    const r = await startDrain(parseLifecycleEvent(terminateLifecycleEvent()), {
      config,
      now,
      sfn: f.sfn,
      autoScaling: fakeAutoScaling().port,
    });
    expect(r).toEqual({ action: "already_running", executionName: "i-0abc1234def567890-rxyz123" });
    expect(f.listed).toHaveLength(2);
    expect(f.started).toHaveLength(0);
  });

  test("an instance id that is a prefix of another does not match it", async () => {
    const f = fakeSfn([["i-0abc1234def5678901-aaaaaaaa"]]);
    const event = terminateLifecycleEvent({ EC2InstanceId: "i-0abc1234def567890" });
    const r = await startDrain(parseLifecycleEvent(event), {
      config,
      now,
      sfn: f.sfn,
      autoScaling: fakeAutoScaling().port,
    });
    expect(r.action).toBe("started");
  });

  test("ExecutionAlreadyExists (duplicate delivery of a finished drain) is harmless", async () => {
    const f = fakeSfn([[]], awsError("ExecutionAlreadyExists", "Execution Already Exists"));
    const r = await startDrain(parseLifecycleEvent(terminateLifecycleEvent()), {
      config,
      now,
      sfn: f.sfn,
      autoScaling: fakeAutoScaling().port,
    });
    expect(r).toEqual({ action: "already_exists", executionName: "i-0abc1234def567890-1a2b3c4d" });
  });

  test("other StartExecution errors propagate", async () => {
    const f = fakeSfn([[]], awsError("AccessDeniedException", "no"));
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
    const f = fakeSfn();
    const r = await startDrain(parseLifecycleEvent(terminateLifecycleEvent({ Destination: "WarmPool" })), {
      config,
      now,
      sfn: f.sfn,
      autoScaling: fakeAutoScaling().port,
    });
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
    const autoScaling = {
      completeLifecycleAction: async () => {
        throw awsError("AccessDenied", "not authorized to perform autoscaling:CompleteLifecycleAction");
      },
    };
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
    const f = fakeSfn();
    const asg = fakeAutoScaling();
    const r = await startDrain(
      parseLifecycleEvent(terminateLifecycleEvent({ Origin: "WarmPool", Destination: "EC2" })),
      {
        config,
        now,
        sfn: f.sfn,
        autoScaling: asg.port,
      },
    );
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
    const f = fakeSfn();
    const r = await startDrain(parseLifecycleEvent(terminateLifecycleEvent(detail)), {
      config,
      now,
      sfn: f.sfn,
      autoScaling: fakeAutoScaling().port,
    });
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
    const event = terminateLifecycleEvent();
    (event.detail as Record<string, unknown>)[key] = value;
    expect(() => parseLifecycleEvent(event)).toThrow(message);
  });

  test("rejects an event without detail", () => {
    expect(() => parseLifecycleEvent({ "detail-type": "x", source: "y" })).toThrow(/detail must be an object/);
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

  test("starts a drain for each Terminating:Wait instance without a RUNNING one, named with a run id, no token", async () => {
    const f = fakeSfn([["i-0000000000000000b-1a2b3c4d"]]);
    const asg = fakeAutoScaling();
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
      },
    });
    const runId = reconcilerRunId(now());
    expect(runId).toMatch(/^r[0-9a-z]{1,7}$/);
    expect(items).toEqual([
      {
        instanceId: "i-0000000000000000a",
        action: "started",
        executionName: `i-0000000000000000a-${runId}`,
        executionArn: expect.any(String),
      },
      { instanceId: "i-0000000000000000b", action: "already_running", executionName: "i-0000000000000000b-1a2b3c4d" },
    ]);
    const input = JSON.parse(f.started[0]!.input!) as DrainInput;
    expect(input.startedBy).toBe("reconciler");
    expect(input.lifecycleActionToken).toBeUndefined();
  });

  test("completes Warmed:Terminating:Wait instances at once; an already-gone action is fine", async () => {
    const f = fakeSfn();
    let calls = 0;
    const completed: string[] = [];
    const items = await reconcile({
      config,
      now,
      sfn: f.sfn,
      autoScaling: {
        describeAutoScalingGroups: async () => group([], true) as never,
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
    expect(items).toEqual([
      { instanceId: "i-0000000000000000d", action: "completed_without_drain" },
      { instanceId: "i-0000000000000000e", action: "lifecycle_action_gone" },
    ]);
    expect(completed).toEqual(["i-0000000000000000d", "i-0000000000000000e"]);
    expect(f.started).toHaveLength(0);
  });

  test("a missing group is an error", async () => {
    await expect(
      reconcile({
        config,
        now,
        sfn: fakeSfn().sfn,
        autoScaling: {
          describeAutoScalingGroups: async () => ({ $metadata: {}, AutoScalingGroups: [] }),
          describeWarmPool: async () => ({ $metadata: {} }),
          completeLifecycleAction: async () => ({ $metadata: {} }),
        },
      }),
    ).rejects.toThrow(/cribl-workers not found/);
  });
});
