// Every ARN the app writes, from one place, partition-aware: nothing here spells `arn:aws:`. An ArnScope says which
// partition (`aws`, `aws-cn`, `aws-us-gov`), region and account an ARN points into; each may be a literal or a
// Terraform reference. Two ways to get one:
// - `arnScope(construct)`: references to data sources created once per stack (`data.aws_partition.arn-partition`,
//   ...), so the same synthesized Terraform is right in every partition (the log-routing modules);
// - `regionArnScope(region, account)`: the partition worked out from a literal region at synth (the worker-fleet
//   stack, whose policies then read as the resources they name).
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { TerraformStack } from "cdktf";
import type { Construct } from "constructs";

export interface ArnScope {
  /** `aws`, `aws-cn` or `aws-us-gov`: a Terraform reference or a literal. */
  readonly partition: string;
  /** Region name: a Terraform reference or a literal. */
  readonly region: string;
  /** Account id: a Terraform reference or a literal. */
  readonly account: string;
}

const IDS = { partition: "arn-partition", region: "arn-region", account: "arn-account" } as const;

/** The stack's partition, region and account, as references to data sources created once per stack. */
export function arnScope(scope: Construct): ArnScope {
  const stack = TerraformStack.of(scope);
  const partition =
    (stack.node.tryFindChild(IDS.partition) as DataAwsPartition | undefined) ??
    new DataAwsPartition(stack, IDS.partition);
  const region =
    (stack.node.tryFindChild(IDS.region) as DataAwsRegion | undefined) ?? new DataAwsRegion(stack, IDS.region);
  const account =
    (stack.node.tryFindChild(IDS.account) as DataAwsCallerIdentity | undefined) ??
    new DataAwsCallerIdentity(stack, IDS.account);
  return { partition: partition.partition, region: region.name, account: account.accountId };
}

/** Only the partition, as a data source reference (S3 ARNs carry no region or account). */
export function partitionOf(scope: Construct): string {
  return arnScope(scope).partition;
}

/** The partition a literal region is in. */
export function partitionOfRegion(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.includes("-gov-")) return "aws-us-gov";
  return "aws";
}

/** An ArnScope for a literal region (its partition known at synth) and an account (literal or reference). */
export function regionArnScope(region: string, account: string): ArnScope {
  return { partition: partitionOfRegion(region), region, account };
}

export const arns = {
  // Global (partition only)
  s3Bucket: (partition: string, bucket: string) => `arn:${partition}:s3:::${bucket}`,
  /** Objects under `prefix/` (`prefix` without slashes at either end), or the whole bucket when `prefix` is "". */
  s3Objects: (partition: string, bucket: string, prefix: string) =>
    prefix === "" ? `arn:${partition}:s3:::${bucket}/*` : `arn:${partition}:s3:::${bucket}/${prefix}/*`,
  /** An AWS managed policy, e.g. `AmazonSSMManagedInstanceCore`. */
  awsManagedPolicy: (partition: string, name: string) => `arn:${partition}:iam::aws:policy/${name}`,

  // Account-wide (no region)
  iamRole: (s: ArnScope, name: string) => `arn:${s.partition}:iam::${s.account}:role/${name}`,
  /** The account itself as a principal (key policies). */
  accountRoot: (s: ArnScope) => `arn:${s.partition}:iam::${s.account}:root`,

  // Regional
  logGroup: (s: ArnScope, name: string) => `arn:${s.partition}:logs:${s.region}:${s.account}:log-group:${name}`,
  ssmParameter: (s: ArnScope, name: string) =>
    `arn:${s.partition}:ssm:${s.region}:${s.account}:parameter${name.startsWith("/") ? name : `/${name}`}`,
  ssmDocument: (s: ArnScope, name: string) => `arn:${s.partition}:ssm:${s.region}:${s.account}:document/${name}`,
  openSearchDomain: (s: ArnScope, domainName: string) =>
    `arn:${s.partition}:es:${s.region}:${s.account}:domain/${domainName}`,
  /** An Auto Scaling group by name, for IAM (the real ARN embeds a UUID unknown at synth). */
  autoScalingGroup: (s: ArnScope, group: string) =>
    `arn:${s.partition}:autoscaling:${s.region}:${s.account}:autoScalingGroup:*:autoScalingGroupName/${group}`,
  anyInstance: (s: ArnScope) => `arn:${s.partition}:ec2:${s.region}:${s.account}:instance/*`,
  anyVolume: (s: ArnScope) => `arn:${s.partition}:ec2:${s.region}:${s.account}:volume/*`,
  /** Snapshot ARNs carry no account id. */
  anySnapshot: (s: ArnScope) => `arn:${s.partition}:ec2:${s.region}::snapshot/*`,
  stateMachine: (s: ArnScope, name: string) =>
    `arn:${s.partition}:states:${s.region}:${s.account}:stateMachine:${name}`,
  /** Every execution of a state machine. */
  executions: (s: ArnScope, name: string) => `arn:${s.partition}:states:${s.region}:${s.account}:execution:${name}:*`,
  lambdaFunction: (s: ArnScope, name: string) => `arn:${s.partition}:lambda:${s.region}:${s.account}:function:${name}`,
};
