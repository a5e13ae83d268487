// `npm run replan-check -- <base-ref>`: proves a refactor changes nothing deployed. Applies the stacks of <base-ref>
// (a git worktree, sharing this checkout's node_modules) to the moto emulator, then plans this working tree's stacks
// against the same state. Prints "no changes" or the plan per stack; exits 1 on any change. Always destroys the base
// resources, stops the emulator and removes the worktree.
import "./quiet-sdk";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type Emulator, startEmulator } from "../test/support/emulator";
import { converge, emulatorTerraformEnv, synthForEmulator } from "./local-cycle";
import { forEachStack, PROJECT_ROOT, stackDirs, terraform, terraformOk } from "./terraform";

const log = (line: string) => console.log(`  ${line}`);
const git = (args: string[]) => execFileSync("git", args, { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "pipe"] });

/**
 * Gives the worktree this checkout's node_modules without an install: a hard-linked copy (well under a second, no
 * extra data). Not a symlink: esbuild resolves symlinks, so the base's Lambda source maps would name
 * `../../work/main/node_modules/...` instead of `node_modules/...`, and every function's source_code_hash would differ.
 */
function shareNodeModules(worktree: string): void {
  const from = path.join(PROJECT_ROOT, "node_modules");
  const to = path.join(worktree, "node_modules");
  try {
    execFileSync("cp", ["-al", from, to], { stdio: ["ignore", "ignore", "pipe"] });
  } catch {
    fs.rmSync(to, { recursive: true, force: true });
    console.warn(
      "warning: node_modules is on another filesystem: symlinked, so Lambda source maps (and hashes) differ",
    );
    fs.symlinkSync(from, to, "dir");
  }
}

async function main(): Promise<boolean> {
  const base = process.argv[2];
  if (!base || base.startsWith("-")) throw new Error("usage: npm run replan-check -- <base-ref>");
  const commit = git(["rev-parse", "--verify", `${base}^{commit}`])
    .toString()
    .trim();
  const started = Date.now();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "replan-check-"));
  const worktree = path.join(tmp, "base");
  const state = path.join(tmp, "state");
  fs.mkdirSync(state);
  let emulator: Emulator | undefined;
  let applied: string[] = [];
  const tfEnv = emulatorTerraformEnv();
  try {
    git(["worktree", "add", "--detach", worktree, commit]);
    shareNodeModules(worktree);
    emulator = await startEmulator();
    console.log(`base ${base} (${commit.slice(0, 12)}) in ${worktree}; moto on ${emulator.endpoint}`);

    const baseDirs = stackDirs(
      synthForEmulator({ endpoint: emulator.endpoint, projectRoot: worktree }, state, path.join(tmp, "base.out")),
    );
    applied = baseDirs;
    await forEachStack(
      baseDirs,
      (dir) => terraformOk(["init", "-input=false"], dir, tfEnv),
      (dir) => {
        log(`${path.basename(dir)}: terraform apply (base)`);
        return converge(["apply", "-auto-approve", "-input=false"], dir, tfEnv, log);
      },
    );

    const currentDirs = stackDirs(
      synthForEmulator({ endpoint: emulator.endpoint }, state, path.join(tmp, "current.out")),
    );
    const plans = await forEachStack(
      currentDirs,
      (dir) => terraformOk(["init", "-input=false"], dir, tfEnv),
      async (dir) => {
        log(`${path.basename(dir)}: terraform plan -detailed-exitcode (current tree)`);
        return {
          stack: path.basename(dir),
          ...(await terraform(["plan", "-detailed-exitcode", "-input=false"], dir, tfEnv)),
        };
      },
    );

    let ok = true;
    const current = new Set(plans.map((p) => p.stack));
    for (const dir of baseDirs) {
      if (current.has(path.basename(dir))) continue;
      ok = false;
      console.log(`${path.basename(dir)}: CHANGES: the stack no longer exists in the current tree`);
    }
    for (const p of plans) {
      if (p.code === 0) console.log(`${p.stack}: no changes`);
      else {
        ok = false;
        console.log(`${p.stack}: ${p.code === 2 ? "CHANGES" : `plan failed (exit ${p.code})`}\n${p.stdout}${p.stderr}`);
      }
    }
    console.log(`replan-check ${ok ? "passed" : "FAILED"} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return ok;
  } finally {
    await Promise.all(
      applied.map((dir) => {
        log(`${path.basename(dir)}: terraform destroy (base)`);
        return converge(["destroy", "-auto-approve", "-input=false"], dir, tfEnv, log).catch((e: unknown) =>
          console.error(`destroy failed: ${e instanceof Error ? e.message : e}`),
        );
      }),
    );
    await emulator?.stop();
    // Remove the shared node_modules first (links only): removing the worktree must never reach into this checkout's.
    fs.rmSync(path.join(worktree, "node_modules"), { recursive: true, force: true });
    if (fs.existsSync(worktree)) {
      try {
        git(["worktree", "remove", "--force", worktree]);
      } catch (e) {
        console.error(`git worktree remove failed: ${String((e as { stderr?: Buffer }).stderr ?? e)}`);
      }
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  (ok) => {
    if (!ok) process.exitCode = 1;
  },
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 1;
  },
);
