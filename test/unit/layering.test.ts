// The layer rule (issue 11), checked over every TypeScript source: each import, re-export, require() and import() with a
// literal specifier is resolved to the top-level folder it lands in, and that folder must be one its importer may use.
//
//   main -> stacks -> modules -> contracts        handlers -> contracts
//
// - contracts/ is the seam between infrastructure and functions: it imports only contracts/ (and node builtins, and
//   aws-lambda types), so a Lambda bundle never pulls construct code and a module never pulls handler code.
// - handlers/ import handlers/ and contracts/ only (never modules/, stacks/, config/ or statemachines/).
// - statemachines/ (the drain definition) is imported by modules/ and config/; it imports only contracts/.
// - config/ is imported by main.ts and stacks/ only among production code; it may use modules/ (construct prop
//   schemas, validation), statemachines/ (the drain bounds) and contracts/.
// - Nothing imports stacks/ but main.ts, with these exceptions, all tools that synthesize the app: test/ (synth tests
//   assert on the Terraform the stacks produce; test/support/synth.ts is the usual way in), scripts/ (iam-report,
//   cdktf-app run the app) and bench/ (measures synth). cli/ talks to AWS, never to construct code, so it gets none.
// - Tools (scripts/, cli/, bench/, test/) may import any production code, config included; production code never
//   imports a tool.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "..", "..");

const PRODUCTION = ["main", "config", "contracts", "handlers", "modules", "stacks", "statemachines"] as const;
const TOOLS = ["scripts", "cli", "bench", "test"] as const;
/** Configurations to start from: they use the configuration's types, nothing else. */
const EXAMPLES = ["examples"] as const;
type Layer = (typeof PRODUCTION)[number] | (typeof TOOLS)[number] | (typeof EXAMPLES)[number];

/** Which layers each layer may import (its own layer is always allowed). */
const MAY_IMPORT: Record<Layer, readonly Layer[]> = {
  main: ["stacks", "config"],
  stacks: ["modules", "contracts", "config"],
  modules: ["contracts", "statemachines"],
  statemachines: ["contracts"],
  config: ["modules", "statemachines", "contracts"],
  handlers: ["contracts"],
  contracts: [],
  examples: ["config"],
  scripts: ["main", "stacks", "config", "contracts", "handlers", "modules", "statemachines", "cli", "test"],
  cli: ["config", "contracts", "handlers", "modules", "statemachines", "scripts"],
  bench: ["main", "stacks", "config", "contracts", "handlers", "modules", "statemachines", "scripts", "cli", "test"],
  test: [
    "main",
    "stacks",
    "config",
    "contracts",
    "handlers",
    "modules",
    "statemachines",
    "scripts",
    "cli",
    "bench",
    "examples",
  ],
};

/**
 * Imports that break the rule today, each with the change that removes it. The test fails when one is no longer
 * there, so the list only shrinks.
 */
const KNOWN_EXCEPTIONS: readonly { file: string; target: string; fix: string }[] = [];

interface ImportSite {
  file: string;
  line: number;
  spec: string;
  typeOnly: boolean;
}

/** Every literal module specifier of a file: import/export ... from, import "x", import x = require(), require(), import(). */
function importsOf(root: string, file: string): ImportSite[] {
  const text = fs.readFileSync(path.join(root, file), "utf8");
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: ImportSite[] = [];
  const add = (node: ts.Node, literal: ts.Expression | undefined, typeOnly: boolean) => {
    if (!literal || !ts.isStringLiteralLike(literal)) return;
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    out.push({ file, line, spec: literal.text, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) add(node, node.moduleSpecifier, node.importClause?.isTypeOnly === true);
    else if (ts.isExportDeclaration(node)) add(node, node.moduleSpecifier, node.isTypeOnly);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, node.moduleReference.expression, node.isTypeOnly);
    } else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(node.expression) && node.expression.text === "require"))
    ) {
      add(node, node.arguments[0], false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node, node.argument.literal, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** Every .ts file of the layers, relative to root with forward slashes. */
function sourceFiles(root: string): string[] {
  const walk = (rel: string): string[] => {
    const abs = path.join(root, rel);
    if (!fs.existsSync(abs)) return [];
    if (fs.statSync(abs).isFile()) return rel.endsWith(".ts") ? [rel] : [];
    return fs
      .readdirSync(abs)
      .filter((e) => e !== "node_modules")
      .flatMap((e) => walk(path.posix.join(rel, e)));
  };
  return ["main.ts", ...PRODUCTION.filter((l) => l !== "main"), ...TOOLS, ...EXAMPLES].flatMap(walk);
}

function layerOf(file: string): Layer | undefined {
  if (file === "main.ts" || file === "main") return "main";
  const top = file.split("/")[0] as Layer;
  return top in MAY_IMPORT ? top : undefined;
}

/** The layer-rule violations under root, as "file:line: message". */
function layerViolations(
  root: string,
  exceptions: readonly { file: string; target: string }[] = [],
): { violations: string[]; exceptionsSeen: Set<string> } {
  const violations: string[] = [];
  const exceptionsSeen = new Set<string>();
  for (const file of sourceFiles(root)) {
    const from = layerOf(file)!;
    for (const site of importsOf(root, file)) {
      if (!site.spec.startsWith(".")) {
        if (from === "contracts" && !site.spec.startsWith("node:") && !(site.spec === "aws-lambda" && site.typeOnly)) {
          violations.push(
            `${file}:${site.line}: contracts/ imports "${site.spec}" (only node: builtins and aws-lambda types)`,
          );
        }
        continue;
      }
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), site.spec));
      const to = target.startsWith("..") ? undefined : layerOf(target.replace(/\.ts$/, ""));
      if (to === from) continue;
      if (to !== undefined && MAY_IMPORT[from].includes(to)) continue;
      const known = exceptions.find((e) => e.file === file && e.target === target);
      if (known) {
        exceptionsSeen.add(`${known.file} -> ${known.target}`);
        continue;
      }
      violations.push(
        `${file}:${site.line}: ${from === "main" ? "main.ts" : `${from}/`} imports "${site.spec}" (${to ?? "outside the project"}/); ${from} may import ${[from, ...MAY_IMPORT[from]].join(", ")}`,
      );
    }
  }
  return { violations, exceptionsSeen };
}

describe("layering", () => {
  it("every import follows the layer rule", () => {
    // Act
    const { violations } = layerViolations(ROOT, KNOWN_EXCEPTIONS);
    // Assess
    if (violations.length > 0) throw new Error(`layer rule broken:\n${violations.join("\n")}`);
    expect(sourceFiles(ROOT).length).toBeGreaterThan(100);
  });

  it("every known exception is still there (remove it from KNOWN_EXCEPTIONS once fixed)", () => {
    // Act
    const { exceptionsSeen } = layerViolations(ROOT, KNOWN_EXCEPTIONS);
    // Assess
    expect(KNOWN_EXCEPTIONS.map((e) => `${e.file} -> ${e.target}`).filter((e) => !exceptionsSeen.has(e))).toEqual([]);
  });

  it("reports each planted violation with its file and line", () => {
    // Prepare: a small tree breaking every rule once, with every import form.
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "layering-"));
    const write = (file: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      fs.writeFileSync(path.join(root, file), text);
    };
    write(
      "contracts/a.ts",
      'import { x } from "../modules/m";\nimport * as p from "cdktf";\nexport type { Y } from "./b";\n',
    );
    write("contracts/b.ts", 'import type { Context } from "aws-lambda";\nexport type Y = Context;\n');
    write(
      "handlers/h/core.ts",
      '// a comment\nexport { z } from "../../config";\nconst s = require("../../statemachines/drain");\n',
    );
    write("handlers/h/index.ts", 'const m = import("../../modules/common/arns");\nimport "../../stacks/app";\n');
    write("modules/m/index.ts", 'import { c } from "../../config/load";\nimport "../../handlers/h/core";\n');
    write("statemachines/s.ts", 'import { q } from "../modules/worker-fleet/queue-probe";\n');
    write("stacks/app.ts", 'import { m } from "../modules/m";\nimport { c } from "../config";\n');
    write("cli/c.ts", 'import { buildApp } from "../stacks/app";\n');
    write("test/unit/t.test.ts", 'import { buildApp } from "../../stacks/app";\n');
    write("main.ts", 'import { buildApp } from "./stacks/app";\nimport { h } from "./handlers/h/core";\n');
    // Act
    const { violations } = layerViolations(root);
    fs.rmSync(root, { recursive: true, force: true });
    // Assess
    expect(violations.map((v) => v.split(": ")[0]).sort()).toEqual(
      [
        "cli/c.ts:1",
        "contracts/a.ts:1",
        "contracts/a.ts:2",
        "handlers/h/core.ts:2",
        "handlers/h/core.ts:3",
        "handlers/h/index.ts:1",
        "handlers/h/index.ts:2",
        "main.ts:2",
        "modules/m/index.ts:1",
        "modules/m/index.ts:2",
        "statemachines/s.ts:1",
      ].sort(),
    );
  });

  // The provider package root loads all 2,135 resource modules (synth 0.7 s -> 4 s); only deep imports are allowed.
  it("never imports the @cdktf/provider-aws package root", () => {
    // Act
    const offenders = sourceFiles(ROOT).flatMap((file) =>
      importsOf(ROOT, file)
        .filter((s) => s.spec === "@cdktf/provider-aws")
        .map((s) => `${s.file}:${s.line}`),
    );
    // Assess
    expect(offenders).toEqual([]);
  });
});
