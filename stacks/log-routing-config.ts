// Configuration of the log-routing stack: the router stream and what reads from it.
import { ConfigError, intOrDefault, oneOf, optionalString } from "../modules/common/validate";

export interface StreamConfig {
  /** Suffix of the stream name (`<name>-<suffix>`). */
  nameSuffix?: string;
  /** @default "ON_DEMAND" */
  mode?: "ON_DEMAND" | "PROVISIONED";
  /** PROVISIONED only. @default 1 */
  shardCount?: number;
  /** @default 24 */
  retentionHours?: number;
}

export interface LogRoutingConfig {
  /** The stream applications and CloudWatch Logs subscriptions write to. */
  router?: StreamConfig;
}

export interface ResolvedLogRoutingConfig {
  router: Required<Pick<StreamConfig, "nameSuffix" | "mode" | "retentionHours">> & { shardCount?: number };
}

export function validateLogRoutingConfig(field: string, raw: LogRoutingConfig | undefined): ResolvedLogRoutingConfig {
  if (raw !== undefined && (typeof raw !== "object" || raw === null)) throw new ConfigError(field, "must be an object");
  const router = raw?.router ?? {};
  const mode = oneOf(`${field}.router.mode`, router.mode ?? "ON_DEMAND", ["ON_DEMAND", "PROVISIONED"] as const);
  return {
    router: {
      nameSuffix:
        optionalString(`${field}.router.nameSuffix`, router.nameSuffix, {
          pattern: /^[a-z0-9-]{1,40}$/,
          hint: "lower-case letters, digits and '-', up to 40",
        }) ?? "router",
      mode,
      shardCount:
        mode === "PROVISIONED" ? intOrDefault(`${field}.router.shardCount`, router.shardCount, 1, 1, 10000) : undefined,
      retentionHours: intOrDefault(`${field}.router.retentionHours`, router.retentionHours, 24, 24, 8760),
    },
  };
}
