// DrainWorkflow as a construct (cdktf Testing.synthScope, no app): the state machine's wiring, the functions'
// environment, how lifecycle events reach start-drain, the alarms, and the policies as they are rendered.
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { TerraformStack, Testing } from "cdktf";
import type { DrainSettings } from "../../../../contracts/drain";
import { DRAIN_OUTCOMES, RUNBOOK_ALARM_SECTIONS, runbookAnchor } from "../../../../contracts/drain-outcomes";
import { regionArnScope } from "../../../../modules/common/arns";
import { DrainWorkflow, type DrainWorkflowProps } from "../../../../modules/drain";
import { renderDrainDefinition } from "../../../../statemachines/drain";
import { policyOf } from "../../../support/policy";

type Resource = Record<string, unknown>;
type Synthesized = { resource: Record<string, Record<string, Resource>> };

const SETTINGS: DrainSettings = {
  queueDirectories: "/opt/cribl/state/queues",
  maxBytes: 0,
  requiredConsecutiveChecks: 2,
  minWaitSeconds: 10,
  maxWaitSeconds: 300,
  drainDeadlineSeconds: 169200,
  heartbeatTimeoutSeconds: 3600,
  gracefulStop: true,
  serviceName: "cribl",
  snapshotOnGiveUp: true,
  snapshotExcludeBootVolume: true,
};

/** One DrainWorkflow (id `drain`) in a bare test stack, with a log group it is given, and the stack synthesized. */
function synthDrain(overrides: Partial<DrainWorkflowProps> = {}): {
  synthesized: Synthesized;
  workflow: DrainWorkflow;
} {
  const stack = new TerraformStack(Testing.app(), "stack");
  const logGroup = new CloudwatchLogGroup(stack, "drain_logs", { name: "/aws/vendedlogs/states/demo-drain" });
  const workflow = new DrainWorkflow(stack, "drain", {
    namePrefix: "demo",
    scope: regionArnScope("eu-west-1", "123456789012"),
    groupName: "demo-workers",
    lifecycleHookName: "Demo-Scaledown-Hook",
    settings: SETTINGS,
    checkBudgetSeconds: 50,
    queueProbeDocument: { name: "demo-queue-probe", literalName: "demo-queue-probe" },
    gracefulStopDocument: { name: "demo-graceful-stop", literalName: "demo-graceful-stop" },
    logGroup,
    alarmTopicArn: "arn:aws:sns:eu-west-1:123456789012:demo-alarms",
    logRetentionDays: 30,
    reconcileSchedule: "rate(2 minutes)",
    ...overrides,
  });
  return { synthesized: JSON.parse(Testing.synth(stack)) as Synthesized, workflow };
}

/** The inline policy of the role named `roleName`, read as data. */
function rolePolicy(s: Synthesized, roleName: string) {
  const id = Object.entries(s.resource.aws_iam_role!).find(([, r]) => r.name === roleName)![0];
  const attached = Object.values(s.resource.aws_iam_role_policy!).find((p) =>
    String(p.role).startsWith(`\${aws_iam_role.${id}.`),
  );
  return policyOf(attached!);
}

const all = (s: Synthesized, type: string): Resource[] => Object.values(s.resource[type] ?? {});
const only = (s: Synthesized, type: string): Resource => {
  const found = all(s, type);
  expect(found).toHaveLength(1);
  return found[0]!;
};
const addressOf = (s: Synthesized, type: string, match: (r: Resource) => boolean): string =>
  `${type}.${Object.entries(s.resource[type] ?? {}).find(([, r]) => match(r))![0]}`;

describe("DrainWorkflow", () => {
  let synthesized: Synthesized;
  let workflow: DrainWorkflow;
  beforeAll(() => {
    // Prepare / Act
    ({ synthesized, workflow } = synthDrain());
  });

  it("wires the state machine: STANDARD, logs at ALL with execution data, tracing, the reviewed definition", () => {
    // Prepare
    const checkQueue = addressOf(
      synthesized,
      "aws_lambda_function",
      (f) => f.function_name === "demo-drain-check-queue",
    );
    const expected = renderDrainDefinition({
      CheckQueueFunctionArn: `\${${checkQueue}.arn}`,
      GracefulStopDocumentName: "demo-graceful-stop",
    });
    // Act
    const machine = only(synthesized, "aws_sfn_state_machine");
    // Assess
    expect(machine).toMatchObject({
      name: "demo-drain",
      type: "STANDARD",
      logging_configuration: {
        level: "ALL",
        include_execution_data: true,
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a Terraform reference, not a JS template
        log_destination: "${aws_cloudwatch_log_group.drain_logs.arn}:*",
      },
      tracing_configuration: { enabled: true },
      depends_on: [expect.stringMatching(/^aws_iam_role_policy\.drain_state_machine_policy_/)],
    });
    // The synthesized definition is the reviewed file with references in its placeholders (and literal ${ escaped).
    expect(String(machine.definition).replace(/\$\$\{/g, "${")).toBe(expected);
  });

  it("passes drain settings and names to the functions through the contract's environment", () => {
    // Act
    const env = (name: string) =>
      (
        all(synthesized, "aws_lambda_function").find((f) => f.function_name === name)!.environment as {
          variables: Record<string, string>;
        }
      ).variables;
    const start = env("demo-drain-start");
    // Assess
    expect(JSON.parse(start.DRAIN_SETTINGS!)).toEqual(SETTINGS);
    expect(start).toMatchObject({
      AUTO_SCALING_GROUP_NAME: "demo-workers",
      LIFECYCLE_HOOK_NAME: "Demo-Scaledown-Hook",
      STATE_MACHINE_ARN: "arn:aws:states:eu-west-1:123456789012:stateMachine:demo-drain",
      POWERTOOLS_SERVICE_NAME: "cribl-drain",
      POWERTOOLS_METRICS_NAMESPACE: "CriblDrain",
    });
    expect(env("demo-drain-reconcile")).toMatchObject({ DRAIN_SETTINGS: start.DRAIN_SETTINGS });
    expect(env("demo-drain-check-queue")).toMatchObject({
      CHECK_BUDGET_SECONDS: "50",
      QUEUE_PROBE_DOCUMENT_NAME: "demo-queue-probe",
    });
  });

  it("routes only the group's terminate lifecycle actions to start-drain, with retries and a dead-letter queue", () => {
    // Act
    const rules = all(synthesized, "aws_cloudwatch_event_rule");
    const lifecycle = rules.find((r) => r.event_pattern !== undefined)!;
    const target = all(synthesized, "aws_cloudwatch_event_target").find((t) => t.target_id === "start-drain")!;
    const queuePolicy = policyOf(only(synthesized, "aws_sqs_queue_policy"));
    // Assess
    expect(JSON.parse(String(lifecycle.event_pattern))).toEqual({
      source: ["aws.autoscaling"],
      "detail-type": ["EC2 Instance-terminate Lifecycle Action"],
      detail: { AutoScalingGroupName: ["demo-workers"] },
    });
    expect(rules.find((r) => r.schedule_expression !== undefined)?.schedule_expression).toBe("rate(2 minutes)");
    expect(target.retry_policy).toEqual({ maximum_event_age_in_seconds: 3600, maximum_retry_attempts: 20 });
    expect(target.dead_letter_config).toEqual({ arn: expect.stringMatching(/^\$\{aws_sqs_queue\..+\.arn\}$/) });
    expect(only(synthesized, "aws_sqs_queue").sqs_managed_sse_enabled).toBe(true);
    expect(queuePolicy.Statement).toEqual([
      {
        Sid: "LifecycleRuleDeadLetters",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: expect.stringMatching(/^\$\{aws_sqs_queue\.drain_dead_letter_queue_\w+\.arn\}$/),
        Condition: { ArnEquals: { "aws:SourceArn": expect.stringMatching(/^\$\{aws_cloudwatch_event_rule\./) } },
      },
    ]);
  });

  it("alarms on failed, timed-out and aborted drains, dead letters and function errors, to the topic", () => {
    // Act
    const alarms = all(synthesized, "aws_cloudwatch_metric_alarm");
    // Assess
    expect(alarms.map((a) => `${a.alarm_name} ${a.namespace}/${a.metric_name}`).sort()).toEqual([
      "demo-drain-aborted AWS/States/ExecutionsAborted",
      "demo-drain-check-queue-errors AWS/Lambda/Errors",
      "demo-drain-dead-letters AWS/SQS/ApproximateNumberOfMessagesVisible",
      "demo-drain-failed AWS/States/ExecutionsFailed",
      "demo-drain-notify-errors AWS/Lambda/Errors",
      "demo-drain-reconcile-errors AWS/Lambda/Errors",
      "demo-drain-start-errors AWS/Lambda/Errors",
      "demo-drain-timed-out AWS/States/ExecutionsTimedOut",
    ]);
    for (const a of alarms) {
      expect(a.alarm_actions).toEqual(["arn:aws:sns:eu-west-1:123456789012:demo-alarms"]);
      expect(a.ok_actions).toEqual(["arn:aws:sns:eu-west-1:123456789012:demo-alarms"]);
    }
  });

  it("says in each alarm what it means and links a runbook section that exists", () => {
    // Act
    const sections = new Set<string>([
      ...Object.keys(DRAIN_OUTCOMES).map(runbookAnchor),
      ...Object.values(RUNBOOK_ALARM_SECTIONS),
    ]);
    const alarms = all(synthesized, "aws_cloudwatch_metric_alarm");
    const description = (name: string) => String(alarms.find((a) => a.alarm_name === name)!.alarm_description);
    // Assess
    for (const a of alarms) {
      const link = /Runbook: docs\/runbook\.md#([\w-]+)/.exec(String(a.alarm_description));
      expect([a.alarm_name, link && sections.has(link[1]!)]).toEqual([a.alarm_name, true]);
      expect(String(a.alarm_description).length).toBeLessThanOrEqual(1024);
    }
    // The failed-drain alarm no longer claims a snapshot: some Fail states take none.
    expect(description("demo-drain-failed")).not.toMatch(/\(queue snapshot taken\)/);
    expect(description("demo-drain-failed")).toContain("snapshot taken or not: see the outcome");
    expect(description("demo-drain-failed")).toContain("#alarm-drain-failed");
    expect(description("demo-drain-timed-out")).toContain("#timedout");
    expect(description("demo-drain-aborted")).toContain("#aborted");
    expect(description("demo-drain-dead-letters")).toContain("demo-drain-events-dlq");
  });

  it("links the configured runbook URL", () => {
    // Act
    const { synthesized: s } = synthDrain({
      notifications: { runbookUrl: "https://git.example.com/acme/cribl/blob/main/docs/runbook.md" },
    });
    const notify = all(s, "aws_lambda_function").find((f) => f.function_name === "demo-drain-notify")!;
    // Assess
    expect((notify.environment as { variables: Record<string, string> }).variables.RUNBOOK_URL).toBe(
      "https://git.example.com/acme/cribl/blob/main/docs/runbook.md",
    );
    for (const a of all(s, "aws_cloudwatch_metric_alarm")) {
      expect(String(a.alarm_description)).toContain(
        "Runbook: https://git.example.com/acme/cribl/blob/main/docs/runbook.md#",
      );
    }
  });

  it("sends every ending of this state machine's executions to drain-notify, retried, then dead-lettered", () => {
    // Act
    const rule = all(synthesized, "aws_cloudwatch_event_rule").find((r) => r.name === "demo-drain-status")!;
    const target = all(synthesized, "aws_cloudwatch_event_target").find((t) => t.target_id === "drain-notify")!;
    const permission = all(synthesized, "aws_lambda_permission").find((p) => p.statement_id === "AllowStatusRule")!;
    const async = all(synthesized, "aws_lambda_function_event_invoke_config").find((c) =>
      String(c.function_name).includes("drain_notify"),
    )!;
    const notify = all(synthesized, "aws_lambda_function").find((f) => f.function_name === "demo-drain-notify")!;
    // Assess
    expect(JSON.parse(String(rule.event_pattern))).toEqual({
      source: ["aws.states"],
      "detail-type": ["Step Functions Execution Status Change"],
      detail: {
        stateMachineArn: ["arn:aws:states:eu-west-1:123456789012:stateMachine:demo-drain"],
        // SUCCEEDED too: drain-notify counts and times every ending; RUNNING only with start notifications.
        status: ["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"],
      },
    });
    expect(target.arn).toMatch(/^\$\{aws_lambda_function\.drain_notify_function_\w+\.arn\}$/);
    expect(target.retry_policy).toEqual({ maximum_event_age_in_seconds: 3600, maximum_retry_attempts: 20 });
    expect(permission).toMatchObject({
      principal: "events.amazonaws.com",
      action: "lambda:InvokeFunction",
      source_arn: expect.stringMatching(/^\$\{aws_cloudwatch_event_rule\.drain_status_rule_\w+\.arn\}$/),
    });
    expect(async.destination_config).toEqual({
      on_failure: { destination: expect.stringMatching(/^\$\{aws_sqs_queue\.drain_dead_letter_queue_\w+\.arn\}$/) },
    });
    expect((notify.environment as { variables: Record<string, string> }).variables).toEqual({
      NODE_OPTIONS: "--enable-source-maps",
      POWERTOOLS_SERVICE_NAME: "cribl-drain",
      POWERTOOLS_METRICS_NAMESPACE: "CriblDrain",
      ALARM_TOPIC_ARN: "arn:aws:sns:eu-west-1:123456789012:demo-alarms",
      RUNBOOK_URL: "docs/runbook.md",
      NOTIFY_START_AND_END: "false",
    });
    expect(workflow.outputs.notifyFunctionName).toEqual(expect.any(String));
  });

  it("delivers starts too, and tells the function, when start and end notifications are on", () => {
    // Act
    const { synthesized: s } = synthDrain({ notifications: { startAndEnd: true } });
    const rule = all(s, "aws_cloudwatch_event_rule").find((r) => r.name === "demo-drain-status")!;
    // Assess
    expect(JSON.parse(String(rule.event_pattern)).detail.status).toEqual([
      "RUNNING",
      "SUCCEEDED",
      "FAILED",
      "TIMED_OUT",
      "ABORTED",
    ]);
    const notify = all(s, "aws_lambda_function").find((f) => f.function_name === "demo-drain-notify")!;
    expect((notify.environment as { variables: Record<string, string> }).variables.NOTIFY_START_AND_END).toBe("true");
  });

  it("lets drain-notify read only this machine's executions and publish only to the topic, through SNS for the key", () => {
    // Act
    const { synthesized: s, workflow: w } = synthDrain({
      alarmTopicKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
    });
    // Assess
    expect(rolePolicy(s, "demo-drain-notify").Statement.slice(2)).toEqual(
      w.policies.notify.map((st) =>
        st.Sid === "SendFailedEventsToDeadLetterQueue"
          ? { ...st, Resource: expect.stringMatching(/^\$\{aws_sqs_queue\.drain_dead_letter_queue_\w+\.arn\}$/) }
          : st,
      ),
    );
    expect(w.policies.notify).toEqual([
      {
        Sid: "ReadDrainExecutions",
        Effect: "Allow",
        Action: ["states:DescribeExecution", "states:GetExecutionHistory"],
        Resource: "arn:aws:states:eu-west-1:123456789012:execution:demo-drain:*",
      },
      {
        Sid: "PublishToAlarmTopic",
        Effect: "Allow",
        Action: "sns:Publish",
        Resource: "arn:aws:sns:eu-west-1:123456789012:demo-alarms",
      },
      {
        Sid: "EncryptForAlarmTopic",
        Effect: "Allow",
        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
        Resource: "arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
        Condition: { StringEquals: { "kms:ViaService": "sns.eu-west-1.amazonaws.com" } },
      },
      expect.objectContaining({ Sid: "SendFailedEventsToDeadLetterQueue", Action: "sqs:SendMessage" }),
    ]);
    // Without a key it knows, no KMS statement at all.
    expect(workflow.policies.notify.map((st) => st.Sid)).not.toContain("EncryptForAlarmTopic");
  });

  it("graphs queue bytes per instance, and drain outcomes and durations, on the dashboard", () => {
    // Act
    const body = JSON.parse(String(only(synthesized, "aws_cloudwatch_dashboard").dashboard_body)) as {
      widgets: { properties: { title: string; metrics: unknown[][] } }[];
    };
    const expressions = body.widgets.flatMap((w) =>
      w.properties.metrics
        .flat()
        .flatMap((m) => (typeof m === "object" && m !== null ? [(m as { expression: string }).expression] : [])),
    );
    // Assess
    expect(expressions).toEqual([
      `SEARCH('{CriblDrain,instanceId,service} MetricName="QueueBytesRemaining"', 'Maximum', 300)`,
      `SEARCH('{CriblDrain,outcome,service} MetricName="DrainOutcome"', 'Sum', 300)`,
      `SEARCH('{CriblDrain,outcome,service} MetricName="DrainDurationSeconds"', 'Maximum', 300)`,
    ]);
  });

  it("renders each principal's policy as the statements it exposes, and trusts Step Functions for its account only", () => {
    // Act
    const policies = workflow.policies;
    const machineRole = all(synthesized, "aws_iam_role").find((r) => r.name === "demo-drain-state-machine")!;
    // Assess
    expect(rolePolicy(synthesized, "demo-drain-state-machine").Statement).toEqual(policies.stateMachine);
    // A function's policy is its own logs and traces, then exactly the statements the workflow gives it.
    expect(rolePolicy(synthesized, "demo-drain-check-queue").Statement.slice(2)).toEqual(policies.checkQueue);
    expect(rolePolicy(synthesized, "demo-drain-reconcile").Statement.slice(2)).toEqual(policies.reconcile);
    expect(rolePolicy(synthesized, "demo-drain-start").Statement.slice(2)).toEqual(
      policies.startDrain.map((st) =>
        st.Sid === "SendFailedEventsToDeadLetterQueue"
          ? { ...st, Resource: expect.stringMatching(/^\$\{aws_sqs_queue\.drain_dead_letter_queue_\w+\.arn\}$/) }
          : st,
      ),
    );
    expect(policyOf(machineRole, "assume_role_policy")).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "states.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
        },
      ],
    });
  });

  it("grants the graceful stop and the snapshots only when the settings use them", () => {
    // Act
    const { synthesized: without } = synthDrain({
      settings: { ...SETTINGS, gracefulStop: false, snapshotOnGiveUp: false },
    });
    // Assess
    const sids = rolePolicy(without, "demo-drain-state-machine").Statement.map((st) => st.Sid);
    expect(sids).not.toContain("SendGracefulStopDocument");
    expect(sids.filter((sid) => sid?.includes("Snapshot"))).toEqual(["DescribeInstancesAndSnapshots"]);
  });
});
