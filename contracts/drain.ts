// The contract between the drain starter/reconciler, the drain state machine, the check-queue handler and the
// infrastructure that configures them: the execution input and its settings, what check-queue takes and returns, and
// the functions' environments. Plain types and pure functions only.
import { DEFAULT_RUNBOOK_URL } from "./drain-outcomes";
import { bool as boolVar, defineEnv, EnvironmentError, json, positive, required, text } from "./env";
import type { QueueProbeQueue } from "./queue-probe";

/** Thresholds and timings of one drain, fixed when the drain starts and carried in the execution input. */
export interface DrainSettings {
  /** Comma-separated absolute queue directories, passed to the probe document as a parameter. */
  queueDirectories: string;
  /** A directory counts as empty at or below this many bytes. */
  maxBytes: number;
  /** Drained only after this many consecutive checks at or below maxBytes. */
  requiredConsecutiveChecks: number;
  /** Shortest wait between checks, and the wait used to confirm an empty queue. */
  minWaitSeconds: number;
  /** Longest wait between checks while the queue is not shrinking. */
  maxWaitSeconds: number;
  /**
   * Give up (snapshot, complete, fail) this many seconds after the instance entered Terminating:Wait; below the hook's
   * global timeout.
   */
  drainDeadlineSeconds: number;
  /** The hook's heartbeat timeout; its global timeout is min(48 h, 100 x this). */
  heartbeatTimeoutSeconds: number;
  /** Stop the Cribl service gracefully before completing the lifecycle action. */
  gracefulStop: boolean;
  /** Systemd unit of Cribl on the worker. */
  serviceName: string;
  /** Snapshot the queue volume(s) when the deadline passes; when false the give-up path completes at once. */
  snapshotOnGiveUp: boolean;
  /** Exclude the root volume from the give-up snapshot (true when a dedicated queue volume is configured). */
  snapshotExcludeBootVolume: boolean;
}

/** What a drain knows between loops; a continuation or a restart carries it over. */
export interface DrainProgress {
  /** Consecutive empty readings. */
  emptyChecks: number;
  /** The next wait, seconds (1..maxWaitSeconds). */
  waitSeconds: number;
  /** Candidate waits precomputed for the Choice states (doubled / stepped by minWaitSeconds). */
  grownWaitSeconds: number;
  steppedWaitSeconds: number;
  /** Last measured total bytes; -1 before the first measurement. */
  lastBytes: number;
  /** Loops in this execution (the history budget); 0 at the start of every execution. */
  loops: number;
  /** Proof readings that were not empty (Cribl was started again). */
  proofAttempts: number;
}

/** Execution input: what the state machine needs to drain one instance. */
export interface DrainInput {
  instanceId: string;
  autoScalingGroupName: string;
  lifecycleHookName: string;
  /** Known only on the event path; informational (heartbeat and complete go by instance id). */
  lifecycleActionToken?: string;
  startedBy: "event" | "reconciler" | "restart" | "continuation";
  /** Position in the chain of executions of this instance: the execution is named `<instanceId>-<sequence>`. */
  sequence: number;
  /** When the instance entered Terminating:Wait (event time, scaling activity, or an earlier drain), ISO 8601 UTC. */
  lifecycleActionStartedAt: string;
  /** lifecycleActionStartedAt + drainDeadlineSeconds, never later than an earlier drain's deadline. */
  deadline: string;
  /** The give-up path stops waiting for snapshots here, before the hook's global timeout. */
  snapshotWaitUntil: string;
  settings: DrainSettings;
  progress: DrainProgress;
  /** What an earlier execution of the same lifecycle action reported (its name, error and Cause), or {}. */
  previous: Record<string, unknown>;
}

function invalid(field: string, why: string): never {
  throw new EnvironmentError(`DRAIN_SETTINGS.${field}: ${why}`);
}

function int(o: Record<string, unknown>, field: keyof DrainSettings, min: number): number {
  const v = o[field];
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) invalid(field, `must be an integer >= ${min}`);
  return v;
}

function bool(o: Record<string, unknown>, field: keyof DrainSettings): boolean {
  const v = o[field];
  if (typeof v !== "boolean") invalid(field, "must be a boolean");
  return v;
}

function str(o: Record<string, unknown>, field: keyof DrainSettings): string {
  const v = o[field];
  if (typeof v !== "string" || v.length === 0) invalid(field, "must be a non-empty string");
  return v;
}

/** Parses and validates DrainSettings from JSON text (DRAIN_SETTINGS), with errors that name the field. */
export function parseDrainSettings(json: string | undefined): DrainSettings {
  if (json === undefined || json === "") throw new EnvironmentError("DRAIN_SETTINGS is not set");
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new EnvironmentError("DRAIN_SETTINGS is not valid JSON");
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new EnvironmentError("DRAIN_SETTINGS must be an object");
  const o = raw as Record<string, unknown>;
  const settings: DrainSettings = {
    queueDirectories: str(o, "queueDirectories"),
    maxBytes: int(o, "maxBytes", 0),
    requiredConsecutiveChecks: int(o, "requiredConsecutiveChecks", 1),
    minWaitSeconds: int(o, "minWaitSeconds", 1),
    maxWaitSeconds: int(o, "maxWaitSeconds", 1),
    drainDeadlineSeconds: int(o, "drainDeadlineSeconds", 60),
    heartbeatTimeoutSeconds: int(o, "heartbeatTimeoutSeconds", 30),
    gracefulStop: bool(o, "gracefulStop"),
    serviceName: str(o, "serviceName"),
    snapshotOnGiveUp: bool(o, "snapshotOnGiveUp"),
    snapshotExcludeBootVolume: bool(o, "snapshotExcludeBootVolume"),
  };
  if (settings.maxWaitSeconds < settings.minWaitSeconds) invalid("maxWaitSeconds", "must be >= minWaitSeconds");
  return settings;
}

/** Environment of start-drain and reconcile (set by modules/drain). */
export const startDrainEnv = defineEnv({
  stateMachineArn: required("STATE_MACHINE_ARN"),
  autoScalingGroupName: required("AUTO_SCALING_GROUP_NAME"),
  lifecycleHookName: required("LIFECYCLE_HOOK_NAME"),
  /** JSON of DrainSettings. */
  settings: json("DRAIN_SETTINGS", parseDrainSettings),
});

/** Environment of check-queue (set by modules/drain). */
export const checkQueueEnv = defineEnv({
  queueProbeDocumentName: required("QUEUE_PROBE_DOCUMENT_NAME"),
  /** Seconds check-queue may wait for one probe result before reporting "unknown". */
  checkBudgetSeconds: positive("CHECK_BUDGET_SECONDS", 50, 55),
});

/** Environment of drain-notify (set by modules/drain). */
export const drainNotifyEnv = defineEnv({
  /** The topic every message goes to (the alarm topic). */
  alarmTopicArn: required("ALARM_TOPIC_ARN"),
  /** docs/runbook.md as the team reads it; messages link `<url>#<outcome>`. */
  runbookUrl: text("RUNBOOK_URL", DEFAULT_RUNBOOK_URL),
  /** Also publish when a drain starts and when it ends well (failures are always published). */
  notifyStartAndEnd: boolVar("NOTIFY_START_AND_END", false),
});

/** What the state machine passes to check-queue. */
export interface CheckQueueEvent {
  instanceId: string;
  queueDirectories: string;
  serviceName: string;
}

/**
 * `ok`: the probe ran and printed a valid line (directories may still be missing: see allDirectoriesExist).
 * `unknown`: no usable reading (SSM status, agent, budget, output). Never "drained".
 * `invalid_instance_id`: SSM refused the instance (agent not registered, or the instance is shutting down or gone);
 * the state machine asks EC2 which one it is.
 */
export type CheckQueueOutcome = "ok" | "unknown" | "invalid_instance_id";

/** What check-queue returns; the state machine's Choice states read every field. */
export interface CheckQueueResult {
  result: CheckQueueOutcome;
  /** Machine-readable why, when result is not ok (null otherwise). */
  reason: string | null;
  /** Last SSM status (and StatusDetails when different), when an invocation was seen. */
  ssmStatus: string | null;
  commandId: string | null;
  queues: QueueProbeQueue[];
  /** Sum of bytes; null unless every configured directory exists and was measured. */
  totalBytes: number | null;
  allDirectoriesExist: boolean;
  missingDirectories: string[];
  serviceActive: boolean | null;
}

/** Placeholders in statemachines/drain.asl.json, replaced at synth (and by the tests) with real values. */
export const DRAIN_DEFINITION_PLACEHOLDERS = ["CheckQueueFunctionArn", "GracefulStopDocumentName"] as const;
export type DrainDefinitionPlaceholder = (typeof DRAIN_DEFINITION_PLACEHOLDERS)[number];

/**
 * Execution name of the `sequence`-th drain execution of an instance: `<instanceId>-<sequence>`. It does not depend on
 * the token, so the event path, the reconciler, a duplicate event and a race all compute the same name for the first
 * drain of a lifecycle action and collide on it; a restart or a continuation takes the next number.
 */
export function drainExecutionName(instanceId: string, sequence: number): string {
  const clean = instanceId.replace(/[^0-9A-Za-z_-]/g, "");
  return `${clean}-${sequence}`.slice(0, 80);
}

/** The sequence number of a drain execution name of this instance, or null for another instance or shape. */
export function drainSequenceOf(instanceId: string, executionName: string): number | null {
  const prefix = `${instanceId}-`;
  if (!executionName.startsWith(prefix)) return null;
  const rest = executionName.slice(prefix.length);
  return /^[1-9][0-9]{0,8}$/.test(rest) ? Number(rest) : null;
}

/** Fail states after which the lifecycle action is finished with: a new execution would change nothing. */
export const FINAL_FAILURES = [
  "GaveUpQueuesPreserved",
  "GaveUpQueuesNotPreserved",
  "GaveUpSnapshotUnconfirmed",
  "FailedSnapshotError",
  "LifecycleActionGoneUnconfirmed",
  "InstanceGoneUnconfirmed",
] as const;

/** The lifecycle hook's global timeout: min(48 h, 100 x heartbeat timeout). */
export function lifecycleGlobalTimeoutSeconds(heartbeatTimeoutSeconds: number): number {
  return Math.min(48 * 3600, 100 * heartbeatTimeoutSeconds);
}

/** Seconds before the global timeout at which the give-up path stops waiting for snapshots. */
export function snapshotWaitMarginSeconds(settings: Pick<DrainSettings, "maxWaitSeconds">): number {
  return settings.maxWaitSeconds + 120;
}

/** The first progress record of a lifecycle action. */
export function initialProgress(settings: Pick<DrainSettings, "minWaitSeconds">): DrainProgress {
  return {
    emptyChecks: 0,
    waitSeconds: settings.minWaitSeconds,
    grownWaitSeconds: settings.minWaitSeconds,
    steppedWaitSeconds: settings.minWaitSeconds,
    lastBytes: -1,
    loops: 0,
    proofAttempts: 0,
  };
}
