// SecureBucket as a construct (cdktf Testing, a bare stack with an AwsProvider): SSE, public access blocked, a TLS-only
// policy, and versioning on by default (issue 10, case 1: with the conditional writes of kinesis-to-s3, versioning is
// the second guard that no stored log object is ever lost to an overwrite or a delete).
import { SecureBucket, type SecureBucketProps } from "../../../../modules/secure-bucket";
import { onlyResource, resources, type Synthesized, synthConstruct } from "../../../support/construct";
import { readPolicy } from "../../../support/policy";

const synthBucket = (props: Partial<SecureBucketProps> = {}): Synthesized =>
  synthConstruct((scope) => new SecureBucket(scope, "archive", { bucketName: "archive-bucket", ...props })).synthesized;

describe("SecureBucket", () => {
  it("encrypts with SSE-S3, blocks public access and denies every request not made over TLS", () => {
    // Act
    const s = synthBucket();
    // Assess
    expect(onlyResource(s, "aws_s3_bucket")).toMatchObject({ bucket: "archive-bucket", force_destroy: false });
    expect(onlyResource(s, "aws_s3_bucket_public_access_block")).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(onlyResource(s, "aws_s3_bucket_server_side_encryption_configuration").rule).toEqual([
      { apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } },
    ]);
    const policy = readPolicy(String(onlyResource(s, "aws_s3_bucket_policy").policy));
    const bucket = Object.keys(s.resource?.aws_s3_bucket ?? {})[0]!;
    expect(policy.Statement).toEqual([
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [`\${aws_s3_bucket.${bucket}.arn}`, `\${aws_s3_bucket.${bucket}.arn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ]);
    expect(s.data?.aws_iam_policy_document).toBeUndefined();
  });

  it("encrypts with SSE-KMS and a bucket key when given a key", () => {
    // Prepare
    const key = "arn:aws:kms:eu-west-1:123456789012:key/0f5e2a4c-1b3d-4e5f-8a9b-0c1d2e3f4a5b";
    // Act
    const s = synthBucket({ kmsKeyArn: key });
    // Assess
    expect(onlyResource(s, "aws_s3_bucket_server_side_encryption_configuration").rule).toEqual([
      {
        apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: key },
        bucket_key_enabled: true,
      },
    ]);
  });

  it("is versioned by default, with noncurrent versions expiring with the objects", () => {
    // Act
    const s = synthBucket({ expirationDays: 30 });
    // Assess
    expect(resources(s, "aws_s3_bucket_versioning")).toEqual([
      expect.objectContaining({ versioning_configuration: { status: "Enabled" } }),
    ]);
    const lifecycle = onlyResource(s, "aws_s3_bucket_lifecycle_configuration");
    expect(JSON.stringify(lifecycle)).toContain('"noncurrent_version_expiration":[{"noncurrent_days":30}]');
    expect(lifecycle.depends_on).toEqual([expect.stringMatching(/^aws_s3_bucket_versioning\./)]);
  });

  it("keeps every version when objects never expire", () => {
    // Act
    const s = synthBucket();
    // Assess
    expect(resources(s, "aws_s3_bucket_versioning")).toHaveLength(1);
    expect(resources(s, "aws_s3_bucket_lifecycle_configuration")).toEqual([]);
  });

  it("can have versioning turned off", () => {
    // Act
    const s = synthBucket({ versioning: false, expirationDays: 30 });
    // Assess
    expect(resources(s, "aws_s3_bucket_versioning")).toEqual([]);
    expect(JSON.stringify(resources(s, "aws_s3_bucket_lifecycle_configuration"))).not.toContain("noncurrent");
  });
});
