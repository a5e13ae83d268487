// withObservability: metrics are flushed first (right after the handler, returning or throwing), the logger's keys
// are reset last; middy runs `after` and `onError` hooks in reverse order of `.use()`.
import type { Context } from "aws-lambda";
import { logger, metrics, withObservability } from "../../../../handlers/shared/observability";

const context = {
  functionName: "fn",
  functionVersion: "1",
  invokedFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:fn",
  memoryLimitInMB: "128",
  awsRequestId: "req-1",
  getRemainingTimeInMillis: () => 1000,
} as unknown as Context;

function recordOrder() {
  const calls: string[] = [];
  const publish = jest.spyOn(metrics, "publishStoredMetrics").mockImplementation(() => {
    calls.push("metrics flushed");
    return metrics;
  });
  const reset = jest.spyOn(logger, "resetKeys").mockImplementation(() => {
    calls.push("logger keys reset");
  });
  const restore = () => {
    publish.mockRestore();
    reset.mockRestore();
  };
  return { calls, restore };
}

describe("withObservability", () => {
  it("flushes metrics before the logger resets its keys when the handler returns", async () => {
    // Prepare
    const { calls, restore } = recordOrder();
    try {
      const handler = withObservability(async () => {
        calls.push("handler");
        return "ok";
      });
      // Act / Assess
      await expect(handler({}, context)).resolves.toBe("ok");
      expect(calls).toEqual(["handler", "metrics flushed", "logger keys reset"]);
    } finally {
      restore();
    }
  });

  it("flushes metrics first when the handler throws, and the error still reaches the caller", async () => {
    // Prepare
    const { calls, restore } = recordOrder();
    try {
      const handler = withObservability(async () => {
        calls.push("handler");
        throw new Error("boom");
      });
      // Act / Assess
      await expect(handler({}, context)).rejects.toThrow("boom");
      expect(calls).toEqual(["handler", "metrics flushed", "logger keys reset"]);
    } finally {
      restore();
    }
  });
});
