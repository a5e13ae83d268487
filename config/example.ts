// The example configuration: synthesizes out of the box, with no AWS account and no network.
import type { AppConfig } from "./index";

const config: AppConfig = {
  name: "cribl-demo",
  region: "eu-west-1",
  tags: { owner: "platform-team" },
  // Shared, encrypted, locked state. Create the bucket once (versioned, SSE, public access blocked); local state needs
  // `allowLocalState: true` and is meant for experiments only.
  backend: { type: "s3", bucket: "cribl-demo-terraform-state", keyPrefix: "cribl-demo" },
  // Who hears the alarms and drain notifications of both stacks: an email (confirm the subscription AWS sends), or
  // `topicArn` of your paging topic. Required: an alarm nobody hears protects nothing.
  alarms: { email: "platform-oncall@example.com" },
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
    // Private subnets (workers never get a public IP) with a route to the leader, SSM and the destinations, and the
    // security groups that allow it. Both are required: the default VPC would give every worker a public address.
    subnetIds: ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"],
    securityGroupIds: ["sg-0123456789abcdef0"],
    queueVolume: { sizeGiB: 100, type: "gp3" },
    logRetentionDays: 30,
  },
  logRouting: {
    router: { mode: "ON_DEMAND", retentionHours: 24 },
    // A demo log group the stack creates and subscribes, so the example routes CloudWatch Logs end to end.
    cloudwatchSubscription: { logGroups: [{ name: "/demo/app", create: true, retentionDays: 7 }] },
    // Records no sink could deliver, with their reason and original bytes. `forceDestroy` stays false (the default):
    // `terraform destroy` then refuses to delete a bucket that still holds records.
    failedRecords: { expirationDays: 30 },
    forwarders: [
      { name: "app", whitelist: ["app"] },
      { name: "audit", whitelist: ["audit", "security"] },
    ],
    sinks: {
      // Every event as gzip JSON lines, per type and day, in a bucket the stack creates (SSE, TLS only, versioned).
      s3: [{ name: "archive", source: "router", expirationDays: 365 }],
      // The audit stream into daily indices `cribl-demo-audit-<type>-<date>` of an existing domain, deleted after 14
      // days by an ISM policy covering exactly `cribl-demo-audit-*` (synth warns: it is a domain others may share).
      // To create a domain instead (in a VPC, encrypted, HTTPS + TLS 1.2, audit and slow logs, fine-grained access
      // administered by a separate admin), replace `existing` with
      // `domain: { domainName: "cribl-demo-logs", masterUserArn: "arn:aws:iam::123456789012:role/search-admin",
      //   vpc: { subnetIds: [...], securityGroupIds: [...] } }` and run the requests of its `admin_setup` output once.
      opensearch: [
        {
          name: "search",
          source: "audit",
          existing: {
            endpoint: "https://search-cribl-demo-logs-abcdefghijklmnop.eu-west-1.es.amazonaws.com",
            arn: "arn:aws:es:eu-west-1:123456789012:domain/cribl-demo-logs",
          },
          indexPrefix: "cribl-demo-audit",
          indexRetentionDays: 14,
        },
      ],
      // The app stream to a Fluentd aggregator, over TLS (the default; plaintext needs `plaintext: true` and is refused
      // with a shared key). The shared key stays in SSM; only its NAME is configuration (create it first:
      // aws ssm put-parameter --type SecureString --name /cribl-demo/fluentd-shared-key --value ...).
      // In production add vpc: { subnetIds: [...], securityGroupIds: [...] } to reach the aggregator privately.
      fluent: [
        {
          name: "aggregator",
          source: "app",
          host: "fluentd.internal.example.com",
          sharedKeyParameterName: "/cribl-demo/fluentd-shared-key",
        },
      ],
    },
  },
};

export default config;
