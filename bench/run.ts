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
  const width = Math.max(...results.map((r) => r.name.length), 10);
  console.log(`${"benchmark".padEnd(width)}  ${"value".padStart(12)}  unit        target`);
  for (const r of results) {
    const v = Number.isInteger(r.value) ? String(r.value) : r.value.toFixed(2);
    console.log(`${r.name.padEnd(width)}  ${v.padStart(12)}  ${r.unit.padEnd(10)}  ${r.target ?? ""}`);
  }
  const out = path.join(__dirname, "results.json");
  fs.writeFileSync(
    out,
    `${JSON.stringify(
      results.map(({ name, value, unit }) => ({ name, value, unit })),
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
