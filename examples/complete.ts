// A configuration that uses every part: a tuned worker group with a dedicated queue volume and its drain, alarms to
// an existing paging topic, S3 state with a KMS key, and log routing with CloudWatch Logs subscriptions, two
// forwarders and the three kinds of sink (S3, an OpenSearch domain the stack creates in a VPC, Fluentd over TLS in
// the aggregator's VPC). Values are illustrative; ranges and defaults are in config/schema/.
//   APP_CONFIG=examples/complete.ts npm run synth
import type { AppConfig } from "../config";

const vpc = {
  subnetIds: ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"],
  securityGroupIds: ["sg-0a1b2c3d4e5f60003"],
};

const config: AppConfig = {
  name: "cribl-prod",
  region: "eu-west-1",
  tags: { owner: "platform-team", "cost-center": "logging" },
  backend: {
    type: "s3",
    bucket: "acme-terraform-state",
    keyPrefix: "cribl-prod",
    useLockfile: true,
    kmsKeyId: "arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d",
  },
  // Every alarm and drain notification of both stacks goes to this topic (its policies must let CloudWatch,
  // EventBridge and this app's roles publish); `email` subscribes an address instead.
  alarms: { topicArn: "arn:aws:sns:eu-west-1:123456789012:platform-paging" },
  workerFleet: {
    architecture: "arm64",
    instanceType: "m7g.xlarge",
    autoScalingGroupName: "cribl-prod-workers",
    minSize: 2,
    maxSize: 8,
    desiredCapacity: 3,
    leaderHost: "cribl-leader.internal.example.com",
    leaderPort: 4200,
    leaderTls: true,
    workerGroup: "ingest",
    leaderAuthTokenParameter: "/cribl-prod/leader-auth-token",
    leaderAuthTokenKmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/1a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d",
    lifecycleHookDefaultResult: "CONTINUE",
    cribl: {
      version: "4.9.3-25f2ed8e",
      // Placeholder: take the arm64 tarball's SHA-256 from Cribl's download page.
      sha256: "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d",
    },
    subnetIds: vpc.subnetIds,
    securityGroupIds: vpc.securityGroupIds,
    queues: ["/opt/cribl/state/queues"],
    queueVolume: { sizeGiB: 200, type: "gp3", iops: 6000, throughputMiBps: 250 },
    rootVolumeSizeGiB: 30,
    ebsKmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/2a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d",
    targetGroupArns: ["arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/cribl-ingest/0123456789abcdef"],
    drain: {
      requiredConsecutiveChecks: 3,
      minWaitSeconds: 15,
      maxWaitSeconds: 300,
      gracefulStop: true,
      snapshotOnGiveUp: true,
    },
    drainNotifications: {
      startAndEnd: true,
      runbookUrl: "https://github.com/acme/cribl-infra/blob/main/docs/runbook.md",
    },
    reconcileSchedule: "rate(5 minutes)",
    logRetentionDays: 90,
  },
  logRouting: {
    router: { mode: "PROVISIONED", shardCount: 4, retentionHours: 72 },
    schema: { typeKey: "log_type", idKey: "log_id", timeKey: "time", timezone: "UTC", invalidTime: "fail" },
    cloudwatchSubscription: {
      logGroups: [
        { name: "/app/api" },
        { name: "/app/worker" },
        { name: "/cribl-prod/demo", create: true, retentionDays: 14 },
      ],
      filterPattern: "",
      distribution: "Random",
    },
    failedRecords: { prefix: "failed", expirationDays: 180 },
    forwarders: [
      { name: "app", whitelist: ["app", "access"], output: { mode: "ON_DEMAND", retentionHours: 48 } },
      { name: "audit", whitelist: ["audit", "security"], partitionKeyField: "user_id", batchSize: 500 },
    ],
    sinks: {
      s3: [
        { name: "archive", source: "router", expirationDays: 730, prefix: "logs", maxConcurrentPuts: 16 },
        { name: "audit-archive", source: "audit", bucketName: "acme-audit-archive", createBucket: false },
      ],
      opensearch: [
        {
          name: "search",
          source: "app",
          domain: {
            domainName: "cribl-prod-logs",
            instanceType: "r6g.large.search",
            instanceCount: 2,
            volumeSizeGiB: 200,
            masterUserArn: "arn:aws:iam::123456789012:role/search-admin",
            vpc,
          },
          indexRetentionDays: 30,
          memorySize: 512,
        },
      ],
      fluent: [
        {
          name: "aggregator",
          source: "audit",
          host: "fluentd.internal.example.com",
          port: 24224,
          tlsServerName: "fluentd.example.com",
          sharedKeyParameterName: "/cribl-prod/fluentd-shared-key",
          requireAck: true,
          vpc,
        },
      ],
    },
    alarms: { iteratorAgePercent: 40, failedEventsThreshold: 10 },
  },
};

export default config;
