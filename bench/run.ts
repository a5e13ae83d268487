// `npm run bench`: runs every bench/*.bench.ts, prints a table and writes bench/results.json ({name, value, unit}[]).
import "../scripts/quiet-sdk";
import * as fs from "node:fs";
import * as path from "node:path";
import type { BenchResult } from "./types";

async function main(): Promise<void> {
  const only = process.argv[2];
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith(".bench.ts") && (!only || f.includes(only)))
    .sort();
  const results: BenchResult[] = [];
  for (const file of files) {
    const mod = (await import(path.join(__dirname, file))) as { default: () => Promise<BenchResult[]> };
    process.stderr.write(`running ${file}...\n`);
    results.push(...(await mod.default()));
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
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
