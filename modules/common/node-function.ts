// A Node.js Lambda function built from handlers/<name>, with its own role, log group and least-privilege policy.

import * as path from "node:path";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaFunction, type LambdaFunctionVpcConfig } from "@cdktf/provider-aws/lib/lambda-function";
import { App, AssetType, TerraformAsset, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { z } from "zod";
import { DEFAULT_MEMORY_MB, NODE_OPTIONS } from "../../contracts/lambda";
import { bundleHandler } from "./bundle";
import { type DenyExceptStatement, type PolicyStatement, renderPolicy, serviceTrustPolicy } from "./policy";
import { int, logRetentionDays, oneOf, parseWith, str, strict, text } from "./schema";

export type { PolicyStatement } from "./policy";

/** A value passed through as given (a Terraform block, statements the caller built). */
const given = <T>() => z.custom<T>(() => true);

export const nodeFunctionPropsSchema = strict({
  /** Folder under handlers/ holding index.ts. */
  handler: str(),
  /** The function's name; also its role's and its log group's (`/aws/lambda/<name>`). */
  functionName: str(),
  /** @default none */
  description: text().optional(),
  /** Environment variables; `NODE_OPTIONS=--enable-source-maps` is always set. @default none */
  environment: z.record(z.string(), text()).optional(),
  /** Memory, MiB, 128 to 10240. @default 256 */
  memorySize: int(128, 10240).default(DEFAULT_MEMORY_MB),
  /** Timeout, seconds, 1 to 900. @default 60 */
  timeoutSeconds: int(1, 900).default(60),
  /** Retention of the function's log group, days (one of CloudWatch's values). @default 30 */
  logRetentionDays: logRetentionDays().default(30),
  /** X-Ray tracing mode. @default "Active" */
  tracingMode: oneOf(["Active", "PassThrough"]).default("Active"),
  /**
   * Statements the function needs beyond writing its own logs and traces (and its VPC interfaces): exact actions on
   * exact resources. @default none
   */
  statements: given<readonly (PolicyStatement | DenyExceptStatement)[]>().optional(),
  /** Run in these subnets with these security groups. @default none (not in a VPC) */
  vpcConfig: given<LambdaFunctionVpcConfig>().optional(),
  /** Reserved concurrency, 0 to 1000. @default unreserved */
  reservedConcurrency: int(0, 1000).optional(),
});

/** Props of NodeFunction, inferred from nodeFunctionPropsSchema (its field comments are the documentation). */
export type NodeFunctionProps = Readonly<
  Omit<z.input<typeof nodeFunctionPropsSchema>, "logRetentionDays"> & {
    /** Retention of the function's log group, days: one of LOG_RETENTION_DAYS (checked at synth). @default 30 */
    logRetentionDays?: number;
  }
>;

/** A Node.js Lambda function built from handlers/<name>; props are parsed with nodeFunctionPropsSchema. */
export class NodeFunction extends Construct {
  readonly function: LambdaFunction;
  readonly role: IamRole;
  readonly logGroup: CloudwatchLogGroup;
  readonly bundleBytes: number;

  constructor(scope: Construct, id: string, props: NodeFunctionProps) {
    super(scope, id);
    const { memorySize, timeoutSeconds, logRetentionDays, tracingMode, ...p } = parseWith(
      nodeFunctionPropsSchema,
      props,
    );
    const app = App.of(this);
    const bundle = bundleHandler(p.handler, path.join(app.outdir, ".bundles", TerraformStack.of(this).node.id));
    this.bundleBytes = bundle.bytes;
    // Our own deterministic zip as a FILE asset: cdktf's ARCHIVE spawns a node process per function to zip.
    const asset = new TerraformAsset(this, "code", {
      path: bundle.zipFile,
      type: AssetType.FILE,
      assetHash: bundle.sha256,
    });

    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: `/aws/lambda/${p.functionName}`,
      retentionInDays: logRetentionDays,
    });

    this.role = new IamRole(this, "role", {
      name: p.functionName,
      assumeRolePolicy: serviceTrustPolicy("lambda.amazonaws.com"),
    });
    const statements: (PolicyStatement | DenyExceptStatement)[] = [
      {
        Sid: "WriteOwnLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: `${this.logGroup.arn}:*`,
      },
      ...(p.vpcConfig
        ? [
            {
              // Lambda's ENI management has no resource-level permissions for these describe/create calls.
              Sid: "ManageVpcInterfaces",
              Effect: "Allow" as const,
              Action: [
                "ec2:CreateNetworkInterface",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DeleteNetworkInterface",
                "ec2:AssignPrivateIpAddresses",
                "ec2:UnassignPrivateIpAddresses",
              ],
              Resource: "*",
            },
          ]
        : []),
      ...(tracingMode === "Active"
        ? [
            {
              // X-Ray's segment upload APIs support no resource-level permissions.
              Sid: "WriteTraces",
              Effect: "Allow" as const,
              Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
              Resource: "*",
            },
          ]
        : []),
      ...(p.statements ?? []),
    ];
    new IamRolePolicy(this, "policy", {
      name: "least-privilege",
      role: this.role.id,
      policy: renderPolicy(statements),
    });

    this.function = new LambdaFunction(this, "function", {
      functionName: p.functionName,
      description: p.description,
      role: this.role.arn,
      runtime: "nodejs22.x",
      architectures: ["arm64"],
      handler: "index.handler",
      filename: asset.path,
      sourceCodeHash: bundle.sha256,
      memorySize,
      timeout: timeoutSeconds,
      reservedConcurrentExecutions: p.reservedConcurrency,
      tracingConfig: { mode: tracingMode },
      vpcConfig: p.vpcConfig,
      environment: {
        variables: { NODE_OPTIONS, ...p.environment },
      },
      dependsOn: [this.logGroup],
    });
  }
}
