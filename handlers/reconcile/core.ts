// reconcile: starts the drains that lost events left missing (instances of our group in Terminating:Wait).
import type {
  DescribeAutoScalingGroupsCommandInput,
  DescribeAutoScalingGroupsCommandOutput,
  DescribeScalingActivitiesCommandInput,
  DescribeScalingActivitiesCommandOutput,
  DescribeWarmPoolCommandInput,
  DescribeWarmPoolCommandOutput,
} from "@aws-sdk/client-auto-scaling";
import {
  type CompleteLifecyclePort,
  completeWithoutDrain,
  type DrainConfig,
  type SfnPort,
  type StartOutcome,
  startDrainOnce,
} from "../shared/drain/start";

export interface AutoScalingPort extends CompleteLifecyclePort {
  describeAutoScalingGroups(
    input: DescribeAutoScalingGroupsCommandInput,
  ): Promise<DescribeAutoScalingGroupsCommandOutput>;
  describeWarmPool(input: DescribeWarmPoolCommandInput): Promise<DescribeWarmPoolCommandOutput>;
  describeScalingActivities(
    input: DescribeScalingActivitiesCommandInput,
  ): Promise<DescribeScalingActivitiesCommandOutput>;
}

export interface ReconcileDeps {
  sfn: SfnPort;
  autoScaling: AutoScalingPort;
  config: DrainConfig;
  now: () => Date;
}

export type ReconcileItem =
  | ({ instanceId: string } & StartOutcome)
  | { instanceId: string; action: "completed_without_drain" | "lifecycle_action_gone" };

/** Pages of scaling activities read per run (100 each, newest first). */
export const SCALING_ACTIVITY_PAGES = 5;

/**
 * When each instance's termination started: the newest scaling activity "Terminating EC2 instance: <id>" (its
 * StartTime), for the instances asked about. Instances without such an activity are absent from the map.
 */
export async function terminationStartTimes(
  autoScaling: AutoScalingPort,
  groupName: string,
  instanceIds: string[],
): Promise<Map<string, Date>> {
  const wanted = new Set(instanceIds);
  const found = new Map<string, Date>();
  let NextToken: string | undefined;
  for (let page = 0; page < SCALING_ACTIVITY_PAGES && found.size < wanted.size; page++) {
    const out = await autoScaling.describeScalingActivities({
      AutoScalingGroupName: groupName,
      MaxRecords: 100,
      NextToken,
    });
    for (const a of out.Activities ?? []) {
      const id = /Terminating EC2 instance: (i-[0-9a-f]{8,17})/.exec(a.Description ?? "")?.[1];
      if (!id || !wanted.has(id) || !a.StartTime || found.has(id)) continue;
      found.set(id, a.StartTime);
    }
    NextToken = out.NextToken;
    if (!NextToken) break;
  }
  return found;
}

export async function reconcile(deps: ReconcileDeps): Promise<ReconcileItem[]> {
  const { config } = deps;
  const out = await deps.autoScaling.describeAutoScalingGroups({
    AutoScalingGroupNames: [config.autoScalingGroupName],
  });
  const group = out.AutoScalingGroups?.find((g) => g.AutoScalingGroupName === config.autoScalingGroupName);
  if (!group) throw new Error(`Auto Scaling group ${config.autoScalingGroupName} not found`);
  const now = deps.now();
  const items: ReconcileItem[] = [];
  const waiting = (group.Instances ?? [])
    .filter((i) => i.InstanceId && i.LifecycleState === "Terminating:Wait")
    .map((i) => i.InstanceId!);
  const startTimes = waiting.length
    ? await terminationStartTimes(deps.autoScaling, config.autoScalingGroupName, waiting)
    : new Map<string, Date>();
  for (const instanceId of waiting) {
    const outcome = await startDrainOnce(deps.sfn, config, {
      instanceId,
      actionStartedAt: startTimes.get(instanceId) ?? null,
      startedBy: "reconciler",
      now,
    });
    items.push({ instanceId, ...outcome });
  }
  // Warm-pool instances being terminated are stopped or never served traffic: nothing to drain (see start-drain).
  for (const instance of group.WarmPoolConfiguration ? await warmTerminating(deps) : []) {
    items.push({ instanceId: instance, action: await completeWithoutDrain(deps.autoScaling, config, instance) });
  }
  return items;
}

async function warmTerminating(deps: ReconcileDeps): Promise<string[]> {
  const ids: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await deps.autoScaling.describeWarmPool({
      AutoScalingGroupName: deps.config.autoScalingGroupName,
      NextToken,
    });
    for (const i of page.Instances ?? []) {
      if (i.InstanceId && i.LifecycleState === "Warmed:Terminating:Wait") ids.push(i.InstanceId);
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return ids;
}
