// Every way a drain execution can end, in the words an operator acts on: what it means, what was or may be lost, and
// the section of docs/runbook.md that says what to do. The notify function's messages and the alarms link those
// sections; test/unit/handlers/drain-notify/runbook.test.ts fails when a linked section has no heading.

/** One ending of a drain execution (the terminal state's name, or TimedOut / Aborted for the execution's own end). */
export interface DrainOutcomeInfo {
  /** The execution status it comes with. */
  readonly status: "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";
  /** What happened, in one sentence. */
  readonly meaning: string;
  /** What was, or may have been, lost. */
  readonly lost: string;
  /** True when nothing was lost and nobody needs to act. */
  readonly fine: boolean;
}

export const DRAIN_OUTCOMES = {
  Drained: {
    status: "SUCCEEDED",
    meaning: "The queues were proven empty after Cribl stopped; the lifecycle action was completed (CONTINUE).",
    lost: "Nothing.",
    fine: true,
  },
  LifecycleActionGone: {
    status: "SUCCEEDED",
    meaning:
      "The queues were proven empty; the lifecycle action had already been completed when the drain completed it.",
    lost: "Nothing.",
    fine: true,
  },
  ContinuedAsNewExecution: {
    status: "SUCCEEDED",
    meaning: "The execution reached its history budget; the drain goes on in the next execution, same deadline.",
    lost: "Nothing: the drain is still running.",
    fine: true,
  },
  LifecycleActionGoneUnconfirmed: {
    status: "FAILED",
    meaning:
      "The lifecycle action ended (expired, completed elsewhere, or the instance left) before the queues were proven empty.",
    lost: "Whatever the last reading shows may be lost: the instance left with its disk and no snapshot was taken.",
    fine: false,
  },
  InstanceGoneUnconfirmed: {
    status: "FAILED",
    meaning: "EC2 reports the instance gone before its queues were proven empty.",
    lost: "Whatever the last reading shows may be lost: the instance and its disk are gone, no snapshot was taken.",
    fine: false,
  },
  GaveUpQueuesPreserved: {
    status: "FAILED",
    meaning:
      "The deadline passed with the queues not proven empty; Cribl was stopped, the queue volumes were snapshotted and the lifecycle action completed.",
    lost: "Nothing, as long as the snapshots are kept: the queued data is in them until it is replayed.",
    fine: false,
  },
  GaveUpQueuesNotPreserved: {
    status: "FAILED",
    meaning:
      "The deadline passed with the queues not proven empty and snapshotOnGiveUp is false: the lifecycle action was completed without a snapshot.",
    lost: "The queued data of the last reading is lost.",
    fine: false,
  },
  GaveUpSnapshotUnconfirmed: {
    status: "FAILED",
    meaning:
      "The deadline passed; snapshots were started but not confirmed completed before the hook's global timeout, or the action ended while they were pending.",
    lost: "Possibly the queued data: a snapshot that never completes holds nothing.",
    fine: false,
  },
  FailedSnapshotError: {
    status: "FAILED",
    meaning:
      "The deadline passed; CreateSnapshots failed, created none, or a snapshot went to error. The lifecycle action was NOT completed: it waits for its own timeout.",
    lost: "Nothing yet: the instance still holds its queues until the hook times out. Act before then.",
    fine: false,
  },
  FailedUnexpectedError: {
    status: "FAILED",
    meaning:
      "AccessDenied, an exhausted retry or an unplanned error. The reconciler restarts the drain with the same deadline.",
    lost: "Nothing yet: the instance is still held while the restarted drain runs (unless the heartbeat timeout passes first).",
    fine: false,
  },
  FailedInvalidInput: {
    status: "FAILED",
    meaning: "The execution input missed a field or had a wrong type; nothing was done. The reconciler restarts it.",
    lost: "Nothing yet: the instance is still held until the hook's heartbeat timeout.",
    fine: false,
  },
  TimedOut: {
    status: "TIMED_OUT",
    meaning: "The execution hit its own timeout. The reconciler restarts the drain with the same deadline.",
    lost: "Nothing yet: the instance is still held while the restarted drain runs (unless the heartbeat timeout passes first).",
    fine: false,
  },
  Aborted: {
    status: "ABORTED",
    meaning: "Someone stopped the execution. It is not restarted.",
    lost: "Possibly the queued data: nobody holds the instance now; the hook's timeout then terminates it.",
    fine: false,
  },
} as const satisfies Record<string, DrainOutcomeInfo>;

export type DrainOutcome = keyof typeof DRAIN_OUTCOMES;

/** When the notify function cannot tell the outcome (the execution could not be read). */
export const UNKNOWN_OUTCOME = "Unknown";

/** Runbook sections that are no outcome: what the other alarms point to. */
export const RUNBOOK_ALARM_SECTIONS = {
  drainFailed: "alarm-drain-failed",
  deadLetters: "dead-letters",
  functionErrors: "function-errors",
  unknown: "unknown-outcome",
  drainStarted: "drain-started",
} as const;

/** Where the runbook is when no URL is configured: its path in the repository. */
export const DEFAULT_RUNBOOK_URL = "docs/runbook.md";

export const isDrainOutcome = (name: string): name is DrainOutcome => Object.hasOwn(DRAIN_OUTCOMES, name);

/**
 * The anchor of an outcome's section: the heading is the outcome's name, and GitHub (like most renderers) makes its
 * anchor by lower-casing it. Anything else goes to the section on unknown outcomes.
 */
export function runbookAnchor(outcome: string): string {
  return isDrainOutcome(outcome) ? outcome.toLowerCase() : RUNBOOK_ALARM_SECTIONS.unknown;
}

/** `<runbook URL>#<anchor>`. */
export function runbookLink(runbookUrl: string, anchor: string): string {
  return `${runbookUrl.replace(/#.*$/, "")}#${anchor}`;
}
