// The three sink modules as synthesized in the log-routing stack: mappings, least-privilege IAM (checked with an IAM
// policy simulator), the created bucket, the OpenSearch domain's security settings, and field-naming config errors.
import { runSimulation } from "@cloud-copilot/iam-simulate";
import type { AppConfig } from "../../../config";
import { policyOf } from "../../support/policy";
import { exampleConfig, resourcesOf, synthApp, type TfJson } from "../../support/synth";

type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: string | string[] };

const ACCOUNT = "123456789012";
const KMS = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/0b1c2d3e-0000-4000-8000-000000000000`;
const ADMIN = `arn:aws:iam::${ACCOUNT}:role/search-admin`;

/** The example with the variants the example leaves out: a created domain in a VPC, SSE-KMS, a fluent VPC and TLS. */
function fullConfig(): AppConfig {
  const config = exampleConfig();
  const sinks = config.logRouting.sinks!;
  sinks.s3![0] = { ...sinks.s3![0]!, kmsKeyArn: KMS };
  sinks.opensearch!.push({
    name: "own-domain",
    whitelist: ["app"],
    domain: {
      domainName: "cribl-demo-logs",
      masterUserArn: ADMIN,
      vpc: {
        subnetIds: ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"],
        securityGroupIds: ["sg-0123456789abcdef0"],
      },
    },
  });
  sinks.fluent![0] = {
    ...sinks.fluent![0]!,
    tls: true,
    sharedKeyKmsKeyArn: KMS,
    vpc: { subnetIds: ["subnet-0123456789abcdef0"], securityGroupIds: ["sg-0123456789abcdef0"] },
  };
  return config;
}

let example: TfJson;
let full: TfJson;
beforeAll(() => {
  // Prepare / Act
  example = synthApp().stacks["log-routing"]!;
  full = synthApp(fullConfig()).stacks["log-routing"]!;
});

const byName = (stack: TfJson, type: string, fragment: string) => {
  const entry = Object.entries(resourcesOf(stack, type)).find(([k]) => k.includes(fragment));
  if (!entry) throw new Error(`${type} ${fragment} not found`);
  return entry[1];
};
const statementsOf = (stack: TfJson, sink: string) =>
  policyOf(byName(stack, "aws_iam_role_policy", `${sink}_consumer`)).Statement;
const envOf = (stack: TfJson, sink: string) =>
  (byName(stack, "aws_lambda_function", sink).environment as { variables: Record<string, string> }).variables;

describe("sink modules in the log-routing stack", () => {
  it("gives every sink a mapping with the consumer's safety settings on its configured source stream", () => {
    // Act
    const mapping = (sink: string) => byName(example, "aws_lambda_event_source_mapping", sink);
    // Assess
    for (const sink of ["to-s3-archive", "to-opensearch-search", "to-fluent-aggregator"]) {
      expect(mapping(sink)).toMatchObject({
        function_response_types: ["ReportBatchItemFailures"],
        bisect_batch_on_function_error: true,
        maximum_retry_attempts: 5,
        maximum_record_age_in_seconds: 21600,
        destination_config: { on_failure: { destination_arn: expect.stringContaining("aws_sqs_queue.") } },
      });
    }
    expect(mapping("to-s3-archive").event_source_arn).toMatch(/aws_kinesis_stream\.router_stream/);
    expect(mapping("to-opensearch-search").event_source_arn).toMatch(/aws_kinesis_stream\.forward-audit-stream/);
    expect(mapping("to-fluent-aggregator").event_source_arn).toMatch(/aws_kinesis_stream\.forward-app-stream/);
  });

  it("creates the S3 sink's bucket with SSE, public access blocked and a TLS-only policy", () => {
    // Act
    const bucket = byName(example, "aws_s3_bucket", "to-s3-archive");
    // Assess
    expect(bucket).toMatchObject({ bucket: "cribl-demo-logs-eu-west-1" });
    expect(byName(example, "aws_s3_bucket_public_access_block", "to-s3-archive")).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    const sse = (stack: TfJson) =>
      JSON.stringify(byName(stack, "aws_s3_bucket_server_side_encryption_configuration", "to-s3-archive"));
    expect(sse(example)).toContain('"sse_algorithm":"AES256"');
    expect(sse(full)).toContain('"sse_algorithm":"aws:kms"');
    expect(sse(full)).toContain(KMS);
    expect(JSON.stringify(byName(example, "aws_s3_bucket_lifecycle_configuration", "to-s3-archive"))).toContain(
      '"days":365',
    );
    expect(String(byName(example, "aws_s3_bucket_policy", "to-s3-archive").policy)).toContain("aws:SecureTransport");
    expect(envOf(full, "to-s3-archive")).toMatchObject({
      S3_PREFIX: "logs",
      S3_KMS_KEY_ARN: KMS,
      LOG_TYPE_WHITELIST: "[]",
    });
  });

  it("grants each sink exactly its write, on exactly its resource", () => {
    // Act
    const bySid = (stack: TfJson, sink: string) => Object.fromEntries(statementsOf(stack, sink).map((s) => [s.Sid, s]));
    const s3 = bySid(full, "to-s3-archive");
    // Assess
    expect(s3.WriteLogObjects).toEqual({
      Sid: "WriteLogObjects",
      Effect: "Allow",
      Action: "s3:PutObject",
      Resource: expect.stringMatching(
        /^arn:\$\{data\.aws_partition\.[\w-]+\.partition\}:s3:::\$\{aws_s3_bucket\.to-s3-archive_bucket_\w+\.bucket\}\/logs\/\*$/,
      ),
    });
    expect(s3.EncryptLogObjects).toMatchObject({ Action: "kms:GenerateDataKey", Resource: KMS });
    const os = bySid(example, "to-opensearch-search");
    const existingDomain = `arn:aws:es:eu-west-1:${ACCOUNT}:domain/cribl-demo-logs`;
    expect(os.WriteIndices).toEqual({
      Sid: "WriteIndices",
      Effect: "Allow",
      Action: ["es:ESHttpPost", "es:ESHttpPut"],
      Resource: [`${existingDomain}/_bulk`, `${existingDomain}/cribl-demo-audit-*`],
    });
    expect(os.InstallLifecyclePolicy).toEqual({
      Sid: "InstallLifecyclePolicy",
      Effect: "Allow",
      Action: ["es:ESHttpGet", "es:ESHttpPut"],
      Resource: `${existingDomain}/_plugins/_ism/policies/cribl-demo-to-os-search-retention`,
    });
    expect(bySid(full, "to-opensearch-own-domain").WriteIndices!.Resource).toEqual([
      expect.stringMatching(/^\$\{aws_opensearch_domain\.[\w-]+\.arn\}\/_bulk$/),
      expect.stringMatching(/^\$\{aws_opensearch_domain\.[\w-]+\.arn\}\/cribl-demo-to-os-own-domain-logs-\*$/),
    ]);
    expect(bySid(full, "to-opensearch-own-domain").InstallLifecyclePolicy).toBeUndefined();
    const fluent = bySid(full, "to-fluent-aggregator");
    expect(fluent.ReadSharedKey).toMatchObject({ Action: "ssm:GetParameter" });
    expect(fluent.ReadSharedKey!.Resource).toMatch(/:parameter\/cribl-demo\/fluentd-shared-key$/);
    expect(fluent.DecryptSharedKey).toMatchObject({ Action: "kms:Decrypt", Resource: KMS });
    for (const sink of ["to-s3-archive", "to-opensearch-search", "to-opensearch-own-domain", "to-fluent-aggregator"]) {
      for (const s of statementsOf(full, sink)) {
        if (s.Resource === "*") expect(["WriteTraces", "ManageVpcInterfaces"]).toContain(s.Sid);
      }
    }
  });

  it("creates the OpenSearch domain encrypted, node-to-node encrypted, HTTPS + TLS 1.2 only, with an admin-master FGAC in the VPC", () => {
    // Act
    const domain = byName(full, "aws_opensearch_domain", "to-opensearch-own-domain");
    // Assess
    expect(domain).toMatchObject({
      domain_name: "cribl-demo-logs",
      encrypt_at_rest: { enabled: true },
      node_to_node_encryption: { enabled: true },
      domain_endpoint_options: { enforce_https: true, tls_security_policy: "Policy-Min-TLS-1-2-2019-07" },
      advanced_security_options: {
        enabled: true,
        anonymous_auth_enabled: false,
        internal_user_database_enabled: false,
        master_user_options: { master_user_arn: ADMIN },
      },
      vpc_options: { subnet_ids: ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"] },
      cluster_config: {
        instance_count: 2,
        zone_awareness_enabled: true,
        zone_awareness_config: { availability_zone_count: 2 },
      },
    });
    expect(JSON.stringify(domain)).not.toMatch(/master_user_password|master_user_name/);
    expect(envOf(full, "to-opensearch-own-domain")).toMatchObject({
      OPENSEARCH_ENDPOINT: expect.stringMatching(/^https:\/\/\$\{aws_opensearch_domain\.[\w-]+\.endpoint\}$/),
      OPENSEARCH_INDEX_PREFIX: "cribl-demo-to-os-own-domain-logs",
    });
    // The admin installs the ISM policy on a created domain (admin_setup output): the function gets no ISM rights.
    expect(envOf(full, "to-opensearch-own-domain").OPENSEARCH_ISM_POLICY_ID).toBeUndefined();
    expect(byName(full, "aws_lambda_function", "to-opensearch-own-domain").vpc_config).toMatchObject({
      subnet_ids: ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"],
    });
    // The example uses an existing endpoint: no domain to create (the emulator apply relies on it).
    expect(resourcesOf(example, "aws_opensearch_domain")).toEqual({});
  });

  it("passes the fluent settings, never a shared key, and places the function in the aggregator's VPC", () => {
    // Act
    const env = envOf(full, "to-fluent-aggregator");
    // Assess
    expect(env).toMatchObject({
      FLUENT_HOST: "fluentd.internal.example.com",
      FLUENT_PORT: "24224",
      FLUENT_TAG: "kinesis",
      FLUENT_TLS: "true",
      FLUENT_REQUIRE_ACK: "true",
      FLUENT_WRAP_AS_MESSAGE: "false",
      FLUENT_SHARED_KEY_PARAMETER: "/cribl-demo/fluentd-shared-key",
    });
    expect(Object.keys(env).some((k) => /SHARED_KEY$/.test(k))).toBe(false);
    expect(byName(full, "aws_lambda_function", "to-fluent-aggregator").vpc_config).toMatchObject({
      security_group_ids: ["sg-0123456789abcdef0"],
    });
  });

  it("writes the unreadable-time rule to every sink: fail by default, the configured fallback when set", () => {
    // Prepare
    const sinks = ["to-s3-archive", "to-opensearch-search", "to-fluent-aggregator"];
    // Act / Assess
    for (const sink of sinks) expect(envOf(example, sink).LOG_INVALID_TIME).toBe("fail");
    const config = exampleConfig();
    config.logRouting.schema = { ...config.logRouting.schema, invalidTime: "deliver" };
    const deliver = synthApp(config).stacks["log-routing"]!;
    for (const sink of sinks) expect(envOf(deliver, sink).LOG_INVALID_TIME).toBe("deliver");
    // kinesis-forward does not read the time (it passes records on), so it gets no rule.
    expect(envOf(deliver, "forward-").LOG_INVALID_TIME).toBeUndefined();
  });

  it("exposes outputs per sink", () => {
    // Act
    const outputs = Object.keys(example.output ?? {});
    // Assess
    for (const o of [
      "sink_s3_archive_function_name",
      "sink_s3_archive_bucket_name",
      "sink_opensearch_search_endpoint",
      "sink_opensearch_search_ism_policy_id",
      "sink_fluent_aggregator_shared_key_parameter_arn",
      "sink_fluent_aggregator_event_source_mapping_uuid",
    ]) {
      expect(outputs).toContain(o);
    }
  });
});

// The bucket's own versioning is tested on the constructs (modules/secure-bucket, modules/kinesis-to-s3); here, that
// the stack hands the configured setting to the archive bucket it creates.
describe("the kinesis-to-s3 archive bucket in the log-routing stack", () => {
  const versioningOf = (stack: TfJson) =>
    Object.entries(resourcesOf(stack, "aws_s3_bucket_versioning")).filter(([name]) => name.includes("to-s3-archive"));

  it("is versioned by default", () => {
    // Act
    const versioning = versioningOf(example);
    // Assess
    expect(versioning.map(([, r]) => r.versioning_configuration)).toEqual([{ status: "Enabled" }]);
  });

  it("is not versioned with versioning: false", () => {
    // Prepare
    const config = exampleConfig();
    config.logRouting.sinks!.s3![0] = { ...config.logRouting.sinks!.s3![0]!, versioning: false };
    // Act
    const stack = synthApp(config).stacks["log-routing"]!;
    // Assess
    expect(versioningOf(stack)).toEqual([]);
  });
});

describe("IAM simulation of the sink policies", () => {
  const bucket = "cribl-demo-logs-eu-west-1";
  const domainArn = `arn:aws:es:eu-west-1:${ACCOUNT}:domain/cribl-demo-logs`;
  const concrete = (statements: readonly object[]) =>
    JSON.parse(
      JSON.stringify(statements)
        .replace(
          /\$\{aws_kinesis_stream\.[\w-]+\.arn\}/g,
          `arn:aws:kinesis:eu-west-1:${ACCOUNT}:stream/cribl-demo-router`,
        )
        .replace(/\$\{aws_sqs_queue\.[\w-]+\.arn\}/g, `arn:aws:sqs:eu-west-1:${ACCOUNT}:q`)
        .replace(/\$\{aws_cloudwatch_log_group\.[\w-]+\.arn\}/g, `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:x`)
        .replace(/\$\{aws_s3_bucket\.to-s3[\w-]+\.bucket\}/g, bucket)
        .replace(/\$\{aws_s3_bucket\.[\w-]+\.bucket\}/g, "cribl-demo-failed-records-eu-west-1")
        .replace(/\$\{aws_opensearch_domain\.[\w-]+\.arn\}/g, domainArn)
        .replace(/\$\{data\.aws_partition\.[\w-]+\.partition\}/g, "aws")
        .replace(/\$\{data\.aws_region\.[\w-]+\.name\}/g, "eu-west-1")
        .replace(/\$\{data\.aws_caller_identity\.[\w-]+\.account_id\}/g, ACCOUNT),
    ) as Statement[];

  async function decide(stack: TfJson, sink: string, action: string, resource: string): Promise<string> {
    const statements = concrete(statementsOf(stack, sink));
    expect(JSON.stringify(statements)).not.toContain("${");
    const result = await runSimulation(
      {
        identityPolicies: [{ name: "least-privilege", policy: { Version: "2012-10-17", Statement: statements } }],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        request: {
          principal: `arn:aws:iam::${ACCOUNT}:role/${sink}`,
          action,
          resource: { resource, accountId: ACCOUNT },
          contextVariables: {},
        },
      },
      {},
    );
    if (result.resultType === "error") throw new Error(JSON.stringify(result.errors));
    return result.overallResult;
  }

  it("kinesis-to-s3 may put objects only under its bucket's prefix", async () => {
    // Prepare
    const d = (action: string, resource: string) => decide(full, "to-s3-archive", action, resource);
    // Act / Assess
    expect(await d("s3:PutObject", `arn:aws:s3:::${bucket}/logs/app/2020-03/14/x.gz`)).toBe("Allowed");
    expect(await d("s3:PutObject", `arn:aws:s3:::${bucket}/other/x.gz`)).toBe("ImplicitlyDenied");
    expect(await d("s3:PutObject", "arn:aws:s3:::someone-elses-bucket/logs/x.gz")).toBe("ImplicitlyDenied");
    expect(await d("s3:GetObject", `arn:aws:s3:::${bucket}/logs/app/x.gz`)).toBe("ImplicitlyDenied");
    expect(await d("s3:DeleteObject", `arn:aws:s3:::${bucket}/logs/app/x.gz`)).toBe("ImplicitlyDenied");
  });

  it("kinesis-to-opensearch may post and put only on its domain", async () => {
    // Prepare
    const d = (action: string, resource: string) => decide(full, "to-opensearch-own-domain", action, resource);
    // Act / Assess
    expect(await d("es:ESHttpPost", `${domainArn}/_bulk`)).toBe("Allowed");
    expect(await d("es:ESHttpPut", `${domainArn}/cribl-demo-to-os-own-domain-logs-app-20200314`)).toBe("Allowed");
    expect(await d("es:ESHttpPut", `${domainArn}/_plugins/_ism/policies/x`)).toBe("ImplicitlyDenied");
    expect(await d("es:ESHttpPut", `${domainArn}/other-team-app-20200314`)).toBe("ImplicitlyDenied");
    expect(await d("es:ESHttpDelete", `${domainArn}/cribl-demo-to-os-own-domain-logs-app-20200314`)).toBe(
      "ImplicitlyDenied",
    );
    expect(await d("es:ESHttpPost", `arn:aws:es:eu-west-1:${ACCOUNT}:domain/other/_bulk`)).toBe("ImplicitlyDenied");
    expect(await d("es:DeleteDomain", domainArn)).toBe("ImplicitlyDenied");
  });

  it("kinesis-to-fluent may read only its shared-key parameter", async () => {
    // Prepare
    const d = (action: string, resource: string) => decide(full, "to-fluent-aggregator", action, resource);
    const param = `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/cribl-demo/fluentd-shared-key`;
    // Act / Assess
    expect(await d("ssm:GetParameter", param)).toBe("Allowed");
    expect(await d("ssm:GetParameter", `${param}-other`)).toBe("ImplicitlyDenied");
    expect(await d("ssm:GetParameter", `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/cribl/leader-auth-token`)).toBe(
      "ImplicitlyDenied",
    );
    expect(await d("ssm:PutParameter", param)).toBe("ImplicitlyDenied");
  });
});

describe("sink configuration errors name the field", () => {
  const cases: [string, (c: AppConfig) => void][] = [
    ["logRouting.sinks.fluent[0].name", (c) => (c.logRouting.sinks!.fluent![0]!.name = "archive")],
    ["logRouting.sinks.s3[0].source", (c) => (c.logRouting.sinks!.s3![0]!.source = "nowhere")],
    ["logRouting.sinks.lambda", (c) => ((c.logRouting.sinks as Record<string, unknown>).lambda = [])],
    ["logRouting.sinks.s3[0].prefix", (c) => (c.logRouting.sinks!.s3![0]!.prefix = "/logs/")],
    ["logRouting.sinks.s3[0].batchSize", (c) => (c.logRouting.sinks!.s3![0]!.batchSize = 0)],
    [
      "logRouting.sinks.opensearch[0].domain",
      (c) => (c.logRouting.sinks!.opensearch![0]!.domain = { domainName: "x-domain", masterUserArn: ADMIN }),
    ],
    [
      "logRouting.sinks.opensearch[0].existing.arn",
      (c) => {
        const sink = c.logRouting.sinks!.opensearch![0]!;
        sink.existing = { ...sink.existing!, arn: "arn:aws:es:eu-west-1:1:domain/X" };
      },
    ],
    ["logRouting.sinks.opensearch[0].indexPrefix", (c) => (c.logRouting.sinks!.opensearch![0]!.indexPrefix = "Logs")],
    ["logRouting.sinks.fluent[0].port", (c) => (c.logRouting.sinks!.fluent![0]!.port = 70000)],
    [
      "logRouting.sinks.fluent[0].sharedKeyParameterName",
      (c) => (c.logRouting.sinks!.fluent![0]!.sharedKeyParameterName = "no-slash"),
    ],
    [
      "logRouting.sinks.fluent[0].vpc.subnetIds",
      (c) => (c.logRouting.sinks!.fluent![0]!.vpc = { subnetIds: [], securityGroupIds: ["sg-0123456789abcdef0"] }),
    ],
    ["logRouting.schema.invalidTime", (c) => (c.logRouting.schema = { invalidTime: "drop" as unknown as "fail" })],
    ["logRouting.sinks.fluent[0].ackTimeoutSeconds", (c) => (c.logRouting.sinks!.fluent![0]!.ackTimeoutSeconds = 60)],
  ];
  it.each(cases)("%s", (field, breakIt) => {
    // Prepare
    const config = exampleConfig();
    breakIt(config);
    // Act / Assess
    expect(() => synthApp(config)).toThrow(new RegExp(`^${field.replace(/[[\].]/g, "\\$&")}: `));
  });
});
