// start-drain: one EventBridge "EC2 Instance-terminate Lifecycle Action" event in, at most one drain execution out.
import {
  type CompleteLifecyclePort,
  completeWithoutDrain,
  type DrainConfig,
  type SfnPort,
  type StartOutcome,
  startDrainOnce,
} from "../shared/drain/start";

export const TERMINATE_DETAIL_TYPE = "EC2 Instance-terminate Lifecycle Action";
export const TERMINATING_TRANSITION = "autoscaling:EC2_INSTANCE_TERMINATING";

export class MalformedLifecycleEventError extends Error {
  override name = "MalformedLifecycleEventError";
}

export interface LifecycleEvent {
  detailType: string;
  source: string;
  instanceId: string;
  token: string;
  autoScalingGroupName: string;
  lifecycleHookName: string;
  transition: string;
  origin: string | null;
  destination: string | null;
  /** The event's `time`: when the instance entered Terminating:Wait; null when absent or not a timestamp. */
  time: Date | null;
}

function field(detail: Record<string, unknown>, name: string): string {
  const v = detail[name];
  if (typeof v !== "string" || v === "")
    throw new MalformedLifecycleEventError(`detail.${name} must be a non-empty string`);
  return v;
}

export function parseLifecycleEvent(event: unknown): LifecycleEvent {
  if (typeof event !== "object" || event === null) throw new MalformedLifecycleEventError("event must be an object");
  const e = event as Record<string, unknown>;
  if (typeof e["detail-type"] !== "string") throw new MalformedLifecycleEventError("detail-type must be a string");
  if (typeof e.source !== "string") throw new MalformedLifecycleEventError("source must be a string");
  if (typeof e.detail !== "object" || e.detail === null)
    throw new MalformedLifecycleEventError("detail must be an object");
  const d = e.detail as Record<string, unknown>;
  const instanceId = field(d, "EC2InstanceId");
  if (!/^i-[0-9a-f]{8,17}$/.test(instanceId))
    throw new MalformedLifecycleEventError("detail.EC2InstanceId is not an instance id");
  const optional = (name: string) => (typeof d[name] === "string" ? (d[name] as string) : null);
  const time = typeof e.time === "string" && !Number.isNaN(Date.parse(e.time)) ? new Date(e.time) : null;
  return {
    detailType: e["detail-type"],
    source: e.source,
    instanceId,
    token: field(d, "LifecycleActionToken"),
    autoScalingGroupName: field(d, "AutoScalingGroupName"),
    lifecycleHookName: field(d, "LifecycleHookName"),
    transition: field(d, "LifecycleTransition"),
    origin: optional("Origin"),
    destination: optional("Destination"),
    time,
  };
}

export interface StartDrainDeps {
  sfn: SfnPort;
  autoScaling: CompleteLifecyclePort;
  config: DrainConfig;
  now: () => Date;
}

export type StartDrainResult =
  | StartOutcome
  | { action: "ignored"; reason: string }
  | { action: "completed_without_drain" | "lifecycle_action_gone"; reason: string };

/**
 * Warm pools: Destination WarmPool (a running instance about to be stopped into the pool) is drained like any other:
 * its queue would otherwise sit on a stopped instance for an unbounded time, and a stopped instance cannot be probed
 * later. Origin WarmPool (a warm instance, stopped or never in service, being terminated) has nothing to drain and
 * cannot be reached over SSM, so its lifecycle action is completed with CONTINUE at once instead of timing out.
 */
export async function startDrain(event: LifecycleEvent, deps: StartDrainDeps): Promise<StartDrainResult> {
  const { config } = deps;
  if (event.source !== "aws.autoscaling" || event.detailType !== TERMINATE_DETAIL_TYPE) {
    return { action: "ignored", reason: `not a terminate lifecycle action (${event.source} / ${event.detailType})` };
  }
  if (
    event.autoScalingGroupName !== config.autoScalingGroupName ||
    event.lifecycleHookName !== config.lifecycleHookName
  ) {
    return {
      action: "ignored",
      reason: `other group or hook (${event.autoScalingGroupName} / ${event.lifecycleHookName})`,
    };
  }
  if (event.transition !== TERMINATING_TRANSITION) {
    return { action: "ignored", reason: `transition ${event.transition}` };
  }
  if (event.origin === "WarmPool") {
    const action = await completeWithoutDrain(deps.autoScaling, config, event.instanceId, event.token);
    return { action, reason: "warm-pool instance: not in service, nothing queued" };
  }
  // The deadline counts from the event's time (when the instance entered Terminating:Wait), not from now.
  return startDrainOnce(deps.sfn, config, {
    instanceId: event.instanceId,
    actionStartedAt: event.time,
    startedBy: "event",
    lifecycleActionToken: event.token,
    now: deps.now(),
  });
}
