// Schema building blocks (zod 4) for configuration and construct props, and the one error type they report.
// Every leaf says what is allowed in the same words ("must be an integer from 1 to 65535; got 70000"); objects are
// strict (an unknown key is an error naming the nearest valid key); a parse reports every problem at once.
import { z } from "zod";
import { AWS_REGIONS } from "./regions";

/** One problem: the field's path (`logRouting.sinks.fluent[0].port`) and what is wrong. */
export interface ConfigIssue {
  readonly field: string;
  readonly message: string;
}

/**
 * Configuration (or construct props) that failed validation. `issues` lists every problem; `field` is the first
 * one's path. One problem reads `<field>: <message>`; several read `configuration has N errors:` and one line each.
 */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];
  readonly field: string;

  constructor(issuesOrField: readonly ConfigIssue[] | string, message?: string) {
    const issues =
      typeof issuesOrField === "string" ? [{ field: issuesOrField, message: message ?? "" }] : issuesOrField;
    super(
      issues.length === 1
        ? `${issues[0]!.field}: ${issues[0]!.message}`
        : `configuration has ${issues.length} errors:\n${issues.map((i) => `  ${i.field}: ${i.message}`).join("\n")}`,
    );
    this.name = "ConfigError";
    this.issues = issues;
    this.field = issues[0]?.field ?? "(root)";
  }

  /** The same problems with `prefix` in front of every field (a construct's props under a configuration path). */
  under(prefix: string): ConfigError {
    if (prefix === "") return this;
    return new ConfigError(
      this.issues.map((i) => ({
        field: i.field.startsWith(`${prefix}.`)
          ? i.field
          : i.field.startsWith("[")
            ? `${prefix}${i.field}`
            : `${prefix}.${i.field}`,
        message: i.message,
      })),
    );
  }
}

export const show = (value: unknown): string => {
  if (typeof value === "string") return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
};

export interface Pattern {
  readonly pattern: RegExp;
  readonly hint: string;
}

/** A non-empty string, optionally matching a pattern. */
export const str = (p?: Pattern) =>
  z.string({ error: (iss) => `must be a non-empty string; got ${show(iss.input)}` }).superRefine((v, ctx) => {
    if (v.length === 0) ctx.addIssue({ code: "custom", message: `must be a non-empty string; got ""`, input: v });
    else if (p && !p.pattern.test(v))
      ctx.addIssue({ code: "custom", message: `must match ${p.hint}; got ${show(v)}`, input: v });
  });

/** Any string, the empty one included. */
export const text = () => z.string({ error: (iss) => `must be a string; got ${show(iss.input)}` });

/** An integer from `min` to `max`. */
export const int = (min: number, max: number) =>
  z
    .number({ error: (iss) => `must be an integer from ${min} to ${max}; got ${show(iss.input)}` })
    .superRefine((v, ctx) => {
      if (!Number.isInteger(v) || v < min || v > max) {
        ctx.addIssue({ code: "custom", message: `must be an integer from ${min} to ${max}; got ${show(v)}`, input: v });
      }
    });

/** An integer with no range of its own (a range that depends on other fields is checked by the enclosing object). */
export const integer = () =>
  z.number({ error: (iss) => `must be an integer; got ${show(iss.input)}` }).superRefine((v, ctx) => {
    if (!Number.isInteger(v)) ctx.addIssue({ code: "custom", message: `must be an integer; got ${show(v)}`, input: v });
  });

export const bool = () => z.boolean({ error: (iss) => `must be true or false; got ${show(iss.input)}` });

const allowedList = (allowed: readonly unknown[]) => allowed.map((a) => JSON.stringify(String(a))).join(", ");

/** One of a closed set of strings. */
export const oneOf = <const T extends readonly [string, ...string[]]>(allowed: T) =>
  z.enum(allowed, { error: (iss) => `must be one of ${allowedList(allowed)}; got ${show(iss.input)}` });

/** One of a closed set of numbers. */
export const oneOfNumbers = <const T extends readonly number[]>(allowed: T) =>
  z
    .number({ error: (iss) => `must be one of ${allowedList(allowed)}; got ${show(iss.input)}` })
    .superRefine((v, ctx) => {
      if (!allowed.includes(v))
        ctx.addIssue({ code: "custom", message: `must be one of ${allowedList(allowed)}; got ${show(v)}`, input: v });
    }) as unknown as z.ZodType<T[number], T[number]>;

/**
 * The retention periods CloudWatch Logs accepts, days (PutRetentionPolicy's `retentionInDays`, the AWS provider's
 * `retention_in_days`): the one list every log group's retention is checked against.
 */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
export type LogRetentionDays = (typeof LOG_RETENTION_DAYS)[number];

/** A CloudWatch Logs retention, days: one of LOG_RETENTION_DAYS. */
export const logRetentionDays = () => oneOfNumbers(LOG_RETENTION_DAYS);

/** A list of `item`, with from `min` to `max` entries. */
export const list = <T extends z.ZodType>(item: T, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.array(item, { error: (iss) => `must be a list; got ${show(iss.input)}` }).superRefine((v, ctx) => {
    if (v.length < min || v.length > max) {
      ctx.addIssue({ code: "custom", message: `must have from ${min} to ${max} entries; got ${v.length}`, input: v });
    }
  });

/** An object of string values (tags). */
export const stringMap = () =>
  z.record(z.string(), str(), { error: (iss) => `must be an object of string values; got ${show(iss.input)}` });

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(
        row[j]! + 1,
        row[j - 1]! + 1,
        prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1),
      );
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** The valid key nearest to `key`, when it is near enough to be a typo. */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const d = distance(key, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

const KEY_SEPARATOR = "\u0000";

/** A strict object: an unknown key is an error at its own path, naming the nearest valid key. */
export const strict = <S extends z.ZodRawShape>(shape: S) =>
  z.strictObject(shape, {
    error: (iss) => {
      if (iss.code === "unrecognized_keys") {
        const known = Object.keys(shape);
        return iss.keys
          .map((k) => {
            const near = nearestKey(k, known);
            return `${k}${KEY_SEPARATOR}unknown key; ${near ? `did you mean ${near}?` : `allowed keys are ${known.join(", ")}`}`;
          })
          .join("\n");
      }
      return `must be an object; got ${show(iss.input)}`;
    },
  });

function fieldOf(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out === "" ? String(p) : `.${String(p)}`;
  return out;
}

/** Every issue of a failed parse as a field and message; at most one per field, the first found. */
export function issuesOf(error: z.ZodError, prefix = ""): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const seen = new Set<string>();
  const join = (rest: string) =>
    prefix === "" ? rest : rest === "" ? prefix : rest.startsWith("[") ? `${prefix}${rest}` : `${prefix}.${rest}`;
  const add = (field: string, message: string) => {
    const f = join(field) || "(root)";
    if (!seen.has(f)) {
      seen.add(f);
      out.push({ field: f, message });
    }
  };
  for (const iss of error.issues) {
    if (iss.code === "unrecognized_keys") {
      for (const line of iss.message.split("\n")) {
        const [key, message] = line.split(KEY_SEPARATOR) as [string, string];
        add(fieldOf([...iss.path, key]), message);
      }
    } else add(fieldOf(iss.path), iss.message);
  }
  return out;
}

/** Parses `value`; on failure throws a ConfigError listing every problem, each field under `prefix`. */
export function parseWith<T extends z.ZodType>(schema: T, value: unknown, prefix = ""): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ConfigError(issuesOf(result.error, prefix));
  return result.data;
}

/** Adds an issue at `path` (relative to the value being refined). */
export function fail(ctx: z.RefinementCtx, path: PropertyKey[], message: string): void {
  ctx.addIssue({ code: "custom", path, message, input: undefined });
}

export const patterns = {
  /** A resource name prefix: lower-case, starts with a letter, safe in every AWS name. */
  name: {
    pattern: /^[a-z][a-z0-9-]{1,30}$/,
    hint: "lower-case letters, digits and '-', 2 to 31 characters, starting with a letter",
  },
  arn: { pattern: /^arn:aws[a-zA-Z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:.+$/, hint: "an ARN (arn:aws:...)" },
  url: { pattern: /^https?:\/\/[^\s/$.?#].[^\s]*$/, hint: "an http(s) URL" },
  subnetId: { pattern: /^subnet-[0-9a-f]{8,17}$/, hint: "a subnet id (subnet-...)" },
  securityGroupId: { pattern: /^sg-[0-9a-f]{8,17}$/, hint: "a security group id (sg-...)" },
  ssmParameterName: { pattern: /^\/[A-Za-z0-9_.\-/]{1,1010}$/, hint: "an SSM parameter name starting with '/'" },
  bucketName: {
    pattern: /^(?!xn--)(?!.*-s3alias$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
    hint: "an S3 bucket name (3 to 63 lower-case letters, digits, '.' and '-')",
  },
  email: { pattern: /^[^\s@]+@[^\s@]+\.[^\s@]+$/, hint: "an email address" },
  snsTopicArn: {
    pattern: /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/,
    hint: "an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)",
  },
  /** A Common Schema key name. */
  key: { pattern: /^[^\s]{1,128}$/, hint: "1 to 128 characters without spaces" },
  /** An S3 key prefix. */
  s3Prefix: {
    pattern: /^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*$/,
    hint: "an S3 key prefix without leading or trailing '/'",
  },
} as const satisfies Record<string, Pattern>;

/** An IANA time zone name this runtime knows. */
export const timeZone = () =>
  str().superRefine((v, ctx) => {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: v });
    } catch {
      ctx.addIssue({
        code: "custom",
        message: `must be an IANA time zone such as "UTC" or "Asia/Tokyo"; got ${JSON.stringify(v)}`,
        input: v,
      });
    }
  });

const REGION_HINT = "an AWS region such as eu-west-1 (commercial, cn-* or us-gov-*)";

/** One of AWS_REGIONS (modules/common/regions.ts): the configuration's region and every construct's region prop. */
export const region = () =>
  z.string({ error: (iss) => `must be ${REGION_HINT}; got ${show(iss.input)}` }).superRefine((v, ctx) => {
    if (!(AWS_REGIONS as readonly string[]).includes(v)) {
      ctx.addIssue({ code: "custom", message: `must be ${REGION_HINT}; got ${show(v)}`, input: v });
    }
  });

/**
 * Options for a cross-field refinement: it runs only once every field of the object it refines is valid, so a wrong
 * field is reported once, by its own rule, and never again by a rule that reads it.
 */
export const whenValid = { when: (payload: { issues: readonly unknown[] }) => payload.issues.length === 0 } as const;

/**
 * Options for a refinement that reads fields from several places: it runs once none of `paths` has a problem (at the
 * path, inside it, or at an object holding it), whatever the state of the rest of the object, so its own problems are
 * reported in the same list as every other.
 */
export const whenValidAt = (...paths: readonly (readonly PropertyKey[])[]) => {
  const overlaps = (a: readonly PropertyKey[], b: readonly PropertyKey[]) =>
    a.slice(0, Math.min(a.length, b.length)).every((k, j) => b[j] === k);
  return {
    when: (payload: { issues: readonly { path?: readonly PropertyKey[] }[] }) =>
      !payload.issues.some((i) => paths.some((p) => overlaps(p, i.path ?? []))),
  } as const;
};

/** A value the schema passes through unchecked: a construct, a Terraform dependable, a provider block. */
export const opaque = <T>() => z.custom<T>(() => true);

/** The keys of `value` that `shape` declares: a construct hands a wrapped construct exactly its own props. */
export function pick<S extends z.ZodRawShape, V extends object>(
  shape: S,
  value: V,
): Pick<V, Extract<keyof V, keyof S>> {
  return Object.fromEntries(Object.entries(value).filter(([k]) => k in shape)) as Pick<V, Extract<keyof V, keyof S>>;
}

/** The raw shape without `keys`: configuration composes a construct's shape minus the props the stack fills in. */
export function omitKeys<S extends z.ZodRawShape, K extends keyof S>(shape: S, keys: readonly K[]): Omit<S, K> {
  return Object.fromEntries(Object.entries(shape).filter(([k]) => !keys.includes(k as K))) as Omit<S, K>;
}
