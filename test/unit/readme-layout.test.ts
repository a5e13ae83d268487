// README's "Layout" table matches the tree: every folder it names exists, every top-level source folder has a row (or
// rows for folders inside it), and every first-level folder of handlers/shared, modules, contracts and config has one. A row may name several folders with
// braces: `modules/{stream,kinesis-forward}/`.
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
/** Folders whose first-level subfolders each need a row. */
const DETAILED = ["handlers/shared", "modules", "contracts", "config"];
const IGNORED = new Set(["node_modules", "cdktf.out", "coverage", "__pycache__"]);

/** `a/{b,c}/` -> ["a/b/", "a/c/"] (one brace group). */
function expand(entry: string): string[] {
  const m = /^(.*)\{([^}]*)\}(.*)$/.exec(entry);
  return m ? m[2]!.split(",").map((part) => `${m[1]}${part.trim()}${m[3]}`) : [entry];
}

/** The first-column paths of the table under "## Layout", without a trailing slash. */
function layoutPaths(readme: string): string[] {
  const section = /^## Layout\n([\s\S]*?)(?=^## )/m.exec(readme);
  if (!section) throw new Error('README.md has no "## Layout" section');
  return section[1]!
    .split("\n")
    .filter((line) => line.startsWith("| `"))
    .flatMap((line) => [...line.split("|")[1]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!))
    .flatMap(expand)
    .map((p) => p.replace(/\/$/, ""));
}

/** Whether a folder holds a file somewhere below it (git keeps no empty folders; an editor may leave one behind). */
function holdsFiles(dir: string): boolean {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .some((e) => (e.isDirectory() ? !IGNORED.has(e.name) && holdsFiles(path.join(dir, e.name)) : true));
}

function subfolders(rel: string): string[] {
  return fs
    .readdirSync(path.join(ROOT, rel), { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith(".") && !IGNORED.has(e.name))
    .map((e) => (rel === "." ? e.name : `${rel}/${e.name}`))
    .filter((p) => holdsFiles(path.join(ROOT, p)));
}

/** Top-level folders holding TypeScript (the source folders), and main.ts. */
function topLevelSources(): string[] {
  const hasTs = (dir: string): boolean =>
    fs
      .readdirSync(dir, { withFileTypes: true })
      .some((e) => (e.isDirectory() ? !IGNORED.has(e.name) && hasTs(path.join(dir, e.name)) : e.name.endsWith(".ts")));
  return [...subfolders(".").filter((d) => hasTs(path.join(ROOT, d))), "main.ts"];
}

describe("README layout", () => {
  const listed = layoutPaths(fs.readFileSync(path.join(ROOT, "README.md"), "utf8"));

  it("names only folders and files that exist", () => {
    // Assess
    expect(listed.length).toBeGreaterThan(10);
    expect(listed.filter((p) => !fs.existsSync(path.join(ROOT, p)))).toEqual([]);
  });

  it("has a row for every top-level source folder (or for folders inside it)", () => {
    // Act
    const covered = (p: string) => listed.some((l) => l === p || l.startsWith(`${p}/`));
    // Assess
    expect(topLevelSources().filter((p) => !covered(p))).toEqual([]);
  });

  it(`has a row for every first-level folder of ${DETAILED.join(", ")}`, () => {
    // Act
    const required = DETAILED.flatMap(subfolders);
    // Assess
    expect(required.length).toBeGreaterThan(10);
    expect(required.filter((p) => !listed.includes(p))).toEqual([]);
  });

  it("reads brace rows and the table only", () => {
    // Prepare
    const readme =
      "## Layout\n\n| path | what |\n| --- | --- |\n| `a/{b, c}/` | x `not/a/path` |\n| `d.ts` | y |\n\n## Next\n| `e/` | z |\n";
    // Act
    const paths = layoutPaths(readme);
    // Assess
    expect(paths).toEqual(["a/b", "a/c", "d.ts"]);
  });
});
