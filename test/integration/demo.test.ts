// `npm run demo` and `npm run deploy:local -- --keep`, end to end on the real emulator and Terraform.
//
// The demo: the worker-fleet stack deployed by Terraform; a scale-in raises the lifecycle action, the emulator sends
// "EC2 Instance-terminate Lifecycle Action" to EventBridge, the lifecycle rule invokes the deployed start-drain, the
// drain runs against a simulated worker whose queue drains over a minute, and the action is completed (Drained).
// About 3 minutes on an idle machine (deploy ~40-80 s, drain ~110 s).
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEMO_DRAIN_SECONDS, DEMO_QUEUE_BYTES, type DemoResult, runDemo } from "../../scripts/demo";
import { PROJECT_ROOT } from "../../scripts/terraform";

jest.setTimeout(420_000);

describe("npm run demo", () => {
  let result: DemoResult;
  const lines: string[] = [];

  beforeAll(async () => {
    result = await runDemo({ log: (l) => lines.push(l) });
    console.log(`demo: ${JSON.stringify(result.seconds)}`);
  }, 420_000);

  test("the scale-in's lifecycle event reaches the deployed start-drain through EventBridge", () => {
    // Assess
    expect(result.deliveries).toHaveLength(1);
    const { Event: event, Rule: rule, Target: target } = result.deliveries[0]!;
    expect(rule).toBe("cribl-demo-drain-lifecycle-action");
    expect(target).toMatch(/:function:cribl-demo-drain-start$/);
    expect(event).toMatchObject({
      source: "aws.autoscaling",
      "detail-type": "EC2 Instance-terminate Lifecycle Action",
      time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
      detail: {
        EC2InstanceId: result.instanceId,
        AutoScalingGroupName: "cribl-demo-cribl-workers",
        LifecycleHookName: "Cribl-Scaledown-Hook",
        LifecycleTransition: "autoscaling:EC2_INSTANCE_TERMINATING",
        LifecycleActionToken: result.lifecycleActions[0]!.LifecycleActionToken,
      },
    });
    expect(result.executionArn).toMatch(new RegExp(`:${result.instanceId}-1$`));
    expect(result.events[0]).toMatchObject({ type: "started", startedBy: "event" });
  });

  test("the drain ends Drained: lifecycle action completed with CONTINUE, heartbeats recorded, instance gone", () => {
    // Assess
    expect(result.end).toMatchObject({ status: "SUCCEEDED", outcome: "Drained", drained: true, lastBytes: 0 });
    expect(result.lifecycleActions).toHaveLength(1);
    const checks = result.events.filter((e) => e.type === "check");
    expect(result.lifecycleActions[0]).toMatchObject({ State: "Completed", Result: "CONTINUE" });
    // One heartbeat per loop, one more during the graceful stop.
    expect(result.lifecycleActions[0]!.HeartbeatCount).toBeGreaterThanOrEqual(checks.length);
    expect(result.groupInstances.map((i) => i.instanceId)).not.toContain(result.instanceId);
    expect(result.groupInstances).toHaveLength(1);
    const steps = result.events.flatMap((e) => (e.type === "step" ? [e.state] : []));
    expect(steps.slice(-3)).toEqual(["SendGracefulStop", "GetGracefulStopResult", "CompleteLifecycleAction"]);
  });

  test("the readings show the queue going down to 0 bytes, and the proof taken with Cribl stopped", () => {
    // Assess: what the drain read (the CLI's follow events) and what the simulated worker answered.
    const readings = result.events.flatMap((e) =>
      e.type === "check" ? [[e.state, e.totalBytes, e.serviceActive]] : [],
    );
    const bytes = readings.map((r) => r[1] as number);
    expect(bytes[0]).toBe(DEMO_QUEUE_BYTES);
    expect(bytes.every((b, i) => i === 0 || b <= bytes[i - 1]!)).toBe(true);
    expect(bytes.filter((b) => b > 0 && b < DEMO_QUEUE_BYTES).length).toBeGreaterThanOrEqual(2);
    expect(readings.slice(-3)).toEqual([
      ["CheckQueues", 0, true],
      ["CheckQueues", 0, true],
      ["CheckQueuesAfterStop", 0, false],
    ]);
    const answered = result.worker!.Answers.filter((a) => a.Document === "queue-probe").map((a) => a.Bytes);
    expect(answered).toEqual(bytes);
    // The queue drained over the simulated minute, not at once.
    expect(result.seconds.drain).toBeGreaterThanOrEqual(DEMO_DRAIN_SECONDS);
  });

  test("prints the drain live with the drains CLI's lines", () => {
    // Assess
    const text = lines.join("\n");
    expect(text).toMatch(/EventBridge rule cribl-demo-drain-lifecycle-action delivered "EC2 Instance-terminate/);
    expect(text).toMatch(/check: 48\.0 MiB/);
    expect(text).toMatch(/> CompleteLifecycleAction/);
    expect(text).toMatch(/ended SUCCEEDED: Drained/);
    expect(text).toMatch(/Completed, result CONTINUE, \d+ heartbeats recorded/);
  });
});

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
      child = spawn(
        join(PROJECT_ROOT, "node_modules", ".bin", "tsx"),
        ["scripts/deploy-local.ts", "--keep", "--stack", "worker-fleet"],
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
