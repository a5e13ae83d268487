// Lambda entry of reconcile (scheduled): environment and clients built once, work in core.ts.
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import {
  AutoScalingClient,
  CompleteLifecycleActionCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeScalingActivitiesCommand,
  DescribeWarmPoolCommand,
} from "@aws-sdk/client-auto-scaling";
import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { loadEnv } from "../../contracts/env";
import { drainConfigFromEnv } from "../shared/drain/start";
import { logger, metrics, withObservability } from "../shared/observability";
import { type ReconcileItem, reconcile } from "./core";

const loadConfig = loadEnv(() => drainConfigFromEnv(process.env));
const sfn = new SFNClient({});
const autoScaling = new AutoScalingClient({});

export const handler = withObservability(async (): Promise<ReconcileItem[]> => {
  const items = await reconcile({
    config: loadConfig(),
    now: () => new Date(),
    sfn: {
      listExecutions: (i) => sfn.send(new ListExecutionsCommand(i)),
      startExecution: (i) => sfn.send(new StartExecutionCommand(i)),
      describeExecution: (i) => sfn.send(new DescribeExecutionCommand(i)),
    },
    autoScaling: {
      describeAutoScalingGroups: (i) => autoScaling.send(new DescribeAutoScalingGroupsCommand(i)),
      completeLifecycleAction: (i) => autoScaling.send(new CompleteLifecycleActionCommand(i)),
      describeWarmPool: (i) => autoScaling.send(new DescribeWarmPoolCommand(i)),
      describeScalingActivities: (i) => autoScaling.send(new DescribeScalingActivitiesCommand(i)),
    },
  });
  const started = items.filter((i) => i.action === "started").length;
  metrics.addMetric("DrainStartedByReconciler", MetricUnit.Count, started);
  logger.info("reconciled", { items });
  return items;
});
