// Parsing of the drain handlers' environment: DRAIN_SETTINGS (JSON of DrainSettings) with errors that name the field.
import type { DrainSettings } from "./drain-contract";

function fail(field: string, why: string): never {
  throw new Error(`DRAIN_SETTINGS.${field}: ${why}`);
}

function int(o: Record<string, unknown>, field: keyof DrainSettings, min: number): number {
  const v = o[field];
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) fail(field, `must be an integer >= ${min}`);
  return v;
}

function bool(o: Record<string, unknown>, field: keyof DrainSettings): boolean {
  const v = o[field];
  if (typeof v !== "boolean") fail(field, "must be a boolean");
  return v;
}

function str(o: Record<string, unknown>, field: keyof DrainSettings): string {
  const v = o[field];
  if (typeof v !== "string" || v.length === 0) fail(field, "must be a non-empty string");
  return v;
}

/** Parses and validates DrainSettings from JSON text. */
export function parseDrainSettings(json: string | undefined): DrainSettings {
  if (json === undefined || json === "") throw new Error("DRAIN_SETTINGS is not set");
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error("DRAIN_SETTINGS is not valid JSON");
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new Error("DRAIN_SETTINGS must be an object");
  const o = raw as Record<string, unknown>;
  const settings: DrainSettings = {
    queueDirectories: str(o, "queueDirectories"),
    maxBytes: int(o, "maxBytes", 0),
    requiredConsecutiveChecks: int(o, "requiredConsecutiveChecks", 1),
    minWaitSeconds: int(o, "minWaitSeconds", 1),
    maxWaitSeconds: int(o, "maxWaitSeconds", 1),
    drainDeadlineSeconds: int(o, "drainDeadlineSeconds", 60),
    heartbeatTimeoutSeconds: int(o, "heartbeatTimeoutSeconds", 30),
    gracefulStop: bool(o, "gracefulStop"),
    serviceName: str(o, "serviceName"),
    snapshotOnGiveUp: bool(o, "snapshotOnGiveUp"),
    snapshotExcludeBootVolume: bool(o, "snapshotExcludeBootVolume"),
  };
  if (settings.maxWaitSeconds < settings.minWaitSeconds) fail("maxWaitSeconds", "must be >= minWaitSeconds");
  return settings;
}

/** Reads a required environment variable, naming it when absent. */
/** Error names (SDK `name`) that mean "slow down and try again". */
export const RETRYABLE_AWS_ERRORS = new Set([
  "ThrottlingException",
  "Throttling",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "ResourceContention",
  "ResourceContentionFault",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "InternalServerError",
  "InternalFailure",
]);

export function errorName(e: unknown): string {
  return typeof e === "object" && e !== null && "name" in e ? String((e as { name: unknown }).name) : "Error";
}

/**
 * Parses configuration once, at module load, but reports a failure on the first invocation instead of crashing the
 * init phase: the error then reaches the caller (and the logs) with its message naming the variable, and the module
 * still loads for cold-start measurement.
 */
export function parsedAtLoad<T>(parse: () => T): () => T {
  try {
    const value = parse();
    return () => value;
  } catch (e) {
    return () => {
      throw e;
    };
  }
}
