import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { AppError, MethodNotAllowedError } from './errors.ts';
import { logger } from './logger.ts';

export interface HttpReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export type HttpFn = (event: APIGatewayProxyEvent) => Promise<HttpReply>;

export const reply = (status: number, body: unknown, headers?: Record<string, string>): HttpReply => ({ status, body, headers });

const toResult = ({ status, body, headers }: HttpReply): APIGatewayProxyResult => ({
  statusCode: status,
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  body: JSON.stringify(body),
});

export const headerOf = (event: APIGatewayProxyEvent, name: string): string | undefined => {
  const wanted = name.toLowerCase();
  const entry = Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === wanted);
  return entry?.[1] ?? undefined;
};

/** The one place errors become HTTP responses. Errors below 500 say what went wrong; anything else is a generic 500. */
function errorsToJson(): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return {
    onError: async (request) => {
      const error = request.error;
      if (error instanceof AppError) {
        if (error.status >= 500) logger.warn('request failed', { code: error.code, message: error.message });
        request.response = toResult(
          reply(error.status, { error: error.code, message: error.message, details: error.details, ...error.extra }, error.headers),
        );
        return;
      }
      logger.error('unexpected error', error as Error);
      request.response = toResult(
        reply(500, { error: 'internal_error', message: 'an unexpected error occurred; it has been logged', details: [] }),
      );
    },
  };
}

function allowMethods(methods: string[]): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return {
    before: async (request) => {
      const method = request.event.httpMethod?.toUpperCase();
      if (!methods.includes(method)) {
        throw new MethodNotAllowedError(`${method} is not allowed on ${request.event.path}; use ${methods.join(', ')}`, [], {
          Allow: methods.join(', '),
        });
      }
    },
  };
}

/** Every HTTP function: method check, then the handler, with errors mapped to JSON. */
export const httpHandler = (methods: string[], fn: HttpFn) =>
  middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
    .use(errorsToJson())
    .use(allowMethods(methods))
    .handler(async (event) => toResult(await fn(event)));
