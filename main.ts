// Configuration in, stacks out. Choose a configuration file with APP_CONFIG (default: config/example.ts).
import { ConfigError } from "./config";
import { loadConfig } from "./config/load";
import { buildApp } from "./stacks/app";

process.env.CHECKPOINT_DISABLE ??= "1";
let built: ReturnType<typeof buildApp>;
try {
  built = buildApp(loadConfig());
} catch (e) {
  // A configuration error is the user's to fix: every problem, one line each, and no stack trace.
  if (!(e instanceof ConfigError)) throw e;
  const n = e.issues.length;
  console.error(
    `configuration has ${n} error${n === 1 ? "" : "s"}:\n${e.issues.map((i) => `  ${i.field}: ${i.message}`).join("\n")}`,
  );
  process.exit(1);
}
const { app } = built;
app.synth();
// Synth warnings (cdktf Annotations) are printed here: `cdktf synth` would, running the app directly does not.
for (const c of app.node.findAll()) {
  for (const m of c.node.metadata) if (m.type === "@cdktf/warn") console.warn(`warning: ${c.node.path}: ${m.data}`);
}
