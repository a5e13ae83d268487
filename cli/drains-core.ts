// The drains CLI's logic over an injected Step Functions client: list drains with their outcome, and follow one as a
// stream of readable events (checks with per-directory bytes, trend and time to empty, waits, failures, the end).
// Pure over HistoryEvent as Step Functions returns it; rendering (text or JSON) is separate from reading.
import type {
  DescribeExecutionCommandInput,
  DescribeExecutionCommandOutput,
  ExecutionListItem,
  GetExecutionHistoryCommandInput,
  GetExecutionHistoryCommandOutput,
  HistoryEvent,
  ListExecutionsCommandInput,
  ListExecutionsCommandOutput,
} from "@aws-sdk/client-sfn";
import { DRAIN_OUTCOMES, isDrainOutcome } from "../contracts/drain-outcomes";
import definition from "../statemachines/drain.asl.json";

/** The Step Functions calls the CLI makes (an SFNClient adapter in production, a fake in tests). */
export interface SfnPort {
  listExecutions(input: ListExecutionsCommandInput): Promise<ListExecutionsCommandOutput>;
  getExecutionHistory(input: GetExecutionHistoryCommandInput): Promise<GetExecutionHistoryCommandOutput>;
  describeExecution(input: DescribeExecutionCommandInput): Promise<DescribeExecutionCommandOutput>;
}

// ---------------------------------------------------------------------------------------------------------------
// ARNs

const ARN = /^arn:([^:]+):states:([^:]+):([^:]+):(stateMachine|execution):([^:]+)(?::(.+))?$/;

/** The region of a state machine or execution ARN (the drain lives there, whatever AWS_REGION says). */
export function regionOfArn(arn: string): string | undefined {
  return ARN.exec(arn)?.[2];
}

export function isExecutionArn(value: string): boolean {
  return ARN.exec(value)?.[4] === "execution";
}

/** The state machine of an execution ARN (`...:execution:<machine>:<name>` -> `...:stateMachine:<machine>`). */
export function stateMachineArnOf(executionArn: string): string {
  const m = ARN.exec(executionArn);
  if (m?.[4] !== "execution") throw new Error(`not an execution ARN: ${executionArn}`);
  return `arn:${m[1]}:states:${m[2]}:${m[3]}:stateMachine:${m[5]}`;
}

export function executionArnOf(stateMachineArn: string, name: string): string {
  const m = ARN.exec(stateMachineArn);
  if (m?.[4] !== "stateMachine") throw new Error(`not a state machine ARN: ${stateMachineArn}`);
  return `arn:${m[1]}:states:${m[2]}:${m[3]}:execution:${m[5]}:${name}`;
}

// ---------------------------------------------------------------------------------------------------------------
// What the drain's history says

/** Executions are named `<instanceId>-<sequence>`. */
const NAME = /^(i-[0-9a-f]{8,17})-([0-9]+)$/;
const LEGACY_NAME = /^(i-[0-9a-f]{8,17})-/;

export function instanceIdOf(executionName: string): string | null {
  return (NAME.exec(executionName) ?? LEGACY_NAME.exec(executionName))?.[1] ?? null;
}

/** Succeed states after which nothing was lost: the only endings that exit 0. */
export const DRAINED_OUTCOMES = new Set(["Drained", "LifecycleActionGone"]);
/** The Succeed state that hands over to the next execution of the same drain. */
export const CONTINUED_OUTCOME = "ContinuedAsNewExecution";
/** Endings the reconciler (or the next event) restarts as `<instanceId>-<n+1>`, with the same deadline. */
const RESTARTED_OUTCOMES = new Set(["FailedUnexpectedError", "FailedInvalidInput", "TimedOut"]);

/** What the execution input (and so PrepareDrain) carries that an operator wants to see. */
export interface DrainInputView {
  instanceId: string | null;
  startedBy: string | null;
  sequence: number | null;
  lifecycleActionStartedAt: string | null;
  deadline: string | null;
  snapshotWaitUntil: string | null;
  queueDirectories: string[];
  minWaitSeconds: number | null;
  maxWaitSeconds: number | null;
  requiredConsecutiveChecks: number | null;
  /** progress.lastBytes carried from an earlier execution (-1: none measured yet). */
  carriedLastBytes: number | null;
  /** The execution this one restarts or continues (previous.execution), if any. */
  previousExecution: string | null;
}

type Json = Record<string, unknown>;

function parseJson(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const obj = (v: unknown): Json | undefined =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

export function inputView(input: string | undefined): DrainInputView {
  const i = obj(parseJson(input)) ?? {};
  const settings = obj(i.settings) ?? {};
  const progress = obj(i.progress) ?? {};
  const previous = obj(i.previous) ?? {};
  const dirs = str(settings.queueDirectories);
  return {
    instanceId: str(i.instanceId),
    startedBy: str(i.startedBy),
    sequence: num(i.sequence),
    lifecycleActionStartedAt: str(i.lifecycleActionStartedAt),
    deadline: str(i.deadline),
    snapshotWaitUntil: str(i.snapshotWaitUntil),
    queueDirectories: dirs ? dirs.split(",") : [],
    minWaitSeconds: num(settings.minWaitSeconds),
    maxWaitSeconds: num(settings.maxWaitSeconds),
    requiredConsecutiveChecks: num(settings.requiredConsecutiveChecks),
    carriedLastBytes: num(progress.lastBytes),
    previousExecution: str(previous.execution) ?? str(previous.name),
  };
}

/** One queue check as check-queue reported it (handlers/check-queue/core.ts CheckQueueResult). */
export interface QueueReading {
  /** `ok`, `unknown` or `invalid_instance_id`; anything else is shown as it came. */
  result: string;
  /** Why the reading is not a measurement (budget_exhausted, ssm_status, unparseable_output, directory_missing...). */
  reason: string | null;
  ssmStatus: string | null;
  totalBytes: number | null;
  queues: Array<{ path: string; exists: boolean | null; bytes: number | null; files: number | null }>;
  missingDirectories: string[];
  serviceActive: boolean | null;
}

const CHECK_STATES = new Set(["CheckQueues", "CheckQueuesAfterStop"]);

/** A check-queue payload, from the Lambda invoke envelope (`Payload`), the state output (`reading.payload`) or bare. */
export function readingOf(value: unknown): QueueReading | undefined {
  const o = obj(value);
  if (!o) return undefined;
  const payload = obj(o.Payload) ?? obj(obj(o.reading)?.payload) ?? o;
  if (typeof payload.result !== "string") return undefined;
  const queues = Array.isArray(payload.queues) ? payload.queues : [];
  return {
    result: payload.result,
    reason: str(payload.reason),
    ssmStatus: str(payload.ssmStatus),
    totalBytes: num(payload.totalBytes),
    queues: queues.map((q) => {
      const d = obj(q) ?? {};
      return {
        path: str(d.path) ?? "?",
        exists: typeof d.exists === "boolean" ? d.exists : null,
        bytes: num(d.bytes),
        files: num(d.files),
      };
    }),
    missingDirectories: Array.isArray(payload.missingDirectories)
      ? payload.missingDirectories.filter((d): d is string => typeof d === "string")
      : [],
    serviceActive: typeof payload.serviceActive === "boolean" ? payload.serviceActive : null,
  };
}

/** totalBytes of a check result: a number, null when the check could not measure, undefined when not a check. */
export function checkBytesOf(output: string | undefined): number | null | undefined {
  const reading = readingOf(parseJson(output));
  return reading ? reading.totalBytes : undefined;
}

type AslState = { Type: string; Seconds?: number; SecondsPath?: string };
const STATES = (definition as { States: Record<string, AslState> }).States;

/** The length of a Wait state, from the shipped definition (Seconds, or SecondsPath read from the state's input). */
export function waitSecondsOf(state: string, input: string | undefined): number | null {
  const s = STATES[state];
  if (s?.Type !== "Wait") return null;
  if (typeof s.Seconds === "number") return s.Seconds;
  if (!s.SecondsPath?.startsWith("$.")) return null;
  let v: unknown = parseJson(input);
  for (const key of s.SecondsPath.slice(2).split(".")) v = obj(v)?.[key];
  return num(v);
}

// ---------------------------------------------------------------------------------------------------------------
// Follow events

export type FollowEvent =
  | {
      type: "started";
      at: string;
      execution: string;
      instanceId: string | null;
      startedBy: string | null;
      deadline: string | null;
      secondsToDeadline: number | null;
      lifecycleActionStartedAt: string | null;
      queueDirectories: string[];
      previousExecution: string | null;
    }
  | ({
      type: "check";
      at: string;
      state: string;
      secondsToDeadline: number | null;
      /** Bytes per minute since the previous measured reading (negative: shrinking); null with no earlier one. */
      trendBytesPerMinute: number | null;
      /** At that trend, seconds until empty; null when not shrinking or unknown. */
      secondsToEmpty: number | null;
    } & QueueReading)
  | { type: "check-failed"; at: string; state: string; error: string; cause: string; attempt: number }
  | { type: "wait"; at: string; state: string; seconds: number | null; until: string | null }
  | { type: "step"; at: string; state: string }
  /** attempt: 1 for the first failure since the state was entered, 2.. for its retries. */
  | { type: "task-failed"; at: string; state: string; error: string; cause: string; attempt: number }
  | ({ type: "end"; at: string } & DrainEnd);

export interface DrainEnd {
  execution: string;
  instanceId: string | null;
  status: string;
  /** The terminal state's name (Drained, LifecycleActionGoneUnconfirmed, ...), TimedOut or Aborted. */
  outcome: string;
  meaning: string | null;
  /** What was, or may have been, lost (null for an outcome this CLI does not know). */
  lost: string | null;
  /** True only for Drained-like Succeed outcomes (exit 0). */
  drained: boolean;
  durationSeconds: number | null;
  deadline: string | null;
  secondsToDeadline: number | null;
  lastBytes: number | null;
  lastReading: QueueReading | null;
  snapshots: string[];
  /** The error in the Cause of a Fail state ($.error), or the execution's own error. */
  error: { error: string; cause: string } | null;
  restartedAs: string | null;
  continuedAs: string | null;
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString().replace(/\.\d{3}Z$/, "Z") : null);
const secondsBetween = (from: Date, to: string | null) =>
  to && !Number.isNaN(Date.parse(to)) ? Math.round((Date.parse(to) - from.getTime()) / 1000) : null;

/** Turns history events (oldest first, as many calls as needed) into follow events. */
export class DrainHistoryReader {
  private input: DrainInputView = inputView(undefined);
  private started: Date | null = null;
  private lastEntered: string | null = null;
  private pendingCheck: string | null = null;
  private failuresInState = 0;
  private lastMeasured: { at: Date; bytes: number } | null = null;
  private lastReading: QueueReading | null = null;
  private snapshots = new Set<string>();
  private readonly scheduledState = new Map<number, string>();

  constructor(private readonly execution: string) {}

  get deadline(): string | null {
    return this.input.deadline;
  }

  read(event: HistoryEvent): FollowEvent[] {
    const when = event.timestamp ?? new Date(0);
    const at = iso(when)!;
    const entered = event.stateEnteredEventDetails;
    const exited = event.stateExitedEventDetails;
    switch (event.type) {
      case "ExecutionStarted": {
        this.input = inputView(event.executionStartedEventDetails?.input);
        this.started = when;
        return [
          {
            type: "started",
            at,
            execution: this.execution,
            instanceId: this.input.instanceId ?? instanceIdOf(this.execution),
            startedBy: this.input.startedBy,
            deadline: this.input.deadline,
            secondsToDeadline: secondsBetween(when, this.input.deadline),
            lifecycleActionStartedAt: this.input.lifecycleActionStartedAt,
            queueDirectories: this.input.queueDirectories,
            previousExecution: this.input.previousExecution,
          },
        ];
      }
      case "TaskStateEntered": {
        this.enter(entered?.name);
        if (CHECK_STATES.has(this.lastEntered ?? "")) {
          this.pendingCheck = this.lastEntered;
          return [];
        }
        if (this.lastEntered?.startsWith("RecordHeartbeat")) return [];
        return this.lastEntered ? [{ type: "step", at, state: this.lastEntered }] : [];
      }
      case "ChoiceStateEntered":
      case "PassStateEntered":
      case "SucceedStateEntered":
      case "FailStateEntered":
        this.enter(entered?.name);
        return [];
      case "WaitStateEntered": {
        this.enter(entered?.name);
        const state = entered?.name ?? "?";
        const seconds = waitSecondsOf(state, entered?.input);
        return [
          {
            type: "wait",
            at,
            state,
            seconds,
            until: seconds === null ? null : iso(new Date(when.getTime() + seconds * 1000)),
          },
        ];
      }
      case "TaskScheduled":
        if (event.id !== undefined && this.lastEntered) this.scheduledState.set(event.id, this.lastEntered);
        return [];
      case "TaskSucceeded": {
        const output = parseJson(event.taskSucceededEventDetails?.output);
        if (this.lastEntered === "CreateQueueSnapshots") this.addSnapshots(obj(output)?.Snapshots);
        if (this.pendingCheck && event.taskSucceededEventDetails?.resourceType === "lambda") {
          const reading = readingOf(output);
          if (reading) return [this.check(when, this.pendingCheck, reading)];
        }
        return [];
      }
      case "TaskStateExited": {
        const state = exited?.name ?? "";
        if (this.pendingCheck && CHECK_STATES.has(state)) {
          const reading = readingOf(parseJson(exited?.output));
          if (reading) return [this.check(when, state, reading)];
          this.pendingCheck = null;
        }
        return [];
      }
      case "PassStateExited": {
        if (exited?.name === "RecordSnapshotIds") {
          this.addSnapshots(obj(obj(parseJson(exited.output))?.snapshots)?.taken);
        }
        return [];
      }
      case "TaskFailed":
      case "TaskTimedOut":
      case "LambdaFunctionFailed":
      case "LambdaFunctionTimedOut": {
        const d =
          event.taskFailedEventDetails ??
          event.taskTimedOutEventDetails ??
          event.lambdaFunctionFailedEventDetails ??
          event.lambdaFunctionTimedOutEventDetails;
        const state = this.lastEntered ?? "?";
        const error = d?.error ?? (event.type.endsWith("TimedOut") ? "States.Timeout" : "?");
        const cause = flatten(d?.cause);
        const attempt = ++this.failuresInState;
        if (CHECK_STATES.has(state)) return [{ type: "check-failed", at, state, error, cause, attempt }];
        return [{ type: "task-failed", at, state, error, cause, attempt }];
      }
      case "ExecutionSucceeded":
      case "ExecutionFailed":
      case "ExecutionTimedOut":
      case "ExecutionAborted":
        return [{ type: "end", at, ...this.end(event) }];
      default:
        return [];
    }
  }

  private enter(name: string | undefined) {
    if (!name) return;
    this.failuresInState = 0;
    this.lastEntered = name;
  }

  private addSnapshots(list: unknown) {
    if (!Array.isArray(list)) return;
    for (const s of list) {
      const id = typeof s === "string" ? s : str(obj(s)?.SnapshotId);
      if (id) this.snapshots.add(id);
    }
  }

  private check(when: Date, state: string, reading: QueueReading): FollowEvent {
    this.pendingCheck = null;
    this.lastReading = reading;
    let trend: number | null = null;
    let toEmpty: number | null = null;
    if (reading.totalBytes !== null) {
      const previous = this.lastMeasured;
      if (previous && when.getTime() > previous.at.getTime()) {
        const minutes = (when.getTime() - previous.at.getTime()) / 60_000;
        trend = Math.round((reading.totalBytes - previous.bytes) / minutes);
        if (trend < 0 && reading.totalBytes > 0) toEmpty = Math.round((reading.totalBytes / -trend) * 60);
        if (reading.totalBytes === 0) toEmpty = 0;
      } else if (reading.totalBytes === 0) toEmpty = 0;
      this.lastMeasured = { at: when, bytes: reading.totalBytes };
    }
    return {
      type: "check",
      at: iso(when)!,
      state,
      ...reading,
      secondsToDeadline: secondsBetween(when, this.input.deadline),
      trendBytesPerMinute: trend,
      secondsToEmpty: toEmpty,
    };
  }

  private end(event: HistoryEvent): DrainEnd {
    const when = event.timestamp ?? new Date();
    let status: string;
    let outcome: string;
    let error: DrainEnd["error"] = null;
    let causeJson: Json | undefined;
    if (event.type === "ExecutionSucceeded") {
      status = "SUCCEEDED";
      outcome = this.lastEntered ?? "Succeeded";
      const output = obj(parseJson(event.executionSucceededEventDetails?.output));
      this.addSnapshots(obj(output?.snapshots)?.taken);
    } else if (event.type === "ExecutionFailed") {
      status = "FAILED";
      const d = event.executionFailedEventDetails;
      outcome = d?.error ?? this.lastEntered ?? "Failed";
      causeJson = obj(parseJson(d?.cause));
      const e = obj(causeJson?.error);
      if (e && str(e.Error) && e.Error !== "none") error = { error: str(e.Error)!, cause: flatten(str(e.Cause) ?? "") };
      else if (!causeJson && d?.cause) error = { error: d.error ?? "?", cause: flatten(d.cause) };
      this.addSnapshots(obj(causeJson?.snapshots)?.taken);
      const reading = readingOf(causeJson?.lastReading);
      if (reading && !this.lastReading) this.lastReading = reading;
    } else if (event.type === "ExecutionTimedOut") {
      status = "TIMED_OUT";
      outcome = "TimedOut";
    } else {
      status = "ABORTED";
      outcome = "Aborted";
    }
    const instanceId = this.input.instanceId ?? instanceIdOf(this.execution);
    const sequence = this.input.sequence ?? Number(NAME.exec(this.execution)?.[2] ?? Number.NaN);
    const next = instanceId && Number.isInteger(sequence) ? `${instanceId}-${sequence + 1}` : null;
    const carried = this.input.carriedLastBytes;
    const lastBytes = this.lastMeasured?.bytes ?? (carried !== null && carried >= 0 ? carried : null);
    return {
      execution: this.execution,
      instanceId,
      status,
      outcome,
      // In the same words as the drain alerts (contracts/drain-outcomes.ts).
      meaning: isDrainOutcome(outcome) ? DRAIN_OUTCOMES[outcome].meaning : null,
      lost: isDrainOutcome(outcome) ? DRAIN_OUTCOMES[outcome].lost : null,
      drained: status === "SUCCEEDED" && DRAINED_OUTCOMES.has(outcome),
      durationSeconds: this.started ? Math.round((when.getTime() - this.started.getTime()) / 1000) : null,
      deadline: this.input.deadline,
      secondsToDeadline: secondsBetween(when, this.input.deadline),
      lastBytes,
      lastReading: this.lastReading,
      snapshots: [...this.snapshots],
      error,
      restartedAs: RESTARTED_OUTCOMES.has(outcome) ? next : null,
      continuedAs: outcome === CONTINUED_OUTCOME ? next : null,
    };
  }
}

function flatten(text: string | undefined | null, max = 400): string {
  if (!text) return "";
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

// ---------------------------------------------------------------------------------------------------------------
// list

export interface DrainSummary {
  name: string;
  executionArn: string;
  /** From the input, else from the execution name `<instanceId>-<sequence>`. */
  instanceId: string | null;
  status: string;
  /** Terminal state name (or the execution's error, TimedOut, Aborted); null while running. */
  outcome: string | null;
  /** The state a running drain is in (or was last in). */
  currentState: string | null;
  startDate: Date | null;
  stopDate: Date | null;
  /** From the start to the stop, or to now while running. */
  durationSeconds: number | null;
  deadline: string | null;
  /** Deadline minus now (running) or minus the stop; negative once past. */
  secondsToDeadline: number | null;
  /** totalBytes of the most recent queue check; null when none measured. */
  lastCheckBytes: number | null;
  /** The most recent check as reported (null before the first). */
  lastReading: QueueReading | null;
}

async function allExecutions(sfn: SfnPort, input: ListExecutionsCommandInput, limit: number) {
  const out: ExecutionListItem[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.listExecutions({ ...input, maxResults: Math.min(100, limit - out.length), nextToken });
    out.push(...(page.executions ?? []));
    nextToken = page.nextToken;
  } while (nextToken && out.length < limit);
  return out;
}

/** The newest check and the last state entered, read from the newest end of the history. */
export async function lastCheck(
  sfn: SfnPort,
  executionArn: string,
): Promise<{ reading: QueueReading | null; lastState: string | null }> {
  let nextToken: string | undefined;
  let lastState: string | null = null;
  for (let pages = 0; pages < 5; pages++) {
    const page = await sfn.getExecutionHistory({
      executionArn,
      reverseOrder: true,
      includeExecutionData: true,
      maxResults: 200,
      nextToken,
    });
    for (const event of page.events ?? []) {
      lastState ??= event.stateEnteredEventDetails?.name ?? null;
      const reading =
        event.type === "TaskSucceeded" && event.taskSucceededEventDetails?.resourceType === "lambda"
          ? readingOf(parseJson(event.taskSucceededEventDetails.output))
          : CHECK_STATES.has(event.stateExitedEventDetails?.name ?? "")
            ? readingOf(parseJson(event.stateExitedEventDetails?.output))
            : undefined;
      if (reading) return { reading, lastState };
    }
    nextToken = page.nextToken;
    if (!nextToken) break;
  }
  return { reading: null, lastState };
}

/** The last check's bytes (null when none measured). */
export async function lastCheckBytes(sfn: SfnPort, executionArn: string): Promise<number | null> {
  return (await lastCheck(sfn, executionArn)).reading?.totalBytes ?? null;
}

async function pool<T, R>(items: T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
  return out;
}

/** One drain's row: describe (input, error) plus the newest end of its history (last check, last state). */
export async function summarizeDrain(
  sfn: SfnPort,
  executionArn: string,
  now: Date = new Date(),
): Promise<DrainSummary> {
  const d = await sfn.describeExecution({ executionArn });
  const { reading, lastState } = await lastCheck(sfn, executionArn);
  const input = inputView(d.input);
  const status = d.status ?? "UNKNOWN";
  const name = d.name ?? executionArn.split(":").pop() ?? "";
  let outcome: string | null = null;
  if (status === "SUCCEEDED") outcome = lastState ?? "Succeeded";
  else if (status === "FAILED") outcome = (d as { error?: string }).error ?? lastState ?? "Failed";
  else if (status === "TIMED_OUT") outcome = "TimedOut";
  else if (status === "ABORTED") outcome = "Aborted";
  const end = d.stopDate ?? (status === "RUNNING" ? now : null);
  const carried = input.carriedLastBytes !== null && input.carriedLastBytes >= 0 ? input.carriedLastBytes : null;
  return {
    name,
    executionArn,
    instanceId: input.instanceId ?? instanceIdOf(name),
    status,
    outcome,
    currentState: status === "RUNNING" ? lastState : null,
    startDate: d.startDate ?? null,
    stopDate: d.stopDate ?? null,
    durationSeconds: d.startDate && end ? Math.round((end.getTime() - d.startDate.getTime()) / 1000) : null,
    deadline: input.deadline,
    secondsToDeadline: end ? secondsBetween(end, input.deadline) : null,
    lastCheckBytes: reading ? reading.totalBytes : carried,
    lastReading: reading,
  };
}

/** Every RUNNING drain plus the most recent ones, running first, then newest first. */
export async function listDrains(
  sfn: SfnPort,
  stateMachineArn: string,
  opts: { recent?: number; now?: Date } = {},
): Promise<DrainSummary[]> {
  const running = await allExecutions(sfn, { stateMachineArn, statusFilter: "RUNNING" }, 1000);
  const recent = await allExecutions(sfn, { stateMachineArn }, opts.recent ?? 20);
  const byArn = new Map<string, ExecutionListItem>();
  for (const e of [...running, ...recent]) if (e.executionArn) byArn.set(e.executionArn, e);
  const rows = await pool([...byArn.values()], 8, (e) => summarizeDrain(sfn, e.executionArn!, opts.now));
  const rank = (s: DrainSummary) => (s.status === "RUNNING" ? 0 : 1);
  return rows.sort((a, b) => rank(a) - rank(b) || (b.startDate?.getTime() ?? 0) - (a.startDate?.getTime() ?? 0));
}

// ---------------------------------------------------------------------------------------------------------------
// Formatting

/** 0s, 42s, 3m05s, 2h07m, 3d04h; negative as "-3m05s". */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) return "-";
  const sign = seconds < 0 ? "-" : "";
  let s = Math.abs(Math.round(seconds));
  const pad = (n: number) => String(n).padStart(2, "0");
  if (s < 60) return `${sign}${s}s`;
  if (s < 3600) return `${sign}${Math.floor(s / 60)}m${pad(s % 60)}s`;
  if (s < 86400) return `${sign}${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
  s = Math.floor(s / 3600);
  return `${sign}${Math.floor(s / 24)}d${pad(s % 24)}h`;
}

/** Time to a deadline: "in 9m12s", or "passed 2m03s ago". */
export function formatToDeadline(seconds: number | null): string {
  if (seconds === null) return "-";
  return seconds >= 0 ? `in ${formatDuration(seconds)}` : `passed ${formatDuration(-seconds)} ago`;
}

export function formatBytes(bytes: number | null): string {
  if (bytes === null) return "unknown";
  if (Math.abs(bytes) < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = bytes / 1024;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

/** The reason of a reading without bytes: "ssm_status (SSM Failed)", "directory_missing (result ok)". */
export function unknownWhy(r: QueueReading): string {
  const notes = [r.result !== "unknown" && r.result !== r.reason ? `result ${r.result}` : null];
  if (r.ssmStatus && r.ssmStatus !== "Success") notes.push(`SSM ${r.ssmStatus}`);
  const extra = notes.filter(Boolean).join(", ");
  return `${r.reason ?? r.result}${extra ? ` (${extra})` : ""}`;
}

function readingShort(r: QueueReading | null, bytes: number | null): string {
  if (!r) return bytes === null ? "-" : formatBytes(bytes);
  if (r.totalBytes !== null) return formatBytes(r.totalBytes);
  return `unknown: ${r.reason ?? r.result}`;
}

function table(header: string[], body: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  return [header, ...body]
    .map((row) =>
      row
        .map((c, i) => c.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

export function formatDrainTable(rows: DrainSummary[]): string {
  if (rows.length === 0) return "No drains.";
  return table(
    ["INSTANCE", "EXECUTION", "STATUS", "OUTCOME", "STARTED", "DURATION", "DEADLINE", "LAST BYTES"],
    rows.map((r) => [
      r.instanceId ?? "-",
      r.name,
      r.status,
      r.outcome ?? (r.currentState ? `(${r.currentState})` : "-"),
      iso(r.startDate) ?? "-",
      formatDuration(r.durationSeconds),
      r.status === "RUNNING"
        ? formatToDeadline(r.secondsToDeadline)
        : r.secondsToDeadline === null
          ? "-"
          : r.secondsToDeadline >= 0
            ? `${formatDuration(r.secondsToDeadline)} left`
            : `${formatDuration(-r.secondsToDeadline)} past`,
      readingShort(r.lastReading, r.lastCheckBytes),
    ]),
  );
}

/** JSON-ready summaries (dates as ISO strings). */
export function drainSummariesJson(rows: DrainSummary[]): unknown[] {
  return rows.map((r) => ({ ...r, startDate: iso(r.startDate), stopDate: iso(r.stopDate) }));
}

function rate(bytesPerMinute: number): string {
  const sign = bytesPerMinute > 0 ? "+" : bytesPerMinute < 0 ? "-" : "±";
  return `${sign}${formatBytes(Math.abs(bytesPerMinute))}/min`;
}

/** One readable line per follow event (the end is a multi-line summary). */
export function formatFollowEvent(e: FollowEvent): string {
  const line = (what: string) => `${e.at}  ${what}`;
  switch (e.type) {
    case "started": {
      const parts = [`drain ${e.execution} started`];
      if (e.startedBy) parts.push(`by ${e.startedBy}`);
      if (e.previousExecution) parts.push(`after ${e.previousExecution}`);
      const deadline = e.deadline ? `; deadline ${e.deadline} (${formatToDeadline(e.secondsToDeadline)})` : "";
      return line(`${parts.join(" ")}${deadline}`);
    }
    case "check": {
      const label = e.state === "CheckQueues" ? "check" : `check (${e.state})`;
      const deadline = `deadline ${formatToDeadline(e.secondsToDeadline)}`;
      const service = e.serviceActive === null ? "" : e.serviceActive ? ", Cribl active" : ", Cribl stopped";
      const dirs = e.queues.map((q) => `${q.path} ${q.exists === false ? "MISSING" : formatBytes(q.bytes)}`).join(", ");
      if (e.totalBytes === null) {
        const missing = e.missingDirectories.length ? `; missing ${e.missingDirectories.join(", ")}` : "";
        return line(`${label}: UNKNOWN: ${unknownWhy(e)}${missing}${dirs ? ` [${dirs}]` : ""}${service}; ${deadline}`);
      }
      const trend =
        e.trendBytesPerMinute === null
          ? ""
          : `; trend ${rate(e.trendBytesPerMinute)}${
              e.secondsToEmpty !== null && e.totalBytes > 0
                ? `, empty in ~${formatDuration(e.secondsToEmpty)}`
                : e.totalBytes > 0
                  ? ", not shrinking"
                  : ""
            }`;
      return line(`${label}: ${formatBytes(e.totalBytes)}${dirs ? ` [${dirs}]` : ""}${service}${trend}; ${deadline}`);
    }
    case "check-failed":
      if (e.attempt > 1) return line(`check failed again in ${e.state} (attempt ${e.attempt}): ${e.error}`);
      return line(`check FAILED in ${e.state}: ${e.error}${e.cause ? ` — ${e.cause}` : ""}`);
    case "wait":
      return line(
        `wait ${e.seconds === null ? "?" : formatDuration(e.seconds)} (${e.state}${e.until ? `, until ${e.until}` : ""})`,
      );
    case "step":
      return line(`> ${e.state}`);
    case "task-failed":
      if (e.attempt > 1) return line(`${e.state} failed again (attempt ${e.attempt}): ${e.error}`);
      return line(`${e.state} failed: ${e.error}${e.cause ? ` — ${e.cause}` : ""}`);
    case "end":
      return formatEnd(e);
  }
}

export function formatEnd(e: DrainEnd & { at?: string }): string {
  const lines = [`${e.at ? `${e.at}  ` : ""}drain ${e.execution} ended ${e.status}: ${e.outcome}`];
  const add = (k: string, v: string) => lines.push(`  ${`${k}:`.padEnd(14)}${v}`);
  if (e.meaning) add("meaning", e.meaning);
  if (e.lost) add("lost", e.lost);
  if (e.instanceId) add("instance", e.instanceId);
  add("duration", formatDuration(e.durationSeconds));
  if (e.deadline) {
    const s = e.secondsToDeadline;
    add(
      "deadline",
      `${e.deadline} (${s === null ? "?" : s >= 0 ? `${formatDuration(s)} left at the end` : `passed ${formatDuration(-s)} before the end`})`,
    );
  }
  const r = e.lastReading;
  const lastDirs = r?.queues.length
    ? ` [${r.queues.map((q) => `${q.path} ${q.exists === false ? "MISSING" : formatBytes(q.bytes)}`).join(", ")}]`
    : "";
  add(
    "last reading",
    r
      ? r.totalBytes !== null
        ? `${formatBytes(r.totalBytes)}${lastDirs}`
        : `unknown: ${unknownWhy(r)}${e.lastBytes !== null ? `; last measured ${formatBytes(e.lastBytes)}` : ""}`
      : e.lastBytes !== null
        ? `${formatBytes(e.lastBytes)} (carried from the previous execution)`
        : "none",
  );
  add("snapshots", e.snapshots.length ? e.snapshots.join(", ") : "none");
  if (e.error) add("error", `${e.error.error}${e.error.cause ? `: ${e.error.cause}` : ""}`);
  if (e.restartedAs) add("next", `the reconciler restarts this drain as ${e.restartedAs} (same deadline)`);
  if (e.continuedAs) add("next", `continues as ${e.continuedAs}`);
  return lines.join("\n");
}

/** JSON for scripts: one document per event. */
export function followEventJson(e: FollowEvent): string {
  return JSON.stringify(e);
}

// ---------------------------------------------------------------------------------------------------------------
// resolve and follow

/** Finds a drain by execution ARN, execution name, or the newest drain of an instance id. */
export async function resolveDrain(
  sfn: SfnPort,
  stateMachineArn: string | undefined,
  target: string,
): Promise<{ name: string; executionArn: string; status?: string }> {
  if (isExecutionArn(target)) {
    const d = await sfn.describeExecution({ executionArn: target });
    return { name: d.name ?? target.split(":").pop()!, executionArn: target, status: d.status };
  }
  if (!stateMachineArn) throw new Error("a state machine ARN is needed to find a drain by name or instance id");
  const all = await allExecutions(sfn, { stateMachineArn }, 1000);
  const exact = all.find((e) => e.name === target);
  const pick =
    exact ??
    all
      .filter((e) => instanceIdOf(e.name ?? "") === target)
      .sort((a, b) => (b.startDate?.getTime() ?? 0) - (a.startDate?.getTime() ?? 0))[0];
  if (!pick) throw new Error(`no drain named ${target} and none of an instance with that id`);
  return { name: pick.name!, executionArn: pick.executionArn!, status: pick.status };
}

const TERMINAL = new Set(["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"]);

/**
 * Emits follow events of one drain until it ends: each poll reads the history from the start (oldest first) and emits
 * the events after the last id seen. A drain that continues as a new execution is followed into it. Returns the last
 * execution's end, or null when maxPolls ran out first.
 */
export async function followDrain(
  sfn: SfnPort,
  executionArn: string,
  emit: (event: FollowEvent) => void,
  opts: {
    pollMs?: number;
    sleep?: (ms: number) => Promise<void>;
    maxPolls?: number;
    followContinuation?: boolean;
  } = {},
): Promise<DrainEnd | null> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let arn = executionArn;
  let reader = new DrainHistoryReader(arn.split(":").pop()!);
  let lastId = 0;
  let end: DrainEnd | null = null;
  for (let poll = 0; opts.maxPolls === undefined || poll < opts.maxPolls; poll++) {
    // Status first, history second: once the status is terminal, this read holds every event up to the end.
    const { status } = await sfn.describeExecution({ executionArn: arn });
    let nextToken: string | undefined;
    do {
      const page = await sfn.getExecutionHistory({
        executionArn: arn,
        includeExecutionData: true,
        maxResults: 1000,
        nextToken,
      });
      for (const event of page.events ?? []) {
        if ((event.id ?? 0) <= lastId) continue;
        lastId = event.id ?? lastId;
        for (const e of reader.read(event)) {
          if (e.type === "end") end = e;
          emit(e);
        }
      }
      nextToken = page.nextToken;
    } while (nextToken);
    if (status && TERMINAL.has(status)) {
      if (end?.continuedAs && opts.followContinuation !== false) {
        const next = executionArnOf(stateMachineArnOf(arn), end.continuedAs);
        try {
          await sfn.describeExecution({ executionArn: next });
        } catch {
          return end;
        }
        arn = next;
        reader = new DrainHistoryReader(end.continuedAs);
        lastId = 0;
        end = null;
        continue;
      }
      return end;
    }
    await sleep(opts.pollMs ?? 5000);
  }
  return null;
}

/** Exit code of `drains follow`: 0 only for a Drained-like Succeed, 1 for any other end, 3 when still running. */
export function exitCodeOf(end: DrainEnd | null): number {
  if (!end) return 3;
  return end.drained ? 0 : 1;
}
