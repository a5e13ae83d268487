// The Terraform environment every script and suite uses (scripts/terraform.ts terraformEnv()). Suites run in parallel
// jest workers, each running `terraform init` in fresh stack directories while others plan or apply: a stack that is
// initialized must keep finding its provider binary while other directories initialize. A shared plugin cache broke
// that (each fresh init removes and re-links the cache entry every other directory points through), and a CI run
// failed on it.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { cliConfiguration, findProviderMirror, terraformEnv, terraformOk } from "../../scripts/terraform";
import { describeWithMirror } from "../support/require-tools";

jest.setTimeout(300_000);

const mirror = findProviderMirror();
const PROVIDER = { aws: { source: "hashicorp/aws", version: "5.100.0" } };
const INITS = 12;

function stack(root: string, name: string): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify({ terraform: { required_providers: PROVIDER } }));
  return dir;
}

describe("the CLI configuration", () => {
  it("installs from the mirror without a plugin cache, and caches registry downloads only without one", () => {
    // Act
    const withMirror = cliConfiguration("/opt/tf-plugins", "/tmp/cache");
    const withoutMirror = cliConfiguration(undefined, "/tmp/cache");
    // Assess
    expect(withMirror).toContain('path = "/opt/tf-plugins"');
    expect(withMirror).not.toContain("plugin_cache_dir");
    expect(withoutMirror).toBe('plugin_cache_dir = "/tmp/cache"\n');
  });
});

// The race below needs the offline install (describeWithMirror: skipped without a mirror outside CI, failed under CI).
describeWithMirror(mirror, "terraform init in parallel directories", () => {
  let root: string;

  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "terraform-env-"));
  });

  afterAll(() => {
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it("never takes away the provider binary of a directory already initialized", async () => {
    // Prepare: one initialized stack, and the path its provider is executed from.
    const ready = stack(root, "ready");
    await terraformOk(["init", "-input=false"], ready);
    const platform = path.join(
      ready,
      ".terraform",
      "providers",
      "registry.terraform.io",
      "hashicorp",
      "aws",
      "5.100.0",
    );
    const [arch] = fs.readdirSync(platform);
    const binary = fs.readdirSync(path.join(platform, arch)).find((f) => f.startsWith("terraform-provider-aws"));
    if (!binary) throw new Error(`no provider binary under ${platform}`);
    const executable = path.join(platform, arch, binary);
    const others = Array.from({ length: INITS }, (_, i) => stack(root, `other-${i}`));
    const done = path.join(root, "done");
    // Act: a shell runs the other inits one after another (with the same environment) while this process checks the
    // binary as fast as it can. The check loop is synchronous, so the shell, not the event loop, drives the inits.
    const script = [
      'for d in "$@"; do',
      '  (cd "$d" && terraform init -input=false -no-color) >"$d/init.log" 2>&1 || { echo 1 >"$DONE"; exit 1; }',
      'done; echo 0 >"$DONE"',
    ].join("\n");
    const child = spawn("bash", ["-c", script, "inits", ...others], {
      env: { ...terraformEnv(), DONE: done },
      stdio: "ignore",
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    let checks = 0;
    let missing = 0;
    const deadline = Date.now() + 240_000;
    while (!fs.existsSync(done) && Date.now() < deadline) {
      checks++;
      try {
        fs.accessSync(executable, fs.constants.X_OK);
      } catch {
        missing++;
      }
    }
    // Assess
    expect(await exited).toBe(0);
    for (const dir of others) expect(fs.existsSync(path.join(dir, ".terraform", "providers"))).toBe(true);
    expect(checks).toBeGreaterThan(1000);
    expect({ checks, missing }).toEqual({ checks, missing: 0 });
  });
});
