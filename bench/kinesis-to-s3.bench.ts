// kinesis-to-s3, whole invocation as deployed (see handler-bench.ts): signed PutObject of gzip JSON-lines objects.
import { toS3Env } from "../contracts/kinesis";
import { runHandlerBench } from "./handler-bench";
import type { BenchResult } from "./types";

export default function kinesisToS3Bench(): Promise<BenchResult[]> {
  return runHandlerBench({
    handler: "kinesis-to-s3",
    destination: "s3",
    env: () => ({
      [toS3Env.names.bucket]: "bench-archive",
      [toS3Env.names.prefix]: "logs",
      [toS3Env.names.maxConcurrentPuts]: "8",
    }),
    deliveredCounter: "s3Lines",
    targets: { plain: 70 },
  });
}
