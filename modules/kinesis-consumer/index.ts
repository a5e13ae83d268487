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
import { consumerEnv } from "../../contracts/kinesis";
import { arns, partitionOf } from "../common/arns";
import { NodeFunction, type PolicyStatement } from "../common/node-function";
import {
  boolOrDefault,
  ConfigError,
  intOrDefault,
  oneOf,
  optionalString,
  patterns,
  requireString,
  stringList,
} from "../common/validate";

/** CloudWatch namespace of the Kinesis handlers' metrics; their `service` dimension is the function name. */
export const LOG_ROUTING_METRICS_NAMESPACE = "LogRouting";

export const STARTING_POSITIONS = ["TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"] as const;
export type StartingPosition = (typeof STARTING_POSITIONS)[number];

export interface FailedRecordsLocation {
  /** Bucket for failed records (never empty: the original modules defaulted to `""`). */
  readonly bucketName: string;
  /** Key prefix, no leading or trailing `/`. @default "failed/<name>" */
  readonly prefix?: string;
  /** CMK the bucket encrypts with; objects are then written with SSE-KMS. @default SSE-S3 */
  readonly kmsKeyArn?: string;
}

export interface OnFailureDestination {
  readonly arn: string;
  readonly type: "sqs" | "sns";
}

/** Common variables of every Kinesis Lambda module. */
export interface KinesisConsumerCommonProps {
  /** Function name (also names its role, log group and on-failure queue). */
  readonly name: string;
  /** ARN of the stream to read. */
  readonly sourceStreamArn: string;
  /** ARN of the source stream's customer managed KMS key, if any (grants `kms:Decrypt`). @default none (AWS managed key) */
  readonly sourceStreamKmsKeyArn?: string;
  /** Records per invocation, 1 to 10000. @default 100 */
  readonly batchSize?: number;
  /** @default "TRIM_HORIZON" */
  readonly startingPosition?: StartingPosition;
  /** RFC 3339 time, required when startingPosition is AT_TIMESTAMP. */
  readonly startingPositionTimestamp?: string;
  /** Concurrent batches per shard, 1 to 10. @default 1 */
  readonly parallelizationFactor?: number;
  /** Seconds to gather records before invoking, 0 to 300. @default 0 */
  readonly maximumBatchingWindowSeconds?: number;
  /**
   * Retries of a batch that reports failures, 0 to 10000 (never infinite: a shard must not stall). Handlers only report
   * transient delivery failures; bad records go to failed records on the first try. @default 5
   */
  readonly maximumRetryAttempts?: number;
  /**
   * Records older than this are sent to the on-failure destination (as a shard/sequence range) instead of being
   * processed, 60 to 604800. Six hours leaves most of the default 24-hour stream retention to replay them. @default 21600
   */
  readonly maximumRecordAgeSeconds?: number;
  /** Split a failing batch in two and retry the halves. @default true */
  readonly bisectBatchOnFunctionError?: boolean;
  /** Where Lambda sends the metadata of batches it gives up on. @default a new SQS queue `<name>-failures` with SSE */
  readonly onFailureDestination?: OnFailureDestination;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default 60 */
  readonly timeoutSeconds?: number;
  /** IANA time zone for timestamps without an offset. @default "UTC" */
  readonly timezone?: string;
  /** @default "log_type" */
  readonly typeKey?: string;
  /** @default "log_id" */
  readonly idKey?: string;
  /** @default "time" */
  readonly timeKey?: string;
  /** Prefix for records without a (valid) type, where a module names things by type. @default "unknown" */
  readonly unknownTypePrefix?: string;
  /** Log types to process; empty means all types. @default [] */
  readonly whitelist?: readonly string[];
  /**
   * What a record whose time cannot be read becomes: `fail` (an `invalid_time` failed record) or `deliver` (the
   * explicit fallback: arrival time, document marked). Written to the function as `LOG_INVALID_TIME`.
   * @default the handler's own: `fail` for the sinks that file by time; kinesis-forward does not read the time
   */
  readonly invalidTime?: "fail" | "deliver";
  /** @default "Active" */
  readonly tracingMode?: "Active" | "PassThrough";
  /** @default {} */
  readonly tags?: Record<string, string>;
  /** @default 30 */
  readonly logRetentionDays?: number;
  readonly failedRecords: FailedRecordsLocation;
  /** Reserved concurrency. @default unreserved */
  readonly reservedConcurrency?: number;
  /** @default false (enabled) */
  readonly disabled?: boolean;
}

export interface KinesisConsumerProps extends KinesisConsumerCommonProps {
  /** Folder under handlers/ holding index.ts. */
  readonly handler: string;
  readonly description?: string;
  /** Variables beyond the common ones. */
  readonly environment?: Record<string, string>;
  /** Permissions beyond reading the stream and writing failed records: exact actions on exact resources. */
  readonly statements?: PolicyStatement[];
  readonly vpcConfig?: LambdaFunctionVpcConfig;
}

export interface KinesisConsumerOutputs {
  readonly functionName: string;
  readonly functionArn: string;
  readonly roleArn: string;
  readonly roleName: string;
  readonly logGroupName: string;
  readonly eventSourceMappingUuid: string;
  readonly onFailureDestinationArn: string;
}

const keyName = { pattern: /^[^\s]{1,128}$/, hint: "1 to 128 characters without spaces" };

function validTimezone(field: string, value: string): string {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: value });
    return value;
  } catch {
    throw new ConfigError(
      field,
      `must be an IANA time zone such as "UTC" or "Asia/Tokyo"; got ${JSON.stringify(value)}`,
    );
  }
}

export class KinesisConsumer extends Construct {
  readonly fn: NodeFunction;
  readonly mapping: LambdaEventSourceMapping;
  readonly deadLetterQueue: SqsQueue | undefined;
  readonly failedRecordsPrefix: string;
  /** The function name as configured (also the `service` dimension of the handler's metrics). */
  readonly name: string;
  /** The mapping's maximum record age: older records go to the on-failure destination as metadata only. */
  readonly maximumRecordAgeSeconds: number;
  readonly outputs: KinesisConsumerOutputs;

  constructor(scope: Construct, id: string, props: KinesisConsumerProps) {
    super(scope, id);
    const name = requireString("name", props.name, {
      pattern: /^[a-zA-Z0-9_-]{1,64}$/,
      hint: "1 to 64 of [a-zA-Z0-9_-] (a Lambda function and IAM role name)",
    });
    const sourceStreamArn = requireString("sourceStreamArn", props.sourceStreamArn);
    const sourceKms = optionalString("sourceStreamKmsKeyArn", props.sourceStreamKmsKeyArn, patterns.arn);
    const batchSize = intOrDefault("batchSize", props.batchSize, 100, 1, 10000);
    const startingPosition = oneOf("startingPosition", props.startingPosition ?? "TRIM_HORIZON", STARTING_POSITIONS);
    const startingPositionTimestamp =
      startingPosition === "AT_TIMESTAMP"
        ? requireString("startingPositionTimestamp", props.startingPositionTimestamp, {
            pattern: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/,
            hint: "an RFC 3339 time such as 2024-01-31T00:00:00Z",
          })
        : undefined;
    if (startingPosition !== "AT_TIMESTAMP" && props.startingPositionTimestamp !== undefined) {
      throw new ConfigError("startingPositionTimestamp", "is only allowed when startingPosition is AT_TIMESTAMP");
    }
    const parallelizationFactor = intOrDefault("parallelizationFactor", props.parallelizationFactor, 1, 1, 10);
    const batchingWindow = intOrDefault("maximumBatchingWindowSeconds", props.maximumBatchingWindowSeconds, 0, 0, 300);
    const maximumRetryAttempts = intOrDefault("maximumRetryAttempts", props.maximumRetryAttempts, 5, 0, 10000);
    const maximumRecordAge = intOrDefault("maximumRecordAgeSeconds", props.maximumRecordAgeSeconds, 21600, 60, 604800);
    const bisect = boolOrDefault("bisectBatchOnFunctionError", props.bisectBatchOnFunctionError, true);
    const timezone = validTimezone("timezone", props.timezone ?? "UTC");
    const typeKey = optionalString("typeKey", props.typeKey, keyName) ?? "log_type";
    const idKey = optionalString("idKey", props.idKey, keyName) ?? "log_id";
    const timeKey = optionalString("timeKey", props.timeKey, keyName) ?? "time";
    const unknownTypePrefix =
      optionalString("unknownTypePrefix", props.unknownTypePrefix, {
        pattern: /^[A-Za-z0-9_.-]{1,64}$/,
        hint: "1 to 64 of [A-Za-z0-9_.-]",
      }) ?? "unknown";
    const whitelist = stringList("whitelist", props.whitelist ?? []);
    const invalidTime =
      props.invalidTime === undefined
        ? undefined
        : oneOf("invalidTime", props.invalidTime, ["fail", "deliver"] as const);
    if (props.failedRecords === undefined || typeof props.failedRecords !== "object") {
      throw new ConfigError("failedRecords", "must be an object with bucketName");
    }
    const bucketName = requireString("failedRecords.bucketName", props.failedRecords.bucketName);
    const prefix =
      optionalString("failedRecords.prefix", props.failedRecords.prefix, {
        pattern: /^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*$/,
        hint: "an S3 key prefix without leading or trailing '/'",
      }) ?? `failed/${name}`;
    const failedKms = optionalString("failedRecords.kmsKeyArn", props.failedRecords.kmsKeyArn, patterns.arn);
    const destination = props.onFailureDestination;
    if (destination !== undefined) {
      requireString("onFailureDestination.arn", destination.arn);
      oneOf("onFailureDestination.type", destination.type, ["sqs", "sns"] as const);
    }
    const tags = props.tags ?? {};
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
      ...(props.statements ?? []),
    ];

    this.fn = new NodeFunction(this, "function", {
      handler: props.handler,
      functionName: name,
      description: props.description,
      memorySize: props.memorySize,
      timeoutSeconds: props.timeoutSeconds,
      logRetentionDays: props.logRetentionDays,
      tracingMode: props.tracingMode,
      reservedConcurrency: props.reservedConcurrency,
      vpcConfig: props.vpcConfig,
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
        ...props.environment,
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
      enabled: !boolOrDefault("disabled", props.disabled, false),
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
