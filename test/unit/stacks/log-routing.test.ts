// The log-routing stack as synthesized: mapping settings, least-privilege IAM, the subscription role, the bucket.
import { runSimulation } from "@cloud-copilot/iam-simulate";
import type { AppConfig } from "../../../config";
import { policyOf } from "../../support/policy";
import { exampleConfig, resourcesOf, synthApp, type TfJson } from "../../support/synth";

type Statement = {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: unknown;
};

let stack: TfJson;
beforeAll(() => {
  // Prepare / Act
  stack = synthApp().stacks["log-routing"]!;
});

const byName = (stack: TfJson, type: string, fragment: string) => {
  const entry = Object.entries(resourcesOf(stack, type)).find(([k]) => k.includes(fragment));
  if (!entry) throw new Error(`${type} ${fragment} not found`);
  return entry[1];
};

describe("kinesis-forward modules in the log-routing stack", () => {
  it("creates one mapping per forwarder with partial batch responses, bisection, bounded retries and a DLQ", () => {
    // Only the forwarders read the router; the sinks have their own tests.
    // Act
    const forwarderOnly = (type: string) =>
      Object.entries(resourcesOf(stack, type))
        .filter(([address]) => address.startsWith("forward-"))
        .map(([, resource]) => resource);
    const mappings = forwarderOnly("aws_lambda_event_source_mapping");
    // Assess
    expect(mappings).toHaveLength(2);
    for (const m of mappings) {
      expect(m).toMatchObject({
        event_source_arn: expect.stringContaining("aws_kinesis_stream.router_stream"),
        function_response_types: ["ReportBatchItemFailures"],
        bisect_batch_on_function_error: true,
        maximum_retry_attempts: 5,
        maximum_record_age_in_seconds: 21600,
        starting_position: "TRIM_HORIZON",
        batch_size: 100,
        parallelization_factor: 1,
        destination_config: { on_failure: { destination_arn: expect.stringContaining("aws_sqs_queue.") } },
      });
    }
    const queues = forwarderOnly("aws_sqs_queue");
    expect(queues.map((q) => q.sqs_managed_sse_enabled)).toEqual([true, true]);
  });

  it("passes the whitelist, schema and failed-records location to each function", () => {
    // Act
    const fn = byName(stack, "aws_lambda_function", "forward-audit");
    const vars = (fn.environment as { variables: Record<string, string> }).variables;
    // Assess
    expect(vars).toMatchObject({
      LOG_TYPE_WHITELIST: '["audit","security"]',
      LOG_TYPE_KEY: "log_type",
      LOG_TIMEZONE: "UTC",
      FAILED_RECORDS_PREFIX: "failed/forward-audit",
      TARGET_STREAM_ARN: expect.stringContaining("aws_kinesis_stream.forward-audit-stream"),
    });
    expect(fn).toMatchObject({ runtime: "nodejs22.x", architectures: ["arm64"], memory_size: 256, timeout: 60 });
  });

  it("grants read on the router, PutRecords on its own target and PutObject on its own prefix only", () => {
    // Act
    const statements = policyOf(byName(stack, "aws_iam_role_policy", "forward-app_consumer")).Statement;
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    // Assess
    expect(bySid.ReadSourceStream!.Resource).toMatch(/aws_kinesis_stream\.router_stream_\w+\.arn/);
    expect(bySid.PutIntoTargetStream).toMatchObject({ Action: "kinesis:PutRecords" });
    expect(bySid.PutIntoTargetStream!.Resource).toMatch(/aws_kinesis_stream\.forward-app-stream_\w+\.arn/);
    expect(bySid.WriteFailedRecords).toMatchObject({ Action: "s3:PutObject" });
    expect(bySid.WriteFailedRecords!.Resource).toMatch(
      /^arn:\$\{data\.aws_partition\.[\w-]+\.partition\}:s3:::.+\/failed\/forward-app\/\*$/,
    );
    expect(bySid.SendToOnFailureDestination).toMatchObject({ Action: "sqs:SendMessage" });
    for (const s of statements) {
      if (s.Resource === "*") expect(s.Sid).toBe("WriteTraces");
    }
  });

  it("subscribes the demo log group with a role trusted only by CloudWatch Logs for that group", () => {
    // Act
    const filter = Object.values(resourcesOf(stack, "aws_cloudwatch_log_subscription_filter"))[0]!;
    // Assess
    expect(filter).toMatchObject({ log_group_name: "/demo/app", filter_pattern: "", distribution: "ByLogStream" });
    expect(String(filter.destination_arn)).toContain("aws_kinesis_stream.router_stream");
    const role = byName(stack, "aws_iam_role", "cloudwatch-subscription");
    const trust = String(role.assume_role_policy);
    expect(trust).toContain("logs.eu-west-1.amazonaws.com");
    expect(trust).toContain(":log-group:/demo/app");
    expect(trust).toContain("aws:SourceArn");
    const put = policyOf(byName(stack, "aws_iam_role_policy", "cloudwatch-subscription")).Statement;
    expect(put).toEqual([
      {
        Sid: "PutIntoStream",
        Effect: "Allow",
        Action: "kinesis:PutRecord",
        Resource: expect.stringContaining("router_stream"),
      },
    ]);
  });

  it("creates the failed-records bucket with SSE, public access blocked, expiry and a TLS-only policy", () => {
    // Act / Assess
    expect(Object.values(resourcesOf(stack, "aws_s3_bucket"))[0]).toMatchObject({
      bucket: "cribl-demo-failed-records-eu-west-1",
    });
    expect(Object.values(resourcesOf(stack, "aws_s3_bucket_public_access_block"))[0]).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(JSON.stringify(resourcesOf(stack, "aws_s3_bucket_server_side_encryption_configuration"))).toContain(
      "AES256",
    );
    expect(JSON.stringify(resourcesOf(stack, "aws_s3_bucket_lifecycle_configuration"))).toContain('"days":30');
    const tls = JSON.stringify(resourcesOf(stack, "aws_s3_bucket_policy"));
    expect(tls).toContain("aws:SecureTransport");
  });
});

describe("IAM simulation of the forwarder policy", () => {
  const account = "123456789012";
  const arn = (name: string) => `arn:aws:kinesis:eu-west-1:${account}:stream/${name}`;
  // Concrete ARNs for every Terraform reference: an unresolved `${...}` would read as a policy variable.
  const concrete = (statements: readonly object[]) =>
    JSON.parse(
      JSON.stringify(statements)
        .replace(/\$\{aws_kinesis_stream\.router_stream_\w+\.arn\}/g, arn("cribl-demo-router"))
        .replace(/\$\{aws_kinesis_stream\.forward-app-stream_\w+\.arn\}/g, arn("cribl-demo-app"))
        .replace(
          /\$\{aws_sqs_queue\.[\w-]+\.arn\}/g,
          `arn:aws:sqs:eu-west-1:${account}:cribl-demo-forward-app-failures`,
        )
        .replace(/\$\{aws_cloudwatch_log_group\.[\w-]+\.arn\}/g, `arn:aws:logs:eu-west-1:${account}:log-group:x`)
        .replace(/\$\{aws_s3_bucket\.[\w-]+\.bucket\}/g, "cribl-demo-failed-records-eu-west-1")
        .replace(/\$\{data\.aws_partition\.[\w-]+\.partition\}/g, "aws"),
    ) as Statement[];

  async function decide(action: string, resource: string): Promise<string> {
    const statements = concrete(policyOf(byName(stack, "aws_iam_role_policy", "forward-app_consumer")).Statement);
    expect(JSON.stringify(statements)).not.toContain("${");
    const result = await runSimulation(
      {
        identityPolicies: [{ name: "least-privilege", policy: { Version: "2012-10-17", Statement: statements } }],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        request: {
          principal: `arn:aws:iam::${account}:role/cribl-demo-forward-app`,
          action,
          resource: { resource, accountId: account },
          contextVariables: {},
        },
      },
      {},
    );
    if (result.resultType === "error") throw new Error(JSON.stringify(result.errors));
    return result.overallResult;
  }

  it("allows PutRecords only on the forwarder's own target stream", async () => {
    // Act / Assess
    expect(await decide("kinesis:PutRecords", arn("cribl-demo-app"))).toBe("Allowed");
    expect(await decide("kinesis:PutRecords", arn("cribl-demo-audit"))).toBe("ImplicitlyDenied");
    expect(await decide("kinesis:PutRecords", arn("cribl-demo-router"))).toBe("ImplicitlyDenied");
    expect(await decide("kinesis:PutRecord", arn("cribl-demo-app"))).toBe("ImplicitlyDenied");
  });

  it("allows failed-record writes only under the forwarder's prefix", async () => {
    // Prepare
    const bucket = "arn:aws:s3:::cribl-demo-failed-records-eu-west-1";
    // Act / Assess
    expect(await decide("s3:PutObject", `${bucket}/failed/forward-app/invalid_json/x.jsonl`)).toBe("Allowed");
    expect(await decide("s3:PutObject", `${bucket}/failed/forward-audit/x.jsonl`)).toBe("ImplicitlyDenied");
    expect(await decide("kinesis:GetRecords", arn("cribl-demo-router"))).toBe("Allowed");
    expect(await decide("kinesis:GetRecords", arn("cribl-demo-app"))).toBe("ImplicitlyDenied");
  });
});

describe("logRouting configuration errors name the field", () => {
  const cases: [string, (c: AppConfig) => void][] = [
    ["logRouting.forwarders[1].name", (c) => (c.logRouting.forwarders![1]!.name = "app")],
    ["logRouting.forwarders[0].whitelist[0]", (c) => (c.logRouting.forwarders![0]!.whitelist = [""])],
    ["logRouting.forwarders[0].batchSize", (c) => (c.logRouting.forwarders![0]!.batchSize = 20000)],
    ["logRouting.forwarders[0].maximumRetryAttempts", (c) => (c.logRouting.forwarders![0]!.maximumRetryAttempts = -1)],
    [
      "logRouting.forwarders[0].output.nameSuffix",
      (c) => (c.logRouting.forwarders![0]!.output = { nameSuffix: "router" }),
    ],
    ["logRouting.cloudwatchSubscription.logGroups", (c) => (c.logRouting.cloudwatchSubscription = { logGroups: [] })],
    ["logRouting.failedRecords.bucketName", (c) => (c.logRouting.failedRecords = { createBucket: false })],
    ["logRouting.schema.timezone", (c) => (c.logRouting.schema = { timezone: "Mars/Olympus" })],
  ];
  it.each(cases)("%s", (field, breakIt) => {
    // Prepare
    const config = exampleConfig();
    breakIt(config);
    // Act / Assess
    // Every problem is listed, this one among them on its own line.
    expect(() => synthApp(config)).toThrow(new RegExp(`(^|\\n  )${field.replace(/[[\].]/g, "\\$&")}: `));
  });
});
