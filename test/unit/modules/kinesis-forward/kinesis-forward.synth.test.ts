// KinesisForward as a construct (cdktf Testing, a bare stack with an AwsProvider): a KinesisConsumer that may put
// records into exactly its target stream, told where through the contract's environment.
import { KinesisForward, type KinesisForwardProps } from "../../../../modules/kinesis-forward";
import { onlyResource, type Synthesized, synthConstruct } from "../../../support/construct";
import { policyOf } from "../../../support/policy";

const TARGET = "arn:aws:kinesis:eu-west-1:123456789012:stream/demo-app";

const PROPS: KinesisForwardProps = {
  name: "demo-forward-app",
  sourceStreamArn: "arn:aws:kinesis:eu-west-1:123456789012:stream/demo-router",
  targetStreamArn: TARGET,
  whitelist: ["app"],
  failedRecords: { bucketName: "demo-failed-records" },
};

const synthForward = (over: Partial<KinesisForwardProps> = {}) =>
  synthConstruct((scope) => new KinesisForward(scope, "forward", { ...PROPS, ...over }));

const variablesOf = (s: Synthesized) =>
  (onlyResource(s, "aws_lambda_function").environment as { variables: Record<string, string> }).variables;

describe("KinesisForward", () => {
  it("tells the function its target, whitelist and attempts, and lets it PutRecords on exactly that stream", () => {
    // Act
    const { synthesized, built } = synthForward();
    // Assess
    expect(variablesOf(synthesized)).toMatchObject({
      TARGET_STREAM_ARN: TARGET,
      MAX_PUT_ATTEMPTS: "5",
      LOG_TYPE_WHITELIST: '["app"]',
    });
    expect(variablesOf(synthesized).PARTITION_KEY_FIELD).toBeUndefined();
    const statements = policyOf(onlyResource(synthesized, "aws_iam_role_policy")).Statement;
    expect(statements.filter((s) => String(s.Action).startsWith("kinesis:Put"))).toEqual([
      { Sid: "PutIntoTargetStream", Effect: "Allow", Action: "kinesis:PutRecords", Resource: TARGET },
    ]);
    expect(statements.map((s) => s.Sid)).not.toContain("EncryptForTargetStream");
    expect(built.outputs.targetStreamArn).toBe(TARGET);
  });

  it("encrypts for a target with its own key and takes the partition key field", () => {
    // Prepare
    const key = "arn:aws:kms:eu-west-1:123456789012:key/0f5e2a4c-1b3d-4e5f-8a9b-0c1d2e3f4a5b";
    // Act
    const { synthesized } = synthForward({ targetStreamKmsKeyArn: key, partitionKeyField: "host", maxPutAttempts: 3 });
    // Assess
    expect(variablesOf(synthesized)).toMatchObject({ PARTITION_KEY_FIELD: "host", MAX_PUT_ATTEMPTS: "3" });
    expect(policyOf(onlyResource(synthesized, "aws_iam_role_policy")).Statement).toContainEqual({
      Sid: "EncryptForTargetStream",
      Effect: "Allow",
      Action: "kms:GenerateDataKey",
      Resource: key,
    });
  });
});
