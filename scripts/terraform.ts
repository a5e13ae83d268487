// Runs Terraform on synthesized stacks: CLI configuration (offline provider mirror when present), init, validate,
// apply, plan, destroy. Used by `npm run validate`, `npm run deploy:local` and the integration tests.
import { execFile, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const PROJECT_ROOT = path.resolve(__dirname, "..");
const MIRROR_CANDIDATES = [
  process.env.TF_PROVIDER_MIRROR,
  "/opt/tf-plugins",
  path.join(os.homedir(), ".terraform.d", "plugins"),
  "/usr/local/share/terraform/plugins",
  "/usr/share/terraform/plugins",
];

/** The directory holding `registry.terraform.io/hashicorp/aws`, if this machine has an offline provider mirror. */
export function findProviderMirror(): string | undefined {
  for (const dir of MIRROR_CANDIDATES) {
    if (dir && fs.existsSync(path.join(dir, "registry.terraform.io", "hashicorp", "aws"))) return dir;
  }
  try {
    const found = execFileSync(
      "find",
      [
        "/",
        "-maxdepth",
        "6",
        "-type",
        "d",
        "-path",
        "*/registry.terraform.io/hashicorp/aws",
        "-not",
        "-path",
        "/proc/*",
        "-not",
        "-path",
        "*/.terraform/*",
      ],
      { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 20_000 },
    );
    const first = found.split("\n").find((l) => l.trim().length > 0);
    return first ? path.resolve(first, "..", "..", "..") : undefined;
  } catch (e) {
    const out = (e as { stdout?: string }).stdout ?? "";
    const first = out.split("\n").find((l) => l.trim().length > 0);
    return first ? path.resolve(first, "..", "..", "..") : undefined;
  }
}

let cachedEnv: NodeJS.ProcessEnv | undefined;

/**
 * The CLI configuration text. With an offline mirror, hashicorp/* installs from it and nothing else: an unpacked
 * mirror is already on local disk and `terraform init` links each stack's provider straight into it, so there is no
 * plugin cache to share. A shared cache would be unsafe here: every init of a directory without a lock file
 * re-installs the provider into the cache (removes its entry, then links it again), and during that window any other
 * Terraform whose `.terraform` links through the cache cannot find the provider binary. A CI run failed that way
 * (`fork/exec .../terraform-provider-aws_v5.100.0_x5: no such file or directory` in a concurrent plan). Without a
 * mirror, providers come from the registry and the cache saves downloading them for every stack.
 */
export function cliConfiguration(mirror: string | undefined, cache: string): string {
  if (!mirror) return `plugin_cache_dir = ${JSON.stringify(cache)}\n`;
  return `${[
    "provider_installation {",
    "  filesystem_mirror {",
    `    path = ${JSON.stringify(mirror)}`,
    '    include = ["registry.terraform.io/hashicorp/*"]',
    "  }",
    "  direct {",
    '    exclude = ["registry.terraform.io/hashicorp/*"]',
    "  }",
    "}",
  ].join("\n")}\n`;
}

/**
 * Environment for running Terraform: a generated CLI configuration (cliConfiguration()) that installs hashicorp/aws
 * from the offline mirror when one exists, or from the registry through a plugin cache otherwise.
 */
export function terraformEnv(): NodeJS.ProcessEnv {
  if (cachedEnv) return cachedEnv;
  const dir = path.join(PROJECT_ROOT, ".tfcli");
  const cache = path.join(dir, "plugin-cache");
  const mirror = findProviderMirror();
  fs.mkdirSync(mirror ? dir : cache, { recursive: true });
  const file = path.join(dir, "terraform.tfrc");
  // Every process that runs Terraform (each jest worker, each script) writes this file; a Terraform started by another
  // process may be reading it, so it is replaced whole (rename), never truncated in place.
  const text = cliConfiguration(mirror, cache);
  if (!fs.existsSync(file) || fs.readFileSync(file, "utf8") !== text) {
    const temp = `${file}.${process.pid}`;
    fs.writeFileSync(temp, text);
    fs.renameSync(temp, file);
  }
  cachedEnv = {
    ...process.env,
    TF_CLI_CONFIG_FILE: file,
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    CHECKPOINT_DISABLE: "1",
    DISABLE_VERSION_CHECK: "1",
  };
  return cachedEnv;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `terraform <args>` in a stack directory; resolves with the exit code (does not throw on non-zero). */
export function terraform(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      "terraform",
      [...args, "-no-color"],
      { cwd, env: { ...terraformEnv(), ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") return reject(error);
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}

/** Like terraform(), but a non-zero exit is an error that carries Terraform's own message. */
export async function terraformOk(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const r = await terraform(args, cwd, env);
  if (r.code !== 0) {
    throw new Error(
      `terraform ${args[0]} failed in ${path.relative(PROJECT_ROOT, cwd)} (exit ${r.code}):\n${r.stderr || r.stdout}`,
    );
  }
  return r.stdout;
}

export function stackDirs(outdir: string): string[] {
  const root = path.join(outdir, "stacks");
  return fs
    .readdirSync(root)
    .filter((d) => fs.existsSync(path.join(root, d, "cdk.tf.json")))
    .sort()
    .map((d) => path.join(root, d));
}

/**
 * Runs `work` for every stack directory concurrently, except that the first stack's `init` runs alone: without a
 * mirror, the first init downloads the provider into the plugin cache and the others then link it from there.
 */
export async function forEachStack<T>(
  dirs: string[],
  init: (dir: string) => Promise<unknown>,
  work: (dir: string) => Promise<T>,
): Promise<T[]> {
  if (dirs.length === 0) return [];
  await init(dirs[0]);
  await Promise.all(dirs.slice(1).map(init));
  return Promise.all(dirs.map(work));
}

/** `terraform init -backend=false` and `terraform validate` for every synthesized stack. */
export async function validateStacks(outdir: string): Promise<Array<{ stack: string; seconds: number }>> {
  const started = Date.now();
  return forEachStack(
    stackDirs(outdir),
    (dir) => terraformOk(["init", "-backend=false", "-input=false"], dir),
    async (dir) => {
      await terraformOk(["validate"], dir);
      return { stack: path.basename(dir), seconds: (Date.now() - started) / 1000 };
    },
  );
}
