// Lambda entry of reconcile (scheduled): environment and clients built once, work in core.ts.
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import {
  AutoScalingClient,
  CompleteLifecycleActionCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeWarmPoolCommand,
} from "@aws-sdk/client-auto-scaling";
import { ListExecutionsCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { DRAIN_ENV } from "../shared/drain-contract";
import { parseDrainSettings, parsedAtLoad, requireEnv } from "../shared/drain-settings";
import type { DrainConfig } from "../shared/drain-start";
import { logger, metrics, withObservability } from "../shared/observability";
import { type ReconcileItem, reconcile } from "./core";

const loadConfig = parsedAtLoad(
  (): DrainConfig => ({
    stateMachineArn: requireEnv(process.env, DRAIN_ENV.stateMachineArn),
    autoScalingGroupName: requireEnv(process.env, DRAIN_ENV.autoScalingGroupName),
    lifecycleHookName: requireEnv(process.env, DRAIN_ENV.lifecycleHookName),
    settings: parseDrainSettings(process.env[DRAIN_ENV.drainSettings]),
  }),
);
const sfn = new SFNClient({});
const autoScaling = new AutoScalingClient({});

export const handler = withObservability(async (): Promise<ReconcileItem[]> => {
  const items = await reconcile({
    config: loadConfig(),
    now: () => new Date(),
    sfn: {
      listExecutions: (i) => sfn.send(new ListExecutionsCommand(i)),
      startExecution: (i) => sfn.send(new StartExecutionCommand(i)),
    },
    autoScaling: {
      describeAutoScalingGroups: (i) => autoScaling.send(new DescribeAutoScalingGroupsCommand(i)),
      completeLifecycleAction: (i) => autoScaling.send(new CompleteLifecycleActionCommand(i)),
      describeWarmPool: (i) => autoScaling.send(new DescribeWarmPoolCommand(i)),
    },
  });
  const started = items.filter((i) => i.action === "started").length;
  metrics.addMetric("DrainStartedByReconciler", MetricUnit.Count, started);
  logger.info("reconciled", { items });
  return items;
});
