// Checks GitHub Actions workflow files with GitHub's own workflow parser (@actions/workflow-parser, the schema and
// expression checks behind the Actions language server): unknown keys and events, wrong permission values, missing
// required properties, unknown expression contexts, unclosed expressions. Prints one line per finding and exits 1 if
// there is any. Used by the tests on .github/workflows/plan-review.yml:
//   tsx scripts/plan-review-lint-workflows.ts [<workflow.yml>...]   (default: every file in .github/workflows)
// The parser ships ECMAScript modules only (and imports its schema as JSON), so it runs under tsx, not in Jest.
import * as fs from "node:fs";
import * as path from "node:path";

export interface Finding {
  file: string;
  message: string;
}

export async function lintWorkflow(file: string, content: string): Promise<Finding[]> {
  const parser = await import("@actions/workflow-parser");
  const result = parser.parseWorkflow({ name: file, content }, new parser.NoOperationTraceWriter());
  const messages = result.context.errors.getErrors().map((e) => e.message);
  if (result.value) {
    const template = await parser.convertWorkflowTemplate(result.context, result.value);
    for (const e of template.errors ?? []) messages.push(String((e as { Message?: string }).Message ?? e));
  }
  return [...new Set(messages)].map((message) => ({ file, message }));
}

async function main(files: string[]): Promise<number> {
  const dir = path.join(__dirname, "..", ".github", "workflows");
  const targets =
    files.length > 0
      ? files
      : fs
          .readdirSync(dir)
          .filter((f) => /\.ya?ml$/.test(f))
          .map((f) => path.join(dir, f));
  let findings = 0;
  for (const file of targets) {
    for (const f of await lintWorkflow(file, fs.readFileSync(file, "utf8"))) {
      console.log(f.message);
      findings++;
    }
  }
  if (findings === 0) console.log(`${targets.length} workflow file(s): no findings`);
  return findings === 0 ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exitCode = 2;
    },
  );
}
