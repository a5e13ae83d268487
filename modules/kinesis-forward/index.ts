/**
 * kinesis-forward: a Lambda reading a router stream and writing one plain JSON record per log event of the
 * whitelisted types (empty whitelist = all types) to a target stream, with PutRecords on exactly that stream.
 * Built on KinesisConsumer (mapping, on-failure queue, failed records); handler: handlers/kinesis-forward.
 */
import { Construct } from "constructs";
import type { z } from "zod";
import { forwardEnv } from "../../contracts/kinesis";
import { int, parseWith, patterns, pick, str, strict, whenValid } from "../common/schema";
import { consumerCommonShape, KinesisConsumer, type KinesisConsumerOutputs, refineConsumer } from "../kinesis-consumer";

/** What kinesis-forward adds to the common consumer props; configuration takes `partitionKeyField` per forwarder. */
export const kinesisForwardShape = {
  /** ARN of the stream to write to. */
  targetStreamArn: str(),
  /** ARN of the target stream's customer managed KMS key, if any. @default none (AWS managed key) */
  targetStreamKmsKeyArn: str(patterns.arn).optional(),
  /** Top-level key whose value is the output partition key (else the event id, stable). @default the idKey ("log_id") */
  partitionKeyField: str(patterns.key).optional(),
  /** PutRecords calls per chunk including the first, 1 to 20. @default 5 */
  maxPutAttempts: int(1, 20).default(5),
};

export const kinesisForwardPropsSchema = strict({ ...consumerCommonShape, ...kinesisForwardShape }).superRefine(
  refineConsumer,
  whenValid,
);

/** Props of KinesisForward, inferred from its schema (the field comments are the documentation). */
export type KinesisForwardProps = Readonly<z.input<typeof kinesisForwardPropsSchema>>;

export interface KinesisForwardOutputs extends KinesisConsumerOutputs {
  /** ARN of the stream written to. */
  readonly targetStreamArn: string;
}

export class KinesisForward extends Construct {
  /** The function and its event source mapping (see kinesis-consumer). */
  readonly consumer: KinesisConsumer;
  readonly outputs: KinesisForwardOutputs;

  constructor(scope: Construct, id: string, props: KinesisForwardProps) {
    super(scope, id);
    const p = parseWith(kinesisForwardPropsSchema, props);
    const { targetStreamArn, partitionKeyField, maxPutAttempts } = p;
    const targetKms = p.targetStreamKmsKeyArn;
    this.consumer = new KinesisConsumer(this, "consumer", {
      ...pick(consumerCommonShape, p),
      handler: "kinesis-forward",
      description: "Forwards whitelisted log events from a router stream to a target stream",
      environment: forwardEnv.write({
        targetStreamArn,
        maxPutAttempts,
        partitionKeyField: partitionKeyField || undefined,
      }),
      statements: [
        { Sid: "PutIntoTargetStream", Effect: "Allow", Action: "kinesis:PutRecords", Resource: targetStreamArn },
        ...(targetKms
          ? [
              {
                Sid: "EncryptForTargetStream",
                Effect: "Allow" as const,
                Action: "kms:GenerateDataKey",
                Resource: targetKms,
              },
            ]
          : []),
      ],
    });
    this.outputs = { ...this.consumer.outputs, targetStreamArn };
  }
}
