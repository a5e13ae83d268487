// The allowed and denied requests the IAM tests prove for the log-routing stack, one list shared by
// test/unit/stacks/log-routing-iam.test.ts (which asserts each decision) and scripts/iam-report.ts (which prints them).
// Every request is decided with all the policies that apply (see test/support/iam.ts).
import type { AppConfig } from "../../config";
import example from "../../config/example";
import { CONCRETE, type Decision } from "./iam";

export interface IamCase {
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly context?: Record<string, string | string[]>;
  readonly expected: Decision;
  readonly why: string;
}

const { account: A, region: R } = CONCRETE;
export const ADMIN_ROLE_ARN = `arn:aws:iam::${A}:role/search-admin`;

/** The example configuration plus a domain the stack creates (in a VPC, with a separate admin). */
export function logRoutingCaseConfig(): AppConfig {
  const config = structuredClone(example);
  config.logRouting.sinks!.opensearch!.push({
    name: "own",
    whitelist: ["app"],
    domain: {
      domainName: "cribl-demo-own",
      masterUserArn: ADMIN_ROLE_ARN,
      vpc: { subnetIds: ["subnet-0123456789abcdef0"], securityGroupIds: ["sg-0123456789abcdef0"] },
    },
  });
  return config;
}

const role = (name: string) => `arn:aws:iam::${A}:role/${name}`;
const stream = (name: string) => `arn:aws:kinesis:${R}:${A}:stream/${name}`;
const queue = (name: string) => `arn:aws:sqs:${R}:${A}:${name}`;
const object = (bucket: string, key: string) => `arn:aws:s3:::${bucket}/${key}`;
const logGroup = (name: string) => `arn:aws:logs:${R}:${A}:log-group:${name}`;
const existingDomain = `arn:aws:es:${R}:${A}:domain/cribl-demo-logs`;
const ownDomain = `arn:aws:es:${R}:${A}:domain/cribl-demo-own`;
const FAILED = "cribl-demo-failed-records-eu-west-1";
const ARCHIVE = "cribl-demo-logs-eu-west-1";
const TLS = { "aws:SecureTransport": "true" };
const PLAIN = { "aws:SecureTransport": "false" };

const FN = {
  forwardApp: "cribl-demo-forward-app",
  forwardAudit: "cribl-demo-forward-audit",
  toS3: "cribl-demo-to-s3-archive",
  toSearch: "cribl-demo-to-os-search",
  toOwn: "cribl-demo-to-os-own",
  toFluent: "cribl-demo-to-fluent-aggregator",
};
const SUBSCRIPTION = "cribl-demo-logs-to-router";

export const LOG_ROUTING_CASES: IamCase[] = [
  // Trust policies
  ...Object.values(FN).flatMap((fn): IamCase[] => [
    {
      principal: "lambda.amazonaws.com",
      action: "sts:AssumeRole",
      resource: role(fn),
      expected: "Allowed",
      why: "Lambda runs the function with its role",
    },
    {
      principal: `logs.${R}.amazonaws.com`,
      action: "sts:AssumeRole",
      resource: role(fn),
      expected: "ImplicitlyDenied",
      why: "no other service may assume a function role",
    },
  ]),
  {
    principal: `logs.${R}.amazonaws.com`,
    action: "sts:AssumeRole",
    resource: role(SUBSCRIPTION),
    context: { "aws:SourceArn": `${logGroup("/demo/app")}:*`, "aws:SourceAccount": A },
    expected: "Allowed",
    why: "CloudWatch Logs assumes it for the subscribed log group",
  },
  {
    principal: `logs.${R}.amazonaws.com`,
    action: "sts:AssumeRole",
    resource: role(SUBSCRIPTION),
    context: { "aws:SourceArn": `${logGroup("/someone/else")}:*`, "aws:SourceAccount": A },
    expected: "ImplicitlyDenied",
    why: "not for another log group (confused deputy)",
  },
  {
    principal: "logs.us-east-1.amazonaws.com",
    action: "sts:AssumeRole",
    resource: role(SUBSCRIPTION),
    context: { "aws:SourceArn": `${logGroup("/demo/app")}:*` },
    expected: "ImplicitlyDenied",
    why: "only the log groups' region",
  },
  // CloudWatch Logs subscription role
  {
    principal: SUBSCRIPTION,
    action: "kinesis:PutRecord",
    resource: stream("cribl-demo-router"),
    expected: "Allowed",
    why: "delivers subscribed events to the router",
  },
  {
    principal: SUBSCRIPTION,
    action: "kinesis:PutRecord",
    resource: stream("cribl-demo-app"),
    expected: "ImplicitlyDenied",
    why: "no other stream",
  },
  {
    principal: SUBSCRIPTION,
    action: "kinesis:GetRecords",
    resource: stream("cribl-demo-router"),
    expected: "ImplicitlyDenied",
    why: "write only",
  },
  // Forwarders
  {
    principal: FN.forwardApp,
    action: "kinesis:GetRecords",
    resource: stream("cribl-demo-router"),
    expected: "Allowed",
    why: "reads its source",
  },
  {
    principal: FN.forwardApp,
    action: "kinesis:PutRecords",
    resource: stream("cribl-demo-app"),
    expected: "Allowed",
    why: "writes its target",
  },
  {
    principal: FN.forwardApp,
    action: "kinesis:PutRecords",
    resource: stream("cribl-demo-audit"),
    expected: "ImplicitlyDenied",
    why: "not another forwarder's target",
  },
  {
    principal: FN.forwardApp,
    action: "kinesis:PutRecords",
    resource: stream("cribl-demo-router"),
    expected: "ImplicitlyDenied",
    why: "never back into the router (loop)",
  },
  {
    principal: FN.forwardApp,
    action: "s3:PutObject",
    resource: object(FAILED, "failed/forward-app/x.json"),
    context: TLS,
    expected: "Allowed",
    why: "failed records under its own prefix",
  },
  {
    principal: FN.forwardApp,
    action: "s3:PutObject",
    resource: object(FAILED, "failed/forward-app/x.json"),
    context: PLAIN,
    expected: "ExplicitlyDenied",
    why: "bucket policy: TLS only",
  },
  {
    principal: FN.forwardApp,
    action: "s3:PutObject",
    resource: object(FAILED, "failed/forward-audit/x.json"),
    context: TLS,
    expected: "ImplicitlyDenied",
    why: "not another consumer's prefix",
  },
  {
    principal: FN.forwardApp,
    action: "s3:GetObject",
    resource: object(FAILED, "failed/forward-app/x.json"),
    context: TLS,
    expected: "ImplicitlyDenied",
    why: "write only",
  },
  {
    principal: FN.forwardApp,
    action: "sqs:SendMessage",
    resource: queue(`${FN.forwardApp}-failures`),
    expected: "Allowed",
    why: "its on-failure queue",
  },
  {
    principal: FN.forwardApp,
    action: "sqs:SendMessage",
    resource: queue(`${FN.toS3}-failures`),
    expected: "ImplicitlyDenied",
    why: "not another consumer's queue",
  },
  {
    principal: FN.forwardApp,
    action: "logs:PutLogEvents",
    resource: `${logGroup(`/aws/lambda/${FN.forwardApp}`)}:log-stream:x`,
    expected: "Allowed",
    why: "its own logs",
  },
  {
    principal: FN.forwardApp,
    action: "logs:PutLogEvents",
    resource: `${logGroup(`/aws/lambda/${FN.toS3}`)}:log-stream:x`,
    expected: "ImplicitlyDenied",
    why: "not another function's logs",
  },
  // kinesis-to-s3
  {
    principal: FN.toS3,
    action: "s3:PutObject",
    resource: object(ARCHIVE, "logs/app/2020-03/14/x.gz"),
    context: TLS,
    expected: "Allowed",
    why: "writes under its prefix",
  },
  {
    principal: FN.toS3,
    action: "s3:PutObject",
    resource: object(ARCHIVE, "logs/app/x.gz"),
    context: PLAIN,
    expected: "ExplicitlyDenied",
    why: "bucket policy: TLS only",
  },
  {
    principal: FN.toS3,
    action: "s3:PutObject",
    resource: object(ARCHIVE, "other/x.gz"),
    context: TLS,
    expected: "ImplicitlyDenied",
    why: "only its prefix",
  },
  {
    principal: FN.toS3,
    action: "s3:DeleteObject",
    resource: object(ARCHIVE, "logs/app/x.gz"),
    context: TLS,
    expected: "ImplicitlyDenied",
    why: "never deletes",
  },
  {
    principal: FN.toS3,
    action: "s3:GetObject",
    resource: object(ARCHIVE, "logs/app/x.gz"),
    context: TLS,
    expected: "ImplicitlyDenied",
    why: "never reads",
  },
  // kinesis-to-opensearch, existing domain (installs its ISM policy itself)
  {
    principal: FN.toSearch,
    action: "es:ESHttpPost",
    resource: `${existingDomain}/_bulk`,
    expected: "Allowed",
    why: "the handler's bulk path",
  },
  {
    principal: FN.toSearch,
    action: "es:ESHttpPut",
    resource: `${existingDomain}/cribl-demo-audit-security-20200314`,
    expected: "Allowed",
    why: "its own prefix",
  },
  {
    principal: FN.toSearch,
    action: "es:ESHttpPut",
    resource: `${existingDomain}/other-team-20200314`,
    expected: "ImplicitlyDenied",
    why: "not another team's index",
  },
  {
    principal: FN.toSearch,
    action: "es:ESHttpDelete",
    resource: `${existingDomain}/cribl-demo-audit-security-20200314`,
    expected: "ImplicitlyDenied",
    why: "never deletes",
  },
  {
    principal: FN.toSearch,
    action: "es:ESHttpPut",
    resource: `${existingDomain}/_plugins/_ism/policies/cribl-demo-to-os-search-retention`,
    expected: "Allowed",
    why: "installs exactly its ISM policy",
  },
  {
    principal: FN.toSearch,
    action: "es:ESHttpPut",
    resource: `${existingDomain}/_plugins/_ism/policies/someone-elses`,
    expected: "ImplicitlyDenied",
    why: "no other ISM policy",
  },
  {
    principal: FN.toSearch,
    action: "es:ESHttpPut",
    resource: `${existingDomain}/_plugins/_security/api/roles/x`,
    expected: "ImplicitlyDenied",
    why: "no security API",
  },
  // kinesis-to-opensearch, created domain (identity policy AND the domain access policy)
  {
    principal: FN.toOwn,
    action: "es:ESHttpPost",
    resource: `${ownDomain}/_bulk`,
    expected: "Allowed",
    why: "the handler's bulk path",
  },
  {
    principal: FN.toOwn,
    action: "es:ESHttpPut",
    resource: `${ownDomain}/cribl-demo-to-os-own-logs-app-20200314`,
    expected: "Allowed",
    why: "its own prefix",
  },
  {
    principal: FN.toOwn,
    action: "es:ESHttpPut",
    resource: `${ownDomain}/_plugins/_ism/policies/cribl-demo-to-os-own-retention`,
    expected: "ImplicitlyDenied",
    why: "the admin installs ISM on a created domain",
  },
  {
    principal: FN.toOwn,
    action: "es:ESHttpDelete",
    resource: `${ownDomain}/cribl-demo-to-os-own-logs-app-20200314`,
    expected: "ImplicitlyDenied",
    why: "never deletes",
  },
  {
    principal: FN.toOwn,
    action: "es:ESHttpPut",
    resource: `${ownDomain}/_plugins/_security/api/rolesmapping/all_access`,
    expected: "ImplicitlyDenied",
    why: "no security API",
  },
  {
    principal: FN.toOwn,
    action: "es:ESHttpGet",
    resource: `${ownDomain}/_search`,
    expected: "ImplicitlyDenied",
    why: "never reads",
  },
  {
    principal: FN.toSearch,
    action: "es:ESHttpPost",
    resource: `${ownDomain}/_bulk`,
    expected: "ImplicitlyDenied",
    why: "another sink's function is not in the domain policy",
  },
  {
    principal: "es.amazonaws.com",
    action: "logs:PutLogEvents",
    resource: `${logGroup("/aws/opensearch/cribl-demo-own/audit-logs")}:log-stream:x`,
    context: { "aws:SourceArn": ownDomain, "aws:SourceAccount": A },
    expected: "Allowed",
    why: "the domain publishes its audit logs",
  },
  {
    principal: "es.amazonaws.com",
    action: "logs:PutLogEvents",
    resource: `${logGroup("/aws/opensearch/cribl-demo-own/audit-logs")}:log-stream:x`,
    context: { "aws:SourceArn": `arn:aws:es:${R}:${A}:domain/other`, "aws:SourceAccount": A },
    expected: "ImplicitlyDenied",
    why: "no other domain writes there",
  },
  // kinesis-to-fluent
  {
    principal: FN.toFluent,
    action: "ssm:GetParameter",
    resource: `arn:aws:ssm:${R}:${A}:parameter/cribl-demo/fluentd-shared-key`,
    expected: "Allowed",
    why: "reads its shared key",
  },
  {
    principal: FN.toFluent,
    action: "ssm:GetParameter",
    resource: `arn:aws:ssm:${R}:${A}:parameter/cribl/leader-auth-token`,
    expected: "ImplicitlyDenied",
    why: "no other parameter",
  },
  {
    principal: FN.toFluent,
    action: "ssm:PutParameter",
    resource: `arn:aws:ssm:${R}:${A}:parameter/cribl-demo/fluentd-shared-key`,
    expected: "ImplicitlyDenied",
    why: "read only",
  },
  // The alarm topic's key
  {
    principal: "cloudwatch.amazonaws.com",
    action: "kms:GenerateDataKey",
    resource: `arn:aws:kms:${R}:${A}:key/alarm-topic_key`,
    context: { "aws:SourceAccount": A },
    expected: "Allowed",
    why: "alarms publish to the encrypted topic",
  },
  {
    principal: "cloudwatch.amazonaws.com",
    action: "kms:GenerateDataKey",
    resource: `arn:aws:kms:${R}:${A}:key/alarm-topic_key`,
    context: { "aws:SourceAccount": "210987654321" },
    expected: "ImplicitlyDenied",
    why: "not for another account's alarms",
  },
];

/** Log-routing principals the cases cover: every role of the stack, and the services its resource policies name. */
export const LOG_ROUTING_PRINCIPALS = [...Object.values(FN), SUBSCRIPTION];
