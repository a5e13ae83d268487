// Configuration of the worker-fleet stack: the Cribl worker group and its drain workflow.
import { LOG_RETENTION_DAYS } from "../modules/common/node-function";
import { ConfigError, oneOf } from "../modules/common/validate";

export interface WorkerFleetConfig {
  /** Retention of the drain workflow's logs, days. @default 30 */
  logRetentionDays?: number;
}

export interface ResolvedWorkerFleetConfig {
  logRetentionDays: number;
}

export function validateWorkerFleetConfig(
  field: string,
  raw: WorkerFleetConfig | undefined,
): ResolvedWorkerFleetConfig {
  if (raw === undefined || typeof raw !== "object" || raw === null) throw new ConfigError(field, "must be an object");
  const retention = raw.logRetentionDays ?? 30;
  oneOf(`${field}.logRetentionDays`, String(retention), LOG_RETENTION_DAYS.map(String));
  return { logRetentionDays: retention };
}
