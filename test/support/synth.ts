// Synthesizes the app into a temporary directory and reads the stacks back as JSON for assertions.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type AppConfig, type ConfigError, validateAppConfig } from "../../config";
import example from "../../config/example";
import { buildApp } from "../../stacks/app";
import { configErrorFrom } from "./config-error";

export type TfJson = {
  terraform?: Record<string, unknown>;
  provider?: Record<string, Array<Record<string, unknown>>>;
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  output?: Record<string, unknown>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
};

export function synthApp(config: AppConfig = example): { outdir: string; stacks: Record<string, TfJson> } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "synth-"));
  buildApp(config, { outdir }).app.synth();
  const stacks: Record<string, TfJson> = {};
  for (const id of fs.readdirSync(path.join(outdir, "stacks"))) {
    stacks[id] = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", id, "cdk.tf.json"), "utf8")) as TfJson;
  }
  return { outdir, stacks };
}

/** All resources of one Terraform type in a stack, by construct-derived name. */
export function resourcesOf(stack: TfJson, type: string): Record<string, Record<string, unknown>> {
  return stack.resource?.[type] ?? {};
}

/** A deep copy of the example configuration, to break one field at a time. */
export function exampleConfig(): AppConfig {
  return structuredClone(example);
}

/** The ConfigError that validating `config` raises; fails when the configuration is accepted. */
export function configErrorOf(config: AppConfig): ConfigError {
  return configErrorFrom(() => validateAppConfig(config));
}
