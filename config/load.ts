// Picks the configuration module: APP_CONFIG names a file exporting an AppConfig as default; the example otherwise.
import * as path from "node:path";
import type { AppConfig } from "./index";

export function loadConfig(file = process.env.APP_CONFIG): AppConfig {
  const target = file ? path.resolve(file) : path.join(__dirname, "example");
  // eslint-style dynamic require keeps synth synchronous, as cdktf expects.
  const mod = require(target) as { default?: AppConfig };
  if (!mod.default) throw new Error(`${file}: the configuration module must have a default export`);
  return mod.default;
}
