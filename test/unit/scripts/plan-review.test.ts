// The plan-review renderer on small hand-written plans (test/fixtures/plan-review/*.plan.json), its command line,
// and the workflow that runs it, checked by GitHub's own workflow parser.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  code,
  diffAttributes,
  diffDefinitions,
  diffPolicies,
  lineDiff,
  marker,
  renderPlan,
  stackNameFor,
  summarize,
  type TerraformPlan,
} from "../../../scripts/plan-review-core";

const ROOT = path.join(__dirname, "..", "..", "..");
const FIXTURES = path.join(ROOT, "test", "fixtures", "plan-review");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");
const load = (name: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES, name), "utf8")) as TerraformPlan;
/** A GitHub Actions expression, `${{ <expr> }}`. */
const expression = (expr: string) => ["$", `{{ ${expr} }}`].join("");
const policy = (...Statement: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement });

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(TSX, args, { cwd: ROOT }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe("summary", () => {
  it("counts adds, changes, destroys and replacements of managed resources only", () => {
    // Act / Assess
    expect(summarize(load("mixed.plan.json"))).toEqual({ add: 2, change: 6, destroy: 1, replace: 1 });
  });

  it("says so when nothing changes", () => {
    // Act
    const md = renderPlan(load("no-changes.plan.json"), { stack: "log-routing" });
    // Assess
    expect(md).toBe("<!-- plan-review:log-routing -->\n## Plan for `log-routing`\n\n**Plan:** No changes.\n");
  });
});

describe("the rendered comment", () => {
  const md = renderPlan(load("mixed.plan.json"), { stack: "worker-fleet" });
  const summaryPart = md.slice(0, md.indexOf("<details><summary>Full plan"));

  it("starts with the stack's hidden marker and a summary line flagged when something is destroyed", () => {
    // Act / Assess
    expect(md.startsWith(`${marker("worker-fleet")}\n## Plan for \`worker-fleet\`\n`)).toBe(true);
    expect(md).toContain("**Plan:** 2 to add, 6 to change, 1 to destroy, 1 to replace. ⚠️");
  });

  it("lists destroys and replacements first, flagged, with the attribute that forces the replacement", () => {
    const flagged = md.indexOf("### ⚠️ Destroyed or replaced (2)");
    const destroy = md.indexOf("#### ⚠️ 🗑️ **destroy** `aws_ssm_document.gone`");
    const replace = md.indexOf("#### ⚠️ ♻️ **replace** `aws_sqs_queue.dlq`");
    const changes = md.indexOf("### Changes (");
    expect([flagged, destroy, replace, changes].every((i) => i > 0)).toBe(true);
    expect(flagged < destroy && destroy < replace && replace < changes).toBe(true);
    expect(md).toContain("Because the resource is no longer in the configuration.");
    expect(md).toContain("Replaced because `name` cannot change in place.");
    expect(md).toContain('| `name` ⚠️ forces replacement | `"old-dlq"` | `"new-dlq"` |');
  });

  it("shows changed attributes, and values known only after apply as such", () => {
    // Assess
    expect(md).toContain("| `retention_in_days` | `30` | `90` |");
    expect(md).toContain('| `tags.team` | _null_ | `"sre"` |');
    expect(md).toContain('| `tags_all` | `{"owner":"platform"}` | _(known after apply)_ |');
    expect(md).toContain('| `arn` | `"arn:aws:sqs:eu-west-1:123456789012:old-dlq"` | _(known after apply)_ |');
    expect(md).not.toMatch(/\| `(name|message_retention_seconds)` \| `1209600`/);
  });

  it("never shows a sensitive value", () => {
    // Assess
    expect(md).toContain("| `value` | _(sensitive value)_ | _(sensitive value)_ |");
    expect(md).not.toMatch(/value = "[ab]"/);
  });

  it("shows IAM changes per statement instead of a jsonencode blob", () => {
    // Assess
    expect(summaryPart).toContain(
      "  - statement `ReadCommandResults` (Allow)\n    - Actions added: `ssm:ListCommandInvocations`",
    );
    expect(summaryPart).toContain("    - Resources added: `arn:aws:ssm:eu-west-1:123456789012:document/stop`");
    expect(summaryPart).toContain('    - Condition: _none_ → `{"StringEquals":{"aws:ResourceTag/group":"workers"}}`');
    expect(summaryPart).toContain("  - statement `Old` (Allow) **removed**\n    - Actions removed: `s3:GetObject`");
    expect(summaryPart).toContain("  - ⛔ statement `DenyDelete` (Deny) **added**");
    expect(summaryPart).toContain("    - Principals added: `Service:events.amazonaws.com`");
    expect(summaryPart).not.toContain("jsonencode");
    expect(summaryPart).not.toContain('\\"Statement\\"');
  });

  it("shows the state machine's states added, removed and changed by name, with the fields that changed", () => {
    // Assess
    expect(summaryPart).toContain("  - states added: `Check` (Choice)");
    expect(summaryPart).toContain("  - states removed: `Old` (Pass)");
    expect(summaryPart).toContain("    - `A`: `Parameters`, `TimeoutSeconds`");
    expect(summaryPart).toContain("      - `TimeoutSeconds`: `30` → `60`");
    expect(summaryPart).toContain('    - `B`: `Next`\n      - `Next`: `"Done"` → `"Check"`');
  });

  it("says when a document is known only after apply", () => {
    // Act
    const other = summaryPart.slice(summaryPart.indexOf("`aws_sfn_state_machine.other`"));
    // Assess
    expect(other).toMatch(/^[^#]*the new document is \(known after apply\)/);
  });

  it("renders new policies statement by statement too", () => {
    // Act
    const created = summaryPart.slice(summaryPart.indexOf("**create** `aws_sqs_queue_policy.dlq`"));
    // Assess
    expect(created).toMatch(
      /^[^#]*statement `EventsSend` \(Allow\) \*\*added\*\*\n {4}- Actions added: `sqs:SendMessage`/,
    );
  });

  it("folds the full plan, as a diff with the JSON documents pretty-printed", () => {
    // Act
    const full = md.slice(md.indexOf("<details><summary>Full plan (11 resources)</summary>"));
    // Assess
    expect(full).toContain("```diff\n# aws_ssm_document.gone will be destroyed\n");
    expect(full).toContain('# aws_sqs_queue.dlq must be replaced\n-/+ resource "aws_sqs_queue" "dlq" {');
    expect(full).toContain('-   name = "old-dlq" # forces replacement\n+   name = "new-dlq" # forces replacement');
    expect(full).toContain('+               "ssm:ListCommandInvocations"');
    expect(full).toContain("# data.aws_caller_identity.current will be read during apply\n<= data");
    expect(full.trimEnd().endsWith("```\n\n</details>")).toBe(true);
  });

  it("fits a GitHub comment by cutting the full plan, never the summary", () => {
    // Act
    const small = renderPlan(load("mixed.plan.json"), { stack: "worker-fleet", maxLength: summaryPart.length + 1200 });
    // Assess
    expect(small.length).toBeLessThanOrEqual(summaryPart.length + 1200);
    expect(small.startsWith(summaryPart)).toBe(true);
    expect(small).toContain("… (cut to fit one comment:");
    expect(small.trimEnd().endsWith("</details>")).toBe(true);
  });
});

describe("a destroyed policy", () => {
  it("lists the permissions that go away", () => {
    // Act
    const md = renderPlan(
      {
        format_version: "1.2",
        resource_changes: [
          {
            address: "aws_iam_role_policy.old",
            mode: "managed",
            type: "aws_iam_role_policy",
            name: "old",
            change: {
              actions: ["delete"],
              before: {
                name: "p",
                policy: policy({ Sid: "Send", Effect: "Allow", Action: "sqs:SendMessage", Resource: "*" }),
              },
              after: null,
              after_unknown: {},
            },
          },
        ],
      },
      { stack: "s" },
    );
    // Assess
    expect(md).toContain(
      "#### ⚠️ 🗑️ **destroy** `aws_iam_role_policy.old`\n\nPolicy `policy`:\n  - statement `Send` (Allow) **removed**\n    - Actions removed: `sqs:SendMessage`",
    );
    expect(md).not.toContain("| attribute |");
  });
});

describe("attribute diffs", () => {
  it("reports a subtree unknown after apply once, at its root", () => {
    // Act
    const changes = diffAttributes({
      actions: ["update"],
      before: { tags_all: { a: "1", b: "2" }, name: "x" },
      after: { name: "x" },
      after_unknown: { tags_all: true },
    });
    // Assess
    expect(changes).toEqual([
      {
        path: ["tags_all"],
        before: { a: "1", b: "2" },
        after: undefined,
        unknown: true,
        sensitive: false,
        forcesReplacement: false,
      },
    ]);
  });

  it("treats null, missing and empty collections as equal", () => {
    // Act
    const changes = diffAttributes({
      actions: ["update"],
      before: { tags: null, list: [], nested: { m: {} } },
      after: { tags: {}, nested: {} },
      after_unknown: {},
    });
    // Assess
    expect(changes).toEqual([]);
  });
});

describe("policy diffs", () => {
  it("matches statements without a Sid by their resources, then by their actions", () => {
    // Act
    const diff = diffPolicies(
      policy(
        { Effect: "Allow", Action: ["s3:GetObject"], Resource: "arn:aws:s3:::b/*" },
        { Effect: "Allow", Action: "kinesis:PutRecords", Resource: "arn:aws:kinesis:eu-west-1:1:stream/a" },
      ),
      policy(
        { Effect: "Allow", Action: "kinesis:PutRecords", Resource: ["arn:aws:kinesis:eu-west-1:1:stream/b"] },
        { Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: "arn:aws:s3:::b/*" },
      ),
    );
    // Assess
    expect(diff).toEqual([
      {
        label: "Allow kinesis:PutRecords",
        status: "changed",
        effect: "Allow",
        elements: [
          {
            element: "Resource",
            added: ["arn:aws:kinesis:eu-west-1:1:stream/b"],
            removed: ["arn:aws:kinesis:eu-west-1:1:stream/a"],
          },
        ],
      },
      {
        label: "Allow s3:GetObject, s3:PutObject",
        status: "changed",
        effect: "Allow",
        elements: [{ element: "Action", added: ["s3:PutObject"], removed: [] }],
      },
    ]);
  });

  it("finds no change when only the order or the formatting differs", () => {
    // Prepare
    const a = policy({ Sid: "A", Effect: "Allow", Action: ["b", "a"], Resource: "*" });
    const b = JSON.stringify(
      JSON.parse(policy({ Sid: "A", Effect: "Allow", Action: ["a", "b"], Resource: ["*"] })),
      null,
      2,
    );
    // Act / Assess
    expect(diffPolicies(a, b)).toEqual([]);
  });

  it("accepts a single Statement object and a policy that did not exist before", () => {
    // Act
    const diff = diffPolicies(
      null,
      JSON.stringify({ Statement: { Effect: "Deny", NotAction: "iam:*", Resource: "*" } }),
    );
    // Assess
    expect(diff.map((d) => [d.status, d.effect, d.elements.map((e) => e.element)])).toEqual([
      ["added", "Deny", ["NotAction", "Resource"]],
    ]);
  });
});

describe("state machine diffs", () => {
  it("names states nested in Map and Parallel states by their path", () => {
    // Act
    const def = (inner: Record<string, unknown>) =>
      JSON.stringify({
        StartAt: "Each",
        States: {
          Each: {
            Type: "Map",
            ItemProcessor: { ProcessorConfig: { Mode: "INLINE" }, StartAt: "Work", States: inner },
            End: true,
          },
        },
      });
    const diff = diffDefinitions(
      def({ Work: { Type: "Pass", End: true } }),
      def({ Work: { Type: "Pass", Next: "More" }, More: { Type: "Succeed" } }),
    );
    // Assess
    expect(diff.states.map((s) => [s.status, s.name, s.fields.map((f) => f.field)])).toEqual([
      ["changed", "Each › Work", ["End", "Next"]],
      ["added", "Each › More", []],
    ]);
    expect(diff.stateCount).toEqual({ before: 2, after: 3 });
  });

  it("reports changes to the definition's own fields", () => {
    // Act
    const diff = diffDefinitions(
      JSON.stringify({ StartAt: "A", States: { A: { Type: "Succeed" } } }),
      JSON.stringify({ StartAt: "A", TimeoutSeconds: 60, States: { A: { Type: "Succeed" } } }),
    );
    // Assess
    expect(diff.top).toEqual([{ path: "TimeoutSeconds", before: undefined, after: 60 }]);
    expect(diff.states).toEqual([]);
  });
});

describe("helpers", () => {
  it("keeps backticks and pipes inside code spans readable in a table", () => {
    // Act / Assess
    expect(code("a|b")).toBe("`a\\|b`");
    expect(code("x `y` z")).toBe("``x `y` z``");
    expect(code("`edge")).toBe("`` `edge ``");
  });

  it("diffs lines with common head and tail", () => {
    // Act / Assess
    expect(lineDiff(["a", "b", "c"], ["a", "x", "c", "d"])).toEqual(["  a", "- b", "+ x", "  c", "+ d"]);
  });

  it("names a stack after its plan file", () => {
    // Act / Assess
    expect(stackNameFor("plans/worker-fleet.json")).toBe("worker-fleet");
    expect(stackNameFor("cdktf.out/stacks/log-routing/plan.json")).toBe("log-routing");
    expect(stackNameFor("log-routing.tfplan.json")).toBe("log-routing");
  });
});

describe("npm run plan:review", () => {
  it("writes one markdown file per stack with --out, named by <stack>=<file> or the file name", async () => {
    // Prepare
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "plan-review-"));
    // Act
    const r = await run([
      "scripts/plan-review.ts",
      "--out",
      out,
      `worker-fleet=${path.join(FIXTURES, "mixed.plan.json")}`,
      path.join(FIXTURES, "no-changes.plan.json"),
    ]);
    // Assess
    expect(r.code).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual(["no-changes.md", "worker-fleet.md"]);
    expect(fs.readFileSync(path.join(out, "worker-fleet.md"), "utf8")).toBe(
      renderPlan(load("mixed.plan.json"), { stack: "worker-fleet" }),
    );
    fs.rmSync(out, { recursive: true, force: true });
  }, 60_000);

  it("explains what it needs when given something that is not a JSON plan", async () => {
    // Act
    const r = await run(["scripts/plan-review.ts", path.join(ROOT, "package.json")]);
    // Assess
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "is not a Terraform JSON plan (no format_version): use `terraform show -json <planfile>`",
    );
  }, 60_000);
});

describe(".github/workflows/plan-review.yml", () => {
  const file = path.join(ROOT, ".github", "workflows", "plan-review.yml");
  const text = fs.readFileSync(file, "utf8");

  it("passes GitHub's workflow parser (schema, permissions, expressions)", async () => {
    // Act
    const r = await run(["scripts/plan-review-lint-workflows.ts", file]);
    // Assess
    expect({ code: r.code, findings: r.stdout.trim(), errors: r.stderr.trim() }).toEqual({
      code: 0,
      findings: "1 workflow file(s): no findings",
      errors: "",
    });
  }, 60_000);

  it("and the parser does find mistakes", async () => {
    // Prepare
    const bad = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "workflow-")), "bad.yml");
    fs.writeFileSync(
      bad,
      text
        .replace("pull-requests: write", "pull-requests: writ")
        .replace(/\$\{\{ vars\.PLAN_REVIEW_ROLE_ARN \}\}/, expression("varz.X")),
    );
    // Act
    const r = await run(["scripts/plan-review-lint-workflows.ts", bad]);
    // Assess
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("Unexpected value 'writ'");
    expect(r.stdout).toContain("Unrecognized named-value: 'varz'");
  }, 60_000);

  it("assumes the OIDC role from a repository variable, plans per stack, and comments once per stack", () => {
    // Assess
    expect(text).toMatch(/^ {2}id-token: write/m);
    expect(text).toMatch(/^ {2}pull-requests: write/m);
    expect(text).toContain("uses: aws-actions/configure-aws-credentials@v4");
    expect(text).toContain(`role-to-assume: ${expression("vars.PLAN_REVIEW_ROLE_ARN")}`);
    expect(text).toContain("run: npm ci --no-audit --no-fund");
    expect(text).toContain("node-version: 20");
    expect(text).toMatch(/terraform -chdir="\$dir" plan .*-out=plan\.tfplan/);
    expect(text).toMatch(/terraform -chdir="\$dir" show -json plan\.tfplan/);
    expect(text).toContain("npm run --silent plan:review -- --out plan-review/md");
    expect(text).toMatch(/const marker = `<!-- plan-review:\$\{stack\} -->`;/);
    expect(text).toContain("github.rest.issues.updateComment");
  });
});
