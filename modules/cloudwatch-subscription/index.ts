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
import { arnScope, arns } from "../common/arns";
import type { PolicyStatement } from "../common/node-function";
import { ConfigError, oneOf, optionalString, patterns, requireString, stringList } from "../common/validate";

export interface CloudwatchSubscriptionProps {
  /** Names the role (`<name>`) and the filters. */
  readonly name: string;
  /** Region of the log groups (the trusted service principal is `logs.<region>.amazonaws.com`). */
  readonly region: string;
  /** Log group names to subscribe (at least one). */
  readonly logGroupNames: readonly string[];
  /** ARN of the destination stream. */
  readonly destinationStreamArn: string;
  /** ARN of the stream's customer managed KMS key, if any. @default none (AWS managed key) */
  readonly destinationStreamKmsKeyArn?: string;
  /** CloudWatch Logs filter pattern. @default "" (every event) */
  readonly filterPattern?: string;
  /** How events spread over shards. @default "ByLogStream" */
  readonly distribution?: "ByLogStream" | "Random";
  /** Resources (e.g. log groups created in the same stack) the filters must wait for. */
  readonly dependsOn?: ITerraformDependable[];
  /** @default {} */
  readonly tags?: Record<string, string>;
}

export interface CloudwatchSubscriptionOutputs {
  readonly roleArn: string;
  readonly roleName: string;
  /** Filter name per log group. */
  readonly filterNames: Record<string, string>;
}

const LOG_GROUP = { pattern: /^[\w\-./#]{1,512}$/, hint: "a log group name (1 to 512 of [A-Za-z0-9_-./#])" };

export class CloudwatchSubscription extends Construct {
  readonly role: IamRole;
  readonly filters: CloudwatchLogSubscriptionFilter[];
  readonly outputs: CloudwatchSubscriptionOutputs;

  constructor(scope: Construct, id: string, props: CloudwatchSubscriptionProps) {
    super(scope, id);
    const name = requireString("name", props.name, { pattern: /^[\w+=,.@-]{1,64}$/, hint: "an IAM role name" });
    const region = requireString("region", props.region, patterns.region);
    const logGroupNames = stringList("logGroupNames", props.logGroupNames, { ...LOG_GROUP, min: 1, max: 100 });
    const duplicate = logGroupNames.find((g, i) => logGroupNames.indexOf(g) !== i);
    if (duplicate !== undefined) throw new ConfigError("logGroupNames", `lists ${JSON.stringify(duplicate)} twice`);
    const streamArn = requireString("destinationStreamArn", props.destinationStreamArn);
    const kmsKeyArn = optionalString("destinationStreamKmsKeyArn", props.destinationStreamKmsKeyArn, patterns.arn);
    const filterPattern = props.filterPattern ?? "";
    if (typeof filterPattern !== "string" || filterPattern.length > 1024) {
      throw new ConfigError("filterPattern", "must be a string of at most 1024 characters");
    }
    const distribution = oneOf("distribution", props.distribution ?? "ByLogStream", ["ByLogStream", "Random"] as const);

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
      tags: props.tags,
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
        dependsOn: [policy, ...(props.dependsOn ?? [])],
      });
    });
    this.outputs = { roleArn: this.role.arn, roleName: this.role.name, filterNames };
  }
}
