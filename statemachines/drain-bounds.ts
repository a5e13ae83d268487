// Bounds derived from the drain definition itself (its Retry blocks, TimeoutSeconds, Waits and loop counters): the
// longest gap between two heartbeats, and the most history events one execution can record. Configuration validation
// and the tests use these same functions.

type Retrier = {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
};
type Edge = { Next: string };
interface AslState {
  Type: string;
  Resource?: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: Array<Record<string, unknown> & Edge>;
  Catch?: Edge[];
  Retry?: Retrier[];
  TimeoutSeconds?: number;
  Seconds?: number;
  SecondsPath?: string;
}
export interface AslDefinition {
  StartAt: string;
  States: Record<string, AslState>;
}

export interface BoundsParams {
  maxWaitSeconds: number;
  /** Timeout of the check-queue Lambda function. */
  checkFunctionTimeoutSeconds: number;
  /** Allowance for a Lambda cold start (init) on top of the function timeout. */
  coldStartSeconds: number;
  /** Allowance per state transition (Choice, Pass). */
  transitionSeconds?: number;
}

/** Allowance for a cold start (init phase) of the check-queue function. */
export const COLD_START_ALLOWANCE_SECONDS = 10;

/** The check-queue function's timeout: its SSM budget plus time to send the command and report. */
export function checkFunctionTimeoutSeconds(checkBudgetSeconds: number): number {
  return checkBudgetSeconds + 15;
}

/** Step Functions' limit of history events per execution. */
export const HISTORY_EVENT_LIMIT = 25_000;
const HEARTBEAT_RESOURCE = "arn:aws:states:::aws-sdk:autoscaling:recordLifecycleActionHeartbeat";

export const isHeartbeat = (s: AslState) => s.Type === "Task" && s.Resource === HEARTBEAT_RESOURCE;

/** Sum of the backoff before each retry: min(Interval x Rate^k, MaxDelay); FULL jitter only shortens it. */
export function retrierBackoffSeconds(r: Retrier): number {
  const interval = r.IntervalSeconds ?? 1;
  const rate = r.BackoffRate ?? 2;
  const cap = r.MaxDelaySeconds ?? Number.POSITIVE_INFINITY;
  let sum = 0;
  for (let k = 0; k < (r.MaxAttempts ?? 3); k++) sum += Math.min(interval * rate ** k, cap);
  return sum;
}

/** Attempts of a Task in the worst case: the first, plus every retrier's MaxAttempts (each counts on its own). */
export function taskAttempts(s: AslState): number {
  return 1 + (s.Retry ?? []).reduce((n, r) => n + (r.MaxAttempts ?? 3), 0);
}

function attemptSeconds(name: string, s: AslState, p: BoundsParams): number {
  if (s.TimeoutSeconds === undefined) throw new Error(`${name}: a Task without TimeoutSeconds has no bound`);
  if (s.Resource === "arn:aws:states:::lambda:invoke") {
    return Math.min(s.TimeoutSeconds, p.checkFunctionTimeoutSeconds + p.coldStartSeconds);
  }
  return s.TimeoutSeconds;
}

/** Worst duration of one state, seconds. */
export function stateWorstSeconds(name: string, s: AslState, p: BoundsParams): number {
  const t = p.transitionSeconds ?? 0.5;
  switch (s.Type) {
    case "Task":
      return (
        taskAttempts(s) * attemptSeconds(name, s, p) +
        (s.Retry ?? []).reduce((sum, r) => sum + retrierBackoffSeconds(r), 0) +
        t
      );
    case "Wait":
      if (s.Seconds !== undefined) return s.Seconds + t;
      // Every SecondsPath of the drain holds a wait that the definition keeps at or below maxWaitSeconds.
      if (s.SecondsPath === "$.progress.waitSeconds" || s.SecondsPath === "$.settings.maxWaitSeconds")
        return p.maxWaitSeconds + t;
      throw new Error(`${name}: unknown SecondsPath ${s.SecondsPath}`);
    default:
      return t;
  }
}

/** History events of one state in the worst case: entered + exited, and 3 per Task attempt (scheduled, started, ended). */
export function stateWorstEvents(s: AslState): number {
  return s.Type === "Task" ? 2 + 3 * taskAttempts(s) : 2;
}

function successors(s: AslState): string[] {
  const out = new Set<string>();
  if (s.Next) out.add(s.Next);
  if (s.Default) out.add(s.Default);
  for (const c of s.Choices ?? []) out.add(c.Next);
  for (const c of s.Catch ?? []) out.add(c.Next);
  return [...out];
}

/**
 * Longest path (by `weight`) from `from` until a heartbeat state has succeeded (its own weight included) or the
 * execution ends. Throws when a cycle avoids every heartbeat: then no bound exists.
 */
function longestToHeartbeat(def: AslDefinition, from: string, weight: (name: string, s: AslState) => number): number {
  const memo = new Map<string, number>();
  const onStack = new Set<string>();
  const visit = (name: string): number => {
    const s = def.States[name];
    if (!s) throw new Error(`unknown state ${name}`);
    if (isHeartbeat(s)) {
      // A heartbeat that fails after its retries leads (through its Catch) to an end; its full duration counts.
      return weight(name, s);
    }
    const known = memo.get(name);
    if (known !== undefined) return known;
    if (onStack.has(name)) throw new Error(`a loop through ${name} records no heartbeat: no bound on the gap`);
    onStack.add(name);
    const next = successors(s);
    const value = weight(name, s) + (next.length ? Math.max(...next.map(visit)) : 0);
    onStack.delete(name);
    memo.set(name, value);
    return value;
  };
  const start = def.States[from];
  if (!start) throw new Error(`unknown state ${from}`);
  const next = successors(start);
  return next.length ? Math.max(...next.map(visit)) : 0;
}

export interface HeartbeatGap {
  seconds: number;
  /** The heartbeat state after whose success the longest gap starts. */
  after: string;
}

/** The longest time from one heartbeat's success until the next heartbeat has succeeded (or the drain ended). */
export function maxHeartbeatGap(def: AslDefinition, p: BoundsParams): HeartbeatGap {
  let worst: HeartbeatGap = { seconds: 0, after: "" };
  for (const [name, s] of Object.entries(def.States)) {
    if (!isHeartbeat(s)) continue;
    const seconds = longestToHeartbeat(def, name, (n, st) => stateWorstSeconds(n, st, p));
    if (seconds > worst.seconds) worst = { seconds, after: name };
  }
  return worst;
}

/** The reconcile function's timeout: one scheduled run that lists the group's instances and starts missing drains. */
export const RECONCILE_FUNCTION_TIMEOUT_SECONDS = 60;

/** Seconds between two runs of an EventBridge `rate(...)` schedule; undefined for anything else (cron has no bound here). */
export function ratePeriodSeconds(schedule: string): number | undefined {
  const m = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(schedule);
  if (!m) return undefined;
  const unit = m[2]!.startsWith("minute") ? 60 : m[2]!.startsWith("hour") ? 3600 : 86_400;
  return Number(m[1]) * unit;
}

export interface RestartGap {
  seconds: number;
  /** From a heartbeat's success to the execution's end (the longest heartbeat gap covers paths to an end too). */
  toEnd: number;
  /** From the reconciler's StartExecution to the new execution's first heartbeat. */
  toFirstHeartbeat: number;
}

/**
 * The longest time without a heartbeat when a drain has to be (re)started by the reconciler: the previous execution's
 * last heartbeat until it ended (or, for a lost event, the instance entering Terminating:Wait), one whole reconcile
 * period, the reconcile function's run, and the new execution's way to its first heartbeat. The lifecycle action's
 * heartbeat timeout counts across executions, so this gap must stay below it too.
 */
export function maxRestartGap(
  def: AslDefinition,
  p: BoundsParams,
  reconcilePeriodSeconds: number,
  /** The heartbeat gap for the same definition and params, when the caller already has it. */
  gap: HeartbeatGap = maxHeartbeatGap(def, p),
): RestartGap {
  const toEnd = gap.seconds;
  const start = def.States[def.StartAt]!;
  const toFirstHeartbeat =
    stateWorstSeconds(def.StartAt, start, p) +
    longestToHeartbeat(def, def.StartAt, (n, st) => stateWorstSeconds(n, st, p));
  return {
    seconds: toEnd + reconcilePeriodSeconds + RECONCILE_FUNCTION_TIMEOUT_SECONDS + toFirstHeartbeat,
    toEnd,
    toFirstHeartbeat,
  };
}

/** A numeric literal of a Choice rule that leads to `next` (the loop bounds live in the definition's Choices). */
function choiceLiteral(def: AslDefinition, state: string, next: string, op: string): number {
  const rules = def.States[state]?.Choices ?? [];
  const find = (r: Record<string, unknown>): number | undefined => {
    if (typeof r[op] === "number") return r[op] as number;
    for (const sub of (r.And as Array<Record<string, unknown>> | undefined) ?? []) {
      const v = find(sub);
      if (v !== undefined) return v;
    }
    return undefined;
  };
  for (const r of rules) {
    if (r.Next !== next) continue;
    const v = find(r);
    if (v !== undefined) return v;
  }
  throw new Error(`${state}: no ${op} rule leading to ${next}`);
}

export interface HistoryBound {
  /** Most history events one execution can record, retries included. */
  eventsPerExecution: number;
  loopsPerExecution: number;
  gracefulStopPolls: number;
  snapshotPolls: number;
}

/**
 * Worst-case history events of one execution. The main loop and the graceful-stop polls share the loop counter that
 * sends the drain to a new execution (checked once per main loop, so a proof attempt can overshoot by its polls); the
 * snapshot wait is bounded by its own counter.
 */
export function maxHistoryEvents(def: AslDefinition): HistoryBound {
  const loopsPerExecution = choiceLiteral(def, "EvaluateReading", "ContinueAsNewExecution", "NumericGreaterThanEquals");
  const gracefulStopPolls = choiceLiteral(def, "CheckGracefulStopDone", "CountGracefulStopPoll", "NumericLessThan");
  const snapshotPolls = choiceLiteral(
    def,
    "CheckSnapshotsCompleted",
    "ReportGaveUpSnapshotUnconfirmed",
    "NumericGreaterThanEquals",
  );
  const events = (_n: string, s: AslState) => stateWorstEvents(s);
  const after = (name: string) => longestToHeartbeat(def, name, events);
  const first = def.States[def.StartAt]!;
  const startSegment = stateWorstEvents(first) + longestToHeartbeat(def, def.StartAt, events);
  const loopSegment = Math.max(after("RecordHeartbeat"), after("RecordHeartbeatDuringStop"));
  const loopHeartbeats = loopsPerExecution + gracefulStopPolls + 2;
  const snapshotHeartbeats = snapshotPolls + 1;
  const eventsPerExecution =
    2 + startSegment + loopHeartbeats * loopSegment + snapshotHeartbeats * after("RecordHeartbeatDuringSnapshot");
  return { eventsPerExecution, loopsPerExecution, gracefulStopPolls, snapshotPolls };
}

/**
 * The smallest maxWaitSeconds for which the give-up path's snapshot polls (SNAPSHOT_POLLS x maxWaitSeconds) cover the
 * time between the deadline and the hook's global timeout: below it the poll counter, not the clock, would end the
 * snapshot wait.
 */
export function minMaxWaitSeconds(def: AslDefinition, giveUpMarginSeconds: number): number {
  const polls = choiceLiteral(
    def,
    "CheckSnapshotsCompleted",
    "ReportGaveUpSnapshotUnconfirmed",
    "NumericGreaterThanEquals",
  );
  return Math.ceil(giveUpMarginSeconds / polls);
}
