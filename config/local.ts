// The example configuration in emulator mode, for `npm run deploy:local`, `npm run demo` and the integration tests.
import example from "./example";
import type { AppConfig } from "./index";

/**
 * Any configuration made safe and runnable on the emulator: emulator mode (every endpoint at `endpoint`), local state
 * in `stateDirectory`, the emulator's default VPC instead of the configured network (its subnet and security group ids
 * do not exist there), and buckets that `terraform destroy` may empty. Nothing of it can reach AWS or the state bucket.
 */
export function inEmulator(base: AppConfig, endpoint: string, stateDirectory?: string): AppConfig {
  const { subnetIds: _subnets, securityGroupIds: _groups, ...workerFleet } = base.workerFleet;
  const { logRouting } = base;
  return {
    ...base,
    emulator: { endpoint },
    backend: { type: "local", directory: stateDirectory },
    workerFleet,
    logRouting: {
      ...logRouting,
      failedRecords: { ...logRouting.failedRecords, forceDestroy: true },
      sinks: logRouting.sinks && {
        ...logRouting.sinks,
        s3: logRouting.sinks.s3?.map((s) => ({ ...s, forceDestroy: true })),
      },
    },
  };
}

const config: AppConfig = inEmulator(
  example,
  process.env.AWS_ENDPOINT_URL ?? "http://127.0.0.1:5000",
  process.env.TF_STATE_DIR,
);

export default config;
