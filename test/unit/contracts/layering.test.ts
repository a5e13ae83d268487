// contracts/ is the seam between infrastructure (modules/, stacks/, statemachines/, config/) and functions (handlers/):
// it imports neither side (only node builtins and type-only aws-lambda types), and handlers never import
// infrastructure (which would put construct code, or a file read at load, into a Lambda bundle).
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..", "..");

function tsFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? tsFiles(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : [],
    );
}

/** Every module specifier a file imports or re-exports, with whether the whole statement is type-only. */
function imports(file: string): { spec: string; typeOnly: boolean }[] {
  const text = fs.readFileSync(file, "utf8");
  const out: { spec: string; typeOnly: boolean }[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?[^;]*?from\s+"([^"]+)";/gms)) {
    out.push({ spec: m[2]!, typeOnly: m[1] !== undefined });
  }
  for (const m of text.matchAll(/(?:require|import)\(\s*"([^"]+)"\s*\)/g)) out.push({ spec: m[1]!, typeOnly: false });
  return out;
}

const topDir = (file: string, spec: string) =>
  path.relative(ROOT, path.resolve(path.dirname(file), spec)).split(path.sep)[0];

describe("layering", () => {
  it("contracts/ imports only contracts/, node builtins and aws-lambda types", () => {
    const offenders: string[] = [];
    for (const file of tsFiles(path.join(ROOT, "contracts"))) {
      for (const { spec, typeOnly } of imports(file)) {
        const ok = spec.startsWith(".")
          ? topDir(file, spec) === "contracts"
          : spec.startsWith("node:") || (spec === "aws-lambda" && typeOnly);
        if (!ok) offenders.push(`${path.relative(ROOT, file)}: ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it("handlers/ never import modules/, stacks/, statemachines/ or config/", () => {
    const offenders: string[] = [];
    for (const file of tsFiles(path.join(ROOT, "handlers"))) {
      for (const { spec } of imports(file)) {
        if (!spec.startsWith(".")) continue;
        const top = topDir(file, spec);
        if (top !== "handlers" && top !== "contracts") offenders.push(`${path.relative(ROOT, file)}: ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
