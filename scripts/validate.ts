// `npm run validate`: terraform init + validate on every stack in cdktf.out (run `npm run synth` first).
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT, validateStacks } from "./terraform";

async function main(): Promise<void> {
  const outdir = path.resolve(process.argv[2] ?? path.join(PROJECT_ROOT, "cdktf.out"));
  if (!fs.existsSync(path.join(outdir, "stacks"))) {
    throw new Error(`${outdir} holds no synthesized stacks: run \`npm run synth\` first.`);
  }
  for (const r of await validateStacks(outdir)) {
    console.log(`terraform validate: ${r.stack} is valid (${r.seconds.toFixed(1)} s)`);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
