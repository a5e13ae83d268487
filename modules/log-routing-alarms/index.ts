/**
 * Alarms and a dashboard for the Kinesis log-routing consumers (forwarders and sinks), sent to one alarm topic.
 *
 * Per consumer (every alarm's action, OK action included, is the topic):
 * - `<name>-on-failure-queue`: the on-failure queue holds a message (AWS/SQS ApproximateNumberOfMessagesVisible > 0):
 *   Lambda gave up on a batch, and only its shard/sequence range is left; replay it from the stream before it expires.
 * - `<name>-iterator-age`: AWS/Lambda IteratorAge (Maximum) above `iteratorAgePercent` of the time a record can wait
 *   before it is lost, the shorter of the source stream's retention and the mapping's maximum record age.
 * - `<name>-errors`, `<name>-throttles`: AWS/Lambda Errors and Throttles (Sum) of the function.
 * - `<name>-failed-records-write-errors`: the handler's `FailedRecordsWriteErrors` (namespace LogRouting, dimension
 *   `service` = function name): failed records could not be written, so their Kinesis records are being retried.
 * - `<name>-failed-events`: the handler's `EventsFailed` at or above `failedEventsThreshold` in 5 minutes: events went
 *   to the failed-records location (see `npm run replay`).
 * Construct ids are Terraform addresses: do not rename them.
 */
import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { Construct } from "constructs";
import type { z } from "zod";
import { int, list, opaque, parseWith, region, str, strict } from "../common/schema";
import { type KinesisConsumer, LOG_ROUTING_METRICS_NAMESPACE } from "../kinesis-consumer";
import { streamSettingsShape } from "../stream";

/** The alarm settings configuration also takes (`logRouting.alarms`). */
export const logRoutingAlarmSettingsShape = {
  /**
   * IteratorAge alarm threshold, 1 to 99, in percent of the time a record can wait before it is lost: the shorter of
   * the source stream's retention and the mapping's maximumRecordAgeSeconds. @default 50
   */
  iteratorAgePercent: int(1, 99).default(50),
  /** Failed events (EventsFailed) per function in 5 minutes that raise the alarm, 1 to 1000000. @default 1 */
  failedEventsThreshold: int(1, 1_000_000).default(1),
};

const watchedConsumerSchema = strict({
  /** The consumer whose function, mapping and on-failure queue are watched. */
  consumer: opaque<KinesisConsumer>(),
  /** Retention of the stream the consumer reads, in hours (Stream's retentionHours range). */
  sourceRetentionHours: streamSettingsShape.retentionHours.unwrap(),
});

const watchedStreamSchema = strict({
  /** Literal or reference. */
  streamName: str(),
});

export const logRoutingAlarmsPropsSchema = strict({
  /** Region of the dashboard's widgets (one of modules/common/regions.ts). */
  region: region(),
  /** Topic every alarm (and OK) action notifies. */
  alarmTopicArn: str(),
  /** Name of the CloudWatch dashboard. */
  dashboardName: str(),
  /** The consumers (forwarders and sinks) to watch, each with its source stream's retention. */
  consumers: list(watchedConsumerSchema),
  /** The streams whose iterator age and incoming records the dashboard shows. */
  streams: list(watchedStreamSchema),
  ...logRoutingAlarmSettingsShape,
});

/** Props of LogRoutingAlarms, inferred from logRoutingAlarmsPropsSchema (its field comments are the documentation). */
export type LogRoutingAlarmsProps = Readonly<z.input<typeof logRoutingAlarmsPropsSchema>>;
export type WatchedConsumer = Readonly<z.input<typeof watchedConsumerSchema>>;
export type WatchedStream = Readonly<z.input<typeof watchedStreamSchema>>;

export const PERIOD_SECONDS = 300;

/** The IteratorAge threshold in milliseconds: `percent` of the shorter of retention and maximum record age. */
export function iteratorAgeThresholdMs(retentionHours: number, maximumRecordAgeSeconds: number, percent: number) {
  const horizonSeconds = Math.min(retentionHours * 3600, maximumRecordAgeSeconds);
  return Math.round((horizonSeconds * 1000 * percent) / 100);
}

export class LogRoutingAlarms extends Construct {
  /** Every alarm, six per consumer (five when it has no on-failure queue of its own). */
  readonly alarms: CloudwatchMetricAlarm[] = [];
  /** The dashboard of the consumers and streams. */
  readonly dashboard: CloudwatchDashboard;

  constructor(scope: Construct, id: string, props: LogRoutingAlarmsProps) {
    super(scope, id);
    const p = parseWith(logRoutingAlarmsPropsSchema, props);
    const topic = p.alarmTopicArn;
    const percent = p.iteratorAgePercent;
    const failedEvents = p.failedEventsThreshold;

    const alarm = (
      cid: string,
      name: string,
      description: string,
      metric: { namespace: string; metricName: string; statistic: string; dimensions: Record<string, string> },
      threshold = 1,
      comparisonOperator = "GreaterThanOrEqualToThreshold",
    ) => {
      const a = new CloudwatchMetricAlarm(this, cid, {
        alarmName: name,
        alarmDescription: description,
        comparisonOperator,
        threshold,
        evaluationPeriods: 1,
        period: PERIOD_SECONDS,
        treatMissingData: "notBreaching",
        alarmActions: [topic],
        okActions: [topic],
        ...metric,
      });
      this.alarms.push(a);
      return a;
    };

    for (const { consumer, sourceRetentionHours } of p.consumers) {
      const name = consumer.name;
      const cid = name.replace(/[^A-Za-z0-9_-]/g, "_");
      const fn = { FunctionName: consumer.fn.function.functionName };
      const service = { service: name };
      if (consumer.deadLetterQueue) {
        alarm(
          `${cid}_on_failure_queue`,
          `${name}-on-failure-queue`,
          `Lambda gave up on Kinesis batches of ${name}: their shard and sequence ranges are in the queue; replay them before the stream retention ends`,
          {
            namespace: "AWS/SQS",
            metricName: "ApproximateNumberOfMessagesVisible",
            statistic: "Maximum",
            dimensions: { QueueName: consumer.deadLetterQueue.name },
          },
          0,
          "GreaterThanThreshold",
        );
      }
      const ageMs = iteratorAgeThresholdMs(sourceRetentionHours, consumer.maximumRecordAgeSeconds, percent);
      alarm(
        `${cid}_iterator_age`,
        `${name}-iterator-age`,
        `${name} is ${ageMs / 1000} s behind its stream (${percent}% of the time before records are lost)`,
        { namespace: "AWS/Lambda", metricName: "IteratorAge", statistic: "Maximum", dimensions: fn },
        ageMs,
        "GreaterThanThreshold",
      );
      alarm(`${cid}_errors`, `${name}-errors`, `Invocation errors of ${name}`, {
        namespace: "AWS/Lambda",
        metricName: "Errors",
        statistic: "Sum",
        dimensions: fn,
      });
      alarm(`${cid}_throttles`, `${name}-throttles`, `Throttled invocations of ${name}`, {
        namespace: "AWS/Lambda",
        metricName: "Throttles",
        statistic: "Sum",
        dimensions: fn,
      });
      alarm(
        `${cid}_failed_records_write_errors`,
        `${name}-failed-records-write-errors`,
        `${name} could not write failed records under ${consumer.failedRecordsPrefix}/ (their Kinesis records are retried)`,
        {
          namespace: LOG_ROUTING_METRICS_NAMESPACE,
          metricName: "FailedRecordsWriteErrors",
          statistic: "Sum",
          dimensions: service,
        },
      );
      alarm(
        `${cid}_failed_events`,
        `${name}-failed-events`,
        `${name} failed events (written under ${consumer.failedRecordsPrefix}/; replay with npm run replay)`,
        { namespace: LOG_ROUTING_METRICS_NAMESPACE, metricName: "EventsFailed", statistic: "Sum", dimensions: service },
        failedEvents,
      );
    }

    this.dashboard = new CloudwatchDashboard(this, "dashboard", {
      dashboardName: p.dashboardName,
      dashboardBody: JSON.stringify(dashboardBody(p.region, p.consumers, p.streams)),
    });
  }
}

function dashboardBody(region: string, consumers: readonly WatchedConsumer[], streams: readonly WatchedStream[]) {
  let n = 0;
  const widget = (title: string, metrics: unknown[][], stat = "Sum") => {
    const i = n++;
    return {
      type: "metric",
      x: (i % 2) * 12,
      y: Math.floor(i / 2) * 6,
      width: 12,
      height: 6,
      properties: { title, region, stat, period: PERIOD_SECONDS, view: "timeSeries", metrics },
    };
  };
  const perFunction = (namespace: string, metricName: string) =>
    consumers.map(({ consumer }) => [namespace, metricName, "FunctionName", consumer.fn.function.functionName]);
  const perService = (metricName: string) =>
    consumers.map(({ consumer }) => [LOG_ROUTING_METRICS_NAMESPACE, metricName, "service", consumer.name]);
  const queues = consumers.flatMap(({ consumer }) =>
    consumer.deadLetterQueue
      ? [["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", consumer.deadLetterQueue.name]]
      : [],
  );
  return {
    widgets: [
      widget("Iterator age per function (ms, max)", perFunction("AWS/Lambda", "IteratorAge"), "Maximum"),
      widget(
        "Stream GetRecords iterator age (ms, max)",
        streams.map((s) => ["AWS/Kinesis", "GetRecords.IteratorAgeMilliseconds", "StreamName", s.streamName]),
        "Maximum",
      ),
      widget("Function errors", perFunction("AWS/Lambda", "Errors")),
      widget("Function throttles", perFunction("AWS/Lambda", "Throttles")),
      widget("On-failure queue messages (max)", queues, "Maximum"),
      widget("Failed-records write errors", perService("FailedRecordsWriteErrors")),
      widget("Failed events", perService("EventsFailed")),
      widget("Events delivered", perService("EventsDelivered")),
      widget(
        "Stream incoming records",
        streams.map((s) => ["AWS/Kinesis", "IncomingRecords", "StreamName", s.streamName]),
      ),
      widget("Records retried (batch item failures)", perService("RecordsRetried")),
    ],
  };
}
