// Placing a function (or a domain) in a VPC: the subnets and security groups. The one schema; constructs and
// configuration both use it, so an error names the field under whichever path it was given at.
import type { z } from "zod";
import { list, patterns, str, strict } from "./schema";

export const vpcPlacementSchema = strict({
  /** Subnets, 1 to 16 (`subnet-...`). */
  subnetIds: list(str(patterns.subnetId), 1, 16),
  /** Security groups, 1 to 5 (`sg-...`). */
  securityGroupIds: list(str(patterns.securityGroupId), 1, 5),
});

export type VpcPlacement = Readonly<z.output<typeof vpcPlacementSchema>>;
