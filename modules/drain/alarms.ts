// What an operator watches: alarms on a failed, timed-out or aborted drain (the give-up path ends in a Fail state),
// on dead-lettered events and on function errors, all to the alarm topic, each saying what it means and linking its
// runbook section; and one dashboard. The alarms count; drain-notify's message on the same topic names the instance.
import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import type { Construct } from "constructs";
import { RUNBOOK_ALARM_SECTIONS, runbookAnchor, runbookLink } from "../../contracts/drain-outcomes";
import type { DrainFunctions } from "./functions";
import { type DrainFunctionKey, type DrainNames, METRICS_NAMESPACE, POWERTOOLS_SERVICE } from "./names";

export interface DrainAlarmsInputs {
  readonly namePrefix: string;
  readonly names: DrainNames;
  readonly alarmTopicArn: string;
  readonly stateMachineArn: string;
  readonly deadLetterQueueName: string;
  readonly functions: DrainFunctions;
  /** docs/runbook.md as the team reads it. */
  readonly runbookUrl: string;
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
  const runbook = (anchor: string) => `Runbook: ${runbookLink(p.runbookUrl, anchor)}`;
  const notified = "The drain-notify message on this topic names the instance, outcome, last reading and snapshots.";
  alarm(
    "alarm_drains_failed",
    "drain-failed",
    [
      "A drain ended in a Fail state: it gave up at the deadline (snapshot taken or not: see the outcome),",
      "lost its instance or lifecycle action before the queues were proven empty, or hit an error.",
      notified,
      runbook(RUNBOOK_ALARM_SECTIONS.drainFailed),
    ].join(" "),
    sfnMetric("ExecutionsFailed"),
  );
  alarm(
    "alarm_drains_timed_out",
    "drain-timed-out",
    [
      "A drain execution hit its own timeout; the reconciler restarts it with the same deadline.",
      notified,
      runbook(runbookAnchor("TimedOut")),
    ].join(" "),
    sfnMetric("ExecutionsTimedOut"),
  );
  alarm(
    "alarm_drains_aborted",
    "drain-aborted",
    [
      "A drain execution was stopped by hand and will not be restarted; the instance is no longer held.",
      notified,
      runbook(runbookAnchor("Aborted")),
    ].join(" "),
    sfnMetric("ExecutionsAborted"),
  );
  alarm(
    "alarm_dead_letters",
    "drain-dead-letters",
    [
      `Messages are waiting in ${p.names.deadLetterQueue}: a lifecycle event that could not start a drain,`,
      "or a drain status change drain-notify could not publish.",
      runbook(RUNBOOK_ALARM_SECTIONS.deadLetters),
    ].join(" "),
    {
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      statistic: "Maximum",
      dimensions: { QueueName: p.deadLetterQueueName },
    },
  );
  for (const [key, fn] of Object.entries(p.functions) as [DrainFunctionKey, DrainFunctions[DrainFunctionKey]][]) {
    const functionName = p.names.functions[key];
    alarm(
      `alarm_errors_${snake(key)}`,
      `${functionName.replace(`${p.namePrefix}-`, "")}-errors`,
      `${functionName} failed (${FUNCTION_ROLES[key]}). ${runbook(RUNBOOK_ALARM_SECTIONS.functionErrors)}`,
      {
        namespace: "AWS/Lambda",
        metricName: "Errors",
        statistic: "Sum",
        dimensions: { FunctionName: fn.function.functionName },
      },
    );
  }
}

/** What a function's failure stops, for its alarm. */
const FUNCTION_ROLES: Record<DrainFunctionKey, string> = {
  checkQueue: "queue checks: the drain retries, then counts the reading as unknown and waits on",
  startDrain: "drains are not started from lifecycle events: the reconciler starts them, or the DLQ keeps the event",
  reconcile: "missed drains are not started, and failed ones not restarted",
  notify: "drain messages are not published: Lambda retries, then the status change goes to the DLQ",
};

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

/** A SEARCH over our namespace's metrics with the `service` dimension and one more. */
const search = (dimension: string, metricName: string, stat: string) =>
  `SEARCH('{${METRICS_NAMESPACE},${dimension},service} MetricName="${metricName}"', '${stat}', 300)`;

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
      // Per instance and per outcome: one series per dimension value, found by SEARCH as instances come and go.
      widget(0, 12, "Queue bytes remaining per instance (max)", [
        [{ expression: search("instanceId", "QueueBytesRemaining", "Maximum"), id: "bytes", label: "" }],
      ]),
      widget(12, 12, "Drain outcomes (drain-notify)", [
        [{ expression: search("outcome", "DrainOutcome", "Sum"), id: "outcomes", label: "" }],
      ]),
      widget(0, 18, "Drain duration by outcome, seconds (max)", [
        [{ expression: search("outcome", "DrainDurationSeconds", "Maximum"), id: "duration", label: "" }],
      ]),
    ],
  };
}
