// `npm run deploy:local -- --keep`, end to end: APP_CONFIG honoured, the resources and the emulator kept until Ctrl-C,
// `terraform output` working meanwhile, and everything stopped and removed after.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../scripts/terraform";

jest.setTimeout(420_000);

describe("npm run deploy:local -- --keep", () => {
  let dir: string;
  let child: ChildProcess | undefined;

  afterAll(() => {
    if (child?.pid && child.exitCode === null) process.kill(-child.pid, "SIGKILL");
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("honours APP_CONFIG, stays up until Ctrl-C with working `terraform output`, then stops and cleans up", async () => {
    // Prepare: a configuration of our own, recognisable by its name.
    dir = mkdtempSync(join(tmpdir(), "deploy-local-test-"));
    const configFile = join(dir, "keep-config.ts");
    writeFileSync(
      configFile,
      `import base from ${JSON.stringify(join(PROJECT_ROOT, "config", "example"))};\nexport default { ...base, name: "keep-test" };\n`,
    );
    let out = "";
    const exited = new Promise<number | null>((resolve) => {
      // Its own process group, signalled as a terminal's Ctrl-C signals the foreground group.
      // As `npm run deploy:local` runs it: node with tsx's loader, one process (see scripts/deploy-local.ts).
      child = spawn(
        process.execPath,
        ["--import", "tsx", "scripts/deploy-local.ts", "--keep", "--stack", "worker-fleet"],
        {
          cwd: PROJECT_ROOT,
          env: { ...process.env, APP_CONFIG: configFile },
          detached: true,
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      child.stdout!.on("data", (c: Buffer) => {
        out += c.toString();
      });
      child.stderr!.on("data", (c: Buffer) => {
        out += c.toString();
      });
      child.once("exit", (code) => resolve(code));
    });
    const until = Date.now() + 360_000;
    while (!out.includes("Ctrl-C stops the emulator")) {
      if (child!.exitCode !== null || Date.now() > until) throw new Error(`deploy:local did not come up:\n${out}`);
      await new Promise((r) => setTimeout(r, 500));
    }

    // Act: still up 10 s later; then Ctrl-C.
    await new Promise((r) => setTimeout(r, 10_000));
    const stillRunning = child!.exitCode === null;
    const endpoint = /emulator listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;
    const emulatorAnswered = (await fetch(`${endpoint}/moto-api/`)).ok;
    const command = /^\s+(terraform -chdir=\S+ output)$/m.exec(out)![1]!;
    const stackDir = command.split(" ")[1]!.slice("-chdir=".length);
    const groupName = execFileSync("terraform", [`-chdir=${stackDir}`, "output", "-raw", "autoscaling_group_name"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    const workdir = /State and synthesized stacks: (\S+)/.exec(out)![1]!;
    process.kill(-child!.pid!, "SIGINT");
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([exited, new Promise((r) => (timer = setTimeout(() => r("timeout"), 30_000)))]);
    clearTimeout(timer);

    // Assess
    expect(out).toContain(`configuration: APP_CONFIG=${configFile} (emulator endpoint and local state forced)`);
    expect(stillRunning).toBe(true);
    expect(emulatorAnswered).toBe(true);
    expect(groupName).toBe("keep-test-cribl-workers");
    expect(out).toContain(`state ${workdir}/terraform.worker-fleet.tfstate`);
    // (The output travels with the exit code, so a failure shows why.)
    expect({ code, output: code === 0 ? "" : out.slice(-3000) }).toEqual({ code: 0, output: "" });
    expect(out).toMatch(/SIGINT: stopping the emulator and removing/);
    expect(existsSync(workdir)).toBe(false);
    await expect(fetch(`${endpoint}/moto-api/`)).rejects.toThrow();
  });
});
