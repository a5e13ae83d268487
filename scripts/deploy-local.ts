// `npm run deploy:local`: try the stacks with no AWS account. Starts the moto emulator, synthesizes the configuration
// (APP_CONFIG, default config/local.ts) in emulator mode, applies every stack, shows that a second plan has no
// changes, destroys, stops the emulator and removes its temporary directory.
//
//   --keep            skip the destroy and stay up until Ctrl-C (SIGINT) or SIGTERM, printing where the state lives
//                     and the exact `terraform -chdir=... output` commands; the signal then stops the emulator (the
//                     resources live only in its memory) and removes the directory.
//   --stack <name>    only this stack (repeatable): worker-fleet, log-routing.
//
// APP_CONFIG may name any configuration: its emulator endpoint and backend are always replaced (emulator mode, local
// state in the temporary directory), so a configuration written for AWS never reaches AWS or its state bucket.
//
// npm runs it as `node --import tsx`, one process, not through the tsx CLI: the CLI relays Ctrl-C to its child and,
// when the child does not acknowledge the signal within 30 ms (easily missed on a loaded machine), kills it with
// SIGKILL and exits 130, cutting the cleanup short. scripts/demo.ts runs the same way for the same reason.
import "./quiet-sdk";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type Emulator, startEmulator } from "../test/support/emulator";
import { cycleStack, emulatorTerraformEnv, synthForEmulator } from "./local-cycle";
import { forEachStack, PROJECT_ROOT, stackDirs, terraformOk } from "./terraform";

/** The configuration module the synth reads, and how to name it to the user. */
export interface EmulatorConfig {
  file: string;
  label: string;
}

/**
 * The configuration for an emulator synth: config/local.ts when `appConfig` is unset; otherwise a module written into
 * `workdir` that re-exports `appConfig` with the emulator endpoint and local state in `workdir` (both from the
 * environment synthForEmulator sets), whatever that configuration says about either.
 */
export function emulatorConfig(appConfig: string | undefined, workdir: string): EmulatorConfig {
  if (!appConfig) return { file: path.join(PROJECT_ROOT, "config", "local.ts"), label: "config/local.ts (default)" };
  const target = path.resolve(appConfig);
  if (!fs.existsSync(target) && !fs.existsSync(`${target}.ts`))
    throw new Error(`APP_CONFIG=${appConfig}: no such file`);
  const file = path.join(workdir, "app-config.emulator.ts");
  fs.writeFileSync(
    file,
    [
      `// Written by scripts/deploy-local.ts: ${target} in emulator mode, with local state in this directory.`,
      `const base = require(${JSON.stringify(target)}).default;`,
      `const { inEmulator } = require(${JSON.stringify(path.join(PROJECT_ROOT, "config", "local"))});`,
      `if (!base) throw new Error(${JSON.stringify(`${appConfig}: the configuration module must have a default export`)});`,
      "export default inEmulator(base, process.env.AWS_ENDPOINT_URL, process.env.TF_STATE_DIR);",
      "",
    ].join("\n"),
  );
  return { file, label: `APP_CONFIG=${appConfig} (emulator endpoint and local state forced)` };
}

/** The shell command that prints a stack's outputs from the kept state (init already ran in that directory). */
export function outputCommand(stackDir: string, name?: string): string {
  return `terraform -chdir=${stackDir} output${name ? ` -raw ${name}` : ""}`;
}

/**
 * Resolves on the first SIGINT or SIGTERM. Until then a timer keeps the event loop alive: the emulator child and its
 * pipes are unref'd, so without it node would exit, and its exit handler would take the emulator with it. Later
 * signals are ignored, so the cleanup that follows is not cut short (Ctrl-C reaches npm and tsx too, and npm answers
 * it with a SIGTERM to its child); the listeners do not keep node alive once the cleanup is done.
 */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const alive = setInterval(() => {}, 60_000);
    let first: NodeJS.Signals | undefined;
    const done = (signal: NodeJS.Signals) => {
      if (first) return;
      first = signal;
      clearInterval(alive);
      resolve(signal);
    };
    process.on("SIGINT", done);
    process.on("SIGTERM", done);
  });
}

/**
 * Until `disarm` is called, a SIGINT or SIGTERM runs `cleanup` once and then exits 130 (SIGINT) or 143 (SIGTERM);
 * signals arriving during the cleanup are ignored.
 */
export function onInterrupt(cleanup: () => Promise<void>, describe: string): { disarm(): void } {
  let seen = false;
  const handler = (signal: NodeJS.Signals) => {
    if (seen) return;
    seen = true;
    console.log(`\n${signal}: ${describe}`);
    void cleanup().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return {
    disarm() {
      if (seen) return;
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
    },
  };
}

function parseArgs(argv: string[]): { keep: boolean; stacks: string[] } {
  const stacks: string[] = [];
  let keep = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--keep") keep = true;
    else if (a === "--stack" && argv[i + 1]) stacks.push(argv[++i]!);
    else if (a.startsWith("--stack=")) stacks.push(a.slice("--stack=".length));
    else throw new Error(`unknown argument ${a}\nusage: npm run deploy:local -- [--keep] [--stack <name>]...`);
  }
  return { keep, stacks };
}

async function main(): Promise<number> {
  const { keep, stacks } = parseArgs(process.argv.slice(2));
  const workdir = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-local-"));
  let emulator: Emulator | undefined;
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    await emulator?.stop();
    fs.rmSync(workdir, { recursive: true, force: true });
  };
  // Ctrl-C before the resources are up: Terraform (same process group) stops too; stop the emulator, remove the
  // directory, exit 130. With --keep, once everything is up, the wait below takes the signal instead.
  const interrupt = onInterrupt(cleanup, `stopping the emulator and removing ${workdir}`);
  try {
    emulator = await startEmulator();
    console.log(`moto emulator listening on ${emulator.endpoint} (pid ${emulator.pid})`);
    const config = emulatorConfig(process.env.APP_CONFIG, workdir);
    console.log(`configuration: ${config.label}`);
    const outdir = synthForEmulator({ endpoint: emulator.endpoint, configFile: config.file }, workdir);
    let dirs = stackDirs(outdir);
    if (stacks.length > 0) {
      const unknown = stacks.filter((s) => !dirs.some((d) => path.basename(d) === s));
      if (unknown.length > 0) {
        throw new Error(`no stack ${unknown.join(", ")}; stacks: ${dirs.map((d) => path.basename(d)).join(", ")}`);
      }
      dirs = dirs.filter((d) => stacks.includes(path.basename(d)));
    }
    const tfEnv = emulatorTerraformEnv();
    const results = await forEachStack(
      dirs,
      (dir) => {
        console.log(`  ${path.basename(dir)}: terraform init`);
        return terraformOk(["init", "-input=false"], dir, tfEnv);
      },
      (dir) => cycleStack(dir, tfEnv, keep, (l) => console.log(`  ${l}`)),
    );
    let ok = true;
    for (const c of results) {
      const replan = c.replanExitCode === 0 ? "no changes" : `CHANGES (exit ${c.replanExitCode})`;
      const destroyed = keep ? "" : `; destroyed in ${c.destroySeconds.toFixed(1)} s`;
      console.log(`${c.stack}: applied in ${c.applySeconds.toFixed(1)} s; second plan: ${replan}${destroyed}`);
      for (const [name, out] of Object.entries(c.outputs)) console.log(`  ${name} = ${JSON.stringify(out.value)}`);
      if (c.replanExitCode !== 0) {
        ok = false;
        console.log(c.replanOutput);
      }
    }
    if (keep) {
      interrupt.disarm();
      const signal = untilSignal();
      console.log(`\nResources kept on the emulator at ${emulator.endpoint}. State and synthesized stacks: ${workdir}`);
      for (const c of results) {
        console.log(`  ${c.stack}: state ${path.join(workdir, `terraform.${c.stack}.tfstate`)}`);
        console.log(`    ${outputCommand(c.dir)}`);
      }
      console.log(
        `AWS CLI: AWS_ENDPOINT_URL=${emulator.endpoint} AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test aws ...`,
      );
      console.log(`Ctrl-C stops the emulator (the resources live only in its memory) and removes ${workdir}.`);
      console.log(`${await signal}: stopping the emulator and removing ${workdir}`);
    }
    return ok ? 0 : 1;
  } finally {
    await cleanup();
  }
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
