// The drains CLI core against a fake Step Functions client holding executions and histories shaped as Step Functions
// returns them (state entered/exited with their JSON, TaskSucceeded with the Lambda invoke envelope, Fail causes).
import type {
  DescribeExecutionCommandInput,
  ExecutionListItem,
  GetExecutionHistoryCommandInput,
  HistoryEvent,
  ListExecutionsCommandInput,
} from "@aws-sdk/client-sfn";
import { helpFor, parseArgs, UsageError } from "../../../cli/drains";
import {
  checkBytesOf,
  type DrainEnd,
  drainSummariesJson,
  exitCodeOf,
  type FollowEvent,
  followDrain,
  formatDrainTable,
  formatFollowEvent,
  listDrains,
  regionOfArn,
  resolveDrain,
  type SfnPort,
  waitSecondsOf,
} from "../../../cli/drains-core";

const SM = "arn:aws:states:eu-west-1:123456789012:stateMachine:cribl-demo-drain";
const execArn = (name: string) => `arn:aws:states:eu-west-1:123456789012:execution:cribl-demo-drain:${name}`;
const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);
const at = (s: number) => new Date(T0 + s * 1000);
const DIRS = "/opt/cribl/state/queues,/opt/cribl/data/queues";

function input(instanceId: string, sequence = 1, over: Record<string, unknown> = {}) {
  return {
    instanceId,
    autoScalingGroupName: "cribl-demo-workers",
    lifecycleHookName: "cribl-demo-drain",
    startedBy: "event",
    sequence,
    lifecycleActionStartedAt: at(-5).toISOString(),
    deadline: at(600).toISOString(),
    snapshotWaitUntil: at(3000).toISOString(),
    settings: {
      queueDirectories: DIRS,
      maxBytes: 0,
      requiredConsecutiveChecks: 2,
      minWaitSeconds: 10,
      maxWaitSeconds: 300,
      gracefulStop: true,
      serviceName: "cribl",
      snapshotOnGiveUp: true,
      snapshotExcludeBootVolume: true,
    },
    progress: {
      emptyChecks: 0,
      waitSeconds: 10,
      grownWaitSeconds: 20,
      steppedWaitSeconds: 20,
      lastBytes: -1,
      loops: 0,
      proofAttempts: 0,
    },
    previous: {},
    ...over,
  };
}

/** check-queue's result (handlers/check-queue/core.ts). */
function measured(bytes: [number, number], serviceActive = true) {
  const [a, b] = bytes;
  return {
    result: "ok",
    reason: null,
    ssmStatus: "Success",
    commandId: "c-1",
    queues: [
      { path: "/opt/cribl/state/queues", exists: true, bytes: a, files: a ? 3 : 0 },
      { path: "/opt/cribl/data/queues", exists: true, bytes: b, files: b ? 1 : 0 },
    ],
    totalBytes: a + b,
    allDirectoriesExist: true,
    missingDirectories: [],
    serviceActive,
  };
}
const unknownReading = (reason: string, ssmStatus: string | null, result = "unknown") => ({
  result,
  reason,
  ssmStatus,
  commandId: "c-2",
  queues: [],
  totalBytes: null,
  allDirectoriesExist: false,
  missingDirectories: [],
  serviceActive: null,
});

type Ev = Omit<HistoryEvent, "id" | "timestamp"> & { t: number };

/** A history in Step Functions' shape; ids assigned in order, previousEventId chained. */
class History {
  readonly events: Ev[] = [];
  private state: Record<string, unknown>;
  constructor(
    private readonly name: string,
    startInput: Record<string, unknown>,
  ) {
    this.state = startInput;
    this.events.push({
      t: 0,
      type: "ExecutionStarted",
      executionStartedEventDetails: { input: JSON.stringify(startInput), roleArn: "arn:aws:iam::1:role/sfn" },
    });
  }
  private enter(t: number, type: HistoryEvent["type"], name: string) {
    this.events.push({ t, type, stateEnteredEventDetails: { name, input: JSON.stringify(this.state) } });
  }
  private exit(t: number, type: HistoryEvent["type"], name: string) {
    this.events.push({ t, type, stateExitedEventDetails: { name, output: JSON.stringify(this.state) } });
  }
  heartbeat(t: number, name = "RecordHeartbeat") {
    this.enter(t, "TaskStateEntered", name);
    const resource = "recordLifecycleActionHeartbeat";
    this.events.push({
      t,
      type: "TaskScheduled",
      taskScheduledEventDetails: {
        resource,
        resourceType: "aws-sdk:autoscaling",
        region: "eu-west-1",
        parameters: "{}",
      },
    });
    this.events.push({
      t,
      type: "TaskSucceeded",
      taskSucceededEventDetails: { resource, resourceType: "aws-sdk:autoscaling", output: "{}" },
    });
    this.exit(t, "TaskStateExited", name);
    return this;
  }
  heartbeatGone(t: number, attempts = 1) {
    this.enter(t, "TaskStateEntered", "RecordHeartbeat");
    const cause =
      "No active Lifecycle Action found with instance ID i-0bbbbbbbbbbbbbbb2 (Service: AutoScaling, Status Code: 400)";
    for (let n = 0; n < attempts; n++) {
      this.events.push({
        t,
        type: "TaskFailed",
        taskFailedEventDetails: {
          resource: "recordLifecycleActionHeartbeat",
          resourceType: "aws-sdk:autoscaling",
          error: "AutoScaling.AutoScalingException",
          cause,
        },
      });
    }
    this.state = { ...this.state, error: { Error: "AutoScaling.AutoScalingException", Cause: cause } };
    this.exit(t, "TaskStateExited", "RecordHeartbeat");
    return this;
  }
  check(t: number, payload: unknown, name = "CheckQueues") {
    this.enter(t, "TaskStateEntered", name);
    this.events.push({
      t,
      type: "TaskScheduled",
      taskScheduledEventDetails: { resource: "invoke", resourceType: "lambda", region: "eu-west-1", parameters: "{}" },
    });
    this.events.push({
      t,
      type: "TaskStarted",
      taskStartedEventDetails: { resource: "invoke", resourceType: "lambda" },
    });
    const envelope = {
      ExecutedVersion: "$LATEST",
      Payload: payload,
      SdkHttpMetadata: { HttpStatusCode: 200 },
      StatusCode: 200,
    };
    this.events.push({
      t: t + 1,
      type: "TaskSucceeded",
      taskSucceededEventDetails: { resource: "invoke", resourceType: "lambda", output: JSON.stringify(envelope) },
    });
    this.state = { ...this.state, reading: { payload } };
    this.exit(t + 1, "TaskStateExited", name);
    return this;
  }
  choice(t: number, name: string) {
    this.enter(t, "ChoiceStateEntered", name);
    this.exit(t, "ChoiceStateExited", name);
    return this;
  }
  wait(t: number, seconds: number, name = "WaitBeforeNextCheck") {
    const progress = { ...(this.state.progress as object), waitSeconds: seconds };
    this.state = { ...this.state, progress };
    this.enter(t, "WaitStateEntered", name);
    this.exit(t + seconds, "WaitStateExited", name);
    return this;
  }
  task(t: number, name: string, output: unknown = {}) {
    this.enter(t, "TaskStateEntered", name);
    this.events.push({
      t,
      type: "TaskSucceeded",
      taskSucceededEventDetails: { resource: name, resourceType: "aws-sdk:ec2", output: JSON.stringify(output) },
    });
    this.exit(t, "TaskStateExited", name);
    return this;
  }
  pass(t: number, name: string, patch: Record<string, unknown> = {}) {
    this.enter(t, "PassStateEntered", name);
    this.state = { ...this.state, ...patch };
    this.exit(t, "PassStateExited", name);
    return this;
  }
  succeed(t: number, name: string) {
    this.enter(t, "SucceedStateEntered", name);
    this.exit(t, "SucceedStateExited", name);
    this.events.push({
      t,
      type: "ExecutionSucceeded",
      executionSucceededEventDetails: { output: JSON.stringify(this.state) },
    });
    return this;
  }
  fail(t: number, name: string) {
    const s = this.state as Record<string, unknown>;
    const report = {
      outcome: name,
      instanceId: s.instanceId,
      execution: this.name,
      deadline: s.deadline,
      lastReading: s.reading ?? { payload: "none" },
      snapshots: s.snapshots ?? { taken: [], created: 0, polls: 0 },
      previousSnapshots: {},
      error: s.error ?? { Error: "none", Cause: "none" },
      progress: s.progress,
    };
    this.pass(t, `Report${name}`, { report }).pass(t, `Describe${name}`, {
      failure: { cause: JSON.stringify(report) },
    });
    this.enter(t, "FailStateEntered", name);
    this.events.push({
      t,
      type: "ExecutionFailed",
      executionFailedEventDetails: { error: name, cause: JSON.stringify(report) },
    });
    return this;
  }
  build(): HistoryEvent[] {
    return this.events.map(
      ({ t, ...e }, i) => ({ ...e, id: i + 1, previousEventId: i, timestamp: at(t) }) as HistoryEvent,
    );
  }
}

interface Fake {
  execution: ExecutionListItem;
  history: HistoryEvent[];
  input: string;
  /** Status answered per describe call; the last one repeats. */
  statuses?: string[];
}

class FakeSfn implements SfnPort {
  readonly calls: string[] = [];
  constructor(public fakes: Fake[]) {}
  private find(arn: string) {
    const f = this.fakes.find((x) => x.execution.executionArn === arn);
    if (!f) throw Object.assign(new Error(`Execution Does Not Exist: '${arn}'`), { name: "ExecutionDoesNotExist" });
    return f;
  }
  async listExecutions(input: ListExecutionsCommandInput) {
    this.calls.push(`list ${input.statusFilter ?? "ALL"}`);
    const matching = this.fakes
      .map((f) => f.execution)
      .filter((e) => !input.statusFilter || e.status === input.statusFilter);
    const start = Number(input.nextToken ?? 0);
    const size = input.maxResults ?? 100;
    const next = start + size < matching.length ? String(start + size) : undefined;
    return { executions: matching.slice(start, start + size), nextToken: next, $metadata: {} };
  }
  async getExecutionHistory(input: GetExecutionHistoryCommandInput) {
    const events = [...this.find(input.executionArn!).history];
    const ordered = input.reverseOrder ? events.reverse() : events;
    const start = Number(input.nextToken ?? 0);
    const size = input.maxResults ?? 100;
    const next = start + size < ordered.length ? String(start + size) : undefined;
    return { events: ordered.slice(start, start + size), nextToken: next, $metadata: {} };
  }
  async describeExecution(input: DescribeExecutionCommandInput) {
    const f = this.find(input.executionArn!);
    const queue = f.statuses ?? [f.execution.status!];
    const status = (queue.length > 1 ? queue.shift() : queue[0]) as ExecutionListItem["status"];
    const failed = f.history.find((e) => e.type === "ExecutionFailed")?.executionFailedEventDetails;
    return {
      executionArn: f.execution.executionArn,
      stateMachineArn: SM,
      name: f.execution.name,
      status,
      startDate: f.execution.startDate,
      stopDate: status === "RUNNING" ? undefined : f.execution.stopDate,
      input: f.input,
      error: status === "FAILED" ? failed?.error : undefined,
      cause: status === "FAILED" ? failed?.cause : undefined,
      $metadata: {},
    };
  }
}

function fake(name: string, status: string, h: History, startInput: object, stopSecond?: number): Fake {
  const history = h.build();
  return {
    execution: {
      executionArn: execArn(name),
      stateMachineArn: SM,
      name,
      status: status as ExecutionListItem["status"],
      startDate: at(0),
      stopDate: status === "RUNNING" ? undefined : at(stopSecond ?? Math.max(...h.events.map((e) => e.t))),
    },
    history,
    input: JSON.stringify(startInput),
  };
}

const A = "i-0aaaaaaaaaaaaaaa1";
const B = "i-0bbbbbbbbbbbbbbb2";
const C = "i-0ccccccccccccccc3";

/** Shrinking queue, an unknown reading on the way, two empty readings, stop, proof, Drained. */
function drainedHistory() {
  const inA = input(A);
  const h = new History(`${A}-1`, inA)
    .heartbeat(1)
    .check(1, measured([4096, 1024]))
    .choice(2, "ValidateReading")
    .pass(2, "GrowWaitQuickly")
    .wait(2, 10)
    .heartbeat(12)
    .check(12, measured([1024, 0]))
    .wait(13, 20)
    .heartbeat(33)
    .check(33, unknownReading("ssm_status", "Failed/ExecutionTimedOut"))
    .wait(34, 40)
    .heartbeat(74)
    .check(74, measured([0, 0]))
    .wait(75, 10)
    .heartbeat(85)
    .check(85, measured([0, 0]))
    .task(86, "SendGracefulStop")
    .wait(86, 10, "WaitForGracefulStop")
    .heartbeat(96, "RecordHeartbeatDuringStop")
    .task(96, "GetGracefulStopResult")
    .check(97, measured([0, 0], false), "CheckQueuesAfterStop")
    .task(98, "CompleteLifecycleAction")
    .succeed(98, "Drained");
  return { h, input: inA };
}

/** The lifecycle action goes away while no reading was ever usable: a Fail, never SUCCEEDED. */
function goneHistory() {
  const inB = input(B);
  const h = new History(`${B}-1`, inB)
    .heartbeat(1)
    .check(1, unknownReading("budget_exhausted", "InProgress"))
    .wait(2, 10)
    .heartbeat(12)
    .check(12, unknownReading("invalid_instance_id", null, "invalid_instance_id"))
    .wait(13, 20)
    .heartbeatGone(33, 2)
    .choice(33, "ClassifyHeartbeatError")
    .fail(33, "LifecycleActionGoneUnconfirmed");
  return { h, input: inB };
}

/** Deadline passed with data: stop, snapshot, complete, GaveUpQueuesPreserved. */
function gaveUpHistory() {
  const inC = input(C, 2, {
    previous: { execution: `${C}-1`, error: "FailedUnexpectedError" },
    deadline: at(60).toISOString(),
  });
  const snaps = [
    { SnapshotId: "snap-0123456789abcdef0", StartTime: "2026-01-05T10:01:40Z" },
    { SnapshotId: "snap-0fedcba9876543210" },
  ];
  const h = new History(`${C}-2`, inC)
    .heartbeat(1)
    .check(1, measured([8 * 1024 * 1024, 0]))
    .wait(2, 60)
    .heartbeat(62)
    .check(62, measured([9 * 1024 * 1024, 0]))
    .task(63, "StopCriblBeforeSnapshot")
    .wait(63, 130, "WaitForStopBeforeSnapshot")
    .task(193, "CreateQueueSnapshots", { Snapshots: snaps })
    .pass(193, "RecordSnapshotIds", { snapshots: { taken: snaps.map((s) => s.SnapshotId), created: 2, polls: 1 } })
    .task(194, "CompleteLifecycleActionAfterGiveUp")
    .fail(194, "GaveUpQueuesPreserved");
  return { h, input: inC };
}

describe("drains CLI core", () => {
  it("lists drains with instance, status, outcome, start, duration, deadline and last bytes", async () => {
    // Prepare
    const d = drainedHistory();
    const g = goneHistory();
    const running = new History(`${A}-2`, input(A, 2))
      .heartbeat(1)
      .check(1, measured([2048, 0]))
      .wait(2, 10);
    const sfn = new FakeSfn([
      fake(`${A}-1`, "SUCCEEDED", d.h, d.input),
      fake(`${B}-1`, "FAILED", g.h, g.input),
      fake(`${A}-2`, "RUNNING", running, input(A, 2)),
    ]);
    // Act
    const rows = await listDrains(sfn, SM, { recent: 10, now: at(30) });
    // Assess
    expect(rows.map((r) => [r.name, r.instanceId, r.status, r.outcome, r.currentState, r.lastCheckBytes])).toEqual([
      [`${A}-2`, A, "RUNNING", null, "WaitBeforeNextCheck", 2048],
      [`${A}-1`, A, "SUCCEEDED", "Drained", null, 0],
      [`${B}-1`, B, "FAILED", "LifecycleActionGoneUnconfirmed", null, null],
    ]);
    expect(rows[0]).toMatchObject({ durationSeconds: 30, secondsToDeadline: 570 });
    expect(rows[1]).toMatchObject({ durationSeconds: 98, secondsToDeadline: 502, deadline: at(600).toISOString() });
    expect(rows[2]!.lastReading).toMatchObject({ result: "invalid_instance_id", reason: "invalid_instance_id" });
    const table = formatDrainTable(rows).split("\n");
    expect(table[0]).toMatch(/^INSTANCE\s+EXECUTION\s+STATUS\s+OUTCOME\s+STARTED\s+DURATION\s+DEADLINE\s+LAST BYTES$/);
    expect(table[1]).toMatch(/RUNNING\s+\(WaitBeforeNextCheck\)\s+2026-01-05T10:00:00Z\s+30s\s+in 9m30s\s+2.0 KiB$/);
    expect(table[2]).toMatch(/SUCCEEDED\s+Drained\s+2026-01-05T10:00:00Z\s+1m38s\s+8m22s left\s+0 B$/);
    expect(table[3]).toMatch(/FAILED\s+LifecycleActionGoneUnconfirmed\s+.*\s+unknown: invalid_instance_id$/);
    const json = JSON.parse(JSON.stringify(drainSummariesJson(rows)));
    expect(json[1]).toMatchObject({ outcome: "Drained", startDate: "2026-01-05T10:00:00Z", lastCheckBytes: 0 });
  });

  it("pages through running executions", async () => {
    // Prepare
    const h = new History("x", input(A));
    const running = Array.from({ length: 150 }, (_, i) =>
      fake(`i-0${String(i).padStart(16, "0")}-1`, "RUNNING", h, input(A)),
    );
    // Act / Assess
    expect(await listDrains(new FakeSfn(running), SM, { recent: 5 })).toHaveLength(150);
  });

  it("finds a drain by execution name, ARN, or the newest drain of an instance", async () => {
    // Prepare
    const h = new History("x", input(A));
    const older = fake(`${A}-1`, "FAILED", h, input(A));
    const newer = fake(`${A}-2`, "RUNNING", h, input(A, 2));
    newer.execution.startDate = at(60);
    const sfn = new FakeSfn([older, newer]);
    // Act / Assess
    expect((await resolveDrain(sfn, SM, `${A}-1`)).name).toBe(`${A}-1`);
    expect((await resolveDrain(sfn, undefined, execArn(`${A}-1`))).status).toBe("FAILED");
    expect((await resolveDrain(sfn, SM, A)).name).toBe(`${A}-2`);
    await expect(resolveDrain(sfn, SM, "i-0nothere0000000")).rejects.toThrow(/no drain named/);
  });

  it("follows a drain: per-directory bytes, trend, time to empty and deadline, waits, unknown reasons, summary", async () => {
    // Prepare: the history grows between polls; the execution ends on the third.
    const d = drainedHistory();
    const f = fake(`${A}-1`, "SUCCEEDED", d.h, d.input);
    const full = f.history;
    f.history = full.slice(0, 20);
    f.statuses = ["RUNNING", "RUNNING", "SUCCEEDED"];
    const sfn = new FakeSfn([f]);
    let polls = 0;
    const sleep = async () => {
      polls++;
      f.history = polls === 1 ? full.slice(0, 45) : full;
    };
    const events: FollowEvent[] = [];
    // Act
    const end = await followDrain(sfn, execArn(`${A}-1`), (e) => events.push(e), { sleep });
    // Assess
    const text = events.map(formatFollowEvent);
    expect(text.slice(0, 4)).toEqual([
      `2026-01-05T10:00:00Z  drain ${A}-1 started by event; deadline 2026-01-05T10:10:00.000Z (in 10m00s)`,
      "2026-01-05T10:00:02Z  check: 5.0 KiB [/opt/cribl/state/queues 4.0 KiB, /opt/cribl/data/queues 1.0 KiB], Cribl active; deadline in 9m58s",
      "2026-01-05T10:00:02Z  wait 10s (WaitBeforeNextCheck, until 2026-01-05T10:00:12Z)",
      "2026-01-05T10:00:13Z  check: 1.0 KiB [/opt/cribl/state/queues 1.0 KiB, /opt/cribl/data/queues 0 B], Cribl active; trend -21.8 KiB/min, empty in ~3s; deadline in 9m47s",
    ]);
    expect(text).toContain("2026-01-05T10:00:13Z  wait 20s (WaitBeforeNextCheck, until 2026-01-05T10:00:33Z)");
    expect(text).toContain(
      "2026-01-05T10:00:34Z  check: UNKNOWN: ssm_status (SSM Failed/ExecutionTimedOut); deadline in 9m26s",
    );
    expect(text).toContain("2026-01-05T10:01:26Z  wait 10s (WaitForGracefulStop, until 2026-01-05T10:01:36Z)");
    expect(text).toContain("2026-01-05T10:01:26Z  > SendGracefulStop");
    expect(text.find((l) => l.includes("CheckQueuesAfterStop"))).toMatch(
      /check \(CheckQueuesAfterStop\): 0 B .*Cribl stopped/,
    );
    const checks = events.filter((e) => e.type === "check");
    expect(checks.map((c) => c.trendBytesPerMinute)).toEqual([null, -22342, null, -991, 0, 0]);
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(["started", "check", "wait", "step", "end"]));
    expect(events.filter((e) => e.type === "end")).toHaveLength(1);
    expect(end).toMatchObject({ status: "SUCCEEDED", outcome: "Drained", drained: true, lastBytes: 0, snapshots: [] });
    expect(exitCodeOf(end)).toBe(0);
    expect(text.at(-1)).toBe(
      [
        `2026-01-05T10:01:38Z  drain ${A}-1 ended SUCCEEDED: Drained`,
        "  meaning:      The queues were proven empty after Cribl stopped; the lifecycle action was completed (CONTINUE).",
        "  lost:         Nothing.",
        `  instance:     ${A}`,
        "  duration:     1m38s",
        "  deadline:     2026-01-05T10:10:00.000Z (8m22s left at the end)",
        "  last reading: 0 B [/opt/cribl/state/queues 0 B, /opt/cribl/data/queues 0 B]",
        "  snapshots:    none",
      ].join("\n"),
    );
  });

  it("a lifecycle action gone before any usable reading is a Fail with its outcome and reasons, exit 1", async () => {
    // Prepare
    const g = goneHistory();
    const sfn = new FakeSfn([fake(`${B}-1`, "FAILED", g.h, g.input)]);
    const events: FollowEvent[] = [];
    // Act
    const end = await followDrain(sfn, execArn(`${B}-1`), (e) => events.push(e), { sleep: async () => {} });
    const text = events.map(formatFollowEvent);
    // Assess
    expect(text).toContain(
      "2026-01-05T10:00:02Z  check: UNKNOWN: budget_exhausted (SSM InProgress); deadline in 9m58s",
    );
    expect(text).toContain("2026-01-05T10:00:13Z  check: UNKNOWN: invalid_instance_id; deadline in 9m47s");
    expect(
      text.some((l) =>
        l.startsWith(
          "2026-01-05T10:00:33Z  RecordHeartbeat failed: AutoScaling.AutoScalingException — No active Lifecycle Action",
        ),
      ),
    ).toBe(true);
    expect(text).toContain(
      "2026-01-05T10:00:33Z  RecordHeartbeat failed again (attempt 2): AutoScaling.AutoScalingException",
    );
    expect(end).toMatchObject({
      status: "FAILED",
      outcome: "LifecycleActionGoneUnconfirmed",
      drained: false,
      lastBytes: null,
      error: { error: "AutoScaling.AutoScalingException" },
      restartedAs: null,
    });
    expect(exitCodeOf(end)).toBe(1);
    const summary = text.at(-1)!;
    expect(summary).toMatch(/ended FAILED: LifecycleActionGoneUnconfirmed\n/);
    expect(summary).toContain("  last reading: unknown: invalid_instance_id");
    expect(summary).toContain("  error:        AutoScaling.AutoScalingException: No active Lifecycle Action found");
    expect(summary).not.toMatch(/[{}]/); // readable, not a JSON Cause
  });

  it("a give-up shows the snapshot ids, the previous drain and the deadline that passed", async () => {
    // Prepare
    const g = gaveUpHistory();
    const sfn = new FakeSfn([fake(`${C}-2`, "FAILED", g.h, g.input)]);
    const events: FollowEvent[] = [];
    // Act
    const end = (await followDrain(sfn, execArn(`${C}-2`), (e) => events.push(e), { sleep: async () => {} }))!;
    const text = events.map(formatFollowEvent);
    // Assess
    expect(text[0]).toContain(`started by event after ${C}-1; deadline`);
    expect(text).toContain("2026-01-05T10:01:03Z  wait 2m10s (WaitForStopBeforeSnapshot, until 2026-01-05T10:03:13Z)");
    expect(text.find((l) => l.includes("9.0 MiB"))).toMatch(
      /trend \+1007.2 KiB\/min, not shrinking; deadline passed 3s ago/,
    );
    expect(end.snapshots).toEqual(["snap-0123456789abcdef0", "snap-0fedcba9876543210"]);
    expect(end).toMatchObject({ outcome: "GaveUpQueuesPreserved", lastBytes: 9 * 1024 * 1024, drained: false });
    expect(text.at(-1)).toContain("  snapshots:    snap-0123456789abcdef0, snap-0fedcba9876543210");
    expect(text.at(-1)).toContain("(passed 2m14s before the end)");
  });

  it("follows a drain that continues as a new execution into the next one", async () => {
    // Prepare
    const first = new History(`${A}-1`, input(A))
      .heartbeat(1)
      .check(1, measured([100, 0]))
      .task(2, "ContinueAsNewExecution")
      .succeed(2, "ContinuedAsNewExecution");
    const second = new History(`${A}-2`, input(A, 2, { startedBy: "continuation" }))
      .heartbeat(1)
      .check(1, measured([0, 0]))
      .check(2, measured([0, 0]), "CheckQueuesAfterStop")
      .succeed(3, "Drained");
    const sfn = new FakeSfn([
      fake(`${A}-1`, "SUCCEEDED", first, input(A)),
      fake(`${A}-2`, "SUCCEEDED", second, input(A, 2)),
    ]);
    const ends: DrainEnd[] = [];
    // Act
    const end = await followDrain(sfn, execArn(`${A}-1`), (e) => e.type === "end" && ends.push(e), {
      sleep: async () => {},
    });
    // Assess
    expect(ends.map((e) => [e.execution, e.outcome, e.continuedAs])).toEqual([
      [`${A}-1`, "ContinuedAsNewExecution", `${A}-2`],
      [`${A}-2`, "Drained", null],
    ]);
    expect(exitCodeOf(end)).toBe(0);
  });

  it("emits JSON documents that parse back to the same events", async () => {
    // Prepare
    const g = goneHistory();
    const sfn = new FakeSfn([fake(`${B}-1`, "FAILED", g.h, g.input)]);
    const lines: string[] = [];
    // Act
    await followDrain(sfn, execArn(`${B}-1`), (e) => lines.push(JSON.stringify(e)), { sleep: async () => {} });
    const parsed = lines.map((l) => JSON.parse(l));
    // Assess
    expect(parsed[0]).toMatchObject({ type: "started", instanceId: B, deadline: at(600).toISOString() });
    expect(parsed.at(-1)).toMatchObject({ type: "end", outcome: "LifecycleActionGoneUnconfirmed", status: "FAILED" });
  });

  it("reads check bytes from the invoke envelope, the state output or the bare payload; waits from the definition", () => {
    // Act / Assess
    expect(checkBytesOf(JSON.stringify({ StatusCode: 200, Payload: measured([7, 0]) }))).toBe(7);
    expect(checkBytesOf(JSON.stringify({ reading: { payload: measured([0, 3]) } }))).toBe(3);
    expect(checkBytesOf(JSON.stringify(unknownReading("ssm_status", "Failed")))).toBeNull();
    expect(checkBytesOf("{}")).toBeUndefined();
    expect(checkBytesOf("not json")).toBeUndefined();
    expect(waitSecondsOf("WaitBeforeNextCheck", JSON.stringify({ progress: { waitSeconds: 40 } }))).toBe(40);
    expect(waitSecondsOf("WaitForSnapshots", JSON.stringify({ settings: { maxWaitSeconds: 300 } }))).toBe(300);
    expect(waitSecondsOf("WaitForStopBeforeSnapshot", "{}")).toBe(130);
    expect(waitSecondsOf("CheckQueues", "{}")).toBeNull();
  });
});

describe("drains command line", () => {
  it("takes the region from the state machine ARN, or from an execution ARN, without AWS_REGION", () => {
    // Act / Assess
    expect(regionOfArn(SM)).toBe("eu-west-1");
    expect(parseArgs(["list"], { DRAIN_STATE_MACHINE_ARN: SM })).toMatchObject({
      command: "list",
      stateMachineArn: SM,
      region: "eu-west-1",
      recent: 20,
      json: false,
    });
    expect(parseArgs(["follow", execArn(`${A}-1`), "--json"], {})).toMatchObject({
      stateMachineArn: SM,
      region: "eu-west-1",
      json: true,
    });
    const gov = "arn:aws-us-gov:states:us-gov-west-1:123456789012:stateMachine:d";
    expect(parseArgs(["list", `--state-machine-arn=${gov}`], { AWS_REGION: "eu-west-1" }).region).toBe("us-gov-west-1");
  });

  it("validates the command line and has help for each command", () => {
    // Act / Assess
    expect(parseArgs(["follow", A, "--poll-seconds", "2"], { DRAIN_STATE_MACHINE_ARN: SM })).toMatchObject({
      target: A,
      pollSeconds: 2,
    });
    expect(() => parseArgs(["follow"], { DRAIN_STATE_MACHINE_ARN: SM })).toThrow(/needs an execution name/);
    expect(() => parseArgs(["delete"], {})).toThrow(UsageError);
    expect(() => parseArgs(["list", "--bogus"], {})).toThrow(/unknown option --bogus/);
    expect(() => parseArgs(["list"], {})).toThrow(/DRAIN_STATE_MACHINE_ARN/);
    expect(parseArgs(["list", "--help"], {}).help).toBe(true);
    expect(parseArgs(["--help"], {}).help).toBe(true);
    expect(helpFor(["list", "--help"])).toMatch(/^usage: npm run drains -- list/);
    expect(helpFor(["follow", "-h"])).toMatch(/exit status: 0 when the drain ended Drained/);
    expect(helpFor([])).toMatch(/commands:/);
  });
});
