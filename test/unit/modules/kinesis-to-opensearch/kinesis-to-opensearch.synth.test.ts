// KinesisToOpenSearch as a construct (cdktf Testing, a bare stack with an AwsProvider): on an existing domain, writes to
// exactly `_bulk` and `<indexPrefix>-*` (and installs its ISM policy); a domain it creates is encrypted, HTTPS and TLS
// 1.2 only, with the admin as master user and its logs kept for one of CloudWatch's retention periods.
import {
  defaultIndexPrefix,
  KinesisToOpenSearch,
  type KinesisToOpenSearchProps,
} from "../../../../modules/kinesis-to-opensearch";
import { onlyResource, resources, type Synthesized, synthConstruct } from "../../../support/construct";
import { policyOf } from "../../../support/policy";

const DOMAIN_ARN = "arn:aws:es:eu-west-1:123456789012:domain/search";
const ADMIN = "arn:aws:iam::123456789012:role/search-admin";

const PROPS: KinesisToOpenSearchProps = {
  name: "demo-to-os",
  sourceStreamArn: "arn:aws:kinesis:eu-west-1:123456789012:stream/demo-router",
  failedRecords: { bucketName: "demo-failed-records" },
};

const synthToOpenSearch = (over: Partial<KinesisToOpenSearchProps>): Synthesized =>
  synthConstruct((scope) => new KinesisToOpenSearch(scope, "to-os", { ...PROPS, ...over })).synthesized;

const variablesOf = (s: Synthesized) =>
  (onlyResource(s, "aws_lambda_function").environment as { variables: Record<string, string> }).variables;

describe("KinesisToOpenSearch", () => {
  it("on an existing domain writes _bulk and <indexPrefix>-* only, and installs its ISM policy", () => {
    // Act
    const s = synthToOpenSearch({ existing: { endpoint: "https://search.example.com", arn: DOMAIN_ARN } });
    // Assess
    const prefix = defaultIndexPrefix("demo-to-os");
    expect(prefix).toBe("demo-to-os-logs");
    expect(variablesOf(s)).toMatchObject({
      OPENSEARCH_ENDPOINT: "https://search.example.com",
      OPENSEARCH_SERVICE: "es",
      OPENSEARCH_INDEX_PREFIX: prefix,
      OPENSEARCH_ISM_POLICY_ID: "demo-to-os-retention",
      OPENSEARCH_ISM_DELETE_AFTER_DAYS: "30",
    });
    const statements = policyOf(onlyResource(s, "aws_iam_role_policy")).Statement;
    expect(statements.filter((st) => String(st.Action).includes("es:"))).toEqual([
      {
        Sid: "WriteIndices",
        Effect: "Allow",
        Action: ["es:ESHttpPost", "es:ESHttpPut"],
        Resource: [`${DOMAIN_ARN}/_bulk`, `${DOMAIN_ARN}/${prefix}-*`],
      },
      {
        Sid: "InstallLifecyclePolicy",
        Effect: "Allow",
        Action: ["es:ESHttpGet", "es:ESHttpPut"],
        Resource: `${DOMAIN_ARN}/_plugins/_ism/policies/demo-to-os-retention`,
      },
    ]);
    expect(resources(s, "aws_opensearch_domain")).toEqual([]);
  });

  it("on a Serverless collection gets APIAccessAll on it, a data access policy and a retention policy", () => {
    // Prepare
    const collection = "arn:aws:aoss:eu-west-1:123456789012:collection/abc123";
    // Act
    const s = synthToOpenSearch({
      existing: {
        endpoint: "https://abc123.eu-west-1.aoss.amazonaws.com",
        service: "aoss",
        arn: collection,
        collectionName: "logs",
      },
    });
    // Assess
    expect(policyOf(onlyResource(s, "aws_iam_role_policy")).Statement).toContainEqual({
      Sid: "WriteCollection",
      Effect: "Allow",
      Action: "aoss:APIAccessAll",
      Resource: collection,
    });
    expect(onlyResource(s, "aws_opensearchserverless_access_policy")).toMatchObject({ type: "data" });
    expect(onlyResource(s, "aws_opensearchserverless_lifecycle_policy")).toMatchObject({ type: "retention" });
    expect(variablesOf(s).OPENSEARCH_ISM_POLICY_ID).toBeUndefined();
  });

  it("creates a domain encrypted, HTTPS and TLS 1.2 only, the admin its master user, its logs kept 90 days", () => {
    // Act
    const s = synthToOpenSearch({ domain: { domainName: "demo-logs", masterUserArn: ADMIN, publicEndpoint: true } });
    // Assess
    const domain = onlyResource(s, "aws_opensearch_domain");
    expect(domain).toMatchObject({
      domain_name: "demo-logs",
      encrypt_at_rest: { enabled: true },
      node_to_node_encryption: { enabled: true },
      domain_endpoint_options: { enforce_https: true, tls_security_policy: "Policy-Min-TLS-1-2-2019-07" },
      advanced_security_options: { enabled: true, master_user_options: { master_user_arn: ADMIN } },
    });
    const groups = resources(s, "aws_cloudwatch_log_group").filter((g) =>
      String(g.name).startsWith("/aws/opensearch/"),
    );
    expect(groups.map((g) => g.name).sort()).toEqual([
      "/aws/opensearch/demo-logs/audit-logs",
      "/aws/opensearch/demo-logs/error-logs",
      "/aws/opensearch/demo-logs/index-slow-logs",
      "/aws/opensearch/demo-logs/search-slow-logs",
    ]);
    for (const g of groups) expect(g.retention_in_days).toBe(90);
    expect(variablesOf(s).OPENSEARCH_ISM_POLICY_ID).toBeUndefined();
  });
});
