// npm run iam-report: what each principal may do, for reviewers. For both stacks, from the synthesized Terraform JSON
// (configuration: APP_CONFIG, default config/example.ts): principal -> actions -> resources -> conditions, for every
// role (trust, inline and managed policies) and every resource policy; then the allowed and denied requests the IAM
// tests prove (test/support/iam-cases.ts), each decided again here with all the policies that apply.
import { loadConfig } from "../config/load";
import { decide, type IamModel, iamModel, managedPolicy, type Policy, type Statement } from "../test/support/iam";
import { type IamCase, LOG_ROUTING_CASES, logRoutingCaseConfig } from "../test/support/iam-cases";
import { WORKER_FLEET_CASES, workerFleetCaseConfig, workerFleetModel } from "../test/support/iam-cases-worker-fleet";
import { readPolicy } from "../test/support/policy";
import { synthApp, type TfJson } from "../test/support/synth";

const list = (v: unknown) => [v ?? []].flat().map(String);
// cdktf's construct hash suffix only makes the table harder to read.
const tidy = (s: string) => s.replace(/_[0-9A-F]{8}\./g, ".");

function principalsOf(s: Statement): string {
  if (s.Principal === undefined) return "";
  if (s.Principal === "*") return "*";
  return Object.entries(s.Principal as Record<string, unknown>)
    .map(([k, v]) => `${k}: ${list(v).join(", ")}`)
    .join("; ");
}

function conditionsOf(s: Statement): string {
  return Object.entries(s.Condition ?? {})
    .flatMap(([op, kv]) => Object.entries(kv).map(([k, v]) => `${op} ${k} = ${list(v).join(" | ")}`))
    .join("; ");
}

function statementLines(policy: Policy, indent: string, withPrincipal = false): string[] {
  return policy.Statement.map((s) => {
    const actions = s.Action !== undefined ? list(s.Action).join(", ") : `NOT ${list(s.NotAction).join(", ")}`;
    const resources =
      s.NotResource !== undefined
        ? `every resource EXCEPT ${list(s.NotResource).join(", ")}`
        : list(s.Resource).join(", ") || "(the resource)";
    const parts = [
      `${indent}${s.Effect === "Deny" ? "DENY " : ""}${actions}`,
      withPrincipal ? `by ${principalsOf(s)}` : "",
      `on ${resources}`,
      conditionsOf(s) ? `if ${conditionsOf(s)}` : "",
    ].filter(Boolean);
    return tidy(parts.join("  ->  "));
  });
}

/** The policy as data, or its text when it is not a policy document this reader knows. */
function policyOrText(raw: unknown): Policy | string {
  try {
    return readPolicy(String(raw));
  } catch {
    return String(raw);
  }
}

function stackReport(id: string, stack: TfJson, only?: (what: string) => boolean): string[] {
  const out = [`## ${id}`, "", "### Roles (principal -> actions -> resources -> conditions)", ""];
  const roles = stack.resource?.aws_iam_role ?? {};
  const inline = Object.values(stack.resource?.aws_iam_role_policy ?? {});
  const attachments = Object.values(stack.resource?.aws_iam_role_policy_attachment ?? {});
  for (const [rid, role] of Object.entries(roles)) {
    if (only && !only(String(role.name))) continue;
    const mine = (ref: unknown) => String(ref).startsWith(`\${aws_iam_role.${rid}.`);
    out.push(`- role ${String(role.name)}`);
    const trust = policyOrText(role.assume_role_policy);
    out.push("  - trust (who may assume it):");
    out.push(...(typeof trust === "string" ? [`      ${trust}`] : statementLines(trust, "      ", true)));
    for (const p of inline.filter((p) => mine(p.role))) {
      const policy = policyOrText(p.policy);
      out.push(`  - inline ${String(p.name)}:`);
      out.push(...(typeof policy === "string" ? [`      ${policy}`] : statementLines(policy, "      ")));
    }
    const managed = [
      ...list(role.managed_policy_arns),
      ...attachments.filter((a) => mine(a.role)).map((a) => String(a.policy_arn)),
    ];
    for (const arn of managed) {
      try {
        const m = managedPolicy(arn.replace(/\$\{data\.aws_partition\.[\w-]+\.partition\}/, "aws"));
        out.push(`  - managed ${m.arn} (version ${m.version}, vendored):`);
        out.push(...statementLines(m.policy, "      "));
      } catch {
        out.push(`  - managed ${tidy(arn)} (NOT vendored under test/fixtures/iam/managed: contents not shown)`);
      }
    }
  }
  out.push("", "### Resource policies (resource -> principal -> actions -> conditions)", "");
  const resourcePolicies: [string, unknown, unknown][] = [
    ...Object.values(stack.resource?.aws_s3_bucket_policy ?? {}).map((p): [string, unknown, unknown] => [
      `s3 bucket ${String(p.bucket)}`,
      p.policy,
      stack,
    ]),
    ...Object.values(stack.resource?.aws_sqs_queue_policy ?? {}).map((p): [string, unknown, unknown] => [
      `sqs queue ${String(p.queue_url)}`,
      p.policy,
      stack,
    ]),
    ...Object.values(stack.resource?.aws_sns_topic_policy ?? {}).map((p): [string, unknown, unknown] => [
      `sns topic ${String(p.arn)}`,
      p.policy,
      stack,
    ]),
    ...Object.entries(stack.resource?.aws_kms_key ?? {}).map(([k, p]): [string, unknown, unknown] => [
      `kms key ${k}`,
      p.policy,
      stack,
    ]),
    ...Object.values(stack.resource?.aws_opensearch_domain ?? {}).map((p): [string, unknown, unknown] => [
      `opensearch domain ${String(p.domain_name)}`,
      p.access_policies,
      stack,
    ]),
    ...Object.values(stack.resource?.aws_lambda_permission ?? {}).map((p): [string, unknown, unknown] => [
      `lambda function ${String(p.function_name)} (permission ${String(p.statement_id)})`,
      JSON.stringify({
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: String(p.principal) },
            Action: String(p.action),
            Resource: "(the function)",
            ...(p.source_arn ? { Condition: { ArnLike: { "aws:SourceArn": String(p.source_arn) } } } : {}),
          },
        ],
      }),
      stack,
    ]),
    ...Object.values(stack.resource?.aws_cloudwatch_log_resource_policy ?? {}).map((p): [string, unknown, unknown] => [
      `logs resource policy ${String(p.policy_name)}`,
      p.policy_document,
      stack,
    ]),
  ];
  for (const [what, raw] of resourcePolicies) {
    if (raw === undefined || (only && !only(what))) continue;
    out.push(tidy(`- ${what}`));
    const policy = policyOrText(raw);
    out.push(...(typeof policy === "string" ? [`    ${policy}`] : statementLines(policy, "    ", true)));
  }
  return out;
}

async function main(): Promise<void> {
  const { stacks } = synthApp(loadConfig());
  const lines: string[] = ["# IAM report", "", `Configuration: ${process.env.APP_CONFIG ?? "config/example.ts"}`, ""];
  for (const id of ["log-routing", "worker-fleet"]) {
    if (stacks[id]) lines.push(...stackReport(id, stacks[id]), "");
  }

  const caseStack = synthApp(logRoutingCaseConfig()).stacks["log-routing"]!;
  lines.push(
    ...stackReport(
      "log-routing: the created domain (case configuration: the example plus a domain)",
      caseStack,
      (what) => /to-os-own|opensearch domain|logs resource policy/.test(what),
    ),
    "",
  );
  let failures = 0;
  const proven = async (title: string, model: IamModel, cases: IamCase[], config: string, test: string) => {
    lines.push(
      `## Proven requests (${title})`,
      "",
      "Decided with every policy that applies (identity: inline + managed; the resource's policy; trust for",
      `sts:AssumeRole), on ${config}, account 123456789012, eu-west-1.`,
      `The same list is asserted by ${test}.`,
      "",
    );
    let failed = 0;
    for (const c of cases) {
      const got = await decide(model, c);
      const ok = got === c.expected;
      if (!ok) failed++;
      const ctx = c.context
        ? ` [${Object.entries(c.context)
            .map(([k, v]) => `${k}=${list(v).join("|")}`)
            .join(", ")}]`
        : "";
      lines.push(
        `${ok ? "ok  " : "FAIL"} ${got.padEnd(16)} ${c.principal}  ${c.action}  ${c.resource}${ctx}  (${c.why}${ok ? "" : `; expected ${c.expected}`})`,
      );
    }
    lines.push("", `${cases.length - failed}/${cases.length} cases as expected`, "");
    failures += failed;
  };
  await proven(
    "log-routing",
    iamModel(caseStack),
    LOG_ROUTING_CASES,
    "the case configuration",
    "test/unit/stacks/log-routing-iam.test.ts",
  );
  const workerStack = synthApp(workerFleetCaseConfig()).stacks["worker-fleet"]!;
  await proven(
    "worker-fleet",
    workerFleetModel(workerStack),
    WORKER_FLEET_CASES,
    "the example configuration with the leader token under its own KMS key (default key policy)",
    "test/unit/stacks/worker-fleet-iam.test.ts",
  );
  console.log(lines.join("\n"));
  if (failures > 0) process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
