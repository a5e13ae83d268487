// The drain workflow around the worker group: the Step Functions state machine, the three functions (check-queue,
// start-drain, reconcile), the EventBridge wiring with its dead-letter queue, alarms and a dashboard.
import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import type { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaFunctionEventInvokeConfig } from "@cdktf/provider-aws/lib/lambda-function-event-invoke-config";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { SfnStateMachine } from "@cdktf/provider-aws/lib/sfn-state-machine";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { Construct } from "constructs";
import { checkQueueEnv, type DrainSettings, startDrainEnv } from "../../contracts/drain";
import { renderDrainDefinition } from "../../statemachines/drain";
import { checkFunctionTimeoutSeconds, RECONCILE_FUNCTION_TIMEOUT_SECONDS } from "../../statemachines/drain-bounds";
import { NodeFunction, type PolicyStatement } from "../common/node-function";
import { type ArnScope, ASG_INSTANCE_TAG_KEY, arns, GROUP_TAG_KEY, terraformLiteral } from "../worker-fleet/arns";

export const LIFECYCLE_EVENT_DETAIL_TYPE = "EC2 Instance-terminate Lifecycle Action";
export const METRICS_NAMESPACE = "CriblDrain";
/** Powertools service name of the drain functions (the `service` dimension of their metrics). */
export const POWERTOOLS_SERVICE = "cribl-drain";

export interface DrainWorkflowProps {
  /** Prefix of every resource name. */
  namePrefix: string;
  scope: ArnScope;
  /** The Auto Scaling group drained (literal name). */
  groupName: string;
  lifecycleHookName: string;
  /** Fixed settings of every drain, passed to the starter and reconciler (execution input). */
  settings: DrainSettings;
  /** Seconds check-queue may wait for one probe result. */
  checkBudgetSeconds: number;
  /** Our SSM documents: `name` may be a Terraform reference (creates the dependency), `literalName` is for IAM. */
  queueProbeDocument: { name: string; literalName: string };
  gracefulStopDocument: { name: string; literalName: string };
  /** Log group of the state machine, under /aws/vendedlogs/states/. */
  logGroup: CloudwatchLogGroup;
  alarmTopicArn: string;
  logRetentionDays: number;
  /** EventBridge schedule of the reconciler. */
  reconcileSchedule: string;
}

export interface DrainWorkflowOutputs {
  stateMachineArn: string;
  stateMachineName: string;
  stateMachineRoleName: string;
  checkQueueFunctionName: string;
  startDrainFunctionName: string;
  reconcileFunctionName: string;
  deadLetterQueueUrl: string;
  deadLetterQueueArn: string;
  lifecycleEventRuleArn: string;
  dashboardName: string;
}

/** The policies of the workflow's principals, as rendered (reviewed and simulated in tests). */
export interface DrainWorkflowPolicies {
  stateMachine: PolicyStatement[];
  checkQueue: PolicyStatement[];
  startDrain: PolicyStatement[];
  reconcile: PolicyStatement[];
}

export class DrainWorkflow extends Construct {
  readonly outputs: DrainWorkflowOutputs;
  readonly policies: DrainWorkflowPolicies;
  readonly stateMachine: SfnStateMachine;

  constructor(scope: Construct, id: string, props: DrainWorkflowProps) {
    super(scope, id);
    const s = props.scope;
    const stateMachineName = `${props.namePrefix}-drain`;
    const stateMachineArn = arns.stateMachine(s, stateMachineName);
    const fnName = {
      checkQueue: `${props.namePrefix}-drain-check-queue`,
      startDrain: `${props.namePrefix}-drain-start`,
      reconcile: `${props.namePrefix}-drain-reconcile`,
    };
    const observabilityEnv = {
      POWERTOOLS_SERVICE_NAME: POWERTOOLS_SERVICE,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    };
    const commonEnv = {
      ...observabilityEnv,
      ...startDrainEnv.write({
        stateMachineArn,
        autoScalingGroupName: props.groupName,
        lifecycleHookName: props.lifecycleHookName,
        settings: props.settings,
      }),
    };

    // ssm:GetCommandInvocation supports no resource-level permissions: "*" is the only resource AWS accepts.
    const readCommandResults: PolicyStatement = {
      Sid: "ReadCommandResults",
      Effect: "Allow",
      Action: "ssm:GetCommandInvocation",
      Resource: "*",
    };
    const sendCommand = (sid: string, documentName: string): PolicyStatement[] => [
      {
        Sid: `${sid}Document`,
        Effect: "Allow",
        Action: "ssm:SendCommand",
        Resource: arns.ssmDocument(s, documentName),
      },
      {
        Sid: `${sid}OnGroupInstances`,
        Effect: "Allow",
        Action: "ssm:SendCommand",
        Resource: arns.anyInstance(s),
        Condition: { StringEquals: { [`ssm:resourceTag/${ASG_INSTANCE_TAG_KEY}`]: props.groupName } },
      },
    ];

    const dlq = new SqsQueue(this, "dead_letter_queue", {
      name: `${props.namePrefix}-drain-events-dlq`,
      sqsManagedSseEnabled: true,
      messageRetentionSeconds: 14 * 24 * 3600,
    });

    // check-queue: runs the probe document on one of our instances and reads the result; it decides nothing.
    const checkQueuePolicy: PolicyStatement[] = [
      ...sendCommand("SendQueueProbe", props.queueProbeDocument.literalName),
      readCommandResults,
    ];
    const checkQueue = new NodeFunction(this, "check_queue", {
      handler: "check-queue",
      functionName: fnName.checkQueue,
      description: "Drain: runs the queue-probe SSM document on a worker and returns the facts",
      timeoutSeconds: checkFunctionTimeoutSeconds(props.checkBudgetSeconds),
      logRetentionDays: props.logRetentionDays,
      environment: {
        ...observabilityEnv,
        ...checkQueueEnv.write({
          queueProbeDocumentName: props.queueProbeDocument.name,
          checkBudgetSeconds: props.checkBudgetSeconds,
        }),
      },
      statements: checkQueuePolicy,
    });

    const groupArnPattern = arns.autoScalingGroup(s, props.groupName);
    // Warm-pool instances hold no queue: start-drain and the reconciler release them at once.
    const releaseWarmPoolInstances: PolicyStatement = {
      Sid: "ReleaseWarmPoolInstances",
      Effect: "Allow",
      Action: "autoscaling:CompleteLifecycleAction",
      Resource: groupArnPattern,
    };
    // The deadline and progress of an earlier drain of the same lifecycle action (a restart carries them over).
    const readEarlierDrains: PolicyStatement = {
      Sid: "ReadEarlierDrains",
      Effect: "Allow",
      Action: "states:DescribeExecution",
      Resource: arns.executions(s, stateMachineName),
    };
    const startDrainPolicy: PolicyStatement[] = [
      {
        // ListExecutions finds a running drain of the same instance before starting another.
        Sid: "StartDrainOnce",
        Effect: "Allow",
        Action: ["states:StartExecution", "states:ListExecutions"],
        Resource: stateMachineArn,
      },
      readEarlierDrains,
      releaseWarmPoolInstances,
      {
        // Lambda's asynchronous on-failure destination (events the function could not handle after its retries).
        Sid: "SendFailedEventsToDeadLetterQueue",
        Effect: "Allow",
        Action: "sqs:SendMessage",
        Resource: dlq.arn,
      },
    ];
    const startDrain = new NodeFunction(this, "start_drain", {
      handler: "start-drain",
      functionName: fnName.startDrain,
      description: "Drain: starts one drain execution per terminate lifecycle action (idempotent by name)",
      timeoutSeconds: 30,
      logRetentionDays: props.logRetentionDays,
      environment: commonEnv,
      statements: startDrainPolicy,
    });

    const reconcilePolicy: PolicyStatement[] = [
      {
        // Auto Scaling's Describe* calls support no resource-level permissions.
        Sid: "FindTerminatingInstances",
        Effect: "Allow",
        Action: [
          "autoscaling:DescribeAutoScalingGroups",
          "autoscaling:DescribeWarmPool",
          // When an instance entered Terminating:Wait: the deadline counts from there.
          "autoscaling:DescribeScalingActivities",
        ],
        Resource: "*",
      },
      releaseWarmPoolInstances,
      {
        Sid: "StartMissingDrains",
        Effect: "Allow",
        Action: ["states:StartExecution", "states:ListExecutions"],
        Resource: stateMachineArn,
      },
      readEarlierDrains,
    ];
    const reconcile = new NodeFunction(this, "reconcile", {
      handler: "reconcile",
      functionName: fnName.reconcile,
      description: "Drain: starts drains missing for instances in Terminating:Wait (events can be lost)",
      timeoutSeconds: RECONCILE_FUNCTION_TIMEOUT_SECONDS,
      reservedConcurrency: 1,
      logRetentionDays: props.logRetentionDays,
      environment: commonEnv,
      statements: reconcilePolicy,
    });

    // The state machine's own role.
    const checkQueueArn = arns.lambdaFunction(s, fnName.checkQueue);
    const stateMachinePolicy: PolicyStatement[] = [
      { Sid: "InvokeCheckQueue", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: checkQueueArn },
      {
        // History limit: a long drain continues as the next execution of its chain (same deadline, same progress).
        Sid: "ContinueAsNewExecution",
        Effect: "Allow",
        Action: "states:StartExecution",
        Resource: stateMachineArn,
      },
      {
        Sid: "HoldAndReleaseLifecycleAction",
        Effect: "Allow",
        Action: ["autoscaling:RecordLifecycleActionHeartbeat", "autoscaling:CompleteLifecycleAction"],
        Resource: groupArnPattern,
      },
      ...(props.settings.gracefulStop
        ? [...sendCommand("SendGracefulStop", props.gracefulStopDocument.literalName), readCommandResults]
        : []),
      ...(props.settings.snapshotOnGiveUp ? snapshotStatements(s, props.groupName) : []),
      {
        // EC2 Describe* calls support no resource-level permissions.
        Sid: "DescribeInstancesAndSnapshots",
        Effect: "Allow",
        Action: ["ec2:DescribeInstances", "ec2:DescribeSnapshots"],
        Resource: "*",
      },
      {
        // Vended-log delivery for Step Functions, as AWS documents it: these calls support no resource-level
        // permissions.
        Sid: "DeliverExecutionLogs",
        Effect: "Allow",
        Action: [
          "logs:CreateLogDelivery",
          "logs:GetLogDelivery",
          "logs:UpdateLogDelivery",
          "logs:DeleteLogDelivery",
          "logs:ListLogDeliveries",
          "logs:PutResourcePolicy",
          "logs:DescribeResourcePolicies",
          "logs:DescribeLogGroups",
        ],
        Resource: "*",
      },
      {
        // X-Ray's segment and sampling APIs support no resource-level permissions.
        Sid: "WriteTraces",
        Effect: "Allow",
        Action: [
          "xray:PutTraceSegments",
          "xray:PutTelemetryRecords",
          "xray:GetSamplingRules",
          "xray:GetSamplingTargets",
        ],
        Resource: "*",
      },
    ];
    const role = new IamRole(this, "state_machine_role", {
      name: `${stateMachineName}-state-machine`,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "states.amazonaws.com" },
            Action: "sts:AssumeRole",
            Condition: { StringEquals: { "aws:SourceAccount": s.account } },
          },
        ],
      }),
    });
    const rolePolicy = new IamRolePolicy(this, "state_machine_policy", {
      name: "least-privilege",
      role: role.id,
      policy: JSON.stringify({ Version: "2012-10-17", Statement: stateMachinePolicy }),
    });

    const definition = renderDrainDefinition({
      CheckQueueFunctionArn: checkQueue.function.arn,
      GracefulStopDocumentName: props.gracefulStopDocument.name,
    });
    this.stateMachine = new SfnStateMachine(this, "state_machine", {
      name: stateMachineName,
      type: "STANDARD",
      roleArn: role.arn,
      definition: terraformLiteral(definition),
      loggingConfiguration: {
        logDestination: `${props.logGroup.arn}:*`,
        includeExecutionData: true,
        level: "ALL",
      },
      tracingConfiguration: { enabled: true },
      // The role's policy must exist before the first execution (and log delivery is checked at create).
      dependsOn: [rolePolicy],
    });

    // EventBridge: terminate lifecycle actions of our group only -> start-drain, retried, then dead-lettered.
    const lifecycleRule = new CloudwatchEventRule(this, "lifecycle_rule", {
      name: `${props.namePrefix}-drain-lifecycle-action`,
      description: `Terminate lifecycle actions of ${props.groupName} start a drain`,
      eventPattern: JSON.stringify({
        source: ["aws.autoscaling"],
        "detail-type": [LIFECYCLE_EVENT_DETAIL_TYPE],
        detail: { AutoScalingGroupName: [props.groupName] },
      }),
    });
    new CloudwatchEventTarget(this, "lifecycle_target", {
      rule: lifecycleRule.name,
      targetId: "start-drain",
      arn: startDrain.function.arn,
      retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 20 },
      deadLetterConfig: { arn: dlq.arn },
    });
    new LambdaPermission(this, "lifecycle_invoke_permission", {
      statementId: "AllowLifecycleRule",
      action: "lambda:InvokeFunction",
      functionName: startDrain.function.functionName,
      principal: "events.amazonaws.com",
      sourceArn: lifecycleRule.arn,
    });
    new LambdaFunctionEventInvokeConfig(this, "start_drain_async", {
      functionName: startDrain.function.functionName,
      maximumRetryAttempts: 2,
      maximumEventAgeInSeconds: 3600,
      destinationConfig: { onFailure: { destination: dlq.arn } },
    });
    new SqsQueuePolicy(this, "dead_letter_queue_policy", {
      queueUrl: dlq.url,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "LifecycleRuleDeadLetters",
            Effect: "Allow",
            Principal: { Service: "events.amazonaws.com" },
            Action: "sqs:SendMessage",
            Resource: dlq.arn,
            Condition: { ArnEquals: { "aws:SourceArn": lifecycleRule.arn } },
          },
        ],
      }),
    });

    // The reconciler, on a schedule.
    const reconcileRule = new CloudwatchEventRule(this, "reconcile_schedule", {
      name: `${props.namePrefix}-drain-reconcile`,
      description: "Starts drains missing for instances in Terminating:Wait",
      scheduleExpression: props.reconcileSchedule,
    });
    new CloudwatchEventTarget(this, "reconcile_target", {
      rule: reconcileRule.name,
      targetId: "reconcile",
      arn: reconcile.function.arn,
    });
    new LambdaPermission(this, "reconcile_invoke_permission", {
      statementId: "AllowReconcileSchedule",
      action: "lambda:InvokeFunction",
      functionName: reconcile.function.functionName,
      principal: "events.amazonaws.com",
      sourceArn: reconcileRule.arn,
    });

    // Alarms: a failed, timed-out or aborted drain (the give-up path ends in a Fail state), lost events, and errors.
    const alarm = (id: string, name: string, description: string, metric: Record<string, unknown>) =>
      new CloudwatchMetricAlarm(this, id, {
        alarmName: `${props.namePrefix}-${name}`,
        alarmDescription: description,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        threshold: 1,
        evaluationPeriods: 1,
        period: 300,
        treatMissingData: "notBreaching",
        alarmActions: [props.alarmTopicArn],
        okActions: [props.alarmTopicArn],
        ...metric,
      });
    const sfnMetric = (metricName: string) => ({
      namespace: "AWS/States",
      metricName,
      statistic: "Sum",
      dimensions: { StateMachineArn: this.stateMachine.arn },
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
      dimensions: { QueueName: dlq.name },
    });
    for (const [key, fn] of Object.entries({ checkQueue, startDrain, reconcile })) {
      alarm(
        `alarm_errors_${snake(key)}`,
        `${fnName[key as keyof typeof fnName].replace(`${props.namePrefix}-`, "")}-errors`,
        `Errors of ${fnName[key as keyof typeof fnName]}`,
        {
          namespace: "AWS/Lambda",
          metricName: "Errors",
          statistic: "Sum",
          dimensions: { FunctionName: fn.function.functionName },
        },
      );
    }

    const dashboard = new CloudwatchDashboard(this, "dashboard", {
      dashboardName: `${props.namePrefix}-drain`,
      dashboardBody: JSON.stringify(
        dashboardBody({
          region: s.region,
          stateMachineArn: this.stateMachine.arn,
          queueName: dlq.name,
          functionNames: Object.values(fnName),
        }),
      ),
    });

    this.policies = {
      stateMachine: stateMachinePolicy,
      checkQueue: checkQueuePolicy,
      startDrain: startDrainPolicy,
      reconcile: reconcilePolicy,
    };
    this.outputs = {
      stateMachineArn: this.stateMachine.arn,
      stateMachineName: this.stateMachine.name,
      stateMachineRoleName: role.name,
      checkQueueFunctionName: checkQueue.function.functionName,
      startDrainFunctionName: startDrain.function.functionName,
      reconcileFunctionName: reconcile.function.functionName,
      deadLetterQueueUrl: dlq.url,
      deadLetterQueueArn: dlq.arn,
      lifecycleEventRuleArn: lifecycleRule.arn,
      dashboardName: dashboard.dashboardName,
    };
  }
}

const snake = (s: string) => s.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`);

/** The tags CreateQueueSnapshots puts on each snapshot (statemachines/drain-definition.ts), and no other. */
export const SNAPSHOT_TAG_KEYS = [
  GROUP_TAG_KEY,
  "cribl-drain:instance-id",
  "cribl-drain:execution-name",
  "cribl-drain:execution-id",
] as const;

/**
 * Give-up path: `ec2:CreateSnapshots` of one of this group's instances. The definition names the instance
 * (InstanceSpecification), so the volumes are the ones attached to it, never chosen by a tag. IAM authorizes the call
 * on the instance, on each volume and on each new snapshot, and each resource type has its own condition keys, so
 * each gets its own statement (a statement's conditions apply to every resource it names):
 * - instance: the `aws:autoscaling:groupName` tag, which only Auto Scaling sets (users cannot set `aws:` tags);
 * - volume: no condition of its own: CreateSnapshots reaches only the volumes attached to the instance above, and a
 *   volume tag (one users can set) would add no scope;
 * - snapshot: created with our group tag and only our tag keys.
 * `ec2:CreateTags` is allowed only as part of that creation (`ec2:CreateAction`), with the same tags.
 * No `ec2:CreateSnapshot` (single volume): the definition never calls it.
 */
function snapshotStatements(s: ArnScope, groupName: string): PolicyStatement[] {
  const ourTags = {
    StringEquals: { [`aws:RequestTag/${GROUP_TAG_KEY}`]: groupName },
    "ForAllValues:StringEquals": { "aws:TagKeys": [...SNAPSHOT_TAG_KEYS] },
  };
  return [
    {
      Sid: "SnapshotGroupInstances",
      Effect: "Allow",
      Action: "ec2:CreateSnapshots",
      Resource: arns.anyInstance(s),
      Condition: { StringEquals: { [`aws:ResourceTag/${ASG_INSTANCE_TAG_KEY}`]: groupName } },
    },
    {
      Sid: "SnapshotVolumesAttachedToThoseInstances",
      Effect: "Allow",
      Action: "ec2:CreateSnapshots",
      Resource: arns.anyVolume(s),
    },
    {
      Sid: "CreateSnapshotsWithOurTagsOnly",
      Effect: "Allow",
      Action: "ec2:CreateSnapshots",
      Resource: arns.anySnapshot(s),
      Condition: ourTags,
    },
    {
      Sid: "TagSnapshotsOnlyAtCreation",
      Effect: "Allow",
      Action: "ec2:CreateTags",
      Resource: arns.anySnapshot(s),
      Condition: {
        ...ourTags,
        StringEquals: { ...ourTags.StringEquals, "ec2:CreateAction": "CreateSnapshots" },
      },
    },
  ];
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
