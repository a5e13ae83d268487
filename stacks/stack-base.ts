// What every stack shares: the AWS provider (real or emulator mode), the state backend, and default tags.

import * as path from "node:path";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { App, LocalBackend, S3Backend, TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import type { ResolvedAppConfig } from "../config";
import { ConfigError } from "../modules/common/schema";

/** Services the stacks call; in emulator mode each is pointed at the emulator's single endpoint. */
const EMULATED_SERVICES = [
  "autoscaling",
  "cloudwatch",
  "cloudwatchlogs",
  "ec2",
  "events",
  "iam",
  "kinesis",
  "kms",
  "lambda",
  "opensearch",
  "s3",
  "scheduler",
  "sfn",
  "sns",
  "sqs",
  "ssm",
  "sts",
] as const;

/** Stack outputs as `name -> [value, description]` (AppStack.addOutputs). */
export type OutputTable = Record<string, readonly [value: string | number | undefined, description: string]>;

export abstract class AppStack extends TerraformStack {
  readonly config: ResolvedAppConfig;
  readonly emulated: boolean;

  constructor(scope: Construct, id: string, config: ResolvedAppConfig) {
    super(scope, id);
    this.config = config;
    this.emulated = config.emulator !== undefined;
    const tags = { "app:name": config.name, "app:stack": id, ...config.tags };

    if (config.emulator) {
      const url = config.emulator.endpoint;
      new AwsProvider(this, "aws", {
        region: config.region,
        defaultTags: [{ tags }],
        // One attempt. moto answers an unsupported call with an error the SDK would retry for minutes; and when moto
        // drops a connection mid-response ("use of closed network connection"), the SDK's retry of a call the server
        // already carried out fails as a duplicate (InvalidPermission.Duplicate, AlreadyExists), which no re-run
        // fixes. A dropped connection fails the command instead, and the callers run apply/destroy/plan again
        // (scripts/local-cycle.ts converge), where Terraform's own state decides what is left to do.
        maxRetries: 1,
        s3UsePathStyle: true,
        skipCredentialsValidation: true,
        skipMetadataApiCheck: "true",
        skipRequestingAccountId: true,
        skipRegionValidation: true,
        endpoints: [Object.fromEntries(EMULATED_SERVICES.map((s) => [s, url]))],
      });
    } else {
      new AwsProvider(this, "aws", { region: config.region, defaultTags: [{ tags }] });
    }

    const backend = config.backend;
    if (backend.type === "local") {
      // Terraform resolves the path from the stack directory (<outdir>/stacks/<id>), where cdktf and our scripts run
      // it. Written relative to that directory, so the synthesized JSON holds no path of the machine that ran synth.
      // By default the state sits beside the output directory: the project root for cdktf.out.
      const outdir = path.resolve(App.of(this).outdir);
      const stateFile = path.resolve(backend.directory ?? path.dirname(outdir), `terraform.${id}.tfstate`);
      const stackDir = path.join(outdir, "stacks", id);
      new LocalBackend(this, { path: path.relative(stackDir, stateFile) });
    } else {
      const s3 = new S3Backend(this, {
        bucket: backend.bucket,
        key: `${backend.keyPrefix ?? "cribl-drain"}/${id}.tfstate`,
        region: backend.region,
        encrypt: true,
        kmsKeyId: backend.kmsKeyId,
      });
      // cdktf 0.21 predates S3-native locking; Terraform 1.10+ reads `use_lockfile` from the backend block.
      if (backend.useLockfile) s3.addOverride("use_lockfile", true);
    }
  }

  /**
   * Outputs from a table of `name -> [value, description]`: each name after `prefix_` and each description after
   * `label: ` when given. An undefined or empty value (something this configuration does not create) adds no output.
   */
  addOutputs(outputs: OutputTable, opts: { readonly prefix?: string; readonly label?: string } = {}): void {
    for (const [name, [value, description]] of Object.entries(outputs)) {
      if (value === undefined || value === "") continue;
      new TerraformOutput(this, opts.prefix ? `${opts.prefix}_${name}` : name, {
        value,
        description: opts.label ? `${opts.label}: ${description}` : description,
      });
    }
  }

  /** Runs a construct's validation so a ConfigError names the full configuration path (`workerFleet.x`). */
  static underField<T>(prefix: string, build: () => T): T {
    try {
      return build();
    } catch (e) {
      throw e instanceof ConfigError ? e.under(prefix) : e;
    }
  }
}
