// A Node.js Lambda function built from handlers/<name>, with its own role, log group and least-privilege policy.

import * as path from "node:path";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaFunction, type LambdaFunctionVpcConfig } from "@cdktf/provider-aws/lib/lambda-function";
import { App, AssetType, Fn, TerraformAsset, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { bundleHandler } from "./bundle";
import { intOrDefault, oneOf } from "./validate";

export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export interface NodeFunctionProps {
  /** Folder under handlers/ holding index.ts. */
  handler: string;
  functionName: string;
  description?: string;
  environment?: Record<string, string>;
  /** @default 256 */
  memorySize?: number;
  /** @default 60 */
  timeoutSeconds?: number;
  /** @default 30 */
  logRetentionDays?: number;
  /** X-Ray tracing mode. @default "Active" */
  tracingMode?: "Active" | "PassThrough";
  /** Statements the function needs beyond writing its own logs and traces: exact actions on exact resources. */
  statements?: PolicyStatement[];
  vpcConfig?: LambdaFunctionVpcConfig;
  /** Reserved concurrency; unset means unreserved. */
  reservedConcurrency?: number;
}

export class NodeFunction extends Construct {
  readonly function: LambdaFunction;
  readonly role: IamRole;
  readonly logGroup: CloudwatchLogGroup;
  readonly bundleBytes: number;

  constructor(scope: Construct, id: string, props: NodeFunctionProps) {
    super(scope, id);
    const memorySize = intOrDefault("memorySize", props.memorySize, 256, 128, 10240);
    const timeout = intOrDefault("timeoutSeconds", props.timeoutSeconds, 60, 1, 900);
    const retention = props.logRetentionDays ?? 30;
    if (!LOG_RETENTION_DAYS.includes(retention as (typeof LOG_RETENTION_DAYS)[number])) {
      oneOf("logRetentionDays", String(retention), LOG_RETENTION_DAYS.map(String));
    }
    const tracingMode = oneOf("tracingMode", props.tracingMode ?? "Active", ["Active", "PassThrough"] as const);

    const app = App.of(this);
    const bundle = bundleHandler(props.handler, path.join(app.outdir, ".bundles", TerraformStack.of(this).node.id));
    this.bundleBytes = bundle.bytes;
    // Our own deterministic zip as a FILE asset: cdktf's ARCHIVE spawns a node process per function to zip.
    const asset = new TerraformAsset(this, "code", {
      path: bundle.zipFile,
      type: AssetType.FILE,
      assetHash: bundle.sha256,
    });

    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: `/aws/lambda/${props.functionName}`,
      retentionInDays: retention,
    });

    this.role = new IamRole(this, "role", {
      name: props.functionName,
      assumeRolePolicy: Fn.jsonencode({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
    });
    const statements: PolicyStatement[] = [
      {
        Sid: "WriteOwnLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: `${this.logGroup.arn}:*`,
      },
      ...(props.vpcConfig
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
      ...(props.statements ?? []),
    ];
    new IamRolePolicy(this, "policy", {
      name: "least-privilege",
      role: this.role.id,
      policy: Fn.jsonencode({ Version: "2012-10-17", Statement: statements }),
    });

    this.function = new LambdaFunction(this, "function", {
      functionName: props.functionName,
      description: props.description,
      role: this.role.arn,
      runtime: "nodejs22.x",
      architectures: ["arm64"],
      handler: "index.handler",
      filename: asset.path,
      sourceCodeHash: bundle.sha256,
      memorySize,
      timeout,
      reservedConcurrentExecutions: props.reservedConcurrency,
      tracingConfig: { mode: tracingMode },
      vpcConfig: props.vpcConfig,
      environment: {
        variables: { NODE_OPTIONS: "--enable-source-maps", ...props.environment },
      },
      dependsOn: [this.logGroup],
    });
  }
}
