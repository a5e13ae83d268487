// The allowed and denied requests the IAM tests prove for the worker-fleet stack, one list shared by
// test/unit/stacks/worker-fleet-iam.test.ts (which asserts each decision) and scripts/iam-report.ts (which prints them).
// Every request is decided with all the policies that apply (see test/support/iam.ts): the instance role's inline
// policy AND the vendored AmazonSSMManagedInstanceCore, the DLQ's queue policy, the functions' Lambda permissions,
// the alarm key's policy, and the trust policies.
import example from "../../config/example";
import { CONCRETE, type IamModel, iamModel, type ResourcePolicy } from "./iam";
import type { IamCase } from "./iam-cases";
import type { TfJson } from "./synth";

const { account: A, region: R } = CONCRETE;
const OTHER_ACCOUNT = "210987654321";

/** A customer managed key for the leader token (so the kms:Decrypt statement is rendered and proven). */
export const TOKEN_KEY_ARN = `arn:aws:kms:${R}:${A}:key/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d`;

/** The example configuration with the leader token under its own KMS key; gracefulStop and snapshots on (defaults). */
export function workerFleetCaseConfig(): typeof example {
  const config = structuredClone(example);
  config.workerFleet.leaderAuthTokenKmsKeyArn = TOKEN_KEY_ARN;
  return config;
}

/**
 * The token key is the user's, not the stack's: it is evaluated with AWS's default key policy, which lets the
 * account's IAM policies decide (so the instance role's kms:Decrypt statement is what is proven).
 */
const TOKEN_KEY_DEFAULT_POLICY: ResourcePolicy = {
  kind: "kms key (the user's, AWS's default key policy)",
  arn: TOKEN_KEY_ARN,
  policy: {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "Enable IAM User Permissions",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${A}:root` },
        Action: "kms:*",
        Resource: "*",
      },
    ],
  },
  covers: (r) => r === TOKEN_KEY_ARN,
};

/** The stack's IAM model plus the policies of what it uses but does not create (the token key). */
export function workerFleetModel(stack: TfJson): IamModel {
  const model = iamModel(stack);
  return { ...model, resourcePolicies: [...model.resourcePolicies, TOKEN_KEY_DEFAULT_POLICY] };
}

const GROUP = "cribl-demo-cribl-workers";
const OTHER_GROUP = "someone-elses-workers";
export const WORKER_ROLES = {
  instance: "cribl-demo-cribl-worker",
  stateMachine: "cribl-demo-drain-state-machine",
  checkQueue: "cribl-demo-drain-check-queue",
  startDrain: "cribl-demo-drain-start",
  reconcile: "cribl-demo-drain-reconcile",
  notify: "cribl-demo-drain-notify",
} as const;
const I = WORKER_ROLES;

/** Our snapshot tags, exactly as CreateQueueSnapshots writes them. */
const SNAPSHOT_TAGS = {
  "cribl-drain:auto-scaling-group": GROUP,
  "cribl-drain:instance-id": "i-0123456789abcdef0",
  "cribl-drain:execution-name": "i-0123456789abcdef0-1",
  "cribl-drain:execution-id": `arn:aws:states:${R}:${A}:execution:cribl-demo-drain:i-0123456789abcdef0-1`,
};
const requestTags = (tags: Record<string, string>) => ({
  "aws:TagKeys": Object.keys(tags),
  ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:RequestTag/${k}`, v])),
});
const OUR_TAGS = requestTags(SNAPSHOT_TAGS);
// What CopyTagsFromSource: "volume" would add: the volume's Name and the stack's tags.
const COPIED_TAGS = requestTags({ ...SNAPSHOT_TAGS, Name: "cribl-demo-cribl-worker-volume", owner: "platform-team" });

const role = (name: string) => `arn:aws:iam::${A}:role/${name}`;
const parameter = (name: string) => `arn:aws:ssm:${R}:${A}:parameter${name}`;
const document = (name: string) => `arn:aws:ssm:${R}:${A}:document/${name}`;
// AWS-owned documents have no account in their ARN; the simulator's ARN format wants one, and the name decides.
const awsDocument = (name: string) => `arn:aws:ssm:${R}:${A}:document/${name}`;
const INSTANCE = `arn:aws:ec2:${R}:${A}:instance/i-0123456789abcdef0`;
const VOLUME = `arn:aws:ec2:${R}:${A}:volume/vol-0123456789abcdef0`;
const SNAPSHOT = `arn:aws:ec2:${R}::snapshot/snap-0123456789abcdef0`;
const group = (name: string) =>
  `arn:aws:autoscaling:${R}:${A}:autoScalingGroup:0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0:autoScalingGroupName/${name}`;
const stateMachine = (name: string) => `arn:aws:states:${R}:${A}:stateMachine:${name}`;
const execution = (machine: string) => `arn:aws:states:${R}:${A}:execution:${machine}:i-0123456789abcdef0-1`;
const fn = (name: string) => `arn:aws:lambda:${R}:${A}:function:${name}`;
const queue = (name: string) => `arn:aws:sqs:${R}:${A}:${name}`;
const rule = (name: string) => `arn:aws:events:${R}:${A}:rule/${name}`;
const logStream = (fnName: string) => `arn:aws:logs:${R}:${A}:log-group:/aws/lambda/${fnName}:log-stream:x`;
const ALARM_KEY = `arn:aws:kms:${R}:${A}:key/alarm_topic_key`;
const TOKEN = parameter("/cribl/leader-auth-token");
const ASG_TAG = (g: string) => ({ "aws:ResourceTag/aws:autoscaling:groupName": g });
const SSM_ASG_TAG = (g: string) => ({ "ssm:resourceTag/aws:autoscaling:groupName": g });
const DLQ = queue("cribl-demo-drain-events-dlq");
const LIFECYCLE_RULE = rule("cribl-demo-drain-lifecycle-action");
const RECONCILE_RULE = rule("cribl-demo-drain-reconcile");
const STATUS_RULE = rule("cribl-demo-drain-status");
const topic = (name: string) => `arn:aws:sns:${R}:${A}:${name}`;
const ALARM_TOPIC = topic("cribl-demo-drain-alarms");
const VIA_SNS = { "kms:ViaService": `sns.${R}.amazonaws.com` };

const c = (
  principal: string,
  action: string,
  resource: string,
  expected: IamCase["expected"],
  why: string,
  context?: IamCase["context"],
): IamCase => ({ principal, action, resource, expected, why, ...(context ? { context } : {}) });

export const WORKER_FLEET_CASES: IamCase[] = [
  // Trust policies
  c("ec2.amazonaws.com", "sts:AssumeRole", role(I.instance), "Allowed", "the workers' instance profile"),
  c("lambda.amazonaws.com", "sts:AssumeRole", role(I.instance), "ImplicitlyDenied", "only EC2 takes the worker role"),
  c("states.amazonaws.com", "sts:AssumeRole", role(I.stateMachine), "Allowed", "Step Functions runs the drain", {
    "aws:SourceAccount": A,
  }),
  c(
    "states.amazonaws.com",
    "sts:AssumeRole",
    role(I.stateMachine),
    "ImplicitlyDenied",
    "not for another account's state machine (confused deputy)",
    { "aws:SourceAccount": OTHER_ACCOUNT },
  ),
  c("lambda.amazonaws.com", "sts:AssumeRole", role(I.stateMachine), "ImplicitlyDenied", "only Step Functions"),
  ...[I.checkQueue, I.startDrain, I.reconcile, I.notify].flatMap((name) => [
    c("lambda.amazonaws.com", "sts:AssumeRole", role(name), "Allowed", "Lambda runs the function with its role"),
    c(
      "states.amazonaws.com",
      "sts:AssumeRole",
      role(name),
      "ImplicitlyDenied",
      "no other service takes a function role",
      {
        "aws:SourceAccount": A,
      },
    ),
  ]),

  // Instance role: the inline policy AND AmazonSSMManagedInstanceCore (issue 12, item 1)
  c(I.instance, "ssm:GetParameter", TOKEN, "Allowed", "cribl-join reads the leader token at boot"),
  c(
    I.instance,
    "ssm:GetParameter",
    parameter("/cribl/other-secret"),
    "ExplicitlyDenied",
    "the managed policy's GetParameter on * is taken back by the Deny",
  ),
  c(
    I.instance,
    "ssm:GetParameter",
    parameter("/cribl-demo/fluentd-shared-key"),
    "ExplicitlyDenied",
    "not the fluent shared key (a SecureString under aws/ssm)",
  ),
  c(I.instance, "ssm:GetParameters", parameter("/team-b/db-password"), "ExplicitlyDenied", "no other team's secret"),
  c(I.instance, "ssm:GetParametersByPath", parameter("/cribl"), "ExplicitlyDenied", "no listing of a path"),
  c(I.instance, "ssm:GetParameterHistory", TOKEN, "ImplicitlyDenied", "not even the token's history"),
  c(I.instance, "ssm:PutParameter", TOKEN, "ImplicitlyDenied", "read only"),
  c(I.instance, "kms:Decrypt", TOKEN_KEY_ARN, "Allowed", "decrypts the token through SSM", {
    "kms:ViaService": `ssm.${R}.amazonaws.com`,
  }),
  c(I.instance, "kms:Decrypt", TOKEN_KEY_ARN, "ImplicitlyDenied", "never the key directly"),
  c(I.instance, "ssm:UpdateInstanceInformation", INSTANCE, "Allowed", "the SSM agent registers (managed policy)"),
  c(I.instance, "ec2messages:GetMessages", "*", "Allowed", "the agent receives Run Command messages (the probe)"),
  c(I.instance, "ssmmessages:OpenControlChannel", "*", "Allowed", "Session Manager keeps working"),
  c(I.instance, "ssm:SendCommand", document("cribl-demo-queue-probe"), "ImplicitlyDenied", "a worker runs no commands"),
  c(
    I.instance,
    "autoscaling:CompleteLifecycleAction",
    group(GROUP),
    "ImplicitlyDenied",
    "a worker cannot release itself",
  ),

  // State machine role (issue 12, item 6)
  c(I.stateMachine, "lambda:InvokeFunction", fn(I.checkQueue), "Allowed", "CheckQueues"),
  c(I.stateMachine, "lambda:InvokeFunction", fn(I.startDrain), "ImplicitlyDenied", "no other function"),
  c(I.stateMachine, "states:StartExecution", stateMachine("cribl-demo-drain"), "Allowed", "ContinueAsNewExecution"),
  c(I.stateMachine, "states:StartExecution", stateMachine("other"), "ImplicitlyDenied", "no other state machine"),
  c(I.stateMachine, "autoscaling:RecordLifecycleActionHeartbeat", group(GROUP), "Allowed", "holds the instance"),
  c(I.stateMachine, "autoscaling:CompleteLifecycleAction", group(GROUP), "Allowed", "releases the instance"),
  c(
    I.stateMachine,
    "autoscaling:CompleteLifecycleAction",
    group(OTHER_GROUP),
    "ImplicitlyDenied",
    "not another group's instances",
  ),
  c(
    I.stateMachine,
    "autoscaling:CompleteLifecycleAction",
    group(`${GROUP}-2`),
    "ImplicitlyDenied",
    "not a group whose name starts like ours",
  ),
  c(I.stateMachine, "autoscaling:SetDesiredCapacity", group(GROUP), "ImplicitlyDenied", "never resizes the group"),
  c(I.stateMachine, "ssm:SendCommand", document("cribl-demo-graceful-stop"), "Allowed", "stops and starts Cribl"),
  c(I.stateMachine, "ssm:SendCommand", INSTANCE, "Allowed", "on this group's instances", SSM_ASG_TAG(GROUP)),
  c(I.stateMachine, "ssm:SendCommand", document("cribl-demo-queue-probe"), "ImplicitlyDenied", "check-queue probes"),
  c(I.stateMachine, "ssm:SendCommand", awsDocument("AWS-RunShellScript"), "ImplicitlyDenied", "never a shell"),
  c(I.stateMachine, "ssm:SendCommand", INSTANCE, "ImplicitlyDenied", "not another group's instances", {
    ...SSM_ASG_TAG(OTHER_GROUP),
  }),
  c(I.stateMachine, "ssm:GetCommandInvocation", "*", "Allowed", "reads the stop's result (no resource-level scope)"),
  c(I.stateMachine, "ec2:CreateSnapshots", INSTANCE, "Allowed", "snapshots an instance of this group", ASG_TAG(GROUP)),
  c(I.stateMachine, "ec2:CreateSnapshots", INSTANCE, "ImplicitlyDenied", "not another group's instance", {
    ...ASG_TAG(OTHER_GROUP),
  }),
  c(
    I.stateMachine,
    "ec2:CreateSnapshots",
    INSTANCE,
    "ImplicitlyDenied",
    "an instance is chosen by the tag only Auto Scaling sets, never by our (settable) tag",
    { "aws:ResourceTag/cribl-drain:auto-scaling-group": GROUP },
  ),
  c(I.stateMachine, "ec2:CreateSnapshots", VOLUME, "Allowed", "the volumes attached to that instance, whatever tags"),
  c(I.stateMachine, "ec2:CreateSnapshots", SNAPSHOT, "Allowed", "a snapshot carrying exactly our tags", OUR_TAGS),
  c(
    I.stateMachine,
    "ec2:CreateSnapshots",
    SNAPSHOT,
    "ImplicitlyDenied",
    "no tag key beyond ours (the volume's copied tags)",
    COPIED_TAGS,
  ),
  c(I.stateMachine, "ec2:CreateSnapshots", SNAPSHOT, "ImplicitlyDenied", "not labelled as another group's", {
    ...requestTags({ ...SNAPSHOT_TAGS, "cribl-drain:auto-scaling-group": OTHER_GROUP }),
  }),
  c(I.stateMachine, "ec2:CreateSnapshots", SNAPSHOT, "ImplicitlyDenied", "never an untagged snapshot"),
  c(
    I.stateMachine,
    "ec2:CreateSnapshot",
    VOLUME,
    "ImplicitlyDenied",
    "no single-volume CreateSnapshot: the definition never calls it",
    { "aws:ResourceTag/cribl-drain:auto-scaling-group": GROUP },
  ),
  c(I.stateMachine, "ec2:CreateTags", SNAPSHOT, "Allowed", "tags its snapshots as CreateSnapshots creates them", {
    "ec2:CreateAction": "CreateSnapshots",
    ...OUR_TAGS,
  }),
  c(I.stateMachine, "ec2:CreateTags", SNAPSHOT, "ImplicitlyDenied", "no tag key beyond ours, even at creation", {
    "ec2:CreateAction": "CreateSnapshots",
    ...COPIED_TAGS,
  }),
  c(I.stateMachine, "ec2:CreateTags", SNAPSHOT, "ImplicitlyDenied", "never re-tags an existing snapshot", OUR_TAGS),
  c(I.stateMachine, "ec2:CreateTags", SNAPSHOT, "ImplicitlyDenied", "not at another creation (CopySnapshot)", {
    "ec2:CreateAction": "CopySnapshot",
    ...OUR_TAGS,
  }),
  c(I.stateMachine, "ec2:CreateTags", SNAPSHOT, "ImplicitlyDenied", "not at CreateSnapshot: never called", {
    "ec2:CreateAction": "CreateSnapshot",
    ...OUR_TAGS,
  }),
  c(I.stateMachine, "ec2:CreateTags", VOLUME, "ImplicitlyDenied", "never tags a volume", {
    "ec2:CreateAction": "CreateSnapshots",
    ...OUR_TAGS,
  }),
  c(I.stateMachine, "ec2:CreateTags", INSTANCE, "ImplicitlyDenied", "never tags an instance", {
    "ec2:CreateAction": "CreateSnapshots",
    ...OUR_TAGS,
  }),
  c(I.stateMachine, "ec2:DeleteSnapshot", SNAPSHOT, "ImplicitlyDenied", "never deletes a snapshot", {
    "aws:ResourceTag/cribl-drain:auto-scaling-group": GROUP,
  }),
  c(I.stateMachine, "ec2:DescribeInstances", "*", "Allowed", "InstanceGoneUnconfirmed (no resource-level scope)"),
  c(I.stateMachine, "ec2:DescribeSnapshots", "*", "Allowed", "waits for the snapshots (no resource-level scope)"),
  c(I.stateMachine, "ec2:DescribeVolumes", "*", "ImplicitlyDenied", "volumes come from the instance, not a search"),

  // check-queue
  c(I.checkQueue, "ssm:SendCommand", document("cribl-demo-queue-probe"), "Allowed", "runs the probe"),
  c(I.checkQueue, "ssm:SendCommand", INSTANCE, "Allowed", "on this group's instances", SSM_ASG_TAG(GROUP)),
  c(I.checkQueue, "ssm:SendCommand", INSTANCE, "ImplicitlyDenied", "not another group's", SSM_ASG_TAG(OTHER_GROUP)),
  c(I.checkQueue, "ssm:SendCommand", INSTANCE, "ImplicitlyDenied", "not an untagged instance"),
  c(I.checkQueue, "ssm:SendCommand", document("cribl-demo-graceful-stop"), "ImplicitlyDenied", "never stops Cribl"),
  c(I.checkQueue, "ssm:SendCommand", awsDocument("AWS-RunShellScript"), "ImplicitlyDenied", "never a shell"),
  c(I.checkQueue, "ssm:SendCommand", document("another-document"), "ImplicitlyDenied", "no other document"),
  c(I.checkQueue, "ssm:GetCommandInvocation", "*", "Allowed", "reads the probe's result"),
  c(I.checkQueue, "states:StartExecution", stateMachine("cribl-demo-drain"), "ImplicitlyDenied", "starts no drain"),
  c(I.checkQueue, "states:StopExecution", execution("cribl-demo-drain"), "ImplicitlyDenied", "stops no drain"),
  c(I.checkQueue, "logs:PutLogEvents", logStream(I.checkQueue), "Allowed", "its own logs"),
  c(I.checkQueue, "logs:PutLogEvents", logStream(I.startDrain), "ImplicitlyDenied", "not another function's logs"),

  // start-drain
  c(I.startDrain, "states:StartExecution", stateMachine("cribl-demo-drain"), "Allowed", "starts the drain"),
  c(I.startDrain, "states:ListExecutions", stateMachine("cribl-demo-drain"), "Allowed", "finds a running drain"),
  c(I.startDrain, "states:DescribeExecution", execution("cribl-demo-drain"), "Allowed", "reads an earlier drain"),
  c(I.startDrain, "states:DescribeExecution", execution("other"), "ImplicitlyDenied", "not another machine's runs"),
  c(I.startDrain, "states:StartExecution", stateMachine("another-state-machine"), "ImplicitlyDenied", "no other"),
  c(I.startDrain, "states:StopExecution", execution("cribl-demo-drain"), "ImplicitlyDenied", "never stops a drain"),
  c(I.startDrain, "states:DeleteStateMachine", stateMachine("cribl-demo-drain"), "ImplicitlyDenied", "never deletes"),
  c(I.startDrain, "autoscaling:CompleteLifecycleAction", group(GROUP), "Allowed", "releases warm-pool instances"),
  c(I.startDrain, "autoscaling:CompleteLifecycleAction", group(OTHER_GROUP), "ImplicitlyDenied", "only our group"),
  c(I.startDrain, "sqs:SendMessage", DLQ, "Allowed", "its asynchronous on-failure destination"),
  c(I.startDrain, "sqs:SendMessage", queue("someone-elses-queue"), "ImplicitlyDenied", "no other queue"),

  // reconcile
  c(I.reconcile, "autoscaling:DescribeAutoScalingGroups", "*", "Allowed", "finds Terminating:Wait instances"),
  c(I.reconcile, "states:StartExecution", stateMachine("cribl-demo-drain"), "Allowed", "starts a missing drain"),
  c(I.reconcile, "states:StartExecution", stateMachine("cribl-demo-drain-2"), "ImplicitlyDenied", "no other"),
  c(I.reconcile, "states:StopExecution", execution("cribl-demo-drain"), "ImplicitlyDenied", "never stops a drain"),
  c(I.reconcile, "autoscaling:CompleteLifecycleAction", group(GROUP), "Allowed", "releases warm-pool instances"),
  c(
    I.reconcile,
    "autoscaling:RecordLifecycleActionHeartbeat",
    group(GROUP),
    "ImplicitlyDenied",
    "heartbeats are the drain's",
  ),
  c(I.reconcile, "sqs:SendMessage", DLQ, "ImplicitlyDenied", "the DLQ is start-drain's and EventBridge's"),

  // drain-notify: reads this machine's executions, publishes to the alarm topic (encrypting through SNS only)
  c(I.notify, "states:DescribeExecution", execution("cribl-demo-drain"), "Allowed", "reads the ended drain"),
  c(I.notify, "states:GetExecutionHistory", execution("cribl-demo-drain"), "Allowed", "its last reading"),
  c(I.notify, "states:GetExecutionHistory", execution("other"), "ImplicitlyDenied", "not another machine's runs"),
  c(I.notify, "states:StopExecution", execution("cribl-demo-drain"), "ImplicitlyDenied", "reads, never acts"),
  c(I.notify, "states:StartExecution", stateMachine("cribl-demo-drain"), "ImplicitlyDenied", "never starts a drain"),
  c(I.notify, "sns:Publish", ALARM_TOPIC, "Allowed", "tells the alarm topic"),
  c(I.notify, "sns:Publish", topic("someone-elses-topic"), "ImplicitlyDenied", "no other topic"),
  c(I.notify, "kms:GenerateDataKey", ALARM_KEY, "Allowed", "SNS encrypts its message with the topic key", VIA_SNS),
  c(I.notify, "kms:Decrypt", ALARM_KEY, "Allowed", "SNS encrypts its message with the topic key", VIA_SNS),
  c(I.notify, "kms:Decrypt", ALARM_KEY, "ImplicitlyDenied", "the key only through SNS", {
    "kms:ViaService": `s3.${R}.amazonaws.com`,
  }),
  c(I.notify, "sqs:SendMessage", DLQ, "Allowed", "its asynchronous on-failure destination"),
  c(I.notify, "autoscaling:CompleteLifecycleAction", group(GROUP), "ImplicitlyDenied", "never releases an instance"),

  // EventBridge: the functions' Lambda permissions and the DLQ's queue policy
  c("events.amazonaws.com", "lambda:InvokeFunction", fn(I.startDrain), "Allowed", "the lifecycle rule", {
    "aws:SourceArn": LIFECYCLE_RULE,
    "aws:SourceAccount": A,
  }),
  c("events.amazonaws.com", "lambda:InvokeFunction", fn(I.startDrain), "ImplicitlyDenied", "no other rule", {
    "aws:SourceArn": rule("someone-elses-rule"),
    "aws:SourceAccount": A,
  }),
  c("events.amazonaws.com", "lambda:InvokeFunction", fn(I.reconcile), "Allowed", "the reconcile schedule", {
    "aws:SourceArn": RECONCILE_RULE,
    "aws:SourceAccount": A,
  }),
  c("events.amazonaws.com", "lambda:InvokeFunction", fn(I.reconcile), "ImplicitlyDenied", "not the lifecycle rule", {
    "aws:SourceArn": LIFECYCLE_RULE,
    "aws:SourceAccount": A,
  }),
  c("events.amazonaws.com", "lambda:InvokeFunction", fn(I.notify), "Allowed", "the drain's status changes", {
    "aws:SourceArn": STATUS_RULE,
    "aws:SourceAccount": A,
  }),
  c("events.amazonaws.com", "lambda:InvokeFunction", fn(I.notify), "ImplicitlyDenied", "not the lifecycle rule", {
    "aws:SourceArn": LIFECYCLE_RULE,
    "aws:SourceAccount": A,
  }),
  c("events.amazonaws.com", "lambda:InvokeFunction", fn(I.checkQueue), "ImplicitlyDenied", "only Step Functions", {
    "aws:SourceArn": LIFECYCLE_RULE,
    "aws:SourceAccount": A,
  }),
  c("events.amazonaws.com", "sqs:SendMessage", DLQ, "Allowed", "dead-letters of the lifecycle rule", {
    "aws:SourceArn": LIFECYCLE_RULE,
  }),
  c("events.amazonaws.com", "sqs:SendMessage", DLQ, "ImplicitlyDenied", "no other rule's dead letters", {
    "aws:SourceArn": rule("someone-elses-rule"),
  }),

  // The alarm topic's key
  c("cloudwatch.amazonaws.com", "kms:GenerateDataKey", ALARM_KEY, "Allowed", "alarms publish to the topic", {
    "aws:SourceAccount": A,
  }),
  c("cloudwatch.amazonaws.com", "kms:GenerateDataKey", ALARM_KEY, "ImplicitlyDenied", "not another account's", {
    "aws:SourceAccount": OTHER_ACCOUNT,
  }),
];

/** Every role of the worker-fleet stack. */
export const WORKER_FLEET_PRINCIPALS = Object.values(WORKER_ROLES);
