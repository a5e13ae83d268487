// Configuration: the schema (config/schema/*), the types inferred from it, and validation that reports every problem.
import { ConfigError, type ConfigIssue, issuesOf } from "../modules/common/schema";
import { type AppConfig, appConfigSchema, productionIssues, type ResolvedAppConfig } from "./schema/app";
import { wellKnownTokenIssues } from "./schema/worker-fleet";

export { ConfigError, type ConfigIssue } from "../modules/common/schema";
export type { AppConfig, BackendConfig, ResolvedAppConfig } from "./schema/app";
export type { LogRoutingConfig, ResolvedLogRoutingConfig } from "./schema/log-routing";
export { SINK_KINDS, type SinkKind } from "./schema/sinks";
export {
  DEFAULT_AMI_PARAMETERS,
  defaultDrainDeadlineSeconds,
  LIFECYCLE_GLOBAL_TIMEOUT_CAP_SECONDS,
  lifecycleGlobalTimeoutSeconds,
  type ResolvedWorkerFleetConfig,
  WELL_KNOWN_DEFAULT_TOKEN,
  type WorkerFleetConfig,
} from "./schema/worker-fleet";

/**
 * Validates the whole configuration and fills in its defaults. Throws one ConfigError listing every problem found
 * (field path and message each); rules that span fields run once the fields they read are valid.
 */
export function validateAppConfig(raw: AppConfig): ResolvedAppConfig {
  const issues: ConfigIssue[] =
    typeof raw === "object" && raw !== null
      ? [
          ...wellKnownTokenIssues("workerFleet", (raw as { workerFleet?: unknown }).workerFleet),
          ...productionIssues(raw),
        ]
      : [];
  const result = appConfigSchema.safeParse(raw);
  if (!result.success) {
    const seen = new Set(issues.map((i) => i.field));
    for (const i of issuesOf(result.error)) if (!seen.has(i.field)) issues.push(i);
  }
  if (issues.length > 0 || !result.success) throw new ConfigError(issues);
  return result.data;
}
