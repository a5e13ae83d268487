// Placing a function (or a domain) in a VPC: the subnets and security groups, validated with the field's name.
import { ConfigError, patterns, stringList } from "./validate";

export interface VpcPlacement {
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
}

export function validateVpc(field: string, vpc: VpcPlacement | undefined): VpcPlacement | undefined {
  if (vpc === undefined) return undefined;
  if (typeof vpc !== "object" || vpc === null)
    throw new ConfigError(field, "must be an object with subnetIds and securityGroupIds");
  return {
    subnetIds: stringList(`${field}.subnetIds`, vpc.subnetIds, { ...patterns.subnetId, min: 1, max: 16 }),
    securityGroupIds: stringList(`${field}.securityGroupIds`, vpc.securityGroupIds, {
      ...patterns.securityGroupId,
      min: 1,
      max: 5,
    }),
  };
}
