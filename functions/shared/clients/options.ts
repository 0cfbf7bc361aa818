import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { BuildMiddleware, MiddlewareStack } from '@smithy/types';
import { config } from '../config.ts';

// Every SDK client of a container shares these options: keep-alive saves a TCP (and on AWS a TLS)
// handshake per call, and the endpoint comes from validated config so that the emulator and AWS
// run the same code path. One module per service below, so a function bundles only the SDKs it uses.
let options: { region: string; endpoint: string | undefined; requestHandler: NodeHttpHandler; maxAttempts: number } | undefined;

export function clientOptions() {
  const { AWS_REGION, AWS_ENDPOINT_URL } = config();
  options ??= {
    region: AWS_REGION,
    endpoint: AWS_ENDPOINT_URL,
    // Every call is bounded, connecting and answering; callers also pass their deadline's AbortSignal.
    requestHandler: new NodeHttpHandler({
      connectionTimeout: 1000,
      requestTimeout: 5000,
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 64 }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
    }),
    // The SDK's standard retry strategy handles throttling and transient errors of a single call.
    maxAttempts: 3,
  };
  return options;
}

/**
 * Two of the SDK's middlewares cost CPU on every call and give nothing here:
 * - the logger middleware copies every call's input and output to redact them for a logger, even
 *   when its logger discards everything, as ours does: a walk of a transaction's hundred items per
 *   call. SDK errors still reach our logs.
 * - the user-agent middleware rebuilds the User-Agent headers per call from the SDK's feature
 *   flags. A fixed one takes its place, so that CloudTrail and `aws:UserAgent` conditions still
 *   see who called.
 * docs/BENCHMARKS.md has what each cost. Every client goes without both, and so without what a
 * traced client (tracing-xray.ts) anchors to the user agent: Powertools adds its name to the header
 * with a middleware placed after it, and a stack that keeps that one fails every call.
 * Apply it last, after traceClient.
 */
export function withoutUnusedMiddleware<Client extends { middlewareStack: { remove(name: string): boolean } }>(client: Client): Client {
  const stack = client.middlewareStack as unknown as MiddlewareStack<object, object>;
  for (const name of ['loggerMiddleware', 'getUserAgentMiddleware', 'addPowertoolsToUserAgent']) stack.remove(name);
  stack.add(fixedUserAgent, { step: 'build', name: 'fixedUserAgent' });
  return client;
}

const fixedUserAgent: BuildMiddleware<object, object> = (next) => (args) => {
  const request = args.request as { headers?: Record<string, string> } | undefined;
  if (request?.headers) request.headers['user-agent'] = userAgent;
  return next(args);
};

/** Who calls, as AWS records it. */
export const userAgent = 'idemlog aws-sdk-js-v3';
