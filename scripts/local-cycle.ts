// The emulator deploy cycle: synth in emulator mode, `terraform apply`, a second plan that must show no changes,
// then destroy. Shared by `npm run deploy:local` and the integration tests.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { forEachStack, PROJECT_ROOT, stackDirs, terraform, terraformOk } from "./terraform";

export interface StackCycle {
  stack: string;
  /** The stack's synthesized directory (its state and `terraform -chdir` target). */
  dir: string;
  applySeconds: number;
  /** Exit code of `terraform plan -detailed-exitcode` after apply: 0 means no changes. */
  replanExitCode: number;
  replanOutput: string;
  outputs: Record<string, { value: unknown }>;
  destroySeconds: number;
}

export interface CycleOptions {
  /** Emulator endpoint, e.g. http://127.0.0.1:45123 */
  endpoint: string;
  /** Extra environment for the synth (AWS credentials for the emulator are added here). */
  env?: Record<string, string>;
  /** Configuration module; default config/local.ts (the example in emulator mode). */
  configFile?: string;
  /** Keep resources (skip destroy). */
  keep?: boolean;
  /** Checkout whose main.ts (and default config/local.ts) is synthesized; default this one. */
  projectRoot?: string;
  log?: (line: string) => void;
}

/**
 * Synthesizes the app for the emulator (Terraform state in `workdir`) into `outdir` (default `workdir/cdktf.out`) and
 * returns that directory.
 */
export function synthForEmulator(
  opts: CycleOptions,
  workdir: string,
  outdir: string = path.join(workdir, "cdktf.out"),
): string {
  const root = opts.projectRoot ?? PROJECT_ROOT;
  const run = () =>
    execFileSync(path.join(root, "node_modules", ".bin", "tsx"), [path.join(root, "main.ts")], {
      cwd: root,
      env: {
        ...process.env,
        ...opts.env,
        APP_CONFIG: opts.configFile ?? path.join(root, "config", "local.ts"),
        AWS_ENDPOINT_URL: opts.endpoint,
        TF_STATE_DIR: workdir,
        CDKTF_OUTDIR: outdir,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
  try {
    run();
  } catch (e) {
    const stderr = String((e as { stderr?: Buffer }).stderr ?? "");
    const cause = stderr.match(/^\w*Error: .*$/m)?.[0] ?? stderr.slice(-2000);
    throw new Error(`synth for the emulator failed: ${cause}`);
  }
  return outdir;
}

/** Environment for Terraform against the emulator: its test credentials, no instance metadata lookups. */
export function emulatorTerraformEnv(env?: Record<string, string>): Record<string, string> {
  return { AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_EC2_METADATA_DISABLED: "true", ...env };
}

export async function localCycle(opts: CycleOptions): Promise<StackCycle[]> {
  const log = opts.log ?? (() => {});
  const workdir = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-local-"));
  const tfEnv = emulatorTerraformEnv(opts.env);
  const outdir = synthForEmulator(opts, workdir);
  try {
    // The stacks are independent; most of each command is the provider starting, so run them side by side.
    return await forEachStack(
      stackDirs(outdir),
      (dir) => {
        log(`${path.basename(dir)}: terraform init`);
        return terraformOk(["init", "-input=false"], dir, tfEnv);
      },
      (dir) => cycleStack(dir, tfEnv, opts.keep ?? false, log),
    );
  } finally {
    if (!opts.keep) fs.rmSync(workdir, { recursive: true, force: true });
  }
}

/**
 * moto's threaded werkzeug server sometimes closes a keep-alive connection the provider is about to reuse ("use of
 * closed network connection", "connection reset"). Plans, applies and destroys converge when run again, so those
 * transport errors, and only those, get up to CONVERGE_ATTEMPTS runs (a loaded 2-core CI machine has needed three in a
 * row on destroy); anything else fails at once.
 */
const CONVERGE_ATTEMPTS = 5;
const EMULATOR_TRANSPORT_ERROR = /use of closed network connection|connection reset by peer|broken pipe|EOF$/m;

/**
 * Runs `run` again while it ends outside `done` (exit codes) with an emulator transport error, up to CONVERGE_ATTEMPTS
 * runs; returns the last result. Only for what is safe to repeat: a plan, or an apply/destroy, where Terraform's state
 * decides what is left to do.
 */
export async function rerunOnTransportError<R extends { code: number; stderr: string }>(
  what: string,
  run: () => Promise<R>,
  log: (l: string) => void,
  done: readonly number[] = [0],
): Promise<R> {
  let result = await run();
  for (let attempt = 2; attempt <= CONVERGE_ATTEMPTS; attempt++) {
    if (done.includes(result.code) || !EMULATOR_TRANSPORT_ERROR.test(result.stderr)) break;
    log(`${what}: emulator transport error, running it again (attempt ${attempt})`);
    result = await run();
  }
  return result;
}

/** `terraform <args>` (apply, destroy) until it succeeds, re-run on emulator transport errors; throws otherwise. */
export async function converge(args: string[], dir: string, tfEnv: Record<string, string>, log: (l: string) => void) {
  const what = `${path.basename(dir)}: terraform ${args[0]}`;
  const r = await rerunOnTransportError(what, () => terraform(args, dir, tfEnv), log);
  if (r.code !== 0) {
    throw new Error(`terraform ${args[0]} failed in ${path.basename(dir)} (exit ${r.code}):\n${r.stderr || r.stdout}`);
  }
}

/** Apply, a second plan that must show no changes, outputs, and (unless `keep`) destroy, for one stack directory. */
export async function cycleStack(
  dir: string,
  tfEnv: Record<string, string>,
  keep: boolean,
  log: (line: string) => void,
): Promise<StackCycle> {
  const stack = path.basename(dir);
  log(`${stack}: terraform apply`);
  let started = Date.now();
  await converge(["apply", "-auto-approve", "-input=false"], dir, tfEnv, log);
  const applySeconds = (Date.now() - started) / 1000;
  log(`${stack}: terraform plan -detailed-exitcode (expect no changes)`);
  // Exit 1 is an error, 2 a change: a plan is read-only, so one the emulator's dropped connection failed runs again.
  const replan = await rerunOnTransportError(
    `${stack}: terraform plan`,
    () => terraform(["plan", "-detailed-exitcode", "-input=false"], dir, tfEnv),
    log,
    [0, 2],
  );
  const outputs = JSON.parse(await terraformOk(["output", "-json"], dir, tfEnv)) as StackCycle["outputs"];
  let destroySeconds = 0;
  if (!keep) {
    log(`${stack}: terraform destroy`);
    started = Date.now();
    await converge(["destroy", "-auto-approve", "-input=false"], dir, tfEnv, log);
    destroySeconds = (Date.now() - started) / 1000;
  }
  return {
    stack,
    dir,
    applySeconds,
    replanExitCode: replan.code,
    replanOutput: replan.code === 0 ? "" : replan.stdout + replan.stderr,
    outputs,
    destroySeconds,
  };
}
