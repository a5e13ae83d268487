// The worker-fleet stack: the Cribl worker group and the workflow that drains a worker before it terminates.
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import type { Construct } from "constructs";
import type { ResolvedAppConfig } from "../config";
import type { DrainSettings } from "../contracts/drain";
import { DEFAULT_SERVICE_NAME } from "../contracts/queue-probe";
import { alarmTopicKeyPolicy } from "../modules/common/alarm-topic";
import { arns, regionArnScope } from "../modules/common/arns";
import { DrainWorkflow } from "../modules/drain";
import { WorkerFleet } from "../modules/worker-fleet";
import { AppStack } from "./stack-base";

export class WorkerFleetStack extends AppStack {
  /** Where the drain's alarms go: the topic this stack created, or `alarms.topicArn`. */
  readonly alarmTopicArn: string;
  /** The created topic's KMS key; undefined when alarms go to `alarms.topicArn`. */
  readonly alarmTopicKeyArn: string | undefined;
  readonly drainLogGroup: CloudwatchLogGroup;
  readonly fleet: WorkerFleet;
  readonly drain: DrainWorkflow;

  constructor(scope: Construct, id: string, config: ResolvedAppConfig) {
    super(scope, id, config);
    const fleet = config.workerFleet;
    const groupName = fleet.autoScalingGroupName ?? `${config.name}-cribl-workers`;
    // Answered by STS (moto's in emulator mode: skip_requesting_account_id only skips the provider's own lookup).
    const identity = new DataAwsCallerIdentity(this, "current");
    const arnScope = regionArnScope(config.region, identity.accountId);

    // Alarms go to a topic this stack creates, or to the team's own topic (`alarms.topicArn`). CloudWatch alarms
    // cannot publish to a topic encrypted with the AWS-managed aws/sns key (its policy cannot be changed to let
    // CloudWatch use it), so the created topic has its own key that CloudWatch may use.
    if (config.alarms.topicArn) {
      this.alarmTopicArn = config.alarms.topicArn;
    } else {
      const topicKey = new KmsKey(this, "alarm_topic_key", {
        description: `${config.name}: encrypts the drain alarm topic`,
        enableKeyRotation: true,
        deletionWindowInDays: 7,
        policy: alarmTopicKeyPolicy(arns.accountRoot(arnScope), arnScope.account),
      });
      new KmsAlias(this, "alarm_topic_key_alias", {
        name: `alias/${config.name}-drain-alarms`,
        targetKeyId: topicKey.keyId,
      });
      this.alarmTopicKeyArn = topicKey.arn;
      this.alarmTopicArn = new SnsTopic(this, "alarm_topic", {
        name: `${config.name}-drain-alarms`,
        kmsMasterKeyId: topicKey.arn,
      }).arn;
    }
    if (config.alarms.email) {
      new SnsTopicSubscription(this, "alarm_email", {
        topicArn: this.alarmTopicArn,
        protocol: "email",
        endpoint: config.alarms.email,
      });
    }
    // Step Functions vended logs must live under /aws/vendedlogs/ to avoid the resource-policy size limit.
    this.drainLogGroup = new CloudwatchLogGroup(this, "drain_logs", {
      name: `/aws/vendedlogs/states/${config.name}-drain`,
      retentionInDays: fleet.logRetentionDays,
    });

    this.fleet = AppStack.underField(
      "workerFleet",
      () =>
        new WorkerFleet(this, "workers", {
          namePrefix: config.name,
          groupName,
          scope: arnScope,
          amiId: fleet.amiId,
          instanceType: fleet.instanceType,
          instanceKeyPair: fleet.instanceKeyPair,
          securityGroupIds: fleet.securityGroupIds,
          subnetIds: fleet.subnetIds,
          queueRoot: fleet.queueRoot,
          minSize: fleet.minSize,
          maxSize: fleet.maxSize,
          desiredCapacity: fleet.desiredCapacity,
          targetGroupArns: fleet.targetGroupArns,
          lifecycleHookName: fleet.lifecycleHookName,
          heartbeatTimeoutSeconds: fleet.heartbeatTimeoutSeconds,
          lifecycleHookDefaultResult: fleet.lifecycleHookDefaultResult,
          leaderHost: fleet.leaderHost,
          leaderPort: fleet.leaderPort,
          leaderTls: fleet.leaderTls,
          workerGroup: fleet.workerGroup,
          leaderAuthTokenParameter: fleet.leaderAuthTokenParameter,
          leaderAuthTokenKmsKeyArn: fleet.leaderAuthTokenKmsKeyArn,
          cribl: fleet.cribl,
          rootVolumeSizeGiB: fleet.rootVolumeSizeGiB,
          rootDeviceName: fleet.rootDeviceName,
          queueVolume: fleet.queueVolume,
          ebsKmsKeyArn: fleet.ebsKmsKeyArn,
          tags: { "app:name": config.name, "app:stack": id, ...config.tags },
          emulated: this.emulated,
        }),
    );

    const settings: DrainSettings = {
      queueDirectories: fleet.queues.join(","),
      maxBytes: fleet.drain.maxBytes,
      requiredConsecutiveChecks: fleet.drain.requiredConsecutiveChecks,
      minWaitSeconds: fleet.drain.minWaitSeconds,
      maxWaitSeconds: fleet.drain.maxWaitSeconds,
      drainDeadlineSeconds: fleet.drain.drainDeadlineSeconds,
      heartbeatTimeoutSeconds: fleet.heartbeatTimeoutSeconds,
      gracefulStop: fleet.drain.gracefulStop,
      serviceName: DEFAULT_SERVICE_NAME,
      snapshotOnGiveUp: fleet.drain.snapshotOnGiveUp,
      snapshotExcludeBootVolume: fleet.queueVolume !== undefined,
    };
    const f = this.fleet.outputs;
    this.drain = AppStack.underField(
      "workerFleet",
      () =>
        new DrainWorkflow(this, "drain", {
          namePrefix: config.name,
          scope: arnScope,
          groupName,
          lifecycleHookName: fleet.lifecycleHookName,
          settings,
          checkBudgetSeconds: fleet.drain.checkBudgetSeconds,
          queueProbeDocument: { name: f.queueProbeDocumentName, literalName: f.documentNames.queueProbe },
          gracefulStopDocument: { name: f.gracefulStopDocumentName, literalName: f.documentNames.gracefulStop },
          logGroup: this.drainLogGroup,
          alarmTopicArn: this.alarmTopicArn,
          alarmTopicKeyArn: this.alarmTopicKeyArn,
          notifications: fleet.drainNotifications,
          logRetentionDays: fleet.logRetentionDays,
          reconcileSchedule: fleet.reconcileSchedule,
        }),
    );
    const d = this.drain.outputs;

    this.addOutputs({
      autoscaling_group_name: [f.autoScalingGroupName, "Name of the Cribl worker Auto Scaling group"],
      autoscaling_group_arn: [f.autoScalingGroupArn, "ARN of the Cribl worker Auto Scaling group"],
      lifecycle_hook_name: [
        f.lifecycleHookName,
        "Termination lifecycle hook that holds a leaving worker for its drain",
      ],
      launch_template_id: [f.launchTemplateId, "Launch template of the workers"],
      instance_role_name: [f.instanceRoleName, "IAM role of the worker instances"],
      queue_probe_document_name: [f.queueProbeDocumentName, "SSM document that measures a worker's queue directories"],
      graceful_stop_document_name: [f.gracefulStopDocumentName, "SSM document that stops Cribl on a worker"],
      state_machine_arn: [
        d.stateMachineArn,
        "Drain state machine; `npm run drains -- list <this ARN>` shows its drains",
      ],
      state_machine_name: [d.stateMachineName, "Name of the drain state machine (Step Functions console)"],
      check_queue_function_name: [d.checkQueueFunctionName, "Lambda function that reads a worker's queues over SSM"],
      start_drain_function_name: [d.startDrainFunctionName, "Lambda function that starts a drain per lifecycle action"],
      reconcile_function_name: [d.reconcileFunctionName, "Lambda function that restarts missed or failed drains"],
      notify_function_name: [
        d.notifyFunctionName,
        "Lambda function that sends each ended drain's outcome, last reading and runbook section to the alarm topic",
      ],
      dead_letter_queue_url: [d.deadLetterQueueUrl, "Queue of lifecycle events that could not start a drain"],
      dashboard_name: [d.dashboardName, "CloudWatch dashboard of the drains"],
      alarm_topic_arn: [this.alarmTopicArn, "SNS topic that receives the drain alarms"],
    });
  }
}
