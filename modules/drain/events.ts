// How drains start: EventBridge sends our group's terminate lifecycle actions to start-drain (retried, then
// dead-lettered), and a schedule runs the reconciler, which starts the drains whose events were lost. How they are
// reported: the state machine's status changes go to drain-notify (retried, then dead-lettered too).
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { LambdaFunctionEventInvokeConfig } from "@cdktf/provider-aws/lib/lambda-function-event-invoke-config";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import type { Construct } from "constructs";
import type { NodeFunction } from "../common/node-function";
import { renderPolicy } from "../common/policy";
import { type DrainNames, LIFECYCLE_EVENT_DETAIL_TYPE, STATUS_CHANGE_DETAIL_TYPE } from "./names";

/** The queue of lifecycle events that could not start a drain (EventBridge's and Lambda's retries exhausted). */
export function deadLetterQueue(scope: Construct, names: DrainNames): SqsQueue {
  return new SqsQueue(scope, "dead_letter_queue", {
    name: names.deadLetterQueue,
    sqsManagedSseEnabled: true,
    messageRetentionSeconds: 14 * 24 * 3600,
  });
}

export interface LifecycleEventsInputs {
  readonly names: DrainNames;
  readonly groupName: string;
  readonly startDrain: NodeFunction;
  readonly deadLetterQueue: SqsQueue;
}

/** Terminate lifecycle actions of our group only -> start-drain, retried, then dead-lettered. */
export function lifecycleEvents(scope: Construct, p: LifecycleEventsInputs): CloudwatchEventRule {
  const dlq = p.deadLetterQueue;
  const rule = new CloudwatchEventRule(scope, "lifecycle_rule", {
    name: p.names.lifecycleRule,
    description: `Terminate lifecycle actions of ${p.groupName} start a drain`,
    eventPattern: JSON.stringify({
      source: ["aws.autoscaling"],
      "detail-type": [LIFECYCLE_EVENT_DETAIL_TYPE],
      detail: { AutoScalingGroupName: [p.groupName] },
    }),
  });
  new CloudwatchEventTarget(scope, "lifecycle_target", {
    rule: rule.name,
    targetId: "start-drain",
    arn: p.startDrain.function.arn,
    retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 20 },
    deadLetterConfig: { arn: dlq.arn },
  });
  new LambdaPermission(scope, "lifecycle_invoke_permission", {
    statementId: "AllowLifecycleRule",
    action: "lambda:InvokeFunction",
    functionName: p.startDrain.function.functionName,
    principal: "events.amazonaws.com",
    sourceArn: rule.arn,
  });
  new LambdaFunctionEventInvokeConfig(scope, "start_drain_async", {
    functionName: p.startDrain.function.functionName,
    maximumRetryAttempts: 2,
    maximumEventAgeInSeconds: 3600,
    destinationConfig: { onFailure: { destination: dlq.arn } },
  });
  new SqsQueuePolicy(scope, "dead_letter_queue_policy", {
    queueUrl: dlq.url,
    policy: renderPolicy([
      {
        Sid: "LifecycleRuleDeadLetters",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: dlq.arn,
        Condition: { ArnEquals: { "aws:SourceArn": rule.arn } },
      },
    ]),
  });
  return rule;
}

export interface ReconcileScheduleInputs {
  readonly names: DrainNames;
  readonly reconcile: NodeFunction;
  /** EventBridge schedule expression, e.g. `rate(2 minutes)`. */
  readonly schedule: string;
}

/** The reconciler, on a schedule. */
export function reconcileSchedule(scope: Construct, p: ReconcileScheduleInputs): CloudwatchEventRule {
  const rule = new CloudwatchEventRule(scope, "reconcile_schedule", {
    name: p.names.reconcileRule,
    description: "Starts drains missing for instances in Terminating:Wait",
    scheduleExpression: p.schedule,
  });
  new CloudwatchEventTarget(scope, "reconcile_target", {
    rule: rule.name,
    targetId: "reconcile",
    arn: p.reconcile.function.arn,
  });
  new LambdaPermission(scope, "reconcile_invoke_permission", {
    statementId: "AllowReconcileSchedule",
    action: "lambda:InvokeFunction",
    functionName: p.reconcile.function.functionName,
    principal: "events.amazonaws.com",
    sourceArn: rule.arn,
  });
  return rule;
}

export interface StatusEventsInputs {
  readonly names: DrainNames;
  /** The drain state machine's ARN (built from names: the rule needs no dependency on the machine). */
  readonly stateMachineArn: string;
  readonly notify: NodeFunction;
  readonly deadLetterQueue: SqsQueue;
  /** Also deliver RUNNING (a drain started), for the optional start notifications. */
  readonly includeStarts: boolean;
}

/**
 * The drain's execution status changes -> drain-notify. Every ending is delivered, SUCCEEDED included, because the
 * function counts every outcome and times every drain (it publishes a message for a good ending only when asked);
 * RUNNING only when start notifications are on. Step Functions delivers these events best-effort: the alarms on
 * AWS/States metrics (alarms.ts) stay the backstop.
 */
export function statusEvents(scope: Construct, p: StatusEventsInputs): CloudwatchEventRule {
  const statuses = [...(p.includeStarts ? ["RUNNING"] : []), "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"];
  const rule = new CloudwatchEventRule(scope, "status_rule", {
    name: p.names.statusRule,
    description: `Status changes of ${p.names.stateMachine} executions are reported by drain-notify`,
    eventPattern: JSON.stringify({
      source: ["aws.states"],
      "detail-type": [STATUS_CHANGE_DETAIL_TYPE],
      detail: { stateMachineArn: [p.stateMachineArn], status: statuses },
    }),
  });
  new CloudwatchEventTarget(scope, "status_target", {
    rule: rule.name,
    targetId: "drain-notify",
    arn: p.notify.function.arn,
    retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 20 },
  });
  new LambdaPermission(scope, "status_invoke_permission", {
    statementId: "AllowStatusRule",
    action: "lambda:InvokeFunction",
    functionName: p.notify.function.functionName,
    principal: "events.amazonaws.com",
    sourceArn: rule.arn,
  });
  // A message that could not be published after Lambda's retries is kept in the dead-letter queue (whose alarm says
  // so) instead of being dropped.
  new LambdaFunctionEventInvokeConfig(scope, "notify_async", {
    functionName: p.notify.function.functionName,
    maximumRetryAttempts: 2,
    maximumEventAgeInSeconds: 3600,
    destinationConfig: { onFailure: { destination: p.deadLetterQueue.arn } },
  });
  return rule;
}
