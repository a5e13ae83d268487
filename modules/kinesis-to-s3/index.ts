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
import type { z } from "zod";
import { toS3Env } from "../../contracts/kinesis";
import { arns, partitionOf } from "../common/arns";
import { bool, fail, int, parseWith, patterns, pick, str, strict, text, whenValid } from "../common/schema";
import { consumerCommonShape, KinesisConsumer, type KinesisConsumerOutputs, refineConsumer } from "../kinesis-consumer";
import { SecureBucket, secureBucketPropsSchema } from "../secure-bucket";

const PREFIX = patterns.s3Prefix;
const bucketShape = secureBucketPropsSchema.shape;

/** What kinesis-to-s3 adds to the common consumer props; configuration takes all of it per s3 sink. */
export const kinesisToS3Shape = {
  /** Destination bucket: an existing one, or the name of the one to create (`createBucket`). */
  bucketName: str(patterns.bucketName),
  /** Create the bucket (a SecureBucket: SSE, public access blocked, TLS-only policy). @default false (bring your own) */
  createBucket: bool().default(false),
  /** Key prefix of every object, no leading or trailing `/`; `""` puts `<log_type>/` at the bucket root. @default "logs" */
  prefix: text()
    .superRefine((v, ctx) => {
      if (v !== "" && !PREFIX.pattern.test(v)) fail(ctx, [], `must match ${PREFIX.hint}; got ${JSON.stringify(v)}`);
    })
    .default("logs"),
  /** CMK for SSE-KMS (objects written with it, and a created bucket's default). @default SSE-S3 (AES256) */
  kmsKeyArn: str(patterns.arn).optional(),
  /** Created bucket only: SecureBucket's expirationDays (its range; 0 keeps objects). @default SecureBucket's (0) */
  expirationDays: bucketShape.expirationDays.unwrap().optional(),
  /** Created bucket only: let `terraform destroy` delete it while it holds objects. @default SecureBucket's (false) */
  forceDestroy: bucketShape.forceDestroy.unwrap().optional(),
  /** Created bucket only: version it (see SecureBucket). @default SecureBucket's (true) */
  versioning: bucketShape.versioning.unwrap().optional(),
  /** Objects written at once per invocation, 1 to 64. @default 8 */
  maxConcurrentPuts: int(1, 64).default(8),
};

/** The created bucket's settings apply only when the module creates the bucket. */
export function refineKinesisToS3(
  p: { createBucket: boolean; expirationDays?: number; forceDestroy?: boolean; versioning?: boolean },
  ctx: z.RefinementCtx,
): void {
  if (p.createBucket) return;
  if (p.expirationDays !== undefined) fail(ctx, ["expirationDays"], "applies only when createBucket is true");
  if (p.forceDestroy !== undefined) fail(ctx, ["forceDestroy"], "applies only when createBucket is true");
  if (p.versioning !== undefined) {
    fail(ctx, ["versioning"], "applies only when createBucket is true (version your own bucket yourself)");
  }
}

export const kinesisToS3PropsSchema = strict({ ...consumerCommonShape, ...kinesisToS3Shape })
  .superRefine(refineConsumer, whenValid)
  .superRefine(refineKinesisToS3, whenValid);

/** Props of KinesisToS3, inferred from its schema (the field comments are the documentation). */
export type KinesisToS3Props = Readonly<z.input<typeof kinesisToS3PropsSchema>>;

export interface KinesisToS3Outputs extends KinesisConsumerOutputs {
  /** The destination bucket's name. */
  readonly bucketName: string;
  /** The destination bucket's ARN. */
  readonly bucketArn: string;
  /** The key prefix objects are written under ("" = bucket root). */
  readonly prefix: string;
}

export class KinesisToS3 extends Construct {
  /** The function and its event source mapping (see kinesis-consumer). */
  readonly consumer: KinesisConsumer;
  /** The bucket it created; undefined when it writes to an existing one. */
  readonly bucket: S3Bucket | undefined;
  readonly outputs: KinesisToS3Outputs;

  constructor(scope: Construct, id: string, props: KinesisToS3Props) {
    super(scope, id);
    const p = parseWith(kinesisToS3PropsSchema, props);
    const { bucketName, createBucket, prefix, kmsKeyArn, expirationDays, maxConcurrentPuts } = p;

    this.bucket = createBucket
      ? new SecureBucket(this, "bucket", {
          bucketName,
          kmsKeyArn,
          expirationDays,
          forceDestroy: p.forceDestroy,
          versioning: p.versioning,
          tags: p.tags,
        }).bucket
      : undefined;
    const name = this.bucket?.bucket ?? bucketName;
    const partition = partitionOf(this);
    const objects = arns.s3Objects(partition, name, prefix);

    this.consumer = new KinesisConsumer(this, "consumer", {
      ...pick(consumerCommonShape, p),
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
