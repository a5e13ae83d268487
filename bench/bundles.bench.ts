// For every handler: bundle size and cold module load (a fresh `node` requiring the bundle), median of 7.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { bundleHandler } from "../modules/common/bundle";
import { type BenchResult, median } from "./types";

const handlersDir = path.resolve(__dirname, "..", "handlers");

export default async function bundleBench(): Promise<BenchResult[]> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "bench-bundles-"));
  const results: BenchResult[] = [];
  const names = fs
    .readdirSync(handlersDir)
    .filter((d) => fs.existsSync(path.join(handlersDir, d, "index.ts")))
    .sort();
  for (const name of names) {
    const bundle = bundleHandler(name, out);
    const file = path.join(bundle.directory, "index.js");
    const script = `const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
    const loads: number[] = [];
    for (let i = 0; i < 7; i++) {
      loads.push(
        Number(
          execFileSync(process.execPath, ["-e", script], {
            env: { ...process.env, AWS_REGION: "eu-west-1", POWERTOOLS_DEV: "false", AWS_LAMBDA_FUNCTION_NAME: name },
            encoding: "utf8",
          }),
        ),
      );
    }
    results.push({
      name: `${name}: bundle size`,
      value: Math.round(bundle.bytes / 1024),
      unit: "KB",
      target: "< 500 KB",
    });
    results.push({
      name: `${name}: cold module load (median of 7)`,
      value: median(loads),
      unit: "ms",
      target: "< 150 ms",
    });
  }
  fs.rmSync(out, { recursive: true, force: true });
  return results;
}
