// The log-routing stack: router stream, CloudWatch Logs subscriptions into it, failed-records bucket, and one
// forwarder (with its own output stream) per configured whitelist.
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import type { Construct } from "constructs";
import type { ResolvedAppConfig } from "../config";
import { CloudwatchSubscription } from "../modules/cloudwatch-subscription";
import { AlarmTopic } from "../modules/common/alarm-topic";
import { KinesisForward } from "../modules/kinesis-forward";
import { LogRoutingAlarms, type WatchedConsumer } from "../modules/log-routing-alarms";
import { SecureBucket } from "../modules/secure-bucket";
import { Stream } from "../modules/stream";
import { addSinks, consumerOutputTable } from "./log-routing-sinks";
import { AppStack } from "./stack-base";

export class LogRoutingStack extends AppStack {
  readonly router: Stream;
  readonly failedRecordsBucket: SecureBucket | undefined;
  /** Where every consumer writes failed records: the created bucket (a reference), or the configured one. */
  readonly failedRecordsBucketName: string;
  readonly subscription: CloudwatchSubscription | undefined;
  readonly forwarders: Record<string, { output: Stream; forward: KinesisForward }> = {};
  /** The topic this stack created; undefined when alarms go to `alarms.topicArn`. */
  readonly alarmTopic: AlarmTopic | undefined;
  /** Where the log-routing alarms go. */
  readonly alarmTopicArn: string;
  readonly alarms: LogRoutingAlarms;

  constructor(scope: Construct, id: string, config: ResolvedAppConfig) {
    super(scope, id, config);
    const { router, schema, failedRecords, cloudwatchSubscription, forwarders } = config.logRouting;
    this.router = AppStack.underField(
      "logRouting.router",
      () =>
        new Stream(this, "router", {
          name: `${config.name}-${router.nameSuffix}`,
          mode: router.mode,
          shardCount: router.shardCount,
          retentionHours: router.retentionHours,
        }),
    );
    this.addOutputs({
      router_stream_arn: [
        this.router.outputs.streamArn,
        "Router stream that applications and CloudWatch Logs subscriptions write to",
      ],
      router_stream_name: [this.router.outputs.streamName, "Name of the router stream"],
    });

    const bucketName = failedRecords.bucketName ?? `${config.name}-failed-records-${config.region}`;
    this.failedRecordsBucket = failedRecords.createBucket
      ? AppStack.underField(
          "logRouting.failedRecords",
          () =>
            new SecureBucket(this, "failed-records", {
              bucketName,
              expirationDays: failedRecords.expirationDays,
              forceDestroy: failedRecords.forceDestroy,
            }),
        )
      : undefined;
    const failedRecordsBucketName = this.failedRecordsBucket?.outputs.bucketName ?? bucketName;
    this.failedRecordsBucketName = failedRecordsBucketName;
    this.addOutputs({
      failed_records_bucket: [
        failedRecordsBucketName,
        "Bucket where every record no sink could deliver is kept, with its reason and original bytes",
      ],
    });

    if (cloudwatchSubscription) {
      const created = cloudwatchSubscription.logGroups
        .filter((g) => g.create)
        .map(
          (g) =>
            new CloudwatchLogGroup(this, `log-group${g.name.replace(/[^A-Za-z0-9_-]/g, "_")}`, {
              name: g.name,
              retentionInDays: g.retentionDays,
            }),
        );
      this.subscription = AppStack.underField(
        "logRouting.cloudwatchSubscription",
        () =>
          new CloudwatchSubscription(this, "cloudwatch-subscription", {
            name: `${config.name}-logs-to-${router.nameSuffix}`,
            region: config.region,
            logGroupNames: cloudwatchSubscription.logGroups.map((g) => g.name),
            destinationStreamArn: this.router.outputs.streamArn,
            filterPattern: cloudwatchSubscription.filterPattern,
            distribution: cloudwatchSubscription.distribution,
            dependsOn: created,
          }),
      );
      this.addOutputs({
        cloudwatch_subscription_role_arn: [
          this.subscription.outputs.roleArn,
          "Role CloudWatch Logs assumes to write subscribed log groups to the router stream",
        ],
      });
    }

    forwarders.forEach((f, i) => {
      const field = `logRouting.forwarders[${i}]`;
      const output = AppStack.underField(
        `${field}.output`,
        () =>
          new Stream(this, `forward-${f.name}-stream`, {
            name: `${config.name}-${f.output.nameSuffix}`,
            mode: f.output.mode,
            shardCount: f.output.shardCount,
            retentionHours: f.output.retentionHours,
          }),
      );
      const { name, whitelist, output: _output, partitionKeyField, ...tuning } = f;
      const forward = AppStack.underField(
        field,
        () =>
          new KinesisForward(this, `forward-${name}`, {
            ...tuning,
            name: `${config.name}-forward-${name}`,
            sourceStreamArn: this.router.outputs.streamArn,
            targetStreamArn: output.outputs.streamArn,
            whitelist,
            partitionKeyField,
            typeKey: schema.typeKey,
            idKey: schema.idKey,
            timeKey: schema.timeKey,
            timezone: schema.timezone,
            unknownTypePrefix: schema.unknownTypePrefix,
            failedRecords: { bucketName: failedRecordsBucketName, prefix: `${failedRecords.prefix}/forward-${name}` },
          }),
      );
      this.forwarders[name] = { output, forward };
      this.addOutputs(
        {
          ...consumerOutputTable(forward.outputs),
          target_stream_arn: [output.outputs.streamArn, "ARN of the stream it writes to"],
          target_stream_name: [output.outputs.streamName, "name of the stream it writes to"],
        },
        { prefix: `forward_${name.replace(/-/g, "_")}`, label: `kinesis-forward "${name}"` },
      );
    });
    const sinks = addSinks(this, config, this.router);

    // Alarms on every consumer and a dashboard, to the log-routing alarm topic (the drain's pattern).
    // To the team's own topic (`alarms.topicArn`), or to a topic this stack creates; `alarms.email` subscribes to it.
    const { alarms } = config.logRouting;
    const { topicArn, email } = config.alarms;
    this.alarmTopic = topicArn
      ? undefined
      : new AlarmTopic(this, "alarm-topic", { name: `${config.name}-log-routing-alarms`, email });
    this.alarmTopicArn = topicArn ?? this.alarmTopic!.topic.arn;
    if (topicArn && email) {
      new SnsTopicSubscription(this, "alarm_email", { topicArn, protocol: "email", endpoint: email });
    }
    const retention: Record<string, number> = { router: router.retentionHours };
    for (const f of forwarders) retention[f.name] = f.output.retentionHours;
    const sinkSources = config.logRouting.sinks;
    const consumers: WatchedConsumer[] = [
      ...Object.values(this.forwarders).map((f) => ({
        consumer: f.forward.consumer,
        sourceRetentionHours: router.retentionHours,
      })),
      ...(["s3", "opensearch", "fluent"] as const).flatMap((kind) =>
        sinkSources[kind].map((s) => ({
          consumer: sinks[kind][s.name]!.consumer,
          sourceRetentionHours: retention[s.source] ?? router.retentionHours,
        })),
      ),
    ];
    this.alarms = AppStack.underField(
      "logRouting.alarms",
      () =>
        new LogRoutingAlarms(this, "alarms", {
          region: config.region,
          alarmTopicArn: this.alarmTopicArn,
          dashboardName: `${config.name}-log-routing`,
          consumers,
          streams: [this.router, ...Object.values(this.forwarders).map((f) => f.output)].map((s) => ({
            streamName: s.outputs.streamName,
          })),
          iteratorAgePercent: alarms.iteratorAgePercent,
          failedEventsThreshold: alarms.failedEventsThreshold,
        }),
    );
    this.addOutputs({
      alarm_topic_arn: [this.alarmTopicArn, "SNS topic that receives the log-routing alarms"],
      dashboard_name: [
        this.alarms.dashboard.dashboardName,
        "CloudWatch dashboard of the log-routing streams and consumers",
      ],
    });
  }
}
