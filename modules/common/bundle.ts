// Turns handlers/<name>/index.ts into a deterministic esbuild bundle and Lambda zip: same source, same bytes, same hash.

import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { buildSync } from "esbuild";
import { zipFiles } from "./zip";

export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

export interface BundleResult {
  /** Directory holding index.js and index.js.map. */
  directory: string;
  /** The deployment package: index.js and index.js.map, deterministic zip. */
  zipFile: string;
  /** SHA-256 of the bundle's bytes (hex). */
  sha256: string;
  /** Size of index.js in bytes. */
  bytes: number;
}

interface Built {
  code: Buffer;
  map: Buffer;
  zip: Buffer;
  sha256: string;
}

/** One esbuild run per entry per process: a synth with several functions on one handler builds it once. */
const built = new Map<string, Built>();

function build(entry: string): Built {
  const result = buildSync({
    absWorkingDir: PROJECT_ROOT,
    entryPoints: [entry],
    outfile: "index.js",
    write: false,
    bundle: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    // ESM builds of the AWS SDK and Powertools tree-shake far better (about half the size and cold load).
    mainFields: ["module", "main"],
    minify: true,
    keepNames: true,
    sourcemap: "external",
    sourcesContent: false,
    legalComments: "none",
    logLevel: "error",
  });
  const file = (suffix: string) => {
    const out = result.outputFiles.find((f) => f.path.endsWith(suffix));
    if (!out) throw new Error(`esbuild wrote no ${suffix} for ${path.relative(PROJECT_ROOT, entry)}`);
    return Buffer.from(out.contents);
  };
  const code = file("index.js");
  const map = file("index.js.map");
  return {
    code,
    map,
    zip: zipFiles([
      ["index.js", code],
      ["index.js.map", map],
    ]),
    sha256: createHash("sha256").update(code).update(map).digest("hex"),
  };
}

/**
 * Bundles one handler for Lambda (nodejs22.x, arm64): CommonJS, minified, external source map, zipped. Paths in the
 * output are relative to the project root, so the bundle does not depend on where the checkout lives. `fresh` skips
 * the in-process cache (the determinism test builds twice for real).
 */
export function bundleHandler(
  name: string,
  outRoot: string,
  opts: { entry?: string; fresh?: boolean } = {},
): BundleResult {
  const entry = opts.entry ?? path.join(PROJECT_ROOT, "handlers", name, "index.ts");
  if (!fs.existsSync(entry)) throw new Error(`Lambda handler not found: ${path.relative(PROJECT_ROOT, entry)}`);
  let bundle = opts.fresh ? undefined : built.get(entry);
  if (!bundle) {
    bundle = build(entry);
    built.set(entry, bundle);
  }
  const directory = path.join(outRoot, name);
  fs.rmSync(directory, { recursive: true, force: true });
  fs.mkdirSync(directory, { recursive: true });
  fs.writeFileSync(path.join(directory, "index.js"), bundle.code);
  fs.writeFileSync(path.join(directory, "index.js.map"), bundle.map);
  const zipFile = path.join(outRoot, `${name}.zip`);
  fs.writeFileSync(zipFile, bundle.zip);
  return { directory, zipFile, sha256: bundle.sha256, bytes: bundle.code.length };
}
