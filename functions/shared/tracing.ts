import type { MiddlewareObj } from '@middy/core';

/**
 * Tracing inside the functions, off: the functions' own X-Ray subsegments (one per AWS SDK call)
 * come only with IDEMLOG_TRACING=true at deploy, when the bundler puts tracing-xray.ts in this
 * module's place (infra/esbuild-plugins.cjs). The X-Ray SDK tracks its context through async
 * hooks on every promise, which costs the functions CPU on every event whether or not a trace is
 * sampled (docs/BENCHMARKS.md). Lambda's active tracing still records each invocation.
 */

/** Whether traceClient hooks into the SDK clients' middleware: calls that skip it would go untraced. */
export const tracesClientCalls = false;

/** The client itself: nothing is traced. */
export function traceClient<Client>(client: Client): Client {
  return client;
}

/** No middleware: nothing is traced. */
export function tracingMiddleware(): MiddlewareObj | undefined {
  return undefined;
}
