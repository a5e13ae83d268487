// `npx tsx scripts/cdktf.ts <cdktf arguments>`: the cdktf CLI with the environment the npm scripts give Terraform
// (scripts/terraform.ts terraformEnv(): TF_CLI_CONFIG_FILE with the offline provider mirror, or a plugin cache
// without one, CHECKPOINT_DISABLE=1 so neither cdktf nor Terraform calls checkpoint-api.hashicorp.com,
// DISABLE_VERSION_CHECK=1).
// Plain `npx cdktf ...` also works offline (cdktf.json's app prepares the stack directories, see cdktf-app.ts); this
// wrapper adds the silenced telemetry and uses exactly the npm scripts' CLI configuration.
import { spawn } from "node:child_process";
import * as path from "node:path";
import { PROJECT_ROOT, terraformEnv } from "./terraform";

const bin = path.join(PROJECT_ROOT, "node_modules", ".bin", process.platform === "win32" ? "cdktf.cmd" : "cdktf");
const child = spawn(bin, process.argv.slice(2), { cwd: PROJECT_ROOT, env: terraformEnv(), stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0);
});
child.on("error", (e) => {
  console.error(`cannot run ${bin}: ${e.message}`);
  process.exitCode = 2;
});
