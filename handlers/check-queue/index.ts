// Lambda entry of check-queue: environment and SSM client built once, per-call work in core.ts.
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { GetCommandInvocationCommand, SendCommandCommand, SSMClient } from "@aws-sdk/client-ssm";
import { type CheckQueueResult, checkQueueEnv } from "../../contracts/drain";
import { loadEnv } from "../../contracts/env";
import { logger, metrics, withObservability } from "../shared/observability";
import { checkQueue, parseCheckQueueEvent } from "./core";

const environment = loadEnv(() => checkQueueEnv.read(process.env));

const ssm = new SSMClient({});
const ssmPort = {
  sendCommand: (input: ConstructorParameters<typeof SendCommandCommand>[0]) => ssm.send(new SendCommandCommand(input)),
  getCommandInvocation: (input: ConstructorParameters<typeof GetCommandInvocationCommand>[0]) =>
    ssm.send(new GetCommandInvocationCommand(input)),
};

export const handler = withObservability(async (event: unknown): Promise<CheckQueueResult> => {
  const env = environment();
  const input = parseCheckQueueEvent(event);
  const result = await checkQueue(input, {
    ssm: ssmPort,
    documentName: env.queueProbeDocumentName,
    budgetSeconds: env.checkBudgetSeconds,
    now: Date.now,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  });
  metrics.addMetadata("instanceId", input.instanceId);
  if (result.totalBytes !== null) {
    // Twice: by service (one series the dashboard and any alarm read, whatever instances come and go), and per
    // instance (a separate EMF document with an instanceId dimension, so the aggregate series keeps its dimensions):
    // an operator graphs one draining worker's queue. A drain lasts hours, so the per-instance series stay few.
    metrics.addMetric("QueueBytesRemaining", MetricUnit.Bytes, result.totalBytes);
    const perInstance = metrics.singleMetric();
    perInstance.addDimension("instanceId", input.instanceId);
    perInstance.addMetric("QueueBytesRemaining", MetricUnit.Bytes, result.totalBytes);
  }
  logger.info("queue check", { instanceId: input.instanceId, ...result, queues: undefined });
  return result;
});
