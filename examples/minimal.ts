// The smallest production configuration: the worker group in your private subnets, its drain, alarms to one email
// address, shared S3 state, and the log-routing stack with one archive of every event in S3. Every other value is the
// schema's default (config/schema/).
//   APP_CONFIG=examples/minimal.ts npm run synth
import type { AppConfig } from "../config";

const config: AppConfig = {
  name: "cribl-min",
  region: "eu-west-1",
  // Shared, locked state in a bucket you created once (versioned, encrypted, public access blocked).
  backend: { type: "s3", bucket: "acme-terraform-state", keyPrefix: "cribl-min" },
  // Who hears the alarms of both stacks (AWS sends the address a confirmation first).
  alarms: { email: "ops@example.com" },
  workerFleet: {
    leaderHost: "cribl-leader.internal.example.com",
    // The NAME of the SecureString holding the leader's auth token, never the token.
    leaderAuthTokenParameter: "/cribl/leader-auth-token",
    cribl: {
      version: "4.9.3-25f2ed8e",
      // Placeholder: take the tarball's SHA-256 from Cribl's download page (workers refuse a mismatch).
      sha256: "4f2f3c5b7c6d0a9e8b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a",
    },
    // Private subnets with a route to the leader, SSM and the Cribl download, and the groups that allow it.
    subnetIds: ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"],
    securityGroupIds: ["sg-0123456789abcdef0"],
  },
  logRouting: {
    // Everything written to the router stream, as gzip JSON lines per type and day, in a bucket the stack creates.
    sinks: { s3: [{ name: "archive" }] },
  },
};

export default config;
