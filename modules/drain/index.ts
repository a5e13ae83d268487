// The drain workflow around the worker group: the Step Functions state machine (state-machine.ts), the four
// functions (functions.ts), the EventBridge wiring with its dead-letter queue, the reconcile schedule and the status
// changes reported by drain-notify (events.ts),
// alarms and a dashboard (alarms.ts); the principals' policies are in iam.ts. Every part is created in this
// construct's scope with its own id, so the Terraform addresses are the ones pinned by test/unit/layout-pins.test.ts.
import type { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import type { SfnStateMachine } from "@cdktf/provider-aws/lib/sfn-state-machine";
import { Construct } from "constructs";
import type { DrainSettings } from "../../contracts/drain";
import { DEFAULT_RUNBOOK_URL } from "../../contracts/drain-outcomes";
import { type ArnScope, arns } from "../common/arns";
import { drainAlarms, drainDashboard } from "./alarms";
import { deadLetterQueue, lifecycleEvents, reconcileSchedule, statusEvents } from "./events";
import { drainFunctions } from "./functions";
import { type DrainWorkflowPolicies, drainPolicies } from "./iam";
import { drainNames } from "./names";
import { drainStateMachine } from "./state-machine";

export { type DrainWorkflowPolicies, SNAPSHOT_TAG_KEYS } from "./iam";
export { LIFECYCLE_EVENT_DETAIL_TYPE, METRICS_NAMESPACE, POWERTOOLS_SERVICE } from "./names";

/** An SSM document the workflow runs: a reference for the dependency, the literal name for IAM. */
export interface DrainDocument {
  /** The document's name, normally a Terraform reference (the function or state machine then depends on it). */
  readonly name: string;
  /** The same name as a literal, known at synth (IAM resources cannot be references to unknown values here). */
  readonly literalName: string;
}

/**
 * The drain workflow. Values arrive validated, with their defaults filled in, by whoever builds the construct (the
 * worker-fleet stack maps them from the configuration, where each default is written once): no prop has a default
 * here.
 */
export interface DrainWorkflowProps {
  /** Prefix of every resource name (`<prefix>-drain`, `<prefix>-drain-start`, ...). */
  readonly namePrefix: string;
  /** Where ARNs point: partition, region and account (the account may be a Terraform reference). */
  readonly scope: ArnScope;
  /** The Auto Scaling group drained (literal name: IAM conditions and the event pattern use it). */
  readonly groupName: string;
  /** The group's termination lifecycle hook. */
  readonly lifecycleHookName: string;
  /** Fixed settings of every drain, passed to the starter and reconciler (execution input). */
  readonly settings: DrainSettings;
  /** Seconds check-queue may wait for one probe result (its timeout adds a margin). */
  readonly checkBudgetSeconds: number;
  /** Our queue-probe document. */
  readonly queueProbeDocument: DrainDocument;
  /** Our graceful-stop document (its IAM is granted only when `settings.gracefulStop`). */
  readonly gracefulStopDocument: DrainDocument;
  /** Log group of the state machine, under /aws/vendedlogs/states/. */
  readonly logGroup: CloudwatchLogGroup;
  /** SNS topic every alarm notifies (alarm and OK), and drain-notify publishes to. */
  readonly alarmTopicArn: string;
  /**
   * KMS key of that topic, when the stack created it: drain-notify may then encrypt with it through SNS. Unset for a
   * topic that is not encrypted or whose key policy grants drain-notify's role itself. @default none
   */
  readonly alarmTopicKeyArn?: string | undefined;
  /** Messages beyond the failures drain-notify always publishes, and where the runbook is. @default see below */
  readonly notifications?: DrainNotificationsProps;
  /** Retention of the functions' log groups, days (one of CloudWatch's values). */
  readonly logRetentionDays: number;
  /** EventBridge schedule of the reconciler, e.g. `rate(2 minutes)`. */
  readonly reconcileSchedule: string;
}

/** What drain-notify publishes besides the endings that need someone, and the runbook its messages link. */
export interface DrainNotificationsProps {
  /** Also publish when a drain starts and when it ends well (Drained, LifecycleActionGone, continued). @default false */
  readonly startAndEnd?: boolean;
  /**
   * docs/runbook.md as the team reads it, e.g. `https://github.com/acme/cribl-infra/blob/main/docs/runbook.md`;
   * messages and alarm descriptions link `<url>#<section>`. @default "docs/runbook.md" (the path in the repository)
   */
  readonly runbookUrl?: string;
}

/** What the stack outputs and other constructs read; values are Terraform references unless said otherwise. */
export interface DrainWorkflowOutputs {
  /** ARN of the drain state machine (the drains CLI's `--state-machine-arn`). */
  readonly stateMachineArn: string;
  /** Name of the drain state machine (`<prefix>-drain`). */
  readonly stateMachineName: string;
  /** Name of the state machine's IAM role. */
  readonly stateMachineRoleName: string;
  /** Name of the check-queue function (runs the queue probe for the state machine). */
  readonly checkQueueFunctionName: string;
  /** Name of the start-drain function (lifecycle events start drains). */
  readonly startDrainFunctionName: string;
  /** Name of the reconcile function (starts drains whose events were lost). */
  readonly reconcileFunctionName: string;
  /** Name of the drain-notify function (publishes how each drain ended to the alarm topic). */
  readonly notifyFunctionName: string;
  /** URL of the dead-letter queue (lifecycle events that started no drain, messages drain-notify could not publish). */
  readonly deadLetterQueueUrl: string;
  /** ARN of that dead-letter queue. */
  readonly deadLetterQueueArn: string;
  /** ARN of the EventBridge rule that sends the group's terminate lifecycle actions to start-drain. */
  readonly lifecycleEventRuleArn: string;
  /** ARN of the EventBridge rule that sends the drain's execution status changes to drain-notify. */
  readonly statusEventRuleArn: string;
  /** Name of the CloudWatch dashboard. */
  readonly dashboardName: string;
}

export class DrainWorkflow extends Construct {
  readonly outputs: DrainWorkflowOutputs;
  /** The policies of the workflow's principals, as rendered (reviewed and simulated in tests). */
  readonly policies: DrainWorkflowPolicies;
  /** The drain state machine resource (its definition is statemachines/drain.asl.json). */
  readonly stateMachine: SfnStateMachine;

  constructor(scope: Construct, id: string, props: DrainWorkflowProps) {
    super(scope, id);
    const names = drainNames(props.namePrefix);
    const stateMachineArn = arns.stateMachine(props.scope, names.stateMachine);

    const runbookUrl = props.notifications?.runbookUrl ?? DEFAULT_RUNBOOK_URL;
    const startAndEnd = props.notifications?.startAndEnd ?? false;

    const dlq = deadLetterQueue(this, names);
    this.policies = drainPolicies({
      scope: props.scope,
      names,
      groupName: props.groupName,
      settings: props.settings,
      queueProbeDocumentName: props.queueProbeDocument.literalName,
      gracefulStopDocumentName: props.gracefulStopDocument.literalName,
      deadLetterQueueArn: dlq.arn,
      alarmTopicArn: props.alarmTopicArn,
      alarmTopicKeyArn: props.alarmTopicKeyArn,
    });
    const functions = drainFunctions(this, {
      names,
      policies: this.policies,
      stateMachineArn,
      groupName: props.groupName,
      lifecycleHookName: props.lifecycleHookName,
      settings: props.settings,
      checkBudgetSeconds: props.checkBudgetSeconds,
      queueProbeDocumentName: props.queueProbeDocument.name,
      logRetentionDays: props.logRetentionDays,
      alarmTopicArn: props.alarmTopicArn,
      runbookUrl,
      notifyStartAndEnd: startAndEnd,
    });
    const { stateMachine, role } = drainStateMachine(this, {
      name: names.stateMachine,
      account: props.scope.account,
      statements: this.policies.stateMachine,
      checkQueueFunctionArn: functions.checkQueue.function.arn,
      gracefulStopDocumentName: props.gracefulStopDocument.name,
      logGroup: props.logGroup,
    });
    this.stateMachine = stateMachine;

    const lifecycleRule = lifecycleEvents(this, {
      names,
      groupName: props.groupName,
      startDrain: functions.startDrain,
      deadLetterQueue: dlq,
    });
    reconcileSchedule(this, { names, reconcile: functions.reconcile, schedule: props.reconcileSchedule });
    const statusRule = statusEvents(this, {
      names,
      stateMachineArn,
      notify: functions.notify,
      deadLetterQueue: dlq,
      includeStarts: startAndEnd,
    });

    drainAlarms(this, {
      namePrefix: props.namePrefix,
      names,
      alarmTopicArn: props.alarmTopicArn,
      stateMachineArn: stateMachine.arn,
      deadLetterQueueName: dlq.name,
      functions,
      runbookUrl,
    });
    const dashboard = drainDashboard(this, {
      names,
      region: props.scope.region,
      stateMachineArn: stateMachine.arn,
      deadLetterQueueName: dlq.name,
    });

    this.outputs = {
      stateMachineArn: stateMachine.arn,
      stateMachineName: stateMachine.name,
      stateMachineRoleName: role.name,
      checkQueueFunctionName: functions.checkQueue.function.functionName,
      startDrainFunctionName: functions.startDrain.function.functionName,
      reconcileFunctionName: functions.reconcile.function.functionName,
      notifyFunctionName: functions.notify.function.functionName,
      deadLetterQueueUrl: dlq.url,
      deadLetterQueueArn: dlq.arn,
      lifecycleEventRuleArn: lifecycleRule.arn,
      statusEventRuleArn: statusRule.arn,
      dashboardName: dashboard.dashboardName,
    };
  }
}
