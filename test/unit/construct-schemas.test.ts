// One schema per construct (issue 11): a construct parses its own props with it, and configuration composes the same
// schema, so a wrong value is reported with the same words under the construct's prop path when the construct is used
// directly, and under the configuration path, in one list with every other configuration error, before any construct
// is built.
import { App, TerraformStack } from "cdktf";
import type { ConfigError } from "../../config";
import { CloudwatchSubscription } from "../../modules/cloudwatch-subscription";
import { LOG_RETENTION_DAYS, logRetentionDays } from "../../modules/common/schema";
import type { KinesisConsumerCommonProps } from "../../modules/kinesis-consumer";
import { KinesisToFluent } from "../../modules/kinesis-to-fluent";
import { KinesisToOpenSearch } from "../../modules/kinesis-to-opensearch";
import { KinesisToS3 } from "../../modules/kinesis-to-s3";
import { LogRoutingAlarms } from "../../modules/log-routing-alarms";
import { SecureBucket } from "../../modules/secure-bucket";
import { Stream } from "../../modules/stream";
import { buildApp } from "../../stacks/app";
import { configErrorFrom } from "../support/config-error";
import { configErrorOf, exampleConfig } from "../support/synth";

const PORT_MESSAGE = "must be an integer from 1 to 65535; got 70000";

function constructError(build: (stack: TerraformStack) => unknown): ConfigError {
  return configErrorFrom(() => build(new TerraformStack(new App({ outdir: "/tmp/never-written" }), "s")), "props");
}

const consumer: KinesisConsumerCommonProps = {
  name: "direct",
  sourceStreamArn: "arn:aws:kinesis:eu-west-1:123456789012:stream/router",
  failedRecords: { bucketName: "failed-records" },
};

describe("configuration reports every error in one list, before any construct runs", () => {
  it("lists a typo key, a bad region and a bad fluent port together", () => {
    // Prepare
    const config = exampleConfig();
    Object.assign(config, { region: "moon-1" });
    Object.assign(config.logRouting, { forwarder: [] });
    config.logRouting.sinks!.fluent![0]!.port = 70000;
    // Act
    const error = configErrorOf(config);
    // Assess
    expect(error.issues).toEqual([
      { field: "region", message: expect.stringMatching(/^must be an AWS region .*; got "moon-1"$/) },
      { field: "logRouting.sinks.fluent[0].port", message: PORT_MESSAGE },
      { field: "logRouting.forwarder", message: "unknown key; did you mean forwarders?" },
    ]);
    expect(error.message).toMatch(/^configuration has 3 errors:\n/);
    // buildApp reports the same list: the configuration is refused before a stack is built.
    expect(() => buildApp(config, { outdir: "/tmp/never-written" })).toThrow(error.message);
  });

  it("names a sink's cross-field rule and an index prefix overlap with the other errors", () => {
    // Prepare
    const config = exampleConfig();
    const search = config.logRouting.sinks!.opensearch![0]!;
    search.indexPrefix = "cribl";
    config.logRouting.sinks!.opensearch!.push({ name: "other", indexPrefix: "cribl-other", existing: search.existing });
    config.logRouting.sinks!.fluent![0]!.plaintext = true;
    config.logRouting.router = { retentionHours: 9000 };
    // Act
    const error = configErrorOf(config);
    // Assess
    expect(error.issues.map((i) => i.field)).toEqual([
      "logRouting.router.retentionHours",
      "logRouting.sinks.fluent[0].plaintext",
      "logRouting.sinks.opensearch[0].indexPrefix",
    ]);
  });
});

describe("a construct used directly validates its own props with the same schema", () => {
  it("KinesisToFluent: port 70000 is refused under its own prop path, with the configuration's words", () => {
    // Prepare
    const config = exampleConfig();
    config.logRouting.sinks!.fluent![0]!.port = 70000;
    // Act
    const error = constructError((s) => new KinesisToFluent(s, "x", { ...consumer, host: "fluentd", port: 70000 }));
    const fromConfig = configErrorOf(config);
    // Assess
    expect(error.message).toBe(`port: ${PORT_MESSAGE}`);
    expect(fromConfig.message).toBe(`logRouting.sinks.fluent[0].port: ${PORT_MESSAGE}`);
  });

  it("lists every problem of the props at once", () => {
    // Act
    const error = constructError(
      (s) =>
        new KinesisToFluent(s, "x", { ...consumer, host: "fluentd", port: 0, batchSize: 0, colour: "red" } as never),
    );
    // Assess
    expect(error.issues.map((i) => i.field)).toEqual(["batchSize", "port", "colour"]);
  });

  it.each<[string, (s: TerraformStack) => unknown, string]>([
    [
      "Stream",
      (s) => new Stream(s, "x", { name: "router", retentionHours: 9000 }),
      "retentionHours: must be an integer from 24 to 8760; got 9000",
    ],
    [
      "Stream (shards on demand)",
      (s) => new Stream(s, "x", { name: "router", shardCount: 2 }),
      "shardCount: must be unset when mode is ON_DEMAND; got 2",
    ],
    [
      "SecureBucket",
      (s) => new SecureBucket(s, "x", { bucketName: "a-bucket", expirationDays: 40000 }),
      "expirationDays: must be an integer from 0 to 36500; got 40000",
    ],
    [
      "KinesisToS3",
      (s) => new KinesisToS3(s, "x", { ...consumer, bucketName: "a-bucket", expirationDays: 7 }),
      "expirationDays: applies only when createBucket is true",
    ],
    [
      "KinesisToOpenSearch",
      (s) => new KinesisToOpenSearch(s, "x", consumer),
      "domain: set exactly one of domain (create a domain) and existing (use an endpoint)",
    ],
    [
      "LogRoutingAlarms",
      (s) =>
        new LogRoutingAlarms(s, "x", {
          region: "eu-west-1",
          alarmTopicArn: "arn:aws:sns:eu-west-1:123456789012:alarms",
          dashboardName: "d",
          consumers: [],
          streams: [],
          iteratorAgePercent: 100,
        }),
      "iteratorAgePercent: must be an integer from 1 to 99; got 100",
    ],
    [
      "CloudwatchSubscription",
      (s) =>
        new CloudwatchSubscription(s, "x", {
          name: "logs-to-router",
          region: "moon-1",
          logGroupNames: ["/app"],
          destinationStreamArn: "arn:aws:kinesis:eu-west-1:123456789012:stream/router",
        }),
      'region: must be an AWS region such as eu-west-1 (commercial, cn-* or us-gov-*); got "moon-1"',
    ],
  ])("%s", (_name, build, message) => {
    // Act
    const error = constructError(build);
    // Assess
    expect(error.message).toBe(message);
  });

  it("checks the region against the one list, as configuration does", () => {
    // Prepare
    const config = Object.assign(exampleConfig(), { region: "moon-1" });
    // Act
    const fromConfig = configErrorOf(config).issues[0]!.message;
    const fromConstruct = constructError(
      (s) =>
        new CloudwatchSubscription(s, "x", {
          name: "logs-to-router",
          region: "moon-1",
          logGroupNames: ["/app"],
          destinationStreamArn: "arn:aws:kinesis:eu-west-1:123456789012:stream/router",
        }),
    ).issues[0]!.message;
    // Assess
    expect(fromConstruct).toBe(fromConfig);
  });
});

describe("rules written once, reported once with the field named", () => {
  const RETENTION_MESSAGE = `must be one of ${LOG_RETENTION_DAYS.map((d) => `"${d}"`).join(", ")}; got 31`;

  it("takes exactly the retention periods CloudWatch Logs accepts", () => {
    // Prepare
    const everyDay = Array.from({ length: 3654 }, (_, day) => day);
    // Act
    const accepted = everyDay.filter((day) => logRetentionDays().safeParse(day).success);
    // Assess
    expect(accepted).toEqual([
      1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
    ]);
    expect(accepted).toEqual([...LOG_RETENTION_DAYS]);
  });

  it("refuses retention 31 for a created log group of the subscription, naming the field", () => {
    // Prepare
    const config = exampleConfig();
    config.logRouting.cloudwatchSubscription!.logGroups[0]!.retentionDays = 31 as never;
    // Act
    const error = configErrorOf(config);
    // Assess
    expect(error.issues).toEqual([
      { field: "logRouting.cloudwatchSubscription.logGroups[0].retentionDays", message: RETENTION_MESSAGE },
    ]);
  });

  it("refuses retention 31 for a created OpenSearch domain's log groups, naming the prop", () => {
    // Prepare
    const domain = {
      domainName: "search",
      masterUserArn: "arn:aws:iam::123456789012:role/search-admin",
      publicEndpoint: true,
      logRetentionDays: 31 as never,
    };
    // Act
    const error = constructError((s) => new KinesisToOpenSearch(s, "x", { ...consumer, domain }));
    // Assess
    expect(error.issues).toEqual([{ field: "domain.logRetentionDays", message: RETENTION_MESSAGE }]);
  });

  it("refuses a log group the subscription lists twice, once, with the construct's words", () => {
    // Prepare
    const config = exampleConfig();
    config.logRouting.cloudwatchSubscription!.logGroups.push({ name: "/demo/other" }, { name: "/demo/app" });
    // Act
    const error = configErrorOf(config);
    // Assess
    expect(error.issues).toEqual([
      { field: "logRouting.cloudwatchSubscription.logGroups[2].name", message: '"/demo/app" is listed twice' },
    ]);
  });
});
