// Wall time of `npm run synth` (both stacks, example configuration), as a user runs it.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { against, type BenchResult, median, round } from "./types";

const root = path.resolve(__dirname, "..");

export default async function synthBench(): Promise<BenchResult[]> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-synth-"));
    const started = process.hrtime.bigint();
    execFileSync(path.join(root, "node_modules", ".bin", "tsx"), ["main.ts"], {
      cwd: root,
      env: { ...process.env, CDKTF_OUTDIR: outdir },
      stdio: "ignore",
    });
    times.push(Number(process.hrtime.bigint() - started) / 1e9);
    fs.rmSync(outdir, { recursive: true, force: true });
  }
  const value = round(median(times), 2);
  return [
    {
      name: "synth both stacks, wall time (median of 5)",
      value,
      unit: "s",
      min: round(Math.min(...times), 2),
      max: round(Math.max(...times), 2),
      ...against(value, "<=", 5),
    },
  ];
}
