/**
 * kinesis-to-opensearch: a Lambda reading a stream and indexing log events into daily indices
 * `<indexPrefix>-<log_type>-<YYYYMMDD>` with SigV4-signed `_bulk` requests and idempotent `_id`s, into either
 *
 * - a domain it creates (`domain`): encryption at rest, node-to-node encryption, HTTPS only with TLS 1.2+,
 *   fine-grained access control with an IAM master user (no passwords anywhere), optionally in a VPC; or
 * - an existing endpoint (`existing`): a managed domain (`es`) or an OpenSearch Serverless collection (`aoss`).
 *
 * IAM: `es:ESHttpPost`/`es:ESHttpPut` (and `es:ESHttpGet` for the lifecycle policy check) on exactly `<domain ARN>/*`,
 * or `aoss:APIAccessAll` on exactly the collection. Index retention replaces the original's separate index cleaner:
 * on a domain, the function installs an ISM policy (delete `<indexPrefix>-*` N days after creation) at cold start
 * (handlers/kinesis-to-opensearch/ism.ts); on a collection, the module creates a data lifecycle policy.
 * Built on KinesisConsumer; handler: handlers/kinesis-to-opensearch.
 */
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { OpensearchDomain } from "@cdktf/provider-aws/lib/opensearch-domain";
import { OpensearchserverlessAccessPolicy } from "@cdktf/provider-aws/lib/opensearchserverless-access-policy";
import { OpensearchserverlessLifecyclePolicy } from "@cdktf/provider-aws/lib/opensearchserverless-lifecycle-policy";
import { Fn, Lazy } from "cdktf";
import { Construct } from "constructs";
import { TO_OPENSEARCH_ENV } from "../../handlers/kinesis-to-opensearch/env";
import type { PolicyStatement } from "../common/node-function";
import {
  boolOrDefault,
  ConfigError,
  intOrDefault,
  oneOf,
  optionalString,
  patterns,
  requireString,
} from "../common/validate";
import { type VpcPlacement, validateVpc } from "../common/vpc";
import { KinesisConsumer, type KinesisConsumerCommonProps, type KinesisConsumerOutputs } from "../kinesis-consumer";

export const TLS_SECURITY_POLICIES = ["Policy-Min-TLS-1-2-2019-07", "Policy-Min-TLS-1-2-PFS-2023-10"] as const;

/** A domain the module creates, secure by default. */
export interface OpenSearchDomainProps {
  /** 3 to 28 of [a-z0-9-], starting with a letter. */
  readonly domainName: string;
  /** @default "OpenSearch_2.19" */
  readonly engineVersion?: string;
  /** @default "r6g.large.search" */
  readonly instanceType?: string;
  /** Data nodes; spread over 2 zones (3 with three VPC subnets) when more than one. @default 2 */
  readonly instanceCount?: number;
  /** gp3 volume per data node. @default 100 */
  readonly volumeSizeGiB?: number;
  /** CMK for encryption at rest. @default the AWS managed key */
  readonly kmsKeyArn?: string;
  /**
   * IAM principal that is the fine-grained access control master user. @default the function's role (it can then
   * write and install its lifecycle policy without any role mapping; set an admin role and map the function's role
   * to a writer role in OpenSearch Dashboards instead when people administer the domain).
   */
  readonly masterUserArn?: string;
  /** Both enforce TLS 1.2 or later. @default "Policy-Min-TLS-1-2-2019-07" */
  readonly tlsSecurityPolicy?: (typeof TLS_SECURITY_POLICIES)[number];
  /** Place the domain in a VPC. @default public endpoint (still IAM-signed and HTTPS only) */
  readonly vpc?: VpcPlacement;
}

/** An endpoint that already exists. */
export interface ExistingOpenSearch {
  /** `https://…` domain or collection endpoint. */
  readonly endpoint: string;
  /** `es` for a managed domain, `aoss` for a Serverless collection. @default "es" */
  readonly service?: "es" | "aoss";
  /** Domain ARN (`arn:aws:es:…:domain/<name>`) or collection ARN (`arn:aws:aoss:…:collection/<id>`). */
  readonly arn: string;
  /**
   * Serverless only: the collection NAME, to create the data access policy for the function's role and the
   * retention (data lifecycle) policy. @default none (you grant access and retention yourself)
   */
  readonly collectionName?: string;
}

export interface KinesisToOpenSearchProps extends KinesisConsumerCommonProps {
  /** Create a domain. Exactly one of `domain` and `existing`. */
  readonly domain?: OpenSearchDomainProps;
  /** Use an existing domain or collection. */
  readonly existing?: ExistingOpenSearch;
  /** Index names are `<indexPrefix>-<log_type>-<YYYYMMDD>`. @default "logs" */
  readonly indexPrefix?: string;
  /** Delete indices this many days after creation (ISM or data lifecycle policy); 0 keeps them. @default 30 */
  readonly indexRetentionDays?: number;
  /** Send `_id`s (idempotent retries); off only for Serverless time-series collections. @default true */
  readonly documentIds?: boolean;
  /** @default 500 */
  readonly maxBulkDocs?: number;
  /** @default 5242880 (5 MiB) */
  readonly maxBulkBytes?: number;
  /** Attempts per document (whole-request and per-item retries share it), 1 to 20. @default 5 */
  readonly maxAttempts?: number;
  /** Run the function in a VPC (required to reach a VPC domain). @default the domain's VPC placement, else none */
  readonly vpc?: VpcPlacement;
}

export interface KinesisToOpenSearchOutputs extends KinesisConsumerOutputs {
  /** `https://…` endpoint the function writes to. */
  readonly endpoint: string;
  /** Domain or collection ARN. */
  readonly targetArn: string;
  readonly domainName: string | undefined;
  /** ISM policy id the function installs ("" when none). */
  readonly ismPolicyId: string;
}

const INDEX_PREFIX = {
  pattern: /^[a-z0-9][a-z0-9_.+-]{0,99}$/,
  hint: "1 to 100 of [a-z0-9_.+-], starting with a letter or digit",
};

export class KinesisToOpenSearch extends Construct {
  readonly consumer: KinesisConsumer;
  readonly domain: OpensearchDomain | undefined;
  readonly outputs: KinesisToOpenSearchOutputs;

  constructor(scope: Construct, id: string, props: KinesisToOpenSearchProps) {
    super(scope, id);
    if ((props.domain === undefined) === (props.existing === undefined)) {
      throw new ConfigError("domain", "set exactly one of domain (create a domain) and existing (use an endpoint)");
    }
    const name = requireString("name", props.name);
    const indexPrefix = optionalString("indexPrefix", props.indexPrefix, INDEX_PREFIX) ?? "logs";
    const retentionDays = intOrDefault("indexRetentionDays", props.indexRetentionDays, 30, 0, 36500);
    const documentIds = boolOrDefault("documentIds", props.documentIds, true);
    const maxBulkDocs = intOrDefault("maxBulkDocs", props.maxBulkDocs, 500, 1, 10_000);
    const maxBulkBytes = intOrDefault("maxBulkBytes", props.maxBulkBytes, 5 * 1024 * 1024, 1024, 100 * 1024 * 1024);
    const maxAttempts = intOrDefault("maxAttempts", props.maxAttempts, 5, 1, 20);
    const lambdaVpc =
      validateVpc("vpc", props.vpc) ?? (props.domain ? validateVpc("domain.vpc", props.domain.vpc) : undefined);

    let endpoint: string;
    let targetArn: string;
    let service: "es" | "aoss";
    let collectionName: string | undefined;
    const domainProps = props.domain ? this.validateDomain(props.domain) : undefined;
    if (domainProps) {
      // The function (its role) must exist before the domain names it as master user, and the domain's endpoint goes
      // into the function's environment: resolved lazily, after the domain is created below.
      endpoint = Lazy.stringValue({ produce: () => `https://${this.domain!.endpoint}` });
      targetArn = Lazy.stringValue({ produce: () => this.domain!.arn });
      service = "es";
    } else {
      const e = props.existing!;
      endpoint = requireString("existing.endpoint", e.endpoint, {
        pattern: /^https:\/\/[A-Za-z0-9.-]+(:\d+)?\/?$/,
        hint: "https://<host> (no path)",
      }).replace(/\/$/, "");
      service = oneOf("existing.service", e.service ?? "es", ["es", "aoss"] as const);
      targetArn = requireString("existing.arn", e.arn, {
        pattern:
          service === "es"
            ? /^arn:aws[a-z-]*:es:[a-z0-9-]+:\d{12}:domain\/[a-z][a-z0-9-]{2,27}$/
            : /^arn:aws[a-z-]*:aoss:[a-z0-9-]+:\d{12}:collection\/[a-z0-9]+$/,
        hint:
          service === "es"
            ? "a domain ARN (arn:aws:es:<region>:<account>:domain/<name>)"
            : "a collection ARN (arn:aws:aoss:<region>:<account>:collection/<id>)",
      });
      collectionName = optionalString("existing.collectionName", e.collectionName, {
        pattern: /^[a-z][a-z0-9-]{2,31}$/,
        hint: "a collection name (3 to 32 of [a-z0-9-])",
      });
      if (collectionName !== undefined && service !== "aoss") {
        throw new ConfigError("existing.collectionName", "applies only when existing.service is aoss");
      }
    }
    // ISM exists on managed domains only; Serverless retention is a Terraform-managed data lifecycle policy below.
    const ismPolicyId = service === "es" && retentionDays > 0 ? `${name}-retention`.toLowerCase() : "";

    const statements: PolicyStatement[] =
      service === "es"
        ? [
            {
              Sid: "WriteIndices",
              Effect: "Allow",
              Action: ["es:ESHttpPost", "es:ESHttpPut", ...(ismPolicyId ? ["es:ESHttpGet"] : [])],
              Resource: `${targetArn}/*`,
            },
          ]
        : [{ Sid: "WriteCollection", Effect: "Allow", Action: "aoss:APIAccessAll", Resource: targetArn }];

    this.consumer = new KinesisConsumer(this, "consumer", {
      ...props,
      handler: "kinesis-to-opensearch",
      description: "Indexes log events into daily OpenSearch indices",
      vpcConfig: lambdaVpc
        ? { subnetIds: [...lambdaVpc.subnetIds], securityGroupIds: [...lambdaVpc.securityGroupIds] }
        : undefined,
      environment: {
        [TO_OPENSEARCH_ENV.endpoint]: endpoint,
        [TO_OPENSEARCH_ENV.service]: service,
        [TO_OPENSEARCH_ENV.indexPrefix]: indexPrefix,
        [TO_OPENSEARCH_ENV.documentIds]: String(documentIds),
        [TO_OPENSEARCH_ENV.maxBulkDocs]: String(maxBulkDocs),
        [TO_OPENSEARCH_ENV.maxBulkBytes]: String(maxBulkBytes),
        [TO_OPENSEARCH_ENV.maxAttempts]: String(maxAttempts),
        ...(ismPolicyId
          ? {
              [TO_OPENSEARCH_ENV.ismPolicyId]: ismPolicyId,
              [TO_OPENSEARCH_ENV.ismDeleteAfterDays]: String(retentionDays),
            }
          : {}),
      },
      statements,
    });

    if (domainProps) this.domain = this.createDomain(domainProps, this.consumer.outputs.roleArn);

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
    };
  }

  private validateDomain(d: OpenSearchDomainProps) {
    if (typeof d !== "object" || d === null) throw new ConfigError("domain", "must be an object with domainName");
    const domainName = requireString("domain.domainName", d.domainName, {
      pattern: /^[a-z][a-z0-9-]{2,27}$/,
      hint: "3 to 28 of [a-z0-9-], starting with a letter",
    });
    const engineVersion = requireString("domain.engineVersion", d.engineVersion ?? "OpenSearch_2.19", {
      pattern: /^(OpenSearch_\d+\.\d+|Elasticsearch_7\.10)$/,
      hint: "OpenSearch_<major>.<minor>",
    });
    const instanceType = requireString("domain.instanceType", d.instanceType ?? "r6g.large.search", {
      pattern: /^[a-z0-9]+\.[a-z0-9]+\.search$/,
      hint: "an OpenSearch instance type such as r6g.large.search",
    });
    const instanceCount = intOrDefault("domain.instanceCount", d.instanceCount, 2, 1, 80);
    const volumeSize = intOrDefault("domain.volumeSizeGiB", d.volumeSizeGiB, 100, 10, 16384);
    const kmsKeyArn = optionalString("domain.kmsKeyArn", d.kmsKeyArn, patterns.arn);
    const masterUserArn = optionalString("domain.masterUserArn", d.masterUserArn, {
      pattern: /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/.+$/,
      hint: "an IAM role or user ARN",
    });
    const tlsSecurityPolicy = oneOf(
      "domain.tlsSecurityPolicy",
      d.tlsSecurityPolicy ?? "Policy-Min-TLS-1-2-2019-07",
      TLS_SECURITY_POLICIES,
    );
    const vpc = validateVpc("domain.vpc", d.vpc);
    const zones = instanceCount === 1 ? 1 : vpc ? Math.min(vpc.subnetIds.length, 3) : 2;
    if (instanceCount > 1 && zones > 1 && instanceCount % zones !== 0) {
      throw new ConfigError(
        "domain.instanceCount",
        `must be a multiple of the ${zones} availability zones; got ${instanceCount}`,
      );
    }
    if (vpc && instanceCount === 1 && vpc.subnetIds.length > 1) {
      throw new ConfigError("domain.vpc.subnetIds", "a single-node domain takes exactly one subnet");
    }

    return {
      domainName,
      engineVersion,
      instanceType,
      instanceCount,
      volumeSize,
      kmsKeyArn,
      masterUserArn,
      tlsSecurityPolicy,
      vpc,
      zones,
    };
  }

  private createDomain(d: ReturnType<KinesisToOpenSearch["validateDomain"]>, roleArn: string): OpensearchDomain {
    const { domainName, engineVersion, instanceType, instanceCount, volumeSize, kmsKeyArn, masterUserArn } = d;
    const { tlsSecurityPolicy, vpc, zones } = d;
    const partition = new DataAwsPartition(this, "partition");
    const region = new DataAwsRegion(this, "region");
    const account = new DataAwsCallerIdentity(this, "account");
    // The domain's own ARN, spelled out: referencing the domain's `arn` from its access policy would be a cycle.
    const domainArn = `arn:${partition.partition}:es:${region.name}:${account.accountId}:domain/${domainName}`;
    const principals = masterUserArn ? [roleArn, masterUserArn] : [roleArn];

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
        masterUserOptions: { masterUserArn: masterUserArn ?? roleArn },
      },
      vpcOptions: vpc ? { subnetIds: [...vpc.subnetIds], securityGroupIds: [...vpc.securityGroupIds] } : undefined,
      accessPolicies: Fn.jsonencode({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "SignedRequestsFromKnownPrincipals",
            Effect: "Allow",
            Principal: { AWS: principals },
            Action: "es:ESHttp*",
            Resource: `${domainArn}/*`,
          },
        ],
      }),
    });
  }
}
