// The one place that builds Logger and Metrics and wraps a handler with them: logger first (context on every line),
// metrics after (flushed last, even when the handler throws).
//
// X-Ray: functions run with tracing mode Active, so every invocation is traced by Lambda itself. The Powertools
// Tracer is deliberately not bundled: its X-Ray SDK adds about 134 KB and 10 ms of cold start per function, which
// would put the SSM, Kinesis and S3 handlers over their 500 KB bundle budget.
import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { Context } from "aws-lambda";

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? "cribl-drain";

export const logger = new Logger({ serviceName });
export const metrics = new Metrics({
  serviceName,
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? "CriblDrain",
});

/** Wraps a handler with structured logging (Lambda context on every line) and metrics (EMF, flushed per call). */
export function withObservability<E, R>(handler: (event: E, context: Context) => Promise<R>) {
  return middy(handler)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { throwOnEmptyMetrics: false }));
}
