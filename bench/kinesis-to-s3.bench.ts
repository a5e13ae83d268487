// kinesis-to-s3, whole invocation as deployed (see handler-bench.ts): signed PutObject of gzip JSON-lines objects.
import { TO_S3_ENV } from "../handlers/kinesis-to-s3/env";
import { runHandlerBench } from "./handler-bench";
import type { BenchResult } from "./types";

export default function kinesisToS3Bench(): Promise<BenchResult[]> {
  return runHandlerBench({
    handler: "kinesis-to-s3",
    destination: "s3",
    env: () => ({
      [TO_S3_ENV.bucket]: "bench-archive",
      [TO_S3_ENV.prefix]: "logs",
      [TO_S3_ENV.maxConcurrentPuts]: "8",
    }),
    deliveredCounter: "s3Lines",
    targets: { plain: 70 },
  });
}
