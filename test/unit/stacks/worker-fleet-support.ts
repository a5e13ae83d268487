// Helpers for the worker-fleet tests: one synth per test file, and synthesized IAM policies with every Terraform
// reference replaced by the concrete ARN it stands for (an unresolved `${...}` would read as a policy variable).
import { readPolicy } from "../../support/policy";
import type { TfJson } from "../../support/synth";

export const ACCOUNT = "123456789012";
export const REGION = "eu-west-1";

export type Policy = { Version: string; Statement: Array<Record<string, unknown>> };

function arnOf(type: string, attrs: Record<string, unknown>): string {
  const name = String(attrs.name ?? attrs.function_name ?? "");
  switch (type) {
    case "aws_cloudwatch_log_group":
      return `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${name}`;
    case "aws_sqs_queue":
      return `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`;
    case "aws_lambda_function":
      return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
    case "aws_sfn_state_machine":
      return `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name}`;
    case "aws_ssm_document":
      return `arn:aws:ssm:${REGION}:${ACCOUNT}:document/${name}`;
    case "aws_cloudwatch_event_rule":
      return `arn:aws:events:${REGION}:${ACCOUNT}:rule/${name}`;
    default:
      throw new Error(`no ARN rule for ${type}`);
  }
}

/** Replaces Terraform references of the stack with concrete values; throws on any it cannot resolve. */
export function resolveReferences(stack: TfJson, text: string): string {
  const resolved = text.replace(/\$\{([^}]+)\}/g, (whole, expr: string) => {
    if (expr === "data.aws_caller_identity.current.account_id") return ACCOUNT;
    const m = /^(aws_[a-z0-9_]+)\.([A-Za-z0-9_]+)\.(arn|id|name)$/.exec(expr);
    if (!m) throw new Error(`cannot resolve ${whole}`);
    const [, type, id, attr] = m;
    const attrs = stack.resource?.[type!]?.[id!];
    if (!attrs) throw new Error(`no resource ${type}.${id}`);
    if (attr === "arn") return arnOf(type!, attrs);
    return String(attrs.name);
  });
  if (resolved.includes("${")) throw new Error(`unresolved reference left in ${resolved}`);
  return resolved;
}

/** Reads a synthesized policy (test/support/policy.ts) with every reference resolved. */
export function parsePolicy(stack: TfJson, raw: string): Policy {
  return JSON.parse(resolveReferences(stack, JSON.stringify(readPolicy(raw)))) as Policy;
}

/** Every inline role policy of the stack, keyed by role name. */
export function rolePolicies(stack: TfJson): Record<string, Policy> {
  const out: Record<string, Policy> = {};
  for (const attrs of Object.values(stack.resource?.aws_iam_role_policy ?? {})) {
    const roleRef = /^\$\{aws_iam_role\.([A-Za-z0-9_]+)\.(id|name)\}$/.exec(String(attrs.role));
    if (!roleRef) throw new Error(`unexpected role reference ${String(attrs.role)}`);
    const roleName = String(stack.resource?.aws_iam_role?.[roleRef[1]!]?.name);
    out[roleName] = parsePolicy(stack, String(attrs.policy));
  }
  return out;
}
