// The contract between the drain starter/reconciler, the drain state machine, the check-queue handler and the
// infrastructure that configures them. Plain types and pure functions only.

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
  /** Give up (snapshot, complete, fail) this many seconds after the drain started; below the hook's global timeout. */
  drainDeadlineSeconds: number;
  /** Stop the Cribl service gracefully before completing the lifecycle action. */
  gracefulStop: boolean;
  /** Systemd unit of Cribl on the worker. */
  serviceName: string;
  /** Snapshot the queue volume(s) when the deadline passes; when false the give-up path completes at once. */
  snapshotOnGiveUp: boolean;
  /** Exclude the root volume from the give-up snapshot (true when a dedicated queue volume is configured). */
  snapshotExcludeBootVolume: boolean;
}

/** Execution input: what the state machine needs to drain one instance. */
export interface DrainInput {
  instanceId: string;
  autoScalingGroupName: string;
  lifecycleHookName: string;
  /** Absent when the reconciler started the drain (heartbeat and complete then go by instance id). */
  lifecycleActionToken?: string;
  /** "event" (EventBridge) or "reconciler". */
  startedBy: "event" | "reconciler";
  /** ISO 8601 UTC; the Choice state compares $$.State.EnteredTime with it. */
  deadline: string;
  settings: DrainSettings;
}

/** Lambda environment variable names, shared by the handlers and the construct that sets them. */
export const DRAIN_ENV = {
  stateMachineArn: "STATE_MACHINE_ARN",
  autoScalingGroupName: "AUTO_SCALING_GROUP_NAME",
  lifecycleHookName: "LIFECYCLE_HOOK_NAME",
  /** JSON of DrainSettings. */
  drainSettings: "DRAIN_SETTINGS",
  queueProbeDocumentName: "QUEUE_PROBE_DOCUMENT_NAME",
  /** Seconds check-queue may wait for one probe result before reporting "unknown". */
  checkBudgetSeconds: "CHECK_BUDGET_SECONDS",
} as const;

/** Placeholders in statemachines/drain.asl.json, replaced at synth (and by the tests) with real values. */
export const DRAIN_DEFINITION_PLACEHOLDERS = ["CheckQueueFunctionArn", "GracefulStopDocumentName"] as const;
export type DrainDefinitionPlaceholder = (typeof DRAIN_DEFINITION_PLACEHOLDERS)[number];

/** Execution name: `<instanceId>-<first 8 chars of the token>` (or of a reconciler id), only [0-9A-Za-z_-], <= 80. */
export function drainExecutionName(instanceId: string, tokenOrId: string): string {
  const clean = (s: string) => s.replace(/[^0-9A-Za-z_-]/g, "");
  return `${clean(instanceId)}-${clean(tokenOrId).slice(0, 8)}`.slice(0, 80);
}
