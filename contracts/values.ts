// Small checks both sides use on untyped values (configuration at synth, JSON records and payloads at run time).

/** A plain object: not null, not an array. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
