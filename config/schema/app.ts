// The one typed configuration both stacks are built from: the schema, and the types inferred from it.
import { z } from "zod";
import { bool, patterns, region, show, str, strict, stringMap, whenValidAt } from "../../modules/common/schema";
import { logRoutingSchema } from "./log-routing";
import { refineIndexPrefixes } from "./sinks";
import { workerFleetSchema } from "./worker-fleet";

/** Where Terraform keeps state. Local state is the default; teams use S3 with native locking. */
const backendSchema = z.discriminatedUnion(
  "type",
  [
    strict({
      type: z.literal("local"),
      /** Directory for the `<stack>.tfstate` files. @default the project root */
      directory: str().optional(),
    }),
    strict({
      type: z.literal("s3"),
      bucket: str(patterns.bucketName),
      /** Key prefix; each stack's state lands at `<keyPrefix>/<stack>.tfstate`. @default "cribl-drain" */
      keyPrefix: str({ pattern: /^[A-Za-z0-9!_.*'()/-]{1,512}$/, hint: "an S3 key prefix without spaces" }).optional(),
      /** @default the configuration's region */
      region: region().optional(),
      /** S3-native state locking (`use_lockfile`, Terraform 1.10+). */
      useLockfile: bool().default(true),
      /** KMS key for state encryption; otherwise SSE-S3. */
      kmsKeyId: str().optional(),
    }),
  ],
  { error: (iss) => `must be one of "local", "s3"; got ${show((iss.input as { type?: unknown } | undefined)?.type)}` },
);

export const appConfigSchema = strict({
  /** Prefix for every resource name. */
  name: str(patterns.name),
  /** AWS region both stacks deploy to. */
  region: region(),
  /** Tags applied to every resource through the provider's default_tags. */
  tags: stringMap().default({}),
  backend: backendSchema.default({ type: "local" }),
  /**
   * Emulator mode for the AWS provider: every service endpoint points at one URL (the moto server), retries are capped
   * at 1 and account/credential checks are skipped. Credentials come from the environment, never from here.
   */
  emulator: strict({ endpoint: str(patterns.url) }).optional(),
  workerFleet: workerFleetSchema,
  logRouting: logRoutingSchema,
})
  // Across opensearch sinks, with the app name: runs as soon as those are valid, so it joins the one list of errors.
  .superRefine(
    (c, ctx) => refineIndexPrefixes(c.name, c.logRouting.sinks.opensearch, ctx, ["logRouting", "sinks", "opensearch"]),
    whenValidAt(["name"], ["logRouting", "sinks", "opensearch"]),
  )
  .transform((c) => ({
    ...c,
    backend: c.backend.type === "s3" ? { ...c.backend, region: c.backend.region ?? c.region } : c.backend,
  }));

/** The configuration as written in a configuration file (config/example.ts). */
export type AppConfig = z.input<typeof appConfigSchema>;
/** The configuration with every default filled in, as the stacks read it. */
export type ResolvedAppConfig = z.output<typeof appConfigSchema>;
export type BackendConfig = ResolvedAppConfig["backend"];
