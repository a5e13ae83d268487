// ARNs and tag keys the worker fleet and its drain workflow agree on, built from plain strings so the rendered IAM
// policies read as the resources they name.

/** Tag our launch template puts on every instance AND volume (the ASG's own aws:autoscaling:groupName tag is set on
 * instances only), and the drain on its snapshots; IAM requires it on the snapshots the drain creates, but never
 * chooses an instance or a volume by it (users can set it). */
export const GROUP_TAG_KEY = "cribl-drain:auto-scaling-group";

/** Tag the ASG itself sets on its instances; users cannot set or change `aws:` tags, so it scopes SendCommand. */
export const ASG_INSTANCE_TAG_KEY = "aws:autoscaling:groupName";

export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.includes("-gov-")) return "aws-us-gov";
  return "aws";
}

export interface ArnScope {
  partition: string;
  region: string;
  /** Account id: a Terraform reference (data.aws_caller_identity) or a literal. */
  account: string;
}

export const arns = {
  autoScalingGroup: (s: ArnScope, group: string) =>
    `arn:${s.partition}:autoscaling:${s.region}:${s.account}:autoScalingGroup:*:autoScalingGroupName/${group}`,
  ssmDocument: (s: ArnScope, name: string) => `arn:${s.partition}:ssm:${s.region}:${s.account}:document/${name}`,
  ssmParameter: (s: ArnScope, name: string) =>
    `arn:${s.partition}:ssm:${s.region}:${s.account}:parameter${name.startsWith("/") ? name : `/${name}`}`,
  anyInstance: (s: ArnScope) => `arn:${s.partition}:ec2:${s.region}:${s.account}:instance/*`,
  anyVolume: (s: ArnScope) => `arn:${s.partition}:ec2:${s.region}:${s.account}:volume/*`,
  /** Snapshot ARNs carry no account id. */
  anySnapshot: (s: ArnScope) => `arn:${s.partition}:ec2:${s.region}::snapshot/*`,
  stateMachine: (s: ArnScope, name: string) =>
    `arn:${s.partition}:states:${s.region}:${s.account}:stateMachine:${name}`,
  executions: (s: ArnScope, name: string) => `arn:${s.partition}:states:${s.region}:${s.account}:execution:${name}:*`,
  lambdaFunction: (s: ArnScope, name: string) => `arn:${s.partition}:lambda:${s.region}:${s.account}:function:${name}`,
};

/**
 * Escapes literal text for a Terraform string: `${` and `%{` would otherwise start an interpolation or directive.
 * cdktf tokens (`${TfToken[...]}`) are left alone, so a text may carry Terraform references.
 */
export function terraformLiteral(text: string): string {
  return text.replace(/\$\{(?!TfToken\[)/g, "$$${").replace(/%\{/g, "%%{");
}
