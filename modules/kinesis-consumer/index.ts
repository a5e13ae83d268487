/**
 * The shared construct behind every Kinesis Lambda module (forward, to-s3, to-opensearch, to-fluent): a NodeFunction
 * built from `handlers/<handler>` and an event source mapping on the source stream with partial batch responses,
 * bisection on error, bounded retries and record age, and an on-failure destination (an SSE SQS queue by default).
 *
 * API: `new KinesisConsumer(scope, id, props)`; `props` are the common module variables of the Kinesis modules (see
 * `KinesisConsumerProps`), plus `handler`, extra `environment` and least-privilege `statements` from the module that
 * wraps it. It sets `CONSUMER_ENV` (handlers/shared/kinesis-batch.ts) for `readConsumerEnv`, grants read on exactly the
 * source stream (and `kms:Decrypt` on its CMK when given), `s3:PutObject` on exactly
 * `arn:<partition>:s3:::<bucket>/<prefix>/*`, and send on exactly the on-failure destination. `outputs` carries what callers
 * need. Construct ids (`function`, `mapping`, `on-failure`) are Terraform addresses: do not rename them.
 */
import { LambdaEventSourceMapping } from "@cdktf/provider-aws/lib/lambda-event-source-mapping";
import type { LambdaFunctionVpcConfig } from "@cdktf/provider-aws/lib/lambda-function";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import type { TerraformResource } from "cdktf";
import { Construct } from "constructs";
import type { z } from "zod";
import { consumerEnv } from "../../contracts/kinesis";
import { arns, partitionOf } from "../common/arns";
import { NodeFunction, nodeFunctionPropsSchema, type PolicyStatement } from "../common/node-function";
import {
  bool,
  fail,
  int,
  list,
  oneOf,
  opaque,
  parseWith,
  patterns,
  str,
  strict,
  stringMap,
  timeZone,
  whenValid,
} from "../common/schema";

/** NodeFunction's own fields: the consumer's function settings are exactly these (ranges and defaults there). */
const functionShape = nodeFunctionPropsSchema.shape;

/** CloudWatch namespace of the Kinesis handlers' metrics; their `service` dimension is the function name. */
export const LOG_ROUTING_METRICS_NAMESPACE = "LogRouting";

export const STARTING_POSITIONS = ["TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"] as const;
export type StartingPosition = (typeof STARTING_POSITIONS)[number];

/**
 * How the function reads its stream and runs: configuration takes these per forwarder and per sink. Ranges and
 * defaults are written here only.
 */
export const consumerTuningShape = {
  /** Records per invocation, 1 to 10000. @default 100 */
  batchSize: int(1, 10000).default(100),
  /** Where a new mapping starts reading each shard. @default "TRIM_HORIZON" */
  startingPosition: oneOf(STARTING_POSITIONS).default("TRIM_HORIZON"),
  /** RFC 3339 time; required when startingPosition is AT_TIMESTAMP, refused otherwise. @default none */
  startingPositionTimestamp: str({
    pattern: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/,
    hint: "an RFC 3339 time such as 2024-01-31T00:00:00Z",
  }).optional(),
  /** Concurrent batches per shard, 1 to 10. @default 1 */
  parallelizationFactor: int(1, 10).default(1),
  /** Seconds to gather records before invoking, 0 to 300. @default 0 */
  maximumBatchingWindowSeconds: int(0, 300).default(0),
  /**
   * Retries of a batch that reports failures, 0 to 10000 (never infinite: a shard must not stall). Handlers only report
   * transient delivery failures; bad records go to failed records on the first try. @default 5
   */
  maximumRetryAttempts: int(0, 10000).default(5),
  /**
   * Records older than this are sent to the on-failure destination (as a shard/sequence range) instead of being
   * processed, 60 to 604800. Six hours leaves most of the default 24-hour stream retention to replay them. @default 21600
   */
  maximumRecordAgeSeconds: int(60, 604800).default(21600),
  /** Split a failing batch in two and retry the halves. @default true */
  bisectBatchOnFunctionError: bool().default(true),
  /** The function's memory, MiB, 128 to 10240 (NodeFunction's field). @default 256 */
  memorySize: functionShape.memorySize,
  /** The function's timeout, seconds, 1 to 900 (NodeFunction's field). @default 60 */
  timeoutSeconds: functionShape.timeoutSeconds,
  /** Retention of the function's log group, days, one of CloudWatch's values (NodeFunction's field). @default 30 */
  logRetentionDays: functionShape.logRetentionDays,
  /** X-Ray tracing mode (NodeFunction's field). @default "Active" */
  tracingMode: functionShape.tracingMode,
};

/** The Common Schema keys and time handling: configuration takes them once for every consumer (`logRouting.schema`). */
export const consumerSchemaKeysShape = {
  /** Common Schema key holding the log type. @default "log_type" */
  typeKey: str(patterns.key).default("log_type"),
  /** Common Schema key holding the unique log id. @default "log_id" */
  idKey: str(patterns.key).default("log_id"),
  /** Common Schema key holding the log time. @default "time" */
  timeKey: str(patterns.key).default("time"),
  /** IANA time zone for timestamps without an offset. @default "UTC" */
  timezone: timeZone().default("UTC"),
  /** Prefix for records without a (valid) type, where a module names things by type, 1 to 64 of [A-Za-z0-9_.-]. @default "unknown" */
  unknownTypePrefix: str({ pattern: /^[A-Za-z0-9_.-]{1,64}$/, hint: "1 to 64 of [A-Za-z0-9_.-]" }).default("unknown"),
  /**
   * What a record whose time cannot be read becomes: `fail` (an `invalid_time` failed record) or `deliver` (the
   * explicit fallback: arrival time, document marked). Written to the function as `LOG_INVALID_TIME`.
   * @default the handler's own: `fail` for the sinks that file by time; kinesis-forward does not read the time
   */
  invalidTime: oneOf(["fail", "deliver"]).optional(),
};

export const failedRecordsLocationSchema = strict({
  /** Bucket for failed records (never empty: the original modules defaulted to `""`). */
  bucketName: str(),
  /** Key prefix, no leading or trailing `/`. @default "failed/<name>" */
  prefix: str(patterns.s3Prefix).optional(),
  /** CMK the bucket encrypts with; objects are then written with SSE-KMS. @default SSE-S3 */
  kmsKeyArn: str(patterns.arn).optional(),
});
export type FailedRecordsLocation = Readonly<z.input<typeof failedRecordsLocationSchema>>;

const onFailureDestinationSchema = strict({
  /** ARN of the queue or topic. */
  arn: str(),
  /** What the ARN names (decides `sqs:SendMessage` or `sns:Publish`). */
  type: oneOf(["sqs", "sns"]),
});
export type OnFailureDestination = Readonly<z.input<typeof onFailureDestinationSchema>>;

/** Common variables of every Kinesis Lambda module (forward, to-s3, to-opensearch, to-fluent). */
export const consumerCommonShape = {
  /** Function name, 1 to 64 of [a-zA-Z0-9_-] (also names its role, log group and on-failure queue). */
  name: str({
    pattern: /^[a-zA-Z0-9_-]{1,64}$/,
    hint: "1 to 64 of [a-zA-Z0-9_-] (a Lambda function and IAM role name)",
  }),
  /** ARN of the stream to read. */
  sourceStreamArn: str(),
  /** ARN of the source stream's customer managed KMS key, if any (grants `kms:Decrypt`). @default none (AWS managed key) */
  sourceStreamKmsKeyArn: str(patterns.arn).optional(),
  ...consumerTuningShape,
  ...consumerSchemaKeysShape,
  /** Log types to process; empty means all types. @default [] */
  whitelist: list(str()).default([]),
  /** Where Lambda sends the metadata of batches it gives up on. @default a new SQS queue `<name>-failures` with SSE */
  onFailureDestination: onFailureDestinationSchema.optional(),
  /** Tags of the function, its role, its log group and the on-failure queue. @default none */
  tags: stringMap().optional(),
  /** Where records that cannot be delivered are written. */
  failedRecords: failedRecordsLocationSchema,
  /** Reserved concurrency, 0 to 1000 (NodeFunction's field). @default unreserved */
  reservedConcurrency: functionShape.reservedConcurrency,
  /** Create the mapping disabled. @default false (enabled) */
  disabled: bool().default(false),
};

/** startingPositionTimestamp goes with AT_TIMESTAMP, and only with it. */
export function refineConsumer(
  p: { startingPosition: StartingPosition; startingPositionTimestamp?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  if (p.startingPosition === "AT_TIMESTAMP" && p.startingPositionTimestamp === undefined) {
    fail(ctx, ["startingPositionTimestamp"], "must be set when startingPosition is AT_TIMESTAMP");
  }
  if (p.startingPosition !== "AT_TIMESTAMP" && p.startingPositionTimestamp !== undefined) {
    fail(ctx, ["startingPositionTimestamp"], "is only allowed when startingPosition is AT_TIMESTAMP");
  }
}

export const kinesisConsumerPropsSchema = strict({
  ...consumerCommonShape,
  /** Folder under handlers/ holding index.ts. */
  handler: str(),
  /** The function's description. @default none */
  description: str().optional(),
  /** Variables beyond the common ones (values may be Terraform references). @default none */
  environment: opaque<Record<string, string>>().optional(),
  /** Permissions beyond reading the stream and writing failed records: exact actions on exact resources. @default none */
  statements: opaque<PolicyStatement[]>().optional(),
  /** Subnets and security groups of the function. @default not in a VPC */
  vpcConfig: opaque<LambdaFunctionVpcConfig>().optional(),
}).superRefine(refineConsumer, whenValid);

/** The common props alone: what configuration and the wrapping modules compose. */
export const consumerCommonSchema = strict(consumerCommonShape).superRefine(refineConsumer, whenValid);

/** Common props of the Kinesis modules, inferred from consumerCommonShape (its field comments are the documentation). */
export type KinesisConsumerCommonProps = Readonly<z.input<typeof consumerCommonSchema>>;
/** Props of KinesisConsumer: the common ones, and what the module wrapping it adds. */
export type KinesisConsumerProps = Readonly<z.input<typeof kinesisConsumerPropsSchema>>;

export interface KinesisConsumerOutputs {
  /** The function's name (a Terraform reference). */
  readonly functionName: string;
  /** The function's ARN. */
  readonly functionArn: string;
  /** ARN of the function's execution role. */
  readonly roleArn: string;
  /** Name of the function's execution role. */
  readonly roleName: string;
  /** The function's log group (`/aws/lambda/<name>`). */
  readonly logGroupName: string;
  /** UUID of the event source mapping on the source stream. */
  readonly eventSourceMappingUuid: string;
  /** Where Lambda sends the metadata of batches it gives up on (the created queue, or the given destination). */
  readonly onFailureDestinationArn: string;
}

export class KinesisConsumer extends Construct {
  /** The function, its role, its policy and its log group. */
  readonly fn: NodeFunction;
  /** The event source mapping on the source stream. */
  readonly mapping: LambdaEventSourceMapping;
  /** The on-failure queue it created; undefined when `onFailureDestination` is given. */
  readonly deadLetterQueue: SqsQueue | undefined;
  /** Key prefix of its failed records (`failedRecords.prefix`, or `failed/<name>`). */
  readonly failedRecordsPrefix: string;
  /** The function name as configured (also the `service` dimension of the handler's metrics). */
  readonly name: string;
  /** The mapping's maximum record age: older records go to the on-failure destination as metadata only. */
  readonly maximumRecordAgeSeconds: number;
  /** What callers read: function, role, log group, mapping and on-failure destination. */
  readonly outputs: KinesisConsumerOutputs;

  constructor(scope: Construct, id: string, props: KinesisConsumerProps) {
    super(scope, id);
    const p = parseWith(kinesisConsumerPropsSchema, props);
    const { name, sourceStreamArn, batchSize, startingPosition, startingPositionTimestamp, parallelizationFactor } = p;
    const { maximumRetryAttempts, whitelist, timezone, typeKey, idKey, timeKey, unknownTypePrefix, invalidTime } = p;
    const sourceKms = p.sourceStreamKmsKeyArn;
    const batchingWindow = p.maximumBatchingWindowSeconds;
    const maximumRecordAge = p.maximumRecordAgeSeconds;
    const bisect = p.bisectBatchOnFunctionError;
    const bucketName = p.failedRecords.bucketName;
    const prefix = p.failedRecords.prefix ?? `failed/${name}`;
    const failedKms = p.failedRecords.kmsKeyArn;
    const destination = p.onFailureDestination;
    const tags = p.tags ?? {};
    this.failedRecordsPrefix = prefix;
    this.name = name;
    this.maximumRecordAgeSeconds = maximumRecordAge;

    this.deadLetterQueue =
      destination === undefined
        ? new SqsQueue(this, "on-failure", {
            name: `${name}-failures`,
            sqsManagedSseEnabled: true,
            messageRetentionSeconds: 1_209_600,
            tags,
          })
        : undefined;
    const destinationArn = destination?.arn ?? this.deadLetterQueue!.arn;
    const destinationType = destination?.type ?? "sqs";

    const statements: PolicyStatement[] = [
      {
        Sid: "ReadSourceStream",
        Effect: "Allow",
        Action: [
          "kinesis:DescribeStream",
          "kinesis:DescribeStreamSummary",
          "kinesis:GetRecords",
          "kinesis:GetShardIterator",
          "kinesis:ListShards",
        ],
        Resource: sourceStreamArn,
      },
      ...(sourceKms
        ? [{ Sid: "DecryptSourceStream", Effect: "Allow" as const, Action: "kms:Decrypt", Resource: sourceKms }]
        : []),
      {
        Sid: "WriteFailedRecords",
        Effect: "Allow",
        Action: "s3:PutObject",
        Resource: arns.s3Objects(partitionOf(this), bucketName, prefix),
      },
      ...(failedKms
        ? [
            {
              Sid: "EncryptFailedRecords",
              Effect: "Allow" as const,
              Action: "kms:GenerateDataKey",
              Resource: failedKms,
            },
          ]
        : []),
      {
        Sid: "SendToOnFailureDestination",
        Effect: "Allow",
        Action: destinationType === "sqs" ? "sqs:SendMessage" : "sns:Publish",
        Resource: destinationArn,
      },
      ...(p.statements ?? []),
    ];

    this.fn = new NodeFunction(this, "function", {
      handler: p.handler,
      functionName: name,
      description: p.description,
      memorySize: p.memorySize,
      timeoutSeconds: p.timeoutSeconds,
      logRetentionDays: p.logRetentionDays,
      tracingMode: p.tracingMode,
      reservedConcurrency: p.reservedConcurrency,
      vpcConfig: p.vpcConfig,
      statements,
      environment: {
        ...consumerEnv.write({
          typeKey,
          idKey,
          timeKey,
          timeZone: timezone,
          whitelist,
          unknownTypePrefix,
          failedRecordsBucket: bucketName,
          failedRecordsPrefix: prefix,
          failedRecordsKmsKeyId: failedKms || undefined,
          invalidTime: invalidTime || undefined,
        }),
        POWERTOOLS_SERVICE_NAME: name,
        POWERTOOLS_METRICS_NAMESPACE: LOG_ROUTING_METRICS_NAMESPACE,
        ...p.environment,
      },
    });
    if (Object.keys(tags).length > 0) {
      this.fn.function.tags = tags;
      this.fn.role.tags = tags;
      this.fn.logGroup.tags = tags;
    }

    this.mapping = new LambdaEventSourceMapping(this, "mapping", {
      eventSourceArn: sourceStreamArn,
      functionName: this.fn.function.arn,
      enabled: !p.disabled,
      startingPosition,
      startingPositionTimestamp,
      batchSize,
      parallelizationFactor,
      maximumBatchingWindowInSeconds: batchingWindow,
      maximumRetryAttempts,
      maximumRecordAgeInSeconds: maximumRecordAge,
      bisectBatchOnFunctionError: bisect,
      functionResponseTypes: ["ReportBatchItemFailures"],
      destinationConfig: { onFailure: { destinationArn } },
      // The mapping checks the role can read the stream when it is created.
      dependsOn: [this.fn.node.findChild("policy") as TerraformResource],
    });

    this.outputs = {
      functionName: this.fn.function.functionName,
      functionArn: this.fn.function.arn,
      roleArn: this.fn.role.arn,
      roleName: this.fn.role.name,
      logGroupName: this.fn.logGroup.name,
      eventSourceMappingUuid: this.mapping.uuid,
      onFailureDestinationArn: destinationArn,
    };
  }
}
