// The drains CLI's logic over an injected Step Functions client: list running and recent drains, and follow one.
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

/** The Step Functions calls the CLI makes (an SFNClient adapter in production, a fake in tests). */
export interface SfnPort {
  listExecutions(input: ListExecutionsCommandInput): Promise<ListExecutionsCommandOutput>;
  getExecutionHistory(input: GetExecutionHistoryCommandInput): Promise<GetExecutionHistoryCommandOutput>;
  describeExecution(input: DescribeExecutionCommandInput): Promise<DescribeExecutionCommandOutput>;
}

export interface DrainSummary {
  name: string;
  executionArn: string;
  /** From the execution name `<instanceId>-<token prefix>`; null for a name of another shape. */
  instanceId: string | null;
  status: string;
  startDate: Date | null;
  stopDate: Date | null;
  /** totalBytes of the most recent queue check, null when none succeeded yet (or the bytes were unknown). */
  lastCheckBytes: number | null;
}

const INSTANCE_IN_NAME = /^(i-[0-9a-f]{8,17})-/;
const TERMINAL = new Set(["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"]);

export function instanceIdOf(executionName: string): string | null {
  return INSTANCE_IN_NAME.exec(executionName)?.[1] ?? null;
}

/** totalBytes from a check-queue result, whether the event output is the Lambda invoke envelope or the payload. */
export function checkBytesOf(output: string | undefined): number | null | undefined {
  if (!output) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(output);
  } catch {
    return undefined;
  }
  const payload = (parsed as { Payload?: unknown }).Payload ?? parsed;
  if (typeof payload !== "object" || payload === null || !("totalBytes" in payload)) return undefined;
  const bytes = (payload as { totalBytes: unknown }).totalBytes;
  return typeof bytes === "number" ? bytes : null;
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

/** The last check's bytes, read from the newest end of the history. */
export async function lastCheckBytes(sfn: SfnPort, executionArn: string): Promise<number | null> {
  let nextToken: string | undefined;
  for (let pages = 0; pages < 5; pages++) {
    const page = await sfn.getExecutionHistory({
      executionArn,
      reverseOrder: true,
      includeExecutionData: true,
      maxResults: 200,
      nextToken,
    });
    for (const event of page.events ?? []) {
      const bytes = checkBytesOf(
        event.taskSucceededEventDetails?.output ?? event.lambdaFunctionSucceededEventDetails?.output,
      );
      if (bytes !== undefined) return bytes;
    }
    nextToken = page.nextToken;
    if (!nextToken) break;
  }
  return null;
}

/** Every RUNNING drain plus the most recent ones, running first, then newest first. */
export async function listDrains(
  sfn: SfnPort,
  stateMachineArn: string,
  opts: { recent?: number } = {},
): Promise<DrainSummary[]> {
  const running = await allExecutions(sfn, { stateMachineArn, statusFilter: "RUNNING" }, 1000);
  const recent = await allExecutions(sfn, { stateMachineArn }, opts.recent ?? 20);
  const byArn = new Map<string, ExecutionListItem>();
  for (const e of [...running, ...recent]) if (e.executionArn) byArn.set(e.executionArn, e);
  const rows = await Promise.all(
    [...byArn.values()].map(
      async (e): Promise<DrainSummary> => ({
        name: e.name ?? "",
        executionArn: e.executionArn!,
        instanceId: instanceIdOf(e.name ?? ""),
        status: e.status ?? "UNKNOWN",
        startDate: e.startDate ?? null,
        stopDate: e.stopDate ?? null,
        lastCheckBytes: await lastCheckBytes(sfn, e.executionArn!),
      }),
    ),
  );
  const rank = (s: DrainSummary) => (s.status === "RUNNING" ? 0 : 1);
  return rows.sort((a, b) => rank(a) - rank(b) || (b.startDate?.getTime() ?? 0) - (a.startDate?.getTime() ?? 0));
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString().replace(/\.\d{3}Z$/, "Z") : "-");

export function formatDrainTable(rows: DrainSummary[]): string {
  if (rows.length === 0) return "No drains.";
  const header = ["NAME", "INSTANCE", "STATUS", "STARTED", "LAST CHECK BYTES"];
  const body = rows.map((r) => [
    r.name,
    r.instanceId ?? "-",
    r.status,
    iso(r.startDate),
    r.lastCheckBytes === null ? "-" : String(r.lastCheckBytes),
  ]);
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

/** Finds a drain by execution name, or the newest drain of an instance id. */
export async function resolveDrain(sfn: SfnPort, stateMachineArn: string, nameOrInstanceId: string) {
  const all = await allExecutions(sfn, { stateMachineArn }, 1000);
  const exact = all.find((e) => e.name === nameOrInstanceId);
  if (exact) return exact;
  const ofInstance = all
    .filter((e) => instanceIdOf(e.name ?? "") === nameOrInstanceId)
    .sort((a, b) => (b.startDate?.getTime() ?? 0) - (a.startDate?.getTime() ?? 0));
  if (ofInstance[0]) return ofInstance[0];
  throw new Error(`no drain named ${nameOrInstanceId} and none of an instance with that id`);
}

function short(text: string | undefined, max = 160): string {
  if (!text) return "";
  const flat = text.replace(/\s+/g, " ");
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** One readable line per history event an operator cares about; undefined for the noise. */
export function describeEvent(event: HistoryEvent): string | undefined {
  const at = iso(event.timestamp);
  const line = (what: string) => `${at}  ${what}`;
  switch (event.type) {
    case "ExecutionStarted":
      return line("drain started");
    case "ExecutionSucceeded":
      return line(`drain SUCCEEDED ${short(event.executionSucceededEventDetails?.output)}`.trimEnd());
    case "ExecutionFailed":
      return line(
        `drain FAILED: ${event.executionFailedEventDetails?.error ?? "?"} ${short(event.executionFailedEventDetails?.cause)}`.trimEnd(),
      );
    case "ExecutionTimedOut":
      return line("drain TIMED OUT");
    case "ExecutionAborted":
      return line("drain ABORTED");
    case "TaskStateEntered":
    case "ChoiceStateEntered":
    case "PassStateEntered":
    case "SucceedStateEntered":
    case "FailStateEntered":
      return line(`> ${event.stateEnteredEventDetails?.name ?? "?"}`);
    case "WaitStateEntered":
      return line(`> ${event.stateEnteredEventDetails?.name ?? "?"} (waiting)`);
    case "TaskSucceeded": {
      const bytes = checkBytesOf(event.taskSucceededEventDetails?.output);
      if (bytes !== undefined) return line(`  queue check: ${bytes === null ? "unknown" : `${bytes} bytes`}`);
      return line(`  ${event.taskSucceededEventDetails?.resource ?? "task"} ok`);
    }
    case "TaskFailed":
      return line(
        `  ${event.taskFailedEventDetails?.resource ?? "task"} failed: ${event.taskFailedEventDetails?.error ?? "?"} ${short(event.taskFailedEventDetails?.cause)}`.trimEnd(),
      );
    case "TaskTimedOut":
      return line(`  ${event.taskTimedOutEventDetails?.resource ?? "task"} timed out`);
    default:
      return undefined;
  }
}

/**
 * Prints new history events of one drain until it ends: each poll reads the history from the start (oldest first)
 * and prints the events after the last id seen. Returns the final status ("RUNNING" when maxPolls ran out).
 */
export async function followDrain(
  sfn: SfnPort,
  executionArn: string,
  print: (line: string) => void,
  opts: { pollMs?: number; sleep?: (ms: number) => Promise<void>; maxPolls?: number } = {},
): Promise<string> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let lastId = 0;
  for (let poll = 0; opts.maxPolls === undefined || poll < opts.maxPolls; poll++) {
    // Status first, history second: once the status is terminal, this read holds every event up to the end.
    const { status } = await sfn.describeExecution({ executionArn });
    let nextToken: string | undefined;
    do {
      const page = await sfn.getExecutionHistory({
        executionArn,
        includeExecutionData: true,
        maxResults: 1000,
        nextToken,
      });
      for (const event of page.events ?? []) {
        if ((event.id ?? 0) <= lastId) continue;
        lastId = event.id ?? lastId;
        const text = describeEvent(event);
        if (text) print(text);
      }
      nextToken = page.nextToken;
    } while (nextToken);
    if (status && TERMINAL.has(status)) return status;
    await sleep(opts.pollMs ?? 5000);
  }
  return "RUNNING";
}
