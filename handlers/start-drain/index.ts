// Lambda entry of start-drain (EventBridge target): environment and clients built once, work in core.ts.

import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { AutoScalingClient, CompleteLifecycleActionCommand } from "@aws-sdk/client-auto-scaling";
import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { loadEnv } from "../../contracts/env";
import { drainConfigFromEnv } from "../shared/drain/start";
import { logger, metrics, withObservability } from "../shared/observability";
import { parseLifecycleEvent, type StartDrainResult, startDrain } from "./core";

const loadConfig = loadEnv(() => drainConfigFromEnv(process.env));
const sfn = new SFNClient({});
const autoScaling = new AutoScalingClient({});

export const handler = withObservability(async (event: unknown): Promise<StartDrainResult> => {
  const parsed = parseLifecycleEvent(event);
  const result = await startDrain(parsed, {
    config: loadConfig(),
    now: () => new Date(),
    sfn: {
      listExecutions: (i) => sfn.send(new ListExecutionsCommand(i)),
      startExecution: (i) => sfn.send(new StartExecutionCommand(i)),
      describeExecution: (i) => sfn.send(new DescribeExecutionCommand(i)),
    },
    autoScaling: { completeLifecycleAction: (i) => autoScaling.send(new CompleteLifecycleActionCommand(i)) },
  });
  if (result.action === "started") metrics.addMetric("DrainStarted", MetricUnit.Count, 1);
  logger.info("lifecycle event handled", { instanceId: parsed.instanceId, ...result });
  return result;
});
