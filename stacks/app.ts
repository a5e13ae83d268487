// Builds both stacks from one validated configuration.
import { App } from "cdktf";
import { type AppConfig, validateAppConfig } from "../config";
import { LogRoutingStack } from "./log-routing";
import { WorkerFleetStack } from "./worker-fleet";

export const STACK_IDS = { workerFleet: "worker-fleet", logRouting: "log-routing" } as const;

export function buildApp(raw: AppConfig, opts: { outdir?: string } = {}) {
  const config = validateAppConfig(raw);
  // No construct stack traces in the manifest: they would put this machine's paths into the synthesized output.
  const app = new App({ outdir: opts.outdir, skipValidation: false, stackTraces: false });
  const workerFleet = new WorkerFleetStack(app, STACK_IDS.workerFleet, config);
  const logRouting = new LogRoutingStack(app, STACK_IDS.logRouting, config);
  return { app, config, workerFleet, logRouting };
}
