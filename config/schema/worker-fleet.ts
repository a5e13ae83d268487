// Configuration of the worker-fleet stack: the Cribl worker group and its drain workflow. Every parameter of the
// original CloudFormation stack ("LogStream Worker Group with Autoscaling Scale Down Hooks") has a typed equivalent
// here; the leader auth token is never a value, only the name of the SSM SecureString that workers read at boot.
// Each default and range is written once, in this schema; the types are inferred from it.

import type { z } from "zod";
import { lifecycleGlobalTimeoutSeconds, snapshotWaitMarginSeconds } from "../../contracts/drain";
import {
  FORBIDDEN_QUEUE_ROOTS,
  MAX_QUEUE_DIRECTORIES,
  normalizeQueueRoot,
  QUEUE_DIRECTORIES_MAX_LENGTH,
  QUEUE_DIRECTORIES_PATTERN,
  QUEUE_DIRECTORY_MAX_LENGTH,
  queueDirectoriesPattern,
  queueDirectoryDepthLimit,
} from "../../contracts/queue-probe";

/** Cribl Stream's state directory, where its persistent queues live by default. */
export const DEFAULT_QUEUE_ROOT = "/opt/cribl/state";

import {
  bool,
  fail,
  int,
  integer,
  LOG_RETENTION_DAYS,
  list,
  oneOf,
  oneOfNumbers,
  patterns,
  str,
  strict,
} from "../../modules/common/schema";
import { loadDrainDefinitionTemplate } from "../../statemachines/drain";
import {
  type AslDefinition,
  COLD_START_ALLOWANCE_SECONDS,
  checkFunctionTimeoutSeconds,
  maxHeartbeatGap,
  maxRestartGap,
  minMaxWaitSeconds,
  RECONCILE_FUNCTION_TIMEOUT_SECONDS,
  ratePeriodSeconds,
} from "../../statemachines/drain-bounds";

export { lifecycleGlobalTimeoutSeconds };

/** Cribl's well-known default worker token: never acceptable anywhere in the configuration. */
export const WELL_KNOWN_DEFAULT_TOKEN = "criblmaster";

/** The cap of a lifecycle action's global timeout (48 h), whatever the heartbeat timeout. */
export const LIFECYCLE_GLOBAL_TIMEOUT_CAP_SECONDS = lifecycleGlobalTimeoutSeconds(Number.POSITIVE_INFINITY);

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
  queueDirectory: {
    pattern: new RegExp(QUEUE_DIRECTORIES_PATTERN),
    hint: "an absolute directory (letters, digits, space, _ - / . and no '..')",
  },
} as const;

/** Provisioned IOPS per volume type (gp2's follow the size). */
const IOPS_RANGE = { gp3: [3000, 16000], io1: [100, 64000], io2: [100, 256000] } as const;
/** Smallest volume per type, GiB (io1/io2: 4). */
const MIN_VOLUME_GIB = { gp3: 1, gp2: 1, io1: 4, io2: 4 } as const;
const MAX_VOLUME_GIB = 16384;

/** A dedicated EBS volume for the persistent queues (encrypted, deleted with the instance after the drain). */
const queueVolumeSchema = strict({
  sizeGiB: int(1, MAX_VOLUME_GIB).default(100),
  type: oneOf(["gp3", "gp2", "io1", "io2"]).default("gp3"),
  /** Provisioned IOPS (gp3: 3000 to 16000, io1/io2: required). @default the type's baseline */
  iops: integer().optional(),
  /** gp3 throughput, MiB/s (125 to 1000). @default 125 */
  throughputMiBps: int(125, 1000).optional(),
  /** Where the volume is mounted; every queue directory must be at or below it. @default the first queue directory */
  mountPath: str(fleetPatterns.mountPath).optional(),
}).superRefine((v, ctx) => {
  if (v.sizeGiB < MIN_VOLUME_GIB[v.type]) {
    fail(ctx, ["sizeGiB"], `must be an integer from ${MIN_VOLUME_GIB[v.type]} to ${MAX_VOLUME_GIB}; got ${v.sizeGiB}`);
  }
  if (v.type === "gp2") {
    if (v.iops !== undefined) fail(ctx, ["iops"], "must be unset for gp2 (IOPS follow the size)");
  } else {
    const [min, max] = IOPS_RANGE[v.type];
    const required = v.type !== "gp3";
    if ((v.iops === undefined && required) || (v.iops !== undefined && (v.iops < min || v.iops > max))) {
      fail(ctx, ["iops"], `must be an integer from ${min} to ${max}; got ${v.iops}`);
    }
  }
  if (v.throughputMiBps !== undefined && v.type !== "gp3") {
    fail(ctx, ["throughputMiBps"], "is only configurable for gp3");
  }
  if (v.mountPath === "/") fail(ctx, ["mountPath"], 'must not be "/"');
});

/** Thresholds and timings of one drain (see handlers/shared/drain-contract.ts). */
const drainSchema = strict({
  /** A queue directory counts as empty at or below this many bytes. */
  maxBytes: int(0, Number.MAX_SAFE_INTEGER).default(0),
  /** Drained only after this many consecutive checks at or below maxBytes. */
  requiredConsecutiveChecks: int(1, 20).default(2),
  /** Shortest wait between checks, seconds. */
  minWaitSeconds: int(1, 3600).default(10),
  /** Longest wait between checks while the queue is not shrinking, seconds; at least minWaitSeconds. */
  maxWaitSeconds: int(1, 3600).default(300),
  /**
   * Give up (snapshot, complete, fail) this many seconds after the drain started; must stay below the hook's global
   * timeout min(48 h, 100 x heartbeatTimeoutSeconds).
   * @default the global timeout minus 10% (at least 5 minutes, at most 1 hour)
   */
  drainDeadlineSeconds: int(60, LIFECYCLE_GLOBAL_TIMEOUT_CAP_SECONDS).optional(),
  /** How long one queue check may wait for the probe's result before reporting "unknown", seconds. */
  checkBudgetSeconds: int(10, 55).default(50),
  /** Stop the Cribl service gracefully before completing the lifecycle action. */
  gracefulStop: bool().default(true),
  /** Snapshot the queue volume(s) when the deadline passes. */
  snapshotOnGiveUp: bool().default(true),
});

const DEFAULT_CRIBL_DOWNLOAD_URL_TEMPLATE = "https://cdn.cribl.io/dl/{baseVersion}/cribl-{version}-linux-{arch}.tgz";

/** The pinned Cribl Stream release installed on every worker. */
const criblSchema = strict({
  /** Full release id as in the tarball name, e.g. "4.9.3-25f2ed8e" (version and build). */
  version: str(fleetPatterns.criblVersion),
  /** SHA-256 (hex) of the tarball for the configured architecture; boot refuses a tarball that does not match. */
  sha256: str(fleetPatterns.sha256),
  /**
   * https URL of the tarball. Placeholders: `{version}` (the full release id), `{baseVersion}` (the part before the
   * first "-"), `{arch}` ("x64" or "arm64").
   */
  downloadUrlTemplate: str().default(DEFAULT_CRIBL_DOWNLOAD_URL_TEMPLATE),
});

const shape = {
  /**
   * AMI for the workers: an AMI id (`ami-...`) or the name of an SSM parameter holding one (resolved at plan).
   * @default the Amazon Linux 2023 public parameter for `architecture`
   */
  amiId: str(fleetPatterns.amiId).optional(),
  /** CPU architecture of the AMI, the instance type and the Cribl tarball. */
  architecture: oneOf(["x86_64", "arm64"]).default("x86_64"),
  /** Auto Scaling group name (letters, digits, '.', '_', '-'). @default "<name>-cribl-workers" */
  autoScalingGroupName: str(fleetPatterns.groupName).optional(),
  minSize: int(0, 1000).default(1),
  maxSize: int(0, 1000).default(4),
  /** @default minSize */
  desiredCapacity: int(0, 1000).optional(),
  /** Host name or IP address of the Cribl leader. */
  leaderHost: str(fleetPatterns.host),
  leaderPort: int(1, 65535).default(4200),
  /** Connect to the leader over TLS (`cribl mode-worker -S true`). */
  leaderTls: bool().default(true),
  /** Worker group the workers join. */
  workerGroup: str(fleetPatterns.workerGroup).default("default"),
  /**
   * NAME of the SSM SecureString parameter holding the leader auth token, read by each worker at boot. The token value
   * itself is never configuration: it never reaches user data, Terraform configuration or state.
   */
  leaderAuthTokenParameter: str({
    pattern: patterns.ssmParameterName.pattern,
    hint: `the NAME of an SSM SecureString parameter (${patterns.ssmParameterName.hint}), never the token itself`,
  }),
  /** Customer-managed KMS key of that SecureString; unset for the AWS-managed `aws/ssm` key. */
  leaderAuthTokenKmsKeyArn: str(fleetPatterns.kmsKeyArn).optional(),
  /** Lifecycle hook heartbeat timeout, seconds (AWS allows 30 to 7200). */
  heartbeatTimeoutSeconds: int(30, 7200).default(3600),
  /**
   * What the group does when the hook times out (the drain stopped heartbeating). Both terminate the instance;
   * CONTINUE still runs other termination hooks, ABANDON skips them.
   */
  lifecycleHookDefaultResult: oneOf(["CONTINUE", "ABANDON"]).default("CONTINUE"),
  /** Instance type; non-burstable so a busy worker does not run out of CPU credits. */
  instanceType: str(fleetPatterns.instanceType).default("m7i.large"),
  /** EC2 key pair; unset by default (SSM Session Manager gives shell access). */
  instanceKeyPair: str(fleetPatterns.keyPair).optional(),
  /**
   * Security groups of the workers. Required outside emulator mode; in emulator mode, unset creates one group for the
   * workers, egress only.
   */
  securityGroupIds: list(str(patterns.securityGroupId), 1, 5).optional(),
  lifecycleHookName: str(fleetPatterns.hookName).default("Cribl-Scaledown-Hook"),
  /** Absolute persistent-queue directories the drain waits on; each at or below `queueRoot`. */
  queues: list(str(fleetPatterns.queueDirectory), 1, MAX_QUEUE_DIRECTORIES).default(["/opt/cribl/state/queues"]),
  /**
   * The directory the queues live under. The probe document accepts only directories at or below it, so the probe
   * (which runs as root) can be made to walk nothing else. It may not be "/" nor a system directory (/proc, /sys, /dev,
   * /etc, /root, /home, /boot, /run). @default queueVolume.mountPath with a queue volume, else Cribl's state directory
   * "/opt/cribl/state"
   */
  queueRoot: str(fleetPatterns.queueDirectory).optional(),
  /**
   * Subnets of the group (private subnets: workers never get a public IP). Required outside emulator mode; in emulator
   * mode, unset uses the default VPC's default subnets.
   */
  subnetIds: list(str(patterns.subnetId), 1, 16).optional(),
  /** The pinned Cribl Stream release. */
  cribl: criblSchema,
  /** A dedicated queue volume; unset keeps the queues on the root volume. */
  queueVolume: queueVolumeSchema.optional(),
  /** Root volume size, GiB. */
  rootVolumeSizeGiB: int(8, MAX_VOLUME_GIB).default(20),
  /** Root device name of the AMI (Amazon Linux 2023: /dev/xvda). */
  rootDeviceName: str(fleetPatterns.deviceName).default("/dev/xvda"),
  /** Customer-managed KMS key for the EBS volumes; unset for the account's default EBS key. */
  ebsKmsKeyArn: str(fleetPatterns.kmsKeyArn).optional(),
  /** Load balancer target groups the workers register with (health checks then use ELB). */
  targetGroupArns: list(str(fleetPatterns.targetGroupArn)).default([]),
  /** Drain thresholds and timings. */
  drain: drainSchema.prefault({}),
  /** EventBridge schedule of the reconciler that starts missed drains. */
  reconcileSchedule: str(fleetPatterns.schedule).default("rate(2 minutes)"),
  /** Retention of the drain workflow's logs, days. */
  logRetentionDays: oneOfNumbers(LOG_RETENTION_DAYS).default(30),
  /**
   * Drain messages on the alarm topic: a failed, timed-out or aborted drain always gets one (instance, outcome, last
   * reading, snapshots, runbook link); these settings add the rest.
   */
  drainNotifications: strict({
    /** Also publish when a drain starts and when it ends well (Drained, LifecycleActionGone). @default false */
    startAndEnd: bool().default(false),
    /**
     * docs/runbook.md as your team reads it (an http(s) URL); messages and alarm descriptions link `<url>#<section>`.
     * @default "docs/runbook.md" (the path in this repository)
     */
    runbookUrl: str(patterns.url).optional(),
  }).prefault({}),
};

type Parsed = z.output<ReturnType<typeof strict<typeof shape>>>;

function isAtOrBelow(dir: string, mount: string): boolean {
  const trim = (p: string) => (p.length > 1 ? p.replace(/\/+$/, "") : p);
  const d = trim(dir);
  const m = trim(mount);
  return d === m || d.startsWith(`${m}/`);
}

/** Graviton instance families carry a "g" after the generation digit (m7g, c7gn, t4g, r8g). */
const isGravitonType = (instanceType: string) => /^[a-z]+\d+g[a-z]*\./.test(instanceType);

/** Fills the defaults that depend on other fields and checks every rule that spans fields. */
function resolve(c: Parsed, ctx: z.RefinementCtx) {
  if (isGravitonType(c.instanceType) !== (c.architecture === "arm64")) {
    fail(
      ctx,
      ["instanceType"],
      `must match architecture "${c.architecture}" (Graviton types such as m7g.large are arm64); got ${JSON.stringify(c.instanceType)}`,
    );
  }
  if (c.maxSize < c.minSize) fail(ctx, ["maxSize"], `must be at least minSize (${c.minSize}); got ${c.maxSize}`);
  const desiredCapacity = c.desiredCapacity ?? c.minSize;
  if (desiredCapacity < c.minSize || desiredCapacity > c.maxSize) {
    fail(
      ctx,
      ["desiredCapacity"],
      `must be from minSize (${c.minSize}) to maxSize (${c.maxSize}); got ${desiredCapacity}`,
    );
  }
  c.queues.forEach((q, i) => {
    if (/^\/+$/.test(q)) fail(ctx, ["queues", i], 'must not be "/" (a queue directory, not the disk)');
  });
  if (c.queues.join(",").length > QUEUE_DIRECTORIES_MAX_LENGTH) {
    fail(ctx, ["queues"], `must join to at most ${QUEUE_DIRECTORIES_MAX_LENGTH} characters`);
  }

  const { version, sha256, downloadUrlTemplate: template } = c.cribl;
  const url = template
    .replaceAll("{version}", version)
    .replaceAll("{baseVersion}", version.split("-")[0]!)
    .replaceAll("{arch}", c.architecture === "arm64" ? "arm64" : "x64");
  if (!template.includes("{version}") && !template.includes("{baseVersion}")) {
    fail(
      ctx,
      ["cribl", "downloadUrlTemplate"],
      "must contain {version} or {baseVersion} so the URL follows the pinned version",
    );
  } else if (!fleetPatterns.downloadUrl.pattern.test(url)) {
    fail(
      ctx,
      ["cribl", "downloadUrlTemplate"],
      `must match ${fleetPatterns.downloadUrl.hint}; got ${JSON.stringify(url)}`,
    );
  }

  let queueVolume: (NonNullable<Parsed["queueVolume"]> & { mountPath: string }) | undefined;
  if (c.queueVolume) {
    const mountPath = c.queueVolume.mountPath ?? c.queues[0]!;
    queueVolume = { ...c.queueVolume, mountPath };
    c.queues.forEach((q, i) => {
      if (!isAtOrBelow(q, mountPath)) {
        fail(
          ctx,
          ["queues", i],
          `must be at or below queueVolume.mountPath (${mountPath}) so the queue volume and its give-up snapshot hold it; got ${JSON.stringify(q)}`,
        );
      }
    });
  }

  const queueRoot = normalizeQueueRoot(c.queueRoot ?? queueVolume?.mountPath ?? DEFAULT_QUEUE_ROOT);
  const forbidden = FORBIDDEN_QUEUE_ROOTS.find((f) => (f === "/" ? queueRoot === "/" : isAtOrBelow(queueRoot, f)));
  const longestRoot = QUEUE_DIRECTORY_MAX_LENGTH - 4;
  if (forbidden) {
    fail(
      ctx,
      ["queueRoot"],
      `must not be ${forbidden === "/" ? '"/"' : `at or below ${forbidden}`} (the probe runs as root and walks it); got ${JSON.stringify(queueRoot)}`,
    );
  } else {
    if (queueRoot.length > longestRoot) {
      fail(ctx, ["queueRoot"], `must be at most ${longestRoot} characters; got ${queueRoot.length}`);
    }
    // Each directory sits at or below the root (with a queue volume and no root of its own, the root is the mount
    // point, which the rule above checked) and fits the probe document's allowedPattern, which caps its depth.
    const placementChecked = queueVolume !== undefined && c.queueRoot === undefined;
    const pattern = queueRoot.length > longestRoot ? undefined : new RegExp(queueDirectoriesPattern(queueRoot));
    c.queues.forEach((q, i) => {
      if (!isAtOrBelow(q, queueRoot)) {
        if (!placementChecked) {
          fail(
            ctx,
            ["queues", i],
            `must be at or below queueRoot (${queueRoot}): the probe accepts no other directory; got ${JSON.stringify(q)}`,
          );
        }
      } else if (pattern && !pattern.test(q)) {
        fail(
          ctx,
          ["queues", i],
          `must have at most ${queueDirectoryDepthLimit(queueRoot)} characters below queueRoot (${queueRoot}/...): the probe document's allowedPattern caps each directory so that ${MAX_QUEUE_DIRECTORIES} fit in ${QUEUE_DIRECTORIES_MAX_LENGTH}; got ${q.length - queueRoot.length - 1}`,
        );
      }
    });
  }

  return {
    ...c,
    queueRoot,
    amiId: c.amiId ?? DEFAULT_AMI_PARAMETERS[c.architecture],
    desiredCapacity,
    cribl: { version, sha256, downloadUrl: url },
    queueVolume,
    drain: resolveDrain(c, ctx),
  };
}

/** The drain's rules against the definition's own numbers (statemachines/drain-bounds.ts). */
function resolveDrain(c: Parsed, ctx: z.RefinementCtx) {
  const d = c.drain;
  const { heartbeatTimeoutSeconds } = c;
  const { maxWaitSeconds, minWaitSeconds, checkBudgetSeconds } = d;
  if (maxWaitSeconds < minWaitSeconds) {
    fail(ctx, ["drain", "maxWaitSeconds"], `must be an integer from ${minWaitSeconds} to 3600; got ${maxWaitSeconds}`);
  }
  const globalTimeout = lifecycleGlobalTimeoutSeconds(heartbeatTimeoutSeconds);
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
    fail(
      ctx,
      ["drain", "maxWaitSeconds"],
      `gives a worst-case heartbeat gap of ${Math.ceil(gap.seconds)} s (after ${gap.after}: wait, check-queue timeout ${checkFunctionTimeoutSeconds(checkBudgetSeconds)} s + ${COLD_START_ALLOWANCE_SECONDS} s cold start, every Retry's backoff), which must stay below heartbeatTimeoutSeconds (${heartbeatTimeoutSeconds}); got ${maxWaitSeconds}`,
    );
  }
  // A failed execution is restarted by the reconciler; the heartbeat timeout counts across that restart as well.
  const periodSeconds = ratePeriodSeconds(c.reconcileSchedule)!;
  const restart = maxRestartGap(definition, bounds, periodSeconds, gap);
  if (restart.seconds >= heartbeatTimeoutSeconds) {
    fail(
      ctx,
      ["reconcileSchedule"],
      `gives a worst-case gap of ${Math.ceil(restart.seconds)} s without a heartbeat when a failed drain is restarted (${Math.ceil(restart.toEnd)} s to the failure, ${periodSeconds} s period, ${RECONCILE_FUNCTION_TIMEOUT_SECONDS} s reconcile run, ${Math.ceil(restart.toFirstHeartbeat)} s to the first heartbeat), which must stay below heartbeatTimeoutSeconds (${heartbeatTimeoutSeconds})`,
    );
  }
  const deadlineField = ["drain", "drainDeadlineSeconds"];
  const drainDeadlineSeconds = d.drainDeadlineSeconds ?? defaultDrainDeadlineSeconds(heartbeatTimeoutSeconds);
  if (drainDeadlineSeconds >= globalTimeout) {
    fail(
      ctx,
      deadlineField,
      `must be below the lifecycle hook's global timeout min(48 h, 100 x heartbeatTimeoutSeconds) = ${globalTimeout} s; got ${drainDeadlineSeconds}`,
    );
  } else {
    // The give-up path needs the time between the deadline and the global timeout: snapshot polls every
    // maxWaitSeconds (bounded in count by the definition) and a margin to complete before the hook expires.
    const giveUpMargin = globalTimeout - drainDeadlineSeconds;
    const needed = snapshotWaitMarginSeconds({ maxWaitSeconds }) + 60;
    if (giveUpMargin <= needed) {
      fail(
        ctx,
        deadlineField,
        `leaves ${giveUpMargin} s before the global timeout (${globalTimeout} s); the give-up path needs more than maxWaitSeconds + 180 = ${needed} s; got ${drainDeadlineSeconds}`,
      );
    } else {
      const lowestMaxWait = minMaxWaitSeconds(definition, giveUpMargin);
      if (maxWaitSeconds < lowestMaxWait) {
        fail(
          ctx,
          ["drain", "maxWaitSeconds"],
          `must be at least ${lowestMaxWait} so the definition's snapshot polls cover the ${giveUpMargin} s between the deadline and the global timeout; got ${maxWaitSeconds}`,
        );
      }
    }
  }
  return { ...d, drainDeadlineSeconds };
}

export const workerFleetSchema = strict(shape).transform(resolve);

/** The worker-fleet section as written in a configuration file. */
export type WorkerFleetConfig = z.input<typeof workerFleetSchema>;
/** The worker-fleet section with every default filled in. */
export type ResolvedWorkerFleetConfig = z.output<typeof workerFleetSchema>;

/** Cribl's default token anywhere in `value`, as issues naming the field that holds it. */
export function wellKnownTokenIssues(field: string, value: unknown): { field: string; message: string }[] {
  if (typeof value === "string") {
    return value.toLowerCase().includes(WELL_KNOWN_DEFAULT_TOKEN)
      ? [
          {
            field,
            message: `must not contain Cribl's default token "${WELL_KNOWN_DEFAULT_TOKEN}"; set a unique token in an SSM SecureString and name the parameter in leaderAuthTokenParameter`,
          },
        ]
      : [];
  }
  if (Array.isArray(value)) return value.flatMap((item, i) => wellKnownTokenIssues(`${field}[${i}]`, item));
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => wellKnownTokenIssues(`${field}.${k}`, v));
  }
  return [];
}
