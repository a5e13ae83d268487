import type { AppConfig } from "../../../config";
import { ConfigError, validateAppConfig } from "../../../config";
import { buildApp } from "../../../stacks/app";
import { exampleConfig, synthApp } from "../../support/synth";

function errorOf(config: AppConfig): ConfigError {
  try {
    buildApp(config, { outdir: "/tmp/never-written" });
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error("configuration was accepted");
}

describe("configuration", () => {
  it("accepts the example configuration", () => {
    const resolved = validateAppConfig(exampleConfig());
    expect(resolved.backend).toEqual({ type: "local" });
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

  it("points every service at the emulator in emulator mode, with one retry and no credential checks", () => {
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
