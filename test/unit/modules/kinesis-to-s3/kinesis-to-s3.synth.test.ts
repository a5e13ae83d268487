// KinesisToS3 as a construct (cdktf Testing, a bare stack with an AwsProvider): PutObject under exactly its prefix of
// the bucket, told where through the contract's environment; a bucket of its own (a versioned SecureBucket) only when
// asked to create one.
import { KinesisToS3, type KinesisToS3Props } from "../../../../modules/kinesis-to-s3";
import { onlyResource, resources, type Synthesized, synthConstruct } from "../../../support/construct";
import { policyOf } from "../../../support/policy";

const PROPS: KinesisToS3Props = {
  name: "demo-to-s3",
  sourceStreamArn: "arn:aws:kinesis:eu-west-1:123456789012:stream/demo-router",
  bucketName: "demo-archive",
  failedRecords: { bucketName: "demo-failed-records" },
};

const synthToS3 = (over: Partial<KinesisToS3Props> = {}): Synthesized =>
  synthConstruct((scope) => new KinesisToS3(scope, "to-s3", { ...PROPS, ...over })).synthesized;

const statementsOf = (s: Synthesized) => policyOf(onlyResource(s, "aws_iam_role_policy")).Statement;

describe("KinesisToS3", () => {
  it("writes into a bucket it is given, under exactly its prefix, and creates no bucket", () => {
    // Act
    const s = synthToS3();
    // Assess
    expect(resources(s, "aws_s3_bucket")).toEqual([]);
    expect(
      (onlyResource(s, "aws_lambda_function").environment as { variables: Record<string, string> }).variables,
    ).toMatchObject({ S3_BUCKET: "demo-archive", S3_PREFIX: "logs", S3_MAX_CONCURRENT_PUTS: "8" });
    const write = statementsOf(s).find((st) => st.Sid === "WriteLogObjects");
    expect(write).toMatchObject({ Effect: "Allow", Action: "s3:PutObject" });
    expect(write!.Resource).toMatch(/^arn:\$\{data\.aws_partition\.[\w-]+\.partition\}:s3:::demo-archive\/logs\/\*$/);
    expect(statementsOf(s).map((st) => st.Sid)).not.toContain("EncryptLogObjects");
  });

  it("encrypts with the key it is given", () => {
    // Prepare
    const key = "arn:aws:kms:eu-west-1:123456789012:key/0f5e2a4c-1b3d-4e5f-8a9b-0c1d2e3f4a5b";
    // Act
    const s = synthToS3({ kmsKeyArn: key });
    // Assess
    expect(statementsOf(s)).toContainEqual({
      Sid: "EncryptLogObjects",
      Effect: "Allow",
      Action: "kms:GenerateDataKey",
      Resource: key,
    });
    expect(
      (onlyResource(s, "aws_lambda_function").environment as { variables: Record<string, string> }).variables,
    ).toMatchObject({ S3_KMS_KEY_ARN: key });
  });

  it("creates a versioned bucket when asked to, and writes into that one", () => {
    // Act
    const s = synthToS3({ createBucket: true, expirationDays: 30 });
    // Assess
    expect(onlyResource(s, "aws_s3_bucket")).toMatchObject({ bucket: "demo-archive" });
    expect(onlyResource(s, "aws_s3_bucket_versioning")).toMatchObject({
      versioning_configuration: { status: "Enabled" },
    });
    expect(String(statementsOf(s).find((st) => st.Sid === "WriteLogObjects")!.Resource)).toMatch(
      /:s3:::\$\{aws_s3_bucket\.[\w-]+\.bucket\}\/logs\/\*$/,
    );
  });

  it("does not version the bucket it creates with versioning: false", () => {
    // Act
    const s = synthToS3({ createBucket: true, versioning: false });
    // Assess
    expect(resources(s, "aws_s3_bucket")).toHaveLength(1);
    expect(resources(s, "aws_s3_bucket_versioning")).toEqual([]);
  });
});
