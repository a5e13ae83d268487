// A KMS-encrypted Kinesis data stream (on-demand or provisioned) with the outputs callers need.
import { KinesisStream } from "@cdktf/provider-aws/lib/kinesis-stream";
import { Construct } from "constructs";
import { intOrDefault, oneOf, optionalString, patterns, requireString } from "../common/validate";

export interface StreamProps {
  /** Stream name. */
  readonly name: string;
  /** @default "ON_DEMAND" */
  readonly mode?: "ON_DEMAND" | "PROVISIONED";
  /** Shards, for PROVISIONED mode only. @default 1 */
  readonly shardCount?: number;
  /** Retention in hours, 24 to 8760. @default 24 */
  readonly retentionHours?: number;
  /** KMS key id, ARN or alias for server-side encryption. @default "alias/aws/kinesis" */
  readonly kmsKeyId?: string;
  readonly tags?: Record<string, string>;
}

export interface StreamOutputs {
  readonly streamName: string;
  readonly streamArn: string;
}

export class Stream extends Construct {
  readonly stream: KinesisStream;
  readonly outputs: StreamOutputs;

  constructor(scope: Construct, id: string, props: StreamProps) {
    super(scope, id);
    const name = requireString("name", props.name, {
      pattern: /^[a-zA-Z0-9_.-]{1,128}$/,
      hint: "1 to 128 of [a-zA-Z0-9_.-]",
    });
    const mode = oneOf("mode", props.mode ?? "ON_DEMAND", ["ON_DEMAND", "PROVISIONED"] as const);
    const shardCount = mode === "PROVISIONED" ? intOrDefault("shardCount", props.shardCount, 1, 1, 10000) : undefined;
    if (mode === "ON_DEMAND" && props.shardCount !== undefined) {
      oneOf("shardCount", "set", ["unset when mode is ON_DEMAND"]);
    }
    const kmsKeyId = optionalString("kmsKeyId", props.kmsKeyId, {
      pattern: new RegExp(`^(alias/[a-zA-Z0-9/_-]+|[0-9a-f-]{36}|${patterns.arn.pattern.source.slice(1, -1)})$`),
      hint: "a KMS key id, ARN or alias/...",
    });
    this.stream = new KinesisStream(this, "stream", {
      name,
      streamModeDetails: { streamMode: mode },
      shardCount,
      retentionPeriod: intOrDefault("retentionHours", props.retentionHours, 24, 24, 8760),
      encryptionType: "KMS",
      kmsKeyId: kmsKeyId ?? "alias/aws/kinesis",
      tags: props.tags,
    });
    this.outputs = { streamName: this.stream.name, streamArn: this.stream.arn };
  }
}
