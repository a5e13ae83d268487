// kinesis-forward, whole invocation as deployed (see handler-bench.ts): PutRecords through the handler's KinesisClient.
import { forwardEnv } from "../contracts/kinesis";
import { runHandlerBench } from "./handler-bench";
import type { BenchResult } from "./types";

export default function kinesisForwardBench(): Promise<BenchResult[]> {
  return runHandlerBench({
    handler: "kinesis-forward",
    destination: "forward",
    env: () => ({
      [forwardEnv.names.targetStreamArn]: "arn:aws:kinesis:eu-west-1:123456789012:stream/bench-out",
      [forwardEnv.names.maxPutAttempts]: "5",
    }),
    deliveredCounter: "kinesisRecords",
    targets: { plain: 100, cloudwatch: 80 },
  });
}
