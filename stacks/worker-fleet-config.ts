// Configuration of the worker-fleet stack: the Cribl worker group and its drain workflow. Every parameter of the
// original CloudFormation stack ("LogStream Worker Group with Autoscaling Scale Down Hooks") has a typed equivalent
// here; the leader auth token is never a value, only the name of the SSM SecureString that workers read at boot.

import { snapshotWaitMarginSeconds } from "../contracts/drain";
import { QUEUE_DIRECTORIES_MAX_LENGTH, QUEUE_DIRECTORIES_PATTERN } from "../contracts/queue-probe";
import { LOG_RETENTION_DAYS } from "../modules/common/node-function";
import {
  boolOrDefault,
  ConfigError,
  intOrDefault,
  oneOf,
  optionalString,
  patterns,
  requireInt,
  requireString,
  stringList,
} from "../modules/common/validate";
import { loadDrainDefinitionTemplate } from "../statemachines/drain";
import {
  type AslDefinition,
  COLD_START_ALLOWANCE_SECONDS,
  checkFunctionTimeoutSeconds,
  maxHeartbeatGap,
  maxRestartGap,
  minMaxWaitSeconds,
  RECONCILE_FUNCTION_TIMEOUT_SECONDS,
  ratePeriodSeconds,
} from "../statemachines/drain-bounds";

/** Cribl's well-known default worker token: never acceptable anywhere in the configuration. */
export const WELL_KNOWN_DEFAULT_TOKEN = "criblmaster";

/** Lifecycle hook limits (AWS): heartbeat timeout range, and the global timeout of one lifecycle action. */
export const HEARTBEAT_TIMEOUT_RANGE = { min: 30, max: 7200 } as const;
export const LIFECYCLE_GLOBAL_TIMEOUT_CAP_SECONDS = 48 * 3600;

/** The global timeout of one lifecycle action: min(48 h, 100 x heartbeat timeout). Heartbeats cannot extend it. */
export function lifecycleGlobalTimeoutSeconds(heartbeatTimeoutSeconds: number): number {
  return Math.min(LIFECYCLE_GLOBAL_TIMEOUT_CAP_SECONDS, 100 * heartbeatTimeoutSeconds);
}

/**
 * Default drain deadline: the global timeout minus a margin for the give-up path (snapshot the queue volume, wait for
 * it while heartbeating, complete): 10% of the global timeout, at least 5 minutes, at most 1 hour.
 */
export function defaultDrainDeadlineSeconds(heartbeatTimeoutSeconds: number): number {
  const global = lifecycleGlobalTimeoutSeconds(heartbeatTimeoutSeconds);
  const margin = Math.max(300, Math.min(3600, Math.floor(global * 0.1)));
  return global - margin;
}

export const DEFAULT_AMI_PARAMETERS = {
  x86_64: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
  arm64: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
} as const;

export const DEFAULT_QUEUE_DIRECTORY = "/opt/cribl/state/queues";

/** Cribl's download location; `{version}` and `{arch}` (x64 or arm64) are filled in at synth. */
export const DEFAULT_CRIBL_DOWNLOAD_URL_TEMPLATE =
  "https://cdn.cribl.io/dl/{baseVersion}/cribl-{version}-linux-{arch}.tgz";

export type Architecture = "x86_64" | "arm64";
export type VolumeType = "gp3" | "gp2" | "io1" | "io2";

/** The pinned Cribl Stream release installed on every worker. */
export interface CriblPackageConfig {
  /** Full release id as in the tarball name, e.g. "4.9.3-25f2ed8e" (version and build). */
  version: string;
  /** SHA-256 (hex) of the tarball for the configured architecture; boot refuses a tarball that does not match. */
  sha256: string;
  /**
   * https URL of the tarball. Placeholders: `{version}` (the full release id), `{baseVersion}` (the part before the
   * first "-"), `{arch}` ("x64" or "arm64").
   * @default "https://cdn.cribl.io/dl/{baseVersion}/cribl-{version}-linux-{arch}.tgz"
   */
  downloadUrlTemplate?: string;
}

/** A dedicated EBS volume for the persistent queues (encrypted, deleted with the instance after the drain). */
export interface QueueVolumeConfig {
  /** @default 100 */
  sizeGiB?: number;
  /** @default "gp3" */
  type?: VolumeType;
  /** Provisioned IOPS (gp3: 3000 to 16000, io1/io2: required). @default the type's baseline */
  iops?: number;
  /** gp3 throughput, MiB/s (125 to 1000). @default 125 */
  throughputMiBps?: number;
  /** Where the volume is mounted; every queue directory must be at or below it. @default the first queue directory */
  mountPath?: string;
}

/** Thresholds and timings of one drain (see contracts/drain.ts). */
export interface DrainConfig {
  /** A queue directory counts as empty at or below this many bytes. @default 0 */
  maxBytes?: number;
  /** Drained only after this many consecutive checks at or below maxBytes. @default 2 */
  requiredConsecutiveChecks?: number;
  /** Shortest wait between checks, seconds. @default 10 */
  minWaitSeconds?: number;
  /** Longest wait between checks while the queue is not shrinking, seconds; below the heartbeat timeout. @default 300 */
  maxWaitSeconds?: number;
  /**
   * Give up (snapshot, complete, fail) this many seconds after the drain started; must stay below the hook's global
   * timeout min(48 h, 100 x heartbeatTimeoutSeconds).
   * @default the global timeout minus 10% (at least 5 minutes, at most 1 hour)
   */
  drainDeadlineSeconds?: number;
  /** How long one queue check may wait for the probe's result before reporting "unknown", seconds (10 to 55). @default 50 */
  checkBudgetSeconds?: number;
  /** Stop the Cribl service gracefully before completing the lifecycle action. @default true */
  gracefulStop?: boolean;
  /** Snapshot the queue volume(s) when the deadline passes. @default true */
  snapshotOnGiveUp?: boolean;
}

export interface WorkerFleetConfig {
  /**
   * AMI for the workers: an AMI id (`ami-...`) or the name of an SSM parameter holding one (resolved at plan).
   * @default the Amazon Linux 2023 public parameter for `architecture`
   */
  amiId?: string;
  /** CPU architecture of the AMI, the instance type and the Cribl tarball. @default "x86_64" */
  architecture?: Architecture;
  /** Auto Scaling group name (letters, digits, '.', '_', '-'). @default "<name>-cribl-workers" */
  autoScalingGroupName?: string;
  /** @default 1 */
  minSize?: number;
  /** @default 4 */
  maxSize?: number;
  /** @default 1 */
  desiredCapacity?: number;
  /** Host name or IP address of the Cribl leader. */
  leaderHost: string;
  /** @default 4200 */
  leaderPort?: number;
  /** Connect to the leader over TLS (`cribl mode-worker -S true`). @default true */
  leaderTls?: boolean;
  /** Worker group the workers join. @default "default" */
  workerGroup?: string;
  /**
   * NAME of the SSM SecureString parameter holding the leader auth token, read by each worker at boot. The token value
   * itself is never configuration: it never reaches user data, Terraform configuration or state.
   */
  leaderAuthTokenParameter: string;
  /** Customer-managed KMS key of that SecureString; unset for the AWS-managed `aws/ssm` key. */
  leaderAuthTokenKmsKeyArn?: string;
  /** Lifecycle hook heartbeat timeout, seconds (30 to 7200). @default 3600 */
  heartbeatTimeoutSeconds?: number;
  /**
   * What the group does when the hook times out (the drain stopped heartbeating). Both terminate the instance;
   * CONTINUE still runs other termination hooks, ABANDON skips them.
   * @default "CONTINUE"
   */
  lifecycleHookDefaultResult?: "CONTINUE" | "ABANDON";
  /** Instance type; non-burstable so a busy worker does not run out of CPU credits. @default "m7i.large" */
  instanceType?: string;
  /** EC2 key pair; unset by default (SSM Session Manager gives shell access). */
  instanceKeyPair?: string;
  /** Security groups of the workers. @default one group created for the workers, egress only */
  securityGroupIds?: string[];
  /** @default "Cribl-Scaledown-Hook" */
  lifecycleHookName?: string;
  /** Absolute persistent-queue directories the drain waits on. @default ["/opt/cribl/state/queues"] */
  queues?: string[];
  /** Subnets of the group. @default the default VPC's default subnets */
  subnetIds?: string[];
  /** The pinned Cribl Stream release. */
  cribl: CriblPackageConfig;
  /** A dedicated queue volume; unset keeps the queues on the root volume. */
  queueVolume?: QueueVolumeConfig;
  /** Root volume size, GiB. @default 20 */
  rootVolumeSizeGiB?: number;
  /** Root device name of the AMI (Amazon Linux 2023: /dev/xvda). @default "/dev/xvda" */
  rootDeviceName?: string;
  /** Customer-managed KMS key for the EBS volumes; unset for the account's default EBS key. */
  ebsKmsKeyArn?: string;
  /** Load balancer target groups the workers register with (health checks then use ELB). @default [] */
  targetGroupArns?: string[];
  /** Drain thresholds and timings. @default {} */
  drain?: DrainConfig;
  /** EventBridge schedule of the reconciler that starts missed drains. @default "rate(2 minutes)" */
  reconcileSchedule?: string;
  /** Email address subscribed to the alarm topic; unset adds no subscription. */
  alarmEmail?: string;
  /** Retention of the drain workflow's logs, days. @default 30 */
  logRetentionDays?: number;
}

export interface ResolvedDrainConfig {
  maxBytes: number;
  requiredConsecutiveChecks: number;
  minWaitSeconds: number;
  maxWaitSeconds: number;
  drainDeadlineSeconds: number;
  checkBudgetSeconds: number;
  gracefulStop: boolean;
  snapshotOnGiveUp: boolean;
}

export interface ResolvedQueueVolumeConfig {
  sizeGiB: number;
  type: VolumeType;
  iops?: number;
  throughputMiBps?: number;
  mountPath: string;
}

export interface ResolvedWorkerFleetConfig {
  amiId: string;
  architecture: Architecture;
  /** Undefined means "<app name>-cribl-workers", filled in by the stack. */
  autoScalingGroupName?: string;
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  leaderHost: string;
  leaderPort: number;
  leaderTls: boolean;
  workerGroup: string;
  leaderAuthTokenParameter: string;
  leaderAuthTokenKmsKeyArn?: string;
  heartbeatTimeoutSeconds: number;
  lifecycleHookDefaultResult: "CONTINUE" | "ABANDON";
  instanceType: string;
  instanceKeyPair?: string;
  securityGroupIds?: string[];
  lifecycleHookName: string;
  queues: string[];
  subnetIds?: string[];
  cribl: { version: string; sha256: string; downloadUrl: string };
  queueVolume?: ResolvedQueueVolumeConfig;
  rootVolumeSizeGiB: number;
  rootDeviceName: string;
  ebsKmsKeyArn?: string;
  targetGroupArns: string[];
  drain: ResolvedDrainConfig;
  reconcileSchedule: string;
  alarmEmail?: string;
  logRetentionDays: number;
}

const fleetPatterns = {
  amiId: {
    pattern: /^(ami-[0-9a-f]{8,17}|\/[A-Za-z0-9_.\-/]{1,1010})$/,
    hint: "an AMI id (ami-...) or an SSM parameter name starting with '/'",
  },
  groupName: { pattern: /^[A-Za-z0-9._-]{1,200}$/, hint: "letters, digits, '.', '_' and '-', at most 200" },
  hookName: { pattern: /^[A-Za-z0-9._-]{1,255}$/, hint: "letters, digits, '.', '_' and '-', at most 255" },
  host: {
    pattern:
      /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/,
    hint: "a DNS name or IPv4 address",
  },
  workerGroup: { pattern: /^[A-Za-z0-9_-]{1,64}$/, hint: "letters, digits, '_' and '-', at most 64" },
  instanceType: { pattern: /^[a-z][a-z0-9-]*\.[a-z0-9]+$/, hint: "an EC2 instance type such as m7i.large" },
  keyPair: { pattern: /^[A-Za-z0-9 ._-]{1,255}$/, hint: "an EC2 key pair name" },
  criblVersion: {
    pattern: /^\d+\.\d+\.\d+(-[0-9a-f]{6,40})?$/,
    hint: "a Cribl release such as 4.9.3-25f2ed8e",
  },
  sha256: { pattern: /^[0-9a-f]{64}$/, hint: "64 lower-case hex digits" },
  downloadUrl: {
    pattern: /^https:\/\/[A-Za-z0-9.-]+(:\d+)?\/[A-Za-z0-9._~%/+-]*$/,
    hint: "an https URL of letters, digits and . _ ~ % / + - (no query string)",
  },
  mountPath: {
    pattern: /^\/([A-Za-z0-9_-]|\.[A-Za-z0-9_-])([A-Za-z0-9_/-]|\.[A-Za-z0-9_-])*$/,
    hint: "an absolute path of letters, digits, '_', '-', '/' and single dots",
  },
  deviceName: { pattern: /^\/dev\/(xvd[a-z]|sd[a-z]|nvme\d+n\d+)$/, hint: "a device name such as /dev/xvda" },
  kmsKeyArn: { pattern: /^arn:aws[a-zA-Z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36}$/, hint: "a KMS key ARN" },
  targetGroupArn: {
    pattern: /^arn:aws[a-zA-Z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}$/,
    hint: "a target group ARN",
  },
  schedule: {
    // rate() only: its period bounds the time a failed drain waits for its restart (see maxRestartGap).
    pattern: /^rate\([1-9]\d* (minute|minutes|hour|hours|day|days)\)$/,
    hint: "an EventBridge rate schedule such as rate(2 minutes)",
  },
  email: { pattern: /^[^\s@]+@[^\s@]+\.[^\s@]+$/, hint: "an email address" },
} as const;

function ensureObject(field: string, raw: unknown, required: boolean): Record<string, unknown> | undefined {
  if (raw === undefined && !required) return undefined;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new ConfigError(field, "must be an object");
  return raw as Record<string, unknown>;
}

/** Throws if Cribl's default token appears anywhere in the configuration, naming the field that holds it. */
function rejectWellKnownToken(field: string, value: unknown): void {
  if (typeof value === "string") {
    if (value.toLowerCase().includes(WELL_KNOWN_DEFAULT_TOKEN)) {
      throw new ConfigError(
        field,
        `must not contain Cribl's default token "${WELL_KNOWN_DEFAULT_TOKEN}"; set a unique token in an SSM SecureString and name the parameter in leaderAuthTokenParameter`,
      );
    }
  } else if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) rejectWellKnownToken(`${field}[${i}]`, item);
  } else if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) rejectWellKnownToken(`${field}.${k}`, v);
  }
}

/** Graviton instance families carry a "g" after the generation digit (m7g, c7gn, t4g, r8g). */
function isGravitonType(instanceType: string): boolean {
  return /^[a-z]+\d+g[a-z]*\./.test(instanceType);
}

function isAtOrBelow(dir: string, mount: string): boolean {
  const trim = (p: string) => (p.length > 1 ? p.replace(/\/+$/, "") : p);
  const d = trim(dir);
  const m = trim(mount);
  return d === m || d.startsWith(`${m}/`);
}

function renderDownloadUrl(field: string, template: string, version: string, architecture: Architecture): string {
  if (!template.includes("{version}") && !template.includes("{baseVersion}")) {
    throw new ConfigError(field, `must contain {version} or {baseVersion} so the URL follows the pinned version`);
  }
  const url = template
    .replaceAll("{version}", version)
    .replaceAll("{baseVersion}", version.split("-")[0]!)
    .replaceAll("{arch}", architecture === "arm64" ? "arm64" : "x64");
  return requireString(field, url, fleetPatterns.downloadUrl);
}

function validateDrain(
  field: string,
  raw: unknown,
  heartbeatTimeoutSeconds: number,
  reconcile: { field: string; periodSeconds: number },
): ResolvedDrainConfig {
  const d = ensureObject(field, raw, false) ?? {};
  const globalTimeout = lifecycleGlobalTimeoutSeconds(heartbeatTimeoutSeconds);
  const minWaitSeconds = intOrDefault(`${field}.minWaitSeconds`, d.minWaitSeconds, 10, 1, 3600);
  const maxWaitSeconds = intOrDefault(`${field}.maxWaitSeconds`, d.maxWaitSeconds, 300, minWaitSeconds, 3600);
  const checkBudgetSeconds = intOrDefault(`${field}.checkBudgetSeconds`, d.checkBudgetSeconds, 50, 10, 55);
  // The longest gap between two heartbeats, derived from the shipped definition (waits, task timeouts, a cold start and
  // every Retry's backoff), must stay below the heartbeat timeout.
  const definition = JSON.parse(loadDrainDefinitionTemplate()) as AslDefinition;
  const bounds = {
    maxWaitSeconds,
    checkFunctionTimeoutSeconds: checkFunctionTimeoutSeconds(checkBudgetSeconds),
    coldStartSeconds: COLD_START_ALLOWANCE_SECONDS,
  };
  const gap = maxHeartbeatGap(definition, bounds);
  if (gap.seconds >= heartbeatTimeoutSeconds) {
    throw new ConfigError(
      `${field}.maxWaitSeconds`,
      `gives a worst-case heartbeat gap of ${Math.ceil(gap.seconds)} s (after ${gap.after}: wait, check-queue timeout ${checkFunctionTimeoutSeconds(checkBudgetSeconds)} s + ${COLD_START_ALLOWANCE_SECONDS} s cold start, every Retry's backoff), which must stay below heartbeatTimeoutSeconds (${heartbeatTimeoutSeconds}); got ${maxWaitSeconds}`,
    );
  }
  // A failed execution is restarted by the reconciler; the heartbeat timeout counts across that restart as well.
  const restart = maxRestartGap(definition, bounds, reconcile.periodSeconds);
  if (restart.seconds >= heartbeatTimeoutSeconds) {
    throw new ConfigError(
      reconcile.field,
      `gives a worst-case gap of ${Math.ceil(restart.seconds)} s without a heartbeat when a failed drain is restarted (${Math.ceil(restart.toEnd)} s to the failure, ${reconcile.periodSeconds} s period, ${RECONCILE_FUNCTION_TIMEOUT_SECONDS} s reconcile run, ${Math.ceil(restart.toFirstHeartbeat)} s to the first heartbeat), which must stay below heartbeatTimeoutSeconds (${heartbeatTimeoutSeconds})`,
    );
  }
  const deadlineField = `${field}.drainDeadlineSeconds`;
  const drainDeadlineSeconds =
    d.drainDeadlineSeconds === undefined
      ? defaultDrainDeadlineSeconds(heartbeatTimeoutSeconds)
      : requireInt(deadlineField, d.drainDeadlineSeconds, 60, LIFECYCLE_GLOBAL_TIMEOUT_CAP_SECONDS);
  if (drainDeadlineSeconds >= globalTimeout) {
    throw new ConfigError(
      deadlineField,
      `must be below the lifecycle hook's global timeout min(48 h, 100 x heartbeatTimeoutSeconds) = ${globalTimeout} s; got ${drainDeadlineSeconds}`,
    );
  }
  // The give-up path needs the time between the deadline and the global timeout: snapshot polls every maxWaitSeconds
  // (bounded in count by the definition) and a margin to complete before the hook expires.
  const giveUpMargin = globalTimeout - drainDeadlineSeconds;
  if (giveUpMargin <= snapshotWaitMarginSeconds({ maxWaitSeconds }) + 60) {
    throw new ConfigError(
      deadlineField,
      `leaves ${giveUpMargin} s before the global timeout (${globalTimeout} s); the give-up path needs more than maxWaitSeconds + 180 = ${snapshotWaitMarginSeconds({ maxWaitSeconds }) + 60} s; got ${drainDeadlineSeconds}`,
    );
  }
  const lowestMaxWait = minMaxWaitSeconds(definition, giveUpMargin);
  if (maxWaitSeconds < lowestMaxWait) {
    throw new ConfigError(
      `${field}.maxWaitSeconds`,
      `must be at least ${lowestMaxWait} so the definition's snapshot polls cover the ${giveUpMargin} s between the deadline and the global timeout; got ${maxWaitSeconds}`,
    );
  }
  return {
    maxBytes: intOrDefault(`${field}.maxBytes`, d.maxBytes, 0, 0, Number.MAX_SAFE_INTEGER),
    requiredConsecutiveChecks: intOrDefault(
      `${field}.requiredConsecutiveChecks`,
      d.requiredConsecutiveChecks,
      2,
      1,
      20,
    ),
    minWaitSeconds,
    maxWaitSeconds,
    drainDeadlineSeconds,
    checkBudgetSeconds,
    gracefulStop: boolOrDefault(`${field}.gracefulStop`, d.gracefulStop, true),
    snapshotOnGiveUp: boolOrDefault(`${field}.snapshotOnGiveUp`, d.snapshotOnGiveUp, true),
  };
}

function validateQueueVolume(parent: string, raw: unknown, queues: string[]): ResolvedQueueVolumeConfig | undefined {
  const field = `${parent}.queueVolume`;
  const v = ensureObject(field, raw, false);
  if (v === undefined) return undefined;
  const type = oneOf(`${field}.type`, v.type ?? "gp3", ["gp3", "gp2", "io1", "io2"] as const);
  const sizeGiB = intOrDefault(`${field}.sizeGiB`, v.sizeGiB, 100, type.startsWith("io") ? 4 : 1, 16384);
  let iops: number | undefined;
  if (type === "gp3") iops = v.iops === undefined ? undefined : requireInt(`${field}.iops`, v.iops, 3000, 16000);
  else if (type === "gp2") {
    if (v.iops !== undefined) throw new ConfigError(`${field}.iops`, "must be unset for gp2 (IOPS follow the size)");
  } else iops = requireInt(`${field}.iops`, v.iops, 100, type === "io2" ? 256000 : 64000);
  let throughputMiBps: number | undefined;
  if (v.throughputMiBps !== undefined) {
    if (type !== "gp3") throw new ConfigError(`${field}.throughputMiBps`, "is only configurable for gp3");
    throughputMiBps = requireInt(`${field}.throughputMiBps`, v.throughputMiBps, 125, 1000);
  }
  const mountPath =
    v.mountPath === undefined ? queues[0]! : requireString(`${field}.mountPath`, v.mountPath, fleetPatterns.mountPath);
  if (mountPath === "/") throw new ConfigError(`${field}.mountPath`, 'must not be "/"');
  queues.forEach((q, i) => {
    if (!isAtOrBelow(q, mountPath)) {
      throw new ConfigError(
        `${parent}.queues[${i}]`,
        `must be at or below queueVolume.mountPath (${mountPath}) so the queue volume and its give-up snapshot hold it; got ${JSON.stringify(q)}`,
      );
    }
  });
  return { sizeGiB, type, iops, throughputMiBps, mountPath };
}

export function validateWorkerFleetConfig(
  field: string,
  raw: WorkerFleetConfig | undefined,
): ResolvedWorkerFleetConfig {
  const c = ensureObject(field, raw, true)!;
  rejectWellKnownToken(field, c);
  const f = (name: string) => `${field}.${name}`;

  const architecture = oneOf(f("architecture"), c.architecture ?? "x86_64", ["x86_64", "arm64"] as const);
  const amiId = requireString(f("amiId"), c.amiId ?? DEFAULT_AMI_PARAMETERS[architecture], fleetPatterns.amiId);
  const instanceType = requireString(f("instanceType"), c.instanceType ?? "m7i.large", fleetPatterns.instanceType);
  if (isGravitonType(instanceType) !== (architecture === "arm64")) {
    throw new ConfigError(
      f("instanceType"),
      `must match architecture "${architecture}" (Graviton types such as m7g.large are arm64); got ${JSON.stringify(instanceType)}`,
    );
  }

  const minSize = intOrDefault(f("minSize"), c.minSize, 1, 0, 1000);
  const maxSize = intOrDefault(f("maxSize"), c.maxSize, 4, 0, 1000);
  if (maxSize < minSize) throw new ConfigError(f("maxSize"), `must be at least minSize (${minSize}); got ${maxSize}`);
  const desiredCapacity = intOrDefault(f("desiredCapacity"), c.desiredCapacity, minSize, 0, 1000);
  if (desiredCapacity < minSize || desiredCapacity > maxSize) {
    throw new ConfigError(
      f("desiredCapacity"),
      `must be from minSize (${minSize}) to maxSize (${maxSize}); got ${desiredCapacity}`,
    );
  }

  const heartbeatTimeoutSeconds = intOrDefault(
    f("heartbeatTimeoutSeconds"),
    c.heartbeatTimeoutSeconds,
    3600,
    HEARTBEAT_TIMEOUT_RANGE.min,
    HEARTBEAT_TIMEOUT_RANGE.max,
  );

  const queues = stringList(f("queues"), c.queues ?? [DEFAULT_QUEUE_DIRECTORY], {
    min: 1,
    max: 20,
    pattern: new RegExp(QUEUE_DIRECTORIES_PATTERN),
    hint: "an absolute directory (letters, digits, space, _ - / . and no '..')",
  });
  for (const [i, q] of queues.entries()) {
    if (/^\/+$/.test(q)) throw new ConfigError(f(`queues[${i}]`), 'must not be "/" (a queue directory, not the disk)');
  }
  if (queues.join(",").length > QUEUE_DIRECTORIES_MAX_LENGTH) {
    throw new ConfigError(f("queues"), `must join to at most ${QUEUE_DIRECTORIES_MAX_LENGTH} characters`);
  }

  const cribl = ensureObject(f("cribl"), c.cribl, true)!;
  const version = requireString(f("cribl.version"), cribl.version, fleetPatterns.criblVersion);
  const templateField = f("cribl.downloadUrlTemplate");
  const template = requireString(templateField, cribl.downloadUrlTemplate ?? DEFAULT_CRIBL_DOWNLOAD_URL_TEMPLATE);

  const reconcileSchedule = requireString(
    f("reconcileSchedule"),
    c.reconcileSchedule ?? "rate(2 minutes)",
    fleetPatterns.schedule,
  );
  return {
    amiId,
    architecture,
    autoScalingGroupName: optionalString(f("autoScalingGroupName"), c.autoScalingGroupName, fleetPatterns.groupName),
    minSize,
    maxSize,
    desiredCapacity,
    leaderHost: requireString(f("leaderHost"), c.leaderHost, fleetPatterns.host),
    leaderPort: intOrDefault(f("leaderPort"), c.leaderPort, 4200, 1, 65535),
    leaderTls: boolOrDefault(f("leaderTls"), c.leaderTls, true),
    workerGroup: requireString(f("workerGroup"), c.workerGroup ?? "default", fleetPatterns.workerGroup),
    leaderAuthTokenParameter: requireString(f("leaderAuthTokenParameter"), c.leaderAuthTokenParameter, {
      pattern: patterns.ssmParameterName.pattern,
      hint: `the NAME of an SSM SecureString parameter (${patterns.ssmParameterName.hint}), never the token itself`,
    }),
    leaderAuthTokenKmsKeyArn: optionalString(
      f("leaderAuthTokenKmsKeyArn"),
      c.leaderAuthTokenKmsKeyArn,
      fleetPatterns.kmsKeyArn,
    ),
    heartbeatTimeoutSeconds,
    lifecycleHookDefaultResult: oneOf(f("lifecycleHookDefaultResult"), c.lifecycleHookDefaultResult ?? "CONTINUE", [
      "CONTINUE",
      "ABANDON",
    ] as const),
    instanceType,
    instanceKeyPair: optionalString(f("instanceKeyPair"), c.instanceKeyPair, fleetPatterns.keyPair),
    securityGroupIds:
      c.securityGroupIds === undefined
        ? undefined
        : stringList(f("securityGroupIds"), c.securityGroupIds, { ...patterns.securityGroupId, min: 1, max: 5 }),
    lifecycleHookName: requireString(
      f("lifecycleHookName"),
      c.lifecycleHookName ?? "Cribl-Scaledown-Hook",
      fleetPatterns.hookName,
    ),
    queues,
    subnetIds:
      c.subnetIds === undefined
        ? undefined
        : stringList(f("subnetIds"), c.subnetIds, { ...patterns.subnetId, min: 1, max: 16 }),
    cribl: {
      version,
      sha256: requireString(f("cribl.sha256"), cribl.sha256, fleetPatterns.sha256),
      downloadUrl: renderDownloadUrl(templateField, template, version, architecture),
    },
    queueVolume: validateQueueVolume(field, c.queueVolume, queues),
    rootVolumeSizeGiB: intOrDefault(f("rootVolumeSizeGiB"), c.rootVolumeSizeGiB, 20, 8, 16384),
    rootDeviceName: requireString(f("rootDeviceName"), c.rootDeviceName ?? "/dev/xvda", fleetPatterns.deviceName),
    ebsKmsKeyArn: optionalString(f("ebsKmsKeyArn"), c.ebsKmsKeyArn, fleetPatterns.kmsKeyArn),
    targetGroupArns: stringList(f("targetGroupArns"), c.targetGroupArns ?? [], { ...fleetPatterns.targetGroupArn }),
    drain: validateDrain(f("drain"), c.drain, heartbeatTimeoutSeconds, {
      field: f("reconcileSchedule"),
      periodSeconds: ratePeriodSeconds(reconcileSchedule)!,
    }),
    reconcileSchedule,
    alarmEmail: optionalString(f("alarmEmail"), c.alarmEmail, fleetPatterns.email),
    logRetentionDays: Number(
      oneOf(f("logRetentionDays"), String(c.logRetentionDays ?? 30), LOG_RETENTION_DAYS.map(String)),
    ),
  };
}
