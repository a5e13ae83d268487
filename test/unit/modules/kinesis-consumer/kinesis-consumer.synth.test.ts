// KinesisConsumer as a construct (cdktf Testing, a bare stack with an AwsProvider): the function, the mapping with the
// consumer's safety settings, the on-failure queue, the contract's environment and least-privilege statements.
import { KinesisConsumer, type KinesisConsumerProps } from "../../../../modules/kinesis-consumer";
import { onlyResource, resources, type Synthesized, synthConstruct } from "../../../support/construct";
import { policyOf } from "../../../support/policy";

const SOURCE = "arn:aws:kinesis:eu-west-1:123456789012:stream/demo-router";

const PROPS: KinesisConsumerProps = {
  name: "demo-consumer",
  handler: "kinesis-forward",
  sourceStreamArn: SOURCE,
  failedRecords: { bucketName: "demo-failed-records" },
};

function synthConsumer(over: Partial<KinesisConsumerProps> = {}): Synthesized {
  return synthConstruct((scope) => new KinesisConsumer(scope, "consumer", { ...PROPS, ...over })).synthesized;
}

const statementsBySid = (s: Synthesized) =>
  Object.fromEntries(policyOf(onlyResource(s, "aws_iam_role_policy")).Statement.map((st) => [st.Sid, st]));

describe("KinesisConsumer", () => {
  let synthesized: Synthesized;
  beforeAll(() => {
    // Prepare / Act
    synthesized = synthConsumer();
  });

  it("maps the source stream with partial batch responses, bisection, bounded retries and an on-failure queue", () => {
    // Act
    const mapping = onlyResource(synthesized, "aws_lambda_event_source_mapping");
    const queue = onlyResource(synthesized, "aws_sqs_queue");
    // Assess
    expect(mapping).toMatchObject({
      event_source_arn: SOURCE,
      enabled: true,
      function_response_types: ["ReportBatchItemFailures"],
      bisect_batch_on_function_error: true,
      maximum_retry_attempts: 5,
      maximum_record_age_in_seconds: 21600,
      starting_position: "TRIM_HORIZON",
      batch_size: 100,
      parallelization_factor: 1,
      maximum_batching_window_in_seconds: 0,
      destination_config: {
        on_failure: {
          destination_arn: expect.stringMatching(/^\$\{aws_sqs_queue\.consumer_on-failure_[0-9A-F]+\.arn\}$/),
        },
      },
      depends_on: [expect.stringMatching(/^aws_iam_role_policy\.consumer_function_policy_/)],
    });
    expect(queue).toMatchObject({
      name: "demo-consumer-failures",
      sqs_managed_sse_enabled: true,
      message_retention_seconds: 1_209_600,
    });
  });

  it("writes the schema keys, whitelist and failed-records location through the contract's environment", () => {
    // Act
    const fn = onlyResource(synthesized, "aws_lambda_function");
    // Assess
    expect(fn).toMatchObject({ function_name: "demo-consumer", runtime: "nodejs22.x", memory_size: 256, timeout: 60 });
    expect((fn.environment as { variables: Record<string, string> }).variables).toMatchObject({
      LOG_TYPE_KEY: "log_type",
      LOG_ID_KEY: "log_id",
      LOG_TIME_KEY: "time",
      LOG_TIMEZONE: "UTC",
      FAILED_RECORDS_BUCKET: "demo-failed-records",
      FAILED_RECORDS_PREFIX: "failed/demo-consumer",
      POWERTOOLS_SERVICE_NAME: "demo-consumer",
      POWERTOOLS_METRICS_NAMESPACE: "LogRouting",
    });
  });

  it("grants read on exactly the source, PutObject under exactly its prefix and send on exactly its queue", () => {
    // Act
    const bySid = statementsBySid(synthesized);
    // Assess
    expect(bySid.ReadSourceStream).toMatchObject({ Effect: "Allow", Resource: SOURCE });
    expect(bySid.WriteFailedRecords).toMatchObject({ Action: "s3:PutObject" });
    expect(bySid.WriteFailedRecords!.Resource).toMatch(
      /^arn:\$\{data\.aws_partition\.[\w-]+\.partition\}:s3:::demo-failed-records\/failed\/demo-consumer\/\*$/,
    );
    expect(bySid.SendToOnFailureDestination).toMatchObject({
      Action: "sqs:SendMessage",
      Resource: expect.stringMatching(/^\$\{aws_sqs_queue\.consumer_on-failure_[0-9A-F]+\.arn\}$/),
    });
    expect(bySid.DecryptSourceStream).toBeUndefined();
    expect(bySid.EncryptFailedRecords).toBeUndefined();
  });

  it("publishes to a given topic instead of creating a queue, and decrypts with the keys it is given", () => {
    // Prepare
    const topic = "arn:aws:sns:eu-west-1:123456789012:demo-failures";
    const key = "arn:aws:kms:eu-west-1:123456789012:key/0f5e2a4c-1b3d-4e5f-8a9b-0c1d2e3f4a5b";
    // Act
    const s = synthConsumer({
      onFailureDestination: { arn: topic, type: "sns" },
      sourceStreamKmsKeyArn: key,
      failedRecords: { bucketName: "demo-failed-records", prefix: "failed/custom", kmsKeyArn: key },
      disabled: true,
    });
    const bySid = statementsBySid(s);
    // Assess
    expect(resources(s, "aws_sqs_queue")).toEqual([]);
    expect(bySid.SendToOnFailureDestination).toMatchObject({ Action: "sns:Publish", Resource: topic });
    expect(bySid.DecryptSourceStream).toMatchObject({ Action: "kms:Decrypt", Resource: key });
    expect(bySid.EncryptFailedRecords).toMatchObject({ Action: "kms:GenerateDataKey", Resource: key });
    expect(String(bySid.WriteFailedRecords!.Resource)).toMatch(/demo-failed-records\/failed\/custom\/\*$/);
    expect(onlyResource(s, "aws_lambda_event_source_mapping")).toMatchObject({
      enabled: false,
      destination_config: { on_failure: { destination_arn: topic } },
    });
  });
});
