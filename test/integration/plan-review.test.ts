// The plan-review renderer on real plans: the worker-fleet stack (the drain's state machine, its check-queue function,
// their roles, policies and log groups) is applied to the moto emulator, then the synthesized Terraform is edited four
// ways and planned against that state: a configuration change, a replacement, an IAM change and a definition change.
// `terraform show -json` of each plan is rendered and compared with the committed snapshot in
// test/fixtures/plan-review/emulator/<case>.md (UPDATE_PLAN_REVIEW_FIXTURES=1 rewrites them).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { AppConfig } from "../../config";
import example from "../../config/example";
import { converge } from "../../scripts/local-cycle";
import { renderPlan, type TerraformPlan } from "../../scripts/plan-review-core";
import { terraformOk } from "../../scripts/terraform";
import { type Emulator, startEmulator } from "../support/emulator";
import { synthApp, type TfJson } from "../support/synth";

jest.setTimeout(600_000);

const FIXTURES = path.join(__dirname, "..", "fixtures", "plan-review", "emulator");
const TF_ENV = { AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_EC2_METADATA_DISABLED: "true" };
const ADDED_ACTION = "ssm:ListCommandInvocations";
const ADDED_STATE = "AnnounceDrain";

type Definition = { StartAt: string; States: Record<string, Record<string, unknown>> };
type Resources = Record<string, Record<string, Record<string, unknown>>>;

/** The one resource of `type` whose construct-derived name starts with `prefix` (names end in a hash). */
function find(tf: TfJson, type: string, prefix: string): { address: string; body: Record<string, unknown> } {
  const names = Object.keys(tf.resource?.[type] ?? {}).filter((n) => n === prefix || n.startsWith(`${prefix}_`));
  if (names.length !== 1) throw new Error(`expected one ${type} named ${prefix}*, found ${names.join(", ") || "none"}`);
  return { address: `${type}.${names[0]}`, body: (tf.resource as Resources)[type][names[0]] };
}

/**
 * Keeps the seed resources and everything they reference (resources and data sources), drops outputs: a stack small
 * enough to apply to the emulator in seconds, with the same Terraform the real stack has for those resources.
 */
function prune(tf: TfJson, seeds: string[]): TfJson {
  const resources = tf.resource as Resources;
  const data = (tf.data ?? {}) as Resources;
  const keep = new Set<string>();
  const keepData = new Set<string>();
  const queue = [...seeds];
  while (queue.length > 0) {
    const address = queue.pop() as string;
    if (keep.has(address)) continue;
    keep.add(address);
    const [type, name] = address.split(".");
    const text = JSON.stringify(resources[type][name]);
    for (const m of text.matchAll(/(?<![\w.])(data\.)?(aws_[a-z0-9_]+)\.([A-Za-z0-9_-]+)/g)) {
      if (m[1] && data[m[2]]?.[m[3]]) keepData.add(`${m[2]}.${m[3]}`);
      else if (!m[1] && resources[m[2]]?.[m[3]]) queue.push(`${m[2]}.${m[3]}`);
    }
  }
  const pick = (from: Resources, addresses: Set<string>) => {
    const out: Resources = {};
    for (const a of [...addresses].sort()) {
      const [type, name] = a.split(".");
      out[type] ??= {};
      out[type][name] = from[type][name];
    }
    return out;
  };
  const { output: _output, ...rest } = tf;
  return { ...rest, resource: pick(resources, keep), data: pick(data, keepData) };
}

interface Case {
  name: "configuration" | "replacement" | "iam" | "definition";
  edit: (tf: TfJson) => void;
}

describe("plan review on plans made against the emulator", () => {
  let emulator: Emulator;
  let work: string;
  let outdir: string;
  const markdown: Record<string, string> = {};
  const plans: Record<string, TerraformPlan> = {};
  let names: { logGroup: string; function: string; policy: string; stateMachine: string; edited: string };

  beforeAll(async () => {
    // Prepare / Act
    emulator = await startEmulator();
    work = fs.mkdtempSync(path.join(os.tmpdir(), "plan-review-"));
    const config: AppConfig = {
      ...example,
      emulator: { endpoint: emulator.endpoint },
      backend: { type: "local", directory: work },
    };
    const synth = synthApp(config);
    outdir = synth.outdir;
    const stacks = synth.stacks;
    const full = stacks["worker-fleet"];
    const stateMachine = find(full, "aws_sfn_state_machine", "drain_state_machine");
    const policy = find(full, "aws_iam_role_policy", "drain_check_queue_policy");
    const stack = prune(full, [stateMachine.address, policy.address]);
    // The synthesized backend path is relative to the stack directory; the plans below run in copies of it elsewhere,
    // so every copy names the one state file absolutely.
    (stack.terraform!.backend as { local: { path: string } }).local.path = path.join(
      work,
      "terraform.worker-fleet.tfstate",
    );
    const definition = JSON.parse(String(stateMachine.body.definition)) as Definition;
    const edited = Object.keys(definition.States).find((n) => typeof definition.States[n].Next === "string");
    if (!edited) throw new Error("no state of the drain definition has a Next");
    names = {
      logGroup: find(stack, "aws_cloudwatch_log_group", "drain_logs").address,
      function: find(stack, "aws_lambda_function", "drain_check_queue_function").address,
      policy: policy.address,
      stateMachine: stateMachine.address,
      edited,
    };
    // The synthesized stack directory holds the Lambda assets the configuration points at; plan in copies of it.
    const base = path.join(outdir, "stacks", "worker-fleet");
    fs.writeFileSync(path.join(base, "cdk.tf.json"), JSON.stringify(stack, null, 2));
    await terraformOk(["init", "-input=false"], base, TF_ENV);
    await converge(["apply", "-auto-approve", "-input=false"], base, TF_ENV, () => {});

    const cases: Case[] = [
      {
        name: "configuration",
        edit: (tf) => {
          const fn = find(tf, "aws_lambda_function", "drain_check_queue_function").body;
          fn.memory_size = 1024;
          fn.tags = { team: "sre" };
        },
      },
      {
        name: "replacement",
        edit: (tf) => {
          const logs = find(tf, "aws_cloudwatch_log_group", "drain_logs").body;
          logs.name = `${String(logs.name)}-v2`;
        },
      },
      {
        name: "iam",
        edit: (tf) => {
          const body = find(tf, "aws_iam_role_policy", "drain_check_queue_policy").body;
          const before = String(body.policy);
          body.policy = before.replace(
            '"Action" = "ssm:GetCommandInvocation"',
            `"Action" = ["ssm:GetCommandInvocation", "${ADDED_ACTION}"]`,
          );
          if (body.policy === before)
            throw new Error("the check-queue policy no longer grants ssm:GetCommandInvocation");
        },
      },
      {
        name: "definition",
        edit: (tf) => {
          // A new Pass state between the first state that has a Next and its successor.
          const body = find(tf, "aws_sfn_state_machine", "drain_state_machine").body;
          const def = JSON.parse(String(body.definition)) as Definition;
          const edited = def.States[names.edited];
          def.States[ADDED_STATE] = { Type: "Pass", Comment: "Announce the drain", Next: edited.Next };
          edited.Next = ADDED_STATE;
          body.definition = JSON.stringify(def, null, 2);
        },
      },
    ];
    // Four plans side by side against the same state (read only: no lock, no refresh).
    await Promise.all(
      cases.map(async (c) => {
        const dir = path.join(work, c.name);
        fs.cpSync(base, dir, { recursive: true, verbatimSymlinks: true });
        const tf = structuredClone(stack);
        c.edit(tf);
        fs.writeFileSync(path.join(dir, "cdk.tf.json"), JSON.stringify(tf, null, 2));
        await terraformOk(["plan", "-refresh=false", "-lock=false", "-input=false", "-out=plan.tfplan"], dir, TF_ENV);
        plans[c.name] = JSON.parse(await terraformOk(["show", "-json", "plan.tfplan"], dir, TF_ENV)) as TerraformPlan;
        markdown[c.name] = renderPlan(plans[c.name], { stack: "worker-fleet" });
      }),
    );
  });

  afterAll(async () => {
    await emulator?.stop();
    for (const dir of [work, outdir]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("puts the flagged replacement first, with the attribute that forces it", () => {
    // Act
    const md = markdown.replacement;
    // Assess
    expect(md).toContain("**Plan:** 0 to add, ");
    expect(md).toMatch(/, 1 to replace\. ⚠️/);
    const flagged = md.indexOf("### ⚠️ Destroyed or replaced (1)");
    const replaced = md.indexOf(`♻️ **replace** \`${names.logGroup}\``);
    const changes = md.indexOf("### Changes");
    expect(flagged).toBeGreaterThan(0);
    expect(replaced).toBeGreaterThan(flagged);
    expect(changes === -1 || changes > replaced).toBe(true);
    expect(md).toContain("Replaced because `name` cannot change in place.");
    expect(md).toContain("| `name` ⚠️ forces replacement |");
  });

  it("shows a configuration change attribute by attribute", () => {
    // Act
    const md = markdown.configuration;
    // Assess
    expect(md).toContain("**Plan:** 0 to add, 1 to change, 0 to destroy, 0 to replace.");
    expect(md).toContain(`🔧 **update in place** \`${names.function}\``);
    expect(md).toMatch(/\| `memory_size` \| `\d+` \| `1024` \|/);
    expect(md).toContain('| `tags.team` | _null_ | `"sre"` |');
  });

  it("shows the IAM action added to its statement, not a jsonencode blob", () => {
    // Act
    const md = markdown.iam;
    // Assess
    expect(md).toContain(`🔧 **update in place** \`${names.policy}\``);
    expect(md).toContain("statement `ReadCommandResults` (Allow)");
    expect(md).toContain(`Actions added: \`${ADDED_ACTION}\``);
    const summary = md.slice(0, md.indexOf("<details>"));
    expect(summary).not.toContain("jsonencode");
  });

  it("shows the state machine's states added and changed by name", () => {
    // Act
    const md = markdown.definition;
    // Assess
    expect(md).toContain(`🔧 **update in place** \`${names.stateMachine}\``);
    expect(md).toContain(`states added: \`${ADDED_STATE}\` (Pass)`);
    expect(md).toContain(`\`${names.edited}\`: \`Next\``);
  });

  it("matches the committed snapshots a reviewer can read", () => {
    // Act
    const update = process.env.UPDATE_PLAN_REVIEW_FIXTURES === "1";
    // Assess
    for (const [name, md] of Object.entries(markdown).sort()) {
      const file = path.join(FIXTURES, `${name}.md`);
      if (update) {
        fs.mkdirSync(FIXTURES, { recursive: true });
        fs.writeFileSync(file, md);
        continue;
      }
      const committed = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "(missing)";
      // Everything above the folded full plan, the part a reviewer reads first, without what the drain definition's
      // own evolution changes (its number of states, which state comes first with a Next).
      const head = (s: string) =>
        s
          .slice(0, s.indexOf("<details><summary>Full plan"))
          .replace(/^ {2}- \d+ → \d+ states$/m, "  - N → N+1 states")
          .replace(/^( {4}- )`\w+`(: `Next`)$/m, "$1`<edited state>`$2")
          .replace(/^( {6}- `Next`: )`"\w+"`( → `"AnnounceDrain"`)$/m, '$1`"<its next>"`$2');
      expect({ file: path.relative(process.cwd(), file), markdown: head(md) }).toEqual({
        file: path.relative(process.cwd(), file),
        markdown: head(committed),
      });
    }
  });
});
