// How the Lambda Node.js runtime starts node, for benchmarks that must run a handler as Lambda does: its bootstrap
// (/var/runtime/bootstrap) passes V8 heap limits derived from the function's memory (new space a tenth of it, each of
// the two semi-spaces half of that, old space the rest) plus --expose-gc and a larger header limit, and our NodeFunction
// construct sets NODE_OPTIONS. Command-line flags come after NODE_OPTIONS, so the bootstrap's heap limits win.
// Only contracts: the memory bench runs this module's importer as its measured child, where construct code (cdktf and
// the AWS provider's bindings) would add tens of MB to the peak it reports.
import { DEFAULT_MEMORY_MB } from "../contracts/lambda";

/** The bootstrap's node flags for a function of `memoryMb` MiB. */
export function lambdaNodeFlags(memoryMb: number = DEFAULT_MEMORY_MB): string[] {
  const newSpace = Math.floor(memoryMb / 10);
  return [
    "--expose-gc",
    "--max-http-header-size=81920",
    `--max-semi-space-size=${Math.floor(newSpace / 2)}`,
    `--max-old-space-size=${memoryMb - newSpace}`,
  ];
}
