// Turns handlers/<name>/index.ts into a deterministic esbuild bundle: same source, same bytes, same hash.

import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { buildSync } from "esbuild";

export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

export interface BundleResult {
  /** Directory holding index.js and index.js.map, ready to zip. */
  directory: string;
  /** SHA-256 of the bundle's bytes (hex). */
  sha256: string;
  /** Size of index.js in bytes. */
  bytes: number;
}

/**
 * Bundles one handler for Lambda (nodejs22.x, arm64): CommonJS, minified, external source map. Paths in the output
 * are relative to the project root, so the bundle does not depend on where the checkout lives.
 */
export function bundleHandler(name: string, outRoot: string, opts: { entry?: string } = {}): BundleResult {
  const entry = opts.entry ?? path.join(PROJECT_ROOT, "handlers", name, "index.ts");
  if (!fs.existsSync(entry)) throw new Error(`Lambda handler not found: ${path.relative(PROJECT_ROOT, entry)}`);
  const directory = path.join(outRoot, name);
  fs.rmSync(directory, { recursive: true, force: true });
  buildSync({
    absWorkingDir: PROJECT_ROOT,
    entryPoints: [entry],
    outfile: path.join(directory, "index.js"),
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
    metafile: false,
  });
  const code = fs.readFileSync(path.join(directory, "index.js"));
  const map = fs.readFileSync(path.join(directory, "index.js.map"));
  const sha256 = createHash("sha256").update(code).update(map).digest("hex");
  return { directory, sha256, bytes: code.length };
}
