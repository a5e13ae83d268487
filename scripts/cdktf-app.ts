// cdktf.json's "app": synthesizes the stacks (main.ts), then makes every synthesized stack directory work with no
// network for the Terraform that `cdktf diff` / `cdktf deploy` run in it. cdktf runs terraform with its own process
// environment, which this app cannot change, so the stack directory itself carries the provider configuration:
//   - terraform.d/plugins -> the offline provider mirror (the one scripts/terraform.ts finds). Terraform reads
//     `terraform.d/plugins` in its working directory as an implied local mirror whenever the CLI configuration has
//     no provider_installation block, so `terraform init` there installs hashicorp/* from the mirror, not the registry.
//   - .terraform.lock.hcl written by `terraform init -backend=false` with the npm scripts' CLI configuration
//     (terraformEnv()), so cdktf never runs `terraform providers lock`, which always asks the registry.
// Without a mirror on the machine nothing is changed (Terraform downloads from the registry as usual).
import * as fs from "node:fs";
import * as path from "node:path";
import { findProviderMirror, forEachStack, PROJECT_ROOT, stackDirs, terraformOk } from "./terraform";

/** `aws` / `hashicorp/aws` / `registry.terraform.io/hashicorp/aws` -> the lock file's provider address. */
function providerAddress(source: string): string {
  const parts = source.split("/");
  if (parts.length === 1) return `registry.terraform.io/hashicorp/${parts[0]}`;
  if (parts.length === 2) return `registry.terraform.io/${source}`;
  return source;
}

/** Whether the stack's lock file already pins every required provider at its required (exact) version. */
export function lockMatches(stackDir: string): boolean {
  const lockFile = path.join(stackDir, ".terraform.lock.hcl");
  if (!fs.existsSync(lockFile)) return false;
  const lock = fs.readFileSync(lockFile, "utf8");
  const stack = JSON.parse(fs.readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8")) as {
    terraform?: { required_providers?: Record<string, { source?: string; version?: string }> };
  };
  return Object.entries(stack.terraform?.required_providers ?? {}).every(([name, p]) => {
    const block = lock.match(new RegExp(`provider "${providerAddress(p.source ?? name)}" \\{([^}]*)\\}`));
    return block !== null && (!p.version || block[1]!.includes(`version     = "${p.version}"`));
  });
}

/** Points `<stackDir>/terraform.d/plugins` at the mirror (replacing a stale link). */
export function linkMirror(stackDir: string, mirror: string): void {
  const dir = path.join(stackDir, "terraform.d");
  const link = path.join(dir, "plugins");
  fs.mkdirSync(dir, { recursive: true });
  try {
    if (fs.readlinkSync(link) === mirror) return;
    fs.rmSync(link, { force: true });
  } catch {
    fs.rmSync(link, { recursive: true, force: true });
  }
  fs.symlinkSync(mirror, link, "dir");
}

/** Prepares every stack directory under `outdir` for offline `terraform init`; returns the stacks it initialised. */
export async function prepareOfflineStacks(outdir: string, mirror = findProviderMirror()): Promise<string[]> {
  if (!mirror) return [];
  const dirs = stackDirs(outdir);
  for (const dir of dirs) linkMirror(dir, mirror);
  const stale = dirs.filter((dir) => !lockMatches(dir));
  await forEachStack(
    stale,
    (dir) => terraformOk(["init", "-backend=false", "-input=false"], dir),
    async () => undefined,
  );
  return stale.map((dir) => path.basename(dir));
}

async function main(): Promise<void> {
  await import("../main");
  const outdir = path.resolve(process.env.CDKTF_OUTDIR ?? path.join(PROJECT_ROOT, "cdktf.out"));
  await prepareOfflineStacks(outdir);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
