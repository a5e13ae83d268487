// The least-privilege policies of the drain workflow's five principals (the state machine and four functions), as
// plain statements: the constructs render them (modules/common/policy.ts) and the tests simulate them.
import type { DrainSettings } from "../../contracts/drain";
import { type ArnScope, arns } from "../common/arns";
import type { PolicyStatement } from "../common/policy";
import { ASG_INSTANCE_TAG_KEY, GROUP_TAG_KEY } from "../worker-fleet/tags";
import type { DrainNames } from "./names";

/** The policies of the workflow's principals, as rendered (reviewed and simulated in tests). */
export interface DrainWorkflowPolicies {
  readonly stateMachine: PolicyStatement[];
  readonly checkQueue: PolicyStatement[];
  readonly startDrain: PolicyStatement[];
  readonly reconcile: PolicyStatement[];
  readonly notify: PolicyStatement[];
}

export interface DrainPolicyInputs {
  readonly scope: ArnScope;
  readonly names: DrainNames;
  /** The Auto Scaling group drained (literal name). */
  readonly groupName: string;
  readonly settings: DrainSettings;
  /** Literal names of our SSM documents (IAM needs them at synth). */
  readonly queueProbeDocumentName: string;
  readonly gracefulStopDocumentName: string;
  /** ARN of the dead-letter queue start-drain sends failed events to (a Terraform reference). */
  readonly deadLetterQueueArn: string;
  /** The topic drain-notify publishes to (the alarm topic). */
  readonly alarmTopicArn: string;
  /** The topic's KMS key, when it is encrypted with a key this stack knows (drain-notify may then use it). */
  readonly alarmTopicKeyArn?: string | undefined;
}

/** The tags CreateQueueSnapshots puts on each snapshot (statemachines/drain-definition.ts), and no other. */
export const SNAPSHOT_TAG_KEYS = [
  GROUP_TAG_KEY,
  "cribl-drain:instance-id",
  "cribl-drain:execution-name",
  "cribl-drain:execution-id",
] as const;

export function drainPolicies(p: DrainPolicyInputs): DrainWorkflowPolicies {
  const s = p.scope;
  const stateMachineArn = arns.stateMachine(s, p.names.stateMachine);
  const groupArnPattern = arns.autoScalingGroup(s, p.groupName);

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
      Condition: { StringEquals: { [`ssm:resourceTag/${ASG_INSTANCE_TAG_KEY}`]: p.groupName } },
    },
  ];
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
    Resource: arns.executions(s, p.names.stateMachine),
  };

  // check-queue: runs the probe document on one of our instances and reads the result; it decides nothing.
  const checkQueue: PolicyStatement[] = [
    ...sendCommand("SendQueueProbe", p.queueProbeDocumentName),
    readCommandResults,
  ];

  const startDrain: PolicyStatement[] = [
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
      Resource: p.deadLetterQueueArn,
    },
  ];

  const reconcile: PolicyStatement[] = [
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

  // drain-notify reads the execution that changed status (only this state machine's executions) and publishes what it
  // found to the alarm topic (only that topic). SNS encrypts with the topic's key on the publisher's behalf, so the
  // publisher needs the key too, and only through SNS.
  const notify: PolicyStatement[] = [
    {
      Sid: "ReadDrainExecutions",
      Effect: "Allow",
      Action: ["states:DescribeExecution", "states:GetExecutionHistory"],
      Resource: arns.executions(s, p.names.stateMachine),
    },
    { Sid: "PublishToAlarmTopic", Effect: "Allow", Action: "sns:Publish", Resource: p.alarmTopicArn },
    ...(p.alarmTopicKeyArn
      ? [
          {
            Sid: "EncryptForAlarmTopic",
            Effect: "Allow" as const,
            Action: ["kms:GenerateDataKey", "kms:Decrypt"],
            Resource: p.alarmTopicKeyArn,
            Condition: { StringEquals: { "kms:ViaService": `sns.${s.region}.amazonaws.com` } },
          },
        ]
      : []),
    {
      // Lambda's asynchronous on-failure destination (a status change it could not publish after its retries).
      Sid: "SendFailedEventsToDeadLetterQueue",
      Effect: "Allow",
      Action: "sqs:SendMessage",
      Resource: p.deadLetterQueueArn,
    },
  ];

  // The state machine's own role.
  const stateMachine: PolicyStatement[] = [
    {
      Sid: "InvokeCheckQueue",
      Effect: "Allow",
      Action: "lambda:InvokeFunction",
      Resource: arns.lambdaFunction(s, p.names.functions.checkQueue),
    },
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
    ...(p.settings.gracefulStop
      ? [...sendCommand("SendGracefulStop", p.gracefulStopDocumentName), readCommandResults]
      : []),
    ...(p.settings.snapshotOnGiveUp ? snapshotStatements(s, p.groupName) : []),
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
      Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"],
      Resource: "*",
    },
  ];

  return { stateMachine, checkQueue, startDrain, reconcile, notify };
}

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
