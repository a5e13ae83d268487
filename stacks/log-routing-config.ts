// Configuration of the log-routing stack: the router stream, what writes into it and the forwarders that read it.
import {
  boolOrDefault,
  ConfigError,
  intOrDefault,
  oneOf,
  optionalString,
  patterns,
  requireString,
  stringList,
} from "../modules/common/validate";
import type { StartingPosition } from "../modules/kinesis-consumer";
import { type ResolvedSinksConfig, type SinksConfig, validateSinksConfig } from "./log-routing-sinks-config";

export interface StreamConfig {
  /** Suffix of the stream name (`<name>-<suffix>`). */
  nameSuffix?: string;
  /** @default "ON_DEMAND" */
  mode?: "ON_DEMAND" | "PROVISIONED";
  /** PROVISIONED only. @default 1 */
  shardCount?: number;
  /** @default 24 */
  retentionHours?: number;
}

/** The Common Schema key names, shared by every consumer. */
export interface SchemaConfig {
  /** @default "log_type" */
  typeKey?: string;
  /** @default "log_id" */
  idKey?: string;
  /** @default "time" */
  timeKey?: string;
  /** IANA time zone for timestamps without an offset. @default "UTC" */
  timezone?: string;
  /** @default "unknown" */
  unknownTypePrefix?: string;
  /**
   * What the sinks (S3, OpenSearch, fluent) do with a record whose time cannot be read: `fail` writes it to failed
   * records as `invalid_time`; `deliver` is the explicit fallback that files it under its arrival time and marks it.
   * @default "fail"
   */
  invalidTime?: "fail" | "deliver";
}

export interface FailedRecordsConfig {
  /** Bucket for failed records. @default "<name>-failed-records-<region>" */
  bucketName?: string;
  /** Create the bucket (SSE, public access blocked, expiry, TLS only); false when you bring your own. @default true */
  createBucket?: boolean;
  /** Key prefix; each consumer writes under `<prefix>/<consumer>/`. @default "failed" */
  prefix?: string;
  /** Expiry of failed-record objects in a created bucket. @default 90 */
  expirationDays?: number;
  /** Let `terraform destroy` empty a created bucket. @default false */
  forceDestroy?: boolean;
}

export interface SubscribedLogGroupConfig {
  /** Log group name. */
  name: string;
  /** Create the log group in this stack (demos, or groups nothing else owns). @default false */
  create?: boolean;
  /** Retention of a created log group, in days. @default 30 */
  retentionDays?: number;
}

export interface CloudwatchSubscriptionConfig {
  /** Log groups whose events go into the router stream. */
  logGroups: SubscribedLogGroupConfig[];
  /** @default "" (every event) */
  filterPattern?: string;
  /** @default "ByLogStream" */
  distribution?: "ByLogStream" | "Random";
}

/** Settings of one consumer's function and event source mapping; see KinesisConsumerCommonProps for defaults. */
export interface ConsumerTuning {
  batchSize?: number;
  startingPosition?: StartingPosition;
  parallelizationFactor?: number;
  maximumBatchingWindowSeconds?: number;
  maximumRetryAttempts?: number;
  maximumRecordAgeSeconds?: number;
  memorySize?: number;
  timeoutSeconds?: number;
  logRetentionDays?: number;
  tracingMode?: "Active" | "PassThrough";
}

export interface ForwarderConfig extends ConsumerTuning {
  /** Short name: the function is `<name>-forward-<forwarder>`, the output stream `<name>-<output.nameSuffix>`. */
  name: string;
  /** Log types to forward; empty forwards all types. @default [] */
  whitelist?: string[];
  /** The forwarder's own output stream. @default { nameSuffix: "<forwarder>" } */
  output?: StreamConfig;
  /** @default the schema's idKey */
  partitionKeyField?: string;
}

/** Alarms and the dashboard of the log-routing stack (always created), and who hears them. */
export interface LogRoutingAlarmsConfig {
  /** Email subscribed to the `<name>-log-routing-alarms` topic (the recipient confirms it). @default none */
  email?: string;
  /**
   * IteratorAge alarm threshold, in percent of the time a record can wait before it is lost: the shorter of the source
   * stream's retention and the mapping's maximumRecordAgeSeconds. 1 to 99. @default 50
   */
  iteratorAgePercent?: number;
  /** Failed events (EventsFailed) per function in 5 minutes that raise the alarm. @default 1 */
  failedEventsThreshold?: number;
}

export interface LogRoutingConfig {
  /** The stream applications and CloudWatch Logs subscriptions write to. */
  router?: StreamConfig;
  schema?: SchemaConfig;
  /** @default a created bucket */
  failedRecords?: FailedRecordsConfig;
  /** Subscribe CloudWatch Logs log groups to the router stream. @default none */
  cloudwatchSubscription?: CloudwatchSubscriptionConfig;
  /** One forwarder per output stream, each with its whitelist. @default [] */
  forwarders?: ForwarderConfig[];
  /** kinesis-to-s3 / -opensearch / -fluent consumers (see log-routing-sinks-config.ts). @default none */
  sinks?: SinksConfig;
  /** @default alarms to a topic without a subscription */
  alarms?: LogRoutingAlarmsConfig;
}

export interface ResolvedStreamConfig {
  nameSuffix: string;
  mode: "ON_DEMAND" | "PROVISIONED";
  shardCount?: number;
  retentionHours: number;
}

export interface ResolvedLogRoutingConfig {
  router: ResolvedStreamConfig;
  schema: Required<SchemaConfig>;
  failedRecords: {
    bucketName: string | undefined;
    createBucket: boolean;
    prefix: string;
    expirationDays: number;
    forceDestroy: boolean;
  };
  cloudwatchSubscription:
    | {
        logGroups: Required<SubscribedLogGroupConfig>[];
        filterPattern: string;
        distribution: "ByLogStream" | "Random";
      }
    | undefined;
  sinks: ResolvedSinksConfig;
  alarms: { email: string | undefined; iteratorAgePercent: number; failedEventsThreshold: number };
  forwarders: (ConsumerTuning & {
    name: string;
    whitelist: string[];
    output: ResolvedStreamConfig;
    partitionKeyField: string | undefined;
  })[];
}

const SUFFIX = { pattern: /^[a-z0-9-]{1,40}$/, hint: "lower-case letters, digits and '-', up to 40" };
const KEY = { pattern: /^[^\s]{1,128}$/, hint: "1 to 128 characters without spaces" };

function validTimezone(field: string, value: unknown): string {
  const zone = requireString(field, value);
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
  } catch {
    throw new ConfigError(
      field,
      `must be an IANA time zone such as "UTC" or "Asia/Tokyo"; got ${JSON.stringify(zone)}`,
    );
  }
  return zone;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function objectOrEmpty(field: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (!isObject(value)) throw new ConfigError(field, "must be an object");
  return value;
}

function validateStream(field: string, raw: unknown, defaultSuffix: string): ResolvedStreamConfig {
  const s = objectOrEmpty(field, raw) as StreamConfig;
  const mode = oneOf(`${field}.mode`, s.mode ?? "ON_DEMAND", ["ON_DEMAND", "PROVISIONED"] as const);
  return {
    nameSuffix: optionalString(`${field}.nameSuffix`, s.nameSuffix, SUFFIX) ?? defaultSuffix,
    mode,
    shardCount: mode === "PROVISIONED" ? intOrDefault(`${field}.shardCount`, s.shardCount, 1, 1, 10000) : undefined,
    retentionHours: intOrDefault(`${field}.retentionHours`, s.retentionHours, 24, 24, 8760),
  };
}

function validateTuning(field: string, f: ConsumerTuning): ConsumerTuning {
  // Ranges are checked by the constructs (errors are re-based onto this field by the stack); closed sets here.
  return {
    batchSize: f.batchSize,
    startingPosition:
      f.startingPosition === undefined
        ? undefined
        : oneOf(`${field}.startingPosition`, f.startingPosition, ["TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"] as const),
    parallelizationFactor: f.parallelizationFactor,
    maximumBatchingWindowSeconds: f.maximumBatchingWindowSeconds,
    maximumRetryAttempts: f.maximumRetryAttempts,
    maximumRecordAgeSeconds: f.maximumRecordAgeSeconds,
    memorySize: f.memorySize,
    timeoutSeconds: f.timeoutSeconds,
    logRetentionDays: f.logRetentionDays,
    tracingMode:
      f.tracingMode === undefined
        ? undefined
        : oneOf(`${field}.tracingMode`, f.tracingMode, ["Active", "PassThrough"] as const),
  };
}

export function validateLogRoutingConfig(field: string, raw: LogRoutingConfig | undefined): ResolvedLogRoutingConfig {
  const root = objectOrEmpty(field, raw) as LogRoutingConfig;
  const router = validateStream(`${field}.router`, root.router, "router");

  const s = objectOrEmpty(`${field}.schema`, root.schema) as SchemaConfig;
  const schema: Required<SchemaConfig> = {
    typeKey: optionalString(`${field}.schema.typeKey`, s.typeKey, KEY) ?? "log_type",
    idKey: optionalString(`${field}.schema.idKey`, s.idKey, KEY) ?? "log_id",
    timeKey: optionalString(`${field}.schema.timeKey`, s.timeKey, KEY) ?? "time",
    timezone: validTimezone(`${field}.schema.timezone`, s.timezone ?? "UTC"),
    unknownTypePrefix:
      optionalString(`${field}.schema.unknownTypePrefix`, s.unknownTypePrefix, {
        pattern: /^[A-Za-z0-9_.-]{1,64}$/,
        hint: "1 to 64 of [A-Za-z0-9_.-]",
      }) ?? "unknown",
    invalidTime: oneOf(`${field}.schema.invalidTime`, s.invalidTime ?? "fail", ["fail", "deliver"] as const),
  };

  const fr = objectOrEmpty(`${field}.failedRecords`, root.failedRecords) as FailedRecordsConfig;
  const createBucket = boolOrDefault(`${field}.failedRecords.createBucket`, fr.createBucket, true);
  const bucketName = optionalString(`${field}.failedRecords.bucketName`, fr.bucketName, patterns.bucketName);
  if (!createBucket && bucketName === undefined) {
    throw new ConfigError(`${field}.failedRecords.bucketName`, "must be set when createBucket is false");
  }
  const failedRecords = {
    bucketName,
    createBucket,
    prefix:
      optionalString(`${field}.failedRecords.prefix`, fr.prefix, {
        pattern: /^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*$/,
        hint: "an S3 key prefix without leading or trailing '/'",
      }) ?? "failed",
    expirationDays: intOrDefault(`${field}.failedRecords.expirationDays`, fr.expirationDays, 90, 1, 3650),
    forceDestroy: boolOrDefault(`${field}.failedRecords.forceDestroy`, fr.forceDestroy, false),
  };

  let cloudwatchSubscription: ResolvedLogRoutingConfig["cloudwatchSubscription"];
  if (root.cloudwatchSubscription !== undefined) {
    const cf = `${field}.cloudwatchSubscription`;
    const c = objectOrEmpty(cf, root.cloudwatchSubscription) as unknown as CloudwatchSubscriptionConfig;
    if (!Array.isArray(c.logGroups) || c.logGroups.length === 0) {
      throw new ConfigError(`${cf}.logGroups`, "must list at least one log group");
    }
    const seen = new Set<string>();
    const logGroups = c.logGroups.map((g, i) => {
      const gf = `${cf}.logGroups[${i}]`;
      if (!isObject(g)) throw new ConfigError(gf, "must be an object with a name");
      const name = requireString(`${gf}.name`, g.name, {
        pattern: /^[\w\-./#]{1,512}$/,
        hint: "a log group name (1 to 512 of [A-Za-z0-9_-./#])",
      });
      if (seen.has(name)) throw new ConfigError(`${gf}.name`, `${JSON.stringify(name)} is listed twice`);
      seen.add(name);
      return {
        name,
        create: boolOrDefault(`${gf}.create`, g.create, false),
        retentionDays: intOrDefault(`${gf}.retentionDays`, g.retentionDays, 30, 1, 3653),
      };
    });
    cloudwatchSubscription = {
      logGroups,
      filterPattern: c.filterPattern ?? "",
      distribution: oneOf(`${cf}.distribution`, c.distribution ?? "ByLogStream", ["ByLogStream", "Random"] as const),
    };
  }

  if (root.forwarders !== undefined && !Array.isArray(root.forwarders)) {
    throw new ConfigError(`${field}.forwarders`, "must be a list");
  }
  const names = new Set<string>();
  const suffixes = new Set<string>([router.nameSuffix]);
  const forwarders = (root.forwarders ?? []).map((f, i) => {
    const ff = `${field}.forwarders[${i}]`;
    if (!isObject(f)) throw new ConfigError(ff, "must be an object with a name");
    const name = requireString(`${ff}.name`, f.name, {
      pattern: /^[a-z][a-z0-9-]{0,19}$/,
      hint: "lower-case letters, digits and '-', 1 to 20, starting with a letter",
    });
    if (names.has(name)) throw new ConfigError(`${ff}.name`, `${JSON.stringify(name)} is used by another forwarder`);
    names.add(name);
    const output = validateStream(`${ff}.output`, f.output, name);
    if (suffixes.has(output.nameSuffix)) {
      throw new ConfigError(
        `${ff}.output.nameSuffix`,
        `${JSON.stringify(output.nameSuffix)} names another stream of this stack; each forwarder needs its own output stream`,
      );
    }
    suffixes.add(output.nameSuffix);
    return {
      ...validateTuning(ff, f),
      name,
      whitelist: stringList(`${ff}.whitelist`, f.whitelist ?? []),
      output,
      partitionKeyField: optionalString(`${ff}.partitionKeyField`, f.partitionKeyField, KEY),
    };
  });

  const sinks = validateSinksConfig(
    `${field}.sinks`,
    root.sinks,
    forwarders.map((f) => f.name),
  );
  const a = objectOrEmpty(`${field}.alarms`, root.alarms) as LogRoutingAlarmsConfig;
  const alarms = {
    email: optionalString(`${field}.alarms.email`, a.email, {
      pattern: /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
      hint: "an email address",
    }),
    iteratorAgePercent: intOrDefault(`${field}.alarms.iteratorAgePercent`, a.iteratorAgePercent, 50, 1, 99),
    failedEventsThreshold: intOrDefault(
      `${field}.alarms.failedEventsThreshold`,
      a.failedEventsThreshold,
      1,
      1,
      1_000_000,
    ),
  };
  return { router, schema, failedRecords, cloudwatchSubscription, forwarders, sinks, alarms };
}
