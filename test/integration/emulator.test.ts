// The emulator harness (test/support/emulator.ts + moto_launcher.py): the moto gaps it fills, pinned.
//
// Error names for "No active Lifecycle Action" inside Step Functions aws-sdk tasks (finding, pinned below):
// - Real AWS names aws-sdk task errors `<ServiceName>.<ExceptionName>` in PascalCase with an `Exception` suffix. Auto
//   Scaling answers HTTP 400 `ValidationError`, which its API model does not declare as an exception shape, so the SDK
//   surfaces it as the service's base exception: the error is `AutoScaling.AutoScalingException` (unverified against
//   real AWS here; consistent with the documented convention and with `Ec2.Ec2Exception`-style names seen in the field).
//   The Cause is `No active Lifecycle Action found with instance ID i-... (Service: AutoScaling, Status Code: 400,
//   Request ID: ...)` (or `... with token <token> ...`).
// - Unpatched moto 5.2.1 builds the name from the lower-case service id ("autoscaling") and the botocore class
//   (ClientError), producing `autoscaling.autoscalingException`. The launcher maps autoscaling/ssm/ec2 to AutoScaling,
//   Ssm and Ec2, so the emulator emits `AutoScaling.AutoScalingException`, the name real AWS uses.
// A state machine should catch `AutoScaling.AutoScalingException` and then match "No active Lifecycle Action" in the
// Cause (case-insensitively); the same error name also covers other validation failures.
import {
  AutoScalingClient,
  CompleteLifecycleActionCommand,
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  RecordLifecycleActionHeartbeatCommand,
} from "@aws-sdk/client-auto-scaling";
import { CreateLaunchTemplateCommand, EC2Client } from "@aws-sdk/client-ec2";
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  ListStateMachineVersionsCommand,
  SFNClient,
  StartExecutionCommand,
  ValidateStateMachineDefinitionCommand,
} from "@aws-sdk/client-sfn";
import { CreateDocumentCommand, GetCommandInvocationCommand, SendCommandCommand, SSMClient } from "@aws-sdk/client-ssm";
import { awsClientConfig, type Emulator, startEmulator } from "../support/emulator";

const ROLE_ARN = "arn:aws:iam::123456789012:role/drain-state-machine";
const AUTOSCALING_ERROR = "AutoScaling.AutoScalingException";

const lifecycleParameters = {
  "AutoScalingGroupName.$": "$.detail.AutoScalingGroupName",
  "LifecycleHookName.$": "$.detail.LifecycleHookName",
  "LifecycleActionToken.$": "$.detail.LifecycleActionToken",
};

// Heartbeat, then complete; a missing action is caught and recorded instead of failing the execution.
const drainDefinition = {
  QueryLanguage: "JSONPath",
  StartAt: "Heartbeat",
  States: {
    Heartbeat: {
      Type: "Task",
      Resource: "arn:aws:states:::aws-sdk:autoscaling:recordLifecycleActionHeartbeat",
      Parameters: lifecycleParameters,
      ResultPath: null,
      Catch: [{ ErrorEquals: [AUTOSCALING_ERROR], ResultPath: "$.actionError", Next: "ActionGone" }],
      Next: "Complete",
    },
    Complete: {
      Type: "Task",
      Resource: "arn:aws:states:::aws-sdk:autoscaling:completeLifecycleAction",
      Parameters: { ...lifecycleParameters, LifecycleActionResult: "CONTINUE" },
      ResultPath: null,
      Catch: [{ ErrorEquals: [AUTOSCALING_ERROR], ResultPath: "$.actionError", Next: "ActionGone" }],
      Next: "Completed",
    },
    ActionGone: { Type: "Pass", Result: "gone", ResultPath: "$.outcome", End: true },
    Completed: { Type: "Pass", Result: "completed", ResultPath: "$.outcome", End: true },
  },
};

// A bare heartbeat by instance id, no Catch: the execution fails with the integration's error.
const heartbeatDefinition = {
  StartAt: "Heartbeat",
  States: {
    Heartbeat: {
      Type: "Task",
      Resource: "arn:aws:states:::aws-sdk:autoscaling:recordLifecycleActionHeartbeat",
      Parameters: {
        "AutoScalingGroupName.$": "$.detail.AutoScalingGroupName",
        "LifecycleHookName.$": "$.detail.LifecycleHookName",
        "InstanceId.$": "$.detail.EC2InstanceId",
      },
      End: true,
    },
  },
};

let emulator: Emulator;
let sfn: SFNClient;
let autoscaling: AutoScalingClient;
let ssm: SSMClient;
let ec2: EC2Client;
let drainArn: string;
let heartbeatArn: string;
let executionCount = 0;

function lifecycleEvent(instanceId: string, token: string) {
  return {
    "detail-type": "EC2 Instance-terminate Lifecycle Action",
    source: "aws.autoscaling",
    detail: {
      LifecycleActionToken: token,
      AutoScalingGroupName: "workers",
      LifecycleHookName: "drain-hook",
      EC2InstanceId: instanceId,
      LifecycleTransition: "autoscaling:EC2_INSTANCE_TERMINATING",
      Origin: "AutoScalingGroup",
      Destination: "EC2",
    },
  };
}

async function runToEnd(stateMachineArn: string, input: unknown): Promise<DescribeExecutionCommandOutput> {
  executionCount += 1;
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({ stateMachineArn, name: `run-${executionCount}`, input: JSON.stringify(input) }),
  );
  const deadline = Date.now() + 10_000;
  for (;;) {
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (execution.status !== "RUNNING") return execution;
    if (Date.now() > deadline) throw new Error(`execution ${executionArn} still RUNNING after 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function drainOnce(instanceId: string) {
  const action = await emulator.addLifecycleAction({
    AutoScalingGroupName: "workers",
    LifecycleHookName: "drain-hook",
    InstanceId: instanceId,
  });
  return { action, execution: await runToEnd(drainArn, lifecycleEvent(instanceId, action.LifecycleActionToken)) };
}

beforeAll(async () => {
  // Prepare / Act
  emulator = await startEmulator({ executeStateMachines: true });
  const config = awsClientConfig(emulator);
  sfn = new SFNClient(config);
  autoscaling = new AutoScalingClient(config);
  ssm = new SSMClient(config);
  ec2 = new EC2Client(config);
  const create = async (name: string, definition: unknown) =>
    (await sfn.send(new CreateStateMachineCommand({ name, definition: JSON.stringify(definition), roleArn: ROLE_ARN })))
      .stateMachineArn!;
  drainArn = await create("drain", drainDefinition);
  heartbeatArn = await create("heartbeat", heartbeatDefinition);
}, 40_000);

afterAll(async () => {
  for (const client of [sfn, autoscaling, ssm, ec2]) client?.destroy();
  await emulator?.stop();
});

describe("Step Functions gaps the AWS provider needs", () => {
  test("ValidateStateMachineDefinition answers OK for a valid definition", async () => {
    // Prepare
    const definition = JSON.stringify(drainDefinition);
    // Act
    const res = await sfn.send(new ValidateStateMachineDefinitionCommand({ definition }));
    // Assess
    expect(res.result).toBe("OK");
    expect(res.diagnostics).toEqual([]);
  });

  test.each([
    ["not JSON", "{ StartAt: nope"],
    ["no StartAt", JSON.stringify({ States: { A: { Type: "Pass", End: true } } })],
    ["no States", JSON.stringify({ StartAt: "A" })],
  ])("ValidateStateMachineDefinition answers FAIL with a diagnostic: %s", async (_case, definition) => {
    // Act
    const res = await sfn.send(new ValidateStateMachineDefinitionCommand({ definition }));
    // Assess
    expect(res.result).toBe("FAIL");
    expect(res.diagnostics).toHaveLength(1);
    expect(res.diagnostics![0]).toMatchObject({ severity: "ERROR", code: expect.any(String) });
  });

  test("ListStateMachineVersions answers an empty list", async () => {
    // Act
    const res = await sfn.send(new ListStateMachineVersionsCommand({ stateMachineArn: drainArn }));
    // Assess
    expect(res.stateMachineVersions).toEqual([]);
  });
});

describe("Auto Scaling lifecycle actions", () => {
  test("a harness action puts a moto ASG instance in Terminating:Wait; completing it moves it on", async () => {
    // Prepare
    await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: "workers-lt",
        LaunchTemplateData: { ImageId: "ami-12c6146b", InstanceType: "t3.small" },
      }),
    );
    await autoscaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: "asg-wait",
        LaunchTemplate: { LaunchTemplateName: "workers-lt", Version: "$Latest" },
        MinSize: 1,
        MaxSize: 1,
        DesiredCapacity: 1,
        AvailabilityZones: ["us-east-1a"],
      }),
    );
    const group = await autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ["asg-wait"] }));
    const instanceId = group.AutoScalingGroups![0].Instances![0].InstanceId!;
    // Act
    const action = await emulator.addLifecycleAction({
      AutoScalingGroupName: "asg-wait",
      LifecycleHookName: "drain-hook",
      InstanceId: instanceId,
      LifecycleActionToken: "11111111-2222-3333-4444-555555555555",
    });
    const waiting = await autoscaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [instanceId] }));
    await autoscaling.send(
      new RecordLifecycleActionHeartbeatCommand({
        AutoScalingGroupName: "asg-wait",
        LifecycleHookName: "drain-hook",
        LifecycleActionToken: action.LifecycleActionToken,
      }),
    );
    await autoscaling.send(
      new CompleteLifecycleActionCommand({
        AutoScalingGroupName: "asg-wait",
        LifecycleHookName: "drain-hook",
        InstanceId: instanceId,
        LifecycleActionResult: "ABANDON",
      }),
    );
    const after = await autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ["asg-wait"] }));
    // Assess
    expect(waiting.AutoScalingInstances![0].LifecycleState).toBe("Terminating:Wait");
    expect(after.AutoScalingGroups![0].Instances!.find((i) => i.InstanceId === instanceId)?.LifecycleState).toBe(
      "Terminating:Proceed",
    );
    const recorded = (await emulator.listLifecycleActions()).find((a) => a.InstanceId === instanceId);
    expect(recorded).toMatchObject({ State: "Completed", HeartbeatCount: 1, Result: "ABANDON" });
  });

  test.each([
    ["token", { LifecycleActionToken: "99999999-0000-0000-0000-000000000000" }, "with token 99999999-0000"],
    ["instance id", { InstanceId: "i-0123456789abcdef0" }, "with instance ID i-0123456789abcdef0"],
  ])(
    "heartbeat and complete without a pending action (by %s) answer the AWS ValidationError",
    async (_by, key, tail) => {
      // Prepare
      const base = { AutoScalingGroupName: "workers", LifecycleHookName: "drain-hook", ...key };
      // Act
      const heartbeat = () => autoscaling.send(new RecordLifecycleActionHeartbeatCommand(base));
      const complete = () =>
        autoscaling.send(new CompleteLifecycleActionCommand({ ...base, LifecycleActionResult: "CONTINUE" }));
      // Assess
      for (const call of [heartbeat, complete]) {
        await expect(call()).rejects.toMatchObject({
          name: "ValidationError",
          message: expect.stringContaining(`No active Lifecycle Action found ${tail}`),
          $metadata: expect.objectContaining({ httpStatusCode: 400 }),
        });
      }
    },
  );
});

describe("Step Functions executions (moto multi-execution fix)", () => {
  test("heartbeat + complete runs to SUCCEEDED three times in a row", async () => {
    // Act
    const runs = [];
    for (const id of ["i-00000000000000001", "i-00000000000000002", "i-00000000000000003"])
      runs.push(await drainOnce(id));
    // Assess
    for (const { execution } of runs) {
      expect(execution.status).toBe("SUCCEEDED");
      expect(JSON.parse(execution.output!).outcome).toBe("completed");
    }
    const actions = await emulator.listLifecycleActions();
    for (const { action } of runs) {
      expect(actions.find((a) => a.LifecycleActionToken === action.LifecycleActionToken)).toMatchObject({
        State: "Completed",
        HeartbeatCount: 1,
        Result: "CONTINUE",
      });
    }
  });

  test("two concurrent executions both succeed", async () => {
    // Act
    const runs = await Promise.all([drainOnce("i-0000000000000000a"), drainOnce("i-0000000000000000b")]);
    // Assess
    expect(runs.map((r) => r.execution.status)).toEqual(["SUCCEEDED", "SUCCEEDED"]);
    const actions = await emulator.listLifecycleActions();
    for (const { action } of runs) {
      expect(actions.find((a) => a.LifecycleActionToken === action.LifecycleActionToken)?.Result).toBe("CONTINUE");
    }
  });

  test("a heartbeat on an expired action fails the task with AutoScaling.AutoScalingException", async () => {
    // Prepare
    const instanceId = "i-0000000000000000e";
    await emulator.addLifecycleAction({
      AutoScalingGroupName: "workers",
      LifecycleHookName: "drain-hook",
      InstanceId: instanceId,
    });
    expect(await emulator.expireLifecycleAction(instanceId)).toBe(true);
    // Act
    const execution = await runToEnd(heartbeatArn, lifecycleEvent(instanceId, "unused"));
    // Assess
    expect(execution.status).toBe("FAILED");
    expect(execution.error).toBe(AUTOSCALING_ERROR);
    expect(execution.cause).toContain(`No active Lifecycle Action found with instance ID ${instanceId}`);
    expect(execution.cause).toContain("Status Code: 400");
  });

  test("the drain machine's Catch handles a missing action (by token) and records the error", async () => {
    // Prepare
    const token = "deadbeef-0000-4000-8000-000000000000";
    // Act
    const execution = await runToEnd(drainArn, lifecycleEvent("i-0000000000000000f", token));
    // Assess
    expect(execution.status).toBe("SUCCEEDED");
    const output = JSON.parse(execution.output!);
    expect(output.outcome).toBe("gone");
    expect(output.actionError.Error).toBe(AUTOSCALING_ERROR);
    expect(output.actionError.Cause).toMatch(new RegExp(`no active lifecycle action found with token ${token}`, "i"));
  });
});

describe("SSM fake instance agent", () => {
  const instanceId = "i-0fa4e000000000001"; // unknown to moto's EC2

  beforeAll(async () => {
    // Prepare / Act
    await ssm.send(
      new CreateDocumentCommand({
        Name: "probe-queues",
        DocumentType: "Command",
        DocumentFormat: "JSON",
        Content: JSON.stringify({
          schemaVersion: "2.2",
          description: "probe",
          mainSteps: [{ action: "aws:runShellScript", name: "probe", inputs: { runCommand: ["echo files=0"] } }],
        }),
      }),
    );
  });

  async function sendAndRead(target: string) {
    const { Command } = await ssm.send(new SendCommandCommand({ DocumentName: "probe-queues", InstanceIds: [target] }));
    return ssm.send(new GetCommandInvocationCommand({ CommandId: Command!.CommandId, InstanceId: target }));
  }

  test("each SendCommand consumes the next scripted answer; the last one repeats", async () => {
    // Prepare
    await emulator.scriptSsmAgent(instanceId, [
      { Status: "Pending" },
      { Status: "Failed", StatusDetails: "Failed", StandardOutputContent: "", ResponseCode: 2 },
      { Status: "Success", StandardOutputContent: "files=0 bytes=0\n", ResponseCode: 0 },
    ]);
    // Act
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await sendAndRead(instanceId));
    // Assess
    expect(answers.map((a) => [a.Status, a.StatusDetails, a.StandardOutputContent, a.ResponseCode])).toEqual([
      ["Pending", "Pending", "", -1],
      ["Failed", "Failed", "", 2],
      ["Success", "Success", "files=0 bytes=0\n", 0],
      ["Success", "Success", "files=0 bytes=0\n", 0],
    ]);
  });

  test("a scripted InvalidInstanceId fails SendCommand itself", async () => {
    // Prepare
    await emulator.scriptSsmAgent(instanceId, [{ Error: "InvalidInstanceId" }, { Status: "Success" }]);
    // Act
    const failed = ssm.send(new SendCommandCommand({ DocumentName: "probe-queues", InstanceIds: [instanceId] }));
    // Assess
    await expect(failed).rejects.toMatchObject({ name: "InvalidInstanceId" });
    expect((await sendAndRead(instanceId)).Status).toBe("Success");
  });

  test("an unscripted instance keeps moto's behaviour, and reset() clears scripts", async () => {
    // Prepare
    await emulator.scriptSsmAgent(instanceId, [{ Status: "Pending" }]);
    // Act
    await emulator.reset();
    const answer = await sendAndRead(instanceId);
    // Assess
    expect(answer).toMatchObject({ Status: "Success", StandardOutputContent: "" });
    expect(await emulator.listLifecycleActions()).toEqual([]);
  });
});

describe("stop()", () => {
  test("leaves no process behind", async () => {
    // Prepare
    const pid = emulator.pid;
    expect(() => process.kill(pid, 0)).not.toThrow();
    // Act
    await emulator.stop();
    // Assess
    expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: "ESRCH" }));
    expect(() => process.kill(-pid, 0)).toThrow(expect.objectContaining({ code: "ESRCH" }));
  });
});
