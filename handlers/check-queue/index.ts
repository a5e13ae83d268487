// Lambda entry of check-queue: environment and SSM client built once, per-call work in core.ts.
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { GetCommandInvocationCommand, SendCommandCommand, SSMClient } from "@aws-sdk/client-ssm";
import { DRAIN_ENV } from "../shared/drain-contract";
import { parsedAtLoad } from "../shared/drain-settings";
import { requireEnv } from "../shared/env";
import { logger, metrics, withObservability } from "../shared/observability";
import { type CheckQueueResult, checkQueue, parseCheckQueueEvent } from "./core";

const loadEnv = parsedAtLoad(() => {
  const env = {
    documentName: requireEnv(process.env, DRAIN_ENV.queueProbeDocumentName),
    budgetSeconds: Number(process.env[DRAIN_ENV.checkBudgetSeconds] ?? "50"),
  };
  if (!Number.isFinite(env.budgetSeconds) || env.budgetSeconds <= 0 || env.budgetSeconds > 55) {
    throw new Error(`${DRAIN_ENV.checkBudgetSeconds} must be a number of seconds in (0, 55]`);
  }
  return env;
});

const ssm = new SSMClient({});
const ssmPort = {
  sendCommand: (input: ConstructorParameters<typeof SendCommandCommand>[0]) => ssm.send(new SendCommandCommand(input)),
  getCommandInvocation: (input: ConstructorParameters<typeof GetCommandInvocationCommand>[0]) =>
    ssm.send(new GetCommandInvocationCommand(input)),
};

export const handler = withObservability(async (event: unknown): Promise<CheckQueueResult> => {
  const env = loadEnv();
  const input = parseCheckQueueEvent(event);
  const result = await checkQueue(input, {
    ssm: ssmPort,
    documentName: env.documentName,
    budgetSeconds: env.budgetSeconds,
    now: Date.now,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  });
  // Instance id as metadata, not a dimension: dimensions stay low-cardinality.
  metrics.addMetadata("instanceId", input.instanceId);
  if (result.totalBytes !== null) metrics.addMetric("QueueBytesRemaining", MetricUnit.Bytes, result.totalBytes);
  logger.info("queue check", { instanceId: input.instanceId, ...result, queues: undefined });
  return result;
});
