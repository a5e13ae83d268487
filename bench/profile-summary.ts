// `npx tsx bench/profile-summary.ts <file.cpuprofile> [top]`: self time by function and by file (package) of a V8 CPU
// profile, e.g. one written by `BENCH_CPU_PROF=<dir> npm run bench -- <handler>`. Given a `.heapprofile` (from
// `BENCH_ALLOC_PROF=<dir>`), allocated bytes by allocating function, with its caller, and by file instead.
import * as fs from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function where(url: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  if (url === "") return "(native/vm)";
  return url.replace(/^file:\/\//, "").replace(`${process.cwd()}/`, "");
}

interface HeapNode {
  callFrame: ProfileNode["callFrame"];
  selfSize: number;
  children: HeapNode[];
}

/** Allocated bytes per invocation by allocating function (with its caller) and by file. */
function summarizeAllocations(profile: { head: HeapNode; runs?: number }, top: number): void {
  const runs = profile.runs ?? 1;
  const name = (n: HeapNode) => `${n.callFrame.functionName || "(anonymous)"}  ${where(n.callFrame.url)}`;
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  const walk = (n: HeapNode, caller: string) => {
    if (n.selfSize > 0) {
      const key = `${name(n)}  < ${caller}`;
      byFunction.set(key, (byFunction.get(key) ?? 0) + n.selfSize);
      byFile.set(where(n.callFrame.url), (byFile.get(where(n.callFrame.url)) ?? 0) + n.selfSize);
      total += n.selfSize;
    }
    for (const c of n.children) walk(c, name(n));
  };
  walk(profile.head, "");
  const print = (title: string, m: Map<string, number>) => {
    console.log(`\n${title} (MB allocated per invocation; ${(total / runs / 1e6).toFixed(1)} MB in all)`);
    for (const [k, bytes] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(
        `${(bytes / runs / 1e6).toFixed(2).padStart(7)}  ${((100 * bytes) / total).toFixed(1).padStart(5)}%  ${k}`,
      );
    }
  };
  print("allocations by function < caller", byFunction);
  print("allocations by file or package", byFile);
}

function main(): void {
  const [file, topArg] = process.argv.slice(2);
  if (!file) throw new Error("usage: tsx bench/profile-summary.ts <file.cpuprofile|file.heapprofile> [top]");
  const top = Number(topArg ?? 30);
  if (file.endsWith(".heapprofile")) {
    summarizeAllocations(JSON.parse(fs.readFileSync(file, "utf8")), top);
    return;
  }
  const profile = JSON.parse(fs.readFileSync(file, "utf8")) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  // Samples taken while the inspector itself serialises the profile (Profiler.stop) are not the handler's.
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inspector = new Map<number, boolean>();
  const underInspector = (id: number): boolean => {
    const known = inspector.get(id);
    if (known !== undefined) return known;
    const up = parent.get(id);
    const result = byId.get(id)!.callFrame.url === "node:inspector" || (up !== undefined && underInspector(up));
    inspector.set(id, result);
    return result;
  };
  const self = new Map<number, number>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    self.set(profile.samples[i]!, (self.get(profile.samples[i]!) ?? 0) + dt);
    total += dt;
  }
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const [id, t] of self) {
    const n = byId.get(id)!;
    const f = n.callFrame;
    if (f.functionName === "(idle)" || f.functionName === "(program)" || underInspector(id)) continue;
    const key = `${f.functionName || "(anonymous)"}  ${where(f.url)}:${f.lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + t);
    byFile.set(where(f.url), (byFile.get(where(f.url)) ?? 0) + t);
  }
  const busy = [...byFunction.values()].reduce((a, b) => a + b, 0);
  const print = (title: string, m: Map<string, number>) => {
    console.log(
      `\n${title} (share of busy samples; busy ${(busy / 1000).toFixed(0)} ms of ${(total / 1000).toFixed(0)} ms)`,
    );
    for (const [k, t] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(`${((100 * t) / busy).toFixed(1).padStart(6)}%  ${k}`);
    }
  };
  print("self time by function", byFunction);
  print("self time by file or package", byFile);
}

main();
