// The one typed configuration both stacks are built from: the schema, and the types inferred from it.
import { z } from "zod";
import type { ConfigIssue } from "../../modules/common/schema";
import { bool, patterns, region, show, str, strict, stringMap, whenValidAt } from "../../modules/common/schema";
import { logRoutingSchema } from "./log-routing";
import { refineIndexPrefixes } from "./sinks";
import { workerFleetSchema } from "./worker-fleet";

/**
 * Where Terraform keeps state: S3 with native locking. Local state needs `allowLocalState: true` (or emulator mode).
 * @default local, which is refused outside emulator mode unless allowLocalState is set
 */
const backendSchema = z.discriminatedUnion(
  "type",
  [
    strict({
      type: z.literal("local"),
      /**
       * Directory for the `terraform.<stack>.tfstate` files (the synthesized backend holds it as a path relative to
       * the stack directory, never an absolute one). @default the directory holding the synth output (cdktf.out), the
       * project root
       */
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
   * Emulator mode for the AWS provider: every service endpoint points at one URL (the moto server), each call is
   * tried once and account/credential checks are skipped. Credentials come from the environment, never from here.
   */
  emulator: strict({ endpoint: str(patterns.url) }).optional(),
  /**
   * Keep Terraform state in local files. Outside emulator mode an S3 backend is required unless this is true: local
   * state lives on one machine, unencrypted, unlocked and unshared. @default false
   */
  allowLocalState: bool().default(false),
  /**
   * Who hears the alarms and drain notifications of both stacks. Outside emulator mode at least one is required, so
   * an alarm never goes nowhere.
   */
  alarms: strict({
    /** Email address subscribed to the alarm topic(s) (the recipient confirms the subscription). @default none */
    email: str(patterns.email).optional(),
    /**
     * An existing SNS topic that receives every alarm and notification instead of the topics the stacks would create
     * (its access policy, and its key policy if encrypted, must let CloudWatch, EventBridge and this app's roles
     * publish). @default none: each stack creates an encrypted topic
     */
    topicArn: str(patterns.snsTopicArn).optional(),
  }).prefault({}),
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

/**
 * Defaults that fail closed: outside emulator mode, the settings whose absence would be unsafe are required. Checked on
 * the raw configuration so every missing one is listed together with the schema's own problems.
 */
export function productionIssues(raw: unknown): ConfigIssue[] {
  if (typeof raw !== "object" || raw === null) return [];
  const c = raw as Record<string, unknown>;
  if (c.emulator !== undefined) return [];
  const issues: ConfigIssue[] = [];
  const obj = (v: unknown) => (typeof v === "object" && v !== null ? (v as Record<string, unknown>) : {});
  const backend = obj(c.backend);
  if ((c.backend === undefined || backend.type === "local") && c.allowLocalState !== true) {
    issues.push({
      field: "backend",
      message:
        'an S3 backend is required ({ type: "s3", bucket: ... }): local state lives on one machine, unencrypted and unlocked; set allowLocalState: true to keep it local anyway',
    });
  }
  const fleet = obj(c.workerFleet);
  if (c.workerFleet !== undefined && fleet.subnetIds === undefined) {
    issues.push({
      field: "workerFleet.subnetIds",
      message:
        "is required: without it the workers would land in the default VPC's default subnets, which give every instance a public IP",
    });
  }
  if (c.workerFleet !== undefined && fleet.securityGroupIds === undefined) {
    issues.push({
      field: "workerFleet.securityGroupIds",
      message: "is required: name the security groups that let the workers reach the leader, SSM and destinations",
    });
  }
  const alarms = obj(c.alarms);
  if (alarms.email === undefined && alarms.topicArn === undefined) {
    issues.push({
      field: "alarms",
      message:
        'needs a subscriber: { email: "oncall@example.com" } or { topicArn: "arn:aws:sns:..." }; otherwise every drain alarm goes nowhere',
    });
  }
  return issues;
}

/** The configuration as written in a configuration file (config/example.ts). */
export type AppConfig = z.input<typeof appConfigSchema>;
/** The configuration with every default filled in, as the stacks read it. */
export type ResolvedAppConfig = z.output<typeof appConfigSchema>;
export type BackendConfig = ResolvedAppConfig["backend"];
