// Issue 12, log-routing side: defaults that fail closed (fluent TLS, OpenSearch in a VPC with a separate admin, audit
// and slow logs, an index prefix and ISM pattern of its own) and partition-aware ARNs.
import * as os from "node:os";
import type { App } from "cdktf";
import type { AppConfig } from "../../../config";
import { buildApp } from "../../../stacks/app";
import { exampleConfig, resourcesOf, synthApp, type TfJson } from "../../support/synth";

const ACCOUNT = "123456789012";
const ADMIN = `arn:aws:iam::${ACCOUNT}:role/search-admin`;
// biome-ignore lint/suspicious/noTemplateCurlyInString: a Terraform reference as synthesized, not a template
const PARTITION_ARN = "arn:${data.aws_partition.arn-partition.partition}:";
const VPC = { subnetIds: ["subnet-0123456789abcdef0"], securityGroupIds: ["sg-0123456789abcdef0"] };

const byName = (stack: TfJson, type: string, fragment: string) => {
  const entry = Object.entries(resourcesOf(stack, type)).find(([k]) => k.includes(fragment));
  if (!entry) throw new Error(`${type} ${fragment} not found`);
  return entry[1];
};
const envOf = (stack: TfJson, fn: string) =>
  (byName(stack, "aws_lambda_function", fn).environment as { variables: Record<string, string> }).variables;
const logRouting = (config: AppConfig) => synthApp(config).stacks["log-routing"]!;
const fieldError = (field: string) => new RegExp(`^${field.replace(/[[\].]/g, "\\$&")}: `);

function withDomain(domain: Record<string, unknown>, extra: Record<string, unknown> = {}): AppConfig {
  const config = exampleConfig();
  config.logRouting.sinks!.opensearch!.push({
    name: "own",
    whitelist: ["app"],
    domain: { domainName: "cribl-demo-own", ...domain } as never,
    ...extra,
  });
  return config;
}

describe("fluent: TLS by default, plaintext only by explicit opt-in and never with a shared key", () => {
  it("sends over TLS when nothing is said", () => {
    // Act / Assess
    expect(envOf(logRouting(exampleConfig()), "to-fluent-aggregator").FLUENT_TLS).toBe("true");
  });

  it("refuses tls: false without the plaintext opt-in", () => {
    // Prepare
    const config = exampleConfig();
    const sink = config.logRouting.sinks!.fluent![0]!;
    delete sink.sharedKeyParameterName;
    sink.tls = false;
    // Act / Assess
    expect(() => synthApp(config)).toThrow(fieldError("logRouting.sinks.fluent[0].tls"));
  });

  it("refuses plaintext with a shared key", () => {
    // Prepare
    const config = exampleConfig();
    config.logRouting.sinks!.fluent![0]!.plaintext = true;
    // Act / Assess
    expect(() => synthApp(config)).toThrow(/^logRouting\.sinks\.fluent\[0\]\.plaintext: is refused with sharedKey/);
  });

  it("sends plaintext only when asked to, without a shared key", () => {
    // Prepare
    const config = exampleConfig();
    const sink = config.logRouting.sinks!.fluent![0]!;
    delete sink.sharedKeyParameterName;
    sink.plaintext = true;
    // Act / Assess
    expect(envOf(logRouting(config), "to-fluent-aggregator").FLUENT_TLS).toBe("false");
  });
});

describe("partition-aware ARNs in the log-routing stack", () => {
  it("spells no arn:aws: of its own: every ARN it builds takes the partition from data.aws_partition", () => {
    // Prepare
    const config = exampleConfig();
    config.logRouting.sinks!.opensearch!.push({
      name: "own",
      domain: { domainName: "cribl-demo-own", masterUserArn: ADMIN, vpc: VPC },
    });
    const text = JSON.stringify(logRouting(config));
    // The only `arn:aws:` left are the ARNs the configuration itself gives (existing domain, admin).
    const configured = [config.logRouting.sinks!.opensearch![0]!.existing!.arn, ADMIN];
    // Act
    const own = configured.reduce((t, arn) => t.split(arn).join(""), text);
    // Assess
    expect(own.match(/.{60}arn:aws:.{40}/g) ?? []).toEqual([]);
    for (const service of ["s3:::", "logs:", "es:", "ssm:"]) expect(text).toContain(`${PARTITION_ARN}${service}`);
  });
});

describe("OpenSearch: a created domain", () => {
  it("requires a separate admin (master user) ARN", () => {
    // Act / Assess
    expect(() => synthApp(withDomain({ vpc: VPC }))).toThrow(
      fieldError("logRouting.sinks.opensearch[1].domain.masterUserArn"),
    );
  });

  it("is placed in a VPC unless publicEndpoint: true opts out", () => {
    // Act / Assess
    expect(() => synthApp(withDomain({ masterUserArn: ADMIN }))).toThrow(
      fieldError("logRouting.sinks.opensearch[1].domain.vpc"),
    );
    const pub = logRouting(withDomain({ masterUserArn: ADMIN, publicEndpoint: true }));
    expect(byName(pub, "aws_opensearch_domain", "to-opensearch-own").vpc_options).toBeUndefined();
    const vpc = logRouting(withDomain({ masterUserArn: ADMIN, vpc: VPC }));
    expect(byName(vpc, "aws_opensearch_domain", "to-opensearch-own").vpc_options).toMatchObject({
      subnet_ids: VPC.subnetIds,
    });
  });

  let stack: TfJson;
  beforeAll(() => {
    // Prepare / Act
    stack = logRouting(withDomain({ masterUserArn: ADMIN, vpc: VPC }));
  });

  it("makes the admin the master user, never the function's role", () => {
    // Act
    const domain = byName(stack, "aws_opensearch_domain", "to-opensearch-own");
    // Assess
    expect(domain.advanced_security_options).toMatchObject({
      enabled: true,
      master_user_options: { master_user_arn: ADMIN },
    });
  });

  it("publishes audit, search and indexing slow logs and error logs to log groups OpenSearch may write", () => {
    // Act
    const domain = byName(stack, "aws_opensearch_domain", "to-opensearch-own");
    const published = (domain.log_publishing_options as { log_type: string; enabled: boolean }[]).map((o) => [
      o.log_type,
      o.enabled,
    ]);
    // Assess
    expect(published.sort()).toEqual([
      ["AUDIT_LOGS", true],
      ["ES_APPLICATION_LOGS", true],
      ["INDEX_SLOW_LOGS", true],
      ["SEARCH_SLOW_LOGS", true],
    ]);
    const groups = Object.values(resourcesOf(stack, "aws_cloudwatch_log_group")).map((g) => g.name);
    expect(groups).toContain("/aws/opensearch/cribl-demo-own/audit-logs");
    const policy = String(byName(stack, "aws_cloudwatch_log_resource_policy", "to-opensearch-own").policy_document);
    expect(policy).toContain("es.amazonaws.com");
    expect(policy).toContain("aws:SourceArn");
  });

  it("narrows the domain access policy: the function posts _bulk and writes <prefix>-* only", () => {
    // Act
    const policy = String(byName(stack, "aws_opensearch_domain", "to-opensearch-own").access_policies);
    // Assess
    expect(policy).not.toMatch(/"es:ESHttp\*"[\s\S]*aws_iam_role\.to-opensearch-own/);
    expect(policy).toMatch(/\/_bulk"/);
    expect(policy).toMatch(/\/cribl-demo-to-os-own-logs-\*"/);
  });

  it("renders the admin's one-time setup: a write-only role on <prefix>-* mapped to the function, and the ISM policy", () => {
    // Act
    const out = stack.output?.sink_opensearch_own_admin_setup as { value: string };
    // Assess
    expect(out.value).toContain("/_plugins/_security/api/roles/cribl-demo-to-os-own-writer");
    expect(out.value).toContain("/_plugins/_security/api/rolesmapping/cribl-demo-to-os-own-writer");
    expect(out.value).toContain('"cribl-demo-to-os-own-logs-*"');
    expect(out.value).not.toMatch(/indices:admin\/delete|cluster:admin\/opendistro\/ism|"\*"|indices:\*/);
    expect(out.value).toContain("/_plugins/_ism/policies/cribl-demo-to-os-own-retention");
  });
});

describe("OpenSearch: index prefix and ISM", () => {
  it("defaults the index prefix to one unique per deployment and sink, not a shared 'logs'", () => {
    // Prepare
    const config = exampleConfig();
    delete config.logRouting.sinks!.opensearch![0]!.indexPrefix;
    // Act / Assess
    expect(envOf(logRouting(config), "to-opensearch-search").OPENSEARCH_INDEX_PREFIX).toBe(
      "cribl-demo-to-os-search-logs",
    );
  });

  it("refuses a prefix whose ISM pattern would also match another sink's indices", () => {
    // Prepare
    const config = exampleConfig();
    config.logRouting.sinks!.opensearch![0]!.indexPrefix = "cribl";
    config.logRouting.sinks!.opensearch!.push({
      name: "other",
      indexPrefix: "cribl-other",
      existing: config.logRouting.sinks!.opensearch![0]!.existing,
    });
    // Act / Assess
    expect(() => synthApp(config)).toThrow(fieldError("logRouting.sinks.opensearch[0].indexPrefix"));
  });

  it("warns at synth when retention is set on an existing domain", () => {
    // Act
    const warnings = (config: AppConfig) => {
      const { app } = buildApp(config, { outdir: os.tmpdir() });
      return (app as App).node
        .findAll()
        .flatMap((c) => c.node.metadata.filter((m) => m.type === "@cdktf/warn").map((m) => String(m.data)));
    };
    // Assess
    expect(warnings(exampleConfig()).join("\n")).toMatch(/existing domain installs ISM policy .* cribl-demo-audit-\*/);
    const none = exampleConfig();
    none.logRouting.sinks!.opensearch![0]!.indexRetentionDays = 0;
    expect(warnings(none).filter((w) => w.includes("ISM"))).toEqual([]);
  });
});
