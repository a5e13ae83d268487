// Starting one drain execution without doubling it: shared by start-drain (events) and reconcile (schedule).
import type {
  CompleteLifecycleActionCommandInput,
  CompleteLifecycleActionCommandOutput,
} from "@aws-sdk/client-auto-scaling";
import type {
  DescribeExecutionCommandInput,
  DescribeExecutionCommandOutput,
  ListExecutionsCommandInput,
  ListExecutionsCommandOutput,
  StartExecutionCommandInput,
  StartExecutionCommandOutput,
} from "@aws-sdk/client-sfn";
import {
  type DrainInput,
  type DrainProgress,
  type DrainSettings,
  drainExecutionName,
  drainSequenceOf,
  FINAL_FAILURES,
  initialProgress,
  lifecycleGlobalTimeoutSeconds,
  snapshotWaitMarginSeconds,
  startDrainEnv,
} from "../../../contracts/drain";
import { errorName } from "../errors";

export interface SfnPort {
  listExecutions(input: ListExecutionsCommandInput): Promise<ListExecutionsCommandOutput>;
  startExecution(input: StartExecutionCommandInput): Promise<StartExecutionCommandOutput>;
  describeExecution(input: DescribeExecutionCommandInput): Promise<DescribeExecutionCommandOutput>;
}

export interface DrainConfig {
  stateMachineArn: string;
  autoScalingGroupName: string;
  lifecycleHookName: string;
  settings: DrainSettings;
}

/** The configuration start-drain and reconcile read from the environment the drain construct sets. */
export function drainConfigFromEnv(env: Readonly<Record<string, string | undefined>>): DrainConfig {
  return startDrainEnv.read(env);
}

export type StartOutcome =
  | { action: "started"; executionName: string; executionArn: string; startedBy: DrainInput["startedBy"] }
  | { action: "already_running"; executionName: string }
  | { action: "already_exists"; executionName: string }
  | { action: "already_finished"; executionName: string; status: string; error: string | null };

/** One execution of a drain of this instance, as ListExecutions shows it. */
export interface DrainExecution {
  name: string;
  executionArn: string;
  sequence: number;
  status: string;
  startDate: Date;
}

/**
 * Every drain execution of the instance (any status), named `<instanceId>-<n>`, plus `runningOtherName`: a RUNNING
 * execution of the instance under an older name shape (`<instanceId>-<token prefix>`, before sequence numbers), which
 * must not be doubled during an upgrade. Paginates.
 */
export async function listDrainExecutions(
  sfn: SfnPort,
  stateMachineArn: string,
  instanceId: string,
): Promise<DrainExecution[] & { runningOtherName?: string }> {
  const out: DrainExecution[] & { runningOtherName?: string } = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.listExecutions({ stateMachineArn, maxResults: 1000, nextToken });
    for (const e of page.executions ?? []) {
      const sequence = drainSequenceOf(instanceId, e.name ?? "");
      if (sequence === null && e.status === "RUNNING" && e.name?.startsWith(`${instanceId}-`))
        out.runningOtherName = e.name;
      if (sequence === null || !e.executionArn) continue;
      out.push({
        name: e.name!,
        executionArn: e.executionArn,
        sequence,
        status: e.status ?? "UNKNOWN",
        startDate: e.startDate ?? new Date(0),
      });
    }
    nextToken = page.nextToken;
  } while (nextToken);
  out.sort((a, b) => a.sequence - b.sequence);
  return out;
}

/** An execution started this long before the action's start time is still counted as its own (clock skew). */
export const ACTION_CLOCK_SKEW_SECONDS = 120;

/** Whether a finished execution leaves its lifecycle action finished with (no restart). */
export function isFinalExecution(status: string, error: string | null | undefined): boolean {
  if (status === "SUCCEEDED" || status === "ABORTED") return true;
  if (status === "FAILED") return (FINAL_FAILURES as readonly string[]).includes(error ?? "");
  return false;
}

function validDate(value: unknown): Date | null {
  if (typeof value !== "string") return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** A progress record from an earlier execution's failure Cause, checked field by field; null when unusable. */
export function progressFromCause(cause: string | undefined, settings: DrainSettings): DrainProgress | null {
  if (!cause) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(cause);
  } catch {
    return null;
  }
  const p = (parsed as { progress?: Record<string, unknown> } | null)?.progress;
  if (typeof p !== "object" || p === null) return null;
  const n = (k: string) => (typeof p[k] === "number" && Number.isFinite(p[k]) ? (p[k] as number) : null);
  const clampWait = (v: number | null) =>
    v === null ? settings.minWaitSeconds : Math.min(settings.maxWaitSeconds, Math.max(settings.minWaitSeconds, v));
  const lastBytes = n("lastBytes");
  return {
    // An empty streak is not trusted across executions: the new one confirms again.
    emptyChecks: 0,
    waitSeconds: clampWait(n("waitSeconds")),
    grownWaitSeconds: clampWait(n("grownWaitSeconds")),
    steppedWaitSeconds: clampWait(n("steppedWaitSeconds")),
    lastBytes: lastBytes !== null && lastBytes >= -1 ? lastBytes : -1,
    loops: 0,
    proofAttempts: Math.max(0, Math.floor(n("proofAttempts") ?? 0)),
  };
}

export interface DrainRequest {
  instanceId: string;
  /** When the instance entered Terminating:Wait, if known (event time, scaling activity). */
  actionStartedAt: Date | null;
  startedBy: "event" | "reconciler";
  lifecycleActionToken?: string;
  now: Date;
}

/**
 * Starts the drain of one lifecycle action unless one is running or it is finished with; restarts a drain that failed
 * on the way (same deadline, progress carried over, next sequence number). The deadline is fixed from when the
 * instance entered Terminating:Wait and never moves later than an earlier drain's deadline. When the start time is
 * unknown, the earliest possible one is assumed (now - global timeout): the drain then proves the queue empty or
 * snapshots it at once, rather than holding past the hook's global timeout.
 */
export async function startDrainOnce(sfn: SfnPort, config: DrainConfig, request: DrainRequest): Promise<StartOutcome> {
  const { settings } = config;
  const globalMs = lifecycleGlobalTimeoutSeconds(settings.heartbeatTimeoutSeconds) * 1000;
  const executions = await listDrainExecutions(sfn, config.stateMachineArn, request.instanceId);
  const running = executions.find((e) => e.status === "RUNNING")?.name ?? executions.runningOtherName;
  if (running) return { action: "already_running", executionName: running };

  const windowStart =
    (request.actionStartedAt?.getTime() ?? request.now.getTime() - globalMs) - ACTION_CLOCK_SKEW_SECONDS * 1000;
  const ofThisAction = executions.filter((e) => e.startDate.getTime() >= windowStart);
  const details = await Promise.all(ofThisAction.map((e) => sfn.describeExecution({ executionArn: e.executionArn })));
  const latest = ofThisAction.at(-1);
  const latestDetail = details.at(-1);
  if (latest && latestDetail && isFinalExecution(latest.status, latestDetail.error)) {
    return {
      action: "already_finished",
      executionName: latest.name,
      status: latest.status,
      error: latestDetail.error ?? null,
    };
  }

  let startedAtMs = request.actionStartedAt?.getTime() ?? request.now.getTime() - globalMs;
  let deadlineMs = Number.POSITIVE_INFINITY;
  for (const d of details) {
    let earlier: Partial<DrainInput> = {};
    try {
      earlier = JSON.parse(d.input ?? "{}") as Partial<DrainInput>;
    } catch {
      // An unreadable input teaches nothing; the other bounds still hold.
    }
    const s = validDate(earlier.lifecycleActionStartedAt);
    const dl = validDate(earlier.deadline);
    if (s) startedAtMs = Math.min(startedAtMs, s.getTime());
    if (dl) deadlineMs = Math.min(deadlineMs, dl.getTime());
  }
  deadlineMs = Math.min(deadlineMs, startedAtMs + settings.drainDeadlineSeconds * 1000);
  const expiresMs = startedAtMs + globalMs;
  const restart = latest !== undefined;
  const sequence = (executions.at(-1)?.sequence ?? 0) + 1;
  const input: DrainInput = {
    instanceId: request.instanceId,
    autoScalingGroupName: config.autoScalingGroupName,
    lifecycleHookName: config.lifecycleHookName,
    ...(request.lifecycleActionToken ? { lifecycleActionToken: request.lifecycleActionToken } : {}),
    startedBy: restart ? "restart" : request.startedBy,
    sequence,
    lifecycleActionStartedAt: new Date(startedAtMs).toISOString(),
    deadline: new Date(deadlineMs).toISOString(),
    snapshotWaitUntil: new Date(expiresMs - snapshotWaitMarginSeconds(settings) * 1000).toISOString(),
    settings,
    progress: (restart ? progressFromCause(latestDetail?.cause, settings) : null) ?? initialProgress(settings),
    previous: restart
      ? {
          execution: latest.name,
          status: latest.status,
          error: latestDetail?.error ?? null,
          cause: latestDetail?.cause ?? null,
        }
      : {},
  };
  const executionName = drainExecutionName(request.instanceId, sequence);
  try {
    const out = await sfn.startExecution({
      stateMachineArn: config.stateMachineArn,
      name: executionName,
      input: JSON.stringify(input),
    });
    return { action: "started", executionName, executionArn: out.executionArn ?? "", startedBy: input.startedBy };
  } catch (e) {
    // Another starter (event, reconciler, duplicate) computed the same name first: one drain, as intended.
    if (errorName(e) === "ExecutionAlreadyExists") return { action: "already_exists", executionName };
    throw e;
  }
}

export interface CompleteLifecyclePort {
  completeLifecycleAction(input: CompleteLifecycleActionCommandInput): Promise<CompleteLifecycleActionCommandOutput>;
}

/**
 * Lets an instance with nothing to drain go (a warm-pool instance being terminated): CONTINUE at once. An action
 * already completed or expired (a duplicate event, or the reconciler got there first) is "gone", not an error.
 */
export async function completeWithoutDrain(
  autoScaling: CompleteLifecyclePort,
  config: DrainConfig,
  instanceId: string,
  token?: string,
): Promise<"completed_without_drain" | "lifecycle_action_gone"> {
  try {
    await autoScaling.completeLifecycleAction({
      AutoScalingGroupName: config.autoScalingGroupName,
      LifecycleHookName: config.lifecycleHookName,
      InstanceId: instanceId,
      ...(token ? { LifecycleActionToken: token } : {}),
      LifecycleActionResult: "CONTINUE",
    });
    return "completed_without_drain";
  } catch (e) {
    if (errorName(e) !== "ValidationError" || !/no active lifecycle action/i.test(String((e as Error).message)))
      throw e;
    return "lifecycle_action_gone";
  }
}
