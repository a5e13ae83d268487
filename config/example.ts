// The example configuration: synthesizes out of the box, with no AWS account and no network.
import type { AppConfig } from "./app-config";

const config: AppConfig = {
  name: "cribl-demo",
  region: "eu-west-1",
  tags: { owner: "platform-team" },
  workerFleet: {
    // Your leader, and the NAME of the SecureString holding its auth token (create it first:
    // aws ssm put-parameter --type SecureString --name /cribl/leader-auth-token --value "$(cat token)").
    leaderHost: "cribl-leader.internal.example.com",
    leaderAuthTokenParameter: "/cribl/leader-auth-token",
    // The pinned release. Take the release id and the tarball's SHA-256 from Cribl's download page: workers refuse to
    // install a tarball whose checksum differs (this example's checksum is a placeholder, so boot stops there).
    cribl: {
      version: "4.9.3-25f2ed8e",
      sha256: "4f2f3c5b7c6d0a9e8b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a",
    },
    // Unset: the default VPC's default subnets and an egress-only security group. Set both for production.
    // subnetIds: ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"],
    // securityGroupIds: ["sg-0123456789abcdef0"],
    queueVolume: { sizeGiB: 100, type: "gp3" },
    logRetentionDays: 30,
  },
  logRouting: {
    router: { mode: "ON_DEMAND", retentionHours: 24 },
    // A demo log group the stack creates and subscribes, so the example routes CloudWatch Logs end to end.
    cloudwatchSubscription: { logGroups: [{ name: "/demo/app", create: true, retentionDays: 7 }] },
    failedRecords: { expirationDays: 30, forceDestroy: true },
    forwarders: [
      { name: "app", whitelist: ["app"] },
      { name: "audit", whitelist: ["audit", "security"] },
    ],
  },
};

export default config;
