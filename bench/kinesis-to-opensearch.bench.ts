// kinesis-to-opensearch, whole invocation as deployed (see handler-bench.ts): SigV4 `_bulk` requests over fetch, with
// the index lifecycle policy installed on the first (warm-up) invocation as the example configuration does.
import { toOpenSearchEnv } from "../contracts/kinesis";
import { runHandlerBench } from "./handler-bench";
import type { BenchResult } from "./types";

const E = toOpenSearchEnv.names;

export default function kinesisToOpenSearchBench(): Promise<BenchResult[]> {
  return runHandlerBench({
    handler: "kinesis-to-opensearch",
    destination: "opensearch",
    env: (stub) => ({
      [E.endpoint]: stub.httpEndpoint,
      [E.service]: "es",
      [E.indexPrefix]: "logs",
      [E.documentIds]: "true",
      [E.maxBulkDocs]: "500",
      [E.maxBulkBytes]: String(5 * 1024 * 1024),
      [E.maxAttempts]: "5",
      [E.ismPolicyId]: "kinesis-to-opensearch-retention",
      [E.ismDeleteAfterDays]: "14",
    }),
    deliveredCounter: "bulkDocs",
    targets: { plain: 90 },
  });
}
