/**
 * Lambda environments, declared once: every variable's name, default and range. A function's contract is
 * `defineEnv({ key: variable, ... })`; constructs call `write(values)` for the `environment` block, handlers call
 * `read(process.env)` for typed values. No dependencies (the handlers bundle this file).
 *
 * Failure policy, the same for every function: a handler reads its environment once, at module load, and reports a
 * bad one on every call (`loadEnv`), as an `InvalidEnvironment` error whose message names the variable; it never
 * throws at load. Why:
 * - The drain functions: check-queue is a Task of the drain state machine, whose Retry list (`LAMBDA_RETRYABLE` in
 *   statemachines/drain-definition.ts) retries `Lambda.Unknown` (4 more attempts with backoff) and whose Catch on
 *   `States.ALL` goes to RouteCheckFailure: past the deadline the give-up path preserves the queues, before it the
 *   named Fail state `FailedUnexpectedError`. An error thrown by the handler reaches Step Functions with our name and
 *   message in `Error`/`Cause` and is not retried, so the drain ends in the named state at once with the variable in its
 *   Cause. A failed init is reported by Lambda under a name of its own choosing (the init error, or a runtime error
 *   after it suppresses the init and retries it in the invoke phase), so which Retry/Catch it meets, and what the
 *   operator reads, would depend on the runtime. start-drain and reconcile fail every invocation the same way, which
 *   the failed-drain alarm and the EventBridge dead-letter queue show.
 * - The Kinesis functions: for an event source mapping an error at the first call is the same function error as a
 *   failed init: the batch is not checkpointed, and the mapping retries it (bisecting, within its retry and record-age
 *   bounds, then the on-failure destination) exactly as it would for a crash at load. Throwing at load buys nothing
 *   there and would make the two kinds of function differ.
 * - Every module still loads with a bad environment, so tests and the cold-load benchmark can import it.
 */

/** A bad or missing variable. The name is what callers (Step Functions, logs) see as the error type. */
export class EnvironmentError extends Error {
  override name = "InvalidEnvironment";
}

const fail = (message: string): never => {
  throw new EnvironmentError(message);
};

export interface EnvVar<T> {
  readonly name: string;
  /** Parses the raw value (`undefined` when unset); throws `EnvironmentError` naming the variable. */
  read(raw: string | undefined): T;
  /** The text a construct writes; `undefined` leaves the variable unset. */
  write(value: T): string | undefined;
}

type Raw = Readonly<Record<string, string | undefined>>;
type Spec = Readonly<Record<string, EnvVar<unknown>>>;
export type EnvValues<S extends Spec> = { [K in keyof S]: S[K] extends EnvVar<infer T> ? T : never };
/** What a construct passes to `write`: every key optional, `undefined` leaves the variable unset. */
export type EnvInput<S extends Spec> = { [K in keyof S]?: EnvValues<S>[K] | undefined };

export interface EnvContract<S extends Spec> {
  readonly vars: S;
  /** Variable names by key. */
  readonly names: { readonly [K in keyof S]: string };
  /** Typed values; throws `EnvironmentError` naming the first bad variable. */
  read(env: Raw): EnvValues<S>;
  /** The `environment` block: the given keys, in the given order, as text. */
  write(values: EnvInput<S>): Record<string, string>;
}

export function defineEnv<S extends Spec>(vars: S): EnvContract<S> {
  const names = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, v.name])) as { [K in keyof S]: string };
  return {
    vars,
    names,
    read(env) {
      const out: Record<string, unknown> = {};
      for (const [key, v] of Object.entries(vars)) out[key] = v.read(env[v.name]);
      return out as EnvValues<S>;
    },
    write(values) {
      const out: Record<string, string> = {};
      for (const [key, value] of Object.entries(values)) {
        const v = vars[key];
        if (v === undefined) throw new Error(`unknown environment key ${key}`);
        const text = value === undefined ? undefined : v.write(value);
        if (text !== undefined) out[v.name] = text;
      }
      return out;
    },
  };
}

/** Parses the environment now and reports a failure on every call (the policy above). */
export function loadEnv<T>(parse: () => T): () => T {
  try {
    const value = parse();
    return () => value;
  } catch (e) {
    return () => {
      throw e;
    };
  }
}

const unset = (raw: string | undefined): raw is undefined => raw === undefined || raw === "";

/** A required text: unset or empty fails. */
export function required(name: string): EnvVar<string> {
  return {
    name,
    read: (raw) => (unset(raw) ? fail(`environment variable ${name} must be set`) : raw),
    write: (v) => v,
  };
}

/** An optional text: unset (or empty, unless `keepEmpty`) gives `fallback`. */
export function text(name: string): EnvVar<string | undefined>;
export function text(name: string, fallback: string, opts?: { keepEmpty?: boolean }): EnvVar<string>;
export function text(name: string, fallback?: string, opts: { keepEmpty?: boolean } = {}): EnvVar<string | undefined> {
  return {
    name,
    read: (raw) => (raw === undefined || (raw === "" && !opts.keepEmpty) ? fallback : raw),
    write: (v) => v,
  };
}

/** An integer in [min, max]; unset or empty gives `fallback`. */
export function int(name: string, fallback: number, min: number, max: number): EnvVar<number> {
  return {
    name,
    read(raw) {
      const value = Number(unset(raw) ? fallback : raw);
      if (!Number.isInteger(value) || value < min || value > max) {
        fail(`environment variable ${name} must be an integer from ${min} to ${max}`);
      }
      return value;
    },
    write: (v) => String(v),
  };
}

/** A number in (0, max]; unset or empty gives `fallback`. */
export function positive(name: string, fallback: number, max: number): EnvVar<number> {
  return {
    name,
    read(raw) {
      const value = Number(unset(raw) ? fallback : raw);
      if (!Number.isFinite(value) || value <= 0 || value > max) fail(`${name} must be a number in (0, ${max}]`);
      return value;
    },
    write: (v) => String(v),
  };
}

/** `"true"` or `"false"`; unset or empty gives `fallback`. */
export function bool(name: string, fallback: boolean): EnvVar<boolean> {
  return {
    name,
    read(raw) {
      if (unset(raw)) return fallback;
      if (raw !== "true" && raw !== "false") fail(`environment variable ${name} must be "true" or "false"`);
      return raw === "true";
    },
    write: (v) => String(v),
  };
}

/** One of `values`; unset or empty gives `fallback` (or undefined). */
export function oneOf<const V extends string>(name: string, values: readonly V[]): EnvVar<V | undefined>;
export function oneOf<const V extends string>(name: string, values: readonly V[], fallback: V): EnvVar<V>;
export function oneOf<V extends string>(name: string, values: readonly V[], fallback?: V): EnvVar<V | undefined> {
  return {
    name,
    read(raw) {
      if (unset(raw)) return fallback;
      if (!(values as readonly string[]).includes(raw)) {
        fail(`environment variable ${name} must be ${values.map((v) => `"${v}"`).join(" or ")}`);
      }
      return raw as V;
    },
    write: (v) => v,
  };
}

/** A JSON array of non-empty strings; unset or empty gives `[]`. */
export function stringList(name: string): EnvVar<string[]> {
  return {
    name,
    read(raw) {
      if (unset(raw)) return [];
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        parsed = undefined;
      }
      if (!Array.isArray(parsed) || !parsed.every((t) => typeof t === "string" && t !== "")) {
        fail(`environment variable ${name} must be a JSON array of non-empty strings`);
      }
      return parsed as string[];
    },
    write: (v) => JSON.stringify(v),
  };
}

/** A JSON document with its own parser (which names the fields it refuses). */
export function json<T>(name: string, parse: (raw: string | undefined) => T): EnvVar<T> {
  return { name, read: parse, write: (v) => JSON.stringify(v) };
}
