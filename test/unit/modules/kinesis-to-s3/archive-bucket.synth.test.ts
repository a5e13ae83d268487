// Archive buckets the log modules create are versioned by default (issue 10, case 1): with the conditional writes of
// kinesis-to-s3, versioning is the second guard that no stored log object is ever lost to an overwrite or a delete.
import { Testing } from "cdktf";
import { SecureBucket, type SecureBucketProps } from "../../../../modules/secure-bucket";
import { exampleConfig, resourcesOf, synthApp, type TfJson } from "../../../support/synth";

type Resources = Record<string, Record<string, Record<string, unknown>>>;

function synthBucket(props: Partial<SecureBucketProps> = {}): Resources {
  const json = Testing.synthScope((scope) => {
    new SecureBucket(scope, "archive", { bucketName: "archive-bucket", ...props });
  });
  return (JSON.parse(json) as { resource: Resources }).resource;
}

const only = (resources: Resources, type: string) => Object.values(resources[type] ?? {});

describe("SecureBucket versioning", () => {
  it("is on by default, with noncurrent versions expiring with the objects", () => {
    const resources = synthBucket({ expirationDays: 30 });
    expect(only(resources, "aws_s3_bucket_versioning")).toEqual([
      expect.objectContaining({ versioning_configuration: { status: "Enabled" } }),
    ]);
    const [lifecycle] = only(resources, "aws_s3_bucket_lifecycle_configuration");
    expect(JSON.stringify(lifecycle)).toContain('"noncurrent_version_expiration":[{"noncurrent_days":30}]');
    expect(lifecycle!.depends_on).toEqual([expect.stringMatching(/^aws_s3_bucket_versioning\./)]);
  });

  it("keeps every version when objects never expire", () => {
    const resources = synthBucket();
    expect(only(resources, "aws_s3_bucket_versioning")).toHaveLength(1);
    expect(only(resources, "aws_s3_bucket_lifecycle_configuration")).toEqual([]);
  });

  it("can be turned off", () => {
    const resources = synthBucket({ versioning: false, expirationDays: 30 });
    expect(only(resources, "aws_s3_bucket_versioning")).toEqual([]);
    expect(JSON.stringify(only(resources, "aws_s3_bucket_lifecycle_configuration"))).not.toContain("noncurrent");
  });
});

describe("the kinesis-to-s3 archive bucket in the log-routing stack", () => {
  const versioningOf = (stack: TfJson) =>
    Object.entries(resourcesOf(stack, "aws_s3_bucket_versioning")).filter(([name]) => name.includes("to-s3-archive"));

  it("is versioned by default", () => {
    const stack = synthApp().stacks["log-routing"]!;
    expect(versioningOf(stack).map(([, r]) => r.versioning_configuration)).toEqual([{ status: "Enabled" }]);
  });

  it("is not versioned with versioning: false", () => {
    const config = exampleConfig();
    config.logRouting.sinks!.s3![0] = { ...config.logRouting.sinks!.s3![0]!, versioning: false };
    expect(versioningOf(synthApp(config).stacks["log-routing"]!)).toEqual([]);
  });
});
