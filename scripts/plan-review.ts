// `npm run plan:review -- [--out <dir>] [<stack>=]<plan.json>...`: renders `terraform show -json` plans, one per
// stack, as pull-request markdown (scripts/plan-review-core.ts). The stack name comes from `<stack>=` or the file
// name (`worker-fleet.json`, or `worker-fleet/plan.json`). Without --out, every stack's markdown goes to stdout;
// with it, one `<stack>.md` per stack.
import "./quiet-sdk";
import * as fs from "node:fs";
import * as path from "node:path";
import { renderPlan, stackNameFor, type TerraformPlan } from "./plan-review-core";

const USAGE = `usage: npm run plan:review -- [--out <dir>] [<stack>=]<plan.json>...

Renders \`terraform show -json <planfile>\` output as markdown, one section per stack: a summary line, destroys and
replacements first, the changed attributes, readable diffs of IAM policies and state machine definitions, and the
full plan folded. Writes to stdout, or one <stack>.md per stack into --out <dir>.`;

export function parseArgs(argv: string[]): { out?: string; plans: Array<{ stack: string; file: string }> } {
  let out: string | undefined;
  const plans: Array<{ stack: string; file: string }> = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") throw new UsageError("");
    if (arg === "--out") {
      out = argv[++i];
      if (!out) throw new UsageError("--out needs a directory");
    } else if (arg.startsWith("--out=")) out = arg.slice("--out=".length);
    else if (arg.startsWith("-")) throw new UsageError(`unknown option ${arg}`);
    else {
      const eq = arg.indexOf("=");
      const named = eq > 0 && !arg.slice(0, eq).includes("/");
      const file = named ? arg.slice(eq + 1) : arg;
      plans.push({ stack: named ? arg.slice(0, eq) : stackNameFor(file), file });
    }
  }
  if (plans.length === 0) throw new UsageError("no plan files given");
  const seen = new Set<string>();
  for (const p of plans) {
    if (seen.has(p.stack)) throw new UsageError(`two plans for stack ${p.stack}: name them with <stack>=<file>`);
    seen.add(p.stack);
  }
  return { out, plans };
}

class UsageError extends Error {}

function readPlan(file: string): TerraformPlan {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as Error).message}`);
  }
  let plan: unknown;
  try {
    plan = JSON.parse(text);
  } catch {
    throw new Error(`${file} is not JSON: give the output of \`terraform show -json <planfile>\``);
  }
  if (typeof plan !== "object" || plan === null || !("format_version" in plan)) {
    throw new Error(
      `${file} is not a Terraform JSON plan (no format_version): use \`terraform show -json <planfile>\``,
    );
  }
  return plan as TerraformPlan;
}

function main(argv: string[]): number {
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    if (e.message) console.error(e.message);
    console.error(USAGE);
    return e.message ? 2 : 0;
  }
  const rendered = args.plans.map((p) => ({ stack: p.stack, markdown: renderPlan(readPlan(p.file), p) }));
  if (args.out) {
    fs.mkdirSync(args.out, { recursive: true });
    for (const r of rendered) {
      const file = path.join(args.out, `${r.stack}.md`);
      fs.writeFileSync(file, r.markdown);
      console.error(`wrote ${file}`);
    }
  } else {
    process.stdout.write(rendered.map((r) => r.markdown).join("\n"));
  }
  return 0;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 1;
  }
}
