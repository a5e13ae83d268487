// Starting one drain execution without doubling it: shared by start-drain (events) and reconcile (schedule).
import type {
  CompleteLifecycleActionCommandInput,
  CompleteLifecycleActionCommandOutput,
} from "@aws-sdk/client-auto-scaling";
import type {
  ListExecutionsCommandInput,
  ListExecutionsCommandOutput,
  StartExecutionCommandInput,
  StartExecutionCommandOutput,
} from "@aws-sdk/client-sfn";
import { DRAIN_ENV, type DrainInput, type DrainSettings, drainExecutionName } from "./drain-contract";
import { errorName, parseDrainSettings } from "./drain-settings";
import { requireEnv } from "./env";

export interface SfnPort {
  listExecutions(input: ListExecutionsCommandInput): Promise<ListExecutionsCommandOutput>;
  startExecution(input: StartExecutionCommandInput): Promise<StartExecutionCommandOutput>;
}

export interface DrainConfig {
  stateMachineArn: string;
  autoScalingGroupName: string;
  lifecycleHookName: string;
  settings: DrainSettings;
}

/** The configuration start-drain and reconcile read from the environment the drain construct sets. */
export function drainConfigFromEnv(env: NodeJS.ProcessEnv): DrainConfig {
  return {
    stateMachineArn: requireEnv(env, DRAIN_ENV.stateMachineArn),
    autoScalingGroupName: requireEnv(env, DRAIN_ENV.autoScalingGroupName),
    lifecycleHookName: requireEnv(env, DRAIN_ENV.lifecycleHookName),
    settings: parseDrainSettings(env[DRAIN_ENV.drainSettings]),
  };
}

export type StartOutcome =
  | { action: "started"; executionName: string; executionArn: string }
  | { action: "already_running"; executionName: string }
  | { action: "already_exists"; executionName: string };

/** Name of a RUNNING execution for this instance (any suffix), or null. Paginates. */
export async function findRunningDrain(
  sfn: SfnPort,
  stateMachineArn: string,
  instanceId: string,
): Promise<string | null> {
  const prefix = `${instanceId}-`;
  let nextToken: string | undefined;
  do {
    const page = await sfn.listExecutions({ stateMachineArn, statusFilter: "RUNNING", maxResults: 1000, nextToken });
    const hit = page.executions?.find((e) => e.name?.startsWith(prefix));
    if (hit?.name) return hit.name;
    nextToken = page.nextToken;
  } while (nextToken);
  return null;
}

export function buildDrainInput(
  config: DrainConfig,
  instanceId: string,
  startedBy: DrainInput["startedBy"],
  now: Date,
  lifecycleActionToken?: string,
): DrainInput {
  return {
    instanceId,
    autoScalingGroupName: config.autoScalingGroupName,
    lifecycleHookName: config.lifecycleHookName,
    ...(lifecycleActionToken ? { lifecycleActionToken } : {}),
    startedBy,
    deadline: new Date(now.getTime() + config.settings.drainDeadlineSeconds * 1000).toISOString(),
    settings: config.settings,
  };
}

/** Starts the drain unless one is running for the instance; ExecutionAlreadyExists is harmless (duplicate event). */
export async function startDrainOnce(
  sfn: SfnPort,
  config: DrainConfig,
  input: DrainInput,
  nameSuffix: string,
): Promise<StartOutcome> {
  const executionName = drainExecutionName(input.instanceId, nameSuffix);
  const running = await findRunningDrain(sfn, config.stateMachineArn, input.instanceId);
  if (running !== null) return { action: "already_running", executionName: running };
  try {
    const out = await sfn.startExecution({
      stateMachineArn: config.stateMachineArn,
      name: executionName,
      input: JSON.stringify(input),
    });
    return { action: "started", executionName, executionArn: out.executionArn ?? "" };
  } catch (e) {
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
