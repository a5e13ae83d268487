// For every handler: bundle size and cold module load (a fresh `node` requiring the bundle), median of 7. Each
// bundle loads with the environment Terraform gives that function in the example configuration.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import example from "../config/example";
import { bundleHandler } from "../modules/common/bundle";
import { buildApp } from "../stacks/app";
import { against, type BenchResult, median, round } from "./types";

const handlersDir = path.resolve(__dirname, "..", "handlers");

/** handler name → the environment variables of (the first) function built from it, from a synth of the example. */
function exampleEnvironments(outdir: string): Map<string, Record<string, string>> {
  buildApp(example, { outdir }).app.synth();
  const envs = new Map<string, Record<string, string>>();
  for (const stack of fs.readdirSync(path.join(outdir, "stacks"))) {
    const tf = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", stack, "cdk.tf.json"), "utf8")) as {
      resource?: {
        aws_lambda_function?: Record<
          string,
          { filename: string; environment?: { variables?: Record<string, string> } }
        >;
      };
    };
    for (const fn of Object.values(tf.resource?.aws_lambda_function ?? {})) {
      const handler = path.basename(fn.filename, ".zip");
      if (!envs.has(handler)) envs.set(handler, fn.environment?.variables ?? {});
    }
  }
  return envs;
}

export default async function bundleBench(): Promise<BenchResult[]> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "bench-bundles-"));
  const envs = exampleEnvironments(path.join(out, "synth"));
  const results: BenchResult[] = [];
  const names = fs
    .readdirSync(handlersDir)
    .filter((d) => fs.existsSync(path.join(handlersDir, d, "index.ts")))
    .sort();
  for (const name of names) {
    const bundle = bundleHandler(name, out);
    const file = path.join(bundle.directory, "index.js");
    const script = `const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
    const env = {
      ...process.env,
      ...envs.get(name),
      AWS_REGION: "eu-west-1",
      AWS_LAMBDA_FUNCTION_NAME: name,
      AWS_ACCESS_KEY_ID: "bench",
      AWS_SECRET_ACCESS_KEY: "bench",
    };
    const loads: number[] = [];
    for (let i = 0; i < 7; i++) {
      loads.push(
        Number(
          execFileSync(process.execPath, ["-e", script], {
            env,
            encoding: "utf8",
            stdio: ["ignore", "pipe", "ignore"],
          }),
        ),
      );
    }
    const kb = Math.round(bundle.bytes / 1024);
    results.push({ name: `${name}: bundle size`, value: kb, unit: "KB", ...against(kb, "<=", 500) });
    const load = round(median(loads));
    results.push({
      name: `${name}: cold module load (median of 7)`,
      value: load,
      unit: "ms",
      min: round(Math.min(...loads)),
      max: round(Math.max(...loads)),
      ...against(load, "<=", 150),
    });
  }
  fs.rmSync(out, { recursive: true, force: true });
  return results;
}
