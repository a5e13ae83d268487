/**
 * kinesis-to-opensearch: a Lambda reading a stream and indexing log events into daily indices
 * `<indexPrefix>-<log_type>-<YYYYMMDD>` with SigV4-signed `_bulk` requests and idempotent `_id`s, into either
 *
 * - a domain it creates (`domain`): in a VPC (a public endpoint only with `publicEndpoint: true`), encryption at rest,
 *   node-to-node encryption, HTTPS only with TLS 1.2+, fine-grained access control whose master user is a separate
 *   admin principal (`masterUserArn`, required; never the function), audit, search and indexing slow logs and error
 *   logs published to CloudWatch Logs; or
 * - an existing endpoint (`existing`): a managed domain (`es`) or an OpenSearch Serverless collection (`aoss`).
 *
 * IAM (identity policy, and for a created domain also its access policy): `es:ESHttpPost`/`es:ESHttpPut` on exactly
 * `<domain ARN>/_bulk` (the only path the handler posts to) and `<domain ARN>/<indexPrefix>-*`; on an existing domain
 * with retention, also `es:ESHttpGet`/`es:ESHttpPut` on exactly `<domain ARN>/_plugins/_ism/policies/<policy id>`
 * (the function installs that policy, handlers/kinesis-to-opensearch/ism.ts). `aoss:APIAccessAll` on exactly a
 * collection. IAM paths cannot limit the indices named inside a `_bulk` body: that is fine-grained access control's
 * job. The function is mapped (by the admin, a data-plane call Terraform's AWS provider cannot make) to a write-only
 * role on `<indexPrefix>-*`; the module renders that role, its mapping, the ISM policy and the slow-log index template
 * as `adminSetup` (see docs/opensearch-security.md).
 * Built on KinesisConsumer; handler: handlers/kinesis-to-opensearch.
 */
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchLogResourcePolicy } from "@cdktf/provider-aws/lib/cloudwatch-log-resource-policy";
import { OpensearchDomain } from "@cdktf/provider-aws/lib/opensearch-domain";
import { OpensearchserverlessAccessPolicy } from "@cdktf/provider-aws/lib/opensearchserverless-access-policy";
import { OpensearchserverlessLifecyclePolicy } from "@cdktf/provider-aws/lib/opensearchserverless-lifecycle-policy";
import { Annotations, Fn, Lazy } from "cdktf";
import { Construct } from "constructs";
import type { z } from "zod";
import { toOpenSearchEnv } from "../../contracts/kinesis";
import { ismPolicyDocument } from "../../contracts/opensearch-ism";
import { arnScope, arns } from "../common/arns";
import type { PolicyStatement } from "../common/node-function";
import {
  bool,
  fail,
  int,
  logRetentionDays,
  oneOf,
  parseWith,
  patterns,
  pick,
  str,
  strict,
  whenValid,
} from "../common/schema";
import { type VpcPlacement, vpcPlacementSchema } from "../common/vpc";
import { consumerCommonShape, KinesisConsumer, type KinesisConsumerOutputs, refineConsumer } from "../kinesis-consumer";

export const TLS_SECURITY_POLICIES = ["Policy-Min-TLS-1-2-2019-07", "Policy-Min-TLS-1-2-PFS-2023-10"] as const;

/** A domain the module creates, secure by default. */
export const openSearchDomainSchema = strict({
  /** 3 to 28 of [a-z0-9-], starting with a letter. */
  domainName: str({ pattern: /^[a-z][a-z0-9-]{2,27}$/, hint: "3 to 28 of [a-z0-9-], starting with a letter" }),
  /** Engine version. @default "OpenSearch_2.19" */
  engineVersion: str({
    pattern: /^(OpenSearch_\d+\.\d+|Elasticsearch_7\.10)$/,
    hint: "OpenSearch_<major>.<minor>",
  }).default("OpenSearch_2.19"),
  /** Data node instance type. @default "r6g.large.search" */
  instanceType: str({
    pattern: /^[a-z0-9]+\.[a-z0-9]+\.search$/,
    hint: "an OpenSearch instance type such as r6g.large.search",
  }).default("r6g.large.search"),
  /** Data nodes, 1 to 80; spread over 2 zones (3 with three VPC subnets) when more than one. @default 2 */
  instanceCount: int(1, 80).default(2),
  /** gp3 volume per data node, 10 to 16384 GiB. @default 100 */
  volumeSizeGiB: int(10, 16384).default(100),
  /** CMK for encryption at rest. @default the AWS managed key */
  kmsKeyArn: str(patterns.arn).optional(),
  /**
   * IAM role or user ARN of the fine-grained access control master user: the domain's admin, who maps the function
   * to its write-only role (see `adminSetup`). Required; never the function's own role.
   */
  masterUserArn: str({
    pattern: /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/.+$/,
    hint: "the admin's IAM role or user ARN (a separate principal, never the function)",
  }),
  /** Both enforce TLS 1.2 or later. @default "Policy-Min-TLS-1-2-2019-07" */
  tlsSecurityPolicy: oneOf(TLS_SECURITY_POLICIES).default("Policy-Min-TLS-1-2-2019-07"),
  /** Place the domain in a VPC. Required unless `publicEndpoint: true`. @default none */
  vpc: vpcPlacementSchema.optional(),
  /** Explicit opt-out of the VPC: a public endpoint (still IAM-signed, HTTPS only). @default false */
  publicEndpoint: bool().default(false),
  /** Retention of the audit, slow and error log groups, days: one of CloudWatch's values (LOG_RETENTION_DAYS). @default 90 */
  logRetentionDays: logRetentionDays().default(90),
});
export type OpenSearchDomainProps = Readonly<z.input<typeof openSearchDomainSchema>>;

/** An endpoint that already exists. */
export const existingOpenSearchSchema = strict({
  /** `https://…` domain or collection endpoint (no path). */
  endpoint: str({ pattern: /^https:\/\/[A-Za-z0-9.-]+(:\d+)?\/?$/, hint: "https://<host> (no path)" }),
  /** `es` for a managed domain, `aoss` for a Serverless collection. @default "es" */
  service: oneOf(["es", "aoss"]).default("es"),
  /** Domain ARN (`arn:aws:es:…:domain/<name>`) or collection ARN (`arn:aws:aoss:…:collection/<id>`). */
  arn: str(),
  /**
   * Serverless only: the collection NAME, to create the data access policy for the function's role and the
   * retention (data lifecycle) policy. @default none (you grant access and retention yourself)
   */
  collectionName: str({
    pattern: /^[a-z][a-z0-9-]{2,31}$/,
    hint: "a collection name (3 to 32 of [a-z0-9-])",
  }).optional(),
});
export type ExistingOpenSearch = Readonly<z.input<typeof existingOpenSearchSchema>>;

const INDEX_PREFIX = {
  pattern: /^[a-z0-9][a-z0-9_.+-]{0,99}$/,
  hint: "1 to 100 of [a-z0-9_.+-], starting with a letter or digit",
};

/** The index prefix when none is given: `<function name>-logs`, lower-cased. */
export const defaultIndexPrefix = (functionName: string) => `${functionName.toLowerCase().replace(/_/g, "-")}-logs`;

/** What kinesis-to-opensearch adds to the common consumer props; configuration takes all of it per opensearch sink. */
export const kinesisToOpenSearchShape = {
  /** Create a domain. Exactly one of `domain` and `existing`. @default none */
  domain: openSearchDomainSchema.optional(),
  /** Use an existing domain or collection. Exactly one of `domain` and `existing`. @default none */
  existing: existingOpenSearchSchema.optional(),
  /**
   * Index names are `<indexPrefix>-<log_type>-<YYYYMMDD>`; the ISM policy covers exactly `<indexPrefix>-*`.
   * @default "<name>-logs" (unique per deployment and sink; see defaultIndexPrefix)
   */
  indexPrefix: str(INDEX_PREFIX).optional(),
  /** Delete indices this many days after creation (ISM or data lifecycle policy), 0 to 36500; 0 keeps them. @default 30 */
  indexRetentionDays: int(0, 36500).default(30),
  /** Send `_id`s (idempotent retries); off only for Serverless time-series collections. @default true */
  documentIds: bool().default(true),
  /** Documents per `_bulk` request, 1 to 10000. @default 500 */
  maxBulkDocs: int(1, 10_000).default(500),
  /** Bytes per `_bulk` request, 1024 to 104857600. @default 5242880 (5 MiB) */
  maxBulkBytes: int(1024, 100 * 1024 * 1024).default(5 * 1024 * 1024),
  /** Attempts per document (whole-request and per-item retries share it), 1 to 20. @default 5 */
  maxAttempts: int(1, 20).default(5),
  /** Run the function in a VPC (required to reach a VPC domain). @default the domain's VPC placement, else none */
  vpc: vpcPlacementSchema.optional(),
};

const ARN_OF = {
  es: {
    pattern: /^arn:aws[a-z-]*:es:[a-z0-9-]+:\d{12}:domain\/[a-z][a-z0-9-]{2,27}$/,
    hint: "a domain ARN (arn:aws:es:<region>:<account>:domain/<name>)",
  },
  aoss: {
    pattern: /^arn:aws[a-z-]*:aoss:[a-z0-9-]+:\d{12}:collection\/[a-z0-9]+$/,
    hint: "a collection ARN (arn:aws:aoss:<region>:<account>:collection/<id>)",
  },
} as const;

/** Availability zones a created domain spreads over. */
const zonesOf = (d: { instanceCount: number; vpc?: VpcPlacement | undefined }) =>
  d.instanceCount === 1 ? 1 : d.vpc ? Math.min(d.vpc.subnetIds.length, 3) : 2;

/** Exactly one target; a created domain in a VPC unless opted out, with nodes spread evenly; an ARN of its service. */
export function refineKinesisToOpenSearch(
  p: {
    domain?: z.output<typeof openSearchDomainSchema> | undefined;
    existing?: z.output<typeof existingOpenSearchSchema> | undefined;
  },
  ctx: z.RefinementCtx,
): void {
  if ((p.domain === undefined) === (p.existing === undefined)) {
    fail(ctx, ["domain"], "set exactly one of domain (create a domain) and existing (use an endpoint)");
    return;
  }
  const d = p.domain;
  if (d !== undefined) {
    if (d.vpc === undefined && !d.publicEndpoint) {
      fail(
        ctx,
        ["domain", "vpc"],
        "is required: the domain is placed in a VPC by default (opt out explicitly with publicEndpoint: true)",
      );
    }
    if (d.vpc !== undefined && d.publicEndpoint) {
      fail(ctx, ["domain", "publicEndpoint"], "contradicts domain.vpc; set one of them");
    }
    const zones = zonesOf(d);
    if (d.instanceCount > 1 && zones > 1 && d.instanceCount % zones !== 0) {
      fail(
        ctx,
        ["domain", "instanceCount"],
        `must be a multiple of the ${zones} availability zones; got ${d.instanceCount}`,
      );
    }
    if (d.vpc && d.instanceCount === 1 && d.vpc.subnetIds.length > 1) {
      fail(ctx, ["domain", "vpc", "subnetIds"], "a single-node domain takes exactly one subnet");
    }
  }
  const e = p.existing;
  if (e !== undefined) {
    const arn = ARN_OF[e.service];
    if (!arn.pattern.test(e.arn))
      fail(ctx, ["existing", "arn"], `must match ${arn.hint}; got ${JSON.stringify(e.arn)}`);
    if (e.collectionName !== undefined && e.service !== "aoss") {
      fail(ctx, ["existing", "collectionName"], "applies only when existing.service is aoss");
    }
  }
}

export const kinesisToOpenSearchPropsSchema = strict({ ...consumerCommonShape, ...kinesisToOpenSearchShape })
  .superRefine(refineConsumer, whenValid)
  .superRefine(refineKinesisToOpenSearch, whenValid);

/** Props of KinesisToOpenSearch, inferred from its schema (the field comments are the documentation). */
export type KinesisToOpenSearchProps = Readonly<z.input<typeof kinesisToOpenSearchPropsSchema>>;

export interface KinesisToOpenSearchOutputs extends KinesisConsumerOutputs {
  /** `https://…` endpoint the function writes to. */
  readonly endpoint: string;
  /** Domain or collection ARN. */
  readonly targetArn: string;
  /** The created domain's name; undefined with an existing endpoint. */
  readonly domainName: string | undefined;
  /** ISM policy id ("" when none): installed by the function on an existing domain, by the admin on a created one. */
  readonly ismPolicyId: string;
  /** Index names are `<indexPrefix>-<log_type>-<YYYYMMDD>`. */
  readonly indexPrefix: string;
  /**
   * Created domain only: the data-plane requests the admin (master user) makes once, as JSON
   * `[{method, path, body}]`: the write-only role, its mapping to the function's role, the ISM policy and the
   * slow-log index template. A Terraform-resolvable string (it contains the role ARN).
   */
  readonly adminSetup: string | undefined;
}

type ParsedDomain = z.output<typeof openSearchDomainSchema>;

export class KinesisToOpenSearch extends Construct {
  /** The function and its event source mapping (see kinesis-consumer). */
  /** The function and its event source mapping (see kinesis-consumer). */
  readonly consumer: KinesisConsumer;
  /** The domain it created; undefined with an existing endpoint. */
  /** The domain it created; undefined with an existing endpoint. */
  readonly domain: OpensearchDomain | undefined;
  readonly outputs: KinesisToOpenSearchOutputs;

  constructor(scope: Construct, id: string, props: KinesisToOpenSearchProps) {
    super(scope, id);
    const p = parseWith(kinesisToOpenSearchPropsSchema, props);
    const { name, indexRetentionDays: retentionDays, documentIds, maxBulkDocs, maxBulkBytes, maxAttempts } = p;
    const indexPrefix = p.indexPrefix ?? defaultIndexPrefix(name);
    const lambdaVpc = p.vpc ?? p.domain?.vpc;

    let endpoint: string;
    let targetArn: string;
    let service: "es" | "aoss";
    let collectionName: string | undefined;
    const domainProps = p.domain;
    if (domainProps) {
      // The function (its role) must exist before the domain names it as master user, and the domain's endpoint goes
      // into the function's environment: resolved lazily, after the domain is created below.
      endpoint = Lazy.stringValue({ produce: () => `https://${this.domain!.endpoint}` });
      targetArn = Lazy.stringValue({ produce: () => this.domain!.arn });
      service = "es";
    } else {
      const e = p.existing!;
      endpoint = e.endpoint.replace(/\/$/, "");
      service = e.service;
      targetArn = e.arn;
      collectionName = e.collectionName;
    }
    // ISM exists on managed domains only; Serverless retention is a Terraform-managed data lifecycle policy below.
    const ismPolicyId = service === "es" && retentionDays > 0 ? `${name}-retention`.toLowerCase() : "";
    // On a created domain the admin installs the ISM policy (adminSetup): the function never gets ISM rights.
    const functionInstallsIsm = ismPolicyId !== "" && domainProps === undefined;
    if (functionInstallsIsm) {
      Annotations.of(this).addWarning(
        `${name}: indexRetentionDays (${retentionDays}) on an existing domain installs ISM policy ${ismPolicyId}, ` +
          `which deletes every new index matching ${indexPrefix}-* ${retentionDays} days after creation; make sure ` +
          "no one else's indices match that pattern (set indexRetentionDays: 0 to manage retention yourself)",
      );
    }
    const indexPaths = (arn: string) => [`${arn}/_bulk`, `${arn}/${indexPrefix}-*`];
    const ismPath = (arn: string) => `${arn}/_plugins/_ism/policies/${ismPolicyId}`;

    const statements: PolicyStatement[] =
      service === "es"
        ? [
            {
              Sid: "WriteIndices",
              Effect: "Allow",
              Action: ["es:ESHttpPost", "es:ESHttpPut"],
              Resource: indexPaths(targetArn),
            },
            ...(functionInstallsIsm
              ? [
                  {
                    Sid: "InstallLifecyclePolicy",
                    Effect: "Allow" as const,
                    Action: ["es:ESHttpGet", "es:ESHttpPut"],
                    Resource: ismPath(targetArn),
                  },
                ]
              : []),
          ]
        : [{ Sid: "WriteCollection", Effect: "Allow", Action: "aoss:APIAccessAll", Resource: targetArn }];

    this.consumer = new KinesisConsumer(this, "consumer", {
      ...pick(consumerCommonShape, p),
      handler: "kinesis-to-opensearch",
      description: "Indexes log events into daily OpenSearch indices",
      vpcConfig: lambdaVpc
        ? { subnetIds: [...lambdaVpc.subnetIds], securityGroupIds: [...lambdaVpc.securityGroupIds] }
        : undefined,
      environment: toOpenSearchEnv.write({
        endpoint,
        service,
        indexPrefix,
        documentIds,
        maxBulkDocs,
        maxBulkBytes,
        maxAttempts,
        ...(functionInstallsIsm ? { ismPolicyId, ismDeleteAfterDays: retentionDays } : {}),
      }),
      statements,
    });

    let adminSetup: string | undefined;
    if (domainProps) {
      this.domain = this.createDomain(domainProps, this.consumer.outputs.roleArn, indexPrefix, name);
      adminSetup = Fn.jsonencode(
        adminSetupRequests({
          writerRole: `${name}-writer`.toLowerCase(),
          functionRoleArn: this.consumer.outputs.roleArn,
          indexPrefix,
          ismPolicyId,
          retentionDays,
        }),
      );
    }

    if (service === "aoss" && collectionName !== undefined) {
      const indices = `index/${collectionName}/${indexPrefix}-*`;
      new OpensearchserverlessAccessPolicy(this, "data-access", {
        name: `${name}`.toLowerCase().slice(0, 32),
        type: "data",
        description: `kinesis-to-opensearch ${name}: write ${indexPrefix}-* indices`,
        policy: Fn.jsonencode([
          {
            Rules: [
              {
                ResourceType: "index",
                Resource: [indices],
                Permission: ["aoss:CreateIndex", "aoss:UpdateIndex", "aoss:DescribeIndex", "aoss:WriteDocument"],
              },
            ],
            Principal: [this.consumer.outputs.roleArn],
          },
        ]),
      });
      if (retentionDays > 0) {
        new OpensearchserverlessLifecyclePolicy(this, "retention", {
          name: `${name}`.toLowerCase().slice(0, 32),
          type: "retention",
          description: `delete ${indexPrefix}-* documents after ${retentionDays} days`,
          policy: Fn.jsonencode({
            Rules: [{ ResourceType: "index", Resource: [indices], MinIndexRetention: `${retentionDays}d` }],
          }),
        });
      }
    }

    this.outputs = {
      ...this.consumer.outputs,
      endpoint,
      targetArn,
      domainName: this.domain?.domainName,
      ismPolicyId,
      indexPrefix,
      adminSetup,
    };
  }

  private createDomain(d: ParsedDomain, roleArn: string, indexPrefix: string, name: string): OpensearchDomain {
    const { domainName, engineVersion, instanceType, instanceCount, volumeSizeGiB: volumeSize, kmsKeyArn } = d;
    const { masterUserArn, tlsSecurityPolicy, vpc, logRetentionDays } = d;
    const zones = zonesOf(d);
    const scope = arnScope(this);
    // The domain's own ARN, spelled out: referencing the domain's `arn` from its access policy would be a cycle.
    const domainArn = arns.openSearchDomain(scope, domainName);

    // Audit, slow and error logs, and the resource policy that lets OpenSearch write them (only for this domain).
    const logTypes = {
      AUDIT_LOGS: "audit-logs",
      SEARCH_SLOW_LOGS: "search-slow-logs",
      INDEX_SLOW_LOGS: "index-slow-logs",
      ES_APPLICATION_LOGS: "error-logs",
    } as const;
    const groups = Object.entries(logTypes).map(
      ([type, suffix]) =>
        [
          type,
          new CloudwatchLogGroup(this, `log-${suffix}`, {
            name: `/aws/opensearch/${domainName}/${suffix}`,
            retentionInDays: logRetentionDays,
          }),
        ] as const,
    );
    const logPolicy = new CloudwatchLogResourcePolicy(this, "log-policy", {
      policyName: `${name}-opensearch-logs`,
      policyDocument: Fn.jsonencode({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "OpenSearchPublishesDomainLogs",
            Effect: "Allow",
            Principal: { Service: "es.amazonaws.com" },
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: groups.map(([, g]) => `${g.arn}:*`),
            Condition: {
              StringEquals: { "aws:SourceAccount": scope.account },
              ArnLike: { "aws:SourceArn": domainArn },
            },
          },
        ],
      }),
    });

    return new OpensearchDomain(this, "domain", {
      domainName,
      engineVersion,
      clusterConfig: {
        instanceType,
        instanceCount,
        zoneAwarenessEnabled: zones > 1,
        zoneAwarenessConfig: zones > 1 ? { availabilityZoneCount: zones } : undefined,
      },
      ebsOptions: { ebsEnabled: true, volumeType: "gp3", volumeSize },
      encryptAtRest: { enabled: true, kmsKeyId: kmsKeyArn },
      nodeToNodeEncryption: { enabled: true },
      domainEndpointOptions: { enforceHttps: true, tlsSecurityPolicy },
      advancedSecurityOptions: {
        enabled: true,
        anonymousAuthEnabled: false,
        internalUserDatabaseEnabled: false,
        masterUserOptions: { masterUserArn },
      },
      vpcOptions: vpc ? { subnetIds: [...vpc.subnetIds], securityGroupIds: [...vpc.securityGroupIds] } : undefined,
      logPublishingOptions: groups.map(([logType, g]) => ({
        logType,
        cloudwatchLogGroupArn: g.arn,
        enabled: true,
      })),
      accessPolicies: Fn.jsonencode({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "FunctionWritesItsIndicesOnly",
            Effect: "Allow",
            Principal: { AWS: [roleArn] },
            Action: ["es:ESHttpPost", "es:ESHttpPut"],
            Resource: [`${domainArn}/_bulk`, `${domainArn}/${indexPrefix}-*`],
          },
          {
            Sid: "AdminAdministers",
            Effect: "Allow",
            Principal: { AWS: [masterUserArn] },
            Action: "es:ESHttp*",
            Resource: `${domainArn}/*`,
          },
        ],
      }),
      dependsOn: [logPolicy],
    });
  }
}

/** Index actions of the function's write-only role: index documents (alone or in `_bulk`) and create its indices. */
export const WRITER_INDEX_ACTIONS = [
  "indices:data/write/index",
  "indices:data/write/bulk*",
  "indices:admin/create",
  "indices:admin/mapping/put",
] as const;

/**
 * The data-plane requests the domain's admin makes once after `terraform apply` (the AWS provider has no resource for
 * the security plugin's roles or for ISM): a write-only role on `<prefix>-*` mapped to the function's IAM role, the
 * ISM policy (its `ism_template` covers exactly `<prefix>-*`), and an index template turning slow logs on.
 */
export function adminSetupRequests(o: {
  writerRole: string;
  functionRoleArn: string;
  indexPrefix: string;
  ismPolicyId: string;
  retentionDays: number;
}): { method: "PUT"; path: string; body: unknown }[] {
  const pattern = `${o.indexPrefix}-*`;
  return [
    {
      method: "PUT",
      path: `/_plugins/_security/api/roles/${o.writerRole}`,
      body: {
        description: `kinesis-to-opensearch: write ${pattern} only`,
        cluster_permissions: ["indices:data/write/bulk"],
        index_permissions: [{ index_patterns: [pattern], allowed_actions: [...WRITER_INDEX_ACTIONS] }],
      },
    },
    {
      method: "PUT",
      path: `/_plugins/_security/api/rolesmapping/${o.writerRole}`,
      body: { backend_roles: [o.functionRoleArn] },
    },
    ...(o.ismPolicyId
      ? [
          {
            method: "PUT" as const,
            path: `/_plugins/_ism/policies/${o.ismPolicyId}`,
            body: ismPolicyDocument({
              policyId: o.ismPolicyId,
              indexPatterns: [pattern],
              deleteAfterDays: o.retentionDays,
            }),
          },
        ]
      : []),
    {
      method: "PUT",
      path: `/_index_template/${o.writerRole}-slow-logs`,
      body: {
        index_patterns: [pattern],
        template: {
          settings: {
            "index.search.slowlog.threshold.query.warn": "5s",
            "index.search.slowlog.threshold.fetch.warn": "1s",
            "index.indexing.slowlog.threshold.index.warn": "5s",
          },
        },
      },
    },
  ];
}
