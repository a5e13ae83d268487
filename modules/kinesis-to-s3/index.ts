/**
 * kinesis-to-s3: a Lambda reading a stream and writing gzip JSON-lines objects per log type and day under
 * `<prefix>/<log_type>/<YYYY-MM>/<DD>/<YYYY-MM-DD-HH:MM:SS>-<log_id>-…`, into an existing bucket or one it creates
 * (SSE-S3 or SSE-KMS, public access blocked, TLS-only policy, versioned unless `versioning: false`). Objects are written
 * with `If-None-Match: *` under names unique per batch (`…-<log_id>-<shard>-<first seq>-<last seq>-<digest>.gz`, see
 * handlers/shared/sinks/s3-objects.ts), so none is ever replaced. IAM: `s3:PutObject` on exactly
 * `arn:<partition>:s3:::<bucket>/<prefix>/*` (plus `kms:GenerateDataKey` on the CMK with SSE-KMS).
 * Built on KinesisConsumer (mapping, on-failure queue, failed records); handler: handlers/kinesis-to-s3.
 *
 * Records without a type (type key absent, `null` or `""`, including an object that looks like a CloudWatch Logs
 * envelope but has no `logEvents`) fail as `missing_type` into failed records, whatever the whitelist, as in every
 * other log module: they are never filtered and never stored under an `unknown_type` directory. Records with a type
 * but no usable time go under `<prefix>/<unknownTypePrefix>/<type>_no_timestamp/`, dated by their arrival time.
 */
import type { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { Construct } from "constructs";
import { toS3Env } from "../../contracts/kinesis";
import { arns, partitionOf } from "../common/arns";
import { boolOrDefault, ConfigError, intOrDefault, optionalString, patterns, requireString } from "../common/validate";
import { KinesisConsumer, type KinesisConsumerCommonProps, type KinesisConsumerOutputs } from "../kinesis-consumer";
import { SecureBucket } from "../secure-bucket";

export interface KinesisToS3Props extends KinesisConsumerCommonProps {
  /** Destination bucket: an existing one, or the name of the one to create (`createBucket`). */
  readonly bucketName: string;
  /** Create the bucket (SSE, public access blocked, TLS-only policy). @default false (bring your own) */
  readonly createBucket?: boolean;
  /** Key prefix of every object, no leading or trailing `/`; `""` puts `<log_type>/` at the bucket root. @default "logs" */
  readonly prefix?: string;
  /** CMK for SSE-KMS (objects written with it, and a created bucket's default). @default SSE-S3 (AES256) */
  readonly kmsKeyArn?: string;
  /** Expire objects of a created bucket after this many days; 0 keeps them. @default 0 */
  readonly expirationDays?: number;
  /** Let `terraform destroy` delete a created bucket that still holds objects. @default false */
  readonly forceDestroy?: boolean;
  /** Version a created bucket (see SecureBucket). @default true */
  readonly versioning?: boolean;
  /** Objects written at once per invocation, 1 to 64. @default 8 */
  readonly maxConcurrentPuts?: number;
}

export interface KinesisToS3Outputs extends KinesisConsumerOutputs {
  readonly bucketName: string;
  readonly bucketArn: string;
  /** The key prefix objects are written under ("" = bucket root). */
  readonly prefix: string;
}

const PREFIX = {
  pattern: /^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*$/,
  hint: "an S3 key prefix without leading or trailing '/'",
};

export class KinesisToS3 extends Construct {
  readonly consumer: KinesisConsumer;
  readonly bucket: S3Bucket | undefined;
  readonly outputs: KinesisToS3Outputs;

  constructor(scope: Construct, id: string, props: KinesisToS3Props) {
    super(scope, id);
    const bucketName = requireString("bucketName", props.bucketName, patterns.bucketName);
    const createBucket = boolOrDefault("createBucket", props.createBucket, false);
    const prefix = props.prefix === "" ? "" : (optionalString("prefix", props.prefix, PREFIX) ?? "logs");
    const kmsKeyArn = optionalString("kmsKeyArn", props.kmsKeyArn, patterns.arn);
    const expirationDays = intOrDefault("expirationDays", props.expirationDays, 0, 0, 36500);
    const maxConcurrentPuts = intOrDefault("maxConcurrentPuts", props.maxConcurrentPuts, 8, 1, 64);
    if (!createBucket) {
      if (props.expirationDays !== undefined)
        throw new ConfigError("expirationDays", "applies only when createBucket is true");
      if (props.forceDestroy !== undefined)
        throw new ConfigError("forceDestroy", "applies only when createBucket is true");
      if (props.versioning !== undefined)
        throw new ConfigError(
          "versioning",
          "applies only when createBucket is true (version your own bucket yourself)",
        );
    }

    this.bucket = createBucket
      ? new SecureBucket(this, "bucket", {
          bucketName,
          kmsKeyArn,
          expirationDays,
          forceDestroy: props.forceDestroy,
          versioning: props.versioning,
          tags: props.tags,
        }).bucket
      : undefined;
    const name = this.bucket?.bucket ?? bucketName;
    const partition = partitionOf(this);
    const objects = arns.s3Objects(partition, name, prefix);

    this.consumer = new KinesisConsumer(this, "consumer", {
      ...props,
      handler: "kinesis-to-s3",
      description: "Writes log events to S3 as gzip JSON lines per log type and day",
      environment: toS3Env.write({
        bucket: name,
        prefix,
        maxConcurrentPuts,
        kmsKeyArn: kmsKeyArn || undefined,
      }),
      statements: [
        { Sid: "WriteLogObjects", Effect: "Allow", Action: "s3:PutObject", Resource: objects },
        ...(kmsKeyArn
          ? [{ Sid: "EncryptLogObjects", Effect: "Allow" as const, Action: "kms:GenerateDataKey", Resource: kmsKeyArn }]
          : []),
      ],
    });
    this.outputs = {
      ...this.consumer.outputs,
      bucketName: name,
      bucketArn: this.bucket?.arn ?? arns.s3Bucket(partition, bucketName),
      prefix,
    };
  }
}
