// The example configuration in emulator mode, for `npm run deploy:local` and the integration tests.

import example from "./example";
import type { AppConfig } from "./index";

const endpoint = process.env.AWS_ENDPOINT_URL ?? "http://127.0.0.1:5000";

const config: AppConfig = {
  ...example,
  emulator: { endpoint },
  backend: { type: "local", directory: process.env.TF_STATE_DIR },
};

export default config;
