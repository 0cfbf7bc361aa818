import { hash } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { isTransient } from '../adapters/aws-errors.ts';
import {
  DeadlineError,
  DependencyError,
  type DomainError,
  IdempotencyInProgressError,
  IdempotencyKeyReusedError,
  InvalidEventsError,
  InvalidHeaderError,
  InvalidQueryError,
  MalformedBodyError,
  NotEnqueuedError,
  TooLargeError,
  UnavailableError,
  UnsupportedMediaTypeError,
} from '../domain/errors.ts';
import { withDeadline } from './deadline.ts';
import { observed } from './lambda.ts';
import { logger } from './logger.ts';

export interface HttpReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Fields for the request's access-log line (e.g. how many events were accepted). */
  log?: Record<string, unknown>;
  /** The body is already text (a page), sent as it is. A Buffer body is sent as bytes. */
  raw?: boolean;
}

export interface RequestScope {
  /** Aborts shortly before the function's timeout: pass it to every dependency call. */
  signal: AbortSignal;
  context: Context;
}

export type HttpFn = (event: APIGatewayProxyEvent, scope: RequestScope) => Promise<HttpReply>;

export const reply = (status: number, body: unknown, headers?: Record<string, string>, log?: Record<string, unknown>): HttpReply => ({
  status,
  body,
  headers,
  log,
});

const toResult = ({ status, body, headers, raw }: HttpReply): APIGatewayProxyResult =>
  Buffer.isBuffer(body)
    ? { statusCode: status, headers: { ...headers }, body: body.toString('base64'), isBase64Encoded: true }
    : {
        statusCode: status,
        headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
        body: raw ? String(body) : JSON.stringify(body),
      };

export const headerOf = (event: Pick<APIGatewayProxyEvent, 'headers'>, name: string): string | undefined => {
  const wanted = name.toLowerCase();
  const entry = Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === wanted);
  return entry?.[1] ?? undefined;
};

/** No endpoint at this path. */
export class NotFoundError extends Error {}

/** The path exists, not with this method. */
class MethodNotAllowedError extends Error {
  readonly allow: string[];

  constructor(message: string, allow: string[]) {
    super(message);
    this.allow = allow;
  }
}

interface Mapping {
  status: number;
  code: string;
}

/** The one table from what went wrong to an HTTP status and an error code. */
const mappings: Array<[abstract new (...args: never[]) => Error, Mapping]> = [
  [MalformedBodyError, { status: 400, code: 'malformed_json' }],
  [InvalidQueryError, { status: 400, code: 'invalid_query' }],
  [InvalidHeaderError, { status: 400, code: 'invalid_header' }],
  [NotFoundError, { status: 404, code: 'not_found' }],
  [MethodNotAllowedError, { status: 405, code: 'method_not_allowed' }],
  [IdempotencyInProgressError, { status: 409, code: 'idempotency_request_in_progress' }],
  [TooLargeError, { status: 413, code: 'payload_too_large' }],
  [UnsupportedMediaTypeError, { status: 415, code: 'unsupported_media_type' }],
  [InvalidEventsError, { status: 422, code: 'validation_failed' }],
  [IdempotencyKeyReusedError, { status: 422, code: 'idempotency_key_reused' }],
  [NotEnqueuedError, { status: 503, code: 'not_enqueued' }],
  [DeadlineError, { status: 503, code: 'timed_out' }],
  [UnavailableError, { status: 503, code: 'unavailable' }],
];

/** What went wrong, as a status: the one mapping every protocol's answer starts from. */
export interface Problem {
  status: number;
  code: string;
  message: string;
  details: unknown[];
  /** Seconds, for the answers a client should retry. */
  retryAfter?: number;
  error: unknown;
}

export function problemOf(thrown: unknown): Problem {
  // A dependency call cancelled by the request's deadline signal, or one that failed for a passing
  // reason (throttled, timed out, a 5xx) after the SDK's own retries.
  const error = isAbort(thrown)
    ? new DeadlineError('the request ran out of time; retry it', [], { cause: thrown })
    : isTransient(thrown)
      ? new UnavailableError('a dependency is briefly unavailable; retry shortly', [], { cause: thrown })
      : thrown;
  const mapping = mappings.find(([type]) => error instanceof type)?.[1];
  if (!mapping || error instanceof DependencyError) {
    logger.error('request failed', { error: describe(error) });
    return { status: 500, code: 'internal_error', message: 'an unexpected error occurred; it has been logged', details: [], error };
  }
  const failure = error as Error & Partial<DomainError>;
  if (mapping.status >= 500) logger.warn('request failed', { code: mapping.code, error: describe(error) });
  return {
    ...mapping,
    message: failure.message,
    details: failure.details ?? [],
    ...(mapping.status >= 500 || mapping.status === 409 ? { retryAfter: 1 } : {}),
    error,
  };
}

/** Turns any error into a response. Errors a client caused say what went wrong; anything else is a generic 500, logged once with its cause. */
export function toErrorReply(thrown: unknown): HttpReply {
  const { status, code, message, details, retryAfter, error } = problemOf(thrown);
  const body: Record<string, unknown> = { error: code, message, details };
  const headers: Record<string, string> = retryAfter === undefined ? {} : { 'Retry-After': String(retryAfter) };
  if (error instanceof NotEnqueuedError) Object.assign(body, { accepted: error.accepted, request_id: error.requestId });
  if (error instanceof MethodNotAllowedError) headers.Allow = error.allow.join(', ');
  return reply(status, body, headers);
}

const isAbort = (error: unknown) => error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');

/** An error and its causes, as plain data for a log line. */
export function describe(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  return {
    name: error.name,
    message: error.message,
    stack: error.stack,
    ...(error.cause === undefined ? {} : { cause: describe(error.cause) }),
  };
}

/**
 * Who is calling: the key's id as the authorizer names it (principalId), else as API Gateway
 * does, else a short hash of x-api-key; a key sent only in Authorization always has the first.
 */
export function callerOf(event: Pick<APIGatewayProxyEvent, 'headers' | 'requestContext'>): string {
  const principal = (event.requestContext?.authorizer as { principalId?: unknown } | null | undefined)?.principalId;
  if (typeof principal === 'string' && principal !== '' && principal !== 'unknown') return principal;
  const keyId = event.requestContext?.identity?.apiKeyId;
  if (keyId) return keyId;
  const key = headerOf(event, 'x-api-key');
  return key ? `key-${hash('sha256', key, 'base64url').slice(0, 16)}` : 'anonymous';
}

/** Stop this long before the function's timeout, to answer instead of being cut off. */
const deadlineMarginMs = 1000;

/**
 * Every HTTP function: the method check, the handler, errors mapped to JSON, and one access-log
 * line per request (method, path, status, latency, request id, caller, and what the handler adds).
 */
export const httpHandler = (methods: string[], fn: HttpFn) =>
  observed<APIGatewayProxyEvent, APIGatewayProxyResult>(async (event, context) => {
    const started = performance.now();
    const method = event.httpMethod?.toUpperCase();
    let result: HttpReply;
    try {
      if (!methods.includes(method))
        throw new MethodNotAllowedError(`${method} is not allowed on ${event.path}; use ${methods.join(', ')}`, methods);
      result = await withDeadline(context, deadlineMarginMs, (signal) => fn(event, { signal, context }));
    } catch (error) {
      result = toErrorReply(error);
    }
    logger.info('request', {
      method,
      path: event.path,
      status: result.status,
      latencyMs: Math.round(performance.now() - started),
      requestId: event.requestContext?.requestId,
      caller: callerOf(event),
      ...result.log,
    });
    return toResult(result);
  });
