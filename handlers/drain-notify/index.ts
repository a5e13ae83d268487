// Lambda entry of drain-notify (EventBridge target of the drain's execution status changes): environment and clients
// built once, the work in core.ts, the publish in sns-publish.ts.
//
// Drain duration and outcome metrics are emitted here rather than by the state machine: this function sees every
// ending, including TIMED_OUT and ABORTED, where no state of the definition runs; doing it in the definition would
// need a PutMetricData Task before every Succeed and Fail (more states, history events and IAM) and still miss those.
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from "@aws-sdk/client-sfn";
import { drainNotifyEnv } from "../../contracts/drain";
import { loadEnv } from "../../contracts/env";
import { logger, metrics, withObservability } from "../shared/observability";
import { drainSeconds, type NotifyResult, notifyDrain } from "./core";
import { createSnsPublisher } from "./sns-publish";

const environment = loadEnv(() => drainNotifyEnv.read(process.env));
const sfn = new SFNClient({});
const region = process.env.AWS_REGION ?? "us-east-1";
const publish = createSnsPublisher({ region });

export const handler = withObservability(async (event: unknown): Promise<Omit<NotifyResult, "report">> => {
  const env = environment();
  const { report, published } = await notifyDrain(event, {
    sfn: {
      describeExecution: (i) => sfn.send(new DescribeExecutionCommand(i)),
      getExecutionHistory: (i) => sfn.send(new GetExecutionHistoryCommand(i)),
    },
    publish: async (n) => {
      await publish(env.alarmTopicArn, n.subject, n.message);
    },
    runbookUrl: env.runbookUrl,
    notifyStartAndEnd: env.notifyStartAndEnd,
  });
  // The instance is metadata (searchable in the EMF log line), not a dimension: instances come and go, and every
  // dimension value is a metric of its own. The outcome is a dimension: a small closed set worth graphing and alarming.
  if (report.instanceId) metrics.addMetadata("instanceId", report.instanceId);
  if (report.executionArn) metrics.addMetadata("executionArn", report.executionArn);
  if (report.status !== "RUNNING") {
    metrics.addDimension("outcome", report.outcome);
    metrics.addMetric("DrainOutcome", MetricUnit.Count, 1);
    // A continuation is not the end of the drain: its chain's last execution reports the whole duration.
    const seconds = report.outcome === "ContinuedAsNewExecution" ? null : drainSeconds(report);
    if (seconds !== null) metrics.addMetric("DrainDurationSeconds", MetricUnit.Seconds, seconds);
  }
  logger.info("drain status change", {
    executionArn: report.executionArn,
    instanceId: report.instanceId,
    status: report.status,
    outcome: report.outcome,
    lastBytes: report.lastReading?.totalBytes ?? null,
    snapshots: report.snapshots,
    problems: report.problems,
    published,
  });
  return { published };
});
