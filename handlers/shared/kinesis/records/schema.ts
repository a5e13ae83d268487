/** Common Schema checks: root object, type, whitelist, id and time. */
import { DEFAULT_MEMORY_MB } from "../../../../contracts/lambda";
import { parseTimeValue, resolveTimeZone, type Zone } from "./time";
import type { FailureReason, JsonObject, PipelineOptions, ResolvedPipelineOptions } from "./types";

export const DEFAULT_OPTIONS: ResolvedPipelineOptions = {
  typeKey: "log_type",
  idKey: "log_id",
  timeKey: "time",
  timeZone: "UTC",
  whitelist: [],
  requireType: true,
  requireTime: false,
  invalidTime: "deliver",
  maxDecompressedBytes: 64 * 1024 * 1024,
  batchBudgetBytes: 64 * 1024 * 1024,
  batchMaxEvents: 65_536,
  keepRecord: true,
  keepRawBytes: true,
  sliceEvents: Number.POSITIVE_INFINITY,
};

/**
 * The batch budgets for a function of `memoryMb` MB: a quarter of it in estimated decoded bytes (the rest is the
 * runtime, the event itself, the destination's request bodies and garbage not yet collected) and 256 events per MB.
 */
export function budgetForMemory(memoryMb: number): { batchBudgetBytes: number; batchMaxEvents: number } {
  const mb = Number.isFinite(memoryMb) && memoryMb >= 128 ? Math.floor(memoryMb) : DEFAULT_MEMORY_MB;
  return { batchBudgetBytes: mb * 256 * 1024, batchMaxEvents: mb * 256 };
}

/** Options with defaults applied and validated; throws naming the option when one is unusable. */
export function resolveOptions(options: PipelineOptions = {}): ResolvedPipelineOptions {
  const resolved: ResolvedPipelineOptions = {
    typeKey: options.typeKey ?? DEFAULT_OPTIONS.typeKey,
    idKey: options.idKey ?? DEFAULT_OPTIONS.idKey,
    timeKey: options.timeKey ?? DEFAULT_OPTIONS.timeKey,
    timeZone: options.timeZone ?? DEFAULT_OPTIONS.timeZone,
    whitelist: [...(options.whitelist ?? DEFAULT_OPTIONS.whitelist)],
    requireType: options.requireType ?? DEFAULT_OPTIONS.requireType,
    requireTime: options.requireTime ?? DEFAULT_OPTIONS.requireTime,
    invalidTime: options.invalidTime ?? (options.requireTime ? "fail" : DEFAULT_OPTIONS.invalidTime),
    maxDecompressedBytes: options.maxDecompressedBytes ?? DEFAULT_OPTIONS.maxDecompressedBytes,
    batchBudgetBytes: options.batchBudgetBytes ?? DEFAULT_OPTIONS.batchBudgetBytes,
    batchMaxEvents: options.batchMaxEvents ?? DEFAULT_OPTIONS.batchMaxEvents,
    keepRecord: options.keepRecord ?? DEFAULT_OPTIONS.keepRecord,
    keepRawBytes: options.keepRawBytes ?? DEFAULT_OPTIONS.keepRawBytes,
    sliceEvents: options.sliceEvents ?? DEFAULT_OPTIONS.sliceEvents,
  };
  if (resolved.invalidTime !== "fail" && resolved.invalidTime !== "deliver") {
    throw new TypeError('invalidTime must be "fail" or "deliver"');
  }
  for (const key of ["batchBudgetBytes", "batchMaxEvents"] as const) {
    if (!(Number.isInteger(resolved[key]) && resolved[key] > 0))
      throw new RangeError(`${key} must be a positive integer`);
  }
  for (const key of ["typeKey", "idKey", "timeKey"] as const) {
    if (typeof resolved[key] !== "string" || resolved[key] === "")
      throw new TypeError(`${key} must be a non-empty string`);
  }
  if (
    !(
      resolved.sliceEvents === Number.POSITIVE_INFINITY ||
      (Number.isInteger(resolved.sliceEvents) && resolved.sliceEvents > 0)
    )
  ) {
    throw new RangeError("sliceEvents must be a positive integer");
  }
  if (!(Number.isInteger(resolved.maxDecompressedBytes) && resolved.maxDecompressedBytes > 0)) {
    throw new RangeError("maxDecompressedBytes must be a positive integer");
  }
  try {
    resolveTimeZone(resolved.timeZone);
  } catch {
    throw new RangeError(`timeZone: unknown IANA time zone "${resolved.timeZone}"`);
  }
  return resolved;
}

/** Result of the schema checks on one parsed JSON value. */
export type SchemaResult =
  | { readonly ok: false; readonly reason: FailureReason; readonly detail: string }
  | {
      readonly ok: true;
      readonly record: JsonObject;
      readonly type: string | undefined;
      readonly whitelisted: boolean;
      readonly id: string | undefined;
      readonly time: number | undefined;
      readonly timeError: string | undefined;
    };

/** Compiled schema checker (whitelist as a Set, zone resolved once). */
export class SchemaChecker {
  private readonly typeKey: string;
  private readonly idKey: string;
  private readonly timeKey: string;
  private readonly whitelist: ReadonlySet<string> | undefined;
  private readonly requireType: boolean;
  private readonly failInvalidTime: boolean;
  private readonly zone: Zone;

  constructor(options: ResolvedPipelineOptions) {
    this.typeKey = options.typeKey;
    this.idKey = options.idKey;
    this.timeKey = options.timeKey;
    this.whitelist = options.whitelist.length === 0 ? undefined : new Set(options.whitelist);
    this.requireType = options.requireType;
    this.failInvalidTime = options.invalidTime === "fail";
    this.zone = resolveTimeZone(options.timeZone);
  }

  check(value: unknown): SchemaResult {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return { ok: false, reason: "not_an_object", detail: `JSON root is ${describe(value)}, not an object` };
    }
    const record = value as JsonObject;
    const rawType = record[this.typeKey];
    let type: string | undefined;
    if (typeof rawType === "string" && rawType !== "") type = rawType;
    else if (rawType === undefined || rawType === null || rawType === "") {
      if (this.requireType) return { ok: false, reason: "missing_type", detail: `no "${this.typeKey}" key` };
    } else {
      return {
        ok: false,
        reason: "type_not_string",
        detail: `"${this.typeKey}" is ${describe(rawType)}, not a string`,
      };
    }
    const whitelisted = this.whitelist === undefined || (type !== undefined && this.whitelist.has(type));
    if (!whitelisted) {
      return { ok: true, record, type, whitelisted, id: undefined, time: undefined, timeError: undefined };
    }
    const rawId = record[this.idKey];
    let id: string | undefined;
    if (typeof rawId === "string") id = rawId === "" ? undefined : rawId;
    else if (typeof rawId === "number" && Number.isFinite(rawId)) id = String(rawId);
    const parsed = parseTimeValue(record[this.timeKey], this.zone);
    if (typeof parsed === "string") {
      if (this.failInvalidTime) return { ok: false, reason: "invalid_time", detail: `"${this.timeKey}": ${parsed}` };
      return { ok: true, record, type, whitelisted, id, time: undefined, timeError: parsed };
    }
    return { ok: true, record, type, whitelisted, id, time: parsed, timeError: undefined };
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}
