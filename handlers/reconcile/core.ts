// reconcile: starts the drains that lost events left missing (instances of our group in Terminating:Wait).
import type {
  DescribeAutoScalingGroupsCommandInput,
  DescribeAutoScalingGroupsCommandOutput,
  DescribeWarmPoolCommandInput,
  DescribeWarmPoolCommandOutput,
} from "@aws-sdk/client-auto-scaling";
import {
  buildDrainInput,
  type CompleteLifecyclePort,
  completeWithoutDrain,
  type DrainConfig,
  type SfnPort,
  type StartOutcome,
  startDrainOnce,
} from "../shared/drain-start";

export interface AutoScalingPort extends CompleteLifecyclePort {
  describeAutoScalingGroups(
    input: DescribeAutoScalingGroupsCommandInput,
  ): Promise<DescribeAutoScalingGroupsCommandOutput>;
  describeWarmPool(input: DescribeWarmPoolCommandInput): Promise<DescribeWarmPoolCommandOutput>;
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

/** Stable per run, distinct between runs: `r` + base-36 seconds (7 chars until 2059), so names stay unique for 90 days. */
export function reconcilerRunId(now: Date): string {
  return `r${Math.floor(now.getTime() / 1000).toString(36)}`;
}

export async function reconcile(deps: ReconcileDeps): Promise<ReconcileItem[]> {
  const { config } = deps;
  const out = await deps.autoScaling.describeAutoScalingGroups({
    AutoScalingGroupNames: [config.autoScalingGroupName],
  });
  const group = out.AutoScalingGroups?.find((g) => g.AutoScalingGroupName === config.autoScalingGroupName);
  if (!group) throw new Error(`Auto Scaling group ${config.autoScalingGroupName} not found`);
  const now = deps.now();
  const runId = reconcilerRunId(now);
  const items: ReconcileItem[] = [];
  for (const instance of group.Instances ?? []) {
    const instanceId = instance.InstanceId;
    if (!instanceId) continue;
    if (instance.LifecycleState === "Terminating:Wait") {
      const input = buildDrainInput(config, instanceId, "reconciler", now);
      items.push({ instanceId, ...(await startDrainOnce(deps.sfn, config, input, runId)) });
    }
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
