import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
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
    .use(logMetrics(metrics, { captureColdStartMetric: true }))
    .handler(handler);
}
