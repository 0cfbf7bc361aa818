import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { MiddlewareObj } from '@middy/core';

/**
 * Tracing inside the functions, on: bundled in place of tracing.ts when IDEMLOG_TRACING=true at
 * deploy (infra/esbuild-plugins.cjs). An X-Ray segment for each invocation and a subsegment for
 * each AWS SDK call; inert where there is no X-Ray (the emulator).
 */

const tracer = new Tracer({ serviceName: 'idemlog' });

export const tracesClientCalls = true;

export function traceClient<Client>(client: Client): Client {
  return tracer.captureAWSv3Client(client);
}

export function tracingMiddleware(): MiddlewareObj | undefined {
  return captureLambdaHandler(tracer, { captureResponse: false });
}
