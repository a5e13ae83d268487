// KinesisToFluent as a construct (cdktf Testing, a bare stack with an AwsProvider): the forward input's settings
// through the contract's environment (TLS by default), the shared key only by its parameter NAME with GetParameter on
// exactly that parameter, and the function in the aggregator's VPC.
import { KinesisToFluent, type KinesisToFluentProps } from "../../../../modules/kinesis-to-fluent";
import { onlyResource, type Synthesized, synthConstruct } from "../../../support/construct";
import { policyOf } from "../../../support/policy";

const PROPS: KinesisToFluentProps = {
  name: "demo-to-fluent",
  sourceStreamArn: "arn:aws:kinesis:eu-west-1:123456789012:stream/demo-router",
  failedRecords: { bucketName: "demo-failed-records" },
  host: "fluentd.example.internal",
};

const synthToFluent = (over: Partial<KinesisToFluentProps> = {}): Synthesized =>
  synthConstruct((scope) => new KinesisToFluent(scope, "to-fluent", { ...PROPS, ...over })).synthesized;

const variablesOf = (s: Synthesized) =>
  (onlyResource(s, "aws_lambda_function").environment as { variables: Record<string, string> }).variables;

describe("KinesisToFluent", () => {
  it("sends over TLS to port 24224 with acks by default, and reads no parameter", () => {
    // Act
    const s = synthToFluent();
    // Assess
    expect(variablesOf(s)).toMatchObject({
      FLUENT_HOST: "fluentd.example.internal",
      FLUENT_PORT: "24224",
      FLUENT_TAG: "kinesis",
      FLUENT_TLS: "true",
      FLUENT_REQUIRE_ACK: "true",
      FLUENT_ACK_TIMEOUT_MS: "30000",
      FLUENT_CONNECT_TIMEOUT_MS: "5000",
    });
    expect(variablesOf(s).FLUENT_SHARED_KEY_PARAMETER).toBeUndefined();
    const sids = policyOf(onlyResource(s, "aws_iam_role_policy")).Statement.map((st) => st.Sid);
    expect(sids).not.toContain("ReadSharedKey");
    expect(onlyResource(s, "aws_lambda_function").vpc_config).toBeUndefined();
  });

  it("reads the shared key by name from exactly its parameter, decrypting with its key, inside the VPC", () => {
    // Prepare
    const key = "arn:aws:kms:eu-west-1:123456789012:key/0f5e2a4c-1b3d-4e5f-8a9b-0c1d2e3f4a5b";
    const vpc = { subnetIds: ["subnet-0123456789abcdef0"], securityGroupIds: ["sg-0123456789abcdef0"] };
    // Act
    const s = synthToFluent({ sharedKeyParameterName: "/demo/fluent/shared-key", sharedKeyKmsKeyArn: key, vpc });
    // Assess
    expect(variablesOf(s)).toMatchObject({ FLUENT_SHARED_KEY_PARAMETER: "/demo/fluent/shared-key" });
    const statements = policyOf(onlyResource(s, "aws_iam_role_policy")).Statement;
    const read = statements.find((st) => st.Sid === "ReadSharedKey");
    expect(read).toMatchObject({ Effect: "Allow", Action: "ssm:GetParameter" });
    expect(read!.Resource).toMatch(/:ssm:.*:parameter\/demo\/fluent\/shared-key$/);
    expect(statements.find((st) => st.Sid === "DecryptSharedKey")).toMatchObject({
      Action: "kms:Decrypt",
      Resource: key,
    });
    expect(onlyResource(s, "aws_lambda_function").vpc_config).toMatchObject({
      subnet_ids: vpc.subnetIds,
      security_group_ids: vpc.securityGroupIds,
    });
  });

  it("sends plaintext only with the explicit opt-in", () => {
    // Act
    const s = synthToFluent({ plaintext: true });
    // Assess
    expect(variablesOf(s)).toMatchObject({ FLUENT_TLS: "false" });
  });
});
