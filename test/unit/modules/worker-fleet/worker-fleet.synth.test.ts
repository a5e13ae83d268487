// WorkerFleet as a construct (cdktf Testing, a bare stack with an AwsProvider): the launch template (IMDSv2, encrypted
// volumes, group tags, user data), the group and its termination hook, our own SSM documents, and what emulator mode
// changes. What the worker-fleet stack hands it from the configuration is tested on the stack.
import { spawnSync } from "node:child_process";
import { regionArnScope } from "../../../../modules/common/arns";
import { QUEUE_DEVICE_NAME, WorkerFleet, type WorkerFleetProps } from "../../../../modules/worker-fleet";
import { GROUP_TAG_KEY } from "../../../../modules/worker-fleet/tags";
import { onlyResource, resources, type Synthesized, synthConstruct } from "../../../support/construct";

const PROPS: WorkerFleetProps = {
  namePrefix: "demo",
  groupName: "demo-workers",
  scope: regionArnScope("eu-west-1", "123456789012"),
  amiId: "ami-0123456789abcdef0",
  instanceType: "m7i.large",
  securityGroupIds: ["sg-0123456789abcdef0"],
  subnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
  queueRoot: "/opt/cribl/state/queues",
  minSize: 1,
  maxSize: 4,
  desiredCapacity: 2,
  targetGroupArns: [],
  lifecycleHookName: "Demo-Scaledown-Hook",
  heartbeatTimeoutSeconds: 900,
  lifecycleHookDefaultResult: "CONTINUE",
  leaderHost: "leader.example.internal",
  leaderPort: 4200,
  leaderTls: true,
  workerGroup: "default",
  leaderAuthTokenParameter: "/demo/cribl/worker-token",
  cribl: {
    version: "4.9.3-25f2ed8e",
    sha256: "0".repeat(64),
    downloadUrl: "https://cdn.cribl.io/dl/4.9.3/cribl-4.9.3-25f2ed8e-linux-x64.tgz",
  },
  rootVolumeSizeGiB: 20,
  rootDeviceName: "/dev/xvda",
  queueVolume: { sizeGiB: 100, type: "gp3", mountPath: "/opt/cribl/state/queues" },
  tags: { team: "platform" },
  emulated: false,
};

function synthFleet(over: Partial<WorkerFleetProps> = {}): { synthesized: Synthesized; fleet: WorkerFleet } {
  const { synthesized, built } = synthConstruct((scope) => new WorkerFleet(scope, "fleet", { ...PROPS, ...over }));
  return { synthesized, fleet: built };
}

const template = (s: Synthesized) => onlyResource(s, "aws_launch_template");
const userDataOf = (s: Synthesized) => Buffer.from(String(template(s).user_data), "base64").toString("utf8");

describe("WorkerFleet", () => {
  let synthesized: Synthesized;
  let fleet: WorkerFleet;
  beforeAll(() => {
    // Prepare / Act
    ({ synthesized, fleet } = synthFleet());
  });

  it("requires IMDSv2 with a hop limit of 1", () => {
    // Act
    const options = template(synthesized).metadata_options;
    // Assess
    expect(options).toEqual({
      http_endpoint: "enabled",
      http_tokens: "required",
      http_put_response_hop_limit: 1,
      instance_metadata_tags: "disabled",
    });
  });

  it("encrypts the root and queue volumes and deletes them with the instance", () => {
    // Act
    const mappings = template(synthesized).block_device_mappings as Array<{
      device_name: string;
      ebs: Record<string, unknown>;
    }>;
    // Assess
    expect(mappings.map((m) => m.device_name)).toEqual(["/dev/xvda", QUEUE_DEVICE_NAME]);
    expect(mappings.map((m) => m.ebs.volume_size)).toEqual([20, 100]);
    for (const m of mappings) {
      expect(m.ebs).toMatchObject({ encrypted: "true", delete_on_termination: "true", volume_type: "gp3" });
    }
  });

  it("keeps the queues on the root volume when there is no queue volume", () => {
    // Act
    const { synthesized: rootOnly } = synthFleet({ queueVolume: undefined });
    // Assess
    const mappings = template(rootOnly).block_device_mappings as Array<{ device_name: string }>;
    expect(mappings.map((m) => m.device_name)).toEqual(["/dev/xvda"]);
  });

  it("tags instances and volumes with the group, which the snapshot permissions rely on", () => {
    // Act
    const specs = template(synthesized).tag_specifications as Array<{
      resource_type: string;
      tags: Record<string, string>;
    }>;
    // Assess
    expect(specs.map((s) => s.resource_type)).toEqual(["instance", "volume"]);
    for (const s of specs) expect(s.tags).toMatchObject({ [GROUP_TAG_KEY]: "demo-workers", team: "platform" });
    expect(specs.map((s) => s.tags.Name)).toEqual(["demo-cribl-worker", "demo-cribl-worker-volume"]);
  });

  it("declares the group and its termination hook with the given heartbeat and result, and no emulator accommodation", () => {
    // Act
    const hook = onlyResource(synthesized, "aws_autoscaling_lifecycle_hook");
    const group = onlyResource(synthesized, "aws_autoscaling_group");
    // Assess
    expect(hook).toMatchObject({
      name: "Demo-Scaledown-Hook",
      lifecycle_transition: "autoscaling:EC2_INSTANCE_TERMINATING",
      heartbeat_timeout: 900,
      default_result: "CONTINUE",
    });
    expect(hook.lifecycle).toBeUndefined();
    expect(template(synthesized).lifecycle).toBeUndefined();
    expect(group).toMatchObject({
      name: "demo-workers",
      min_size: 1,
      max_size: 4,
      desired_capacity: 2,
      vpc_zone_identifier: PROPS.subnetIds,
      health_check_type: "EC2",
    });
  });

  it("renders user data that bash parses, verifies the checksum before extracting and installs idempotently", () => {
    // Act
    const userData = userDataOf(synthesized);
    const syntax = spawnSync("bash", ["-n"], { input: userData, encoding: "utf8" });
    // Assess
    expect(syntax.stderr).toBe("");
    expect(syntax.status).toBe(0);
    expect(userData.startsWith("#!/bin/bash\n")).toBe(true);
    expect(userData).toContain("set -euo pipefail");
    const check = userData.indexOf("sha256sum --check");
    const extract = userData.indexOf("tar -xzf");
    expect(check).toBeGreaterThan(0);
    expect(extract).toBeGreaterThan(check);
    expect(userData).toMatch(/if \[ "\$installed" != "\$CRIBL_VERSION" \]; then/);
    expect(userData).toMatch(/if \[ -z "\$\(blkid -o value -s TYPE "\$device" \|\| true\)" \]; then/);
    expect(userData).toContain(`readonly CRIBL_URL='${PROPS.cribl.downloadUrl}'`);
    expect(userData).toContain("readonly QUEUE_MOUNT='/opt/cribl/state/queues'");
    expect(userData).toContain("readonly LEADER_TLS='true'");
    expect(userData).toContain("readonly TOKEN_PARAMETER='/demo/cribl/worker-token'");
  });

  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell or Terraform syntax, not a JS template
  it("runs our own SSM documents, escaped so Terraform does not read the scripts' ${...} as interpolation", () => {
    // Act
    const docs = resources(synthesized, "aws_ssm_document");
    // Assess
    expect(docs.map((d) => d.name).sort()).toEqual(["demo-graceful-stop", "demo-queue-probe"]);
    expect(fleet.outputs.documentNames).toEqual({ queueProbe: "demo-queue-probe", gracefulStop: "demo-graceful-stop" });
    for (const d of docs) {
      expect(d).toMatchObject({ document_type: "Command", document_format: "JSON" });
      const content = String(d.content);
      expect(content).not.toMatch(/(^|[^$])\$\{/);
      // What Terraform sends is the content with $${ read back as ${.
      const sent = JSON.parse(content.replaceAll("$${", "${").replaceAll("%%{", "%{")) as { schemaVersion: string };
      expect(sent.schemaVersion).toBe("2.2");
    }
  });

  it("reads no parameter: the token's NAME is all Terraform sees", () => {
    // Act
    const parameterReads = Object.values(synthesized.data?.aws_ssm_parameter ?? {}).map((d) => d.name);
    // Assess
    expect(parameterReads).not.toContain("/demo/cribl/worker-token");
    expect(Object.keys(synthesized.resource)).not.toContain("aws_ssm_parameter");
  });

  it("resolves an AMI given as an SSM parameter name at plan", () => {
    // Prepare
    const amiId = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";
    // Act
    const { synthesized: byParameter } = synthFleet({ amiId });
    // Assess
    const [ami] = Object.entries(byParameter.data?.aws_ssm_parameter ?? {});
    expect(ami![1]).toMatchObject({ name: amiId });
    expect(template(byParameter).image_id).toBe(`\${data.aws_ssm_parameter.${ami![0]}.insecure_value}`);
  });

  it("in emulator mode ignores only the attributes moto reads back wrong: the hook's ARNs, the template's tags", () => {
    // Act
    const { synthesized: emulated } = synthFleet({ emulated: true });
    // Assess
    expect(onlyResource(emulated, "aws_autoscaling_lifecycle_hook").lifecycle).toEqual({
      ignore_changes: ["role_arn", "notification_target_arn"],
    });
    expect(template(emulated).lifecycle).toEqual({ ignore_changes: ["tag_specifications"] });
  });
});
