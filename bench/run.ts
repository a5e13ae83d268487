// `npm run bench`: runs every bench/*.bench.ts, prints a table and writes bench/results.json ({name, value, unit}[]).
import "../scripts/quiet-sdk";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { BenchResult } from "./types";

async function main(): Promise<void> {
  const only = process.argv[2];
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith(".bench.ts") && (!only || f.includes(only)))
    .sort();
  // CPU-time figures still move with contention on a shared machine: say how loaded it was.
  const load = () =>
    os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" ");
  const loadBefore = load();
  const results: BenchResult[] = [];
  // One broken benchmark must not hide the others' figures: report it, go on, and fail at the end.
  const failed: string[] = [];
  for (const file of files) {
    process.stderr.write(`running ${file}...\n`);
    try {
      const mod = (await import(path.join(__dirname, file))) as { default: () => Promise<BenchResult[]> };
      results.push(...(await mod.default()));
    } catch (error) {
      failed.push(file);
      process.stderr.write(
        `${file} FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
    }
  }
  const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v >= 100 ? v.toFixed(1) : v.toFixed(2));
  const range = (r: BenchResult) => (r.min === undefined || r.max === undefined ? "" : `${fmt(r.min)}–${fmt(r.max)}`);
  const width = Math.max(...results.map((r) => r.name.length), 10);
  console.log(
    `${"benchmark".padEnd(width)}  ${"value".padStart(10)}  ${"unit".padEnd(9)}  ${"min–max".padEnd(13)}  ${"target".padEnd(9)}  result`,
  );
  for (const r of results) {
    const status = r.pass === undefined ? "" : r.pass ? "pass" : "MISS";
    console.log(
      `${r.name.padEnd(width)}  ${fmt(r.value).padStart(10)}  ${r.unit.padEnd(9)}  ${range(r).padEnd(13)}  ${(r.target ?? "").padEnd(9)}  ${status}`,
    );
  }
  console.log(`\n${os.cpus().length} cores; load average (1, 5, 15 min) ${loadBefore} before, ${load()} after`);
  const out = path.join(__dirname, "results.json");
  fs.writeFileSync(
    out,
    `${JSON.stringify(
      results.map(({ name, value, unit, min, max, target, pass }) => ({ name, value, unit, min, max, target, pass })),
      null,
      2,
    )}\n`,
  );
  console.log(`\nwrote ${path.relative(process.cwd(), out)}`);
  if (failed.length > 0) {
    console.error(`\nFAILED: ${failed.join(", ")} (see above); their figures are missing`);
    process.exitCode = 1;
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
