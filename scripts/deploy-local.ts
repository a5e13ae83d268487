// `npm run deploy:local`: try both stacks with no AWS account. Starts the moto emulator, applies the example
// configuration in emulator mode, shows that a second plan has no changes, and destroys. `-- --keep` leaves the
// emulator and resources running until Ctrl-C.
import "./quiet-sdk";
import { type Emulator, startEmulator } from "../test/support/emulator";
import { localCycle } from "./local-cycle";

async function main(): Promise<void> {
  const keep = process.argv.includes("--keep");
  let emulator: Emulator | undefined;
  try {
    emulator = await startEmulator();
    console.log(`moto emulator listening on ${emulator.endpoint}`);
    const cycles = await localCycle({ endpoint: emulator.endpoint, keep, log: (l) => console.log(`  ${l}`) });
    let ok = true;
    for (const c of cycles) {
      const replan = c.replanExitCode === 0 ? "no changes" : `CHANGES (exit ${c.replanExitCode})`;
      console.log(`${c.stack}: applied in ${c.applySeconds.toFixed(1)} s; second plan: ${replan}`);
      for (const [name, out] of Object.entries(c.outputs)) console.log(`  ${name} = ${JSON.stringify(out.value)}`);
      if (c.replanExitCode !== 0) {
        ok = false;
        console.log(c.replanOutput);
      }
    }
    if (keep) {
      console.log(`Resources kept. Point the AWS CLI at ${emulator.endpoint}; Ctrl-C stops the emulator.`);
      await new Promise<void>((resolve) => process.once("SIGINT", () => resolve()));
    }
    if (!ok) process.exitCode = 1;
  } finally {
    await emulator?.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
