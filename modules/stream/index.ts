// A KMS-encrypted Kinesis data stream (on-demand or provisioned) with the outputs callers need.
import { KinesisStream } from "@cdktf/provider-aws/lib/kinesis-stream";
import { Construct } from "constructs";
import type { z } from "zod";
import { fail, int, oneOf, parseWith, patterns, str, strict, stringMap, whenValid } from "../common/schema";

const KMS_KEY = {
  pattern: new RegExp(`^(alias/[a-zA-Z0-9/_-]+|[0-9a-f-]{36}|${patterns.arn.pattern.source.slice(1, -1)})$`),
  hint: "a KMS key id, ARN or alias/...",
};

/** The stream's settings that configuration also takes (`logRouting.router`, a forwarder's `output`). */
export const streamSettingsShape = {
  /** Capacity mode. @default "ON_DEMAND" */
  mode: oneOf(["ON_DEMAND", "PROVISIONED"]).default("ON_DEMAND"),
  /** Shards, 1 to 10000, for PROVISIONED mode only. @default 1 (PROVISIONED) */
  shardCount: int(1, 10000).optional(),
  /** Retention in hours, 24 to 8760. @default 24 */
  retentionHours: int(24, 8760).default(24),
};

/** shardCount is for PROVISIONED streams only. */
export function refineStreamSettings(s: { mode: string; shardCount?: number }, ctx: z.RefinementCtx): void {
  if (s.mode === "ON_DEMAND" && s.shardCount !== undefined) {
    fail(ctx, ["shardCount"], `must be unset when mode is ON_DEMAND; got ${s.shardCount}`);
  }
}

export const streamPropsSchema = strict({
  /** Stream name, 1 to 128 of [a-zA-Z0-9_.-]. */
  name: str({ pattern: /^[a-zA-Z0-9_.-]{1,128}$/, hint: "1 to 128 of [a-zA-Z0-9_.-]" }),
  ...streamSettingsShape,
  /** KMS key id, ARN or alias for server-side encryption. @default "alias/aws/kinesis" */
  kmsKeyId: str(KMS_KEY).default("alias/aws/kinesis"),
  /** Tags of the stream. @default none */
  tags: stringMap().optional(),
}).superRefine(refineStreamSettings, whenValid);

/** Props of Stream, inferred from streamPropsSchema (its field comments are the documentation). */
export type StreamProps = Readonly<z.input<typeof streamPropsSchema>>;

export interface StreamOutputs {
  /** The stream's name (a Terraform reference). */
  readonly streamName: string;
  /** The stream's ARN (a Terraform reference). */
  readonly streamArn: string;
}

/** A KMS-encrypted Kinesis data stream; props are parsed with streamPropsSchema (errors name the prop). */
export class Stream extends Construct {
  /** The Kinesis stream resource. */
  readonly stream: KinesisStream;
  readonly outputs: StreamOutputs;

  constructor(scope: Construct, id: string, props: StreamProps) {
    super(scope, id);
    const { name, mode, shardCount, retentionHours, kmsKeyId, tags } = parseWith(streamPropsSchema, props);
    this.stream = new KinesisStream(this, "stream", {
      name,
      streamModeDetails: { streamMode: mode },
      shardCount: mode === "PROVISIONED" ? (shardCount ?? 1) : undefined,
      retentionPeriod: retentionHours,
      encryptionType: "KMS",
      kmsKeyId,
      tags,
    });
    this.outputs = { streamName: this.stream.name, streamArn: this.stream.arn };
  }
}
