/**
 * What can go wrong, in the domain's words. No HTTP here: functions/shared/http.ts alone decides
 * which status each of these becomes.
 */
export interface ErrorDetail {
  index?: number;
  path?: string;
  message: string;
  [key: string]: unknown;
}

export abstract class DomainError extends Error {
  readonly details: ErrorDetail[];

  constructor(message: string, details: ErrorDetail[] = [], options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.details = details;
  }
}

/** The body is not JSON, is empty, or is not UTF-8. */
export class MalformedBodyError extends DomainError {}

/** The body is JSON of a media type other than JSON. */
export class UnsupportedMediaTypeError extends DomainError {}

/** The body, the batch or one event is over a documented cap. */
export class TooLargeError extends DomainError {}

/** One or more events break the event rules; nothing was enqueued. */
export class InvalidEventsError extends DomainError {}

/** A query parameter or cursor is not one this API accepts. */
export class InvalidQueryError extends DomainError {}

/** A request header is malformed (e.g. an Idempotency-Key over 255 characters). */
export class InvalidHeaderError extends DomainError {}

/** Some messages are not known to be in SQS even after retries; details name each of their events, and whether SQS may have it. */
export class NotEnqueuedError extends DomainError {
  readonly accepted: number;
  readonly requestId: string;

  constructor(message: string, details: ErrorDetail[], accepted: number, requestId: string, options?: ErrorOptions) {
    super(message, details, options);
    this.accepted = accepted;
    this.requestId = requestId;
  }
}

/** An Idempotency-Key came back with a different request body. */
export class IdempotencyKeyReusedError extends DomainError {}

/** A request with the same Idempotency-Key is still being processed. */
export class IdempotencyInProgressError extends DomainError {}

/** A dependency (DynamoDB, SQS) failed in a way retrying will not fix, e.g. access denied or a missing queue. */
export class DependencyError extends DomainError {}

/** A dependency failed for a passing reason (throttled, timed out, a 5xx); retrying may work. */
export class UnavailableError extends DomainError {}

/** The invocation is about to run out of time; the work was not started or not finished. */
export class DeadlineError extends DomainError {}
