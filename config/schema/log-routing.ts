// Configuration of the log-routing stack: the router stream, what writes into it, the forwarders that read it, the
// sinks (config/schema/sinks.ts) and the alarms. Types are inferred from the schema.
import type { z } from "zod";
import {
  cloudwatchSubscriptionSettingsShape,
  logGroupName,
  MAX_LOG_GROUPS,
  refineUniqueLogGroups,
} from "../../modules/cloudwatch-subscription";
import { bool, fail, int, list, logRetentionDays, patterns, str, strict, whenValid } from "../../modules/common/schema";
import {
  consumerCommonShape,
  consumerSchemaKeysShape,
  consumerTuningShape,
  refineConsumer,
} from "../../modules/kinesis-consumer";
import { kinesisForwardShape } from "../../modules/kinesis-forward";
import { logRoutingAlarmSettingsShape } from "../../modules/log-routing-alarms";
import { secureBucketPropsSchema } from "../../modules/secure-bucket";
import { refineStreamSettings, streamSettingsShape } from "../../modules/stream";
import { SHORT_NAME, SINK_KINDS, sinksSchema } from "./sinks";

const SUFFIX = { pattern: /^[a-z0-9-]{1,40}$/, hint: "lower-case letters, digits and '-', up to 40" };

/** A stream of this stack: Stream's settings (modules/stream), named `<name>-<nameSuffix>`. */
const streamSchema = strict({
  /** Suffix of the stream name (`<name>-<suffix>`). @default "router", or the forwarder's name */
  nameSuffix: str(SUFFIX).optional(),
  ...streamSettingsShape,
}).superRefine(refineStreamSettings, whenValid);

const resolveStream = (s: z.output<typeof streamSchema>, defaultSuffix: string) => ({
  ...s,
  nameSuffix: s.nameSuffix ?? defaultSuffix,
});

/** The Common Schema key names and time handling, shared by every consumer (KinesisConsumer's fields). */
const schemaSchema = strict({
  ...consumerSchemaKeysShape,
  /**
   * What the sinks (S3, OpenSearch, fluent) do with a record whose time cannot be read: `fail` writes it to failed
   * records as `invalid_time`; `deliver` is the explicit fallback that files it under its arrival time and marks it.
   * Configuration always sets it (KinesisConsumer leaves it to the handler when unset). @default "fail"
   */
  invalidTime: consumerSchemaKeysShape.invalidTime.unwrap().default("fail"),
});

const bucketShape = secureBucketPropsSchema.shape;

const failedRecordsSchema = strict({
  /** Bucket for failed records. @default "<name>-failed-records-<region>" */
  bucketName: bucketShape.bucketName.optional(),
  /** Create the bucket (a SecureBucket: SSE, public access blocked, expiry, TLS only); false when you bring your own. */
  createBucket: bool().default(true),
  /** Key prefix; each consumer writes under `<prefix>/<consumer>/`. */
  prefix: str(patterns.s3Prefix).default("failed"),
  /**
   * Expiry of failed-record objects in a created bucket, 1 to 3650 days. This is the failed-records bucket's own
   * rule, deliberately not SecureBucket's `expirationDays` (0 to 36500, default 0 = keep forever): failed records
   * always expire, by default after 90 days. The stack passes the value to SecureBucket. @default 90
   */
  expirationDays: int(1, 3650).default(90),
  /** Let `terraform destroy` empty a created bucket. @default false (SecureBucket's) */
  forceDestroy: bucketShape.forceDestroy,
}).superRefine((fr, ctx) => {
  if (!fr.createBucket && fr.bucketName === undefined)
    fail(ctx, ["bucketName"], "must be set when createBucket is false");
});

const cloudwatchSubscriptionSchema = strict({
  /** Log groups whose events go into the router stream, 1 to 100 (CloudwatchSubscription's logGroupNames). */
  logGroups: list(
    strict({
      name: logGroupName(),
      /** Create the log group in this stack (demos, or groups nothing else owns). */
      create: bool().default(false),
      /** Retention of a created log group, days: one of CloudWatch's values (LOG_RETENTION_DAYS). @default 30 */
      retentionDays: logRetentionDays().default(30),
    }),
    1,
    MAX_LOG_GROUPS,
  ),
  ...cloudwatchSubscriptionSettingsShape,
}).superRefine((c, ctx) =>
  refineUniqueLogGroups(
    c.logGroups.map((g) => g.name),
    ctx,
    (i) => ["logGroups", i, "name"],
  ),
);

/** A KinesisForward (modules/kinesis-forward) and its output stream; the stack fills in names, streams and schema keys. */
const forwarderSchema = strict({
  ...consumerTuningShape,
  /** Short name: the function is `<name>-forward-<forwarder>`, the output stream `<name>-<output.nameSuffix>`. */
  name: str(SHORT_NAME),
  /** Log types to forward; empty forwards all types. @default [] */
  whitelist: consumerCommonShape.whitelist,
  /** The forwarder's own output stream. @default { nameSuffix: "<forwarder>" } */
  output: streamSchema.prefault({}),
  partitionKeyField: kinesisForwardShape.partitionKeyField,
}).superRefine(refineConsumer, whenValid);

/** Alarms and the dashboard of the log-routing stack (always created); who hears them is the top-level `alarms`. */
const alarmsSchema = strict({
  /** LogRoutingAlarms' thresholds (modules/log-routing-alarms). */
  ...logRoutingAlarmSettingsShape,
});

export const logRoutingSchema = strict({
  /** The stream applications and CloudWatch Logs subscriptions write to. */
  router: streamSchema.prefault({}),
  schema: schemaSchema.prefault({}),
  failedRecords: failedRecordsSchema.prefault({}),
  /** Subscribe CloudWatch Logs log groups to the router stream. @default none */
  cloudwatchSubscription: cloudwatchSubscriptionSchema.optional(),
  /** One forwarder per output stream, each with its whitelist. */
  forwarders: list(forwarderSchema).default([]),
  /** kinesis-to-s3 / -opensearch / -fluent consumers (config/schema/sinks.ts). */
  sinks: sinksSchema.prefault({}),
  alarms: alarmsSchema.prefault({}),
}).transform((c, ctx) => {
  const router = resolveStream(c.router, "router");
  const names = new Set<string>();
  const suffixes = new Set<string>([router.nameSuffix]);
  const forwarders = c.forwarders.map((f, i) => {
    if (names.has(f.name))
      fail(ctx, ["forwarders", i, "name"], `${JSON.stringify(f.name)} is used by another forwarder`);
    names.add(f.name);
    const output = resolveStream(f.output, f.name);
    if (suffixes.has(output.nameSuffix)) {
      fail(
        ctx,
        ["forwarders", i, "output", "nameSuffix"],
        `${JSON.stringify(output.nameSuffix)} names another stream of this stack; each forwarder needs its own output stream`,
      );
    }
    suffixes.add(output.nameSuffix);
    return { ...f, output };
  });
  const sinkNames = new Set<string>();
  const sources = ["router", ...names];
  for (const kind of SINK_KINDS) {
    c.sinks[kind].forEach((sink, i) => {
      const path = ["sinks", kind, i];
      if (sinkNames.has(sink.name))
        fail(ctx, [...path, "name"], `${JSON.stringify(sink.name)} is used by another sink`);
      sinkNames.add(sink.name);
      if (!sources.includes(sink.source)) {
        fail(
          ctx,
          [...path, "source"],
          `must be one of ${sources.map((s) => JSON.stringify(s)).join(", ")}; got ${JSON.stringify(sink.source)}`,
        );
      }
    });
  }
  return { ...c, router, forwarders };
});

/** The log-routing section as written in a configuration file. */
export type LogRoutingConfig = z.input<typeof logRoutingSchema>;
export type ResolvedLogRoutingConfig = z.output<typeof logRoutingSchema>;
