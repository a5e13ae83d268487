/**
 * kinesis-forward: a Lambda reading a router stream and writing one plain JSON record per log event of the
 * whitelisted types (empty whitelist = all types) to a target stream, with PutRecords on exactly that stream.
 * Built on KinesisConsumer (mapping, on-failure queue, failed records); handler: handlers/kinesis-forward.
 */
import { Construct } from "constructs";
import { forwardEnv } from "../../contracts/kinesis";
import { intOrDefault, optionalString, patterns, requireString } from "../common/validate";
import { KinesisConsumer, type KinesisConsumerCommonProps, type KinesisConsumerOutputs } from "../kinesis-consumer";

export interface KinesisForwardProps extends KinesisConsumerCommonProps {
  /** ARN of the stream to write to. */
  readonly targetStreamArn: string;
  /** ARN of the target stream's customer managed KMS key, if any. @default none (AWS managed key) */
  readonly targetStreamKmsKeyArn?: string;
  /** Top-level key whose value is the output partition key (else the event id, stable). @default the idKey ("log_id") */
  readonly partitionKeyField?: string;
  /** PutRecords calls per chunk including the first, 1 to 20. @default 5 */
  readonly maxPutAttempts?: number;
}

export interface KinesisForwardOutputs extends KinesisConsumerOutputs {
  readonly targetStreamArn: string;
}

export class KinesisForward extends Construct {
  readonly consumer: KinesisConsumer;
  readonly outputs: KinesisForwardOutputs;

  constructor(scope: Construct, id: string, props: KinesisForwardProps) {
    super(scope, id);
    const targetStreamArn = requireString("targetStreamArn", props.targetStreamArn);
    const targetKms = optionalString("targetStreamKmsKeyArn", props.targetStreamKmsKeyArn, patterns.arn);
    const partitionKeyField = optionalString("partitionKeyField", props.partitionKeyField, {
      pattern: /^[^\s]{1,128}$/,
      hint: "1 to 128 characters without spaces",
    });
    const maxPutAttempts = intOrDefault("maxPutAttempts", props.maxPutAttempts, 5, 1, 20);
    this.consumer = new KinesisConsumer(this, "consumer", {
      ...props,
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
