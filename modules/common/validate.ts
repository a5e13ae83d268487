// Synth-time validation of configuration and construct props. Every error names the field and what is allowed.

import { ConfigError } from "./schema";

export { ConfigError };

const show = (value: unknown): string => {
  if (typeof value === "string") return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
};

export function requireString(field: string, value: unknown, opts: { pattern?: RegExp; hint?: string } = {}): string {
  if (typeof value !== "string" || value.length === 0) {
    throw new ConfigError(field, `must be a non-empty string; got ${show(value)}`);
  }
  if (opts.pattern && !opts.pattern.test(value)) {
    throw new ConfigError(field, `must match ${opts.hint ?? opts.pattern.toString()}; got ${show(value)}`);
  }
  return value;
}

export function optionalString(
  field: string,
  value: unknown,
  opts: { pattern?: RegExp; hint?: string } = {},
): string | undefined {
  return value === undefined ? undefined : requireString(field, value, opts);
}

export function requireInt(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(field, `must be an integer from ${min} to ${max}; got ${show(value)}`);
  }
  return value;
}

export function intOrDefault(field: string, value: unknown, fallback: number, min: number, max: number): number {
  return requireInt(field, value ?? fallback, min, max);
}

export function requireBoolean(field: string, value: unknown): boolean {
  if (typeof value !== "boolean") throw new ConfigError(field, `must be true or false; got ${show(value)}`);
  return value;
}

export function boolOrDefault(field: string, value: unknown, fallback: boolean): boolean {
  return requireBoolean(field, value ?? fallback);
}

export function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(
      field,
      `must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}; got ${show(value)}`,
    );
  }
  return value as T;
}

export function stringList(
  field: string,
  value: unknown,
  opts: { pattern?: RegExp; hint?: string; min?: number; max?: number } = {},
): string[] {
  if (!Array.isArray(value)) throw new ConfigError(field, `must be a list of strings; got ${show(value)}`);
  const { min = 0, max = Number.MAX_SAFE_INTEGER } = opts;
  if (value.length < min || value.length > max) {
    throw new ConfigError(field, `must have from ${min} to ${max} entries; got ${value.length}`);
  }
  return value.map((item, i) => requireString(`${field}[${i}]`, item, opts));
}

export function stringMap(field: string, value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError(field, `must be an object of string values; got ${show(value)}`);
  }
  for (const [k, v] of Object.entries(value)) requireString(`${field}.${k}`, v);
  return value as Record<string, string>;
}

export const patterns = {
  /** A resource name prefix: lower-case, starts with a letter, safe in every AWS name. */
  name: {
    pattern: /^[a-z][a-z0-9-]{1,30}$/,
    hint: "lower-case letters, digits and '-', 2 to 31 characters, starting with a letter",
  },
  region: { pattern: /^[a-z]{2}(-gov)?-[a-z]+-\d$/, hint: "an AWS region such as eu-west-1" },
  arn: { pattern: /^arn:aws[a-zA-Z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:.+$/, hint: "an ARN (arn:aws:...)" },
  url: { pattern: /^https?:\/\/[^\s/$.?#].[^\s]*$/, hint: "an http(s) URL" },
  subnetId: { pattern: /^subnet-[0-9a-f]{8,17}$/, hint: "a subnet id (subnet-...)" },
  securityGroupId: { pattern: /^sg-[0-9a-f]{8,17}$/, hint: "a security group id (sg-...)" },
  ssmParameterName: { pattern: /^\/[A-Za-z0-9_.\-/]{1,1010}$/, hint: "an SSM parameter name starting with '/'" },
  bucketName: {
    pattern: /^(?!xn--)(?!.*-s3alias$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
    hint: "an S3 bucket name (3 to 63 lower-case letters, digits, '.' and '-')",
  },
} as const;
