/** One class per kind of failure a caller can see; http.ts maps them to responses. */
export interface ErrorDetail {
  index?: number;
  path?: string;
  message: string;
  [key: string]: unknown;
}

export abstract class AppError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  readonly details: ErrorDetail[];
  readonly headers: Record<string, string>;
  /** Fields added to the error body beside error, message and details. */
  readonly extra: Record<string, unknown>;

  constructor(message: string, details: ErrorDetail[] = [], headers: Record<string, string> = {}, extra: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.details = details;
    this.headers = headers;
    this.extra = extra;
  }
}

export class MalformedJsonError extends AppError {
  readonly status = 400;
  readonly code = 'malformed_json';
}

export class InvalidQueryError extends AppError {
  readonly status = 400;
  readonly code = 'invalid_query';
}

export class NotFoundError extends AppError {
  readonly status = 404;
  readonly code = 'not_found';
}

export class MethodNotAllowedError extends AppError {
  readonly status = 405;
  readonly code = 'method_not_allowed';
}

export class PayloadTooLargeError extends AppError {
  readonly status = 413;
  readonly code = 'payload_too_large';
}

export class UnsupportedMediaTypeError extends AppError {
  readonly status = 415;
  readonly code = 'unsupported_media_type';
}

export class ValidationError extends AppError {
  readonly status = 422;
  readonly code = 'validation_failed';
}

/** SQS refused some messages even after retries; details name every event not enqueued. */
export class NotEnqueuedError extends AppError {
  readonly status = 503;
  readonly code = 'not_enqueued';
  constructor(message: string, details: ErrorDetail[], accepted: number, requestId: string) {
    super(message, details, { 'Retry-After': '1' }, { accepted, request_id: requestId });
  }
}
