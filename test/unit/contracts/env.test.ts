// The environment contracts (contracts/env.ts): every function's variables written by its construct are read back as
// the same values, and the one failure policy: a bad environment never fails the module load; every call reports it
// as InvalidEnvironment naming the variable, which the drain state machine ends in a named Fail state at once.
import type { Context } from "aws-lambda";
import { checkQueueEnv, startDrainEnv } from "../../../contracts/drain";
import { defineEnv, EnvironmentError, int, loadEnv, required } from "../../../contracts/env";
import { consumerEnv, forwardEnv, toFluentEnv, toOpenSearchEnv, toS3Env } from "../../../contracts/kinesis";
import { terminateLifecycleEvent } from "../../fixtures/drain/events";
import { callsOf, DEFAULT_TEST_SETTINGS, runDrain } from "../../fixtures/drain/sfn-harness";

const context = {
  functionName: "fn",
  awsRequestId: "req-1",
  invokedFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:fn",
  getRemainingTimeInMillis: () => 1000,
} as unknown as Context;

/**
 * Loads a handler module afresh with exactly this environment (plus a region for the SDK clients, and the SDK's switch
 * for its Node 20 warning, which every process of ours sets: scripts/quiet-sdk.ts).
 */
function loadHandler(path: string, env: Record<string, string>): (event: unknown, ctx: Context) => Promise<unknown> {
  const saved = process.env;
  process.env = { AWS_REGION: "eu-west-1", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", ...env };
  try {
    let mod: { handler: (event: unknown, ctx: Context) => Promise<unknown> } | undefined;
    jest.isolateModules(() => {
      mod = require(path);
    });
    return mod!.handler;
  } finally {
    process.env = saved;
  }
}

describe("defineEnv", () => {
  it("reads back what a construct writes, for every function", () => {
    // Prepare
    const cases: [{ write(v: never): Record<string, string>; read(e: never): unknown }, Record<string, unknown>][] = [
      [
        startDrainEnv,
        {
          stateMachineArn: "arn:sm",
          autoScalingGroupName: "g",
          lifecycleHookName: "h",
          settings: DEFAULT_TEST_SETTINGS,
        },
      ],
      [checkQueueEnv, { queueProbeDocumentName: "doc", checkBudgetSeconds: 50 }],
      [forwardEnv, { targetStreamArn: "arn:s", partitionKeyField: "k", maxPutAttempts: 7 }],
      [toS3Env, { bucket: "b", prefix: "", kmsKeyArn: "arn:k", maxConcurrentPuts: 8 }],
      [toFluentEnv, { host: "h", port: 24224, tag: "", tls: true, requireAck: false, ackTimeoutMs: 1000 }],
      [toOpenSearchEnv, { endpoint: "https://e", service: "aoss", documentIds: false, ismPolicyId: "p" }],
    ];
    // Act / Assess
    for (const [contract, values] of cases) {
      const written = contract.write(values as never);
      expect(Object.values(written).every((v) => typeof v === "string")).toBe(true);
      expect(contract.read(written as never)).toMatchObject(values);
    }
    const consumer = consumerEnv.write({ whitelist: ["a", "b"], failedRecordsBucket: "b", timeZone: "Asia/Tokyo" });
    expect(consumer).toEqual({
      LOG_TYPE_WHITELIST: '["a","b"]',
      FAILED_RECORDS_BUCKET: "b",
      LOG_TIMEZONE: "Asia/Tokyo",
    });
    expect(consumerEnv.read(consumer)).toMatchObject({ whitelist: ["a", "b"], unknownTypePrefix: "unknown" });
  });

  it("leaves undefined values unset and keeps the caller's order", () => {
    // Act / Assess
    expect(Object.keys(toS3Env.write({ maxConcurrentPuts: 4, bucket: "b", kmsKeyArn: undefined }))).toEqual([
      "S3_MAX_CONCURRENT_PUTS",
      "S3_BUCKET",
    ]);
  });

  it("names the variable and its range in the error", () => {
    // Prepare
    const env = defineEnv({ a: required("A_VAR"), n: int("N_VAR", 5, 1, 9) });
    // Act / Assess
    expect(() => env.read({})).toThrow(new EnvironmentError("environment variable A_VAR must be set"));
    expect(() => env.read({ A_VAR: "x", N_VAR: "10" })).toThrow(
      "environment variable N_VAR must be an integer from 1 to 9",
    );
    expect(env.read({ A_VAR: "x", N_VAR: "" })).toEqual({ a: "x", n: 5 });
    expect(() => toOpenSearchEnv.read({ OPENSEARCH_ENDPOINT: "e", OPENSEARCH_SERVICE: "x" })).toThrow(
      'environment variable OPENSEARCH_SERVICE must be "es" or "aoss"',
    );
    expect(() => consumerEnv.read({ FAILED_RECORDS_BUCKET: "b", LOG_TIMEZONE: "Mars/Base" })).toThrow(/LOG_TIMEZONE/);
  });
});

describe("one failure policy: loaded with the module, reported on every call", () => {
  it("loadEnv never throws at load and throws the same error on every call", () => {
    // Prepare
    const get = loadEnv(() => checkQueueEnv.read({}));
    // Act / Assess
    expect(() => get()).toThrow(/QUEUE_PROBE_DOCUMENT_NAME/);
    expect(() => get()).toThrow(/QUEUE_PROBE_DOCUMENT_NAME/);
  });

  it.each([
    ["check-queue", "../../../handlers/check-queue/index", {}, /QUEUE_PROBE_DOCUMENT_NAME must be set/],
    ["start-drain", "../../../handlers/start-drain/index", {}, /STATE_MACHINE_ARN must be set/],
    ["drain-notify", "../../../handlers/drain-notify/index", {}, /ALARM_TOPIC_ARN must be set/],
    [
      "reconcile",
      "../../../handlers/reconcile/index",
      { STATE_MACHINE_ARN: "a", AUTO_SCALING_GROUP_NAME: "g", LIFECYCLE_HOOK_NAME: "h", DRAIN_SETTINGS: "{}" },
      /DRAIN_SETTINGS.queueDirectories/,
    ],
    [
      "kinesis-forward",
      "../../../handlers/kinesis-forward/index",
      { FAILED_RECORDS_BUCKET: "b" },
      /TARGET_STREAM_ARN must be set/,
    ],
    ["kinesis-to-s3", "../../../handlers/kinesis-to-s3/index", { S3_BUCKET: "b" }, /FAILED_RECORDS_BUCKET must be set/],
    [
      "kinesis-to-opensearch",
      "../../../handlers/kinesis-to-opensearch/index",
      { FAILED_RECORDS_BUCKET: "b", OPENSEARCH_ENDPOINT: "https://e", OPENSEARCH_MAX_ATTEMPTS: "0" },
      /OPENSEARCH_MAX_ATTEMPTS must be an integer from 1 to 20/,
    ],
    [
      "kinesis-to-fluent",
      "../../../handlers/kinesis-to-fluent/index",
      { FAILED_RECORDS_BUCKET: "b", FLUENT_HOST: "h", FLUENT_TLS: "yes" },
      /FLUENT_TLS must be "true" or "false"/,
    ],
  ])(
    "%s loads with a bad environment and fails each call with InvalidEnvironment",
    async (name, path, env, message) => {
      // Act
      const handler = loadHandler(path, env as Record<string, string>);
      // Assess
      for (let i = 0; i < 2; i++) {
        const event = name === "start-drain" ? terminateLifecycleEvent() : { Records: [] };
        const error = await handler(event, context).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(Error);
        expect((error as Error).name).toBe("InvalidEnvironment");
        expect((error as Error).message).toMatch(message);
      }
    },
  );

  it("the drain ends in FailedUnexpectedError at once, the variable in its Cause, when check-queue reports it", async () => {
    // Prepare
    const handler = loadHandler("../../../handlers/check-queue/index", {});
    // Act
    const error = await handler({}, context).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    const r = await runDrain({
      checkQueues: () => {
        throw error;
      },
    });
    // Assess
    expect(r).toMatchObject({ status: "failed", outcome: "FailedUnexpectedError" });
    expect(JSON.parse(r.cause!).error.Error).toBe("InvalidEnvironment");
    expect(JSON.parse(r.cause!).error.Cause).toMatch(/QUEUE_PROBE_DOCUMENT_NAME/);
    expect(callsOf(r, "CheckQueues")).toHaveLength(1);
  });
});
