/**
 * CloudWatch Logs subscription filters from a list of log groups into a Kinesis stream, and the role CloudWatch Logs
 * assumes to write there: trusted only by `logs.<region>.amazonaws.com` for exactly those log groups
 * (`aws:SourceArn`), allowed only `kinesis:PutRecord` on exactly that stream (plus `kms:GenerateDataKey` on the
 * stream's customer managed key, when it has one).
 */
import { CloudwatchLogSubscriptionFilter } from "@cdktf/provider-aws/lib/cloudwatch-log-subscription-filter";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Fn, type ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import type { z } from "zod";
import { arnScope, arns } from "../common/arns";
import type { PolicyStatement } from "../common/node-function";
import {
  fail,
  list,
  oneOf,
  opaque,
  parseWith,
  patterns,
  region,
  str,
  strict,
  stringMap,
  text,
  whenValid,
} from "../common/schema";

/** A CloudWatch Logs log group name. */
export const logGroupName = () =>
  str({ pattern: /^[\w\-./#]{1,512}$/, hint: "a log group name (1 to 512 of [A-Za-z0-9_-./#])" });

/** Log groups one subscription takes at most. */
export const MAX_LOG_GROUPS = 100;

/**
 * Each log group once: a log group listed again is a problem at `pathOf(i)` of its later place. Configuration
 * (`logRouting.cloudwatchSubscription.logGroups`) reports it through the same rule, at the entry's name.
 */
export function refineUniqueLogGroups(
  names: readonly string[],
  ctx: z.RefinementCtx,
  pathOf: (index: number) => PropertyKey[],
): void {
  const seen = new Set<string>();
  names.forEach((name, i) => {
    if (seen.has(name)) fail(ctx, pathOf(i), `${JSON.stringify(name)} is listed twice`);
    seen.add(name);
  });
}

/** The settings configuration also takes (`logRouting.cloudwatchSubscription`). */
export const cloudwatchSubscriptionSettingsShape = {
  /** CloudWatch Logs filter pattern, at most 1024 characters; "" sends every event. @default "" */
  filterPattern: text()
    .superRefine((v, ctx) => {
      if (v.length > 1024) fail(ctx, [], `must be a string of at most 1024 characters; got ${v.length}`);
    })
    .default(""),
  /** How events spread over shards. @default "ByLogStream" */
  distribution: oneOf(["ByLogStream", "Random"]).default("ByLogStream"),
};

export const cloudwatchSubscriptionPropsSchema = strict({
  /** Names the role (`<name>`) and the filters: an IAM role name. */
  name: str({ pattern: /^[\w+=,.@-]{1,64}$/, hint: "an IAM role name" }),
  /** Region of the log groups (the trusted service principal is `logs.<region>.amazonaws.com`): modules/common/regions.ts. */
  region: region(),
  /** Log group names to subscribe, 1 to 100, each once. */
  logGroupNames: list(logGroupName(), 1, MAX_LOG_GROUPS),
  /** ARN of the destination stream. */
  destinationStreamArn: str(),
  /** ARN of the stream's customer managed KMS key, if any. @default none (AWS managed key) */
  destinationStreamKmsKeyArn: str(patterns.arn).optional(),
  ...cloudwatchSubscriptionSettingsShape,
  /** Resources (e.g. log groups created in the same stack) the filters must wait for. @default none */
  dependsOn: list(opaque<ITerraformDependable>()).optional(),
  /** Tags of the role. @default none */
  tags: stringMap().optional(),
}).superRefine((p, ctx) => refineUniqueLogGroups(p.logGroupNames, ctx, (i) => ["logGroupNames", i]), whenValid);

/** Props of CloudwatchSubscription, inferred from its schema (the field comments are the documentation). */
export type CloudwatchSubscriptionProps = Readonly<z.input<typeof cloudwatchSubscriptionPropsSchema>>;

export interface CloudwatchSubscriptionOutputs {
  /** The role CloudWatch Logs assumes (a Terraform reference). */
  readonly roleArn: string;
  /** The role's name (a Terraform reference). */
  readonly roleName: string;
  /** Filter name per log group. */
  readonly filterNames: Record<string, string>;
}

export class CloudwatchSubscription extends Construct {
  /** The role CloudWatch Logs assumes to put records into the stream. */
  readonly role: IamRole;
  /** One subscription filter per log group, in the order of `logGroupNames`. */
  readonly filters: CloudwatchLogSubscriptionFilter[];
  readonly outputs: CloudwatchSubscriptionOutputs;

  constructor(scope: Construct, id: string, props: CloudwatchSubscriptionProps) {
    super(scope, id);
    const p = parseWith(cloudwatchSubscriptionPropsSchema, props);
    const { name, region, logGroupNames, filterPattern, distribution } = p;
    const streamArn = p.destinationStreamArn;
    const kmsKeyArn = p.destinationStreamKmsKeyArn;

    // The log groups are in the configured region (it also names the trusted service principal).
    const logsScope = { ...arnScope(this), region };
    const sourceArns = logGroupNames.flatMap((g) => {
      const arn = arns.logGroup(logsScope, g);
      return [arn, `${arn}:*`];
    });
    this.role = new IamRole(this, "role", {
      name,
      assumeRolePolicy: Fn.jsonencode({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: `logs.${region}.amazonaws.com` },
            Action: "sts:AssumeRole",
            Condition: { StringLike: { "aws:SourceArn": sourceArns } },
          },
        ],
      }),
      tags: p.tags,
    });
    const statements: PolicyStatement[] = [
      { Sid: "PutIntoStream", Effect: "Allow", Action: "kinesis:PutRecord", Resource: streamArn },
      ...(kmsKeyArn
        ? [{ Sid: "EncryptForStream", Effect: "Allow" as const, Action: "kms:GenerateDataKey", Resource: kmsKeyArn }]
        : []),
    ];
    const policy = new IamRolePolicy(this, "policy", {
      name: "put-into-stream",
      role: this.role.id,
      policy: Fn.jsonencode({ Version: "2012-10-17", Statement: statements }),
    });

    const filterNames: Record<string, string> = {};
    const ids = new Set<string>();
    this.filters = logGroupNames.map((logGroupName) => {
      filterNames[logGroupName] = name;
      // The id (a Terraform address) follows the log group, not its position, so reordering the list changes nothing.
      let filterId = `filter${logGroupName.replace(/[^A-Za-z0-9_-]/g, "_")}`;
      while (ids.has(filterId)) filterId += "_";
      ids.add(filterId);
      return new CloudwatchLogSubscriptionFilter(this, filterId, {
        name,
        logGroupName,
        destinationArn: streamArn,
        roleArn: this.role.arn,
        filterPattern,
        distribution,
        // CloudWatch Logs checks it can assume the role and put a test record when the filter is created.
        dependsOn: [policy, ...(p.dependsOn ?? [])],
      });
    });
    this.outputs = { roleArn: this.role.arn, roleName: this.role.name, filterNames };
  }
}
