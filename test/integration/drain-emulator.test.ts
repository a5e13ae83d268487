// The shipped drain definition (statemachines/drain.asl.json, rendered by renderDrainDefinition) executed by moto's
// Step Functions engine against moto's Auto Scaling, SSM and EC2, with our real check-queue bundle running as the
// Lambda task (the launcher runs Node.js functions with the local node) and a scripted fake SSM agent answering the
// probe. Waits are real time here, so the settings in the execution input keep them at 1-2 seconds.
//
// Pinned by these runs (moto 5.2.1 + test/support/moto_launcher.py):
// - Heartbeat on an expired lifecycle action: Error `AutoScaling.AutoScalingException`, Cause `No active Lifecycle
//   Action found with instance ID <id> (Service: AutoScaling, Status Code: 400, ...)`; the definition retries the
//   generic exception (bounded, real time here) and then classifies the Cause in ClassifyHeartbeatError.
// - Where moto differs from AWS (not relied on): it catches States.Runtime with States.ALL; its States.JsonToString
//   fails on the datetime in CreateSnapshots output (the definition keeps snapshot ids only); Retry backoff is real.
// - SendCommand to a gone instance: the SDK error `InvalidInstanceId` inside check-queue, reported as
//   result `invalid_instance_id`; EC2 DescribeInstances (filters instance-id + live states) then finds 0 reservations.
// - An error thrown by check-queue: Error is its errorType (e.g. `CheckQueueInputError`), Cause the JSON payload
//   {errorType, errorMessage, trace}, as for real lambda:invoke tasks; the drain's own Cause carries both.
// - The deadline Choice (`$$.State.EnteredTime` TimestampGreaterThanEqualsPath `$.deadline`, a toISOString() value)
//   fires only with the launcher's RFC 3339 timestamp patch: moto alone parses neither side.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
} from "@aws-sdk/client-auto-scaling";
import {
  CreateLaunchTemplateCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { CreateDocumentCommand, SSMClient } from "@aws-sdk/client-ssm";
import {
  exitCodeOf,
  type FollowEvent,
  followDrain,
  formatFollowEvent,
  listDrains,
  type SfnPort,
} from "../../cli/drains-core";
import {
  checkQueueEnv,
  type DrainInput,
  type DrainSettings,
  drainExecutionName,
  initialProgress,
} from "../../contracts/drain";
import { bundleHandler } from "../../modules/common/bundle";
import { gracefulStopDocument, queueProbeDocument } from "../../modules/worker-fleet/queue-probe";
import { renderDrainDefinition } from "../../statemachines/drain";
import { awsClientConfig, type Emulator, type SsmAgentResponse, startEmulator } from "../support/emulator";

const GROUP = "cribl-workers";
const HOOK = "cribl-drain";
const QUEUE_DIR = "/opt/cribl/state/queues";
const PROBE_DOCUMENT = "cribl-queue-probe";
const STOP_DOCUMENT = "cribl-graceful-stop";
const FUNCTION_NAME = "cribl-check-queue";
// Each scenario waits real seconds in moto's engine.
jest.setTimeout(45_000);

const settings: DrainSettings = {
  queueDirectories: QUEUE_DIR,
  maxBytes: 0,
  requiredConsecutiveChecks: 2,
  minWaitSeconds: 1,
  maxWaitSeconds: 2,
  drainDeadlineSeconds: 3600,
  heartbeatTimeoutSeconds: 3600,
  gracefulStop: false,
  serviceName: "cribl",
  snapshotOnGiveUp: false,
  snapshotExcludeBootVolume: false,
};

let emulator: Emulator;
let sfn: SFNClient;
let autoscaling: AutoScalingClient;
let ssm: SSMClient;
let ec2: EC2Client;
let stateMachineArn: string;
/** Instances of the group, one per scenario. */
const instances: string[] = [];
let workDir: string;

/** The probe's exact stdout: one JSON line (modules/worker-fleet/queue-probe.ts QueueProbeResult). */
function probeAnswer(bytes: number, serviceActive = true): SsmAgentResponse {
  const line = {
    v: 1,
    queues: [{ path: QUEUE_DIR, exists: true, bytes, files: bytes === 0 ? 0 : 3 }],
    serviceActive,
    errors: [],
  };
  return { Status: "Success", StandardOutputContent: `${JSON.stringify(line)}\n`, ResponseCode: 0 };
}

/** What the graceful-stop document prints for `action` (stop or start). */
function stopDocumentAnswer(action: "stop" | "start"): SsmAgentResponse {
  const line = action === "stop" ? { v: 1, stopped: true } : { v: 1, action: "start", started: true };
  return { Status: "Success", StandardOutputContent: `${JSON.stringify(line)}\n`, ResponseCode: 0 };
}

/**
 * One request to a moto service this project has no SDK client for (IAM, Lambda). moto routes by the credential scope
 * of the Authorization header and does not verify signatures.
 */
async function motoRequest(service: string, method: string, path: string, body: string, contentType: string) {
  const res = await fetch(`${emulator.endpoint}${path}`, {
    method,
    headers: {
      "content-type": contentType,
      authorization: `AWS4-HMAC-SHA256 Credential=test/20250101/${emulator.region}/${service}/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${service} ${method} ${path} answered ${res.status}: ${text}`);
  return text;
}

async function createRole(name: string, principal: string): Promise<string> {
  const form = new URLSearchParams({
    Action: "CreateRole",
    Version: "2010-05-08",
    RoleName: name,
    AssumeRolePolicyDocument: JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: principal }, Action: "sts:AssumeRole" }],
    }),
  });
  const xml = await motoRequest("iam", "POST", "/", form.toString(), "application/x-www-form-urlencoded");
  const arn = /<Arn>([^<]+)<\/Arn>/.exec(xml)?.[1];
  if (!arn) throw new Error(`CreateRole answered no Arn: ${xml}`);
  return arn;
}

async function createCheckQueueFunction(roleArn: string): Promise<string> {
  const bundle = bundleHandler("check-queue", workDir);
  const created = await motoRequest(
    "lambda",
    "POST",
    "/2015-03-31/functions",
    JSON.stringify({
      FunctionName: FUNCTION_NAME,
      Runtime: "nodejs22.x",
      Architectures: ["arm64"],
      Handler: "index.handler",
      Role: roleArn,
      Timeout: 20,
      MemorySize: 256,
      // The same deterministic zip Terraform deploys.
      Code: { ZipFile: readFileSync(bundle.zipFile).toString("base64") },
      Environment: {
        Variables: {
          ...checkQueueEnv.write({ queueProbeDocumentName: PROBE_DOCUMENT, checkBudgetSeconds: 5 }),
          POWERTOOLS_LOG_LEVEL: "WARN",
        },
      },
    }),
    "application/json",
  );
  return (JSON.parse(created) as { FunctionArn: string }).FunctionArn;
}

function drainInput(instanceId: string, token: string, overrides: Partial<DrainSettings> = {}, deadlineMs = 600_000) {
  const merged = { ...settings, ...overrides };
  const input: DrainInput = {
    instanceId,
    autoScalingGroupName: GROUP,
    lifecycleHookName: HOOK,
    lifecycleActionToken: token,
    startedBy: "event",
    sequence: 1,
    lifecycleActionStartedAt: new Date().toISOString(),
    deadline: new Date(Date.now() + deadlineMs).toISOString(),
    snapshotWaitUntil: new Date(Date.now() + deadlineMs + 600_000).toISOString(),
    settings: merged,
    progress: initialProgress(merged),
    previous: {},
  };
  return input;
}

/** Adds the pending lifecycle action and starts the drain as the starter would (execution named by the contract). */
async function startDrain(instanceId: string, overrides: Partial<DrainSettings> = {}, deadlineMs?: number) {
  const action = await emulator.addLifecycleAction({
    AutoScalingGroupName: GROUP,
    LifecycleHookName: HOOK,
    InstanceId: instanceId,
  });
  const input = drainInput(instanceId, action.LifecycleActionToken, overrides, deadlineMs);
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({
      stateMachineArn,
      name: drainExecutionName(instanceId, 1),
      input: JSON.stringify(input),
    }),
  );
  return executionArn!;
}

async function waitForEnd(executionArn: string, timeoutMs = 40_000): Promise<DescribeExecutionCommandOutput> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (execution.status !== "RUNNING") return execution;
    if (Date.now() > deadline) throw new Error(`execution ${executionArn} still RUNNING after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function history(executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 1000 }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

/** The states entered, in order, and the check results (ResultPath $.reading.payload) read from CheckQueues' exits. */
function walk(events: HistoryEvent[]) {
  const entered: string[] = [];
  const checks: Array<{ result: string; totalBytes: number | null; reason: string | null; afterEntered: number }> = [];
  for (const event of events) {
    if (event.stateEnteredEventDetails?.name) entered.push(event.stateEnteredEventDetails.name);
    const exited = event.stateExitedEventDetails;
    if (exited?.name === "CheckQueues" && exited.output) {
      checks.push({ ...JSON.parse(exited.output).reading.payload, afterEntered: entered.length });
    }
  }
  return { entered, checks };
}

async function actionOf(instanceId: string) {
  return (await emulator.listLifecycleActions()).find((a) => a.InstanceId === instanceId);
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), "drain-emulator-"));
  emulator = await startEmulator({ executeStateMachines: true });
  const config = awsClientConfig(emulator);
  sfn = new SFNClient(config);
  autoscaling = new AutoScalingClient(config);
  ssm = new SSMClient(config);
  ec2 = new EC2Client(config);

  await ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: "cribl-workers",
      LaunchTemplateData: { ImageId: "ami-12c6146b", InstanceType: "t3.small" },
    }),
  );
  await autoscaling.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: GROUP,
      LaunchTemplate: { LaunchTemplateName: "cribl-workers", Version: "$Latest" },
      MinSize: 0,
      MaxSize: 6,
      DesiredCapacity: 6,
      AvailabilityZones: ["us-east-1a"],
    }),
  );
  const group = await autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [GROUP] }));
  instances.push(...group.AutoScalingGroups![0]!.Instances!.map((i) => i.InstanceId!));

  for (const [name, document] of [
    [PROBE_DOCUMENT, queueProbeDocument("/opt/cribl/state")],
    [STOP_DOCUMENT, gracefulStopDocument()],
  ] as const) {
    await ssm.send(
      new CreateDocumentCommand({
        Name: name,
        DocumentType: "Command",
        DocumentFormat: "JSON",
        Content: JSON.stringify(document),
      }),
    );
  }

  const functionArn = await createCheckQueueFunction(await createRole("cribl-check-queue", "lambda.amazonaws.com"));
  const definition = renderDrainDefinition({
    CheckQueueFunctionArn: functionArn,
    GracefulStopDocumentName: STOP_DOCUMENT,
  });
  const roleArn = await createRole("cribl-drain", "states.amazonaws.com");
  ({ stateMachineArn } = (await sfn.send(
    new CreateStateMachineCommand({ name: "cribl-drain", definition, roleArn, type: "STANDARD" }),
  )) as { stateMachineArn: string });
}, 60_000);

afterAll(async () => {
  for (const client of [sfn, autoscaling, ssm, ec2]) client?.destroy();
  await emulator?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe("the shipped drain definition on the emulator, with the real check-queue function", () => {
  test("a shrinking queue drains: two empty readings, then CompleteLifecycleAction(CONTINUE) → Drained", async () => {
    // Prepare
    const instanceId = instances[0]!;
    await emulator.scriptSsmAgent(instanceId, [probeAnswer(3000), probeAnswer(1200), probeAnswer(0), probeAnswer(0)]);
    // Act
    const executionArn = await startDrain(instanceId);
    const execution = await waitForEnd(executionArn);
    // Assess
    expect({ status: execution.status, error: execution.error, cause: execution.cause }).toEqual({
      status: "SUCCEEDED",
      error: undefined,
      cause: undefined,
    });
    const { entered, checks } = walk(await history(executionArn));
    expect(entered.at(-1)).toBe("Drained");
    expect(checks.map((c) => [c.result, c.totalBytes])).toEqual([
      ["ok", 3000],
      ["ok", 1200],
      ["ok", 0],
      ["ok", 0],
    ]);
    // Completed once, and only after the second consecutive empty reading.
    expect(entered.filter((s) => s === "CompleteLifecycleAction")).toHaveLength(1);
    expect(entered.indexOf("CompleteLifecycleAction")).toBeGreaterThanOrEqual(checks[3]!.afterEntered);
    const loops = entered.filter((s) => s === "RecordHeartbeat").length;
    expect(loops).toBe(4);
    const action = await actionOf(instanceId);
    expect(action).toMatchObject({ State: "Completed", Result: "CONTINUE" });
    expect(action!.HeartbeatCount).toBeGreaterThanOrEqual(loops);
    expect(JSON.parse(execution.output!).progress).toMatchObject({ emptyChecks: 2, lastBytes: 0 });
  });

  test("the lifecycle action expires mid-drain with bytes queued → LifecycleActionGoneUnconfirmed (Fail), error in Cause", async () => {
    // Prepare
    const instanceId = instances[1]!;
    await emulator.scriptSsmAgent(instanceId, [probeAnswer(5000)]);
    // Act: expire right after the first check, during the first wait (2 s).
    const executionArn = await startDrain(instanceId, { minWaitSeconds: 2, maxWaitSeconds: 4 });
    const until = Date.now() + 20_000;
    while (walk(await history(executionArn)).checks.length === 0) {
      if (Date.now() > until) throw new Error("no check within 20 s");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await emulator.expireLifecycleAction(instanceId)).toBe(true);
    // The heartbeat's error arrives as AutoScaling.AutoScalingException, which the definition retries (throttling is
    // reported that way too): 5 attempts, full jitter, up to 2+4+8+16+30 = 60 s of real waits on this engine.
    const execution = await waitForEnd(executionArn, 100_000);
    // Assess
    expect({ status: execution.status, error: execution.error }).toEqual({
      status: "FAILED",
      error: "LifecycleActionGoneUnconfirmed",
    });
    const { entered } = walk(await history(executionArn));
    expect(entered.slice(-5)).toEqual([
      "RecordHeartbeat",
      "ClassifyHeartbeatError",
      "ReportLifecycleActionGoneUnconfirmed",
      "DescribeLifecycleActionGoneUnconfirmed",
      "LifecycleActionGoneUnconfirmed",
    ]);
    const { error, instanceId: reported, lastReading } = JSON.parse(execution.cause!);
    expect(reported).toBe(instanceId);
    expect(lastReading.payload.totalBytes).toBe(5000);
    expect(error.Error).toBe("AutoScaling.AutoScalingException");
    expect(error.Cause).toMatch(
      new RegExp(
        `^No active Lifecycle Action found with instance ID ${instanceId} \\(Service: AutoScaling, Status Code: 400, Request ID: `,
      ),
    );
    expect(await actionOf(instanceId)).toMatchObject({ State: "Expired", Result: null, HeartbeatCount: 1 });
    // The generic AutoScaling.AutoScalingException is retried (bounded, about 60 s of real backoff here) before the
    // Cause is classified: a Retry cannot read Cause, and throttling arrives under the same name.
  }, 150_000);

  test("SSM InvalidInstanceId and the instance terminated in EC2 → InstanceGoneUnconfirmed (Fail)", async () => {
    // Prepare
    const instanceId = instances[2]!;
    await emulator.scriptSsmAgent(instanceId, [{ Error: "InvalidInstanceId" }]);
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
    // Act
    const execution = await waitForEnd(await startDrain(instanceId));
    // Assess
    expect({ status: execution.status, error: execution.error }).toEqual({
      status: "FAILED",
      error: "InstanceGoneUnconfirmed",
    });
    const cause = JSON.parse(execution.cause!);
    expect(cause.lastReading.payload).toMatchObject({ result: "invalid_instance_id", reason: "invalid_instance_id" });
    const { entered } = walk(await history(executionArn(execution)));
    expect(entered.slice(-5)).toEqual([
      "DescribeInstanceState",
      "CheckInstanceGone",
      "ReportInstanceGoneUnconfirmed",
      "DescribeInstanceGoneUnconfirmed",
      "InstanceGoneUnconfirmed",
    ]);
    expect(await actionOf(instanceId)).toMatchObject({ State: "Pending", Result: null });
  });

  test("a queue that never empties past the deadline → completes, then fails GaveUpQueuesNotPreserved", async () => {
    // Prepare
    const instanceId = instances[3]!;
    await emulator.scriptSsmAgent(instanceId, [probeAnswer(8000)]);
    // Act
    const execution = await waitForEnd(await startDrain(instanceId, { snapshotOnGiveUp: false }, 4_000));
    // Assess
    expect({ status: execution.status, error: execution.error }).toEqual({
      status: "FAILED",
      error: "GaveUpQueuesNotPreserved",
    });
    const { entered, checks } = walk(await history(executionArn(execution)));
    expect(checks.length).toBeGreaterThanOrEqual(1);
    expect(checks.every((c) => c.result === "ok" && c.totalBytes === 8000)).toBe(true);
    expect(entered.slice(-6)).toEqual([
      "CheckSnapshotOnGiveUp",
      "CompleteLifecycleActionAfterGiveUp",
      "ReportGiveUp",
      "ReportGaveUpQueuesNotPreserved",
      "DescribeGaveUpQueuesNotPreserved",
      "GaveUpQueuesNotPreserved",
    ]);
    expect(entered).not.toContain("CompleteLifecycleAction");
    expect(await actionOf(instanceId)).toMatchObject({ State: "Completed", Result: "CONTINUE" });
  });

  test("past the deadline with snapshotOnGiveUp: tagged snapshots, completed, then GaveUpQueuesPreserved", async () => {
    // Prepare
    const instanceId = instances[4]!;
    await emulator.scriptSsmAgent(instanceId, [probeAnswer(8000)]);
    // Act
    const execution = await waitForEnd(await startDrain(instanceId, { snapshotOnGiveUp: true }, 2_000));
    // Assess
    expect({ status: execution.status, error: execution.error }).toEqual({
      status: "FAILED",
      error: "GaveUpQueuesPreserved",
    });
    const { entered } = walk(await history(executionArn(execution)));
    expect(entered.slice(entered.indexOf("CheckSnapshotOnGiveUp"))).toEqual([
      "CheckSnapshotOnGiveUp",
      "CreateQueueSnapshots",
      "CheckSnapshotsCreated",
      "RecordSnapshotIds",
      "RecordHeartbeatDuringSnapshot",
      "CountCompletedSnapshots",
      "CheckSnapshotsCompleted",
      "CompleteLifecycleActionAfterGiveUp",
      "ReportGiveUp",
      "ReportGaveUpQueuesPreserved",
      "DescribeGaveUpQueuesPreserved",
      "GaveUpQueuesPreserved",
    ]);
    // The snapshot ids are in the Cause, for the operator who restores the queue.
    expect(JSON.parse(execution.cause!).snapshots.taken[0]).toMatch(/^snap-/);
    const { Snapshots } = await ec2.send(
      new DescribeSnapshotsCommand({ Filters: [{ Name: "tag:cribl-drain:instance-id", Values: [instanceId] }] }),
    );
    expect(Snapshots).toHaveLength(1);
    const tags = Object.fromEntries(Snapshots![0]!.Tags!.map((t) => [t.Key, t.Value]));
    expect(tags).toEqual({
      "cribl-drain:auto-scaling-group": GROUP,
      "cribl-drain:instance-id": instanceId,
      "cribl-drain:execution-name": expect.stringMatching(new RegExp(`^${instanceId}-`)),
      "cribl-drain:execution-id": executionArn(execution),
    });
    expect(await actionOf(instanceId)).toMatchObject({ State: "Completed", Result: "CONTINUE" });
  });

  test("an error thrown by check-queue reaches the definition under its own name → FailedUnexpectedError, name in Cause", async () => {
    // Prepare: a relative queue directory is refused by the handler's input check (CheckQueueInputError).
    const instanceId = "i-0c0ffee0000000001";
    // Act
    const execution = await waitForEnd(await startDrain(instanceId, { queueDirectories: "relative/queues" }));
    // Assess
    expect(execution.status).toBe("FAILED");
    expect(execution.error).toBe("FailedUnexpectedError");
    const cause = JSON.parse(execution.cause!);
    expect(cause.error.Error).toBe("CheckQueueInputError");
    expect(JSON.parse(cause.error.Cause)).toMatchObject({
      errorType: "CheckQueueInputError",
      errorMessage: "queueDirectories must be comma-separated absolute paths",
    });
    const { entered } = walk(await history(executionArn(execution)));
    expect(entered).toEqual([
      "ValidateInput",
      "PrepareDrain",
      "RecordHeartbeat",
      "CheckQueues",
      "RouteCheckFailure",
      "ReportFailedUnexpectedError",
      "DescribeFailedUnexpectedError",
      "FailedUnexpectedError",
    ]);
  });

  test("the probe document refuses a directory outside the queue root at SendCommand: the drain fails, never drains", async () => {
    // Prepare: /etc passes check-queue's shape check; only the document's allowedPattern (queue root /opt/cribl/state)
    // stops it, as SSM does at SendCommand (the harness enforces allowedPattern and maxChars like SSM).
    const instanceId = "i-0c0ffee0000000002";
    // Act
    const execution = await waitForEnd(await startDrain(instanceId, { queueDirectories: "/etc" }));
    // Assess
    expect(execution.status).toBe("FAILED");
    expect(execution.error).toBe("FailedUnexpectedError");
    const cause = JSON.parse(execution.cause!);
    expect(cause.error.Error).toBe("InvalidParameters");
    expect(cause.error.Cause).toMatch(/queueDirectories.{1,8}\/etc.{1,8}failed to satisfy constraint/);
  });

  test("graceful stop on: data flushed by the stop fails the proof, Cribl is started again, and only a later proof completes", async () => {
    // Prepare: each SendCommand consumes the next answer: probe, probe, stop, proof (700 B flushed), start, probe,
    // probe, stop, proof (empty, service inactive).
    const instanceId = instances[5]!;
    await emulator.scriptSsmAgent(instanceId, [
      probeAnswer(0),
      probeAnswer(0),
      stopDocumentAnswer("stop"),
      probeAnswer(700, false),
      stopDocumentAnswer("start"),
      probeAnswer(0),
      probeAnswer(0),
      stopDocumentAnswer("stop"),
      probeAnswer(0, false),
    ]);
    // Act
    const execution = await waitForEnd(await startDrain(instanceId, { gracefulStop: true }), 60_000);
    // Assess
    expect({ status: execution.status, error: execution.error }).toEqual({ status: "SUCCEEDED", error: undefined });
    const { entered } = walk(await history(executionArn(execution)));
    expect(entered.filter((s) => s === "StartCriblAgain")).toHaveLength(1);
    expect(entered.filter((s) => s === "CheckQueuesAfterStop")).toHaveLength(2);
    expect(entered.indexOf("CompleteLifecycleAction")).toBeGreaterThan(entered.lastIndexOf("CheckQueuesAfterStop"));
    expect(entered.at(-1)).toBe("Drained");
    expect(await actionOf(instanceId)).toMatchObject({ State: "Completed", Result: "CONTINUE" });
  }, 90_000);

  test("the drains CLI lists the drains that ran and replays one to its outcome", async () => {
    // Prepare: the CLI's core over a real SDK client, against the executions of the scenarios above.
    const port: SfnPort = {
      listExecutions: (i) => sfn.send(new ListExecutionsCommand(i)),
      getExecutionHistory: (i) => sfn.send(new GetExecutionHistoryCommand(i)),
      describeExecution: (i) => sfn.send(new DescribeExecutionCommand(i)),
    };
    // Act
    const rows = await listDrains(port, stateMachineArn, { recent: 50 });
    const drained = rows.find((r) => r.instanceId === instances[0]);
    if (!drained) throw new Error(`no drain of ${instances[0]} in ${JSON.stringify(rows)}`);
    const events: FollowEvent[] = [];
    const end = await followDrain(port, drained.executionArn, (e) => events.push(e), { pollMs: 10, maxPolls: 3 });
    const text = events.map(formatFollowEvent).join("\n");
    // Assess: the outcome is the terminal state's name, not only the status; a Fail ending is never SUCCEEDED.
    expect(drained).toMatchObject({ status: "SUCCEEDED", outcome: "Drained", lastCheckBytes: 0 });
    expect(drained.deadline).toEqual(expect.any(String));
    expect(drained.durationSeconds).toEqual(expect.any(Number));
    for (const row of rows.filter((r) => r.status === "FAILED")) {
      expect(row.outcome).toMatch(/^(LifecycleActionGone|InstanceGone)Unconfirmed$|^GaveUp|^Failed/);
    }
    expect(rows.map((r) => r.status)).toEqual(expect.arrayContaining(["SUCCEEDED", "FAILED"]));
    expect(end).toMatchObject({ status: "SUCCEEDED", outcome: "Drained", drained: true, lastBytes: 0 });
    expect(exitCodeOf(end)).toBe(0);
    const checks = events.filter((e) => e.type === "check");
    expect(checks.length).toBeGreaterThanOrEqual(2);
    expect(checks.every((c) => c.secondsToDeadline !== null)).toBe(true);
    expect(events.some((e) => e.type === "wait" && e.seconds !== null && e.seconds > 0)).toBe(true);
    expect(text).toMatch(/> CompleteLifecycleAction/);
    expect(text).toMatch(/ended SUCCEEDED: Drained/);
  });
});

function executionArn(execution: DescribeExecutionCommandOutput): string {
  return execution.executionArn!;
}
