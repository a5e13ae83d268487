/**
 * An S3 bucket created secure by default, for the buckets the log modules create when users do not bring one (failed
 * records, kinesis-to-s3 objects): server-side encryption (SSE-S3, or SSE-KMS with a bucket key), all public access
 * blocked, versioning on (these buckets are archives: an overwrite or a delete keeps the previous version; kinesis-to-s3
 * also writes conditionally and never replaces an object), objects optionally expiring after `expirationDays` (and
 * noncurrent versions the same number of days after they stop being current), and a policy denying any request not
 * made over TLS.
 */
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Construct } from "constructs";
import type { z } from "zod";
import { renderPolicy } from "../common/policy";
import { bool, int, parseWith, patterns, str, strict, stringMap } from "../common/schema";

export const secureBucketPropsSchema = strict({
  /** Bucket name (globally unique). */
  bucketName: str(patterns.bucketName),
  /**
   * Days after which objects expire, 1 to 36500; 0 keeps them. This is the construct's own rule for direct use;
   * configuration may narrow it for a bucket it creates (the failed-records bucket: 1 to 3650, default 90, in
   * config/schema/log-routing.ts), and then passes its own value here. @default 0
   */
  expirationDays: int(0, 36500).default(0),
  /** KMS key ARN for SSE-KMS (with an S3 bucket key). @default SSE-S3 (AES256) */
  kmsKeyArn: str(patterns.arn).optional(),
  /** Let `terraform destroy` delete a non-empty bucket. @default false */
  forceDestroy: bool().default(false),
  /**
   * Keep every version of every object (an overwrite or a delete keeps the previous version). With `expirationDays`,
   * noncurrent versions expire that many days after they stop being current. @default true
   */
  versioning: bool().default(true),
  /** Tags of the bucket. @default none */
  tags: stringMap().optional(),
});

/** Props of SecureBucket, inferred from secureBucketPropsSchema (its field comments are the documentation). */
export type SecureBucketProps = Readonly<z.input<typeof secureBucketPropsSchema>>;

export interface SecureBucketOutputs {
  /** The bucket's name (a Terraform reference). */
  readonly bucketName: string;
  /** The bucket's ARN (a Terraform reference). */
  readonly bucketArn: string;
}

export class SecureBucket extends Construct {
  /** The bucket resource (its public access block, encryption, versioning, lifecycle and policy are siblings). */
  readonly bucket: S3Bucket;
  readonly outputs: SecureBucketOutputs;

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    const { bucketName, expirationDays, kmsKeyArn, forceDestroy, versioning, tags } = parseWith(
      secureBucketPropsSchema,
      props,
    );

    this.bucket = new S3Bucket(this, "bucket", {
      bucket: bucketName,
      forceDestroy,
      tags,
    });
    new S3BucketPublicAccessBlock(this, "public-access-block", {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket: this.bucket.id,
      rule: [
        kmsKeyArn
          ? {
              applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: kmsKeyArn },
              bucketKeyEnabled: true,
            }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
      ],
    });
    const versioned = versioning
      ? new S3BucketVersioningA(this, "versioning", {
          bucket: this.bucket.id,
          versioningConfiguration: { status: "Enabled" },
        })
      : undefined;
    if (expirationDays > 0) {
      // With `days`, S3 also removes the delete markers left once their noncurrent versions expire.
      new S3BucketLifecycleConfiguration(this, "lifecycle", {
        bucket: this.bucket.id,
        rule: [
          {
            id: "expire-objects",
            status: "Enabled",
            filter: [{ prefix: "" }],
            expiration: [{ days: expirationDays }],
            ...(versioned ? { noncurrentVersionExpiration: [{ noncurrentDays: expirationDays }] } : {}),
            abortIncompleteMultipartUpload: [{ daysAfterInitiation: 1 }],
          },
        ],
        // AWS applies a lifecycle configuration to a bucket whose versioning is being set only once that is done.
        dependsOn: versioned ? [versioned] : undefined,
      });
    }
    // Rendered like every other policy of the project (renderPolicy), so tests and reviewers read it as data.
    const tlsOnly = renderPolicy([
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [this.bucket.arn, `${this.bucket.arn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ]);
    new S3BucketPolicy(this, "policy", { bucket: this.bucket.id, policy: tlsOnly });
    this.outputs = { bucketName: this.bucket.bucket, bucketArn: this.bucket.arn };
  }
}
