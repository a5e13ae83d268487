// What an operator watches: alarms on a failed, timed-out or aborted drain (the give-up path ends in a Fail state),
// on lost lifecycle events and on function errors, all to the alarm topic; and one dashboard.
import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import type { Construct } from "constructs";
import type { DrainFunctions } from "./functions";
import { type DrainFunctionKey, type DrainNames, METRICS_NAMESPACE, POWERTOOLS_SERVICE } from "./names";

export interface DrainAlarmsInputs {
  readonly namePrefix: string;
  readonly names: DrainNames;
  readonly alarmTopicArn: string;
  readonly stateMachineArn: string;
  readonly deadLetterQueueName: string;
  readonly functions: DrainFunctions;
}

/** Creates the alarms in `scope` (the DrainWorkflow). */
export function drainAlarms(scope: Construct, p: DrainAlarmsInputs): void {
  const alarm = (id: string, name: string, description: string, metric: Record<string, unknown>) =>
    new CloudwatchMetricAlarm(scope, id, {
      alarmName: `${p.namePrefix}-${name}`,
      alarmDescription: description,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: 1,
      evaluationPeriods: 1,
      period: 300,
      treatMissingData: "notBreaching",
      alarmActions: [p.alarmTopicArn],
      okActions: [p.alarmTopicArn],
      ...metric,
    });
  const sfnMetric = (metricName: string) => ({
    namespace: "AWS/States",
    metricName,
    statistic: "Sum",
    dimensions: { StateMachineArn: p.stateMachineArn },
  });
  alarm(
    "alarm_drains_failed",
    "drain-failed",
    "A drain failed or gave up (queue snapshot taken)",
    sfnMetric("ExecutionsFailed"),
  );
  alarm("alarm_drains_timed_out", "drain-timed-out", "A drain execution timed out", sfnMetric("ExecutionsTimedOut"));
  alarm("alarm_drains_aborted", "drain-aborted", "A drain execution was aborted", sfnMetric("ExecutionsAborted"));
  alarm("alarm_dead_letters", "drain-dead-letters", "Lifecycle events could not start a drain (see the DLQ)", {
    namespace: "AWS/SQS",
    metricName: "ApproximateNumberOfMessagesVisible",
    statistic: "Maximum",
    dimensions: { QueueName: p.deadLetterQueueName },
  });
  for (const [key, fn] of Object.entries(p.functions) as [DrainFunctionKey, DrainFunctions[DrainFunctionKey]][]) {
    const functionName = p.names.functions[key];
    alarm(
      `alarm_errors_${snake(key)}`,
      `${functionName.replace(`${p.namePrefix}-`, "")}-errors`,
      `Errors of ${functionName}`,
      {
        namespace: "AWS/Lambda",
        metricName: "Errors",
        statistic: "Sum",
        dimensions: { FunctionName: fn.function.functionName },
      },
    );
  }
}

const snake = (s: string) => s.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`);

export interface DrainDashboardInputs {
  readonly names: DrainNames;
  readonly region: string;
  readonly stateMachineArn: string;
  readonly deadLetterQueueName: string;
}

export function drainDashboard(scope: Construct, p: DrainDashboardInputs): CloudwatchDashboard {
  return new CloudwatchDashboard(scope, "dashboard", {
    dashboardName: p.names.dashboard,
    dashboardBody: JSON.stringify(
      dashboardBody({
        region: p.region,
        stateMachineArn: p.stateMachineArn,
        queueName: p.deadLetterQueueName,
        functionNames: Object.values(p.names.functions),
      }),
    ),
  });
}

function dashboardBody(p: { region: string; stateMachineArn: string; queueName: string; functionNames: string[] }) {
  const widget = (x: number, y: number, title: string, metrics: unknown[][], stat = "Sum") => ({
    type: "metric",
    x,
    y,
    width: 12,
    height: 6,
    properties: { title, region: p.region, stat, period: 300, view: "timeSeries", metrics },
  });
  return {
    widgets: [
      widget(0, 0, "Drains", [
        ["AWS/States", "ExecutionsStarted", "StateMachineArn", p.stateMachineArn],
        [".", "ExecutionsSucceeded", ".", "."],
        [".", "ExecutionsFailed", ".", "."],
        [".", "ExecutionsTimedOut", ".", "."],
        [".", "ExecutionsAborted", ".", "."],
      ]),
      widget(
        12,
        0,
        "Queue bytes remaining at each check (max)",
        [[METRICS_NAMESPACE, "QueueBytesRemaining", "service", POWERTOOLS_SERVICE]],
        "Maximum",
      ),
      widget(
        0,
        6,
        "Function errors",
        p.functionNames.map((name) => ["AWS/Lambda", "Errors", "FunctionName", name]),
      ),
      widget(
        12,
        6,
        "Dead-lettered lifecycle events",
        [["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", p.queueName]],
        "Maximum",
      ),
    ],
  };
}
