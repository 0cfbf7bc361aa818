import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { logger } from './logger.ts';
import { metrics } from './metrics.ts';
import { tracingMiddleware } from './tracing.ts';

/**
 * Every function's middy stack: log lines carry the request id and cold start, metrics are
 * flushed once per invocation, and the invocation is traced when tracing is on (shared/tracing.ts). Middleware first, handler last.
 */
export function observed<Event, Result>(handler: (event: Event, context: Context) => Promise<Result>) {
  const traced = tracingMiddleware();
  return middy<Event, Result>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(traced ? [traced] : [])
    .use(flushedMetrics)
    .handler(handler);
}

/**
 * Powertools' logMetrics, less its warning when an invocation recorded no metric: most functions
 * record none (only publish, ingest and process do), and it wrote a WARN line on each of their
 * requests. The cold-start metric is its own line, on the first invocation, as before. Unlike
 * logMetrics it does not register itself for middlewares that end an invocation early (none here
 * does), and `throwOnEmptyMetrics` has no effect.
 */
const flushedMetrics: MiddlewareObj = {
  before: (request) => {
    metrics.captureColdStartMetric(request.context.functionName);
  },
  after: flushMetrics,
  onError: flushMetrics,
};

function flushMetrics(): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  else {
    // What publishing would have cleared, so that nothing carries into the next invocation's line.
    metrics.clearDimensions();
    metrics.clearMetadata();
  }
}
