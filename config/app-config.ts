// The one typed configuration both stacks are built from, and its synth-time validation.

import {
  ConfigError,
  oneOf,
  optionalString,
  patterns,
  requireBoolean,
  requireString,
  stringMap,
} from "../modules/common/validate";
import { type LogRoutingConfig, validateLogRoutingConfig } from "../stacks/log-routing-config";
import { validateWorkerFleetConfig, type WorkerFleetConfig } from "../stacks/worker-fleet-config";

/** Where Terraform keeps state. Local state is the default; teams use S3 with native locking. */
export type BackendConfig =
  | {
      type: "local";
      /** Directory for the `<stack>.tfstate` files. @default the project root */
      directory?: string;
    }
  | {
      type: "s3";
      bucket: string;
      /** Key prefix; each stack's state lands at `<keyPrefix>/<stack>.tfstate`. @default "cribl-drain" */
      keyPrefix?: string;
      /** @default the configuration's region */
      region?: string;
      /** S3-native state locking (`use_lockfile`, Terraform 1.10+). @default true */
      useLockfile?: boolean;
      /** KMS key for state encryption; otherwise SSE-S3. */
      kmsKeyId?: string;
    };

/**
 * Emulator mode for the AWS provider: every service endpoint points at one URL (the moto server), retries are capped
 * at 1 and account/credential checks are skipped. Credentials come from the environment, never from here.
 */
export interface EmulatorConfig {
  endpoint: string;
}

export interface AppConfig {
  /** Prefix for every resource name. */
  name: string;
  /** AWS region both stacks deploy to. */
  region: string;
  /** Tags applied to every resource through the provider's default_tags. @default {} */
  tags?: Record<string, string>;
  /** @default { type: "local" } */
  backend?: BackendConfig;
  /** Set only to deploy to a local AWS emulator. */
  emulator?: EmulatorConfig;
  workerFleet: WorkerFleetConfig;
  logRouting: LogRoutingConfig;
}

export type ResolvedAppConfig = Omit<AppConfig, "tags" | "backend" | "workerFleet" | "logRouting"> & {
  tags: Record<string, string>;
  backend: BackendConfig;
  workerFleet: ReturnType<typeof validateWorkerFleetConfig>;
  logRouting: ReturnType<typeof validateLogRoutingConfig>;
};

function validateBackend(raw: unknown, region: string): BackendConfig {
  if (raw === undefined) return { type: "local" };
  if (typeof raw !== "object" || raw === null) throw new ConfigError("backend", "must be an object");
  const b = raw as Record<string, unknown>;
  const type = oneOf("backend.type", b.type, ["local", "s3"] as const);
  if (type === "local") return { type, directory: optionalString("backend.directory", b.directory) };
  return {
    type,
    bucket: requireString("backend.bucket", b.bucket, patterns.bucketName),
    keyPrefix: optionalString("backend.keyPrefix", b.keyPrefix, {
      pattern: /^[A-Za-z0-9!_.*'()/-]{1,512}$/,
      hint: "an S3 key prefix without spaces",
    }),
    region: optionalString("backend.region", b.region, patterns.region) ?? region,
    useLockfile: b.useLockfile === undefined ? true : requireBoolean("backend.useLockfile", b.useLockfile),
    kmsKeyId: optionalString("backend.kmsKeyId", b.kmsKeyId),
  };
}

/** Validates the whole configuration; the first problem found is thrown as a ConfigError naming its field. */
export function validateAppConfig(raw: AppConfig): ResolvedAppConfig {
  if (typeof raw !== "object" || raw === null) throw new ConfigError("(root)", "configuration must be an object");
  const name = requireString("name", raw.name, patterns.name);
  const region = requireString("region", raw.region, patterns.region);
  const emulator =
    raw.emulator === undefined
      ? undefined
      : { endpoint: requireString("emulator.endpoint", raw.emulator?.endpoint, patterns.url) };
  return {
    name,
    region,
    tags: stringMap("tags", raw.tags),
    backend: validateBackend(raw.backend, region),
    emulator,
    workerFleet: validateWorkerFleetConfig("workerFleet", raw.workerFleet),
    logRouting: validateLogRoutingConfig("logRouting", raw.logRouting),
  };
}
