// A deterministic simulated world for the drain as a whole system: the shipped definition runs in
// aws-local-stepfunctions, with the real cores of check-queue, start-drain and reconcile, against an Auto Scaling
// lifecycle action that expires on its heartbeat timeout and its global timeout (then terminates the instance), an
// instance whose disk holds the queued bytes (Cribl writes, drains, and flushes on stop), EBS snapshots, the
// reconciler on its schedule and scripted faults at every task. The clock is simulated: Waits, checks and retries
// advance it, nothing sleeps. The ground truth is the bytes on the disk when the instance terminates.
import { StateMachine } from "aws-local-stepfunctions";
import type { CheckQueueResult } from "../../contracts/drain";
import { type DrainInput, type DrainSettings, lifecycleGlobalTimeoutSeconds } from "../../contracts/drain";
import { checkQueue } from "../../handlers/check-queue/core";
import { type AutoScalingPort, reconcile } from "../../handlers/reconcile/core";
import type { DrainConfig, SfnPort } from "../../handlers/shared/drain/start";
import { parseLifecycleEvent, startDrain } from "../../handlers/start-drain/core";
import { terminateLifecycleEvent } from "../fixtures/drain/events";
import {
  awsError,
  DEFAULT_TEST_SETTINGS,
  estimateHistoryEvents,
  STATE_MACHINE_ARN,
  shippedDefinition,
  waitSecondsOf,
} from "../fixtures/drain/sfn-harness";

export const INSTANCE = "i-0abc1234def567890";
const GROUP = "cribl-workers";
const HOOK = "cribl-drain";
const T0_MS = Date.parse("2030-01-01T00:00:00.000Z");

/** Cribl on the instance: rates in bytes per second, functions of the simulated time (seconds since Terminating:Wait). */
export interface CriblModel {
  initialBytes: number;
  writeRate: (t: number) => number;
  drainRate: (t: number) => number;
  /** Bytes the service flushes into the queue when it is stopped, if anything was written since the last stop. */
  flushOnStopBytes: number;
}

/** Throw `error` (with `cause`) on calls `fromCall`..`fromCall + times - 1` of `state` (counted per world). */
export interface Fault {
  state: string;
  fromCall: number;
  times: number;
  error: string;
  cause?: string;
}

export interface SimScenario {
  settings?: Partial<DrainSettings>;
  cribl: CriblModel;
  faults?: Fault[];
  /** The EventBridge event never arrives: only the reconciler can start the drain. */
  eventLost?: boolean;
  reconcileIntervalSeconds?: number;
  snapshotSeconds?: number;
  /** Rewrites what check-queue returns (a broken deploy of the probe), by simulated time. */
  corruptPayload?: (real: CheckQueueResult, t: number) => unknown;
  /** Someone else completes (or the group abandons) the lifecycle action at this time. */
  externalEndAtSeconds?: number;
  /** The reconciler runs at t = 0 at the same time as start-drain handles the event (a race). */
  raceAtStart?: boolean;
  /** The scaling activity of the termination as DescribeScalingActivities reports it (default: at t = 0). */
  scalingActivityAtSeconds?: number | null;
}

export interface SimExecution {
  name: string;
  status: "RUNNING" | "SUCCEEDED" | "FAILED";
  outcome?: string;
  error?: string;
  cause?: string;
  input: DrainInput;
  startedAt: number;
  endedAt?: number;
  historyEvents?: number;
  heartbeats: number[];
}

export interface SimResult {
  executions: SimExecution[];
  actionEndedBy: "complete" | "heartbeat_timeout" | "global_timeout" | "external" | null;
  terminatedAt: number | null;
  bytesAtTermination: number;
  lostBytes: number;
  snapshots: Array<{ at: number; bytes: number; completedAt: number }>;
  maxHeartbeatGapSeconds: number;
  settings: DrainSettings;
  /** Calls per task state over the whole chain (faulted calls included). */
  taskCalls: Record<string, number>;
  violations: string[];
}

const noActive = () =>
  awsError(
    "AutoScaling.AutoScalingException",
    `No active Lifecycle Action found with instance ID ${INSTANCE} (Service: AutoScaling, Status Code: 400, Request ID: 1)`,
  );

export async function simulate(scenario: SimScenario): Promise<SimResult> {
  const settings: DrainSettings = { ...DEFAULT_TEST_SETTINGS, ...scenario.settings };
  const hbTimeout = settings.heartbeatTimeoutSeconds;
  const global = lifecycleGlobalTimeoutSeconds(hbTimeout);
  const cribl = scenario.cribl;
  const w = {
    t: 0,
    bytes: cribl.initialBytes,
    running: true,
    lastWriteAt: cribl.initialBytes > 0 ? 0 : -1,
    lastStopAt: -1,
    action: "pending" as "pending" | "completed" | "expired",
    endedBy: null as SimResult["actionEndedBy"],
    lastHeartbeat: 0,
    terminatedAt: null as number | null,
    bytesAtTermination: 0,
    snapshots: [] as Array<{ at: number; bytes: number; completedAt: number; lastWriteBefore: number }>,
  };
  const terminate = (at: number, by: SimResult["actionEndedBy"]) => {
    if (w.action !== "pending") return;
    w.action = by === "complete" ? "completed" : "expired";
    w.endedBy = by;
    w.terminatedAt = at;
    w.bytesAtTermination = w.bytes;
  };
  /** Advances the clock: Cribl writes and drains while running; the lifecycle action expires on its timeouts. */
  const advance = (seconds: number) => {
    let left = seconds;
    while (left > 0) {
      const dt = Math.min(left, 5);
      if (w.action === "pending") {
        const expiresAt = Math.min(w.lastHeartbeat + hbTimeout, global, scenario.externalEndAtSeconds ?? Infinity);
        if (w.t + dt >= expiresAt) {
          stepCribl(expiresAt - w.t);
          w.t = expiresAt;
          const by =
            expiresAt === scenario.externalEndAtSeconds
              ? "external"
              : expiresAt === global
                ? "global_timeout"
                : "heartbeat_timeout";
          terminate(w.t, by);
          left -= dt;
          continue;
        }
      }
      stepCribl(dt);
      w.t += dt;
      left -= dt;
    }
  };
  const stepCribl = (dt: number) => {
    if (!w.running || w.terminatedAt !== null || dt <= 0) return;
    const write = cribl.writeRate(w.t) * dt;
    const drained = cribl.drainRate(w.t) * dt;
    const next = Math.max(0, w.bytes + write - drained);
    if (write > 0) w.lastWriteAt = w.t + dt;
    w.bytes = Math.round(next);
  };

  // Step Functions, as start-drain, reconcile and ContinueAsNewExecution see it.
  const executions: SimExecution[] = [];
  const queue: SimExecution[] = [];
  const sfn: SfnPort = {
    listExecutions: async () => ({
      $metadata: {},
      executions: executions.map((e) => ({
        name: e.name,
        executionArn: `arn:sim:${e.name}`,
        stateMachineArn: STATE_MACHINE_ARN,
        status: e.status,
        startDate: new Date(T0_MS + e.startedAt * 1000),
      })),
    }),
    describeExecution: async ({ executionArn }) => {
      const e = executions.find((x) => `arn:sim:${x.name}` === executionArn)!;
      return {
        $metadata: {},
        executionArn,
        stateMachineArn: STATE_MACHINE_ARN,
        status: e.status,
        startDate: new Date(T0_MS + e.startedAt * 1000),
        input: JSON.stringify(e.input),
        error: e.error,
        cause: e.cause,
      };
    },
    startExecution: async ({ name, input }) => {
      if (executions.some((e) => e.name === name)) throw awsError("ExecutionAlreadyExists", "exists");
      const e: SimExecution = {
        name: name!,
        status: "RUNNING",
        input: JSON.parse(input!) as DrainInput,
        startedAt: w.t,
        heartbeats: [],
      };
      executions.push(e);
      queue.push(e);
      return { $metadata: {}, executionArn: `arn:sim:${name}`, startDate: new Date(T0_MS + w.t * 1000) };
    },
  };
  const config: DrainConfig = {
    stateMachineArn: STATE_MACHINE_ARN,
    autoScalingGroupName: GROUP,
    lifecycleHookName: HOOK,
    settings,
  };
  const activityAt = scenario.scalingActivityAtSeconds === undefined ? 0 : scenario.scalingActivityAtSeconds;
  const autoScaling: AutoScalingPort = {
    describeAutoScalingGroups: async () => ({
      $metadata: {},
      AutoScalingGroups: [
        {
          AutoScalingGroupName: GROUP,
          Instances: w.action === "pending" ? [{ InstanceId: INSTANCE, LifecycleState: "Terminating:Wait" }] : [],
        } as never,
      ],
    }),
    describeWarmPool: async () => ({ $metadata: {} }),
    describeScalingActivities: async () => ({
      $metadata: {},
      Activities:
        activityAt === null
          ? []
          : [
              {
                Description: `Terminating EC2 instance: ${INSTANCE}`,
                StartTime: new Date(T0_MS + activityAt * 1000),
              } as never,
            ],
    }),
    completeLifecycleAction: async () => ({ $metadata: {} }),
  };

  // Faults and the per-state call counts.
  const counts = new Map<string, number>();
  const maybeFault = (state: string) => {
    const n = (counts.get(state) ?? 0) + 1;
    counts.set(state, n);
    for (const f of scenario.faults ?? []) {
      if (f.state === state && n >= f.fromCall && n < f.fromCall + f.times) throw awsError(f.error, f.cause ?? f.error);
    }
  };

  const checkHandler = async (raw: unknown) => {
    const payload = (raw as { Payload: { instanceId: string; queueDirectories: string; serviceName: string } }).Payload;
    let commandSent = false;
    const result = await checkQueue(payload, {
      documentName: "cribl-queue-probe",
      budgetSeconds: 50,
      now: () => T0_MS + w.t * 1000,
      sleep: async (ms) => advance(ms / 1000),
      ssm: {
        sendCommand: async () => {
          if (w.terminatedAt !== null) throw awsError("InvalidInstanceId", "Instances not in a valid state");
          commandSent = true;
          return { $metadata: {}, Command: { CommandId: "cmd-sim" } };
        },
        getCommandInvocation: async () => {
          if (!commandSent || w.terminatedAt !== null) throw awsError("InvalidInstanceId", "gone");
          const dirs = payload.queueDirectories.split(",");
          const line = JSON.stringify({
            v: 1,
            queues: dirs.map((path, i) => ({
              path,
              exists: true,
              bytes: i === 0 ? w.bytes : 0,
              files: i === 0 && w.bytes > 0 ? 1 : 0,
            })),
            serviceActive: w.running,
            errors: [],
          });
          return { $metadata: {}, Status: "Success", StandardOutputContent: `${line}\n` };
        },
      },
    });
    const out = scenario.corruptPayload ? scenario.corruptPayload(result, w.t) : result;
    return { StatusCode: 200, ExecutedVersion: "$LATEST", Payload: out };
  };

  const world: Record<string, (input: Record<string, unknown>) => unknown> = {
    RecordHeartbeat: () => heartbeat(),
    RecordHeartbeatDuringStop: () => heartbeat(),
    RecordHeartbeatBeforeSnapshot: () => heartbeat(),
    RecordHeartbeatDuringSnapshot: () => heartbeat(),
    CompleteLifecycleAction: () => complete(),
    CompleteLifecycleActionAfterGiveUp: () => complete(),
    SendGracefulStop: (i) => sendCribl(i),
    StartCriblAgain: (i) => sendCribl(i),
    StopCriblBeforeSnapshot: (i) => sendCribl(i),
    GetGracefulStopResult: () => {
      if (w.terminatedAt !== null) throw awsError("Ssm.InvalidInstanceIdException", "gone");
      return { Status: "Success" };
    },
    DescribeInstanceState: () => ({ Reservations: w.terminatedAt === null ? [{}] : [] }),
    CreateQueueSnapshots: () => {
      if (w.terminatedAt !== null) return { Snapshots: [] };
      const completedAt = w.t + (scenario.snapshotSeconds ?? 600);
      w.snapshots.push({ at: w.t, bytes: w.bytes, completedAt, lastWriteBefore: w.lastWriteAt });
      return { Snapshots: [{ SnapshotId: `snap-${w.snapshots.length}`, State: "pending" }] };
    },
    CountCompletedSnapshots: () => ({
      Snapshots: w.snapshots.filter((s) => s.completedAt <= w.t).map((_, i) => ({ SnapshotId: `snap-${i + 1}` })),
    }),
    CountFailedSnapshots: () => ({ Snapshots: [] }),
  };
  let current: SimExecution | undefined;
  const heartbeat = () => {
    if (w.action !== "pending") throw noActive();
    w.lastHeartbeat = w.t;
    current?.heartbeats.push(w.t);
    return {};
  };
  const complete = () => {
    if (w.action !== "pending") throw noActive();
    terminate(w.t, "complete");
    return {};
  };
  const sendCribl = (input: Record<string, unknown>) => {
    if (w.terminatedAt !== null) throw awsError("Ssm.InvalidInstanceIdException", "Instances not in a valid state");
    const action = (input.Parameters as { action: string[] }).action[0];
    if (action === "stop" && w.running) {
      // In-memory data exists only if something was written since the previous stop.
      if (w.lastWriteAt > w.lastStopAt && cribl.flushOnStopBytes > 0) {
        w.bytes += cribl.flushOnStopBytes;
        w.lastWriteAt = w.t;
      }
      w.lastStopAt = w.t;
      w.running = false;
    } else if (action === "start") {
      w.running = true;
    }
    return { Command: { CommandId: `cmd-${action}` } };
  };

  const definition = shippedDefinition();
  const states = (definition as { States: Record<string, { Type: string }> }).States;
  const tasks = Object.keys(states).filter((n) => states[n]!.Type === "Task");
  const waits = Object.keys(states).filter((n) => states[n]!.Type === "Wait");

  const run = async (e: SimExecution) => {
    current = e;
    const stateContext = { EnteredTime: new Date(T0_MS + w.t * 1000).toISOString(), Name: "", RetryCount: 0 };
    const handlers: Record<string, (i: unknown) => Promise<unknown>> = {};
    for (const name of tasks) {
      handlers[name] = async (raw: unknown) => {
        advance(0.2);
        stateContext.EnteredTime = new Date(T0_MS + w.t * 1000).toISOString();
        maybeFault(name);
        if (name === "CheckQueues" || name === "CheckQueuesAfterStop") return checkHandler(raw);
        if (name === "ContinueAsNewExecution") {
          const i = raw as { Name: string; Input: unknown };
          await sfn.startExecution({
            stateMachineArn: STATE_MACHINE_ARN,
            name: i.Name,
            input: JSON.stringify(i.Input),
          });
          return { ExecutionArn: `arn:sim:${i.Name}` };
        }
        return world[name]!(raw as Record<string, unknown>);
      };
    }
    const ms = (names: string[], v: number) => Object.fromEntries(names.map((n) => [n, v]));
    const execution = new StateMachine(definition as never).run(e.input as never, {
      overrides: {
        taskResourceLocalHandlers: handlers as never,
        waitTimeOverrides: ms(waits, 1),
        retryIntervalOverrides: ms(tasks, 0),
      },
      context: {
        Execution: { Id: `arn:sim:${e.name}`, Name: e.name },
        StateMachine: { Id: STATE_MACHINE_ARN, Name: "cribl-drain" },
        State: stateContext,
      },
    });
    const entered: Array<{ name: string; type: string }> = [];
    let retries = 0;
    const consume = (async () => {
      for await (const event of execution.eventLogs) {
        if (event.type === "StateEntered") {
          entered.push({ name: event.state.name, type: event.state.type });
          if (event.state.type === "Wait") advance(waitSecondsOf(event.state.name, event.state.input));
          stateContext.EnteredTime = new Date(T0_MS + w.t * 1000).toISOString();
        } else if (event.type === "StateRetried") {
          // The backoff a real retry waits (upper end of FULL jitter, 2 s doubling, capped at 30 s).
          retries++;
          advance(Math.min(30, 2 * 2 ** Math.min(retries % 6, 4)));
          stateContext.EnteredTime = new Date(T0_MS + w.t * 1000).toISOString();
        }
      }
    })();
    try {
      await execution.result;
      e.status = "SUCCEEDED";
    } catch (err) {
      const inner = ((err as { cause?: unknown }).cause ?? {}) as { name?: string; cause?: string; message?: string };
      e.status = "FAILED";
      e.error = inner.name;
      e.cause = inner.cause ?? inner.message;
    }
    await consume;
    e.outcome = entered.at(-1)?.name;
    e.endedAt = w.t;
    e.historyEvents = estimateHistoryEvents({ statesEntered: entered, retries });
    current = undefined;
  };

  // The system: the event at t = 0 (unless lost), then executions and the reconciler on its schedule.
  const interval = scenario.reconcileIntervalSeconds ?? 120;
  let nextReconcile = interval;
  const now = () => new Date(T0_MS + w.t * 1000);
  await Promise.all([
    scenario.eventLost
      ? undefined
      : startDrain(parseLifecycleEvent(terminateLifecycleEvent()), { config, now, sfn, autoScaling }),
    scenario.raceAtStart ? reconcile({ config, now, sfn, autoScaling }) : undefined,
  ]);
  const horizon = global + 3600;
  let guard = 0;
  while (w.t < horizon && guard++ < 10_000) {
    const next = queue.shift();
    if (next) {
      await run(next);
      continue;
    }
    if (w.terminatedAt !== null) break;
    if (nextReconcile > w.t) advance(nextReconcile - w.t);
    nextReconcile += interval;
    if (w.action !== "pending") break;
    await reconcile({ config, now: () => new Date(T0_MS + w.t * 1000), sfn, autoScaling });
  }
  // Anything left running stops being simulated at the horizon (counts as no outcome).
  if (w.terminatedAt === null && w.action === "pending") advance(Math.max(0, global + 1 - w.t));

  const safe = w.snapshots.find(
    (s) =>
      s.completedAt <= (w.terminatedAt ?? Infinity) && s.lastWriteBefore <= s.at && s.bytes >= w.bytesAtTermination,
  );
  const lostBytes = w.bytesAtTermination > 0 && !safe ? w.bytesAtTermination : 0;
  // The lifecycle action's heartbeat timeout runs from Terminating:Wait (t = 0) and across every execution of the
  // chain, restarts by the reconciler included: the gap is measured over all of the chain's heartbeats.
  const beats = [0, ...executions.flatMap((e) => e.heartbeats)].sort((a, b) => a - b);
  let maxGap = 0;
  for (let i = 1; i < beats.length; i++) maxGap = Math.max(maxGap, beats[i]! - beats[i - 1]!);
  const result: SimResult = {
    executions,
    actionEndedBy: w.endedBy,
    terminatedAt: w.terminatedAt,
    bytesAtTermination: w.bytesAtTermination,
    lostBytes,
    snapshots: w.snapshots.map(({ at, bytes, completedAt }) => ({ at, bytes, completedAt })),
    maxHeartbeatGapSeconds: maxGap,
    settings,
    taskCalls: Object.fromEntries(counts),
    violations: [],
  };
  result.violations = systemViolations(result);
  return result;
}

/**
 * What must hold in every run: no byte lost without a completed snapshot; a chain of executions that does not end
 * Drained (or LifecycleActionGone after the proof) ends in a Fail; a Succeed means nothing was lost; the gap between
 * two heartbeats of a drain never exceeds the heartbeat timeout; every execution stays under the history limit.
 */
export function systemViolations(r: SimResult): string[] {
  const v: string[] = [];
  if (r.lostBytes > 0)
    v.push(`${r.lostBytes} bytes lost at ${r.terminatedAt}s (${r.actionEndedBy}) without a snapshot`);
  const last = r.executions.at(-1);
  if (last) {
    const succeededClean =
      last.status === "SUCCEEDED" && (last.outcome === "Drained" || last.outcome === "LifecycleActionGone");
    if (last.status === "SUCCEEDED" && !succeededClean) v.push(`chain ended in Succeed state ${last.outcome}`);
    if (succeededClean && r.bytesAtTermination > 0)
      v.push(`${last.outcome} with ${r.bytesAtTermination} bytes on disk`);
    if (last.status === "RUNNING") v.push(`chain still running at the end of the simulation`);
  }
  if (r.maxHeartbeatGapSeconds > r.settings.heartbeatTimeoutSeconds)
    v.push(`heartbeat gap ${r.maxHeartbeatGapSeconds}s > ${r.settings.heartbeatTimeoutSeconds}s`);
  for (const e of r.executions) {
    if ((e.historyEvents ?? 0) >= 25_000) v.push(`${e.name}: ${e.historyEvents} history events`);
  }
  return v;
}
