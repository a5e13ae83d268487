// The provider package root loads all 2,135 resource modules (synth 0.7 s -> 4 s); only deep imports are allowed.
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../../modules/common/bundle";

const SOURCE_DIRS = [
  "main.ts",
  "config",
  "stacks",
  "modules",
  "handlers",
  "statemachines",
  "scripts",
  "bench",
  "test",
  "cli",
];

function tsFiles(p: string): string[] {
  if (!fs.existsSync(p)) return [];
  if (fs.statSync(p).isFile()) return p.endsWith(".ts") ? [p] : [];
  return fs.readdirSync(p).flatMap((e) => (e === "node_modules" ? [] : tsFiles(path.join(p, e))));
}

describe("imports", () => {
  it("never imports the @cdktf/provider-aws package root", () => {
    const files = SOURCE_DIRS.flatMap((d) => tsFiles(path.join(PROJECT_ROOT, d)));
    expect(files.length).toBeGreaterThan(10);
    const offenders = files.filter((f) =>
      /from\s+["']@cdktf\/provider-aws["']|require\(["']@cdktf\/provider-aws["']\)/.test(fs.readFileSync(f, "utf8")),
    );
    expect(offenders).toEqual([]);
  });
});
