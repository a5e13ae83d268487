// drain-notify: one "Step Functions Execution Status Change" event of the drain state machine in, one message out
// (what happened to which instance, the last queue reading, the snapshots, what was lost and the runbook section),
// plus the facts the metrics need. The event carries input, output, error and cause only sometimes (and never the
// reading), so the execution is read back (DescribeExecution, then its history from the end); whatever cannot be read
// is said in the message, never dropped: a failed read still publishes what the event itself says, and why.
import {
  DRAIN_OUTCOMES,
  type DrainOutcomeInfo,
  isDrainOutcome,
  RUNBOOK_ALARM_SECTIONS,
  runbookAnchor,
  runbookLink,
  UNKNOWN_OUTCOME,
} from "../../contracts/drain-outcomes";
import { errorText } from "../shared/errors";

export const STATUS_CHANGE_DETAIL_TYPE = "Step Functions Execution Status Change";

/** The parts of an execution status change event we read; everything but the ARN may be absent. */
export interface StatusChange {
  executionArn: string | null;
  executionName: string | null;
  status: string;
  startDate: Date | null;
  stopDate: Date | null;
  input: string | null;
  output: string | null;
  error: string | null;
  cause: string | null;
}

const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const obj = (v: unknown): Record<string, unknown> | null =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
const date = (v: unknown): Date | null => {
  const d = typeof v === "number" || typeof v === "string" ? new Date(v) : v instanceof Date ? v : null;
  return d && !Number.isNaN(d.getTime()) ? d : null;
};
const parseJson = (text: string | null | undefined): unknown => {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** Reads the event leniently: a missing field is null, never an error (the message then says what is missing). */
export function parseStatusChange(event: unknown): StatusChange {
  const detail = obj(obj(event)?.detail) ?? {};
  return {
    executionArn: str(detail.executionArn),
    executionName: str(detail.name),
    status: str(detail.status) ?? "UNKNOWN",
    startDate: date(detail.startDate),
    stopDate: date(detail.stopDate),
    input: str(detail.input),
    output: str(detail.output),
    error: str(detail.error),
    cause: str(detail.cause),
  };
}

/** A check-queue reading as the message shows it. */
export interface ReadingSummary {
  /** `ok`, `unknown`, `invalid_instance_id`, or `none` when this execution took no reading. */
  result: string;
  reason: string | null;
  totalBytes: number | null;
  queues: Array<{ path: string; bytes: number | null }>;
  missingDirectories: string[];
  serviceActive: boolean | null;
}

/** Everything the message and the metrics say about one execution. */
export interface DrainReport {
  executionArn: string | null;
  executionName: string | null;
  status: string;
  /** Terminal state name (Drained, GaveUpQueuesPreserved, ...), TimedOut, Aborted, Started, or Unknown. */
  outcome: string;
  instanceId: string | null;
  startDate: Date | null;
  stopDate: Date | null;
  /** When the instance entered Terminating:Wait (the execution input), ISO 8601. */
  lifecycleActionStartedAt: string | null;
  deadline: string | null;
  lastReading: ReadingSummary | null;
  /** Last measured total bytes carried over from an earlier execution of the chain (progress.lastBytes), if any. */
  carriedLastBytes: number | null;
  snapshots: string[];
  /** The error a Fail state recorded (its Cause's `error`), or the execution's own error and cause. */
  error: { error: string; cause: string } | null;
  /** What could not be read, and why (an empty list when everything was read). */
  problems: string[];
}

/** The Step Functions calls drain-notify makes (least privilege: on this state machine's executions only). */
export interface SfnReadPort {
  describeExecution(input: { executionArn: string }): Promise<{
    name?: string;
    status?: string;
    startDate?: Date;
    stopDate?: Date;
    input?: string;
    output?: string;
    error?: string;
    cause?: string;
  }>;
  getExecutionHistory(input: {
    executionArn: string;
    reverseOrder: boolean;
    maxResults: number;
    includeExecutionData: boolean;
    nextToken?: string;
  }): Promise<{ events?: HistoryEventLike[]; nextToken?: string }>;
}

/** The fields of a history event we read (a subset of the SDK's HistoryEvent). */
export interface HistoryEventLike {
  type?: string;
  timestamp?: Date;
  stateEnteredEventDetails?: { name?: string; input?: string };
  stateExitedEventDetails?: { name?: string; output?: string };
  executionFailedEventDetails?: { error?: string; cause?: string };
  executionTimedOutEventDetails?: { error?: string; cause?: string };
  executionAbortedEventDetails?: { error?: string; cause?: string };
}

/** History pages read from the end before giving up on finding the last state document (each up to 100 events). */
export const MAX_HISTORY_PAGES = 5;
const HISTORY_PAGE_SIZE = 100;

const INSTANCE_OF_NAME = /^(i-[0-9a-f]{8,17})-\d+$/;

/** PrepareDrain's placeholder: this execution took no reading yet. */
const NO_READING: ReadingSummary = {
  result: "none",
  reason: null,
  totalBytes: null,
  queues: [],
  missingDirectories: [],
  serviceActive: null,
};

function readingOf(value: unknown): ReadingSummary | null {
  const o = obj(value);
  if (!o) return null;
  const payload = o.payload ?? o.Payload;
  if (payload === "none") return NO_READING;
  const p = obj(payload) ?? o;
  if (typeof p.result !== "string") return null;
  return {
    result: p.result,
    reason: str(p.reason),
    totalBytes: num(p.totalBytes),
    queues: (Array.isArray(p.queues) ? p.queues : []).map((q) => {
      const d = obj(q) ?? {};
      return { path: str(d.path) ?? "?", bytes: num(d.bytes) };
    }),
    missingDirectories: Array.isArray(p.missingDirectories)
      ? p.missingDirectories.filter((d): d is string => typeof d === "string")
      : [],
    serviceActive: typeof p.serviceActive === "boolean" ? p.serviceActive : null,
  };
}

/** Snapshot ids from a state document or a Fail Cause: `snapshots.taken`, and CreateQueueSnapshots' raw result. */
function snapshotIdsOf(doc: Record<string, unknown> | null): string[] {
  if (!doc) return [];
  const taken = obj(doc.snapshots)?.taken;
  const created = obj(doc.createdSnapshots)?.snapshots;
  const ids = [
    ...(Array.isArray(taken) ? taken : []),
    ...(Array.isArray(created) ? created.map((s) => obj(s)?.SnapshotId) : []),
  ];
  return ids.filter((id): id is string => typeof id === "string" && id !== "");
}

function errorOf(doc: Record<string, unknown> | null): { error: string; cause: string } | null {
  const e = obj(doc?.error);
  const error = str(e?.Error);
  if (!error || error === "none") return null;
  return { error, cause: str(e?.Cause) ?? "" };
}

/** The drain's state document (every state after PrepareDrain passes it on): it has `instanceId` and `reading`. */
const isStateDocument = (v: Record<string, unknown> | null): v is Record<string, unknown> =>
  v !== null && typeof v.instanceId === "string" && "reading" in v;

/**
 * Reads the execution back and says what happened. Never throws: a failed call is recorded in `problems` and the
 * report keeps what the event and the other calls gave.
 */
export async function reportExecution(change: StatusChange, sfn: SfnReadPort): Promise<DrainReport> {
  const problems: string[] = [];
  const report: DrainReport = {
    executionArn: change.executionArn,
    executionName: change.executionName,
    status: change.status,
    outcome: UNKNOWN_OUTCOME,
    instanceId: null,
    startDate: change.startDate,
    stopDate: change.stopDate,
    lifecycleActionStartedAt: null,
    deadline: null,
    lastReading: null,
    carriedLastBytes: null,
    snapshots: [],
    error: null,
    problems,
  };
  let input = change.input;
  let error = change.error;
  let cause = change.cause;

  if (!change.executionArn) {
    problems.push("the event names no execution (detail.executionArn is missing)");
  } else {
    try {
      const d = await sfn.describeExecution({ executionArn: change.executionArn });
      report.executionName ??= str(d.name);
      if (d.status) report.status = d.status;
      report.startDate ??= date(d.startDate);
      report.stopDate ??= date(d.stopDate);
      input = str(d.input) ?? input;
      error = str(d.error) ?? error;
      cause = str(d.cause) ?? cause;
    } catch (e) {
      problems.push(`DescribeExecution failed (${errorText(e)})`);
    }
  }

  const given = obj(parseJson(input));
  if (given) {
    report.instanceId = str(given.instanceId);
    report.lifecycleActionStartedAt = str(given.lifecycleActionStartedAt);
    report.deadline = str(given.deadline);
    const carried = num(obj(given.progress)?.lastBytes);
    report.carriedLastBytes = carried !== null && carried >= 0 ? carried : null;
  }
  report.instanceId ??= INSTANCE_OF_NAME.exec(report.executionName ?? "")?.[1] ?? null;

  // A Fail state's Cause is the report the definition writes: {outcome, instanceId, lastReading, snapshots, error}.
  const failure = obj(parseJson(cause));
  if (report.status === "FAILED") {
    report.outcome = error ?? UNKNOWN_OUTCOME;
    if (failure) {
      report.instanceId ??= str(failure.instanceId);
      report.deadline ??= str(failure.deadline);
      report.lastReading = readingOf(failure.lastReading);
      report.snapshots = snapshotIdsOf(failure);
      report.error = errorOf(failure);
    } else if (error) {
      report.error = { error, cause: cause ?? "" };
    }
    // Refused before PrepareDrain: its Cause is the input, and no reading was ever taken.
    if (report.outcome === "FailedInvalidInput") report.lastReading ??= NO_READING;
  } else if (report.status === "TIMED_OUT") report.outcome = "TimedOut";
  else if (report.status === "ABORTED") report.outcome = "Aborted";
  else if (report.status === "RUNNING") report.outcome = "Started";

  // The history, from the end, for what the event and Cause do not carry: the Succeed state's name, and the last
  // state document (reading, snapshots) of an execution that timed out or was aborted mid-way.
  const needOutcome = report.status === "SUCCEEDED";
  const needDocument = report.status !== "RUNNING" && (report.lastReading === null || !failure);
  if (change.executionArn && (needOutcome || needDocument)) {
    await readHistory(change.executionArn, sfn, report, { needOutcome, needDocument });
  }
  if (report.status === "SUCCEEDED" && report.outcome === UNKNOWN_OUTCOME) {
    problems.push("the history did not show which Succeed state ended the execution");
  }
  if (report.outcome !== "Started" && report.outcome !== UNKNOWN_OUTCOME && !isDrainOutcome(report.outcome)) {
    problems.push(`"${report.outcome}" is not an outcome of the drain definition`);
  }
  return report;
}

async function readHistory(
  executionArn: string,
  sfn: SfnReadPort,
  report: DrainReport,
  need: { needOutcome: boolean; needDocument: boolean },
): Promise<void> {
  let { needOutcome, needDocument } = need;
  let nextToken: string | undefined;
  try {
    for (let page = 0; page < MAX_HISTORY_PAGES && (needOutcome || needDocument); page++) {
      const h = await sfn.getExecutionHistory({
        executionArn,
        reverseOrder: true,
        maxResults: HISTORY_PAGE_SIZE,
        includeExecutionData: true,
        ...(nextToken ? { nextToken } : {}),
      });
      for (const event of h.events ?? []) {
        if (needOutcome && event.type === "SucceedStateEntered" && event.stateEnteredEventDetails?.name) {
          report.outcome = event.stateEnteredEventDetails.name;
          needOutcome = false;
        }
        if (needDocument) {
          const doc = obj(parseJson(event.stateExitedEventDetails?.output ?? event.stateEnteredEventDetails?.input));
          if (isStateDocument(doc)) {
            report.lastReading ??= readingOf(doc.reading);
            if (report.snapshots.length === 0) report.snapshots = snapshotIdsOf(doc);
            report.error ??= errorOf(doc);
            report.deadline ??= str(doc.deadline);
            needDocument = false;
          }
        }
        if (!needOutcome && !needDocument) break;
      }
      nextToken = h.nextToken;
      if (!nextToken) break;
    }
    if (needDocument) {
      report.problems.push(
        `no state document in the last ${MAX_HISTORY_PAGES * HISTORY_PAGE_SIZE} history events: last reading and snapshots unknown`,
      );
    }
  } catch (e) {
    report.problems.push(`GetExecutionHistory failed (${errorText(e)}): last reading and snapshots unknown`);
  }
}

/** What kind of message an execution's end is: an alert (always sent), or start/end news (sent when configured). */
export function messageKind(report: DrainReport): "alert" | "news" {
  if (report.outcome === "Started") return "news";
  if (report.status === "SUCCEEDED" && isDrainOutcome(report.outcome) && DRAIN_OUTCOMES[report.outcome].fine) {
    return "news";
  }
  return "alert";
}

const MIB = 1024 * 1024;
/** `48.0 MiB (50331648 bytes)`; bytes under 1 KiB as they are. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const text = bytes >= MIB ? `${(bytes / MIB).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
  return `${text} (${bytes} bytes)`;
}

/** One line for the last reading: bytes and per directory, or why it is unknown. */
export function describeReading(report: DrainReport): string {
  const r = report.lastReading;
  const carried =
    report.carriedLastBytes !== null ? `; an earlier execution measured ${formatBytes(report.carriedLastBytes)}` : "";
  if (!r) return `unknown (the reading could not be read back)${carried}`;
  if (r.result === "none") return `none taken in this execution${carried}`;
  const service = r.serviceActive === null ? "" : r.serviceActive ? ", Cribl active" : ", Cribl stopped";
  if (r.result === "ok" && r.totalBytes !== null) {
    const dirs = r.queues.map((q) => `${q.path} ${q.bytes === null ? "unknown" : formatBytes(q.bytes)}`).join(", ");
    return `${formatBytes(r.totalBytes)}${dirs ? ` [${dirs}]` : ""}${service}`;
  }
  const why = [
    r.reason,
    r.missingDirectories.length ? `missing ${r.missingDirectories.join(", ")}` : null,
    r.result !== "ok" ? `result ${r.result}` : null,
  ].filter((x): x is string => x !== null);
  return `unknown (${why.join("; ") || "not measured"})${service}${carried}`;
}

export interface Notification {
  /** SNS subjects: ASCII, no line breaks, at most 100 characters. */
  subject: string;
  message: string;
}

const iso = (d: Date | null) => (d ? d.toISOString().replace(/\.\d{3}Z$/, "Z") : "unknown");
const regionOfArn = (arn: string | null) => arn?.split(":")[3] ?? null;

function durationText(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.round(seconds % 60);
  return h > 0 ? `${h}h${String(m).padStart(2, "0")}m` : m > 0 ? `${m}m${String(s).padStart(2, "0")}s` : `${s}s`;
}

/** Seconds the drain has held the instance: from Terminating:Wait (or this execution's start) to the stop. */
export function drainSeconds(report: DrainReport): number | null {
  const from = date(report.lifecycleActionStartedAt) ?? report.startDate;
  if (!from || !report.stopDate) return null;
  return Math.max(0, Math.round((report.stopDate.getTime() - from.getTime()) / 1000));
}

/** The subject and text of the message for `report`; the link points to the outcome's runbook section. */
export function buildNotification(report: DrainReport, runbookUrl: string): Notification {
  const instance = report.instanceId ?? "unknown instance";
  const info: DrainOutcomeInfo | undefined = isDrainOutcome(report.outcome)
    ? DRAIN_OUTCOMES[report.outcome]
    : undefined;
  const anchor = report.outcome === "Started" ? RUNBOOK_ALARM_SECTIONS.drainStarted : runbookAnchor(report.outcome);
  const link = runbookLink(runbookUrl, anchor);
  const execution = report.executionArn ?? report.executionName ?? "unknown execution";

  const headline =
    report.outcome === "Started"
      ? `Drain started: ${instance}`
      : `${info?.fine ? "Drain ended" : "Drain needs attention"}: ${instance} ${report.outcome}`;
  const subject = headline
    .replace(/[^\x20-\x7e]/g, "?")
    .slice(0, 100)
    .trim();

  const lines: string[] = [];
  const add = (label: string, value: string) => lines.push(`${`${label}:`.padEnd(14)}${value}`);
  lines.push(`${headline} (execution status ${report.status})`, "");
  if (report.outcome === "Started") {
    lines.push("A drain started holding this instance in Terminating:Wait until its queues are proven empty.");
  } else if (info) {
    lines.push(info.meaning, `What was lost: ${info.lost}`);
  } else {
    lines.push(
      "The outcome could not be determined from the execution: treat the queued data as at risk until you have read the execution.",
    );
  }
  lines.push("");
  add("Instance", instance);
  add("Outcome", report.outcome);
  if (report.outcome !== "Started") add("Last reading", describeReading(report));
  if (report.outcome !== "Started") {
    add("Snapshots", report.snapshots.length ? report.snapshots.join(", ") : "none taken");
  }
  if (report.error) add("Error", `${report.error.error}: ${report.error.cause}`.slice(0, 1000));
  add("Deadline", report.deadline ?? "unknown");
  add("Started", iso(report.startDate));
  if (report.outcome !== "Started") {
    const seconds = drainSeconds(report);
    add("Stopped", iso(report.stopDate));
    if (seconds !== null) add("Held for", `${durationText(seconds)} since Terminating:Wait`);
  }
  add("Execution", execution);
  add("Runbook", link);
  lines.push("", "What to do:");
  const name = report.executionName ?? report.instanceId;
  if (name) lines.push(`  npm run drains -- follow ${report.executionArn ?? name}`);
  const region = regionOfArn(report.executionArn);
  if (region && report.executionArn) {
    lines.push(
      `  https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${report.executionArn}`,
    );
  }
  lines.push(`  then the runbook section: ${link}`);
  if (report.problems.length) {
    lines.push("", "Not everything could be read back:");
    for (const p of report.problems) lines.push(`  - ${p}`);
  }
  return { subject, message: lines.join("\n") };
}

export interface NotifyDeps {
  sfn: SfnReadPort;
  publish(notification: Notification): Promise<void>;
  runbookUrl: string;
  notifyStartAndEnd: boolean;
}

export interface NotifyResult {
  report: DrainReport;
  published: boolean;
}

/**
 * Reads the execution, then publishes an alert for every ending that is not fine, and start/end news only when
 * configured. Only a failed publish throws (Lambda retries the event, then sends it to the dead-letter queue).
 */
export async function notifyDrain(event: unknown, deps: NotifyDeps): Promise<NotifyResult> {
  const report = await reportExecution(parseStatusChange(event), deps.sfn);
  const send = messageKind(report) === "alert" || deps.notifyStartAndEnd;
  if (send) await deps.publish(buildNotification(report, deps.runbookUrl));
  return { report, published: send };
}
