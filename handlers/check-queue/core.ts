// check-queue: runs the queue-probe SSM document on one instance and reports facts (never a drained decision).
import type {
  GetCommandInvocationCommandInput,
  GetCommandInvocationCommandOutput,
  SendCommandCommandInput,
  SendCommandCommandOutput,
} from "@aws-sdk/client-ssm";
import type { CheckQueueEvent, CheckQueueOutcome, CheckQueueResult } from "../../contracts/drain";
import {
  QUEUE_DIRECTORIES_MAX_LENGTH,
  QUEUE_DIRECTORIES_PATTERN,
  type QueueProbeResult,
  SERVICE_NAME_PATTERN,
} from "../../contracts/queue-probe";
import { RETRYABLE_AWS_ERRORS } from "../shared/aws/errors";
import { errorName } from "../shared/errors";

/** Thrown for throttling-like SSM errors: the state machine retries the check with backoff. */
export class CheckQueueRetryableError extends Error {
  override name = "CheckQueueRetryableError";
}

/** Thrown for a malformed event (names the field). */
export class CheckQueueInputError extends Error {
  override name = "CheckQueueInputError";
}

export interface SsmPort {
  sendCommand(input: SendCommandCommandInput): Promise<SendCommandCommandOutput>;
  getCommandInvocation(input: GetCommandInvocationCommandInput): Promise<GetCommandInvocationCommandOutput>;
}

export interface CheckQueueDeps {
  ssm: SsmPort;
  documentName: string;
  budgetSeconds: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

const INSTANCE_ID = /^(i|mi)-[0-9a-f]{8,17}$/;
const STILL_RUNNING = new Set(["Pending", "InProgress", "Delayed"]);
/** SSM's minimum delivery timeout; the probe itself is bounded by the document's step timeout. */
export const SEND_COMMAND_TIMEOUT_SECONDS = 30;

export function parseCheckQueueEvent(event: unknown): CheckQueueEvent {
  if (typeof event !== "object" || event === null) throw new CheckQueueInputError("event must be an object");
  const e = event as Record<string, unknown>;
  if (typeof e.instanceId !== "string" || !INSTANCE_ID.test(e.instanceId)) {
    throw new CheckQueueInputError("instanceId must be an EC2 instance id (i-...)");
  }
  if (typeof e.queueDirectories !== "string" || !new RegExp(QUEUE_DIRECTORIES_PATTERN).test(e.queueDirectories)) {
    throw new CheckQueueInputError("queueDirectories must be comma-separated absolute paths");
  }
  // The probe document also allows only directories under the fleet's queue root; SSM refuses others at SendCommand.
  if (e.queueDirectories.length > QUEUE_DIRECTORIES_MAX_LENGTH) {
    throw new CheckQueueInputError(`queueDirectories must be at most ${QUEUE_DIRECTORIES_MAX_LENGTH} characters`);
  }
  if (typeof e.serviceName !== "string" || !new RegExp(SERVICE_NAME_PATTERN).test(e.serviceName)) {
    throw new CheckQueueInputError("serviceName must be a systemd unit name");
  }
  return { instanceId: e.instanceId, queueDirectories: e.queueDirectories, serviceName: e.serviceName };
}

function notOk(
  result: CheckQueueOutcome,
  reason: string,
  ssmStatus: string | null = null,
  commandId: string | null = null,
): CheckQueueResult {
  return {
    result,
    reason,
    ssmStatus,
    commandId,
    queues: [],
    totalBytes: null,
    allDirectoriesExist: false,
    missingDirectories: [],
    serviceActive: null,
  };
}

/** Facts from the probe's stdout; null when it is not exactly the documented line for the configured directories. */
export function parseProbeOutput(stdout: string | undefined, directories: string[]): QueueProbeResult | null {
  const lines = (stdout ?? "").split("\n").filter((l) => l.trim() !== "");
  if (lines.length !== 1) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(lines[0]!);
  } catch {
    return null;
  }
  const p = parsed as Partial<QueueProbeResult>;
  if (p?.v !== 1 || !Array.isArray(p.queues) || p.queues.length !== directories.length) return null;
  for (const [i, q] of p.queues.entries()) {
    if (typeof q !== "object" || q === null || q.path !== directories[i] || typeof q.exists !== "boolean") return null;
    if (q.bytes !== null && (typeof q.bytes !== "number" || !Number.isFinite(q.bytes) || q.bytes < 0)) return null;
  }
  if (p.serviceActive !== null && typeof p.serviceActive !== "boolean") return null;
  return p as QueueProbeResult;
}

export function factsFromProbe(probe: QueueProbeResult, commandId: string): CheckQueueResult {
  const missingDirectories = probe.queues.filter((q) => !q.exists).map((q) => q.path);
  const allDirectoriesExist = missingDirectories.length === 0;
  const measured = allDirectoriesExist && probe.queues.every((q) => typeof q.bytes === "number");
  return {
    result: "ok",
    reason: allDirectoriesExist ? (measured ? null : "directory_unreadable") : "directory_missing",
    ssmStatus: "Success",
    commandId,
    queues: probe.queues,
    totalBytes: measured ? probe.queues.reduce((sum, q) => sum + (q.bytes ?? 0), 0) : null,
    allDirectoriesExist,
    missingDirectories,
    serviceActive: probe.serviceActive,
  };
}

export async function checkQueue(event: CheckQueueEvent, deps: CheckQueueDeps): Promise<CheckQueueResult> {
  const started = deps.now();
  const budgetEnd = started + deps.budgetSeconds * 1000;
  let commandId: string;
  try {
    const sent = await deps.ssm.sendCommand({
      DocumentName: deps.documentName,
      InstanceIds: [event.instanceId],
      // Values travel only as document parameters (ENV_VAR interpolation + allowedPattern), never as script text.
      Parameters: { queueDirectories: [event.queueDirectories], serviceName: [event.serviceName] },
      TimeoutSeconds: SEND_COMMAND_TIMEOUT_SECONDS,
      CloudWatchOutputConfig: { CloudWatchOutputEnabled: false },
      Comment: "cribl drain: check queues",
    });
    const id = sent.Command?.CommandId;
    if (!id) throw new Error("SendCommand returned no CommandId");
    commandId = id;
  } catch (e) {
    const name = errorName(e);
    if (name === "InvalidInstanceId") return notOk("invalid_instance_id", "invalid_instance_id");
    if (RETRYABLE_AWS_ERRORS.has(name)) throw new CheckQueueRetryableError(`SendCommand: ${name}`);
    throw e;
  }

  const directories = event.queueDirectories.split(",");
  let delayMs = 500;
  let lastStatus: string | null = null;
  for (;;) {
    if (deps.now() + delayMs > budgetEnd) return notOk("unknown", "budget_exhausted", lastStatus, commandId);
    await deps.sleep(delayMs);
    delayMs = Math.min(delayMs * 2, 3000);
    let inv: GetCommandInvocationCommandOutput;
    try {
      inv = await deps.ssm.getCommandInvocation({ CommandId: commandId, InstanceId: event.instanceId });
    } catch (e) {
      const name = errorName(e);
      // Right after SendCommand the invocation may not exist yet; throttling mid-poll is absorbed by the budget.
      if (name === "InvocationDoesNotExist" || RETRYABLE_AWS_ERRORS.has(name)) continue;
      if (name === "InvalidInstanceId")
        return notOk("invalid_instance_id", "invalid_instance_id", lastStatus, commandId);
      throw e;
    }
    const status = inv.Status ?? "Unknown";
    const details = inv.StatusDetails && inv.StatusDetails !== status ? `${status}/${inv.StatusDetails}` : status;
    lastStatus = details;
    if (STILL_RUNNING.has(status)) continue;
    if (status !== "Success") return notOk("unknown", "ssm_status", details, commandId);
    const probe = parseProbeOutput(inv.StandardOutputContent, directories);
    if (probe === null) return notOk("unknown", "unparseable_output", details, commandId);
    return factsFromProbe(probe, commandId);
  }
}
