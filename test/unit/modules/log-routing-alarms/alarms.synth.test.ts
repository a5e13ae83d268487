// Alarms and the dashboard of the log-routing stack, as synthesized: one set per consumer (forwarders and sinks), each
// on the right metric and dimensions, every action the log-routing alarm topic; the topic and its configured email.
import { ConfigError } from "../../../../config";
import { iteratorAgeThresholdMs } from "../../../../modules/log-routing-alarms";
import { exampleConfig, resourcesOf, synthApp, type TfJson } from "../../../support/synth";

type Resource = Record<string, unknown>;

let stack: TfJson;
beforeAll(() => {
  // Prepare / Act
  stack = synthApp().stacks["log-routing"]!;
});

const CONSUMERS = [
  // function name, construct path of the consumer, stream it reads
  { name: "cribl-demo-forward-app", path: "forward-app_consumer" },
  { name: "cribl-demo-forward-audit", path: "forward-audit_consumer" },
  { name: "cribl-demo-to-s3-archive", path: "to-s3-archive_consumer" },
  { name: "cribl-demo-to-os-search", path: "to-opensearch-search_consumer" },
  { name: "cribl-demo-to-fluent-aggregator", path: "to-fluent-aggregator_consumer" },
];

function alarmNamed(s: TfJson, name: string): Resource {
  const found = Object.values(resourcesOf(s, "aws_cloudwatch_metric_alarm")).filter((a) => a.alarm_name === name);
  if (found.length !== 1) throw new Error(`expected one alarm ${name}, found ${found.length}`);
  return found[0]!;
}

function topicRef(s: TfJson): string {
  const topics = Object.entries(resourcesOf(s, "aws_sns_topic"));
  expect(topics).toHaveLength(1);
  const [address, topic] = topics[0]!;
  expect(topic.name).toBe("cribl-demo-log-routing-alarms");
  return `\${aws_sns_topic.${address}.arn}`;
}

const fnRef = (path: string) =>
  expect.stringMatching(new RegExp(`^\\$\\{aws_lambda_function\\.${path}_function_[0-9A-F]+\\.function_name\\}$`));

describe("log-routing alarms", () => {
  it("has six alarms per consumer, every one acting on the alarm topic (alarm and OK)", () => {
    // Act
    const topic = topicRef(stack);
    const alarms = Object.values(resourcesOf(stack, "aws_cloudwatch_metric_alarm"));
    // Assess
    expect(alarms).toHaveLength(CONSUMERS.length * 6);
    for (const a of alarms) {
      expect(a).toMatchObject({ alarm_actions: [topic], ok_actions: [topic], treat_missing_data: "notBreaching" });
    }
  });

  it.each(CONSUMERS)("watches $name's on-failure queue for any visible message", ({ name, path }) => {
    // Act / Assess
    expect(alarmNamed(stack, `${name}-on-failure-queue`)).toMatchObject({
      namespace: "AWS/SQS",
      metric_name: "ApproximateNumberOfMessagesVisible",
      statistic: "Maximum",
      comparison_operator: "GreaterThanThreshold",
      threshold: 0,
      dimensions: {
        QueueName: expect.stringMatching(new RegExp(`^\\$\\{aws_sqs_queue\\.${path}_on-failure_[0-9A-F]+\\.name\\}$`)),
      },
    });
  });

  it.each(CONSUMERS)("alarms on $name's IteratorAge at half of the 6 h maximum record age", ({ name, path }) => {
    // Default retention 24 h, default maximumRecordAgeSeconds 21600: the shorter horizon is 6 h, half of it 3 h.
    // Assess
    expect(alarmNamed(stack, `${name}-iterator-age`)).toMatchObject({
      namespace: "AWS/Lambda",
      metric_name: "IteratorAge",
      statistic: "Maximum",
      comparison_operator: "GreaterThanThreshold",
      threshold: 3 * 3600 * 1000,
      dimensions: { FunctionName: fnRef(path) },
    });
  });

  it.each(CONSUMERS)("alarms on $name's Lambda Errors and Throttles", ({ name, path }) => {
    // Assess
    for (const metric of ["Errors", "Throttles"]) {
      expect(alarmNamed(stack, `${name}-${metric.toLowerCase()}`)).toMatchObject({
        namespace: "AWS/Lambda",
        metric_name: metric,
        statistic: "Sum",
        comparison_operator: "GreaterThanOrEqualToThreshold",
        threshold: 1,
        dimensions: { FunctionName: fnRef(path) },
      });
    }
  });

  it.each(CONSUMERS)(
    "alarms on $name's failed-records write errors and failed events (handler metrics)",
    ({ name }) => {
      // The names and dimension the handlers emit: handlers/shared/kinesis-batch.ts, Powertools `service` = function.
      // Act
      const fn = resourcesOf(stack, "aws_lambda_function");
      const env = Object.values(fn).find((f) => f.function_name === name)!.environment as {
        variables: Record<string, string>;
      };
      // Assess
      expect(env.variables).toMatchObject({
        POWERTOOLS_SERVICE_NAME: name,
        POWERTOOLS_METRICS_NAMESPACE: "LogRouting",
      });
      for (const metric of ["FailedRecordsWriteErrors", "EventsFailed"]) {
        const suffix = metric === "EventsFailed" ? "failed-events" : "failed-records-write-errors";
        expect(alarmNamed(stack, `${name}-${suffix}`)).toMatchObject({
          namespace: "LogRouting",
          metric_name: metric,
          statistic: "Sum",
          comparison_operator: "GreaterThanOrEqualToThreshold",
          threshold: 1,
          dimensions: { service: name },
        });
      }
    },
  );

  it("has a dashboard with every function, queue and stream", () => {
    // Act
    const dashboards = Object.values(resourcesOf(stack, "aws_cloudwatch_dashboard"));
    // Assess
    expect(dashboards).toHaveLength(1);
    expect(dashboards[0]!.dashboard_name).toBe("cribl-demo-log-routing");
    const body = JSON.parse(String(dashboards[0]!.dashboard_body)) as {
      widgets: { properties: { title: string; metrics: string[][] } }[];
    };
    const byTitle = Object.fromEntries(body.widgets.map((w) => [w.properties.title, w.properties.metrics]));
    expect(byTitle["Function errors"]).toHaveLength(CONSUMERS.length);
    expect(byTitle["Function throttles"]).toHaveLength(CONSUMERS.length);
    expect(byTitle["Iterator age per function (ms, max)"]).toHaveLength(CONSUMERS.length);
    expect(byTitle["On-failure queue messages (max)"]).toHaveLength(CONSUMERS.length);
    expect(byTitle["Failed events"]?.map((m) => m[3])).toEqual(CONSUMERS.map((c) => c.name));
    expect(byTitle["Failed-records write errors"]?.map((m) => m.slice(0, 3))).toEqual(
      CONSUMERS.map(() => ["LogRouting", "FailedRecordsWriteErrors", "service"]),
    );
    // Router and the two forwarders' output streams.
    expect(byTitle["Stream GetRecords iterator age (ms, max)"]).toHaveLength(3);
  });

  it("encrypts the topic with its own key that CloudWatch may use, and subscribes the configured alarms email", () => {
    // Act
    const topic = Object.values(resourcesOf(stack, "aws_sns_topic"))[0]!;
    // Assess
    expect(String(topic.kms_master_key_id)).toMatch(/^\$\{aws_kms_key\.alarm-topic_key_[0-9A-F]+\.arn\}$/);
    const key = Object.values(resourcesOf(stack, "aws_kms_key"))[0]!;
    expect(String(key.policy)).toContain("cloudwatch.amazonaws.com");
    expect(Object.values(resourcesOf(stack, "aws_sns_topic_subscription"))).toEqual([
      expect.objectContaining({ protocol: "email", endpoint: "platform-oncall@example.com" }),
    ]);
    expect(Object.keys(stack.output ?? {})).toEqual(expect.arrayContaining(["alarm_topic_arn", "dashboard_name"]));
  });
});

describe("log-routing alarms configuration", () => {
  it("subscribes the configured email, and takes the IteratorAge percent and failed-events threshold", () => {
    // Prepare
    const config = exampleConfig();
    config.alarms = { email: "oncall@example.com" };
    config.logRouting.alarms = { iteratorAgePercent: 25, failedEventsThreshold: 10 };
    config.logRouting.router = { retentionHours: 48 };
    config.logRouting.forwarders![0]!.maximumRecordAgeSeconds = 604800;
    // Act
    const s = synthApp(config).stacks["log-routing"]!;
    const topic = topicRef(s);
    // Assess
    expect(Object.values(resourcesOf(s, "aws_sns_topic_subscription"))).toEqual([
      expect.objectContaining({ protocol: "email", endpoint: "oncall@example.com", topic_arn: topic }),
    ]);
    // Retention 48 h is shorter than a 7-day record age: 25% of 48 h.
    expect(alarmNamed(s, "cribl-demo-forward-app-iterator-age").threshold).toBe(12 * 3600 * 1000);
    expect(alarmNamed(s, "cribl-demo-forward-audit-iterator-age").threshold).toBe(1.5 * 3600 * 1000);
    expect(alarmNamed(s, "cribl-demo-forward-app-failed-events").threshold).toBe(10);
  });

  it.each([
    [{ iteratorAgePercent: 100 }, "logRouting.alarms.iteratorAgePercent"],
    [{ failedEventsThreshold: 0 }, "logRouting.alarms.failedEventsThreshold"],
  ])("rejects %j naming %s", (alarms, field) => {
    // Prepare
    const config = exampleConfig();
    config.logRouting.alarms = alarms;
    // Act / Assess
    expect(() => synthApp(config)).toThrow(ConfigError);
    expect(() => synthApp(config)).toThrow(`${field}: `);
  });

  it("computes the IteratorAge threshold from the shorter horizon", () => {
    // Act / Assess
    expect(iteratorAgeThresholdMs(24, 21600, 50)).toBe(10_800_000);
    expect(iteratorAgeThresholdMs(24, 604800, 50)).toBe(43_200_000);
  });
});
