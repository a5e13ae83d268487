// An SNS topic for CloudWatch alarms, the same pattern as the drain's (stacks/worker-fleet.ts): its own KMS key that
// CloudWatch may use (alarms cannot publish to a topic encrypted with the AWS-managed aws/sns key, whose policy cannot
// be changed), and an optional email subscription from configuration. The worker-fleet stack builds its own resources
// (so the drain's Terraform addresses do not move) with the same key policy, alarmTopicKeyPolicy.
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { Construct } from "constructs";
import { renderPolicy } from "./policy";

/**
 * The alarm topic key's policy: the account administers the key, and CloudWatch (alarms of this account only) may use
 * it to publish. Shared with the drain's topic in stacks/worker-fleet.ts.
 */
export function alarmTopicKeyPolicy(accountRootArn: string, account: string): string {
  return renderPolicy([
    { Sid: "AccountAdministers", Effect: "Allow", Principal: { AWS: accountRootArn }, Action: "kms:*", Resource: "*" },
    {
      Sid: "CloudWatchAlarmsPublish",
      Effect: "Allow",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
      Resource: "*",
      Condition: { StringEquals: { "aws:SourceAccount": account } },
    },
  ]);
}

export interface AlarmTopicProps {
  /** Topic name; the key alias is `alias/<name>`. */
  readonly name: string;
  /** Subscribed by email (the recipient confirms). @default none */
  readonly email?: string;
  readonly tags?: Record<string, string>;
}

export class AlarmTopic extends Construct {
  readonly topic: SnsTopic;
  readonly key: KmsKey;
  readonly subscription: SnsTopicSubscription | undefined;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    const account = new DataAwsCallerIdentity(this, "account").accountId;
    const partition = new DataAwsPartition(this, "partition").partition;
    this.key = new KmsKey(this, "key", {
      description: `Encrypts the ${props.name} alarm topic`,
      enableKeyRotation: true,
      deletionWindowInDays: 7,
      tags: props.tags,
      policy: alarmTopicKeyPolicy(`arn:${partition}:iam::${account}:root`, account),
    });
    new KmsAlias(this, "key_alias", { name: `alias/${props.name}`, targetKeyId: this.key.keyId });
    this.topic = new SnsTopic(this, "topic", { name: props.name, kmsMasterKeyId: this.key.arn, tags: props.tags });
    this.subscription = props.email
      ? new SnsTopicSubscription(this, "email", { topicArn: this.topic.arn, protocol: "email", endpoint: props.email })
      : undefined;
  }
}
