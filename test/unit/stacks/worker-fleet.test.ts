// What reviewers check in the synthesized worker-fleet stack: IMDSv2, encryption, the hook, the token, the wiring.
import * as fs from "node:fs";
import * as path from "node:path";
import type { AppConfig } from "../../../config";
import { exampleConfig, resourcesOf, synthApp, type TfJson } from "../../support/synth";

type Resource = Record<string, unknown>;
const only = (stack: TfJson, type: string): Resource => {
  const all = Object.values(resourcesOf(stack, type));
  expect(all).toHaveLength(1);
  return all[0]!;
};
const userDataOf = (stack: TfJson) =>
  Buffer.from(String(only(stack, "aws_launch_template").user_data), "base64").toString("utf8");

/** Every text file under a directory (synthesized stacks, bundles, manifests). */
function textFiles(dir: string): Array<{ file: string; text: string }> {
  const out: Array<{ file: string; text: string }> = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const bytes = fs.readFileSync(file);
    if (bytes.includes(0)) continue; // binary (zip archives: their inputs are the bundles checked as text)
    out.push({ file, text: bytes.toString("utf8") });
  }
  return out;
}

describe("worker-fleet stack (example configuration)", () => {
  let outdir: string;
  let stack: TfJson;

  beforeAll(() => {
    // Prepare / Act
    ({
      outdir,
      stacks: { "worker-fleet": stack },
    } = synthApp() as { outdir: string; stacks: Record<string, TfJson> });
  });

  // The fleet's own launch template, volumes, tags, hook, user data and SSM documents are tested on the construct:
  // test/unit/modules/worker-fleet/worker-fleet.synth.test.ts. Here: what the stack hands it from the configuration.
  it("hands the fleet the configured group, sizes, hook, volumes and Cribl release", () => {
    // Act
    const hook = only(stack, "aws_autoscaling_lifecycle_hook");
    const mappings = only(stack, "aws_launch_template").block_device_mappings as Array<{
      device_name: string;
      ebs: Record<string, unknown>;
    }>;
    const specs = only(stack, "aws_launch_template").tag_specifications as Array<{
      resource_type: string;
      tags: Record<string, string>;
    }>;
    const userData = userDataOf(stack);
    // Assess
    expect(hook).toMatchObject({
      name: "Cribl-Scaledown-Hook",
      lifecycle_transition: "autoscaling:EC2_INSTANCE_TERMINATING",
      heartbeat_timeout: 3600,
      default_result: "CONTINUE",
    });
    expect(hook.lifecycle).toBeUndefined();
    expect(only(stack, "aws_launch_template").lifecycle).toBeUndefined();
    expect(only(stack, "aws_autoscaling_group")).toMatchObject({ min_size: 1, max_size: 4, desired_capacity: 1 });
    expect(mappings.map((m) => m.device_name)).toEqual(["/dev/xvda", "/dev/sdf"]);
    for (const m of mappings) {
      expect(m.ebs).toMatchObject({ encrypted: "true", delete_on_termination: "true", volume_type: "gp3" });
    }
    expect(specs.map((s) => s.resource_type)).toEqual(["instance", "volume"]);
    for (const s of specs) expect(s.tags["cribl-drain:auto-scaling-group"]).toBe("cribl-demo-cribl-workers");
    expect(userData).toContain("readonly CRIBL_URL='https://cdn.cribl.io/dl/4.9.3/cribl-4.9.3-25f2ed8e-linux-x64.tgz'");
    expect(userData).toContain("readonly QUEUE_MOUNT='/opt/cribl/state/queues'");
    expect(userData).toContain("readonly LEADER_TLS='true'");
    expect(
      Object.values(resourcesOf(stack, "aws_ssm_document"))
        .map((d) => d.name)
        .sort(),
    ).toEqual(["cribl-demo-graceful-stop", "cribl-demo-queue-probe"]);
  });

  it("keeps the token out of everything synthesized: only the parameter NAME is there", () => {
    // Prepare: a token value in the environment, where a careless synth could pick it up.
    const sampleToken = "tk-5f0c1e9a-8d2b-4c6e-b7a1-93e2d4c5b6a7";
    process.env.CRIBL_LEADER_TOKEN = sampleToken;
    const config: AppConfig = exampleConfig();
    config.workerFleet.leaderAuthTokenParameter = "/teams/platform/cribl/worker-auth";
    try {
      // Act
      const synthesized = synthApp(config);
      const files = textFiles(synthesized.outdir);
      const userData = userDataOf(synthesized.stacks["worker-fleet"]!);
      // Assess
      expect(files.length).toBeGreaterThan(3);
      for (const { file, text } of [...files, { file: "user data", text: userData }]) {
        expect({
          file,
          token: text.includes(sampleToken),
          default: /criblmaster/i.test(text) && file !== "user data",
        }).toEqual({ file, token: false, default: false });
      }
      // Nothing in Terraform reads the token parameter, so its value cannot reach state.
      const fleet = synthesized.stacks["worker-fleet"]!;
      const parameterReads = Object.values(fleet.data?.aws_ssm_parameter ?? {}).map((d) => d.name);
      expect(parameterReads).not.toContain("/teams/platform/cribl/worker-auth");
      expect(Object.keys(fleet.resource ?? {})).not.toContain("aws_ssm_parameter");
      // The worker reads it at boot, by name, decrypted into a variable: never a literal on the join command line.
      expect(userData).toContain("readonly TOKEN_PARAMETER='/teams/platform/cribl/worker-auth'");
      expect(userData).toMatch(/aws ssm get-parameter .*--name "\$TOKEN_PARAMETER" --with-decryption/);
      // ... and never on a command line (/proc/<pid>/cmdline is world-readable): only builtins and stdin see it.
      const tokenUses = userData.split("\n").filter((line) => /\$\{?token\b/.test(line));
      expect(tokenUses).toEqual([
        expect.stringMatching(/^if \[ -z "\$token" \] \|\| \[ "\$token" = "criblmaster" \]; then$/),
        expect.stringMatching(/^encoded="\$\(printf '%s' "\$token" \| python3 -c /),
      ]);
      expect(userData).toContain("EnvironmentFile=/etc/cribl-bootstrap/leader.env");
      expect(userData).toContain("chmod 0600 /etc/cribl-bootstrap/leader.env.new");
    } finally {
      delete process.env.CRIBL_LEADER_TOKEN;
    }
  });

  it("passes drain settings and names to the functions through the contract's environment", () => {
    // Act
    const fns = Object.values(resourcesOf(stack, "aws_lambda_function"));
    const env = (name: string) =>
      (fns.find((f) => f.function_name === name)!.environment as { variables: Record<string, string> }).variables;
    const start = env("cribl-demo-drain-start");
    // Assess
    expect(JSON.parse(start.DRAIN_SETTINGS!)).toEqual({
      queueDirectories: "/opt/cribl/state/queues",
      maxBytes: 0,
      requiredConsecutiveChecks: 2,
      minWaitSeconds: 10,
      maxWaitSeconds: 300,
      drainDeadlineSeconds: 169200,
      heartbeatTimeoutSeconds: 3600,
      gracefulStop: true,
      serviceName: "cribl",
      snapshotOnGiveUp: true,
      snapshotExcludeBootVolume: true,
    });
    expect(start).toMatchObject({
      AUTO_SCALING_GROUP_NAME: "cribl-demo-cribl-workers",
      LIFECYCLE_HOOK_NAME: "Cribl-Scaledown-Hook",
      STATE_MACHINE_ARN:
        // biome-ignore lint/suspicious/noTemplateCurlyInString: shell or Terraform syntax, not a JS template
        "arn:aws:states:eu-west-1:${data.aws_caller_identity.current.account_id}:stateMachine:cribl-demo-drain",
    });
    expect(env("cribl-demo-drain-reconcile")).toMatchObject({ DRAIN_SETTINGS: start.DRAIN_SETTINGS });
    expect(env("cribl-demo-drain-check-queue")).toMatchObject({ CHECK_BUDGET_SECONDS: "50" });
  });

  // The drain construct's own wiring (state machine, events, dead letters, alarms) is tested on the construct:
  // test/unit/modules/drain/workflow.synth.test.ts. Here: what the stack hands it.
  it("sends every drain alarm to the stack's alarm topic, encrypted with its own key", () => {
    // Act
    const alarms = Object.values(resourcesOf(stack, "aws_cloudwatch_metric_alarm"));
    // Assess
    expect(alarms.length).toBeGreaterThanOrEqual(7);
    for (const a of alarms)
      expect(a.alarm_actions).toEqual([expect.stringMatching(/^\$\{aws_sns_topic\.alarm_topic\.arn\}$/)]);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell or Terraform syntax, not a JS template
    expect(only(stack, "aws_sns_topic").kms_master_key_id).toBe("${aws_kms_key.alarm_topic_key.arn}");
  });

  it("gives the drain the stack's state machine log group", () => {
    // Act
    const logGroup = Object.entries(resourcesOf(stack, "aws_cloudwatch_log_group")).find(
      ([, g]) => g.name === "/aws/vendedlogs/states/cribl-demo-drain",
    );
    // Assess
    expect(only(stack, "aws_sfn_state_machine").logging_configuration).toMatchObject({
      log_destination: `\${aws_cloudwatch_log_group.${logGroup![0]}.arn}:*`,
    });
  });

  it("exposes the outputs an operator needs", () => {
    // Act
    const outputs = Object.keys(stack.output ?? {});
    // Assess
    expect(outputs).toEqual(
      expect.arrayContaining([
        "autoscaling_group_name",
        "lifecycle_hook_name",
        "state_machine_arn",
        "check_queue_function_name",
        "start_drain_function_name",
        "reconcile_function_name",
        "queue_probe_document_name",
        "graceful_stop_document_name",
        "dead_letter_queue_url",
        "alarm_topic_arn",
      ]),
    );
    expect(outdir).toBeTruthy();
  });
});

describe("worker-fleet stack in emulator mode", () => {
  it("ignores only the attributes moto reads back wrong: the hook's ARNs, the template's tag specifications", () => {
    // Prepare
    const config = { ...exampleConfig(), emulator: { endpoint: "http://127.0.0.1:4566" } };
    // Act
    const { stacks } = synthApp(config);
    const fleet = stacks["worker-fleet"]!;
    // Assess
    expect(only(fleet, "aws_autoscaling_lifecycle_hook").lifecycle).toEqual({
      ignore_changes: ["role_arn", "notification_target_arn"],
    });
    expect(only(fleet, "aws_launch_template").lifecycle).toEqual({ ignore_changes: ["tag_specifications"] });
    const withLifecycle = Object.entries(fleet.resource ?? {}).flatMap(([type, all]) =>
      Object.values(all)
        .filter((r) => r.lifecycle !== undefined)
        .map(() => type),
    );
    expect(withLifecycle.sort()).toEqual(["aws_autoscaling_lifecycle_hook", "aws_launch_template"]);
  });
});
