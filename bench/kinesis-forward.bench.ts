// kinesis-forward, whole invocation as deployed (see handler-bench.ts): PutRecords through the handler's KinesisClient.
import { FORWARD_ENV } from "../handlers/kinesis-forward/env";
import { runHandlerBench } from "./handler-bench";
import type { BenchResult } from "./types";

export default function kinesisForwardBench(): Promise<BenchResult[]> {
  return runHandlerBench({
    handler: "kinesis-forward",
    destination: "forward",
    env: () => ({
      [FORWARD_ENV.targetStreamArn]: "arn:aws:kinesis:eu-west-1:123456789012:stream/bench-out",
      [FORWARD_ENV.maxPutAttempts]: "5",
    }),
    deliveredCounter: "kinesisRecords",
    targets: { plain: 100, cloudwatch: 80 },
  });
}
