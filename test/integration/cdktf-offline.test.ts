// cdktf's own commands with no network: `cdktf synth` leaves every stack directory able to `terraform init` from the
// offline provider mirror (cdktf.json's app, scripts/cdktf-app.ts), `cdktf diff` plans a stack against the emulator
// with the environment cdktf itself is given (no TF_CLI_CONFIG_FILE), and the wrapper (scripts/cdktf.ts) prints no
// checkpoint error. "No network": every proxy variable points at a closed port, except for the emulator.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { emulatorTerraformEnv, rerunOnTransportError } from "../../scripts/local-cycle";
import { findProviderMirror, PROJECT_ROOT } from "../../scripts/terraform";
import { type Emulator, startEmulator } from "../support/emulator";
import { describeWithMirror } from "../support/require-tools";

const mirror = findProviderMirror();
const CDKTF = path.join(PROJECT_ROOT, "node_modules", ".bin", "cdktf");
const CHECKPOINT_ERROR = /checkpoint-api\.hashicorp\.com|Could not send telemetry/i;

/** The caller's environment without Terraform/cdktf settings (a fresh shell), and no way out to the internet. */
function offlineEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^(TF_|CDKTF_|CHECKPOINT_DISABLE$|DISABLE_VERSION_CHECK$)/.test(key)) delete env[key];
  }
  const dead = "http://127.0.0.1:9";
  return {
    ...env,
    HTTPS_PROXY: dead,
    HTTP_PROXY: dead,
    https_proxy: dead,
    http_proxy: dead,
    NO_PROXY: "127.0.0.1,localhost",
    no_proxy: "127.0.0.1,localhost",
    FORCE_COLOR: "0",
    CI: "1",
    ...extra,
  };
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number; output: string }>((resolve) => {
    execFile(file, args, { cwd: PROJECT_ROOT, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}\n${stderr}` });
    });
  });
}

describeWithMirror(mirror, "cdktf with the offline provider mirror", () => {
  let workdir: string;
  let emulator: Emulator | undefined;

  beforeAll(() => {
    // Prepare / Act
    workdir = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-offline-"));
  });
  afterAll(async () => {
    await emulator?.stop();
    fs.rmSync(workdir, { recursive: true, force: true });
  });

  test("cdktf synth prepares every stack directory to install the provider from the mirror", async () => {
    // Act: plain `npx cdktf synth`, as a new user runs it.
    const outdir = path.join(workdir, "plain");
    const { code, output } = await run(CDKTF, ["synth", "--output", outdir], offlineEnv());
    // Assess
    expect({ code, output: code === 0 ? "" : output }).toEqual({ code: 0, output: "" });
    for (const stack of ["worker-fleet", "log-routing"]) {
      const dir = path.join(outdir, "stacks", stack);
      expect(fs.readlinkSync(path.join(dir, "terraform.d", "plugins"))).toBe(mirror);
      expect(fs.readFileSync(path.join(dir, ".terraform.lock.hcl"), "utf8")).toMatch(
        /provider "registry.terraform.io\/hashicorp\/aws" \{\s*version\s*= "5.100.0"/,
      );
    }
  }, 180_000);

  test("npm run cdktf (the wrapper) synthesizes with no checkpoint error", async () => {
    // Act
    const { code, output } = await run(
      "npm",
      ["run", "--silent", "cdktf", "--", "synth", "--output", path.join(workdir, "wrapped")],
      offlineEnv(),
    );
    // Assess
    expect(code).toBe(0);
    expect(output).toMatch(/Generated Terraform code for the stacks/);
    expect(output).not.toMatch(CHECKPOINT_ERROR);
    expect(output).not.toMatch(/Unable to open CLI configuration file/);
  }, 180_000);

  test("cdktf diff plans a stack against the emulator, the provider found without network", async () => {
    // Prepare: the emulator configuration, its state in the work directory.
    emulator = await startEmulator();
    const env = offlineEnv({
      ...emulatorTerraformEnv(),
      APP_CONFIG: path.join(PROJECT_ROOT, "config", "local.ts"),
      AWS_ENDPOINT_URL: emulator.endpoint,
      AWS_REGION: emulator.region,
      TF_STATE_DIR: workdir,
    });
    // Act: a plan is read-only, so one the emulator's dropped connection failed is simply planned again.
    const { code, output } = await rerunOnTransportError(
      "cdktf diff",
      async () => {
        const r = await run(CDKTF, ["diff", "worker-fleet", "--output", path.join(workdir, "diff")], env);
        return { ...r, stderr: r.output };
      },
      () => {},
    );
    // Assess
    expect({ code, tail: code === 0 ? "" : output.slice(-4000) }).toEqual({ code: 0, tail: "" });
    expect(output).toMatch(/Plan: \d+ to add, 0 to change, 0 to destroy/);
    expect(output).not.toMatch(/registry\.terraform\.io.*(connect|discovery)/i);
  }, 300_000);
});
