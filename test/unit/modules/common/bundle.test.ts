import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { bundleHandler, PROJECT_ROOT } from "../../../../modules/common/bundle";

const entry = path.join(PROJECT_ROOT, "test", "fixtures", "handlers", "hello", "index.ts");
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "bundle-"));

describe("Lambda bundling", () => {
  it("gives the same bytes and hash when the same source is built twice, in different places", () => {
    // Act
    const first = bundleHandler("hello", tmp(), { entry, fresh: true });
    const second = bundleHandler("hello", tmp(), { entry, fresh: true });
    // Assess
    expect(second.sha256).toBe(first.sha256);
    expect(fs.readFileSync(path.join(second.directory, "index.js"))).toEqual(
      fs.readFileSync(path.join(first.directory, "index.js")),
    );
    expect(fs.readFileSync(second.zipFile)).toEqual(fs.readFileSync(first.zipFile));
    expect(fs.existsSync(path.join(first.directory, "index.js.map"))).toBe(true);
    expect(fs.readFileSync(path.join(first.directory, "index.js"), "utf8")).not.toContain(PROJECT_ROOT);
  });

  it("writes a zip that a standard reader extracts to the bundle's bytes, with mode 0644", () => {
    // Prepare
    const bundle = bundleHandler("hello", tmp(), { entry });
    // Act: Python's zipfile (moto's interpreter) checks CRCs and reads entries, modes and contents.
    const listing = execFileSync(
      "python3",
      [
        "-c",
        "import sys,zipfile,json,hashlib;z=zipfile.ZipFile(sys.argv[1]);assert z.testzip() is None;" +
          "print(json.dumps({i.filename:[oct(i.external_attr>>16),hashlib.sha256(z.read(i)).hexdigest()] for i in z.infolist()}))",
        bundle.zipFile,
      ],
      { encoding: "utf8" },
    );
    // Assess
    const sha = (f: string) =>
      createHash("sha256")
        .update(fs.readFileSync(path.join(bundle.directory, f)))
        .digest("hex");
    expect(JSON.parse(listing)).toEqual({
      "index.js": ["0o100644", sha("index.js")],
      "index.js.map": ["0o100644", sha("index.js.map")],
    });
  });

  it("changes the hash when the source changes", () => {
    // Prepare
    // Inside the project tree, so the copy resolves node_modules as the original does.
    const cache = path.join(PROJECT_ROOT, "node_modules", ".cache");
    fs.mkdirSync(cache, { recursive: true });
    const dir = fs.mkdtempSync(path.join(cache, "bundle-test-"));
    const changed = path.join(dir, "index.ts");
    fs.writeFileSync(changed, `${fs.readFileSync(entry, "utf8")}\nexport const version = 2;\n`);
    // Act
    const original = bundleHandler("hello", tmp(), { entry, fresh: true });
    const modified = bundleHandler("hello", tmp(), { entry: changed, fresh: true });
    // Assess
    expect(modified.sha256).not.toBe(original.sha256);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("fails clearly when the handler does not exist", () => {
    // Act / Assess
    expect(() => bundleHandler("no-such-handler", tmp())).toThrow(
      "Lambda handler not found: handlers/no-such-handler/index.ts",
    );
  });
});
