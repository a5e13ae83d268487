// Configuration in, stacks out. Choose a configuration file with APP_CONFIG (default: config/example.ts).
import { loadConfig } from "./config/load";
import { buildApp } from "./stacks/app";

process.env.CHECKPOINT_DISABLE ??= "1";
const { app } = buildApp(loadConfig());
app.synth();
// Synth warnings (cdktf Annotations) are printed here: `cdktf synth` would, running the app directly does not.
for (const c of app.node.findAll()) {
  for (const m of c.node.metadata) if (m.type === "@cdktf/warn") console.warn(`warning: ${c.node.path}: ${m.data}`);
}
