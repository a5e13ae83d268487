// The one place that builds Logger and Metrics and wraps a handler with them.
//
// Order: middy runs `before` hooks in the order of `.use()` and `after` / `onError` hooks in reverse. The logger is
// used first, so it is the outermost layer: the Lambda context is on every line from its `before` on, and its keys are
// reset last, after everything else. Metrics are used second, the innermost layer: they are flushed first, right after
// the handler returns or throws, before any other middleware's `after` hook runs, so neither an `after` hook that throws
// nor one that returns early can keep this invocation's metrics (EventsIn, EventsFailed, ...) from being published.
// test/unit/handlers/shared/observability.test.ts proves the order.
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

/** Wraps a handler with structured logging (Lambda context on every line) and metrics (EMF, flushed first, per call). */
export function withObservability<E, R>(handler: (event: E, context: Context) => Promise<R>) {
  return middy(handler)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { throwOnEmptyMetrics: false }));
}
