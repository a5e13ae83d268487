// LogRoutingAlarms as a construct (cdktf Testing, a bare stack with an AwsProvider and one KinesisConsumer): six alarms
// per consumer on the right metrics, every action the topic it is given, and the dashboard. How the log-routing stack
// composes it (one set per forwarder and sink, its own topic) is in alarms.synth.test.ts.
import { KinesisConsumer } from "../../../../modules/kinesis-consumer";
import { LogRoutingAlarms, type LogRoutingAlarmsProps } from "../../../../modules/log-routing-alarms";
import { resources, type Synthesized, synthConstruct } from "../../../support/construct";

const TOPIC = "arn:aws:sns:eu-west-1:123456789012:demo-alarms";

function synthAlarms(over: Partial<LogRoutingAlarmsProps> = {}): Synthesized {
  return synthConstruct((scope) => {
    const consumer = new KinesisConsumer(scope, "consumer", {
      name: "demo-consumer",
      handler: "kinesis-forward",
      sourceStreamArn: "arn:aws:kinesis:eu-west-1:123456789012:stream/demo-router",
      failedRecords: { bucketName: "demo-failed-records" },
    });
    return new LogRoutingAlarms(scope, "alarms", {
      region: "eu-west-1",
      alarmTopicArn: TOPIC,
      dashboardName: "demo-log-routing",
      consumers: [{ consumer, sourceRetentionHours: 24 }],
      streams: [{ streamName: "demo-router" }],
      ...over,
    });
  }).synthesized;
}

const byName = (s: Synthesized) =>
  Object.fromEntries(resources(s, "aws_cloudwatch_metric_alarm").map((a) => [String(a.alarm_name), a]));

describe("LogRoutingAlarms", () => {
  it("raises six alarms for the consumer, each acting on the topic it is given (alarm and OK)", () => {
    // Act
    const alarms = byName(synthAlarms());
    // Assess
    expect(Object.keys(alarms).sort()).toEqual(
      ["errors", "failed-events", "failed-records-write-errors", "iterator-age", "on-failure-queue", "throttles"].map(
        (suffix) => `demo-consumer-${suffix}`,
      ),
    );
    for (const a of Object.values(alarms)) {
      expect(a).toMatchObject({ alarm_actions: [TOPIC], ok_actions: [TOPIC], treat_missing_data: "notBreaching" });
    }
  });

  it("watches the queue, the function and the handler's metrics at their thresholds", () => {
    // Act
    const alarms = byName(synthAlarms());
    // Assess
    expect(alarms["demo-consumer-on-failure-queue"]).toMatchObject({
      namespace: "AWS/SQS",
      metric_name: "ApproximateNumberOfMessagesVisible",
      comparison_operator: "GreaterThanThreshold",
      threshold: 0,
      dimensions: { QueueName: expect.stringMatching(/^\$\{aws_sqs_queue\.consumer_on-failure_[0-9A-F]+\.name\}$/) },
    });
    // 24 h retention against the 6 h default maximum record age: half of 6 h.
    expect(alarms["demo-consumer-iterator-age"]).toMatchObject({
      namespace: "AWS/Lambda",
      metric_name: "IteratorAge",
      threshold: 3 * 3600 * 1000,
    });
    expect(alarms["demo-consumer-failed-events"]).toMatchObject({
      namespace: "LogRouting",
      metric_name: "EventsFailed",
      threshold: 1,
      dimensions: { service: "demo-consumer" },
    });
  });

  it("takes the IteratorAge percent and the failed-events threshold", () => {
    // Act
    const alarms = byName(synthAlarms({ iteratorAgePercent: 25, failedEventsThreshold: 10 }));
    // Assess
    expect(alarms["demo-consumer-iterator-age"]!.threshold).toBe(1.5 * 3600 * 1000);
    expect(alarms["demo-consumer-failed-events"]!.threshold).toBe(10);
  });

  it("draws a dashboard of the consumer and the streams in its region", () => {
    // Act
    const [dashboard] = resources(synthAlarms(), "aws_cloudwatch_dashboard");
    // Assess
    expect(dashboard!.dashboard_name).toBe("demo-log-routing");
    const body = JSON.parse(String(dashboard!.dashboard_body)) as {
      widgets: { properties: { title: string; region: string; metrics: string[][] } }[];
    };
    const byTitle = Object.fromEntries(body.widgets.map((w) => [w.properties.title, w.properties]));
    expect(byTitle["Failed events"]!.metrics).toEqual([["LogRouting", "EventsFailed", "service", "demo-consumer"]]);
    expect(byTitle["Stream incoming records"]!.metrics).toEqual([
      ["AWS/Kinesis", "IncomingRecords", "StreamName", "demo-router"],
    ]);
    for (const w of body.widgets) expect(w.properties.region).toBe("eu-west-1");
  });
});
