// Partition-aware ARNs for the log-routing modules, from one place. The partition (`aws`, `aws-cn`, `aws-us-gov`),
// region and account come from one set of data sources per stack (`data.aws_partition.arn_partition`, ...), so the
// same synthesized Terraform is right in every partition; nothing here spells `arn:aws:`.
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { TerraformStack } from "cdktf";
import type { Construct } from "constructs";

export interface ArnScope {
  /** `aws`, `aws-cn` or `aws-us-gov`: a Terraform reference or a literal. */
  readonly partition: string;
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

/** Only the partition (S3 ARNs carry no region or account). */
export function partitionOf(scope: Construct): string {
  return arnScope(scope).partition;
}

export const arns = {
  s3Bucket: (partition: string, bucket: string) => `arn:${partition}:s3:::${bucket}`,
  /** Objects under `prefix/` (`prefix` without slashes at either end), or the whole bucket when `prefix` is "". */
  s3Objects: (partition: string, bucket: string, prefix: string) =>
    prefix === "" ? `arn:${partition}:s3:::${bucket}/*` : `arn:${partition}:s3:::${bucket}/${prefix}/*`,
  logGroup: (s: ArnScope, name: string) => `arn:${s.partition}:logs:${s.region}:${s.account}:log-group:${name}`,
  ssmParameter: (s: ArnScope, name: string) =>
    `arn:${s.partition}:ssm:${s.region}:${s.account}:parameter${name.startsWith("/") ? name : `/${name}`}`,
  openSearchDomain: (s: ArnScope, domainName: string) =>
    `arn:${s.partition}:es:${s.region}:${s.account}:domain/${domainName}`,
  iamRole: (s: ArnScope, name: string) => `arn:${s.partition}:iam::${s.account}:role/${name}`,
};
