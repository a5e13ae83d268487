// Stream as a construct (cdktf Testing, a bare stack with an AwsProvider): an encrypted Kinesis stream, on demand by
// default, with shards only when provisioned.
import { TerraformOutput } from "cdktf";
import { Stream } from "../../../../modules/stream";
import { onlyResource, synthConstruct } from "../../../support/construct";

describe("Stream", () => {
  it("is on demand, KMS-encrypted with the AWS managed key and kept 24 hours by default", () => {
    // Act
    const { synthesized } = synthConstruct((scope) => {
      const stream = new Stream(scope, "router", { name: "demo-router" });
      new TerraformOutput(scope, "stream_arn", { value: stream.outputs.streamArn });
    });
    // Assess
    const stream = onlyResource(synthesized, "aws_kinesis_stream");
    expect(stream).toMatchObject({
      name: "demo-router",
      stream_mode_details: { stream_mode: "ON_DEMAND" },
      retention_period: 24,
      encryption_type: "KMS",
      kms_key_id: "alias/aws/kinesis",
    });
    expect(stream.shard_count).toBeUndefined();
    expect(synthesized.output).toEqual({
      stream_arn: { value: expect.stringMatching(/^\$\{aws_kinesis_stream\.router_stream_[0-9A-F]+\.arn\}$/) },
    });
  });

  it("takes shards, retention, its own key and tags when provisioned", () => {
    // Prepare
    const key = "arn:aws:kms:eu-west-1:123456789012:key/0f5e2a4c-1b3d-4e5f-8a9b-0c1d2e3f4a5b";
    // Act
    const { synthesized } = synthConstruct(
      (scope) =>
        new Stream(scope, "router", {
          name: "demo-router",
          mode: "PROVISIONED",
          shardCount: 4,
          retentionHours: 168,
          kmsKeyId: key,
          tags: { team: "platform" },
        }),
    );
    // Assess
    expect(onlyResource(synthesized, "aws_kinesis_stream")).toMatchObject({
      stream_mode_details: { stream_mode: "PROVISIONED" },
      shard_count: 4,
      retention_period: 168,
      kms_key_id: key,
      tags: { team: "platform" },
    });
  });

  it("gives a provisioned stream one shard when none is named", () => {
    // Act
    const { synthesized } = synthConstruct(
      (scope) => new Stream(scope, "router", { name: "demo-router", mode: "PROVISIONED" }),
    );
    // Assess
    expect(onlyResource(synthesized, "aws_kinesis_stream").shard_count).toBe(1);
  });
});
