// Configuration of the log-routing stack: the router stream, what writes into it, the forwarders that read it, the
// sinks (config/schema/sinks.ts) and the alarms. Types are inferred from the schema.
import type { z } from "zod";
import { bool, fail, int, list, oneOf, patterns, str, strict, text, timeZone } from "../../modules/common/schema";
import { consumerTuningShape, SINK_KINDS, sinksSchema } from "./sinks";

const SUFFIX = { pattern: /^[a-z0-9-]{1,40}$/, hint: "lower-case letters, digits and '-', up to 40" };
const FORWARDER_NAME = {
  pattern: /^[a-z][a-z0-9-]{0,19}$/,
  hint: "lower-case letters, digits and '-', 1 to 20, starting with a letter",
};

const streamSchema = strict({
  /** Suffix of the stream name (`<name>-<suffix>`). @default "router", or the forwarder's name */
  nameSuffix: str(SUFFIX).optional(),
  mode: oneOf(["ON_DEMAND", "PROVISIONED"]).default("ON_DEMAND"),
  /** PROVISIONED only. @default 1 */
  shardCount: int(1, 10000).optional(),
  retentionHours: int(24, 8760).default(24),
});

const resolveStream = (s: z.output<typeof streamSchema>, defaultSuffix: string) => ({
  nameSuffix: s.nameSuffix ?? defaultSuffix,
  mode: s.mode,
  shardCount: s.mode === "PROVISIONED" ? (s.shardCount ?? 1) : undefined,
  retentionHours: s.retentionHours,
});

/** The Common Schema key names, shared by every consumer. */
const schemaSchema = strict({
  typeKey: str(patterns.key).default("log_type"),
  idKey: str(patterns.key).default("log_id"),
  timeKey: str(patterns.key).default("time"),
  /** IANA time zone for timestamps without an offset. */
  timezone: timeZone().default("UTC"),
  unknownTypePrefix: str({ pattern: /^[A-Za-z0-9_.-]{1,64}$/, hint: "1 to 64 of [A-Za-z0-9_.-]" }).default("unknown"),
  /**
   * What the sinks (S3, OpenSearch, fluent) do with a record whose time cannot be read: `fail` writes it to failed
   * records as `invalid_time`; `deliver` is the explicit fallback that files it under its arrival time and marks it.
   */
  invalidTime: oneOf(["fail", "deliver"]).default("fail"),
});

const failedRecordsSchema = strict({
  /** Bucket for failed records. @default "<name>-failed-records-<region>" */
  bucketName: str(patterns.bucketName).optional(),
  /** Create the bucket (SSE, public access blocked, expiry, TLS only); false when you bring your own. */
  createBucket: bool().default(true),
  /** Key prefix; each consumer writes under `<prefix>/<consumer>/`. */
  prefix: str(patterns.s3Prefix).default("failed"),
  /** Expiry of failed-record objects in a created bucket. */
  expirationDays: int(1, 3650).default(90),
  /** Let `terraform destroy` empty a created bucket. */
  forceDestroy: bool().default(false),
}).superRefine((fr, ctx) => {
  if (!fr.createBucket && fr.bucketName === undefined)
    fail(ctx, ["bucketName"], "must be set when createBucket is false");
});

const cloudwatchSubscriptionSchema = strict({
  /** Log groups whose events go into the router stream. */
  logGroups: list(
    strict({
      name: str({ pattern: /^[\w\-./#]{1,512}$/, hint: "a log group name (1 to 512 of [A-Za-z0-9_-./#])" }),
      /** Create the log group in this stack (demos, or groups nothing else owns). */
      create: bool().default(false),
      /** Retention of a created log group, in days. */
      retentionDays: int(1, 3653).default(30),
    }),
    1,
  ),
  /** "" sends every event. */
  filterPattern: text().default(""),
  distribution: oneOf(["ByLogStream", "Random"]).default("ByLogStream"),
}).superRefine((c, ctx) => {
  const seen = new Set<string>();
  c.logGroups.forEach((g, i) => {
    if (seen.has(g.name)) fail(ctx, ["logGroups", i, "name"], `${JSON.stringify(g.name)} is listed twice`);
    seen.add(g.name);
  });
});

const forwarderSchema = strict({
  ...consumerTuningShape,
  /** Short name: the function is `<name>-forward-<forwarder>`, the output stream `<name>-<output.nameSuffix>`. */
  name: str(FORWARDER_NAME),
  /** Log types to forward; empty forwards all types. */
  whitelist: list(str()).default([]),
  /** The forwarder's own output stream. @default { nameSuffix: "<forwarder>" } */
  output: streamSchema.prefault({}),
  /** @default the schema's idKey */
  partitionKeyField: str(patterns.key).optional(),
});

/** Alarms and the dashboard of the log-routing stack (always created), and who hears them. */
const alarmsSchema = strict({
  /** Email subscribed to the `<name>-log-routing-alarms` topic (the recipient confirms it). @default none */
  email: str(patterns.email).optional(),
  /**
   * IteratorAge alarm threshold, in percent of the time a record can wait before it is lost: the shorter of the source
   * stream's retention and the mapping's maximumRecordAgeSeconds.
   */
  iteratorAgePercent: int(1, 99).default(50),
  /** Failed events (EventsFailed) per function in 5 minutes that raise the alarm. */
  failedEventsThreshold: int(1, 1_000_000).default(1),
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
