/**
 * An S3 bucket created secure by default, for the buckets the log modules create when users do not bring one (failed
 * records, kinesis-to-s3 objects): server-side encryption (SSE-S3, or SSE-KMS with a bucket key), all public access
 * blocked, versioning on (these buckets are archives: an overwrite or a delete keeps the previous version; kinesis-to-s3
 * also writes conditionally and never replaces an object), objects optionally expiring after `expirationDays` (and
 * noncurrent versions the same number of days after they stop being current), and a policy denying any request not
 * made over TLS.
 */
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Construct } from "constructs";
import { boolOrDefault, intOrDefault, optionalString, patterns, requireString } from "../common/validate";

export interface SecureBucketProps {
  /** Bucket name (globally unique). */
  readonly bucketName: string;
  /** Days after which objects expire, 1 to 36500; 0 keeps them. @default 0 */
  readonly expirationDays?: number;
  /** KMS key ARN for SSE-KMS (with an S3 bucket key). @default SSE-S3 (AES256) */
  readonly kmsKeyArn?: string;
  /** Let `terraform destroy` delete a non-empty bucket. @default false */
  readonly forceDestroy?: boolean;
  /**
   * Keep every version of every object (an overwrite or a delete keeps the previous version). With `expirationDays`,
   * noncurrent versions expire that many days after they stop being current. @default true
   */
  readonly versioning?: boolean;
  /** @default {} */
  readonly tags?: Record<string, string>;
}

export interface SecureBucketOutputs {
  readonly bucketName: string;
  readonly bucketArn: string;
}

export class SecureBucket extends Construct {
  readonly bucket: S3Bucket;
  readonly outputs: SecureBucketOutputs;

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    const bucketName = requireString("bucketName", props.bucketName, patterns.bucketName);
    const expirationDays = intOrDefault("expirationDays", props.expirationDays, 0, 0, 36500);
    const kmsKeyArn = optionalString("kmsKeyArn", props.kmsKeyArn, patterns.arn);
    const versioning = boolOrDefault("versioning", props.versioning, true);

    this.bucket = new S3Bucket(this, "bucket", {
      bucket: bucketName,
      forceDestroy: boolOrDefault("forceDestroy", props.forceDestroy, false),
      tags: props.tags,
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
    const tlsOnly = new DataAwsIamPolicyDocument(this, "tls-only", {
      statement: [
        {
          sid: "DenyInsecureTransport",
          effect: "Deny",
          principals: [{ type: "*", identifiers: ["*"] }],
          actions: ["s3:*"],
          resources: [this.bucket.arn, `${this.bucket.arn}/*`],
          condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
        },
      ],
    });
    new S3BucketPolicy(this, "policy", { bucket: this.bucket.id, policy: tlsOnly.json });
    this.outputs = { bucketName: this.bucket.bucket, bucketArn: this.bucket.arn };
  }
}
