// NodeFunction as a construct (cdktf Testing.synthScope, no app): its defaults, its least-privilege policy read as
// data, and props checked by nodeFunctionPropsSchema.
import { Testing } from "cdktf";
import { NodeFunction, type NodeFunctionProps } from "../../../../modules/common/node-function";
import { ConfigError } from "../../../../modules/common/schema";
import { policyOf } from "../../../support/policy";

type Resource = Record<string, unknown>;
type Synthesized = { resource: Record<string, Record<string, Resource>> };

function synthFunction(props: Partial<NodeFunctionProps> = {}): Synthesized {
  const json = Testing.synthScope((scope) => {
    new NodeFunction(scope, "fn", { handler: "reconcile", functionName: "demo-fn", ...props });
  });
  return JSON.parse(json) as Synthesized;
}

const only = (s: Synthesized, type: string): Resource => {
  const found = Object.values(s.resource[type] ?? {});
  expect(found).toHaveLength(1);
  return found[0]!;
};

describe("NodeFunction", () => {
  it("fills in its documented defaults", () => {
    // Act
    const s = synthFunction();
    // Assess
    expect(only(s, "aws_lambda_function")).toMatchObject({
      function_name: "demo-fn",
      runtime: "nodejs22.x",
      architectures: ["arm64"],
      memory_size: 256,
      timeout: 60,
      tracing_config: { mode: "Active" },
      environment: { variables: { NODE_OPTIONS: "--enable-source-maps" } },
    });
    expect(only(s, "aws_lambda_function").reserved_concurrent_executions).toBeUndefined();
    expect(only(s, "aws_cloudwatch_log_group")).toMatchObject({ name: "/aws/lambda/demo-fn", retention_in_days: 30 });
  });

  it("grants its own logs and traces, then exactly the statements it is given", () => {
    // Prepare
    const statement = {
      Sid: "ReadOneThing",
      Effect: "Allow" as const,
      Action: "s3:GetObject",
      Resource: "arn:aws:s3:::bucket/key",
    };
    // Act
    const s = synthFunction({ statements: [statement] });
    const policy = policyOf(only(s, "aws_iam_role_policy"));
    // Assess
    expect(policy).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "WriteOwnLogs",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: expect.stringMatching(/^\$\{aws_cloudwatch_log_group\.fn_logs_\w+\.arn\}:\*$/),
        },
        {
          Sid: "WriteTraces",
          Effect: "Allow",
          Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
          Resource: "*",
        },
        statement,
      ],
    });
    expect(policyOf(only(s, "aws_iam_role"), "assume_role_policy").Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
  });

  it("adds the VPC interface statement in a VPC and drops traces when tracing passes through", () => {
    // Act
    const s = synthFunction({
      tracingMode: "PassThrough",
      vpcConfig: { subnetIds: ["subnet-0123456789abcdef0"], securityGroupIds: ["sg-0123456789abcdef0"] },
    });
    // Assess
    expect(policyOf(only(s, "aws_iam_role_policy")).Statement.map((st) => st.Sid)).toEqual([
      "WriteOwnLogs",
      "ManageVpcInterfaces",
    ]);
    expect(only(s, "aws_lambda_function").tracing_config).toEqual({ mode: "PassThrough" });
  });

  it("rejects wrong props, naming every field at once", () => {
    // Act
    const attempt = () => synthFunction({ memorySize: 64, timeoutSeconds: 901, logRetentionDays: 31 });
    // Assess
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (e) {
      expect((e as ConfigError).issues.map((i) => i.field)).toEqual([
        "memorySize",
        "timeoutSeconds",
        "logRetentionDays",
      ]);
      expect((e as ConfigError).message).toContain("memorySize: must be an integer from 128 to 10240; got 64");
    }
  });
});
