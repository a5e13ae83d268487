import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { App } from "cdktf";
import type { AppConfig } from "../../../config";
import { type ConfigError, validateAppConfig } from "../../../config";
import { inEmulator } from "../../../config/local";
import { buildApp } from "../../../stacks/app";
import { WorkerFleetStack } from "../../../stacks/worker-fleet";
import { configErrorFrom } from "../../support/config-error";
import { exampleConfig, resourcesOf, synthApp } from "../../support/synth";

/** The ConfigError building the app from `config` raises (validation, then every construct's own props). */
function errorOf(config: AppConfig): ConfigError {
  return configErrorFrom(() => buildApp(config, { outdir: "/tmp/never-written" }));
}

describe("configuration", () => {
  it("accepts the example configuration", () => {
    const resolved = validateAppConfig(exampleConfig());
    expect(resolved.backend).toEqual(expect.objectContaining({ type: "s3", bucket: "cribl-demo-terraform-state" }));
    expect(resolved.emulator).toBeUndefined();
  });

  it.each([
    ["name", (c: AppConfig) => Object.assign(c, { name: "Bad_Name" }), /lower-case letters/],
    ["region", (c: AppConfig) => Object.assign(c, { region: "moon-1" }), /AWS region/],
    ["tags.team", (c: AppConfig) => Object.assign(c, { tags: { team: 42 } }), /non-empty string/],
    ["backend.type", (c: AppConfig) => Object.assign(c, { backend: { type: "gcs" } }), /one of "local", "s3"/],
    [
      "backend.bucket",
      (c: AppConfig) => Object.assign(c, { backend: { type: "s3", bucket: "Not A Bucket" } }),
      /S3 bucket/,
    ],
    ["emulator.endpoint", (c: AppConfig) => Object.assign(c, { emulator: { endpoint: "localhost" } }), /http/],
    [
      "workerFleet.logRetentionDays",
      (c: AppConfig) => Object.assign(c.workerFleet, { logRetentionDays: 31 }) && c,
      /one of "1", "3"/,
    ],
    [
      "logRouting.router.retentionHours",
      (c: AppConfig) => Object.assign(c.logRouting, { router: { retentionHours: 9000 } }) && c,
      /from 24 to 8760/,
    ],
  ])("names the field %s when its value is wrong", (field, breakIt, allowed) => {
    // Prepare
    const config = breakIt(exampleConfig());
    // Act
    const error = errorOf(config);
    // Assess
    expect(error.field).toBe(field);
    expect(error.message).toMatch(new RegExp(`^${field.replace(/\./g, "\\.")}: `));
    expect(error.message).toMatch(allowed);
  });

  it("rejects an unknown key and names the nearest valid one", () => {
    const config = exampleConfig();
    Object.assign(config.workerFleet, { heartbeatTimeoutSecs: 900 });
    const error = errorOf(config);
    expect(error.field).toBe("workerFleet.heartbeatTimeoutSecs");
    expect(error.message).toBe("workerFleet.heartbeatTimeoutSecs: unknown key; did you mean heartbeatTimeoutSeconds?");
  });

  it("lists every error at once, each with its field", () => {
    const config = exampleConfig();
    Object.assign(config, { region: "us-east-9" });
    Object.assign(config.workerFleet, { heartbeatTimeoutSecs: 900, leaderPort: 70000 });
    const error = errorOf(config);
    expect(error.issues.map((i) => i.field)).toEqual([
      "region",
      "workerFleet.leaderPort",
      "workerFleet.heartbeatTimeoutSecs",
    ]);
    expect(error.message).toMatch(/^configuration has 3 errors:\n {2}region: must be an AWS region/);
    expect(error.message).toMatch(/\n {2}workerFleet\.leaderPort: must be an integer from 1 to 65535; got 70000/);
  });

  it.each(["us-east-9", "eu-west-0", "cn-south-1", "us-gov-north-1"])("rejects region %s", (region) => {
    const error = errorOf(Object.assign(exampleConfig(), { region }));
    expect(error.field).toBe("region");
    expect(error.message).toMatch(/AWS region/);
  });

  it.each(["us-east-1", "ap-southeast-5", "cn-north-1", "cn-northwest-1", "us-gov-west-1", "us-gov-east-1"])(
    "accepts region %s",
    (region) => {
      expect(validateAppConfig(Object.assign(exampleConfig(), { region })).region).toBe(region);
    },
  );

  it("configures an S3 backend with native locking and encryption", () => {
    const config = { ...exampleConfig(), backend: { type: "s3" as const, bucket: "tf-state-bucket" } };
    const { stacks } = synthApp(config);
    expect(stacks["worker-fleet"].terraform?.backend).toEqual({
      s3: {
        bucket: "tf-state-bucket",
        key: "cribl-drain/worker-fleet.tfstate",
        region: "eu-west-1",
        encrypt: true,
        use_lockfile: true,
      },
    });
  });

  it("points every service at the emulator in emulator mode, with one attempt per call and no credential checks", () => {
    const config = { ...exampleConfig(), emulator: { endpoint: "http://127.0.0.1:4566" } };
    const { stacks } = synthApp(config);
    const provider = stacks["log-routing"].provider?.aws?.[0] ?? {};
    expect(provider.max_retries).toBe(1);
    expect(provider.skip_credentials_validation).toBe(true);
    expect(provider.skip_requesting_account_id).toBe(true);
    const endpoints = (provider.endpoints as Array<Record<string, string>>)[0];
    expect(Object.keys(endpoints)).toEqual(
      expect.arrayContaining(["sfn", "autoscaling", "ssm", "kinesis", "s3", "iam"]),
    );
    expect(new Set(Object.values(endpoints))).toEqual(new Set(["http://127.0.0.1:4566"]));
    expect(JSON.stringify(stacks)).not.toMatch(/access_key|secret_key/);
  });

  it("keeps real mode free of emulator settings", () => {
    const { stacks } = synthApp();
    const provider = stacks["worker-fleet"].provider?.aws?.[0] ?? {};
    expect(provider).toEqual({ region: "eu-west-1", default_tags: expect.any(Array) });
  });
});

describe("defaults that fail closed outside emulator mode (issue 12)", () => {
  /** The example with every safety setting removed, as a user who copied an older configuration would have it. */
  function unsafeConfig(): AppConfig {
    const config = exampleConfig();
    delete config.backend;
    delete config.alarms;
    delete config.workerFleet.subnetIds;
    delete config.workerFleet.securityGroupIds;
    return config;
  }

  it("lists every missing safety setting at once, each with its field and the reason", () => {
    // Prepare
    const config = unsafeConfig();
    // Act
    const error = errorOf(config);
    // Assess
    expect(error.issues.map((i) => i.field)).toEqual([
      "backend",
      "workerFleet.subnetIds",
      "workerFleet.securityGroupIds",
      "alarms",
    ]);
    expect(error.message).toMatch(/backend: an S3 backend is required .*allowLocalState: true/);
    expect(error.message).toMatch(/workerFleet\.subnetIds: is required: .*public IP/);
    expect(error.message).toMatch(/alarms: needs a subscriber: \{ email: .*\} or \{ topicArn: /);
  });

  it("reports them together with the schema's own problems", () => {
    // Prepare
    const config = unsafeConfig();
    Object.assign(config.workerFleet, { leaderPort: 0 });
    // Act
    const fields = errorOf(config).issues.map((i) => i.field);
    // Assess
    expect(fields).toEqual(expect.arrayContaining(["backend", "alarms", "workerFleet.leaderPort"]));
  });

  it("keeps local state only when the configuration says allowLocalState", () => {
    // Prepare
    const local = { ...exampleConfig(), backend: { type: "local" as const } };
    // Act
    const refused = errorOf(local);
    const allowed = validateAppConfig({ ...local, allowLocalState: true });
    // Assess
    expect(refused.issues.map((i) => i.field)).toEqual(["backend"]);
    expect(allowed.backend).toEqual({ type: "local" });
  });

  it("requires nothing of this in emulator mode (the emulator's default VPC, local state)", () => {
    // Prepare
    const config = { ...unsafeConfig(), emulator: { endpoint: "http://127.0.0.1:5000" } };
    // Act
    const resolved = validateAppConfig(config);
    // Assess
    expect(resolved.backend).toEqual({ type: "local" });
    expect(resolved.workerFleet.subnetIds).toBeUndefined();
  });

  it("makes any configuration runnable on the emulator with inEmulator (network, state, destroyable buckets)", () => {
    // Prepare
    const config = exampleConfig();
    // Act
    const local = validateAppConfig(inEmulator(config, "http://127.0.0.1:5000", "/tmp/state"));
    // Assess
    expect(local.emulator).toEqual({ endpoint: "http://127.0.0.1:5000" });
    expect(local.backend).toEqual({ type: "local", directory: "/tmp/state" });
    expect(local.workerFleet.subnetIds).toBeUndefined();
    expect(local.workerFleet.securityGroupIds).toBeUndefined();
    expect(local.logRouting.failedRecords.forceDestroy).toBe(true);
    expect(local.logRouting.sinks.s3.map((s) => s.forceDestroy)).toEqual([true]);
  });

  it("gives workers no public IP: the launch template's interface says so, whatever the subnet's setting", () => {
    // Prepare
    const config = exampleConfig();
    // Act
    const fleet = synthApp(config).stacks["worker-fleet"]!;
    // Assess
    const [template] = Object.values(resourcesOf(fleet, "aws_launch_template"));
    expect(template!.network_interfaces).toEqual([
      expect.objectContaining({
        device_index: 0,
        associate_public_ip_address: "false",
        security_groups: ["sg-0123456789abcdef0"],
      }),
    ]);
    expect(template!.vpc_security_group_ids).toBeUndefined();
    expect(Object.keys(fleet.data ?? {})).not.toContain("aws_vpc");
    expect(resourcesOf(fleet, "aws_security_group")).toEqual({});
    const [group] = Object.values(resourcesOf(fleet, "aws_autoscaling_group"));
    expect(group!.vpc_zone_identifier).toEqual(["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]);
  });

  it("keeps the example's buckets: forceDestroy off and the archive versioned", () => {
    // Prepare
    const config = exampleConfig();
    // Act
    const routing = synthApp(config).stacks["log-routing"]!;
    // Assess
    const buckets = Object.values(resourcesOf(routing, "aws_s3_bucket"));
    expect(buckets.length).toBeGreaterThanOrEqual(2);
    for (const b of buckets) expect(b.force_destroy).toBe(false);
    const versioned = Object.values(resourcesOf(routing, "aws_s3_bucket_versioning"));
    expect(versioned.map((v) => (v.versioning_configuration as { status: string }).status)).toEqual(
      buckets.map(() => "Enabled"),
    );
  });

  it("sends alarms to alarms.topicArn instead of creating topics, and subscribes alarms.email to it", () => {
    // Prepare
    const topicArn = "arn:aws:sns:eu-west-1:123456789012:platform-paging";
    const config = { ...exampleConfig(), alarms: { topicArn, email: "oncall@example.com" } };
    // Act
    const { stacks } = synthApp(config);
    // Assess
    for (const stack of Object.values(stacks)) {
      expect(resourcesOf(stack, "aws_sns_topic")).toEqual({});
      const alarms = Object.values(resourcesOf(stack, "aws_cloudwatch_metric_alarm"));
      expect(alarms.length).toBeGreaterThan(0);
      for (const a of alarms) expect(a.alarm_actions).toEqual([topicArn]);
      expect(Object.values(resourcesOf(stack, "aws_sns_topic_subscription"))).toEqual([
        expect.objectContaining({ topic_arn: topicArn, protocol: "email", endpoint: "oncall@example.com" }),
      ]);
    }
  });

  it("puts no path of the machine that ran synth into the synthesized output, local state included", () => {
    // Prepare
    const config = { ...exampleConfig(), backend: { type: "local" as const }, allowLocalState: true };
    // Act
    const { outdir, stacks } = synthApp(config);
    // Assess
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (!e.name.endsWith(".zip")) files.push(p);
      }
    };
    walk(outdir);
    const machinePaths = [process.cwd(), os.tmpdir(), outdir, os.homedir()];
    for (const f of files) {
      const text = fs.readFileSync(f, "utf8");
      for (const p of machinePaths)
        expect({ file: path.relative(outdir, f), has: text.includes(p) }).toEqual({
          file: path.relative(outdir, f),
          has: false,
        });
    }
    // The state file lands beside the output directory (the project root for cdktf.out): Terraform resolves the path
    // from the stack directory.
    const backend = stacks["worker-fleet"]!.terraform?.backend as { local: { path: string } };
    expect(backend.local.path).toBe("../../../terraform.worker-fleet.tfstate");
    expect(path.resolve(outdir, "stacks", "worker-fleet", backend.local.path)).toBe(
      path.resolve(outdir, "..", "terraform.worker-fleet.tfstate"),
    );
  });

  it("refuses, in the WorkerFleet construct itself, a real-mode fleet without subnets or security groups", () => {
    // Prepare: a resolved configuration that skipped validation's rule (as a construct user composing it would).
    const resolved = validateAppConfig(exampleConfig());
    const { subnetIds: _s, securityGroupIds: _g, ...workerFleet } = resolved.workerFleet;
    // Act
    const error = configErrorFrom(
      () =>
        new WorkerFleetStack(new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), "synth-")) }), "worker-fleet", {
          ...resolved,
          workerFleet,
        }),
    );
    // Assess
    expect(error.issues.map((i) => i.field)).toEqual(["workerFleet.subnetIds", "workerFleet.securityGroupIds"]);
  });
});
