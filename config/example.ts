// The example configuration: synthesizes out of the box, with no AWS account and no network.
import type { AppConfig } from "./app-config";

const config: AppConfig = {
  name: "cribl-demo",
  region: "eu-west-1",
  tags: { owner: "platform-team" },
  workerFleet: {
    logRetentionDays: 30,
  },
  logRouting: {
    router: { mode: "ON_DEMAND", retentionHours: 24 },
  },
};

export default config;
