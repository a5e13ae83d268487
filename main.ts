// Configuration in, stacks out. Choose a configuration file with APP_CONFIG (default: config/example.ts).
import { loadConfig } from "./config/load";
import { buildApp } from "./stacks/app";

process.env.CHECKPOINT_DISABLE ??= "1";
buildApp(loadConfig()).app.synth();
